//! The vocal tract: a Klatt-style cascade of five formant resonators (F1–F5, each with its
//! bandwidth) and one nasal antiresonator, and the table of targets it moves between.
//!
//! Vowel formants F1–F3 are the averages of Peterson & Barney (1952), "Control methods used in a
//! study of the vowels", JASA 24(2), Table II: men for bass and tenor, women for alto and
//! soprano, children for child. The IPA vowel each spelling stands for:
//!
//! | vowel | P&B word | men F1/F2/F3 | women | children |
//! |-------|----------|--------------|-------|----------|
//! | a     | hod  [ɑ] | 730/1090/2440 | 850/1220/2810 | 1030/1370/3170 |
//! | e     | head [ɛ] | 530/1840/2480 | 610/2330/2990 | 690/2610/3570 |
//! | i     | heed [i] | 270/2290/3010 | 310/2790/3310 | 370/3200/3730 |
//! | o     | hawed [ɔ]| 570/840/2410  | 590/920/2710  | 680/1060/3180 |
//! | u     | who'd [u]| 300/870/2240  | 370/950/2670  | 430/1170/3260 |
//! | schwa | hud [ʌ]  | 640/1190/2390 | 760/1400/2780 | 850/1590/3360 |
//!
//! F4 and F5 are Klatt's (1980) defaults for a man (3300 and 3750 Hz), times 1.2 for women and
//! 1.3 for children. Bass sings the men's table scaled by 0.93 (a longer tract), alto the
//! women's scaled by 0.96; tenor, soprano and child sing their table unscaled. Bandwidths are
//! Klatt-like (60, 90, 120, 180, 250 Hz for a man; ×1.15 women, ×1.3 children).
//!
//! The hums m, n, ng (nasal murmur; approximations after Fujimura 1962 and Klatt 1980): F1 at
//! 250 Hz (men), the upper formants damped (bandwidths 300–600 Hz) and an antiformant at 1000 Hz
//! (m, lips closed), 1800 Hz (n) or 3000 Hz (ng), scaled like the vowels.
//!
//! Singers raise F1 towards a high fundamental (formant tuning, Sundberg): F1 never falls below
//! 1.05·f0 here, so a soprano's top notes keep their loudness.

use std::f32::consts::PI;

/// What the tract can be shaped as: the vowels and the hums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    A,
    E,
    I,
    O,
    U,
    Schwa,
    M,
    N,
    Ng,
}

impl Target {
    /// In the order of the `vowel` parameter's choices.
    pub const ALL: [Target; 9] = [
        Target::A,
        Target::E,
        Target::I,
        Target::O,
        Target::U,
        Target::Schwa,
        Target::M,
        Target::N,
        Target::Ng,
    ];

    pub fn is_hum(self) -> bool {
        matches!(self, Target::M | Target::N | Target::Ng)
    }
}

/// Voice types, in the order of the `voice` parameter's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceType {
    Bass,
    Tenor,
    Alto,
    Soprano,
    Child,
}

impl VoiceType {
    pub const ALL: [VoiceType; 5] = [
        VoiceType::Bass,
        VoiceType::Tenor,
        VoiceType::Alto,
        VoiceType::Soprano,
        VoiceType::Child,
    ];
}

/// Men's, women's and children's F1–F3 for a, e, i, o, u, schwa (Peterson & Barney 1952).
const PETERSON_BARNEY: [[[f32; 3]; 6]; 3] = [
    [
        [730.0, 1090.0, 2440.0],
        [530.0, 1840.0, 2480.0],
        [270.0, 2290.0, 3010.0],
        [570.0, 840.0, 2410.0],
        [300.0, 870.0, 2240.0],
        [640.0, 1190.0, 2390.0],
    ],
    [
        [850.0, 1220.0, 2810.0],
        [610.0, 2330.0, 2990.0],
        [310.0, 2790.0, 3310.0],
        [590.0, 920.0, 2710.0],
        [370.0, 950.0, 2670.0],
        [760.0, 1400.0, 2780.0],
    ],
    [
        [1030.0, 1370.0, 3170.0],
        [690.0, 2610.0, 3570.0],
        [370.0, 3200.0, 3730.0],
        [680.0, 1060.0, 3180.0],
        [430.0, 1170.0, 3260.0],
        [850.0, 1590.0, 3360.0],
    ],
];
/// Klatt's F4, F5 for a man.
const UPPER: [f32; 2] = [3300.0, 3750.0];
const BANDWIDTHS: [f32; 5] = [60.0, 90.0, 120.0, 180.0, 250.0];
/// Hums for a man: F1–F3, and the antiformant.
const HUMS: [([f32; 3], f32); 3] = [
    ([250.0, 1100.0, 2200.0], 1000.0),
    ([250.0, 1600.0, 2500.0], 1800.0),
    ([250.0, 2000.0, 2700.0], 3000.0),
];
const HUM_BANDWIDTHS: [f32; 5] = [80.0, 300.0, 400.0, 500.0, 600.0];

/// One tract shape: formant frequencies and bandwidths, and how much the antiformant acts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub freq: [f32; 5],
    pub bw: [f32; 5],
    /// Antiformant frequency (Hz) and amount 0 (vowel) … 1 (hum).
    pub zero: f32,
    pub nasal: f32,
}

impl Shape {
    /// The shape of `target` for `voice` (the tables above).
    pub fn of(voice: VoiceType, target: Target) -> Shape {
        // (table, formant scale, table's upper-formant scale, bandwidth scale)
        let (table, scale, upper, widen) = match voice {
            VoiceType::Bass => (0, 0.93, 1.0, 1.0),
            VoiceType::Tenor => (0, 1.0, 1.0, 1.0),
            VoiceType::Alto => (1, 0.96, 1.2, 1.15),
            VoiceType::Soprano => (1, 1.0, 1.2, 1.15),
            VoiceType::Child => (2, 1.0, 1.3, 1.3),
        };
        let vowel = |f: [f32; 3]| [f[0], f[1], f[2], UPPER[0] * upper, UPPER[1] * upper];
        let (f, bw, zero, nasal) = match target {
            Target::M | Target::N | Target::Ng => {
                let (f, z) = HUMS[target as usize - Target::M as usize];
                let low = f.map(|x| x * upper);
                (vowel(low), HUM_BANDWIDTHS, z * upper, 1.0)
            }
            vowel_target => {
                let row = PETERSON_BARNEY[table][vowel_target as usize];
                (vowel(row), BANDWIDTHS, 1000.0, 0.0)
            }
        };
        Shape {
            freq: f.map(|x| x * scale),
            bw: bw.map(|b| b * widen),
            zero: zero * scale,
            nasal,
        }
    }

    /// The straight-line blend `t` (0..1) of the way from `self` to `to`.
    pub fn lerp(&self, to: &Shape, t: f32) -> Shape {
        let mix = |a: f32, b: f32| a + (b - a) * t;
        let mut out = *self;
        for k in 0..5 {
            out.freq[k] = mix(self.freq[k], to.freq[k]);
            out.bw[k] = mix(self.bw[k], to.bw[k]);
        }
        out.zero = mix(self.zero, to.zero);
        out.nasal = mix(self.nasal, to.nasal);
        out
    }
}

/// Klatt's two-pole resonator coefficients: y = a·x + b·y₁ + c·y₂, unity gain at DC.
#[derive(Debug, Clone, Copy, Default)]
struct Coefs {
    a: f32,
    b: f32,
    c: f32,
}

impl Coefs {
    fn new(freq: f32, bw: f32, sample_rate: f32) -> Coefs {
        let t = 1.0 / sample_rate;
        let r = (-PI * bw * t).exp();
        let c = -r * r;
        let b = 2.0 * r * (2.0 * PI * freq * t).cos();
        Coefs {
            a: 1.0 - b - c,
            b,
            c,
        }
    }
}

/// The cascade's state and its coefficients for the present control block.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tract {
    res: [Coefs; 5],
    state: [[f32; 2]; 5],
    /// Antiresonator (FIR) coefficients and its last two inputs.
    zero: Coefs,
    zero_in: [f32; 2],
    nasal: f32,
}

impl Tract {
    /// Audio thread: sets the coefficients for `shape`, F1 raised to 1.05·`f0` if below it;
    /// every frequency kept under 0.45 of the sample rate.
    pub fn set(&mut self, shape: &Shape, f0: f32, sample_rate: f32) {
        let top = 0.45 * sample_rate;
        for k in 0..5 {
            let mut f = shape.freq[k];
            if k == 0 {
                f = f.max(1.05 * f0);
            }
            self.res[k] = Coefs::new(f.min(top), shape.bw[k], sample_rate);
        }
        self.zero = Coefs::new(shape.zero.min(top), 100.0, sample_rate);
        self.nasal = shape.nasal.clamp(0.0, 1.0);
    }

    /// One sample through the antiresonator (when nasal) and the five formants.
    #[inline]
    pub fn tick(&mut self, x: f32) -> f32 {
        let mut y = x;
        if self.nasal > 0.0 {
            // Klatt's antiresonator: the inverse of a resonator, unity gain at DC.
            let z = &self.zero;
            let out = (x - z.b * self.zero_in[0] - z.c * self.zero_in[1]) / z.a;
            self.zero_in = [x, self.zero_in[0]];
            y = x + self.nasal * (out - x);
        }
        for (c, s) in self.res.iter().zip(self.state.iter_mut()) {
            let o = c.a * y + c.b * s[0] + c.c * s[1];
            *s = [o, s[0]];
            y = o;
        }
        y
    }

    /// Flushes the states that decayed into denormal range.
    pub fn flush(&mut self) {
        for x in self
            .state
            .iter_mut()
            .flatten()
            .chain(self.zero_in.iter_mut())
        {
            if x.abs() < 1e-20 {
                *x = 0.0;
            }
        }
    }

    pub fn clear(&mut self) {
        self.state = [[0.0; 2]; 5];
        self.zero_in = [0.0; 2];
    }
}

/// A band-pass for frication and bursts: a first difference (a zero at DC) into a resonator,
/// scaled to unity gain at its centre.
#[derive(Debug, Clone, Copy, Default)]
pub struct BandPass {
    c: Coefs,
    norm: f32,
    last_in: f32,
    state: [f32; 2],
}

impl BandPass {
    pub fn new(freq: f32, bw: f32, sample_rate: f32) -> BandPass {
        let f = freq.min(0.45 * sample_rate);
        let c = Coefs::new(f, bw, sample_rate);
        // Gain at the centre: |a / (1 − b·z⁻¹ − c·z⁻²)| at z = e^{jω}.
        let w = 2.0 * PI * f / sample_rate;
        let (re, im) = (
            1.0 - c.b * w.cos() - c.c * (2.0 * w).cos(),
            c.b * w.sin() + c.c * (2.0 * w).sin(),
        );
        let difference = 2.0 * (0.5 * w).sin();
        let gain = difference * c.a.abs() / (re * re + im * im).sqrt().max(1e-12);
        BandPass {
            c,
            norm: 1.0 / gain.max(1e-12),
            last_in: 0.0,
            state: [0.0; 2],
        }
    }

    #[inline]
    pub fn tick(&mut self, x: f32) -> f32 {
        let c = &self.c;
        let d = x - self.last_in;
        self.last_in = x;
        let o = c.a * d + c.b * self.state[0] + c.c * self.state[1];
        self.state = [o, self.state[0]];
        o * self.norm
    }
}
