//! Sources: nodes that make sound from nothing (oscillators) or from files.

pub mod file;
pub mod lfo;
pub mod oscillator;
