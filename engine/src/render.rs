//! Offline render: waits for every inference value the real-time partition plays, then runs the
//! schedule block by block as fast as the CPU allows, and writes WAV files (16/24-bit, float).
//! Deterministic for a given preset.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use thiserror::Error;

use crate::clip::AudioClip;
use crate::compiler::CompileStats;
use crate::graph::Graph;
use crate::registry::Registry;
pub use crate::runtime::parallel::RenderThreads;
use crate::runtime::parallel::{Crew, BLOCKS_IN_A_RUN};
use crate::save::atomic_write;
use crate::schedule::NodeCost;
use crate::session::{Session, SessionError};

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    pub seconds: f64,
    /// Frames per block: 128 matches Web Audio's render quantum.
    pub block_size: usize,
    pub inference_threads: usize,
    /// Threads for the real-time partition's steps (the result is the same sample for sample
    /// whatever this says; see [`crate::runtime::parallel`]).
    pub threads: RenderThreads,
    /// Time each node's steps ([`Rendered::node_costs`]); the clock is read twice a node each
    /// block, so leave it off for renders nobody profiles.
    pub profile: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            seconds: 10.0,
            block_size: 128,
            inference_threads: 2,
            threads: RenderThreads::AllCores,
            profile: false,
        }
    }
}

/// A finished stereo render.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub sample_rate: u32,
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    pub stats: CompileStats,
    /// Blocks in which a clip player had nothing to play (0 for a complete render).
    pub clip_misses: u64,
    /// What each `clip.capture` node of the graph recorded, by node id.
    pub captures: Vec<(String, AudioClip)>,
    /// The most threads the render ran the real-time steps on at once.
    pub render_threads: usize,
    /// With [`RenderOptions::profile`]: what each node cost, most expensive first (empty
    /// otherwise).
    pub node_costs: Vec<NodeCost>,
}

impl Rendered {
    pub fn peak(&self) -> f32 {
        self.left
            .iter()
            .chain(&self.right)
            .fold(0.0f32, |m, x| m.max(x.abs()))
    }
}

/// Sample formats for WAV output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    Int16,
    Int24,
    Float32,
}

#[derive(Debug, Error)]
pub enum RenderError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("render length {0} s is not a positive number of seconds up to one hour")]
    Length(f64),
    #[error("the render was cancelled")]
    Cancelled,
    #[error("{0}")]
    Hook(String),
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
}

/// Renders `graph` offline.
pub fn render(
    graph: &Graph,
    registry: Arc<Registry>,
    options: RenderOptions,
) -> Result<Rendered, RenderError> {
    render_with_progress(graph, registry, options, |_| true)
}

/// Renders `graph` offline, telling `progress` the share done (0..=1) every second of audio; a
/// `false` from it stops the render with [`RenderError::Cancelled`].
pub fn render_with_progress(
    graph: &Graph,
    registry: Arc<Registry>,
    options: RenderOptions,
    progress: impl FnMut(f64) -> bool,
) -> Result<Rendered, RenderError> {
    render_with_hook(graph, registry, options, progress, |_, _, _| Ok(()))
}

/// Renders `graph` offline and calls `at_bar(session, bar, sample)` on the control side before
/// the block in which each bar line falls (bar 0 is the start), so its edits can land on the
/// bar's first sample: parameter events with `at = sample`, and schedule swaps, which take
/// effect at the next block boundary, before the bar line. An error from it stops the render.
pub fn render_with_hook(
    graph: &Graph,
    registry: Arc<Registry>,
    options: RenderOptions,
    mut progress: impl FnMut(f64) -> bool,
    mut at_bar: impl FnMut(&mut Session, u64, u64) -> Result<(), String>,
) -> Result<Rendered, RenderError> {
    if !(options.seconds > 0.0 && options.seconds <= 3600.0) {
        return Err(RenderError::Length(options.seconds));
    }
    let sample_rate = graph.transport.sample_rate;
    let (mut session, mut runtime) = Session::start(
        graph.clone(),
        registry,
        options.block_size,
        options.inference_threads,
    )?;
    session.wait_for_inference()?;
    let frames = (options.seconds * f64::from(sample_rate)).round() as usize;
    let mut left = Vec::with_capacity(frames + options.block_size);
    let mut right = Vec::with_capacity(frames + options.block_size);
    let report_every = sample_rate as usize;
    let mut next_report = 0;
    let samples_per_bar = graph.transport.samples_per_bar();
    let mut next_bar = 0u64;
    runtime.set_profiling(options.profile);
    let mut crew = Crew::new(options.threads);
    let mut render_threads = 1;
    let block = options.block_size.max(1);
    while left.len() < frames {
        let block_end = (left.len() + block) as f64;
        while (next_bar as f64) * samples_per_bar < block_end {
            let at = (next_bar as f64 * samples_per_bar).round() as u64;
            at_bar(&mut session, next_bar, at).map_err(RenderError::Hook)?;
            next_bar += 1;
        }
        if left.len() >= next_report {
            if !progress(left.len() as f64 / frames as f64) {
                return Err(RenderError::Cancelled);
            }
            next_report += report_every;
        }
        // A run of blocks up to the one with the next bar line (whose hook must come before
        // it) and the end.
        let to_bar = ((next_bar as f64 * samples_per_bar - left.len() as f64) / block as f64)
            .floor()
            .max(1.0) as usize;
        let to_end = (frames - left.len()).div_ceil(block);
        let blocks = to_bar.min(to_end).min(BLOCKS_IN_A_RUN);
        runtime.process_blocks_with(&mut crew, blocks, &mut left, &mut right);
        render_threads = render_threads.max(crew.members_used());
    }
    left.truncate(frames);
    right.truncate(frames);
    session.poll();
    progress(1.0);
    let captures = graph
        .nodes()
        .filter(|(_, n)| n.kind == crate::bridge::CAPTURE)
        .filter_map(|(_, n)| session.captured(&n.id).map(|clip| (n.id.clone(), clip)))
        .collect();
    Ok(Rendered {
        captures,
        sample_rate,
        left,
        right,
        stats: session.stats().clone(),
        clip_misses: session.clip_misses(),
        render_threads,
        node_costs: if options.profile {
            runtime.node_costs()
        } else {
            Vec::new()
        },
    })
}

/// Writes a stereo WAV file atomically: 16-bit PCM, or WAVE_FORMAT_EXTENSIBLE for 24-bit PCM
/// and 32-bit float (the layout hound writes). Samples are encoded a chunk at a time into one
/// buffer: per-sample writes cost more than the render of a simple graph.
pub fn write_wav(path: &Path, audio: &Rendered, format: SampleFormat) -> Result<(), RenderError> {
    let frames = audio.left.len().min(audio.right.len());
    let bytes_per_sample: usize = match format {
        SampleFormat::Int16 => 2,
        SampleFormat::Int24 => 3,
        SampleFormat::Float32 => 4,
    };
    let data_len = frames * 2 * bytes_per_sample;
    let extensible = format != SampleFormat::Int16;
    let fmt_len: u32 = if extensible { 40 } else { 16 };
    let mut header = Vec::with_capacity(68);
    let riff_len = 4 + (8 + fmt_len as usize) + (8 + data_len);
    header.extend_from_slice(b"RIFF");
    header.extend_from_slice(&(riff_len.min(u32::MAX as usize) as u32).to_le_bytes());
    header.extend_from_slice(b"WAVEfmt ");
    header.extend_from_slice(&fmt_len.to_le_bytes());
    header.extend_from_slice(&(if extensible { 0xFFFEu16 } else { 1 }).to_le_bytes());
    header.extend_from_slice(&2u16.to_le_bytes());
    header.extend_from_slice(&audio.sample_rate.to_le_bytes());
    let block_align = 2 * bytes_per_sample as u32;
    header.extend_from_slice(&(audio.sample_rate * block_align).to_le_bytes());
    header.extend_from_slice(&(block_align as u16).to_le_bytes());
    let bits = 8 * bytes_per_sample as u16;
    header.extend_from_slice(&bits.to_le_bytes());
    if extensible {
        header.extend_from_slice(&22u16.to_le_bytes());
        header.extend_from_slice(&bits.to_le_bytes());
        header.extend_from_slice(&3u32.to_le_bytes()); // front left, front right
        let sub_format: u8 = if format == SampleFormat::Float32 {
            3
        } else {
            1
        };
        header.extend_from_slice(&[
            sub_format, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
        ]);
    }
    header.extend_from_slice(b"data");
    header.extend_from_slice(&(data_len.min(u32::MAX as usize) as u32).to_le_bytes());
    const CHUNK: usize = 16_384;
    atomic_write(path, |file| {
        use std::io::Write;
        file.write_all(&header)?;
        let mut buf = Vec::with_capacity(CHUNK * 2 * bytes_per_sample);
        let mut start = 0;
        while start < frames {
            let end = (start + CHUNK).min(frames);
            buf.clear();
            for (l, r) in audio.left[start..end].iter().zip(&audio.right[start..end]) {
                for x in [*l, *r] {
                    match format {
                        SampleFormat::Float32 => buf.extend_from_slice(&x.to_le_bytes()),
                        SampleFormat::Int24 => {
                            let v = (x.clamp(-1.0, 1.0) * 8_388_607.0).round() as i32;
                            buf.extend_from_slice(&v.to_le_bytes()[..3]);
                        }
                        SampleFormat::Int16 => {
                            let v = (x.clamp(-1.0, 1.0) * 32_767.0).round() as i16;
                            buf.extend_from_slice(&v.to_le_bytes());
                        }
                    }
                }
            }
            file.write_all(&buf)?;
            start = end;
        }
        Ok(())
    })
    .map_err(|e| RenderError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}
