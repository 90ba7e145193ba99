//! Note names as musicians write them ("F1", "Eb2", "C#4"; C4 = MIDI 60, as in AMAPIANO.md) and
//! small helpers to read the text parameters of the sequencers.

/// The pitch class (C = 0) of a note letter with an optional accidental at the start of `text`
/// ("Eb", "F#", "B♭m9"), and the text after it. Letters may be lower case; a leading accidental
/// counts as one only when it is `#`, `♯`, `b` or `♭` right after the letter.
pub fn parse_pitch_class(text: &str) -> Option<(i32, &str)> {
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

/// MIDI note number of a name like "C4", "Eb2", "F#1", "Bb-1", or of a plain number "41".
pub fn parse_note(text: &str) -> Option<u8> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u8>() {
        return (n <= 127).then_some(n);
    }
    let (class, octave) = parse_pitch_class(t)?;
    let octave: i32 = octave.parse().ok()?;
    let n = (octave + 1) * 12 + class;
    u8::try_from(n).ok().filter(|n| *n <= 127)
}

/// The name of a MIDI note ("Eb2" style, flats).
pub fn note_name(note: u8) -> String {
    const NAMES: [&str; 12] = [
        "C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B",
    ];
    format!(
        "{}{}",
        NAMES[usize::from(note % 12)],
        i32::from(note) / 12 - 1
    )
}

/// A list of notes separated by spaces or commas; the error names the word it could not read.
pub fn parse_notes(text: &str) -> Result<Vec<u8>, String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| {
            parse_note(w).ok_or_else(|| {
                format!("\"{w}\" is not a note (write C4, Eb2, F#1 or a MIDI number)")
            })
        })
        .collect()
}

/// A list of numbers separated by spaces or commas.
pub fn parse_numbers(text: &str) -> Result<Vec<f64>, String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.parse::<f64>()
                .map_err(|_| format!("\"{w}\" is not a number"))
        })
        .collect()
}

/// Bar ranges like "1-16, 33-64" or "all" (bars counted from 1, both ends included), as
/// half-open ranges of bars counted from 0.
pub fn parse_bar_ranges(text: &str) -> Result<Vec<(f64, f64)>, String> {
    let t = text.trim();
    if t.is_empty() || t == "all" {
        return Ok(vec![(0.0, f64::INFINITY)]);
    }
    if t == "none" {
        return Ok(Vec::new());
    }
    t.split(',')
        .map(|part| {
            let part = part.trim();
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let a: f64 = a
                .trim()
                .parse()
                .map_err(|_| format!("\"{part}\" is not a bar range like 1-16"))?;
            let b: f64 = if b.trim() == "end" {
                f64::INFINITY
            } else {
                b.trim()
                    .parse()
                    .map_err(|_| format!("\"{part}\" is not a bar range like 1-16"))?
            };
            if a < 1.0 || b < a {
                return Err(format!(
                    "\"{part}\": bars start at 1 and a range runs forwards"
                ));
            }
            Ok((a - 1.0, b))
        })
        .collect()
}

/// A deterministic hash of a seed and a step, as a number in -1..1 (humanise, probability).
pub fn chance(seed: u64, step: u64, salt: u64) -> f64 {
    let mut z =
        seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_c4_is_60() {
        assert_eq!(parse_note("C4"), Some(60));
        assert_eq!(parse_note("A4"), Some(69));
        assert_eq!(parse_note("F1"), Some(29));
        assert_eq!(parse_note("Eb2"), Some(39));
        assert_eq!(parse_note("C#3"), Some(49));
        assert_eq!(parse_note("Bb1"), Some(34));
        assert_eq!(parse_note("41"), Some(41));
        assert_eq!(parse_note("H2"), None);
        assert_eq!(note_name(39), "Eb2");
        assert!(parse_notes("F1 F1 X9").unwrap_err().contains("\"X9\""));
    }

    #[test]
    fn bar_ranges_and_chance() {
        assert_eq!(
            parse_bar_ranges("1-16, 33-end").unwrap(),
            vec![(0.0, 16.0), (32.0, f64::INFINITY)]
        );
        assert!(parse_bar_ranges("0-4").is_err());
        let xs: Vec<f64> = (0..10_000).map(|i| chance(7, i, 0)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!(mean.abs() < 0.03 && xs.iter().all(|x| (-1.0..1.0).contains(x)));
        assert_eq!(chance(7, 3, 1), chance(7, 3, 1));
        assert_ne!(chance(7, 3, 1), chance(8, 3, 1));
    }
}
