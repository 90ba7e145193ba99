//! Writing a separation: one float WAV per stem at the input's rate and channel count, and
//! separation.json with each stem's loudness and share of the mix's energy, the model, the
//! backend and the time taken. Every file is written atomically.

use std::path::{Path, PathBuf};

use yano_engine::loudness::LoudnessMeter;
use yano_engine::save::atomic_write;

use crate::sdr::energy;
use crate::{SeparateError, Separation};

fn write_error(path: &Path, e: impl std::fmt::Display) -> SeparateError {
    SeparateError::Failed(format!("cannot write {}: {e}", path.display()))
}

/// Writes `channels` as a 32-bit float WAV.
pub fn write_float_wav(path: &Path, channels: &[Vec<f32>], rate: u32) -> Result<(), SeparateError> {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    atomic_write(path, |w| {
        let mut wav = hound::WavWriter::new(w, spec).map_err(std::io::Error::other)?;
        for i in 0..channels.first().map_or(0, Vec::len) {
            for ch in channels {
                wav.write_sample(ch[i]).map_err(std::io::Error::other)?;
            }
        }
        wav.finalize().map_err(std::io::Error::other)
    })
    .map_err(|e| write_error(path, e))
}

/// Integrated loudness (LUFS) of a stem; None when it is too quiet or too short to gate.
pub fn loudness(channels: &[Vec<f32>], rate: u32) -> Option<f64> {
    let mut meter = LoudnessMeter::new(channels.len(), rate).ok()?;
    let views: Vec<&[f32]> = channels.iter().map(Vec::as_slice).collect();
    meter.add(&views).ok()?;
    let lufs = meter.finish().ok()?.integrated_lufs;
    lufs.is_finite().then_some(lufs)
}

/// Writes every stem as `dir/NAME.wav` and `dir/separation.json`; returns the files written.
pub fn write(
    dir: &Path,
    separation: &Separation,
    input: &Path,
    model: &str,
    backend: &str,
) -> Result<Vec<PathBuf>, SeparateError> {
    std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
    // The mix is the sum of the stems (they sum to the input).
    let first = &separation.stems[0].1;
    let mix: Vec<Vec<f32>> = (0..first.len())
        .map(|ch| {
            (0..first[ch].len())
                .map(|i| separation.stems.iter().map(|(_, s)| s[ch][i]).sum())
                .collect()
        })
        .collect();
    let total = energy(&mix).max(1e-20);
    let mut files = Vec::new();
    let mut described = Vec::new();
    for (name, channels) in &separation.stems {
        let path = dir.join(format!("{name}.wav"));
        write_float_wav(&path, channels, separation.sample_rate)?;
        described.push(serde_json::json!({
            "stem": name,
            "file": format!("{name}.wav"),
            "loudness_lufs": loudness(channels, separation.sample_rate),
            "energy_share": energy(channels) / total,
        }));
        files.push(path);
    }
    let doc = serde_json::json!({
        "input": input.display().to_string(),
        "sample_rate": separation.sample_rate,
        "channels": first.len(),
        "frames": first.first().map_or(0, Vec::len),
        "model": model,
        "backend": backend,
        "seconds_taken": separation.seconds_taken,
        "stems": described,
    });
    let path = dir.join("separation.json");
    let text = serde_json::to_string_pretty(&doc).map_err(|e| write_error(&path, e))?;
    atomic_write(&path, |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(|e| write_error(&path, e))?;
    files.push(path);
    Ok(files)
}
