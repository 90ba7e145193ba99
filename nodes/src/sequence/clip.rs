//! `sequence.clip`: a note clip, the piano roll's data, looped or played once from a bar.
//! Written one note (or chord) per entry, entries separated by `;` or new lines:
//! `<notes> [syllable] <start_beats> <length_beats> [velocity 1..127]`, where `<notes>` is a note
//! ("F2") or a chord joined by `+` ("F2+Ab2+C3+Eb3"), and the optional syllable is the lyric a
//! singing instrument sings the note on ("Eb4 yeah 0 1 90"). Beats are quarter notes from the
//! clip's start.

use yano_engine::clip::{Note, NoteClip, NoteScheduler};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::syllable::Syllable;
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use yano_music::pitch::parse_note_or_number;

pub const KIND: &str = "sequence.clip";

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "note clip (piano roll): \"F2+Ab2+C3 0 4 90; Bb1 4 2; Eb4 yeah 6 1\" = notes, [syllable,] start and length in beats, velocity",
        params: vec![
            ParamSpec::text("notes", "entries \"<note or note+note…> [syllable] <start_beats> <length_beats> [velocity]\" separated by ;", ""),
            ParamSpec::number("length_beats", "clip length (where a loop wraps)", 0.25, 4096.0, 16.0, Unit::Beats),
            ParamSpec::choice("loop", "repeat the clip", &["off", "on"], 1),
            ParamSpec::integer("start_bar", "bar the clip starts on (bar 1 is the start)", 1, 100_000, 1, Unit::Bars),
            ParamSpec::integer("transpose_st", "shift every note", -48, 48, 0, Unit::Semitones),
        ],
        ports: PortLayout::Fixed(vec![PortSpec::output("notes", PortType::Events, "the clip's notes")]),
        build: Build::Realtime(build),
    }
}

/// One entry of a clip's text, as [`parse_clip`] reads it: note names joined by `+`, the syllable
/// when there is one, start and length in beats (up to four decimals, trailing zeros dropped) and
/// an optional velocity: "F2+Ab2 0 4 90", "Eb4 yeah 6 1 90".
pub fn clip_entry(
    names: &[String],
    syllable: Syllable,
    start_beats: f64,
    length_beats: f64,
    velocity: Option<u8>,
) -> String {
    let beats = |x: f64| {
        let s = format!("{x:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s.is_empty() || s == "-0" {
            "0".to_string()
        } else {
            s.to_string()
        }
    };
    let mut entry = names.join("+");
    if let Some(lyric) = syllable.as_option() {
        entry.push(' ');
        entry.push_str(lyric);
    }
    entry.push_str(&format!(" {} {}", beats(start_beats), beats(length_beats)));
    if let Some(v) = velocity {
        entry.push_str(&format!(" {v}"));
    }
    entry
}

/// Reads the clip text; errors name the entry at fault.
pub fn parse_clip(text: &str, transpose: i32) -> Result<Vec<Note>, String> {
    let mut notes = Vec::new();
    for (k, entry) in text
        .split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .enumerate()
    {
        let mut words: Vec<&str> = entry.split_whitespace().collect();
        let bad = |why: &str| format!("entry {} \"{entry}\": {why}", k + 1);
        // A word after the notes that starts with a letter is the syllable.
        let syllable = match words.get(1) {
            Some(w) if w.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                let lyric = Syllable::new(w).map_err(|e| bad(&e.to_string()))?;
                words.remove(1);
                lyric
            }
            _ => Syllable::NONE,
        };
        if !(3..=4).contains(&words.len()) {
            return Err(bad(
                "write <notes> [syllable] <start_beats> <length_beats> [velocity]",
            ));
        }
        let number = |w: &str| w.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0);
        let start = number(words[1]).ok_or_else(|| bad("start is not a number of beats"))?;
        let length = number(words[2])
            .filter(|l| *l > 0.0)
            .ok_or_else(|| bad("length is not a positive number of beats"))?;
        let velocity = match words.get(3) {
            Some(w) => number(w)
                .filter(|v| (1.0..=127.0).contains(v))
                .ok_or_else(|| bad("velocity is not 1..127"))?,
            None => 100.0,
        };
        for name in words[0].split('+') {
            let pitch = parse_note_or_number(name)
                .ok_or_else(|| bad(&format!("\"{name}\" is not a note")))?;
            let pitch = (i32::from(pitch) + transpose).clamp(0, 127) as u8;
            notes.push(Note {
                pitch,
                start_beats: start,
                length_beats: length,
                velocity: (velocity / 127.0) as f32,
                syllable,
            });
        }
    }
    Ok(notes)
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let p = &config.params;
    let notes =
        parse_clip(&p.text("notes")?, p.number("transpose_st")? as i32).map_err(NodeError::new)?;
    Ok(Box::new(ClipSequencer {
        clip: NoteClip {
            notes,
            length_beats: p.number("length_beats")?,
        },
        looping: p.choice("loop")? == 1,
        start_bar: p.number("start_bar")? - 1.0,
        scheduler: NoteScheduler::new(),
    }))
}

struct ClipSequencer {
    clip: NoteClip,
    looping: bool,
    start_bar: f64,
    scheduler: NoteScheduler,
}

impl Processor for ClipSequencer {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let ph = *ctx.playhead();
        let origin = ph.transport.bars_to_samples(self.start_bar);
        let frames = ctx.frames();
        let out = ctx.events_out(0);
        self.scheduler
            .emit(&self.clip, origin, self.looping, &ph, 0, frames, out);
        out.sort_by_offset();
    }

    fn reset(&mut self) {
        self.scheduler.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequence::probe::{note_ons, text};
    use yano_engine::{ParamValue, Transport};

    #[test]
    fn chords_and_notes_sound_at_their_beats_and_loop() {
        // 120 BPM: a beat is 24,000 samples. A chord on beat 0, a note on beat 2.5; the clip is 4 beats.
        let t = Transport {
            sample_rate: 48_000,
            bpm: 120.0,
            swing: 0.5,
        };
        let params = [
            ("notes", text("F2+Ab2+C3 0 2 100; Eb3 2.5 1 64")),
            ("length_beats", ParamValue::Number(4.0)),
        ];
        let got = note_ons(KIND, &params, "notes", t, 4.5);
        // The probe keeps one note per sample (the last); a chord shows its top note.
        let times: Vec<usize> = got.iter().map(|g| g.0).collect();
        assert_eq!(times, [0, 60_000, 96_000, 156_000, 192_000]);
        assert_eq!(got[1].1, 51, "Eb3");
        assert!((got[1].2 - 64.0 / 127.0).abs() < 1e-6);
    }

    #[test]
    fn once_from_a_later_bar() {
        let t = Transport {
            sample_rate: 48_000,
            bpm: 120.0,
            swing: 0.5,
        };
        let params = [
            ("notes", text("C4 0 1")),
            ("length_beats", ParamValue::Number(4.0)),
            ("loop", text("off")),
            ("start_bar", ParamValue::Number(2.0)),
        ];
        let got = note_ons(KIND, &params, "notes", t, 6.0);
        assert_eq!(
            got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(),
            [(96_000, 60)]
        );
    }

    #[test]
    fn entries_are_checked() {
        assert!(parse_clip("F2 0", 0).unwrap_err().contains("entry 1"));
        assert!(parse_clip("C4 0 1; Q4 1 1", 0)
            .unwrap_err()
            .contains("\"Q4\""));
        assert!(parse_clip("C4 0 0", 0).unwrap_err().contains("length"));
        assert_eq!(
            parse_clip("C4+E4 0 1 127", 12)
                .unwrap()
                .iter()
                .map(|n| n.pitch)
                .collect::<Vec<_>>(),
            [72, 76]
        );
    }

    #[test]
    fn a_syllable_after_the_notes_is_sung_and_written_back() {
        let notes = parse_clip("Eb4 yeah 0 1 90; F4+Ab4 Ooh 1 2; G4 2.5 0.5", 0).unwrap();
        let lyrics: Vec<(u8, &str)> = notes
            .iter()
            .map(|n| (n.pitch, n.syllable.as_str()))
            .collect();
        assert_eq!(lyrics, [(63, "yeah"), (65, "ooh"), (68, "ooh"), (67, "")]);
        assert_eq!(notes[0].velocity, 90.0 / 127.0);
        assert_eq!(notes[3].start_beats, 2.5);
        let bad = parse_clip("C4 0 1; Eb4 ah! 2 1", 0).unwrap_err();
        assert!(bad.contains("entry 2") && bad.contains("'!'"), "{bad}");
        assert!(parse_clip("Eb4 ngiyabonga 0 1", 0)
            .unwrap_err()
            .contains("8 letters"));
        let written = clip_entry(
            &["Eb4".to_string()],
            Syllable::new("yeah").unwrap(),
            0.5,
            1.0,
            Some(90),
        );
        assert_eq!(written, "Eb4 yeah 0.5 1 90");
        assert_eq!(
            parse_clip(&written, 0).unwrap()[0].syllable.as_str(),
            "yeah"
        );
    }
}
