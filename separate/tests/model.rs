//! yano's trained separator: it loads from the binary, refuses what is not a separation model,
//! keeps silence silent, and separates a held-out generated track (a seed never trained on, sung
//! by the alto voice, which no training track has) measurably better than the DSP baseline. The
//! truth is the generator's own stems.

use std::path::Path;
use std::sync::Arc;

use yano_audio_io::decode::DecodedAudio;
use yano_generator::compose::{compose, Options as TrackOptions, Request};
use yano_generator::export::{render_seconds, render_with_stems};
use yano_models::{LoadedModel, Manifest};
use yano_separate::baseline::Baseline;
use yano_separate::model::BUNDLED_BYTES;
use yano_separate::sdr::sdr;
use yano_separate::stems::stem_of_channel;
use yano_separate::{separate, ModelMasks, Options, STEMS};

#[test]
fn the_built_in_separator_loads_and_keeps_silence_silent() {
    let model = ModelMasks::load(None).expect("the built-in separator loads");
    assert_eq!(model.name(), "yano-separator");
    let audio = DecodedAudio {
        sample_rate: 44_100,
        channels: vec![vec![0.0; 44_100]; 2],
    };
    let out = separate(&audio, &model, &Options::default(), &mut |_| true).unwrap();
    for (name, stem) in &out.stems {
        assert!(
            stem.iter().flatten().all(|v| *v == 0.0),
            "{name} is not silent"
        );
    }
}

#[test]
fn a_corrupt_or_wrong_shaped_model_is_named() {
    let manifest = Manifest::shipped();
    let spec = manifest.model("yano-separator").unwrap().clone();
    let err = LoadedModel::open_bytes(&spec, b"not a model", Path::new("x.onnx")).unwrap_err();
    assert!(err.to_string().contains("yano-separator"), "{err}");

    let mut local = spec.clone();
    local.source = yano_models::manifest::Source::Local;
    let err = LoadedModel::open_bytes(&local, b"not a model", Path::new("x.onnx")).unwrap_err();
    assert!(err.to_string().contains("cannot be loaded"), "{err}");

    let mut wrong = local.clone();
    wrong.inputs[0].shape = vec![1, 1025, 128];
    let err = LoadedModel::open_bytes(&wrong, BUNDLED_BYTES, Path::new("x.onnx")).unwrap_err();
    assert!(err.to_string().contains("features"), "{err}");

    let mut not_separation = local;
    not_separation.separation = None;
    not_separation.task = "transcription".into();
    let loaded = LoadedModel::open_bytes(&not_separation, BUNDLED_BYTES, Path::new("x.onnx"));
    let err = ModelMasks::check(Arc::new(loaded.unwrap())).unwrap_err();
    assert!(err.to_string().contains("not separation"), "{err}");
}

#[test]
fn a_held_out_track_separates_better_than_the_dsp_baseline() {
    // Seed 310000: the training set is 100000-100099, validation 200000-200005 (models/separator).
    let options = TrackOptions {
        style: Some("private_school".into()),
        key: Some("Ebm".into()),
        bpm: Some(111.0),
        bars: Some(16),
        seed: 310_000,
        ..TrackOptions::default()
    };
    let track = compose(&Request::new("", &options).unwrap().0);
    let registry = Arc::new(yano_registry::registry());
    let graph = yano_generator::build::graph(&track, &registry).unwrap();
    let mixdown =
        render_with_stems(&graph, render_seconds(&track), registry, &mut |_| true).unwrap();
    let len = mixdown.mix.left.len();
    let mut truth = vec![vec![vec![0.0f32; len]; 2]; STEMS.len()];
    for (name, audio) in &mixdown.stems {
        let s = STEMS
            .iter()
            .position(|x| *x == stem_of_channel(name))
            .unwrap();
        for i in 0..len {
            truth[s][0][i] += audio.left[i];
            truth[s][1][i] += audio.right[i];
        }
    }
    let mix: Vec<Vec<f32>> = (0..2)
        .map(|ch| {
            (0..len)
                .map(|i| truth.iter().map(|s| s[ch][i]).sum())
                .collect()
        })
        .collect();
    let audio = DecodedAudio {
        sample_rate: mixdown.mix.sample_rate,
        channels: mix,
    };
    let model = ModelMasks::load(None).unwrap();
    let baseline = Baseline {
        sample_rate: yano_separate::MODEL_RATE as f32,
    };
    let score = |source: &dyn yano_separate::MaskSource| -> Vec<f64> {
        let out = separate(&audio, source, &Options::default(), &mut |_| true).unwrap();
        out.stems
            .iter()
            .zip(&truth)
            .map(|((_, estimate), reference)| sdr(reference, estimate))
            .collect()
    };
    let (yano, dsp) = (score(&model), score(&baseline));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    eprintln!("SDR per stem {STEMS:?}\n yano {yano:.1?}\n baseline {dsp:.1?}");
    assert!(
        mean(&yano) > mean(&dsp) + MARGIN_DB,
        "yano {:.1} dB, baseline {:.1} dB",
        mean(&yano),
        mean(&dsp)
    );
    // The stems the shipped model separates well on held-out tracks (models/separator/README.md:
    // on this track 5.6, 9.2 and 14.2 dB) must stay well separated; the others are not yet.
    for (stem, floor) in STRONG_STEMS {
        let db = yano[STEMS.iter().position(|s| *s == stem).unwrap()];
        assert!(db > floor, "{stem}: {db:.1} dB, expected above {floor} dB");
    }
}

/// How far the mean must be above the baseline's (measured 3.9 dB: yano 3.6, baseline -0.2), and
/// the stems that must clear a floor (measured with the shipped model; room left for another
/// render of the same seed).
const MARGIN_DB: f64 = 2.0;
const STRONG_STEMS: [(&str, f64); 3] = [("bass", 3.5), ("drums", 6.0), ("percussion", 9.0)];
