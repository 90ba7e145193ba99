//! Tempo, beats and downbeats.
//!
//! - Onset strength: spectral flux of the log spectrum, its local mean removed (Bello et al. 2005).
//! - Tempo: the autocorrelation of the onset strength summed over its first four multiples of a
//!   lag, weighted by a log-normal prior around 115 BPM (σ half an octave), peak refined by a
//!   parabola (after Ellis 2007 and Percival & Tzanetakis 2014).
//! - Beats: dynamic programming after Ellis, "Beat Tracking by Dynamic Programming" (JNMR 2007):
//!   each frame's best score is its onset strength plus the best predecessor's score less
//!   α·ln²(interval / period), α = 100.
//! - Precision: each beat moves to its onset peak (parabola through three frames), beats are
//!   numbered by the period, and a line fitted through all of them (outliers trimmed) gives the
//!   period: on steady material the tempo is measured over the whole track, to a few hundredths
//!   of a BPM, not read off a lag grid. Swing moves only off-beat 16ths, never the beats fitted.
//! - Downbeats: the beat phase (of four) at which the harmony changes most, after Goto & Muraoka
//!   (1999), who found bar lines from chord changes; the low band's onsets break near ties.

use crate::features::{frame_rate, ChromaFrames, Features, CHROMA_RATIO};

/// Tempo and beat grid of a track.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Beats {
    /// 0 when no beat was found.
    pub bpm: f64,
    /// Beat times, seconds.
    pub beats: Vec<f64>,
    pub downbeats: Vec<f64>,
    /// Whether one tempo fits the whole track (the beats lie on a line).
    pub steady: bool,
    /// Beat positions in onset frames (fractional), for the other analyses.
    pub frames: Vec<f64>,
    /// Index in `frames` of the first downbeat.
    pub first_downbeat: usize,
}

/// The lowest and highest tempos looked for.
pub const MIN_BPM: f64 = 60.0;
pub const MAX_BPM: f64 = 200.0;
const PRIOR_BPM: f64 = 115.0;
const TIGHTNESS: f64 = 100.0;
/// Onset strength on the beats against the mean, below which there is no beat.
const MIN_CLARITY: f64 = 1.5;

/// Onset strength: flux less its local mean (±15 frames), half-wave rectified, unit deviation.
pub fn onset_strength(flux: &[f32]) -> Vec<f64> {
    let n = flux.len();
    let mut out = vec![0.0; n];
    if n == 0 {
        return out;
    }
    let mut prefix = vec![0.0f64; n + 1];
    for (i, f) in flux.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(*f);
    }
    for (i, o) in out.iter_mut().enumerate() {
        let (a, b) = (i.saturating_sub(15), (i + 16).min(n));
        let mean = (prefix[b] - prefix[a]) / (b - a) as f64;
        *o = (f64::from(flux[i]) - mean).max(0.0);
    }
    let sd = (out.iter().map(|x| x * x).sum::<f64>() / n as f64).sqrt();
    if sd > 1e-12 {
        out.iter_mut().for_each(|x| *x /= sd);
    }
    out
}

/// The beat period in onset frames, or None when nothing repeats.
pub fn period(strength: &[f64]) -> Option<f64> {
    let fps = frame_rate();
    let min_lag = (60.0 * fps / MAX_BPM).floor() as usize;
    let max_lag = (60.0 * fps / MIN_BPM).ceil() as usize;
    let n = strength.len();
    if n < 4 * max_lag {
        return None;
    }
    let top = 4 * max_lag + 2;
    let mean = strength.iter().sum::<f64>() / n as f64;
    let x: Vec<f64> = strength.iter().map(|s| s - mean).collect();
    let energy: f64 = x.iter().map(|v| v * v).sum();
    if energy <= 1e-12 {
        return None;
    }
    let ac: Vec<f64> = (0..=top)
        .map(|lag| {
            if lag >= n {
                return 0.0;
            }
            let s: f64 = x[..n - lag].iter().zip(&x[lag..]).map(|(a, b)| a * b).sum();
            s / energy * n as f64 / (n - lag) as f64
        })
        .collect();
    let at = |lag: f64| -> f64 {
        let i = lag.floor() as usize;
        let f = lag - i as f64;
        if i + 1 >= ac.len() {
            return 0.0;
        }
        ac[i] * (1.0 - f) + ac[i + 1] * f
    };
    let score = |lag: f64| -> f64 {
        let bpm = 60.0 * fps / lag;
        let prior = (-0.5 * ((bpm / PRIOR_BPM).log2() / 0.5).powi(2)).exp();
        let comb: f64 = (1..=4).map(|m| at(lag * m as f64) / m as f64).sum();
        prior * comb.max(0.0)
    };
    let scores: Vec<f64> = (min_lag..=max_lag).map(|l| score(l as f64)).collect();
    let (best, &s) = scores
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))?;
    if s <= 0.0 {
        return None;
    }
    let lag = min_lag + best;
    let (a, b, c) = (score(lag as f64 - 1.0), s, score(lag as f64 + 1.0));
    let denom = a - 2.0 * b + c;
    let shift = if denom < 0.0 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    Some(lag as f64 + shift)
}

/// Ellis's dynamic programme: beat frames that fall on strong onsets `period` apart.
pub fn track(strength: &[f64], period: f64) -> Vec<usize> {
    let n = strength.len();
    if n == 0 || period < 2.0 {
        return Vec::new();
    }
    // Onset strength smoothed by a Gaussian of σ = period / 32 (Ellis's local score).
    let sigma = (period / 32.0).max(0.5);
    let half = (3.0 * sigma).ceil() as isize;
    let kernel: Vec<f64> = (-half..=half)
        .map(|i| (-0.5 * (i as f64 / sigma).powi(2)).exp())
        .collect();
    let local: Vec<f64> = (0..n as isize)
        .map(|i| {
            kernel
                .iter()
                .enumerate()
                .map(|(k, w)| {
                    let j = i + k as isize - half;
                    if j >= 0 && (j as usize) < n {
                        w * strength[j as usize]
                    } else {
                        0.0
                    }
                })
                .sum()
        })
        .collect();
    let (near, far) = (
        (period / 2.0).round() as usize,
        (2.0 * period).round() as usize,
    );
    let penalty: Vec<f64> = (0..=far)
        .map(|d| {
            if d < near.max(1) {
                f64::NEG_INFINITY
            } else {
                -TIGHTNESS * (d as f64 / period).ln().powi(2)
            }
        })
        .collect();
    let mut score = vec![0.0; n];
    let mut back = vec![usize::MAX; n];
    for t in 0..n {
        let mut best = 0.0;
        let mut from = usize::MAX;
        for d in near.max(1)..=far.min(t) {
            let s = score[t - d] + penalty[d];
            if s > best {
                best = s;
                from = t - d;
            }
        }
        score[t] = local[t] + best;
        back[t] = from;
    }
    // The last beat: the best score in the final period.
    let tail = n.saturating_sub(period.ceil() as usize);
    let Some(mut t) = (tail..n).max_by(|&a, &b| score[a].total_cmp(&score[b])) else {
        return Vec::new();
    };
    let mut beats = vec![t];
    while back[t] != usize::MAX {
        t = back[t];
        beats.push(t);
    }
    beats.reverse();
    // Leading and trailing beats over silence are not beats (as librosa trims them).
    let strong: Vec<f64> = beats.iter().map(|&b| local[b]).collect();
    let rms = (strong.iter().map(|s| s * s).sum::<f64>() / strong.len().max(1) as f64).sqrt();
    let threshold = 0.5 * rms;
    let first = strong
        .iter()
        .position(|&s| s >= threshold)
        .unwrap_or(beats.len());
    let last = strong
        .iter()
        .rposition(|&s| s >= threshold)
        .map_or(0, |i| i + 1);
    if first >= last {
        return Vec::new();
    }
    beats[first..last].to_vec()
}

/// Moves each beat to the nearest onset peak within a quarter period, to a fraction of a frame.
fn to_peaks(strength: &[f64], beats: &[usize], period: f64) -> Vec<f64> {
    let reach = (period / 8.0).round().max(1.0) as usize;
    beats
        .iter()
        .map(|&b| {
            let (a, z) = (b.saturating_sub(reach), (b + reach).min(strength.len() - 1));
            let m = (a..=z)
                .max_by(|&i, &j| strength[i].total_cmp(&strength[j]))
                .unwrap_or(b);
            if m == 0 || m + 1 >= strength.len() || strength[m] <= 0.0 {
                return b as f64;
            }
            let (x, y, w) = (strength[m - 1], strength[m], strength[m + 1]);
            let denom = x - 2.0 * y + w;
            let shift = if denom < 0.0 {
                (0.5 * (x - w) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            m as f64 + shift
        })
        .collect()
}

/// Least-squares line through (n, t): slope and intercept.
fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let k = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / k, b + y / k));
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

/// The beat grid measured over all the beats: a line through the longest run of beats spaced by
/// whole periods, then every beat numbered by that line, those further than a tenth of a period
/// from it left out, and the line fitted again (twice). Returns (period, first beat) in frames,
/// or None when too few beats lie on one line (the tempo changes).
fn steady_grid(beats: &[f64], period: f64) -> Option<(f64, f64)> {
    if beats.len() < 8 {
        return None;
    }
    // Runs of beats whose gaps are whole periods; each run's line is tried on all the beats
    // and the one that keeps most wins.
    let mut runs = Vec::new();
    let mut run_start = 0;
    for i in 1..=beats.len() {
        let whole = i < beats.len() && {
            let g = (beats[i] - beats[i - 1]) / period;
            (g - g.round()).abs() < 0.2 && g.round() >= 1.0
        };
        if !whole {
            if i - run_start >= 4 {
                runs.push((run_start, i));
            }
            run_start = i;
        }
    }
    // (beats kept, slope, intercept, the kept (number, frame) pairs)
    type Line = (usize, f64, f64, Vec<(f64, f64)>);
    let mut best: Option<Line> = None;
    for (a, z) in runs {
        let run = &beats[a..z];
        let mut numbered = Vec::with_capacity(run.len());
        let mut n = 0.0;
        for (i, &b) in run.iter().enumerate() {
            if i > 0 {
                n += ((b - run[i - 1]) / period).round();
            }
            numbered.push((n, b));
        }
        let Some((mut slope, mut intercept)) = fit(&numbered) else {
            continue;
        };
        let mut kept = Vec::new();
        for _ in 0..2 {
            kept = beats
                .iter()
                .map(|&b| (((b - intercept) / slope).round(), b))
                .filter(|(n, b)| (b - (slope * n + intercept)).abs() < 0.1 * slope)
                .collect();
            match fit(&kept) {
                Some(line) => (slope, intercept) = line,
                None => break,
            }
        }
        if best.as_ref().is_none_or(|b| kept.len() > b.0) {
            best = Some((kept.len(), slope, intercept, kept));
        }
    }
    let (_, slope, intercept, kept) = best?;
    let enough = kept.len() as f64 >= 0.5 * beats.len() as f64;
    (enough && (slope - period).abs() < 0.1 * period).then_some((slope, intercept))
}

/// Tempo and beats of a track (downbeats left empty: see [`downbeats`]).
pub fn beats(features: &Features) -> Beats {
    let strength = onset_strength(&features.onsets.flux);
    let Some(lag) = period(&strength) else {
        return Beats::default();
    };
    let frames = track(&strength, lag);
    if frames.len() < 4 {
        return Beats::default();
    }
    let mut refined = to_peaks(&strength, &frames, lag);
    let fps = frame_rate();
    // With one tempo, the beats are a grid from the first beat heard to the last, carried out to
    // the ends of the file while an onset still marks each grid point (the tracker trims weak
    // beats at the edges; a groove's first bar is often one).
    let grid = |at: f64, p: f64, first: f64, last: f64| -> Vec<f64> {
        let (mut lo, mut hi) = (((first - at) / p).round(), ((last - at) / p).round());
        let marked = |n: f64| -> bool {
            let c = (at + p * n).round() as isize;
            (c - 2..=c + 2)
                .filter(|i| *i >= 0 && (*i as usize) < strength.len())
                .any(|i| strength[i as usize] >= 1.0)
        };
        while at + p * (lo - 1.0) >= -2.0 && marked(lo - 1.0) {
            lo -= 1.0;
        }
        while at + p * (hi + 1.0) < strength.len() as f64 && marked(hi + 1.0) {
            hi += 1.0;
        }
        (lo as i64..=hi as i64).map(|n| at + p * n as f64).collect()
    };
    let mut line = None;
    let (period, steady) = match steady_grid(&refined, lag) {
        Some((p, at)) => {
            line = Some((p, at));
            refined = grid(at, p, refined[0], refined[refined.len() - 1]);
            (p, true)
        }
        None => {
            let mut gaps: Vec<f64> = refined.windows(2).map(|w| w[1] - w[0]).collect();
            gaps.sort_by(f64::total_cmp);
            (gaps[gaps.len() / 2], false)
        }
    };
    // The tracker can lock onto the off-beats or the 16ths between them (open hats, shaker
    // accents). The beats are where the bass drum is (as Goto 2001 assumes): the low band's
    // flux folded onto one beat (16 bins) shows it, and the beats move by the quarter period
    // (0, ¼, ½ or ¾) whose bins hold the most.
    let low = &features.onsets.low_flux;
    let mut fold = [0.0f64; 16];
    for w in refined.windows(2) {
        let mut f = w[0].max(0.0).ceil() as usize;
        while (f as f64) < w[1] && f < low.len() {
            let bin = ((f as f64 - w[0]) / (w[1] - w[0]) * 16.0).round() as usize % 16;
            fold[bin] += f64::from(low[f]);
            f += 1;
        }
    }
    let quarter = |q: usize| fold[(4 * q + 15) % 16] + fold[4 * q] + fold[4 * q + 1];
    let best = (0..4)
        .max_by(|&a, &b| quarter(a).total_cmp(&quarter(b)))
        .unwrap_or(0);
    if best > 0 && quarter(best) > 1.2 * quarter(0) {
        let shift = best as f64 * period / 4.0;
        if let Some((p, at)) = line {
            refined = grid(
                at + shift,
                p,
                refined[0] + shift,
                refined[refined.len() - 1] + shift,
            );
        } else {
            let shifted: Vec<usize> = refined
                .iter()
                .map(|f| (f + shift).round() as usize)
                .filter(|f| *f < strength.len())
                .collect();
            refined = to_peaks(&strength, &shifted, lag);
        }
    }
    // A grid may start a little before the file does.
    refined.retain(|f| *f >= -2.0 && *f < strength.len() as f64);
    refined.iter_mut().for_each(|f| *f = f.max(0.0));
    // Pulse clarity: onset strength on the beats against the track's mean. The tracker finds
    // "beats" in anything (its transition cost makes them regular); in noise they are no
    // stronger than the rest, in music several times so.
    let mean = strength.iter().sum::<f64>() / strength.len() as f64;
    let on_beats = refined
        .iter()
        .map(|f| strength[(f.round() as usize).min(strength.len() - 1)])
        .sum::<f64>()
        / refined.len().max(1) as f64;
    if refined.len() < 4 || on_beats < MIN_CLARITY * mean {
        return Beats::default();
    }
    Beats {
        bpm: 60.0 * fps / period,
        beats: refined.iter().map(|f| f / fps).collect(),
        downbeats: Vec::new(),
        steady,
        frames: refined,
        first_downbeat: 0,
    }
}

/// Chroma averaged over each beat's frames (treble and bass), one per beat.
pub fn beat_chroma(chroma: &ChromaFrames, beats: &[f64]) -> Vec<([f32; 12], [f32; 12])> {
    let last = chroma.treble.len();
    let at = |frame: f64| ((frame / CHROMA_RATIO as f64).round().max(0.0) as usize).min(last);
    beats
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let end = beats
                .get(i + 1)
                .copied()
                .unwrap_or(b + if i > 0 { b - beats[i - 1] } else { 0.0 });
            let (a, z) = (at(b), at(end).max(at(b) + 1).min(last));
            let (mut t, mut s) = ([0.0f32; 12], [0.0f32; 12]);
            for j in a..z {
                for pc in 0..12 {
                    t[pc] += chroma.treble[j][pc];
                    s[pc] += chroma.bass[j][pc];
                }
            }
            let n = (z - a).max(1) as f32;
            (t.map(|x| x / n), s.map(|x| x / n))
        })
        .collect()
}

pub(crate) fn unit(mut v: [f32; 12]) -> [f32; 12] {
    let sum: f32 = v.iter().sum();
    if sum > 0.0 {
        v.iter_mut().for_each(|x| *x /= sum);
    }
    v
}

/// Picks which beat of four starts the bar: where the beat chroma changes most, with low-band
/// onsets (the log drum's first hit on a chord's root) counting a little.
pub fn downbeats(features: &Features, beats: &mut Beats) {
    let n = beats.frames.len();
    if n < 8 {
        beats.downbeats = beats.beats.iter().step_by(4).copied().collect();
        return;
    }
    let chroma = beat_chroma(&features.chroma, &beats.frames);
    let both: Vec<[f32; 12]> = chroma
        .iter()
        .map(|(t, b)| {
            let (t, b) = (unit(*t), unit(*b));
            std::array::from_fn(|i| t[i] + b[i])
        })
        .collect();
    let window = |from: usize, to: usize| -> [f32; 12] {
        let mut v = [0.0f32; 12];
        for c in &both[from..to] {
            for i in 0..12 {
                v[i] += c[i];
            }
        }
        v
    };
    let low = &features.onsets.low_flux;
    let low_sd = (low.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / low.len().max(1) as f64)
        .sqrt()
        .max(1e-12);
    let mut phase = [0.0f64; 4];
    let mut count = [0usize; 4];
    for k in 2..n.saturating_sub(2) {
        let (before, after) = (window(k - 2, k), window(k, k + 2));
        let dot: f32 = before.iter().zip(&after).map(|(a, b)| a * b).sum();
        let norm = |v: &[f32; 12]| v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        let change = 1.0 - f64::from(dot / (norm(&before) * norm(&after)));
        let f = beats.frames[k].round() as usize;
        let low_onset = (f.saturating_sub(2)..(f + 3).min(low.len()))
            .map(|i| f64::from(low[i]))
            .fold(0.0, f64::max)
            / low_sd;
        phase[k % 4] += change + 0.02 * low_onset;
        count[k % 4] += 1;
    }
    let best = (0..4)
        .max_by(|&a, &b| {
            (phase[a] / count[a].max(1) as f64).total_cmp(&(phase[b] / count[b].max(1) as f64))
        })
        .unwrap_or(0);
    beats.first_downbeat = best;
    beats.downbeats = beats.beats.iter().skip(best).step_by(4).copied().collect();
}
