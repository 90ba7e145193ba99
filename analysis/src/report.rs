//! The whole analysis of a track: what `yano analyze` prints and what `--json` writes. The JSON
//! schema is documented in the README ("Analysing audio").

use serde::Serialize;
use yano_engine::loudness::Loudness;

use crate::amapiano::Markers;
use crate::chords::ChordSpan;
use crate::key::KeyEstimate;

/// Everything measured of a track. Times are seconds from its start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub seconds: f64,
    pub sample_rate: u32,
    pub channels: usize,
    /// 0 when no beat was found.
    pub bpm: f64,
    /// Whether one tempo fits the whole track.
    pub tempo_steady: bool,
    pub beats: Vec<f64>,
    pub downbeats: Vec<f64>,
    /// "F minor"; null when nothing pitched was heard.
    pub key: Option<String>,
    pub key_confidence: f64,
    pub key_profiles: &'static str,
    /// Tuning against A = 440 Hz, cents: chroma and chords are read on this grid.
    pub tuning_cents: f64,
    pub chords: Vec<Chord>,
    pub loudness: LoudnessReport,
    /// Section boundaries, the start and the end included.
    pub sections: Vec<f64>,
    pub amapiano: Markers,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chord {
    pub start: f64,
    pub end: f64,
    pub label: String,
}

/// EBU R 128 measures; null where the track is silent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoudnessReport {
    pub integrated_lufs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub range_lu: f64,
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(round(x, 2))
}

/// Rounds to `places` decimals (times to the millisecond are plenty).
pub(crate) fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

impl LoudnessReport {
    pub fn from(l: &Loudness) -> LoudnessReport {
        LoudnessReport {
            integrated_lufs: finite(l.integrated_lufs),
            true_peak_dbtp: finite(l.true_peak_dbtp),
            range_lu: if l.range_lu.is_finite() {
                round(l.range_lu, 2)
            } else {
                0.0
            },
        }
    }
}

impl Chord {
    pub fn from(span: &ChordSpan) -> Chord {
        Chord {
            start: round(span.start, 3),
            end: round(span.end, 3),
            label: span.label.clone(),
        }
    }
}

pub(crate) fn key_fields(key: &Option<KeyEstimate>) -> (Option<String>, f64) {
    match key {
        Some(k) => (Some(k.key.name()), round(k.confidence, 3)),
        None => (None, 0.0),
    }
}

impl Report {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// A human-readable summary.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let minutes = (self.seconds / 60.0).floor();
        s += &format!(
            "length    {}:{:04.1}  ({} Hz, {} channel{})\n",
            minutes,
            self.seconds - 60.0 * minutes,
            self.sample_rate,
            self.channels,
            if self.channels == 1 { "" } else { "s" }
        );
        if self.bpm > 0.0 {
            s += &format!(
                "tempo     {:.2} BPM{}, {} beats, {} bars\n",
                self.bpm,
                if self.tempo_steady {
                    " (steady)"
                } else {
                    " (varies; median)"
                },
                self.beats.len(),
                self.downbeats.len()
            );
        } else {
            s += "tempo     no steady beat found\n";
        }
        match &self.key {
            Some(k) => s += &format!("key       {k} (confidence {:.2})\n", self.key_confidence),
            None => s += "key       none (nothing pitched)\n",
        }
        let l = &self.loudness;
        let db = |x: Option<f64>, unit: &str| {
            x.map_or("silent".to_string(), |v| format!("{v:.1} {unit}"))
        };
        s += &format!(
            "loudness  {}, true peak {}, range {:.1} LU\n",
            db(l.integrated_lufs, "LUFS"),
            db(l.true_peak_dbtp, "dBTP"),
            l.range_lu
        );
        let bounds: Vec<String> = self.sections.iter().map(|t| clock(*t)).collect();
        s += &format!("sections  {}\n", bounds.join(" | "));
        let mut line = String::new();
        for (shown, c) in self.chords.iter().filter(|c| c.label != "N").enumerate() {
            if shown == 16 {
                line += " …";
                break;
            }
            line += &format!(" {}", c.label);
        }
        s += &format!("chords   {} ({} changes)\n", line, self.chords.len());
        s += &format!("amapiano  {}\n", self.amapiano.summary);
        s
    }
}

fn clock(t: f64) -> String {
    let m = (t / 60.0).floor();
    format!("{}:{:04.1}", m, t - 60.0 * m)
}
