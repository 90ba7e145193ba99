//! The editor's files: opening presets, atomic saves, the autosave beside each document (offered
//! back when it is newer than the document, as after a crash), and rendering the open graph to
//! WAV on a background thread with progress.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::SystemTime;

use yano_engine::preset::{load_preset, preset_text, save_preset};
use yano_engine::render::{render_with_progress, write_wav, RenderOptions, SampleFormat};
use yano_engine::save::atomic_write;
use yano_engine::{Graph, Registry};

use crate::scene::place_unplaced;

/// Opens a preset and gives every node a place on the canvas.
pub fn open(path: &Path, registry: &Registry) -> Result<Graph, String> {
    let mut graph = load_preset(path, registry).map_err(|e| e.to_string())?;
    place_unplaced(&mut graph);
    Ok(graph)
}

/// Saves atomically: a crash mid-save leaves the old file whole.
pub fn save(graph: &Graph, path: &Path) -> Result<(), String> {
    save_preset(graph, path).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(autosave_path(Some(path)));
    Ok(())
}

/// Where the autosave of a document lives: beside it ("groove.ron" → ".groove.ron.autosave"),
/// or in the user's data folder for a document never saved.
pub fn autosave_path(document: Option<&Path>) -> PathBuf {
    match document {
        Some(p) => {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            p.with_file_name(format!(".{name}.autosave"))
        }
        None => {
            let base = std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
                .unwrap_or_else(std::env::temp_dir);
            base.join("yano").join("untitled.ron.autosave")
        }
    }
}

/// Writes the autosave (atomically, like a save).
pub fn autosave(graph: &Graph, document: Option<&Path>) -> Result<PathBuf, String> {
    let path = autosave_path(document);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let text = preset_text(graph);
    atomic_write(&path, |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// An autosave newer than its document (or of an untitled one), which a crash left behind.
pub fn leftover_autosave(document: Option<&Path>) -> Option<PathBuf> {
    let autosave = autosave_path(document);
    let saved_at = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let auto_time = saved_at(&autosave)?;
    match document.and_then(saved_at) {
        Some(doc_time) if doc_time >= auto_time => None,
        _ => Some(autosave),
    }
}

pub fn discard_autosave(document: Option<&Path>) {
    let _ = std::fs::remove_file(autosave_path(document));
}

/// Presets in the folder of `near` (or in ./graphs), for the open dialog.
pub fn presets_near(near: Option<&Path>) -> Vec<PathBuf> {
    let dir = near
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("graphs"));
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "ron"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// A render running on its own thread.
pub struct RenderJob {
    pub output: PathBuf,
    progress: Arc<AtomicU32>,
    cancel: Arc<AtomicBool>,
    done: mpsc::Receiver<Result<RenderSummary, String>>,
    pub started: SystemTime,
}

/// What a finished render measured.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    pub output: PathBuf,
    pub seconds: f64,
    pub peak_db: f32,
}

impl RenderJob {
    pub fn start(
        graph: Graph,
        registry: Arc<Registry>,
        output: PathBuf,
        seconds: f64,
    ) -> RenderJob {
        let progress = Arc::new(AtomicU32::new(0));
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let (p, c, out) = (progress.clone(), cancel.clone(), output.clone());
        std::thread::spawn(move || {
            let options = RenderOptions {
                seconds,
                ..RenderOptions::default()
            };
            let result = render_with_progress(&graph, registry, options, |share| {
                p.store((share as f32).to_bits(), Ordering::Relaxed);
                !c.load(Ordering::Relaxed)
            })
            .and_then(|audio| {
                write_wav(&out, &audio, SampleFormat::Int24)?;
                Ok(RenderSummary {
                    output: out.clone(),
                    seconds,
                    peak_db: 20.0 * audio.peak().max(1e-9).log10(),
                })
            })
            .map_err(|e| e.to_string());
            let _ = tx.send(result);
        });
        RenderJob {
            output,
            progress,
            cancel,
            done: rx,
            started: SystemTime::now(),
        }
    }

    /// Share done, 0..=1.
    pub fn progress(&self) -> f32 {
        f32::from_bits(self.progress.load(Ordering::Relaxed))
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The result, once the thread has finished.
    pub fn finished(&self) -> Option<Result<RenderSummary, String>> {
        match self.done.try_recv() {
            Ok(r) => Some(r),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err("the render thread stopped".into())),
        }
    }
}
