//! The separator's training script (models/train/separator.py) runs: a smoke run of three steps
//! on seconds of synthetic audio writes an ONNX file that yano loads as a separation model and
//! whose masks share every bin out among the stems. Needs a Python with torch and onnx (the
//! project trains on this machine, never in CI): set YANO_TORCH_PYTHON to it, or have `python3`
//! import torch; elsewhere the test skips and says why.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use yano_models::{LoadedModel, Manifest};
use yano_separate::chunks::{Chunk, CHUNK_FRAMES};
use yano_separate::stft::BINS;
use yano_separate::{MaskSource, ModelMasks, STEMS};

fn python_with_torch() -> Option<PathBuf> {
    let python =
        std::env::var_os("YANO_TORCH_PYTHON").map_or_else(|| "python3".into(), PathBuf::from);
    let ok = Command::new(&python)
        .args(["-c", "import torch, onnx"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

#[test]
fn a_smoke_run_of_the_training_script_exports_a_model_yano_runs() {
    let Some(python) = python_with_torch() else {
        yano_testkit::say_skipped(
            "a_smoke_run_of_the_training_script_exports_a_model_yano_runs",
            "no Python with torch and onnx (set YANO_TORCH_PYTHON; models/separator/README.md \
             says how to install it); training never runs in CI",
        );
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::temp_dir().join(format!("yano-separator-smoke-{}", std::process::id()));
    let run = Command::new(&python)
        .arg(root.join("models/train/separator.py"))
        .args(["--smoke", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let log = std::fs::read_to_string(out.join("training-log.txt")).unwrap();
    assert!(log.contains("done: 3 steps"), "{log}");

    // yano loads what the script exported as a separation model in its own STFT.
    let mut spec = Manifest::shipped().model("yano-separator").unwrap().clone();
    spec.source = yano_models::manifest::Source::Local;
    spec.sha256 = None;
    let bytes = std::fs::read(out.join("yano-separator.onnx")).unwrap();
    let loaded = LoadedModel::open_bytes(&spec, &bytes, &out.join("yano-separator.onnx")).unwrap();
    let masks = ModelMasks::check(Arc::new(loaded)).unwrap();
    let features: Vec<f32> = (0..BINS * CHUNK_FRAMES)
        .map(|i| ((i * 37 % 101) as f32 / 101.0).ln_1p())
        .collect();
    let magnitudes: Vec<f32> = features.iter().map(|f| f.exp_m1()).collect();
    let m = masks
        .masks(&Chunk {
            start: 0,
            features: &features,
            magnitudes: &magnitudes,
        })
        .unwrap();
    assert_eq!(m.len(), STEMS.len() * BINS * CHUNK_FRAMES);
    // A softmax over stems: every bin of every frame is shared out whole.
    let per_stem = BINS * CHUNK_FRAMES;
    for i in (0..per_stem).step_by(997) {
        let total: f32 = (0..STEMS.len()).map(|s| m[s * per_stem + i]).sum();
        assert!((total - 1.0).abs() < 1e-4, "bin {i}: masks sum to {total}");
    }
    std::fs::remove_dir_all(&out).ok();
}
