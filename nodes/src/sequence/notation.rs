//! Note names as musicians write them ("F1", "Eb2", "C#4"; C4 = MIDI 60, as in AMAPIANO.md) and
//! small helpers to read the text parameters of the sequencers. Note names themselves belong to
//! yano-music ([`yano_music::pitch`]); this module reads the lists, numbers and bar ranges around them.

use yano_music::pitch::parse_note_or_number;

/// A list of notes separated by spaces or commas; the error names the word it could not read.
pub fn parse_notes(text: &str) -> Result<Vec<u8>, String> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| {
            parse_note_or_number(w).ok_or_else(|| {
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
    fn note_lists_read_names_and_numbers_with_c4_as_60() {
        assert_eq!(
            parse_notes("C4 A4, F1 Eb2 C#3 Bb1 41").unwrap(),
            [60, 69, 29, 39, 49, 34, 41]
        );
        assert!(parse_notes("F1 F1 X9").unwrap_err().contains("\"X9\""));
        assert!(parse_notes("H2").is_err());
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
