//! yano-generator: from a prompt ("soulful private school amapiano in Eb minor, 111 bpm, 3
//! minutes") to a full track as an editable graph of yano nodes: sequencers holding every note,
//! the arrangement, instruments, effects, a mixer and automation. It also renders the track with
//! exact stems, and writes its MIDI and a JSON description.
//!
//! The musical rules come from AMAPIANO.md: form, harmony, log drum lines, grooves. Generation is
//! pure and seeded: the same request gives the same graph and therefore the same audio.
//!
//! This crate composes and builds graphs; it never runs on the audio thread, and it never
//! reaches the network.

pub mod build;
pub mod compose;
pub mod export;
pub mod form;
pub mod groove;
pub mod harmony;
pub mod labelled;
pub mod log_drum;
pub mod node;
pub mod prompt;
pub mod rng;
pub mod theory;
pub mod vocals;

pub use compose::{compose, compose_following, Following, Options, Request, Track};

use thiserror::Error;

/// What can go wrong while generating.
#[derive(Debug, Error)]
pub enum GenerateError {
    #[error("--{option} {value:?} is not understood: expected {expected}")]
    Option {
        option: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("no instrument is left to play: --instruments and --without leave nothing")]
    NoInstruments,
    #[error("the generated graph was refused: {0}")]
    Graph(String),
    #[error("render failed: {0}")]
    Render(String),
    #[error("cannot write {path}: {message}")]
    Write {
        path: std::path::PathBuf,
        message: String,
    },
}
