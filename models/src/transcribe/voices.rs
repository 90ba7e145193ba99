//! How many voices a piece of audio has: one line (a bass, a log drum, a sung or whistled
//! melody) or chords and parts. The polyphonic decoder turns a plain melody into twice its notes
//! (overtones and fragments heard as notes of their own), while the monophonic one cannot hold a
//! chord; `--voices auto`, the default, decodes polyphonically first and measures what it heard.
//!
//! The measure is the share of the sounding time in which two notes overlap for more than
//! [`MIN_OVERLAP_SECONDS`] at an interval that is not an overtone's ([`HARMONIC_INTERVALS`]): a
//! melody's ghosts sit an octave, a twelfth or two octaves above it, and a glide's neighbours
//! overlap for a moment only, while a chord's tones sound together at thirds, fourths, fifths.

use crate::transcribe::TranscribedNote;

/// What the decoder is told about the voices, or found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Voices {
    /// Measure the polyphonic notes and decode as [`Voices::Mono`] when they are one line.
    Auto,
    /// One note at a time, each begun by an attack.
    Mono,
    /// Chords and parts.
    Poly,
}

impl Voices {
    pub fn name(self) -> &'static str {
        match self {
            Voices::Auto => "auto",
            Voices::Mono => "mono",
            Voices::Poly => "poly",
        }
    }

    /// `auto`, `mono` or `poly`.
    pub fn parse(text: &str) -> Option<Voices> {
        match text {
            "auto" => Some(Voices::Auto),
            "mono" => Some(Voices::Mono),
            "poly" => Some(Voices::Poly),
            _ => None,
        }
    }
}

/// Semitones above a note at which a second note is more likely its overtone than a second
/// voice: the unison, the octave, octave and fifth, two octaves, two octaves and a major third,
/// two octaves and a fifth, three octaves (harmonics 1, 2, 3, 4, 5, 6, 8).
pub const HARMONIC_INTERVALS: [u8; 7] = [0, 12, 19, 24, 28, 31, 36];

/// Two notes must overlap at least this long to count as sounding together.
pub const MIN_OVERLAP_SECONDS: f64 = 0.06;

/// Audio whose polyphony share is under this is one line.
pub const MONOPHONIC_BELOW: f64 = 0.1;

/// The share (0..1) of the time any note sounds in which two notes sound together at an
/// interval that is not an overtone's (nor two overtones of one lower note sounding then), each
/// pair for at least [`MIN_OVERLAP_SECONDS`].
pub fn polyphony(notes: &[TranscribedNote]) -> f64 {
    let mut sorted: Vec<&TranscribedNote> = notes.iter().filter(|n| n.end > n.start).collect();
    sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut together = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for b in sorted[i + 1..].iter().take_while(|b| b.start < a.end) {
            let overlap = (a.end.min(b.end) - b.start).max(0.0);
            if overlap < MIN_OVERLAP_SECONDS {
                continue;
            }
            let (from, to) = (b.start, a.end.min(b.end));
            let harmonic =
                |low: u8, high: u8| high >= low && HARMONIC_INTERVALS.contains(&(high - low));
            let (low, high) = (a.pitch.min(b.pitch), a.pitch.max(b.pitch));
            // Two overtones of one lower note (its octave and twelfth are a fifth apart) are
            // not two voices either.
            let overtones_of_one = sorted.iter().any(|c| {
                c.pitch < low
                    && c.start < to
                    && c.end > from
                    && harmonic(c.pitch, low)
                    && harmonic(c.pitch, high)
            });
            if !harmonic(low, high) && !overtones_of_one {
                together.push((from, to));
            }
        }
    }
    let sounding: Vec<(f64, f64)> = sorted.iter().map(|n| (n.start, n.end)).collect();
    let sounding = union_length(sounding);
    if sounding <= 0.0 {
        return 0.0;
    }
    (union_length(together) / sounding).min(1.0)
}

/// What [`Voices::Auto`] decodes `notes` (the polyphonic decoding) as.
pub fn decide(notes: &[TranscribedNote]) -> Voices {
    if polyphony(notes) < MONOPHONIC_BELOW {
        Voices::Mono
    } else {
        Voices::Poly
    }
}

/// The length of the union of `spans`.
fn union_length(mut spans: Vec<(f64, f64)>) -> f64 {
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut total = 0.0;
    let mut current: Option<(f64, f64)> = None;
    for (start, end) in spans {
        current = match current {
            Some((s, e)) if start <= e => Some((s, e.max(end))),
            Some((s, e)) => {
                total += e - s;
                Some((start, end))
            }
            None => Some((start, end)),
        };
    }
    total + current.map_or(0.0, |(s, e)| e - s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(pitch: u8, start: f64, end: f64) -> TranscribedNote {
        TranscribedNote {
            pitch,
            start,
            end,
            velocity: 100,
            bends: Vec::new(),
        }
    }

    #[test]
    fn a_line_with_its_overtones_and_glides_is_one_voice() {
        // A C3 line of quarter notes, each with an octave and a twelfth ghost, and a 40 ms
        // overlap where one note glides into the next a semitone up.
        let mut notes = Vec::new();
        for k in 0..8 {
            let t = f64::from(k) * 0.5;
            let p = 48 + (k % 2) as u8;
            notes.push(note(p, t, t + 0.54));
            notes.push(note(p + 12, t, t + 0.2));
            notes.push(note(p + 19, t + 0.01, t + 0.15));
        }
        assert_eq!(polyphony(&notes), 0.0);
        assert_eq!(decide(&notes), Voices::Mono);
    }

    #[test]
    fn chords_are_several_voices() {
        // Half-note triads for 4 s: every moment has a third and a fifth together.
        let mut notes = Vec::new();
        for k in 0..4 {
            let t = f64::from(k);
            for p in [60, 64, 67] {
                notes.push(note(p, t, t + 1.0));
            }
        }
        assert!((polyphony(&notes) - 1.0).abs() < 1e-9);
        assert_eq!(decide(&notes), Voices::Poly);
        // A melody over a held bass note a ninth and more below: polyphonic for the whole 2 s of
        // the melody out of 4 s sounding.
        let mut duet = vec![note(36, 0.0, 4.0)];
        duet.extend(
            (0..4).map(|k| note(50 + k, 2.0 + f64::from(k) * 0.5, 2.5 + f64::from(k) * 0.5)),
        );
        let share = polyphony(&duet);
        assert!((share - 0.5).abs() < 1e-9, "{share}");
    }
}
