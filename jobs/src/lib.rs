//! yano's long jobs, each one function: generate a track from a prompt, separate a song into stems,
//! analyse a song, transcribe notes, amapianorize a song, render a preset. A job takes typed
//! parameters (the flags of its CLI command, as JSON where it arrives from the platform), at most
//! one input file, and a folder it writes its results into; it reports progress as a share of the
//! whole and stops at the next progress point when told to.
//!
//! The CLI and the platform's workers call these same functions, so a job queued through the API
//! makes exactly what the command makes. This crate must never know about HTTP, queues, databases
//! or terminals: it reads its input, writes into its folder, and says how far it is.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub mod amapianorize;
pub mod analyze;
pub mod generate;
pub mod render;
pub mod separate;
pub mod transcribe;

/// The kinds of job, named as the CLI's commands are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Generate,
    Separate,
    Analyze,
    Transcribe,
    Amapianorize,
    Render,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Generate,
        Kind::Separate,
        Kind::Analyze,
        Kind::Transcribe,
        Kind::Amapianorize,
        Kind::Render,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Generate => "generate",
            Kind::Separate => "separate",
            Kind::Analyze => "analyze",
            Kind::Transcribe => "transcribe",
            Kind::Amapianorize => "amapianorize",
            Kind::Render => "render",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether the job reads an audio file (an upload) as its input.
    pub fn takes_audio(self) -> bool {
        matches!(
            self,
            Kind::Separate | Kind::Analyze | Kind::Transcribe | Kind::Amapianorize
        )
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a job did not finish.
#[derive(Debug, Error)]
pub enum JobError {
    #[error("{kind} parameters: {message}")]
    Params { kind: Kind, message: String },
    #[error("{kind} needs an input audio file")]
    NoInput { kind: Kind },
    #[error("{kind} takes no input file")]
    UnexpectedInput { kind: Kind },
    #[error("{kind} failed: {message}")]
    Failed { kind: Kind, message: String },
    #[error("{kind} was cancelled")]
    Cancelled { kind: Kind },
}

impl JobError {
    pub(crate) fn failed(kind: Kind, message: impl std::fmt::Display) -> JobError {
        JobError::Failed {
            kind,
            message: message.to_string(),
        }
    }
}

/// What a finished job made.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every file written, under the job's folder.
    pub files: Vec<PathBuf>,
    /// Lines for a person, as the CLI prints them on standard error.
    pub lines: Vec<String>,
    /// Figures for machines (the platform's metrics and job record): style, seconds, LUFS …
    pub summary: serde_json::Value,
}

/// How a job says how far it is: the stage ("rendering") and the share of the whole job done,
/// 0..=1. Returning false asks the job to stop at this point.
pub type Progress<'a> = &'a mut dyn FnMut(&str, f64) -> bool;

/// Reads a kind's parameters from JSON, refusing unknown fields and wrong types by name.
pub fn params<T: serde::de::DeserializeOwned>(
    kind: Kind,
    value: &serde_json::Value,
) -> Result<T, JobError> {
    let value = if value.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        value.clone()
    };
    serde_json::from_value(value).map_err(|e| JobError::Params {
        kind,
        message: e.to_string(),
    })
}

/// Checks a job's parameters and input without running it: what a server does before it queues.
pub fn check(kind: Kind, value: &serde_json::Value, has_input: bool) -> Result<(), JobError> {
    match (kind.takes_audio(), has_input) {
        (true, false) => return Err(JobError::NoInput { kind }),
        (false, true) => return Err(JobError::UnexpectedInput { kind }),
        _ => {}
    }
    match kind {
        Kind::Generate => generate::Params::from_json(value)?.check(),
        Kind::Separate => separate::Params::from_json(value)?.check(),
        Kind::Analyze => analyze::Params::from_json(value)?.check(),
        Kind::Transcribe => transcribe::Params::from_json(value)?.check(),
        Kind::Amapianorize => amapianorize::Params::from_json(value)?.check(),
        Kind::Render => render::Params::from_json(value)?.check(),
    }
}

/// Runs one job: `input` is the audio file of the kinds that take one, `out` the folder the
/// results go to (made if missing).
pub fn run(
    kind: Kind,
    value: &serde_json::Value,
    input: Option<&Path>,
    out: &Path,
    progress: Progress,
) -> Result<Outcome, JobError> {
    let need = |input: Option<&Path>| {
        input
            .map(Path::to_path_buf)
            .ok_or(JobError::NoInput { kind })
    };
    std::fs::create_dir_all(out)
        .map_err(|e| JobError::failed(kind, format!("cannot create {}: {e}", out.display())))?;
    match kind {
        Kind::Generate => generate::run(&generate::Params::from_json(value)?, out, progress),
        Kind::Separate => separate::run(
            &separate::Params::from_json(value)?,
            &need(input)?,
            out,
            progress,
        ),
        Kind::Analyze => analyze::run(
            &analyze::Params::from_json(value)?,
            &need(input)?,
            out,
            progress,
        ),
        Kind::Transcribe => transcribe::run(
            &transcribe::Params::from_json(value)?,
            &need(input)?,
            out,
            progress,
        ),
        Kind::Amapianorize => amapianorize::run(
            &amapianorize::Params::from_json(value)?,
            &need(input)?,
            out,
            progress,
        ),
        Kind::Render => render::run(&render::Params::from_json(value)?, out, progress),
    }
}

/// Relays a job's own 0..=1 progress into the whole job's share: `from + share × width`, and
/// turns a stop asked for into [`JobError::Cancelled`] once the job returns.
pub(crate) struct Stage<'p, 'a> {
    pub progress: &'p mut Progress<'a>,
    pub stopped: bool,
}

impl<'p, 'a> Stage<'p, 'a> {
    pub fn new(progress: &'p mut Progress<'a>) -> Self {
        Stage {
            progress,
            stopped: false,
        }
    }

    /// Says `stage` is `share` done, mapped into `from..from + width` of the job.
    pub fn at(&mut self, stage: &str, from: f64, width: f64, share: f64) -> bool {
        let go_on = (self.progress)(stage, (from + width * share.clamp(0.0, 1.0)).min(1.0));
        if !go_on {
            self.stopped = true;
        }
        go_on
    }

    /// The error to give when the work failed: a stop asked for wins over the work's own error.
    pub fn error(&self, kind: Kind, message: impl std::fmt::Display) -> JobError {
        if self.stopped {
            JobError::Cancelled { kind }
        } else {
            JobError::failed(kind, message)
        }
    }
}

/// Lists every file under `dir`, sorted: what a job leaves for the store.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}
