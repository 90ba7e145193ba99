//! report.json: the song as the analysis read it (tempo, key, chords, sections), the tempo plan
//! and the map of bars, what was kept and what was composed, the output as the analysis reads
//! it (tempo, chords, which amapiano markers hold), and each step's time.

use std::path::Path;

use serde::Serialize;
use yano_analysis::report::Report;
use yano_engine::save::atomic_write;
use yano_generator::build::AudioStem;
use yano_generator::form::Part;

use crate::run::Done;
use crate::tempo::{BeatMap, TempoPlan};
use crate::{AmapianorizeError, Options};

/// Seconds each step took.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub decode: f64,
    pub separate: f64,
    /// The song's analysis (beside the separation, on its own core).
    pub analyse: f64,
    pub compose: f64,
    pub warp: f64,
    pub render: f64,
    pub write: f64,
    pub analyse_output: f64,
    pub total: f64,
}

/// The song's chords, sections and markers as the report gives them.
fn heard(r: &Report) -> serde_json::Value {
    let spelling = r.spelling();
    serde_json::json!({
        "seconds": r.seconds,
        "bpm": r.bpm,
        "tempo_steady": r.tempo_steady,
        "beats": r.beats.len(),
        "downbeats": r.downbeats.len(),
        "key": r.key.map(|k| k.to_string()),
        "key_confidence": r.key_confidence,
        "chords_from": r.chords_from,
        "chords": r.chords.iter().map(|c| serde_json::json!({
            "start": c.start, "end": c.end, "chord": c.label(spelling),
        })).collect::<Vec<_>>(),
        "sections": r.sections,
        "amapiano": r.amapiano,
        "loudness": r.loudness,
    })
}

/// The report's JSON.
#[allow(clippy::too_many_arguments)]
pub fn describe(
    song: &str,
    options: &Options,
    separated_by: &str,
    source: &Report,
    plan: &TempoPlan,
    map: &BeatMap,
    audio: &[AudioStem],
    parts: &[Part],
    output: &Report,
    timings: &Timings,
    warnings: &[String],
) -> serde_json::Value {
    let bar_s = 240.0 / map.target_bpm;
    // Each of the song's bars (from its first downbeat) and where it lands.
    let bars: Vec<serde_json::Value> = source
        .downbeats
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let t = map.target_of(*d);
            serde_json::json!({
                "song_bar": i + 1,
                "song_seconds": d,
                "bar": (t / bar_s).round() as u32 + 1,
                "seconds": (t * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    let (shortest, longest) = map.stretch_range();
    serde_json::json!({
        "song": song,
        "style": options.style,
        "intensity": options.intensity,
        "keep": options.keep,
        "seed": options.seed,
        "stems_from": separated_by,
        "source": heard(source),
        "tempo": {
            "source_bpm": plan.source_bpm,
            "target_bpm": plan.target_bpm,
            "beats_per_song_beat": plan.beats_per_source_beat,
            "stretch": plan.stretch,
            "stretch_range": [shortest, longest],
            "followed_beats": map.anchors.len() > 2,
            "first_bar": map.first_bar,
            "bars": map.bars,
        },
        "bar_map": bars,
        "song_stems": audio.iter().map(|a| serde_json::json!({
            "name": a.name, "file": a.file, "gain_db": a.gain_db,
        })).collect::<Vec<_>>(),
        "new_lines": parts,
        "output": heard(output),
        "markers_hold": {
            "tempo": output.amapiano.tempo.holds,
            "log_drum": output.amapiano.log_drum.holds,
            "shaker": output.amapiano.shaker.holds,
            "swing": output.amapiano.swing.holds,
            "summary": output.amapiano.summary,
        },
        "seconds": timings,
        "warnings": warnings,
    })
}

/// Writes report.json beside the track, with the timings as they finally are.
pub fn write(out: &Path, done: &mut Done) -> Result<(), AmapianorizeError> {
    done.report["seconds"] = serde_json::to_value(&done.timings).expect("plain numbers");
    let path = out.join("report.json");
    let text = serde_json::to_string_pretty(&done.report).expect("JSON of plain values");
    atomic_write(&path, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(|e| {
        AmapianorizeError::Write {
            path: path.clone(),
            message: e.to_string(),
        }
    })?;
    done.files.push(path);
    Ok(())
}
