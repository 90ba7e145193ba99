//! The style model's data: one style descriptor (`yano_analysis::style::descriptor`, measured as
//! `yano analyze` measures it, chords read by yano's chord model) per piece of music, with its
//! class (amapiano, private school, sgija, not amapiano), written as JSON lines to
//! DIR/style.jsonl for models/train/style.py.
//!
//! - training: the chord set's renders (`examples/chord_set.rs`: grooves of all three styles,
//!   through yano's instruments and through General MIDI programs; its random progressions over
//!   a plain beat are not amapiano), and 45 s excerpts (every
//!   20 s) of two thirds of the openmsx MIDI set (Debian's openttd-openmsx: 35 pieces of game
//!   music in many genres) rendered through FluidR3_GM: not amapiano;
//! - test, never trained on: the labelled sets (`examples/labelled_set.rs`, other seeds; yano's
//!   renders and General MIDI renders with programs the chord set never draws), and the other
//!   third of openmsx (every third piece), each piece whole.
//!
//!     cargo run --release --example style_set -- [CHORD_SET=target/chord-set]
//!         [LABELLED=target/labelled-set] [N=40] [DIR=target/style-set]

use std::io::Write;
use std::path::{Path, PathBuf};

use yano_analysis::style::STYLE_FEATURES;
use yano_analysis::{analyze_with, measure_clip, measure_file, Readers, Settings};
use yano_engine::clip::AudioClip;
use yano_generator::prompt::Style;
use yano_models::readers::{readers, ChordChoice};

mod common;
use common::fluidsynth;

const OPENMSX: &str = "/usr/share/games/openttd/baseset/openmsx";
const NOT_AMAPIANO: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or(default.to_string());
    let chord_set = PathBuf::from(arg(0, "target/chord-set"));
    let labelled = PathBuf::from(arg(1, "target/labelled-set"));
    let n: usize = arg(2, "40").parse()?;
    let dir = PathBuf::from(arg(3, "target/style-set"));
    std::fs::create_dir_all(dir.join("openmsx"))?;
    let (readers, _) = readers(ChordChoice::Model)?;
    let settings = Settings::default();
    let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("style.jsonl"))?);
    let mut write = |name: &str, set: &str, label: usize, d: [f32; STYLE_FEATURES]| {
        let line =
            serde_json::json!({"name": name, "set": set, "label": label, "descriptor": d.to_vec()});
        writeln!(out, "{line}")
    };
    // The chord set: groove i has style i % 3 (examples/chord_set.rs).
    let mut wavs: Vec<PathBuf> = std::fs::read_dir(&chord_set)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    wavs.sort();
    for wav in &wavs {
        let name = wav
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let Some(i) = name.split('-').nth(1).and_then(|x| x.parse::<usize>().ok()) else {
            continue;
        };
        let d = descriptor_of_file(wav, &settings, &readers)?;
        let label = if name.contains("random") {
            NOT_AMAPIANO
        } else {
            style_index(Style::ALL[i % 3])
        };
        write(&name, "train", label, d)?;
    }
    eprintln!("chord set: {} renders", wavs.len());
    // The labelled sets: groove i has style i % 3 (yano_generator::labelled).
    for i in 0..n {
        for sub in ["", "gm"] {
            let wav = labelled.join(sub).join(format!("groove-{i:02}.wav"));
            if !wav.exists() {
                return Err(format!(
                    "{} is missing: run the labelled_set example first (with and without gm)",
                    wav.display()
                )
                .into());
            }
            let d = descriptor_of_file(&wav, &settings, &readers)?;
            let name = format!("labelled{}-{i:02}", if sub.is_empty() { "" } else { "-gm" });
            write(&name, "test", style_index(Style::ALL[i % 3]), d)?;
        }
    }
    // openmsx: every third piece is held out whole; the rest gives excerpts.
    let mut pieces: Vec<PathBuf> = std::fs::read_dir(OPENMSX)
        .map_err(|e| format!("{OPENMSX}: {e} (apt install openttd-openmsx)"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "mid"))
        .collect();
    pieces.sort();
    for (k, mid) in pieces.iter().enumerate() {
        let stem = mid
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let wav = dir.join("openmsx").join(format!("{stem}.wav"));
        if !wav.exists() {
            fluidsynth(mid, &wav, 0.5)?;
        }
        if k % 3 == 0 {
            let d = descriptor_of_file(&wav, &settings, &readers)?;
            write(&format!("openmsx-{stem}"), "test", NOT_AMAPIANO, d)?;
            continue;
        }
        let audio = yano_audio_io::decode::decode_file(&wav, 3600.0)?;
        let rate = audio.sample_rate as usize;
        let frames = audio.channels.first().map_or(0, Vec::len);
        let (length, hop) = (45 * rate, 20 * rate);
        let mut start = 0;
        while start == 0 || start + length <= frames {
            let end = (start + length).min(frames);
            let clip = AudioClip {
                sample_rate: audio.sample_rate,
                channels: audio
                    .channels
                    .iter()
                    .map(|c| c[start..end].to_vec())
                    .collect(),
            };
            let report = analyze_with(measure_clip(&clip)?, &settings, &readers)?;
            let name = format!("openmsx-{stem}@{}", start / rate);
            write(&name, "train", NOT_AMAPIANO, report.style_descriptor)?;
            start += hop;
        }
    }
    out.flush()?;
    println!("wrote {}", dir.join("style.jsonl").display());
    Ok(())
}

fn style_index(style: Style) -> usize {
    Style::ALL.iter().position(|s| *s == style).unwrap_or(0)
}

fn descriptor_of_file(
    wav: &Path,
    settings: &Settings,
    readers: &Readers,
) -> Result<[f32; STYLE_FEATURES], Box<dyn std::error::Error>> {
    Ok(analyze_with(measure_file(wav)?, settings, readers)?.style_descriptor)
}
