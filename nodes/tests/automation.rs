//! Automation, end to end: a lane in a preset moves a parameter on exactly the samples its points
//! name, survives save/load, and a bad lane is refused with its place in the text.
//!
//! Here rather than in engine/tests because the lanes move a shipped gain fed by a shipped
//! oscillator into the main output.

mod common;

use common::registry;
use yano_engine::graph::GraphError;
use yano_engine::preset::{parse_preset, preset_text, PresetError};
use yano_engine::render::{render, RenderOptions};

const PRESET: &str = r#"(
    version: 1,
    transport: (bpm: 120.0, sample_rate: 48000, swing: 0.5),
    nodes: [
        (id: "tone", kind: "source.oscillator", params: {"freq_hz": 1000.0, "gain_db": 0.0}),
        (id: "level", kind: "util.gain", params: {"channels": 1.0}),
        (id: "out", kind: "io.output"),
    ],
    edges: [("tone.out", "level.in"), ("level.out", "out.in")],
    automation: [
        (param: "level.gain_db", points: [(bar: 1.0, value: -60.0), (bar: 2.0, value: 0.0), (bar: 3.0, value: 0.0), (bar: 3.0, value: -20.0)]),
    ],
)
"#;

#[test]
fn a_lane_moves_its_parameter_on_the_samples_it_names() {
    let r = registry();
    let g = parse_preset(PRESET, &r, None).unwrap();
    let audio = render(
        &g,
        r,
        RenderOptions {
            seconds: 7.0,
            ..Default::default()
        },
    )
    .unwrap();
    // 120 BPM: a bar is 96,000 samples; 1 kHz: a cycle is 48. Peak of the cycle starting at `at`, in dB.
    let level = |at: usize| {
        20.0 * f64::from(
            audio.left[at..at + 48]
                .iter()
                .fold(0.0f32, |m, x| m.max(x.abs())),
        )
        .log10()
    };
    assert!(
        (level(0) + 60.0).abs() < 0.5,
        "bar 1 starts at −60 dB: {}",
        level(0)
    );
    assert!(
        (level(48_000) + 30.0).abs() < 0.1,
        "half way up the ramp: {}",
        level(48_000)
    );
    assert!(level(96_000).abs() < 0.05, "0 dB on bar 2");
    assert!(
        level(191_952).abs() < 0.05,
        "held until the last cycle before bar 3"
    );
    assert!(
        (level(192_000) + 20.0).abs() < 0.01,
        "the jump lands on bar 3's first sample: {}",
        level(192_000)
    );
    assert!((level(300_000) + 20.0).abs() < 0.01, "and holds");
}

#[test]
fn lanes_round_trip_and_bad_lanes_are_located() {
    let r = registry();
    let g = parse_preset(PRESET, &r, None).unwrap();
    let text = preset_text(&g);
    assert!(text.contains("automation"));
    let again = parse_preset(&text, &r, None).unwrap();
    assert_eq!(again.automation(), g.automation());
    assert_eq!(preset_text(&again), text);
    match parse_preset(
        &PRESET.replace("value: 0.0), (bar: 3.0", "value: 99.0), (bar: 3.0"),
        &r,
        None,
    ) {
        Err(PresetError::Graph {
            error: GraphError::Automation(a),
            at: Some(at),
        }) => {
            assert!(a.reason.contains("outside") && a.node == "level", "{a}");
            assert_eq!(at.line, 11);
        }
        other => panic!("{other:?}"),
    }
    match parse_preset(
        &PRESET.replace("\"level.gain_db\"", "\"level.volume\""),
        &r,
        None,
    ) {
        Err(PresetError::Graph {
            error: GraphError::UnknownParam { param, .. },
            ..
        }) => assert_eq!(param, "volume"),
        other => panic!("{other:?}"),
    }
}
