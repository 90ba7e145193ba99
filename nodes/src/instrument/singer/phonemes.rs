//! Syllables into sounds: an onset of up to two consonants, a vowel nucleus (a vowel, a
//! diphthong or a hum) and an optional coda hum. Parsed on the audio thread by matching bytes:
//! no allocation.
//!
//! The mapping (letters are the syllable's, `'` and `-` are ignored):
//!
//! - Onset consonants, read before the first vowel letter: `s` `z` → s; `sh` `ch` → sh;
//!   `h` → h (aspiration); `t` `d` → t; `k` `g` `c` `q` → k; `p` `b` → p; `y` `j` → y (a glide
//!   from i); `w` → w (a glide from u); `m`, `n`, `ng` → a voiced hum before the vowel. Other
//!   consonant letters (f, l, r, v, x …) are skipped: they are not sung.
//! - Nucleus, the run of vowel letters (a e i o u, and y or w after a vowel), a silent `h`
//!   after it (ah, eh, oh, ooh, uh, yeah): `a` `aa` `ah` → a; `e` `eh` → e; `i` `ee` `ii` → i;
//!   `o` `oh` → o; `u` `oo` `ooh` `ou` → u; `uh` and `er` → schwa. Diphthongs glide from their
//!   first vowel to their last: `ay` `ey` `ei` → e→i; `ai` `aai` `aay` → a→i; `oi` `oy` → o→i;
//!   `au` `ow` `aw` → a→u; `ea` (yeah) → e→a; any other run → its first vowel to its last.
//! - No vowel letter: the syllable is a hum, its nasal the nucleus (`mm`, `hmm` → m, `n` → n,
//!   `ng` → ng).
//! - Coda, after the nucleus: `m` → m, `n` → n, `ng` → ng (the hum the note closes on); other
//!   letters there are ignored.

use super::formants::Target;

/// A consonant before the vowel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consonant {
    /// Band-passed noise, high (s) or lower (sh).
    S,
    Sh,
    /// Aspiration: noise through the tract.
    H,
    /// Plosives: closure, burst, aspiration.
    P,
    T,
    K,
    /// Glides from i (y) or u (w) into the vowel.
    Y,
    W,
    /// A voiced hum before the vowel.
    Hum(Target),
}

impl Consonant {
    /// Length as a share of `consonant_ms`.
    pub fn length(self) -> f32 {
        match self {
            Consonant::S | Consonant::Sh | Consonant::Y | Consonant::W => 1.0,
            Consonant::H => 0.8,
            Consonant::P | Consonant::T | Consonant::K => 0.9,
            Consonant::Hum(_) => 1.0,
        }
    }

    /// Voiced consonants sound the glottal pulse from note-on.
    pub fn voiced(self) -> bool {
        matches!(self, Consonant::Y | Consonant::W | Consonant::Hum(_))
    }
}

/// What one syllable is sung as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Articulation {
    pub onset: [Option<Consonant>; 2],
    pub nucleus: Target,
    /// The vowel a diphthong glides to.
    pub offglide: Option<Target>,
    /// The hum the note closes on.
    pub coda: Option<Target>,
}

impl Articulation {
    /// A plain vowel (or hum), nothing before or after it.
    pub fn vowel(target: Target) -> Articulation {
        Articulation {
            onset: [None, None],
            nucleus: target,
            offglide: None,
            coda: None,
        }
    }

    /// Audio thread: reads `letters` (a syllable's bytes); an empty syllable sings `default`.
    pub fn parse(letters: &[u8], default: Target) -> Articulation {
        let mut buf = [0u8; 8];
        let mut n = 0;
        for &c in letters.iter().filter(|c| c.is_ascii_alphabetic()) {
            if n < buf.len() {
                buf[n] = c.to_ascii_lowercase();
                n += 1;
            }
        }
        let s = &buf[..n];
        if s.is_empty() {
            return Articulation::vowel(default);
        }
        let first_vowel = s.iter().position(|c| is_vowel(*c));
        let Some(v0) = first_vowel else {
            return Articulation::vowel(hum_of(s));
        };
        let mut out = Articulation::vowel(default);
        // Onset: consonants before the first vowel letter.
        let mut i = 0;
        let mut k = 0;
        while i < v0 {
            let (consonant, used) = onset_at(&s[i..v0]);
            i += used;
            if let Some(c) = consonant {
                if k < out.onset.len() {
                    out.onset[k] = Some(c);
                    k += 1;
                }
            }
        }
        // Nucleus: the vowel run (y, w count after a vowel), then silent h's.
        let mut end = v0;
        while end < s.len() && (is_vowel(s[end]) || (end > v0 && matches!(s[end], b'y' | b'w'))) {
            end += 1;
        }
        let run = &s[v0..end];
        let mut rest = &s[end..];
        let silent_h = rest.first() == Some(&b'h');
        while rest.first() == Some(&b'h') {
            rest = &rest[1..];
        }
        let (nucleus, offglide) = nucleus_of(run, silent_h, rest.first() == Some(&b'r'));
        out.nucleus = nucleus;
        out.offglide = offglide.filter(|t| *t != nucleus);
        out.coda = match rest {
            [b'n', b'g', ..] => Some(Target::Ng),
            [b'm', ..] => Some(Target::M),
            [b'n', ..] => Some(Target::N),
            _ => None,
        };
        out
    }
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The hum a syllable without vowel letters is: its last nasal.
fn hum_of(s: &[u8]) -> Target {
    if s.ends_with(b"ng") {
        Target::Ng
    } else if s.last() == Some(&b'n') {
        Target::N
    } else {
        Target::M
    }
}

/// The consonant at the start of `s` (which holds no vowel letter) and the letters it used.
fn onset_at(s: &[u8]) -> (Option<Consonant>, usize) {
    match s {
        [b's', b'h', ..] | [b'c', b'h', ..] => (Some(Consonant::Sh), 2),
        [b'n', b'g', ..] => (Some(Consonant::Hum(Target::Ng)), 2),
        [c, ..] => {
            let consonant = match c {
                b's' | b'z' => Some(Consonant::S),
                b'h' => Some(Consonant::H),
                b't' | b'd' => Some(Consonant::T),
                b'k' | b'g' | b'c' | b'q' => Some(Consonant::K),
                b'p' | b'b' => Some(Consonant::P),
                b'y' | b'j' => Some(Consonant::Y),
                b'w' => Some(Consonant::W),
                b'm' => Some(Consonant::Hum(Target::M)),
                b'n' => Some(Consonant::Hum(Target::N)),
                _ => None,
            };
            (consonant, 1)
        }
        [] => (None, 1),
    }
}

fn single(c: u8) -> Target {
    match c {
        b'a' => Target::A,
        b'e' => Target::E,
        b'i' | b'y' => Target::I,
        b'o' => Target::O,
        _ => Target::U,
    }
}

/// The vowel (and the vowel it glides to) a run of vowel letters spells.
fn nucleus_of(run: &[u8], silent_h: bool, then_r: bool) -> (Target, Option<Target>) {
    use Target::*;
    match run {
        b"u" if silent_h => (Schwa, None),
        b"e" if then_r => (Schwa, None),
        b"ee" | b"ii" => (I, None),
        b"oo" | b"ou" | b"uu" => (U, None),
        b"aa" => (A, None),
        b"ay" | b"ey" | b"ei" => (E, Some(I)),
        b"ai" | b"aai" | b"aay" => (A, Some(I)),
        b"oi" | b"oy" => (O, Some(I)),
        b"au" | b"ow" | b"aw" => (A, Some(U)),
        b"ea" => (E, Some(A)),
        [c] => (single(*c), None),
        [c, .., last] => (single(*c), Some(single(*last))),
        [] => (Schwa, None),
    }
}

#[cfg(test)]
mod tests {
    use super::Consonant::*;
    use super::*;
    use Target::*;

    fn parse(s: &str) -> Articulation {
        Articulation::parse(s.as_bytes(), Schwa)
    }

    #[test]
    fn syllables_of_the_issue_are_read() {
        let cases: [(
            &str,
            [Option<Consonant>; 2],
            Target,
            Option<Target>,
            Option<Target>,
        ); 14] = [
            ("ah", [None, None], A, None, None),
            ("eh", [None, None], E, None, None),
            ("ee", [None, None], I, None, None),
            ("oh", [None, None], O, None, None),
            ("ooh", [None, None], U, None, None),
            ("uh", [None, None], Schwa, None, None),
            ("ay", [None, None], E, Some(I), None),
            ("yeah", [Some(Y), None], E, Some(A), None),
            ("haai", [Some(H), None], A, Some(I), None),
            ("we", [Some(W), None], E, None, None),
            ("ngi", [Some(Hum(Ng)), None], I, None, None),
            ("ma", [Some(Hum(M)), None], A, None, None),
            ("mm", [None, None], M, None, None),
            ("sang", [Some(S), None], A, None, Some(Ng)),
        ];
        for (text, onset, nucleus, offglide, coda) in cases {
            let a = parse(text);
            assert_eq!(
                (a.onset, a.nucleus, a.offglide, a.coda),
                (onset, nucleus, offglide, coda),
                "{text}"
            );
        }
    }

    #[test]
    fn clusters_codas_and_the_default() {
        let a = parse("kwam");
        assert_eq!(
            (a.onset, a.nucleus, a.coda),
            ([Some(K), Some(W)], A, Some(M))
        );
        assert_eq!(parse("shi").onset[0], Some(Sh));
        assert_eq!(parse("hmm").nucleus, M);
        assert_eq!(parse("her").nucleus, Schwa);
        assert_eq!(parse("it's").nucleus, I);
        assert_eq!(Articulation::parse(b"", O), Articulation::vowel(O));
    }
}
