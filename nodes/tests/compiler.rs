//! The compiler, measured through renders: cycles, delays, type checks, buffer reuse, fan-in,
//! latency alignment.
//!
//! Here rather than in engine/tests because the graphs need shipped nodes (the main output,
//! gains, mixers, the delay); the compiler's checks that need none are in
//! engine/tests/compiler.rs.

mod common;

use common::{graph, registry, render_seconds, spikes};
use yano_engine::compiler::{CompileError, Compiler};
use yano_engine::graph::{Graph, GraphError, NodeSpec};
use yano_engine::Transport;

#[test]
fn a_cycle_without_a_delay_is_refused_naming_its_nodes() {
    let r = registry();
    let g = graph(
        &r,
        &[
            ("a", "util.gain", &[("channels", 1.0)]),
            ("b", "util.gain", &[("channels", 1.0)]),
            ("c", "util.gain", &[("channels", 1.0)]),
        ],
        &[("a.out", "b.in"), ("b.out", "c.in"), ("c.out", "a.in")],
    );
    let err = Compiler::new(r, 128)
        .compile(&g)
        .err()
        .expect("a cycle must be refused");
    match &err {
        CompileError::Cycle { nodes } => {
            let mut sorted = nodes.clone();
            sorted.sort();
            assert_eq!(sorted, ["a", "b", "c"], "{err}");
        }
        other => panic!("expected a cycle error, got {other}"),
    }
    assert!(
        err.to_string().contains("fx.delay"),
        "the message says how to fix it: {err}"
    );
}

#[test]
fn a_cycle_through_a_delay_renders_echoes_at_the_delay_time() {
    let r = registry();
    // impulse → mix; mix → delay (100 ms) → gain (−6.02 dB) → back into mix; mix → output.
    let g = graph(
        &r,
        &[
            ("click", "test.signal", &[]),
            ("mix", "util.mix", &[("inputs", 2.0)]),
            ("echo", "fx.delay", &[("time_ms", 100.0), ("feedback", 0.0)]),
            ("loop_gain", "util.gain", &[("gain_db", -6.0206)]),
            ("out", "io.output", &[]),
        ],
        &[
            ("click.out", "mix.in_1"),
            ("mix.out", "echo.in"),
            ("echo.out", "loop_gain.in"),
            ("loop_gain.out", "mix.in_2"),
            ("mix.out", "out.in"),
        ],
    );
    let audio = render_seconds(&g, r, 0.5);
    let hits = spikes(&audio.left, 0.01);
    let positions: Vec<usize> = hits.iter().map(|h| h.0).collect();
    assert_eq!(
        positions,
        [0, 4800, 9600, 14400, 19200],
        "echo every 100 ms at 48 kHz"
    );
    for (k, (_, v)) in hits.iter().enumerate() {
        let want = 0.5f32.powi(k as i32);
        assert!((v - want).abs() < 1e-3, "echo {k}: {v} vs {want}");
    }
}

#[test]
fn mismatched_types_are_refused() {
    let r = registry();
    let mut g = Graph::new(Transport::default());
    g.add_node(NodeSpec::new("osc", "source.oscillator"), &r)
        .unwrap();
    g.add_node(NodeSpec::new("lfo", "source.oscillator"), &r)
        .unwrap();
    g.add_node(NodeSpec::new("notes", "test.note_probe"), &r)
        .unwrap();
    // Audio into a Control input, and Audio into an Events input.
    for to in ["lfo.pitch", "notes.notes"] {
        match g.connect("osc.out", to, &r) {
            Err(GraphError::TypeMismatch { from, to: t, .. }) => {
                assert_eq!((from.as_str(), t.as_str()), ("osc.out", to))
            }
            other => panic!("expected a type mismatch for {to}, got {other:?}"),
        }
    }
}

#[test]
fn a_hundred_node_chain_reuses_two_buffers() {
    let r = registry();
    let mut nodes: Vec<(String, &str)> = vec![("osc".into(), "source.oscillator")];
    nodes.extend((0..100).map(|i| (format!("g{i}"), "util.gain")));
    let mut g = Graph::new(Transport::default());
    for (id, kind) in &nodes {
        let mut spec = NodeSpec::new(id.clone(), *kind);
        if *kind == "util.gain" {
            spec = spec.with("channels", 1.0);
        }
        g.add_node(spec, &r).unwrap();
    }
    g.connect("osc.out", "g0.in", &r).unwrap();
    for i in 1..100 {
        g.connect(&format!("g{}.out", i - 1), &format!("g{i}.in"), &r)
            .unwrap();
    }
    let compiled = Compiler::new(r, 128).compile(&g).unwrap();
    // Silence and scratch, plus two buffers that ping-pong down the chain.
    assert_eq!(compiled.stats.buffers, 4, "{:?}", compiled.stats);
    assert_eq!(compiled.stats.realtime_nodes, 101);
}

#[test]
fn fan_in_sums_every_edge() {
    let r = registry();
    // Three impulses into one mono gain input: the output is their sum.
    let g = graph(
        &r,
        &[
            ("a", "test.signal", &[]),
            ("b", "test.signal", &[]),
            ("c", "test.signal", &[]),
            ("sum", "util.gain", &[("channels", 1.0)]),
            ("out", "io.output", &[]),
        ],
        &[
            ("a.out", "sum.in"),
            ("b.out", "sum.in"),
            ("c.out", "sum.in"),
            ("sum.out", "out.in"),
        ],
    );
    let audio = render_seconds(&g, r, 0.01);
    assert_eq!(spikes(&audio.left, 0.01), [(0, 3.0)]);
    assert_eq!(
        spikes(&audio.right, 0.01),
        [(0, 3.0)],
        "mono upmixed to both output channels"
    );
}

#[test]
fn parallel_paths_are_aligned_to_the_slower_one() {
    let r = registry();
    // One path through a node that declares 64 samples of latency, one direct: both arrive together.
    let g = graph(
        &r,
        &[
            ("click", "test.signal", &[]),
            ("slow", "test.latency", &[("samples", 64.0)]),
            ("sum", "util.gain", &[("channels", 1.0)]),
            ("out", "io.output", &[]),
        ],
        &[
            ("click.out", "slow.in"),
            ("slow.out", "sum.in"),
            ("click.out", "sum.in"),
            ("sum.out", "out.in"),
        ],
    );
    let mut compiler = Compiler::new(r.clone(), 128);
    let stats = compiler.compile(&g).unwrap().stats;
    assert_eq!((stats.latency_delays, stats.max_latency), (1, 64));
    let audio = render_seconds(&g, r, 0.01);
    assert_eq!(
        spikes(&audio.left, 0.01),
        [(64, 2.0)],
        "one aligned impulse, not two"
    );
}

#[test]
fn an_inference_failure_names_the_node() {
    let r = registry();
    let mut g = Graph::new(Transport::default());
    g.add_node(
        NodeSpec::new("song", "source.file").with("file", "/no/such/file.wav"),
        &r,
    )
    .unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    g.connect("song.clip", "out.in", &r).unwrap();
    let err = yano_engine::render::render(&g, r, Default::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("\"song\"") && err.contains("/no/such/file.wav"),
        "{err}"
    );
}
