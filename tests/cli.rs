//! The `yano` command line, run as a user would.

use std::path::{Path, PathBuf};

mod common;
use common::yano;

fn temp(name: &str) -> PathBuf {
    yano_testkit::scratch_path("cli-tests", name)
}

#[test]
fn render_writes_a_wav_of_the_asked_length_and_format() {
    let out = temp("chord.wav");
    let (ok, _, err) = yano(&[
        "render",
        "graphs/sine-chord.ron",
        "-o",
        out.to_str().unwrap(),
        "--seconds",
        "2",
        "--format",
        "i16",
    ]);
    assert!(ok, "{err}");
    let reader = hound::WavReader::open(&out).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 16)
    );
    assert_eq!(reader.duration(), 96_000);
    let peak = reader
        .into_samples::<i32>()
        .map(|s| s.unwrap().abs())
        .max()
        .unwrap();
    // Three partials at −12, −15 and −18 dB (before panning) and −1 dB master: about −8.8 dBFS.
    let peak_db = 20.0 * (peak as f64 / 32_767.0).log10();
    assert!((-10.0..-7.5).contains(&peak_db), "{peak_db}");
    assert!(err.contains("peak"), "render reports what it did: {err}");
}

#[test]
fn render_in_bars_follows_the_tempo() {
    let out = temp("bars.wav");
    let (ok, _, err) = yano(&[
        "render",
        "graphs/sine-chord.ron",
        "-o",
        out.to_str().unwrap(),
        "--bars",
        "2",
        "--format",
        "f32",
    ]);
    assert!(ok, "{err}");
    // 2 bars of 4/4 at 113 BPM at 48 kHz.
    let want = (8.0 * 60.0 / 113.0 * 48_000.0_f64).round() as u32;
    assert_eq!(hound::WavReader::open(&out).unwrap().duration(), want);
}

#[test]
fn nodes_lists_every_kind_with_ports_and_ranges() {
    let (ok, text, _) = yano(&["nodes"]);
    assert!(ok);
    for kind in [
        "source.oscillator",
        "source.file",
        "source.lfo",
        "util.gain",
        "util.pan",
        "util.mix",
        "fx.delay",
        "io.output",
        "clip.player",
        "clip.notes",
        "clip.capture",
    ] {
        assert!(text.contains(kind), "{kind} missing");
    }
    assert!(
        text.contains("param freq_hz") && text.contains("(1 ..= 20000)") && text.contains("Hz"),
        "{text}"
    );
    assert!(text.contains("in  in") && text.contains("(feedback: one block late)"));
}

#[test]
fn check_names_node_line_and_column() {
    let bad = temp("bad.ron");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/sine-chord.ron"),
    )
    .unwrap();
    std::fs::write(
        &bad,
        text.replace(
            "\"util.pan\", params: {\"pan\": 0.0}",
            "\"util.pan\", params: {\"pann\": 0.0}",
        ),
    )
    .unwrap();
    let (ok, _, err) = yano(&["check", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("line 11, column 54")
            && err.contains("\"third_pan\"")
            && err.contains("\"pann\""),
        "{err}"
    );
    let (ok, out, _) = yano(&["check", "graphs/file-player.ron"]);
    assert!(ok && out.contains("1 inference"), "{out}");
}

#[test]
fn missing_files_are_reported_not_panicked() {
    let (ok, _, err) = yano(&["render", "graphs/nope.ron", "-o", "/tmp/x.wav"]);
    assert!(
        !ok && err.contains("graphs/nope.ron") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn stems_are_one_file_per_mixer_channel_plus_the_mix_and_sum_to_it() {
    let dir = temp("stems");
    let (ok, _, err) = yano(&[
        "render",
        "graphs/sgija.ron",
        "--stems",
        "-o",
        dir.to_str().unwrap(),
        "--bars",
        "2",
        "--format",
        "f32",
    ]);
    assert!(ok, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "drums.wav",
            "logdrum.wav",
            "mix.wav",
            "organ.wav",
            "returns.wav"
        ]
    );
    assert!(
        err.contains("warning: stems are taken at the mixer \"mix\", before clipper"),
        "the preset masters after its mixer, and the user is told: {err}"
    );
    // Each stem is its channel alone: the drum stem holds the kick's low end, the organ stem does not.
    let energy_below_100hz = |name: &str| {
        let samples: Vec<f32> = hound::WavReader::open(dir.join(name))
            .unwrap()
            .into_samples::<f32>()
            .map(|s| s.unwrap())
            .collect();
        let mut y = 0.0f64;
        let a = (-std::f64::consts::TAU * 100.0 / 48_000.0).exp();
        samples
            .chunks(2)
            .map(|f| {
                y = a * y + (1.0 - a) * f64::from(f[0]);
                y * y
            })
            .sum::<f64>()
    };
    assert!(energy_below_100hz("drums.wav") > 100.0 * energy_below_100hz("organ.wav"));
    assert!(
        err.contains("LUFS"),
        "every file's loudness is reported: {err}"
    );
}

#[test]
fn a_generated_track_renders_stems_that_sum_to_its_mix() {
    let dir = temp("generated-stems");
    let (ok, _, err) = yano(&[
        "generate",
        "sgija, 16 bars",
        "--seed",
        "3",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let stems = dir.join("again");
    let (ok, _, err) = yano(&[
        "render",
        dir.join("track.ron").to_str().unwrap(),
        "--stems",
        "-o",
        stems.to_str().unwrap(),
        "--bars",
        "16",
        "--format",
        "f32",
    ]);
    assert!(ok, "{err}");
    assert!(!err.contains("warning"), "{err}");
    let read = |name: &str| -> Vec<f32> {
        hound::WavReader::open(stems.join(name))
            .unwrap()
            .into_samples::<f32>()
            .map(|s| s.unwrap())
            .collect()
    };
    let mix = read("mix.wav");
    let mut sum = vec![0f32; mix.len()];
    let mut count = 0;
    for entry in std::fs::read_dir(&stems).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name != "mix.wav" {
            count += 1;
            for (s, x) in sum.iter_mut().zip(read(&name)) {
                *s += x;
            }
        }
    }
    assert_eq!(
        count, 7,
        "drums, percussion, log drum, keys, pad, bass and vocals (16 bars have no riser)"
    );
    let error: f64 = mix
        .iter()
        .zip(&sum)
        .map(|(m, s)| f64::from(m - s).powi(2))
        .sum();
    let signal: f64 = mix.iter().map(|m| f64::from(*m).powi(2)).sum();
    let error_db = 10.0 * (error / signal).log10();
    assert!(
        error_db < -60.0,
        "stems sum to the mix within {error_db:.1} dB"
    );
}

#[test]
fn every_shipped_preset_checks_and_round_trips() {
    let registry = yano_registry::registry();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("graphs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let (ok, out, err) = yano(&["check", path.to_str().unwrap()]);
        assert!(ok && out.contains(": ok:"), "{}: {err}", path.display());
        let first = yano_engine::preset::load_preset(&path, &registry).unwrap();
        let text = yano_engine::preset::preset_text(&first);
        let second = yano_engine::preset::parse_preset(&text, &registry, path.parent()).unwrap();
        assert_eq!(
            yano_engine::preset::preset_text(&second),
            text,
            "{}",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 8, "{checked} presets");
}
