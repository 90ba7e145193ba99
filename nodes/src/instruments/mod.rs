//! Instruments: real-time nodes that turn note events into sound.

#[cfg(test)]
mod audition;
pub mod bass;
pub mod drums;
pub mod log_drum;
pub mod sampler;
