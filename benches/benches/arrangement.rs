//! The amapiano starter groove (graphs/amapiano-starter.ron: every instrument, sequencer and effect
//! it uses) rendered offline for 3 minutes, on one core and on every core (the same samples).
//! Limits: at least 200× real time on one core, i.e. under 0.9 s for 180 s of audio, and 350× on
//! every core of a 2-core machine (0.51 s). Also keys cost per voice: a held chord of N notes on
//! `instrument.keys`, 10 s, for N = 1, 8, 16, 32; (t(32) − t(1)) / 31 / blocks is the cost of one
//! voice for one 128-frame block.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use yano_benches::{registry, starter_groove, yano_render, yano_render_on};
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::render::RenderThreads;
use yano_engine::Transport;

fn three_minutes(c: &mut Criterion) {
    let r = registry();
    let g = starter_groove(&r);
    let mut group = c.benchmark_group(
        "starter groove, 180 s (limits: one core 0.9 s = 200x, every core 0.51 s = 350x)",
    );
    group.sample_size(10);
    group.bench_function("yano, one core", |b| {
        b.iter(|| black_box(yano_render(&g, r.clone(), 180.0)))
    });
    group.bench_function("yano, every core", |b| {
        b.iter(|| {
            black_box(yano_render_on(
                &g,
                r.clone(),
                180.0,
                RenderThreads::AllCores,
            ))
        })
    });
    group.finish();
}

fn keys_voices(c: &mut Criterion) {
    let r = registry();
    let mut group = c.benchmark_group("keys: held voices, 10 s");
    group.sample_size(10);
    for voices in [1usize, 8, 16, 32] {
        let chord: Vec<String> = (0..voices).map(|i| format!("{}", 36 + 2 * i)).collect();
        let mut g = Graph::new(Transport::default());
        g.add_node(
            NodeSpec::new("chord", "sequence.clip")
                .with("notes", format!("{} 0 40", chord.join("+")).as_str())
                .with("length_beats", 64.0),
            &r,
        )
        .unwrap();
        g.add_node(
            NodeSpec::new("keys", "instrument.keys").with("voices", 32.0),
            &r,
        )
        .unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("chord.notes", "keys.notes", &r).unwrap();
        g.connect("keys.out", "out.in", &r).unwrap();
        group.bench_function(format!("{voices} voices"), |b| {
            b.iter(|| black_box(yano_render(&g, r.clone(), 10.0)))
        });
    }
    group.finish();
}

criterion_group!(benches, three_minutes, keys_voices);
criterion_main!(benches);
