//! `yano separate`: a song into stems with yano's separator (or a declared separation model).

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use yano_separate::files::{self, Described, Limits};
use yano_separate::{ModelMasks, Options};

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
    /// The most memory (GB) separation may take; it runs in windows of at most 90 s, and a song
    /// whose window needs more is refused before any work (by default, the memory the system
    /// has available).
    #[arg(long)]
    max_memory: Option<f64>,
    /// Worker threads for the model (all cores by default).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

pub fn separate(args: SeparateArgs) -> Result<(), String> {
    let started = Instant::now();
    let options = Options {
        stems: args.stems.clone(),
        threads: args.threads,
    };
    // Names first, then the model, then the audio: each mistake is named before slow work.
    yano_separate::chosen_stems(&options.stems).map_err(|e| e.to_string())?;
    yano_audio_io::decode::probe_file(&args.file, f64::INFINITY).map_err(|e| e.to_string())?;
    let masks = ModelMasks::load(args.model.as_deref()).map_err(|e| e.to_string())?;
    let limits = Limits {
        max_memory: args
            .max_memory
            .map(|gb| (gb.max(0.0) * 1e9) as u64)
            .or_else(files::available_memory),
        segmenting: None,
    };
    let progress = yano_progress::Progress::new(format!(
        "separating {}",
        args.file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let backend = masks.model.backend.to_string();
    let described = Described {
        model: masks.name(),
        backend: &backend,
    };
    let written = files::separate_file(
        &args.file,
        &args.output,
        &masks,
        described,
        &options,
        limits,
        &mut |done| {
            progress.set(done);
            true
        },
    )
    .map_err(|e| e.to_string())?;
    progress.finish();
    eprintln!(
        "{} stems from {:.1} s of audio ({} Hz, {} channels) with {} on {backend} in {:.1} s",
        written.files.len() - 1,
        written.frames as f64 / f64::from(written.sample_rate),
        written.sample_rate,
        written.channels,
        masks.name(),
        started.elapsed().as_secs_f64()
    );
    for path in written.files {
        println!("{}", path.display());
    }
    Ok(())
}
