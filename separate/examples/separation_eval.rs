//! Scores the separator on held-out tracks written by `separation_dataset ... stereo`: per stem,
//! the whole-track SDR of the model beside the mixture-as-estimate floor, the DSP baseline and the
//! oracle ratio mask, averaged over tracks. Prints a table and writes the figures as JSON.
//!
//! cargo run --release -p yano-separate --example separation_eval -- SET_DIR OUT.json [model.onnx]
//!
//! With a model file, that file is scored (with yano's manifest entry) instead of the one built in.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use yano_audio_io::decode::{decode_file, DecodedAudio};
use yano_models::{LoadedModel, Manifest};
use yano_separate::baseline::{Baseline, Oracle};
use yano_separate::chunks::mono;
use yano_separate::sdr::sdr;
use yano_separate::{separate, MaskSource, ModelMasks, Options, MODEL_RATE, STEMS};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: separation_eval SET_DIR OUT.json [model.onnx]");
        std::process::exit(2);
    }
    let set = PathBuf::from(&args[0]);
    let model = match args.get(2) {
        Some(file) => {
            let manifest = Manifest::shipped();
            let spec = manifest
                .model("yano-separator")
                .expect("the manifest names it");
            let bytes = std::fs::read(file).expect("the model file reads");
            let loaded = LoadedModel::open_bytes(spec, &bytes, Path::new(file))
                .or_else(|_| {
                    // A freshly trained file is not yet the manifest's sha256: load it as Local.
                    let mut spec = spec.clone();
                    spec.source = yano_models::manifest::Source::Local;
                    LoadedModel::open_bytes(&spec, &bytes, Path::new(file))
                })
                .expect("the model loads");
            ModelMasks::check(Arc::new(loaded)).expect("a separation model")
        }
        None => ModelMasks::load(None).expect("the built-in model loads"),
    };
    let mut tracks: Vec<PathBuf> = std::fs::read_dir(&set)
        .expect("the set folder reads")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("track.json").is_file())
        .collect();
    tracks.sort();
    let methods = ["mixture", "baseline", "oracle", "yano"];
    // scores[method][stem] over tracks
    let mut scores = vec![vec![Vec::new(); STEMS.len()]; methods.len()];
    let mut model_seconds = 0.0;
    let mut audio_seconds = 0.0;
    let mut per_track = Vec::new();
    for dir in &tracks {
        let stems: Vec<DecodedAudio> = STEMS
            .iter()
            .map(|s| decode_file(&dir.join(format!("{s}.wav")), 3600.0).expect("a stem decodes"))
            .collect();
        assert_eq!(stems[0].sample_rate, MODEL_RATE);
        let channels = stems[0].channels.len();
        let len = stems[0].channels[0].len();
        let mix: Vec<Vec<f32>> = (0..channels)
            .map(|ch| {
                (0..len)
                    .map(|i| stems.iter().map(|s| s.channels[ch][i]).sum())
                    .collect()
            })
            .collect();
        let audio = DecodedAudio {
            sample_rate: MODEL_RATE,
            channels: mix.clone(),
        };
        audio_seconds += len as f64 / f64::from(MODEL_RATE);
        let oracle = Oracle {
            stems: stems.iter().map(|s| mono(&s.channels)).collect(),
        };
        let baseline = Baseline {
            sample_rate: MODEL_RATE as f32,
        };
        let mut track_scores = serde_json::Map::new();
        for (m, method) in methods.iter().enumerate() {
            let estimates: Vec<Vec<Vec<f32>>> = if *method == "mixture" {
                vec![mix.clone(); STEMS.len()]
            } else {
                let source: &dyn MaskSource = match *method {
                    "baseline" => &baseline,
                    "oracle" => &oracle,
                    _ => &model,
                };
                let started = Instant::now();
                let out = separate(&audio, source, &Options::default(), &mut |_| true)
                    .expect("separation runs");
                if *method == "yano" {
                    model_seconds += started.elapsed().as_secs_f64();
                }
                out.stems.into_iter().map(|(_, s)| s).collect()
            };
            let mut row = serde_json::Map::new();
            for (s, stem) in STEMS.iter().enumerate() {
                let score = sdr(&stems[s].channels, &estimates[s]);
                scores[m][s].push(score);
                row.insert(
                    stem.to_string(),
                    serde_json::json!((score * 100.0).round() / 100.0),
                );
            }
            track_scores.insert(method.to_string(), serde_json::Value::Object(row));
        }
        eprintln!("{}: done", dir.display());
        per_track.push(serde_json::json!({
            "track": dir.file_name().unwrap().to_string_lossy(),
            "seconds": len as f64 / f64::from(MODEL_RATE),
            "sdr_db": track_scores,
        }));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!(
        "SDR (dB), mean over {} tracks ({:.0} s of audio)",
        tracks.len(),
        audio_seconds
    );
    print!("{:<10}", "stem");
    for m in methods {
        print!("{m:>10}");
    }
    println!();
    let mut summary = serde_json::Map::new();
    for (s, stem) in STEMS.iter().enumerate() {
        print!("{stem:<10}");
        for (m, _) in methods.iter().enumerate() {
            print!("{:>10.2}", mean(&scores[m][s]));
        }
        println!();
    }
    print!("{:<10}", "mean");
    for (m, method) in methods.iter().enumerate() {
        let all: Vec<f64> = scores[m].iter().map(|v| mean(v)).collect();
        print!("{:>10.2}", mean(&all));
        let per_stem: serde_json::Map<String, serde_json::Value> = STEMS
            .iter()
            .zip(&all)
            .map(|(s, v)| {
                (
                    s.to_string(),
                    serde_json::json!((v * 100.0).round() / 100.0),
                )
            })
            .collect();
        summary.insert(
            method.to_string(),
            serde_json::json!({"mean": (mean(&all) * 100.0).round() / 100.0, "stems": per_stem}),
        );
    }
    println!();
    println!(
        "model: {:.1} s for {:.0} s of audio ({:.1}x real time) on {}",
        model_seconds,
        audio_seconds,
        audio_seconds / model_seconds.max(1e-9),
        model.model.backend
    );
    let doc = serde_json::json!({
        "tracks": tracks.len(),
        "audio_seconds": audio_seconds,
        "model_seconds": model_seconds,
        "backend": model.model.backend.to_string(),
        "mean_sdr_db": summary,
        "per_track": per_track,
    });
    std::fs::write(&args[1], serde_json::to_string_pretty(&doc).unwrap()).expect("JSON written");
}
