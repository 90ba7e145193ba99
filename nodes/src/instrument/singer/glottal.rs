//! The voice source: the glottal flow derivative of the Rosenberg–Klatt polynomial pulse
//! (KLGLOTT88, Klatt & Klatt 1990: flow U(t) = t² − t³ over the open phase), plus aspiration
//! noise that the glottal cycle modulates.
//!
//! Over the open phase (the first `open_quotient` of the period, t from 0 to 1) the excitation
//! is dU/dt = 2t − 3t²: it rises, falls to its most negative value −1 at the closing instant and
//! jumps back to 0, where it stays while the folds are closed. That jump, the main excitation of
//! the tract, is band-limited with a PolyBLEP residual, so soprano notes do not alias badly (the
//! kinks at opening and closing fall at 12 dB/octave and are left as they are). The pulse's
//! spectrum falls 6 dB/octave, the slope of a modal voice with lip radiation included.
//!
//! Breathiness opens the glottis longer (open quotient 0.5 → 0.8), tilts the pulse down with a
//! one-pole low-pass and adds aspiration noise whose level follows the glottal flow (loudest
//! when the folds are open, a floor of 30 % while closed).

/// Pulse and aspiration noise of one voice.
#[derive(Debug, Clone, Copy)]
pub struct Glottis {
    /// Position in the glottal period, 0..1 (0 = the folds start to open).
    phase: f32,
    noise: Noise,
    /// Spectral-tilt low-pass state.
    tilt: f32,
}

/// The per-block settings of the source.
#[derive(Debug, Clone, Copy)]
pub struct Breath {
    pub open_quotient: f32,
    /// Tilt low-pass coefficient (0 = no tilt).
    pub tilt: f32,
    /// Level of the pulse and of the aspiration noise.
    pub pulse: f32,
    pub aspiration: f32,
}

impl Breath {
    /// Settings for `breathiness` 0..1 at `sample_rate`.
    pub fn new(breathiness: f32, sample_rate: f32) -> Breath {
        let b = breathiness.clamp(0.0, 1.0);
        // The tilt low-pass's corner falls from far above hearing to 1.5 kHz.
        let corner = 1500.0 * (16.0f32).powf(1.0 - b);
        let tilt = if b > 0.0 {
            (-std::f32::consts::TAU * corner / sample_rate).exp()
        } else {
            0.0
        };
        Breath {
            open_quotient: 0.5 + 0.3 * b,
            tilt,
            pulse: 1.0 - 0.5 * b,
            aspiration: 0.6 * b,
        }
    }
}

impl Glottis {
    pub fn new(seed: u32) -> Glottis {
        Glottis {
            phase: 0.0,
            noise: Noise::new(seed),
            tilt: 0.0,
        }
    }

    /// A note starts: the folds open now.
    pub fn restart(&mut self, seed: u32) {
        self.phase = 0.0;
        self.tilt = 0.0;
        self.noise = Noise::new(seed);
    }

    /// Next white-noise sample, −1..1 (shared with the consonants).
    #[inline]
    pub fn noise(&mut self) -> f32 {
        self.noise.next()
    }

    /// The next source sample at phase increment `dt` (f0 / sample rate): the pulse times
    /// `voicing` plus the aspiration noise.
    #[inline]
    pub fn tick(&mut self, dt: f32, voicing: f32, b: &Breath) -> f32 {
        let oq = b.open_quotient;
        let p = self.phase;
        let (pulse, flow) = if p < oq {
            let t = p / oq;
            (t * (2.0 - 3.0 * t), t * t * (1.0 - t) * 6.75)
        } else {
            (0.0, 0.0)
        };
        // The closing step (+1 at p = oq), smoothed over one sample either side.
        let since = if p >= oq { p - oq } else { p - oq + 1.0 };
        let pulse = pulse + 0.5 * poly_blep(since, dt);
        self.phase += dt;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        let tilted = pulse + b.tilt * (self.tilt - pulse);
        self.tilt = tilted;
        let breath = b.aspiration * self.noise.next() * (0.3 + 0.7 * flow);
        voicing * (b.pulse * tilted + breath)
    }
}

/// The PolyBLEP residual of a unit-height step at phase 0 of a unit-period wave (the step of a
/// falling saw has height −2 and takes `−poly_blep`).
#[inline]
fn poly_blep(t: f32, dt: f32) -> f32 {
    if t < dt {
        let x = t / dt;
        x + x - x * x - 1.0
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt;
        x * x + x + x + 1.0
    } else {
        0.0
    }
}

/// Xorshift32 white noise.
#[derive(Debug, Clone, Copy)]
pub struct Noise(u32);

impl Noise {
    pub fn new(seed: u32) -> Noise {
        Noise(seed | 1)
    }

    #[inline]
    pub fn next(&mut self) -> f32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        (x >> 8) as f32 * (2.0 / (1u32 << 24) as f32) - 1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pulse's mean is zero (it is a derivative of a periodic flow) and its most negative
    /// value is −1 just before closing.
    #[test]
    fn pulse_is_a_flow_derivative() {
        let mut g = Glottis::new(1);
        let b = Breath::new(0.0, 48_000.0);
        let dt = 100.0 / 48_000.0;
        let x: Vec<f32> = (0..48_000).map(|_| g.tick(dt, 1.0, &b)).collect();
        let mean = x.iter().sum::<f32>() / x.len() as f32;
        let low = x.iter().cloned().fold(0.0, f32::min);
        assert!(mean.abs() < 2e-3, "{mean}");
        assert!((low + 1.0).abs() < 0.05, "{low}");
    }
}
