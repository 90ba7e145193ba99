//! `yano generate` for a 3-minute track ("soulful private school amapiano in Eb minor, 111 bpm,
//! 3 minutes": 80 bars, 175 s with the tail): compose, build the graph, render the mix and seven
//! stems in one pass, write the WAVs, MIDI, RON and JSON. Limits: the product's promise of 30 s
//! and the goal of 3 s, on this 2-core machine. Beside it, its parts: composing alone, and the
//! render of the same graph without stems (the peer that shows what stems cost).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use yano_engine::render::{render, RenderOptions};
use yano_generator::{build, compose, export, Options, Request};

const PROMPT: &str = "soulful private school amapiano in Eb minor, 111 bpm, 3 minutes";

fn generate(c: &mut Criterion) {
    let registry = Arc::new(yano_registry::registry());
    let (request, _) = Request::new(
        PROMPT,
        &Options {
            seed: 7,
            ..Options::default()
        },
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("yano-bench-generate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut group =
        c.benchmark_group("generate 3 min with stems, MIDI, graph (goal 3 s, promise 30 s)");
    group.sample_size(10);
    group.bench_function("compose", |b| b.iter(|| black_box(compose(&request))));
    let track = compose(&request);
    group.bench_function("compose and build the graph", |b| {
        b.iter(|| black_box(build::graph(&compose(&request), &registry).unwrap()))
    });
    let graph = build::graph(&track, &registry).unwrap();
    let options = RenderOptions {
        seconds: export::render_seconds(&track),
        ..RenderOptions::default()
    };
    group.bench_function("render the mix alone (peer)", |b| {
        b.iter(|| black_box(render(&graph, registry.clone(), options).unwrap()))
    });
    group.bench_function("generate: everything, files written", |b| {
        b.iter(|| {
            let track = compose(&request);
            black_box(export::write(&track, &dir, registry.clone(), 0.0).unwrap())
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, generate);
criterion_main!(benches);
