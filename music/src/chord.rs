//! Chords: a root pitch class and a quality, with the two names yano prints them under: the
//! lead-sheet symbol a musician reads ("Fm9", "Bb13", "Ebmaj7") and the Harte et al. (2005)
//! label chord-recognition evaluations use ("F:min9", "Bb:13", "Eb:maj7"). Both spell the root
//! as the key asks (see [`crate::key`]). One table of qualities serves the analysis's chord
//! vocabulary, the composer's chord names and the scripts' `chord("Fm9")`.

use serde::{Deserialize, Serialize};

use crate::pitch::{parse_pitch_class, Spelling};

/// The major or minor triad under a chord, as the major/minor chord measure (mir_eval's
/// `majmin`) reduces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Triad {
    Major,
    Minor,
}

macro_rules! qualities {
    ($($variant:ident $symbol:literal $harte:literal $triad:expr, [$($tone:literal),*];)*) => {
        /// What a chord is over its root: the tones it stacks and its names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Quality {
            $($variant,)*
        }

        impl Quality {
            /// Every quality: triads, sixths, sevenths, added ninths, then ninths to thirteenths.
            pub const ALL: &'static [Quality] = &[$(Quality::$variant,)*];

            /// The suffix of a lead-sheet symbol: "m9" in "Fm9", "" for a major triad.
            pub fn symbol(self) -> &'static str {
                match self {
                    $(Quality::$variant => $symbol,)*
                }
            }

            /// The Harte shorthand: "min9" in "F:min9", "maj" for a major triad.
            pub fn harte(self) -> &'static str {
                match self {
                    $(Quality::$variant => $harte,)*
                }
            }

            /// The triad the major/minor measure reads, None for diminished, augmented and
            /// suspended chords.
            pub fn triad(self) -> Option<Triad> {
                match self {
                    $(Quality::$variant => $triad,)*
                }
            }

            /// Semitones of the chord tones above the root, the root (0) first; extensions
            /// above the octave (9th = 14, 11th = 17, 13th = 21).
            pub fn intervals(self) -> &'static [u8] {
                match self {
                    $(Quality::$variant => &[$($tone),*],)*
                }
            }
        }
    };
}

const MAJ: Option<Triad> = Some(Triad::Major);
const MIN: Option<Triad> = Some(Triad::Minor);

qualities! {
    Major "" "maj" MAJ, [0, 4, 7];
    Minor "m" "min" MIN, [0, 3, 7];
    Diminished "dim" "dim" None, [0, 3, 6];
    Augmented "aug" "aug" None, [0, 4, 8];
    Suspended2 "sus2" "sus2" None, [0, 2, 7];
    Suspended4 "sus4" "sus4" None, [0, 5, 7];
    Major6 "6" "maj6" MAJ, [0, 4, 7, 9];
    Minor6 "m6" "min6" MIN, [0, 3, 7, 9];
    Dominant7 "7" "7" MAJ, [0, 4, 7, 10];
    Major7 "maj7" "maj7" MAJ, [0, 4, 7, 11];
    Minor7 "m7" "min7" MIN, [0, 3, 7, 10];
    MinorMajor7 "mmaj7" "minmaj7" MIN, [0, 3, 7, 11];
    HalfDiminished7 "m7b5" "hdim7" None, [0, 3, 6, 10];
    Diminished7 "dim7" "dim7" None, [0, 3, 6, 9];
    AddNine "add9" "maj(9)" MAJ, [0, 4, 7, 14];
    MinorAddNine "madd9" "min(9)" MIN, [0, 3, 7, 14];
    Dominant9 "9" "9" MAJ, [0, 4, 7, 10, 14];
    Major9 "maj9" "maj9" MAJ, [0, 4, 7, 11, 14];
    Minor9 "m9" "min9" MIN, [0, 3, 7, 10, 14];
    Dominant11 "11" "11" MAJ, [0, 4, 7, 10, 14, 17];
    Minor11 "m11" "min11" MIN, [0, 3, 7, 10, 14, 17];
    Dominant13 "13" "13" MAJ, [0, 4, 7, 10, 14, 21];
    Major13 "maj13" "maj13" MAJ, [0, 4, 7, 11, 14, 21];
    Minor13 "m13" "min13" MIN, [0, 3, 7, 10, 14, 21];
}

impl Quality {
    /// The quality whose lead-sheet suffix is exactly `suffix`.
    pub fn from_symbol(suffix: &str) -> Option<Quality> {
        Quality::ALL.iter().copied().find(|q| q.symbol() == suffix)
    }

    /// The quality whose Harte shorthand is exactly `shorthand`.
    pub fn from_harte(shorthand: &str) -> Option<Quality> {
        Quality::ALL
            .iter()
            .copied()
            .find(|q| q.harte() == shorthand)
    }
}

/// A chord: root pitch class (C = 0) and quality. It has no spelling of its own: the key it is
/// heard or written in spells its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Chord {
    pub root: u8,
    pub quality: Quality,
}

/// Text that names no chord.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{text}\" is not a chord: write a root (C, Eb, F#) and a quality ({expected}), e.g. {example}")]
pub struct ParseChordError {
    pub text: String,
    expected: &'static str,
    example: &'static str,
}

impl Chord {
    pub fn new(root: u8, quality: Quality) -> Chord {
        Chord {
            root: root % 12,
            quality,
        }
    }

    /// Reads a lead-sheet symbol: "Fm9", "Bb13", "C#dim7", "E♭maj7", "C".
    pub fn parse_symbol(text: &str) -> Result<Chord, ParseChordError> {
        let bad = || ParseChordError {
            text: text.to_string(),
            expected: "m, 7, m9, maj7, 13, sus4, dim …",
            example: "Fm9",
        };
        let (root, suffix) = parse_pitch_class(text.trim()).ok_or_else(bad)?;
        let quality = Quality::from_symbol(suffix).ok_or_else(bad)?;
        Ok(Chord::new(root, quality))
    }

    /// Reads a Harte label: "F:min7", "Eb:7", "Ab:maj" (no chord, "N", is a span without one).
    pub fn parse_label(text: &str) -> Result<Chord, ParseChordError> {
        let bad = || ParseChordError {
            text: text.to_string(),
            expected: "maj, min, 7, maj7, min7, min9 … after a colon",
            example: "F:min7",
        };
        let (root_text, shorthand) = text.trim().split_once(':').ok_or_else(bad)?;
        let (root, rest) = parse_pitch_class(root_text).ok_or_else(bad)?;
        if !rest.is_empty() {
            return Err(bad());
        }
        let quality = Quality::from_harte(shorthand).ok_or_else(bad)?;
        Ok(Chord::new(root, quality))
    }

    /// The lead-sheet symbol: "Fm9", "Bb13", "Ebmaj9".
    pub fn symbol(self, spelling: Spelling) -> String {
        format!("{}{}", spelling.name(self.root), self.quality.symbol())
    }

    /// The Harte label as `yano analyze` prints it: "F:min7", "Eb:7".
    pub fn label(self, spelling: Spelling) -> String {
        format!("{}:{}", spelling.name(self.root), self.quality.harte())
    }

    /// The triad under the chord (see [`Quality::triad`]).
    pub fn triad(self) -> Option<Triad> {
        self.quality.triad()
    }

    /// Pitch classes of the chord tones, root first.
    pub fn pitch_classes(self) -> Vec<u8> {
        self.quality
            .intervals()
            .iter()
            .map(|i| (self.root + i) % 12)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_with_their_spelling() {
        let fsm7 = Chord::parse_label("F#:min7").unwrap();
        assert_eq!(fsm7, Chord::new(6, Quality::Minor7));
        assert_eq!(fsm7.label(Spelling::Sharps), "F#:min7");
        assert_eq!(fsm7.label(Spelling::Flats), "Gb:min7");
        assert_eq!(fsm7.symbol(Spelling::Sharps), "F#m7");
        for label in ["Eb:7", "Ab:maj7", "Bb:min", "C:maj", "D:hdim7", "A:maj(9)"] {
            let chord = Chord::parse_label(label).unwrap();
            assert_eq!(chord.label(Spelling::Flats), label);
        }
        assert!(Chord::parse_label("N").is_err());
        assert!(Chord::parse_label("F:wobble").is_err());
        assert!(Chord::parse_label("Fx:min").is_err());
    }

    #[test]
    fn symbols_read_as_musicians_write_them() {
        let c = |s: &str| Chord::parse_symbol(s).unwrap();
        assert_eq!(c("Fm9"), Chord::new(5, Quality::Minor9));
        assert_eq!(c("Bb13"), Chord::new(10, Quality::Dominant13));
        assert_eq!(c("E♭maj7"), Chord::new(3, Quality::Major7));
        assert_eq!(c("C"), Chord::new(0, Quality::Major));
        assert_eq!(c("Dm7b5").symbol(Spelling::Flats), "Dm7b5");
        // F minor's ninth chord: F A♭ C E♭ G.
        assert_eq!(c("Fm9").pitch_classes(), vec![5, 8, 0, 3, 7]);
        let err = Chord::parse_symbol("Hm7").unwrap_err().to_string();
        assert!(err.contains("\"Hm7\""), "{err}");
        assert!(Chord::parse_symbol("Fwobble").is_err());
    }

    #[test]
    fn the_quality_table_is_one_to_one_and_reduces_to_major_or_minor() {
        for q in Quality::ALL {
            assert_eq!(Quality::from_symbol(q.symbol()), Some(*q));
            assert_eq!(Quality::from_harte(q.harte()), Some(*q));
            assert_eq!(q.intervals()[0], 0);
            // A major or minor triad is a third (4 or 3) and a perfect fifth.
            let third = q.intervals().iter().any(|i| *i == 4);
            let minor_third = q.intervals().iter().any(|i| *i == 3);
            let fifth = q.intervals().contains(&7);
            let expected = match (third, minor_third, fifth) {
                (true, false, true) => Some(Triad::Major),
                (false, true, true) => Some(Triad::Minor),
                _ => None,
            };
            assert_eq!(q.triad(), expected, "{q:?}");
        }
        assert_eq!(Quality::Minor11.harte(), "min11");
        assert_eq!(Quality::HalfDiminished7.symbol(), "m7b5");
    }
}
