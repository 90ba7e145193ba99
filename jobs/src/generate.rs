//! `generate`: a full track from a prompt (the mix, exact stems, MIDI, the graph and a JSON
//! description), as `yano generate` makes it.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;
use serde_json::json;

use crate::{JobError, Kind, Outcome, Progress, Stage};

/// The flags of `yano generate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub prompt: String,
    #[serde(default = "one")]
    pub seed: u64,
    pub style: Option<String>,
    pub key: Option<String>,
    pub bpm: Option<f64>,
    /// Percent, 50 straight … 75.
    pub swing: Option<f64>,
    pub bars: Option<u32>,
    pub minutes: Option<f64>,
    pub energy: Option<String>,
    pub density: Option<f64>,
    pub complexity: Option<f64>,
    #[serde(default)]
    pub instruments: Vec<String>,
    #[serde(default)]
    pub without: Vec<String>,
    /// Analyse the mix afterwards and report which amapiano markers hold (the platform does).
    #[serde(default)]
    pub check_markers: bool,
}

fn one() -> u64 {
    1
}

/// The longest track a job may ask for: 20 minutes.
const MAX_MINUTES: f64 = 20.0;

impl Params {
    pub fn from_json(value: &serde_json::Value) -> Result<Params, JobError> {
        crate::params(Kind::Generate, value)
    }

    fn options(&self) -> yano_generator::Options {
        yano_generator::Options {
            style: self.style.clone(),
            key: self.key.clone(),
            bpm: self.bpm,
            swing: self.swing.map(|s| s / 100.0),
            bars: self.bars,
            seconds: self.minutes.map(|m| m * 60.0),
            seed: self.seed,
            energy: self.energy.clone(),
            density: self.density,
            complexity: self.complexity,
            parts: self.instruments.clone(),
            without: self.without.clone(),
        }
    }

    /// Reads the prompt and every option, as the generator will, without composing.
    pub fn check(&self) -> Result<(), JobError> {
        let bad = |message: String| JobError::Params {
            kind: Kind::Generate,
            message,
        };
        if self.bars.is_some() && self.minutes.is_some() {
            return Err(bad("give bars or minutes, not both".into()));
        }
        if let Some(m) = self.minutes {
            if !(m > 0.0 && m <= MAX_MINUTES) {
                return Err(bad(format!(
                    "minutes {m} is outside 0 < minutes ≤ {MAX_MINUTES}"
                )));
            }
        }
        if let Some(b) = self.bars {
            if b == 0 || b > 1024 {
                return Err(bad(format!("bars {b} is outside 1 ≤ bars ≤ 1024")));
            }
        }
        let (request, _) = yano_generator::Request::new(&self.prompt, &self.options())
            .map_err(|e| bad(e.to_string()))?;
        if request.seconds() > MAX_MINUTES * 60.0 + 60.0 {
            return Err(bad(format!(
                "the prompt asks for {:.0} s, more than {MAX_MINUTES} minutes",
                request.seconds()
            )));
        }
        Ok(())
    }
}

/// Composes the track and writes track.wav, stems/, track.mid, track.ron and track.json into
/// `out`.
pub fn run(params: &Params, out: &Path, mut progress: Progress) -> Result<Outcome, JobError> {
    let kind = Kind::Generate;
    params.check()?;
    let started = Instant::now();
    let (request, reading) = yano_generator::Request::new(&params.prompt, &params.options())
        .map_err(|e| JobError::Params {
            kind,
            message: e.to_string(),
        })?;
    let mut stage = Stage::new(&mut progress);
    if !stage.at("composing", 0.0, 0.05, 0.0) {
        return Err(JobError::Cancelled { kind });
    }
    let track = yano_generator::compose(&request);
    let composed_in = started.elapsed().as_secs_f64();
    let mut lines = vec![format!(
        "{} in {}, {} BPM, {} bars ({:.0} s), seed {}{}",
        request.style,
        request.key,
        request.bpm,
        request.bars,
        request.seconds(),
        request.seed,
        if request.moods.is_empty() {
            String::new()
        } else {
            format!(", {}", request.moods.join(", "))
        }
    )];
    if !reading.unknown.is_empty() {
        lines.push(format!(
            "not understood, left out: {} (mood words: {})",
            reading.unknown.join(", "),
            yano_generator::prompt::mood_words().join(", ")
        ));
    }
    let sections: Vec<String> = track
        .sections
        .iter()
        .map(|s| format!("{} {}-{}", s.name, s.first_bar, s.last_bar))
        .collect();
    lines.push(format!("sections: {}", sections.join(", ")));
    let vocals = request.vocals.names();
    if !vocals.is_empty() {
        let hook = yano_generator::vocals::hook_bars(&track.sections)
            .filter(|_| request.vocals.hook)
            .map(|(a, b)| format!(", hook sung in bars {a}-{b}"))
            .unwrap_or_default();
        lines.push(format!(
            "vocals: {} ({} voice){hook}",
            vocals.join(", "),
            yano_generator::vocals::voice_type(request.style)
        ));
    }
    let render_width = if params.check_markers { 0.8 } else { 0.95 };
    let written = yano_generator::export::write_with_progress(
        &track,
        out,
        Arc::new(yano_registry::registry()),
        composed_in,
        &mut |share| stage.at("rendering the mix and stems", 0.05, render_width, share),
    )
    .map_err(|e| stage.error(kind, e))?;
    let stems = written
        .files
        .iter()
        .filter(|f| f.parent().is_some_and(|p| p.ends_with("stems")))
        .count();
    lines.push(format!(
        "{:.2} s in all (compose {:.3} s, render mix and {stems} stems {:.2} s, write {:.2} s): {:.1} LUFS, true peak {:.1} dBTP",
        started.elapsed().as_secs_f64(),
        written.seconds_compose,
        written.seconds_render,
        written.seconds_write,
        written.lufs,
        written.true_peak_db
    ));
    let mut summary = json!({
        "style": request.style.to_string(),
        "key": request.key.to_string(),
        "bpm": request.bpm,
        "bars": request.bars,
        "seconds": request.seconds(),
        "seed": request.seed,
        "lufs": written.lufs,
        "true_peak_db": written.true_peak_db,
        "stems": stems,
    });
    if params.check_markers {
        if !stage.at("checking the amapiano markers", 0.85, 0.15, 0.0) {
            return Err(JobError::Cancelled { kind });
        }
        let mix = out.join("track.wav");
        let measured = yano_analysis::measure_file(&mix).map_err(|e| JobError::failed(kind, e))?;
        let report = yano_analysis::analyze(measured, &yano_analysis::Settings::default());
        let m = &report.amapiano;
        let held = [
            m.tempo.holds,
            m.log_drum.holds,
            m.shaker.holds,
            m.swing.holds,
        ];
        let share = held.iter().filter(|h| **h).count() as f64 / held.len() as f64;
        lines.push(format!("amapiano markers: {}", m.summary));
        summary["markers_held"] = json!(share);
        summary["markers"] = json!(m.summary);
    }
    stage.at("done", 1.0, 0.0, 1.0);
    Ok(Outcome {
        files: written.files,
        lines,
        summary,
    })
}
