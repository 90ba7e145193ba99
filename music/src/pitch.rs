//! Pitch classes (C = 0 … B = 11) and note names as musicians write them ("Eb", "F#4"; C4 = MIDI
//! 60, as in AMAPIANO.md). Reading accepts `#`, `♯`, `b` and `♭` and lower-case letters; writing
//! uses ASCII `#` and `b` with the spelling a key asks for (see [`crate::Key::spelling`]).

/// Which accidental names the five black keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spelling {
    /// C Db D Eb E F Gb G Ab A Bb B.
    Flats,
    /// C C# D D# E F F# G G# A A# B.
    Sharps,
}

const FLAT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
];
const SHARP_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

impl Spelling {
    /// The name of a pitch class (taken modulo 12).
    pub fn name(self, pitch_class: u8) -> &'static str {
        let names = match self {
            Spelling::Flats => &FLAT_NAMES,
            Spelling::Sharps => &SHARP_NAMES,
        };
        names[usize::from(pitch_class % 12)]
    }

    /// A MIDI note's name with its octave: 63 is "Eb4" with flats, "D#4" with sharps.
    pub fn note_name(self, note: u8) -> String {
        format!("{}{}", self.name(note % 12), i32::from(note) / 12 - 1)
    }
}

/// Semitones of a letter and its accidental above C, as written: "Cb" is -1, "B#" is 12.
fn letter_and_accidental(text: &str) -> Option<(i32, &str)> {
    let letter = text.chars().next()?.to_ascii_uppercase();
    let base: i32 = match letter {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let rest = &text[1..];
    Some(match rest.chars().next() {
        Some(c @ ('#' | '♯')) => (base + 1, &rest[c.len_utf8()..]),
        Some(c @ ('b' | '♭')) => (base - 1, &rest[c.len_utf8()..]),
        _ => (base, rest),
    })
}

/// The pitch class of the note name at the start of `text` ("Eb", "F#", "B♭m9") and the text
/// after it. An accidental counts only right after the letter.
pub fn parse_pitch_class(text: &str) -> Option<(u8, &str)> {
    let (semitones, rest) = letter_and_accidental(text)?;
    Some((semitones.rem_euclid(12) as u8, rest))
}

/// The MIDI note of a name with its octave: "C4" is 60, "Eb2" 39, "Cb4" 59 (B3).
pub fn parse_note(text: &str) -> Option<u8> {
    let (semitones, octave) = letter_and_accidental(text.trim())?;
    let octave: i32 = octave.parse().ok()?;
    u8::try_from((octave + 1) * 12 + semitones)
        .ok()
        .filter(|n| *n <= 127)
}

/// A note as the sequencers' texts and scripts write it: a name ("Eb2", see [`parse_note`]) or a
/// MIDI number 0..=127 ("39").
pub fn parse_note_or_number(text: &str) -> Option<u8> {
    let t = text.trim();
    match t.parse::<u8>() {
        Ok(n) => (n <= 127).then_some(n),
        Err(_) => parse_note(t),
    }
}

/// The name of a MIDI note as yano's clips, piano roll, scripts and transcriptions write it when no
/// key is known: flats, "Eb2" (C4 = 60).
pub fn note_name(note: u8) -> String {
    Spelling::Flats.note_name(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_names_read_as_pitch_classes_and_midi_notes() {
        assert_eq!(parse_pitch_class("Eb4"), Some((3, "4")));
        assert_eq!(parse_pitch_class("F#m7"), Some((6, "m7")));
        assert_eq!(parse_pitch_class("B♭"), Some((10, "")));
        assert_eq!(parse_pitch_class("cb"), Some((11, "")));
        assert_eq!(parse_pitch_class("H"), None);
        assert_eq!(parse_note("C4"), Some(60));
        assert_eq!(parse_note("A4"), Some(69));
        assert_eq!(parse_note("Eb2"), Some(39));
        assert_eq!(parse_note("Cb4"), Some(59));
        assert_eq!(parse_note("G9"), Some(127));
        assert_eq!(parse_note("G#9"), None);
        assert_eq!(parse_note("Eb"), None);
        assert_eq!(parse_note("41"), None);
        assert_eq!(parse_note_or_number("41"), Some(41));
        assert_eq!(parse_note_or_number(" Bb1 "), Some(34));
        assert_eq!(parse_note_or_number("128"), None);
        assert_eq!(note_name(61), "Db4");
    }

    #[test]
    fn spellings_name_the_black_keys() {
        assert_eq!(Spelling::Flats.name(6), "Gb");
        assert_eq!(Spelling::Sharps.name(6), "F#");
        assert_eq!(Spelling::Flats.name(15), "Eb");
        assert_eq!(Spelling::Flats.note_name(63), "Eb4");
        assert_eq!(Spelling::Sharps.note_name(63), "D#4");
        assert_eq!(Spelling::Sharps.note_name(0), "C-1");
    }
}
