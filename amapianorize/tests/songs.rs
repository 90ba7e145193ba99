//! Amapianorize measured on songs the project made and knows everything about (its songs
//! module): a 90 BPM hip-hop song and a 128 BPM house song, each with a sung line, chords known,
//! rendered by yano's instruments and through the General MIDI soundfont. The song's true stems
//! stand in for the separator where the warp alone is measured; the separator is in the loop in
//! its own test.
//!
//! What is measured comes from outside the code under test: the notes that were sung (their
//! pitch and onsets measured in the song's own vocal stem by YIN and an energy envelope), the
//! chords that were played, and `yano analyze`'s reading of the output.

mod common;

use std::io::Write;

use common::{chords_match, report, run, vocal_figures, Run};
use yano_amapianorize::songs::{self, Song};
use yano_amapianorize::Options;

/// Everything the issue measures, the true stems standing in for the separator.
fn check(r: &Run, name: &str, target_bpm: f64) {
    let report = report(r);
    assert_eq!(r.done.plan.target_bpm, target_bpm, "{name}: target tempo");
    let out = &r.done.output;
    assert!(
        (out.bpm - target_bpm).abs() <= 0.1,
        "{name}: the output reads {} BPM, the target is {target_bpm}",
        out.bpm
    );
    let m = &out.amapiano;
    assert!(
        m.tempo.holds && m.log_drum.holds && m.shaker.holds && m.swing.holds,
        "{name}: markers: {}",
        m.summary
    );
    assert!(r.done.warnings.is_empty(), "{name}: {:?}", r.done.warnings);
    let (sdr, cents, ms) = vocal_figures(r);
    let chords = chords_match(r);
    eprintln!(
        "{name}: target {target_bpm} BPM, output reads {} BPM; vocal SDR {sdr:.1} dB, worst pitch \
         change {cents:.1} cents, worst onset {ms:.1} ms; chords match on {:.1} % of beats; \
         seconds {}",
        out.bpm,
        100.0 * chords,
        report["seconds"]
    );
    assert!(sdr >= 15.0, "{name}: vocal SDR {sdr:.1} dB");
    assert!(cents <= 10.0, "{name}: a sung note moved {cents:.1} cents");
    assert!(
        ms <= 20.0,
        "{name}: a sung note starts {ms:.1} ms from its place"
    );
    assert!(
        chords >= 0.8,
        "{name}: chords match on {:.1} % of beats",
        100.0 * chords
    );
    // The files a user gets, and a graph that plays the kept vocal from its file.
    for f in [
        "track.wav",
        "track.mid",
        "track.ron",
        "track.json",
        "stems/vocals.wav",
        "stems/log_drum.wav",
        "sources/vocals.wav",
    ] {
        assert!(r.out.join(f).is_file(), "{name}: {f} is missing");
    }
    let ron = std::fs::read_to_string(r.out.join("track.ron")).unwrap();
    assert!(
        ron.contains("sources/vocals.wav"),
        "{name}: the graph plays the kept vocals"
    );
    // The graph renders to the track's samples (track.wav is 24-bit: within its step).
    let registry = common::registry();
    let graph = yano_engine::preset::load_preset(&r.out.join("track.ron"), &registry).unwrap();
    let (_, track) = yano_testkit::read_wav(&r.out.join("track.wav"));
    let again = yano_engine::render::render(
        &graph,
        registry,
        yano_engine::render::RenderOptions {
            seconds: track[0].len() as f64 / 48_000.0,
            block_size: 128,
            inference_threads: 1,
            ..Default::default()
        },
    )
    .unwrap();
    let worst = track[0]
        .iter()
        .zip(&again.left)
        .chain(track[1].iter().zip(&again.right))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= 2.0 / 8_388_608.0,
        "{name}: track.ron renders {worst:e} away from track.wav"
    );
}

fn check_song(song: Song, name: &str, target_bpm: f64) {
    let r = run(song, name, true, Options::default());
    check(&r, name, target_bpm);
}

#[test]
fn a_90_bpm_hip_hop_song_becomes_amapiano_at_112() {
    check_song(songs::hip_hop(16), "hip_hop", 112.0);
}

#[test]
fn a_128_bpm_house_song_becomes_amapiano_at_114() {
    check_song(songs::house(16), "house", 114.0);
}

#[test]
fn with_the_separator_in_the_loop_the_groove_and_the_harmony_still_hold() {
    let name = "hip_hop_separated";
    let r = run(songs::hip_hop(16), name, false, Options::default());
    let out = &r.done.output;
    assert!(
        (out.bpm - 112.0).abs() <= 0.1,
        "{name}: reads {} BPM",
        out.bpm
    );
    let m = &out.amapiano;
    assert!(
        m.tempo.holds && m.log_drum.holds && m.shaker.holds && m.swing.holds,
        "{name}: markers: {}",
        m.summary
    );
    let chords = chords_match(&r);
    assert!(
        chords >= 0.8,
        "{name}: chords match on {:.1} %",
        100.0 * chords
    );
    // Reported, not required: yano's separator leaves most of a vocal in the other stems.
    let (sdr, _) = common::vocal_sdr(&r);
    let _ = writeln!(
        std::io::stderr().lock(),
        "FIGURE {name}: the kept vocal through the separator, {sdr:.1} dB SDR"
    );
    assert_eq!(r.done.report["stems_from"], "yano-separator");
    // A kept vocal the separator lost is said, not passed over.
    if sdr < 0.0 {
        assert!(
            r.done.warnings.iter().any(|w| w.contains("\"vocals\"")),
            "{name}: no warning for a lost vocal: {:?}",
            r.done.warnings
        );
    }
}

#[test]
fn general_midi_renders_of_the_songs_become_amapiano() {
    let test = "general_midi_renders_of_the_songs_become_amapiano";
    if !yano_testkit::runs(
        test,
        yano_testkit::Need::Program("fluidsynth"),
        yano_testkit::fluidsynth_present(),
    ) {
        return;
    }
    for (song, name, bpm) in [
        (songs::hip_hop(16), "hip_hop_gm", 112.0),
        (songs::house(16), "house_gm", 114.0),
    ] {
        let rendered = common::general_midi(&song, name);
        let r = common::run_rendered(song, rendered, name, true, Options::default());
        check(&r, name, bpm);
    }
}
