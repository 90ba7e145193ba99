//! Render throughput against the peer, web-audio-api's OfflineAudioContext: the same graphs,
//! 10 s at 48 kHz in 128-frame blocks, graph construction included on both sides.
//! (1) 256 voices of oscillator → gain → sum, for each wave both have (sine, saw, square,
//! triangle); (2) a chain of 1000 gains. Goal: yano at least 2× faster on both, and 256 saw
//! voices in at most 4 ns per voice and sample (10.2 ms of the 10 s's 480,000 samples × 256
//! voices = 0.49 s). Report yano/peer time ratios. Beside each, yano on every core (the same
//! samples: parallel offline rendering, issue 22): report its ratio to yano on one.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use yano_benches::{
    chain_graph, peer, registry, voices_graph_of, yano_render, yano_render_on, WAVES,
};
use yano_engine::render::RenderThreads;

const SECONDS: f64 = 10.0;

fn voices(c: &mut Criterion) {
    let r = registry();
    for wave in WAVES {
        let name = if wave == "sine" {
            "256 voices, 10 s".to_string()
        } else {
            format!("256 {wave} voices, 10 s")
        };
        let mut group = c.benchmark_group(name);
        group.sample_size(10);
        group.bench_function("yano", |b| {
            b.iter(|| {
                black_box(yano_render(
                    &voices_graph_of(wave, 256, &r),
                    r.clone(),
                    SECONDS,
                ))
            })
        });
        group.bench_function("yano, every core", |b| {
            b.iter(|| {
                black_box(yano_render_on(
                    &voices_graph_of(wave, 256, &r),
                    r.clone(),
                    SECONDS,
                    RenderThreads::AllCores,
                ))
            })
        });
        group.bench_function("web-audio-api", |b| {
            b.iter(|| black_box(peer::voices_of(wave, 256, SECONDS)))
        });
        group.finish();
    }
}

fn chain(c: &mut Criterion) {
    let r = registry();
    let mut group = c.benchmark_group("1000-gain chain, 10 s");
    group.sample_size(10);
    group.bench_function("yano", |b| {
        b.iter(|| black_box(yano_render(&chain_graph(1000, &r), r.clone(), SECONDS)))
    });
    group.bench_function("web-audio-api", |b| {
        b.iter(|| black_box(peer::chain(1000, SECONDS)))
    });
    group.finish();
}

criterion_group!(benches, voices, chain);
criterion_main!(benches);
