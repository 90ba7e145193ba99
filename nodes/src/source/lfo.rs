//! `source.lfo`: a low-frequency oscillator producing a Control signal (vibrato into an
//! oscillator's `pitch`, tremolo, filter sweeps): offset + depth · wave(rate).

use std::f64::consts::TAU;

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "source.lfo";

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "low-frequency oscillator with a Control output: offset + depth x wave",
        params: vec![
            ParamSpec::choice("wave", "shape", &["sine", "triangle", "square", "saw"], 0),
            ParamSpec::number("rate_hz", "cycles per second", 0.01, 50.0, 5.0, Unit::Hertz),
            ParamSpec::number("depth", "peak deviation", 0.0, 4.0, 0.1, Unit::None),
            ParamSpec::number("offset", "centre value", -4.0, 4.0, 0.0, Unit::None),
        ],
        ports: PortLayout::Fixed(vec![PortSpec::output(
            "out",
            PortType::Control,
            "the modulation signal",
        )]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Lfo {
        knobs: Knobs::resolve(config)?,
        phase: 0.0,
        sample_rate: f64::from(config.sample_rate),
    }))
}

yano_engine::param_handles! {
    /// The LFO's parameters, resolved by id when it is built.
    struct Knobs / Values {
        wave: "wave",
        rate: "rate_hz",
        depth: "depth",
        offset: "offset",
    }
}

struct Lfo {
    knobs: Knobs,
    phase: f64,
    sample_rate: f64,
}

impl Processor for Lfo {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let Values {
            wave,
            rate,
            depth,
            offset,
        } = self.knobs.read(ctx);
        let wave = wave.last() as usize;
        let out = ctx.control_out(0);
        for (i, o) in out.iter_mut().enumerate() {
            let t = self.phase;
            let y = match wave {
                0 => (TAU * t).sin(),
                1 => 1.0 - 4.0 * (t - 0.5).abs(),
                2 => {
                    if t < 0.5 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                _ => 2.0 * t - 1.0,
            };
            *o = offset.at(i) + depth.at(i) * y as f32;
            self.phase = (t + f64::from(rate.at(i)) / self.sample_rate).fract();
        }
    }

    fn reset(&mut self) {
        self.phase = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::Transport;

    #[test]
    fn vibrato_swings_the_pitch_by_the_depth() {
        // An LFO at 2 Hz, depth 1/12 octave, into a 1 kHz sine: the pitch swings ±1 semitone.
        let r = std::sync::Arc::new(crate::registry());
        let mut g = Graph::new(Transport::default());
        g.add_node(
            NodeSpec::new("lfo", KIND)
                .with("rate_hz", 2.0)
                .with("depth", 1.0 / 12.0),
            &r,
        )
        .unwrap();
        g.add_node(
            NodeSpec::new("osc", "source.oscillator")
                .with("freq_hz", 1000.0)
                .with("gain_db", 0.0),
            &r,
        )
        .unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("lfo.out", "osc.pitch", &r).unwrap();
        g.connect("osc.out", "out.in", &r).unwrap();
        let x = render(
            &g,
            r,
            RenderOptions {
                seconds: 0.5,
                ..Default::default()
            },
        )
        .unwrap()
        .left;
        // Instantaneous frequency from zero crossings.
        let crossings: Vec<usize> = (1..x.len())
            .filter(|&i| x[i - 1] < 0.0 && x[i] >= 0.0)
            .collect();
        let freqs: Vec<f64> = crossings
            .windows(2)
            .map(|w| 48_000.0 / (w[1] - w[0]) as f64)
            .collect();
        let (lo, hi) = freqs
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), f| (lo.min(*f), hi.max(*f)));
        let semitone = 2f64.powf(1.0 / 12.0);
        assert!((hi / 1000.0 - semitone).abs() < 0.01, "highest {hi}");
        assert!((1000.0 / lo - semitone).abs() < 0.01, "lowest {lo}");
    }
}
