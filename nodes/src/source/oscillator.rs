//! `source.oscillator`: sine, saw, square, triangle and noise. Saw and square are band-limited
//! with PolyBLEP, the triangle with PolyBLAMP; the sine is a quadrature recurrence while its pitch
//! holds still (four multiplies a sample) and exact `sin` while it glides.
//!
//! Noise is white, uniform in −1 … 1 (peak 1 like the other waves; RMS −4.8 dBFS at 0 dB, as the
//! saw's), from an xorshift64* generator seeded from the node's id: renders are deterministic,
//! and two noise oscillators in one graph are not the same noise. It ignores the frequency.

use std::f64::consts::TAU;

use yano_engine::param::{ParamSpec, Smoothing, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use crate::db_to_gain;

pub const KIND: &str = "source.oscillator";
/// New waves go at the end: presets store the name, but the audio thread sees the index.
pub const WAVES: &[&str] = &["sine", "saw", "square", "triangle", "noise"];
const NOISE: usize = 4;

const PITCH_IN: usize = 0;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "band-limited oscillator: sine, saw, square, triangle; or white noise",
        params: vec![
            ParamSpec::choice("wave", "waveform", WAVES, 0),
            ParamSpec::number("freq_hz", "frequency", 1.0, 20_000.0, 440.0, Unit::Hertz)
                .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
            ParamSpec::number("gain_db", "level", -96.0, 12.0, -12.0, Unit::Decibels),
            ParamSpec::number("detune_ct", "detune", -1200.0, 1200.0, 0.0, Unit::Cents),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input(
                "pitch",
                PortType::Control,
                "pitch offset in octaves (1.0 = one octave up)",
            ),
            PortSpec::output("out", PortType::MONO, "the waveform"),
        ]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let seed = noise_seed(config.id);
    Ok(Box::new(Oscillator {
        knobs: Knobs::resolve(config)?,
        phase: 0.0,
        sample_rate: f64::from(config.sample_rate),
        seed,
        noise: seed,
    }))
}

yano_engine::param_handles! {
    /// The oscillator's parameters, resolved by id when it is built.
    struct Knobs / Values {
        wave: "wave",
        freq: "freq_hz",
        gain: "gain_db",
        detune: "detune_ct",
    }
}

struct Oscillator {
    knobs: Knobs,
    /// 0..1, where the next sample starts.
    phase: f64,
    sample_rate: f64,
    /// The noise generator's state at the start, and now (never 0).
    seed: u64,
    noise: u64,
}

/// Control thread: the noise seed of node `id` (FNV-1a of the id, never 0, which xorshift
/// would stay at).
fn noise_seed(id: &str) -> u64 {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash.max(1)
}

/// Audio thread: the next white-noise sample, uniform in [−1, 1) (xorshift64*, top 24 bits).
#[inline]
fn next_noise(state: &mut u64) -> f32 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    let bits = x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
    bits as f32 * (2.0 / 16_777_216.0) - 1.0
}

/// PolyBLEP residual of a unit-2 step at phase 0 (Välimäki et al.).
#[inline]
fn poly_blep(t: f64, dt: f64) -> f64 {
    if t < dt {
        let x = t / dt;
        -(1.0 - x) * (1.0 - x)
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt;
        (x + 1.0) * (x + 1.0)
    } else {
        0.0
    }
}

/// PolyBLAMP residual of a unit slope change (per sample) at phase 0: the integral of PolyBLEP.
#[inline]
fn poly_blamp(t: f64, dt: f64) -> f64 {
    if t < dt {
        let x = 1.0 - t / dt;
        x * x * x / 6.0
    } else if t > 1.0 - dt {
        let x = (t - 1.0) / dt + 1.0;
        x * x * x / 6.0
    } else {
        0.0
    }
}

/// Audio thread: a phase in 0..1.5 brought back into 0..1 (the same value as `fract`).
#[inline(always)]
fn wrap(t: f64) -> f64 {
    if t >= 1.0 {
        t - 1.0
    } else {
        t
    }
}

/// Audio thread: the band-limited saw at phase `t`, `dt` cycles a sample.
#[inline(always)]
fn saw(t: f64, dt: f64) -> f64 {
    2.0 * t - 1.0 - poly_blep(t, dt)
}

/// Audio thread: the band-limited square at phase `t`.
#[inline(always)]
fn square(t: f64, dt: f64) -> f64 {
    let naive = if t < 0.5 { 1.0 } else { -1.0 };
    naive + poly_blep(t, dt) - poly_blep(wrap(t + 0.5), dt)
}

/// Audio thread: the band-limited triangle at phase `t`.
#[inline(always)]
fn triangle(t: f64, dt: f64) -> f64 {
    let naive = 4.0 * (t - 0.5).abs() - 1.0;
    naive - 8.0 * dt * poly_blamp(t, dt) + 8.0 * dt * poly_blamp(wrap(t + 0.5), dt)
}

/// Audio thread: one block of a wave whose pitch and level hold still; the phase after it.
#[inline(always)]
fn still_block(
    out: &mut [f32],
    mut t: f64,
    dt: f64,
    g: f32,
    wave: impl Fn(f64, f64) -> f64,
) -> f64 {
    for o in out.iter_mut() {
        *o = wave(t, dt) as f32 * g;
        t = wrap(t + dt);
    }
    t
}

impl Processor for Oscillator {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let wave = ctx.choice(self.knobs.wave);
        let freq = ctx.param(self.knobs.freq);
        let gain = ctx.param(self.knobs.gain);
        let detune = ctx.param(self.knobs.detune);
        let pitch = ctx.control_in(PITCH_IN);
        let modulated = ctx.is_connected(PITCH_IN);
        let sr = self.sample_rate;
        let nyquist = 0.5 * sr;
        let still = freq.is_constant() && detune.is_constant() && !modulated;
        let out = ctx.audio_out(0, 0);
        if wave == NOISE {
            let g = db_to_gain(gain.at(0));
            for (i, o) in out.iter_mut().enumerate() {
                let g = if gain.is_constant() {
                    g
                } else {
                    db_to_gain(gain.at(i))
                };
                *o = next_noise(&mut self.noise) * g;
            }
            return;
        }
        if wave == 0 && still && gain.is_constant() {
            // Quadrature recurrence: rotate (cos, sin) by a fixed angle each sample.
            let f =
                (f64::from(freq.at(0)) * 2f64.powf(f64::from(detune.at(0)) / 1200.0)).min(nyquist);
            let dt = f / sr;
            let (sin_step, cos_step) = (TAU * dt).sin_cos();
            let (mut s, mut c) = (TAU * self.phase).sin_cos();
            let g = f64::from(db_to_gain(gain.at(0)));
            for o in out.iter_mut() {
                *o = (s * g) as f32;
                let s2 = s * cos_step + c * sin_step;
                c = c * cos_step - s * sin_step;
                s = s2;
            }
            // Re-derive the state from the phase each block, so rounding never accumulates.
            self.phase = (self.phase + dt * frames as f64).fract();
            return;
        }
        if still && gain.is_constant() {
            // Nothing moves this block: the pitch and the level are worked out once, not twice a
            // sample (the same arithmetic as the general loop below, so the same samples).
            let f = (f64::from(freq.at(0)) * 2f64.powf(f64::from(detune.at(0)) / 1200.0))
                .clamp(0.0, nyquist);
            let dt = f / sr;
            let g = db_to_gain(gain.at(0));
            self.phase = match wave {
                1 => still_block(out, self.phase, dt, g, saw),
                2 => still_block(out, self.phase, dt, g, square),
                _ => still_block(out, self.phase, dt, g, triangle),
            };
            return;
        }
        for i in 0..frames {
            let mut f = f64::from(freq.at(i)) * 2f64.powf(f64::from(detune.at(i)) / 1200.0);
            if modulated {
                f *= 2f64.powf(f64::from(pitch[i]));
            }
            let f = f.clamp(0.0, nyquist);
            let dt = f / sr;
            let t = self.phase;
            let y = match wave {
                0 => (TAU * t).sin(),
                1 => saw(t, dt),
                2 => square(t, dt),
                _ => triangle(t, dt),
            };
            out[i] = y as f32 * db_to_gain(gain.at(i));
            self.phase = wrap(t + dt);
        }
    }

    fn reset(&mut self) {
        self.phase = 0.0;
        self.noise = self.seed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::Transport;

    /// Renders one oscillator at 48 kHz for 1 s and returns the left channel.
    fn tone(wave: &str, freq: f64) -> Vec<f32> {
        let registry = std::sync::Arc::new(crate::registry());
        let mut g = Graph::new(Transport::default());
        g.add_node(
            NodeSpec::new("osc", KIND)
                .with("wave", wave)
                .with("freq_hz", freq)
                .with("gain_db", 0.0),
            &registry,
        )
        .unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &registry)
            .unwrap();
        g.connect("osc.out", "out.in", &registry).unwrap();
        let opts = RenderOptions {
            seconds: 1.0,
            ..RenderOptions::default()
        };
        render(&g, registry, opts).unwrap().left
    }

    /// 1 s of a wave at 440 Hz, detuned 7 cents, at −6 dB; its pitch input driven by an LFO of
    /// depth 0 (so every sample takes the general path) when `modulated`.
    fn detuned(wave: &str, modulated: bool) -> Vec<f32> {
        let registry = std::sync::Arc::new(crate::registry());
        let mut g = Graph::new(Transport::default());
        g.add_node(
            NodeSpec::new("osc", KIND)
                .with("wave", wave)
                .with("freq_hz", 440.0)
                .with("detune_ct", 7.0)
                .with("gain_db", -6.0),
            &registry,
        )
        .unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &registry)
            .unwrap();
        g.connect("osc.out", "out.in", &registry).unwrap();
        if modulated {
            g.add_node(
                NodeSpec::new("lfo", crate::source::lfo::KIND)
                    .with("depth", 0.0)
                    .with("offset", 0.0),
                &registry,
            )
            .unwrap();
            g.connect("lfo.out", "osc.pitch", &registry).unwrap();
        }
        let opts = RenderOptions {
            seconds: 1.0,
            ..RenderOptions::default()
        };
        render(&g, registry, opts).unwrap().left
    }

    #[test]
    fn a_still_wave_is_the_same_sample_for_sample_as_the_general_path() {
        for wave in ["saw", "square", "triangle"] {
            let fast = detuned(wave, false);
            let general = detuned(wave, true);
            assert_eq!(fast.len(), 48_000);
            let differing = fast
                .iter()
                .zip(&general)
                .filter(|(a, b)| a.to_bits() != b.to_bits())
                .count();
            assert_eq!(differing, 0, "{wave}: {differing} samples differ");
            // And it is the wave: its peak near the −6 dB asked for (PolyBLEP overshoots a little).
            let peak = fast.iter().fold(0f32, |m, x| m.max(x.abs()));
            assert!((0.45..0.6).contains(&peak), "{wave}: peak {peak}");
        }
    }

    /// Amplitude of the component at `freq` (a single-bin DFT over whole cycles).
    fn amplitude(x: &[f32], freq: f64, sr: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, v) in x.iter().enumerate() {
            let w = TAU * freq * n as f64 / sr;
            re += f64::from(*v) * w.cos();
            im += f64::from(*v) * w.sin();
        }
        2.0 * (re * re + im * im).sqrt() / x.len() as f64
    }

    #[test]
    fn waveforms_have_their_harmonic_series() {
        let sr = 48_000.0;
        // 1000 Hz: whole cycles in one second, so DFT bins are exact.
        let sine = tone("sine", 1000.0);
        assert!((amplitude(&sine, 1000.0, sr) - 1.0).abs() < 1e-3);
        assert!(amplitude(&sine, 2000.0, sr) < 1e-4);
        let saw = tone("saw", 1000.0);
        // A saw's n-th harmonic is 2/(nπ).
        for n in 1..=5 {
            let a = amplitude(&saw, 1000.0 * n as f64, sr);
            let want = 2.0 / (n as f64 * std::f64::consts::PI);
            assert!(
                (a - want).abs() / want < 0.05,
                "saw harmonic {n}: {a} vs {want}"
            );
        }
        let square = tone("square", 1000.0);
        assert!(
            amplitude(&square, 2000.0, sr) < 1e-3,
            "a square has no even harmonics"
        );
        let a3 = amplitude(&square, 3000.0, sr);
        assert!(
            (a3 - 4.0 / (3.0 * std::f64::consts::PI)).abs() < 0.02,
            "{a3}"
        );
        let tri = tone("triangle", 1000.0);
        // A triangle's odd harmonics are 8/(π² n²).
        for n in [1, 3, 5] {
            let a = amplitude(&tri, 1000.0 * n as f64, sr);
            let want = 8.0 / (std::f64::consts::PI.powi(2) * (n * n) as f64);
            assert!(
                (a - want).abs() / want < 0.05,
                "triangle harmonic {n}: {a} vs {want}"
            );
        }
    }

    #[test]
    fn band_limiting_keeps_aliases_out_of_the_audible_band() {
        // A 3,520 Hz saw at 48 kHz. A naive saw's harmonics above Nyquist fold back at their own
        // level (harmonic k at 1/k of the fundamental); PolyBLEP must push the ones that land
        // below 10 kHz far down. (It leaves some just under Nyquist, where they are inaudible.)
        let f = 3520.0;
        let saw = tone("saw", f);
        let fundamental = amplitude(&saw, f, 48_000.0);
        let mut worst: f64 = -200.0;
        for k in 8..40 {
            let folded = (k as f64 * f) % 48_000.0;
            let alias = if folded > 24_000.0 {
                48_000.0 - folded
            } else {
                folded
            };
            if !(100.0..=10_000.0).contains(&alias) {
                continue;
            }
            let db = 20.0 * (amplitude(&saw, alias, 48_000.0) / fundamental).log10();
            let naive_db = 20.0 * (1.0 / k as f64).log10();
            assert!(
                db < naive_db - 20.0,
                "harmonic {k} folds to {alias} Hz at {db:.1} dB (naive {naive_db:.1})"
            );
            worst = worst.max(db);
        }
        assert!(worst < -45.0, "worst audible alias {worst:.1} dB");
    }

    #[test]
    fn noise_is_white_deterministic_and_at_the_saws_level() {
        let noise = tone("noise", 440.0);
        assert_eq!(
            noise,
            tone("noise", 440.0),
            "two renders are the same noise"
        );
        assert_eq!(
            noise,
            tone("noise", 5000.0),
            "the frequency does not matter"
        );
        let n = noise.len() as f64;
        let mean = noise.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
        let peak = yano_testkit::peak(&noise);
        let rms_db = yano_testkit::dbfs(yano_testkit::rms(&noise));
        // Uniform in −1 … 1: RMS 1/√3 (−4.77 dB), as a saw's.
        let want_db = 20.0 * (1.0 / 3f64.sqrt()).log10();
        // Energy per hertz in two bands; 1 s at 48 kHz makes bins 1 Hz wide.
        let mut x: Vec<f64> = noise.iter().map(|v| f64::from(*v)).collect();
        let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(x.len());
        let mut spectrum = fft.make_output_vec();
        fft.process(&mut x, &mut spectrum).unwrap();
        let band = |lo: usize, hi: usize| {
            spectrum[lo..hi].iter().map(|c| c.norm_sqr()).sum::<f64>() / (hi - lo) as f64
        };
        let tilt_db = 10.0 * (band(8_000, 16_000) / band(1_000, 2_000)).log10();
        println!(
            "noise: mean {mean:.5}, RMS {rms_db:.3} dB (uniform: {want_db:.3}), peak {peak:.4}, \
             8-16 kHz vs 1-2 kHz per Hz {tilt_db:+.3} dB"
        );
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((rms_db - want_db).abs() < 0.1, "{rms_db}");
        assert!(peak <= 1.0 && peak > 0.99, "{peak}");
        assert!(tilt_db.abs() < 0.5, "flat spectrum: {tilt_db} dB");
    }
}
