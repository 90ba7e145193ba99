//! `util.gain`: a level control, mono or stereo.

use yano_engine::node::ParamReader;
use yano_engine::param::{ParamError, ParamHandle, ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use crate::db_to_gain;

pub const KIND: &str = "util.gain";

fn ports(p: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
    let ty = PortType::Audio {
        channels: p.number("channels")?.clamp(1.0, 2.0) as u16,
    };
    Ok(vec![
        PortSpec::input("in", ty, "signal in"),
        PortSpec::output("out", ty, "signal out"),
    ])
}

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "level control in decibels",
        params: vec![
            ParamSpec::number("gain_db", "level", -96.0, 24.0, 0.0, Unit::Decibels),
            ParamSpec::integer("channels", "1 for mono, 2 for stereo", 1, 2, 2, Unit::Count),
        ],
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Gain {
        gain: config.param("gain_db")?,
    }))
}

struct Gain {
    gain: ParamHandle,
}

impl Processor for Gain {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let gain = ctx.param(self.gain);
        for c in 0..ctx.output_channels(0) {
            let input = ctx.audio_in(0, c);
            let out = ctx.audio_out(0, c);
            if gain.is_constant() {
                let g = db_to_gain(gain.at(0));
                for (o, x) in out.iter_mut().zip(input) {
                    *o = x * g;
                }
            } else {
                for (i, (o, x)) in out.iter_mut().zip(input).enumerate() {
                    *o = x * db_to_gain(gain.at(i));
                }
            }
        }
    }
}
