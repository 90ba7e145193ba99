//! Mixing: gain, pan, summing.

pub mod console;
pub mod gain;
pub mod meters;
pub mod mixer;
pub mod pan;
pub mod stems;
