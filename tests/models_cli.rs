//! `yano models …` and `yano transcribe` as a user runs them. The transcription checks need
//! basic-pitch fetched; where it is not, they say so and stop (CI fetches it and sets
//! YANO_REQUIRE_MODELS=1, which turns that into a failure).

use std::path::{Path, PathBuf};

mod common;
use common::yano;

fn temp(name: &str) -> PathBuf {
    yano_testkit::scratch_path("models-cli-tests", name)
}

#[test]
fn models_list_names_each_model_with_its_licence_and_source() {
    let (ok, out, err) = yano(&["models", "list"]);
    assert!(ok, "{err}");
    for needle in [
        "basic-pitch",
        "[transcription]",
        "Apache-2.0",
        "PyPI basic-pitch 0.4.0",
        "onnxruntime",
        "present",
        "backends: tract",
    ] {
        assert!(out.contains(needle), "no {needle:?} in:\n{out}");
    }
}

#[test]
fn unknown_names_and_backends_are_refused_with_what_is_known() {
    let (ok, _, err) = yano(&["models", "fetch", "whisper"]);
    assert!(!ok);
    assert!(
        err.contains("no model named \"whisper\"")
            && err.contains("basic-pitch, yano-separator, yano-chords, yano-style, onnxruntime"),
        "{err}"
    );
    let (ok, _, err) = yano(&["--backend", "cuda", "models", "list"]);
    assert!(!ok);
    assert!(err.contains("unknown backend \"cuda\""), "{err}");
    let (ok, _, err) = yano(&[
        "--backend",
        "native:/nowhere/libonnxruntime.so",
        "models",
        "bench",
        "basic-pitch",
        "--in-process",
    ]);
    assert!(!ok);
    assert!(err.contains("/nowhere/libonnxruntime.so"), "{err}");
}

#[test]
fn bad_audio_is_named_before_any_model_is_loaded() {
    let (ok, _, err) = yano(&["transcribe", "no-such-bassline.wav"]);
    assert!(!ok);
    assert!(err.contains("no-such-bassline.wav"), "{err}");
    let text = temp("notes.wav");
    std::fs::write(&text, "not audio at all").unwrap();
    let (ok, _, err) = yano(&["transcribe", text.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("notes.wav") && !err.contains("panicked"),
        "{err}"
    );
}

fn basic_pitch_or_skip(test: &str) -> bool {
    let (_, out, _) = yano(&["models", "list"]);
    let here = out
        .split("\n\n")
        .find(|block| block.starts_with("basic-pitch"))
        .is_some_and(|block| block.contains("present  yes"));
    yano_testkit::runs(test, yano_testkit::Need::Model("basic-pitch"), here)
}

#[test]
fn transcribe_writes_json_and_a_midi_file_of_the_bassline() {
    if !basic_pitch_or_skip("transcribe_writes_json_and_a_midi_file_of_the_bassline") {
        return;
    }
    let mid = temp("bassline.mid");
    let flac = Path::new("graphs/audio/bassline-fm-113.flac");
    let (ok, out, err) = yano(&[
        "transcribe",
        flac.to_str().unwrap(),
        "--mono",
        "--json",
        "--bpm",
        "113",
        "-o",
        mid.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        err.contains("notes from 17.0 s of audio") && err.contains("on tract"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["backend"], "tract");
    let notes = v["notes"].as_array().unwrap();
    // The riff: F1 F1 Ab1 C2 Eb2 C2 | Db2 Db2 C2 Bb1 Ab1 G1, four times (legato repeats merge).
    assert!((36..=52).contains(&notes.len()), "{} notes", notes.len());
    assert_eq!(notes[0]["pitch"], 29);
    assert_eq!(notes[0]["name"], "F1");
    assert!(notes[0]["start"].as_f64().unwrap() < 0.03);
    let pitches: std::collections::BTreeSet<u64> =
        notes.iter().map(|n| n["pitch"].as_u64().unwrap()).collect();
    assert!(
        pitches
            .iter()
            .all(|p| [29, 31, 32, 34, 36, 37, 39].contains(p)),
        "{pitches:?}"
    );
    // The MIDI file holds the same notes at 113 BPM: 480 ticks a beat.
    let bytes = std::fs::read(&mid).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let mut tick = 0u64;
    let mut ons = Vec::new();
    for e in &smf.tracks[0] {
        tick += u64::from(e.delta.as_int());
        if let midly::TrackEventKind::Midi {
            message: midly::MidiMessage::NoteOn { key, .. },
            ..
        } = e.kind
        {
            ons.push((tick, key.as_int()));
        }
    }
    assert_eq!(ons.len(), notes.len());
    let second = &notes[1];
    let expect_tick = (second["start"].as_f64().unwrap() * 113.0 / 60.0 * 480.0).round() as u64;
    assert_eq!(
        ons[1],
        (expect_tick, second["pitch"].as_u64().unwrap() as u8)
    );
    assert_eq!(v["voices"], "mono");
    // Without --mono the bassline is heard as one line and decoded as one: the same notes.
    let (ok, out, err) = yano(&["transcribe", flac.to_str().unwrap(), "--json"]);
    assert!(
        ok && err.contains("mono decoding, chosen: polyphony"),
        "{err}"
    );
    let default: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(default["voices"], "mono");
    assert!(default["polyphony"].as_f64().unwrap() < 0.1);
    assert_eq!(default["notes"], v["notes"]);
    let (ok, out, _) = yano(&[
        "transcribe",
        flac.to_str().unwrap(),
        "--json",
        "--voices",
        "poly",
    ]);
    assert!(ok);
    let poly: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(poly["voices"], "poly");
    let (ok, _, err) = yano(&["transcribe", flac.to_str().unwrap(), "--voices", "trio"]);
    assert!(!ok && err.contains("trio") && err.contains("auto"), "{err}");
}
