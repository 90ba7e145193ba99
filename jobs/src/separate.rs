//! `separate`: a song into stems with yano's separator, as `yano separate` makes them.

use std::path::Path;
use std::time::Instant;

use serde::Deserialize;
use serde_json::json;
use yano_separate::files::{self, Described, Limits};
use yano_separate::{ModelMasks, Options};

use crate::{JobError, Kind, Outcome, Progress, Stage};

/// The flags of `yano separate`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Only these stems, plus "rest"; every stem when empty.
    #[serde(default)]
    pub stems: Vec<String>,
    /// A separation model declared in models/models.ron (yano's own when left out).
    pub model: Option<String>,
    /// The most memory (GB) separation may take (the memory available by default).
    pub max_memory: Option<f64>,
    /// Worker threads (all cores when 0).
    #[serde(default)]
    pub threads: usize,
}

impl Params {
    pub fn from_json(value: &serde_json::Value) -> Result<Params, JobError> {
        crate::params(Kind::Separate, value)
    }

    pub fn check(&self) -> Result<(), JobError> {
        yano_separate::chosen_stems(&self.stems).map_err(|e| JobError::Params {
            kind: Kind::Separate,
            message: e.to_string(),
        })?;
        Ok(())
    }
}

/// Separates `input` into `out`: one WAV a stem and separation.json.
pub fn run(
    params: &Params,
    input: &Path,
    out: &Path,
    mut progress: Progress,
) -> Result<Outcome, JobError> {
    let kind = Kind::Separate;
    let started = Instant::now();
    let options = Options {
        stems: params.stems.clone(),
        threads: params.threads,
    };
    // Names first, then the model, then the audio: each mistake is named before slow work.
    params.check()?;
    yano_audio_io::decode::probe_file(input, f64::INFINITY)
        .map_err(|e| JobError::failed(kind, e))?;
    let masks = ModelMasks::load(params.model.as_deref()).map_err(|e| JobError::failed(kind, e))?;
    let limits = Limits {
        max_memory: params
            .max_memory
            .map(|gb| (gb.max(0.0) * 1e9) as u64)
            .or_else(files::available_memory),
        segmenting: None,
    };
    let backend = masks.model.backend.to_string();
    let described = Described {
        model: masks.name(),
        backend: &backend,
    };
    let mut stage = Stage::new(&mut progress);
    let written = files::separate_file(
        input,
        out,
        &masks,
        described,
        &options,
        limits,
        &mut |done| stage.at("separating", 0.0, 1.0, done),
    )
    .map_err(|e| stage.error(kind, e))?;
    let seconds = written.frames as f64 / f64::from(written.sample_rate);
    let line = format!(
        "{} stems from {seconds:.1} s of audio ({} Hz, {} channels) with {} on {backend} in {:.1} s",
        written.files.len() - 1,
        written.sample_rate,
        written.channels,
        masks.name(),
        started.elapsed().as_secs_f64()
    );
    Ok(Outcome {
        files: written.files,
        lines: vec![line],
        summary: json!({"seconds": seconds, "model": masks.name(), "backend": backend}),
    })
}
