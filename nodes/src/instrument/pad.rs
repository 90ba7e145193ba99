//! `instrument.pad`: the whole-bar chord pad of amapiano (AMAPIANO.md, "Parts": attack 300 ms,
//! release 1 s, low-pass 2 kHz; those are the defaults).
//!
//! Each voice is 2–7 PolyBLEP saws detuned symmetrically over ±`detune_ct` and spread over the
//! stereo field (`width`), so the pad beats and is wide. The sum goes through one 24 dB/oct
//! low-pass per channel (two cascaded state-variable stages: Butterworth at `resonance` 0, the
//! second stage's Q rising with it). The filter is linear and shared by every voice, so it costs
//! the same at one voice or thirty-two. The envelope's attack is linear; its release falls 60 dB
//! in `release_ms`. Voices are allocated and stolen by [`super::voice::VoicePool`] (3 ms fades).

use std::f32::consts::PI;

use yano_engine::param::{ParamSpec, Smoothing, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use super::voice::{
    amount_param, gain_param, midi_to_hz, ms_param, voices_param, EnvelopeRates, Voice, VoicePool,
    CHUNK, MAX_VOICES, RAMP, STEAL_MS,
};
use crate::db_to_gain;

pub const KIND: &str = "instrument.pad";
pub const MAX_SAWS: usize = 7;

/// Level of one voice at full velocity, leaving headroom for chords.
const VOICE_LEVEL: f32 = 0.2;
/// Q of the two stages of a 4th-order Butterworth low-pass.
const BUTTERWORTH_Q: [f32; 2] = [0.541_196, 1.306_563];
/// The resonant stage's Q grows by up to this factor.
const RESONANCE_RANGE: f32 = 6.0;

pub fn descriptor() -> NodeDescriptor {
    let glide = Smoothing::Logarithmic { ms: 20.0 };
    NodeDescriptor {
        kind: KIND,
        description: "polyphonic detuned-saw pad with a 24 dB/oct low-pass",
        params: vec![
            voices_param(),
            ParamSpec::integer("saws", "detuned saws per voice", 2, 7, 5, Unit::Count),
            ParamSpec::number("detune_ct", "saw spread, ±", 0.0, 100.0, 12.0, Unit::Cents),
            amount_param("width", "stereo spread of the saws", 0.8),
            ParamSpec::number("cutoff_hz", "low-pass", 20.0, 20e3, 2e3, Unit::Hertz)
                .smoothing(glide),
            amount_param("resonance", "low-pass resonance", 0.1),
            ms_param("attack_ms", "linear fade-in", 1.0, 10_000.0, 300.0),
            ms_param("release_ms", "fade after note-off (T60)", 10.0, 2e4, 1e3),
            amount_param("velocity_amount", "velocity's effect on level", 0.5),
            gain_param(),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("notes", PortType::Events, "notes to play"),
            PortSpec::output("out", PortType::STEREO, "the pad"),
        ]),
        build: Build::Realtime(build),
    }
}

/// What every voice reads: the saws' frequency ratios and stereo gains.
struct Shared {
    sample_rate: f32,
    saws: usize,
    ratio: [f32; MAX_SAWS],
    left: [f32; MAX_SAWS],
    right: [f32; MAX_SAWS],
    /// (saws, detune, width) the arrays were made for.
    key: (usize, f32, f32),
}

impl Shared {
    /// Sets the saws for this block (recomputed only when a value changed).
    fn set(&mut self, saws: usize, detune_ct: f32, width: f32) {
        let key = (saws.clamp(2, MAX_SAWS), detune_ct, width);
        if key == self.key {
            return;
        }
        self.key = key;
        self.saws = key.0;
        let norm = VOICE_LEVEL / (self.saws as f32).sqrt();
        self.left = [0.0; MAX_SAWS];
        self.right = [0.0; MAX_SAWS];
        for k in 0..self.saws.min(MAX_SAWS) {
            // −1 … +1 across the saws: the flattest far left, the sharpest far right.
            let x = 2.0 * k as f32 / (self.saws - 1) as f32 - 1.0;
            let pan = (width.clamp(0.0, 1.0) * x + 1.0) * 0.25 * PI;
            self.ratio[k] = (detune_ct * x / 1200.0).exp2();
            self.left[k] = norm * pan.cos();
            self.right[k] = norm * pan.sin();
        }
    }
}

#[derive(Default)]
struct PadVoice {
    phases: [f32; MAX_SAWS],
    /// Phase increment of an undetuned saw.
    dt: f32,
}

impl Voice for PadVoice {
    type Shared = Shared;

    fn start(&mut self, note: u8, _velocity: f32, seed: u32, s: &Shared) {
        self.dt = midi_to_hz(note) / s.sample_rate;
        // Free-running phases (from the seed) so the saws never start in one sharp edge.
        let mut x = seed | 1;
        for p in self.phases.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *p = (x >> 8) as f32 / (1u32 << 24) as f32;
        }
    }

    fn retrigger(&mut self, _velocity: f32, _s: &Shared) {}

    fn render(&mut self, s: &Shared, amp: &[f32], left: &mut [f32], right: &mut [f32]) {
        crate::wide::wide(
            #[inline(always)]
            || self.render_saws(s, amp, left, right),
        );
    }
}

impl PadVoice {
    /// One saw at a time over the chunk, its samples side by side: each sample's phase is worked
    /// out from the chunk's first (t₀ + n·dt, wrapped), not stepped from the one before, so the
    /// samples do not wait on each other and lanes never run for saws the voice does not have.
    #[inline(always)]
    fn render_saws(&mut self, s: &Shared, amp: &[f32], left: &mut [f32], right: &mut [f32]) {
        let len = amp.len().min(left.len()).min(right.len()).min(CHUNK);
        let (mut yl, mut yr) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
        let saws = s.saws.min(MAX_SAWS);
        for (k, phase) in self.phases.iter_mut().enumerate().take(saws) {
            let dt = (self.dt * s.ratio[k]).clamp(1e-6, 0.5);
            let inv = 1.0 / dt;
            let (gl, gr, start) = (s.left[k], s.right[k], *phase);
            // Every lane of the chunk, so the loop is whole vectors; lanes past `len` are unused.
            for n in 0..CHUNK {
                // Non-negative and below 33, so the floor is the integer part.
                let x = start + RAMP[n] * dt;
                let t = x - x.floor();
                let below = 1.0 - t * inv;
                let above = (t - 1.0) * inv + 1.0;
                let lo = if t < dt { below * below } else { 0.0 };
                let hi = if t > 1.0 - dt { above * above } else { 0.0 };
                let y = 2.0 * t - 1.0 + lo - hi;
                yl[n] += y * gl;
                yr[n] += y * gr;
            }
            let end = start + len as f32 * dt;
            *phase = end - end.floor();
        }
        let outs = left.iter_mut().zip(right.iter_mut());
        for ((a, (l, r)), (yl, yr)) in amp.iter().zip(outs).zip(yl.iter().zip(&yr)) {
            *l += a * yl;
            *r += a * yr;
        }
    }
}

/// Coefficients of one TPT state-variable low-pass stage (Zavalishin; Simper's form).
#[derive(Debug, Clone, Copy, Default)]
struct Stage {
    a1: f32,
    a2: f32,
    a3: f32,
}

impl Stage {
    fn new(g: f32, q: f32) -> Self {
        let a1 = 1.0 / (1.0 + g * (g + 1.0 / q));
        Stage {
            a1,
            a2: g * a1,
            a3: g * g * a1,
        }
    }

    /// One sample through the stage with state `(ic1, ic2)`; returns the low-pass output.
    #[inline]
    fn tick(&self, state: &mut [f32; 2], x: f32) -> f32 {
        let v3 = x - state[1];
        let v1 = self.a1 * state[0] + self.a2 * v3;
        let v2 = state[1] + self.a2 * state[0] + self.a3 * v3;
        state[0] = 2.0 * v1 - state[0];
        state[1] = 2.0 * v2 - state[1];
        v2
    }
}

fn low_pass(cutoff_hz: f32, resonance: f32, sample_rate: f32) -> [Stage; 2] {
    let g = (PI * cutoff_hz.clamp(10.0, 0.45 * sample_rate) / sample_rate).tan();
    let q = BUTTERWORTH_Q[1] * RESONANCE_RANGE.powf(resonance.clamp(0.0, 1.0));
    [Stage::new(g, BUTTERWORTH_Q[0]), Stage::new(g, q)]
}

yano_engine::param_handles! {
    /// The pad's parameters, resolved by id when it is built.
    struct Knobs / Values {
        voices: "voices",
        saws: "saws",
        detune: "detune_ct",
        width: "width",
        cutoff: "cutoff_hz",
        resonance: "resonance",
        attack: "attack_ms",
        release: "release_ms",
        velocity: "velocity_amount",
        gain: "gain_db",
    }
}

struct Pad {
    knobs: Knobs,
    pool: VoicePool<PadVoice>,
    shared: Shared,
    /// [channel][stage] filter states.
    filter: [[[f32; 2]; 2]; 2],
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    crate::require_sample_rate(KIND, config, 8_000)?;
    let sample_rate = config.sample_rate as f32;
    let voices = (0..MAX_VOICES).map(|_| PadVoice::default()).collect();
    Ok(Box::new(Pad {
        knobs: Knobs::resolve(config)?,
        pool: VoicePool::new(voices, sample_rate, STEAL_MS),
        shared: Shared {
            sample_rate,
            saws: 2,
            ratio: [1.0; MAX_SAWS],
            left: [0.0; MAX_SAWS],
            right: [0.0; MAX_SAWS],
            key: (0, 0.0, 0.0),
        },
        filter: [[[0.0; 2]; 2]; 2],
    }))
}

impl Processor for Pad {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let sr = self.shared.sample_rate;
        let events = ctx.events_in(0);
        let p = self.knobs.read(ctx);
        self.shared
            .set(p.saws.last() as usize, p.detune.last(), p.width.last());
        self.pool.set_limit(p.voices.last() as usize);
        self.pool.set_rates(EnvelopeRates::new(
            sr,
            p.attack.last(),
            1000.0,
            1.0,
            p.release.last(),
        ));
        let amount = p.velocity.last();
        let resonance = p.resonance.last();
        let (cutoff, gain) = (ctx.param(self.knobs.cutoff), ctx.param(self.knobs.gain));
        let (left, right) = ctx.audio_out_pair(0);
        left.fill(0.0);
        right.fill(0.0);
        self.pool.play(events, amount, &self.shared, left, right);
        let mut stages = low_pass(cutoff.at(0), resonance, sr);
        let fixed = db_to_gain(gain.at(0));
        let [fl, fr] = &mut self.filter;
        for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            if !cutoff.is_constant() {
                stages = low_pass(cutoff.at(i), resonance, sr);
            }
            let g = if gain.is_constant() {
                fixed
            } else {
                db_to_gain(gain.at(i))
            };
            let [s0, s1] = &stages;
            let [l0, l1] = fl;
            let [r0, r1] = fr;
            *l = g * s1.tick(l1, s0.tick(l0, *l));
            *r = g * s1.tick(r1, s0.tick(r0, *r));
        }
        // A silent filter decays towards zero: flush it before it reaches the slow denormals.
        for x in self.filter.iter_mut().flatten().flatten() {
            if x.abs() < 1e-20 {
                *x = 0.0;
            }
        }
    }

    fn reset(&mut self) {
        self.pool.reset();
        self.filter = [[[0.0; 2]; 2]; 2];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::testing::{at, play, tone};
    use yano_engine::param::ParamValue;
    use yano_testkit::rms;

    fn num(id: &str, v: f64) -> (&str, ParamValue) {
        (id, ParamValue::Number(v))
    }

    /// RMS in 10 ms windows every millisecond.
    fn envelope(x: &[f32]) -> Vec<f64> {
        (0..(x.len() - at(0.01)) / at(0.001))
            .map(|i| rms(&x[i * at(0.001)..i * at(0.001) + at(0.01)]))
            .collect()
    }

    /// First millisecond at or after `from` where `env` crosses `level` in the direction of `rising`.
    fn crossing(env: &[f64], from: usize, level: f64, rising: bool) -> f64 {
        let i = (from..env.len())
            .find(|i| (env[*i] >= level) == rising)
            .unwrap_or(env.len());
        i as f64
    }

    #[test]
    fn attack_and_release_take_their_time() {
        // Coherent saws (no detune) hold a steady level, so the envelope is all that moves.
        let params = [
            num("detune_ct", 0.0),
            num("cutoff_hz", 20_000.0),
            num("attack_ms", 300.0),
            num("release_ms", 1000.0),
        ];
        let out = play(KIND, &params, "0 69 1.0; 33600 69 off", 1.6).left;
        let env = envelope(&out);
        // Window k covers k..k+10 ms: shift by 5 ms to its centre.
        let plateau = env[500..640].iter().sum::<f64>() / 140.0;
        let rise = crossing(&env, 0, 0.9 * plateau, true) - crossing(&env, 0, 0.1 * plateau, true);
        // Release from note-off (700 ms): −20 dB and −40 dB at 1/3 and 2/3 of the T60.
        let minus20 = crossing(&env, 690, 0.1 * plateau, false) + 5.0 - 700.0;
        let minus40 = crossing(&env, 690, 0.01 * plateau, false) + 5.0 - 700.0;
        eprintln!("10-90 % rise {rise} ms (want 240), -20 dB {minus20} ms (333), -40 dB {minus40} ms (667)");
        assert!((rise / 240.0 - 1.0).abs() < 0.15, "{rise}");
        assert!((minus20 / 333.3 - 1.0).abs() < 0.15, "{minus20}");
        assert!((minus40 / 666.7 - 1.0).abs() < 0.15, "{minus40}");
    }

    #[test]
    fn low_pass_rolls_off_24_db_per_octave() {
        // Same saws with the filter at 1 kHz and wide open: their ratio is the filter's response.
        let render = |cutoff: f64| {
            let params = [
                num("detune_ct", 0.0),
                num("cutoff_hz", cutoff),
                num("resonance", 0.0),
                num("attack_ms", 1.0),
            ];
            play(KIND, &params, "0 45 1.0", 0.6).left
        };
        let (closed, open) = (render(1000.0), render(20_000.0));
        let f0 = f64::from(midi_to_hz(45));
        // Power over five harmonics around `freq`, filtered over open, in dB.
        let gain_db = |freq: f64| {
            let k = (freq / f0).round() as i32;
            let power = |x: &[f32]| {
                (k - 2..=k + 2)
                    .map(|h| tone(&x[at(0.1)..], f64::from(h) * f0).powi(2))
                    .sum::<f64>()
            };
            10.0 * (power(&closed) / power(&open)).log10()
        };
        let (pass, at4, at8) = (gain_db(330.0), gain_db(4000.0), gain_db(8000.0));
        eprintln!(
            "low-pass 1 kHz: {pass:.1} dB at 330 Hz, {at4:.1} dB at 4 kHz, {at8:.1} dB at 8 kHz"
        );
        assert!(pass.abs() < 1.0);
        assert!(at4 < -40.0, "{at4}");
        assert!((at8 - at4 + 24.0).abs() < 4.0, "slope {} dB/oct", at8 - at4);
    }

    #[test]
    fn detune_spreads_and_beats() {
        let measure = |detune: f64, width: f64| {
            let params = [
                num("detune_ct", detune),
                num("width", width),
                num("attack_ms", 5.0),
            ];
            let out = play(KIND, &params, "0 57 1.0", 1.6);
            let (l, r) = (&out.left[at(0.3)..], &out.right[at(0.3)..]);
            let dot = |a: &[f32], b: &[f32]| {
                a.iter()
                    .zip(b)
                    .map(|(x, y)| f64::from(*x) * f64::from(*y))
                    .sum::<f64>()
            };
            let correlation = dot(l, r) / (dot(l, l) * dot(r, r)).sqrt();
            // Beating: the level of the mono sum in 20 ms windows varies.
            let levels: Vec<f64> = l
                .chunks(at(0.02))
                .zip(r.chunks(at(0.02)))
                .map(|(a, b)| rms(&a.iter().zip(b).map(|(x, y)| x + y).collect::<Vec<f32>>()))
                .collect();
            let mean = levels.iter().sum::<f64>() / levels.len() as f64;
            let spread = (levels.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                / levels.len() as f64)
                .sqrt();
            (correlation, spread / mean)
        };
        let (wide, beats) = measure(12.0, 0.8);
        let (_, still) = measure(0.0, 0.8);
        let (mono, _) = measure(12.0, 0.0);
        eprintln!("L/R correlation {wide:.3} (width 0: {mono:.4}); level variation {beats:.3} vs {still:.4} undetuned");
        assert!(wide < 0.9 && mono > 0.9999);
        assert!(beats > 0.05 && beats > 4.0 * still);
    }

    #[test]
    fn voices_are_limited() {
        let notes = [60u8, 62, 64, 65];
        let script: String = notes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{} {n} 1.0;", i * 1440))
            .collect();
        let params = [
            num("voices", 2.0),
            num("attack_ms", 5.0),
            num("cutoff_hz", 20_000.0),
        ];
        let out = play(KIND, &params, &script, 0.6).left;
        let amps: Vec<f64> = notes
            .iter()
            .map(|n| tone(&out[at(0.3)..], f64::from(midi_to_hz(*n))))
            .collect();
        let loudest = amps.iter().cloned().fold(0.0, f64::max);
        let present: Vec<bool> = amps.iter().map(|a| *a > 0.01 * loudest).collect();
        assert_eq!(present, [false, false, true, true], "{amps:?}");
    }
}
