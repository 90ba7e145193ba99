//! `util.mix`: sums N stereo inputs (N is a parameter) into one stereo output, with a master level.

use yano_engine::node::ParamReader;
use yano_engine::param::{ParamError, ParamHandle, ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use crate::db_to_gain;

pub const KIND: &str = "util.mix";

fn ports(p: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
    let n = p.number("inputs")?.clamp(1.0, 256.0) as usize;
    let mut ports: Vec<PortSpec> = (1..=n)
        .map(|i| PortSpec::input(format!("in_{i}"), PortType::STEREO, "a stereo input"))
        .collect();
    ports.push(PortSpec::output("out", PortType::STEREO, "the sum"));
    Ok(ports)
}

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "sums N stereo inputs (in_1 … in_N) with a master level",
        params: vec![
            ParamSpec::integer("inputs", "number of inputs", 1, 256, 4, Unit::Count),
            ParamSpec::number("gain_db", "master level", -96.0, 24.0, 0.0, Unit::Decibels),
        ],
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Mix {
        gain: config.param("gain_db")?,
    }))
}

struct Mix {
    gain: ParamHandle,
}

impl Processor for Mix {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let gain = ctx.param(self.gain);
        let inputs = (0..).take_while(|&i| ctx.input_channels(i) > 0).count();
        for c in 0..2 {
            let out = ctx.audio_out(0, c);
            out.fill(0.0);
            for i in 0..inputs {
                if !ctx.is_connected(i) {
                    continue;
                }
                let input = ctx.audio_in(i, c);
                let out = ctx.audio_out(0, c);
                for (o, x) in out.iter_mut().zip(input) {
                    *o += x;
                }
            }
            let out = ctx.audio_out(0, c);
            if gain.is_constant() {
                let g = db_to_gain(gain.at(0));
                if g != 1.0 {
                    out.iter_mut().for_each(|o| *o *= g);
                }
            } else {
                out.iter_mut()
                    .enumerate()
                    .for_each(|(i, o)| *o *= db_to_gain(gain.at(i)));
            }
        }
    }
}
