//! The two runtimes: the real-time one that runs a schedule block by block on the audio thread,
//! and the inference worker pool.

pub mod inference;
pub mod realtime;
pub mod schedule;
