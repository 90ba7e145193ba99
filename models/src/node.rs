//! `model.transcribe`: an inference node that hears an AudioClip and gives a NoteClip, played by
//! any instrument through a note player. It runs basic-pitch on the process's shared session.

use std::sync::Arc;

use yano_audio_io::decode::DecodedAudio;
use yano_engine::clip::{AudioClip, ClipValue, Note, NoteClip};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::syllable::Syllable;
use yano_engine::{
    audio_input, Build, InferenceNode, JobContext, NodeConfig, NodeDescriptor, NodeError,
    PortLayout, Registry,
};

use crate::manifest::Manifest;
use crate::transcribe::{model_input, transcribe, Options, Voices};

pub const KIND: &str = "model.transcribe";
const MODEL: &str = "basic-pitch";

/// Adds the model nodes to a registry.
pub fn register(registry: &mut Registry) {
    // The analysis nodes and `analyze_file` read chords and style with yano's models from now on.
    yano_analysis::install_default_readers(crate::readers::auto_readers());
    registry
        .register(descriptor())
        .expect("model.transcribe is registered once");
}

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "transcribes audio into notes with basic-pitch (run on the inference workers; \
                      `yano models fetch basic-pitch` first)",
        params: vec![
            ParamSpec::number("onset_threshold", "an onset peak this strong starts a note", 0.05, 0.95, 0.5, Unit::None),
            ParamSpec::number("frame_threshold", "a note lasts while its frames are this strong", 0.05, 0.95, 0.3, Unit::None),
            ParamSpec::number("min_note_ms", "shorter notes are dropped", 10.0, 2000.0, 70.0, Unit::Milliseconds),
            ParamSpec::number("min_hz", "notes below are ignored (0: no limit)", 0.0, 5000.0, 0.0, Unit::Hertz),
            ParamSpec::number("max_hz", "notes above are ignored (0: no limit)", 0.0, 5000.0, 0.0, Unit::Hertz),
            ParamSpec::integer("transpose", "semitones added to every note", -48, 48, 0, Unit::Semitones),
            ParamSpec::choice("voices", "poly: chords and lines; mono: one note at a time, each begun by an attack (bass lines, log drums); auto: whichever the audio is", &["poly", "mono", "auto"], 2),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("audio", PortType::AudioClip, "the audio to transcribe").required(),
            PortSpec::output("notes", PortType::NoteClip, "the notes heard, in beats at the session tempo"),
        ]),
        build: Build::Inference(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn InferenceNode>, NodeError> {
    let p = &config.params;
    let hz = |id: &str| -> Result<Option<f64>, NodeError> {
        Ok(Some(p.number(id)?).filter(|v| *v > 0.0))
    };
    Ok(Box::new(Transcribe {
        options: Options {
            onset_threshold: p.number("onset_threshold")? as f32,
            frame_threshold: p.number("frame_threshold")? as f32,
            min_note_seconds: p.number("min_note_ms")? / 1000.0,
            min_hz: hz("min_hz")?,
            max_hz: hz("max_hz")?,
            voices: [Voices::Poly, Voices::Mono, Voices::Auto][p.choice("voices")?.min(2)],
            ..Options::default()
        },
        transpose: p.number("transpose")?.round() as i32,
    }))
}

struct Transcribe {
    options: Options,
    transpose: i32,
}

impl InferenceNode for Transcribe {
    /// Control thread: a re-fetched model file gives new notes.
    fn cache_salt(&self) -> Result<u64, NodeError> {
        let path = Manifest::shipped()
            .model(MODEL)
            .map_err(|e| NodeError::new(e.to_string()))?
            .path();
        Ok(std::fs::metadata(&path).map_or(0, |m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as u64);
            m.len() ^ modified.rotate_left(21)
        }))
    }

    /// Worker thread: mixes and resamples the clip, runs basic-pitch window by window (reporting
    /// progress, stopping when cancelled) and lays the notes on the session's beats.
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        job: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let clip = audio_input(inputs, 0, "audio")?;
        let model = crate::session::shared(MODEL).map_err(|e| NodeError::new(e.to_string()))?;
        let audio = model_input(decoded(clip)).map_err(|e| NodeError::new(e.to_string()))?;
        let control = &job.control;
        let heard = transcribe(&model, &audio, &self.options, &mut |done| {
            control.set_progress(done * 0.95);
            !control.is_cancelled()
        })
        .map_err(|e| NodeError::new(e.to_string()))?;
        let beats_per_second = job.transport.bpm / 60.0;
        let notes = heard
            .notes
            .iter()
            .filter_map(|n| {
                let pitch = i32::from(n.pitch) + self.transpose;
                (0..=127).contains(&pitch).then(|| Note {
                    pitch: pitch as u8,
                    start_beats: n.start * beats_per_second,
                    length_beats: (n.end - n.start) * beats_per_second,
                    velocity: f32::from(n.velocity) / 127.0,
                    syllable: Syllable::NONE,
                })
            })
            .collect();
        control.set_progress(1.0);
        Ok(vec![ClipValue::Notes(Arc::new(NoteClip {
            notes,
            length_beats: clip.seconds() * beats_per_second,
        }))])
    }
}

fn decoded(clip: &AudioClip) -> DecodedAudio {
    DecodedAudio {
        sample_rate: clip.sample_rate,
        channels: clip.channels.clone(),
    }
}
