//! Amapianorize measured on songs the project made and knows everything about (its songs
//! module): a 90 BPM hip-hop song and a 128 BPM house song, each with a sung line, chords known.
//! The song's true stems stand in for the separator where the warp alone is measured; the
//! separator is in the loop in its own test.
//!
//! What is measured comes from outside the code under test: the notes that were sung (their
//! pitch and onsets measured in the song's own vocal stem by YIN and an energy envelope), the
//! chords that were played, and `yano analyze`'s reading of the output.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yano_amapianorize::songs::{self, Song};
use yano_amapianorize::tempo::BeatMap;
use yano_amapianorize::{amapianorize, warp, AmapianorizeError, Done, Options, Stems};
use yano_audio_io::decode::DecodedAudio;
use yano_engine::Registry;
use yano_testkit::pitch::median_pitch;
use yano_testkit::{read_wav, scratch};

const RATE: f64 = 48_000.0;
/// The most latency a render may add (its limiters' look-ahead, compensated across channels).
const MAX_LATENCY: usize = 480;

fn registry() -> Arc<Registry> {
    Arc::new(yano_registry::registry())
}

fn mono(channels: &[Vec<f32>]) -> Vec<f32> {
    let n = channels.iter().map(Vec::len).min().unwrap_or(0);
    (0..n)
        .map(|i| channels.iter().map(|c| c[i]).sum::<f32>() / channels.len() as f32)
        .collect()
}

/// What a run gave.
struct Run {
    song: Song,
    rendered: songs::Rendered,
    done: Done,
    out: PathBuf,
}

fn run(song: Song, name: &str, given: bool, options: Options) -> Run {
    let registry = registry();
    let rendered = songs::render(&song, registry.clone(), 1.0).expect("the song renders");
    let out = scratch("amapianorize", name);
    let stems = if given {
        Stems::Given(rendered.stems.clone())
    } else {
        Stems::Separate
    };
    let audio = DecodedAudio {
        sample_rate: 48_000,
        channels: rendered.mix.clone(),
    };
    let h: f64 = rendered
        .stems
        .iter()
        .flat_map(|(_, c)| c[0].iter())
        .enumerate()
        .map(|(i, v)| f64::from(*v) * ((i % 97) as f64))
        .sum();
    eprintln!("song hash {h}");
    let done = amapianorize(name, audio, stems, &out, &options, registry, &mut |_, _| {
        true
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    eprintln!("map {:?}", &done.map.anchors[..3]);
    Run {
        song,
        rendered,
        done,
        out,
    }
}

/// RMS envelope every 2.5 ms over 10 ms windows (the frame at k covers k·2.5 ms onwards).
fn envelope(x: &[f32]) -> Vec<f64> {
    let hop = (0.0025 * RATE) as usize;
    let win = (0.01 * RATE) as usize;
    (0..x.len().saturating_sub(win) / hop)
        .map(|k| yano_testkit::rms(&x[k * hop..k * hop + win]))
        .collect()
}

/// Where a note starts near `around` seconds: in the 150 ms before it and 300 ms after, the
/// envelope's lowest point before the note's peak (the gap after the note before), then the
/// first moment after it that the envelope is half way from there to the peak.
fn onset(env: &[f64], around: f64) -> Option<f64> {
    let frame = |t: f64| ((t / 0.0025).max(0.0) as usize).min(env.len().saturating_sub(1));
    let (from, to) = (frame(around - 0.15), frame(around + 0.3));
    let peak_at = (frame(around)..to).max_by(|a, b| env[*a].total_cmp(&env[*b]))?;
    let low_at = (from..=peak_at).min_by(|a, b| env[*a].total_cmp(&env[*b]))?;
    let half = 0.5 * (env[low_at] + env[peak_at]);
    (low_at..=peak_at)
        .find(|&k| env[k] >= half)
        .map(|k| k as f64 * 0.0025 + 0.005)
}

/// SDR after the best scale of the reference (the output's channel fader and master gain are a
/// scale): 10·log10(‖αs‖² / ‖αs − ŝ‖²).
fn scaled_sdr(reference: &[f32], estimate: &[f32]) -> f64 {
    let n = reference.len().min(estimate.len());
    let (r, e) = (&reference[..n], &estimate[..n]);
    let dot: f64 = r
        .iter()
        .zip(e)
        .map(|(a, b)| f64::from(*a) * f64::from(*b))
        .sum();
    let energy: f64 = r.iter().map(|a| f64::from(*a).powi(2)).sum();
    let alpha = dot / energy.max(1e-30);
    let error: f64 = r
        .iter()
        .zip(e)
        .map(|(a, b)| (alpha * f64::from(*a) - f64::from(*b)).powi(2))
        .sum();
    10.0 * (alpha * alpha * energy / error.max(1e-30)).log10()
}

/// The vocal figures: SDR against the song's true vocal stem warped by the run's map, the worst
/// pitch change of a sung note (cents) and the worst onset error (ms) from where the map puts it.
fn vocal_figures(r: &Run) -> (f64, f64, f64) {
    let map: &BeatMap = &r.done.map;
    let (_, out_vocal) = read_wav(&r.out.join("stems/vocals.wav"));
    let out_vocal = mono(&out_vocal);
    let true_vocal = &r
        .rendered
        .stems
        .iter()
        .find(|(n, _)| n == "vocals")
        .expect("the song has a vocal stem")
        .1;
    let warped = warp::warp(
        true_vocal,
        48_000,
        map,
        out_vocal.len(),
        warp::Quality::Default,
    );
    // A render is late by its limiters' look-ahead (1.5 ms each, the same on every channel):
    // found as the lag where the output best matches the reference.
    let reference = mono(&warped);
    let correlation = |lag: usize| -> f64 {
        (0..reference.len() - MAX_LATENCY)
            .step_by(3)
            .map(|i| f64::from(reference[i]) * f64::from(out_vocal[i + lag]))
            .sum()
    };
    let latency = (0..=MAX_LATENCY)
        .max_by(|a, b| correlation(*a).total_cmp(&correlation(*b)))
        .expect("lags");
    let out_vocal = out_vocal[latency..].to_vec();
    let sdr = scaled_sdr(&reference, &out_vocal);
    let source = mono(true_vocal);
    let (env_in, env_out) = (envelope(&source), envelope(&out_vocal));
    let beat = r.song.beat_seconds();
    let (mut worst_cents, mut worst_ms) = (0.0f64, 0.0f64);
    for n in &r.song.vocal {
        let start = n.start_beats * beat;
        let end = start + n.length_beats * beat;
        let hz = 440.0 * ((f64::from(n.pitch) - 69.0) / 12.0).exp2();
        let before = median_pitch(&source, RATE, start + 0.15, end - 0.05, hz)
            .unwrap_or_else(|| panic!("no pitch in the song's note at {start:.2} s"));
        let (a, b) = (map.target_of(start + 0.15), map.target_of(end - 0.05));
        let after = median_pitch(&out_vocal, RATE, a, b, hz)
            .unwrap_or_else(|| panic!("no pitch in the output's note at {a:.2} s"));
        worst_cents = worst_cents.max((1200.0 * (after / before).log2()).abs());
        let o_in = onset(&env_in, start).expect("the song's note starts");
        let o_out = onset(&env_out, map.target_of(start)).expect("the output's note starts");
        worst_ms = worst_ms.max(((o_out - map.target_of(o_in)) * 1000.0).abs());
    }
    eprintln!("the render's latency: {latency} samples");
    (sdr, worst_cents, worst_ms)
}

/// The share of the song's beats (mapped to the output) on which the output's chords, as the
/// analysis reads them, have the root and triad that was played.
fn chords_match(r: &Run) -> f64 {
    let map = &r.done.map;
    let beat = 60.0 / map.target_bpm;
    let (first, last) = (map.target_of(0.0), map.target_of(r.song.seconds()));
    let (mut hits, mut total) = (0, 0);
    let mut t = (first / beat).ceil() * beat + 0.5 * beat;
    while t < last {
        if let Some(truth) = r.song.chord_at(map.source_of(t)) {
            total += 1;
            let heard = r
                .done
                .output
                .chords
                .iter()
                .find(|c| c.start <= t && t < c.end)
                .and_then(|c| c.chord);
            if heard
                .is_some_and(|h| h.root == truth.root && h.quality.triad() == truth.quality.triad())
            {
                hits += 1;
            }
        }
        t += beat;
    }
    f64::from(hits) / f64::from(total.max(1))
}

fn report(r: &Run) -> serde_json::Value {
    let text = std::fs::read_to_string(r.out.join("track.json")).expect("track.json");
    assert!(text.contains("\"bpm\""));
    r.done.report.clone()
}

/// Everything the issue measures with the true stems standing in for the separator.
fn check_song(song: Song, name: &str, target_bpm: f64) {
    let r = run(song, name, true, Options::default());
    let report = report(&r);
    assert_eq!(r.done.plan.target_bpm, target_bpm, "{name}: target tempo");
    let out = &r.done.output;
    assert!(
        (out.bpm - target_bpm).abs() <= 0.1,
        "{name}: the output reads {} BPM, the target is {target_bpm}",
        out.bpm
    );
    let m = &out.amapiano;
    assert!(
        m.tempo.holds && m.log_drum.holds && m.shaker.holds && m.swing.holds,
        "{name}: markers: {}",
        m.summary
    );
    let (sdr, cents, ms) = vocal_figures(&r);
    let chords = chords_match(&r);
    eprintln!(
        "{name}: target {target_bpm} BPM, output reads {} BPM; vocal SDR {sdr:.1} dB, worst pitch \
         change {cents:.1} cents, worst onset {ms:.1} ms; chords match on {:.1} % of beats; \
         seconds {}",
        out.bpm,
        100.0 * chords,
        report["seconds"]
    );
    assert!(sdr >= 15.0, "{name}: vocal SDR {sdr:.1} dB");
    assert!(cents <= 10.0, "{name}: a sung note moved {cents:.1} cents");
    assert!(
        ms <= 20.0,
        "{name}: a sung note starts {ms:.1} ms from its place"
    );
    assert!(
        chords >= 0.8,
        "{name}: chords match on {:.1} % of beats",
        100.0 * chords
    );
    // The files a user gets, and a graph that opens and names its song stems.
    for f in [
        "track.wav",
        "track.mid",
        "track.ron",
        "track.json",
        "stems/vocals.wav",
        "stems/log_drum.wav",
        "sources/vocals.wav",
    ] {
        assert!(r.out.join(f).is_file(), "{name}: {f} is missing");
    }
    let ron = std::fs::read_to_string(r.out.join("track.ron")).unwrap();
    assert!(
        ron.contains("sources/vocals.wav"),
        "{name}: the graph plays the kept vocals"
    );
}

#[test]
fn a_90_bpm_hip_hop_song_becomes_amapiano_at_112() {
    check_song(songs::hip_hop(16), "hip_hop", 112.0);
}

#[test]
fn a_128_bpm_house_song_becomes_amapiano_at_114() {
    check_song(songs::house(16), "house", 114.0);
}

#[test]
fn bad_songs_get_named_errors() {
    let registry = registry();
    let out = scratch("amapianorize", "bad");
    let try_with = |channels: Vec<Vec<f32>>| {
        amapianorize(
            "song.wav",
            DecodedAudio {
                sample_rate: 48_000,
                channels,
            },
            Stems::Separate,
            &out,
            &Options::default(),
            registry.clone(),
            &mut |_, _| true,
        )
    };
    let e = try_with(vec![vec![0.0; 48_000 * 20]; 2]).unwrap_err();
    assert!(matches!(e, AmapianorizeError::Silent { .. }), "{e}");
    assert!(e.to_string().contains("silent"), "{e}");
    let e = try_with(vec![vec![0.1; 48_000 * 3]; 2]).unwrap_err();
    assert!(e.to_string().contains("3.0 s long"), "{e}");
    let bad = Options {
        intensity: 1.5,
        ..Options::default()
    };
    let e = amapianorize(
        "song.wav",
        DecodedAudio {
            sample_rate: 48_000,
            channels: vec![vec![0.1; 48_000 * 10]],
        },
        Stems::Separate,
        &out,
        &bad,
        registry,
        &mut |_, _| true,
    )
    .unwrap_err();
    assert!(e.to_string().contains("--intensity 1.5"), "{e}");
}

#[allow(dead_code)]
fn unused(_: &Path) {}
