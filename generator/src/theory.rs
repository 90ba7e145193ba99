//! Chords as the generator builds them: by stacking thirds on a degree of the key's scale, so
//! every tone is diatonic unless the chord is a borrowed (passing) dominant. Keys, chord
//! qualities and their spelling are yano-music's; this module knows only how the composer
//! stacks and colours a chord.

use yano_music::{Chord, Key, Quality};

/// A chord as the composer builds it: root pitch class and the stacked tones above it
/// (semitones, extensions above 12), so voicings know which 9th, 11th and 13th the key allows.
/// [`ExtendedChord::chord`] names it in the shared vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedChord {
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

impl ExtendedChord {
    /// The diatonic seventh chord with extensions on scale degree `degree` (0 = tonic).
    pub fn on_degree(key: Key, degree: usize) -> ExtendedChord {
        let steps = key.mode.steps();
        let at = |n: usize| -> u8 {
            let octave = (degree + n) / 7;
            steps[(degree + n) % 7] + 12 * octave as u8
        };
        let base = at(0);
        let tones = [2, 4, 6, 8, 10, 12].map(|n| at(n) - base);
        ExtendedChord {
            root: (key.tonic + base) % 12,
            tones,
            passing: false,
            colour: Colour::Ninth,
        }
    }

    /// The dominant seventh (with a ninth and thirteenth) whose root is a fifth above `target`.
    pub fn dominant_of(target: u8) -> ExtendedChord {
        ExtendedChord {
            root: (target + 7) % 12,
            tones: [4, 7, 10, 14, 17, 21],
            passing: true,
            colour: Colour::Thirteenth,
        }
    }

    /// A chord heard in a song (amapianorize follows a song's chords), extended as the composer
    /// extends its own: a chord whose root and third are the key's diatonic chord on that degree
    /// takes that chord's stacked tones (so F minor's Bbm is Bbm9, never Bbm with a foreign 9th);
    /// any other chord keeps its own third and seventh and takes a major 9th, and is marked
    /// passing (outside the key). A triad heard as a triad gets the seventh the key gives it, or
    /// a minor seventh over a minor chord and a dominant seventh over a major one outside the key.
    pub fn from_chord(chord: Chord, key: Key) -> ExtendedChord {
        let intervals = chord.quality.intervals();
        let has = |i: u8| intervals.contains(&i);
        let third = if has(3) { 3 } else { 4 };
        let degree = (0..7).find(|&d| (key.tonic + key.mode.steps()[d]) % 12 == chord.root);
        if let Some(d) = degree {
            let diatonic = ExtendedChord::on_degree(key, d);
            let seventh_fits = match intervals.iter().find(|&&i| i == 10 || i == 11) {
                Some(&s) => diatonic.seventh() == s,
                None => true,
            };
            if diatonic.third() == third && seventh_fits {
                return diatonic;
            }
        }
        let fifth = if has(6) {
            6
        } else if has(8) {
            8
        } else {
            7
        };
        let seventh = if has(11) {
            11
        } else if has(9) && fifth == 6 {
            9
        } else {
            10
        };
        let eleventh = if third == 3 { 17 } else { 18 };
        let thirteenth = if third == 4 && seventh == 10 { 21 } else { 20 };
        ExtendedChord {
            root: chord.root,
            tones: [third, fifth, seventh, 14, eleventh, thirteenth],
            passing: !intervals.iter().all(|i| key.contains(chord.root + i)),
            colour: Colour::Ninth,
        }
    }

    /// The same chord with another colour, when its tones allow it (an 11th needs a minor third
    /// and a perfect 11th; a 13th a major third and a major 13th); otherwise unchanged.
    pub fn coloured(mut self, colour: Colour) -> ExtendedChord {
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

    /// The chord in the shared vocabulary, with the extensions its voicings use: F minor's i
    /// with a 9th is Fm9, with its 11th coloured Fm11.
    pub fn chord(&self) -> Chord {
        let [third, fifth, seventh, ninth, ..] = self.tones;
        let quality = match (third, fifth, seventh) {
            (3, 6, 10) => Quality::HalfDiminished7,
            (3, 6, 9) => Quality::Diminished7,
            (3, 7, 10) if ninth == 14 => Quality::Minor9,
            (3, 7, 10) => Quality::Minor7,
            (3, 7, 11) => Quality::MinorMajor7,
            (4, 7, 11) if ninth == 14 => Quality::Major9,
            (4, 7, 11) => Quality::Major7,
            (4, 7, 10) if ninth == 14 => Quality::Dominant9,
            (4, 7, 10) => Quality::Dominant7,
            (4, 8, _) => Quality::Augmented,
            _ => Quality::Major,
        };
        let quality = match (self.colour, quality) {
            (Colour::Eleventh, Quality::Minor9 | Quality::Minor7) => Quality::Minor11,
            (Colour::Thirteenth, Quality::Dominant9 | Quality::Dominant7) => Quality::Dominant13,
            (Colour::Thirteenth, Quality::Major9 | Quality::Major7) => Quality::Major13,
            (_, q) => q,
        };
        Chord::new(self.root, quality)
    }

    /// The chord's symbol spelled for the key: "Fm9", "Bb13", "Ebmaj9", "Dm7b5".
    pub fn symbol(&self, key: Key) -> String {
        self.chord().symbol(key.spelling())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diatonic_chords_are_named_as_musicians_do() {
        let ab = Key::parse("Ab major").unwrap();
        let names: Vec<String> = (0..7)
            .map(|d| ExtendedChord::on_degree(ab, d).symbol(ab))
            .collect();
        assert_eq!(
            names,
            ["Abmaj9", "Bbm9", "Cm7", "Dbmaj9", "Eb9", "Fm9", "Gm7b5"]
        );
        let fm = Key::parse("F minor").unwrap();
        assert_eq!(ExtendedChord::on_degree(fm, 3).symbol(fm), "Bbm9");
        assert_eq!(ExtendedChord::on_degree(fm, 6).symbol(fm), "Eb9");
        assert_eq!(
            ExtendedChord::on_degree(fm, 0)
                .coloured(Colour::Eleventh)
                .symbol(fm),
            "Fm11"
        );
        assert_eq!(ExtendedChord::dominant_of(0).symbol(fm), "G13");
        // E♭ minor's III is G♭ (six flats), never F♯.
        let ebm = Key::parse("Eb minor").unwrap();
        assert_eq!(ExtendedChord::on_degree(ebm, 2).symbol(ebm), "Gbmaj9");
        for d in 0..7 {
            let c = ExtendedChord::on_degree(fm, d);
            for t in c.voicing_tones() {
                assert!(fm.contains(c.root + t), "degree {d} tone {t}");
            }
        }
    }
}
