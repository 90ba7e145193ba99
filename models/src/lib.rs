//! yano's ONNX models: the manifest of known models (`models/models.ron`), `models fetch` (from a
//! package on PyPI, checked by sha256, with recorded fixes applied), the backends (embedded tract
//! or a native ONNX Runtime library, both through the `ort` API), sessions shared by every job,
//! audio-to-notes transcription with basic-pitch, the `model.transcribe` node, and yano's own
//! chord and style models, the analysis's learned readers ([`readers`]), built into the binary.
//!
//! Never on the audio thread: everything here allocates, locks and takes milliseconds to seconds.
//! Model nodes are inference-partition nodes only. Nothing is downloaded unless `fetch` is called.

pub mod backend;
pub mod chords;
pub mod fetch;
pub mod manifest;
pub mod midi;
pub mod node;
pub mod onnx_fix;
pub mod readers;
pub mod session;
pub mod style;
pub mod transcribe;

use std::path::PathBuf;

pub use backend::{Backend, BackendChoice};
pub use manifest::{Manifest, ModelSpec, TensorSpec};
pub use node::register;
pub use session::{shared, LoadedModel, TensorData};
pub use transcribe::{
    transcribe, transcribe_file, Options, TranscribedNote, Transcription, Voices,
};

/// Something about a model failed; the message names the model, file or tensor.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("model manifest {path}: {reason}")]
    Manifest { path: PathBuf, reason: String },
    #[error("no model named \"{name}\" (known: {})", known.join(", "))]
    UnknownModel { name: String, known: Vec<String> },
    #[error("model \"{name}\" is not at {path}: run `yano models fetch {name}`")]
    NotFetched { name: String, path: PathBuf },
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("{what}: sha256 is {found}, the manifest says {expected}")]
    HashMismatch {
        what: String,
        expected: String,
        found: String,
    },
    #[error("fetching {what}: {reason}")]
    Fetch { what: String, reason: String },
    #[error("model \"{name}\" at {path} cannot be loaded: {reason}")]
    Load {
        name: String,
        path: PathBuf,
        reason: String,
    },
    #[error("model \"{name}\" has no {direction} \"{tensor}\" (it has: {})", found.join(", "))]
    MissingTensor {
        name: String,
        direction: &'static str,
        tensor: String,
        found: Vec<String>,
    },
    #[error("model \"{name}\": {direction} \"{tensor}\" is {found}, the manifest says {expected}")]
    TensorMismatch {
        name: String,
        direction: &'static str,
        tensor: String,
        expected: String,
        found: String,
    },
    #[error("ONNX backend: {0}")]
    Backend(String),
    #[error("running model \"{name}\": {reason}")]
    Run { name: String, reason: String },
    #[error("{0}")]
    Audio(String),
    #[error("cancelled")]
    Cancelled,
}
