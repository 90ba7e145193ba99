//! The shipped grooves, measured: each renders 16 bars or more, its tempo recovered from the
//! onsets of the render is within 0.1 BPM of the preset's, integrated loudness is between −10 and
//! −6 LUFS and true peak at most −1 dBTP, and it never clips.

mod common;

use std::f64::consts::TAU;

use common::{registry, workspace_root};
use yano_engine::loudness::measure;
use yano_engine::preset::load_preset;
use yano_engine::render::{render, RenderOptions};

/// Onset times in seconds: where the short-time energy (5 ms hops) jumps by more than 6 dB over
/// the previous 30 ms and is within 40 dB of the loudest frame.
fn onsets(x: &[f32], sample_rate: f64) -> Vec<f64> {
    let hop = (0.005 * sample_rate) as usize;
    let energy: Vec<f64> = x
        .chunks(hop)
        .map(|c| {
            10.0 * (c.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / c.len() as f64 + 1e-12)
                .log10()
        })
        .collect();
    let loudest = energy.iter().cloned().fold(f64::MIN, f64::max);
    let mut found = Vec::new();
    let mut last = -1.0;
    for i in 6..energy.len() {
        let before = energy[i - 6..i].iter().cloned().fold(f64::MAX, f64::min);
        let t = i as f64 * hop as f64 / sample_rate;
        if energy[i] > loudest - 40.0 && energy[i] - before > 6.0 && t - last > 0.06 {
            found.push(t);
            last = t;
        }
    }
    found
}

/// The beat period that best lines the onsets up (phase coherence of onset times on a beat grid),
/// searched over 95–130 BPM and refined to 0.001 BPM; returns BPM.
fn tempo_from_onsets(onsets: &[f64]) -> f64 {
    let coherence = |bpm: f64| {
        let period = 60.0 / bpm;
        let (re, im) = onsets.iter().fold((0.0, 0.0), |(re, im), t| {
            (re + (TAU * t / period).cos(), im + (TAU * t / period).sin())
        });
        (re * re + im * im).sqrt()
    };
    let mut best = (95.0, 0.0);
    let mut bpm = 95.0;
    while bpm <= 130.0 {
        let c = coherence(bpm);
        if c > best.1 {
            best = (bpm, c);
        }
        bpm += 0.01;
    }
    let (mut lo, mut hi) = (best.0 - 0.02, best.0 + 0.02);
    for _ in 0..60 {
        let (a, b) = (lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0);
        if coherence(a) < coherence(b) {
            lo = a;
        } else {
            hi = b;
        }
    }
    (lo + hi) / 2.0
}

fn check_groove(file: &str, bars_at_least: f64) {
    let r = registry();
    let g = load_preset(&workspace_root().join("graphs").join(file), &r)
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let bpm = g.transport.bpm;
    let seconds = g.transport.bars_to_samples(bars_at_least) / f64::from(g.transport.sample_rate);
    let audio = render(
        &g,
        r,
        RenderOptions {
            seconds,
            ..Default::default()
        },
    )
    .unwrap();
    let mono: Vec<f32> = audio
        .left
        .iter()
        .zip(&audio.right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect();
    let found = onsets(&mono, f64::from(audio.sample_rate));
    assert!(
        found.len() > 4 * bars_at_least as usize,
        "{file}: only {} onsets",
        found.len()
    );
    let measured = tempo_from_onsets(&found);
    assert!(
        (measured - bpm).abs() < 0.1,
        "{file}: tempo {measured:.3} BPM from {} onsets, preset says {bpm}",
        found.len()
    );
    let m = measure(&audio.left, &audio.right, audio.sample_rate).unwrap();
    assert!(
        (-10.0..=-6.0).contains(&m.integrated_lufs),
        "{file}: {:.2} LUFS",
        m.integrated_lufs
    );
    assert!(
        m.true_peak_dbtp <= -1.0,
        "{file}: true peak {:.2} dBTP",
        m.true_peak_dbtp
    );
    assert!(m.sample_peak_dbfs < 0.0, "{file}: clips");
    eprintln!(
        "{file}: {measured:.3} BPM (preset {bpm}), {:.2} LUFS, LRA {:.1} LU, true peak {:.2} dBTP",
        m.integrated_lufs, m.range_lu, m.true_peak_dbtp
    );
}

#[test]
fn amapiano_starter() {
    check_groove("amapiano-starter.ron", 16.0);
}

#[test]
fn private_school() {
    check_groove("private-school.ron", 16.0);
}

#[test]
fn sgija() {
    check_groove("sgija.ron", 16.0);
}

#[test]
fn the_tempo_measure_can_tell_a_wrong_tempo() {
    // Clicks at 113 BPM: the measure must say 113, not 112.9 or 113.1.
    let clicks: Vec<f64> = (0..64).map(|k| k as f64 * 60.0 / 113.0).collect();
    assert!((tempo_from_onsets(&clicks) - 113.0).abs() < 0.005);
    let off: Vec<f64> = (0..64).map(|k| k as f64 * 60.0 / 113.2).collect();
    assert!((tempo_from_onsets(&off) - 113.0).abs() > 0.15);
}
