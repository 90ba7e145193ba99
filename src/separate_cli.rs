//! `yano separate`: a song into stems with yano's separator (or a declared separation model).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use yano_separate::{files, ModelMasks, Options};

#[derive(Args)]
pub struct SeparateArgs {
    /// The song (WAV, FLAC, MP3, OGG), any rate and channel count.
    file: PathBuf,
    /// The folder the stems and separation.json go to.
    #[arg(short, long)]
    output: PathBuf,
    /// Only these stems (comma-separated), plus "rest" for everything else. Stems: vocals, piano,
    /// log_drum, bass, drums, percussion, other.
    #[arg(long, value_delimiter = ',')]
    stems: Vec<String>,
    /// A separation model declared in models/models.ron and fetched (yano's own by default).
    #[arg(long)]
    model: Option<String>,
    /// The most memory (GB) separation may take; a longer song is refused before any work (by
    /// default, the memory the system has available).
    #[arg(long)]
    max_memory: Option<f64>,
    /// Worker threads for the model (all cores by default).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// The longest song accepted: three hours.
const MAX_SECONDS: f64 = 3.0 * 3600.0;

pub fn separate(args: SeparateArgs) -> Result<(), String> {
    let started = Instant::now();
    let options = Options {
        stems: args.stems.clone(),
        threads: args.threads,
    };
    // Names first, then the audio, then the model: each mistake is named before slow work.
    yano_separate::chosen_stems(&options.stems).map_err(|e| e.to_string())?;
    let audio =
        yano_audio_io::decode::decode_file(&args.file, MAX_SECONDS).map_err(|e| e.to_string())?;
    let frames = audio.channels.first().map_or(0, Vec::len);
    let need = yano_separate::memory_needed(frames, audio.channels.len(), audio.sample_rate);
    let allowed = args
        .max_memory
        .map(|gb| (gb.max(0.0) * 1e9) as u64)
        .or_else(available_memory);
    if let Some(available) = allowed.filter(|a| need > *a) {
        return Err(format!(
            "{}: {:.1} minutes of {} channels needs about {} of memory to separate, and {} \
             is allowed; separate it in parts (separation holds the whole song)",
            args.file.display(),
            frames as f64 / f64::from(audio.sample_rate.max(1)) / 60.0,
            audio.channels.len(),
            bytes_text(need),
            bytes_text(available)
        ));
    }
    let masks = ModelMasks::load(args.model.as_deref()).map_err(|e| e.to_string())?;
    let progress = yano_progress::Progress::new(format!(
        "separating {}",
        args.file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let separation = yano_separate::separate(&audio, &masks, &options, &mut |done| {
        progress.set(done);
        true
    })
    .map_err(|e| format!("{}: {e}", args.file.display()))?;
    progress.finish();
    let backend = masks.model.backend.to_string();
    let written = files::write(
        &args.output,
        &separation,
        &args.file,
        masks.name(),
        &backend,
    )
    .map_err(|e| e.to_string())?;
    let seconds = audio.channels[0].len() as f64 / f64::from(audio.sample_rate);
    eprintln!(
        "{} stems from {seconds:.1} s of audio ({} Hz, {} channels) with {} on {backend} in {:.1} s",
        separation.stems.len(),
        audio.sample_rate,
        audio.channels.len(),
        masks.name(),
        started.elapsed().as_secs_f64()
    );
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}

/// Memory the system can give without swapping (Linux's MemAvailable), in bytes; None elsewhere.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn bytes_text(bytes: u64) -> String {
    if bytes < 1_000_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} GB", bytes as f64 / 1e9)
    }
}
