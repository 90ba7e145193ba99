//! `fx.compressor`: a feed-forward stereo compressor after Giannoulis, Massberg and Reiss,
//! "Digital Dynamic Range Compressor Design: A Tutorial and Analysis" (JAES 2012): a static
//! curve with a quadratic soft knee computed in decibels, then level-corrected ballistics on the
//! gain reduction (their "log domain" detector placed after the gain computer). The ballistics
//! are the decoupled smooth peak detector, branched so that `attack_ms` and `release_ms` are both
//! the true time constants of a step: the gain change reaches 63 % in that time.
//!
//! Detection is stereo-linked (both channels get the same gain, so the image does not shift):
//! `peak` follows max(|L|, |R|); `rms` the mean square of both channels over a fixed 10 ms
//! window (which adds to the attack). The `sidechain` input, when connected, is what the
//! detector hears instead of the main input: amapiano pads and log-drum tails ducked by the kick
//! (kick on every beat, AMAPIANO.md) pump at the tempo; a release near a 16th to an 8th
//! (130–265 ms at 113 BPM) lets them swell back before the next kick.

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use crate::db_to_gain;

pub const KIND: &str = "fx.compressor";
pub const DETECTORS: &[&str] = &["peak", "rms"];

const IN: usize = 0;
const SIDECHAIN: usize = 1;

/// Averaging time of the RMS detector.
const RMS_WINDOW_MS: f32 = 10.0;
/// Mean squares below this (−200 dB) count as silence.
const FLOOR: f32 = 1e-20;
/// A gain reduction this small (dB) has ended; snapping it to 0 lets the quiet path run.
const SETTLED_DB: f32 = 1e-4;
/// 10 · log10(2): decibels per doubling of power.
const DB_PER_OCTAVE_OF_POWER: f32 = 3.010_3;
/// log2(10) / 20: doublings of amplitude per decibel.
pub const OCTAVES_PER_DB: f32 = 0.166_096_4;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description:
            "feed-forward stereo compressor with soft knee and sidechain (kick-ducked pads)",
        params: vec![
            ParamSpec::number(
                "threshold_db",
                "level where compression begins (centre of the knee)",
                -60.0,
                0.0,
                -18.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "ratio",
                "input dB over the threshold per output dB",
                1.0,
                20.0,
                4.0,
                Unit::None,
            ),
            ParamSpec::number(
                "knee_db",
                "width of the soft knee around the threshold (0 = hard)",
                0.0,
                24.0,
                6.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "attack_ms",
                "time for a gain reduction to reach 63 %",
                0.1,
                200.0,
                10.0,
                Unit::Milliseconds,
            ),
            ParamSpec::number(
                "release_ms",
                "time for a gain reduction to recover 63 %",
                5.0,
                2_000.0,
                150.0,
                Unit::Milliseconds,
            ),
            ParamSpec::number(
                "makeup_db",
                "gain after compression",
                0.0,
                24.0,
                0.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "mix",
                "share of compressed signal (below 1: parallel compression)",
                0.0,
                1.0,
                1.0,
                Unit::None,
            ),
            ParamSpec::choice(
                "detector",
                "level detection: peak, or rms over 10 ms",
                DETECTORS,
                0,
            ),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("in", PortType::STEREO, "signal to compress"),
            PortSpec::input(
                "sidechain",
                PortType::STEREO,
                "when connected, the detector listens here instead (e.g. the kick)",
            ),
            PortSpec::output("out", PortType::STEREO, "compressed signal"),
        ]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    if config.sample_rate == 0 {
        return Err(NodeError::new("fx.compressor needs a sample rate above 0"));
    }
    let sample_rate = config.sample_rate as f32;
    Ok(Box::new(Compressor {
        knobs: Knobs::resolve(config)?,
        sample_rate,
        computer: GainComputer::new(sample_rate),
    }))
}

/// The static curve: output level in dB for an input level `x` in dB (eq. 4 of the paper).
#[inline]
pub fn static_curve(x: f32, threshold: f32, ratio: f32, knee: f32) -> f32 {
    let over = x - threshold;
    if 2.0 * over < -knee {
        x
    } else if 2.0 * over.abs() <= knee && knee > 0.0 {
        let t = over + 0.5 * knee;
        x + (1.0 / ratio - 1.0) * t * t / (2.0 * knee)
    } else {
        threshold + over / ratio
    }
}

/// One-pole smoothing coefficient for time constant `ms`.
#[inline]
pub fn coeff(ms: f32, sample_rate: f32) -> f32 {
    (-1.0 / (ms.max(0.01) * 0.001 * sample_rate)).exp()
}

/// The level detector and gain computer, shared by `fx.compressor` and the mixer's bus
/// compressor (one owner for the arithmetic): a stereo-linked detector (squared peak, or mean
/// square over [`RMS_WINDOW_MS`]), the static curve, and the decoupled peak ballistics on the gain
/// reduction. Audio thread for everything but [`GainComputer::new`].
#[derive(Debug, Clone)]
pub struct GainComputer {
    rms_coeff: f32,
    mean_square: f32,
    /// The decoupled peak stage: jumps up with the gain reduction, lets go with the release.
    hold_db: f32,
    /// The gain reduction in dB (≥ 0) after the attack stage.
    reduction_db: f32,
}

impl GainComputer {
    /// Control thread: a detector at rest for `sample_rate`.
    pub fn new(sample_rate: f32) -> GainComputer {
        GainComputer {
            rms_coeff: 1.0 - (-1.0 / (RMS_WINDOW_MS * 0.001 * sample_rate)).exp(),
            mean_square: 0.0,
            hold_db: 0.0,
            reduction_db: 0.0,
        }
    }

    /// Audio thread: the squared level of one stereo frame as the linked detector hears it: the
    /// running mean square of both channels (`rms`), or the square of max(|L|, |R|).
    #[inline]
    pub fn square(&mut self, left: f32, right: f32, rms: bool) -> f32 {
        if rms {
            self.mean_square +=
                self.rms_coeff * (0.5 * (left * left + right * right) - self.mean_square);
            self.mean_square
        } else {
            let p = left.abs().max(right.abs());
            p * p
        }
    }

    /// The gain reduction (dB, ≥ 0) the static curve asks for at a squared level; 0 at or below
    /// `quiet` (a squared level known to sit under the knee) and in silence.
    #[inline]
    pub fn target_db(square: f32, quiet: f32, threshold: f32, ratio: f32, knee: f32) -> f32 {
        if square > quiet && square > FLOOR {
            let x = DB_PER_OCTAVE_OF_POWER * square.log2();
            x - static_curve(x, threshold, ratio.max(1.0), knee.max(0.0))
        } else {
            0.0
        }
    }

    /// Squared levels below the knee of `threshold` and `knee` (dB): no reduction there.
    pub fn quiet_below(threshold: f32, knee: f32) -> f32 {
        10f32.powf(0.1 * (threshold - 0.5 * knee.max(0.0)))
    }

    /// Audio thread: moves the ballistics one frame towards `target` (dB) with the one-pole
    /// coefficients `attack` and `release` (see [`coeff`]); returns the gain reduction in dB.
    #[inline]
    pub fn follow(&mut self, target: f32, attack: f32, release: f32) -> f32 {
        self.hold_db = target.max(release * self.hold_db + (1.0 - release) * target);
        self.reduction_db = if self.hold_db > self.reduction_db {
            attack * self.reduction_db + (1.0 - attack) * self.hold_db
        } else {
            self.hold_db
        };
        self.reduction_db
    }

    /// Audio thread, after a block: keeps denormals and stray non-finite values out of the state.
    pub fn settle(&mut self) {
        let keep = |x: f32, floor: f32| if x.is_finite() && x > floor { x } else { 0.0 };
        self.mean_square = keep(self.mean_square, FLOOR);
        self.hold_db = keep(self.hold_db, SETTLED_DB);
        self.reduction_db = keep(self.reduction_db, SETTLED_DB);
    }

    /// Audio thread: back to rest (transport jumps).
    pub fn reset(&mut self) {
        self.mean_square = 0.0;
        self.hold_db = 0.0;
        self.reduction_db = 0.0;
    }
}

yano_engine::param_handles! {
    /// The parameters the processor reads, resolved by id when it is built.
    struct Knobs / Values {
        threshold: "threshold_db",
        ratio: "ratio",
        knee: "knee_db",
        attack: "attack_ms",
        release: "release_ms",
        makeup: "makeup_db",
        mix: "mix",
        detector: "detector",
    }
}

struct Compressor {
    knobs: Knobs,
    sample_rate: f32,
    computer: GainComputer,
}

impl Processor for Compressor {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let threshold = ctx.param(self.knobs.threshold);
        let ratio = ctx.param(self.knobs.ratio);
        let knee = ctx.param(self.knobs.knee);
        let makeup = ctx.param(self.knobs.makeup);
        let mix = ctx.param(self.knobs.mix);
        let rms = ctx.param(self.knobs.detector).last() >= 0.5;
        // Time constants change at most once a block: an exp() per sample is not worth it.
        let attack = coeff(ctx.param(self.knobs.attack).last(), self.sample_rate);
        let release = coeff(ctx.param(self.knobs.release).last(), self.sample_rate);
        let source = if ctx.is_connected(SIDECHAIN) {
            SIDECHAIN
        } else {
            IN
        };
        let (det_l, det_r) = (ctx.audio_in(source, 0), ctx.audio_in(source, 1));
        let (in_l, in_r) = (ctx.audio_in(IN, 0), ctx.audio_in(IN, 1));
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let frames = out_l
            .len()
            .min(out_r.len())
            .min(in_l.len().min(in_r.len()))
            .min(det_l.len().min(det_r.len()));
        // Below the knee there is nothing to reduce: while threshold and knee hold still, a
        // squared level under `quiet` skips the logarithm.
        let quiet = if threshold.is_constant() && knee.is_constant() {
            GainComputer::quiet_below(threshold.at(0), knee.at(0))
        } else {
            0.0
        };
        let steady_makeup = makeup.is_constant().then(|| db_to_gain(makeup.at(0)));
        let computer = &mut self.computer;
        for i in 0..frames {
            let square = computer.square(det_l[i], det_r[i], rms);
            let target =
                GainComputer::target_db(square, quiet, threshold.at(i), ratio.at(i), knee.at(i));
            let reduction = computer.follow(target, attack, release);
            let gain = match steady_makeup {
                Some(g) if reduction <= 0.0 => g,
                _ => ((makeup.at(i) - reduction) * OCTAVES_PER_DB).exp2(),
            };
            let wet = mix.at(i);
            let g = 1.0 - wet + wet * gain;
            out_l[i] = in_l[i] * g;
            out_r[i] = in_r[i] * g;
        }
        computer.settle();
    }

    fn reset(&mut self) {
        self.computer.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::registry;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::{ParamValue, Transport};
    use yano_testkit::nodes::SIGNAL;
    use yano_testkit::{dbfs, rms};

    type Params<'a> = &'a [(&'a str, ParamValue)];

    /// main (and optional sidechain) sources → compressor → output; returns the left channel.
    fn run(main: Params<'_>, sidechain: Option<Params<'_>>, comp: Params<'_>, s: f64) -> Vec<f32> {
        let r = registry();
        let mut g = Graph::new(Transport::default());
        let source = |id: &str, params: Params<'_>| {
            // A sine (or DC when `freq_hz` is 0) stepping in level: the kit's "steps" shape.
            let steps = NodeSpec::new(id, SIGNAL).with("shape", "steps");
            params.iter().fold(steps, |n, (k, v)| n.with(k, v.clone()))
        };
        g.add_node(source("main", main), &r).unwrap();
        let c = comp.iter().fold(NodeSpec::new("comp", KIND), |n, (k, v)| {
            n.with(k, v.clone())
        });
        g.add_node(c, &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("main.out", "comp.in", &r).unwrap();
        if let Some(sc) = sidechain {
            g.add_node(source("sc", sc), &r).unwrap();
            g.connect("sc.out", "comp.sidechain", &r).unwrap();
        }
        g.connect("comp.out", "out.in", &r).unwrap();
        let opts = RenderOptions {
            seconds: s,
            ..RenderOptions::default()
        };
        render(&g, r, opts).unwrap().left
    }

    fn num(v: f64) -> ParamValue {
        ParamValue::Number(v)
    }

    fn rms_db(x: &[f32]) -> f32 {
        dbfs(rms(x)) as f32
    }

    #[test]
    fn static_curve_matches_the_textbook_knee() {
        let (t, r, w) = (-20.0f32, 4.0f32, 10.0f32);
        let comp = |detector: &str| {
            vec![
                ("threshold_db", num(f64::from(t))),
                ("ratio", num(f64::from(r))),
                ("knee_db", num(f64::from(w))),
                ("attack_ms", num(5.0)),
                ("release_ms", num(300.0)),
                ("detector", ParamValue::Text(detector.into())),
            ]
        };
        // −40 … 0 dB peak in 5 dB steps of 200 ms each; measure the last 50 ms of each step.
        let main = [
            ("start_db", num(-40.0)),
            ("step_db", num(5.0)),
            ("step_ms", num(200.0)),
            ("steps", num(9.0)),
        ];
        // The textbook soft knee (Giannoulis, Massberg & Reiss 2012) worked by hand for T −20 dB,
        // R 4, W 10 dB: no reduction below −25 dB, (1/R − 1)(x − T + W/2)² / 2W inside the knee,
        // (1 − 1/R)(x − T) above −15 dB. Gain reduction in dB at each step's level: the sine's
        // peak (peak detector) or its RMS, 3.0103 dB lower (RMS detector).
        let reduction = [
            ("peak", [0.0, 0.0, 0.0, 0.0, 0.9375, 3.75, 7.5, 11.25, 15.0]),
            (
                "rms",
                [
                    0.0, 0.0, 0.0, 0.0, 0.148459, 1.832097, 5.242275, 8.992275, 12.742275,
                ],
            ),
        ];
        for (detector, reduction) in reduction {
            let out = run(&main, None, &comp(detector), 1.8);
            let mut worst = 0.0f32;
            for (k, reduction) in reduction.iter().enumerate() {
                let peak_db = -40.0 + 5.0 * k as f32;
                let end = (k + 1) * 9600;
                let out_db = rms_db(&out[end - 2400..end]);
                let want = peak_db - 3.0103 - reduction;
                let err = out_db - want;
                assert!(
                    err.abs() < 0.5,
                    "{detector} {peak_db} dB in: {out_db:.2} dB out, want {want:.2}"
                );
                worst = worst.max(err.abs());
            }
            eprintln!("{detector}: worst static-curve error {worst:.3} dB");
        }
        // The knee itself: continuous, quadratic, and a straight line of slope 1/R above it.
        assert_eq!(static_curve(-30.0, t, r, w), -30.0);
        assert!((static_curve(-20.0, t, r, w) - (-20.0 - 0.75 * 25.0 / 20.0)).abs() < 1e-5);
        assert!((static_curve(-15.0, t, r, w) - (-20.0 + 5.0 / 4.0)).abs() < 1e-5);
    }

    /// Time in ms from `from` until the gain reduction (in dB, DC in → out) has covered 63.2 % of
    /// its way from its value at `from` to its value at `to`.
    fn time_constant(out: &[f32], input_db: (f32, f32), from: usize, to: usize) -> f32 {
        let reduction = |i: usize, level: f32| level - 20.0 * out[i].abs().log10();
        let (start, end) = (
            reduction(from - 1, input_db.0),
            reduction(to - 1, input_db.1),
        );
        let goal = start + 0.632 * (end - start);
        let hit = (from..to)
            .find(|i| {
                let g = reduction(*i, input_db.1);
                if end > start {
                    g >= goal
                } else {
                    g <= goal
                }
            })
            .unwrap();
        (hit - from) as f32 / 48.0
    }

    #[test]
    fn attack_and_release_are_the_63_percent_times() {
        for (attack, release) in [(10.0f32, 100.0f32), (2.0, 250.0)] {
            let comp = [
                ("threshold_db", num(-20.0)),
                ("ratio", num(4.0)),
                ("knee_db", num(0.0)),
                ("attack_ms", num(f64::from(attack))),
                ("release_ms", num(f64::from(release))),
            ];
            // DC: −40 dB for 300 ms, 0 dB for 300 ms, then −40 dB again.
            let main = [
                ("freq_hz", num(0.0)),
                ("start_db", num(-40.0)),
                ("step_db", num(40.0)),
                ("step_ms", num(300.0)),
                ("steps", num(2.0)),
            ];
            let out = run(&main, None, &comp, 2.0);
            let a = time_constant(&out, (-40.0, 0.0), 14_400, 28_800);
            let r = time_constant(&out, (0.0, -40.0), 28_800, 96_000);
            eprintln!("attack {a:.2} ms (set {attack}), release {r:.2} ms (set {release})");
            assert!((a - attack).abs() < 0.2 * attack, "attack {a} vs {attack}");
            assert!(
                (r - release).abs() < 0.2 * release,
                "release {r} vs {release}"
            );
            // 15 dB of reduction at 0 dB in (threshold −20, ratio 4).
            let held = -20.0 * out[28_799].abs().log10();
            assert!((held - 15.0).abs() < 0.05, "{held}");
        }
    }

    #[test]
    fn a_loud_sidechain_ducks_a_quiet_input() {
        let comp = [
            ("threshold_db", num(-20.0)),
            ("ratio", num(4.0)),
            ("knee_db", num(0.0)),
        ];
        let quiet = [("freq_hz", num(1000.0)), ("start_db", num(-40.0))];
        let kick = [("freq_hz", num(60.0)), ("start_db", num(0.0))];
        let alone = run(&quiet, None, &comp, 0.4);
        let ducked = run(&quiet, Some(&kick), &comp, 0.4);
        let (a, d) = (
            rms_db(&alone[14_400..19_200]),
            rms_db(&ducked[14_400..19_200]),
        );
        eprintln!("quiet input alone {a:.2} dB, under a 0 dB sidechain {d:.2} dB");
        assert!(
            (a - (-43.01)).abs() < 0.05,
            "below threshold it passes: {a}"
        );
        // The sidechain sits 20 dB over the threshold: 15 dB of reduction at ratio 4
        // (less ripple from the 60 Hz sine's troughs).
        assert!((a - d - 15.0).abs() < 1.0, "reduction {:.2} dB", a - d);
    }

    #[test]
    fn mix_blends_the_dry_signal_back() {
        let comp = [
            ("threshold_db", num(-20.0)),
            ("ratio", num(20.0)),
            ("knee_db", num(0.0)),
            ("mix", num(0.5)),
            ("makeup_db", num(6.0)),
        ];
        let out = run(
            &[("freq_hz", num(0.0)), ("start_db", num(0.0))],
            None,
            &comp,
            0.3,
        );
        // Reduction 20 − 1 = 19 dB, +6 dB makeup, half wet: 0.5 + 0.5 · 10^(−13/20).
        let want = 0.5 + 0.5 * db_to_gain(-13.0);
        let got = out[14_000];
        assert!((got - want).abs() < 1e-3, "{got} vs {want}");
    }
}
