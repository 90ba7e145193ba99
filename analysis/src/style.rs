//! Style: which of the three amapiano styles a track is (mainstream amapiano, private school,
//! sgija) or whether it is not amapiano at all. What decides is a small classifier trained by the
//! project ([`StyleReader`], implemented by yano-models' style model); this module measures what
//! it reads, one [`descriptor`] per track: the tempo and swing, the log drum's markers, the mean
//! onset pattern of a bar in three bands (16 steps each), the balance of low and whole-band
//! energy, and the chords' colour (how much is a seventh chord, minor, no chord; changes a bar).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use yano_music::{ChordSpan, Quality};

use crate::amapiano::Markers;
use crate::beats::{onset_strength, Beats};
use crate::features::Features;
use crate::AnalysisError;

/// The classes, in the order of the classifier's outputs.
pub const STYLES: [&str; 4] = ["amapiano", "private_school", "sgija", "not_amapiano"];
/// Values in a descriptor.
pub const STYLE_FEATURES: usize = 64;
/// Steps of the bar pattern (16ths).
const STEPS: usize = 16;

/// Gives each style's probability from a track's descriptor.
pub trait StyleReader: Send + Sync {
    /// The model's name, as the report gives it.
    fn name(&self) -> &str;
    /// Probabilities of [`STYLES`], summing to one; None where the reader cannot run here (the
    /// report then gives no style). Called on a worker thread.
    fn probabilities(
        &self,
        descriptor: &[f32; STYLE_FEATURES],
    ) -> Result<Option<[f32; STYLES.len()]>, AnalysisError>;
}

/// The style a reader found.
#[derive(Debug, Clone, PartialEq)]
pub struct StyleGuess {
    /// One of [`STYLES`].
    pub style: &'static str,
    /// Its probability.
    pub confidence: f64,
    /// Every class's probability, in [`STYLES`] order.
    pub probabilities: [f64; STYLES.len()],
    /// The reader's name.
    pub from: String,
}

impl StyleGuess {
    /// The likeliest class of `probabilities`.
    pub fn of(probabilities: [f32; STYLES.len()], from: &str) -> StyleGuess {
        let best = (0..STYLES.len())
            .max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]))
            .unwrap_or(0);
        let round = |x: f32| (f64::from(x) * 1000.0).round() / 1000.0;
        StyleGuess {
            style: STYLES[best],
            confidence: round(probabilities[best]),
            probabilities: probabilities.map(round),
            from: from.to_string(),
        }
    }
}

impl Serialize for StyleGuess {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("style", self.style)?;
        m.serialize_entry("confidence", &self.confidence)?;
        let each: serde_json::Map<String, serde_json::Value> = STYLES
            .iter()
            .zip(self.probabilities)
            .map(|(name, p)| (name.to_string(), serde_json::json!(p)))
            .collect();
        m.serialize_entry("probabilities", &each)?;
        m.serialize_entry("from", &self.from)?;
        m.end()
    }
}

/// What the classifier reads of a track (see the module doc); every value is scaled to about
/// 0–1. Silence and a track with no beat give zeros where nothing was measured.
pub fn descriptor(
    features: &Features,
    beats: &Beats,
    markers: &Markers,
    chords: &[ChordSpan],
    loudness_range_lu: f64,
) -> [f32; STYLE_FEATURES] {
    let mut d = [0.0f32; STYLE_FEATURES];
    d[0] = (beats.bpm / 120.0) as f32;
    d[1] = f32::from(u8::from(beats.steady));
    d[2] = (markers.swing.percent / 100.0) as f32;
    d[3] = markers.shaker.sixteenth_density as f32;
    let log_drum = &markers.log_drum;
    d[4] = (log_drum.band_share_db / 20.0).clamp(-3.0, 1.0) as f32;
    d[5] = (log_drum.off_beat_hits_per_bar / 8.0).min(2.0) as f32;
    d[6] = (log_drum.glide_semitones / 12.0).clamp(-2.0, 2.0) as f32;
    d[7] = log_drum.gliding_share as f32;
    let o = &features.onsets;
    for (band, at) in [(&o.flux, 8), (&o.low_flux, 24), (&o.high_flux, 40)] {
        d[at..at + STEPS].copy_from_slice(&bar_pattern(band, beats));
    }
    let mean = |v: &[f32]| v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len().max(1) as f64;
    let (low, all) = (mean(&o.low_energy), mean(&o.energy));
    d[56] = if all > 0.0 && low > 0.0 {
        ((low / all).log10() / 3.0).clamp(-2.0, 1.0) as f32
    } else {
        0.0
    };
    let (none, sevenths, minor, changes) = chord_colour(chords, beats.bpm);
    d[57] = none;
    d[58] = sevenths;
    d[59] = minor;
    d[60] = changes;
    let (high, whole) = (mean(&o.high_flux), mean(&o.flux));
    d[61] = if whole > 0.0 {
        (high / whole).min(4.0) as f32
    } else {
        0.0
    };
    let mut centroids: Vec<f32> = o
        .low_centroid
        .iter()
        .copied()
        .filter(|c| c.is_finite() && *c > 0.0)
        .collect();
    centroids.sort_by(f32::total_cmp);
    d[62] = centroids
        .get(centroids.len() / 2)
        .map_or(0.0, |c| c / 200.0);
    d[63] = (loudness_range_lu / 20.0).clamp(0.0, 2.0) as f32;
    d
}

/// The mean onset strength of each 16th of the bar over the track (beats split in four, bars
/// counted from the first downbeat), over the largest step's.
fn bar_pattern(flux: &[f32], beats: &Beats) -> [f32; STEPS] {
    let strength = onset_strength(flux);
    let b = &beats.frames;
    let (mut sum, mut count) = ([0.0f64; STEPS], [0usize; STEPS]);
    for k in 0..b.len().saturating_sub(1) {
        let beat_in_bar = (k + 4 - beats.first_downbeat % 4) % 4;
        for quarter in 0..4 {
            let at = b[k] + (b[k + 1] - b[k]) * quarter as f64 / 4.0;
            let Some(v) = strength.get(at.round() as usize) else {
                continue;
            };
            sum[beat_in_bar * 4 + quarter] += v;
            count[beat_in_bar * 4 + quarter] += 1;
        }
    }
    let means: [f64; STEPS] = std::array::from_fn(|i| {
        if count[i] > 0 {
            sum[i] / count[i] as f64
        } else {
            0.0
        }
    });
    let top = means.iter().cloned().fold(0.0f64, f64::max);
    means.map(|m| if top > 0.0 { (m / top) as f32 } else { 0.0 })
}

/// Shares of the track's time with no chord, and of the chorded time on seventh chords and on
/// minor chords; chord changes per bar over 4.
fn chord_colour(chords: &[ChordSpan], bpm: f64) -> (f32, f32, f32, f32) {
    let total: f64 = chords.iter().map(ChordSpan::seconds).sum();
    if total <= 0.0 {
        return (1.0, 0.0, 0.0, 0.0);
    }
    let chorded: f64 = chords
        .iter()
        .filter(|c| c.chord.is_some())
        .map(ChordSpan::seconds)
        .sum();
    let share = |pick: &dyn Fn(Quality) -> bool| -> f32 {
        if chorded <= 0.0 {
            return 0.0;
        }
        (chords
            .iter()
            .filter(|c| c.chord.is_some_and(|c| pick(c.quality)))
            .map(ChordSpan::seconds)
            .sum::<f64>()
            / chorded) as f32
    };
    let sevenths = share(&|q| matches!(q, Quality::Dominant7 | Quality::Major7 | Quality::Minor7));
    let minor = share(&|q| matches!(q, Quality::Minor | Quality::Minor7));
    let bars = if bpm > 0.0 { total * bpm / 240.0 } else { 0.0 };
    let changes = if bars > 0.0 {
        (chords.len() as f64 / bars / 4.0).min(2.0) as f32
    } else {
        0.0
    };
    (((total - chorded) / total) as f32, sevenths, minor, changes)
}
