//! Utility kinds `util.*`: gain, pan and summing.

pub mod gain;
pub mod mix;
pub mod pan;
