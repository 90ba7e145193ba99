//! `model.separate`: an inference node that splits an AudioClip into one AudioClip per stem
//! (vocals, piano, log drum, bass, drums, percussion, other), for clip players, the mixer, the
//! analyses and `model.transcribe` downstream.

use std::sync::Arc;

use yano_audio_io::decode::DecodedAudio;
use yano_engine::clip::{AudioClip, ClipValue};
use yano_engine::param::ParamSpec;
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    audio_input, Build, InferenceNode, JobContext, NodeConfig, NodeDescriptor, NodeError,
    PortLayout, Registry,
};

use crate::model::{ModelMasks, BUNDLED_NAME};
use crate::{separate, Options, STEMS};

pub const KIND: &str = "model.separate";

/// Adds `model.separate` to a registry.
pub fn register(registry: &mut Registry) {
    registry
        .register(descriptor())
        .expect("model.separate is registered once");
}

pub fn descriptor() -> NodeDescriptor {
    let mut ports =
        vec![PortSpec::input("audio", PortType::AudioClip, "the mix to separate").required()];
    ports.extend(STEMS.iter().map(|stem| {
        PortSpec::output(
            *stem,
            PortType::AudioClip,
            "this stem, at the input's rate, channels and length; the stems sum to the input",
        )
    }));
    NodeDescriptor {
        kind: KIND,
        description: "separates audio into stems with yano's own separator (built in; run on \
                      the inference workers)",
        params: vec![ParamSpec::text(
            "model",
            "the separation model: yano's own (yano-separator) or one declared in models.ron and fetched",
            BUNDLED_NAME,
        )],
        ports: PortLayout::Fixed(ports),
        build: Build::Inference(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn InferenceNode>, NodeError> {
    let model = config.params.text("model")?;
    let model = if model.trim().is_empty() {
        BUNDLED_NAME.to_string()
    } else {
        model.trim().to_string()
    };
    Ok(Box::new(Separate { model }))
}

struct Separate {
    model: String,
}

impl InferenceNode for Separate {
    /// Control thread: another model file (its sha256 in the manifest) gives other stems.
    fn cache_salt(&self) -> Result<u64, NodeError> {
        let manifest =
            yano_models::Manifest::with_user().map_err(|e| NodeError::new(e.to_string()))?;
        let spec = manifest
            .model(&self.model)
            .map_err(|e| NodeError::new(e.to_string()))?;
        let sha = spec.sha256.as_deref().unwrap_or("");
        Ok(u64::from_str_radix(sha.get(..16).unwrap_or("0"), 16).unwrap_or(0))
    }

    /// Worker thread: runs the separator chunk by chunk on the worker's cores (reporting
    /// progress, stopping when cancelled) and gives one clip per stem in [`STEMS`] order.
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        job: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let clip = audio_input(inputs, 0, "audio")?;
        let masks =
            ModelMasks::load(Some(&self.model)).map_err(|e| NodeError::new(e.to_string()))?;
        let audio = DecodedAudio {
            sample_rate: clip.sample_rate,
            channels: clip.channels.clone(),
        };
        let control = &job.control;
        // In a live session the audio thread needs a core: the separator takes all but one, at
        // background priority (yano_engine::priority).
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let options = Options {
            threads: cores.saturating_sub(1).max(1),
            ..Options::default()
        };
        let separation = separate(&audio, &masks, &options, &mut |done| {
            control.set_progress((done * 0.99) as f32);
            !control.is_cancelled()
        })
        .map_err(|e| NodeError::new(e.to_string()))?;
        control.set_progress(1.0);
        Ok(separation
            .stems
            .into_iter()
            .map(|(_, channels)| {
                ClipValue::Audio(Arc::new(AudioClip {
                    sample_rate: separation.sample_rate,
                    channels,
                }))
            })
            .collect())
    }
}
