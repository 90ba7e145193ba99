//! Hostile input: every file of the malformed corpus (tests/malformed/, made by
//! scripts/make-malformed-corpus.py, plus the crashing inputs the fuzzers found) goes through the
//! entry point a user's file reaches — preset loading and compiling, script running, audio
//! decoding, model and manifest loading — and must come back as an error that names the problem
//! (tests/malformed/expected.tsv gives a fragment for each file), within a deadline, never as a
//! panic or a hang. Well-formed controls must load, so the corpus cannot pass by everything failing
//! for one wrong reason.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::{Duration, Instant};

use yano_audio_io::decode::decode_file;
use yano_engine::preset::load_preset;
use yano_engine::{Compiler, Registry};
use yano_models::{LoadedModel, Manifest, ModelSpec};

/// Longer than any refusal needs (a runaway script hits its operation limit in about a second).
const DEADLINE: Duration = Duration::from_secs(20);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> PathBuf {
    root().join("tests/malformed")
}

fn registry() -> Arc<Registry> {
    static REGISTRY: OnceLock<Arc<Registry>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| Arc::new(yano_registry::registry()))
        .clone()
}

fn tiny_model() -> ModelSpec {
    let manifest = Manifest::load(&root().join("models/tests/models/tiny.ron")).unwrap();
    manifest.model("tiny-frames").unwrap().clone()
}

/// Loads `path` the way its kind of file is loaded for real; the error's text on failure.
fn load(path: &Path) -> Result<(), String> {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    if name.ends_with(".manifest.ron") {
        return Manifest::load(path).map(drop).map_err(|e| e.to_string());
    }
    match (path_category(path), ext.as_deref()) {
        ("presets", _) | ("controls", Some("ron")) => {
            // As `yano check` does: load against the full registry, then compile.
            let graph = load_preset(path, &registry()).map_err(|e| e.to_string())?;
            let mut compiler = Compiler::new(registry(), 128);
            compiler
                .compile(&graph)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        ("scripts", _) | ("controls", Some("rhai")) => {
            // As `yano run SCRIPT -- --out DIR` does, with the CLI's default limits.
            let out = std::env::temp_dir().join(format!("yano-malformed-{}", std::process::id()));
            let args = vec!["--out".to_string(), out.display().to_string()];
            let limits = yano_scripting::Limits::default();
            yano_scripting::run_file(path, args, registry(), limits)
                .map(drop)
                .map_err(|e| {
                    assert!(
                        !e.message.is_empty(),
                        "{name}: a script error with no message"
                    );
                    e.to_string()
                })
        }
        ("models", Some("onnx")) | ("controls", Some("onnx")) => {
            LoadedModel::open(&tiny_model(), path)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        // Audio, and MIDI files handed where audio goes (the project reads no MIDI file; a `.mid`
        // given to `yano analyse`, a file player or `transcribe` reaches the decoder).
        _ => decode_file(path, 3.0 * 3600.0)
            .map(drop)
            .map_err(|e| e.to_string()),
    }
}

fn path_category(path: &Path) -> &'static str {
    let rel = path.strip_prefix(corpus()).unwrap_or(path);
    match rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy())
    {
        Some(c) if c == "presets" => "presets",
        Some(c) if c == "scripts" => "scripts",
        Some(c) if c == "models" => "models",
        Some(c) if c == "midi" => "midi",
        Some(c) if c == "audio" => "audio",
        _ => "controls",
    }
}

enum Outcome {
    Loaded,
    Refused(String),
    Panicked(String),
    Hung,
}

/// Loads `path` on its own thread (the CLI's 8 MiB stack), turning a panic into `Panicked` and
/// a load that outlives the deadline into `Hung`.
fn outcome(path: &Path) -> (Outcome, Duration) {
    let (tx, rx) = mpsc::channel();
    let owned = path.to_path_buf();
    let started = Instant::now();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let result = catch_unwind(AssertUnwindSafe(|| load(&owned)));
            let _ = tx.send(result);
        })
        .unwrap();
    let outcome = match rx.recv_timeout(DEADLINE) {
        Ok(Ok(Ok(()))) => Outcome::Loaded,
        Ok(Ok(Err(message))) => Outcome::Refused(message),
        Ok(Err(panic)) => Outcome::Panicked(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        ),
        Err(_) => Outcome::Hung,
    };
    (outcome, started.elapsed())
}

/// expected.tsv: file (relative to the corpus) → fragment its error must contain.
fn expectations() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(corpus().join("expected.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (file, fragment) = l.split_once('\t').unwrap_or((l, ""));
            (file.to_string(), fragment.to_string())
        })
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else if path.extension().is_none_or(|e| e != "tsv" && e != "md") {
            out.push(path);
        }
    }
}

#[test]
fn every_malformed_file_is_refused_naming_the_problem_in_time() {
    let expected = expectations();
    let mut files = Vec::new();
    for category in ["presets", "scripts", "audio", "midi", "models"] {
        files_under(&corpus().join(category), &mut files);
    }
    assert!(files.len() >= 200, "only {} malformed files", files.len());
    let dump = std::env::var_os("YANO_MALFORMED_DUMP").is_some();
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for path in &files {
        let rel = path
            .strip_prefix(corpus())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let (outcome, took) = outcome(path);
        if took > slowest.0 {
            slowest = (took, rel.clone());
        }
        let fragment = expected.get(&rel);
        match outcome {
            Outcome::Loaded => failures.push(format!("{rel}: loaded without an error")),
            Outcome::Panicked(message) => failures.push(format!("{rel}: PANICKED: {message}")),
            Outcome::Hung => failures.push(format!("{rel}: still running after {DEADLINE:?}")),
            Outcome::Refused(message) => {
                if dump {
                    eprintln!("{rel}\t{took:.2?}\t{message}");
                }
                // Crash cases the fuzzers found need only be refused, naming something.
                let fragment = match fragment {
                    Some(f) => f.clone(),
                    None if rel.contains("/fuzz-found/") => String::new(),
                    None => {
                        failures.push(format!("{rel}: not listed in expected.tsv"));
                        continue;
                    }
                };
                if message.trim().len() < 10
                    || !message.to_lowercase().contains(&fragment.to_lowercase())
                {
                    failures.push(format!(
                        "{rel}: the error does not say \"{fragment}\": {message}"
                    ));
                }
            }
        }
    }
    eprintln!(
        "{} malformed files refused; slowest {} in {:.2?}",
        files.len(),
        slowest.1,
        slowest.0
    );
    assert!(
        failures.is_empty(),
        "{} of {} malformed files misbehaved:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_matches_its_list_of_expected_errors() {
    let mut files = Vec::new();
    files_under(&corpus(), &mut files);
    let on_disk: Vec<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(corpus())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .filter(|p| !p.contains("/fuzz-found/") && !p.starts_with("controls/"))
        .collect();
    let listed: Vec<String> = expectations().into_keys().collect();
    let missing: Vec<&String> = listed.iter().filter(|f| !on_disk.contains(f)).collect();
    assert!(missing.is_empty(), "listed but not on disk: {missing:?}");
}

#[test]
fn well_formed_controls_load_through_the_same_entry_points() {
    let mut controls: Vec<PathBuf> = [
        "graphs/sine-chord.ron",
        "graphs/file-player.ron",
        "graphs/amapiano-starter.ron",
        "graphs/audio/kalimba-loop.wav",
        "graphs/audio/bassline-fm-113.flac",
        "graphs/audio/groove-fm-113.mp3",
        "models/tests/models/tiny-frames.onnx",
        "models/tests/models/tiny.ron",
    ]
    .iter()
    .map(|p| root().join(p))
    .collect();
    files_under(&corpus().join("controls"), &mut controls);
    for path in &controls {
        let shown = path.display();
        let loaded = if path.ends_with("tiny.ron") {
            Manifest::load(path).map(drop).map_err(|e| e.to_string())
        } else {
            match outcome(path).0 {
                Outcome::Loaded => Ok(()),
                Outcome::Refused(message) => Err(message),
                Outcome::Panicked(message) => Err(format!("PANICKED: {message}")),
                Outcome::Hung => Err("hung".into()),
            }
        };
        assert!(loaded.is_ok(), "{shown} must load: {loaded:?}");
    }
}
