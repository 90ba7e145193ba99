//! Whole values of the inference partition: audio clips, note clips and analyses.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::event::{EventList, NoteEvent, NoteKind};
use crate::port::PortType;
use crate::process::Playhead;
use crate::syllable::Syllable;

/// A whole piece of audio, one vector per channel, all of one length.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioClip {
    pub sample_rate: u32,
    pub channels: Vec<Vec<f32>>,
}

impl AudioClip {
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// One note of a note clip; times are in beats from the clip's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Note {
    pub pitch: u8,
    pub start_beats: f64,
    pub length_beats: f64,
    /// 0..=1
    pub velocity: f32,
    /// The syllable it is sung on, if any (a singing instrument reads it; others ignore it).
    pub syllable: Syllable,
}

/// Piano-roll data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoteClip {
    pub notes: Vec<Note>,
    pub length_beats: f64,
}

/// One measured quantity of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    Number(f64),
    Label(String),
    Numbers(Vec<f64>),
    /// One label per item (chord labels, in time order).
    Labels(Vec<String>),
}

/// Named measurements (tempo, key, chord labels …).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    pub measures: BTreeMap<String, Measure>,
}

/// One value travelling through the inference partition. Cloning shares, never copies, the data.
#[derive(Debug, Clone, PartialEq)]
pub enum ClipValue {
    Audio(Arc<AudioClip>),
    Notes(Arc<NoteClip>),
    Analysis(Arc<Analysis>),
}

impl ClipValue {
    pub fn port_type(&self) -> PortType {
        match self {
            ClipValue::Audio(_) => PortType::AudioClip,
            ClipValue::Notes(_) => PortType::NoteClip,
            ClipValue::Analysis(_) => PortType::Analysis,
        }
    }

    pub fn as_audio(&self) -> Option<&AudioClip> {
        match self {
            ClipValue::Audio(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_notes(&self) -> Option<&NoteClip> {
        match self {
            ClipValue::Notes(n) => Some(n),
            _ => None,
        }
    }
}

/// Plays a note clip against the transport: emits the note-ons and note-offs that fall in a span of
/// a block, and remembers which notes are held so they can be ended. Audio thread, allocation-free;
/// shared by the note-player bridge and the clip sequencer.
#[derive(Debug, Clone)]
pub struct NoteScheduler {
    held: [bool; 128],
    /// What the scheduler knows of the clip it last played, so a long clip is not scanned
    /// whole every block.
    seen: ClipIndex,
}

/// Whether a clip's notes are in order of start, and its longest note: with both, a block
/// looks only at the notes that can start or end in it (a binary search), not at all of them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ClipIndex {
    notes: usize,
    len: usize,
    sorted: bool,
    longest: f64,
}

impl ClipIndex {
    const NONE: ClipIndex = ClipIndex {
        notes: 0,
        len: 0,
        sorted: false,
        longest: 0.0,
    };

    /// Audio thread: one pass over a clip the scheduler has not seen before (no allocation).
    fn of(clip: &NoteClip) -> ClipIndex {
        ClipIndex {
            notes: clip.notes.as_ptr() as usize,
            len: clip.notes.len(),
            sorted: clip
                .notes
                .windows(2)
                .all(|w| w[0].start_beats <= w[1].start_beats),
            longest: clip
                .notes
                .iter()
                .map(|n| n.length_beats)
                .fold(0.0, f64::max),
        }
    }
}

impl Default for NoteScheduler {
    fn default() -> Self {
        Self::new()
    }
}

impl NoteScheduler {
    pub fn new() -> Self {
        NoteScheduler {
            held: [false; 128],
            seen: ClipIndex::NONE,
        }
    }

    /// Emits into `out` the events of `clip`, its beat 0 placed at sample `origin` and repeating
    /// every `clip.length_beats` when `looping`, whose times fall in frames `from..to` of the block.
    #[allow(clippy::too_many_arguments)]
    pub fn emit(
        &mut self,
        clip: &NoteClip,
        origin: f64,
        looping: bool,
        ph: &Playhead,
        from: usize,
        to: usize,
        out: &mut EventList,
    ) {
        if !ph.playing || clip.notes.is_empty() {
            return;
        }
        let t = ph.transport;
        let beat = |i: usize| t.samples_to_beats((ph.block_start + i as u64) as f64 - origin);
        let (b0, b1) = (beat(from), beat(to));
        if b1 <= 0.0 {
            return;
        }
        let length = clip.length_beats;
        let passes = if looping && length > 0.0 {
            (b0 / length).floor().max(0.0) as i64..=(b1 / length).floor() as i64
        } else {
            0..=0
        };
        let offset_of = |beats: f64| -> u32 {
            (origin + t.beats_to_samples(beats) - ph.block_start as f64).max(0.0) as u32
        };
        if self.seen.notes != clip.notes.as_ptr() as usize || self.seen.len != clip.notes.len() {
            self.seen = ClipIndex::of(clip);
        }
        let index = self.seen;
        for pass in passes {
            let shift = if looping { pass as f64 * length } else { 0.0 };
            // Only notes starting in this span, or early enough to end in it, can sound here.
            let candidates = if index.sorted {
                let lo = clip
                    .notes
                    .partition_point(|n| n.start_beats + shift < b0 - index.longest - 1e-9);
                let hi = clip.notes.partition_point(|n| n.start_beats + shift < b1);
                &clip.notes[lo..hi.max(lo)]
            } else {
                &clip.notes[..]
            };
            for n in candidates {
                let on = n.start_beats + shift;
                let off = on + n.length_beats;
                let note = n.pitch.min(127);
                if off >= b0 && off < b1 && on < off && self.held[note as usize] {
                    out.push(NoteEvent {
                        offset: offset_of(off),
                        kind: NoteKind::Off { note },
                    });
                    self.held[note as usize] = false;
                }
                if on >= b0 && on < b1 {
                    out.push(NoteEvent {
                        offset: offset_of(on),
                        kind: NoteKind::On {
                            note,
                            velocity: n.velocity,
                            syllable: n.syllable,
                        },
                    });
                    self.held[note as usize] = true;
                }
            }
        }
    }

    /// Ends every held note at `offset`.
    pub fn release_all(&mut self, out: &mut EventList, offset: u32) {
        for (note, held) in self.held.iter_mut().enumerate() {
            if std::mem::take(held) {
                out.push(NoteEvent {
                    offset,
                    kind: NoteKind::Off { note: note as u8 },
                });
            }
        }
    }

    /// Forgets held notes (after a transport jump, when instruments are reset too).
    pub fn reset(&mut self) {
        self.held = [false; 128];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Transport;

    #[test]
    fn the_scheduler_carries_each_note_s_syllable_to_its_note_on() {
        // 120 BPM at 48 kHz: a beat is 24,000 samples; two sung notes in one 64,000-frame span.
        let note = |pitch, start_beats, lyric: &str| Note {
            pitch,
            start_beats,
            length_beats: 1.0,
            velocity: 0.8,
            syllable: Syllable::new(lyric).unwrap(),
        };
        let clip = NoteClip {
            notes: vec![note(63, 0.0, "yeah"), note(65, 2.0, "")],
            length_beats: 4.0,
        };
        let ph = Playhead {
            transport: Transport {
                sample_rate: 48_000,
                bpm: 120.0,
                swing: 0.5,
            },
            block_start: 0,
            playing: true,
        };
        let mut out = EventList::with_capacity(8);
        NoteScheduler::new().emit(&clip, 0.0, false, &ph, 0, 64_000, &mut out);
        let ons: Vec<(u32, u8, String)> = out
            .as_slice()
            .iter()
            .filter_map(|e| match e.kind {
                NoteKind::On { note, syllable, .. } => {
                    Some((e.offset, note, syllable.as_str().to_string()))
                }
                NoteKind::Off { .. } => None,
            })
            .collect();
        assert_eq!(
            ons,
            [(0, 63, "yeah".to_string()), (48_000, 65, String::new())]
        );
    }
}
