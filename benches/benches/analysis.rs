//! `yano analyze` on a 3-minute stereo track (a generated private-school groove, 48 kHz WAV):
//! decoding, resampling, both spectrograms, tempo and beats, key, chords, loudness, sections
//! and the amapiano markers. Limit: the goal of 0.5 s on this 2-core machine. Beside it, the
//! decode alone (symphonia reading the same file: the floor any analysis stands on) and the
//! analyses alone on features already measured. The peer outside Rust, librosa's beat tracker
//! and chroma on the same file, is timed by scripts/librosa_compare.py.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use yano_analysis::{analyze, analyze_file, measure_file, Settings};
use yano_audio_io::decode::decode_stream;

fn track() -> PathBuf {
    yano_benches::three_minute_track()
}

fn analysis(c: &mut Criterion) {
    let path = track();
    let settings = Settings::default();
    let mut group = c.benchmark_group("analyze a 3-minute stereo track (goal 0.5 s)");
    group.sample_size(10);
    group.bench_function("decode only (floor)", |b| {
        b.iter(|| {
            black_box(decode_stream(&path, f64::INFINITY, |block| {
                black_box(block.channels.len());
            }))
        })
    });
    group.bench_function("full analysis", |b| {
        b.iter(|| black_box(analyze_file(&path, &settings).unwrap()))
    });
    group.bench_function("analyses on measured features", |b| {
        b.iter_batched(
            || measure_file(&path).unwrap(),
            |m| black_box(analyze(m, &settings)),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
