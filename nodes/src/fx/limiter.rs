//! `fx.limiter`: a look-ahead peak limiter for the master (AMAPIANO.md: masters at −8 to −6 LUFS
//! integrated, −1 dBTP; hence the −1 dB default ceiling). Both channels share one gain.
//!
//! The detector looks at 8× oversampled peaks (a 24-tap windowed-sinc interpolator per point),
//! so peaks between samples count too and the output stays under the ceiling as true peak, with
//! a [`MARGIN_DB`] safety margin for the interpolator's own error. The required gain is held at
//! its minimum over the look-ahead window, released by a one-pole, and smoothed by a moving
//! average as long as the hold: the gain then reaches each peak's value exactly when the delayed
//! peak comes out, with a click-free ramp and no overshoot. A final clamp at the ceiling
//! catches rounding.
//!
//! The look-ahead delays the signal; the node declares it as latency so the compiler lines up
//! parallel paths. It is fixed when the node is built, so its parameter is marked `rebuilds`: a change builds a
//! fresh node and the compiler re-aligns parallel paths to the new latency.

use yano_engine::param::{ParamHandle, ParamSpec, ParamValues, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use crate::db_to_gain;

pub const KIND: &str = "fx.limiter";
/// The detector aims this far under the ceiling: with 8 points a sample it under-reads a peak
/// by at most 0.08 dB up to 16 kHz at 48 kHz (0.17 dB at 20 kHz).
pub const MARGIN_DB: f32 = 0.1;
/// Peak detection looks at this many points per sample.
const OVERSAMPLE: usize = 8;
/// Taps per phase of the peak interpolator.
const TP_TAPS: usize = 24;
/// Samples the detector runs behind its input: half the interpolator.
const DETECT_DELAY: usize = TP_TAPS / 2;
/// Frames the detector takes at a time, side by side.
const CHUNK: usize = 32;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "look-ahead true-peak limiter with stereo-linked gain (masters: -1 dBTP)",
        params: vec![
            ParamSpec::number(
                "ceiling_db",
                "highest output peak, between samples included",
                -24.0,
                0.0,
                -1.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "lookahead_ms",
                "attack time and latency (a change rebuilds the node)",
                0.5,
                10.0,
                1.5,
                Unit::Milliseconds,
            )
            .rebuilds(),
            ParamSpec::number(
                "release_ms",
                "time the gain takes to recover",
                1.0,
                2000.0,
                80.0,
                Unit::Milliseconds,
            ),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("in", PortType::STEREO, "signal in"),
            PortSpec::output(
                "out",
                PortType::STEREO,
                "limited signal, delayed by the look-ahead",
            ),
        ]),
        build: Build::Realtime(build),
    }
}

/// Look-ahead in samples for `ms` at `sample_rate` (at least what the detector needs).
pub fn lookahead_samples(ms: f64, sample_rate: u32) -> usize {
    ((ms * 1e-3 * f64::from(sample_rate)).round() as usize).max(DETECT_DELAY + 1)
}

/// Zeroth-order modified Bessel function of the first kind (for the Kaiser window).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..32 {
        let t = x / (2.0 * k as f64);
        term *= t * t;
        sum += term;
    }
    sum
}

/// The detector's interpolators: row p makes the point (p + 1)/8 of the way from window sample
/// `DETECT_DELAY − 1` to the next (Kaiser-windowed sinc, β 7, unit DC gain). The eighth point
/// is window sample `DETECT_DELAY − 1` itself, read without taps.
fn interpolators() -> [[f32; TP_TAPS]; OVERSAMPLE - 1] {
    let beta = 7.0;
    let half = (TP_TAPS / 2) as f64;
    let mut out = [[0.0f32; TP_TAPS]; OVERSAMPLE - 1];
    for (p, row) in out.iter_mut().enumerate() {
        let phase = (p + 1) as f64 / OVERSAMPLE as f64;
        let mut h = [0.0f64; TP_TAPS];
        for (j, v) in h.iter_mut().enumerate() {
            let u = phase + (DETECT_DELAY - 1) as f64 - j as f64;
            let x = std::f64::consts::PI * u;
            let window =
                bessel_i0(beta * (1.0 - (u / half).powi(2)).max(0.0).sqrt()) / bessel_i0(beta);
            *v = x.sin() / x * window;
        }
        let sum: f64 = h.iter().sum();
        for (t, v) in row.iter_mut().zip(h) {
            *t = (v / sum) as f32;
        }
    }
    out
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    if config.sample_rate == 0 {
        return Err(NodeError::new("fx.limiter needs a sample rate above 0 Hz"));
    }
    Ok(Box::new(LimiterNode {
        limiter: Limiter::new(config.sample_rate, config.params.number("lookahead_ms")?),
        ceiling: config.param("ceiling_db")?,
        release: config.param("release_ms")?,
    }))
}

/// `fx.limiter`: a [`Limiter`] driven by the node's parameters (the console drives its own).
struct LimiterNode {
    limiter: Limiter,
    ceiling: ParamHandle,
    release: ParamHandle,
}

/// The minimum of the last `window` values, in O(1) amortised (a monotonic queue in a ring).
struct MinHold {
    values: Box<[f32]>,
    times: Box<[u64]>,
    head: usize,
    len: usize,
    now: u64,
}

impl MinHold {
    fn new(window: usize) -> MinHold {
        MinHold {
            values: vec![1.0; window].into_boxed_slice(),
            times: vec![0; window].into_boxed_slice(),
            head: 0,
            len: 0,
            now: 0,
        }
    }

    #[inline]
    fn push(&mut self, v: f32) -> f32 {
        let cap = self.values.len();
        let window = cap as u64;
        // Later, smaller values make earlier, larger ones irrelevant.
        let wrap = |i: usize| if i >= cap { i - cap } else { i };
        while self.len > 0 {
            let back = wrap(self.head + self.len - 1);
            if self.values[back] >= v {
                self.len -= 1;
            } else {
                break;
            }
        }
        if self.len > 0 && self.times[self.head] + window <= self.now {
            self.head = wrap(self.head + 1);
            self.len -= 1;
        }
        // At most `window` values are live, so there is room for this one.
        let slot = wrap(self.head + self.len);
        self.values[slot] = v;
        self.times[slot] = self.now;
        self.len += 1;
        self.now += 1;
        self.values[self.head]
    }

    fn clear(&mut self) {
        self.len = 0;
        self.now = 0;
    }
}

pub struct Limiter {
    sample_rate: f32,
    /// The interpolators of the points between samples, one row of taps per point.
    phases: [[f32; TP_TAPS]; OVERSAMPLE - 1],
    /// Per channel, the last TP_TAPS − 1 inputs, oldest first.
    recent: [[f32; TP_TAPS - 1]; 2],
    /// The largest interpolated peak of the previous sample interval.
    between_before: f32,
    hold: MinHold,
    envelope: f64,
    average: Box<[f64]>,
    average_pos: usize,
    average_sum: f64,
    /// 1 / the average's length.
    average_scale: f64,
    delay: [Box<[f32]>; 2],
    delay_pos: usize,
}

impl Limiter {
    /// Control thread: a limiter with `lookahead_ms` of look-ahead (its latency), all memory allocated.
    pub fn new(sample_rate: u32, lookahead_ms: f64) -> Limiter {
        let lookahead = lookahead_samples(lookahead_ms, sample_rate);
        // Hold and average over the look-ahead the detector leaves (see the module doc).
        let window = lookahead - DETECT_DELAY + 1;
        Limiter {
            sample_rate: sample_rate as f32,
            phases: interpolators(),
            recent: [[0.0; TP_TAPS - 1]; 2],
            between_before: 0.0,
            hold: MinHold::new(window),
            envelope: 1.0,
            average: vec![1.0; window].into_boxed_slice(),
            average_pos: 0,
            average_sum: window as f64,
            average_scale: 1.0 / window as f64,
            delay: [
                vec![0.0; lookahead].into_boxed_slice(),
                vec![0.0; lookahead].into_boxed_slice(),
            ],
            delay_pos: 0,
        }
    }

    /// Audio thread: limits a stereo block in place to `ceiling` dB (between samples too), the
    /// output delayed by the look-ahead. Shared by `fx.limiter` and the mixer's master.
    pub fn limit(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        ceiling: ParamValues<'_>,
        release_ms: f32,
    ) {
        crate::wide::wide(
            #[inline(always)]
            || self.limit_with(left, right, ceiling, release_ms, |_, _| {}),
        );
    }

    /// Audio thread: [`Limiter::limit`], also writing into `gains[i]` the gain applied to output
    /// frame `i` (before the final clamp at the ceiling). Signals that make up the input, delayed
    /// by the look-ahead (the limiter's latency) and multiplied by these gains, sum to the output.
    /// Frames past the end of `gains` are limited but not reported.
    pub fn limit_reporting(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        ceiling: ParamValues<'_>,
        release_ms: f32,
        gains: &mut [f32],
    ) {
        crate::wide::wide(
            #[inline(always)]
            || {
                self.limit_with(left, right, ceiling, release_ms, |i, g| {
                    if let Some(slot) = gains.get_mut(i) {
                        *slot = g;
                    }
                })
            },
        );
    }

    /// Audio thread: the limiter itself; `report(i, gain)` hears the gain of each output frame.
    #[inline(always)]
    fn limit_with(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        ceiling: ParamValues<'_>,
        release_ms: f32,
        mut report: impl FnMut(usize, f32),
    ) {
        let release_samples = (release_ms.max(1.0) * 1e-3 * self.sample_rate) as f64;
        let release = 1.0 - (-1.0 / release_samples).exp();
        let margin = db_to_gain(-MARGIN_DB);
        let len = self.delay[0].len();
        let mut top = db_to_gain(ceiling.at(0));
        let (mut on, mut between) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
        let frames = left.len().min(right.len());
        for start in (0..frames).step_by(CHUNK) {
            let end = (start + CHUNK).min(frames);
            let (left, right) = (&mut left[start..end], &mut right[start..end]);
            self.detect(left, right, &mut on, &mut between);
            for (c, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
                let i = start + c;
                if !ceiling.is_constant() {
                    top = db_to_gain(ceiling.at(i));
                }
                // A sample's gain also scales the intervals on both sides of it.
                let limit = top * margin;
                let peak = on[c].max(between[c]).max(self.between_before);
                self.between_before = between[c];
                let required = if peak > limit { limit / peak } else { 1.0 };
                let g = self.gain(required, release);
                report(i, g);
                let p = self.delay_pos;
                let dl = std::mem::replace(&mut self.delay[0][p], *l);
                let dr = std::mem::replace(&mut self.delay[1][p], *r);
                self.delay_pos = if p + 1 == len { 0 } else { p + 1 };
                *l = (dl * g).clamp(-top, top);
                *r = (dr * g).clamp(-top, top);
            }
        }
        if !self.envelope.is_finite() || !self.average_sum.is_finite() {
            self.clear();
        }
    }

    /// Takes a chunk of stereo frames (at most [`CHUNK`]) into the detector. For each frame it
    /// writes into `on` the larger |sample| `DETECT_DELAY` back, and into `between` the largest
    /// interpolated point between that sample and the next, over both channels. Each point is
    /// the same sum, in the same order, as a frame-by-frame detector would make; the frames of
    /// the chunk run side by side as vectors instead of one after another.
    #[inline(always)]
    fn detect(
        &mut self,
        left: &[f32],
        right: &[f32],
        on: &mut [f32; CHUNK],
        between: &mut [f32; CHUNK],
    ) {
        let n = left.len().min(right.len()).min(CHUNK);
        *on = [0.0; CHUNK];
        *between = [0.0; CHUNK];
        for (recent, input) in self.recent.iter_mut().zip([left, right]) {
            // The window of frame i is w[i..i + TP_TAPS], oldest first.
            let mut w = [0.0f32; TP_TAPS - 1 + CHUNK];
            w[..TP_TAPS - 1].copy_from_slice(recent);
            w[TP_TAPS - 1..TP_TAPS - 1 + n].copy_from_slice(&input[..n]);
            recent.copy_from_slice(&w[n..n + TP_TAPS - 1]);
            for (o, x) in on.iter_mut().zip(&w[DETECT_DELAY - 1..]) {
                *o = o.max(x.abs());
            }
            for phase in &self.phases {
                let mut acc = [0.0f32; CHUNK];
                for (j, t) in phase.iter().enumerate() {
                    for (a, x) in acc.iter_mut().zip(&w[j..j + CHUNK]) {
                        *a += t * x;
                    }
                }
                for (b, a) in between.iter_mut().zip(&acc) {
                    *b = b.max(a.abs());
                }
            }
        }
    }

    /// Hold, release and smooth the required gain; returns the gain for the frame leaving the
    /// delay line now.
    #[inline(always)]
    fn gain(&mut self, required: f32, release: f64) -> f32 {
        let held = f64::from(self.hold.push(required));
        self.envelope = if held < self.envelope {
            held
        } else {
            self.envelope + (held - self.envelope) * release
        };
        let len = self.average.len();
        let old = std::mem::replace(&mut self.average[self.average_pos], self.envelope);
        self.average_sum += self.envelope - old;
        self.average_pos += 1;
        if self.average_pos == len {
            self.average_pos = 0;
            // Re-add from scratch once per window, so rounding never accumulates.
            self.average_sum = self.average.iter().sum();
        }
        // A product, not a quotient: a division a frame was a tenth of the limiter's time.
        ((self.average_sum * self.average_scale) as f32).min(1.0)
    }
}

impl Processor for LimiterNode {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let (ceiling, release_ms) = (ctx.param(self.ceiling), ctx.param(self.release).last());
        let (in_l, in_r) = (ctx.audio_in(0, 0), ctx.audio_in(0, 1));
        let (out_l, out_r) = ctx.audio_out_pair(0);
        out_l.copy_from_slice(in_l);
        out_r.copy_from_slice(in_r);
        self.limiter.limit(out_l, out_r, ceiling, release_ms);
    }

    fn latency(&self) -> u32 {
        self.limiter.latency()
    }

    fn reset(&mut self) {
        self.limiter.clear();
    }
}

impl Limiter {
    /// Control thread: the look-ahead in samples, by which the limiter delays its signal.
    pub fn latency(&self) -> u32 {
        self.delay[0].len() as u32
    }

    /// Audio thread: forgets the signal (transport jumps, or a non-finite input).
    pub fn clear(&mut self) {
        self.recent = [[0.0; TP_TAPS - 1]; 2];
        self.between_before = 0.0;
        self.hold.clear();
        self.envelope = 1.0;
        self.average.fill(1.0);
        self.average_sum = self.average.len() as f64;
        for d in &mut self.delay {
            d.fill(0.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::registry;
    use std::f64::consts::PI;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::{ParamValue, Transport};
    use yano_testkit::nodes::SIGNAL;

    const SR: u32 = 48_000;

    /// Renders `source` (id "src") → limiter → output, or `source` alone; the left channel.
    fn render_with(source: NodeSpec, limiter: Option<&[(&str, f64)]>, seconds: f64) -> Vec<f32> {
        let r = registry();
        let mut g = Graph::new(Transport::default());
        g.add_node(source, &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        if let Some(params) = limiter {
            let mut spec = NodeSpec::new("lim", KIND);
            for (k, v) in params {
                spec = spec.with(k, *v);
            }
            g.add_node(spec, &r).unwrap();
            g.connect("src.out", "lim.in", &r).unwrap();
            g.connect("lim.out", "out.in", &r).unwrap();
        } else {
            g.connect("src.out", "out.in", &r).unwrap();
        }
        yano_testkit::nodes::render_mono(&g, r, seconds)
    }

    /// The largest |value| of `x` sampled 8× (Hann-windowed sinc, 64 taps a side): its true
    /// peak. Only points with the whole filter inside `x` count, so cutting a clip out of a loud
    /// signal adds no false steps at its ends.
    fn true_peak(x: &[f32]) -> f32 {
        let half = 64usize;
        let mut peak = 0.0f64;
        for n in half..x.len().saturating_sub(half) {
            for p in 0..8 {
                let t = p as f64 / 8.0;
                let mut y = 0.0;
                for (k, v) in x[n + 1 - half..=n + half].iter().enumerate() {
                    let u = t + half as f64 - 1.0 - k as f64;
                    let sinc = if u == 0.0 {
                        1.0
                    } else {
                        (PI * u).sin() / (PI * u)
                    };
                    let hann = 0.5 + 0.5 * (PI * u / half as f64).cos();
                    y += f64::from(*v) * sinc * hann;
                }
                peak = peak.max(y.abs());
            }
        }
        peak as f32
    }

    fn built_latency(params: &[(&str, f64)]) -> u32 {
        let d = descriptor();
        let values: Vec<ParamValue> = d
            .params
            .iter()
            .map(|p| {
                params
                    .iter()
                    .find(|(id, _)| *id == p.id)
                    .map_or_else(|| p.default_value(), |(_, v)| ParamValue::Number(*v))
            })
            .collect();
        let config = NodeConfig {
            id: "lim",
            params: d.reader(&values),
            sample_rate: SR,
            block_size: 128,
            transport: Transport::default(),
            base_dir: None,
            readouts: None,
        };
        match d.build {
            Build::Realtime(f) => f(&config).unwrap().latency(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn loud_signals_never_pass_the_ceiling() {
        let ceiling = db_to_gain(-1.0);
        let over = 4.0 * ceiling; // +12 dB over the ceiling
        let sources = [
            (
                "sine 1 kHz",
                NodeSpec::new("src", "source.oscillator")
                    .with("freq_hz", 1000.0)
                    .with("gain_db", 11.0),
            ),
            (
                "band-limited square 110 Hz",
                NodeSpec::new("src", "source.oscillator")
                    .with("wave", "square")
                    .with("freq_hz", 110.0)
                    .with("gain_db", 11.0),
            ),
            (
                "hard square burst",
                NodeSpec::new("src", SIGNAL)
                    .with("shape", "square_burst")
                    .with("level", f64::from(over)),
            ),
            (
                "fs/4 sine, peaks between samples",
                NodeSpec::new("src", SIGNAL)
                    .with("shape", "quarter_rate_sine")
                    .with("level", f64::from(over)),
            ),
        ];
        for (name, src) in sources {
            let y = render_with(src, Some(&[]), 0.12);
            let sample_peak = y.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let tp = true_peak(&y[..]);
            println!(
                "{name}: sample peak {:.3} dBFS, true peak {:.3} dBTP (ceiling -1)",
                20.0 * sample_peak.log10(),
                20.0 * tp.log10()
            );
            assert!(
                sample_peak <= ceiling,
                "{name}: sample peak {sample_peak} over {ceiling}"
            );
            assert!(tp <= db_to_gain(-0.95), "{name}: true peak {tp}");
            // It limits, it does not mute: the loud part comes out within 0.5 dB of the ceiling.
            assert!(tp > db_to_gain(-1.5), "{name}: {tp}");
        }
    }

    #[test]
    fn quiet_signals_pass_unchanged_after_the_latency() {
        let lookahead = lookahead_samples(1.5, SR);
        assert_eq!(lookahead, 72);
        assert_eq!(
            built_latency(&[]),
            72,
            "default latency is 1.5 ms at 48 kHz"
        );
        assert_eq!(built_latency(&[("lookahead_ms", 5.0)]), 240);
        let osc = || {
            NodeSpec::new("src", "source.oscillator")
                .with("wave", "saw")
                .with("freq_hz", 97.0)
                .with("gain_db", -3.0)
        };
        let dry = render_with(osc(), None, 0.2);
        let wet = render_with(osc(), Some(&[]), 0.2);
        assert!(wet[..lookahead].iter().all(|v| *v == 0.0));
        assert_eq!(
            &wet[lookahead..],
            &dry[..dry.len() - lookahead],
            "a quiet signal must pass bit for bit"
        );
        // An impulse comes out exactly `lookahead` samples late.
        let imp = render_with(
            NodeSpec::new("src", SIGNAL).with("level", 0.5),
            Some(&[("lookahead_ms", 5.0)]),
            0.05,
        );
        let at = imp.iter().position(|v| *v != 0.0);
        assert_eq!(at, Some(240));
        assert_eq!(imp[240], 0.5);
    }

    #[test]
    fn gain_recovers_at_the_release_rate() {
        // A −24 dB sine with 50 ms at full level (+13 dB over the −1 dB ceiling) in the middle.
        let src = || {
            NodeSpec::new("src", SIGNAL)
                .with("shape", "swell")
                .with("level", 4.0)
        };
        let release_ms = 20.0;
        let x = render_with(src(), None, 0.3);
        let y = render_with(src(), Some(&[("release_ms", release_ms)]), 0.3);
        // The gain over one 1 kHz cycle starting at `ms`: output peak over input peak there.
        let gain_db = |ms: f64| {
            let n = (ms * 48.0) as usize;
            let peak = |s: &[f32]| s.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            20.0 * (peak(&y[n + 72..n + 72 + 48]) / peak(&x[n..n + 48])).log10()
        };
        let before = gain_db(90.0);
        let during = gain_db(125.0);
        let after_one = gain_db(150.0 + release_ms);
        let after_five = gain_db(150.0 + 5.0 * release_ms);
        println!(
            "gain: {before:.3} dB before, {during:.2} dB during, {after_one:.2} dB one release \
             time after, {after_five:.3} dB five after"
        );
        assert!(before.abs() < 1e-4, "{before}");
        assert!((during + 13.1).abs() < 0.3, "{during}");
        // One-pole release: the remaining reduction falls by e each release time.
        assert!(after_one < -1.0 && after_one > -6.0, "{after_one}");
        assert!(after_five.abs() < 0.1, "{after_five}");
    }
}
