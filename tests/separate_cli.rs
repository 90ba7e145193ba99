//! `yano separate` as a user runs it: the built-in separator needs nothing fetched. The stems
//! are float WAVs at the input's rate, channel count and exact length that sum back to it, and
//! separation.json describes them; bad input gets a named error.

use std::path::{Path, PathBuf};

mod common;
use common::yano;

fn temp(name: &str) -> PathBuf {
    yano_testkit::scratch_path("separate-cli-tests", name)
}

fn write_wav(path: &Path, channels: &[Vec<f32>], rate: u32) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for ch in channels {
            w.write_sample(ch[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> (u32, Vec<Vec<f32>>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
    let n = spec.channels as usize;
    let channels = (0..n)
        .map(|c| samples.iter().skip(c).step_by(n).copied().collect())
        .collect();
    (spec.sample_rate, channels)
}

/// A bass tone under a higher tone with clicks: something in several stems.
fn song(rate: u32, seconds: f64, channels: usize) -> Vec<Vec<f32>> {
    let n = (seconds * f64::from(rate)) as usize;
    (0..channels)
        .map(|ch| {
            (0..n)
                .map(|i| {
                    let t = i as f64 / f64::from(rate);
                    let click = if i % (rate as usize / 2) < 40 {
                        0.5
                    } else {
                        0.0
                    };
                    (0.3 * (std::f64::consts::TAU * 55.0 * t).sin()
                        + 0.2 * (std::f64::consts::TAU * (440.0 + 110.0 * ch as f64) * t).sin()
                        + click) as f32
                })
                .collect()
        })
        .collect()
}

#[test]
fn separate_writes_every_stem_summing_to_the_input() {
    let dir = temp("all");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("song.wav");
    let audio = song(48_000, 4.0, 2);
    write_wav(&input, &audio, 48_000);
    let out = dir.join("stems");
    let (ok, stdout, err) = yano(&[
        "separate",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let stems = [
        "vocals",
        "piano",
        "log_drum",
        "bass",
        "drums",
        "percussion",
        "other",
    ];
    let mut sum = vec![vec![0.0f32; audio[0].len()]; 2];
    let mut energies = Vec::new();
    for stem in stems {
        let path = out.join(format!("{stem}.wav"));
        assert!(stdout.contains(path.to_str().unwrap()), "{stdout}");
        let (rate, channels) = read_wav(&path);
        assert_eq!(rate, 48_000, "{stem}");
        assert_eq!(channels.len(), 2, "{stem}");
        assert_eq!(channels[0].len(), audio[0].len(), "{stem}");
        energies.push(
            channels
                .iter()
                .flatten()
                .map(|v| f64::from(*v).powi(2))
                .sum::<f64>(),
        );
        for (s, c) in sum.iter_mut().zip(&channels) {
            for (a, b) in s.iter_mut().zip(c) {
                *a += b;
            }
        }
    }
    let error: f64 = sum
        .iter()
        .zip(&audio)
        .flat_map(|(s, a)| s.iter().zip(a))
        .map(|(s, a)| f64::from(s - a).powi(2))
        .sum();
    let signal: f64 = audio.iter().flatten().map(|a| f64::from(*a).powi(2)).sum();
    let db = 10.0 * (error / signal).log10();
    assert!(db < -60.0, "the stems sum to the input at {db:.1} dB");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("separation.json")).unwrap())
            .unwrap();
    assert_eq!(json["model"], "yano-separator");
    assert_eq!(json["stems"].as_array().unwrap().len(), 7);
    // Each stem's share of the mix's energy, as measured here from the files written.
    for (described, (stem, energy)) in json["stems"]
        .as_array()
        .unwrap()
        .iter()
        .zip(stems.iter().zip(&energies))
    {
        assert_eq!(described["stem"], *stem);
        let share = described["energy_share"].as_f64().unwrap();
        assert!(
            (share - energy / signal).abs() < 1e-3,
            "{stem}: separation.json says {share}, the file has {}",
            energy / signal
        );
    }
}

#[test]
fn chosen_stems_come_with_the_rest_and_a_mono_file_stays_mono() {
    let dir = temp("chosen");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("mono.wav");
    write_wav(&input, &song(22_050, 1.0, 1), 22_050);
    let out = dir.join("stems");
    let (ok, _, err) = yano(&[
        "separate",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--stems",
        "vocals,log_drum",
    ]);
    assert!(ok, "{err}");
    for stem in ["vocals", "log_drum", "rest"] {
        let (rate, channels) = read_wav(&out.join(format!("{stem}.wav")));
        assert_eq!(
            (rate, channels.len(), channels[0].len()),
            (22_050, 1, 22_050),
            "{stem}"
        );
    }
    assert!(!out.join("bass.wav").exists());
}

#[test]
fn bad_input_is_named() {
    let dir = temp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let corrupt = dir.join("corrupt.wav");
    std::fs::write(&corrupt, b"RIFF\x10\x00\x00\x00WAVEjunkjunk").unwrap();
    let out = dir.join("stems");
    let (ok, _, err) = yano(&[
        "separate",
        corrupt.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("corrupt.wav"), "{err}");
    let (ok, _, err) = yano(&[
        "separate",
        corrupt.to_str().unwrap(),
        "-o",
        "x",
        "--stems",
        "kazoo",
    ]);
    assert!(!ok && err.contains("kazoo"), "{err}");
    let fine = dir.join("fine.wav");
    write_wav(&fine, &song(44_100, 0.5, 2), 44_100);
    let (ok, _, err) = yano(&[
        "separate",
        fine.to_str().unwrap(),
        "-o",
        "x",
        "--model",
        "nope",
    ]);
    assert!(
        !ok && err.contains("nope") && err.contains("yano-separator"),
        "{err}"
    );
    // A song longer than the memory allowed is refused before any work, saying how much it needs:
    // 0.5 s of stereo at 44.1 kHz is 22,050 frames a channel twice (the input and its copy) and
    // 24,000 at the model's rate for the resampled input and each of the 7 stems, plus 2 × 24,000
    // (the mono mix, the window weights): 520,200 floats, 2.1 MB.
    let (ok, _, err) = yano(&[
        "separate",
        fine.to_str().unwrap(),
        "-o",
        dir.join("refused").to_str().unwrap(),
        "--max-memory",
        "0.001",
    ]);
    assert!(
        !ok && err.contains("fine.wav")
            && err.contains("needs about 2.1 MB of memory")
            && err.contains("1.0 MB is allowed"),
        "{err}"
    );
    assert!(!dir.join("refused").exists(), "nothing is written");
    let (ok, _, err) = yano(&[
        "separate",
        fine.to_str().unwrap(),
        "-o",
        dir.join("allowed").to_str().unwrap(),
        "--max-memory",
        "0.003",
    ]);
    assert!(ok, "2.1 MB fits in 3 MB: {err}");
}

/// The amplitude of the `hz` component of `x` (a projection on sine and cosine over whole
/// seconds, edges left out).
fn amplitude(x: &[f32], rate: u32, hz: f64) -> f64 {
    let (from, to) = (rate as usize / 2, x.len() - rate as usize / 2);
    let (mut s, mut c) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate().take(to).skip(from) {
        let phase = std::f64::consts::TAU * hz * i as f64 / f64::from(rate);
        s += f64::from(*v) * phase.sin();
        c += f64::from(*v) * phase.cos();
    }
    2.0 * (s * s + c * c).sqrt() / (to - from) as f64
}

#[test]
fn a_declared_separation_model_is_used_with_its_own_stems() {
    // separate/tests/models: a tiny model of "someone else's" with its own stem names and order
    // (bass below 281 Hz, vocals to 2.34 kHz, drums nothing, "accompaniment" above), declared in
    // a user manifest and put in the models folder by hand, as after a download.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let models = temp("declared-models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::copy(
        root.join("separate/tests/models/band-split.onnx"),
        models.join("band-split.onnx"),
    )
    .unwrap();
    let rate = 48_000;
    let tones = [(100.0, "bass"), (1000.0, "vocals"), (6000.0, "other")];
    let song: Vec<f32> = (0..3 * rate as usize)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            tones
                .iter()
                .map(|(hz, _)| 0.3 * (std::f64::consts::TAU * hz * t).sin())
                .sum::<f64>() as f32
        })
        .collect();
    let input = temp("three-tones.wav");
    write_wav(&input, &[song], rate);
    let out = temp("declared-stems");
    let run = |manifest: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_yano"))
            .args([
                "separate",
                input.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
            ])
            .args(["--model", "band-split"])
            .env("YANO_MODELS_MANIFEST", manifest)
            .env("YANO_MODELS_DIR", &models)
            .output()
            .unwrap()
    };
    let done = run(&root.join("separate/tests/models/band-split.ron"));
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    // Each tone is in the stem its band feeds, at its level, and nowhere else.
    for (hz, stem) in tones {
        let (_, channels) = read_wav(&out.join(format!("{stem}.wav")));
        let a = amplitude(&channels[0], rate, hz);
        assert!((a / 0.3 - 1.0).abs() < 0.05, "{hz} Hz in {stem}: {a:.4}");
        for (other_hz, other) in tones {
            if other != stem {
                let leak = amplitude(&channels[0], rate, other_hz);
                assert!(leak < 0.003, "{other_hz} Hz leaks into {stem}: {leak:.5}");
            }
        }
    }
    // Stems the model does not have, and its empty "drums", are silent.
    for stem in ["piano", "log_drum", "drums", "percussion"] {
        let (_, channels) = read_wav(&out.join(format!("{stem}.wav")));
        let peak = channels[0].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak < 1e-4, "{stem} peaks at {peak}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("separation.json")).unwrap())
            .unwrap();
    assert_eq!(json["model"], "band-split");

    // A user manifest that takes the name of yano's own model is refused, naming both.
    let clash = temp("clash.ron");
    let text = std::fs::read_to_string(root.join("separate/tests/models/band-split.ron"))
        .unwrap()
        .replace("\"band-split\"", "\"yano-separator\"");
    std::fs::write(&clash, text).unwrap();
    let refused = run(&clash);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        err.contains("yano-separator") && err.contains("clash.ron"),
        "{err}"
    );
}
