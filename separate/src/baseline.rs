//! The DSP baseline the trained separator is measured beside: harmonic/percussive separation by
//! median filtering (Fitzgerald 2010) followed by a fixed split into frequency bands. It knows
//! what each stem usually is in amapiano, and nothing else:
//!
//! | stem       | takes                                                     |
//! |------------|-----------------------------------------------------------|
//! | bass       | harmonic energy below 120 Hz                              |
//! | log_drum   | harmonic 120–250 Hz, half of percussive below 250 Hz      |
//! | drums      | the other half of percussive below 250 Hz, percussive above 6 kHz |
//! | percussion | percussive 250 Hz – 6 kHz                                 |
//! | piano      | half of harmonic 250 Hz – 1.2 kHz                         |
//! | vocals     | the other half of harmonic 250 Hz – 1.2 kHz, harmonic 1.2–4 kHz |
//! | other      | everything left (harmonic above 4 kHz)                    |
//!
//! It runs chunk by chunk like the model, so both are cut and joined the same way.

use crate::chunks::{Chunk, MaskSource, CHUNK_FRAMES};
use crate::stems::{index, STEMS};
use crate::stft::{BINS, FRAME};
use crate::SeparateError;

/// Frames of the median across time (harmonic) and bins across frequency (percussive).
const MEDIAN_FRAMES: usize = 17;
const MEDIAN_BINS: usize = 17;

/// The baseline at `sample_rate`.
pub struct Baseline {
    pub sample_rate: f32,
}

fn median(values: &mut [f32]) -> f32 {
    let mid = values.len() / 2;
    *values.select_nth_unstable_by(mid, f32::total_cmp).1
}

impl Baseline {
    /// The share of harmonic (`h`) and percussive (`p`) energy each stem takes at `hz`.
    fn shares(&self, hz: f32) -> [(f32, f32); 7] {
        let mut s = [(0.0f32, 0.0f32); 7];
        let mut set = |stem: &str, h: f32, p: f32| s[index(stem).expect("a stem")] = (h, p);
        if hz < 120.0 {
            set("bass", 1.0, 0.0);
            set("log_drum", 0.0, 0.5);
            set("drums", 0.0, 0.5);
        } else if hz < 250.0 {
            set("log_drum", 1.0, 0.5);
            set("drums", 0.0, 0.5);
        } else if hz < 1200.0 {
            set("piano", 0.5, 0.0);
            set("vocals", 0.5, 0.0);
            set("percussion", 0.0, 1.0);
        } else if hz < 4000.0 {
            set("vocals", 1.0, 0.0);
            set("percussion", 0.0, 1.0);
        } else if hz < 6000.0 {
            set("other", 1.0, 0.0);
            set("percussion", 0.0, 1.0);
        } else {
            set("other", 1.0, 0.0);
            set("drums", 0.0, 1.0);
        }
        s
    }
}

impl MaskSource for Baseline {
    fn masks(&self, chunk: &Chunk<'_>) -> Result<Vec<f32>, SeparateError> {
        let t = CHUNK_FRAMES;
        let mag = chunk.magnitudes;
        let mut harmonic = vec![0.0f32; BINS * t];
        let mut percussive = vec![0.0f32; BINS * t];
        let mut window = Vec::with_capacity(MEDIAN_FRAMES.max(MEDIAN_BINS));
        for b in 0..BINS {
            for j in 0..t {
                window.clear();
                let (lo, hi) = (
                    j.saturating_sub(MEDIAN_FRAMES / 2),
                    (j + MEDIAN_FRAMES / 2 + 1).min(t),
                );
                window.extend((lo..hi).map(|k| mag[b * t + k]));
                harmonic[b * t + j] = median(&mut window);
                window.clear();
                let (lo, hi) = (
                    b.saturating_sub(MEDIAN_BINS / 2),
                    (b + MEDIAN_BINS / 2 + 1).min(BINS),
                );
                window.extend((lo..hi).map(|k| mag[k * t + j]));
                percussive[b * t + j] = median(&mut window);
            }
        }
        let mut masks = vec![0.0f32; STEMS.len() * BINS * t];
        for b in 0..BINS {
            let hz = b as f32 * self.sample_rate / FRAME as f32;
            let shares = self.shares(hz);
            for j in 0..t {
                let (h, p) = (harmonic[b * t + j].powi(2), percussive[b * t + j].powi(2));
                let h_share = if h + p > 0.0 { h / (h + p) } else { 0.5 };
                for (s, (hs, ps)) in shares.iter().enumerate() {
                    masks[(s * BINS + b) * t + j] = hs * h_share + ps * (1.0 - h_share);
                }
            }
        }
        Ok(masks)
    }

    fn parallelism(&self) -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// The ideal ratio mask: each stem's share of the summed stem magnitudes, from the true stems.
/// The ceiling of what any mask in yano's STFT can reach (evaluation only: it needs the answer).
pub struct Oracle {
    /// The mono true stems, in [`STEMS`] order, at the model's rate.
    pub stems: Vec<Vec<f32>>,
}

impl MaskSource for Oracle {
    fn masks(&self, chunk: &Chunk<'_>) -> Result<Vec<f32>, SeparateError> {
        use crate::stft::Stft;
        use realfft::num_complex::Complex32;
        let t = CHUNK_FRAMES;
        let mut stft = Stft::new();
        let mut spectrum = vec![Complex32::default(); BINS];
        let mut masks = vec![0.0f32; STEMS.len() * BINS * t];
        let frames = crate::stft::frame_count(self.stems[0].len());
        for j in 0..t.min(frames.saturating_sub(chunk.start)) {
            for (s, stem) in self.stems.iter().enumerate() {
                stft.frame(stem, chunk.start + j, &mut spectrum);
                for (b, c) in spectrum.iter().enumerate() {
                    masks[(s * BINS + b) * t + j] = c.norm();
                }
            }
            for b in 0..BINS {
                let total: f32 = (0..STEMS.len())
                    .map(|s| masks[(s * BINS + b) * t + j])
                    .sum();
                for s in 0..STEMS.len() {
                    let m = &mut masks[(s * BINS + b) * t + j];
                    *m = if total > 0.0 { *m / total } else { 0.0 };
                }
            }
        }
        Ok(masks)
    }

    fn parallelism(&self) -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}
