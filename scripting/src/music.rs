//! Musicians' shorthand for scripts: chords by name ("Fm9", "Bb13", "Ebmaj7/G") and note clips
//! written as lists. Pure functions; errors name the text they could not read.

use yano_nodes::sequence::notation::{note_name, parse_note};

/// Semitones above the root of each chord quality, longest names first so "maj7" wins over "m".
const QUALITIES: &[(&str, &[u8])] = &[
    ("maj13", &[0, 4, 7, 11, 14, 21]),
    ("maj9", &[0, 4, 7, 11, 14]),
    ("maj7", &[0, 4, 7, 11]),
    ("m7b5", &[0, 3, 6, 10]),
    ("mmaj7", &[0, 3, 7, 11]),
    ("m13", &[0, 3, 7, 10, 14, 21]),
    ("m11", &[0, 3, 7, 10, 14, 17]),
    ("m9", &[0, 3, 7, 10, 14]),
    ("m7", &[0, 3, 7, 10]),
    ("m6", &[0, 3, 7, 9]),
    ("madd9", &[0, 3, 7, 14]),
    ("dim7", &[0, 3, 6, 9]),
    ("dim", &[0, 3, 6]),
    ("aug", &[0, 4, 8]),
    ("sus2", &[0, 2, 7]),
    ("sus4", &[0, 5, 7]),
    ("add9", &[0, 4, 7, 14]),
    ("13", &[0, 4, 7, 10, 14, 21]),
    ("11", &[0, 4, 7, 10, 14, 17]),
    ("9", &[0, 4, 7, 10, 14]),
    ("7", &[0, 4, 7, 10]),
    ("6", &[0, 4, 7, 9]),
    ("m", &[0, 3, 7]),
    ("", &[0, 4, 7]),
];

/// The MIDI notes of a chord named like "Fm9", "Bb13", "C#dim7" or "Ebmaj7/G", with its root in
/// `octave` (C4 = 60); a slash bass goes below the root.
pub fn chord(name: &str, octave: i32) -> Result<Vec<u8>, String> {
    let bad = || {
        format!("\"{name}\" is not a chord: write a root (C, Eb, F#) and a quality (m, 7, m9, maj7, 13, sus4, dim …), e.g. Fm9")
    };
    let (body, bass) = match name.trim().split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (name.trim(), None),
    };
    let letter = body
        .chars()
        .next()
        .filter(char::is_ascii_alphabetic)
        .ok_or_else(bad)?;
    let accidental = body[1..]
        .chars()
        .next()
        .filter(|c| matches!(c, '#' | 'b' | '♯' | '♭'));
    let root_len = letter.len_utf8() + accidental.map_or(0, char::len_utf8);
    let root_name = &body[..root_len];
    let quality = &body[root_len..];
    let root = parse_note(&format!("{root_name}{octave}")).ok_or_else(bad)?;
    let intervals = QUALITIES
        .iter()
        .find(|(q, _)| *q == quality)
        .map(|(_, i)| *i)
        .ok_or_else(bad)?;
    let mut notes: Vec<u8> = intervals
        .iter()
        .map(|i| root.saturating_add(*i).min(127))
        .collect();
    if let Some(bass) = bass {
        let b = parse_note(&format!("{bass}{}", octave - 1)).ok_or_else(bad)?;
        notes.insert(0, b);
    }
    Ok(notes)
}

/// One entry of a note clip as `sequence.clip` writes it: "F2+Ab2 0 4 90".
pub fn clip_entry(
    notes: &[u8],
    start_beats: f64,
    length_beats: f64,
    velocity: Option<u8>,
) -> String {
    let names: Vec<String> = notes.iter().map(|n| note_name(*n)).collect();
    yano_nodes::sequence::clip::clip_entry(&names, start_beats, length_beats, velocity)
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
            clip_entry(&[53, 56, 60], 0.0, 4.0, Some(90)),
            clip_entry(&[46], 4.5, 0.25, None),
        ]
        .join("; ");
        assert_eq!(text, "F3+Ab3+C4 0 4 90; Bb2 4.5 0.25");
        let notes = yano_nodes::sequence::clip::parse_clip(&text, 0).unwrap();
        assert_eq!(notes.len(), 4);
        assert_eq!(notes[3].pitch, 46);
        assert_eq!(notes[3].start_beats, 4.5);
    }
}
