//! A chord over a span of time, or none ("N": silence, drums alone). The analysis counts its
//! spans in seconds; a composed track's truth counts them in seconds too, so the two compare
//! directly (see yano-analysis's `eval`).

use serde::{Deserialize, Serialize};

use crate::chord::Chord;
use crate::pitch::Spelling;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChordSpan {
    /// Seconds from the track's start.
    pub start: f64,
    pub end: f64,
    /// None where no chord sounds.
    pub chord: Option<Chord>,
}

impl ChordSpan {
    pub fn seconds(&self) -> f64 {
        self.end - self.start
    }

    /// The Harte label of the span's chord, "N" for none.
    pub fn label(&self, spelling: Spelling) -> String {
        self.chord
            .map_or_else(|| "N".to_string(), |c| c.label(spelling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chord::Quality;

    #[test]
    fn spans_print_their_label_or_n() {
        let span = ChordSpan {
            start: 1.5,
            end: 3.5,
            chord: Some(Chord::new(3, Quality::Dominant7)),
        };
        assert_eq!(span.label(Spelling::Flats), "Eb:7");
        assert_eq!(span.label(Spelling::Sharps), "D#:7");
        assert_eq!(span.seconds(), 2.0);
        let silence = ChordSpan {
            chord: None,
            ..span
        };
        assert_eq!(silence.label(Spelling::Flats), "N");
    }
}
