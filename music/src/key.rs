//! Keys: a tonic pitch class and a mode (major or natural minor), their scales, key signatures
//! and the one spelling rule every part of yano uses.
//!
//! Spelling follows the key signature: a key whose signature has flats (F, B♭, E♭, A♭, D♭, G♭
//! major; D, G, C, F, B♭, E♭ minor) names black keys with flats; every other key (C major and A
//! minor, with no accidentals, and the sharp keys) names them with sharps. The key six steps round
//! the circle of fifths is written with flats, as amapiano writes it: G♭ major (not F♯ major),
//! E♭ minor (not D♯ minor), so relative keys always spell alike.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::pitch::{parse_pitch_class, Spelling};

/// Major or natural minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Major,
    Minor,
}

impl Mode {
    /// Semitones of the seven scale degrees above the tonic.
    pub fn steps(self) -> [u8; 7] {
        match self {
            Mode::Major => [0, 2, 4, 5, 7, 9, 11],
            Mode::Minor => [0, 2, 3, 5, 7, 8, 10],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Major => "major",
            Mode::Minor => "minor",
        }
    }
}

/// A key: tonic pitch class (C = 0) and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub tonic: u8,
    pub mode: Mode,
}

/// Text that names no key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{text}\" is not a key: write a tonic and a mode, e.g. \"Eb minor\", \"F#m\", \"C major\""
)]
pub struct ParseKeyError {
    pub text: String,
}

impl Key {
    /// The key on `tonic` (taken modulo 12).
    pub fn new(tonic: u8, mode: Mode) -> Key {
        Key {
            tonic: tonic % 12,
            mode,
        }
    }

    /// Reads "Eb minor", "E♭m", "f# min", "C major", "Am", "Bb" (major when no mode is written).
    pub fn parse(text: &str) -> Option<Key> {
        let (tonic, rest) = parse_pitch_class(text.trim())?;
        let mode = match rest.trim().to_ascii_lowercase().as_str() {
            "" | "maj" | "major" => Mode::Major,
            "m" | "min" | "minor" | "-" => Mode::Minor,
            _ => return None,
        };
        Some(Key::new(tonic, mode))
    }

    pub fn is_minor(self) -> bool {
        self.mode == Mode::Minor
    }

    /// The relative key: same signature, the other mode (F minor ↔ A♭ major).
    pub fn relative(self) -> Key {
        match self.mode {
            Mode::Major => Key::new(self.tonic + 9, Mode::Minor),
            Mode::Minor => Key::new(self.tonic + 3, Mode::Major),
        }
    }

    /// Pitch classes of the scale, from the tonic.
    pub fn scale(self) -> [u8; 7] {
        self.mode.steps().map(|s| (self.tonic + s) % 12)
    }

    pub fn contains(self, pitch_class: u8) -> bool {
        self.scale().contains(&(pitch_class % 12))
    }

    /// Sharps (positive) or flats (negative) in the key signature, as MIDI writes it: E♭ minor
    /// is -6, E major 4, G♭ major -6.
    pub fn signature(self) -> i8 {
        let major_tonic = match self.mode {
            Mode::Major => self.tonic,
            Mode::Minor => (self.tonic + 3) % 12,
        };
        // Steps round the circle of fifths from C, 0..12: a fifth is 7 semitones and 7 · 7 = 49 ≡ 1
        // (mod 12), so the tonic times 7 counts the fifths. Past five (B major) the flat side is
        // shorter, and at six (G♭ = F♯) flats win, as the module doc says.
        let fifths = ((7 * u16::from(major_tonic)) % 12) as i8;
        if fifths >= 6 {
            fifths - 12
        } else {
            fifths
        }
    }

    /// How this key names black keys: flats when its signature has flats, else sharps.
    pub fn spelling(self) -> Spelling {
        if self.signature() < 0 {
            Spelling::Flats
        } else {
            Spelling::Sharps
        }
    }

    /// A pitch class spelled for this key: 6 is "Gb" in E♭ minor, "F#" in E minor.
    pub fn spell(self, pitch_class: u8) -> &'static str {
        self.spelling().name(pitch_class)
    }

    /// A MIDI note spelled for this key: 63 in E♭ minor is "Eb4" (C4 = 60).
    pub fn note_name(self, note: u8) -> String {
        self.spelling().note_name(note)
    }

    /// "F minor", "Eb major".
    pub fn name(self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.spell(self.tonic), self.mode.name())
    }
}

impl FromStr for Key {
    type Err = ParseKeyError;

    fn from_str(text: &str) -> Result<Key, ParseKeyError> {
        Key::parse(text).ok_or_else(|| ParseKeyError {
            text: text.to_string(),
        })
    }
}

/// A key is written as its name ("F minor") in JSON, as `yano analyze` prints it.
impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> Key {
        text.parse().unwrap()
    }

    #[test]
    fn keys_read_every_way_musicians_write_them() {
        assert_eq!(key("Eb minor"), Key::new(3, Mode::Minor));
        assert_eq!(key("E♭m"), Key::new(3, Mode::Minor));
        assert_eq!(key("f# min"), Key::new(6, Mode::Minor));
        assert_eq!(key("Bb"), Key::new(10, Mode::Major));
        assert_eq!(key("A-"), Key::new(9, Mode::Minor));
        let err = "H minor".parse::<Key>().unwrap_err();
        assert!(err.to_string().contains("\"H minor\""), "{err}");
        assert!(Key::parse("C dorian").is_none());
    }

    #[test]
    fn gb_major_and_its_relative_eb_minor_are_written_with_six_flats() {
        // G♭ major: G♭ A♭ B♭ C♭ D♭ E♭ F; six flats. F♯ major would be six sharps: flats win.
        let gb = Key::new(6, Mode::Major);
        assert_eq!(gb.to_string(), "Gb major");
        assert_eq!(key("F# major").to_string(), "Gb major");
        assert_eq!(gb.signature(), -6);
        assert_eq!(gb.spelling(), Spelling::Flats);
        let names: Vec<&str> = gb.scale().iter().map(|pc| gb.spell(*pc)).collect();
        // C♭ is written B: pitch classes have one name per spelling, not per degree.
        assert_eq!(names, ["Gb", "Ab", "Bb", "B", "Db", "Eb", "F"]);
        let ebm = key("D# minor");
        assert_eq!(ebm.to_string(), "Eb minor");
        assert_eq!(ebm.signature(), -6);
        assert_eq!(ebm.relative(), gb);
        assert_eq!(gb.relative(), ebm);
    }

    #[test]
    fn signatures_follow_the_circle_of_fifths() {
        let sig = |k: &str| key(k).signature();
        assert_eq!(sig("C major"), 0);
        assert_eq!(sig("A minor"), 0);
        assert_eq!(sig("G major"), 1);
        assert_eq!(sig("E major"), 4);
        assert_eq!(sig("B major"), 5);
        assert_eq!(sig("C# minor"), 4);
        assert_eq!(sig("F major"), -1);
        assert_eq!(sig("F minor"), -4);
        assert_eq!(sig("Db major"), -5);
        assert_eq!(sig("Bb minor"), -5);
    }

    #[test]
    fn spelling_follows_the_signature() {
        // Sharp keys and C major / A minor: sharps; flat keys: flats.
        assert_eq!(key("E minor").spell(6), "F#");
        assert_eq!(key("A minor").spell(8), "G#");
        assert_eq!(key("C major").spell(10), "A#");
        assert_eq!(key("F minor").spell(1), "Db");
        assert_eq!(key("F major").spell(10), "Bb");
        assert_eq!(key("Eb minor").note_name(63), "Eb4");
        assert_eq!(key("B major").note_name(63), "D#4");
        assert_eq!(key("Db major").to_string(), "Db major");
        assert_eq!(key("C# minor").to_string(), "C# minor");
    }

    #[test]
    fn keys_are_written_by_name_in_json() {
        let k = key("Eb minor");
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"Eb minor\"");
        assert_eq!(serde_json::from_str::<Key>("\"Ebm\"").unwrap(), k);
        assert!(serde_json::from_str::<Key>("\"H\"").is_err());
        assert!(k.is_minor() && k.contains(6) && !k.contains(7));
    }
}
