//! `yano`: the headless command line. Renders presets to WAV, lists node kinds, checks presets,
//! and (feature `playback`) plays them through the sound card. A thin layer over the engine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use yano_engine::param::ParamKind;
use yano_engine::port::PortDirection;
use yano_engine::preset::load_preset;
use yano_engine::render::{write_wav, RenderOptions, SampleFormat};
use yano_engine::Registry;

mod amapianorize_cli;
mod models_cli;
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
    /// Play a preset through the sound card (needs the `playback` feature).
    Play {
        preset: PathBuf,
        /// Stop after this many seconds (default: until Ctrl+C).
        #[arg(long)]
        seconds: Option<f64>,
        /// Output device name (default: the system default).
        #[arg(long)]
        device: Option<String>,
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
        Command::Amapianorize(args) => amapianorize_cli::amapianorize(args, registry()),
        Command::Render {
            preset,
            output,
            seconds,
            bars,
            format,
            block,
            stems,
        } => {
            let registry = registry();
            let graph = load_preset(&preset, &registry)
                .map_err(|e| format!("{}: {e}", preset.display()))?;
            let length = match (seconds, bars) {
                (Some(s), _) => Length::Fixed(s),
                (None, Some(b)) => Length::Fixed(graph.transport.bars_to_seconds(b)),
                (None, None) => match yano_nodes::sequence::song_length::song_end_bar(&graph) {
                    Some(bar) => Length::Song {
                        seconds: graph.transport.bars_to_seconds(bar),
                    },
                    None => Length::Fixed(DEFAULT_SECONDS),
                },
            };
            let seconds = length.render_seconds();
            let format = match format {
                Format::I16 => SampleFormat::Int16,
                Format::I24 => SampleFormat::Int24,
                Format::F32 => SampleFormat::Float32,
            };
            let options = RenderOptions {
                seconds,
                block_size: block,
                ..RenderOptions::default()
            };
            if stems {
                std::fs::create_dir_all(&output)
                    .map_err(|e| format!("cannot create {}: {e}", output.display()))?;
                let taps = yano_nodes::mixer::stems::stem_taps(&graph, &registry, seconds)?;
                if let Some(w) = &taps.warning {
                    eprintln!("warning: {w}");
                }
                let mut audio = render_one(
                    &preset,
                    &taps.graph,
                    registry,
                    options,
                    length,
                    format,
                    &output.join("mix.wav"),
                )?;
                // Stems in 32-bit float: one stem may peak above full scale where another
                // cancels it, and clipping it would break their sum. They end where the mix
                // ends.
                for (name, mut stem) in taps.split(&mut audio)? {
                    stem.left.truncate(audio.left.len());
                    stem.right.truncate(audio.right.len());
                    let path = output.join(format!("{name}.wav"));
                    write_wav(&path, &stem, SampleFormat::Float32).map_err(|e| e.to_string())?;
                    eprintln!("stem {name}: {}", path.display());
                }
            } else {
                render_one(&preset, &graph, registry, options, length, format, &output)?;
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
            let settings = yano_analysis::Settings {
                chroma: yano_analysis::Chroma::parse(&chroma)
                    .unwrap_or(yano_analysis::Chroma::Notes),
                ..yano_analysis::Settings::default()
            };
            let choice = yano_models::readers::ChordChoice::parse(&chords)
                .unwrap_or(yano_models::readers::ChordChoice::Auto);
            let (readers, notes) =
                yano_models::readers::readers(choice).map_err(|e| e.to_string())?;
            for note in notes {
                eprintln!("{note}");
            }
            analyze(&file, json, output.as_deref(), &settings, &readers)
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
        } => play(preset, seconds, device),
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
            let options = yano_generator::Options {
                style,
                key,
                bpm,
                swing: swing.map(|s| s / 100.0),
                bars,
                seconds: minutes.map(|m| m * 60.0),
                seed,
                energy,
                density,
                complexity,
                parts: instruments,
                without,
            };
            generate(&prompt, &output, &options)
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
    settings: &yano_analysis::Settings,
    readers: &yano_analysis::Readers,
) -> Result<(), String> {
    let started = std::time::Instant::now();
    let progress = yano_progress::Progress::spinner(format!(
        "analysing {}",
        file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let measured = yano_analysis::measure_file(file).map_err(|e| e.to_string())?;
    let report =
        yano_analysis::analyze_with(measured, settings, readers).map_err(|e| e.to_string())?;
    progress.finish();
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

fn generate(prompt: &str, output: &Path, options: &yano_generator::Options) -> Result<(), String> {
    let started = std::time::Instant::now();
    let (request, reading) =
        yano_generator::Request::new(prompt, options).map_err(|e| e.to_string())?;
    let track = yano_generator::compose(&request);
    let composed_in = started.elapsed().as_secs_f64();
    eprintln!(
        "{} in {}, {} BPM, {} bars ({:.0} s), seed {}{}",
        request.style,
        request.key,
        request.bpm,
        request.bars,
        request.seconds(),
        request.seed,
        if request.moods.is_empty() {
            String::new()
        } else {
            format!(", {}", request.moods.join(", "))
        }
    );
    if !reading.unknown.is_empty() {
        eprintln!(
            "not understood, left out: {} (mood words: {})",
            reading.unknown.join(", "),
            yano_generator::prompt::mood_words().join(", ")
        );
    }
    let sections: Vec<String> = track
        .sections
        .iter()
        .map(|s| format!("{} {}-{}", s.name, s.first_bar, s.last_bar))
        .collect();
    eprintln!("sections: {}", sections.join(", "));
    let vocals = request.vocals.names();
    if !vocals.is_empty() {
        let hook = yano_generator::vocals::hook_bars(&track.sections)
            .filter(|_| request.vocals.hook)
            .map(|(a, b)| format!(", hook sung in bars {a}-{b}"))
            .unwrap_or_default();
        eprintln!(
            "vocals: {} ({} voice){hook}",
            vocals.join(", "),
            yano_generator::vocals::voice_type(request.style)
        );
    }
    std::fs::create_dir_all(output).map_err(|e| format!("{}: {e}", output.display()))?;
    let progress = yano_progress::Progress::new("rendering the mix and stems");
    let written = yano_generator::export::write_with_progress(
        &track,
        output,
        registry(),
        composed_in,
        &mut |share| {
            progress.set(share);
            if share >= 1.0 {
                progress.stage("writing the files");
            }
            true
        },
    )
    .map_err(|e| e.to_string())?;
    progress.finish();
    for f in &written.files {
        println!("{}", f.display());
    }
    eprintln!(
        "{:.2} s in all (compose {:.3} s, render mix and {} stems {:.2} s, write {:.2} s): {:.1} LUFS, true peak {:.1} dBTP",
        started.elapsed().as_secs_f64(),
        written.seconds_compose,
        written.files.iter().filter(|f| f.parent().is_some_and(|p| p.ends_with("stems"))).count(),
        written.seconds_render,
        written.seconds_write,
        written.lufs,
        written.true_peak_db
    );
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

/// A render's length with no `--seconds` or `--bars`.
const DEFAULT_SECONDS: f64 = 10.0;
/// The most a song's tail may ring on after its arrangement ends.
const TAIL_BOUND_SECONDS: f64 = 10.0;
/// A tail has fallen silent below −80 dBFS.
const SILENT: f32 = 1e-4;

/// How long a render runs.
#[derive(Debug, Clone, Copy)]
enum Length {
    /// As asked (or the default for a graph with no arrangement).
    Fixed(f64),
    /// The arrangement's song, then its tail until it falls silent (at most the bound).
    Song { seconds: f64 },
}

impl Length {
    fn render_seconds(self) -> f64 {
        match self {
            Length::Fixed(s) => s,
            Length::Song { seconds } => seconds + TAIL_BOUND_SECONDS,
        }
    }

    /// Cuts a song's render after its tail falls silent (never before the song ends).
    fn trim(self, audio: &mut yano_engine::render::Rendered) {
        let Length::Song { seconds } = self else {
            return;
        };
        let song_end = (seconds * f64::from(audio.sample_rate)).ceil() as usize;
        let last_heard = audio
            .left
            .iter()
            .zip(&audio.right)
            .rposition(|(l, r)| l.abs() > SILENT || r.abs() > SILENT)
            .map_or(0, |i| i + 1);
        let end = last_heard.max(song_end).min(audio.left.len());
        audio.left.truncate(end);
        audio.right.truncate(end);
    }
}

/// Renders one graph to one file, with a progress bar on a terminal, and reports what it
/// measured.
fn render_one(
    preset: &std::path::Path,
    graph: &yano_engine::Graph,
    registry: Arc<Registry>,
    options: RenderOptions,
    length: Length,
    format: SampleFormat,
    path: &std::path::Path,
) -> Result<yano_engine::render::Rendered, String> {
    let started = std::time::Instant::now();
    let progress = yano_progress::Progress::new(format!(
        "rendering {}",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    // Live scripts (control.script nodes) run at their bar lines, as they would while playing.
    let mut audio = yano_scripting::live::render(graph, registry, options, |share| {
        progress.set(share);
        true
    })
    .map_err(|e| format!("{}: {e}", preset.display()))?;
    progress.finish();
    length.trim(&mut audio);
    let seconds = audio.left.len() as f64 / f64::from(audio.sample_rate);
    write_wav(path, &audio, format).map_err(|e| e.to_string())?;
    let took = started.elapsed().as_secs_f64();
    let loudness = yano_engine::loudness::measure(&audio.left, &audio.right, audio.sample_rate)
        .map_err(|e| e.to_string())?;
    eprintln!(
        "rendered {} ({seconds:.2} s at {} Hz{}) to {} in {took:.2} s ({:.0}x real time): {:.1} LUFS, true peak {:.1} dBTP, sample peak {:.1} dBFS",
        preset.display(),
        audio.sample_rate,
        match length {
            Length::Song { .. } => ", the arrangement and its tail",
            Length::Fixed(_) => "",
        },
        path.display(),
        options.seconds / took.max(1e-9),
        loudness.integrated_lufs,
        loudness.true_peak_dbtp,
        loudness.sample_peak_dbfs,
    );
    if loudness.sample_peak_dbfs > 0.0 && format != SampleFormat::Float32 {
        eprintln!(
            "warning: the render clips (peak above 0 dBFS); lower a gain or write --format f32"
        );
    }
    if audio.clip_misses > 0 {
        eprintln!("warning: clip players missed {} blocks", audio.clip_misses);
    }
    Ok(audio)
}

#[cfg(feature = "playback")]
fn play(preset: PathBuf, seconds: Option<f64>, device: Option<String>) -> Result<(), String> {
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
        |session, bar, at| match &mut live {
            Some(l) => l.at_bar(session, bar, at).map_err(|e| e.to_string()),
            None => Ok(()),
        },
    )
    .map_err(|e| e.to_string())?;
    eprintln!(
        "played {:.1} s on {} ({} Hz); clip players missed {} blocks",
        report.seconds_played, report.device, report.sample_rate, report.clip_misses
    );
    Ok(())
}

#[cfg(not(feature = "playback"))]
fn play(_: PathBuf, _: Option<f64>, _: Option<String>) -> Result<(), String> {
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
