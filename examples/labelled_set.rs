//! The analysis judged on the labelled set: renders N grooves with known truth (first run only;
//! `yano_generator::labelled`), analyses each file as `yano analyze` does and prints the
//! measures per groove and over the set: tempo Acc1 and mean absolute error, beat and downbeat
//! F-measure (±70 ms), MIREX key score, major/minor and sevenths chord recall, swing error,
//! section hits.
//!
//!     cargo run --release --example labelled_set -- [N=40] [BARS=32] [DIR=target/labelled-set] [gm]
//!
//! `CHORDS=rules` reads chords by the rules (the baseline), `CHORDS=model` by yano's chord model
//! (the default: `yano analyze`'s). `CHROMA=peaks` reads chords and key from the spectral peaks' chroma (the baseline) instead of
//! the notes' (the default); `KEY_PROFILES=kk` uses Krumhansl–Kessler's key profiles.
//!
//! With `gm`, each groove's MIDI file (the generator's, with the same notes and swing) is
//! rendered through a General MIDI soundfont instead (`fluidsynth` and `fluid-soundfont-gm`,
//! Debian packages): other instruments, other drums, the same truth.

use std::path::PathBuf;
use std::sync::Arc;

use yano_analysis::eval::{beat_f_measure, chord_recall, sevenths_recall, tempo_acc1};
use yano_analysis::key::mirex_score;
use yano_analysis::{analyze_with, measure_file, Profiles, Settings};
use yano_generator::labelled::{groove, truth, write_groove, Truth};
use yano_models::readers::{readers, ChordChoice};

mod common;

/// Per groove: true and found BPM, beat and downbeat F, MIREX, chord recall, swing error
/// (points), section boundaries (hit, all).
type Row = (f64, f64, f64, f64, f64, f64, f64, (usize, usize));

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().map_or(Ok(40), |a| a.parse())?;
    let bars: u32 = args.get(1).map_or(Ok(32), |a| a.parse())?;
    let dir = PathBuf::from(args.get(2).map_or("target/labelled-set", String::as_str));
    let gm = args.get(3).is_some_and(|a| a == "gm");
    let dir = if gm { dir.join("gm") } else { dir };
    std::fs::create_dir_all(&dir)?;
    let registry = Arc::new(yano_registry::registry());
    let profiles = match std::env::var("KEY_PROFILES").as_deref() {
        Ok("kk") => Profiles::KrumhanslKessler,
        _ => Profiles::Temperley,
    };
    let settings = Settings {
        key_profiles: profiles,
        chroma: match std::env::var("CHROMA").as_deref() {
            Ok("peaks") => yano_analysis::Chroma::Peaks,
            _ => yano_analysis::Chroma::Notes,
        },
    };
    let choice = match std::env::var("CHORDS").as_deref() {
        Ok("rules") => ChordChoice::Rules,
        _ => ChordChoice::Model,
    };
    let (readers, _) = readers(choice)?;
    let mut rows = Vec::new();
    let mut seventh_recalls = Vec::new();
    let mut seconds_analysed = 0.0;
    let mut time_analysing = 0.0;
    println!("groove  style           true bpm  found bpm  beatF  downF  key (true → found)        mirex  chords  swing true/found  sections");
    for i in 0..n {
        let wav = dir.join(format!("groove-{i:02}.wav"));
        let json = dir.join(format!("groove-{i:02}.json"));
        let truth: Truth = if gm {
            let track = yano_generator::compose(&groove(i, n, bars));
            if !wav.exists() {
                let mid = dir.join(format!("groove-{i:02}.mid"));
                std::fs::write(&mid, yano_generator::export::midi_bytes(&track)?)?;
                common::fluidsynth(&mid, &wav, 0.5)?;
            }
            truth(&track)
        } else if let Some(truth) = cached_truth(&wav, &json) {
            truth
        } else {
            write_groove(&dir, i, n, bars, registry.clone())?.1
        };
        let started = std::time::Instant::now();
        let report = analyze_with(measure_file(&wav)?, &settings, &readers)?;
        time_analysing += started.elapsed().as_secs_f64();
        seconds_analysed += report.seconds;
        let mirex = report.key.map_or(0.0, |k| mirex_score(k, truth.key));
        let recall = chord_recall(&report.chords, &truth.chords);
        seventh_recalls.push(sevenths_recall(&report.chords, &truth.chords));
        let beat_f = beat_f_measure(&report.beats, &truth.beats, 0.07);
        let down_f = beat_f_measure(&report.downbeats, &truth.downbeats, 0.07);
        // A section boundary is hit when one is found within one bar of it.
        let bar = 240.0 / truth.bpm;
        let inner = &truth.sections[1..truth.sections.len() - 1];
        let hits = inner
            .iter()
            .filter(|t| report.sections.iter().any(|f| (*f - **t).abs() <= bar))
            .count();
        println!(
            "{i:>6}  {:<14} {:>9.2} {:>10.3} {:>6.3} {:>6.3}  {:<12} → {:<10} {:>5.1} {:>7.3}  {:>5.1} / {:>5.1}   {}/{}",
            truth.style,
            truth.bpm,
            report.bpm,
            beat_f,
            down_f,
            truth.key.name(),
            report.key.map(|k| k.name()).unwrap_or_default(),
            mirex,
            recall,
            truth.swing * 100.0,
            report.amapiano.swing.percent,
            hits,
            inner.len()
        );
        rows.push((
            truth.bpm,
            report.bpm,
            beat_f,
            down_f,
            mirex,
            recall,
            (truth.swing * 100.0 - report.amapiano.swing.percent).abs(),
            (hits, inner.len()),
        ));
    }
    let k = rows.len() as f64;
    let mean = |f: &dyn Fn(&Row) -> f64| rows.iter().map(f).sum::<f64>() / k;
    println!();
    println!(
        "grooves {n}, {bars} bars each, {}, key profiles {}, chords read by {}",
        if gm {
            "General MIDI renders (FluidR3_GM)"
        } else {
            "yano's own instruments"
        },
        profiles.name(),
        readers.chords.name()
    );
    println!(
        "tempo Acc1 {:.3}  MAE {:.4} BPM  (targets ≥ 0.98, ≤ 0.05)",
        mean(&|r| f64::from(u8::from(tempo_acc1(r.1, r.0)))),
        mean(&|r| (r.1 - r.0).abs())
    );
    println!("beat F-measure {:.3} (target ≥ 0.95)", mean(&|r| r.2));
    println!("downbeat F-measure {:.3}", mean(&|r| r.3));
    println!("key MIREX score {:.3} (target ≥ 0.90)", mean(&|r| r.4));
    println!(
        "chord major/minor recall {:.3} (target ≥ 0.85)",
        mean(&|r| r.5)
    );
    println!(
        "chord sevenths recall {:.3}",
        seventh_recalls.iter().sum::<f64>() / seventh_recalls.len().max(1) as f64
    );
    println!(
        "swing mean absolute error {:.2} percentage points",
        mean(&|r| r.6)
    );
    let (hit, all) = rows
        .iter()
        .fold((0, 0), |(h, a), r| (h + r.7 .0, a + r.7 .1));
    println!("section boundaries found within a bar: {hit} of {all}");
    println!(
        "analysed {:.0} s of audio in {:.2} s ({:.0}× real time)",
        seconds_analysed,
        time_analysing,
        seconds_analysed / time_analysing
    );
    Ok(())
}

/// A groove rendered by an earlier run, when its truth reads (an older run's truth, written
/// before chords carried their quality, renders again).
fn cached_truth(wav: &std::path::Path, json: &std::path::Path) -> Option<Truth> {
    if !wav.exists() {
        return None;
    }
    serde_json::from_str(&std::fs::read_to_string(json).ok()?).ok()
}
