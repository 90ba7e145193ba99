//! The whole analysis of a track: what `yano analyze` prints and what `--json` writes. The JSON
//! schema is documented in the README ("Analysing audio"): the key by name ("F minor") and each
//! chord as {start, end, label}, its Harte label spelled for the key found.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use yano_engine::loudness::Loudness;
use yano_music::{ChordSpan, Key, Spelling};

use crate::amapiano::Markers;
use crate::figures::round;
use crate::key::KeyEstimate;
use crate::style::{StyleGuess, STYLE_FEATURES};

/// Everything measured of a track. Times are seconds from its start.
#[derive(Debug, Clone, PartialEq)]
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
    /// None when nothing pitched was heard.
    pub key: Option<Key>,
    pub key_confidence: f64,
    pub key_profiles: &'static str,
    /// The chroma chords and key were read from: "notes" or "peaks".
    pub chroma: &'static str,
    /// Tuning against A = 440 Hz, cents: chroma and chords are read on this grid.
    pub tuning_cents: f64,
    /// What read the chords: "rules" or the chord model's name.
    pub chords_from: String,
    /// Times rounded to the millisecond.
    pub chords: Vec<ChordSpan>,
    pub loudness: LoudnessReport,
    /// Section boundaries, the start and the end included.
    pub sections: Vec<f64>,
    pub amapiano: Markers,
    /// The style the style model found; None without one.
    pub style: Option<StyleGuess>,
    /// What the style model read ([`crate::style::descriptor`]); not in the JSON.
    pub style_descriptor: [f32; STYLE_FEATURES],
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

/// A chord span with its times rounded to the millisecond, as the report keeps it.
pub(crate) fn rounded(span: &ChordSpan) -> ChordSpan {
    ChordSpan {
        start: round(span.start, 3),
        end: round(span.end, 3),
        chord: span.chord,
    }
}

pub(crate) fn key_fields(key: &Option<KeyEstimate>) -> (Option<Key>, f64) {
    match key {
        Some(k) => (Some(k.key), round(k.confidence, 3)),
        None => (None, 0.0),
    }
}

impl Report {
    /// How the chords' roots are written: the key's spelling, flats when no key was found.
    pub fn spelling(&self) -> Spelling {
        self.key.map_or(Spelling::Flats, Key::spelling)
    }

    /// Each chord's Harte label as the report prints it: "F:min7", "Eb:7", "N".
    pub fn chord_labels(&self) -> Vec<String> {
        let spelling = self.spelling();
        self.chords.iter().map(|c| c.label(spelling)).collect()
    }

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
        let spelling = self.spelling();
        for (shown, c) in self.chords.iter().filter_map(|c| c.chord).enumerate() {
            if shown == 16 {
                line += " …";
                break;
            }
            line += &format!(" {}", c.label(spelling));
        }
        s += &format!(
            "chords   {} ({} changes, read by {})\n",
            line,
            self.chords.len(),
            self.chords_from
        );
        s += &format!("amapiano  {}\n", self.amapiano.summary);
        if let Some(style) = &self.style {
            s += &format!(
                "style     {} (confidence {:.2}, by {})\n",
                style.style, style.confidence, style.from
            );
        }
        s
    }
}

fn clock(t: f64) -> String {
    let m = (t / 60.0).floor();
    format!("{}:{:04.1}", m, t - 60.0 * m)
}

/// The JSON of the report: the fields in order, the key by name and the chords as labels spelled
/// for the key (see the module doc).
impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut r = s.serialize_struct("Report", 18)?;
        r.serialize_field("seconds", &self.seconds)?;
        r.serialize_field("sample_rate", &self.sample_rate)?;
        r.serialize_field("channels", &self.channels)?;
        r.serialize_field("bpm", &self.bpm)?;
        r.serialize_field("tempo_steady", &self.tempo_steady)?;
        r.serialize_field("beats", &self.beats)?;
        r.serialize_field("downbeats", &self.downbeats)?;
        r.serialize_field("key", &self.key)?;
        r.serialize_field("key_confidence", &self.key_confidence)?;
        r.serialize_field("key_profiles", &self.key_profiles)?;
        r.serialize_field("chroma", &self.chroma)?;
        r.serialize_field("tuning_cents", &self.tuning_cents)?;
        r.serialize_field("chords_from", &self.chords_from)?;
        r.serialize_field("chords", &LabelledChords(&self.chords, self.spelling()))?;
        r.serialize_field("loudness", &self.loudness)?;
        r.serialize_field("sections", &self.sections)?;
        r.serialize_field("amapiano", &self.amapiano)?;
        r.serialize_field("style", &self.style)?;
        r.end()
    }
}

/// Chord spans written as {start, end, label}.
struct LabelledChords<'a>(&'a [ChordSpan], Spelling);

impl Serialize for LabelledChords<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|span| LabelledChord(span, self.1)))
    }
}

struct LabelledChord<'a>(&'a ChordSpan, Spelling);

impl Serialize for LabelledChord<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("start", &self.0.start)?;
        m.serialize_entry("end", &self.0.end)?;
        m.serialize_entry("label", &self.0.label(self.1))?;
        m.end()
    }
}
