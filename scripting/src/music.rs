//! Musicians' shorthand for scripts: chords by name ("Fm9", "Bb13", "Ebmaj7/G") and note clips
//! written as lists. Pure functions; errors name the text they could not read.

use yano_music::pitch::note_name;
use yano_music::pitch::parse_note;
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
