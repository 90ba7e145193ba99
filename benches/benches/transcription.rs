//! `yano transcribe` on a 3-minute stereo track (the analysis benchmark's generated groove):
//! decoding, resampling to 22,050 Hz, 110 basic-pitch windows, note decoding. One backend a
//! process (`ort` keeps one API table), so run it once a backend and take the ratio:
//!
//!     cargo bench -p yano-benches --bench transcription
//!     YANO_ONNX_BACKEND=native cargo bench -p yano-benches --bench transcription
//!
//! Limit: the goal of 10 s with native ONNX Runtime on this 2-core machine. Beside it, one
//! window alone (the model's floor) and the decoding and tidying of notes alone.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use yano_audio_io::decode::decode_file;
use yano_models::transcribe::{model_input, notes_from, posteriorgrams, transcribe_file, WINDOW};
use yano_models::Options;

fn transcription(c: &mut Criterion) {
    let model = match yano_models::shared("basic-pitch") {
        Ok(m) => m,
        Err(e) => {
            eprintln!("transcription benchmark skipped: {e}");
            return;
        }
    };
    let path = yano_benches::three_minute_track();
    let backend = model.backend.name();
    let options = Options::default();
    let mut group = c.benchmark_group(format!(
        "transcribe a 3-minute track on {backend} (goal 10 s native)"
    ));
    group.sample_size(10);
    group.bench_function("one window (floor)", |b| {
        let window = vec![0.1f32; WINDOW];
        b.iter(|| black_box(model.run(&[&window]).unwrap()))
    });
    group.bench_function("whole file", |b| {
        b.iter(|| black_box(transcribe_file(&model, &path, &options, &mut |_| true).unwrap()))
    });
    let audio = model_input(decode_file(&path, 600.0).unwrap()).unwrap();
    let grams = posteriorgrams(&model, &audio, &mut |_| true).unwrap();
    group.bench_function("note decoding alone", |b| {
        b.iter(|| black_box(notes_from(&grams, &options)))
    });
    group.finish();
}

criterion_group!(benches, transcription);
criterion_main!(benches);
