//! Test support for the instruments: `test.two_notes`, a key player that presses up to two
//! notes at set times, a render helper, and measurements of pitch and level taken from the audio.

use std::f64::consts::TAU;

use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::render::{render, RenderOptions};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteEvent, NoteKind, PortLayout, ProcessContext,
    Processor, Transport,
};

pub const SR: f64 = 48_000.0;

/// `test.two_notes`: plays note a and note b at given times (ms; a negative time: never).
struct TwoNotes {
    events: [(f64, NoteKind); 4],
    pos: f64,
}

impl Processor for TwoNotes {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let end = self.pos + ctx.frames() as f64;
        let mut due: Vec<NoteEvent> = self
            .events
            .iter()
            .filter(|(at, _)| *at >= self.pos && *at < end)
            .map(|(at, kind)| NoteEvent {
                offset: (at - self.pos) as u32,
                kind: *kind,
            })
            .collect();
        due.sort_by_key(|e| e.offset);
        for e in due {
            ctx.events_out(0).push(e);
        }
        self.pos = end;
    }
}

fn two_notes(c: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let n = |id: &str| c.params.number(id);
    let at = |id: &str| -> Result<f64, NodeError> {
        let ms = n(id)?;
        Ok(if ms < 0.0 {
            -1.0
        } else {
            (ms * 0.001 * SR).round()
        })
    };
    let velocity = n("velocity")? as f32;
    let (a, b) = (n("note_a")? as u8, n("note_b")? as u8);
    Ok(Box::new(TwoNotes {
        events: [
            (at("on_a_ms")?, NoteKind::On { note: a, velocity }),
            (at("off_a_ms")?, NoteKind::Off { note: a }),
            (at("on_b_ms")?, NoteKind::On { note: b, velocity }),
            (at("off_b_ms")?, NoteKind::Off { note: b }),
        ],
        pos: 0.0,
    }))
}

/// crate::registry() plus `test.two_notes`.
pub fn registry_with_keys() -> yano_engine::Registry {
    let mut r = crate::registry();
    let time = |id, default| {
        ParamSpec::number(
            id,
            "ms, −1 never",
            -1.0,
            10_000.0,
            default,
            Unit::Milliseconds,
        )
    };
    r.register(NodeDescriptor {
        kind: "test.two_notes",
        description: "two notes at set times",
        params: vec![
            ParamSpec::number("note_a", "", 0.0, 127.0, 45.0, Unit::None),
            time("on_a_ms", 0.0),
            time("off_a_ms", -1.0),
            ParamSpec::number("note_b", "", 0.0, 127.0, 45.0, Unit::None),
            time("on_b_ms", -1.0),
            time("off_b_ms", -1.0),
            ParamSpec::number("velocity", "", 0.0, 1.0, 1.0, Unit::None),
        ],
        ports: PortLayout::Fixed(vec![PortSpec::output("notes", PortType::Events, "notes")]),
        build: Build::Realtime(two_notes),
    })
    .unwrap();
    r
}

/// Renders `kind` with `params`, played by `test.two_notes` with `keys`; the mono output.
pub fn play(kind: &str, params: &[(&str, f64)], keys: &[(&str, f64)], secs: f64) -> Vec<f32> {
    let spec = params
        .iter()
        .fold(NodeSpec::new("inst", kind), |s, (k, v)| s.with(k, *v));
    play_spec(spec, keys, secs)
}

/// Renders the node `spec` (id "inst") played by `test.two_notes` with `keys`.
pub fn play_spec(spec: NodeSpec, keys: &[(&str, f64)], seconds: f64) -> Vec<f32> {
    let r = std::sync::Arc::new(registry_with_keys());
    let sample_rate = SR as u32;
    let mut g = Graph::new(Transport {
        sample_rate,
        ..Default::default()
    });
    let keys_spec = keys
        .iter()
        .fold(NodeSpec::new("keys", "test.two_notes"), |s, (k, v)| {
            s.with(k, *v)
        });
    g.add_node(keys_spec, &r).unwrap();
    g.add_node(spec, &r).unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    g.connect("keys.notes", "inst.notes", &r).unwrap();
    g.connect("inst.out", "out.in", &r).unwrap();
    let options = RenderOptions {
        seconds,
        ..Default::default()
    };
    render(&g, r, options).unwrap().left
}

/// Zero crossings (both directions) from `from` to `to` s, in samples, linearly interpolated.
pub fn crossings(x: &[f32], from: f64, to: f64) -> Vec<f64> {
    let (a, b) = (
        ((from * SR) as usize).max(1),
        ((to * SR) as usize).min(x.len()),
    );
    (a..b)
        .filter(|&i| (x[i - 1] < 0.0) != (x[i] < 0.0))
        .map(|i| (i - 1) as f64 + f64::from(x[i - 1] / (x[i - 1] - x[i])))
        .collect()
}

/// (time s, frequency Hz) from each half period between zero crossings.
pub fn instantaneous(x: &[f32], from: f64, to: f64) -> Vec<(f64, f64)> {
    let c = crossings(x, from, to);
    c.windows(2)
        .map(|w| ((w[0] + w[1]) / 2.0 / SR, SR / (2.0 * (w[1] - w[0]))))
        .collect()
}

/// Mean frequency over a stretch, from its first and last zero crossings.
pub fn mean_freq(x: &[f32], from: f64, to: f64) -> f64 {
    let c = crossings(x, from, to);
    (c.len() - 1) as f64 / 2.0 * SR / (c[c.len() - 1] - c[0])
}

/// Amplitude of the component at `hz` in x[from..to] s, Hann-windowed.
pub fn amplitude(x: &[f32], hz: f64, from: f64, to: f64) -> f64 {
    let s = &x[(from * SR) as usize..(to * SR) as usize];
    let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
    for (n, v) in s.iter().enumerate() {
        let w = 0.5 - 0.5 * (TAU * n as f64 / s.len() as f64).cos();
        let ph = TAU * hz * n as f64 / SR;
        re += w * f64::from(*v) * ph.cos();
        im += w * f64::from(*v) * ph.sin();
        wsum += w;
    }
    2.0 * (re * re + im * im).sqrt() / wsum
}

/// Least-squares slope and intercept of y over x.
pub fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    (sxy / sxx, my - sxy / sxx * mx)
}

/// RMS level in dB of windows of `win` s, every `hop` s: (centre time, dB).
pub fn levels(x: &[f32], win: f64, hop: f64) -> Vec<(f64, f64)> {
    let (w, h) = ((win * SR) as usize, (hop * SR) as usize);
    (0..(x.len() - w) / h)
        .map(|k| {
            let s = &x[k * h..k * h + w];
            let ms = s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / w as f64;
            ((k * h + w / 2) as f64 / SR, 10.0 * (ms + 1e-30).log10())
        })
        .collect()
}
