//! `fx.filter`: a resonant state-variable filter (Zavalishin's topology-preserving transform in
//! Andrew Simper's form): low-pass, high-pass, band-pass or notch at 12 dB/oct. Its state is two
//! integrator memories, not past outputs, so the cutoff may move every sample without clicks or
//! blow-ups: this is the filter for AMAPIANO.md's breakdown sweep (drums low-passed
//! 20 kHz → 800 Hz over 4–8 bars) and for "4–8 bars of filter automation" into drops.
//!
//! The cutoff glides logarithmically; the `cutoff_mod` Control input adds octaves per sample
//! (an `source.lfo` or an automation ramp). Resonance 0 is Butterworth (Q 0.707, no peak),
//! 1 is Q 20, exponentially in between.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use yano_engine::param::{ParamSpec, Smoothing, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "fx.filter";
pub const MODES: &[&str] = &["lowpass", "highpass", "bandpass", "notch"];
/// Q at resonance 1.
pub const MAX_Q: f64 = 20.0;

const IN: usize = 0;
const CUTOFF_MOD: usize = 1;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "resonant state-variable filter (TPT), smooth under fast cutoff sweeps",
        params: vec![
            ParamSpec::choice(
                "mode",
                "response: lowpass, highpass, bandpass, notch",
                MODES,
                0,
            ),
            ParamSpec::number(
                "cutoff_hz",
                "cutoff (centre for bandpass and notch)",
                20.0,
                20_000.0,
                20_000.0,
                Unit::Hertz,
            )
            .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
            ParamSpec::number(
                "resonance",
                "0 = no peak (Q 0.707) … 1 = ringing (Q 20)",
                0.0,
                1.0,
                0.0,
                Unit::None,
            ),
            ParamSpec::number(
                "mix",
                "wet share: 0 dry … 1 filtered",
                0.0,
                1.0,
                1.0,
                Unit::None,
            ),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("in", PortType::STEREO, "signal in"),
            PortSpec::input(
                "cutoff_mod",
                PortType::Control,
                "cutoff offset in octaves (1.0 = one octave up), added per sample",
            ),
            PortSpec::output("out", PortType::STEREO, "filtered signal"),
        ]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    if config.sample_rate == 0 {
        return Err(NodeError::new("fx.filter needs a sample rate above 0 Hz"));
    }
    Ok(Box::new(Filter {
        knobs: Knobs::resolve(config)?,
        sample_rate: f64::from(config.sample_rate),
        ic: [[0.0; 2]; 2],
    }))
}

/// Q for a resonance setting 0..1.
#[inline]
pub fn resonance_to_q(resonance: f64) -> f64 {
    FRAC_1_SQRT_2 * (MAX_Q / FRAC_1_SQRT_2).powf(resonance.clamp(0.0, 1.0))
}

/// The per-sample constants of one cutoff and Q.
#[derive(Clone, Copy)]
struct Coeffs {
    k: f64,
    a1: f64,
    a2: f64,
    a3: f64,
}

impl Coeffs {
    #[inline]
    fn new(cutoff: f64, q: f64, sample_rate: f64) -> Coeffs {
        let f = cutoff.clamp(5.0, 0.49 * sample_rate);
        let g = (PI * f / sample_rate).tan();
        let k = 1.0 / q;
        let a1 = 1.0 / (1.0 + g * (g + k));
        let a2 = g * a1;
        Coeffs {
            k,
            a1,
            a2,
            a3: g * a2,
        }
    }
}

yano_engine::param_handles! {
    /// The parameters the processor reads, resolved by id when it is built.
    struct Knobs / Values {
        mode: "mode",
        cutoff: "cutoff_hz",
        resonance: "resonance",
        mix: "mix",
    }
}

struct Filter {
    knobs: Knobs,
    sample_rate: f64,
    /// [channel][integrator]: the two trapezoidal integrator memories.
    ic: [[f64; 2]; 2],
}

/// One sample through the SVF; returns the selected response.
#[inline]
fn tick(ic: &mut [f64; 2], c: &Coeffs, mode: usize, v0: f64) -> f64 {
    let v3 = v0 - ic[1];
    let v1 = c.a1 * ic[0] + c.a2 * v3;
    let v2 = ic[1] + c.a2 * ic[0] + c.a3 * v3;
    ic[0] = 2.0 * v1 - ic[0];
    ic[1] = 2.0 * v2 - ic[1];
    match mode {
        0 => v2,
        1 => v0 - c.k * v1 - v2,
        // Scaled by k so the peak is 0 dB at any resonance.
        2 => c.k * v1,
        _ => v0 - c.k * v1,
    }
}

impl Processor for Filter {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let mode = ctx.choice(self.knobs.mode);
        let (cutoff, resonance, mix) = (
            ctx.param(self.knobs.cutoff),
            ctx.param(self.knobs.resonance),
            ctx.param(self.knobs.mix),
        );
        let modulated = ctx.is_connected(CUTOFF_MOD);
        let cutoff_mod = ctx.control_in(CUTOFF_MOD);
        let (in_l, in_r) = (ctx.audio_in(IN, 0), ctx.audio_in(IN, 1));
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let sr = self.sample_rate;
        let still = !modulated && cutoff.is_constant() && resonance.is_constant();
        let mut c = Coeffs::new(
            f64::from(cutoff.at(0)),
            resonance_to_q(f64::from(resonance.at(0))),
            sr,
        );
        let [ic_l, ic_r] = &mut self.ic;
        for i in 0..frames {
            if !still {
                let mut f = f64::from(cutoff.at(i));
                if modulated {
                    f *= f64::from(cutoff_mod[i].clamp(-16.0, 16.0)).exp2();
                }
                c = Coeffs::new(f, resonance_to_q(f64::from(resonance.at(i))), sr);
            }
            let m = mix.at(i);
            let (xl, xr) = (in_l[i], in_r[i]);
            let yl = tick(ic_l, &c, mode, f64::from(xl)) as f32;
            let yr = tick(ic_r, &c, mode, f64::from(xr)) as f32;
            out_l[i] = xl + m * (yl - xl);
            out_r[i] = xr + m * (yr - xr);
        }
        // A NaN fed in would stick in the integrators forever; start again from silence.
        if !self.ic.iter().flatten().all(|v| v.is_finite()) {
            self.ic = [[0.0; 2]; 2];
        }
    }

    fn reset(&mut self) {
        self.ic = [[0.0; 2]; 2];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::{ParamValue, Transport};

    const SR: f64 = 48_000.0;

    use crate::testing::registry;
    use yano_testkit::nodes::SIGNAL;

    /// Renders `src` → filter (→ `cutoff_mod` from `lfo` when given) → output; the left channel.
    fn through_filter(
        src: NodeSpec,
        lfo: Option<NodeSpec>,
        filter: &[(&str, ParamValue)],
        seconds: f64,
    ) -> Vec<f32> {
        let r = registry();
        let mut g = Graph::new(Transport::default());
        g.add_node(src, &r).unwrap();
        let mut spec = NodeSpec::new("f", KIND);
        for (k, v) in filter {
            spec = spec.with(k, v.clone());
        }
        g.add_node(spec, &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("src.out", "f.in", &r).unwrap();
        g.connect("f.out", "out.in", &r).unwrap();
        if let Some(lfo) = lfo {
            g.add_node(lfo, &r).unwrap();
            g.connect("lfo.out", "f.cutoff_mod", &r).unwrap();
        }
        yano_testkit::nodes::render_mono(&g, r, seconds)
    }

    /// The filter's gain in dB at each of `freqs`, from the DFT of its impulse response.
    fn response(mode: &str, cutoff: f64, resonance: f64, freqs: &[f64]) -> Vec<f64> {
        let settings = [
            ("mode", ParamValue::Text(mode.into())),
            ("cutoff_hz", ParamValue::Number(cutoff)),
            ("resonance", ParamValue::Number(resonance)),
        ];
        let h = through_filter(NodeSpec::new("src", SIGNAL), None, &settings, 0.25);
        freqs
            .iter()
            .map(|f| {
                let (mut re, mut im) = (0.0, 0.0);
                for (n, x) in h.iter().enumerate() {
                    let w = 2.0 * PI * f * n as f64 / SR;
                    re += f64::from(*x) * w.cos();
                    im -= f64::from(*x) * w.sin();
                }
                10.0 * (re * re + im * im).log10()
            })
            .collect()
    }

    #[test]
    fn lowpass_is_butterworth_at_resonance_zero() {
        let at_cutoff = response("lowpass", 1000.0, 0.0, &[1000.0, 50.0]);
        println!(
            "lowpass 1 kHz: {:.3} dB at cutoff, {:.4} dB at 50 Hz",
            at_cutoff[0], at_cutoff[1]
        );
        assert!((at_cutoff[0] + 3.01).abs() < 0.1, "{at_cutoff:?}");
        assert!(at_cutoff[1].abs() < 0.05, "passband {at_cutoff:?}");
        let slope = response("lowpass", 250.0, 0.0, &[2000.0, 4000.0]);
        let per_octave = slope[1] - slope[0];
        println!("lowpass slope {per_octave:.2} dB/oct");
        assert!((per_octave + 12.0).abs() < 0.5, "slope {per_octave} dB/oct");
    }

    #[test]
    fn highpass_mirrors_it_and_bandpass_notch_centre_on_the_cutoff() {
        let hp = response("highpass", 4000.0, 0.0, &[4000.0, 250.0, 500.0, 16_000.0]);
        let per_octave = hp[2] - hp[1];
        println!(
            "highpass 4 kHz: {:.3} dB at cutoff, slope {per_octave:.2} dB/oct",
            hp[0]
        );
        assert!((hp[0] + 3.01).abs() < 0.1, "{hp:?}");
        assert!((per_octave - 12.0).abs() < 0.5, "slope {per_octave} dB/oct");
        assert!(hp[3].abs() < 0.2, "passband {hp:?}");
        let bp = response("bandpass", 2000.0, 0.6, &[2000.0, 500.0]);
        assert!(bp[0].abs() < 0.05 && bp[1] < -15.0, "bandpass {bp:?}");
        let notch = response("notch", 2000.0, 0.0, &[2000.0, 200.0]);
        assert!(notch[0] < -40.0 && notch[1].abs() < 0.2, "notch {notch:?}");
        let peak = response("lowpass", 1000.0, 1.0, &[1000.0])[0];
        assert!(
            (peak - 20.0 * MAX_Q.log10()).abs() < 0.1,
            "resonance 1 peaks at Q {MAX_Q}: {peak}"
        );
    }

    #[test]
    fn fast_cutoff_sweeps_stay_finite_and_click_free() {
        let sine = || {
            NodeSpec::new("src", "source.oscillator")
                .with("freq_hz", 200.0)
                .with("gain_db", -6.0)
        };
        let lfo = |wave: &str, rate: f64, depth: f64, offset: f64| {
            NodeSpec::new("lfo", "source.lfo")
                .with("wave", wave)
                .with("rate_hz", rate)
                .with("depth", depth)
                .with("offset", offset)
        };
        // (name, modulation, resonance, cutoff, largest step allowed in input steps). The
        // breakdown sweep squeezed into 0.5 s (800 Hz → 20 kHz → 800 Hz) and a 20 Hz wobble at
        // full resonance move smoothly, so the output may move little faster than the input.
        // Square jumps of six octaves are a discontinuity in the modulation itself: the output
        // may follow it at once, but never by more than the input's amplitude.
        let octaves = (20_000.0f64 / 800.0).log2();
        let cases = [
            (
                "triangle sweep",
                lfo("triangle", 2.0, octaves / 2.0, -octaves / 2.0),
                0.3,
                20_000.0,
                2.0,
            ),
            (
                "wobble at Q 20",
                lfo("sine", 20.0, 3.0, 0.0),
                1.0,
                1000.0,
                2.0 * MAX_Q as f32,
            ),
            (
                "square jumps",
                lfo("square", 8.0, 3.0, -1.0),
                0.5,
                2000.0,
                38.0,
            ),
        ];
        // The input's own largest step: 0.5 · 2π · 200 / 48000.
        let input_step = 0.5 * 2.0 * std::f32::consts::PI * 200.0 / 48_000.0;
        for (name, lfo, resonance, cutoff, steps) in cases {
            let settings = [
                ("cutoff_hz", ParamValue::Number(cutoff)),
                ("resonance", ParamValue::Number(resonance)),
            ];
            let y = through_filter(sine(), Some(lfo), &settings, 0.5);
            assert!(y.iter().all(|v| v.is_finite()), "{name}: non-finite output");
            let peak = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let step = y.windows(2).fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
            println!(
                "{name}: peak {peak:.3}, largest step {step:.4} = {:.1} input steps",
                step / input_step
            );
            assert!(
                peak < 0.5 * resonance_to_q(resonance) as f32 + 0.5,
                "{name}: peak {peak}"
            );
            assert!(step < steps * input_step, "{name}: step {step}");
        }
    }
}
