//! The two runtimes: the real-time one that runs a schedule block by block on the audio thread,
//! and the inference worker pool. They run what the compiler wrote ([`crate::schedule`]) and
//! never call the compiler.

mod dealing;
pub mod inference;
pub mod parallel;
pub mod realtime;
mod renaming;
pub(crate) mod steps;
