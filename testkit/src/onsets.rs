//! Where notes start, measured the way the tests measure it: an RMS envelope, and a note's
//! onset as the half-way point of its rise out of the gap before it.

/// Seconds between envelope frames.
pub const HOP_SECONDS: f64 = 0.0025;

/// RMS envelope of `x` (at 48 kHz) every 2.5 ms over 10 ms windows (frame k covers
/// k·2.5 ms onwards).
pub fn envelope(x: &[f32]) -> Vec<f64> {
    let hop = (HOP_SECONDS * 48_000.0) as usize;
    let win = 4 * hop;
    (0..x.len().saturating_sub(win) / hop)
        .map(|k| crate::rms(&x[k * hop..k * hop + win]))
        .collect()
}

/// Where a note starts near `around` seconds: in the 150 ms before it and 300 ms after, the
/// envelope's lowest point before the note's peak (the gap after the note before), then the
/// first moment after it that the envelope is half way from there to the peak.
pub fn onset(env: &[f64], around: f64) -> Option<f64> {
    let frame = |t: f64| ((t / HOP_SECONDS).max(0.0) as usize).min(env.len().saturating_sub(1));
    let (from, to) = (frame(around - 0.15), frame(around + 0.3));
    let peak_at = (frame(around)..to).max_by(|a, b| env[*a].total_cmp(&env[*b]))?;
    let low_at = (from..=peak_at).min_by(|a, b| env[*a].total_cmp(&env[*b]))?;
    let half = 0.5 * (env[low_at] + env[peak_at]);
    (low_at..=peak_at)
        .find(|&k| env[k] >= half)
        .map(|k| k as f64 * HOP_SECONDS + 2.0 * HOP_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tone_burst_starts_where_it_was_written() {
        let mut x = vec![0.0f32; 48_000];
        for (i, v) in x[24_000..36_000].iter_mut().enumerate() {
            *v = (i as f32 * 0.05).sin() * (i as f32 / 480.0).min(1.0);
        }
        let at = onset(&envelope(&x), 0.5).unwrap();
        // A 10 ms linear attack from 0.5 s: half way up about 5 ms in, within one frame.
        assert!((at - 0.505).abs() < 0.004, "{at}");
    }
}
