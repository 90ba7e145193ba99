//! `amapianorize`: a song of any genre into amapiano, as `yano amapianorize` makes it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use yano_amapianorize::{amapianorize_file, Options, Quality};
use yano_generator::prompt::Style;

use crate::{JobError, Kind, Outcome, Progress, Stage};

/// The flags of `yano amapianorize`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "amapiano")]
    pub style: String,
    #[serde(default = "full")]
    pub intensity: f64,
    #[serde(default = "vocals")]
    pub keep: Vec<String>,
    pub bpm: Option<f64>,
    #[serde(default)]
    pub seed: u64,
    /// A folder of the song's stems to use instead of separating (the CLI's --stems; not taken
    /// from the platform, whose jobs read only their uploads).
    #[serde(skip)]
    pub stems: Option<PathBuf>,
    #[serde(default)]
    pub cheaper: bool,
}

fn amapiano() -> String {
    "amapiano".into()
}
fn full() -> f64 {
    1.0
}
fn vocals() -> Vec<String> {
    vec!["vocals".into()]
}

impl Params {
    pub fn from_json(value: &serde_json::Value) -> Result<Params, JobError> {
        crate::params(Kind::Amapianorize, value)
    }

    fn options(&self) -> Result<Options, JobError> {
        let bad = |message: String| JobError::Params {
            kind: Kind::Amapianorize,
            message,
        };
        let style = Style::parse(&self.style).ok_or_else(|| {
            bad(format!(
                "style {:?} is not understood: expected amapiano, private_school or sgija",
                self.style
            ))
        })?;
        let options = Options {
            style,
            intensity: self.intensity,
            keep: self.keep.iter().map(|s| s.trim().to_string()).collect(),
            bpm: self.bpm,
            seed: self.seed,
            stems_dir: self.stems.clone(),
            quality: if self.cheaper {
                Quality::Cheaper
            } else {
                Quality::Default
            },
        };
        options.check().map_err(|e| bad(e.to_string()))?;
        Ok(options)
    }

    pub fn check(&self) -> Result<(), JobError> {
        self.options().map(|_| ())
    }
}

/// Amapianorizes `input` into `out`: track.wav, stems/, sources/, track.mid, track.ron,
/// track.json and report.json.
pub fn run(
    params: &Params,
    input: &Path,
    out: &Path,
    mut progress: Progress,
) -> Result<Outcome, JobError> {
    let kind = Kind::Amapianorize;
    let options = params.options()?;
    let mut stage = Stage::new(&mut progress);
    // Separation is 60 % of the work, the render 30 %, the rest 10 %.
    let done = amapianorize_file(
        input,
        out,
        &options,
        Arc::new(yano_registry::registry()),
        &mut |step, share| match step {
            "separating" => stage.at(step, 0.0, 0.6, share),
            "warping" => stage.at(step, 0.6, 0.0, share),
            _ => stage.at(step, 0.7, 0.3, share),
        },
    )
    .map_err(|e| stage.error(kind, e))?;
    let t = &done.timings;
    let m = &done.output.amapiano;
    let mut lines = vec![
        format!(
            "{:.1} s of song at {:.1} BPM in {} → {} bars at {} BPM ({}); chords from {}; \
             the output reads {:.2} BPM, {}",
            done.source.seconds,
            done.source.bpm,
            done.source
                .key
                .map_or("no key".to_string(), |k| k.to_string()),
            done.map.bars,
            done.plan.target_bpm,
            match done.plan.beats_per_source_beat {
                f if f > 1.5 => "felt at double time",
                f if f < 0.75 => "felt at half time",
                _ => "beat for beat",
            },
            done.source.chords_from,
            done.output.bpm,
            m.summary
        ),
        format!(
            "in {:.1} s: decode {:.1}, separate {:.1} (analysis beside it {:.1}), warp {:.1}, \
             render {:.1}, write {:.1}, analyse the output {:.1}",
            t.total, t.decode, t.separate, t.analyse, t.warp, t.render, t.write, t.analyse_output
        ),
    ];
    lines.extend(done.warnings.iter().map(|w| format!("warning: {w}")));
    Ok(Outcome {
        files: done.files,
        lines,
        summary: json!({
            "style": params.style,
            "source_bpm": done.source.bpm,
            "bpm": done.plan.target_bpm,
            "bars": done.map.bars,
            "warnings": done.warnings,
        }),
    })
}
