//! A song file into stem files: decoded packet by packet, separated window by window
//! ([`crate::stream`]) and written as it goes, so memory stays bounded however long the song.
//! One float WAV per stem at the input's rate and channel count, and separation.json with each
//! stem's loudness and share of the mix's energy, the model, the backend and the time taken.
//!
//! Nothing the user had is lost: stems are written to hidden temporary files beside their final
//! names and renamed only when every stem is complete; a failure or a cancel removes them and
//! leaves the folder as it was.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

use yano_audio_io::decode::decode_stream_while;
use yano_engine::loudness::LoudnessMeter;
use yano_engine::save::atomic_write;

use crate::chunks::MaskSource;
use crate::stream::{Segmenting, StemSink, StreamSeparator};
use crate::{chosen_stems, Options, SeparateError};

/// The most bytes of samples a WAV file can hold (its data size is a 32-bit field).
pub const WAV_DATA_LIMIT: u64 = u32::MAX as u64 - 64;

fn write_error(path: &Path, e: impl std::fmt::Display) -> SeparateError {
    SeparateError::Failed(format!("cannot write {}: {e}", path.display()))
}

/// Writes `channels` as a 32-bit float WAV, atomically.
pub fn write_float_wav(path: &Path, channels: &[Vec<f32>], rate: u32) -> Result<(), SeparateError> {
    atomic_write(path, |w| {
        let mut wav = hound::WavWriter::new(w, float_spec(channels.len(), rate))
            .map_err(std::io::Error::other)?;
        for i in 0..channels.first().map_or(0, Vec::len) {
            for ch in channels {
                wav.write_sample(ch[i]).map_err(std::io::Error::other)?;
            }
        }
        wav.finalize().map_err(std::io::Error::other)
    })
    .map_err(|e| write_error(path, e))
}

fn float_spec(channels: usize, rate: u32) -> hound::WavSpec {
    hound::WavSpec {
        channels: channels as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    }
}

/// What a separation into files wrote and how long it took.
#[derive(Debug, Clone)]
pub struct Written {
    /// Every stem's WAV, then separation.json.
    pub files: Vec<PathBuf>,
    pub sample_rate: u32,
    pub channels: usize,
    pub frames: usize,
    pub seconds_taken: f64,
}

/// Limits a separation into files works within.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// The most memory (bytes) the separation may take; a stream needing more is refused before
    /// any work. None: no limit.
    pub max_memory: Option<u64>,
    /// How the stream is cut into windows; None sizes them for the input
    /// ([`Segmenting::automatic`]).
    pub segmenting: Option<Segmenting>,
}

/// The model that gave the masks, as separation.json names it.
#[derive(Debug, Clone, Copy)]
pub struct Described<'a> {
    pub model: &'a str,
    pub backend: &'a str,
}

/// Separates the song at `input` into `dir` (created if needed): every stem asked for in
/// `options` as `dir/NAME.wav`, and `dir/separation.json`. `progress` gets the share done and
/// returns false to cancel.
pub fn separate_file(
    input: &Path,
    dir: &Path,
    source: &dyn MaskSource,
    described: Described<'_>,
    options: &Options,
    limits: Limits,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Written, SeparateError> {
    let started = Instant::now();
    let names = chosen_stems(&options.stems)?;
    let mut state: Option<(StreamSeparator<'_>, StemFiles)> = None;
    let mut failure: Option<SeparateError> = None;
    let decoded = decode_stream_while(input, f64::INFINITY, |block| {
        let step = (|| {
            if state.is_none() {
                let (rate, channels) = (block.sample_rate, block.channels.len());
                let expected = block.expected_frames;
                let segmenting = limits
                    .segmenting
                    .unwrap_or_else(|| Segmenting::automatic(channels, rate));
                check_limits(input, &segmenting, expected, channels, rate, limits)?;
                let files = StemFiles::create(dir, &names, channels, rate)?;
                let separator =
                    StreamSeparator::new(source, options, segmenting, rate, channels, expected)?;
                state = Some((separator, files));
            }
            let (separator, files) = state.as_mut().expect("started above");
            separator.push(block.channels, files, progress)
        })();
        match step {
            Ok(()) => true,
            Err(e) => {
                failure = Some(e);
                false
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    decoded?;
    let (separator, mut files) = state
        .ok_or_else(|| SeparateError::NoAudio(format!("{} has no samples", input.display())))?;
    let frames = separator.finish(&mut files, progress)?;
    let (sample_rate, channels) = (files.rate, files.channels);
    let seconds_taken = started.elapsed().as_secs_f64();
    let files = files.commit(input, described, seconds_taken)?;
    Ok(Written {
        files,
        sample_rate,
        channels,
        frames,
        seconds_taken,
    })
}

/// Memory the system can give without swapping (Linux's MemAvailable), in bytes; None where it
/// cannot be read.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Refuses, before any work, a stream whose separation needs more memory than allowed or whose
/// stems would not fit in a WAV file.
fn check_limits(
    input: &Path,
    segmenting: &Segmenting,
    expected: usize,
    channels: usize,
    rate: u32,
    limits: Limits,
) -> Result<(), SeparateError> {
    let known = (expected > 0).then_some(expected);
    let need = segmenting.peak_memory(known, channels, rate);
    if let Some(allowed) = limits.max_memory.filter(|a| need > *a) {
        return Err(SeparateError::TooBig {
            input: input.to_path_buf(),
            need,
            allowed,
            channels,
            window_seconds: known.map_or(segmenting.window_frames(rate), |f| {
                f.min(segmenting.window_frames(rate))
            }) as f64
                / f64::from(rate),
        });
    }
    let bytes = expected as u64 * channels as u64 * 4;
    if bytes > WAV_DATA_LIMIT {
        return Err(SeparateError::Failed(format!(
            "{}: {:.1} hours of {channels} channels at {rate} Hz makes stems of {:.1} GB each, \
             more than a WAV file holds (4 GB); separate it in parts",
            input.display(),
            expected as f64 / f64::from(rate) / 3600.0,
            bytes as f64 / 1e9
        )));
    }
    Ok(())
}

/// The stem files being written: temporary until [`StemFiles::commit`].
struct StemFiles {
    dir: PathBuf,
    names: Vec<String>,
    temporary: Vec<PathBuf>,
    writers: Vec<Option<hound::WavWriter<BufWriter<File>>>>,
    meters: Vec<Option<LoudnessMeter>>,
    energy: Vec<f64>,
    input_energy: f64,
    bytes: u64,
    channels: usize,
    rate: u32,
    committed: bool,
}

impl StemFiles {
    fn create(
        dir: &Path,
        names: &[String],
        channels: usize,
        rate: u32,
    ) -> Result<StemFiles, SeparateError> {
        std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
        let mut files = StemFiles {
            dir: dir.to_path_buf(),
            names: names.to_vec(),
            temporary: Vec::new(),
            writers: Vec::new(),
            meters: Vec::new(),
            energy: vec![0.0; names.len()],
            input_energy: 0.0,
            bytes: 0,
            channels,
            rate,
            committed: false,
        };
        for name in names {
            let path = dir.join(format!(".{name}.wav.{}.partial", std::process::id()));
            let writer = hound::WavWriter::create(&path, float_spec(channels, rate))
                .map_err(|e| write_error(&path, e))?;
            files.temporary.push(path);
            files.writers.push(Some(writer));
            files.meters.push(LoudnessMeter::new(channels, rate).ok());
        }
        Ok(files)
    }

    /// Finishes every WAV, renames them to their names and writes separation.json.
    fn commit(
        mut self,
        input: &Path,
        described: Described<'_>,
        seconds_taken: f64,
    ) -> Result<Vec<PathBuf>, SeparateError> {
        let mut files = Vec::new();
        let mut stems = Vec::new();
        let total = self.input_energy.max(1e-20);
        for (i, name) in self.names.iter().enumerate() {
            let temporary = &self.temporary[i];
            if let Some(writer) = self.writers[i].take() {
                writer.finalize().map_err(|e| write_error(temporary, e))?;
            }
            let lufs = self.meters[i]
                .as_ref()
                .and_then(|m| m.finish().ok())
                .map(|l| l.integrated_lufs)
                .filter(|l| l.is_finite());
            stems.push(serde_json::json!({
                "stem": name,
                "file": format!("{name}.wav"),
                "loudness_lufs": lufs,
                "energy_share": self.energy[i] / total,
            }));
        }
        for (i, name) in self.names.iter().enumerate() {
            let path = self.dir.join(format!("{name}.wav"));
            std::fs::rename(&self.temporary[i], &path).map_err(|e| write_error(&path, e))?;
            files.push(path);
        }
        self.committed = true;
        let doc = serde_json::json!({
            "input": input.display().to_string(),
            "sample_rate": self.rate,
            "channels": self.channels,
            "frames": self.bytes / (4 * self.channels as u64),
            "model": described.model,
            "backend": described.backend,
            "seconds_taken": seconds_taken,
            "stems": stems,
        });
        let path = self.dir.join("separation.json");
        let text = serde_json::to_string_pretty(&doc).map_err(|e| write_error(&path, e))?;
        atomic_write(&path, |w| std::io::Write::write_all(w, text.as_bytes()))
            .map_err(|e| write_error(&path, e))?;
        files.push(path);
        Ok(files)
    }
}

impl StemSink for StemFiles {
    fn write(&mut self, stems: &[Vec<&[f32]>], input: &[&[f32]]) -> Result<(), SeparateError> {
        let frames = input.first().map_or(0, |c| c.len());
        if frames == 0 {
            return Ok(());
        }
        self.bytes += (frames * self.channels * 4) as u64;
        if self.bytes > WAV_DATA_LIMIT {
            return Err(write_error(
                &self.dir,
                "the stems grew past what a WAV file holds (4 GB); separate the song in parts",
            ));
        }
        self.input_energy += energy(input);
        for (i, stem) in stems.iter().enumerate() {
            self.energy[i] += energy(stem);
            if let Some(meter) = self.meters[i].as_mut() {
                if meter.add(stem).is_err() {
                    self.meters[i] = None;
                }
            }
            let writer = self.writers[i].as_mut().expect("open until commit");
            for f in 0..frames {
                for channel in stem {
                    writer
                        .write_sample(channel[f])
                        .map_err(|e| write_error(&self.temporary[i], e))?;
                }
            }
        }
        Ok(())
    }
}

impl Drop for StemFiles {
    fn drop(&mut self) {
        if !self.committed {
            self.writers.clear();
            for path in &self.temporary {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

fn energy(channels: &[&[f32]]) -> f64 {
    channels
        .iter()
        .flat_map(|c| c.iter())
        .map(|&v| f64::from(v) * f64::from(v))
        .sum()
}
