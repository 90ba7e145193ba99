//! yano-analysis: what a piece of audio holds, measured from the audio alone: tempo, beats and
//! downbeats, key, chords, loudness, sections and the markers of amapiano. `yano analyze` and the
//! `analysis.*` nodes of the inference partition use it; each module names the published method
//! it follows.
//!
//! Files stream through it: memory grows with the features (about 25 MB for two hours), never
//! with the audio. It must never run on the audio thread, keep a whole file in memory, or panic
//! on bad input: a file that is not audio, is truncated or is silent gives a clear error or a
//! sensible empty result.

pub mod amapiano;
pub mod beats;
pub mod chords;
pub mod eval;
pub mod features;
mod figures;
pub mod key;
pub mod nodes;
pub mod notes;
pub mod report;
pub mod sections;
pub mod stream;
pub mod style;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use yano_audio_io::decode::{decode_stream, DecodeError};
use yano_engine::clip::AudioClip;

use figures::round;
pub use key::Profiles;
pub use report::Report;
pub use stream::{Analyzer, Measured};

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("cannot analyse {0}")]
    Format(String),
    #[error("resampling the mono mix to the analysis rate failed: {0}")]
    Resample(String),
    #[error("loudness measurement failed: {0}")]
    Loudness(String),
    #[error("{0} holds no audio")]
    Empty(String),
    #[error("the chord model {name} failed: {reason}")]
    ChordModel { name: String, reason: String },
    #[error("the style model {name} failed: {reason}")]
    StyleModel { name: String, reason: String },
}

/// Which analyses run and how.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub key_profiles: Profiles,
    /// The chroma chords and key are read from.
    pub chroma: Chroma,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            key_profiles: Profiles::Temperley,
            chroma: Chroma::Notes,
        }
    }
}

/// Which chroma chords and key read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chroma {
    /// The spectral peaks' pitch classes: overtones count as notes.
    Peaks,
    /// The notes fitted to the peaks ([`notes`]): overtones explained away.
    Notes,
}

impl Chroma {
    pub fn name(self) -> &'static str {
        match self {
            Chroma::Peaks => "peaks",
            Chroma::Notes => "notes",
        }
    }

    /// `peaks` or `notes`.
    pub fn parse(text: &str) -> Option<Chroma> {
        match text {
            "peaks" => Some(Chroma::Peaks),
            "notes" => Some(Chroma::Notes),
            _ => None,
        }
    }
}

/// What reads the learned parts of the analysis: the chords, and the style.
#[derive(Clone)]
pub struct Readers {
    pub chords: Arc<dyn chords::ChordReader>,
    /// None: the report gives no style.
    pub style: Option<Arc<dyn style::StyleReader>>,
}

impl Readers {
    /// The rules' chords and no style: what the analysis does without yano-models.
    pub fn rules() -> Readers {
        Readers {
            chords: Arc::new(chords::Rules),
            style: None,
        }
    }
}

static DEFAULT_READERS: OnceLock<Readers> = OnceLock::new();

/// Installs the readers [`analyze_file`] and the analysis nodes use (yano-models installs its
/// chord and style models when it registers its nodes); the first install wins. Any thread.
pub fn install_default_readers(readers: Readers) {
    let _ = DEFAULT_READERS.set(readers);
}

/// The installed readers, [`Readers::rules`] when none are.
pub fn default_readers() -> Readers {
    DEFAULT_READERS
        .get()
        .cloned()
        .unwrap_or_else(Readers::rules)
}

/// Streams a file (WAV, FLAC, MP3, OGG) through the analysis, read by the default readers
/// ([`default_readers`]: yano's models once yano-models is registered).
pub fn analyze_file(path: &Path, settings: &Settings) -> Result<Report, AnalysisError> {
    analyze_with(measure_file(path)?, settings, &default_readers())
}

/// Decodes a file block by block into the features and loudness.
pub fn measure_file(path: &Path) -> Result<Measured, AnalysisError> {
    let mut analyzer: Option<Analyzer> = None;
    let mut failure: Option<AnalysisError> = None;
    decode_stream(path, f64::INFINITY, |block| {
        if failure.is_some() {
            return;
        }
        if analyzer.is_none() {
            match Analyzer::new(block.sample_rate, block.channels.len()) {
                Ok(a) => analyzer = Some(a),
                Err(e) => {
                    failure = Some(e);
                    return;
                }
            }
        }
        let channels: Vec<&[f32]> = block.channels.iter().map(Vec::as_slice).collect();
        if let Some(a) = analyzer.as_mut() {
            if let Err(e) = a.push(&channels) {
                failure = Some(e);
            }
        }
    })?;
    if let Some(e) = failure {
        return Err(e);
    }
    analyzer
        .ok_or_else(|| AnalysisError::Empty(path.display().to_string()))?
        .finish()
}

/// Analyses a clip held in memory (the nodes' input).
pub fn measure_clip(clip: &AudioClip) -> Result<Measured, AnalysisError> {
    if clip.frames() == 0 {
        return Err(AnalysisError::Empty("the clip".into()));
    }
    let mut analyzer = Analyzer::new(clip.sample_rate, clip.channels.len())?;
    let block = 1 << 16;
    for start in (0..clip.frames()).step_by(block) {
        let end = (start + block).min(clip.frames());
        let channels: Vec<&[f32]> = clip.channels.iter().map(|c| &c[start..end]).collect();
        analyzer.push(&channels)?;
    }
    analyzer.finish()
}

/// Runs every analysis on what was measured, the chords read by the rules.
pub fn analyze(measured: Measured, settings: &Settings) -> Report {
    let read = |h: &chords::Harmony| Ok::<_, std::convert::Infallible>(chords::rule_emissions(h));
    let no_style = |_: &[f32; style::STYLE_FEATURES]| Ok(None);
    match analyze_reading(measured, settings, "rules", read, no_style) {
        Ok(report) => report,
        Err(never) => match never {},
    }
}

/// Runs every analysis on what was measured, the chords and style read by `readers` (the
/// rules or models); fails only where a reader does.
pub fn analyze_with(
    measured: Measured,
    settings: &Settings,
    readers: &Readers,
) -> Result<Report, AnalysisError> {
    let chords = &readers.chords;
    let style = |d: &[f32; style::STYLE_FEATURES]| match &readers.style {
        None => Ok(None),
        Some(reader) => reader
            .probabilities(d)
            .map(|p| p.map(|p| style::StyleGuess::of(p, reader.name()))),
    };
    analyze_reading(
        measured,
        settings,
        chords.name(),
        |h| chords.emissions(h),
        style,
    )
}

/// The beats (with downbeats) found in `features`, and the harmony of each beat read from
/// `chroma`: what the chords, the key and the chord model's training data start from.
pub fn beats_and_harmony(
    features: &features::Features,
    chroma: Chroma,
) -> (beats::Beats, chords::Harmony) {
    let mut beats = beats::beats(features);
    beats::downbeats(features, &mut beats);
    let chroma = match chroma {
        Chroma::Peaks => &features.chroma,
        Chroma::Notes => &features.note_chroma,
    };
    let harmony = chords::Harmony::of(features, chroma, &beats.frames);
    (beats, harmony)
}

fn analyze_reading<E>(
    measured: Measured,
    settings: &Settings,
    chords_from: &str,
    emissions: impl FnOnce(&chords::Harmony) -> Result<Vec<[f32; chords::STATES]>, E>,
    style_of: impl FnOnce(&[f32; style::STYLE_FEATURES]) -> Result<Option<style::StyleGuess>, E>,
) -> Result<Report, E> {
    let f = &measured.features;
    let (beats, harmony) = beats_and_harmony(f, settings.chroma);
    let chords = chords::decode(&harmony, &emissions(&harmony)?);
    let key = key::from_chords(&chords, &key::track_chroma(&harmony), settings.key_profiles);
    let sections = sections::sections(f, &beats);
    let amapiano = amapiano::markers(f, &beats);
    let (key_name, key_confidence) = report::key_fields(&key);
    let style_descriptor =
        style::descriptor(f, &beats, &amapiano, &chords, measured.loudness.range_lu);
    let style = style_of(&style_descriptor)?;
    let r3 = |v: &[f64]| v.iter().map(|t| round(*t, 3)).collect();
    Ok(Report {
        seconds: round(measured.seconds, 3),
        sample_rate: measured.sample_rate,
        channels: measured.channels,
        bpm: round(beats.bpm, 3),
        tempo_steady: beats.steady,
        beats: r3(&beats.beats),
        downbeats: r3(&beats.downbeats),
        key: key_name,
        key_confidence,
        key_profiles: settings.key_profiles.name(),
        chroma: settings.chroma.name(),
        tuning_cents: round(f.tuning_cents, 1),
        chords_from: chords_from.to_string(),
        chords: chords.iter().map(report::rounded).collect(),
        loudness: report::LoudnessReport::from(&measured.loudness),
        sections: r3(&sections),
        amapiano,
        style,
        style_descriptor,
    })
}
