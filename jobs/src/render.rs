//! `render`: a preset (RON) to a WAV file, or to a folder with the mix and one stem per mixer
//! channel, as `yano render` makes them.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Deserialize;
use serde_json::json;
use yano_engine::param::ParamValue;
use yano_engine::render::{write_wav, RenderOptions, Rendered, SampleFormat};
use yano_engine::schedule::NodeCost;
use yano_engine::{Graph, Registry};

use crate::{JobError, Kind, Outcome, Progress, Stage};

/// A render's length with no seconds or bars asked.
pub const DEFAULT_SECONDS: f64 = 10.0;
/// The most a song's tail may ring on after its arrangement ends.
pub const TAIL_BOUND_SECONDS: f64 = 10.0;
/// A tail has fallen silent below −80 dBFS.
const SILENT: f32 = 1e-4;
/// The longest render a job may ask for: 20 minutes.
const MAX_SECONDS: f64 = 1200.0;

/// How long a render runs.
#[derive(Debug, Clone, Copy)]
pub enum Length {
    /// As asked (or the default for a graph with no arrangement).
    Fixed(f64),
    /// The arrangement's song, then its tail until it falls silent (at most the bound).
    Song { seconds: f64 },
}

impl Length {
    /// `seconds` or `bars` as asked; else the arrangement's song and tail; else 10 s.
    pub fn of(graph: &Graph, seconds: Option<f64>, bars: Option<f64>) -> Length {
        match (seconds, bars) {
            (Some(s), _) => Length::Fixed(s),
            (None, Some(b)) => Length::Fixed(graph.transport.bars_to_seconds(b)),
            (None, None) => match yano_nodes::sequence::song_length::song_end_bar(graph) {
                Some(bar) => Length::Song {
                    seconds: graph.transport.bars_to_seconds(bar),
                },
                None => Length::Fixed(DEFAULT_SECONDS),
            },
        }
    }

    pub fn render_seconds(self) -> f64 {
        match self {
            Length::Fixed(s) => s,
            Length::Song { seconds } => seconds + TAIL_BOUND_SECONDS,
        }
    }

    /// Cuts a song's render after its tail falls silent (never before the song ends).
    fn trim(self, audio: &mut Rendered) {
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

/// What [`render_graph`] wrote and measured.
pub struct Written {
    pub files: Vec<PathBuf>,
    pub lines: Vec<String>,
    pub seconds: f64,
    pub lufs: f64,
}

/// Renders `graph` (named `name` in messages) to `output`: one WAV file, or with `stems` a folder
/// with mix.wav and one 32-bit float WAV per mixer channel from the same pass.
#[allow(clippy::too_many_arguments)]
pub fn render_graph(
    name: &str,
    graph: &Graph,
    registry: Arc<Registry>,
    length: Length,
    format: SampleFormat,
    block_size: usize,
    output: &Path,
    stems: bool,
    profile: bool,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Written, String> {
    let seconds = length.render_seconds();
    let options = RenderOptions {
        seconds,
        block_size,
        profile,
        ..RenderOptions::default()
    };
    let mut lines = Vec::new();
    if !stems {
        let (audio, line, lufs) = render_one(
            name, graph, registry, options, length, format, output, progress,
        )?;
        lines.push(line);
        return Ok(Written {
            files: vec![output.to_path_buf()],
            lines,
            seconds: audio.left.len() as f64 / f64::from(audio.sample_rate),
            lufs,
        });
    }
    std::fs::create_dir_all(output)
        .map_err(|e| format!("cannot create {}: {e}", output.display()))?;
    let taps = yano_nodes::mixer::stems::stem_taps(graph, &registry, seconds)?;
    if let Some(w) = &taps.warning {
        lines.push(format!("warning: {w}"));
    }
    let mix = output.join("mix.wav");
    let (mut audio, line, lufs) = render_one(
        name,
        &taps.graph,
        registry,
        options,
        length,
        format,
        &mix,
        progress,
    )?;
    lines.push(line);
    let seconds = audio.left.len() as f64 / f64::from(audio.sample_rate);
    let mut files = vec![mix];
    // Stems in 32-bit float: one stem may peak above full scale where another cancels it, and
    // clipping it would break their sum. They end where the mix ends.
    for (stem_name, mut stem) in taps.split(&mut audio)? {
        stem.left.truncate(audio.left.len());
        stem.right.truncate(audio.right.len());
        let path = output.join(format!("{stem_name}.wav"));
        write_wav(&path, &stem, SampleFormat::Float32).map_err(|e| e.to_string())?;
        lines.push(format!("stem {stem_name}: {}", path.display()));
        files.push(path);
    }
    Ok(Written {
        files,
        lines,
        seconds,
        lufs,
    })
}

/// Renders one graph to one file and says what it measured (the warnings included).
#[allow(clippy::too_many_arguments)]
fn render_one(
    name: &str,
    graph: &Graph,
    registry: Arc<Registry>,
    options: RenderOptions,
    length: Length,
    format: SampleFormat,
    path: &Path,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<(Rendered, String, f64), String> {
    let started = Instant::now();
    // Live scripts (control.script nodes) run at their bar lines, as they would while playing.
    let mut audio = yano_scripting::live::render(graph, registry, options, progress)
        .map_err(|e| format!("{name}: {e}"))?;
    length.trim(&mut audio);
    let seconds = audio.left.len() as f64 / f64::from(audio.sample_rate);
    // The loudness is measured on a second thread while the file is written.
    let (written, took, loudness) = std::thread::scope(|scope| {
        let measuring = scope
            .spawn(|| yano_engine::loudness::measure(&audio.left, &audio.right, audio.sample_rate));
        let written = write_wav(path, &audio, format);
        let took = started.elapsed().as_secs_f64();
        (written, took, measuring.join())
    });
    written.map_err(|e| e.to_string())?;
    let loudness = loudness
        .map_err(|_| format!("{name}: the loudness measurement failed"))?
        .map_err(|e| e.to_string())?;
    let mut line = format!(
        "rendered {name} ({seconds:.2} s at {} Hz{}) to {} in {took:.2} s ({:.0}x real time, {} thread{}): {:.1} LUFS, true peak {:.1} dBTP, sample peak {:.1} dBFS",
        audio.sample_rate,
        match length {
            Length::Song { .. } => ", the arrangement and its tail",
            Length::Fixed(_) => "",
        },
        path.display(),
        options.seconds / took.max(1e-9),
        audio.render_threads,
        if audio.render_threads == 1 { "" } else { "s" },
        loudness.integrated_lufs,
        loudness.true_peak_dbtp,
        loudness.sample_peak_dbfs,
    );
    if loudness.sample_peak_dbfs > 0.0 && format != SampleFormat::Float32 {
        line.push_str(
            "\nwarning: the render clips (peak above 0 dBFS); lower a gain or write --format f32",
        );
    }
    if audio.clip_misses > 0 {
        line.push_str(&format!(
            "\nwarning: clip players missed {} blocks",
            audio.clip_misses
        ));
    }
    if !audio.node_costs.is_empty() {
        let blocks = (options.seconds * f64::from(audio.sample_rate) / options.block_size as f64)
            .ceil()
            .max(1.0);
        line.push_str(&node_cost_table(
            &audio.node_costs,
            blocks,
            options.block_size,
        ));
    }
    Ok((audio, line, loudness.integrated_lufs))
}

/// The per-node profile of a render, most expensive first: each node's time in its steps, its
/// share of all the nodes' time and its mean per block.
fn node_cost_table(costs: &[NodeCost], blocks: f64, block_size: usize) -> String {
    let total: f64 = costs.iter().map(|c| c.time.as_secs_f64()).sum();
    let id_width = costs.iter().map(|c| c.id.len()).max().unwrap_or(4).max(4);
    let kind_width = costs.iter().map(|c| c.kind.len()).max().unwrap_or(4).max(4);
    let mut table = format!(
        "\nper node ({:.0} ms in all the nodes' steps, over {blocks:.0} blocks of {block_size} frames):",
        total * 1e3
    );
    for c in costs {
        let seconds = c.time.as_secs_f64();
        table.push_str(&format!(
            "\n  {:<id_width$}  {:<kind_width$}  {:>9.1} ms  {:>5.1} %  {:>8.2} µs/block",
            c.id,
            c.kind,
            seconds * 1e3,
            if total > 0.0 {
                100.0 * seconds / total
            } else {
                0.0
            },
            seconds * 1e6 / blocks,
        ));
    }
    table
}

/// The parameters of a render job (the platform's; the CLI reads a preset file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The preset, as RON text.
    pub preset: String,
    pub seconds: Option<f64>,
    pub bars: Option<f64>,
    /// The mix and one stem per mixer channel (true), or the mix alone.
    #[serde(default)]
    pub stems: bool,
    /// i16, i24 (the default) or f32.
    #[serde(default = "i24")]
    pub format: String,
}

fn i24() -> String {
    "i24".into()
}

/// A sample format by its CLI name.
pub fn sample_format(name: &str) -> Option<SampleFormat> {
    match name {
        "i16" => Some(SampleFormat::Int16),
        "i24" => Some(SampleFormat::Int24),
        "f32" => Some(SampleFormat::Float32),
        _ => None,
    }
}

impl Params {
    pub fn from_json(value: &serde_json::Value) -> Result<Params, JobError> {
        crate::params(Kind::Render, value)
    }

    fn bad(message: String) -> JobError {
        JobError::Params {
            kind: Kind::Render,
            message,
        }
    }

    /// The preset as a graph, its files only inside `base` (a job's own folder): a path that is
    /// absolute or climbs out with `..` is refused by name.
    fn graph(&self, registry: &Registry, base: &Path) -> Result<Graph, JobError> {
        let graph = yano_engine::preset::parse_preset(&self.preset, registry, Some(base))
            .map_err(|e| Self::bad(format!("preset: {e}")))?;
        for (_, node) in graph.nodes() {
            if let Some(ParamValue::Text(file)) = node.params.get("file") {
                let path = Path::new(file);
                let escapes = path
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
                if escapes {
                    return Err(Self::bad(format!(
                        "preset: node {:?} reads the file {file:?}, outside the job's own folder",
                        node.id
                    )));
                }
            }
        }
        Ok(graph)
    }

    pub fn check(&self) -> Result<(), JobError> {
        sample_format(&self.format).ok_or_else(|| {
            Self::bad(format!(
                "format {:?}: expected i16, i24 or f32",
                self.format
            ))
        })?;
        for (name, v) in [("seconds", self.seconds), ("bars", self.bars)] {
            if let Some(v) = v {
                if !(v > 0.0 && v.is_finite()) {
                    return Err(Self::bad(format!("{name} {v} must be above 0")));
                }
            }
        }
        let registry = yano_registry::registry();
        let graph = self.graph(&registry, Path::new("."))?;
        let length = Length::of(&graph, self.seconds, self.bars);
        if length.render_seconds() > MAX_SECONDS {
            return Err(Self::bad(format!(
                "{:.0} s asked: a render job is at most {MAX_SECONDS:.0} s",
                length.render_seconds()
            )));
        }
        Ok(())
    }
}

/// Renders the preset into `out`: mix.wav, and with stems one WAV per mixer channel.
pub fn run(params: &Params, out: &Path, mut progress: Progress) -> Result<Outcome, JobError> {
    let kind = Kind::Render;
    params.check()?;
    let registry = Arc::new(yano_registry::registry());
    let graph = params.graph(&registry, out)?;
    let length = Length::of(&graph, params.seconds, params.bars);
    let format = sample_format(&params.format).unwrap_or(SampleFormat::Int24);
    let output = if params.stems {
        out.to_path_buf()
    } else {
        out.join("mix.wav")
    };
    let mut stage = Stage::new(&mut progress);
    let written = render_graph(
        "the preset",
        &graph,
        registry,
        length,
        format,
        128,
        &output,
        params.stems,
        false,
        &mut |share| stage.at("rendering", 0.0, 1.0, share),
    )
    .map_err(|e| stage.error(kind, e))?;
    Ok(Outcome {
        files: written.files,
        lines: written.lines,
        summary: json!({"seconds": written.seconds, "lufs": written.lufs}),
    })
}
