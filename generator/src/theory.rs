//! Keys, scales and chords as the generator thinks of them: a key is a tonic and a mode; a chord
//! is built by stacking thirds on a degree of the key's scale, so every tone is diatonic unless
//! the chord is a borrowed (passing) dominant. Names are spelled for the key (E♭, not D♯).

use std::fmt;

/// Major or natural minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
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
}

/// A key: tonic pitch class (C = 0) and mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub tonic: u8,
    pub mode: Mode,
}

const SHARP_NAMES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];
const FLAT_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
];

impl Key {
    pub fn new(tonic: u8, mode: Mode) -> Key {
        Key {
            tonic: tonic % 12,
            mode,
        }
    }

    /// Reads "Eb minor", "E♭m", "f# min", "C major", "Am", "Bb".
    pub fn parse(text: &str) -> Option<Key> {
        let t = text.trim();
        let (class, rest) = yano_nodes::sequence::notation::parse_pitch_class(t)?;
        let mode = match rest.trim().to_ascii_lowercase().as_str() {
            "" | "maj" | "major" => Mode::Major,
            "m" | "min" | "minor" | "-" => Mode::Minor,
            _ => return None,
        };
        Some(Key::new(class.rem_euclid(12) as u8, mode))
    }

    /// Pitch classes of the scale.
    pub fn scale(&self) -> [u8; 7] {
        self.mode.steps().map(|s| (self.tonic + s) % 12)
    }

    pub fn contains(&self, pitch_class: u8) -> bool {
        self.scale().contains(&(pitch_class % 12))
    }

    /// Flat keys are spelled with flats: F, B♭, E♭ … major and D, G, C … minor.
    fn flats(&self) -> bool {
        let major_tonic = match self.mode {
            Mode::Major => self.tonic,
            Mode::Minor => (self.tonic + 3) % 12,
        };
        matches!(major_tonic, 5 | 10 | 3 | 8 | 1 | 6)
    }

    /// A pitch class spelled for this key.
    pub fn spell(&self, pitch_class: u8) -> &'static str {
        let names = if self.flats() {
            &FLAT_NAMES
        } else {
            &SHARP_NAMES
        };
        names[usize::from(pitch_class % 12)]
    }

    /// A MIDI note spelled for this key: 63 in E♭ minor is "Eb4" (C4 = 60).
    pub fn note_name(&self, note: u8) -> String {
        format!("{}{}", self.spell(note % 12), i32::from(note) / 12 - 1)
    }

    /// Sharps (positive) or flats (negative) in the key signature, for MIDI.
    pub fn signature(&self) -> i8 {
        let major_tonic = match self.mode {
            Mode::Major => self.tonic,
            Mode::Minor => (self.tonic + 3) % 12,
        };
        // Position on the circle of fifths from C.
        let fifths = (0..12)
            .find(|k| (7 * k) % 12 == i32::from(major_tonic))
            .unwrap_or(0) as i8;
        if fifths > 6 || (fifths == 6 && self.flats()) {
            fifths - 12
        } else {
            fifths
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = match self.mode {
            Mode::Major => "major",
            Mode::Minor => "minor",
        };
        write!(f, "{} {mode}", self.spell(self.tonic))
    }
}

/// A chord: root pitch class and the tones above it (semitones, extensions above 12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chord {
    pub root: u8,
    /// Third, fifth, seventh, ninth, eleventh, thirteenth (semitones above the root).
    pub tones: [u8; 6],
    /// A borrowed dominant (V7 of the next chord), outside the key.
    pub passing: bool,
    /// The colour tone the right hand must play: 9th (none asked), 11th over minor chords, 13th
    /// over dominant and major chords. It names the chord: Fm9 or Fm11, Eb9 or Eb13.
    pub colour: Colour,
}

/// Which extension colours a chord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    Ninth,
    Eleventh,
    Thirteenth,
}

impl Chord {
    /// The diatonic seventh chord with extensions on scale degree `degree` (0 = tonic).
    pub fn on_degree(key: Key, degree: usize) -> Chord {
        let steps = key.mode.steps();
        let at = |n: usize| -> u8 {
            let octave = (degree + n) / 7;
            steps[(degree + n) % 7] + 12 * octave as u8
        };
        let base = at(0);
        let tones = [2, 4, 6, 8, 10, 12].map(|n| at(n) - base);
        Chord {
            root: (key.tonic + base) % 12,
            tones,
            passing: false,
            colour: Colour::Ninth,
        }
    }

    /// The dominant seventh (with a ninth and thirteenth) whose root is a fifth above `target`.
    pub fn dominant_of(target: u8) -> Chord {
        Chord {
            root: (target + 7) % 12,
            tones: [4, 7, 10, 14, 17, 21],
            passing: true,
            colour: Colour::Thirteenth,
        }
    }

    /// The same chord with another colour, when its tones allow it (an 11th needs a minor third
    /// and a perfect 11th; a 13th a major third and a major 13th); otherwise unchanged.
    pub fn coloured(mut self, colour: Colour) -> Chord {
        let [third, _, _, _, eleventh, thirteenth] = self.tones;
        let fits = match colour {
            Colour::Ninth => true,
            Colour::Eleventh => third == 3 && eleventh == 17,
            Colour::Thirteenth => third == 4 && thirteenth == 21,
        };
        if fits {
            self.colour = colour;
        }
        self
    }

    /// The tone (semitones above the root, within an octave) a voicing must hold for its colour.
    pub fn colour_tone(&self) -> Option<u8> {
        match self.colour {
            Colour::Ninth => None,
            Colour::Eleventh => Some(5),
            Colour::Thirteenth => Some(9),
        }
    }

    pub fn third(&self) -> u8 {
        self.tones[0]
    }

    pub fn seventh(&self) -> u8 {
        self.tones[2]
    }

    pub fn is_minor(&self) -> bool {
        self.third() == 3
    }

    pub fn is_dominant(&self) -> bool {
        self.third() == 4 && self.seventh() == 10
    }

    /// Tones the right hand may play in a rootless voicing (semitones above the root, within an
    /// octave): 3rd, 5th and 7th always; the 9th when it is a major 9th; the 11th over a minor
    /// third; the 13th over a dominant or major seventh chord. Never ♭9, ♭13 or an 11th over a
    /// major third: the avoid notes of jazz voicing.
    pub fn voicing_tones(&self) -> Vec<u8> {
        let [third, fifth, seventh, ninth, eleventh, thirteenth] = self.tones;
        let mut tones = vec![third, fifth % 12, seventh % 12];
        if ninth == 14 {
            tones.push(2);
        }
        if third == 3 && eleventh == 17 {
            tones.push(5);
        }
        if third == 4 && thirteenth == 21 && fifth == 7 {
            tones.push(9);
        }
        tones
    }

    /// The chord's name for the key, with the extensions its voicings use: "Fm9", "Bb13",
    /// "Ebmaj9", "Dm7b5".
    pub fn symbol(&self, key: Key) -> String {
        let root = key.spell(self.root);
        let [third, fifth, seventh, ninth, ..] = self.tones;
        let quality = match (third, fifth, seventh) {
            (3, 6, 10) => "m7b5",
            (3, 6, 9) => "dim7",
            (3, 7, 10) if ninth == 14 => "m9",
            (3, 7, 10) => "m7",
            (3, 7, 11) => "mmaj7",
            (4, 7, 11) if ninth == 14 => "maj9",
            (4, 7, 11) => "maj7",
            (4, 7, 10) if ninth == 14 => "9",
            (4, 7, 10) => "7",
            (4, 8, _) => "aug",
            _ => "",
        };
        let quality = match (self.colour, quality) {
            (Colour::Eleventh, "m9" | "m7") => "m11",
            (Colour::Thirteenth, "9" | "7") => "13",
            (Colour::Thirteenth, "maj9" | "maj7") => "maj13",
            (_, q) => q,
        };
        format!("{root}{quality}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_and_spell() {
        let k = Key::parse("Eb minor").unwrap();
        assert_eq!((k.tonic, k.mode), (3, Mode::Minor));
        assert_eq!(k.to_string(), "Eb minor");
        assert_eq!(Key::parse("f#m").unwrap().to_string(), "F# minor");
        assert_eq!(Key::parse("E♭").unwrap().to_string(), "Eb major");
        assert!(Key::parse("H minor").is_none());
        assert_eq!(Key::parse("Eb minor").unwrap().signature(), -6);
        assert_eq!(Key::parse("A minor").unwrap().signature(), 0);
        assert_eq!(Key::parse("E major").unwrap().signature(), 4);
        assert_eq!(Key::parse("F major").unwrap().signature(), -1);
    }

    #[test]
    fn diatonic_chords_are_named_as_musicians_do() {
        let ab = Key::parse("Ab major").unwrap();
        let names: Vec<String> = (0..7).map(|d| Chord::on_degree(ab, d).symbol(ab)).collect();
        assert_eq!(
            names,
            ["Abmaj9", "Bbm9", "Cm7", "Dbmaj9", "Eb9", "Fm9", "Gm7b5"]
        );
        let fm = Key::parse("F minor").unwrap();
        assert_eq!(Chord::on_degree(fm, 3).symbol(fm), "Bbm9");
        assert_eq!(Chord::on_degree(fm, 6).symbol(fm), "Eb9");
        for d in 0..7 {
            let c = Chord::on_degree(fm, d);
            for t in c.voicing_tones() {
                assert!(fm.contains(c.root + t), "degree {d} tone {t}");
            }
        }
    }
}
