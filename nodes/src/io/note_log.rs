//! `io.note_log`: records the notes arriving at its input for the control thread (MIDI export
//! reads them through the session). Pushing a note is wait-free and never allocates; a log that
//! is not drained fills up and drops notes rather than block.

use yano_engine::port::{PortSpec, PortType};
use yano_engine::readout::{LoggedNote, NoteLogWriter};
use yano_engine::Syllable;
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteKind, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "io.note_log";
/// Notes held between two drains.
const CAPACITY: usize = 1 << 16;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "records the notes it receives for the control thread (MIDI export)",
        params: vec![],
        ports: PortLayout::Fixed(vec![PortSpec::input(
            "notes",
            PortType::Events,
            "the notes to record",
        )]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(NoteLog {
        log: config.note_log(CAPACITY),
    }))
}

struct NoteLog {
    log: Option<NoteLogWriter>,
}

impl Processor for NoteLog {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let start = ctx.playhead().block_start;
        let events = ctx.events_in(0);
        let Some(log) = self.log.as_mut() else {
            return;
        };
        for e in events {
            let (note, velocity, syllable) = match e.kind {
                NoteKind::On {
                    note,
                    velocity,
                    syllable,
                } => (note, velocity.max(1e-3), syllable),
                NoteKind::Off { note } => (note, 0.0, Syllable::NONE),
            };
            let _ = log.push(LoggedNote {
                at: start + u64::from(e.offset),
                note,
                velocity,
                syllable,
            });
        }
    }
}
