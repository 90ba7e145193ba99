//! `fx.delay`: a delay line with feedback. Its input is a feedback input: it hears its sources one
//! block late, which is what lets a cycle pass through it. It makes up for that block inside, so
//! the delay time is exact down to one block (the shortest delay it can give).

use yano_engine::node::ParamReader;
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "fx.delay";
/// Longest delay, in seconds.
pub const MAX_SECONDS: f64 = 4.0;

fn ports(p: &ParamReader<'_>) -> Vec<PortSpec> {
    let ty = PortType::Audio {
        channels: p.number("channels").clamp(1.0, 2.0) as u16,
    };
    vec![
        PortSpec::input(
            "in",
            ty,
            "signal in (heard one block late, so it may close a loop)",
        )
        .feedback(),
        PortSpec::output("out", ty, "the echoes (wet only)"),
    ]
}

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "delay line with feedback; the node that lets a cycle close",
        params: vec![
            ParamSpec::number(
                "time_ms",
                "delay time (at least one block)",
                1.0,
                MAX_SECONDS * 1000.0,
                250.0,
                Unit::Milliseconds,
            ),
            ParamSpec::number(
                "feedback",
                "share of each echo fed back",
                0.0,
                0.95,
                0.0,
                Unit::None,
            ),
            ParamSpec::integer("channels", "1 for mono, 2 for stereo", 1, 2, 2, Unit::Count),
        ],
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let len = (MAX_SECONDS * f64::from(config.sample_rate)) as usize + 2 * config.block_size + 4;
    Ok(Box::new(Delay {
        rings: [
            vec![0.0; len].into_boxed_slice(),
            vec![0.0; len].into_boxed_slice(),
        ],
        write: 0,
        block: config.block_size as f32,
        sample_rate: config.sample_rate as f32,
    }))
}

struct Delay {
    rings: [Box<[f32]>; 2],
    write: usize,
    block: f32,
    sample_rate: f32,
}

#[inline]
fn read(ring: &[f32], write: usize, behind: f32) -> f32 {
    let len = ring.len();
    let whole = behind as usize;
    let frac = behind - whole as f32;
    let a = ring[(write + len - whole % len) % len];
    let b = ring[(write + len - (whole + 1) % len) % len];
    a + (b - a) * frac
}

impl Processor for Delay {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let time = ctx.param(0);
        let feedback = ctx.param(1);
        let channels = ctx.output_channels(0);
        let max = (self.rings[0].len() - 2) as f32;
        let start = self.write;
        for (c, ring) in self.rings.iter_mut().enumerate().take(channels) {
            let input = ctx.audio_in(0, c);
            let out = ctx.audio_out(0, c);
            let mut w = start;
            for i in 0..out.len() {
                let d = (time.at(i) * 0.001 * self.sample_rate).clamp(self.block, max);
                // The input arrived a block late: read `d − block` behind for the output, and
                // `d` behind for the echo that feeds back (see the module doc).
                let echo = read(ring, w, d);
                ring[w] = input[i] + feedback.at(i) * echo;
                out[i] = read(ring, w, d - self.block);
                w += 1;
                if w == ring.len() {
                    w = 0;
                }
            }
        }
        self.write = (start + ctx.frames()) % self.rings[0].len();
    }

    fn reset(&mut self) {
        for r in &mut self.rings {
            r.fill(0.0);
        }
    }
}
