//! `io.output`: the main stereo output. Everything connected here is what a render writes and the
//! sound card plays.

use yano_engine::param::{ParamHandle, ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use crate::db_to_gain;

pub const KIND: &str = yano_engine::MAIN_OUTPUT_KIND;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "main stereo output (what renders write and the sound card plays)",
        params: vec![ParamSpec::number(
            "gain_db",
            "output level",
            -96.0,
            12.0,
            0.0,
            Unit::Decibels,
        )],
        ports: PortLayout::Fixed(vec![PortSpec::input("in", PortType::STEREO, "the mix")]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Output {
        gain: config.param("gain_db")?,
    }))
}

struct Output {
    gain: ParamHandle,
}

impl Processor for Output {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let gain = ctx.param(self.gain);
        let (l, r) = (ctx.audio_in(0, 0), ctx.audio_in(0, 1));
        let (out_l, out_r) = ctx.main_out();
        for i in 0..out_l.len() {
            let g = db_to_gain(gain.at(i));
            out_l[i] += l[i] * g;
            out_r[i] += r[i] * g;
        }
    }
}
