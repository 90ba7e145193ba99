//! `yano separate`: a song into stems with yano's separator (or a declared separation model).

use std::path::PathBuf;

use clap::Args;

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
    let params = yano_jobs::separate::Params {
        stems: args.stems,
        model: args.model,
        max_memory: args.max_memory,
        threads: args.threads,
    };
    let progress = yano_progress::Progress::new(format!(
        "separating {}",
        args.file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let done = yano_jobs::separate::run(&params, &args.file, &args.output, &mut |_, share| {
        progress.set(share);
        true
    })
    .map_err(|e| e.to_string())?;
    progress.finish();
    for line in done.lines {
        eprintln!("{line}");
    }
    for path in done.files {
        println!("{}", path.display());
    }
    Ok(())
}
