//! `util.pan`: places a mono signal in the stereo field with the −3 dB (constant-power) law, or
//! balances a stereo one (unity at centre).

use std::f32::consts::{FRAC_PI_4, SQRT_2};

use yano_engine::node::ParamReader;
use yano_engine::param::{ParamError, ParamHandle, ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "util.pan";

fn ports(p: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
    let channels = p.number("channels")?.clamp(1.0, 2.0) as u16;
    Ok(vec![
        PortSpec::input("in", PortType::Audio { channels }, "signal in"),
        PortSpec::output("out", PortType::STEREO, "stereo out"),
    ])
}

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "constant-power pan (-3 dB at centre) for mono, balance for stereo",
        params: vec![
            ParamSpec::number(
                "pan",
                "position, -1 left … +1 right",
                -1.0,
                1.0,
                0.0,
                Unit::Pan,
            ),
            ParamSpec::integer(
                "channels",
                "input channels: 1 pans, 2 balances",
                1,
                2,
                1,
                Unit::Count,
            ),
        ],
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Pan {
        pan: config.param("pan")?,
    }))
}

/// Left and right gains for a pan position.
#[inline]
pub fn pan_gains(pan: f32, stereo_input: bool) -> (f32, f32) {
    let angle = (pan.clamp(-1.0, 1.0) + 1.0) * FRAC_PI_4;
    let (l, r) = (angle.cos(), angle.sin());
    if stereo_input {
        ((l * SQRT_2).min(1.0), (r * SQRT_2).min(1.0))
    } else {
        (l, r)
    }
}

struct Pan {
    pan: ParamHandle,
}

impl Processor for Pan {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let pan = ctx.param(self.pan);
        let stereo = ctx.input_channels(0) == 2;
        let (in_l, in_r) = (ctx.audio_in(0, 0), ctx.audio_in(0, 1));
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let mut gains = pan_gains(pan.at(0), stereo);
        for i in 0..out_l.len() {
            if !pan.is_constant() {
                gains = pan_gains(pan.at(i), stereo);
            }
            out_l[i] = in_l[i] * gains.0;
            out_r[i] = in_r[i] * gains.1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minus_three_db_law() {
        let (l, r) = pan_gains(0.0, false);
        assert!((20.0 * l.log10() + 3.01).abs() < 0.01);
        assert!((l * l + r * r - 1.0).abs() < 1e-6, "constant power");
        assert!(
            pan_gains(-1.0, false).1.abs() < 1e-6,
            "hard left is silent on the right"
        );
        let (bl, br) = pan_gains(0.0, true);
        assert!((bl - 1.0).abs() < 1e-6 && (br - 1.0).abs() < 1e-6);
    }
}
