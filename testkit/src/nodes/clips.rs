//! Inference test kinds: `test.dc_clip`, an audio clip of a constant that takes a set time to
//! compute, and `test.peak`, which measures the clip it is given.

use std::sync::Arc;

use yano_engine::clip::{Analysis, ClipValue, Measure};
use yano_engine::node::{InferenceNode, JobContext};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{AudioClip, Build, NodeConfig, NodeDescriptor, NodeError, PortLayout};

pub const DC_CLIP: &str = "test.dc_clip";
pub const PEAK: &str = "test.peak";

/// Ten seconds of a constant `level`, computed in `delay_ms`.
struct Dc {
    level: f32,
    delay_ms: u64,
}

impl InferenceNode for Dc {
    fn run(&self, _: &[Option<ClipValue>], job: &JobContext) -> Result<Vec<ClipValue>, NodeError> {
        std::thread::sleep(std::time::Duration::from_millis(self.delay_ms));
        let frames = 10 * job.sample_rate as usize;
        Ok(vec![ClipValue::Audio(Arc::new(AudioClip {
            sample_rate: job.sample_rate,
            channels: vec![vec![self.level; frames]],
        }))])
    }
}

pub(super) fn dc_clip() -> NodeDescriptor {
    NodeDescriptor {
        kind: DC_CLIP,
        description: "a constant clip",
        params: vec![
            ParamSpec::number("level", "value", -1.0, 1.0, 0.25, Unit::None),
            ParamSpec::integer(
                "delay_ms",
                "time the job takes",
                0,
                10_000,
                0,
                Unit::Milliseconds,
            ),
        ],
        ports: PortLayout::Fixed(vec![PortSpec::output(
            "clip",
            PortType::AudioClip,
            "constant",
        )]),
        build: Build::Inference(|c: &NodeConfig<'_>| {
            Ok(Box::new(Dc {
                level: c.params.number("level")? as f32,
                delay_ms: c.params.number("delay_ms")? as u64,
            }))
        }),
    }
}

/// The clip's peak and length: measures "peak" and "frames".
struct Peak;

impl InferenceNode for Peak {
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        _: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let audio = yano_engine::audio_input(inputs, 0, "clip")?;
        let peak = crate::peak(&audio.channels.concat());
        let mut a = Analysis::default();
        a.measures
            .insert("peak".into(), Measure::Number(f64::from(peak)));
        a.measures
            .insert("frames".into(), Measure::Number(audio.frames() as f64));
        Ok(vec![ClipValue::Analysis(Arc::new(a))])
    }
}

pub(super) fn peak() -> NodeDescriptor {
    NodeDescriptor {
        kind: PEAK,
        description: "peak of a clip",
        params: vec![],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("clip", PortType::AudioClip, "audio").required(),
            PortSpec::output("analysis", PortType::Analysis, "peak"),
        ]),
        build: Build::Inference(|_| Ok(Box::new(Peak))),
    }
}
