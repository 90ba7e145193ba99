//! graphs/amapianorize-a-song.ron, the amapianorize workflow built from ordinary nodes (song →
//! separator → warp; song → tempo, chords and key analyses → the arrangement following them →
//! instruments → console), rendered offline and heard by the analysis: the session's 112 BPM,
//! the amapiano markers, and the song's own chords (Am F C G, one a bar at 90 BPM) under the new
//! lines.

use std::path::Path;
use std::sync::Arc;

use yano_analysis::{analyze_with, default_readers, measure_clip, Settings};
use yano_engine::clip::AudioClip;
use yano_engine::preset::load_preset;
use yano_engine::render::{render, RenderOptions};
use yano_music::Chord;

#[test]
fn the_amapianorize_graph_plays_the_songs_chords_as_amapiano() {
    let registry = Arc::new(yano_registry::registry());
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphs/amapianorize-a-song.ron");
    let graph = load_preset(&path, &registry).unwrap_or_else(|e| panic!("{e}"));
    let seconds = 20.0;
    let mix = render(
        &graph,
        registry,
        RenderOptions {
            seconds,
            block_size: 128,
            inference_threads: 2,
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(mix.clip_misses, 0, "every clip was ready when it played");
    let clip = AudioClip {
        sample_rate: mix.sample_rate,
        channels: vec![mix.left.clone(), mix.right.clone()],
    };
    let report = analyze_with(
        measure_clip(&clip).unwrap(),
        &Settings::default(),
        &default_readers(),
    )
    .unwrap();
    assert!(
        (report.bpm - 112.0).abs() <= 0.1,
        "the graph's render reads {} BPM",
        report.bpm
    );
    let m = &report.amapiano;
    assert!(
        m.tempo.holds && m.log_drum.holds && m.shaker.holds && m.swing.holds,
        "markers: {}",
        m.summary
    );
    // The song's bars (2.667 s at 90 BPM) land 2.143 s apart at 112: the chord of each new bar
    // is the song's chord of that bar, Am F C G in turn.
    let bar = 240.0 / 112.0;
    let song: Vec<Chord> = ["Am", "F", "C", "G"]
        .iter()
        .map(|s| Chord::parse_symbol(s).unwrap())
        .collect();
    let (mut hits, mut total) = (0, 0);
    for b in 0..8 {
        for beat in 0..4 {
            let t = (f64::from(b) + (f64::from(beat) + 0.5) / 4.0) * bar;
            let truth = song[b as usize % 4];
            total += 1;
            let heard = report
                .chords
                .iter()
                .find(|c| c.start <= t && t < c.end)
                .and_then(|c| c.chord);
            if heard
                .is_some_and(|h| h.root == truth.root && h.quality.triad() == truth.quality.triad())
            {
                hits += 1;
            }
        }
    }
    assert!(
        f64::from(hits) >= 0.8 * f64::from(total),
        "the graph's chords match the song's on {hits} of {total} beats"
    );
}
