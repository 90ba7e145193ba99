//! `amapianorize(path, options)` from a script: the issue's second example (private school,
//! intensity 0.6, vocals and piano kept, 110 BPM, seed 3) on a 90 BPM hip-hop song the project
//! made, through yano's separator. The target tempo, the files, the kept stems in the graph, the
//! song's other stems faded by the intensity, and no new keys where the song's piano is kept.

use std::sync::Arc;

use yano_amapianorize::songs;
use yano_scripting::{run, Limits, Sandbox};

const SCRIPT: &str = r#"
amapianorize("song.wav", #{
    style: "private_school", intensity: 0.6, keep: ["vocals", "piano"], bpm: 110, seed: 3,
    out: "remix"
})
"#;

#[test]
fn a_script_amapianorizes_a_song_keeping_what_it_asks_for() {
    let out = yano_testkit::scratch("amapianorizing-tests", "script");
    let registry = Arc::new(yano_registry::registry());
    let song = songs::hip_hop(4);
    let rendered = songs::render(&song, registry.clone(), 1.0).unwrap();
    yano_separate::files::write_float_wav(&out.join("song.wav"), &rendered.mix, 48_000).unwrap();
    let sandbox = Sandbox {
        output: Some(out.clone()),
        readable: Vec::new(),
        limits: Limits::default(),
    };
    let value =
        run("remix.rhai", SCRIPT, registry, sandbox, Vec::new()).unwrap_or_else(|e| panic!("{e}"));
    let result = value.cast::<rhai::Map>();
    assert_eq!(result["bpm"].as_float().unwrap(), 110.0);
    assert_eq!(result["key"].clone().into_string().unwrap(), "A minor");
    for key in ["track", "report", "graph"] {
        let file = result[key].clone().into_string().unwrap();
        assert!(file.starts_with("remix/"), "{file}");
        assert!(out.join(&file).is_file(), "{file} is missing");
    }
    let graph = std::fs::read_to_string(out.join("remix/track.ron")).unwrap();
    for file in [
        "sources/vocals.wav",
        "sources/piano.wav",
        "sources/song_bass.wav",
    ] {
        assert!(graph.contains(file), "the graph does not play {file}");
    }
    // The song's piano is kept, so no new keys play; the new bass and pad do (intensity ≥ 0.5).
    assert!(
        !graph.contains("\"instrument.keys\""),
        "new keys beside the kept piano"
    );
    assert!(graph.contains("\"instrument.bass\""));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("remix/report.json")).unwrap())
            .unwrap();
    assert_eq!(report["style"], "private_school");
    assert_eq!(report["tempo"]["target_bpm"], 110.0);
    let fade = report["song_stems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "song_bass")
        .unwrap()["gain_db"]
        .as_f64()
        .unwrap();
    let kept = report["song_stems"][0]["gain_db"].as_f64().unwrap();
    // 1 − 0.6 of the level: −8.0 dB below the kept stems (rounded to 0.1 dB).
    assert!(
        (kept - fade - 8.0).abs() < 0.11,
        "faded by {} dB",
        kept - fade
    );
}
