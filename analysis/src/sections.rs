//! Sections: where the music changes character, after Foote, "Automatic Audio Segmentation Using
//! a Measure of Audio Novelty" (ICME 2000). Each bar gets a feature vector (chroma, the levels
//! of the log-drum band, of the shaker band's onsets and of the whole), every dimension
//! standardised over the track; a checkerboard kernel of eight bars a side (Gaussian taper) slid
//! along the diagonal of the bars' self-similarity gives a novelty curve whose peaks, at least
//! eight bars apart, are the boundaries. Bars come from the downbeats; without them, from a
//! two-second grid.

use crate::beats::Beats;
use crate::features::{frame_rate, Features, CHROMA_RATIO};

/// Bars a side of the checkerboard kernel, and the fewest bars between two boundaries.
const KERNEL_BARS: usize = 8;

/// Boundaries in seconds: the start, each change found, and the end.
pub fn sections(features: &Features, beats: &Beats) -> Vec<f64> {
    let fps = frame_rate();
    let total = features.onsets.flux.len() as f64;
    let mut bars: Vec<f64> = beats
        .frames
        .iter()
        .skip(beats.first_downbeat)
        .step_by(4)
        .copied()
        .collect();
    if bars.len() < 4 {
        let step = 2.0 * fps;
        bars = (0..)
            .map(|i| i as f64 * step)
            .take_while(|f| *f < total)
            .collect();
    }
    let end = features.seconds();
    if bars.len() < 2 * KERNEL_BARS {
        return vec![0.0, end];
    }
    let vectors: Vec<Vec<f64>> = bars
        .iter()
        .enumerate()
        .map(|(i, &b)| bar_vector(features, b, bars.get(i + 1).copied().unwrap_or(total)))
        .collect();
    let vectors = standardise(vectors);
    let novelty = novelty(&vectors);
    let mean = novelty.iter().sum::<f64>() / novelty.len() as f64;
    let sd =
        (novelty.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / novelty.len() as f64).sqrt();
    let threshold = mean + 0.5 * sd;
    // Peaks, strongest first, no two closer than the kernel.
    let mut peaks: Vec<usize> = (1..novelty.len() - 1)
        .filter(|&i| {
            novelty[i] > threshold && novelty[i] >= novelty[i - 1] && novelty[i] >= novelty[i + 1]
        })
        .collect();
    peaks.sort_by(|&a, &b| novelty[b].total_cmp(&novelty[a]));
    let mut chosen: Vec<usize> = Vec::new();
    for p in peaks {
        if chosen.iter().all(|&c| c.abs_diff(p) >= KERNEL_BARS) && p >= 4 && p + 4 <= bars.len() {
            chosen.push(p);
        }
    }
    chosen.sort_unstable();
    let mut out = vec![0.0];
    out.extend(chosen.iter().map(|&i| bars[i] / fps));
    out.push(end);
    out
}

/// One bar: its chroma (12), and the log levels of the low band, the shaker onsets and the whole.
fn bar_vector(features: &Features, from: f64, to: f64) -> Vec<f64> {
    let o = &features.onsets;
    let (a, z) = (from.max(0.0) as usize, (to as usize).min(o.energy.len()));
    let (a, z) = (a.min(z), z.max(a.min(z)));
    let n = (z - a).max(1) as f64;
    let mean = |v: &[f32]| v[a..z].iter().map(|x| f64::from(*x)).sum::<f64>() / n;
    let db = |x: f64| 10.0 * (x + 1e-10).log10();
    let mut v = Vec::with_capacity(15);
    let (ca, cz) = (
        a / CHROMA_RATIO,
        (z / CHROMA_RATIO).min(features.chroma.treble.len()),
    );
    let mut chroma = [0.0f64; 12];
    for frame in &features.chroma.treble[ca.min(cz)..cz] {
        for (sum, x) in chroma.iter_mut().zip(frame) {
            *sum += f64::from(*x);
        }
    }
    let sum: f64 = chroma.iter().sum::<f64>().max(1e-12);
    v.extend(chroma.iter().map(|c| c / sum));
    v.push(db(mean(&o.low_energy)));
    v.push(mean(&o.high_flux));
    v.push(db(mean(&o.energy)));
    v
}

fn standardise(mut vectors: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let dims = vectors[0].len();
    let n = vectors.len() as f64;
    for d in 0..dims {
        let mean = vectors.iter().map(|v| v[d]).sum::<f64>() / n;
        let sd = (vectors.iter().map(|v| (v[d] - mean).powi(2)).sum::<f64>() / n).sqrt();
        for v in &mut vectors {
            v[d] = if sd > 1e-9 { (v[d] - mean) / sd } else { 0.0 };
        }
    }
    vectors
}

/// Foote's novelty: the checkerboard kernel's correlation with the similarity (negative
/// Euclidean distance) matrix around each bar, computed near the diagonal only.
fn novelty(vectors: &[Vec<f64>]) -> Vec<f64> {
    let n = vectors.len();
    let k = KERNEL_BARS as isize;
    let sim = |i: usize, j: usize| -> f64 {
        -vectors[i]
            .iter()
            .zip(&vectors[j])
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    (0..n)
        .map(|c| {
            let mut s = 0.0;
            for di in -k..k {
                for dj in -k..k {
                    let (i, j) = (c as isize + di, c as isize + dj);
                    if i < 0 || j < 0 || i >= n as isize || j >= n as isize {
                        continue;
                    }
                    // + within the past or the future, − across the boundary.
                    let sign = if (di < 0) == (dj < 0) { 1.0 } else { -1.0 };
                    let (x, y) = ((di as f64 + 0.5) / k as f64, (dj as f64 + 0.5) / k as f64);
                    let taper = (-2.0 * (x * x + y * y)).exp();
                    s += sign * taper * sim(i as usize, j as usize);
                }
            }
            s
        })
        .collect()
}
