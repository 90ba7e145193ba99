//! Second-order IIR sections with the coefficient formulas of Robert Bristow-Johnson's Audio EQ
//! Cookbook (RBJ), shared by the EQ, the drive's tone filter and any node that needs a shelf,
//! a peak or a 12 dB/oct pass. Not a node: plain math plus a Transposed Direct Form II state.
//!
//! Everything here is allocation-free and may run on the audio thread.

use std::f64::consts::PI;

/// The cookbook responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Passes the signal untouched.
    Off,
    LowShelf,
    Peak,
    HighShelf,
    /// 12 dB/oct low-pass.
    LowPass,
    /// 12 dB/oct high-pass.
    HighPass,
    /// Band-pass with 0 dB at the centre.
    BandPass,
    Notch,
}

impl Shape {
    /// The EQ band types in the order of its `bandN_type` choice.
    pub const EQ_NAMES: &'static [&'static str] = &[
        "off",
        "low_shelf",
        "peak",
        "high_shelf",
        "low_pass",
        "high_pass",
    ];

    /// The shape at `index` of [`Shape::EQ_NAMES`] (Off past the end).
    pub fn from_eq_index(index: usize) -> Shape {
        match index {
            1 => Shape::LowShelf,
            2 => Shape::Peak,
            3 => Shape::HighShelf,
            4 => Shape::LowPass,
            5 => Shape::HighPass,
            _ => Shape::Off,
        }
    }
}

/// Normalised coefficients (a0 = 1): y = b0·x + b1·x₋₁ + b2·x₋₂ − a1·y₋₁ − a2·y₋₂.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl Biquad {
    /// The section that passes its input unchanged.
    pub const IDENTITY: Biquad = Biquad {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// The cookbook section of `shape` at `freq` Hz with quality `q` and `gain_db` (shelves and
    /// peaks only). Shelves take `q` directly (q = 0.707 is the cookbook's slope S = 1). The
    /// frequency is held inside (0, 0.49·fs) so the section stays stable at any sample rate.
    pub fn rbj(shape: Shape, freq: f64, q: f64, gain_db: f64, sample_rate: f64) -> Biquad {
        if shape == Shape::Off || sample_rate.is_nan() || sample_rate <= 0.0 {
            return Biquad::IDENTITY;
        }
        let f = freq.clamp(1.0e-5 * sample_rate, 0.49 * sample_rate);
        let q = q.max(0.01);
        let w0 = 2.0 * PI * f / sample_rate;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * q);
        let a = 10f64.powf(gain_db / 40.0);
        let root_a = a.sqrt();
        let (b0, b1, b2, a0, a1, a2) = match shape {
            Shape::LowPass => {
                let b = (1.0 - cos) / 2.0;
                (b, 1.0 - cos, b, 1.0 + alpha, -2.0 * cos, 1.0 - alpha)
            }
            Shape::HighPass => {
                let b = (1.0 + cos) / 2.0;
                (b, -(1.0 + cos), b, 1.0 + alpha, -2.0 * cos, 1.0 - alpha)
            }
            Shape::BandPass => (alpha, 0.0, -alpha, 1.0 + alpha, -2.0 * cos, 1.0 - alpha),
            Shape::Notch => (1.0, -2.0 * cos, 1.0, 1.0 + alpha, -2.0 * cos, 1.0 - alpha),
            Shape::Peak => (
                1.0 + alpha * a,
                -2.0 * cos,
                1.0 - alpha * a,
                1.0 + alpha / a,
                -2.0 * cos,
                1.0 - alpha / a,
            ),
            Shape::LowShelf => {
                let s = 2.0 * root_a * alpha;
                (
                    a * ((a + 1.0) - (a - 1.0) * cos + s),
                    2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                    a * ((a + 1.0) - (a - 1.0) * cos - s),
                    (a + 1.0) + (a - 1.0) * cos + s,
                    -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                    (a + 1.0) + (a - 1.0) * cos - s,
                )
            }
            Shape::HighShelf => {
                let s = 2.0 * root_a * alpha;
                (
                    a * ((a + 1.0) + (a - 1.0) * cos + s),
                    -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                    a * ((a + 1.0) + (a - 1.0) * cos - s),
                    (a + 1.0) - (a - 1.0) * cos + s,
                    2.0 * ((a - 1.0) - (a + 1.0) * cos),
                    (a + 1.0) - (a - 1.0) * cos - s,
                )
            }
            Shape::Off => return Biquad::IDENTITY,
        };
        Biquad {
            b0: b0 / a0,
            b1: b1 / a0,
            b2: b2 / a0,
            a1: a1 / a0,
            a2: a2 / a0,
        }
    }

    /// The section's gain at `freq` Hz, in dB: |H(e^jω)| with ω = 2π·freq/fs.
    pub fn magnitude_db(&self, freq: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * PI * freq / sample_rate;
        let (s1, c1) = w.sin_cos();
        let (s2, c2) = (2.0 * w).sin_cos();
        let num_re = self.b0 + self.b1 * c1 + self.b2 * c2;
        let num_im = -(self.b1 * s1 + self.b2 * s2);
        let den_re = 1.0 + self.a1 * c1 + self.a2 * c2;
        let den_im = -(self.a1 * s1 + self.a2 * s2);
        10.0 * ((num_re * num_re + num_im * num_im) / (den_re * den_re + den_im * den_im)).log10()
    }
}

/// One channel's memory of a section, in Transposed Direct Form II (two state words, good
/// numerical behaviour in f64, safe to keep across coefficient changes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BiquadState {
    s1: f64,
    s2: f64,
}

impl BiquadState {
    /// Filters one sample.
    #[inline]
    pub fn tick(&mut self, c: &Biquad, x: f64) -> f64 {
        let y = c.b0 * x + self.s1;
        self.s1 = c.b1 * x - c.a1 * y + self.s2;
        self.s2 = c.b2 * x - c.a2 * y;
        y
    }

    /// Forgets the past (transport jumps); also recovers from a non-finite state.
    pub fn clear(&mut self) {
        *self = BiquadState::default();
    }

    /// Whether the state went non-finite (a NaN fed in); the caller should clear it.
    #[inline]
    pub fn is_finite(&self) -> bool {
        self.s1.is_finite() && self.s2.is_finite()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_land_where_the_cookbook_says() {
        let sr = 48_000.0;
        let peak = Biquad::rbj(Shape::Peak, 1000.0, 1.4, -4.0, sr);
        assert!((peak.magnitude_db(1000.0, sr) + 4.0).abs() < 1e-9);
        let lp = Biquad::rbj(
            Shape::LowPass,
            1000.0,
            std::f64::consts::FRAC_1_SQRT_2,
            0.0,
            sr,
        );
        assert!((lp.magnitude_db(1000.0, sr) + 3.0103).abs() < 1e-3);
        assert!(lp.magnitude_db(10.0, sr).abs() < 1e-6);
        let ls = Biquad::rbj(Shape::LowShelf, 100.0, 0.707, 6.0, sr);
        assert!((ls.magnitude_db(10.0, sr) - 6.0).abs() < 0.05);
        assert!(ls.magnitude_db(10_000.0, sr).abs() < 0.01);
        // The state reproduces the formula: a DC step settles at the DC gain.
        let mut st = BiquadState::default();
        let mut y = 0.0;
        for _ in 0..48_000 {
            y = st.tick(&ls, 1.0);
        }
        assert!((20.0 * y.log10() - ls.magnitude_db(0.0, sr)).abs() < 1e-6);
    }
}
