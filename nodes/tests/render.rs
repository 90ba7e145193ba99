//! Renders measured: the shipped sine chord's spectrum, and the file player's fidelity after
//! resampling.

mod common;

use std::f64::consts::{PI, TAU};

use common::{registry, render_seconds, workspace_root};
use realfft::RealFftPlanner;
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::preset::load_preset;
use yano_engine::Transport;

/// 4-term Blackman-Harris: side lobes below −92 dB, so every local maximum above −80 dB is a partial.
fn blackman_harris(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let x = TAU * i as f64 / n as f64;
            0.35875 - 0.48829 * x.cos() + 0.14128 * (2.0 * x).cos() - 0.01168 * (3.0 * x).cos()
        })
        .collect()
}

/// Amplitude of the component at exactly `freq`, through the same window.
fn amplitude_at(x: &[f32], w: &[f64], freq: f64, sr: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (n, (v, w)) in x.iter().zip(w).enumerate() {
        let p = TAU * freq * n as f64 / sr;
        re += f64::from(*v) * w * p.cos();
        im += f64::from(*v) * w * p.sin();
    }
    2.0 * (re * re + im * im).sqrt() / w.iter().sum::<f64>()
}

/// (frequency, dBFS) of every spectral peak above `floor_db`.
fn peaks(x: &[f32], sr: f64, floor_db: f64) -> Vec<(f64, f64)> {
    let n = x.len();
    let w = blackman_harris(n);
    let mut input: Vec<f64> = x.iter().zip(&w).map(|(v, w)| f64::from(*v) * w).collect();
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).unwrap();
    let norm = 2.0 / w.iter().sum::<f64>();
    let db: Vec<f64> = spectrum
        .iter()
        .map(|c| 20.0 * (c.norm() * norm).max(1e-12).log10())
        .collect();
    let mut found = Vec::new();
    for k in 1..db.len() - 1 {
        if db[k] > floor_db && db[k] > db[k - 1] && db[k] >= db[k + 1] {
            // Parabolic interpolation of the peak bin.
            let (a, b, c) = (db[k - 1], db[k], db[k + 1]);
            let offset = 0.5 * (a - c) / (a - 2.0 * b + c);
            let freq = (k as f64 + offset) * sr / n as f64;
            found.push((freq, 20.0 * amplitude_at(x, &w, freq, sr).log10()));
        }
    }
    found
}

#[test]
fn sine_chord_contains_exactly_its_partials_at_their_levels() {
    let r = registry();
    let g = load_preset(&workspace_root().join("graphs/sine-chord.ron"), &r).unwrap();
    let audio = render_seconds(&g, r, 8.0);
    let db = |x: f64| 20.0 * x.log10();
    // gain_db of each oscillator, then the −3 dB pan law, then the master's −1 dB.
    let pan = |p: f64| {
        let a = (p + 1.0) * PI / 4.0;
        (db(a.cos()), db(a.sin()))
    };
    let partials = [
        (220.0, -12.0, pan(-0.5)),
        (277.1826, -15.0, pan(0.0)),
        (329.6276, -18.0, pan(0.5)),
    ];
    for (channel, x) in [(0, &audio.left), (1, &audio.right)] {
        let found = peaks(x, 48_000.0, -80.0);
        assert_eq!(
            found.len(),
            3,
            "channel {channel}: exactly three partials, found {found:?}"
        );
        for ((f, level, (l, r)), (got_f, got_db)) in partials.iter().zip(&found) {
            let want = level + if channel == 0 { l } else { r } - 1.0;
            assert!(
                (got_f - f).abs() < 1.0,
                "channel {channel}: {got_f} Hz, want {f}"
            );
            assert!(
                (got_db - want).abs() < 0.05,
                "channel {channel} {f} Hz: {got_db:.2} dB, want {want:.2}"
            );
        }
    }
}

#[test]
fn file_player_reproduces_the_source_after_resampling() {
    // Two sines in a 44.1 kHz 24-bit file, played in a 48 kHz session.
    let dir = yano_testkit::scratch("nodes", "file-player-resampling");
    let path = dir.join("two-sines.wav");
    let source = |t: f64| 0.3 * (TAU * 440.0 * t).sin() + 0.2 * (TAU * 1234.5 * t).sin();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 44_100,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for i in 0..2 * 44_100 {
        w.write_sample((source(i as f64 / 44_100.0) * 8_388_607.0).round() as i32)
            .unwrap();
    }
    w.finalize().unwrap();

    let r = registry();
    let mut g = Graph::new(Transport::default());
    g.add_node(
        NodeSpec::new("song", "source.file").with("file", path.to_str().unwrap()),
        &r,
    )
    .unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    g.connect("song.clip", "out.in", &r).unwrap();
    let audio = render_seconds(&g, r, 2.0);
    assert_eq!(
        audio.stats.bridges_inserted, 1,
        "the compiler puts a clip player between"
    );
    assert_eq!(audio.clip_misses, 0, "offline render waits for the clip");
    let (mut err, mut sig) = (0.0, 0.0);
    for (i, x) in audio
        .left
        .iter()
        .enumerate()
        .take(96_000 - 4_800)
        .skip(4_800)
    {
        let want = source(i as f64 / 48_000.0);
        err += (f64::from(*x) - want).powi(2);
        sig += want * want;
    }
    let error_db = 10.0 * (err / sig).log10();
    assert!(error_db < -60.0, "error {error_db:.1} dB");
    assert_eq!(
        audio.left, audio.right,
        "a mono file plays on both channels"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn shipped_file_player_preset_plays_its_loop_with_echoes() {
    let r = registry();
    let g = load_preset(&workspace_root().join("graphs/file-player.ron"), &r).unwrap();
    let audio = render_seconds(&g, r, 7.0);
    assert_eq!(audio.clip_misses, 0);
    let rms = |a: usize, b: usize| {
        let s: f64 = audio.left[a..b].iter().map(|x| f64::from(*x).powi(2)).sum();
        10.0 * (s / (b - a) as f64).log10()
    };
    // The loop is 3 s long and repeats: both passes are loud, and it never clips.
    assert!(rms(0, 144_000) > -30.0 && rms(144_000, 288_000) > -30.0);
    assert!(audio.peak() < 1.0, "peak {}", audio.peak());
    // The echo path alone: the preset minus the same preset with the echo return muted. Nothing
    // may come back before 375 ms (18,000 samples), and the first pluck must come back then.
    let r = registry();
    let mut dry = g.clone();
    dry.set_param(
        "echo_level",
        "gain_db",
        yano_engine::ParamValue::Number(-96.0),
        &r,
    )
    .unwrap();
    let dry = render_seconds(&dry, r, 7.0);
    let echo: Vec<f32> = audio
        .left
        .iter()
        .zip(&dry.left)
        .map(|(a, b)| a - b)
        .collect();
    let early = echo[..18_000].iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert_eq!(early, 0.0, "no echo before the delay time");
    let late: f64 = echo[18_000..18_000 + 4_800]
        .iter()
        .map(|x| f64::from(*x).powi(2))
        .sum::<f64>()
        / 4_800.0;
    assert!(10.0 * late.log10() > -40.0, "the echo arrives at 375 ms");
}

#[test]
fn a_profiled_render_times_every_node_and_the_reverb_above_a_gain() {
    use yano_engine::render::{render, RenderOptions, RenderThreads};
    let r = registry();
    let g = common::graph(
        &r,
        &[
            ("tone", "source.oscillator", &[("freq_hz", 220.0)]),
            ("level", "util.gain", &[("gain_db", -6.0)]),
            ("room", "fx.reverb", &[("mix", 0.5)]),
            ("out", "io.output", &[]),
        ],
        &[
            ("tone.out", "level.in"),
            ("level.out", "room.in"),
            ("room.out", "out.in"),
        ],
    );
    for threads in [RenderThreads::AtMost(1), RenderThreads::DealtOut(2)] {
        let options = |profile| RenderOptions {
            seconds: 5.0,
            threads,
            profile,
            ..RenderOptions::default()
        };
        let started = std::time::Instant::now();
        let profiled = render(&g, r.clone(), options(true)).unwrap();
        let wall = started.elapsed();
        let mut ids: Vec<&str> = profiled.node_costs.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["level", "out", "room", "tone"], "{threads:?}");
        let time = |id: &str| {
            profiled
                .node_costs
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.time)
                .unwrap()
        };
        // An eight-line network with diffusers against one multiplication a sample.
        assert!(
            time("room") > 5 * time("level"),
            "{:?}",
            profiled.node_costs
        );
        assert!(profiled.node_costs[0].id == "room" && profiled.node_costs[0].kind == "fx.reverb");
        // The steps' time is part of the render's: at most the wall time on each thread used.
        let total: std::time::Duration = profiled.node_costs.iter().map(|c| c.time).sum();
        assert!(
            total <= wall * profiled.render_threads as u32,
            "{total:?} in {wall:?}"
        );
        // Timing changes nothing in the sound, and an unprofiled render reports nothing.
        let plain = render(&g, r.clone(), options(false)).unwrap();
        assert!(plain.node_costs.is_empty());
        assert!(plain.left == profiled.left && plain.right == profiled.right);
    }
}
