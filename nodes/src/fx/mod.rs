//! Effects: real-time audio processors.

pub mod biquad;
pub mod compressor;
pub mod delay;
pub mod drive;
pub mod eq;
pub mod filter;
pub mod limiter;
pub mod reverb;
