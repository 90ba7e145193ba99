//! Swing, heard: a shaker playing every 16th through `instrument.drums` is rendered, the hits are
//! found in the audio, and the odd 16ths sit late by AMAPIANO.md's formula,
//! delay = (S − 0.5) · 2 · T16, within 1 ms.

mod common;

use common::registry;
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::render::{render, RenderOptions};
use yano_engine::Transport;

/// Start of each hit: where the envelope (1 ms RMS) first rises above a tenth of that hit's own
/// peak, searched between the hit's straight position and the next one (swing stays below 0.75).
fn hit_starts(x: &[f32], sample_rate: f64, bpm: f64, hits: usize) -> Vec<f64> {
    let t16 = sample_rate * 15.0 / bpm;
    let win = (0.001 * sample_rate) as usize;
    let env: Vec<f32> = x
        .windows(win)
        .map(|w| yano_testkit::rms(w) as f32)
        .collect();
    (0..hits)
        .map(|k| {
            let from = (k as f64 * t16) as usize;
            let to = (((k + 1) as f64) * t16) as usize;
            let seg = &env[from..to.min(env.len())];
            let peak = seg.iter().cloned().fold(0.0f32, f32::max);
            let rise = seg.iter().position(|v| *v > 0.1 * peak).unwrap_or(0);
            (from + rise) as f64 / sample_rate
        })
        .collect()
}

#[test]
fn odd_sixteenths_of_a_rendered_shaker_sit_where_the_formula_says() {
    for (bpm, swing) in [(113.0, 0.56), (111.0, 0.58), (114.0, 0.54), (113.0, 0.5)] {
        let r = registry();
        let mut g = Graph::new(Transport {
            sample_rate: 48_000,
            bpm,
            swing,
        });
        g.add_node(
            NodeSpec::new("shaker", "sequence.steps")
                .with("pattern", "xxxxxxxxxxxxxxxx")
                .with("notes", "Bb4"),
            &r,
        )
        .unwrap();
        g.add_node(NodeSpec::new("kit", "instrument.drums"), &r)
            .unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("shaker.notes", "kit.notes", &r).unwrap();
        g.connect("kit.out", "out.in", &r).unwrap();
        let seconds = 2.0 * 4.0 * 60.0 / bpm;
        let audio = render(
            &g,
            r,
            RenderOptions {
                seconds,
                ..Default::default()
            },
        )
        .unwrap();
        let starts = hit_starts(&audio.left, 48_000.0, bpm, 30);
        let t16 = 15.0 / bpm;
        let want_ms = (swing - 0.5) * 2.0 * t16 * 1000.0;
        let mean: f64 = starts
            .chunks(2)
            .map(|p| (p[1] - p[0] - t16) * 1000.0)
            .sum::<f64>()
            / 15.0;
        eprintln!("{bpm} BPM, swing {swing}: odd 16ths {mean:.2} ms late on average, formula {want_ms:.2} ms");
        for pair in starts.chunks(2) {
            // Odd minus even, less one straight 16th: the swing delay (the attack cancels out).
            let measured_ms = (pair[1] - pair[0] - t16) * 1000.0;
            assert!(
                (measured_ms - want_ms).abs() <= 1.0,
                "{bpm} BPM, swing {swing}: {measured_ms:.2} ms late, formula {want_ms:.2} ms"
            );
        }
    }
}
