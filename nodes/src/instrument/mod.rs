//! Instruments: real-time nodes that turn note events into sound.

#[cfg(test)]
mod audition;
pub mod bass;
pub mod drums;
pub mod keys;
pub mod log_drum;
pub mod pad;
pub mod sampler;
pub mod singer;
#[cfg(test)]
pub mod testing;
pub mod voice;
