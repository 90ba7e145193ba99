//! `separate(path, options)` from a script: a rendered tone separated into chosen stems under
//! the output folder; the files it names exist, have the input's length and sum back to it, and
//! an unknown stem is named.

use std::path::Path;
use std::sync::Arc;

use yano_scripting::{run, Limits, Sandbox};

const SCRIPT: &str = r#"
let g = graph(#{ bpm: 120.0 });
let osc = g.add("source.oscillator", #{ freq_hz: 110.0 });
let out = g.add("io.output");
g.connect(osc, "out", out, "in");
g.render("song.wav", #{ seconds: 2.0 });
separate("song.wav", #{ stems: ["bass", "vocals"], out: "parts" })
"#;

fn read(path: &Path) -> Vec<Vec<f32>> {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let full = (1i64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 / full)
                .collect()
        }
    };
    let n = usize::from(spec.channels);
    (0..n)
        .map(|c| samples.iter().skip(c).step_by(n).copied().collect())
        .collect()
}

#[test]
fn a_script_separates_a_file_into_the_stems_it_asks_for() {
    let out = yano_testkit::scratch("separating-tests", "chosen");
    let sandbox = Sandbox {
        output: Some(out.clone()),
        readable: Vec::new(),
        limits: Limits::default(),
    };
    let registry = Arc::new(yano_registry::registry());
    let value = run(
        "separate.rhai",
        SCRIPT,
        registry.clone(),
        sandbox,
        Vec::new(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let files = value.cast::<rhai::Map>();
    let mut names: Vec<String> = files.keys().map(|k| k.to_string()).collect();
    names.sort();
    assert_eq!(names, ["bass", "rest", "vocals"]);

    let song = read(&out.join("song.wav"));
    let mut sum = vec![vec![0.0f32; song[0].len()]; song.len()];
    for (stem, file) in &files {
        let file = file.clone().into_string().unwrap();
        assert_eq!(file, format!("parts/{stem}.wav"));
        let audio = read(&out.join(&file));
        assert_eq!(audio.len(), song.len(), "{stem}: channels");
        assert_eq!(audio[0].len(), song[0].len(), "{stem}: length");
        for (s, a) in sum.iter_mut().zip(&audio) {
            for (x, y) in s.iter_mut().zip(a) {
                *x += y;
            }
        }
    }
    let energy: f64 = song.iter().flatten().map(|v| f64::from(*v).powi(2)).sum();
    let error: f64 = sum
        .iter()
        .flatten()
        .zip(song.iter().flatten())
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum();
    assert!(energy > 1.0, "the tone was rendered ({energy})");
    assert!(
        10.0 * (error / energy).log10() < -60.0,
        "the stems sum back to the song"
    );
    assert!(out.join("parts/separation.json").is_file());

    let sandbox = Sandbox {
        output: Some(out.clone()),
        readable: Vec::new(),
        limits: Limits::default(),
    };
    let err = run(
        "bad.rhai",
        r#"separate("song.wav", #{ stems: ["kazoo"] })"#,
        registry.clone(),
        sandbox,
        Vec::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("kazoo") && err.contains("song.wav"), "{err}");

    // The stems' transcription takes a voice count by name, and names the choices when it is
    // not one (before any model is loaded).
    let sandbox = Sandbox {
        output: Some(out.clone()),
        readable: Vec::new(),
        limits: Limits::default(),
    };
    let err = run(
        "bad-voices.rhai",
        r#"transcribe("parts/bass.wav", #{ voices: "trio" })"#,
        registry,
        sandbox,
        Vec::new(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("trio")
            && err.contains("\"auto\", \"mono\" or \"poly\"")
            && err.contains("bass.wav"),
        "{err}"
    );
}
