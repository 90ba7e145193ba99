//! The one standard MIDI file writer (midly underneath). Callers place their notes in ticks
//! (transcribed notes from seconds, composed notes from beats, played notes from samples) and say
//! which channel each goes on; this module orders the events at each tick (set-up, releases,
//! bends, lyrics, presses, so a repeated note is never cut), writes deltas, the tempo, the meter,
//! the key signature and markers, a sung note's syllable as a lyric meta event just before it (once
//! for a chord sung on one syllable), and ends every track.

use midly::num::{u14, u15, u24, u28, u4, u7};
use midly::{
    Format, Header, MetaMessage, MidiMessage, PitchBend, Smf, Timing, TrackEvent, TrackEventKind,
};
use thiserror::Error;

use crate::syllable::Syllable;

/// What cannot be written as a standard MIDI file.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SmfError {
    #[error("tempo {0} BPM cannot be written (a MIDI tempo is 4 to 60 000 000 BPM)")]
    Tempo(f64),
    #[error("track \"{track}\": a gap of {ticks} ticks is longer than a MIDI file can hold")]
    TooLong { track: String, ticks: u64 },
    #[error("track \"{track}\": channel {channel} does not exist (channels are 0 to 15)")]
    Channel { track: String, channel: u8 },
}

/// A whole file: the conductor's tempo, meter, key and markers, then the tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct MidiFile {
    /// Ticks per quarter note.
    pub ppq: u16,
    pub bpm: f64,
    /// Beats per bar and the beat's note value as a power of two (4/4 is `(4, 2)`).
    pub meter: Option<(u8, u8)>,
    /// Sharps (positive) or flats (negative), and whether the key is minor.
    pub key_signature: Option<(i8, bool)>,
    /// Named places (song sections), by tick.
    pub markers: Vec<(u64, String)>,
    /// Format 0 (one track holding the conductor's events too) or format 1.
    pub layout: Layout,
    pub tracks: Vec<MidiTrack>,
}

/// How the tracks are laid out in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Format 0: the first track only, with the tempo in it.
    SingleTrack,
    /// Format 1: a conductor track (with its name, if any, tempo, meter, key and markers), then
    /// one track each.
    Conductor { name: Option<&'static str> },
}

/// One instrument's track.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MidiTrack {
    pub name: Option<String>,
    /// General MIDI program changes at the start, by channel.
    pub programs: Vec<(u8, u8)>,
    /// Channels whose pitch-bend range is set (RPN 0) at the start, in semitones.
    pub bend_ranges: Vec<(u8, u8)>,
    pub notes: Vec<MidiNote>,
}

/// One note: pressed at `start`, released at `end` (ticks; a note lasts at least one tick).
#[derive(Debug, Clone, PartialEq)]
pub struct MidiNote {
    pub channel: u8,
    pub key: u8,
    /// 1 ..= 127 (clamped).
    pub velocity: u8,
    pub start: u64,
    pub end: u64,
    /// Pitch bends by tick (never before `start`), as a fraction of the channel's bend range in
    /// -1 ..= 1.
    pub bends: Vec<(u64, f32)>,
    /// The syllable it is sung on, written as a lyric meta event at its start (none when empty).
    pub lyric: Syllable,
}

/// Events at one tick go in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Order {
    SetUp,
    Release,
    FirstBend,
    Lyric,
    Press,
}

type Timed<'a> = (u64, Order, TrackEventKind<'a>);

impl MidiFile {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, SmfError> {
        if !(self.bpm.is_finite() && self.bpm >= 4.0) {
            return Err(SmfError::Tempo(self.bpm));
        }
        let micros = (60_000_000.0 / self.bpm).round() as u32;
        let mut conductor: Vec<Timed<'_>> = Vec::new();
        if let Layout::Conductor { name: Some(name) } = self.layout {
            conductor.push(meta(MetaMessage::TrackName(name.as_bytes())));
        }
        conductor.push(meta(MetaMessage::Tempo(u24::new(micros.min(0xFF_FFFF)))));
        if let Some((beats, unit)) = self.meter {
            conductor.push(meta(MetaMessage::TimeSignature(beats, unit, 24, 8)));
        }
        if let Some((accidentals, minor)) = self.key_signature {
            conductor.push(meta(MetaMessage::KeySignature(accidentals, minor)));
        }
        for (at, name) in &self.markers {
            let marker = TrackEventKind::Meta(MetaMessage::Marker(name.as_bytes()));
            conductor.push((*at, Order::SetUp, marker));
        }
        let empty = MidiTrack::default();
        let mut tracks = Vec::new();
        let format = match self.layout {
            Layout::SingleTrack => {
                let track = self.tracks.first().unwrap_or(&empty);
                let mut events = conductor;
                events.extend(track_events(track)?);
                tracks.push(finish(&track_label(track), events)?);
                Format::SingleTrack
            }
            Layout::Conductor { name } => {
                tracks.push(finish(name.unwrap_or("conductor"), conductor)?);
                for track in &self.tracks {
                    tracks.push(finish(&track_label(track), track_events(track)?)?);
                }
                Format::Parallel
            }
        };
        let smf = Smf {
            header: Header::new(format, Timing::Metrical(u15::new(self.ppq.min(0x7FFF)))),
            tracks,
        };
        let mut bytes = Vec::new();
        smf.write_std(&mut bytes)
            .expect("writing to memory cannot fail");
        Ok(bytes)
    }
}

fn meta(message: MetaMessage<'_>) -> Timed<'_> {
    (0, Order::SetUp, TrackEventKind::Meta(message))
}

fn track_label(track: &MidiTrack) -> String {
    track.name.clone().unwrap_or_else(|| "notes".into())
}

fn midi(channel: u8, message: MidiMessage) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(channel),
        message,
    }
}

/// A track's events, before ordering: its name and set-up, then its notes.
fn track_events(track: &MidiTrack) -> Result<Vec<Timed<'_>>, SmfError> {
    let check = |channel: u8| {
        (channel < 16)
            .then_some(channel)
            .ok_or_else(|| SmfError::Channel {
                track: track_label(track),
                channel,
            })
    };
    let mut events: Vec<Timed<'_>> = Vec::new();
    if let Some(name) = &track.name {
        events.push(meta(MetaMessage::TrackName(name.as_bytes())));
    }
    for &(channel, program) in &track.programs {
        let message = MidiMessage::ProgramChange {
            program: u7::new(program.min(127)),
        };
        events.push((0, Order::SetUp, midi(check(channel)?, message)));
    }
    for &(channel, semitones) in &track.bend_ranges {
        let channel = check(channel)?;
        for (controller, value) in [(101, 0), (100, 0), (6, semitones.min(127)), (38, 0)] {
            let message = MidiMessage::Controller {
                controller: u7::new(controller),
                value: u7::new(value),
            };
            events.push((0, Order::SetUp, midi(channel, message)));
        }
    }
    let mut lyrics_written = std::collections::HashSet::new();
    for note in &track.notes {
        let channel = check(note.channel)?;
        let key = u7::new(note.key.min(127));
        let mut last = None;
        for (i, &(at, amount)) in note.bends.iter().enumerate() {
            if last == Some(amount) {
                continue;
            }
            last = Some(amount);
            let value = ((amount.clamp(-1.0, 1.0) * 8191.0).round() as i32 + 8192) as u16;
            let message = MidiMessage::PitchBend {
                bend: PitchBend(u14::new(value)),
            };
            let order = if i == 0 {
                Order::FirstBend
            } else {
                Order::Press
            };
            events.push((at.max(note.start), order, midi(channel, message)));
        }
        // One lyric an onset: a chord sung on one syllable writes it once.
        if !note.lyric.is_none() && lyrics_written.insert((note.start, note.lyric)) {
            let lyric = TrackEventKind::Meta(MetaMessage::Lyric(note.lyric.letters()));
            events.push((note.start, Order::Lyric, lyric));
        }
        let vel = u7::new(note.velocity.clamp(1, 127));
        events.push((
            note.start,
            Order::Press,
            midi(channel, MidiMessage::NoteOn { key, vel }),
        ));
        let vel = u7::new(0);
        let end = note.end.max(note.start + 1);
        events.push((
            end,
            Order::Release,
            midi(channel, MidiMessage::NoteOff { key, vel }),
        ));
    }
    Ok(events)
}

/// Orders a track's events, writes their deltas and ends it.
fn finish<'a>(label: &str, mut timed: Vec<Timed<'a>>) -> Result<Vec<TrackEvent<'a>>, SmfError> {
    // Stable: events of one order at one tick keep the order they were given in.
    timed.sort_by_key(|(at, order, _)| (*at, *order));
    let mut last = 0;
    let mut out = Vec::with_capacity(timed.len() + 1);
    for (at, _, kind) in timed {
        let gap = at - last;
        let delta = u32::try_from(gap)
            .ok()
            .filter(|d| *d < (1 << 28))
            .ok_or_else(|| SmfError::TooLong {
                track: label.to_string(),
                ticks: gap,
            })?;
        last = at;
        out.push(TrackEvent {
            delta: u28::new(delta),
            kind,
        });
    }
    out.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(channel: u8, key: u8, start: u64, end: u64) -> MidiNote {
        MidiNote {
            channel,
            key,
            velocity: 100,
            start,
            end,
            bends: Vec::new(),
            lyric: Syllable::NONE,
        }
    }

    /// (absolute tick, channel, key, on?) of every note message in a parsed track.
    fn notes_of(track: &[TrackEvent<'_>]) -> Vec<(u64, u8, u8, bool)> {
        let mut at = 0u64;
        let mut out = Vec::new();
        for e in track {
            at += u64::from(e.delta.as_int());
            if let TrackEventKind::Midi { channel, message } = e.kind {
                match message {
                    MidiMessage::NoteOn { key, .. } => {
                        out.push((at, channel.as_int(), key.as_int(), true))
                    }
                    MidiMessage::NoteOff { key, .. } => {
                        out.push((at, channel.as_int(), key.as_int(), false))
                    }
                    _ => {}
                }
            }
        }
        out
    }

    fn file(layout: Layout, tracks: Vec<MidiTrack>) -> MidiFile {
        MidiFile {
            ppq: 480,
            bpm: 120.0,
            meter: Some((4, 2)),
            key_signature: Some((-3, true)),
            markers: vec![(1920, "drop".into())],
            layout,
            tracks,
        }
    }

    #[test]
    fn a_repeated_note_is_released_before_it_is_pressed_again() {
        let track = MidiTrack {
            name: Some("keys".into()),
            notes: vec![note(0, 60, 0, 480), note(0, 60, 480, 960)],
            ..Default::default()
        };
        let bytes = file(Layout::Conductor { name: Some("yano") }, vec![track])
            .to_bytes()
            .unwrap();
        let smf = Smf::parse(&bytes).unwrap();
        assert_eq!(smf.header.format, Format::Parallel);
        assert_eq!(smf.tracks.len(), 2);
        assert_eq!(
            notes_of(&smf.tracks[1]),
            vec![
                (0, 0, 60, true),
                (480, 0, 60, false),
                (480, 0, 60, true),
                (960, 0, 60, false)
            ]
        );
        // 120 BPM is 500 000 µs a beat; C minor has three flats; the marker sits at bar 2.
        let mut at = 0;
        let mut metas = Vec::new();
        for e in &smf.tracks[0] {
            at += e.delta.as_int();
            if let TrackEventKind::Meta(m) = e.kind {
                metas.push((at, m));
            }
        }
        assert!(metas.contains(&(0, MetaMessage::Tempo(u24::new(500_000)))));
        assert!(metas.contains(&(0, MetaMessage::KeySignature(-3, true))));
        assert!(metas.contains(&(1920, MetaMessage::Marker(b"drop"))));
    }

    #[test]
    fn a_single_track_file_holds_tempo_and_notes_and_bends_after_their_range() {
        let mut bent = note(1, 45, 100, 200);
        bent.bends = vec![(0, 0.0), (150, 1.0 / 12.0)];
        let track = MidiTrack {
            bend_ranges: vec![(1, 12)],
            notes: vec![bent, note(0, 40, 0, 0)],
            ..Default::default()
        };
        let bytes = file(Layout::SingleTrack, vec![track]).to_bytes().unwrap();
        let smf = Smf::parse(&bytes).unwrap();
        assert_eq!(smf.header.format, Format::SingleTrack);
        assert_eq!(smf.tracks.len(), 1);
        // A zero-length note still lasts a tick.
        assert_eq!(
            notes_of(&smf.tracks[0]),
            vec![
                (0, 0, 40, true),
                (1, 0, 40, false),
                (100, 1, 45, true),
                (200, 1, 45, false)
            ]
        );
        let mut at = 0;
        let mut bends = Vec::new();
        for e in &smf.tracks[0] {
            at += e.delta.as_int();
            if let TrackEventKind::Midi {
                message: MidiMessage::PitchBend { bend },
                ..
            } = e.kind
            {
                bends.push((at, bend.0.as_int()));
            }
        }
        // The first bend moves to the note's start; +1 semitone of ±12 is 8192 + 683.
        assert_eq!(bends, vec![(100, 8192), (150, 8875)]);
    }

    #[test]
    fn a_sung_note_s_syllable_is_a_lyric_just_before_its_press() {
        let mut sung = note(0, 63, 480, 960);
        sung.lyric = Syllable::new("yeah").unwrap();
        let mut third = sung.clone();
        third.key = 67;
        let track = MidiTrack {
            name: Some("vocals".into()),
            notes: vec![note(0, 60, 0, 480), sung, third],
            ..Default::default()
        };
        let bytes = file(Layout::Conductor { name: Some("yano") }, vec![track])
            .to_bytes()
            .unwrap();
        let smf = Smf::parse(&bytes).unwrap();
        let mut at = 0;
        let mut seen = Vec::new();
        for e in &smf.tracks[1] {
            at += e.delta.as_int();
            match e.kind {
                TrackEventKind::Meta(MetaMessage::Lyric(text)) => {
                    seen.push((at, String::from_utf8_lossy(text).to_string()))
                }
                TrackEventKind::Midi {
                    message: MidiMessage::NoteOn { key, .. },
                    ..
                } => seen.push((at, format!("on {key}"))),
                _ => {}
            }
        }
        assert_eq!(
            seen,
            [
                (0, "on 60".to_string()),
                (480, "yeah".to_string()),
                (480, "on 63".to_string()),
                (480, "on 67".to_string())
            ]
        );
    }

    #[test]
    fn what_cannot_be_written_is_named() {
        let far = MidiTrack {
            name: Some("pad".into()),
            notes: vec![note(0, 60, 1 << 40, (1 << 40) + 1)],
            ..Default::default()
        };
        let err = file(Layout::Conductor { name: Some("yano") }, vec![far])
            .to_bytes()
            .unwrap_err();
        assert!(err.to_string().contains("\"pad\""), "{err}");
        let wrong = MidiTrack {
            notes: vec![note(16, 60, 0, 1)],
            ..Default::default()
        };
        let err = file(Layout::SingleTrack, vec![wrong])
            .to_bytes()
            .unwrap_err();
        assert_eq!(
            err,
            SmfError::Channel {
                track: "notes".into(),
                channel: 16
            }
        );
        let mut silent = file(Layout::SingleTrack, vec![]);
        silent.bpm = f64::NAN;
        assert!(matches!(silent.to_bytes(), Err(SmfError::Tempo(_))));
    }
}
