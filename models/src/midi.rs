//! Transcribed notes as a standard MIDI file: one track at the tempo given (so the notes land on a
//! DAW's bars when the tempo is the song's), 480 ticks a quarter note. Without pitch bends every
//! note is on channel 1. With them, notes take turns over the 15 melodic channels (MPE-style, the
//! drum channel left out) so each note bends alone, and each channel's bend range is set to ±12
//! semitones by RPN 0.

use midly::num::{u14, u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, PitchBend, Smf, TrackEvent, TrackEventKind};

use crate::transcribe::TranscribedNote;

const PPQ: u16 = 480;
const BEND_RANGE_SEMITONES: f32 = 12.0;

/// The notes as a format-0 MIDI file at `bpm`.
pub fn midi_bytes(notes: &[TranscribedNote], bpm: f64) -> Vec<u8> {
    let bpm = if bpm.is_finite() && bpm > 0.0 {
        bpm
    } else {
        120.0
    };
    let tick = |seconds: f64| (seconds * bpm / 60.0 * f64::from(PPQ)).round().max(0.0) as u64;
    let bending = notes.iter().any(|n| !n.bends.is_empty());
    let channels: Vec<u8> = if bending {
        (0..16).filter(|c| *c != 9).collect()
    } else {
        vec![0]
    };
    let midi = |channel: u8, message: MidiMessage| TrackEventKind::Midi {
        channel: u4::new(channel),
        message,
    };
    let cc = |channel: u8, controller: u8, value: u8| {
        midi(
            channel,
            MidiMessage::Controller {
                controller: u7::new(controller),
                value: u7::new(value),
            },
        )
    };
    // (tick, order at that tick, event): set-up first, then note-offs, bends, note-ons.
    let mut events: Vec<(u64, u8, TrackEventKind<'static>)> = vec![(
        0,
        0,
        TrackEventKind::Meta(MetaMessage::Tempo(u24::new(
            (60_000_000.0 / bpm).round() as u32
        ))),
    )];
    if bending {
        for &c in &channels {
            for (controller, value) in
                [(101, 0), (100, 0), (6, BEND_RANGE_SEMITONES as u8), (38, 0)]
            {
                events.push((0, 0, cc(c, controller, value)));
            }
        }
    }
    let bend = |semitones: f32| {
        let v = (semitones / BEND_RANGE_SEMITONES).clamp(-1.0, 1.0);
        MidiMessage::PitchBend {
            bend: PitchBend(u14::new(((v * 8191.0).round() as i32 + 8192) as u16)),
        }
    };
    for (i, n) in notes.iter().enumerate() {
        let channel = channels[i % channels.len()];
        let key = u7::new(n.pitch.min(127));
        let (on, off) = (tick(n.start), tick(n.end).max(tick(n.start) + 1));
        let mut last_bend = 0.0f32;
        for (j, b) in n.bends.iter().enumerate() {
            if j == 0 || b.semitones != last_bend {
                events.push((
                    tick(b.seconds).max(on),
                    if j == 0 { 2 } else { 3 },
                    midi(channel, bend(b.semitones)),
                ));
                last_bend = b.semitones;
            }
        }
        events.push((
            on,
            3,
            midi(
                channel,
                MidiMessage::NoteOn {
                    key,
                    vel: u7::new(n.velocity.clamp(1, 127)),
                },
            ),
        ));
        events.push((
            off,
            1,
            midi(
                channel,
                MidiMessage::NoteOff {
                    key,
                    vel: u7::new(0),
                },
            ),
        ));
    }
    events.sort_by_key(|(t, order, _)| (*t, *order));
    let mut last = 0;
    let mut track: Vec<TrackEvent<'static>> = events
        .into_iter()
        .map(|(t, _, kind)| {
            let delta = u28::new((t - last) as u32);
            last = t;
            TrackEvent { delta, kind }
        })
        .collect();
    track.push(TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let smf = Smf {
        header: Header {
            format: Format::SingleTrack,
            timing: midly::Timing::Metrical(u15::new(PPQ)),
        },
        tracks: vec![track],
    };
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes)
        .expect("writing to memory cannot fail");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::PitchBend as Bend;

    fn note(pitch: u8, start: f64, end: f64, bends: Vec<Bend>) -> TranscribedNote {
        TranscribedNote {
            pitch,
            start,
            end,
            velocity: 90,
            bends,
        }
    }

    #[test]
    fn notes_read_back_at_their_seconds_and_pitches() {
        let notes = [note(45, 0.5, 0.75, vec![]), note(52, 1.0, 1.5, vec![])];
        let bytes = midi_bytes(&notes, 120.0);
        let smf = Smf::parse(&bytes).unwrap();
        let mut t = 0u64;
        let mut ons = Vec::new();
        for e in &smf.tracks[0] {
            t += u64::from(e.delta.as_int());
            if let TrackEventKind::Midi {
                message: MidiMessage::NoteOn { key, .. },
                ..
            } = e.kind
            {
                ons.push((t, key.as_int()));
            }
        }
        // 120 BPM, 480 ticks a beat: 960 ticks a second.
        assert_eq!(ons, vec![(480, 45), (960, 52)]);
    }

    #[test]
    fn bent_notes_get_their_own_channels_and_bends() {
        let bends = vec![
            Bend {
                seconds: 0.0,
                semitones: 0.0,
            },
            Bend {
                seconds: 0.1,
                semitones: 1.0,
            },
        ];
        let notes = [note(45, 0.0, 0.2, bends.clone()), note(47, 0.0, 0.2, bends)];
        let bytes = midi_bytes(&notes, 120.0);
        let smf = Smf::parse(&bytes).unwrap();
        let mut channels_on = Vec::new();
        let mut bend_values = Vec::new();
        for e in &smf.tracks[0] {
            if let TrackEventKind::Midi { channel, message } = e.kind {
                match message {
                    MidiMessage::NoteOn { .. } => channels_on.push(channel.as_int()),
                    MidiMessage::PitchBend { bend } => bend_values.push(bend.as_int()),
                    _ => {}
                }
            }
        }
        assert_eq!(channels_on, vec![0, 1]);
        // +1 semitone of a ±12 range is +683.
        assert!(bend_values.contains(&683), "{bend_values:?}");
    }
}
