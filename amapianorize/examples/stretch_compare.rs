//! The measured comparison behind amapianorize's choice of time stretch. The 90 BPM test song's
//! true vocal stem (32 bars, 85 s, a sung line with known notes) is brought to 112 BPM by:
//!
//! - Signalsmith Stretch (ssstretch), default and cheaper presets, beat by beat as amapianorize
//!   warps (its `warp`);
//! - Rubber Band's command line (Debian's rubberband-cli, GPL: measured as a peer, not
//!   linkable into yano), its R2 ("faster") and R3 ("finer") engines, one ratio for the song;
//! - plain resampling (varispeed): what a stretch without pitch preservation does.
//!
//! Each is scored on every sung note: the pitch change (YIN, median over the note, cents) and the
//! onset error (ms from where the note should land), with the time it took.
//!
//!     cargo run --release -p yano-amapianorize --example stretch_compare

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use yano_amapianorize::tempo::{plan, BeatMap};
use yano_amapianorize::{songs, warp};
use yano_audio_io::decode::{decode_file, resample, DecodedAudio};
use yano_generator::prompt::Style;
use yano_separate::files::write_float_wav;
use yano_testkit::onsets::{envelope, onset};
use yano_testkit::pitch::median_pitch;

const RATE: f64 = 48_000.0;

fn mono(channels: &[Vec<f32>]) -> Vec<f32> {
    let n = channels.iter().map(Vec::len).min().unwrap_or(0);
    (0..n)
        .map(|i| channels.iter().map(|c| c[i]).sum::<f32>() / channels.len() as f32)
        .collect()
}

/// (median |cents|, worst |cents|, median |ms|, worst |ms|) over the song's notes.
fn score(song: &songs::Song, source: &[f32], out: &[f32], place: &dyn Fn(f64) -> f64) -> [f64; 4] {
    let (env_in, env_out) = (envelope(source), envelope(out));
    let beat = song.beat_seconds();
    let (mut cents, mut ms) = (Vec::new(), Vec::new());
    for n in &song.vocal {
        let start = n.start_beats * beat;
        let end = start + n.length_beats * beat;
        let hz = 440.0 * ((f64::from(n.pitch) - 69.0) / 12.0).exp2();
        if let (Some(a), Some(b)) = (
            median_pitch(source, RATE, start + 0.15, end - 0.05, hz),
            median_pitch(out, RATE, place(start + 0.15), place(end - 0.05), hz * 1.3),
        ) {
            cents.push((1200.0 * (b / a).log2()).abs());
        } else {
            cents.push(f64::INFINITY);
        }
        if let (Some(a), Some(b)) = (onset(&env_in, start), onset(&env_out, place(start))) {
            ms.push(((b - place(a)) * 1000.0).abs());
        }
    }
    let stat = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() - 1])
    };
    let (c50, cmax) = stat(&mut cents);
    let (m50, mmax) = stat(&mut ms);
    [c50, cmax, m50, mmax]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Arc::new(yano_registry::registry());
    let song = songs::hip_hop(32);
    let rendered = songs::render(&song, registry, 1.0)?;
    let vocal = &rendered
        .stems
        .iter()
        .find(|(n, _)| n == "vocals")
        .expect("vocals")
        .1;
    let source = mono(vocal);
    let seconds = source.len() as f64 / RATE;
    let beats: Vec<f64> = (0..song.bars * 4)
        .map(|i| f64::from(i) * song.beat_seconds())
        .collect();
    let downbeats: Vec<f64> = beats.iter().step_by(4).copied().collect();
    let p = plan(song.bpm, Style::Amapiano, Some(112.0));
    let map = BeatMap::new(&beats, &downbeats, seconds, &p);
    let frames = (map.seconds(seconds) * RATE).ceil() as usize;
    let ratio = p.stretch;
    println!(
        "{seconds:.1} s of sung vocal, 90 → 112 BPM (×{ratio:.4} the length), {} notes\n",
        song.vocal.len()
    );
    println!("| stretch | pitch change, median / worst (cents) | onset error, median / worst (ms) | time (× real time) |");
    println!("|---|---|---|---|");
    let line = |name: &str, s: [f64; 4], taken: f64| {
        println!(
            "| {name} | {:.1} / {:.1} | {:.1} / {:.1} | {:.2} s ({:.0}×) |",
            s[0],
            s[1],
            s[2],
            s[3],
            taken,
            seconds / taken
        );
    };
    for (name, quality) in [
        (
            "Signalsmith Stretch, default (yano's)",
            warp::Quality::Default,
        ),
        ("Signalsmith Stretch, cheaper", warp::Quality::Cheaper),
    ] {
        let t = Instant::now();
        let out = warp::warp(vocal, 48_000, &map, frames, quality);
        let taken = t.elapsed().as_secs_f64();
        line(
            name,
            score(&song, &source, &mono(&out), &|x| map.target_of(x)),
            taken,
        );
    }
    // Rubber Band's command line, when installed.
    let dir = std::env::temp_dir().join("yano-stretch-compare");
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("vocal.wav");
    write_float_wav(&input, vocal, 48_000)?;
    for (name, engine) in [
        ("Rubber Band R2 (faster)", "--fast"),
        ("Rubber Band R3 (finer)", "--fine"),
    ] {
        let output = dir.join("rubberband.wav");
        let t = Instant::now();
        let status = Command::new("rubberband")
            .args(["-q", engine, "-t", &format!("{ratio:.6}")])
            .arg(&input)
            .arg(&output)
            .status();
        let taken = t.elapsed().as_secs_f64();
        match status {
            Ok(s) if s.success() => {
                let out = decode_file(&output, 600.0)?;
                line(
                    name,
                    score(&song, &source, &mono(&out.channels), &|x| x * ratio),
                    taken,
                );
            }
            _ => println!("| {name} | (rubberband-cli is not installed) | | |"),
        }
    }
    // Varispeed: resampled as if played faster.
    let t = Instant::now();
    let faster = resample(
        DecodedAudio {
            sample_rate: (RATE * ratio).round() as u32,
            channels: vocal.clone(),
        },
        48_000,
    )?;
    let taken = t.elapsed().as_secs_f64();
    line(
        "resampling (varispeed, no pitch kept)",
        score(&song, &source, &mono(&faster.channels), &|x| x * ratio),
        taken,
    );
    Ok(())
}
