//! Live automation: a `control.script` node's function runs at its bar lines and its changes are
//! heard from the bar's first sample.

use std::path::PathBuf;
use std::sync::Arc;

use yano_engine::graph::NodeSpec;
use yano_engine::render::RenderOptions;
use yano_engine::{Graph, Transport};
use yano_scripting::live;
use yano_testkit::rms;

fn folder(name: &str, script: &str) -> PathBuf {
    let dir = yano_testkit::scratch("live-tests", name);
    std::fs::write(dir.join("vary.rhai"), script).unwrap();
    dir
}

/// A 440 Hz tone through `level` to the output, and a script node calling `vary.rhai`.
fn tone_with_script(dir: PathBuf, every_bars: f64) -> Graph {
    let r = yano_nodes::registry();
    let mut g = Graph::new(Transport {
        bpm: 120.0,
        ..Transport::default()
    });
    g.base_dir = Some(dir);
    g.add_node(
        NodeSpec::new("tone", "source.oscillator").with("freq_hz", 440.0),
        &r,
    )
    .unwrap();
    g.add_node(NodeSpec::new("level", "util.gain"), &r).unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    g.add_node(
        NodeSpec::new("vary", "control.script")
            .with("file", "vary.rhai")
            .with("every_bars", every_bars),
        &r,
    )
    .unwrap();
    g.connect("tone.out", "level.in", &r).unwrap();
    g.connect("level.out", "out.in", &r).unwrap();
    g
}

#[test]
fn a_script_changes_the_level_on_its_bar_lines() {
    let dir = folder(
        "level",
        "fn on_bar(bar, g) {\n  if (bar - 1) % 4 == 0 { g.set(\"level\", \"gain_db\", 0.0); } else { g.set(\"level\", \"gain_db\", -20.0); }\n}",
    );
    let g = tone_with_script(dir, 2.0);
    let options = RenderOptions {
        seconds: 16.0, // 8 bars at 120 BPM
        ..RenderOptions::default()
    };
    let audio = live::render(&g, Arc::new(yano_nodes::registry()), options, |_| true).unwrap();
    let bar = 96_000; // samples per bar at 120 BPM, 48 kHz
    let level: Vec<f64> = (0..8)
        .map(|b| rms(&audio.left[b * bar + 4800..(b + 1) * bar]))
        .collect();
    for b in [0, 1, 4, 5] {
        assert!(
            (level[b] / level[0] - 1.0).abs() < 0.01,
            "bar {} is loud: {level:?}",
            b + 1
        );
    }
    for b in [2, 3, 6, 7] {
        let db = 20.0 * (level[b] / level[0]).log10();
        assert!(
            (db + 20.0).abs() < 0.2,
            "bar {} is 20 dB down: {db:.2} dB",
            b + 1
        );
    }
    // The change starts on the bar line: loud just before bar 3, on its way down just after.
    let before = rms(&audio.left[2 * bar - 960..2 * bar]);
    let after = rms(&audio.left[2 * bar + 960..2 * bar + 1440]);
    assert!(
        (before / level[0] - 1.0).abs() < 0.01,
        "before the bar line: {before}"
    );
    assert!(
        after < before * 0.5,
        "20 ms into bar 3 the level has dropped: {after} vs {before}"
    );
}

#[test]
fn a_broken_live_script_stops_the_render_with_its_place() {
    let dir = folder(
        "broken",
        "fn on_bar(bar, g) {\n  g.set(\"level\", \"gain_db\", 999.0);\n}",
    );
    let g = tone_with_script(dir, 1.0);
    let options = RenderOptions {
        seconds: 4.0,
        ..RenderOptions::default()
    };
    let err = live::render(&g, Arc::new(yano_nodes::registry()), options, |_| true).unwrap_err();
    assert!(
        err.contains("vary.rhai") && err.contains(":2:") && err.contains("gain_db"),
        "{err}"
    );
    let dir = folder("runaway", "fn on_bar(bar, g) {\n  loop { }\n}");
    let g = tone_with_script(dir, 1.0);
    let err = live::render(&g, Arc::new(yano_nodes::registry()), options, |_| true).unwrap_err();
    assert!(err.contains("operations"), "{err}");
}

#[test]
fn midi_export_hears_what_live_scripts_change() {
    // graphs/live-variations.ron: the log drum enters at bar 9, where its script switches to the
    // second line: 11 hits per 2 bars instead of the first line's 12.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphs");
    let registry = Arc::new(yano_nodes::registry());
    let g = yano_engine::preset::load_preset(&root.join("live-variations.ron"), &registry).unwrap();
    let seconds = 16.0 * g.transport.samples_per_bar() / f64::from(g.transport.sample_rate);
    let tracks = yano_scripting::midi::capture(&g, registry, seconds).unwrap();
    let logdrum = tracks.iter().find(|t| t.instrument == "logdrum").unwrap();
    let hits = logdrum.notes.iter().filter(|n| n.velocity > 0.0).count();
    assert_eq!(hits, 44, "bars 9-16 play the second line");
}
