//! `source.file`: decodes an audio file (WAV, FLAC, MP3, OGG/Vorbis) on an inference worker,
//! resamples it to the session rate, and outputs it as an AudioClip. Connect it to any audio input
//! and the compiler puts a clip player in between.

use std::sync::Arc;

use yano_engine::clip::{AudioClip, ClipValue};
use yano_engine::node::{InferenceNode, JobContext};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{Build, NodeConfig, NodeDescriptor, NodeError, PortLayout};

use crate::db_to_gain;
use yano_audio_io::decode::{decode_file, probe_file, resample};

pub const KIND: &str = "source.file";

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description:
            "decodes an audio file (WAV, FLAC, MP3, OGG) and resamples it to the session rate",
        params: vec![
            ParamSpec::text(
                "file",
                "path to the audio file (relative to the preset's folder)",
                "",
            ),
            ParamSpec::number(
                "gain_db",
                "level applied to the decoded clip",
                -96.0,
                24.0,
                0.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "max_seconds",
                "refuse files longer than this",
                1.0,
                7200.0,
                1200.0,
                Unit::Seconds,
            ),
        ],
        ports: PortLayout::Fixed(vec![PortSpec::output(
            "clip",
            PortType::AudioClip,
            "the decoded audio",
        )]),
        build: Build::Inference(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn InferenceNode>, NodeError> {
    if config.params.text("file")?.is_empty() {
        return Err(NodeError::new("no file given: set the \"file\" parameter"));
    }
    let path = config.path("file")?;
    let max_seconds = config.params.number("max_seconds")?;
    // The header only: a file that is not audio is refused when the graph is built.
    probe_file(&path, max_seconds).map_err(|e| NodeError::new(e.to_string()))?;
    Ok(Box::new(FileSource {
        path,
        gain: db_to_gain(config.params.number("gain_db")? as f32),
        max_seconds,
    }))
}

struct FileSource {
    path: std::path::PathBuf,
    gain: f32,
    max_seconds: f64,
}

impl InferenceNode for FileSource {
    fn cache_salt(&self) -> Result<u64, NodeError> {
        // Size and modification time: a changed file is decoded again.
        let meta = std::fs::metadata(&self.path)
            .map_err(|e| NodeError::new(format!("cannot read {}: {e}", self.path.display())))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(meta.len() ^ modified.rotate_left(17))
    }

    fn run(&self, _: &[Option<ClipValue>], job: &JobContext) -> Result<Vec<ClipValue>, NodeError> {
        let decoded =
            decode_file(&self.path, self.max_seconds).map_err(|e| NodeError::new(e.to_string()))?;
        job.control.set_progress(0.5);
        if job.control.is_cancelled() {
            return Err(NodeError::new("cancelled"));
        }
        let mut audio =
            resample(decoded, job.sample_rate).map_err(|e| NodeError::new(e.to_string()))?;
        if self.gain != 1.0 {
            for c in &mut audio.channels {
                c.iter_mut().for_each(|x| *x *= self.gain);
            }
        }
        job.control.set_progress(1.0);
        Ok(vec![ClipValue::Audio(Arc::new(AudioClip {
            sample_rate: audio.sample_rate,
            channels: audio.channels,
        }))])
    }
}
