//! An offline render on several threads is the single-threaded render, sample for sample: every
//! shipped preset (live scripts included) and a generated track with its stems, rendered on one
//! thread and then on two and three with the steps dealt out in turn (the most hand-overs between
//! threads a schedule can have) and on every core as the crew plans it, compared bit for bit.

use std::path::PathBuf;
use std::sync::Arc;

use yano_engine::node::Build;
use yano_engine::preset::load_preset;
use yano_engine::render::{RenderOptions, RenderThreads, Rendered};
use yano_engine::{Graph, Registry};
use yano_generator::{build, compose, export, Options, Request};
use yano_nodes::mixer::stems::stem_taps;
use yano_testkit::{workspace_root, Need};

fn render_on(
    graph: &Graph,
    registry: &Arc<Registry>,
    seconds: f64,
    threads: RenderThreads,
) -> Result<Rendered, String> {
    let options = RenderOptions {
        seconds,
        threads,
        ..RenderOptions::default()
    };
    yano_scripting::live::render(graph, registry.clone(), options, |_| true)
}

/// The first sample (channel, index) where `b` differs from `a` in its bits, if any.
fn first_difference(a: &[f32], b: &[f32]) -> Option<usize> {
    if a.len() != b.len() {
        return Some(a.len().min(b.len()));
    }
    a.iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits())
}

/// Asserts `other` is `one` bit for bit: the main bus and every capture (the stems).
fn assert_same(what: &str, one: &Rendered, other: &Rendered, threads: RenderThreads) {
    for (side, a, b) in [
        ("left", &one.left, &other.left),
        ("right", &one.right, &other.right),
    ] {
        if let Some(i) = first_difference(a, b) {
            panic!(
                "{what}, {threads:?}: the {side} channel differs from the one-thread render at \
                 sample {i} ({:?} against {:?})",
                a.get(i),
                b.get(i)
            );
        }
    }
    assert_eq!(one.captures.len(), other.captures.len(), "{what}: captures");
    for ((id, a), (id_b, b)) in one.captures.iter().zip(&other.captures) {
        assert_eq!(id, id_b, "{what}: capture order");
        for (c, (x, y)) in a.channels.iter().zip(&b.channels).enumerate() {
            if let Some(i) = first_difference(x, y) {
                panic!("{what}, {threads:?}: capture {id} channel {c} differs at sample {i}");
            }
        }
    }
}

/// Seconds of each preset rendered.
const SECONDS: f64 = 4.0;

const SPREADS: [RenderThreads; 3] = [
    RenderThreads::DealtOut(2),
    RenderThreads::DealtOut(3),
    RenderThreads::AllCores,
];

#[test]
fn every_shipped_preset_renders_the_same_on_any_number_of_threads() {
    let registry = Arc::new(yano_registry::registry());
    let mut presets: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("graphs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    presets.sort();
    let mut compared = 0;
    for path in &presets {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let graph = load_preset(path, &registry).unwrap();
        let one = match render_on(&graph, &registry, SECONDS, RenderThreads::AtMost(1)) {
            Ok(r) => r,
            Err(e) if e.contains("models fetch") => {
                let model = e.split('"').nth(1).unwrap_or("a model").to_string();
                let test = format!("parallel render of {name}");
                assert!(!yano_testkit::runs(&test, Need::Model(&model), false));
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(one.render_threads, 1, "{name}");
        let peak = one.peak();
        assert!(peak > 1e-3, "{name} renders silence (peak {peak})");
        // A preset with models in it (a separator, a transcriber) runs them again for each
        // render, for up to 20 s in a test build: those compare against two threads only.
        let with_models = graph.nodes().any(|(_, n)| {
            registry
                .get(&n.kind)
                .is_some_and(|d| matches!(d.build, Build::Inference(_)))
        });
        let spreads = if with_models {
            &SPREADS[..1]
        } else {
            &SPREADS[..]
        };
        for &threads in spreads {
            let other = render_on(&graph, &registry, SECONDS, threads).unwrap();
            if let RenderThreads::DealtOut(_) = threads {
                // Every shipped preset has more than one step to deal out.
                assert!(other.render_threads >= 2, "{name}: threads used");
            }
            assert_same(&name, &one, &other, threads);
        }
        compared += 1;
    }
    // Every preset but those needing a model that is not fetched (at most three of them).
    assert!(
        compared + 3 >= presets.len() && compared >= 8,
        "{compared} of {} presets compared",
        presets.len()
    );
}

#[test]
fn a_generated_track_and_its_stems_render_the_same_on_any_number_of_threads() {
    let registry = Arc::new(yano_registry::registry());
    let (request, _) = Request::new(
        "soulful private school amapiano in Eb minor, 111 bpm, 8 bars",
        &Options {
            seed: 3,
            ..Options::default()
        },
    )
    .unwrap();
    let track = compose(&request);
    let graph = build::graph(&track, &registry).unwrap();
    let seconds = export::render_seconds(&track);
    let taps = stem_taps(&graph, &registry, seconds).unwrap();
    let one = render_on(&taps.graph, &registry, seconds, RenderThreads::AtMost(1)).unwrap();
    assert!(one.peak() > 0.05, "the track is silent");
    assert!(one.captures.len() >= 6, "{} stems", one.captures.len());
    for threads in SPREADS {
        let other = render_on(&taps.graph, &registry, seconds, threads).unwrap();
        assert_same("the generated track", &one, &other, threads);
    }
}

/// A loop through a delay's feedback input (a value held from one block to the next) beside
/// branches the crew deals out: the crew runs blocks in runs, each parity of block in places of
/// its own, so the held value must reach the next block's places; the echoes must be the same.
#[test]
fn a_feedback_loop_renders_the_same_on_any_number_of_threads() {
    use yano_engine::graph::NodeSpec;
    let registry = Arc::new(yano_registry::registry());
    let mut g = Graph::new(yano_engine::Transport {
        sample_rate: 48_000,
        bpm: 120.0,
        swing: 0.5,
    });
    let nodes: &[(&str, &str, &[(&str, f64)])] = &[
        ("saw", "source.oscillator", &[("freq_hz", 110.0)]),
        ("tone", "source.oscillator", &[("freq_hz", 330.0)]),
        ("mix", "util.mix", &[("inputs", 2.0)]),
        ("echo", "fx.delay", &[("time_ms", 7.0), ("feedback", 0.0)]),
        ("loop_gain", "util.gain", &[("gain_db", -3.0)]),
        ("side", "util.gain", &[("gain_db", -6.0)]),
        ("sum", "util.mix", &[("inputs", 2.0)]),
        ("out", "io.output", &[]),
    ];
    for (id, kind, params) in nodes {
        let mut spec = NodeSpec::new(*id, *kind);
        for (k, v) in *params {
            spec = spec.with(k, *v);
        }
        g.add_node(spec, &registry).unwrap();
    }
    g.set_param(
        "saw",
        "wave",
        yano_engine::ParamValue::Text("saw".into()),
        &registry,
    )
    .unwrap();
    for (a, b) in [
        ("saw.out", "mix.in_1"),
        ("mix.out", "echo.in"),
        ("echo.out", "loop_gain.in"),
        ("loop_gain.out", "mix.in_2"),
        ("tone.out", "side.in"),
        ("mix.out", "sum.in_1"),
        ("side.out", "sum.in_2"),
        ("sum.out", "out.in"),
    ] {
        g.connect(a, b, &registry).unwrap();
    }
    let one = render_on(&g, &registry, 1.0, RenderThreads::AtMost(1)).unwrap();
    assert!(one.peak() > 0.1, "the loop is silent");
    for threads in SPREADS {
        let other = render_on(&g, &registry, 1.0, threads).unwrap();
        assert_same("the feedback loop", &one, &other, threads);
    }
}
