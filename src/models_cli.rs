//! `yano models list|fetch|bench` and `yano transcribe`: the command line over yano-models.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use yano_models::{backend, fetch, Manifest, Voices};
use yano_music::pitch::note_name;

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// Known models and runtime libraries: name, task, file, whether it is here, size, licence
    /// and source.
    List,
    /// Download a model (or `onnxruntime`, the native backend's library) into the cache folder
    /// and check its sha256. Only this command touches the network.
    Fetch {
        name: String,
        /// Take the file from this wheel (or the bare file) instead of downloading it.
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Latency per window under each available backend (each in its own process).
    Bench {
        name: String,
        /// Windows to time after the warm-up.
        #[arg(long, default_value_t = 20)]
        windows: usize,
        /// Time only the backend this process runs (used by the parent run).
        #[arg(long, hide = true)]
        in_process: bool,
    },
}

#[derive(Args)]
pub struct TranscribeArgs {
    /// The audio file (WAV, FLAC, MP3, OGG).
    file: PathBuf,
    /// Write the notes as a standard MIDI file.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Print the notes as JSON.
    #[arg(long)]
    json: bool,
    /// Tempo of the MIDI file, so its bars are the song's (the notes keep their seconds).
    #[arg(long, default_value_t = 120.0)]
    bpm: f64,
    /// An onset peak at least this strong starts a note (0..1).
    #[arg(long, default_value_t = 0.5)]
    onset_threshold: f32,
    /// A note lasts while its frames stay this strong (0..1).
    #[arg(long, default_value_t = 0.3)]
    frame_threshold: f32,
    /// Drop notes shorter than this (milliseconds).
    #[arg(long, default_value_t = 70.0)]
    min_note_ms: f64,
    /// Ignore notes below this frequency (Hz).
    #[arg(long)]
    min_hz: Option<f64>,
    /// Ignore notes above this frequency (Hz).
    #[arg(long)]
    max_hz: Option<f64>,
    /// Follow each note's pitch from the contour output (MIDI pitch bends, one channel a note).
    #[arg(long)]
    pitch_bends: bool,
    /// auto (the default): one line or chords, as the audio shows; mono: one note at a time (a
    /// bass line, a log drum, a melody), each begun by an attack; poly: chords and parts.
    #[arg(long, default_value = "auto", value_parser = ["auto", "mono", "poly"])]
    voices: String,
    /// The same as `--voices mono`.
    #[arg(long, conflicts_with = "voices")]
    mono: bool,
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1 << 20)),
        b => format!("{:.0} KB", b as f64 / 1024.0),
    }
}

pub fn models(command: ModelsCommand) -> Result<(), String> {
    match command {
        ModelsCommand::List => {
            list();
            Ok(())
        }
        ModelsCommand::Fetch { name, from } => {
            let fetched = fetch::fetch(&name, from.as_deref(), &mut |line| eprintln!("{line}"))
                .map_err(|e| e.to_string())?;
            let how = if fetched.already_there {
                "already there, sha256 checked"
            } else {
                "fetched, sha256 checked"
            };
            println!(
                "{}: {} ({how}, {})",
                fetched.name,
                fetched.path.display(),
                human_size(fetched.bytes)
            );
            for fix in fetched.fixes {
                println!("  fixed: {fix}");
            }
            Ok(())
        }
        ModelsCommand::Bench {
            name,
            windows,
            in_process,
        } => {
            if in_process {
                bench_here(&name, windows)
            } else {
                bench_each_backend(&name, windows)
            }
        }
    }
}

fn list() {
    // A broken user manifest is named, and the shipped models are still listed.
    let manifest = Manifest::with_user().unwrap_or_else(|e| {
        eprintln!("{e}");
        Manifest::shipped()
    });
    println!(
        "cache folder: {}",
        yano_models::manifest::cache_dir().display()
    );
    let present = |path: &Path| match std::fs::metadata(path) {
        Ok(m) => format!("yes, {}", human_size(m.len())),
        Err(_) => "no".into(),
    };
    for m in &manifest.models {
        println!("\n{}  [{}]", m.name, m.task);
        println!("    {}", m.description);
        if matches!(m.source, yano_models::manifest::Source::Bundled) {
            println!("    file     models/{} (built into yano)", m.file);
            let size = human_size(yano_separate::model::BUNDLED_BYTES.len() as u64);
            println!("    present  yes, built in, {size}");
        } else {
            println!("    file     {}", m.path().display());
            println!("    present  {}", present(&m.path()));
        }
        if let Some(sep) = &m.separation {
            println!("    stems    {}", sep.stems.join(", "));
        }
        println!("    licence  {}", m.licence);
        println!("    source   {}", m.source);
    }
    for r in &manifest.runtimes {
        println!("\n{}  [runtime library]", r.name);
        println!("    {}", r.description);
        println!("    file     {}", r.path().display());
        println!("    present  {}", present(&r.path()));
        println!("    licence  {}", r.licence);
        println!("    source   {}", r.source);
    }
    let tract = if cfg!(feature = "tract") {
        "built in"
    } else {
        "not in this build (feature `tract`)"
    };
    let native = backend::native_available().map_or_else(
        || "no library found".to_string(),
        |p| p.display().to_string(),
    );
    println!("\nbackends: tract {tract}; native ONNX Runtime: {native}");
}

/// Synthetic audio for timing: a chord with a little noise, `windows` windows long.
fn bench_audio(windows: usize) -> Vec<f32> {
    let n = yano_models::transcribe::WINDOW * windows;
    (0..n)
        .map(|i| {
            let t = i as f32 / 22_050.0;
            [110.0f32, 220.0, 277.18, 329.63]
                .iter()
                .map(|f| 0.15 * (std::f32::consts::TAU * f * t).sin())
                .sum::<f32>()
                + 0.01 * ((i * 7919 % 1000) as f32 / 500.0 - 1.0)
        })
        .collect()
}

fn bench_here(name: &str, windows: usize) -> Result<(), String> {
    let model = yano_models::shared(name).map_err(|e| e.to_string())?;
    let input = &model.spec.inputs[0];
    let per_window: usize = input.shape.iter().map(|d| (*d).max(1) as usize).product();
    let audio = bench_audio(windows);
    let mut times = Vec::with_capacity(windows);
    for w in 0..windows {
        let start = (w * per_window) % audio.len().saturating_sub(per_window).max(1);
        let window = &audio[start..start + per_window];
        let t = Instant::now();
        model.run(&[window]).map_err(|e| e.to_string())?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{}",
        serde_json::json!({
            "backend": model.backend.to_string(),
            "name": model.backend.name(),
            "load_ms": model.load_seconds * 1000.0,
            "warmup_ms": model.warmup_seconds * 1000.0,
            "median_ms": median,
            "min_ms": times[0],
            "max_ms": times[times.len() - 1],
        })
    );
    Ok(())
}

fn bench_each_backend(name: &str, windows: usize) -> Result<(), String> {
    Manifest::shipped().model(name).map_err(|e| e.to_string())?;
    let mut choices = Vec::new();
    if cfg!(feature = "tract") {
        choices.push("tract".to_string());
    }
    match backend::native_available() {
        Some(path) => choices.push(format!("native:{}", path.display())),
        None => eprintln!(
            "native ONNX Runtime: skipped, no library (`yano models fetch onnxruntime` or YANO_ONNXRUNTIME)"
        ),
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut results: Vec<serde_json::Value> = Vec::new();
    for choice in choices {
        let out = std::process::Command::new(&exe)
            .args([
                "--backend",
                &choice,
                "models",
                "bench",
                name,
                "--in-process",
                "--windows",
            ])
            .arg(windows.to_string())
            .output()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        if !out.status.success() {
            eprintln!(
                "{choice}: failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("{choice}: unreadable result: {e}"))?;
        println!(
            "{name} on {}: {:.1} ms a window (median of {windows}; {:.1} to {:.1}), load {:.0} ms, warm-up {:.0} ms",
            v["backend"].as_str().unwrap_or("?"),
            v["median_ms"].as_f64().unwrap_or(f64::NAN),
            v["min_ms"].as_f64().unwrap_or(f64::NAN),
            v["max_ms"].as_f64().unwrap_or(f64::NAN),
            v["load_ms"].as_f64().unwrap_or(f64::NAN),
            v["warmup_ms"].as_f64().unwrap_or(f64::NAN),
        );
        results.push(v);
    }
    if let [a, b] = &results[..] {
        let (ma, mb) = (
            a["median_ms"].as_f64().unwrap_or(0.0),
            b["median_ms"].as_f64().unwrap_or(0.0),
        );
        if mb > 0.0 {
            println!(
                "{} / {}: {:.2}",
                a["name"].as_str().unwrap_or("?"),
                b["name"].as_str().unwrap_or("?"),
                ma / mb
            );
        }
    }
    if results.is_empty() {
        return Err("no backend could run the model".into());
    }
    Ok(())
}

pub fn transcribe(args: TranscribeArgs) -> Result<(), String> {
    let params = yano_jobs::transcribe::Params {
        bpm: args.bpm,
        onset_threshold: args.onset_threshold,
        frame_threshold: args.frame_threshold,
        min_note_ms: args.min_note_ms,
        min_hz: args.min_hz,
        max_hz: args.max_hz,
        pitch_bends: args.pitch_bends,
        voices: if args.mono {
            "mono".into()
        } else {
            args.voices.clone()
        },
    };
    let options = params.options().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let progress = yano_progress::Progress::new(format!(
        "transcribing {}",
        args.file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let (result, backend, loaded) =
        yano_jobs::transcribe::transcription(&params, &args.file, &mut |done| {
            progress.set(done);
            true
        })
        .map_err(|e| e.to_string())?;
    progress.finish();
    eprintln!(
        "{} notes from {:.1} s of audio ({} windows, {} decoding{}) on {} in {:.1} s (model load and warm-up {:.2} s)",
        result.notes.len(),
        result.seconds,
        result.windows,
        result.voices.name(),
        if options.voices == Voices::Auto {
            format!(", chosen: polyphony {:.2}", result.polyphony)
        } else {
            String::new()
        },
        backend,
        started.elapsed().as_secs_f64(),
        loaded
    );
    if let Some(out) = &args.output {
        let bytes = yano_models::midi::midi_bytes(&result.notes, args.bpm)
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        yano_engine::save::atomic_write(out, |w| std::io::Write::write_all(w, &bytes))
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    if args.json {
        let notes: Vec<serde_json::Value> = result
            .notes
            .iter()
            .map(|n| {
                let mut v = serde_json::to_value(n).unwrap_or_default();
                v["name"] = note_name(n.pitch).into();
                v
            })
            .collect();
        let doc = serde_json::json!({
            "file": args.file.display().to_string(),
            "model": result.model,
            "backend": result.backend,
            "seconds": result.seconds,
            "voices": result.voices,
            "polyphony": result.polyphony,
            "notes": notes,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else if args.output.is_none() {
        for n in &result.notes {
            println!(
                "{:>8.3} s  {:>8.3} s  {:<4} vel {:>3}",
                n.start,
                n.end,
                note_name(n.pitch),
                n.velocity
            );
        }
    }
    Ok(())
}
