//! `separate(path)` and `separate(path, options)`: a song into stems with yano's separator,
//! written as float WAVs (and separation.json) under the script's output folder.

use rhai::{Dynamic, Map};
use yano_separate::files;

use crate::api::{Context, Fallible};

/// Separates a file the sandbox lets the script read. Options: `stems` (an array of stem names,
/// or a comma-separated string; all stems when absent; with a choice a "rest" stem holds the
/// others), `out` (a folder under --out, default "stems"), `model` (a declared separation model;
/// yano's own by default). Returns a map from each stem to the file written, relative to --out.
pub fn separate(cx: &Context, path: &str, options: &Map) -> Fallible<Map> {
    let fail = |e: &dyn std::fmt::Display| format!("separate {path}: {e}");
    let real = cx.sandbox.readable(path).map_err(|e| e.to_string())?;
    let stems: Vec<String> = match options.get("stems") {
        None => Vec::new(),
        Some(v) if v.is_array() => v
            .clone()
            .into_array()
            .map_err(|t| fail(&format!("stems must be names, not {t}")))?
            .into_iter()
            .map(|s| {
                s.into_string()
                    .map_err(|t| fail(&format!("stems must be names, not {t}")))
            })
            .collect::<Result<_, _>>()?,
        Some(v) => v
            .clone()
            .into_string()
            .map_err(|t| fail(&format!("stems must be an array of names, not {t}")))?
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let text = |key: &str, default: &str| -> Result<String, String> {
        options.get(key).map_or(Ok(default.to_string()), |v| {
            v.clone()
                .into_string()
                .map_err(|t| fail(&format!("{key} must be text, not {t}")))
        })
    };
    let out = text("out", "stems")?;
    let model = text("model", yano_separate::model::BUNDLED_NAME)?;
    let settings = yano_separate::Options { stems, threads: 0 };
    yano_separate::chosen_stems(&settings.stems).map_err(|e| fail(&e))?;
    let masks = yano_separate::ModelMasks::load(Some(&model)).map_err(|e| fail(&e))?;
    // The folder is checked through the sandbox by a file inside it.
    let dir = cx
        .sandbox
        .writable(&format!("{out}/separation.json"))
        .map_err(|e| e.to_string())?
        .parent()
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| fail(&"no output folder"))?;
    let backend = masks.model.backend.to_string();
    let described = files::Described {
        model: masks.name(),
        backend: &backend,
    };
    // Streamed in windows like `yano separate`, and refused like it when even a window does not
    // fit in the memory the system has.
    let limits = files::Limits {
        max_memory: files::available_memory(),
        segmenting: None,
    };
    let written = files::separate_file(
        &real,
        &dir,
        &masks,
        described,
        &settings,
        limits,
        &mut |_| true,
    )
    .map_err(|e| fail(&e))?;
    Ok(written
        .files
        .iter()
        .filter_map(|path| {
            let name = path.file_stem()?.to_string_lossy().into_owned();
            (path.extension()? == "wav").then(|| {
                (
                    name.as_str().into(),
                    Dynamic::from(format!("{out}/{name}.wav")),
                )
            })
        })
        .collect())
}
