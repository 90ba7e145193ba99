//! What amapianorize's tests share: running a song through it, and measuring the output's vocal
//! (SDR, pitch by YIN, onsets by an energy envelope) and chords against what the song played.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use yano_amapianorize::songs::{self, Song};
use yano_amapianorize::tempo::BeatMap;
use yano_amapianorize::{amapianorize, warp, Done, Options, Stems};
use yano_audio_io::decode::DecodedAudio;
use yano_engine::Registry;
use yano_testkit::onsets::{envelope, onset};
use yano_testkit::pitch::median_pitch;
use yano_testkit::{read_wav, scratch};

pub const RATE: f64 = 48_000.0;
/// The most latency a render may add (its limiters' look-ahead, compensated across channels).
pub const MAX_LATENCY: usize = 480;

pub fn registry() -> Arc<Registry> {
    Arc::new(yano_registry::registry())
}

pub fn mono(channels: &[Vec<f32>]) -> Vec<f32> {
    let n = channels.iter().map(Vec::len).min().unwrap_or(0);
    (0..n)
        .map(|i| channels.iter().map(|c| c[i]).sum::<f32>() / channels.len() as f32)
        .collect()
}

/// What a run gave.
pub struct Run {
    pub song: Song,
    pub rendered: songs::Rendered,
    pub done: Done,
    pub out: PathBuf,
}

pub fn run(song: Song, name: &str, given: bool, options: Options) -> Run {
    let rendered = songs::render(&song, registry(), 1.0).expect("the song renders");
    run_rendered(song, rendered, name, given, options)
}

/// Amapianorizes a rendered song: with its true stems (`given`) or through the separator.
pub fn run_rendered(
    song: Song,
    rendered: songs::Rendered,
    name: &str,
    given: bool,
    options: Options,
) -> Run {
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
    let done = amapianorize(
        name,
        audio,
        stems,
        &out,
        &options,
        registry(),
        &mut |_, _| true,
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    Run {
        song,
        rendered,
        done,
        out,
    }
}

/// A song through the FluidR3 General MIDI soundfont: each part's MIDI rendered alone by
/// fluidsynth (Voice Oohs sing the line), at 48 kHz; the mix is their sum.
pub fn general_midi(song: &Song, name: &str) -> songs::Rendered {
    let dir = scratch("amapianorize-gm", name);
    let mut stems: Vec<(String, Vec<Vec<f32>>)> = Vec::new();
    for (line, notes, plays) in &song.track.lines {
        let mut alone = song.track.clone();
        alone.lines = vec![(*line, notes.clone(), plays.clone())];
        alone.request.parts = vec![line.part()];
        let mid = dir.join(format!("{}.mid", line.id()));
        let wav = dir.join(format!("{}.wav", line.id()));
        std::fs::write(
            &mid,
            yano_generator::export::midi_bytes(&alone).expect("MIDI"),
        )
        .unwrap();
        yano_testkit::fluidsynth(&mid, &wav, 0.5).expect("fluidsynth renders");
        let decoded = yano_audio_io::decode::decode_file(&wav, 600.0).expect("a WAV");
        let audio = yano_audio_io::decode::resample(decoded, 48_000).expect("resampled");
        let name = match line.part().name() {
            "keys" => "piano".to_string(),
            other => other.to_string(),
        };
        stems.push((name, audio.channels));
    }
    let len = stems.iter().map(|(_, c)| c[0].len()).max().unwrap_or(0);
    for (_, channels) in &mut stems {
        for c in channels.iter_mut() {
            c.resize(len, 0.0);
        }
    }
    let mix = (0..2)
        .map(|ch| {
            (0..len)
                .map(|i| stems.iter().map(|(_, c)| c[ch][i]).sum())
                .collect()
        })
        .collect();
    songs::Rendered { mix, stems }
}

/// SDR after the best scale of the reference (the output's channel fader and master gain are a
/// scale): 10·log10(‖αs‖² / ‖αs − ŝ‖²).
pub fn scaled_sdr(reference: &[f32], estimate: &[f32]) -> f64 {
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
/// The output's vocal stem against the song's true vocal stem warped by the run's map: SDR after
/// the best scale, and the output's vocal (mono) with the render's latency taken off.
pub fn vocal_sdr(r: &Run) -> (f64, Vec<f32>) {
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
    eprintln!("the render's latency: {latency} samples");
    let out_vocal = out_vocal[latency..].to_vec();
    (scaled_sdr(&reference, &out_vocal), out_vocal)
}

/// The vocal figures: SDR against the song's true vocal stem warped by the run's map, the worst
/// pitch change of a sung note (cents) and the worst onset error (ms) from where the map puts it.
pub fn vocal_figures(r: &Run) -> (f64, f64, f64) {
    let map: &BeatMap = &r.done.map;
    let (sdr, out_vocal) = vocal_sdr(r);
    let true_vocal = &r
        .rendered
        .stems
        .iter()
        .find(|(n, _)| n == "vocals")
        .expect("the song has a vocal stem")
        .1;
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
    (sdr, worst_cents, worst_ms)
}

/// The share of the song's beats (mapped to the output) on which the output's chords, as the
/// analysis reads them, have the root and triad that was played.
pub fn chords_match(r: &Run) -> f64 {
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

pub fn report(r: &Run) -> serde_json::Value {
    let text = std::fs::read_to_string(r.out.join("track.json")).expect("track.json");
    assert!(text.contains("\"bpm\""));
    r.done.report.clone()
}
