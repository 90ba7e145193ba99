//! A loaded model: one `ort` session on the process's backend, checked against its manifest
//! entry, warmed up, and shared by every job that runs it ([`shared`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ort::session::builder::GraphOptimizationLevel;
use ort::session::{Session, SessionInputValue};
use ort::value::{Tensor, TensorElementType, ValueType};
use sha2::{Digest, Sha256};

use crate::backend::{self, Backend};
use crate::manifest::{shape_text, Manifest, ModelSpec, Source, TensorSpec};
use crate::ModelError;

/// One output tensor: its shape and its values, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorData {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// A model ready to run. Worker threads only: running takes milliseconds to seconds.
pub struct LoadedModel {
    pub spec: ModelSpec,
    pub path: PathBuf,
    pub backend: Backend,
    /// Seconds spent building the session, and on the warm-up run.
    pub load_seconds: f64,
    pub warmup_seconds: f64,
    /// tract runs a session on one core, so it gets one session a core and jobs run windows side
    /// by side; ONNX Runtime spreads one run over the cores itself and gets one.
    sessions: Vec<Mutex<Session>>,
}

impl std::fmt::Debug for LoadedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedModel")
            .field("name", &self.spec.name)
            .field("path", &self.path)
            .field("backend", &self.backend)
            .finish()
    }
}

/// The sha256 of a byte string, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl LoadedModel {
    /// Loads the model file at `path` on this process's backend, refuses it unless its tensors
    /// are the manifest's, and runs it once on zeros so the first real job is not the slow one.
    pub fn open(spec: &ModelSpec, path: &Path) -> Result<LoadedModel, ModelError> {
        if !path.is_file() {
            return Err(ModelError::NotFetched {
                name: spec.name.clone(),
                path: path.to_path_buf(),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| ModelError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::open_bytes(spec, &bytes, path)
    }

    /// [`LoadedModel::open`] on a model already in memory (one built into yano); `path` is what
    /// messages call it. The bytes must have the manifest's sha256 when it names one.
    pub fn open_bytes(
        spec: &ModelSpec,
        bytes: &[u8],
        path: &Path,
    ) -> Result<LoadedModel, ModelError> {
        let backend = backend::current()?;
        let environment = backend::environment()?;
        if let (Source::Bundled, Some(expected)) = (&spec.source, &spec.sha256) {
            let found = sha256_hex(bytes);
            if &found != expected {
                return Err(ModelError::HashMismatch {
                    what: format!("model \"{}\" built into yano", spec.name),
                    expected: expected.clone(),
                    found,
                });
            }
        }
        let started = Instant::now();
        let load_error = |e: ort::Error| ModelError::Load {
            name: spec.name.clone(),
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let count = if backend == Backend::Tract {
            threads
        } else {
            1
        };
        let mut sessions = Vec::with_capacity(count);
        for _ in 0..count {
            let session = Session::builder(&environment)
                .map_err(load_error)?
                .with_optimization_level(GraphOptimizationLevel::Level3)
                .map_err(|e| load_error(e.into()))?
                .with_intra_threads(threads)
                .map_err(|e| load_error(e.into()))?
                .commit_from_memory(bytes)
                .map_err(load_error)?;
            check_tensors(spec, "input", &spec.inputs, session.inputs())?;
            check_tensors(spec, "output", &spec.outputs, session.outputs())?;
            sessions.push(Mutex::new(session));
        }
        let load_seconds = started.elapsed().as_secs_f64();
        let model = LoadedModel {
            spec: spec.clone(),
            path: path.to_path_buf(),
            backend,
            load_seconds,
            warmup_seconds: 0.0,
            sessions,
        };
        let started = Instant::now();
        let zeros: Vec<Vec<f32>> = spec
            .inputs
            .iter()
            .map(|t| vec![0.0; element_count(&t.shape)])
            .collect();
        let views: Vec<&[f32]> = zeros.iter().map(Vec::as_slice).collect();
        for session in &model.sessions {
            let mut session = session.lock().unwrap_or_else(|e| e.into_inner());
            model.run_on(&mut session, &views)?;
        }
        Ok(LoadedModel {
            warmup_seconds: started.elapsed().as_secs_f64(),
            ..model
        })
    }

    /// How many runs can go at once (one a session).
    pub fn parallelism(&self) -> usize {
        self.sessions.len()
    }

    /// Runs the model on one buffer per manifest input (in manifest order, shaped as the manifest
    /// says, open dimensions taken as 1) and returns one tensor per manifest output, in order.
    /// Takes a free session, or waits for the first.
    pub fn run(&self, inputs: &[&[f32]]) -> Result<Vec<TensorData>, ModelError> {
        let mut session = self
            .sessions
            .iter()
            .find_map(|s| s.try_lock().ok())
            .unwrap_or_else(|| self.sessions[0].lock().unwrap_or_else(|e| e.into_inner()));
        self.run_on(&mut session, inputs)
    }

    fn run_on(
        &self,
        session: &mut Session,
        inputs: &[&[f32]],
    ) -> Result<Vec<TensorData>, ModelError> {
        let spec = &self.spec;
        let run_error = |reason: String| ModelError::Run {
            name: spec.name.clone(),
            reason,
        };
        if inputs.len() != spec.inputs.len() {
            return Err(run_error(format!(
                "{} inputs given, the model takes {}",
                inputs.len(),
                spec.inputs.len()
            )));
        }
        let mut values: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = Vec::new();
        for (tensor, data) in spec.inputs.iter().zip(inputs) {
            let shape: Vec<i64> = tensor.shape.iter().map(|d| (*d).max(1)).collect();
            if data.len() != element_count(&shape) {
                return Err(run_error(format!(
                    "input \"{}\" needs {} values for shape {}, got {}",
                    tensor.name,
                    element_count(&shape),
                    shape_text(&shape),
                    data.len()
                )));
            }
            let value =
                Tensor::from_array((shape, data.to_vec())).map_err(|e| run_error(e.to_string()))?;
            values.push((Cow::Owned(tensor.name.clone()), value.into()));
        }
        let outputs = session.run(values).map_err(|e| run_error(e.to_string()))?;
        spec.outputs
            .iter()
            .map(|t| {
                let value = outputs
                    .get(t.name.as_str())
                    .ok_or_else(|| run_error(format!("no output \"{}\"", t.name)))?;
                let (shape, data) = value
                    .try_extract_tensor::<f32>()
                    .map_err(|e| run_error(format!("output \"{}\": {e}", t.name)))?;
                Ok(TensorData {
                    shape: shape.iter().map(|d| *d as usize).collect(),
                    values: data.to_vec(),
                })
            })
            .collect()
    }
}

fn element_count(shape: &[i64]) -> usize {
    shape.iter().map(|d| (*d).max(1) as usize).product()
}

/// Refuses a model whose tensors are not the manifest's: each named tensor must be there, be
/// float32, and have the manifest's shape (an open manifest dimension matches any).
fn check_tensors(
    spec: &ModelSpec,
    direction: &'static str,
    wanted: &[TensorSpec],
    found: &[ort::value::Outlet],
) -> Result<(), ModelError> {
    for want in wanted {
        let outlet = found
            .iter()
            .find(|o| o.name() == want.name)
            .ok_or_else(|| ModelError::MissingTensor {
                name: spec.name.clone(),
                direction,
                tensor: want.name.clone(),
                found: found.iter().map(|o| o.name().to_string()).collect(),
            })?;
        let (ty, shape) = match outlet.dtype() {
            ValueType::Tensor { ty, shape, .. } => (*ty, shape.to_vec()),
            other => {
                return Err(ModelError::TensorMismatch {
                    name: spec.name.clone(),
                    direction,
                    tensor: want.name.clone(),
                    expected: format!("a float32 tensor {}", shape_text(&want.shape)),
                    found: format!("{other:?}"),
                })
            }
        };
        let dims_match = shape.len() == want.shape.len()
            && shape
                .iter()
                .zip(&want.shape)
                .all(|(got, want)| *want < 0 || got == want);
        if ty != TensorElementType::Float32 || !dims_match {
            return Err(ModelError::TensorMismatch {
                name: spec.name.clone(),
                direction,
                tensor: want.name.clone(),
                expected: format!("float32 {}", shape_text(&want.shape)),
                found: format!("{ty:?} {}", shape_text(&shape)).replace("Float32", "float32"),
            });
        }
    }
    Ok(())
}

type Pool = Mutex<HashMap<String, Arc<LoadedModel>>>;

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The shared sessions of a model in the shipped manifest, loaded and warmed up on first use.
/// Every job of the process runs on them: one a core on tract, one on ONNX Runtime; runs take a
/// free one or wait their turn.
pub fn shared(name: &str) -> Result<Arc<LoadedModel>, ModelError> {
    let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(model) = pool.get(name) {
        return Ok(Arc::clone(model));
    }
    let manifest = Manifest::with_user()?;
    let spec = manifest.model(name)?;
    let model = Arc::new(LoadedModel::open(spec, &spec.path())?);
    pool.insert(name.to_string(), Arc::clone(&model));
    Ok(model)
}

/// Where a model built into the binary is kept once loaded (or why it could not be).
pub type BundledCell = std::sync::OnceLock<Result<Arc<LoadedModel>, ModelError>>;

/// A model built into the binary (`bytes`, from `include_bytes!`), loaded once per process into
/// `cell` and checked against its entry `name` in the shipped manifest (sha256, tensors). A
/// failure is kept too, so it is not retried on every job.
pub fn bundled(
    cell: &'static BundledCell,
    name: &str,
    bytes: &'static [u8],
) -> Result<Arc<LoadedModel>, ModelError> {
    cell.get_or_init(|| {
        let manifest = Manifest::shipped();
        let spec = manifest.model(name)?;
        let path = Path::new("models").join(&spec.file);
        LoadedModel::open_bytes(spec, bytes, &path).map(Arc::new)
    })
    .clone()
}
