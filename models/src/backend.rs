//! Which ONNX backend runs this process's models. Both are reached through the one `ort` API; `ort`
//! keeps one API table per process, so the backend is chosen once, before the first session, and
//! stays: tract (pure Rust, embedded, the default) or a native ONNX Runtime library file.

use std::ffi::CStr;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::manifest::Manifest;
use crate::ModelError;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendChoice {
    /// The embedded pure-Rust tract backend.
    Tract,
    /// A native ONNX Runtime library: this file, or else `YANO_ONNXRUNTIME`, or else the one
    /// `models fetch onnxruntime` put in the cache folder.
    Native(Option<PathBuf>),
}

impl BackendChoice {
    /// Reads `tract`, `native` or `native:PATH`.
    pub fn parse(text: &str) -> Result<BackendChoice, ModelError> {
        match text {
            "tract" => Ok(BackendChoice::Tract),
            "native" | "onnxruntime" | "ort" => Ok(BackendChoice::Native(None)),
            _ => match text.strip_prefix("native:") {
                Some(path) => Ok(BackendChoice::Native(Some(PathBuf::from(path)))),
                None => Err(ModelError::Backend(format!(
                    "unknown backend \"{text}\": use tract, native or native:PATH"
                ))),
            },
        }
    }

    /// The choice the environment makes: `YANO_ONNX_BACKEND` (tract, native, native:PATH), else
    /// tract where it is built in, else native.
    pub fn from_env() -> Result<BackendChoice, ModelError> {
        match std::env::var("YANO_ONNX_BACKEND") {
            Ok(text) if !text.is_empty() => BackendChoice::parse(&text),
            _ if cfg!(feature = "tract") => Ok(BackendChoice::Tract),
            _ => Ok(BackendChoice::Native(None)),
        }
    }
}

/// The backend that runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Tract,
    Native { library: PathBuf, version: String },
}

impl Backend {
    /// "tract" or "onnxruntime".
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Tract => "tract",
            Backend::Native { .. } => "onnxruntime",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backend::Tract => write!(f, "tract {} (embedded)", TRACT_VERSION),
            Backend::Native { library, version } => {
                write!(f, "ONNX Runtime {version} ({})", library.display())
            }
        }
    }
}

const TRACT_VERSION: &str = "0.23";

static CHOSEN: Mutex<Option<Backend>> = Mutex::new(None);

/// The backend this process runs, choosing it from the environment on first use.
pub fn current() -> Result<Backend, ModelError> {
    if let Some(b) = CHOSEN.lock().unwrap_or_else(|e| e.into_inner()).clone() {
        return Ok(b);
    }
    choose(BackendChoice::from_env()?)
}

/// The `ort` environment of this process, made on first use after the backend is chosen.
pub(crate) fn environment() -> Result<ort::environment::Environment, ModelError> {
    static ENVIRONMENT: Mutex<Option<ort::environment::Environment>> = Mutex::new(None);
    current()?;
    let mut env = ENVIRONMENT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = env.as_ref() {
        return Ok(e.clone());
    }
    let made = ort::init()
        .with_name("yano")
        .build()
        .map_err(|e| ModelError::Backend(format!("creating the ONNX environment: {e}")))?;
    *env = Some(made.clone());
    Ok(made)
}

/// The backend this process has chosen, if it has.
pub fn chosen() -> Option<Backend> {
    CHOSEN.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Chooses the backend for this process. Asking again for the one that runs is fine; asking for
/// another is an error, since `ort` cannot swap its API table.
pub fn choose(choice: BackendChoice) -> Result<Backend, ModelError> {
    let mut chosen = CHOSEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(running) = chosen.as_ref() {
        let same = match (&choice, running) {
            (BackendChoice::Tract, Backend::Tract) => true,
            (BackendChoice::Native(None), Backend::Native { .. }) => true,
            (BackendChoice::Native(Some(p)), Backend::Native { library, .. }) => p == library,
            _ => false,
        };
        return if same {
            Ok(running.clone())
        } else {
            Err(ModelError::Backend(format!(
                "this process already runs its models on {running}; one process runs one backend"
            )))
        };
    }
    let backend = match choice {
        BackendChoice::Tract => install_tract()?,
        BackendChoice::Native(path) => install_native(&native_library(path)?)?,
    };
    *chosen = Some(backend.clone());
    Ok(backend)
}

#[cfg(feature = "tract")]
fn install_tract() -> Result<Backend, ModelError> {
    if !ort::set_api(ort_tract::api()) {
        return Err(ModelError::Backend(
            "the ONNX API was set outside yano-models".into(),
        ));
    }
    Ok(Backend::Tract)
}

#[cfg(not(feature = "tract"))]
fn install_tract() -> Result<Backend, ModelError> {
    Err(ModelError::Backend(
        "this build has no tract backend (build with the `tract` feature), so run models on a \
         native ONNX Runtime: `yano models fetch onnxruntime` and `--backend native`"
            .into(),
    ))
}

/// Where the native library is: the path given, else `YANO_ONNXRUNTIME`, else the cache folder.
pub fn native_library(given: Option<PathBuf>) -> Result<PathBuf, ModelError> {
    if let Some(p) = given {
        return Ok(p);
    }
    if let Some(p) = std::env::var_os("YANO_ONNXRUNTIME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let manifest = Manifest::shipped();
    let runtime = manifest
        .runtime("onnxruntime")
        .expect("the shipped manifest lists onnxruntime");
    Ok(runtime.path())
}

/// Whether a native library can be found (for tests and `models bench`): its path if so.
pub fn native_available() -> Option<PathBuf> {
    native_library(None).ok().filter(|p| p.is_file())
}

fn install_native(library: &Path) -> Result<Backend, ModelError> {
    if !library.is_file() {
        return Err(ModelError::Backend(format!(
            "no ONNX Runtime library at {}: run `yano models fetch onnxruntime`, or set \
             YANO_ONNXRUNTIME to a libonnxruntime file",
            library.display()
        )));
    }
    let fail = |reason: String| {
        ModelError::Backend(format!(
            "ONNX Runtime library {}: {reason}",
            library.display()
        ))
    };
    // SAFETY: loading a library runs its initialisers; the user named this file as ONNX Runtime.
    let lib = unsafe { libloading::Library::new(library) }.map_err(|e| fail(e.to_string()))?;
    // The API table points into the library: it must stay loaded for the life of the process.
    let lib: &'static libloading::Library = Box::leak(Box::new(lib));
    // SAFETY: `OrtGetApiBase` has this signature in every ONNX Runtime since 1.0.
    let base = unsafe {
        let get: libloading::Symbol<unsafe extern "C" fn() -> *const ort_sys::OrtApiBase> = lib
            .get(b"OrtGetApiBase")
            .map_err(|_| fail("has no OrtGetApiBase: is it ONNX Runtime?".into()))?;
        get()
    };
    if base.is_null() {
        return Err(fail("OrtGetApiBase returned null".into()));
    }
    // SAFETY: `base` is the library's static OrtApiBase.
    let (api, version) = unsafe {
        let version = CStr::from_ptr(((*base).GetVersionString)())
            .to_string_lossy()
            .into_owned();
        (((*base).GetApi)(ort_sys::ORT_API_VERSION), version)
    };
    if api.is_null() {
        return Err(fail(format!(
            "version {version} does not offer API {} (yano needs ONNX Runtime 1.24 to 1.32)",
            ort_sys::ORT_API_VERSION
        )));
    }
    // SAFETY: a non-null OrtApi of the requested version, living as long as the library.
    if !ort::set_api(unsafe { std::ptr::read(api) }) {
        return Err(fail("the ONNX API was set outside yano-models".into()));
    }
    Ok(Backend::Native {
        library: library.to_path_buf(),
        version,
    })
}
