//! Amapiano markers, each measured from the audio and reported with the numbers behind it:
//! - tempo: which styles' ranges (AMAPIANO.md) hold the tempo;
//! - log drum: the 40–130 Hz band's share of the energy, its onsets off the beat a bar, and
//!   the pitch glide after each (the fall of the band's spectral centroid over 70 ms, in
//!   semitones; the log drum's pitch envelope starts 7–24 semitones above its note);
//! - shaker: the share of 16th slots (swing-shifted) with an onset in the 5–10 kHz band;
//! - swing: the beat-phase histogram of the shaker band's onsets (every beat folded onto one,
//!   after Gouyon & Dixon's periodicity analyses of expressive timing), its peaks at the
//!   beat, the off 16ths and the 8th refined by parabolas: swing = (off 16th − beat) /
//!   (8th − beat), so a detector's fixed lag cancels.
//!
//! No single "authenticity score": the markers are the report.

use serde::Serialize;

use crate::beats::{onset_strength, Beats};
use crate::features::Features;

/// Tempo ranges of the styles (BPM), from AMAPIANO.md, each widened by 1 BPM either side.
pub const STYLE_RANGES: [(&str, f64, f64); 3] = [
    ("private_school", 108.0, 112.0),
    ("amapiano", 112.0, 115.0),
    ("sgija", 113.0, 115.0),
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TempoMarker {
    pub bpm: f64,
    /// The styles whose range holds the tempo.
    pub styles: Vec<String>,
    pub holds: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogDrumMarker {
    /// Energy in 40–130 Hz against the whole spectrum, dB.
    pub band_share_db: f64,
    /// Onsets in the band off the beat, per bar.
    pub off_beat_hits_per_bar: f64,
    /// Median fall of the band's pitch after those onsets, semitones.
    pub glide_semitones: f64,
    /// Share of those onsets whose pitch falls by a semitone or more.
    pub gliding_share: f64,
    pub holds: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShakerMarker {
    /// Share of the 16th slots with an onset in the shaker band.
    pub sixteenth_density: f64,
    pub holds: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SwingMarker {
    /// Share of a 16th pair taken by its first 16th, percent (50 straight).
    pub percent: f64,
    pub holds: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Markers {
    pub tempo: TempoMarker,
    pub log_drum: LogDrumMarker,
    pub shaker: ShakerMarker,
    pub swing: SwingMarker,
    /// Which markers hold, in words.
    pub summary: String,
}

/// Measures the markers over a track's beats.
pub fn markers(features: &Features, beats: &Beats) -> Markers {
    let tempo = tempo_marker(beats.bpm);
    let log_drum = log_drum_marker(features, beats);
    let (swing, density) = swing_and_density(features, beats);
    let shaker = ShakerMarker {
        sixteenth_density: density,
        holds: density >= 0.5,
    };
    let swing = SwingMarker {
        percent: swing * 100.0,
        holds: (0.52..=0.65).contains(&swing),
    };
    let mut held = Vec::new();
    let mut missed = Vec::new();
    let mut say = |holds: bool, yes: String, no: String| {
        if holds {
            held.push(yes)
        } else {
            missed.push(no)
        }
    };
    say(
        tempo.holds,
        format!("tempo {:.1} BPM is {}", tempo.bpm, tempo.styles.join("/")),
        format!("tempo {:.1} BPM is outside the styles' 107–116", tempo.bpm),
    );
    say(
        log_drum.holds,
        format!(
            "log drum present ({:.1} off-beat hits a bar, gliding {:.1} st)",
            log_drum.off_beat_hits_per_bar, log_drum.glide_semitones
        ),
        format!(
            "no log drum ({:.1} off-beat low hits a bar, glide {:.1} st)",
            log_drum.off_beat_hits_per_bar, log_drum.glide_semitones
        ),
    );
    say(
        shaker.holds,
        format!("shaker on {:.0} % of 16ths", density * 100.0),
        format!("sparse 16ths ({:.0} %)", density * 100.0),
    );
    say(
        swing.holds,
        format!("swing {:.1} %", swing.percent),
        format!("swing {:.1} % (amapiano swings 52–65 %)", swing.percent),
    );
    let summary = format!(
        "{} of 4 markers hold: {}{}",
        held.len(),
        if held.is_empty() {
            "none".to_string()
        } else {
            held.join("; ")
        },
        if missed.is_empty() {
            String::new()
        } else {
            format!(". Missing: {}", missed.join("; "))
        }
    );
    use crate::figures::round;
    Markers {
        tempo: TempoMarker {
            bpm: round(tempo.bpm, 3),
            ..tempo
        },
        log_drum: LogDrumMarker {
            band_share_db: round(log_drum.band_share_db, 2),
            off_beat_hits_per_bar: round(log_drum.off_beat_hits_per_bar, 2),
            glide_semitones: round(log_drum.glide_semitones, 2),
            gliding_share: round(log_drum.gliding_share, 3),
            ..log_drum
        },
        shaker: ShakerMarker {
            sixteenth_density: round(shaker.sixteenth_density, 3),
            ..shaker
        },
        swing: SwingMarker {
            percent: round(swing.percent, 2),
            ..swing
        },
        summary,
    }
}

fn tempo_marker(bpm: f64) -> TempoMarker {
    let styles: Vec<String> = STYLE_RANGES
        .iter()
        .filter(|(_, lo, hi)| bpm >= lo - 1.0 && bpm <= hi + 1.0)
        .map(|(name, ..)| name.to_string())
        .collect();
    TempoMarker {
        bpm,
        holds: !styles.is_empty(),
        styles,
    }
}

/// Local maxima of `strength` above `threshold`, at least 3 frames apart.
fn peaks(strength: &[f64], threshold: f64) -> Vec<usize> {
    (1..strength.len().saturating_sub(1))
        .filter(|&i| {
            let lo = i.saturating_sub(3);
            let hi = (i + 4).min(strength.len());
            strength[i] > threshold && (lo..hi).all(|j| strength[j] <= strength[i])
        })
        .collect()
}

/// Position of frame `f` in beats (fractional), from the beat grid.
fn beat_position(beats: &[f64], f: f64) -> Option<f64> {
    let k = beats.partition_point(|b| *b <= f);
    if k == 0 || k >= beats.len() {
        return None;
    }
    let (a, b) = (beats[k - 1], beats[k]);
    Some((k - 1) as f64 + (f - a) / (b - a))
}

fn log_drum_marker(features: &Features, beats: &Beats) -> LogDrumMarker {
    let o = &features.onsets;
    let low: f64 = o.low_energy.iter().map(|x| f64::from(*x)).sum();
    let all: f64 = o.energy.iter().map(|x| f64::from(*x)).sum();
    let band_share_db = 10.0 * ((low + 1e-12) / (all + 1e-12)).log10();
    let strength = onset_strength(&o.low_flux);
    let mut off_beat = 0usize;
    let mut glides = Vec::new();
    for p in peaks(&strength, 1.0) {
        let Some(pos) = beat_position(&beats.frames, p as f64) else {
            continue;
        };
        let phase = pos.fract();
        if !(0.12..=0.88).contains(&phase) {
            continue;
        }
        off_beat += 1;
        let c = &o.low_centroid;
        let early = (p..(p + 3).min(c.len()))
            .map(|i| c[i])
            .fold(0.0f32, f32::max);
        let late = c.get(p + 6).copied().unwrap_or(0.0);
        if early > 0.0 && late > 0.0 {
            glides.push(12.0 * f64::from(early / late).log2());
        }
    }
    let bars = (beats.frames.len().saturating_sub(1)) as f64 / 4.0;
    let per_bar = if bars > 0.0 {
        off_beat as f64 / bars
    } else {
        0.0
    };
    glides.sort_by(f64::total_cmp);
    let glide = glides.get(glides.len() / 2).copied().unwrap_or(0.0);
    let gliding = glides.iter().filter(|g| **g >= 1.0).count() as f64 / glides.len().max(1) as f64;
    LogDrumMarker {
        band_share_db,
        off_beat_hits_per_bar: per_bar,
        glide_semitones: glide,
        gliding_share: gliding,
        holds: per_bar >= 1.0 && glide >= 1.0 && band_share_db > -20.0,
    }
}

/// Bins of the beat-phase histogram.
const PHASE_BINS: usize = 96;

/// Swing (a share, 0.5 straight) and the share of 16th slots with a shaker onset.
fn swing_and_density(features: &Features, beats: &Beats) -> (f64, f64) {
    let strength = onset_strength(&features.onsets.high_flux);
    let b = &beats.frames;
    if b.len() < 8 {
        return (0.5, 0.0);
    }
    let mut hist = [0.0f64; PHASE_BINS];
    let mut hits = [0.0f64; PHASE_BINS];
    for k in 0..b.len() - 1 {
        let (start, end) = (b[k], b[k + 1]);
        let mut f = start.ceil() as usize;
        while (f as f64) < end && f < strength.len() {
            let x = (f as f64 - start) / (end - start) * PHASE_BINS as f64;
            let (i, w) = (x.floor() as usize % PHASE_BINS, x.fract());
            hist[i] += (1.0 - w) * strength[f];
            hist[(i + 1) % PHASE_BINS] += w * strength[f];
            hits[i] += 1.0 - w;
            hits[(i + 1) % PHASE_BINS] += w;
            f += 1;
        }
    }
    let mean: Vec<f64> = (0..PHASE_BINS)
        .map(|i| {
            if hits[i] > 0.0 {
                hist[i] / hits[i]
            } else {
                0.0
            }
        })
        .collect();
    let smooth: Vec<f64> = (0..PHASE_BINS)
        .map(|i| {
            0.25 * mean[(i + PHASE_BINS - 1) % PHASE_BINS]
                + 0.5 * mean[i]
                + 0.25 * mean[(i + 1) % PHASE_BINS]
        })
        .collect();
    // The histogram's peak in a phase window (fractions of a beat, may wrap), parabola-refined.
    let peak = |from: f64, to: f64| -> f64 {
        let (a, z) = (
            (from * PHASE_BINS as f64).round() as isize,
            (to * PHASE_BINS as f64).round() as isize,
        );
        let at = |i: isize| smooth[i.rem_euclid(PHASE_BINS as isize) as usize];
        let m = (a..=z)
            .max_by(|&i, &j| at(i).total_cmp(&at(j)))
            .unwrap_or(a);
        let (x, y, w) = (at(m - 1), at(m), at(m + 1));
        let denom = x - 2.0 * y + w;
        let shift = if denom < 0.0 {
            (0.5 * (x - w) / denom).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        (m as f64 + shift) / PHASE_BINS as f64
    };
    let on = peak(-0.08, 0.08);
    let eighth = peak(0.42, 0.58);
    let first = peak(0.18, 0.40);
    let second = peak(0.68, 0.90);
    let s1 = (first - on) / (eighth - on);
    let s2 = (second - eighth) / (1.0 + on - eighth);
    let swing = (0.5 * (s1 + s2)).clamp(0.3, 0.8);
    // 16th slots: beat, swung 16th, 8th, swung 16th.
    let slots = [0.0, 0.5 * swing, 0.5, 0.5 + 0.5 * swing];
    let (mut filled, mut total) = (0usize, 0usize);
    for k in 0..b.len() - 1 {
        for s in slots {
            let f = b[k] + s * (b[k + 1] - b[k]);
            let (lo, hi) = (
                (f - 2.0).max(0.0) as usize,
                ((f + 2.0) as usize).min(strength.len()),
            );
            let v = strength[lo.min(hi)..hi].iter().cloned().fold(0.0, f64::max);
            total += 1;
            if v > 0.5 {
                filled += 1;
            }
        }
    }
    (swing, filled as f64 / total.max(1) as f64)
}
