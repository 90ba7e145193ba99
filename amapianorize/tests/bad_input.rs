//! Amapianorize given songs it cannot take as they are: silence, a clip too short for two bars,
//! options out of range, a piece with no steady beat (a rubato piano), a 10-second clip and a
//! 10-minute song. Each gets a named error or a sensible result.

mod common;

use common::registry;
use yano_amapianorize::songs;
use yano_amapianorize::{amapianorize, AmapianorizeError, Options, Stems};
use yano_audio_io::decode::DecodedAudio;
use yano_engine::clip::Note;
use yano_engine::syllable::Syllable;
use yano_generator::form::{Line, Part, Section};
use yano_music::Key;
use yano_testkit::scratch;

fn song(channels: Vec<Vec<f32>>) -> DecodedAudio {
    DecodedAudio {
        sample_rate: 48_000,
        channels,
    }
}

#[test]
fn silence_a_short_clip_and_bad_options_get_named_errors() {
    let out = scratch("amapianorize", "bad");
    let try_with = |channels: Vec<Vec<f32>>, options: &Options| {
        amapianorize(
            "song.wav",
            song(channels),
            Stems::Separate,
            &out,
            options,
            registry(),
            &mut |_, _| true,
        )
    };
    let plain = Options::default();
    let e = try_with(vec![vec![0.0; 48_000 * 20]; 2], &plain).unwrap_err();
    assert!(matches!(e, AmapianorizeError::Silent { .. }), "{e}");
    assert!(e.to_string().contains("song.wav is silent"), "{e}");
    let e = try_with(vec![vec![0.1; 48_000 * 3]; 2], &plain).unwrap_err();
    assert!(e.to_string().contains("3.0 s long"), "{e}");
    let loud = vec![vec![0.1; 48_000 * 10]];
    for (options, named) in [
        (
            Options {
                intensity: 1.5,
                ..Options::default()
            },
            "--intensity 1.5",
        ),
        (
            Options {
                bpm: Some(300.0),
                ..Options::default()
            },
            "--bpm 300",
        ),
        (
            Options {
                keep: vec!["voice".into()],
                ..Options::default()
            },
            "--keep voice: no such stem",
        ),
    ] {
        let e = try_with(loud.clone(), &options).unwrap_err();
        assert!(e.to_string().contains(named), "{e}");
    }
}

/// A rubato piano piece: chords whose spacing swells and shrinks by up to a third, with no
/// drums, so no steady beat can be found.
fn rubato_piano() -> songs::Song {
    let mut s = songs::song(
        72.0,
        Key::parse("D minor").unwrap(),
        &["Dm", "Bb", "F", "C"],
        12,
        songs::Groove::HipHop,
    );
    let mut at = 0.0;
    let mut notes = Vec::new();
    for k in 0..48 {
        let chord = s.progression[(k / 4) % 4];
        for i in chord.quality.intervals() {
            notes.push(Note {
                pitch: 57 + (chord.root + 12 - 9) % 12 + i,
                start_beats: at,
                length_beats: 1.5,
                velocity: 0.5 + 0.3 * ((k as f32) * 0.7).sin().abs(),
                syllable: Syllable::NONE,
            });
        }
        at += 1.0 + 0.33 * ((k as f64) * 0.9).sin();
    }
    s.track.lines = vec![(Line::Chords, notes, vec![(1, s.bars)])];
    s.track.request.parts = vec![Part::Keys];
    s.track.sections = vec![Section {
        name: "drop_1",
        first_bar: 1,
        last_bar: s.bars,
        energy: 1.0,
    }];
    s
}

#[test]
fn a_rubato_piano_piece_a_10_second_clip_and_a_10_minute_song_give_tracks() {
    let registry = registry();
    let piano = rubato_piano();
    let clip = songs::hip_hop(4);
    let long = songs::house(320);
    for (song, name, keep) in [
        (piano, "rubato", "piano"),
        (clip, "ten_seconds", "vocals"),
        (long, "ten_minutes", "vocals"),
    ] {
        let rendered = songs::render(&song, registry.clone(), 1.0).expect("renders");
        let seconds = rendered.mix[0].len() as f64 / 48_000.0;
        let out = scratch("amapianorize", name);
        let options = Options {
            keep: vec![keep.into()],
            ..Options::default()
        };
        let done = amapianorize(
            name,
            song_of(rendered.mix.clone()),
            Stems::Given(rendered.stems.clone()),
            &out,
            &options,
            registry.clone(),
            &mut |_, _| true,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let target = done.plan.target_bpm;
        assert!((112.0..=114.0).contains(&target), "{name}: {target} BPM");
        // The whole song is in the new track, and the new track is amapiano.
        let end = done.map.target_of(seconds - 1.0);
        assert!(
            f64::from(done.map.bars) * 240.0 / target >= end,
            "{name}: the song ends at {end:.1} s, after the track's {} bars",
            done.map.bars
        );
        assert!(
            (done.output.bpm - target).abs() <= 0.1,
            "{name}: the output reads {} BPM for {target}",
            done.output.bpm
        );
        assert!(
            out.join(format!("sources/{keep}.wav")).is_file(),
            "{name}: the kept {keep}"
        );
        eprintln!(
            "{name}: {seconds:.1} s at {:.1} BPM (steady: {}), {} beats followed → {} bars at \
             {target}; output {:.2} BPM, {}",
            done.source.bpm,
            done.source.tempo_steady,
            done.map.anchors.len(),
            done.map.bars,
            done.output.bpm,
            done.output.amapiano.summary
        );
    }
}

fn song_of(channels: Vec<Vec<f32>>) -> DecodedAudio {
    song(channels)
}
