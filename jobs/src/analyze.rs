//! `analyze`: tempo, beats, key, chords, loudness, sections and amapiano markers of a song, as
//! `yano analyze --json` reports them, written as analysis.json.

use std::path::Path;

use serde::Deserialize;
use serde_json::json;

use crate::{JobError, Kind, Outcome, Progress};

/// The flags of `yano analyze`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// notes (the default) or peaks.
    #[serde(default = "notes")]
    pub chroma: String,
    /// auto (the default), model or rules.
    #[serde(default = "auto")]
    pub chords: String,
}

fn notes() -> String {
    "notes".into()
}
fn auto() -> String {
    "auto".into()
}

impl Default for Params {
    fn default() -> Self {
        Params {
            chroma: notes(),
            chords: auto(),
        }
    }
}

impl Params {
    pub fn from_json(value: &serde_json::Value) -> Result<Params, JobError> {
        crate::params(Kind::Analyze, value)
    }

    fn parsed(
        &self,
    ) -> Result<(yano_analysis::Chroma, yano_models::readers::ChordChoice), JobError> {
        let bad = |message: String| JobError::Params {
            kind: Kind::Analyze,
            message,
        };
        let chroma = yano_analysis::Chroma::parse(&self.chroma)
            .ok_or_else(|| bad(format!("chroma {:?}: expected notes or peaks", self.chroma)))?;
        let chords = yano_models::readers::ChordChoice::parse(&self.chords).ok_or_else(|| {
            bad(format!(
                "chords {:?}: expected auto, model or rules",
                self.chords
            ))
        })?;
        Ok((chroma, chords))
    }

    pub fn check(&self) -> Result<(), JobError> {
        self.parsed().map(|_| ())
    }
}

/// The analysis, its notes (which chord reader ran and why) and its JSON text.
pub struct Analysis {
    pub report: yano_analysis::Report,
    pub notes: Vec<String>,
}

/// Analyses `input` (streamed, so any length fits in memory).
pub fn analyse(params: &Params, input: &Path) -> Result<Analysis, JobError> {
    let kind = Kind::Analyze;
    let (chroma, choice) = params.parsed()?;
    let settings = yano_analysis::Settings {
        chroma,
        ..yano_analysis::Settings::default()
    };
    let (readers, notes) =
        yano_models::readers::readers(choice).map_err(|e| JobError::failed(kind, e))?;
    let measured = yano_analysis::measure_file(input).map_err(|e| JobError::failed(kind, e))?;
    let report = yano_analysis::analyze_with(measured, &settings, &readers)
        .map_err(|e| JobError::failed(kind, e))?;
    Ok(Analysis { report, notes })
}

/// Analyses `input` and writes `out/analysis.json`.
pub fn run(
    params: &Params,
    input: &Path,
    out: &Path,
    progress: Progress,
) -> Result<Outcome, JobError> {
    let kind = Kind::Analyze;
    if !progress("analysing", 0.0) {
        return Err(JobError::Cancelled { kind });
    }
    let analysis = analyse(params, input)?;
    let path = out.join("analysis.json");
    let text = analysis.report.to_json();
    yano_engine::save::atomic_write(&path, |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(|e| JobError::failed(kind, format!("cannot write {}: {e}", path.display())))?;
    progress("done", 1.0);
    let r = &analysis.report;
    let mut lines = analysis.notes;
    lines.push(format!(
        "{:.1} s at {:.1} BPM: {}",
        r.seconds, r.bpm, r.amapiano.summary
    ));
    Ok(Outcome {
        files: vec![path],
        lines,
        summary: json!({"seconds": r.seconds, "bpm": r.bpm}),
    })
}
