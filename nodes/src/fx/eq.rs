//! `fx.eq`: a four-band parametric EQ built from RBJ cookbook biquads (see [`super::biquad`]).
//! Each band is off, a shelf, a peak or a 12 dB/oct pass; the defaults are all 0 dB, so a fresh
//! EQ is transparent. Following AMAPIANO.md's mix notes, band 1 set to `high_pass` at 150 Hz is
//! the pad high-pass, and a `low_pass` band at 3–5 kHz is the log drum's post-drive tone.
//!
//! Coefficients are recomputed once per block when a band's settings change, and every
//! [`GLIDE_STEP`] frames while one glides; the filter state (TDF-II, f64) is kept across both.

use yano_engine::param::{ParamHandle, ParamSpec, ParamValues, Smoothing, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use super::biquad::{Biquad, BiquadState, Shape};
use crate::db_to_gain;

pub const KIND: &str = "fx.eq";
pub const BANDS: usize = 4;
/// Frames between coefficient updates while a band's parameters glide.
pub const GLIDE_STEP: usize = 16;

/// Parameters per band, in this order in [`Eq::bands`] and a band's settings: type, freq_hz,
/// gain_db, q.
const PER_BAND: usize = 4;

/// (type id, freq id, gain id, q id, default shape index, default frequency).
const BAND_PARAMS: [(&str, &str, &str, &str, usize, f64); BANDS] = [
    (
        "band1_type",
        "band1_freq_hz",
        "band1_gain_db",
        "band1_q",
        1,
        100.0,
    ),
    (
        "band2_type",
        "band2_freq_hz",
        "band2_gain_db",
        "band2_q",
        2,
        500.0,
    ),
    (
        "band3_type",
        "band3_freq_hz",
        "band3_gain_db",
        "band3_q",
        2,
        3000.0,
    ),
    (
        "band4_type",
        "band4_freq_hz",
        "band4_gain_db",
        "band4_q",
        3,
        8000.0,
    ),
];

pub fn descriptor() -> NodeDescriptor {
    let mut params = Vec::with_capacity(BANDS * PER_BAND + 1);
    for (ty, freq, gain, q, shape, hz) in BAND_PARAMS {
        params.push(ParamSpec::choice(
            ty,
            "band response: off, low_shelf, peak, high_shelf, low_pass, high_pass",
            Shape::EQ_NAMES,
            shape,
        ));
        params.push(
            ParamSpec::number(
                freq,
                "band centre or corner",
                20.0,
                20_000.0,
                hz,
                Unit::Hertz,
            )
            .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
        );
        params.push(ParamSpec::number(
            gain,
            "band boost or cut (shelves and peaks)",
            -24.0,
            24.0,
            0.0,
            Unit::Decibels,
        ));
        params.push(
            ParamSpec::number(
                q,
                "band width: higher is narrower (0.707 = flat shelf or pass)",
                0.1,
                18.0,
                std::f64::consts::FRAC_1_SQRT_2,
                Unit::None,
            )
            .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
        );
    }
    params.push(ParamSpec::number(
        "gain_db",
        "output level",
        -24.0,
        24.0,
        0.0,
        Unit::Decibels,
    ));
    NodeDescriptor {
        kind: KIND,
        description: "four-band parametric EQ: shelves, peaks and 12 dB/oct passes (RBJ biquads)",
        params,
        ports: PortLayout::Fixed(vec![
            PortSpec::input("in", PortType::STEREO, "signal in"),
            PortSpec::output("out", PortType::STEREO, "equalised signal"),
        ]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    if config.sample_rate == 0 {
        return Err(NodeError::new("fx.eq needs a sample rate above 0 Hz"));
    }
    let mut bands = Vec::with_capacity(BANDS);
    for (ty, freq, gain, q, _, _) in BAND_PARAMS {
        bands.push([
            config.param(ty)?,
            config.param(freq)?,
            config.param(gain)?,
            config.param(q)?,
        ]);
    }
    let bands: [[ParamHandle; PER_BAND]; BANDS] = bands
        .try_into()
        .map_err(|_| NodeError::new("fx.eq: one row of parameters per band"))?;
    Ok(Box::new(Eq {
        bands,
        gain: config.param("gain_db")?,
        sample_rate: f64::from(config.sample_rate),
        coeffs: [Biquad::IDENTITY; BANDS],
        active: [false; BANDS],
        // NaN never equals anything, so the first block computes every band.
        settings: [[f32::NAN; PER_BAND]; BANDS],
        state: [[BiquadState::default(); BANDS]; 2],
    }))
}

struct Eq {
    /// Each band's parameters (type, freq_hz, gain_db, q), resolved by id when built.
    bands: [[ParamHandle; PER_BAND]; BANDS],
    /// The output level.
    gain: ParamHandle,
    sample_rate: f64,
    coeffs: [Biquad; BANDS],
    /// Bands that change the signal: not off, and not a peak or shelf at 0 dB.
    active: [bool; BANDS],
    /// The (type, freq, gain, q) each band's coefficients were computed from.
    settings: [[f32; PER_BAND]; BANDS],
    /// [channel][band]
    state: [[BiquadState; BANDS]; 2],
}

impl Eq {
    /// Recomputes the bands whose settings differ from `values[band]`.
    fn update(&mut self, values: &[[f32; PER_BAND]; BANDS]) {
        for (b, v) in values.iter().enumerate() {
            if self.settings[b] == *v {
                continue;
            }
            self.settings[b] = *v;
            let shape = Shape::from_eq_index(v[0] as usize);
            // A peak or shelf at 0 dB passes the signal unchanged: skip it. It starts from a
            // clear state when its gain moves off 0 dB (near unity, so without a click).
            let unity =
                matches!(shape, Shape::Peak | Shape::LowShelf | Shape::HighShelf) && v[2] == 0.0;
            let active = shape != Shape::Off && !unity;
            if active && !self.active[b] {
                for state in self.state.iter_mut() {
                    state[b].clear();
                }
            }
            self.active[b] = active;
            self.coeffs[b] = Biquad::rbj(
                shape,
                f64::from(v[1]),
                f64::from(v[3]),
                f64::from(v[2]),
                self.sample_rate,
            );
        }
    }

    /// Runs every active band over one stretch of frames: band by band over chunks held in f64
    /// (as a frame-by-frame pass holds each sample between bands), left and right side by side
    /// so their filters' chains overlap. The same arithmetic on every sample, in the same order.
    fn run(&mut self, input: [&[f32]; 2], output: [&mut [f32]; 2]) {
        let [in_l, in_r] = input;
        let [out_l, out_r] = output;
        let frames = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
        let [state_l, state_r] = &mut self.state;
        let mut start = 0;
        while start < frames {
            let n = (frames - start).min(RUN);
            let (mut yl, mut yr) = ([0.0f64; RUN], [0.0f64; RUN]);
            for i in 0..n {
                yl[i] = f64::from(in_l[start + i]);
                yr[i] = f64::from(in_r[start + i]);
            }
            for (b, c) in self.coeffs.iter().enumerate() {
                if !self.active[b] {
                    continue;
                }
                let (sl, sr) = (&mut state_l[b], &mut state_r[b]);
                for (l, r) in yl[..n].iter_mut().zip(yr[..n].iter_mut()) {
                    *l = sl.tick(c, *l);
                    *r = sr.tick(c, *r);
                }
            }
            for i in 0..n {
                out_l[start + i] = yl[i] as f32;
                out_r[start + i] = yr[i] as f32;
            }
            start += n;
        }
    }
}

/// Frames [`Eq::run`] holds in f64 at a time.
const RUN: usize = 128;

impl Processor for Eq {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let gain = ctx.param(self.gain);
        // Parameter views borrow the block, not `ctx`, so they outlive the output borrow below.
        let params: [[ParamValues<'_>; PER_BAND]; BANDS] =
            std::array::from_fn(|b| std::array::from_fn(|k| ctx.param(self.bands[b][k])));
        let gliding = params.iter().flatten().any(|p| !p.is_constant());
        let settings_at = |i: usize| {
            let mut v = [[0.0f32; PER_BAND]; BANDS];
            for (b, row) in v.iter_mut().enumerate() {
                for (k, x) in row.iter_mut().enumerate() {
                    *x = params[b][k].at(i);
                }
            }
            v
        };
        let (in_l, in_r) = (ctx.audio_in(0, 0), ctx.audio_in(0, 1));
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let step = if gliding { GLIDE_STEP } else { frames.max(1) };
        let mut start = 0;
        while start < frames {
            let end = (start + step).min(frames);
            // While gliding, the settings at the middle of each short stretch.
            self.update(&settings_at((start + end) / 2));
            self.run(
                [&in_l[start..end], &in_r[start..end]],
                [&mut out_l[start..end], &mut out_r[start..end]],
            );
            start = end;
        }
        for s in self.state.iter_mut().flatten() {
            if !s.is_finite() {
                s.clear();
            }
        }
        if gain.is_constant() {
            let g = db_to_gain(gain.at(0));
            if g != 1.0 {
                for o in out_l.iter_mut().chain(out_r.iter_mut()) {
                    *o *= g;
                }
            }
        } else {
            for i in 0..frames {
                let g = db_to_gain(gain.at(i));
                out_l[i] *= g;
                out_r[i] *= g;
            }
        }
    }

    fn reset(&mut self) {
        for s in self.state.iter_mut().flatten() {
            s.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::{ParamValue, Transport};

    const SR: f64 = 48_000.0;

    use crate::testing::registry;
    use yano_testkit::nodes::SIGNAL;

    /// Renders `source` → EQ → output and returns (left, right).
    fn through_eq(
        source: NodeSpec,
        eq: &[(&str, ParamValue)],
        seconds: f64,
    ) -> (Vec<f32>, Vec<f32>) {
        let r = registry();
        let mut g = Graph::new(Transport::default());
        g.add_node(source, &r).unwrap();
        let mut spec = NodeSpec::new("eq", KIND);
        for (k, v) in eq {
            spec = spec.with(k, v.clone());
        }
        g.add_node(spec, &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("src.out", "eq.in", &r).unwrap();
        g.connect("eq.out", "out.in", &r).unwrap();
        let a = render(
            &g,
            r,
            RenderOptions {
                seconds,
                ..Default::default()
            },
        )
        .unwrap();
        (a.left, a.right)
    }

    /// |H(f)| in dB from an impulse response: its DFT evaluated at exactly `freq`.
    fn measured_db(h: &[f32], freq: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, x) in h.iter().enumerate() {
            let w = 2.0 * PI * freq * n as f64 / SR;
            re += f64::from(*x) * w.cos();
            im -= f64::from(*x) * w.sin();
        }
        10.0 * (re * re + im * im).log10()
    }

    /// The cookbook written out again, independently of the node's code: the magnitude in dB of
    /// one section `kind` ("ls", "pk", "hs", "hp") at `f`.
    fn cookbook_db(kind: &str, f0: f64, q: f64, db: f64, f: f64) -> f64 {
        let a = 10f64.powf(db / 40.0);
        let w0 = 2.0 * PI * f0 / SR;
        let alpha = w0.sin() / (2.0 * q);
        let c = w0.cos();
        let k = 2.0 * a.sqrt() * alpha;
        let [b0, b1, b2, a0, a1, a2] = match kind {
            "ls" => [
                a * ((a + 1.0) - (a - 1.0) * c + k),
                2.0 * a * ((a - 1.0) - (a + 1.0) * c),
                a * ((a + 1.0) - (a - 1.0) * c - k),
                (a + 1.0) + (a - 1.0) * c + k,
                -2.0 * ((a - 1.0) + (a + 1.0) * c),
                (a + 1.0) + (a - 1.0) * c - k,
            ],
            "hs" => [
                a * ((a + 1.0) + (a - 1.0) * c + k),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * c),
                a * ((a + 1.0) + (a - 1.0) * c - k),
                (a + 1.0) - (a - 1.0) * c + k,
                2.0 * ((a - 1.0) - (a + 1.0) * c),
                (a + 1.0) - (a - 1.0) * c - k,
            ],
            "pk" => [
                1.0 + alpha * a,
                -2.0 * c,
                1.0 - alpha * a,
                1.0 + alpha / a,
                -2.0 * c,
                1.0 - alpha / a,
            ],
            "hp" => [
                (1.0 + c) / 2.0,
                -(1.0 + c),
                (1.0 + c) / 2.0,
                1.0 + alpha,
                -2.0 * c,
                1.0 - alpha,
            ],
            _ => unreachable!(),
        };
        // |B(e^-jw)| / |A(e^-jw)| with z^-1 = e^-jw.
        let w = 2.0 * PI * f / SR;
        let mag = |p0: f64, p1: f64, p2: f64| {
            let re = p0 + p1 * w.cos() + p2 * (2.0 * w).cos();
            let im = p1 * w.sin() + p2 * (2.0 * w).sin();
            (re * re + im * im).sqrt()
        };
        20.0 * (mag(b0, b1, b2) / mag(a0, a1, a2)).log10()
    }

    #[test]
    fn magnitude_response_matches_the_cookbook_within_a_tenth_of_a_db() {
        let n = |v: f64| ParamValue::Number(v);
        let t = |v: &str| ParamValue::Text(v.into());
        let settings = [
            ("band1_type", t("low_shelf")),
            ("band1_freq_hz", n(120.0)),
            ("band1_gain_db", n(6.0)),
            ("band2_type", t("peak")),
            ("band2_freq_hz", n(1000.0)),
            ("band2_gain_db", n(-4.0)),
            ("band2_q", n(1.4)),
            ("band3_type", t("high_shelf")),
            ("band3_freq_hz", n(6000.0)),
            ("band3_gain_db", n(3.0)),
            ("band4_type", t("high_pass")),
            ("band4_freq_hz", n(30.0)),
        ];
        let (h, right) = through_eq(NodeSpec::new("src", SIGNAL), &settings, 0.5);
        assert_eq!(h, right, "both channels get the same EQ");
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let mut worst: f64 = 0.0;
        for f in [
            50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 3000.0, 5000.0, 8000.0, 12_000.0,
        ] {
            let want = cookbook_db("ls", 120.0, q, 6.0, f)
                + cookbook_db("pk", 1000.0, 1.4, -4.0, f)
                + cookbook_db("hs", 6000.0, q, 3.0, f)
                + cookbook_db("hp", 30.0, q, 0.0, f);
            let got = measured_db(&h, f);
            assert!(
                (got - want).abs() < 0.1,
                "{f} Hz: measured {got:.3} dB, cookbook {want:.3} dB"
            );
            worst = worst.max((got - want).abs());
        }
        println!("worst deviation from the cookbook: {worst:.1e} dB");
        // The setting is not trivial: the low shelf lifts 50 Hz and the peak cuts 1 kHz.
        assert!(measured_db(&h, 1000.0) < -3.0 && measured_db(&h, 50.0) > 4.0);
    }

    #[test]
    fn defaults_are_transparent_and_gain_applies() {
        let osc = || {
            NodeSpec::new("src", "source.oscillator")
                .with("freq_hz", 220.0)
                .with("gain_db", -6.0)
        };
        let (dry, _) = {
            let r = registry();
            let mut g = Graph::new(Transport::default());
            g.add_node(osc(), &r).unwrap();
            g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
            g.connect("src.out", "out.in", &r).unwrap();
            let a = render(
                &g,
                r,
                RenderOptions {
                    seconds: 0.2,
                    ..Default::default()
                },
            )
            .unwrap();
            (a.left, a.right)
        };
        let (wet, _) = through_eq(osc(), &[], 0.2);
        let err = dry
            .iter()
            .zip(&wet)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(err < 1e-6, "default EQ changed the signal by {err}");
        let (loud, _) = through_eq(osc(), &[("gain_db", ParamValue::Number(6.0))], 0.2);
        let ratio = loud.iter().fold(0.0f32, |m, x| m.max(x.abs()))
            / dry.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(
            (20.0 * ratio.log10() - 6.0).abs() < 0.01,
            "gain_db 6 gave {} dB",
            20.0 * ratio.log10()
        );
    }
}
