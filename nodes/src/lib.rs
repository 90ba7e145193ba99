//! yano-nodes: the DSP node kinds (sources, mixing, effects, outputs) that yano ships.
//!
//! Each kind is one file holding its descriptor, its processor and its tests, and its name gives
//! the file: kind `prefix.name` lives in `src/prefix/name.rs` (`mixer.console` in
//! `src/mixer/console.rs`, `util.gain` in `src/util/gain.rs`). Processors run on
//! the audio thread and must never allocate, lock, block, do I/O or panic; anything heavy (file
//! decoding, resampling) is an inference node that runs on a worker.

pub mod control;
pub mod fx;
pub mod instrument;
pub mod io;
pub mod mixer;
pub mod sequence;
pub mod source;
#[cfg(test)]
mod testing;
pub mod util;
mod wide;

use yano_engine::registry::{Registry, RegistryError};
use yano_engine::{NodeConfig, NodeError};

/// Control thread: refuses to build `kind` below the sample rate its filters and delay lines
/// are designed for, naming both rates.
pub(crate) fn require_sample_rate(
    kind: &str,
    config: &NodeConfig<'_>,
    lowest: u32,
) -> Result<(), NodeError> {
    if config.sample_rate < lowest {
        return Err(NodeError::new(format!(
            "{kind} needs a sample rate of at least {lowest} Hz, not {}",
            config.sample_rate
        )));
    }
    Ok(())
}

/// Adds every kind of this crate to `registry`.
pub fn register(registry: &mut Registry) -> Result<(), RegistryError> {
    for d in [
        source::oscillator::descriptor(),
        source::file::descriptor(),
        source::lfo::descriptor(),
        util::gain::descriptor(),
        util::pan::descriptor(),
        util::mix::descriptor(),
        mixer::console::descriptor(),
        fx::delay::descriptor(),
        fx::eq::descriptor(),
        fx::filter::descriptor(),
        fx::drive::descriptor(),
        fx::limiter::descriptor(),
        fx::compressor::descriptor(),
        fx::reverb::descriptor(),
        io::output::descriptor(),
        io::note_log::descriptor(),
        instrument::log_drum::descriptor(),
        instrument::bass::descriptor(),
        instrument::drums::descriptor(),
        instrument::sampler::descriptor(),
        instrument::keys::descriptor(),
        instrument::pad::descriptor(),
        instrument::singer::descriptor(),
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
