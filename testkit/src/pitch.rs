//! Pitch measured the way the tests measure it, written from the paper and never from yano's
//! own code: YIN (de Cheveigné & Kawahara 2002).

/// YIN over `x` at `rate`: the period of the first dip of the cumulative mean normalised
/// difference below 0.15 within `lo..hi` Hz, parabolically interpolated.
pub fn yin(x: &[f32], rate: f64, lo: f64, hi: f64) -> Option<f64> {
    let (min_lag, max_lag) = ((rate / hi) as usize, (rate / lo) as usize + 1);
    let w = x.len().checked_sub(max_lag + 2)?;
    let d: Vec<f64> = (0..=max_lag + 1)
        .map(|lag| {
            (0..w)
                .map(|i| f64::from(x[i] - x[i + lag]).powi(2))
                .sum::<f64>()
        })
        .collect();
    let mut cmnd = vec![1.0; d.len()];
    let mut running = 0.0;
    for lag in 1..d.len() {
        running += d[lag];
        cmnd[lag] = d[lag] * lag as f64 / running.max(1e-30);
    }
    let mut lag = min_lag.max(2);
    while lag < max_lag {
        if cmnd[lag] < 0.15 {
            while lag + 1 < max_lag && cmnd[lag + 1] < cmnd[lag] {
                lag += 1;
            }
            let (a, b, c) = (cmnd[lag - 1], cmnd[lag], cmnd[lag + 1]);
            let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
            return Some(rate / (lag as f64 + shift));
        }
        lag += 1;
    }
    None
}

/// The median of YIN's estimates every 10 ms from `from` to `to` seconds, looked for within
/// ±40 % of `near` Hz (None when fewer than half the frames give one).
pub fn median_pitch(x: &[f32], rate: f64, from: f64, to: f64, near: f64) -> Option<f64> {
    let win = (2.5 * rate / (near * 0.6)) as usize;
    let mut found = Vec::new();
    let mut frames = 0;
    let mut t = from;
    while t + win as f64 / rate < to {
        let start = (t * rate) as usize;
        if start + win > x.len() {
            break;
        }
        frames += 1;
        if let Some(hz) = yin(&x[start..start + win], rate, near * 0.6, near * 1.4) {
            found.push(hz);
        }
        t += 0.01;
    }
    if found.len() * 2 < frames.max(1) {
        return None;
    }
    found.sort_by(f64::total_cmp);
    Some(found[found.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_is_read_at_its_frequency() {
        let rate = 48_000.0;
        let x: Vec<f32> = (0..24_000)
            .map(|i| (std::f64::consts::TAU * 293.66 * f64::from(i) / rate).sin() as f32)
            .collect();
        let hz = median_pitch(&x, rate, 0.0, 0.5, 300.0).unwrap();
        assert!((1200.0 * (hz / 293.66).log2()).abs() < 1.0, "{hz}");
    }
}
