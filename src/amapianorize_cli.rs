//! `yano amapianorize`: a song of any genre into amapiano, its vocals (or the stems asked for)
//! kept and warped onto an amapiano tempo, new lines following its chords.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use yano_amapianorize::{amapianorize_file, Options, Quality};
use yano_engine::Registry;
use yano_generator::prompt::Style;

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

pub fn amapianorize(args: AmapianorizeArgs, registry: Arc<Registry>) -> Result<(), String> {
    let style = Style::parse(&args.style).ok_or_else(|| {
        format!(
            "--style {:?} is not understood: expected amapiano, private_school or sgija",
            args.style
        )
    })?;
    let options = Options {
        style,
        intensity: args.intensity,
        keep: args.keep.iter().map(|s| s.trim().to_string()).collect(),
        bpm: args.bpm,
        seed: args.seed,
        stems_dir: args.stems.clone(),
        quality: if args.cheaper {
            Quality::Cheaper
        } else {
            Quality::Default
        },
    };
    // Every option is checked before the song is read.
    options.check().map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.output)
        .map_err(|e| format!("cannot create {}: {e}", args.output.display()))?;
    let progress = yano_progress::Progress::new(format!(
        "amapianorizing {}",
        args.file.file_name().unwrap_or_default().to_string_lossy()
    ));
    // Separation is 60 % of the work, the render 30 %, the rest 10 %.
    let done = amapianorize_file(
        &args.file,
        &args.output,
        &options,
        registry,
        &mut |step, share| {
            progress.set(match step {
                "separating" => 0.6 * share,
                "warping" => 0.6,
                _ => 0.7 + 0.3 * share,
            });
            true
        },
    )
    .map_err(|e| e.to_string())?;
    progress.finish();
    let t = &done.timings;
    let m = &done.output.amapiano;
    eprintln!(
        "{:.1} s of song at {:.1} BPM in {} → {} bars at {} BPM ({}); chords from {}; \
         the output reads {:.2} BPM, {}",
        done.source.seconds,
        done.source.bpm,
        done.source
            .key
            .map_or("no key".to_string(), |k| k.to_string()),
        done.map.bars,
        done.plan.target_bpm,
        match done.plan.beats_per_source_beat {
            f if f > 1.5 => "felt at double time",
            f if f < 0.75 => "felt at half time",
            _ => "beat for beat",
        },
        done.source.chords_from,
        done.output.bpm,
        m.summary
    );
    eprintln!(
        "in {:.1} s: decode {:.1}, separate {:.1} (analysis beside it {:.1}), warp {:.1}, \
         render {:.1}, write {:.1}, analyse the output {:.1}",
        t.total, t.decode, t.separate, t.analyse, t.warp, t.render, t.write, t.analyse_output
    );
    for warning in &done.warnings {
        eprintln!("warning: {warning}");
    }
    for path in done.files {
        println!("{}", path.display());
    }
    Ok(())
}
