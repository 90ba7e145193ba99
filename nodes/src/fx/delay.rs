//! `fx.delay`: a delay line with feedback, tempo sync, a filter in the feedback path and
//! ping-pong. Its input is a feedback input: it hears its sources one block late, which is what
//! lets a cycle pass through it. It makes up for that block inside, so the delay time is exact
//! down to one block (the shortest delay it can give).
//!
//! The output is wet only, and stays so on purpose: the dry signal reaches this node a block late,
//! so a dry/wet knob here would smear the dry path by one block. Blend dry and wet in a mixer
//! (the delay on a send, its output on a return). Synced times follow the session tempo (amapiano
//! sits at 108–115 BPM, AMAPIANO.md; a dotted 1/8 at 113 BPM is 398 ms). Each repeat passes
//! the feedback filter once more, so `highcut_hz` darkens successive echoes the way tape does.

use super::biquad::{Biquad, BiquadFilter, Shape};
use yano_engine::node::ParamReader;
use yano_engine::param::{ParamError, ParamSpec, Smoothing, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "fx.delay";
/// Longest delay, in seconds.
pub const MAX_SECONDS: f64 = 4.0;
/// Tempo-synced times; "off" uses `time_ms`.
pub const SYNCS: &[&str] = &["off", "1/16", "1/8", "1/8d", "1/4", "1/2", "1 bar"];
/// Length in beats of each entry of [`SYNCS`] after "off".
const SYNC_BEATS: [f64; 6] = [0.25, 0.5, 0.75, 1.0, 2.0, 4.0];

/// At these ends of their ranges the feedback filters are bypassed, so the defaults leave the
/// loop exactly as transparent as the plain delay line.
const LOWCUT_OFF_HZ: f32 = 20.0;
const HIGHCUT_OFF_HZ: f32 = 20_000.0;

fn ports(p: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
    let ty = PortType::Audio {
        channels: p.number("channels")?.clamp(1.0, 2.0) as u16,
    };
    Ok(vec![
        PortSpec::input(
            "in",
            ty,
            "signal in (heard one block late, so it may close a loop)",
        )
        .feedback(),
        PortSpec::output("out", ty, "the echoes (wet only)"),
    ])
}

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "delay line with feedback, tempo sync, feedback filter and ping-pong; lets a cycle close",
        params: vec![
            ParamSpec::number(
                "time_ms",
                "delay time (at least one block) when sync is off",
                1.0,
                MAX_SECONDS * 1000.0,
                250.0,
                Unit::Milliseconds,
            ),
            ParamSpec::number(
                "feedback",
                "share of each echo fed back",
                0.0,
                0.95,
                0.0,
                Unit::None,
            ),
            ParamSpec::integer("channels", "1 for mono, 2 for stereo", 1, 2, 2, Unit::Count),
            ParamSpec::choice(
                "sync",
                "delay time as a note length at the session tempo (off: time_ms; at most 4 s)",
                SYNCS,
                0,
            ),
            ParamSpec::number(
                "lowcut_hz",
                "high-pass in the feedback path (20 = off)",
                f64::from(LOWCUT_OFF_HZ),
                2_000.0,
                f64::from(LOWCUT_OFF_HZ),
                Unit::Hertz,
            )
            .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
            ParamSpec::number(
                "highcut_hz",
                "low-pass in the feedback path, darkens each repeat (20000 = off)",
                500.0,
                f64::from(HIGHCUT_OFF_HZ),
                f64::from(HIGHCUT_OFF_HZ),
                Unit::Hertz,
            )
            .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
            ParamSpec::choice(
                "ping_pong",
                "stereo only: echoes alternate left and right",
                &["off", "on"],
                0,
            ),
        ],
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let len = (MAX_SECONDS * f64::from(config.sample_rate)) as usize + 2 * config.block_size + 4;
    Ok(Box::new(Delay {
        knobs: Knobs::resolve(config)?,
        rings: [
            vec![0.0; len].into_boxed_slice(),
            vec![0.0; len].into_boxed_slice(),
        ],
        write: 0,
        block: config.block_size as f32,
        sample_rate: config.sample_rate as f32,
        filters: [LoopFilter::default(), LoopFilter::default()],
        cutoffs: (f32::NAN, f32::NAN),
    }))
}

/// A Butterworth feedback filter that can be bypassed, in f64 so a 20 Hz high-pass keeps its
/// precision.
#[derive(Debug, Clone, Copy, Default)]
struct LoopSection {
    on: bool,
    filter: BiquadFilter,
}

impl LoopSection {
    fn set(&mut self, shape: Shape, freq: f32, sample_rate: f32, on: bool) {
        if on && !self.on {
            self.filter.clear();
        }
        self.on = on;
        self.filter.set(Biquad::butterworth(
            shape,
            f64::from(freq.min(0.45 * sample_rate)),
            f64::from(sample_rate),
        ));
    }

    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        if !self.on {
            return x;
        }
        self.filter.tick(f64::from(x)) as f32
    }
}

/// The feedback path's filters for one channel: high-pass, then low-pass.
#[derive(Debug, Clone, Copy, Default)]
struct LoopFilter {
    low_cut: LoopSection,
    high_cut: LoopSection,
}

impl LoopFilter {
    #[inline]
    fn run(&mut self, x: f32) -> f32 {
        self.high_cut.run(self.low_cut.run(x))
    }
}

yano_engine::param_handles! {
    /// The parameters the processor reads, resolved by id when it is built.
    struct Knobs / Values {
        time: "time_ms",
        feedback: "feedback",
        sync: "sync",
        lowcut: "lowcut_hz",
        highcut: "highcut_hz",
        ping_pong: "ping_pong",
    }
}

struct Delay {
    knobs: Knobs,
    rings: [Box<[f32]>; 2],
    write: usize,
    block: f32,
    sample_rate: f32,
    filters: [LoopFilter; 2],
    /// (lowcut, highcut) the filters were last designed for.
    cutoffs: (f32, f32),
}

/// The sample `behind` samples before `write`, linearly interpolated (`behind` < len − 1).
/// Shared with the reverb's predelay.
#[inline]
pub(crate) fn read_behind(ring: &[f32], write: usize, behind: f32) -> f32 {
    let len = ring.len();
    let whole = (behind as usize).min(len.saturating_sub(2));
    let frac = behind - whole as f32;
    // Wrap by one subtraction rather than a division: `write < len` and `whole < len`.
    let mut ia = write + len - whole;
    if ia >= len {
        ia -= len;
    }
    let ib = if ia == 0 { len - 1 } else { ia - 1 };
    let a = ring.get(ia).copied().unwrap_or(0.0);
    let b = ring.get(ib).copied().unwrap_or(0.0);
    a + (b - a) * frac
}

/// Frames the still path takes at a time (at most the delay); the longest run [`read_run`] reads.
pub(crate) const CHUNK: usize = 128;

/// `out[i]` = [`read_behind`]`(ring, write + i, behind)` for each i: the same arithmetic, over a
/// contiguous copy of the samples the run reads.
#[inline]
pub(crate) fn read_run(ring: &[f32], write: usize, behind: f32, out: &mut [f32]) {
    let len = ring.len();
    let n = out.len().min(CHUNK);
    if len < 2 {
        out.fill(0.0);
        return;
    }
    let whole = (behind as usize).min(len - 2);
    let frac = behind - whole as f32;
    let mut newer = write % len + len - whole;
    if newer >= len {
        newer -= len;
    }
    // span[i] is the older sample of output i, span[i + 1] the newer.
    let mut span = [0.0f32; CHUNK + 1];
    let mut p = if newer == 0 { len - 1 } else { newer - 1 };
    for v in &mut span[..n + 1] {
        *v = ring[p];
        p += 1;
        if p == len {
            p = 0;
        }
    }
    for (o, pair) in out[..n].iter_mut().zip(span.windows(2)) {
        let (b, a) = (pair[0], pair[1]);
        *o = a + (b - a) * frac;
    }
}

impl Delay {
    /// Redesigns the feedback filters when their cutoffs moved (once a block at most).
    fn design_filters(&mut self, low: f32, high: f32) {
        if (low, high) == self.cutoffs {
            return;
        }
        self.cutoffs = (low, high);
        for f in &mut self.filters {
            f.low_cut
                .set(Shape::HighPass, low, self.sample_rate, low > LOWCUT_OFF_HZ);
            f.high_cut.set(
                Shape::LowPass,
                high,
                self.sample_rate,
                high < HIGHCUT_OFF_HZ,
            );
        }
    }
}

impl Processor for Delay {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let time = ctx.param(self.knobs.time);
        let feedback = ctx.param(self.knobs.feedback);
        let sync = ctx.choice(self.knobs.sync);
        let stereo = ctx.output_channels(0) >= 2;
        let ping_pong = stereo && ctx.param(self.knobs.ping_pong).last() >= 0.5;
        self.design_filters(
            ctx.param(self.knobs.lowcut).at(0),
            ctx.param(self.knobs.highcut).at(0),
        );
        // A synced time holds for the block: the tempo only changes between blocks.
        let synced = match sync.checked_sub(1).and_then(|s| SYNC_BEATS.get(s)) {
            Some(beats) => {
                let bpm = ctx.playhead().transport.bpm.max(1.0);
                Some((beats * 60.0 / bpm * f64::from(self.sample_rate)) as f32)
            }
            None => None,
        };
        let (block, sample_rate) = (self.block, self.sample_rate);
        let max = (self.rings[0].len() - 2) as f32;
        let (in_l, in_r) = (ctx.audio_in(0, 0), ctx.audio_in(0, 1));
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let [ring_l, ring_r] = &mut self.rings;
        let [filter_l, filter_r] = &mut self.filters;
        let len = ring_l.len().min(ring_r.len());
        let mut w = self.write % len;
        let frames = out_l.len().min(out_r.len()).min(in_l.len()).min(in_r.len());
        let still = synced.or_else(|| time.is_constant().then(|| time.at(0) * 0.001 * sample_rate));
        if let Some(d) = still {
            // One delay time for the block: the echoes a chunk feeds back were all written
            // before the chunk began (it is no longer than the delay), so they are read as one
            // run, the feedback filters take them frame by frame, and the outputs are read as
            // one run once the chunk is written. The same arithmetic on the same samples as
            // frame by frame.
            let d = d.clamp(block, max);
            let longest = (d as usize).clamp(1, CHUNK);
            let (mut echo_l, mut echo_r) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
            let mut start = 0;
            while start < frames {
                let n = (frames - start).min(longest);
                read_run(ring_l, w, d, &mut echo_l[..n]);
                if stereo {
                    read_run(ring_r, w, d, &mut echo_r[..n]);
                }
                let mut at = w;
                for j in 0..n {
                    let i = start + j;
                    let fb = feedback.at(i);
                    let echo_l = filter_l.run(echo_l[j]);
                    if stereo {
                        let echo_r = filter_r.run(echo_r[j]);
                        if ping_pong {
                            ring_l[at] = 0.5 * (in_l[i] + in_r[i]) + fb * echo_r;
                            ring_r[at] = fb * echo_l;
                        } else {
                            ring_l[at] = in_l[i] + fb * echo_l;
                            ring_r[at] = in_r[i] + fb * echo_r;
                        }
                    } else {
                        ring_l[at] = in_l[i] + fb * echo_l;
                    }
                    at += 1;
                    if at == len {
                        at = 0;
                    }
                }
                let range = start..start + n;
                read_run(ring_l, w, d - block, &mut out_l[range.clone()]);
                if stereo {
                    read_run(ring_r, w, d - block, &mut out_r[range]);
                }
                w = at;
                start += n;
            }
            self.write = w;
            return;
        }
        for i in 0..frames {
            let d = time.at(i) * 0.001 * sample_rate;
            let d = d.clamp(block, max);
            let fb = feedback.at(i);
            // The input arrived a block late: read `d − block` behind for the output, and
            // `d` behind for the echo that feeds back (see the module doc).
            let echo_l = filter_l.run(read_behind(ring_l, w, d));
            if stereo {
                let echo_r = filter_r.run(read_behind(ring_r, w, d));
                if ping_pong {
                    // Input enters on the left; each repeat crosses to the other side.
                    ring_l[w] = 0.5 * (in_l[i] + in_r[i]) + fb * echo_r;
                    ring_r[w] = fb * echo_l;
                } else {
                    ring_l[w] = in_l[i] + fb * echo_l;
                    ring_r[w] = in_r[i] + fb * echo_r;
                }
                out_r[i] = read_behind(ring_r, w, d - block);
            } else {
                ring_l[w] = in_l[i] + fb * echo_l;
            }
            out_l[i] = read_behind(ring_l, w, d - block);
            w += 1;
            if w == len {
                w = 0;
            }
        }
        self.write = w;
    }

    fn reset(&mut self) {
        for r in &mut self.rings {
            r.fill(0.0);
        }
        for f in &mut self.filters {
            f.low_cut.filter.clear();
            f.high_cut.filter.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions, Rendered};
    use yano_engine::{ParamValue, Transport};

    use crate::testing::registry;
    use yano_testkit::nodes::SIGNAL;
    use yano_testkit::rms;

    /// click → delay (with `params`) → output, at `bpm`.
    fn echoes(bpm: f64, burst: bool, params: &[(&str, ParamValue)], seconds: f64) -> Rendered {
        let r = registry();
        let mut g = Graph::new(Transport {
            sample_rate: 48_000,
            bpm,
            swing: 0.5,
        });
        let click =
            NodeSpec::new("click", SIGNAL).with("shape", if burst { "burst" } else { "impulse" });
        g.add_node(click, &r).unwrap();
        let mut delay = NodeSpec::new("delay", KIND);
        for (k, v) in params {
            delay = delay.with(k, v.clone());
        }
        g.add_node(delay, &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("click.out", "delay.in", &r).unwrap();
        g.connect("delay.out", "out.in", &r).unwrap();
        let opts = RenderOptions {
            seconds,
            ..RenderOptions::default()
        };
        render(&g, r, opts).unwrap()
    }

    fn num(v: f64) -> ParamValue {
        ParamValue::Number(v)
    }

    fn text(t: &str) -> ParamValue {
        ParamValue::Text(t.into())
    }

    #[test]
    fn synced_eighth_at_113_bpm_lands_within_a_sample() {
        let audio = echoes(113.0, false, &[("sync", text("1/8"))], 0.3);
        let want = 60.0 / 113.0 / 2.0 * 48_000.0; // 12743.36 samples
        let peak = (0..audio.left.len())
            .max_by(|a, b| audio.left[*a].abs().total_cmp(&audio.left[*b].abs()))
            .unwrap();
        // The echo of a click split over two samples by interpolation: its centre of mass.
        let (mut sum, mut weight) = (0.0, 0.0);
        for i in peak.saturating_sub(3)..(peak + 4).min(audio.left.len()) {
            sum += i as f64 * f64::from(audio.left[i].abs());
            weight += f64::from(audio.left[i].abs());
        }
        let at = sum / weight;
        eprintln!("1/8 at 113 BPM: echo at {at:.3} samples, want {want:.3}");
        assert!((at - want).abs() < 1.0, "echo at {at:.2}, want {want:.2}");
        assert!((weight - 1.0).abs() < 1e-3, "echo energy kept: {weight}");
        let dotted = echoes(113.0, false, &[("sync", text("1/8d"))], 0.45);
        let first = dotted.left.iter().position(|v| v.abs() > 0.1).unwrap();
        assert!(
            (first as f64 - 1.5 * want).abs() < 1.0,
            "dotted 1/8 at {first}"
        );
    }

    #[test]
    fn repeats_decay_by_the_feedback() {
        let params = [("time_ms", num(100.0)), ("feedback", num(0.6))];
        let audio = echoes(120.0, true, &params, 0.55);
        // A 1 kHz burst, well inside the (bypassed) default filter band.
        let level: Vec<f64> = (1..=5)
            .map(|k| rms(&audio.left[k * 4800..k * 4800 + 480]))
            .collect();
        for k in 1..level.len() {
            let ratio = level[k] / level[k - 1];
            eprintln!("repeat {k}: level ratio {ratio:.5} (feedback 0.6)");
            assert!((ratio - 0.6).abs() < 0.006, "repeat {k}: ratio {ratio:.4}");
        }
        // The loop stays the old one: echoes of a click every 100 ms, exactly.
        let clicks = echoes(120.0, false, &params, 0.35);
        let hits: Vec<usize> = (0..clicks.left.len())
            .filter(|i| clicks.left[*i].abs() > 0.01)
            .collect();
        assert_eq!(hits, [4800, 9600, 14400]);
    }

    #[test]
    fn a_cycle_through_the_delay_echoes_on_time() {
        // click → mix; mix → delay (100 ms) → gain (−6.02 dB) → back into mix; mix → output.
        let r = registry();
        let mut g = Graph::new(Transport::default());
        for spec in [
            NodeSpec::new("click", SIGNAL),
            NodeSpec::new("mix", "util.mix").with("inputs", 2.0),
            NodeSpec::new("echo", KIND).with("time_ms", 100.0),
            NodeSpec::new("loop_gain", "util.gain").with("gain_db", -6.0206),
            NodeSpec::new("out", "io.output"),
        ] {
            g.add_node(spec, &r).unwrap();
        }
        for (a, b) in [
            ("click.out", "mix.in_1"),
            ("mix.out", "echo.in"),
            ("echo.out", "loop_gain.in"),
            ("loop_gain.out", "mix.in_2"),
            ("mix.out", "out.in"),
        ] {
            g.connect(a, b, &r).unwrap();
        }
        let opts = RenderOptions {
            seconds: 0.5,
            ..RenderOptions::default()
        };
        let audio = render(&g, r, opts).unwrap();
        let hits: Vec<(usize, f32)> = (0..audio.left.len())
            .filter(|i| audio.left[*i].abs() > 0.01)
            .map(|i| (i, audio.left[i]))
            .collect();
        let positions: Vec<usize> = hits.iter().map(|h| h.0).collect();
        assert_eq!(positions, [0, 4800, 9600, 14400, 19200]);
        for (k, (_, v)) in hits.iter().enumerate() {
            assert!((v - 0.5f32.powi(k as i32)).abs() < 1e-3, "echo {k}: {v}");
        }
    }

    #[test]
    fn ping_pong_alternates_sides() {
        let params = [
            ("time_ms", num(100.0)),
            ("feedback", num(0.5)),
            ("ping_pong", text("on")),
        ];
        let audio = echoes(120.0, false, &params, 0.45);
        let hits = |x: &[f32]| -> Vec<(usize, f32)> {
            (0..x.len())
                .filter(|i| x[*i].abs() > 0.01)
                .map(|i| (i, x[i]))
                .collect()
        };
        assert_eq!(hits(&audio.left), [(4800, 1.0), (14400, 0.25)]);
        assert_eq!(hits(&audio.right), [(9600, 0.5), (19200, 0.125)]);
    }

    /// Spectral centroid in Hz of `x` (Hann-windowed).
    fn centroid(x: &[f32]) -> f64 {
        let n = x.len();
        let mut buf: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos();
                f64::from(*v) * w
            })
            .collect();
        let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(n);
        let mut spectrum = fft.make_output_vec();
        fft.process(&mut buf, &mut spectrum).unwrap();
        let (mut num, mut den) = (0.0, 0.0);
        for (k, c) in spectrum.iter().enumerate() {
            let m = c.norm();
            num += k as f64 * 48_000.0 / n as f64 * m;
            den += m;
        }
        num / den
    }

    #[test]
    fn highcut_darkens_each_repeat() {
        let params = [
            ("time_ms", num(100.0)),
            ("feedback", num(0.8)),
            ("highcut_hz", num(3000.0)),
        ];
        let audio = echoes(120.0, false, &params, 0.45);
        let c: Vec<f64> = (1..=4)
            .map(|k| centroid(&audio.left[k * 4800 - 64..k * 4800 + 1984]))
            .collect();
        eprintln!("centroids of echoes 1-4 with highcut 3 kHz: {c:.0?}");
        for k in 1..c.len() {
            assert!(
                c[k] < 0.9 * c[k - 1],
                "centroid should fall each repeat: {c:?}"
            );
        }
        // The default filters leave the loop bright.
        let plain = echoes(
            120.0,
            false,
            &[("time_ms", num(100.0)), ("feedback", num(0.8))],
            0.45,
        );
        let bright = centroid(&plain.left[3 * 4800 - 64..3 * 4800 + 1984]);
        assert!(bright > 10_000.0, "{bright}");
    }

    #[test]
    fn lowcut_thins_the_repeats() {
        let params = [
            ("time_ms", num(100.0)),
            ("feedback", num(0.8)),
            ("lowcut_hz", num(1500.0)),
        ];
        let audio = echoes(120.0, true, &params, 0.35);
        let level: Vec<f64> = (1..=3)
            .map(|k| rms(&audio.left[k * 4800..k * 4800 + 480]))
            .collect();
        // A 1 kHz burst loses some 3 dB or more at each pass through a 1.5 kHz high-pass.
        assert!(level[1] < 0.8 * 0.75 * level[0], "{level:?}");
        assert!(level[2] < 0.8 * 0.75 * level[1], "{level:?}");
    }
}
