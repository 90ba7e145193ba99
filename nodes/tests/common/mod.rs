//! Test support: a registry with yano's nodes plus small test kinds, and render helpers.
#![allow(dead_code)]

use std::sync::Arc;

use yano_engine::clip::{Analysis, ClipValue, Measure, Note, NoteClip};
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::node::{InferenceNode, JobContext};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::render::{render, RenderOptions, Rendered};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor, Registry,
    Transport,
};

/// `test.impulse`: a single 1.0 at the first frame, then silence.
struct Impulse {
    done: bool,
}

impl Processor for Impulse {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let out = ctx.audio_out(0, 0);
        out.fill(0.0);
        if !std::mem::replace(&mut self.done, true) {
            out[0] = 1.0;
        }
    }
}

/// `test.latency`: delays its input by `samples` and declares it.
struct Latency {
    ring: Vec<f32>,
    pos: usize,
}

impl Processor for Latency {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let input = ctx.audio_in(0, 0);
        let out = ctx.audio_out(0, 0);
        for (o, x) in out.iter_mut().zip(input) {
            *o = self.ring[self.pos];
            self.ring[self.pos] = *x;
            self.pos = (self.pos + 1) % self.ring.len();
        }
    }

    fn latency(&self) -> u32 {
        self.ring.len() as u32
    }
}

/// `test.allocates`: allocates in process, which the allocation test must catch.
struct Allocates;

impl Processor for Allocates {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let v: Vec<f32> = ctx.audio_in(0, 0).to_vec();
        ctx.audio_out(0, 0).copy_from_slice(&v);
    }
}

/// `test.notes`: an inference node that outputs a one-bar clip of quarter notes.
struct Quarters;

impl InferenceNode for Quarters {
    fn run(&self, _: &[Option<ClipValue>], _: &JobContext) -> Result<Vec<ClipValue>, NodeError> {
        let notes = (0..4)
            .map(|i| Note {
                pitch: 60 + i as u8,
                start_beats: f64::from(i),
                length_beats: 0.5,
                velocity: 0.8,
            })
            .collect();
        Ok(vec![ClipValue::Notes(Arc::new(NoteClip {
            notes,
            length_beats: 4.0,
        }))])
    }
}

/// `test.peak`: an inference node that measures the peak of an AudioClip.
struct Peak;

impl InferenceNode for Peak {
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        _: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let clip = inputs
            .first()
            .cloned()
            .flatten()
            .ok_or_else(|| NodeError::new("no clip"))?;
        let audio = clip.as_audio().ok_or_else(|| NodeError::new("not audio"))?;
        let peak = audio
            .channels
            .iter()
            .flatten()
            .fold(0.0f32, |m, x| m.max(x.abs()));
        let mut a = Analysis::default();
        a.measures
            .insert("peak".into(), Measure::Number(f64::from(peak)));
        a.measures
            .insert("frames".into(), Measure::Number(audio.frames() as f64));
        Ok(vec![ClipValue::Analysis(Arc::new(a))])
    }
}

/// `test.dc`: an inference node that outputs ten seconds of a constant `level`, after `delay_ms`.
struct Dc {
    level: f32,
    delay_ms: u64,
}

impl InferenceNode for Dc {
    fn run(&self, _: &[Option<ClipValue>], job: &JobContext) -> Result<Vec<ClipValue>, NodeError> {
        std::thread::sleep(std::time::Duration::from_millis(self.delay_ms));
        let frames = 10 * job.sample_rate as usize;
        Ok(vec![ClipValue::Audio(Arc::new(yano_engine::AudioClip {
            sample_rate: job.sample_rate,
            channels: vec![vec![self.level; frames]],
        }))])
    }
}

/// `test.events_sink`: counts note-ons into its mono output as impulses of their velocity.
struct EventsToImpulses;

impl Processor for EventsToImpulses {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let events = ctx.events_in(0);
        let out = ctx.audio_out(0, 0);
        out.fill(0.0);
        for e in events {
            if let yano_engine::NoteKind::On { velocity, .. } = e.kind {
                if let Some(o) = out.get_mut(e.offset as usize) {
                    *o += velocity;
                }
            }
        }
    }
}

fn mono_io(description: &'static str) -> PortLayout {
    let _ = description;
    PortLayout::Fixed(vec![
        PortSpec::input("in", PortType::MONO, "in"),
        PortSpec::output("out", PortType::MONO, "out"),
    ])
}

/// yano's registry plus the test kinds.
pub fn registry() -> Arc<Registry> {
    let mut r = yano_nodes::registry();
    let kinds = [
        NodeDescriptor {
            kind: "test.impulse",
            description: "one impulse",
            params: vec![],
            ports: PortLayout::Fixed(vec![PortSpec::output("out", PortType::MONO, "impulse")]),
            build: Build::Realtime(|_| Ok(Box::new(Impulse { done: false }))),
        },
        NodeDescriptor {
            kind: "test.latency",
            description: "declared latency",
            params: vec![ParamSpec::integer(
                "samples",
                "latency",
                1,
                4096,
                64,
                Unit::Count,
            )],
            ports: mono_io("latency"),
            build: Build::Realtime(|c: &NodeConfig<'_>| {
                Ok(Box::new(Latency {
                    ring: vec![0.0; c.params.number("samples")? as usize],
                    pos: 0,
                }))
            }),
        },
        NodeDescriptor {
            kind: "test.allocates",
            description: "allocates on the audio thread",
            params: vec![],
            ports: mono_io("allocates"),
            build: Build::Realtime(|_| Ok(Box::new(Allocates))),
        },
        NodeDescriptor {
            kind: "test.notes",
            description: "a bar of quarter notes",
            params: vec![],
            ports: PortLayout::Fixed(vec![PortSpec::output("clip", PortType::NoteClip, "notes")]),
            build: Build::Inference(|_| Ok(Box::new(Quarters))),
        },
        NodeDescriptor {
            kind: "test.peak",
            description: "peak of a clip",
            params: vec![],
            ports: PortLayout::Fixed(vec![
                PortSpec::input("clip", PortType::AudioClip, "audio").required(),
                PortSpec::output("analysis", PortType::Analysis, "peak"),
            ]),
            build: Build::Inference(|_| Ok(Box::new(Peak))),
        },
        NodeDescriptor {
            kind: "test.dc",
            description: "a constant clip",
            params: vec![
                ParamSpec::number("level", "value", -1.0, 1.0, 0.25, Unit::None),
                ParamSpec::integer(
                    "delay_ms",
                    "time the job takes",
                    0,
                    10_000,
                    0,
                    Unit::Milliseconds,
                ),
            ],
            ports: PortLayout::Fixed(vec![PortSpec::output(
                "clip",
                PortType::AudioClip,
                "constant",
            )]),
            build: Build::Inference(|c: &NodeConfig<'_>| {
                Ok(Box::new(Dc {
                    level: c.params.number("level")? as f32,
                    delay_ms: c.params.number("delay_ms")? as u64,
                }))
            }),
        },
        NodeDescriptor {
            kind: "test.events_sink",
            description: "note-ons to impulses",
            params: vec![],
            ports: PortLayout::Fixed(vec![
                PortSpec::input("notes", PortType::Events, "notes"),
                PortSpec::output("out", PortType::MONO, "impulses"),
            ]),
            build: Build::Realtime(|_| Ok(Box::new(EventsToImpulses))),
        },
    ];
    for k in kinds {
        r.register(k).unwrap();
    }
    Arc::new(r)
}

/// (id, kind, number parameters) of one node.
pub type NodeLine<'a> = (&'a str, &'a str, &'a [(&'a str, f64)]);

/// A graph at 48 kHz, 120 BPM, built from (id, kind, params) and ("a.out", "b.in") pairs.
pub fn graph(registry: &Registry, nodes: &[NodeLine<'_>], edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new(Transport {
        sample_rate: 48_000,
        bpm: 120.0,
        swing: 0.5,
    });
    for (id, kind, params) in nodes {
        let mut spec = NodeSpec::new(*id, *kind);
        for (k, v) in *params {
            spec = spec.with(k, *v);
        }
        g.add_node(spec, registry).unwrap();
    }
    for (a, b) in edges {
        g.connect(a, b, registry).unwrap();
    }
    g
}

pub fn render_seconds(g: &Graph, registry: Arc<Registry>, seconds: f64) -> Rendered {
    render(
        g,
        registry,
        RenderOptions {
            seconds,
            ..RenderOptions::default()
        },
    )
    .unwrap()
}

/// Indices and values of samples whose magnitude exceeds `threshold`.
pub fn spikes(x: &[f32], threshold: f32) -> Vec<(usize, f32)> {
    x.iter()
        .enumerate()
        .filter(|(_, v)| v.abs() > threshold)
        .map(|(i, v)| (i, *v))
        .collect()
}

pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}
