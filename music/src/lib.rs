//! yano-music: the words analysis, composer and scripts share for music: pitch classes and how a
//! key spells them, keys (tonic and mode), chords (root and quality) with the names they print
//! under, and chords over spans of time. One owner for each: `yano analyze` labels a chord and the
//! composer names one with the same spelling rule and the same quality table.
//!
//! Plain values and pure functions. It must never depend on audio, the engine or the nodes, and
//! never hold a detector's or a composer's own logic (key estimation stays in analysis, voicing
//! and progressions in the generator).

pub mod chord;
pub mod key;
pub mod pitch;
pub mod span;

pub use chord::{Chord, ParseChordError, Quality, Triad};
pub use key::{Key, Mode, ParseKeyError};
pub use pitch::Spelling;
pub use span::ChordSpan;
