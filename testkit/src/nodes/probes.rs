//! Real-time test kinds that look at the engine itself: `test.note_probe` writes the note-ons it
//! receives into audio so a render shows them, `test.latency` declares a latency and delays by
//! it, `test.allocates` allocates on the audio thread (which the real-time safety test must catch).

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::render::Rendered;
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NoteKind, PortLayout, ProcessContext, Processor,
};

pub const NOTE_PROBE: &str = "test.note_probe";
pub const LATENCY: &str = "test.latency";
pub const ALLOCATES: &str = "test.allocates";

/// Each note-on becomes one sample at the event's offset: left = the note number, right = the
/// velocity; silence elsewhere.
struct Probe;

impl Processor for Probe {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let events = ctx.events_in(0);
        let (l, r) = ctx.audio_out_pair(0);
        l.fill(0.0);
        r.fill(0.0);
        for e in events {
            if let (NoteKind::On { note, velocity, .. }, Some(i)) =
                (e.kind, Some(e.offset as usize).filter(|i| *i < l.len()))
            {
                l[i] = f32::from(note);
                r[i] = velocity;
            }
        }
    }
}

/// (sample, note, velocity) of every note-on a render of `test.note_probe` shows.
pub fn note_ons(probed: &Rendered) -> Vec<(usize, u8, f32)> {
    probed
        .left
        .iter()
        .zip(&probed.right)
        .enumerate()
        .filter(|(_, (n, _))| **n > 0.0)
        .map(|(i, (n, v))| (i, *n as u8, *v))
        .collect()
}

pub(super) fn note_probe() -> NodeDescriptor {
    NodeDescriptor {
        kind: NOTE_PROBE,
        description: "note-ons as samples",
        params: vec![],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("notes", PortType::Events, "notes"),
            PortSpec::output("out", PortType::STEREO, "note, velocity"),
        ]),
        build: Build::Realtime(|_| Ok(Box::new(Probe))),
    }
}

/// Delays its input by `samples` and declares it.
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

/// Copies its input through a fresh `Vec` every block: an allocation on the audio thread.
struct Allocates;

impl Processor for Allocates {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let v: Vec<f32> = ctx.audio_in(0, 0).to_vec();
        ctx.audio_out(0, 0).copy_from_slice(&v);
    }
}

fn mono_through() -> PortLayout {
    PortLayout::Fixed(vec![
        PortSpec::input("in", PortType::MONO, "in"),
        PortSpec::output("out", PortType::MONO, "out"),
    ])
}

pub(super) fn latency() -> NodeDescriptor {
    NodeDescriptor {
        kind: LATENCY,
        description: "declared latency",
        params: vec![ParamSpec::integer(
            "samples",
            "latency",
            1,
            4096,
            64,
            Unit::Count,
        )],
        ports: mono_through(),
        build: Build::Realtime(|c: &NodeConfig<'_>| {
            Ok(Box::new(Latency {
                ring: vec![0.0; c.params.number("samples")? as usize],
                pos: 0,
            }))
        }),
    }
}

pub(super) fn allocates() -> NodeDescriptor {
    NodeDescriptor {
        kind: ALLOCATES,
        description: "allocates on the audio thread",
        params: vec![],
        ports: mono_through(),
        build: Build::Realtime(|_| Ok(Box::new(Allocates))),
    }
}
