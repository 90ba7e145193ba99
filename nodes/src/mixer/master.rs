//! The console's master after the sum: the master fader, then the bus compressor
//! ([`super::bus_compressor`]), then the look-ahead limiter (the one `fx.limiter` uses; it delays
//! the master by 1.5 ms, which the console declares as its latency, so switching it rebuilds the
//! node). Both dynamics report the gain they apply to each frame to the stem outputs.

use yano_engine::param::{db_to_gain, ParamHandle, ParamSpec, Unit};
use yano_engine::{NodeConfig, NodeError, ProcessContext};

use super::bus_compressor::{self, BusCompressor, GlueKnobs};
use super::stem_outs::Stems;
use super::strips::master_gain;
use crate::fx::limiter::Limiter;

/// Look-ahead of the master limiter.
const MASTER_LOOKAHEAD_MS: f64 = 1.5;

/// The master's parameters after its fader: the limiter's, then the bus compressor's.
pub(super) fn params() -> Vec<ParamSpec> {
    let mut params = vec![
        // The limiter's switch fixes the node's latency, so changing it rebuilds the node.
        ParamSpec::choice(
            "master_limiter",
            "look-ahead limiter on the master (adds 1.5 ms latency)",
            &["off", "on"],
            0,
        )
        .rebuilds(),
        ParamSpec::number(
            "master_ceiling_db",
            "master limiter ceiling, between samples too",
            -24.0,
            0.0,
            -1.0,
            Unit::Decibels,
        ),
        ParamSpec::number(
            "master_release_ms",
            "master limiter release",
            1.0,
            2000.0,
            60.0,
            Unit::Milliseconds,
        ),
    ];
    params.extend(bus_compressor::params());
    params
}

/// The master's knobs, resolved by id when the console is built.
#[derive(Debug, Clone, Copy)]
pub(super) struct MasterKnobs {
    pub(super) gain: ParamHandle,
    pub(super) ceiling: ParamHandle,
    pub(super) release: ParamHandle,
    pub(super) glue: GlueKnobs,
}

impl MasterKnobs {
    /// Control thread: the handles, by id.
    pub(super) fn resolve(config: &NodeConfig<'_>) -> Result<MasterKnobs, NodeError> {
        Ok(MasterKnobs {
            gain: config.param("master_gain_db")?,
            ceiling: config.param("master_ceiling_db")?,
            release: config.param("master_release_ms")?,
            glue: GlueKnobs::of(config)?,
        })
    }

    /// Every handle, for the console's test that no two knobs share a parameter.
    #[cfg(test)]
    pub(super) fn all(&self) -> Vec<ParamHandle> {
        let mut all = vec![self.gain, self.ceiling, self.release];
        all.extend(self.glue.all());
        all
    }
}

/// The master's dynamics and their state.
pub(super) struct Master {
    /// The bus compressor, and whether it worked in the last block.
    glue: BusCompressor,
    glue_on: bool,
    /// The limiter, when it is on.
    limiter: Option<Limiter>,
}

impl Master {
    /// Control thread: the dynamics the console's parameters ask for, all memory allocated.
    pub(super) fn new(config: &NodeConfig<'_>) -> Result<Master, NodeError> {
        let limiter = (config.params.choice("master_limiter")? == 1)
            .then(|| Limiter::new(config.sample_rate, MASTER_LOOKAHEAD_MS));
        Ok(Master {
            glue: BusCompressor::new(config.sample_rate),
            glue_on: false,
            limiter,
        })
    }

    /// Control thread: the limiter's look-ahead in samples, 0 when it is off.
    pub(super) fn latency(&self) -> u32 {
        self.limiter.as_ref().map_or(0, |l| l.latency())
    }

    /// Audio thread: takes the master sum in output 0 through the fader, the bus compressor and
    /// the limiter, writing the dynamics' gains into `stems` when the stem outputs are on.
    pub(super) fn process(
        &mut self,
        ctx: &mut ProcessContext<'_>,
        k: &MasterKnobs,
        stems: Option<&mut Stems>,
    ) {
        let frames = ctx.frames();
        let master = ctx.param(k.gain);
        let (ceiling, release) = (ctx.param(k.ceiling), ctx.param(k.release).last());
        let glue = k.glue.settings(ctx);
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let master_still = db_to_gain(master.at(0));
        for f in 0..frames {
            let g = master_gain(&master, master_still, f);
            out_l[f] *= g;
            out_r[f] *= g;
        }
        let mut stems = stems;
        match glue {
            Some(glue) => {
                let mut report = stems.as_mut().map(|s| &mut s.glue[..]);
                self.glue.compress(out_l, out_r, &glue, |i, g| {
                    if let Some(slot) = report.as_mut().and_then(|r| r.get_mut(i)) {
                        *slot = g;
                    }
                });
                self.glue_on = true;
            }
            None if self.glue_on => {
                self.glue.clear();
                if let Some(s) = stems.as_mut() {
                    s.glue.fill(1.0);
                }
                self.glue_on = false;
            }
            None => {}
        }
        match (self.limiter.as_mut(), stems) {
            (Some(limiter), None) => limiter.limit(out_l, out_r, ceiling, release),
            (Some(limiter), Some(stems)) => {
                limiter.limit_reporting(out_l, out_r, ceiling, release, &mut stems.gains);
            }
            (None, _) => {}
        }
    }

    /// Audio thread: forgets the signal (transport jumps).
    pub(super) fn clear(&mut self) {
        self.glue.clear();
        if let Some(l) = self.limiter.as_mut() {
            l.clear();
        }
    }
}
