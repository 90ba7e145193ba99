//! `transcribe`: the notes of a recording with basic-pitch, written as notes.mid and notes.json,
//! as `yano transcribe -o notes.mid --json` makes them.

use std::path::Path;

use serde::Deserialize;
use serde_json::json;
use yano_models::{Options, Transcription, Voices};

use crate::{JobError, Kind, Outcome, Progress, Stage};

/// The flags of `yano transcribe`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The MIDI file's tempo, so its bars are the song's.
    #[serde(default = "bpm")]
    pub bpm: f64,
    #[serde(default = "onset")]
    pub onset_threshold: f32,
    #[serde(default = "frame")]
    pub frame_threshold: f32,
    #[serde(default = "min_note")]
    pub min_note_ms: f64,
    pub min_hz: Option<f64>,
    pub max_hz: Option<f64>,
    #[serde(default)]
    pub pitch_bends: bool,
    /// auto, mono or poly.
    #[serde(default = "auto")]
    pub voices: String,
}

fn bpm() -> f64 {
    120.0
}
fn onset() -> f32 {
    0.5
}
fn frame() -> f32 {
    0.3
}
fn min_note() -> f64 {
    70.0
}
fn auto() -> String {
    "auto".into()
}

impl Params {
    pub fn from_json(value: &serde_json::Value) -> Result<Params, JobError> {
        crate::params(Kind::Transcribe, value)
    }

    /// The transcriber's options.
    pub fn options(&self) -> Result<Options, JobError> {
        let bad = |message: String| JobError::Params {
            kind: Kind::Transcribe,
            message,
        };
        let voices = Voices::parse(&self.voices).ok_or_else(|| {
            bad(format!(
                "voices {:?}: expected auto, mono or poly",
                self.voices
            ))
        })?;
        if !(self.bpm > 0.0 && self.bpm <= 400.0) {
            return Err(bad(format!("bpm {} is outside 0 < bpm ≤ 400", self.bpm)));
        }
        for (name, v) in [
            ("onset_threshold", self.onset_threshold),
            ("frame_threshold", self.frame_threshold),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(bad(format!("{name} {v} is outside 0..=1")));
            }
        }
        Ok(Options {
            onset_threshold: self.onset_threshold,
            frame_threshold: self.frame_threshold,
            min_note_seconds: self.min_note_ms / 1000.0,
            min_hz: self.min_hz,
            max_hz: self.max_hz,
            pitch_bends: self.pitch_bends,
            voices,
            ..Options::default()
        })
    }

    pub fn check(&self) -> Result<(), JobError> {
        self.options().map(|_| ())
    }
}

/// Transcribes `input` with the fetched basic-pitch model; `progress` gets the share done.
pub fn transcription(
    params: &Params,
    input: &Path,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(Transcription, String, f64), JobError> {
    let kind = Kind::Transcribe;
    let options = params.options()?;
    // The audio first: a bad file is named before any model is loaded.
    let decoded = yano_audio_io::decode::decode_file(input, 3.0 * 3600.0)
        .map_err(|e| JobError::failed(kind, e))?;
    let audio = yano_models::transcribe::model_input(decoded)
        .map_err(|e| JobError::failed(kind, format!("{}: {e}", input.display())))?;
    let loading = std::time::Instant::now();
    let model = yano_models::shared("basic-pitch").map_err(|e| JobError::failed(kind, e))?;
    let loaded = loading.elapsed().as_secs_f64();
    let result = yano_models::transcribe(&model, &audio, &options, &mut |done| {
        progress(f64::from(done))
    })
    .map_err(|e| JobError::failed(kind, format!("{}: {e}", input.display())))?;
    Ok((result, model.backend.to_string(), loaded))
}

/// Transcribes `input` into `out/notes.mid` and `out/notes.json`.
pub fn run(
    params: &Params,
    input: &Path,
    out: &Path,
    mut progress: Progress,
) -> Result<Outcome, JobError> {
    let kind = Kind::Transcribe;
    let mut stage = Stage::new(&mut progress);
    let (result, backend, _) = transcription(params, input, &mut |share| {
        stage.at("transcribing", 0.0, 1.0, share)
    })
    .map_err(|e| {
        if stage.stopped {
            JobError::Cancelled { kind }
        } else {
            e
        }
    })?;
    let midi = out.join("notes.mid");
    let bytes = yano_models::midi::midi_bytes(&result.notes, params.bpm)
        .map_err(|e| JobError::failed(kind, format!("cannot write {}: {e}", midi.display())))?;
    let json_path = out.join("notes.json");
    let doc = json!({
        "model": result.model,
        "backend": backend,
        "seconds": result.seconds,
        "voices": result.voices,
        "polyphony": result.polyphony,
        "notes": result.notes,
    });
    for (path, bytes) in [
        (&midi, bytes),
        (
            &json_path,
            serde_json::to_vec_pretty(&doc).unwrap_or_default(),
        ),
    ] {
        yano_engine::save::atomic_write(path, |w| std::io::Write::write_all(w, &bytes))
            .map_err(|e| JobError::failed(kind, format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(Outcome {
        files: vec![midi, json_path],
        lines: vec![format!(
            "{} notes from {:.1} s of audio on {backend}",
            result.notes.len(),
            result.seconds
        )],
        summary: json!({"notes": result.notes.len(), "seconds": result.seconds}),
    })
}
