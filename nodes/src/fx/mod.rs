//! Effects.

pub mod delay;
