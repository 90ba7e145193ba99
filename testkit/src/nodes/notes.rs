//! Note sources: `test.notes` plays written notes at written sample times (the real-time way
//! into an instrument), `test.note_clip` is an inference node whose value is one bar of notes.

use std::sync::Arc;

use yano_engine::clip::{ClipValue, Note, NoteClip};
use yano_engine::node::{InferenceNode, JobContext};
use yano_engine::param::ParamSpec;
use yano_engine::port::{PortSpec, PortType};
use yano_engine::syllable::Syllable;
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteEvent, NoteKind, PortLayout, ProcessContext,
    Processor,
};

pub const NOTES: &str = "test.notes";
pub const NOTE_CLIP: &str = "test.note_clip";

/// Parses `test.notes`' text: items split by `;`, each "sample note velocity" (a note-on),
/// "sample note velocity syllable" (a note-on sung on that syllable) or "sample note off",
/// sample times counted from the start of the render. The events come back in
/// time order; items at the same sample keep their written order.
pub fn parse_notes(text: &str) -> Result<Vec<(u64, NoteKind)>, NodeError> {
    let mut events = Vec::new();
    for item in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = || {
            NodeError::new(format!(
                "{NOTES}: \"{item}\" is not \"sample note velocity [syllable]|off\""
            ))
        };
        let words: Vec<&str> = item.split_whitespace().collect();
        let (at, note, last, syllable) = match words[..] {
            [at, note, last] => (at, note, last, Syllable::NONE),
            [at, note, last, syllable] if last != "off" => {
                let syllable = Syllable::new(syllable)
                    .map_err(|e| NodeError::new(format!("{NOTES}: \"{item}\": {e}")))?;
                (at, note, last, syllable)
            }
            _ => return Err(bad()),
        };
        let at: u64 = at.parse().map_err(|_| bad())?;
        let note: u8 = note.parse().map_err(|_| bad())?;
        let kind = match last {
            "off" => NoteKind::Off { note },
            velocity => NoteKind::On {
                note,
                velocity: velocity.parse().map_err(|_| bad())?,
                syllable,
            },
        };
        events.push((at, kind));
    }
    events.sort_by_key(|e| e.0);
    Ok(events)
}

struct Notes {
    events: Vec<(u64, NoteKind)>,
    next: usize,
    now: u64,
}

impl Processor for Notes {
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

fn build_notes(c: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Notes {
        events: parse_notes(&c.params.text("notes")?)?,
        next: 0,
        now: 0,
    }))
}

pub(super) fn notes() -> NodeDescriptor {
    NodeDescriptor {
        kind: NOTES,
        description: "plays written notes at written samples",
        params: vec![ParamSpec::text(
            "notes",
            "sample note velocity [syllable]|off; …",
            "",
        )],
        ports: PortLayout::Fixed(vec![PortSpec::output("notes", PortType::Events, "notes")]),
        build: Build::Realtime(build_notes),
    }
}

/// One bar of quarter notes, C4 C♯4 D4 D♯4, half a beat each at velocity 0.8.
struct Quarters;

impl InferenceNode for Quarters {
    fn run(&self, _: &[Option<ClipValue>], _: &JobContext) -> Result<Vec<ClipValue>, NodeError> {
        let notes = (0..4)
            .map(|i| Note {
                pitch: 60 + i as u8,
                start_beats: f64::from(i),
                length_beats: 0.5,
                velocity: 0.8,
                syllable: Syllable::NONE,
            })
            .collect();
        Ok(vec![ClipValue::Notes(Arc::new(NoteClip {
            notes,
            length_beats: 4.0,
        }))])
    }
}

pub(super) fn note_clip() -> NodeDescriptor {
    NodeDescriptor {
        kind: NOTE_CLIP,
        description: "a bar of quarter notes",
        params: vec![],
        ports: PortLayout::Fixed(vec![PortSpec::output("clip", PortType::NoteClip, "notes")]),
        build: Build::Inference(|_| Ok(Box::new(Quarters))),
    }
}
