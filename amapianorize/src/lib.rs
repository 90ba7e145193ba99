//! yano-amapianorize: a song of any genre into amapiano. The song is separated into stems and
//! analysed (tempo, beats, downbeats, key, chords, sections); the stems the user keeps (the
//! vocals above all) are warped beat by beat onto a steady grid at an amapiano tempo; the
//! generator composes log drum, drums, percussion, bass, keys and pad over the song's own chords
//! and sections; the kept stems and the new lines are mixed and mastered as a generated track
//! is, in one graph the editor opens.
//!
//! Offline work: never on the audio thread. It reaches no network: the separator and the
//! analysis's models are built in.

pub mod follow;
pub mod node;
pub mod report;
pub mod run;
pub mod songs;
pub mod tempo;
pub mod warp;

use std::path::PathBuf;

use yano_generator::prompt::Style;

pub use run::{amapianorize, amapianorize_file, Done, Stems};
pub use warp::Quality;

/// What can go wrong, naming what failed.
#[derive(Debug, thiserror::Error)]
pub enum AmapianorizeError {
    #[error(transparent)]
    Decode(#[from] yano_audio_io::decode::DecodeError),
    #[error("{song} is silent (its loudest sample is {peak_db:.0} dBFS): there is nothing to amapianorize")]
    Silent { song: String, peak_db: f64 },
    #[error(
        "{song} is {seconds:.1} s long: amapianorize needs at least {min} s (two bars at 60 BPM)"
    )]
    TooShort {
        song: String,
        seconds: f64,
        min: f64,
    },
    #[error("--intensity {0} is not understood: expected a number from 0 to 1")]
    Intensity(f64),
    #[error("--bpm {0} is not understood: expected a tempo from 60 to 200 BPM")]
    Bpm(f64),
    #[error("--keep {name}: no such stem (stems: {})", yano_separate::STEMS.join(", "))]
    UnknownStem { name: String },
    #[error("separating the song: {0}")]
    Separate(#[from] yano_separate::SeparateError),
    #[error("analysing the song: {0}")]
    Analysis(#[from] yano_analysis::AnalysisError),
    #[error(transparent)]
    Generate(#[from] yano_generator::GenerateError),
    #[error("the stems in {}: {reason}", dir.display())]
    GivenStems { dir: PathBuf, reason: String },
    #[error("cannot write {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
    #[error("cancelled")]
    Cancelled,
}

/// What the user asks for.
#[derive(Debug, Clone)]
pub struct Options {
    pub style: Style,
    /// 0..=1: how much of the song's own instruments is replaced. The kept stems always stay at
    /// their level; the song's other stems play at 1 − intensity (gone at 1); from 0.5 up the
    /// generator's bass, keys and pad play the song's chords.
    pub intensity: f64,
    /// Stems of the song kept as they are (warped): separator stem names.
    pub keep: Vec<String>,
    /// The target tempo; the style's range when None.
    pub bpm: Option<f64>,
    pub seed: u64,
    /// A folder of stems (`vocals.wav`, `piano.wav` …) to use instead of separating.
    pub stems_dir: Option<PathBuf>,
    pub quality: Quality,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            style: Style::Amapiano,
            intensity: 1.0,
            keep: vec!["vocals".into()],
            bpm: None,
            seed: 0,
            stems_dir: None,
            quality: Quality::Default,
        }
    }
}

impl Options {
    /// Refuses what cannot be done, naming it.
    pub fn check(&self) -> Result<(), AmapianorizeError> {
        if !(0.0..=1.0).contains(&self.intensity) {
            return Err(AmapianorizeError::Intensity(self.intensity));
        }
        if let Some(b) = self.bpm {
            if !(60.0..=200.0).contains(&b) {
                return Err(AmapianorizeError::Bpm(b));
            }
        }
        for name in &self.keep {
            if !yano_separate::STEMS.contains(&name.as_str()) {
                return Err(AmapianorizeError::UnknownStem { name: name.clone() });
            }
        }
        Ok(())
    }
}
