//! Musicians' shorthand for scripts: chords by name ("Fm9", "Bb13", "Ebmaj7/G") and note clips
//! written as lists. Pure functions; errors name the text they could not read.

use yano_engine::Syllable;
use yano_music::pitch::note_name;
use yano_music::pitch::{parse_note, parse_note_or_number};
use yano_music::Chord;

/// The MIDI notes of a chord named like "Fm9", "Bb13", "C#dim7" or "Ebmaj7/G", with its root in
/// `octave` (C4 = 60); a slash bass goes below the root. The qualities are yano-music's table.
pub fn chord(name: &str, octave: i32) -> Result<Vec<u8>, String> {
    let bad = || {
        format!("\"{name}\" is not a chord: write a root (C, Eb, F#) and a quality (m, 7, m9, maj7, 13, sus4, dim …), e.g. Fm9")
    };
    let (body, bass) = match name.trim().split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (name.trim(), None),
    };
    let chord = Chord::parse_symbol(body).map_err(|_| bad())?;
    // The root as written (a C♭ is a semitone under C in the same octave).
    let root_name = &body[..body.len() - chord.quality.symbol().len()];
    let root = parse_note(&format!("{root_name}{octave}")).ok_or_else(bad)?;
    let mut notes: Vec<u8> = chord
        .quality
        .intervals()
        .iter()
        .map(|i| root.saturating_add(*i).min(127))
        .collect();
    if let Some(bass) = bass {
        let b = parse_note(&format!("{bass}{}", octave - 1)).ok_or_else(bad)?;
        notes.insert(0, b);
    }
    Ok(notes)
}

/// One entry of a note clip as `sequence.clip` writes it: "F2+Ab2 0 4 90", "Eb4 yeah 4 1".
pub fn clip_entry(
    notes: &[u8],
    syllable: Syllable,
    start_beats: f64,
    length_beats: f64,
    velocity: Option<u8>,
) -> String {
    let names: Vec<String> = notes.iter().map(|n| note_name(*n)).collect();
    yano_nodes::sequence::clip::clip_entry(&names, syllable, start_beats, length_beats, velocity)
}

/// One sung (or played) note of a melody: its pitches, syllable, start and length in beats.
#[derive(Debug, Clone, PartialEq)]
pub struct MelodyNote {
    pub notes: Vec<u8>,
    pub syllable: Syllable,
    pub start_beats: f64,
    pub length_beats: f64,
}

/// A length written as a fraction of a whole note ("1/4" is one beat, "3/8", "1", "1/8.")
/// in beats; a trailing dot adds half.
fn note_value(word: &str) -> Option<f64> {
    let (body, dotted) = match word.strip_suffix('.') {
        Some(b) => (b, 1.5),
        None => (word, 1.0),
    };
    let whole = match body.split_once('/') {
        Some((a, b)) => a.parse::<f64>().ok()? / b.parse::<f64>().ok()?,
        None => body.parse::<f64>().ok()?,
    };
    Some(whole * 4.0 * dotted).filter(|b| b.is_finite() && *b > 0.0)
}

/// A melody written one note a word-group, laid end to end from `start_beats`:
/// "Eb4 ah 1/4" (note, syllable, length as a fraction of a whole note), "F4 1/8" (no syllable),
/// "F4+Ab4 ooh 1/2" (a chord), "rest 1/4" (or "r"). Errors name the item.
pub fn melody(items: &[String], start_beats: f64) -> Result<Vec<MelodyNote>, String> {
    let mut at = start_beats;
    let mut out = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let bad = |why: &str| format!("melody item {} \"{item}\": {why}", k + 1);
        let words: Vec<&str> = item.split_whitespace().collect();
        let (first, rest) = words
            .split_first()
            .ok_or_else(|| bad("write <note> [syllable] <length>, e.g. \"Eb4 ah 1/4\""))?;
        let (syllable, length) = match rest {
            [length] => (Syllable::NONE, *length),
            [lyric, length] => (
                Syllable::new(lyric).map_err(|e| bad(&e.to_string()))?,
                *length,
            ),
            _ => return Err(bad("write <note> [syllable] <length>, e.g. \"Eb4 ah 1/4\"")),
        };
        let beats = note_value(length).ok_or_else(|| {
            bad(&format!(
                "\"{length}\" is not a length like 1/4, 3/8 or 1/8."
            ))
        })?;
        if !matches!(*first, "r" | "rest") {
            let notes = first
                .split('+')
                .map(|w| {
                    parse_note_or_number(w).ok_or_else(|| bad(&format!("\"{w}\" is not a note")))
                })
                .collect::<Result<Vec<u8>, String>>()?;
            out.push(MelodyNote {
                notes,
                syllable,
                start_beats: at,
                length_beats: beats,
            });
        }
        at += beats;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords_by_name() {
        assert_eq!(chord("Fm9", 3).unwrap(), vec![53, 56, 60, 63, 67]);
        assert_eq!(chord("Bb13", 2).unwrap(), vec![46, 50, 53, 56, 60, 67]);
        assert_eq!(chord("C", 4).unwrap(), vec![60, 64, 67]);
        assert_eq!(chord("Ebmaj7/G", 3).unwrap(), vec![43, 51, 55, 58, 62]);
        assert_eq!(chord("C#dim7", 4).unwrap(), vec![61, 64, 67, 70]);
        let err = chord("Hm7", 3).unwrap_err();
        assert!(err.contains("Hm7"), "{err}");
        assert!(chord("Fwobble", 3).is_err());
    }

    #[test]
    fn clip_entries_read_back_by_the_clip_node() {
        let text = [
            clip_entry(&[53, 56, 60], Syllable::NONE, 0.0, 4.0, Some(90)),
            clip_entry(&[46], Syllable::NONE, 4.5, 0.25, None),
        ]
        .join("; ");
        assert_eq!(text, "F3+Ab3+C4 0 4 90; Bb2 4.5 0.25");
        let notes = yano_nodes::sequence::clip::parse_clip(&text, 0).unwrap();
        assert_eq!(notes.len(), 4);
        assert_eq!(notes[3].pitch, 46);
        assert_eq!(notes[3].start_beats, 4.5);
    }

    #[test]
    fn melodies_lay_notes_end_to_end_with_their_syllables() {
        let items: Vec<String> = [
            "Eb4 ah 1/4",
            "F4 1/8",
            "rest 1/8",
            "F4+Ab4 ooh 1/2.",
            "G4 yeah 1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = melody(&items, 4.0).unwrap();
        let got: Vec<(Vec<u8>, &str, f64, f64)> = m
            .iter()
            .map(|n| {
                (
                    n.notes.clone(),
                    n.syllable.as_str(),
                    n.start_beats,
                    n.length_beats,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (vec![63], "ah", 4.0, 1.0),
                (vec![65], "", 5.0, 0.5),
                (vec![65, 68], "ooh", 6.0, 3.0),
                (vec![67], "yeah", 9.0, 4.0),
            ]
        );
        let err = melody(&["Eb4 ah 1/0".to_string()], 0.0).unwrap_err();
        assert!(err.contains("item 1") && err.contains("1/0"), "{err}");
        let err = melody(&["C4 1/4".to_string(), "Q4 oh 1/4".to_string()], 0.0).unwrap_err();
        assert!(err.contains("item 2") && err.contains("\"Q4\""), "{err}");
        assert!(melody(&["C4 ah! 1/4".to_string()], 0.0).is_err());
    }
}
