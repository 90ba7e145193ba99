//! The one biquad of the nodes crate: second-order IIR sections with the coefficient formulas of
//! Robert Bristow-Johnson's Audio EQ Cookbook (RBJ), the Butterworth passes and the K-weighting
//! of ITU-R BS.1770, and their Transposed Direct Form II state. The EQ, the drive's tone, the
//! delay's feedback filters, the drum kit, the log drum and the console's loudness meter all use
//! it. Not a node: plain math. Generic over the sample type, so a node that filters in f32 keeps
//! f32 arithmetic and one that needs f64 precision (a 20 Hz high-pass) keeps f64.
//!
//! Everything here is allocation-free and may run on the audio thread.

use num_traits::{Float, FloatConst};

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

/// Normalised coefficients (a0 = 1): y = b0·x + b1·x₋₁ + b2·x₋₂ − a1·y₋₁ − a2·y₋₂, in f64 unless
/// a node asks for f32. The default is all zeros: a section that outputs silence until designed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Biquad<T = f64> {
    pub b0: T,
    pub b1: T,
    pub b2: T,
    pub a1: T,
    pub a2: T,
}

impl Biquad<f64> {
    /// The section that passes its input unchanged.
    pub const IDENTITY: Biquad = Biquad {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// The same coefficients rounded to f32, for a node that filters in f32 but designs in f64.
    pub fn to_f32(&self) -> Biquad<f32> {
        Biquad {
            b0: self.b0 as f32,
            b1: self.b1 as f32,
            b2: self.b2 as f32,
            a1: self.a1 as f32,
            a2: self.a2 as f32,
        }
    }

    /// The two K-weighting stages of ITU-R BS.1770 (a +4 dB high shelf near 1.7 kHz, then a
    /// 38 Hz high-pass) at any sample rate, by the bilinear transform of the analogue prototypes
    /// that libebur128 uses. At 48 kHz they are the standard's table of coefficients.
    pub fn k_weighting(sample_rate: f64) -> [Biquad; 2] {
        let (f0, gain_db, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
        let k = (std::f64::consts::PI * f0 / sample_rate).tan();
        let vh = 10f64.powf(gain_db / 20.0);
        let vb = vh.powf(0.4996667741545416);
        let a0 = 1.0 + k / q + k * k;
        let shelf = Biquad {
            b0: (vh + vb * k / q + k * k) / a0,
            b1: 2.0 * (k * k - vh) / a0,
            b2: (vh - vb * k / q + k * k) / a0,
            a1: 2.0 * (k * k - 1.0) / a0,
            a2: (1.0 - k / q + k * k) / a0,
        };
        let (f0, q) = (38.13547087602444, 0.5003270373238773);
        let k = (std::f64::consts::PI * f0 / sample_rate).tan();
        let a0 = 1.0 + k / q + k * k;
        let high_pass = Biquad {
            b0: 1.0,
            b1: -2.0,
            b2: 1.0,
            a1: 2.0 * (k * k - 1.0) / a0,
            a2: (1.0 - k / q + k * k) / a0,
        };
        [shelf, high_pass]
    }

    /// The section's gain at `freq` Hz, in dB: |H(e^jω)| with ω = 2π·freq/fs.
    pub fn magnitude_db(&self, freq: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * freq / sample_rate;
        let (s1, c1) = w.sin_cos();
        let (s2, c2) = (2.0 * w).sin_cos();
        let num_re = self.b0 + self.b1 * c1 + self.b2 * c2;
        let num_im = -(self.b1 * s1 + self.b2 * s2);
        let den_re = 1.0 + self.a1 * c1 + self.a2 * c2;
        let den_im = -(self.a1 * s1 + self.a2 * s2);
        10.0 * ((num_re * num_re + num_im * num_im) / (den_re * den_re + den_im * den_im)).log10()
    }
}

/// A constant of the formulas in the section's own type (every one used is exact in f32).
#[inline]
fn c<T: Float>(x: f64) -> T {
    T::from(x).unwrap_or_else(T::nan)
}

impl<T: Float + FloatConst> Biquad<T> {
    /// The cookbook section of `shape` at `freq` Hz with quality `q` and `gain_db` (shelves and
    /// peaks only). Shelves take `q` directly (q = 0.707 is the cookbook's slope S = 1). The
    /// frequency is held inside (0, 0.49·fs) so the section stays stable at any sample rate.
    pub fn rbj(shape: Shape, freq: T, q: T, gain_db: T, sample_rate: T) -> Biquad<T> {
        let q = q.max(c(0.01));
        Self::design(shape, freq, sample_rate, gain_db, |sin| {
            sin / (c::<T>(2.0) * q)
        })
    }

    /// A Butterworth (maximally flat, Q = 1/√2) low- or high-pass at `freq` Hz, with the
    /// cookbook's α = sin ω / (2Q) written as sin ω · (1/√2). Other shapes as [`Biquad::rbj`].
    pub fn butterworth(shape: Shape, freq: T, sample_rate: T) -> Biquad<T> {
        Self::design(shape, freq, sample_rate, T::zero(), |sin| {
            sin * T::FRAC_1_SQRT_2()
        })
    }

    /// The cookbook's formulas, given how α follows from sin ω.
    fn design(
        shape: Shape,
        freq: T,
        sample_rate: T,
        gain_db: T,
        alpha_of: impl Fn(T) -> T,
    ) -> Biquad<T> {
        let (zero, one, two) = (T::zero(), T::one(), c::<T>(2.0));
        let identity = Biquad {
            b0: one,
            b1: zero,
            b2: zero,
            a1: zero,
            a2: zero,
        };
        if shape == Shape::Off || sample_rate.is_nan() || sample_rate <= zero {
            return identity;
        }
        let (low, high) = (c::<T>(1.0e-5) * sample_rate, c::<T>(0.49) * sample_rate);
        // `clamp` spelled out: NaN passes through as it does in the standard library's clamp.
        let f = if freq < low {
            low
        } else if freq > high {
            high
        } else {
            freq
        };
        let w0 = two * T::PI() * f / sample_rate;
        let (sin, cos) = w0.sin_cos();
        let alpha = alpha_of(sin);
        let a = c::<T>(10.0).powf(gain_db / c(40.0));
        let root_a = a.sqrt();
        let (b0, b1, b2, a0, a1, a2) = match shape {
            Shape::LowPass => {
                let b = (one - cos) / two;
                (b, one - cos, b, one + alpha, -two * cos, one - alpha)
            }
            Shape::HighPass => {
                let b = (one + cos) / two;
                (b, -(one + cos), b, one + alpha, -two * cos, one - alpha)
            }
            Shape::BandPass => (alpha, zero, -alpha, one + alpha, -two * cos, one - alpha),
            Shape::Notch => (one, -two * cos, one, one + alpha, -two * cos, one - alpha),
            Shape::Peak => (
                one + alpha * a,
                -two * cos,
                one - alpha * a,
                one + alpha / a,
                -two * cos,
                one - alpha / a,
            ),
            Shape::LowShelf => {
                let s = two * root_a * alpha;
                (
                    a * ((a + one) - (a - one) * cos + s),
                    two * a * ((a - one) - (a + one) * cos),
                    a * ((a + one) - (a - one) * cos - s),
                    (a + one) + (a - one) * cos + s,
                    -two * ((a - one) + (a + one) * cos),
                    (a + one) + (a - one) * cos - s,
                )
            }
            Shape::HighShelf => {
                let s = two * root_a * alpha;
                (
                    a * ((a + one) + (a - one) * cos + s),
                    -two * a * ((a - one) + (a + one) * cos),
                    a * ((a + one) + (a - one) * cos - s),
                    (a + one) - (a - one) * cos + s,
                    two * ((a - one) - (a + one) * cos),
                    (a + one) - (a - one) * cos - s,
                )
            }
            Shape::Off => return identity,
        };
        Biquad {
            b0: b0 / a0,
            b1: b1 / a0,
            b2: b2 / a0,
            a1: a1 / a0,
            a2: a2 / a0,
        }
    }
}

/// One channel's memory of a section, in Transposed Direct Form II (two state words, good
/// numerical behaviour, safe to keep across coefficient changes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BiquadState<T = f64> {
    s1: T,
    s2: T,
}

impl<T: Float> BiquadState<T> {
    /// Filters one sample.
    #[inline]
    pub fn tick(&mut self, c: &Biquad<T>, x: T) -> T {
        let y = c.b0 * x + self.s1;
        self.s1 = c.b1 * x - c.a1 * y + self.s2;
        self.s2 = c.b2 * x - c.a2 * y;
        y
    }

    /// Forgets the past (transport jumps); also recovers from a non-finite state.
    pub fn clear(&mut self) {
        self.s1 = T::zero();
        self.s2 = T::zero();
    }

    /// Whether the state went non-finite (a NaN fed in); the caller should clear it.
    #[inline]
    pub fn is_finite(&self) -> bool {
        self.s1.is_finite() && self.s2.is_finite()
    }
}

/// A section with its own memory, for a voice or a line that owns one filter. Redesigning it
/// keeps the memory, so a moving cutoff does not click.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BiquadFilter<T = f64> {
    coeffs: Biquad<T>,
    state: BiquadState<T>,
}

impl<T: Float> BiquadFilter<T> {
    /// A filter with `coeffs` and an empty memory.
    pub fn new(coeffs: Biquad<T>) -> Self {
        BiquadFilter {
            coeffs,
            state: BiquadState {
                s1: T::zero(),
                s2: T::zero(),
            },
        }
    }

    /// New coefficients; the memory stays.
    pub fn set(&mut self, coeffs: Biquad<T>) {
        self.coeffs = coeffs;
    }

    /// Filters one sample.
    #[inline]
    pub fn tick(&mut self, x: T) -> T {
        self.state.tick(&self.coeffs, x)
    }

    /// Forgets the past.
    pub fn clear(&mut self) {
        self.state.clear();
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

    #[test]
    fn butterworth_is_the_cookbook_at_q_one_over_root_two() {
        let sr = 44_100.0;
        for shape in [Shape::LowPass, Shape::HighPass] {
            let b = Biquad::butterworth(shape, 150.0, sr);
            let r = Biquad::rbj(shape, 150.0, std::f64::consts::FRAC_1_SQRT_2, 0.0, sr);
            for (x, y) in [
                (b.b0, r.b0),
                (b.b1, r.b1),
                (b.b2, r.b2),
                (b.a1, r.a1),
                (b.a2, r.a2),
            ] {
                assert!((x - y).abs() < 1e-14, "{shape:?}: {x} vs {y}");
            }
            // Maximally flat: 3 dB down at the cutoff.
            assert!((b.magnitude_db(150.0, sr) + 3.0103).abs() < 1e-3);
        }
    }

    #[test]
    fn an_f32_section_follows_the_f64_design() {
        let sr = 48_000.0;
        let wide = Biquad::rbj(Shape::BandPass, 2000.0, 1.4, 0.0, sr);
        let narrow = Biquad::<f32>::rbj(Shape::BandPass, 2000.0, 1.4, 0.0, sr as f32);
        let (mut a, mut b) = (BiquadState::default(), BiquadState::<f32>::default());
        let mut worst = 0f64;
        for n in 0..4800 {
            let x = (std::f64::consts::TAU * 2000.0 * f64::from(n) / sr).sin();
            let y = a.tick(&wide, x);
            let z = b.tick(&narrow, x as f32);
            worst = worst.max((y - f64::from(z)).abs());
        }
        assert!(worst < 1e-4, "f32 strays {worst} from f64");
        // 0 dB at the centre: the settled sine comes out at full height.
        assert!((wide.magnitude_db(2000.0, sr)).abs() < 1e-9);
    }

    #[test]
    fn k_weighting_at_48_khz_is_the_standards_table() {
        // ITU-R BS.1770-4, tables 1 and 2.
        let [shelf, high_pass] = Biquad::k_weighting(48_000.0);
        let want_shelf = [
            1.535_124_859_586_97,
            -2.691_696_189_406_38,
            1.198_392_810_852_85,
            -1.690_659_293_182_41,
            0.732_480_774_215_85,
        ];
        let got = [shelf.b0, shelf.b1, shelf.b2, shelf.a1, shelf.a2];
        for (g, w) in got.iter().zip(want_shelf) {
            assert!((g - w).abs() < 1e-8, "shelf {got:?}");
        }
        let want_hp = [1.0, -2.0, 1.0, -1.990_047_454_833_98, 0.990_072_250_366_21];
        let got = [
            high_pass.b0,
            high_pass.b1,
            high_pass.b2,
            high_pass.a1,
            high_pass.a2,
        ];
        for (g, w) in got.iter().zip(want_hp) {
            // The standard normalises the high-pass's numerator to 1 −2 1 (gain ≈ 1.005 dropped).
            assert!((g - w).abs() < 1e-8, "high-pass {got:?}");
        }
    }
}
