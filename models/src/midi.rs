//! Transcribed notes as a standard MIDI file: one track at the tempo given (so the notes land on a
//! DAW's bars when the tempo is the song's), 480 ticks a quarter note. Without pitch bends every
//! note is on channel 1. With them, notes take turns over the 15 melodic channels (MPE-style, the
//! drum channel left out) so each note bends alone, and each channel's bend range is set to ±12
//! semitones by RPN 0.

use yano_engine::smf::{Layout, MidiFile, MidiNote, MidiTrack, SmfError};

use crate::transcribe::TranscribedNote;

const PPQ: u16 = 480;
const BEND_RANGE_SEMITONES: f32 = 12.0;

/// The notes as a format-0 MIDI file at `bpm` (120 when `bpm` is not a tempo).
pub fn midi_bytes(notes: &[TranscribedNote], bpm: f64) -> Result<Vec<u8>, SmfError> {
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
    let bend_ranges = if bending {
        let range = BEND_RANGE_SEMITONES as u8;
        channels.iter().map(|&c| (c, range)).collect()
    } else {
        Vec::new()
    };
    let notes = notes
        .iter()
        .enumerate()
        .map(|(i, n)| MidiNote {
            channel: channels[i % channels.len()],
            key: n.pitch,
            velocity: n.velocity,
            start: tick(n.start),
            end: tick(n.end),
            bends: n
                .bends
                .iter()
                .map(|b| (tick(b.seconds), b.semitones / BEND_RANGE_SEMITONES))
                .collect(),
            lyric: yano_engine::Syllable::NONE,
        })
        .collect();
    MidiFile {
        ppq: PPQ,
        bpm,
        meter: None,
        key_signature: None,
        markers: Vec::new(),
        layout: Layout::SingleTrack,
        tracks: vec![MidiTrack {
            bend_ranges,
            notes,
            ..MidiTrack::default()
        }],
    }
    .to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::PitchBend as Bend;
    use midly::{MidiMessage, Smf, TrackEventKind};

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
        let bytes = midi_bytes(&notes, 120.0).unwrap();
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
        let bytes = midi_bytes(&notes, 120.0).unwrap();
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
