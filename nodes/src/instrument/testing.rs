//! Test support for the instrument tests: `test.note_script`, a source that plays a written list
//! of notes sample-accurately, and the measurements the tests take (RMS, a Hann-windowed
//! single-frequency DFT, a peak search). Compiled for tests only.

use std::sync::Arc;

use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::param::{ParamSpec, ParamValue};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::render::{render, RenderOptions, Rendered};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteEvent, NoteKind, PortLayout, ProcessContext,
    Processor, Transport,
};

pub const SR: f64 = 48_000.0;

/// `test.note_script`: plays "sample on|off note [velocity]; …" (sample times from the start).
struct Script {
    events: Vec<(u64, NoteKind)>,
    next: usize,
    now: u64,
}

impl Processor for Script {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let end = self.now + ctx.frames() as u64;
        while let Some(&(at, kind)) = self.events.get(self.next) {
            if at >= end {
                break;
            }
            let offset = at.saturating_sub(self.now) as u32;
            ctx.events_out(0).push(NoteEvent { offset, kind });
            self.next += 1;
        }
        self.now = end;
    }
}

fn parse(text: &str) -> Result<Vec<(u64, NoteKind)>, NodeError> {
    let bad = || NodeError::new(format!("bad script \"{text}\""));
    let mut out = Vec::new();
    for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let w: Vec<&str> = item.split_whitespace().collect();
        let at: u64 = w.first().and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let note: u8 = w.get(2).and_then(|s| s.parse().ok()).ok_or_else(bad)?;
        let kind = match w.get(1) {
            Some(&"on") => NoteKind::On {
                note,
                velocity: w.get(3).and_then(|s| s.parse().ok()).unwrap_or(0.8),
            },
            Some(&"off") => NoteKind::Off { note },
            _ => return Err(bad()),
        };
        out.push((at, kind));
    }
    out.sort_by_key(|e| e.0);
    Ok(out)
}

fn build(c: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Script {
        events: parse(&c.params.text("script")?)?,
        next: 0,
        now: 0,
    }))
}

/// Renders `kind` with `params`, driven by `script`, for `seconds` at 48 kHz.
pub fn play(kind: &str, params: &[(&str, ParamValue)], script: &str, seconds: f64) -> Rendered {
    let mut r = crate::registry();
    r.register(NodeDescriptor {
        kind: "test.note_script",
        description: "plays a note script",
        params: vec![ParamSpec::text("script", "events", "")],
        ports: PortLayout::Fixed(vec![PortSpec::output("notes", PortType::Events, "notes")]),
        build: Build::Realtime(build),
    })
    .unwrap();
    let r = Arc::new(r);
    let mut g = Graph::new(Transport {
        sample_rate: SR as u32,
        bpm: 120.0,
        swing: 0.5,
    });
    g.add_node(
        NodeSpec::new("sc", "test.note_script").with("script", script),
        &r,
    )
    .unwrap();
    let mut spec = NodeSpec::new("inst", kind);
    for (k, v) in params {
        spec = spec.with(k, v.clone());
    }
    g.add_node(spec, &r).unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    g.connect("sc.notes", "inst.notes", &r).unwrap();
    g.connect("inst.out", "out.in", &r).unwrap();
    let opts = RenderOptions {
        seconds,
        ..RenderOptions::default()
    };
    render(&g, r, opts).unwrap()
}

/// Sample index of `seconds`.
pub fn at(seconds: f64) -> usize {
    (seconds * SR) as usize
}

pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

/// Amplitude of the component at `freq` in `x`, Hann-windowed (Goertzel).
pub fn tone(x: &[f32], freq: f64) -> f64 {
    let n = x.len() as f64;
    let w = std::f64::consts::TAU * freq / SR;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let s0 = f64::from(*v) * hann + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    4.0 * power.max(0.0).sqrt() / n
}

/// The frequency of the strongest component within ±3 % of `guess`.
pub fn peak_near(x: &[f32], guess: f64) -> f64 {
    let grid: Vec<f64> = (-60..=60)
        .map(|k| guess * (1.0 + k as f64 * 0.0005))
        .collect();
    let amps: Vec<f64> = grid.iter().map(|f| tone(x, *f)).collect();
    let (i, _) = amps
        .iter()
        .enumerate()
        .fold((0, 0.0), |b, (i, a)| if *a > b.1 { (i, *a) } else { b });
    if i == 0 || i == grid.len() - 1 {
        return grid[i];
    }
    // Parabolic interpolation between grid points.
    let (a, b, c) = (amps[i - 1], amps[i], amps[i + 1]);
    let d = 0.5 * (a - c) / (a - 2.0 * b + c);
    grid[i] * (1.0 + d * 0.0005)
}
