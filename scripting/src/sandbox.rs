//! What a script may touch. Scripts are shared like presets, so they are untrusted: they may
//! write only under the output folder the user gave, read only under folders the user named, and
//! never reach the network or start a process (the API has no way to). Paths are checked as text
//! (no absolute paths, no `..`) and again on disk (a symlink may not lead out).

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

/// Limits on a script's work. A runaway loop hits `max_operations` in well under a second.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub max_operations: u64,
    pub max_call_depth: usize,
    pub max_string_bytes: usize,
    pub max_array_items: usize,
    pub max_map_items: usize,
    /// Wall time of the whole run, renders included.
    pub max_wall_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 5_000_000,
            max_call_depth: 64,
            max_string_bytes: 1 << 20,
            max_array_items: 100_000,
            max_map_items: 10_000,
            max_wall_time: Duration::from_secs(600),
        }
    }
}

/// Why a path was refused; each names the path.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PathError {
    #[error("\"{0}\": absolute paths are not allowed; write a path inside the output folder")]
    Absolute(String),
    #[error("\"{0}\": \"..\" may not leave the folder")]
    Escapes(String),
    #[error("\"{0}\": it leads through a link to outside {1}")]
    LinkOut(String, String),
    #[error("\"{0}\": this script may not write files: give an output folder with --out DIR")]
    NoOutput(String),
    #[error(
        "\"{0}\" is not under any folder this script may read ({1}); name one with --read DIR"
    )]
    NotReadable(String, String),
    #[error("\"{path}\": {message}")]
    Io { path: String, message: String },
}

/// The folders a script may use.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    /// Where the script may write (created if missing).
    pub output: Option<PathBuf>,
    /// Where it may read presets and audio.
    pub readable: Vec<PathBuf>,
    pub limits: Limits,
}

/// Refuses absolute paths and any `..`, so the text alone cannot leave a folder.
fn relative(text: &str) -> Result<&Path, PathError> {
    let path = Path::new(text);
    if path.is_absolute() || path.has_root() {
        return Err(PathError::Absolute(text.to_string()));
    }
    if path
        .components()
        .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        return Err(PathError::Escapes(text.to_string()));
    }
    Ok(path)
}

/// The deepest part of `path` that exists, resolved through links.
fn resolved_prefix(path: &Path) -> std::io::Result<PathBuf> {
    let mut probe = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        match probe.canonicalize() {
            Ok(real) => {
                return Ok(rest
                    .iter()
                    .rev()
                    .fold(real, |p, c: &std::ffi::OsString| p.join(c)));
            }
            Err(e) => {
                let Some(name) = probe.file_name().map(|n| n.to_os_string()) else {
                    return Err(e);
                };
                rest.push(name);
                if !probe.pop() {
                    return Err(e);
                }
            }
        }
    }
}

fn inside(root: &Path, text: &str, path: &Path) -> Result<PathBuf, PathError> {
    let io = |e: std::io::Error| PathError::Io {
        path: text.to_string(),
        message: e.to_string(),
    };
    let real_root = root.canonicalize().map_err(io)?;
    let real = resolved_prefix(&root.join(path)).map_err(io)?;
    if real.starts_with(&real_root) {
        Ok(real)
    } else {
        Err(PathError::LinkOut(
            text.to_string(),
            root.display().to_string(),
        ))
    }
}

impl Sandbox {
    /// Where `text` (relative to the output folder) may be written; creates its folder.
    pub fn writable(&self, text: &str) -> Result<PathBuf, PathError> {
        let path = relative(text)?;
        let root = self
            .output
            .as_ref()
            .ok_or_else(|| PathError::NoOutput(text.to_string()))?;
        std::fs::create_dir_all(root).map_err(|e| PathError::Io {
            path: root.display().to_string(),
            message: e.to_string(),
        })?;
        let real = inside(root, text, path)?;
        if let Some(dir) = real.parent() {
            std::fs::create_dir_all(dir).map_err(|e| PathError::Io {
                path: text.to_string(),
                message: e.to_string(),
            })?;
            // Creating the folders cannot have left the root, but check what is now on disk.
            inside(root, text, path)?;
        }
        Ok(real)
    }

    /// The file `text` names under the first readable folder that holds it (or the output
    /// folder, so a script can read back what it wrote).
    pub fn readable(&self, text: &str) -> Result<PathBuf, PathError> {
        let path = relative(text)?;
        let roots: Vec<&PathBuf> = self.readable.iter().chain(self.output.iter()).collect();
        for root in &roots {
            if root.join(path).exists() {
                return inside(root, text, path);
            }
        }
        Err(PathError::NotReadable(
            text.to_string(),
            roots
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ))
    }

    /// Every preset (`*.ron`) directly in a readable folder `dir` (relative, like any path).
    pub fn presets_in(&self, dir: &str) -> Result<Vec<String>, PathError> {
        let real = self.readable(dir)?;
        let mut found: Vec<String> = std::fs::read_dir(&real)
            .map_err(|e| PathError::Io {
                path: dir.to_string(),
                message: e.to_string(),
            })?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "ron"))
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                if dir.is_empty() || dir == "." {
                    name
                } else {
                    format!("{}/{name}", dir.trim_end_matches('/'))
                }
            })
            .collect();
        found.sort();
        Ok(found)
    }
}

impl Sandbox {
    /// Checks that every audio file a graph would read (`file` parameters, relative to the
    /// preset's folder) lies under a folder the script may read: a shared preset cannot make a
    /// script open files elsewhere.
    pub fn check_files(&self, graph: &yano_engine::Graph) -> Result<(), PathError> {
        for (_, node) in graph.nodes() {
            let Some(text) = node.params.get("file").and_then(|v| v.as_text()) else {
                continue;
            };
            if text.is_empty() {
                continue;
            }
            let path = relative(text)?;
            let base = graph.base_dir.clone().unwrap_or_else(|| PathBuf::from("."));
            let full = base.join(path);
            let real = resolved_prefix(&full).map_err(|e| PathError::Io {
                path: text.to_string(),
                message: e.to_string(),
            })?;
            let allowed = self
                .readable
                .iter()
                .filter_map(|r| r.canonicalize().ok())
                .any(|root| real.starts_with(root));
            if !allowed {
                return Err(PathError::NotReadable(
                    format!("{} (file of node {})", text, node.id),
                    self.readable
                        .iter()
                        .map(|r| r.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                ));
            }
        }
        Ok(())
    }
}
