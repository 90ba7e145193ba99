//! `model.separate` as a graph node: the compiler puts it on the inference workers beside the file
//! decoder, and its stems, each played by a clip player and summed at a mixer, give back the file
//! as played directly (the stems sum to the input), whatever the model learned.

use std::path::Path;
use std::sync::Arc;

use yano_engine::render::{render, RenderOptions, Rendered};
use yano_engine::Compiler;

const RATE: u32 = 48_000;

/// A 3-second stereo test file: a chord of sines on the left, the same plus noise bursts on the
/// right (the truth is this file itself).
fn write_song(path: &Path) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let mut noise = 0x1234_5678u32;
    for i in 0..3 * RATE as usize {
        let t = i as f32 / RATE as f32;
        let tone: f32 = [110.0f32, 220.0, 330.0, 523.25]
            .iter()
            .map(|f| 0.1 * (std::f32::consts::TAU * f * t).sin())
            .sum();
        noise ^= noise << 13;
        noise ^= noise >> 17;
        noise ^= noise << 5;
        let burst = if (t * 4.0).fract() < 0.1 {
            0.3 * (noise as f32 / u32::MAX as f32 - 0.5)
        } else {
            0.0
        };
        w.write_sample(tone).unwrap();
        w.write_sample(tone + burst).unwrap();
    }
    w.finalize().unwrap();
}

fn preset(players: &str, edges: &str) -> String {
    format!(
        r#"(version: 1, transport: (bpm: 120.0, sample_rate: {RATE}, swing: 0.5),
    nodes: [(id: "song", kind: "source.file", params: {{"file": "song.wav"}}), {players}
            (id: "out", kind: "io.output")],
    edges: [{edges}])"#
    )
}

fn play(dir: &Path, text: &str, registry: &Arc<yano_engine::Registry>) -> (Rendered, usize) {
    let graph = yano_engine::preset::parse_preset(text, registry, Some(dir)).unwrap();
    let jobs = Compiler::new(registry.clone(), 128)
        .compile(&graph)
        .unwrap()
        .stats
        .inference_jobs;
    let options = RenderOptions {
        seconds: 3.0,
        ..RenderOptions::default()
    };
    (render(&graph, registry.clone(), options).unwrap(), jobs)
}

#[test]
fn the_stems_of_the_node_played_together_give_back_the_file() {
    let dir = std::env::temp_dir().join(format!("yano-separate-node-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_song(&dir.join("song.wav"));
    let registry = Arc::new(yano_registry::registry());

    let (direct, _) = play(
        &dir,
        &preset(
            r#"(id: "player", kind: "clip.player", params: {"loop": "off", "start_bar": 1.0}),"#,
            r#"("song.clip", "player.clip"), ("player.out", "out.in")"#,
        ),
        &registry,
    );
    let stems = yano_separate::STEMS;
    let mut players = String::from(
        r#"(id: "separate", kind: "model.separate"), (id: "mix", kind: "util.mix", params: {"inputs": 7.0}),"#,
    );
    let mut edges = String::from(r#"("song.clip", "separate.audio"), ("mix.out", "out.in"),"#);
    for (i, stem) in stems.iter().enumerate() {
        players.push_str(&format!(
            r#"(id: "{stem}", kind: "clip.player", params: {{"loop": "off", "start_bar": 1.0}}),"#
        ));
        edges.push_str(&format!(
            r#"("separate.{stem}", "{stem}.clip"), ("{stem}.out", "mix.in_{}"),"#,
            i + 1
        ));
    }
    let (separated, jobs) = play(&dir, &preset(&players, &edges), &registry);
    assert_eq!(
        jobs, 2,
        "the file decoder and the separator run on the workers"
    );
    assert_eq!(separated.clip_misses, 0);

    let energy = |x: &[f32]| x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>();
    let signal = energy(&direct.left) + energy(&direct.right);
    assert!(signal > 1.0, "the direct render plays the file ({signal})");
    let error: f64 = direct
        .left
        .iter()
        .zip(&separated.left)
        .chain(direct.right.iter().zip(&separated.right))
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum();
    let error_db = 10.0 * (error.max(1e-30) / signal).log10();
    assert!(
        error_db < -60.0,
        "the stems sum back to the file within {error_db:.1} dB"
    );
    std::fs::remove_dir_all(&dir).ok();
}
