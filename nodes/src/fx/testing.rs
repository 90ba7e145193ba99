//! Test support for the effects: `test.source`, one signal source for their tests (an impulse, a
//! 5 ms Hann-windowed 1 kHz burst, or a second of deterministic noise), and a registry holding it
//! beside every shipped kind.

use std::sync::Arc;

use yano_engine::graph::Graph;
use yano_engine::param::ParamSpec;
use yano_engine::port::{PortSpec, PortType};
use yano_engine::render::{render, RenderOptions};
use yano_engine::{Build, NodeDescriptor, PortLayout, ProcessContext, Processor, Registry};

pub const SOURCE: &str = "test.source";

struct Source {
    /// 0 impulse, 1 burst, 2 noise.
    shape: usize,
    at: u64,
    seed: u32,
}

impl Processor for Source {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let sr = ctx.sample_rate() as f32;
        let out = ctx.audio_out(0, 0);
        for o in out.iter_mut() {
            *o = match self.shape {
                1 => {
                    let t = self.at as f32 / sr;
                    if t < 0.005 {
                        let hann = 0.5 - 0.5 * (std::f32::consts::TAU * t / 0.005).cos();
                        hann * (std::f32::consts::TAU * 1000.0 * t).sin()
                    } else {
                        0.0
                    }
                }
                2 if self.at < 48_000 => {
                    self.seed = self
                        .seed
                        .wrapping_mul(1_664_525)
                        .wrapping_add(1_013_904_223);
                    (self.seed >> 8) as f32 / (1u32 << 23) as f32 - 1.0
                }
                2 => 0.0,
                _ => f32::from(u8::from(self.at == 0)),
            };
            self.at += 1;
        }
    }
}

/// yano's registry plus `test.source`.
pub fn registry() -> Arc<Registry> {
    let mut r = crate::registry();
    r.register(NodeDescriptor {
        kind: SOURCE,
        description: "test signals: an impulse, a 5 ms 1 kHz burst, or a second of noise",
        params: vec![ParamSpec::choice(
            "shape",
            "the signal",
            &["impulse", "burst", "noise"],
            0,
        )],
        ports: PortLayout::Fixed(vec![PortSpec::output("out", PortType::MONO, "the signal")]),
        build: Build::Realtime(|c| {
            Ok(Box::new(Source {
                shape: c.params.choice("shape")?,
                at: 0,
                seed: 1,
            }))
        }),
    })
    .expect("test.source is registered once");
    Arc::new(r)
}

/// Renders `graph` for `seconds` and returns its left channel, checking the right is identical
/// (the effects' tests feed mono sources).
pub fn render_mono(graph: &Graph, registry: Arc<Registry>, seconds: f64) -> Vec<f32> {
    let a = render(
        graph,
        registry,
        RenderOptions {
            seconds,
            ..Default::default()
        },
    )
    .expect("the test graph renders");
    assert_eq!(a.left, a.right);
    a.left
}
