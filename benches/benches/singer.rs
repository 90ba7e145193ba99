//! Cost of a singing voice: a held chord of N notes on `instrument.voice` beside the same
//! chord on `instrument.keys` (rhodes), 2 s at 48 kHz in 128-frame blocks (750 blocks), for
//! N = 1 and 16. (t(16) − t(1)) / 15 / 750 is the cost of one voice for one block; the ratio of
//! the two instruments' figures is the singer's price over the keys'.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use yano_benches::{registry, yano_render};
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::{Registry, Transport};

const SECONDS: f64 = 2.0;

/// A chord of `voices` notes (whole tones up from C2) held for the whole render on `kind`.
fn held_chord(kind: &str, voices: usize, r: &Registry) -> Graph {
    let chord: Vec<String> = (0..voices).map(|i| format!("{}", 36 + 2 * i)).collect();
    let mut g = Graph::new(Transport::default());
    g.add_node(
        NodeSpec::new("chord", "sequence.clip")
            .with("notes", format!("{} 0 40", chord.join("+")).as_str())
            .with("length_beats", 64.0),
        r,
    )
    .unwrap();
    g.add_node(NodeSpec::new("inst", kind).with("voices", 16.0), r)
        .unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), r).unwrap();
    g.connect("chord.notes", "inst.notes", r).unwrap();
    g.connect("inst.out", "out.in", r).unwrap();
    g
}

fn voices(c: &mut Criterion) {
    let r = registry();
    let mut group = c.benchmark_group("held voices, 2 s");
    group.sample_size(10);
    for kind in ["instrument.voice", "instrument.keys"] {
        for n in [1usize, 16] {
            let g = held_chord(kind, n, &r);
            group.bench_function(format!("{kind} {n}"), |b| {
                b.iter(|| black_box(yano_render(&g, r.clone(), SECONDS)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, voices);
criterion_main!(benches);
