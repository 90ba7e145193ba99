//! The example workflows in scripting/workflows, run as a user runs them, their outputs measured:
//! files exist with the right length, the tempo heard in the audio is the tempo asked for, the
//! saved presets hold what the script set.

#[path = "../../nodes/tests/common/tempo.rs"]
mod tempo;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yano_engine::preset::load_preset;
use yano_scripting::{run_file, Limits};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yano-workflow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run(workflow: &str, args: &[&str]) {
    let registry = Arc::new(yano_nodes::registry());
    let script = root().join("scripting/workflows").join(workflow);
    let args = args.iter().map(|a| a.to_string()).collect();
    if let Err(e) = run_file(&script, args, registry, Limits::default()) {
        panic!("{workflow} failed: {e}");
    }
}

/// Frames and the left channel of a WAV file.
fn read_wav(path: &Path) -> (u32, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
    let samples: Vec<f32> = r
        .samples::<i32>()
        .map(|s| s.unwrap() as f32 / scale)
        .collect();
    let left = samples
        .chunks(usize::from(spec.channels))
        .map(|c| c[0])
        .collect();
    (spec.sample_rate, left)
}

fn bars_long(bpm: f64, bars: f64, rate: u32) -> usize {
    (bars * 4.0 * 60.0 / bpm * f64::from(rate)).round() as usize
}

fn tempo_of(path: &Path) -> f64 {
    let (rate, left) = read_wav(path);
    let (strength, hop) = tempo::onset_strength(&left, f64::from(rate));
    tempo::tempo_from_onsets(&strength, hop)
}

#[test]
fn variations_render_each_variation_with_stems_at_the_tempo_asked() {
    let out = scratch("variations");
    let out_s = out.display().to_string();
    run(
        "variations.rhai",
        &[
            "--out", &out_s, "--count", "2", "--bars", "8", "--bpm", "111.0",
        ],
    );
    for v in 1..=2 {
        for name in ["", "-drums", "-log_drum", "-keys"] {
            let file = out.join(format!("variation-{v}{name}.wav"));
            let (rate, left) = read_wav(&file);
            assert_eq!(
                left.len(),
                bars_long(111.0, 8.0, rate),
                "{}",
                file.display()
            );
            let peak = left.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak > 0.01, "{} is silent", file.display());
        }
        let bpm = tempo_of(&out.join(format!("variation-{v}.wav")));
        assert!(
            (bpm - 111.0).abs() < 0.5,
            "variation {v} plays at {bpm:.2} BPM"
        );
    }
    // Each saved preset holds its own log drum line.
    let registry = yano_nodes::registry();
    let line = |v: usize| {
        let g = load_preset(&out.join(format!("variation-{v}.ron")), &registry).unwrap();
        g.node("logdrum_line").unwrap().params["pattern"]
            .as_text()
            .unwrap()
            .to_string()
    };
    assert_eq!(line(1), "X..x..x...x.x...");
    assert_eq!(line(2), "X..x..x...x..x.x");
}

#[test]
fn preset_stems_render_every_shipped_preset() {
    let out = scratch("stems");
    let (out_s, graphs) = (
        out.display().to_string(),
        root().join("graphs").display().to_string(),
    );
    run(
        "preset-stems.rhai",
        &["--read", &graphs, "--out", &out_s, "--bars", "2"],
    );
    let registry = yano_nodes::registry();
    let mut presets = 0;
    for entry in std::fs::read_dir(root().join("graphs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "ron") {
            continue;
        }
        presets += 1;
        let g = load_preset(&path, &registry).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let folder = out.join(&name);
        let (rate, left) = read_wav(&folder.join("mix.wav"));
        assert_eq!(left.len(), bars_long(g.transport.bpm, 2.0, rate), "{name}");
        let channels = g
            .nodes()
            .find(|(_, n)| n.kind == "mixer.console")
            .map_or(0, |(_, n)| {
                n.params
                    .get("channels")
                    .and_then(|v| v.as_number())
                    .unwrap_or(4.0) as usize
            });
        let files = std::fs::read_dir(&folder).unwrap().count();
        assert_eq!(
            files,
            1 + channels,
            "{name}: the mix and one stem per mixer channel"
        );
    }
    assert!(presets >= 5);
}

#[test]
fn the_tempo_sweep_renders_each_tempo_and_key() {
    let out = scratch("sweep");
    let (out_s, graphs) = (
        out.display().to_string(),
        root().join("graphs").display().to_string(),
    );
    run(
        "tempo-key-sweep.rhai",
        &[
            "--read", &graphs, "--out", &out_s, "--from", "108", "--to", "116", "--step", "4",
            "--bars", "16",
        ],
    );
    let registry = yano_nodes::registry();
    for (shift, bpm) in [108.0, 112.0, 116.0].into_iter().enumerate() {
        let stem = format!("sweep-{bpm}bpm-+{shift}st");
        let file = out.join(format!("{stem}.wav"));
        let (rate, left) = read_wav(&file);
        assert_eq!(left.len(), bars_long(bpm, 16.0, rate), "{stem}");
        let heard = tempo_of(&file);
        assert!((heard - bpm).abs() < 0.5, "{stem} plays at {heard:.2} BPM");
        let g = load_preset(&out.join(format!("{stem}.ron")), &registry).unwrap();
        let transpose = |id: &str| {
            g.node(id)
                .unwrap()
                .params
                .get("transpose_st")
                .and_then(|v| v.as_number())
        };
        assert_eq!(
            transpose("stabs"),
            Some(shift as f64),
            "{stem}: pitched lines move a semitone a step"
        );
        assert_eq!(transpose("kick"), None, "drum lines keep their notes");
    }
}
