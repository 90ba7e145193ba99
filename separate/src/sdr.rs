//! Signal-to-distortion ratio as the MDX and SDX challenges score it: over the whole track and
//! every channel, 10 · log10(Σ s² / Σ (s − ŝ)²), with a tiny constant so a silent reference and a
//! silent estimate score well rather than dividing by zero.

const EPSILON: f64 = 1e-7;

/// SDR in dB of `estimate` against `reference` (channels × samples; lengths must agree).
pub fn sdr(reference: &[Vec<f32>], estimate: &[Vec<f32>]) -> f64 {
    let (mut signal, mut error) = (EPSILON, EPSILON);
    for (r, e) in reference.iter().zip(estimate) {
        for (s, t) in r.iter().zip(e) {
            let (s, t) = (f64::from(*s), f64::from(*t));
            signal += s * s;
            error += (s - t) * (s - t);
        }
    }
    10.0 * (signal / error).log10()
}

/// Energy of a signal (every channel), for shares of the mix.
pub fn energy(channels: &[Vec<f32>]) -> f64 {
    channels
        .iter()
        .flatten()
        .map(|s| f64::from(*s) * f64::from(*s))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ratios() {
        let s = vec![vec![1.0f32, -1.0, 1.0, -1.0]];
        // The error is a tenth of the signal's amplitude everywhere: 20 dB.
        let e = vec![vec![0.9f32, -0.9, 0.9, -0.9]];
        assert!((sdr(&s, &e) - 20.0).abs() < 1e-4);
        // The estimate is silent: 0 dB.
        let z = vec![vec![0.0f32; 4]];
        assert!(sdr(&s, &z).abs() < 1e-4);
        // Perfect: very high.
        assert!(sdr(&s, &s) > 60.0);
    }
}
