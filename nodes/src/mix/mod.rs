//! Mixing: gain, pan, summing.

pub mod gain;
pub mod mixer;
pub mod pan;
