//! `fx.reverb`: an eight-line feedback delay network (Jot and Chaigne 1991). The lines have
//! mutually prime lengths (distinct primes, 23–48 ms) and are mixed by an orthonormal Hadamard
//! matrix (a fast transform: 24 additions). Each line's gain is set from its length so that the
//! reverb time at 1 kHz is `decay_s`; a one-pole low-pass in each line (Jot's absorption filter)
//! shortens the high-frequency decay by `damping`, and its gain is raised just enough that the
//! 1 kHz decay stays on `decay_s`. Short allpass diffusers smear the input before the network, so
//! a clap blooms instead of fluttering.
//!
//! AMAPIANO.md: the private-school clap sits in a long reverb (1.4 s), the default here; sgija
//! claps stay dry (put no reverb on them). `mix` is a linear dry/wet blend (1 for a send return).
//! Everything is allocated when the node is built; nothing depends on `decay_s` at run time.

use yano_engine::param::{ParamSpec, Unit};

use super::delay::{read_behind, read_run};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "fx.reverb";
/// Longest predelay, in milliseconds.
pub const MAX_PREDELAY_MS: f64 = 250.0;

const LINES: usize = 8;
/// Frames the network works on at once (at most the shortest delay, 142 samples at 48 kHz).
const CHUNK: usize = 128;
/// Line lengths at 48 kHz; other rates scale them and move each to the next free prime.
const LENGTHS_48K: [usize; LINES] = [1109, 1303, 1451, 1607, 1783, 1951, 2137, 2311];
/// Diffuser lengths at 48 kHz (left, right) and their coefficient.
const DIFFUSERS_48K: [[usize; 3]; 2] = [[142, 379, 613], [151, 401, 659]];
const DIFFUSION: f32 = 0.6;
/// Sign patterns (rows of the Hadamard matrix, so orthogonal): left and right into the lines.
/// The lines go out to left and right by two more rows, [`OUT_L_ROW`] and [`OUT_R_ROW`].
/// Orthogonal taps decorrelate the two sides of the tail.
const IN_L: [f32; LINES] = [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
const IN_R: [f32; LINES] = [1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
/// The rows of the (Sylvester-ordered) Hadamard matrix that are the output taps: left
/// [+ + + + − − − −], right [+ − − + + − − +].
const OUT_L_ROW: usize = 4;
const OUT_R_ROW: usize = 3;
/// Frequency at which the decay time is exactly `decay_s`, whatever the damping.
const MID_HZ: f64 = 1000.0;
/// At full damping the decay at Nyquist is this share of the mid-band decay.
const FULL_DAMPING_RATIO: f64 = 0.1;
/// The longest the lowest frequencies may ring, as a multiple of `decay_s`.
const MAX_LOW_STRETCH: f64 = 1.25;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "stereo feedback-delay-network reverb (8 lines, Hadamard), RT60 = decay",
        params: vec![
            ParamSpec::number(
                "decay_s",
                "reverb time: 60 dB of decay at 1 kHz",
                0.1,
                10.0,
                1.4,
                Unit::Seconds,
            ),
            ParamSpec::number(
                "damping",
                "how much faster the highs die (1: ten times faster at the top)",
                0.0,
                1.0,
                0.4,
                Unit::None,
            ),
            ParamSpec::number(
                "predelay_ms",
                "gap before the tail",
                0.0,
                MAX_PREDELAY_MS,
                20.0,
                Unit::Milliseconds,
            ),
            ParamSpec::number(
                "mix",
                "dry/wet: 0 dry, 1 wet only",
                0.0,
                1.0,
                0.25,
                Unit::None,
            ),
            ParamSpec::number(
                "width",
                "stereo width of the tail: 0 mono, 1 full",
                0.0,
                1.0,
                1.0,
                Unit::None,
            ),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("in", PortType::STEREO, "signal in"),
            PortSpec::output("out", PortType::STEREO, "dry and reverb"),
        ]),
        build: Build::Realtime(build),
    }
}

fn is_prime(n: usize) -> bool {
    n >= 2
        && (2..)
            .take_while(|d| d * d <= n)
            .all(|d| !n.is_multiple_of(d))
}

/// `n` scaled to `sample_rate`, moved up to the first prime above `after`.
fn scaled_prime(n: usize, sample_rate: u32, after: usize) -> usize {
    let mut p = ((n as f64 * f64::from(sample_rate) / 48_000.0).round() as usize).max(after + 1);
    while !is_prime(p) {
        p += 1;
    }
    p
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    crate::require_sample_rate(KIND, config, 8_000)?;
    let sr = config.sample_rate;
    let mut after = 1;
    let lines = LENGTHS_48K.map(|n| {
        after = scaled_prime(n, sr, after);
        Line::new(after)
    });
    let diffusers = DIFFUSERS_48K.map(|side| {
        side.map(|n| Line::new(((n as f64 * f64::from(sr) / 48_000.0) as usize).max(1)))
    });
    let predelay_len = (MAX_PREDELAY_MS * 0.001 * f64::from(sr)) as usize + 2;
    Ok(Box::new(Reverb {
        knobs: Knobs::resolve(config)?,
        sample_rate: f64::from(sr),
        lines,
        diffusers,
        predelay: [
            vec![0.0; predelay_len].into_boxed_slice(),
            vec![0.0; predelay_len].into_boxed_slice(),
        ],
        predelay_write: 0,
        absorb: [(0.0, 0.0); LINES],
        absorb_state: [0.0; LINES],
        designed: (f32::NAN, f32::NAN),
    }))
}

/// A fixed-length delay, worked a chunk at a time: what is read is what was written `len`
/// samples before.
struct Line {
    buf: Box<[f32]>,
    pos: usize,
}

impl Line {
    fn new(len: usize) -> Self {
        Line {
            buf: vec![0.0; len.max(1)].into_boxed_slice(),
            pos: 0,
        }
    }

    /// The next `n` outputs (`n` at most the line's length), handed to `take(index, value)`.
    #[inline]
    fn read_chunk(&self, n: usize, mut take: impl FnMut(usize, f32)) {
        let len = self.buf.len();
        let first = n.min(len - self.pos.min(len));
        for (j, v) in self.buf[self.pos..self.pos + first].iter().enumerate() {
            take(j, *v);
        }
        for (j, v) in self.buf[..(n - first).min(len)].iter().enumerate() {
            take(first + j, *v);
        }
    }

    /// Writes the next `n` inputs, `value(index)`, where [`Line::read_chunk`] just read.
    #[inline]
    fn write_chunk(&mut self, n: usize, mut value: impl FnMut(usize) -> f32) {
        let len = self.buf.len();
        let first = n.min(len - self.pos.min(len));
        let pos = self.pos;
        for (j, slot) in self.buf[pos..pos + first].iter_mut().enumerate() {
            *slot = value(j);
        }
        let rest = (n - first).min(len);
        for (j, slot) in self.buf[..rest].iter_mut().enumerate() {
            *slot = value(first + j);
        }
        self.pos = if rest > 0 { rest } else { pos + first };
        if self.pos >= len {
            self.pos = 0;
        }
    }

    /// A Schroeder allpass around this line, over a chunk no longer than the line, in place.
    #[inline]
    fn allpass_chunk(&mut self, x: &mut [f32], g: f32) {
        let len = self.buf.len();
        let first = x.len().min(len - self.pos.min(len));
        let pos = self.pos;
        let (head, tail) = x.split_at_mut(first);
        let step = |x: &mut f32, slot: &mut f32| {
            let y = *slot - g * *x;
            *slot = flush(*x + g * y);
            *x = y;
        };
        for (x, slot) in head.iter_mut().zip(&mut self.buf[pos..pos + first]) {
            step(x, slot);
        }
        let rest = tail.len().min(len);
        for (x, slot) in tail.iter_mut().zip(&mut self.buf[..rest]) {
            step(x, slot);
        }
        self.pos = if rest > 0 { rest } else { pos + first };
        if self.pos >= len {
            self.pos = 0;
        }
    }
}

/// Sends values too small to hear (below ~1e-25) to zero, so decaying tails never reach the
/// slow denormal range.
#[inline]
fn flush(x: f32) -> f32 {
    (x + 1e-18) - 1e-18
}

/// Orthonormal 8-point Hadamard transform, in place.
#[inline]
fn hadamard(x: &mut [f32; LINES]) {
    let mut h = 1;
    while h < LINES {
        let mut i = 0;
        while i < LINES {
            for j in i..i + h {
                let (a, b) = (x[j], x[j + h]);
                x[j] = a + b;
                x[j + h] = a - b;
            }
            i += 2 * h;
        }
        h *= 2;
    }
    let scale = 1.0 / (LINES as f32).sqrt();
    for v in x.iter_mut() {
        *v *= scale;
    }
}

/// Jot's absorption filter for one line: (gain, pole) of g·(1 − b) / (1 − b·z⁻¹), whose
/// magnitude is the decay over `length` samples for `decay_s` at MID_HZ, and for
/// decay_s · (1 − 0.9 · damping) at Nyquist. Keeping the mid band on time lifts the gain below it;
/// where that would stretch the lowest decay past MAX_LOW_STRETCH · decay_s (short, heavily damped
/// settings), the pole moves up and the highs are damped less instead.
fn absorption(length: usize, decay_s: f64, damping: f64, sample_rate: f64) -> (f32, f32) {
    let per_line = |t60: f64| 10f64.powf(-3.0 * length as f64 / (t60 * sample_rate));
    let mid = per_line(decay_s);
    let nyquist = per_line(decay_s * (1.0 - (1.0 - FULL_DAMPING_RATIO) * damping));
    let most = per_line(decay_s * MAX_LOW_STRETCH).min(0.999_99);
    let cos_mid = (std::f64::consts::TAU * MID_HZ / sample_rate).cos();
    // Magnitude at MID_HZ of the filter with unit gain at DC.
    let at_mid = |b: f64| (1.0 - b) / (1.0 - 2.0 * b * cos_mid + b * b).sqrt();
    // The gain at MID_HZ depends on the pole, which depends on the gain: a few rounds settle it.
    let (mut g, mut b) = (mid, 0.0);
    for _ in 0..6 {
        b = ((g - nyquist) / (g + nyquist)).clamp(0.0, 0.999);
        g = mid / at_mid(b);
    }
    if g > most {
        let need = mid / most;
        let (mut lo, mut hi) = (0.0, b);
        for _ in 0..40 {
            let m = 0.5 * (lo + hi);
            if at_mid(m) > need {
                lo = m;
            } else {
                hi = m;
            }
        }
        b = lo;
        g = mid / at_mid(b);
    }
    (g as f32, b as f32)
}

yano_engine::param_handles! {
    /// The parameters the processor reads, resolved by id when it is built.
    struct Knobs / Values {
        decay: "decay_s",
        damping: "damping",
        predelay: "predelay_ms",
        mix: "mix",
        width: "width",
    }
}

struct Reverb {
    knobs: Knobs,
    sample_rate: f64,
    lines: [Line; LINES],
    diffusers: [[Line; 3]; 2],
    predelay: [Box<[f32]>; 2],
    predelay_write: usize,
    /// (gain, pole) of each line's absorption filter.
    absorb: [(f32, f32); LINES],
    absorb_state: [f32; LINES],
    /// (decay_s, damping) the filters were designed for.
    designed: (f32, f32),
}

impl Processor for Reverb {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        crate::wide::wide(
            #[inline(always)]
            || self.run(ctx),
        );
    }

    fn reset(&mut self) {
        for line in self
            .lines
            .iter_mut()
            .chain(self.diffusers.iter_mut().flatten())
        {
            line.buf.fill(0.0);
        }
        for p in &mut self.predelay {
            p.fill(0.0);
        }
        self.absorb_state = [0.0; LINES];
    }
}

impl Reverb {
    /// Audio thread: one block (see [`crate::wide`] for how it is compiled).
    #[inline(always)]
    fn run(&mut self, ctx: &mut ProcessContext<'_>) {
        let decay = ctx.param(self.knobs.decay).last();
        let damping = ctx.param(self.knobs.damping).last();
        if (decay, damping) != self.designed {
            self.designed = (decay, damping);
            for (a, line) in self.absorb.iter_mut().zip(&self.lines) {
                *a = absorption(
                    line.buf.len(),
                    f64::from(decay.max(0.05)),
                    f64::from(damping.clamp(0.0, 1.0)),
                    self.sample_rate,
                );
            }
        }
        let predelay = ctx.param(self.knobs.predelay);
        let mix = ctx.param(self.knobs.mix);
        let width = ctx.param(self.knobs.width);
        let ms_to_samples = (0.001 * self.sample_rate) as f32;
        let (in_l, in_r) = (ctx.audio_in(0, 0), ctx.audio_in(0, 1));
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let frames = out_l.len().min(out_r.len()).min(in_l.len()).min(in_r.len());
        let pre_len = self.predelay[0].len().min(self.predelay[1].len());
        let max_pre = pre_len.saturating_sub(2) as f32;
        let in_gain = 1.0 / (LINES as f32).sqrt();
        let mut w = self.predelay_write % pre_len.max(1);
        // Chunks no longer than the shortest delay: within one, every delay line reads only what
        // was written before it began, so each stage runs over the whole chunk at once (the same
        // arithmetic, sample for sample, as one sample through every stage at a time).
        let shortest = self
            .lines
            .iter()
            .chain(self.diffusers.iter().flatten())
            .map(|l| l.buf.len())
            .min()
            .unwrap_or(1)
            .clamp(1, CHUNK);
        let mut done = 0;
        while done < frames {
            let n = (frames - done).min(shortest);
            let range = done..done + n;
            let (mut x_l, mut x_r) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
            let [pre_l, pre_r] = &mut self.predelay;
            let still = (predelay.at(done) * ms_to_samples).clamp(0.0, max_pre);
            // A still predelay takes the chunk in, then reads it out as one run: no read of an
            // earlier frame lands where a later frame writes while the delay and the chunk fit
            // in the ring together.
            let whole_chunk = predelay.is_constant()
                && (still as usize) + n < pre_len
                && pre_l.len() == pre_len
                && pre_r.len() == pre_len;
            if whole_chunk {
                let mut at = w;
                for i in range.clone() {
                    pre_l[at] = in_l[i];
                    pre_r[at] = in_r[i];
                    at += 1;
                    if at >= pre_len {
                        at = 0;
                    }
                }
                read_run(pre_l, w, still, &mut x_l[..n]);
                read_run(pre_r, w, still, &mut x_r[..n]);
                w = at;
            }
            // Otherwise a sample at a time (its read may reach the sample just written).
            for (j, i) in range
                .clone()
                .enumerate()
                .take(if whole_chunk { 0 } else { n })
            {
                if let (Some(l), Some(r)) = (pre_l.get_mut(w), pre_r.get_mut(w)) {
                    *l = in_l[i];
                    *r = in_r[i];
                }
                let d = (predelay.at(i) * ms_to_samples).clamp(0.0, max_pre);
                x_l[j] = read_behind(pre_l, w, d);
                x_r[j] = read_behind(pre_r, w, d);
                w += 1;
                if w >= pre_len {
                    w = 0;
                }
            }
            let [diff_l, diff_r] = &mut self.diffusers;
            for ap in diff_l.iter_mut() {
                ap.allpass_chunk(&mut x_l[..n], DIFFUSION);
            }
            for ap in diff_r.iter_mut() {
                ap.allpass_chunk(&mut x_r[..n], DIFFUSION);
            }
            // The network: every line's output for the chunk, then the chunk's feedback.
            let mut taps = [[0.0f32; LINES]; CHUNK];
            for (k, line) in self.lines.iter().enumerate() {
                line.read_chunk(n, |j, v| taps[j][k] = v);
            }
            let mut gain = [0.0f32; LINES];
            let mut pole = [0.0f32; LINES];
            for (k, (g, b)) in self.absorb.iter().enumerate() {
                gain[k] = g * (1.0 - b);
                pole[k] = *b;
            }
            let mut state = self.absorb_state;
            let (mut wet_l, mut wet_r) = ([0.0f32; CHUNK], [0.0f32; CHUNK]);
            for j in 0..n {
                // Line outputs through their absorption filters.
                let mut y = [0.0f32; LINES];
                for k in 0..LINES {
                    let s = flush(gain[k] * taps[j][k] + pole[k] * state[k]);
                    state[k] = s;
                    y[k] = s;
                }
                // The output taps are rows of the Hadamard matrix, so the transform that feeds the
                // lines back also makes the two sides of the tail (scaled by 1/√8, the output gain).
                hadamard(&mut y);
                (wet_l[j], wet_r[j]) = (y[OUT_L_ROW], y[OUT_R_ROW]);
                let (xl, xr) = (x_l[j], x_r[j]);
                for k in 0..LINES {
                    taps[j][k] = y[k] + in_gain * (IN_L[k] * xl + IN_R[k] * xr);
                }
            }
            // Width on the wet signal's side channel, then the blend, over the chunk.
            let (dry_l, dry_r) = (&in_l[range.clone()], &in_r[range.clone()]);
            let (out_l, out_r) = (&mut out_l[range.clone()], &mut out_r[range.clone()]);
            let blend = |j: usize, m: f32, w: f32| {
                let mid = 0.5 * (wet_l[j] + wet_r[j]);
                let side = 0.5 * (wet_l[j] - wet_r[j]) * w;
                (
                    (1.0 - m) * dry_l[j] + m * (mid + side),
                    (1.0 - m) * dry_r[j] + m * (mid - side),
                )
            };
            if mix.is_constant() && width.is_constant() {
                let (m, w) = (mix.at(0), width.at(0));
                for j in 0..n {
                    (out_l[j], out_r[j]) = blend(j, m, w);
                }
            } else {
                for (j, i) in range.enumerate() {
                    (out_l[j], out_r[j]) = blend(j, mix.at(i), width.at(i));
                }
            }
            self.absorb_state = state;
            for (k, line) in self.lines.iter_mut().enumerate() {
                line.write_chunk(n, |j| taps[j][k]);
            }
            done += n;
        }
        self.predelay_write = w;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions, Rendered};
    use yano_engine::{ParamValue, Transport};

    use crate::fx::biquad::{Biquad, BiquadState, Shape};
    use crate::testing::registry;
    use yano_testkit::nodes::SIGNAL;

    #[test]
    fn the_output_rows_of_the_transform_are_the_output_taps() {
        let out_l = [1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0];
        let out_r = [1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0];
        for k in 0..LINES {
            let mut unit = [0.0f32; LINES];
            unit[k] = 1.0;
            hadamard(&mut unit);
            let scale = (LINES as f32).sqrt();
            assert!(
                (unit[OUT_L_ROW] * scale - out_l[k]).abs() < 1e-6,
                "left tap {k}"
            );
            assert!(
                (unit[OUT_R_ROW] * scale - out_r[k]).abs() < 1e-6,
                "right tap {k}"
            );
        }
    }

    /// The response of a reverb with `params` (wet only, no predelay unless given) to a click.
    fn response(params: &[(&str, f64)], noise: bool, seconds: f64) -> Rendered {
        let r = registry();
        let mut g = Graph::new(Transport::default());
        let click =
            NodeSpec::new("click", SIGNAL).with("shape", if noise { "noise" } else { "impulse" });
        g.add_node(click, &r).unwrap();
        let mut verb = NodeSpec::new("verb", KIND)
            .with("mix", 1.0)
            .with("predelay_ms", 0.0);
        for (k, v) in params {
            verb = verb.with(k, ParamValue::Number(*v));
        }
        g.add_node(verb, &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("click.out", "verb.in", &r).unwrap();
        g.connect("verb.out", "out.in", &r).unwrap();
        let opts = RenderOptions {
            seconds,
            ..RenderOptions::default()
        };
        render(&g, r, opts).unwrap()
    }

    /// An RBJ band-pass (0 dB peak) at `freq` with an octave's bandwidth (Q = √2).
    fn octave_band(x: &[f32], freq: f64) -> Vec<f32> {
        let band = Biquad::rbj(
            Shape::BandPass,
            freq,
            std::f64::consts::SQRT_2,
            0.0,
            48_000.0,
        );
        let mut state = BiquadState::default();
        x.iter()
            .map(|v| state.tick(&band, f64::from(*v)) as f32)
            .collect()
    }

    /// RT60 by Schroeder backward integration of the energy of both channels, fitting the decay
    /// curve between −5 and −35 dB by least squares and doubling the 30 dB time.
    fn rt60(left: &[f32], right: &[f32]) -> f64 {
        let energy: Vec<f64> = left
            .iter()
            .zip(right)
            .map(|(l, r)| f64::from(*l).powi(2) + f64::from(*r).powi(2))
            .collect();
        let mut edc = vec![0.0; energy.len()];
        let mut sum = 0.0;
        for i in (0..energy.len()).rev() {
            sum += energy[i];
            edc[i] = sum;
        }
        let total = edc[0];
        let (mut n, mut st, mut sd, mut stt, mut std_) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, e) in edc.iter().enumerate() {
            let db = 10.0 * (e / total).log10();
            if (-35.0..=-5.0).contains(&db) {
                let t = i as f64 / 48_000.0;
                n += 1.0;
                st += t;
                sd += db;
                stt += t * t;
                std_ += t * db;
            }
        }
        let slope = (n * std_ - st * sd) / (n * stt - st * st);
        2.0 * (-30.0 / slope)
    }

    #[test]
    fn rt60_follows_decay() {
        for decay in [0.5, 1.4, 3.0] {
            // Undamped: the whole band decays at one rate.
            let ir = response(&[("decay_s", decay), ("damping", 0.0)], false, 1.3 * decay);
            let t = rt60(&ir.left, &ir.right);
            eprintln!("decay {decay} s, damping 0: RT60 {t:.3} s");
            assert!((t / decay - 1.0).abs() < 0.15, "decay {decay}: RT60 {t}");
            // Damped: the 1 kHz octave still follows, the 12 kHz octave dies sooner, the lows
            // ring no more than a little longer.
            let ir = response(&[("decay_s", decay), ("damping", 0.8)], false, 1.6 * decay);
            let band = |f| rt60(&octave_band(&ir.left, f), &octave_band(&ir.right, f));
            let (low, mid, high) = (band(125.0), band(1000.0), band(12_000.0));
            eprintln!(
                "decay {decay} s, damping 0.8: RT60 {low:.3} s at 125 Hz, {mid:.3} s at 1 kHz, \
                 {high:.3} s at 12 kHz"
            );
            assert!(
                (mid / decay - 1.0).abs() < 0.15,
                "decay {decay}: 1 kHz RT60 {mid}"
            );
            assert!(
                high < 0.75 * mid,
                "damping shortens the highs: {high} vs {mid}"
            );
            assert!(low < 1.3 * decay, "the lows stay in check: {low}");
        }
        // The heaviest damping on the shortest decay keeps the mid band and the lows in check.
        let ir = response(&[("decay_s", 0.3), ("damping", 1.0)], false, 0.6);
        let band = |f| rt60(&octave_band(&ir.left, f), &octave_band(&ir.right, f));
        let (low, mid) = (band(125.0), band(1000.0));
        eprintln!("decay 0.3 s, damping 1: RT60 {low:.3} s at 125 Hz, {mid:.3} s at 1 kHz");
        assert!(
            (mid / 0.3 - 1.0).abs() < 0.15 && low < 1.3 * 0.3,
            "{low} {mid}"
        );
    }

    #[test]
    fn tail_is_finite_decays_to_silence_and_is_wide() {
        let ir = response(&[("decay_s", 0.5), ("damping", 0.4)], false, 2.0);
        let peak = ir.peak();
        assert!(ir.left.iter().chain(&ir.right).all(|v| v.is_finite()));
        let end = ir.left[90_000..]
            .iter()
            .chain(&ir.right[90_000..])
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(end < 1e-5 * peak, "tail after 1.9 s: {end} (peak {peak})");
        // The tail (100–400 ms) of left and right: largely independent.
        let corr = |l: &[f32], r: &[f32]| {
            let (mut lr, mut ll, mut rr) = (0.0, 0.0, 0.0);
            for (a, b) in l.iter().zip(r) {
                let (a, b) = (f64::from(*a), f64::from(*b));
                lr += a * b;
                ll += a * a;
                rr += b * b;
            }
            lr / (ll * rr).sqrt()
        };
        let wide = corr(&ir.left[4_800..19_200], &ir.right[4_800..19_200]);
        eprintln!("tail L/R correlation at width 1: {wide:.3}");
        assert!(wide.abs() < 0.5, "{wide}");
        let mono = response(&[("decay_s", 0.5), ("width", 0.0)], false, 0.4);
        let narrow = corr(&mono.left[4_800..19_200], &mono.right[4_800..19_200]);
        assert!(narrow > 0.999, "width 0 is mono: {narrow}");
        // The longest, darkest setting under a second of full-scale noise stays finite and bounded.
        let loud = response(&[("decay_s", 10.0), ("damping", 1.0)], true, 1.5);
        assert!(loud.left.iter().chain(&loud.right).all(|v| v.is_finite()));
        assert!(loud.peak() < 20.0, "{}", loud.peak());
    }

    #[test]
    fn predelay_and_mix() {
        let onset = |x: &Rendered| x.left.iter().position(|v| v.abs() > 1e-6).unwrap();
        let near = response(&[], false, 0.2);
        let far = response(&[("predelay_ms", 100.0)], false, 0.3);
        assert_eq!(onset(&far) - onset(&near), 4_800, "100 ms predelay");
        // Mix 0 passes the dry signal untouched and on time.
        let dry = response(&[("mix", 0.0)], false, 0.1);
        assert_eq!(dry.left[0], 1.0);
        assert!(dry.left[1..].iter().all(|v| *v == 0.0));
    }
}
