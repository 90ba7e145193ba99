//! yano-nodes: the DSP node kinds (sources, mixing, effects, outputs) that yano ships.
//!
//! Each kind is one file holding its descriptor, its processor and its tests. Processors run on
//! the audio thread and must never allocate, lock, block, do I/O or panic; anything heavy (file
//! decoding, resampling) is an inference node that runs on a worker.

pub mod control;
pub mod fx;
pub mod instruments;
pub mod io;
pub mod mix;
pub mod sequence;
pub mod sources;
#[cfg(test)]
mod testing;

use yano_engine::registry::{Registry, RegistryError};

/// Adds every kind of this crate to `registry`.
pub fn register(registry: &mut Registry) -> Result<(), RegistryError> {
    for d in [
        sources::oscillator::descriptor(),
        sources::file::descriptor(),
        sources::lfo::descriptor(),
        mix::gain::descriptor(),
        mix::pan::descriptor(),
        mix::mixer::descriptor(),
        mix::console::descriptor(),
        fx::delay::descriptor(),
        fx::eq::descriptor(),
        fx::filter::descriptor(),
        fx::drive::descriptor(),
        fx::limiter::descriptor(),
        fx::compressor::descriptor(),
        fx::reverb::descriptor(),
        io::output::descriptor(),
        io::note_log::descriptor(),
        instruments::log_drum::descriptor(),
        instruments::bass::descriptor(),
        instruments::drums::descriptor(),
        instruments::sampler::descriptor(),
        instruments::keys::descriptor(),
        instruments::pad::descriptor(),
        sequence::steps::descriptor(),
        sequence::clip::descriptor(),
        sequence::arrangement::descriptor(),
        control::script::descriptor(),
    ] {
        registry.register(d)?;
    }
    Ok(())
}

/// The engine's bridges plus every kind of this crate.
pub fn registry() -> Registry {
    let mut r = Registry::new();
    register(&mut r).expect("yano-nodes kinds are well-formed and unique");
    r
}

pub use yano_engine::param::db_to_gain;
