//! Note events inside a block, and the fixed-capacity list that carries them on the audio thread.

use crate::syllable::Syllable;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoteKind {
    /// A key pressed: MIDI note number, velocity 0..=1, and the syllable it is sung on
    /// ([`Syllable::NONE`] for instruments that do not sing, or when the note has none).
    On {
        note: u8,
        velocity: f32,
        syllable: Syllable,
    },
    /// A key released.
    Off { note: u8 },
}

/// One event, `offset` samples after the start of the block it travels in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteEvent {
    pub offset: u32,
    pub kind: NoteKind,
}

/// A list of events with a capacity fixed when the schedule is built: pushing never allocates.
/// Events past the capacity are dropped and counted.
#[derive(Debug, Clone)]
pub struct EventList {
    events: Vec<NoteEvent>,
    dropped: u32,
}

impl EventList {
    /// Control thread: allocates room for `capacity` events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventList {
            events: Vec::with_capacity(capacity),
            dropped: 0,
        }
    }

    /// Audio thread: appends an event, or drops it (and counts it) when the list is full.
    pub fn push(&mut self, event: NoteEvent) -> bool {
        if self.events.len() < self.events.capacity() {
            self.events.push(event);
            true
        } else {
            self.dropped = self.dropped.saturating_add(1);
            false
        }
    }

    /// Audio thread: empties the list, keeping its room.
    pub fn clear(&mut self) {
        self.events.clear();
    }

    /// Audio thread: orders events by offset, note-offs before note-ons at the same offset so a
    /// note that ends where the next begins never cuts the new one (in place, no allocation).
    pub fn sort_by_offset(&mut self) {
        self.events
            .sort_unstable_by_key(|e| (e.offset, matches!(e.kind, NoteKind::On { .. })));
    }

    pub fn as_slice(&self) -> &[NoteEvent] {
        &self.events
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Events lost because the list was full, since it was made.
    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Events the list holds at most.
    pub fn capacity(&self) -> usize {
        self.events.capacity()
    }
}

/// Splits a block at its events, so an instrument can render up to each event, apply it, and go
/// on: yields the frames before each event together with the event (the event takes effect at the
/// span's end), then the frames after the last event with no event. Offsets out of order or past
/// the block are clamped, so every frame falls in exactly one span. Allocation-free.
pub fn spans(events: &[NoteEvent], frames: usize) -> Spans<'_> {
    Spans {
        events,
        frames,
        pos: 0,
        done: false,
    }
}

/// The iterator of [`spans`].
pub struct Spans<'a> {
    events: &'a [NoteEvent],
    frames: usize,
    pos: usize,
    done: bool,
}

impl<'a> Iterator for Spans<'a> {
    type Item = (std::ops::Range<usize>, Option<&'a NoteEvent>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some((first, rest)) = self.events.split_first() {
            self.events = rest;
            let at = (first.offset as usize).clamp(self.pos, self.frames);
            let span = self.pos..at;
            self.pos = at;
            return Some((span, Some(first)));
        }
        if std::mem::replace(&mut self.done, true) {
            return None;
        }
        Some((self.pos..self.frames, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_the_block_once_in_order() {
        let on = |offset| NoteEvent {
            offset,
            kind: NoteKind::On {
                note: 60,
                velocity: 1.0,
                syllable: Syllable::NONE,
            },
        };
        let events = [on(3), on(3), on(10), on(500)];
        let got: Vec<(std::ops::Range<usize>, bool)> =
            spans(&events, 16).map(|(r, e)| (r, e.is_some())).collect();
        assert_eq!(
            got,
            [
                (0..3, true),
                (3..3, true),
                (3..10, true),
                (10..16, true),
                (16..16, false)
            ]
        );
        assert_eq!(
            spans(&[], 8)
                .map(|(r, e)| (r, e.is_some()))
                .collect::<Vec<_>>(),
            [(0..8, false)]
        );
    }

    #[test]
    fn full_list_drops_and_counts() {
        let mut list = EventList::with_capacity(2);
        let on = |offset| NoteEvent {
            offset,
            kind: NoteKind::On {
                note: 60,
                velocity: 1.0,
                syllable: Syllable::NONE,
            },
        };
        assert!(list.push(on(5)));
        assert!(list.push(on(1)));
        assert!(!list.push(on(3)));
        assert_eq!(list.dropped(), 1);
        list.sort_by_offset();
        assert_eq!(list.as_slice()[0].offset, 1);
    }
}
