//! `instrument.keys`: polyphonic keys for the chords of amapiano (AMAPIANO.md, "Harmony and keys").
//!
//! Models:
//! - `rhodes`: the private-school electric piano. Two-operator FM at 1:1 (the tine), its index
//!   decaying from a velocity-dependent "bark" (harder is brighter), a faint inharmonic bell
//!   partial at 6.27 × f0 (a cantilever tine's second mode), a pitch-dependent natural decay, and
//!   the suitcase's stereo auto-pan tremolo (`tremolo_hz` 4.5, `tremolo_depth` 0.3).
//! - `stab`: the mainstream piano/organ stab (M1-organ-like): eight additive harmonics with a
//!   bright upper "bite" that dies in 150 ms and a body that fades over 1.5 s, so stabs gated
//!   80–120 ms on steps 2, 5, 10, 13 speak at once and end clean.
//! - `organ`: steady drawbar organ with a percussive third harmonic.
//!
//! The ADSR (shared by every model; linear attack, decay and release as T60 times) shapes each
//! note on top of the model's own decay; with the default sustain 1 the model's decay is what you
//! hear. Voices are allocated and stolen by [`super::voice::VoicePool`]: at most `voices` sound,
//! a steal fades the old note over 3 ms, and a repeated note reuses its voice.

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use super::voice::{
    amount_param, gain_param, glide, midi_to_hz, ms_param, sin_turns, t60_coefficient,
    voices_param, EnvelopeRates, Voice, VoicePool, CHUNK, MAX_VOICES, RAMP, STEAL_MS,
};
use crate::db_to_gain;

pub const KIND: &str = "instrument.keys";
pub const MODELS: &[&str] = &["rhodes", "stab", "organ"];

const RHODES: usize = 0;
/// Second bending mode of a cantilever beam over its first: the tine's bell.
const BELL_RATIO: f32 = 6.267;
/// Level of one voice at full velocity, leaving headroom for chords.
const VOICE_LEVEL: f32 = 0.25;
/// Largest FM index (see [`KeysVoice::render_rhodes`]).
const MAX_INDEX: f32 = 1.5;
const HARMONICS: usize = 8;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "polyphonic keys: FM rhodes with tremolo, amapiano stab, organ",
        params: vec![
            ParamSpec::choice("model", "sound: rhodes, stab or organ", MODELS, RHODES),
            voices_param(),
            ms_param("attack_ms", "linear rise to the peak", 0.5, 5000.0, 2.0),
            ms_param("decay_ms", "fall to sustain (T60)", 10.0, 20_000.0, 1500.0),
            amount_param("sustain", "level held after the decay", 1.0),
            ms_param("release_ms", "fall after note-off (T60)", 5.0, 1e4, 150.0),
            amount_param("velocity_amount", "velocity's effect on level", 0.7),
            ParamSpec::number("tremolo_hz", "auto-pan rate", 0.1, 16.0, 4.5, Unit::Hertz),
            amount_param("tremolo_depth", "rhodes auto-pan depth", 0.3),
            gain_param(),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("notes", PortType::Events, "notes to play"),
            PortSpec::output("out", PortType::STEREO, "the keys"),
        ]),
        build: Build::Realtime(build),
    }
}

/// One additive model: harmonic levels of the body and of the bite that dies quickly.
#[derive(Debug, Clone, Copy)]
struct Additive {
    body: [f32; HARMONICS],
    bite: [f32; HARMONICS],
    bite_coef: f32,
    body_coef: f32,
    /// Bite level at velocity 0 and added at velocity 1.
    bite_base: f32,
    bite_velocity: f32,
    level: f32,
}

struct Shared {
    model: usize,
    sample_rate: f32,
    /// One-pole step for timbre changes on retrigger (about 1 ms), so they never click.
    smooth: f32,
    bark_coef: f32,
    bell_coef: f32,
    /// Indexed by model − 1 (stab, organ).
    additive: [Additive; 2],
}

impl Shared {
    fn new(sample_rate: f32) -> Self {
        let a =
            |body: [f32; HARMONICS], bite: [f32; HARMONICS], bite_ms, body_ms, base, vel, loud| {
                let peak: f32 = body
                    .iter()
                    .zip(&bite)
                    .map(|(b, t)| b + t * (base + vel))
                    .sum();
                Additive {
                    body,
                    bite,
                    bite_coef: t60_coefficient(bite_ms, sample_rate),
                    body_coef: t60_coefficient(body_ms, sample_rate),
                    bite_base: base,
                    bite_velocity: vel,
                    level: VOICE_LEVEL * loud / peak,
                }
            };
        Shared {
            model: RHODES,
            sample_rate,
            smooth: 1.0 - (-1.0 / (0.001 * sample_rate)).exp(),
            bark_coef: t60_coefficient(1500.0, sample_rate),
            bell_coef: t60_coefficient(350.0, sample_rate),
            additive: [
                a(
                    [1.0, 0.55, 0.4, 0.3, 0.18, 0.14, 0.0, 0.1],
                    [0.0, 0.5, 0.55, 0.5, 0.4, 0.3, 0.25, 0.2],
                    150.0,
                    1500.0,
                    0.5,
                    0.7,
                    3.0,
                ),
                a(
                    [1.0, 0.7, 0.5, 0.55, 0.0, 0.35, 0.0, 0.3],
                    [0.0, 0.0, 0.7, 0.0, 0.0, 0.0, 0.0, 0.0],
                    400.0,
                    1.0e9,
                    0.6,
                    0.4,
                    2.0,
                ),
            ],
        }
    }
}

/// One key: the state of every model, only the note's own model runs.
#[derive(Default)]
struct KeysVoice {
    model: usize,
    /// Phase in turns (f64 so it never drifts) and its fan of rotations: each chunk re-derives
    /// (sin, cos) from the phase and turns it eight samples at a time (see [`oscillate`]).
    turns: f64,
    step: f64,
    fan: Fan,
    bell_turns: f64,
    bell_step: f64,
    bell_fan: Fan,
    /// Decaying targets and the smoothed values that follow them (see [`glide`]).
    bell: f32,
    bell_gain: f32,
    bark: f32,
    index_floor: f32,
    index: f32,
    /// The model's own decay.
    body: f32,
    body_coef: f32,
    gain: f32,
    bite: f32,
    bite_gain: f32,
    /// Additive models: this note's harmonic levels (zero above 0.45 × the sample rate) as
    /// polynomials in cos x, lowest power first (see [`KeysVoice::render_additive`]).
    body_poly: [f32; HARMONICS],
    bite_poly: [f32; HARMONICS],
}

/// Power-series coefficients of Σ levels[k]·U_k(c) over the first `count` levels, where
/// sin((k+1)x) = sin x · U_k(cos x) and U_{k+1} = 2c·U_k − U_{k−1}.
fn chebyshev_u(levels: &[f32; HARMONICS], count: usize) -> [f32; HARMONICS] {
    let mut sum = [0.0f64; HARMONICS];
    let (mut prev, mut cur) = ([0.0f64; HARMONICS], [0.0f64; HARMONICS]);
    cur[0] = 1.0;
    for level in levels.iter().take(count) {
        for (s, u) in sum.iter_mut().zip(&cur) {
            *s += f64::from(*level) * u;
        }
        // U_{k+1} = 2c·U_k − U_{k−1}: shift the powers of U_k up by one.
        let mut next = prev.map(|p| -p);
        for (n, c) in next.iter_mut().skip(1).zip(&cur) {
            *n += 2.0 * c;
        }
        (prev, cur) = (cur, next);
    }
    sum.map(|v| v as f32)
}

/// A degree-7 polynomial by Estrin's scheme: shallower than Horner's, so samples overlap.
#[inline]
fn estrin(p: &[f32; HARMONICS], x: f32) -> f32 {
    let x2 = x * x;
    let x4 = x2 * x2;
    let low = (p[0] + p[1] * x) + x2 * (p[2] + p[3] * x);
    let high = (p[4] + p[5] * x) + x2 * (p[6] + p[7] * x);
    low + x4 * high
}

/// Samples a phase fan covers.
const FAN: usize = 8;

/// (sin, cos) of one to eight samples' phase steps, and of eight: an oscillator's rotations.
#[derive(Debug, Clone, Copy, Default)]
struct Fan {
    sin: [f32; FAN],
    cos: [f32; FAN],
    sin_all: f32,
    cos_all: f32,
}

impl Fan {
    /// Control side of a note start: the rotations for a phase step of `step` turns a sample.
    fn new(step: f64) -> Fan {
        let mut fan = Fan::default();
        for k in 0..FAN {
            (fan.sin[k], fan.cos[k]) = quadrature(k as f64 * step);
        }
        (fan.sin_all, fan.cos_all) = quadrature(FAN as f64 * step);
        fan
    }
}

/// sin and cos of the phase at each sample of a chunk that starts at `turns`: eight samples at a
/// time, each rotated from the group's first by its own fixed angle, so the samples of a group do
/// not wait on one another (a sample-by-sample rotation chains every sample to the one before).
#[inline]
fn oscillate(turns: f64, fan: &Fan) -> ([f32; CHUNK], [f32; CHUNK]) {
    let (mut sin, mut cos) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
    let (mut s, mut c) = quadrature(turns);
    for (sin, cos) in sin.chunks_exact_mut(FAN).zip(cos.chunks_exact_mut(FAN)) {
        for k in 0..FAN {
            sin[k] = s * fan.cos[k] + c * fan.sin[k];
            cos[k] = c * fan.cos[k] - s * fan.sin[k];
        }
        (s, c) = (
            s * fan.cos_all + c * fan.sin_all,
            c * fan.cos_all - s * fan.sin_all,
        );
    }
    (sin, cos)
}

/// (sin, cos) of 2π·`turns`.
fn quadrature(turns: f64) -> (f32, f32) {
    let (s, c) = (std::f64::consts::TAU * turns).sin_cos();
    (s as f32, c as f32)
}

impl KeysVoice {
    /// Timbre that depends on how hard the key was struck.
    fn strike(&mut self, velocity: f32, s: &Shared) {
        let v = velocity.clamp(0.0, 1.0);
        self.body = 1.0;
        if self.model == RHODES {
            let f = self.step as f32 * s.sample_rate;
            // Low keys bark more; high ones stay clean. 1:1 FM loses its fundamental
            // (J0 − J2 = 0) near index 1.8, and the polynomials below hold to 1.5: stay there.
            let key = (262.0 / f).powf(0.3).clamp(0.6, 1.2);
            self.index_floor = (0.1 + 0.4 * v) * key;
            self.bark = ((0.2 + 0.9 * v * v) * key).min(MAX_INDEX - self.index_floor);
            let audible = BELL_RATIO * f < 0.45 * s.sample_rate;
            self.bell = if audible { 0.1 * v } else { 0.0 };
        } else if let Some(a) = s.additive.get(self.model.wrapping_sub(1)) {
            self.bite = a.bite_base + a.bite_velocity * v;
            self.body_coef = a.body_coef;
        }
    }

    /// The chunk's decays at its end, and the per-chunk factor of the smoothers.
    fn decay(&mut self, s: &Shared, len: usize) -> f32 {
        let n = len as i32;
        let bite_coef = s
            .additive
            .get(self.model.wrapping_sub(1))
            .map_or(1.0, |a| a.bite_coef);
        for (x, coef) in [
            (&mut self.body, self.body_coef),
            (&mut self.bark, s.bark_coef),
            (&mut self.bell, s.bell_coef),
            (&mut self.bite, bite_coef),
        ] {
            *x *= coef.powi(n);
            if *x < 1e-9 {
                // Inaudible: zero, before it decays into slow denormals.
                *x = 0.0;
            }
        }
        (1.0 - s.smooth).powi(n)
    }

    /// 1:1 FM, sin(θ + β) with β = index·sin θ, as sin θ·cos β + cos θ·sin β: |β| ≤ 1.5, where
    /// short polynomials are exact to 2·10⁻⁵, so no range reduction and no phase wrap.
    fn render_rhodes(&mut self, s: &Shared, amp: &[f32], out: &mut [f32]) {
        let len = amp.len().min(out.len()).min(CHUNK);
        let keep = self.decay(s, len);
        let (index, d_index) = glide(&mut self.index, self.index_floor + self.bark, keep, len);
        let (gain, d_gain) = glide(&mut self.gain, self.body * VOICE_LEVEL, keep, len);
        let (bell, d_bell) = glide(&mut self.bell_gain, self.bell * VOICE_LEVEL, keep, len);
        let (sin, cos) = oscillate(self.turns, &self.fan);
        let ringing = bell > 1e-6 || self.bell_gain > 1e-6;
        let fm = |n: usize| {
            let beta = (index + RAMP[n] * d_index) * sin[n];
            let b2 = beta * beta;
            let sin_b = beta
                * (1.0
                    + b2 * (-1.0 / 6.0
                        + b2 * (1.0 / 120.0 + b2 * (-1.0 / 5040.0 + b2 * (1.0 / 362_880.0)))));
            let cos_b =
                1.0 + b2 * (-0.5 + b2 * (1.0 / 24.0 + b2 * (-1.0 / 720.0 + b2 * (1.0 / 40_320.0))));
            (gain + RAMP[n] * d_gain) * (sin[n] * cos_b + cos[n] * sin_b)
        };
        if ringing {
            let (bell_sin, _) = oscillate(self.bell_turns, &self.bell_fan);
            for n in 0..len {
                out[n] += amp[n] * (fm(n) + (bell + RAMP[n] * d_bell) * bell_sin[n]);
            }
        } else {
            for n in 0..len {
                out[n] += amp[n] * fm(n);
            }
        }
        self.turns = (self.turns + self.step * len as f64).fract();
        self.bell_turns = (self.bell_turns + self.bell_step * len as f64).fract();
    }

    /// Σ level_k·sin(kx) = sin x · Σ level_k·U_{k−1}(cos x): two degree-7 polynomials in cos x
    /// (body and bite, set up at note start).
    fn render_additive(&mut self, s: &Shared, amp: &[f32], out: &mut [f32]) {
        let Some(level) = s.additive.get(self.model.wrapping_sub(1)).map(|a| a.level) else {
            return;
        };
        let len = amp.len().min(out.len()).min(CHUNK);
        let keep = self.decay(s, len);
        let (gain, d_gain) = glide(&mut self.gain, self.body * level, keep, len);
        let (bite, d_bite) = glide(&mut self.bite_gain, self.bite * level, keep, len);
        let (sin, cos) = oscillate(self.turns, &self.fan);
        let (body, top) = (&self.body_poly, &self.bite_poly);
        for n in 0..len {
            let (lo, hi) = (estrin(body, cos[n]), estrin(top, cos[n]));
            let (g, b) = (gain + RAMP[n] * d_gain, bite + RAMP[n] * d_bite);
            out[n] += amp[n] * sin[n] * (lo * g + hi * b);
        }
        self.turns = (self.turns + self.step * len as f64).fract();
    }
}

impl Voice for KeysVoice {
    type Shared = Shared;

    fn start(&mut self, note: u8, velocity: f32, _seed: u32, s: &Shared) {
        let f = midi_to_hz(note);
        let sr = f64::from(s.sample_rate);
        self.model = s.model.min(MODELS.len() - 1);
        self.turns = 0.0;
        self.step = f64::from(f) / sr;
        self.fan = Fan::new(self.step);
        self.bell_turns = 0.0;
        self.bell_step = f64::from(BELL_RATIO) * self.step;
        self.bell_fan = Fan::new(self.bell_step);
        // A Rhodes note rings about 7 s at C3, shorter up the keyboard.
        let t60 = (7000.0 * (130.8 / f).sqrt()).clamp(1200.0, 9000.0);
        self.body_coef = t60_coefficient(t60, s.sample_rate);
        if let Some(a) = s.additive.get(self.model.wrapping_sub(1)) {
            let audible = (0.45 * s.sample_rate / f) as usize;
            self.body_poly = chebyshev_u(&a.body, audible);
            self.bite_poly = chebyshev_u(&a.bite, audible);
        }
        self.strike(velocity, s);
        self.index = self.index_floor + self.bark;
        self.gain = VOICE_LEVEL;
        self.bell_gain = self.bell * VOICE_LEVEL;
        if let Some(a) = s.additive.get(self.model.wrapping_sub(1)) {
            self.gain = a.level;
            self.bite_gain = self.bite * a.level;
        }
    }

    fn retrigger(&mut self, velocity: f32, s: &Shared) {
        self.strike(velocity, s);
    }

    fn render(&mut self, s: &Shared, amp: &[f32], left: &mut [f32], _right: &mut [f32]) {
        if self.model == RHODES {
            self.render_rhodes(s, amp, left);
        } else {
            self.render_additive(s, amp, left);
        }
    }
}

yano_engine::param_handles! {
    /// The keys' parameters, resolved by id when they are built.
    struct Knobs / Values {
        model: "model",
        voices: "voices",
        attack: "attack_ms",
        decay: "decay_ms",
        sustain: "sustain",
        release: "release_ms",
        velocity: "velocity_amount",
        tremolo_hz: "tremolo_hz",
        tremolo_depth: "tremolo_depth",
        gain: "gain_db",
    }
}

struct Keys {
    knobs: Knobs,
    pool: VoicePool<KeysVoice>,
    shared: Shared,
    tremolo_phase: f32,
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    crate::require_sample_rate(KIND, config, 8_000)?;
    let sample_rate = config.sample_rate as f32;
    let voices = (0..MAX_VOICES).map(|_| KeysVoice::default()).collect();
    Ok(Box::new(Keys {
        knobs: Knobs::resolve(config)?,
        pool: VoicePool::new(voices, sample_rate, STEAL_MS),
        shared: Shared::new(sample_rate),
        tremolo_phase: 0.0,
    }))
}

impl Processor for Keys {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let sr = self.shared.sample_rate;
        let events = ctx.events_in(0);
        let p = self.knobs.read(ctx);
        self.shared.model = (p.model.last() as usize).min(MODELS.len() - 1);
        self.pool.set_limit(p.voices.last() as usize);
        self.pool.set_rates(EnvelopeRates::new(
            sr,
            p.attack.last(),
            p.decay.last(),
            p.sustain.last(),
            p.release.last(),
        ));
        let amount = p.velocity.last();
        let tremolo = if self.shared.model == RHODES {
            p.tremolo_depth.last().clamp(0.0, 1.0)
        } else {
            0.0
        };
        let tremolo_dt = p.tremolo_hz.last() / sr;
        let gain = ctx.param(self.knobs.gain);
        let (left, right) = ctx.audio_out_pair(0);
        left.fill(0.0);
        right.fill(0.0);
        self.pool.play(events, amount, &self.shared, left, right);
        // The voices are mono (in `left`); the tremolo pans them, left falling as right rises.
        let fixed = db_to_gain(gain.at(0));
        for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            let g = if gain.is_constant() {
                fixed
            } else {
                db_to_gain(gain.at(i))
            };
            let pan = tremolo * sin_turns(self.tremolo_phase);
            self.tremolo_phase += tremolo_dt;
            if self.tremolo_phase >= 1.0 {
                self.tremolo_phase -= 1.0;
            }
            let mono = *l * g;
            *l = mono * (1.0 - pan);
            *r = mono * (1.0 + pan);
        }
    }

    fn reset(&mut self) {
        self.pool.reset();
        self.tremolo_phase = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::testing::{at, peak_near, play, tone, SR};
    use crate::instrument::voice::velocity_gain;
    use yano_engine::param::ParamValue;
    use yano_testkit::rms;

    fn num(id: &str, v: f64) -> (&str, ParamValue) {
        (id, ParamValue::Number(v))
    }

    fn max_step(x: &[f32]) -> f32 {
        x.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn voices_never_exceed_the_limit() {
        // Eight held notes inside one octave (no note is a harmonic of another), 20 ms apart,
        // into four voices: after the steals only the newest four fundamentals may remain.
        let notes = [60u8, 61, 63, 64, 66, 67, 69, 70];
        let script: String = notes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{} {n} 0.8;", i * 960))
            .collect();
        let params = [num("voices", 4.0), num("tremolo_depth", 0.0)];
        let out = play(KIND, &params, &script, 0.6).left;
        let window = &out[at(0.25)..at(0.55)];
        let amps: Vec<f64> = notes
            .iter()
            .map(|n| tone(window, f64::from(midi_to_hz(*n))))
            .collect();
        let loudest = amps.iter().cloned().fold(0.0, f64::max);
        let present: Vec<bool> = amps.iter().map(|a| *a > 0.01 * loudest).collect();
        eprintln!(
            "fundamentals (dB re loudest): {:?}",
            amps.iter()
                .map(|a| (20.0 * (a / loudest).log10()).round())
                .collect::<Vec<_>>()
        );
        assert_eq!(present.iter().filter(|p| **p).count(), 4, "{present:?}");
        assert!(
            present[4..].iter().all(|p| *p),
            "the newest four sound: {present:?}"
        );
    }

    #[test]
    fn steals_fade_instead_of_clicking() {
        // Voice limit 1: note 52 steals note 48's voice at a peak of 48's waveform.
        let params = [num("voices", 1.0), num("tremolo_depth", 0.0)];
        let alone = play(KIND, &params, "0 48 0.9", 0.2).left;
        let period = (SR / f64::from(midi_to_hz(48))) as usize;
        let steal = (at(0.1)..at(0.1) + period)
            .max_by(|a, b| alone[*a].abs().total_cmp(&alone[*b].abs()))
            .unwrap_or(0);
        let script = format!("0 48 0.9; {steal} 52 0.9");
        let out = play(KIND, &params, &script, 0.25).left;
        // Steady steps: the old note before, the new note once its attack is over.
        let bound = 1.5
            * max_step(&out[steal - 2400..steal - 10])
                .max(max_step(&out[steal + 720..steal + 3120]));
        let faded = max_step(&out[steal - 10..steal + 720]);
        // The same through the pool with an instant steal (no fade), rendered without the node.
        let shared = Shared::new(SR as f32);
        let voices = vec![KeysVoice::default()];
        let mut pool = VoicePool::new(voices, SR as f32, 0.0);
        pool.set_rates(EnvelopeRates::new(SR as f32, 2.0, 1500.0, 1.0, 150.0));
        let peak = velocity_gain(0.9, 0.7);
        let (mut l, mut r) = (vec![0.0f32; at(0.25)], vec![0.0f32; at(0.25)]);
        pool.note_on(48, 0.9, peak, &shared);
        pool.render(&shared, &mut l[..steal], &mut r[..steal]);
        pool.note_on(52, 0.9, peak, &shared);
        pool.render(&shared, &mut l[steal..], &mut r[steal..]);
        let instant = max_step(&l[steal - 10..steal + 720]);
        eprintln!("steady bound {bound:.4}, 3 ms steal {faded:.4}, instant steal {instant:.4}");
        assert!(faded < bound, "faded steal step {faded} ≥ {bound}");
        assert!(
            instant > 3.0 * bound,
            "an instant steal should break the bound: {instant}"
        );
    }

    #[test]
    fn velocity_raises_level_and_rhodes_brightness() {
        let measure = |model: &str, velocity: f64| {
            let params = [
                ("model", ParamValue::Text(model.into())),
                num("tremolo_depth", 0.0),
            ];
            let out = play(KIND, &params, &format!("0 60 {velocity}"), 0.3).left;
            let x = &out[at(0.01)..at(0.15)];
            // Spectral centroid over the first 12 harmonics, in harmonic numbers.
            let f0 = f64::from(midi_to_hz(60));
            let amps: Vec<f64> = (1..=12).map(|k| tone(x, k as f64 * f0)).collect();
            let centroid = amps
                .iter()
                .enumerate()
                .map(|(k, a)| (k + 1) as f64 * a)
                .sum::<f64>()
                / amps.iter().sum::<f64>();
            (rms(x), centroid)
        };
        let (soft, soft_bright) = measure("rhodes", 0.3);
        let (hard, hard_bright) = measure("rhodes", 1.0);
        eprintln!(
            "rhodes: {:.1} dB louder, centroid harmonic {soft_bright:.2} -> {hard_bright:.2}",
            20.0 * (hard / soft).log10()
        );
        assert!(hard > 1.5 * soft && hard_bright > soft_bright + 0.3);
        let (stab_soft, _) = measure("stab", 0.3);
        let (stab_hard, _) = measure("stab", 1.0);
        assert!(stab_hard > 1.5 * stab_soft, "{stab_soft} {stab_hard}");
    }

    #[test]
    fn tremolo_pans_at_its_rate() {
        let params = [num("tremolo_hz", 4.5), num("tremolo_depth", 0.3)];
        let out = play(KIND, &params, "0 57 0.8", 2.0);
        // Balance (L − R)/(L + R) of the rectified channels in 2 ms windows: −depth·sin(2πft).
        let w = at(0.002);
        let balance: Vec<f64> = out
            .left
            .chunks(w)
            .zip(out.right.chunks(w))
            .skip(50)
            .map(|(l, r)| {
                let (a, b) = (
                    l.iter().map(|x| f64::from(x.abs())).sum::<f64>(),
                    r.iter().map(|x| f64::from(x.abs())).sum::<f64>(),
                );
                (a - b) / (a + b)
            })
            .collect();
        let crossings: Vec<usize> = balance
            .windows(2)
            .enumerate()
            .filter(|(_, p)| p[0] < 0.0 && p[1] >= 0.0)
            .map(|(i, _)| i)
            .collect();
        let cycles = (crossings.len() - 1) as f64;
        let span = (crossings[crossings.len() - 1] - crossings[0]) as f64 * 0.002;
        let rate = cycles / span;
        let depth = balance.iter().cloned().fold(0.0, f64::max);
        eprintln!("tremolo {rate:.3} Hz, depth {depth:.3}");
        assert!((rate - 4.5).abs() < 0.05 * 4.5, "{rate}");
        assert!((depth - 0.3).abs() < 0.03, "{depth}");
    }

    #[test]
    fn every_model_plays_in_tune() {
        let mut worst: f64 = 0.0;
        for model in MODELS {
            // Equal temperament from A4 = 440 Hz, written out (not from the code under test).
            for (note, want) in [
                (36u8, 65.406_391),
                (48, 130.812_783),
                (60, 261.625_565),
                (72, 523.251_131),
                (84, 1046.502_261),
            ] {
                let params = [
                    ("model", ParamValue::Text((*model).into())),
                    num("tremolo_depth", 0.0),
                ];
                let out = play(KIND, &params, &format!("0 {note} 0.8"), 0.3).left;
                let got = peak_near(&out[at(0.03)..at(0.28)], want);
                let error = (got / want - 1.0).abs();
                assert!(error < 0.01, "{model} note {note}: {got} Hz, want {want}");
                worst = worst.max(error);
            }
        }
        eprintln!("worst f0 error {:.3} %", worst * 100.0);
    }

    #[test]
    fn gated_stabs_speak_fast_and_end_clean() {
        // A 100 ms stab chord (AMAPIANO.md: stabs gated 80–120 ms).
        let params = [("model", ParamValue::Text("stab".into()))];
        let script = "0 60 0.9; 0 64 0.9; 0 67 0.9; 4800 60 off; 4800 64 off; 4800 67 off";
        let out = play(KIND, &params, script, 0.4).left;
        let body = rms(&out[at(0.02)..at(0.08)]);
        let onset = rms(&out[at(0.004)..at(0.01)]);
        let tail = rms(&out[at(0.25)..at(0.3)]);
        // The linear attack: its steps stay below those of the first milliseconds after it.
        let click = max_step(&out[..at(0.002)]) / max_step(&out[at(0.002)..at(0.006)]);
        eprintln!(
            "stab onset {:.1} dB, tail {:.1} dB re body; onset step ratio {click:.2}",
            20.0 * (onset / body).log10(),
            20.0 * (tail / body).log10()
        );
        assert!(onset > 0.5 * body, "speaks within 4 ms");
        assert!(tail < 0.01 * body, "gone 150 ms after the gate");
        assert!(click < 1.0, "no onset click");
    }
}
