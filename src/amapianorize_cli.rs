//! `yano amapianorize`: a song of any genre into amapiano, its vocals (or the stems asked for)
//! kept and warped onto an amapiano tempo, new lines following its chords.

use std::path::PathBuf;

use clap::Args;

#[derive(Args)]
pub struct AmapianorizeArgs {
    /// The song (WAV, FLAC, MP3, OGG), any rate and channel count, 8 s to 20 minutes.
    file: PathBuf,
    /// The folder for track.wav, stems/, sources/, track.mid, track.ron, track.json and
    /// report.json.
    #[arg(short, long)]
    output: PathBuf,
    /// amapiano (mainstream, 112–114 BPM), private_school (108–112) or sgija (113–115).
    #[arg(long, default_value = "amapiano")]
    style: String,
    /// 0–1: how much of the song's own instruments is replaced. The kept stems always stay; the
    /// song's other stems play at 1 − intensity; from 0.5 the new bass, keys and pad play too.
    #[arg(long, default_value_t = 1.0)]
    intensity: f64,
    /// The song's stems kept (comma-separated): vocals, piano, log_drum, bass, drums,
    /// percussion, other. A kept stem replaces the new line that would play its part.
    #[arg(long, value_delimiter = ',', default_value = "vocals")]
    keep: Vec<String>,
    /// The target tempo (60–200); the style's range by default, the song felt at half or
    /// double time where that stretches it less.
    #[arg(long)]
    bpm: Option<f64>,
    /// The seed of the new lines.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// A folder holding the song's stems already separated (vocals.wav, piano.wav …): used
    /// instead of the separator.
    #[arg(long)]
    stems: Option<PathBuf>,
    /// The stretcher's cheaper preset (shorter window, faster).
    #[arg(long)]
    cheaper: bool,
}

pub fn amapianorize(args: AmapianorizeArgs) -> Result<(), String> {
    let params = yano_jobs::amapianorize::Params {
        style: args.style,
        intensity: args.intensity,
        keep: args.keep,
        bpm: args.bpm,
        seed: args.seed,
        stems: args.stems,
        cheaper: args.cheaper,
    };
    // Every option is checked before the song is read.
    params.check().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.output)
        .map_err(|e| format!("cannot create {}: {e}", args.output.display()))?;
    let progress = yano_progress::Progress::new(format!(
        "amapianorizing {}",
        args.file.file_name().unwrap_or_default().to_string_lossy()
    ));
    let done = yano_jobs::amapianorize::run(&params, &args.file, &args.output, &mut |_, share| {
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
