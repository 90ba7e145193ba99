//! `test.signal`: one mono source for the tests of effects, meters and the engine, its waveform
//! picked by `shape`. Each shape is written out sample by sample so a test knows exactly what went
//! in; all of them are scaled by `level`.

use std::f64::consts::PI;

use yano_engine::param::{db_to_gain, ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const SIGNAL: &str = "test.signal";

/// The waveforms of `test.signal`, in the order of its `shape` choice.
const SHAPES: [&str; 7] = [
    // One sample of `level` at the first frame, then silence.
    "impulse",
    // A 5 ms Hann-windowed 1 kHz burst at the start.
    "burst",
    // One second (48,000 samples) of deterministic white noise (an LCG seeded 1), then silence.
    "noise",
    // A naive (hard-edged) ±1 square at 187.5 Hz (256 samples a period) from 0.05 s to 0.1 s.
    "square_burst",
    // A sine at a quarter of the sample rate whose samples fall 45° off its peaks (sample peak
    // 0.707, true peak 1) from 0.02 s to 0.08 s.
    "quarter_rate_sine",
    // A 1 kHz sine at 1/16 (−24 dB), at full level from 0.1 s to 0.15 s.
    "swell",
    // A sine at `freq_hz` (DC when 0) whose level starts at `start_db` and rises by `step_db`
    // every `step_ms` for `steps` steps, then falls back to `start_db`.
    "steps",
];

struct Signal {
    shape: usize,
    level: f32,
    freq: f32,
    start_db: f32,
    step_db: f32,
    step_ms: f64,
    steps: usize,
    /// Frames since the start.
    at: u64,
    /// The noise generator's state.
    seed: u32,
}

impl Signal {
    fn next(&mut self, sample_rate: u32) -> f32 {
        let at = self.at;
        let t = at as f64 / f64::from(sample_rate);
        match SHAPES[self.shape] {
            "burst" => {
                let t = at as f32 / sample_rate as f32;
                if t < 0.005 {
                    let hann = 0.5 - 0.5 * (std::f32::consts::TAU * t / 0.005).cos();
                    hann * (std::f32::consts::TAU * 1000.0 * t).sin()
                } else {
                    0.0
                }
            }
            "noise" if at < 48_000 => {
                self.seed = self
                    .seed
                    .wrapping_mul(1_664_525)
                    .wrapping_add(1_013_904_223);
                (self.seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
            }
            "square_burst" if (0.05..0.1).contains(&t) => {
                if at % 256 < 128 {
                    1.0
                } else {
                    -1.0
                }
            }
            "quarter_rate_sine" if (0.02..0.08).contains(&t) => {
                (PI / 2.0 * at as f64 + PI / 4.0).sin() as f32
            }
            "swell" => {
                let loud = (0.1..0.15).contains(&t);
                (2.0 * PI * 1000.0 * t).sin() as f32 * if loud { 1.0 } else { 1.0 / 16.0 }
            }
            "steps" => {
                let step_frames = (self.step_ms * f64::from(sample_rate) / 1000.0) as u64;
                let k = (at / step_frames.max(1)) as usize;
                let db = if k < self.steps {
                    self.start_db + self.step_db * k as f32
                } else {
                    self.start_db
                };
                let phase = (at as f64 * f64::from(self.freq) / f64::from(sample_rate)).fract();
                let wave = if self.freq > 0.0 {
                    (std::f64::consts::TAU * phase).sin() as f32
                } else {
                    1.0
                };
                db_to_gain(db) * wave
            }
            "impulse" => f32::from(u8::from(at == 0)),
            _ => 0.0,
        }
    }
}

impl Processor for Signal {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let sample_rate = ctx.sample_rate();
        let out = ctx.audio_out(0, 0);
        for o in out.iter_mut() {
            *o = self.level * self.next(sample_rate);
            self.at += 1;
        }
    }
}

fn build(c: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let p = &c.params;
    Ok(Box::new(Signal {
        shape: p.choice("shape")?,
        level: p.number("level")? as f32,
        freq: p.number("freq_hz")? as f32,
        start_db: p.number("start_db")? as f32,
        step_db: p.number("step_db")? as f32,
        step_ms: p.number("step_ms")?,
        steps: p.number("steps")? as usize,
        at: 0,
        seed: 1,
    }))
}

pub(super) fn descriptor() -> NodeDescriptor {
    let n =
        |id, about, default| ParamSpec::number(id, about, -200.0, 10_000.0, default, Unit::None);
    NodeDescriptor {
        kind: SIGNAL,
        description:
            "test signals: an impulse, a burst, noise, square and sine bursts, level steps",
        params: vec![
            ParamSpec::choice("shape", "the waveform", &SHAPES, 0),
            ParamSpec::number("level", "linear scale", 0.0, 16.0, 1.0, Unit::None),
            n("freq_hz", "steps: the sine's frequency, 0 for DC", 1000.0),
            n(
                "start_db",
                "steps: the level before and after the steps",
                -40.0,
            ),
            n("step_db", "steps: the rise at each step", 0.0),
            n("step_ms", "steps: the length of a step", 100.0),
            n("steps", "steps: how many", 1.0),
        ],
        ports: PortLayout::Fixed(vec![PortSpec::output("out", PortType::MONO, "the signal")]),
        build: Build::Realtime(build),
    }
}
