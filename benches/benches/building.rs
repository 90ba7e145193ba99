//! Building graphs of 1,000 to 64,000 nodes, the way large arrangements, scripts and the editor
//! build them: a Rhai script adding oscillators with `g.add` (fresh ids made by the script API),
//! and the same kind of graph parsed from a preset's RON text (each oscillator wired to a gain).
//! The goal is linear growth: report the time per node at each size, and the exponent k of
//! time ∝ nodesᵏ between 1,000 and 64,000 (1.0 is linear; the script took 0.41, 1.06 and 4.23 s
//! for 2,000, 4,000 and 8,000 nodes before ids were made without searching, k ≈ 1.7).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use yano_benches::registry;
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::preset::{parse_preset, preset_text};
use yano_engine::Registry;
use yano_scripting::{Limits, Sandbox};

const SIZES: [usize; 4] = [1_000, 4_000, 16_000, 64_000];

fn script(nodes: usize) -> String {
    format!(
        "let g = graph();\n\
         for i in 0..{nodes} {{ g.add(\"source.oscillator\", #{{freq_hz: 110.0 + i % 1000}}); }}\n\
         g"
    )
}

fn sandbox() -> Sandbox {
    Sandbox {
        output: None,
        readable: Vec::new(),
        limits: Limits {
            max_operations: 100_000_000,
            ..Limits::default()
        },
    }
}

/// `nodes` nodes: half oscillators, each wired to a gain of its own.
fn pairs(nodes: usize, r: &Registry) -> Graph {
    let mut g = Graph::new(yano_engine::Transport::default());
    for i in 0..nodes / 2 {
        let (osc, gain) = (format!("osc{i}"), format!("gain{i}"));
        g.add_node(NodeSpec::new(osc.clone(), "source.oscillator"), r)
            .unwrap();
        g.add_node(NodeSpec::new(gain.clone(), "util.gain"), r)
            .unwrap();
        g.connect(&format!("{osc}.out"), &format!("{gain}.in"), r)
            .unwrap();
    }
    g
}

fn from_a_script(c: &mut Criterion) {
    let r: Arc<Registry> = registry();
    let mut group = c.benchmark_group("graph from a script");
    group.sample_size(10);
    for nodes in SIZES {
        let text = script(nodes);
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &text, |b, text| {
            b.iter(|| {
                black_box(
                    yano_scripting::run("build", text, r.clone(), sandbox(), Vec::new())
                        .expect("the script builds its graph"),
                )
            })
        });
    }
    group.finish();
}

fn from_a_preset(c: &mut Criterion) {
    let r: Arc<Registry> = registry();
    let mut group = c.benchmark_group("graph from a preset");
    group.sample_size(10);
    for nodes in SIZES {
        let text = preset_text(&pairs(nodes, &r));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &text, |b, text| {
            b.iter(|| black_box(parse_preset(text, &r, None).expect("the preset parses")))
        });
    }
    group.finish();
}

criterion_group!(benches, from_a_script, from_a_preset);
criterion_main!(benches);
