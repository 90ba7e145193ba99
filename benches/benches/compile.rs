//! Compile time of a 500-node graph (249 voices of oscillator → gain, summed, and an output):
//! validation, ordering, processors, buffers and steps. Limit: 1 ms. Dropping the result is
//! left out of the timing, as in use it happens later, when the audio thread retires the schedule.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use yano_benches::{registry, voices_graph};
use yano_engine::Compiler;

fn compile(c: &mut Criterion) {
    let r = registry();
    let g = voices_graph(249, &r);
    assert_eq!(g.node_count(), 500);
    let mut compiler = Compiler::new(r.clone(), 128);
    c.bench_function("compile 500 nodes (limit 1 ms)", |b| {
        b.iter_with_large_drop(|| black_box(compiler.compile(&g).unwrap()))
    });
}

criterion_group!(benches, compile);
criterion_main!(benches);
