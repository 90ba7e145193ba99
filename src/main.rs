//! `yano`: the headless command line. Renders presets to WAV, lists node kinds, checks presets,
//! and (feature `playback`) plays them through the sound card. A thin layer over the engine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use yano_engine::param::ParamKind;
use yano_engine::port::PortDirection;
use yano_engine::preset::load_preset;
use yano_engine::render::SampleFormat;
use yano_engine::Registry;

mod amapianorize_cli;
mod models_cli;
#[cfg(feature = "platform")]
mod platform_cli;
mod separate_cli;

#[derive(Parser)]
#[command(
    name = "yano",
    version,
    about = "yano: an AI-assisted music studio for amapiano"
)]
struct Cli {
    /// Which ONNX backend runs models: tract (embedded, the default), native (ONNX Runtime from
    /// YANO_ONNXRUNTIME or `yano models fetch onnxruntime`) or native:PATH. Also YANO_ONNX_BACKEND.
    #[arg(long, global = true)]
    backend: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// 16-bit integer PCM
    I16,
    /// 24-bit integer PCM
    I24,
    /// 32-bit float
    F32,
}

#[derive(Subcommand)]
enum Command {
    /// ONNX models: list the known ones, fetch one (from its package on PyPI, sha256-checked),
    /// or time one under each backend.
    Models {
        #[command(subcommand)]
        command: models_cli::ModelsCommand,
    },
    /// Transcribe audio into notes with basic-pitch: `yano transcribe bass.wav -o bass.mid`.
    Transcribe(models_cli::TranscribeArgs),
    /// Separate a song into stems (vocals, piano, log_drum, bass, drums, percussion, other) with
    /// yano's own separator: `yano separate song.mp3 -o stems/`.
    Separate(separate_cli::SeparateArgs),
    /// Turn a song of any genre into amapiano: its vocals kept and warped onto an amapiano
    /// tempo, log drum, drums, percussion, bass, keys and pad following its chords:
    /// `yano amapianorize song.mp3 -o out/`.
    Amapianorize(amapianorize_cli::AmapianorizeArgs),
    /// Analyse an audio file (WAV, FLAC, MP3, OGG): tempo, beats, key, chords, loudness,
    /// sections and amapiano markers. Streams the file, so any length fits in memory.
    Analyze {
        file: PathBuf,
        /// Print the analysis as JSON (schema in the README) instead of a summary.
        #[arg(long)]
        json: bool,
        /// Write the JSON to this file as well (atomically).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The chroma chords and key are read from: notes (the default: the notes fitted to the
        /// spectral peaks, overtones explained away) or peaks (the peaks' pitch classes).
        #[arg(long, default_value = "notes", value_parser = ["notes", "peaks"])]
        chroma: String,
        /// What reads the chords: auto (the default: yano's chord model where it can run here,
        /// else the rules, saying why), model (the chord model, trained by the project:
        /// models/chords/README.md) or rules (chord templates and the bass's root vote).
        #[arg(long, default_value = "auto", value_parser = ["auto", "model", "rules"])]
        chords: String,
    },
    /// Render a preset to a stereo WAV file.
    Render {
        preset: PathBuf,
        /// Where to write the WAV file.
        #[arg(short, long)]
        output: PathBuf,
        /// Length in seconds. With neither --seconds nor --bars, a graph with an arrangement
        /// renders to the end of its last section or placement plus its tail (until the output
        /// falls silent, at most 10 s more); a graph without one renders 10 s.
        #[arg(long, conflicts_with = "bars")]
        seconds: Option<f64>,
        /// Length in bars (4/4 at the preset's tempo).
        #[arg(long)]
        bars: Option<f64>,
        #[arg(long, value_enum, default_value = "i24")]
        format: Format,
        /// Frames per block.
        #[arg(long, default_value_t = 128)]
        block: usize,
        /// Write the mix and one file per channel of the mixer into the folder given by
        /// --output, from one pass: each channel as it reaches the master (through the master
        /// fader and limiter), 32-bit float, so the stems sum to the mix; the return buses'
        /// share is one more stem, "returns".
        #[arg(long)]
        stems: bool,
        /// Time each node's steps and print, most expensive first, each node's time, its share
        /// and its mean per block (the clock is read twice a node each block).
        #[arg(long)]
        profile: bool,
    },
    /// List every node kind with its ports and parameters.
    Nodes,
    /// Check a preset: loads and compiles it, naming any problem with line and column.
    Check { preset: PathBuf },
    /// Run a Rhai script: `yano run script.rhai -- --out out/ --count 8`. After `--`, `--out DIR`
    /// is the only folder the script may write to and each `--read DIR` a folder it may read;
    /// everything after `--` is the script's ARGS.
    Run {
        script: PathBuf,
        /// Stop the script after this many seconds (renders included).
        #[arg(long, default_value_t = 600)]
        time_limit: u64,
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Open the node editor (needs the `editor` feature; sound needs `playback` too).
    Edit {
        /// The preset to open (an empty graph when left out).
        preset: Option<PathBuf>,
        /// Do not open the sound card.
        #[arg(long)]
        no_sound: bool,
        /// Select these nodes at start (comma-separated ids).
        #[arg(long, value_delimiter = ',')]
        select: Vec<String>,
        /// Measure this many frames (the canvas redrawn whole every frame), print the frame
        /// times and quit.
        #[arg(long, hide = true)]
        frame_stats: Option<usize>,
    },
    /// Generate a full track from a prompt: the mix, exact stems, MIDI, the graph (.ron) and a
    /// JSON description, written into --output.
    ///
    /// `yano generate "soulful private school amapiano in Eb minor, 111 bpm, 3 minutes" -o out/ --seed 7`
    Generate {
        /// What to make: style (amapiano, private school, sgija), key ("Eb minor"), tempo
        /// ("111 bpm"), length ("3 minutes", "96 bars") and mood words (soulful, jazzy, dark,
        /// energetic, chill, deep, uplifting …).
        prompt: String,
        /// Folder to write into (made if missing).
        #[arg(short, long)]
        output: PathBuf,
        /// Same prompt and seed, same track.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Style, over the prompt's: amapiano, private_school or sgija.
        #[arg(long)]
        style: Option<String>,
        /// Key, over the prompt's: "Eb minor", "F#m", "C major".
        #[arg(long)]
        key: Option<String>,
        /// Tempo in BPM, over the prompt's.
        #[arg(long)]
        bpm: Option<f64>,
        /// Swing of shakers, hats and percussion in percent (50 straight … 75), over the style's.
        #[arg(long)]
        swing: Option<f64>,
        /// Length in bars (rounded to a multiple of 8), over the prompt's.
        #[arg(long, conflicts_with = "minutes")]
        bars: Option<u32>,
        /// Length in minutes, over the prompt's.
        #[arg(long)]
        minutes: Option<f64>,
        /// Energy curve: build (default), steady or fade.
        #[arg(long)]
        energy: Option<String>,
        /// Density of percussion, stabs and log drum, 0 to 1 (over the mood words').
        #[arg(long)]
        density: Option<f64>,
        /// Harmonic complexity (passing dominants, chords a phrase), 0 to 1.
        #[arg(long)]
        complexity: Option<f64>,
        /// Only these instruments: drums, percussion, log_drum, keys, pad, bass, vocals (comma-separated).
        #[arg(long, value_delimiter = ',')]
        instruments: Vec<String>,
        /// Leave these instruments out (comma-separated).
        #[arg(long, value_delimiter = ',')]
        without: Vec<String>,
    },
    /// Serve the platform's HTTP API: jobs in a queue, a result cache, artifacts, projects,
    /// users and metrics (embedded: SQLite and a local folder in --data, workers in-process).
    #[cfg(feature = "platform")]
    Serve(platform_cli::ServeArgs),
    /// Run jobs from the platform's Redis queue, storing results in its store:
    /// `yano worker --queue redis://host:6379 --store s3://bucket?endpoint=http://host:9000`.
    #[cfg(feature = "platform")]
    Worker(platform_cli::WorkerArgs),
    /// API tokens for the platform: `yano token create alice`.
    #[cfg(feature = "platform")]
    Token {
        #[command(subcommand)]
        command: platform_cli::TokenCommand,
    },
    /// Play a preset through the sound card (needs the `playback` feature).
    Play {
        preset: PathBuf,
        /// Stop after this many seconds (default: until Ctrl+C).
        #[arg(long)]
        seconds: Option<f64>,
        /// Output device name (default: the system default).
        #[arg(long)]
        device: Option<String>,
        /// The device buffer in frames (default: the device's own). Smaller is less latency and
        /// more risk of dropouts; the engine renders blocks of at most 128 frames, and of the
        /// buffer when it is smaller. The latency the chain really has is printed as it starts.
        #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(16..=8192))]
        buffer: Option<u32>,
    },
}

fn registry() -> Arc<Registry> {
    Arc::new(yano_registry::registry())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    if let Some(choice) = &cli.backend {
        let choice = yano_models::BackendChoice::parse(choice).map_err(|e| e.to_string())?;
        yano_models::backend::choose(choice).map_err(|e| e.to_string())?;
    }
    match cli.command {
        Command::Models { command } => models_cli::models(command),
        Command::Transcribe(args) => models_cli::transcribe(args),
        Command::Separate(args) => separate_cli::separate(args),
        #[cfg(feature = "platform")]
        Command::Serve(args) => platform_cli::serve(args),
        #[cfg(feature = "platform")]
        Command::Worker(args) => platform_cli::worker(args),
        #[cfg(feature = "platform")]
        Command::Token { command } => platform_cli::token(command),
        Command::Amapianorize(args) => amapianorize_cli::amapianorize(args),
        Command::Render {
            preset,
            output,
            seconds,
            bars,
            format,
            block,
            stems,
            profile,
        } => {
            let registry = registry();
            let graph = load_preset(&preset, &registry)
                .map_err(|e| format!("{}: {e}", preset.display()))?;
            let length = yano_jobs::render::Length::of(&graph, seconds, bars);
            let format = match format {
                Format::I16 => SampleFormat::Int16,
                Format::I24 => SampleFormat::Int24,
                Format::F32 => SampleFormat::Float32,
            };
            let progress = yano_progress::Progress::new(format!(
                "rendering {}",
                output.file_name().unwrap_or_default().to_string_lossy()
            ));
            let written = yano_jobs::render::render_graph(
                &preset.display().to_string(),
                &graph,
                registry,
                length,
                format,
                block,
                &output,
                stems,
                profile,
                &mut |share| {
                    progress.set(share);
                    true
                },
            )?;
            progress.finish();
            for line in written.lines {
                eprintln!("{line}");
            }
            Ok(())
        }
        Command::Analyze {
            file,
            json,
            output,
            chroma,
            chords,
        } => {
            let params = yano_jobs::analyze::Params { chroma, chords };
            analyze(&file, json, output.as_deref(), &params)
        }
        Command::Nodes => {
            print!("{}", list_nodes(&registry()));
            Ok(())
        }
        Command::Check { preset } => {
            let registry = registry();
            let graph = load_preset(&preset, &registry)
                .map_err(|e| format!("{}: {e}", preset.display()))?;
            let mut compiler = yano_engine::Compiler::new(registry, 128);
            let compiled = compiler
                .compile(&graph)
                .map_err(|e| format!("{}: {e}", preset.display()))?;
            let s = &compiled.stats;
            println!(
                "{}: ok: {} nodes, {} edges; {} real-time ({} bridges inserted), {} inference; {} block buffers, {} steps, latency {} samples",
                preset.display(),
                graph.node_count(),
                graph.edge_count(),
                s.realtime_nodes,
                s.bridges_inserted,
                s.inference_jobs,
                s.buffers,
                s.steps,
                s.max_latency
            );
            Ok(())
        }
        Command::Play {
            preset,
            seconds,
            device,
            buffer,
        } => play(preset, seconds, device, buffer),
        Command::Run {
            script,
            time_limit,
            args,
        } => {
            let limits = yano_scripting::Limits {
                max_wall_time: std::time::Duration::from_secs(time_limit),
                ..yano_scripting::Limits::default()
            };
            yano_scripting::run_file(&script, args, registry(), limits)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        Command::Generate {
            prompt,
            output,
            seed,
            style,
            key,
            bpm,
            swing,
            bars,
            minutes,
            energy,
            density,
            complexity,
            instruments,
            without,
        } => {
            let params = yano_jobs::generate::Params {
                prompt,
                seed,
                style,
                key,
                bpm,
                swing,
                bars,
                minutes,
                energy,
                density,
                complexity,
                instruments,
                without,
                check_markers: false,
            };
            generate(&params, &output)
        }
        Command::Edit {
            preset,
            no_sound,
            select,
            frame_stats,
        } => edit(preset, !no_sound, select, frame_stats),
    }
}

fn analyze(
    file: &Path,
    json: bool,
    output: Option<&Path>,
    params: &yano_jobs::analyze::Params,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let progress = yano_progress::Progress::spinner(format!(
        "analysing {}",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let analysis = yano_jobs::analyze::analyse(params, file).map_err(|e| e.to_string())?;
    progress.finish();
    for note in &analysis.notes {
        eprintln!("{note}");
    }
    let report = analysis.report;
    let text = report.to_json();
    if let Some(out) = output {
        yano_engine::save::atomic_write(out, |w| std::io::Write::write_all(w, text.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    if json {
        println!("{text}");
    } else {
        print!("{}", report.summary());
        std::io::Write::flush(&mut std::io::stdout()).map_err(|e| e.to_string())?;
        eprintln!("analysed in {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

fn generate(params: &yano_jobs::generate::Params, output: &Path) -> Result<(), String> {
    let progress = yano_progress::Progress::new("composing");
    let mut stage = String::new();
    let done = yano_jobs::generate::run(params, output, &mut |now, share| {
        if now != stage {
            stage = now.to_string();
            progress.stage(now);
        }
        progress.set(share);
        true
    })
    .map_err(|e| e.to_string())?;
    progress.finish();
    // What was composed first, then the files, then the figures of the render (the last line).
    let figures = done.lines.len().saturating_sub(1);
    for line in &done.lines[..figures] {
        eprintln!("{line}");
    }
    for f in &done.files {
        println!("{}", f.display());
    }
    for line in &done.lines[figures..] {
        eprintln!("{line}");
    }
    Ok(())
}

#[cfg(feature = "editor")]
fn edit(
    preset: Option<PathBuf>,
    sound: bool,
    select: Vec<String>,
    frame_stats: Option<usize>,
) -> Result<(), String> {
    let options = yano_editor::Options {
        preset,
        sound,
        select,
        frame_stats,
    };
    yano_editor::run(options, registry()).map_err(|e| e.to_string())
}

#[cfg(not(feature = "editor"))]
fn edit(
    _preset: Option<PathBuf>,
    _sound: bool,
    _select: Vec<String>,
    _frame_stats: Option<usize>,
) -> Result<(), String> {
    Err("this build has no editor: run `cargo run --release --features editor,playback -- edit <preset>`".into())
}

#[cfg(feature = "playback")]
fn play(
    preset: PathBuf,
    seconds: Option<f64>,
    device: Option<String>,
    buffer: Option<u32>,
) -> Result<(), String> {
    let registry = registry();
    let graph =
        load_preset(&preset, &registry).map_err(|e| format!("{}: {e}", preset.display()))?;
    let mut live = yano_scripting::live::LiveScripts::load(&graph, registry.clone())
        .map_err(|e| format!("{}: {e}", preset.display()))?;
    let report = yano_engine::playback::play_with_hook(
        graph,
        registry,
        seconds,
        device.as_deref(),
        buffer,
        |session, bar, at| match &mut live {
            Some(l) => l.at_bar(session, bar, at).map_err(|e| e.to_string()),
            None => Ok(()),
        },
    )
    .map_err(|e| e.to_string())?;
    eprintln!(
        "played {:.1} s on {} ({} Hz); clip players missed {} blocks; {}",
        report.seconds_played,
        report.device,
        report.sample_rate,
        report.clip_misses,
        report.latency
    );
    Ok(())
}

#[cfg(not(feature = "playback"))]
fn play(_: PathBuf, _: Option<f64>, _: Option<String>, _: Option<u32>) -> Result<(), String> {
    Err("this build has no sound-card output: rebuild with `--features playback` (needs ALSA headers, apt libasound2-dev)".into())
}

/// Every kind, its ports and its parameters with ranges and units.
fn list_nodes(registry: &Registry) -> String {
    let mut out = String::new();
    for d in registry.iter() {
        let class = match d.class() {
            yano_engine::node::NodeClass::Realtime => "real-time",
            yano_engine::node::NodeClass::Inference => "inference",
        };
        out += &format!("{}  [{class}]\n    {}\n", d.kind, d.description);
        let ports = d.default_ports().unwrap_or_else(|e| {
            out += &format!("    ports: {e}\n");
            Vec::new()
        });
        for p in ports {
            let dir = match p.direction {
                PortDirection::Input => "in ",
                PortDirection::Output => "out",
            };
            let flags = match (p.required, p.feedback) {
                (true, _) => " (required)",
                (_, true) => " (feedback: one block late)",
                _ => "",
            };
            out += &format!(
                "    {dir} {:<10} {:<14} {}{flags}\n",
                p.name,
                p.ty.to_string(),
                p.description
            );
        }
        for p in &d.params {
            let smoothing = match p.kind {
                ParamKind::Number { .. } => match p.smoothing_of() {
                    yano_engine::param::Smoothing::None => String::new(),
                    yano_engine::param::Smoothing::Linear { ms } => format!(", glides {ms} ms"),
                    yano_engine::param::Smoothing::Logarithmic { ms } => {
                        format!(", glides {ms} ms (log)")
                    }
                },
                _ => String::new(),
            };
            out += &format!(
                "    param {:<12} {}{smoothing}: {}\n",
                p.id,
                p.describe_range(),
                p.description
            );
        }
        out.push('\n');
    }
    out
}
