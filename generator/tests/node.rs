//! `generate.arrangement` as a node: its note clips drive instruments through the note players
//! the compiler inserts, at the session's tempo.

mod common;

use std::sync::Arc;

use common::error_db;
use yano_engine::render::{render, RenderOptions};
use yano_engine::{Graph, NodeSpec, Transport};

#[path = "../../nodes/tests/common/tempo.rs"]
mod tempo;

fn graph(seed: f64, key: &str) -> Graph {
    let registry = yano_registry::registry();
    let mut g = Graph::new(Transport {
        bpm: 112.0,
        ..Transport::default()
    });
    let add = |g: &mut Graph, spec: NodeSpec| g.add_node(spec, &registry).unwrap();
    add(
        &mut g,
        NodeSpec::new("gen", "generate.arrangement")
            .with("bars", 16.0)
            .with("seed", seed)
            .with("key", key),
    );
    add(&mut g, NodeSpec::new("drums", "instrument.drums"));
    add(&mut g, NodeSpec::new("log_drum", "instrument.log_drum"));
    add(
        &mut g,
        NodeSpec::new("keys", "instrument.keys").with("model", "stab"),
    );
    add(
        &mut g,
        NodeSpec::new("mix", "mixer.console")
            .with("channels", 3.0)
            .with("returns", 0.0),
    );
    add(&mut g, NodeSpec::new("out", "io.output"));
    for (from, to) in [
        ("gen.drums", "drums.notes"),
        ("gen.log_drum", "log_drum.notes"),
        ("gen.keys", "keys.notes"),
        ("drums.out", "mix.ch_1"),
        ("log_drum.out", "mix.ch_2"),
        ("keys.out", "mix.ch_3"),
        ("mix.out", "out.in"),
    ] {
        g.connect(from, to, &registry).unwrap();
    }
    g
}

fn play(g: &Graph) -> Vec<f32> {
    let options = RenderOptions {
        seconds: 16.0 * 240.0 / 112.0,
        ..RenderOptions::default()
    };
    let audio = render(g, Arc::new(yano_registry::registry()), options).unwrap();
    assert_eq!(audio.clip_misses, 0, "the render waits for the generator");
    audio.left
}

#[test]
fn the_generator_node_plays_instruments_at_the_sessions_tempo() {
    let a = play(&graph(3.0, "F minor"));
    let (strength, hop) = tempo::onset_strength(&a, 48_000.0);
    let bpm = tempo::tempo_from_repetition(&strength, hop);
    assert!((bpm - 112.0).abs() < 0.1, "{bpm:.3} BPM");
    // Another seed is another arrangement.
    let b = play(&graph(4.0, "F minor"));
    assert!(error_db(&a, &b) > -10.0, "seeds 3 and 4 sound alike");
    // The same seed, the same audio.
    assert_eq!(a, play(&graph(3.0, "F minor")));
}

#[test]
fn a_key_it_cannot_read_is_named() {
    let err = render(
        &graph(3.0, "H minor"),
        Arc::new(yano_registry::registry()),
        RenderOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("\"H minor\" is not a key"), "{err}");
}
