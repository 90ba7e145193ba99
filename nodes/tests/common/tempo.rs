//! Tempo from a rendered signal, for tests: onset strength, then a beat grid fitted to the
//! onsets. Shared by the grooves' tests and the scripting workflows' tests.

/// Onset strength every 2.5 ms: the rise of log energy below about 2 kHz (kick, clap body, log
/// drum; not the shakers), half-wave rectified.
pub fn onset_strength(x: &[f32], sample_rate: f64) -> (Vec<f64>, f64) {
    let hop = (0.0025 * sample_rate) as usize;
    let a = (-std::f64::consts::TAU * 2000.0 / sample_rate).exp();
    let (mut y1, mut y2) = (0.0, 0.0);
    let low: Vec<f64> = x
        .iter()
        .map(|v| {
            y1 = a * y1 + (1.0 - a) * f64::from(*v);
            y2 = a * y2 + (1.0 - a) * y1;
            y2
        })
        .collect();
    let energy: Vec<f64> = low
        .chunks(hop)
        .map(|c| 10.0 * (c.iter().map(|v| v * v).sum::<f64>() / c.len() as f64 + 1e-10).log10())
        .collect();
    let flux = (0..energy.len())
        .map(|i| {
            if i < 4 {
                0.0
            } else {
                (energy[i] - energy[i - 4]).max(0.0)
            }
        })
        .collect();
    (flux, hop as f64 / sample_rate)
}

/// Tempo from onsets. The autocorrelation of the onset strength at one, two and four beats gives a
/// rough beat period in 100–125 BPM; onsets are then picked (local maxima above a fifth of the strongest, 80 ms apart),
/// those within a tenth of a beat of the grid are kept, and a straight line fitted to onset time
/// against beat number gives the period. The fit is widened 16 beats at a time so the beat numbers
/// never slip.
pub fn tempo_from_onsets(strength: &[f64], hop_s: f64) -> f64 {
    let lag_of = |bpm: f64| 60.0 / bpm / hop_s;
    let mut best = (0usize, f64::MIN);
    let r = |lag: usize| -> f64 {
        strength
            .iter()
            .zip(strength.get(lag..).unwrap_or(&[]))
            .map(|(a, b)| a * b)
            .sum()
    };
    for lag in lag_of(125.0) as usize..=lag_of(100.0) as usize {
        // The true beat also repeats at the half bar and the bar.
        let score = r(lag) + r(2 * lag) + r(4 * lag);
        if score > best.1 {
            best = (lag, score);
        }
    }
    let mut period = best.0 as f64 * hop_s;
    let top = strength.iter().cloned().fold(0.0, f64::max);
    let mut onsets: Vec<(f64, f64)> = Vec::new();
    for i in 1..strength.len() - 1 {
        let t = i as f64 * hop_s;
        if strength[i] > 0.2 * top
            && strength[i] >= strength[i - 1]
            && strength[i] > strength[i + 1]
            && onsets.last().is_none_or(|o| t - o.0 > 0.08)
        {
            onsets.push((t, strength[i]));
        }
    }
    // Anchor the grid on the early onset that puts the most onset strength on it.
    let on_grid_strength = |start: f64| -> f64 {
        onsets
            .iter()
            .filter(|(t, _)| {
                let k = ((t - start) / period).round();
                (0.0..=16.0).contains(&k) && (t - start - k * period).abs() < 0.1 * period
            })
            .map(|o| o.1)
            .sum()
    };
    let start = onsets
        .iter()
        .take(16)
        .map(|o| o.0)
        .max_by(|a, b| on_grid_strength(*a).total_cmp(&on_grid_strength(*b)))
        .unwrap_or(0.0);
    let mut beats = 16.0;
    loop {
        let on_grid: Vec<(f64, f64)> = onsets
            .iter()
            .filter_map(|(t, _)| {
                let k = ((t - start) / period).round();
                let off = t - start - k * period;
                (k >= 0.0 && k <= beats && off.abs() < 0.1 * period).then_some((k, *t))
            })
            .collect();
        let n = on_grid.len() as f64;
        let (sk, st) = on_grid
            .iter()
            .fold((0.0, 0.0), |(a, b), (k, t)| (a + k, b + t));
        let (mk, mt) = (sk / n, st / n);
        let (num, den) = on_grid.iter().fold((0.0, 0.0), |(a, b), (k, t)| {
            (a + (k - mk) * (t - mt), b + (k - mk) * (k - mk))
        });
        period = num / den;
        if beats > (onsets.last().map_or(0.0, |o| o.0) - start) / period {
            return 60.0 / period;
        }
        beats += 16.0;
    }
}

/// Tempo of a whole song from the autocorrelation of its onset strength at a long lag: the
/// song repeats itself every 16, 32 … 64 beats, so the peak of the autocorrelation near that
/// many beats, interpolated between hops, gives the beat period to a few microseconds. Onsets
/// that are off the beat but repeat with the music (swung percussion, anticipated chords, a
/// limiter's recovery after each kick) line up with themselves and do not pull it.
#[allow(dead_code)]
pub fn tempo_from_repetition(strength: &[f64], hop_s: f64) -> f64 {
    let rough = tempo_from_onsets(strength, hop_s);
    let mean = strength.iter().sum::<f64>() / strength.len().max(1) as f64;
    let centred: Vec<f64> = strength.iter().map(|s| s - mean).collect();
    let r = |lag: usize| -> f64 {
        centred
            .iter()
            .zip(centred.get(lag..).unwrap_or(&[]))
            .map(|(a, b)| a * b)
            .sum::<f64>()
            / (centred.len().saturating_sub(lag).max(1)) as f64
    };
    let mut period = 60.0 / rough;
    let song_beats = strength.len() as f64 * hop_s / period;
    for beats in [4.0, 16.0, 32.0, 64.0] {
        if beats > song_beats / 2.0 {
            break;
        }
        let expected = beats * period / hop_s;
        let (lo, hi) = (
            (expected * 0.995) as usize,
            (expected * 1.005).ceil() as usize,
        );
        let Some(best) = (lo.max(2)..=hi).max_by(|a, b| r(*a).total_cmp(&r(*b))) else {
            break;
        };
        // A parabola through the peak and its neighbours places it between hops.
        let (y0, y1, y2) = (r(best - 1), r(best), r(best + 1));
        let shift = 0.5 * (y0 - y2) / (y0 - 2.0 * y1 + y2).min(-1e-300);
        period = (best as f64 + shift.clamp(-0.5, 0.5)) * hop_s / beats;
    }
    60.0 / period
}
