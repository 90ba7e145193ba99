//! Same seed, same bytes; different seeds, clearly different tracks.

mod common;

use std::collections::BTreeSet;

use common::*;
use yano_generator::form::Line;
use yano_generator::{compose, Options, Request, Track};

#[test]
fn the_same_prompt_and_seed_give_identical_files() {
    let prompt = "sgija in A minor, 114 bpm, 16 bars";
    let options = Options {
        seed: 11,
        ..Options::default()
    };
    let (a, _) = generate("same-a", prompt, options.clone());
    let (b, _) = generate("same-b", prompt, options);
    for f in [
        "track.wav",
        "stems/log_drum.wav",
        "stems/drums.wav",
        "track.mid",
        "track.ron",
    ] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(x == y, "{f} differs between two runs of one seed");
    }
    let (c, _) = generate(
        "same-c",
        prompt,
        Options {
            seed: 12,
            ..Options::default()
        },
    );
    assert_ne!(
        std::fs::read(a.join("track.wav")).unwrap(),
        std::fs::read(c.join("track.wav")).unwrap()
    );
    for dir in [a, b, c] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The steps (16ths from the start of the first drop, over 8 bars) where a line sounds.
fn steps(track: &Track, line: Line) -> BTreeSet<(Line, i64)> {
    let drop = track.sections.iter().find(|s| s.name == "drop_1").unwrap();
    let from = f64::from(drop.first_bar - 1) * 4.0;
    track
        .line(line)
        .unwrap_or(&[])
        .iter()
        .filter(|n| n.start_beats >= from - 0.1 && n.start_beats < from + 32.0)
        .map(|n| (line, ((n.start_beats - from) * 4.0).round() as i64))
        .collect()
}

/// Jaccard distance: the share of hits in either pattern that are not in both.
fn distance<T: Ord>(a: &BTreeSet<T>, b: &BTreeSet<T>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    1.0 - a.intersection(b).count() as f64 / union as f64
}

#[test]
fn ten_seeds_give_ten_different_tracks() {
    for style in ["amapiano", "private school", "sgija"] {
        let tracks: Vec<Track> = (1..=10)
            .map(|seed| {
                let (r, _) = Request::new(
                    &format!("{style}, 64 bars"),
                    &Options {
                        seed,
                        ..Options::default()
                    },
                )
                .unwrap();
                compose(&r)
            })
            .collect();
        // Grooves: log drum, percussion and fills over the first drop's 8 bars. The kick,
        // clap and shaker skeleton is the style's and the same in every seed, so it is left out.
        let grooves: Vec<BTreeSet<(Line, i64)>> = tracks
            .iter()
            .map(|t| {
                [Line::LogDrum, Line::Rim, Line::Congas, Line::Toms]
                    .iter()
                    .flat_map(|l| steps(t, *l))
                    .collect()
            })
            .collect();
        // Chords: the chord sounding at every beat of the song.
        let harmony: Vec<Vec<String>> = tracks
            .iter()
            .map(|t| {
                (0..t.request.bars * 4)
                    .map(|beat| {
                        let b = f64::from(beat);
                        t.chords
                            .iter()
                            .find(|c| c.start_beats <= b && b < c.start_beats + c.beats)
                            .map_or(String::new(), |c| c.symbol(t.request.key))
                    })
                    .collect()
            })
            .collect();
        let (mut min_groove, mut min_chords) = (1.0f64, 1.0f64);
        for i in 0..10 {
            for j in i + 1..10 {
                min_groove = min_groove.min(distance(&grooves[i], &grooves[j]));
                let differ = harmony[i]
                    .iter()
                    .zip(&harmony[j])
                    .filter(|(a, b)| a != b)
                    .count();
                if std::env::var("YANO_DEBUG").is_ok()
                    && (differ as f64 / harmony[i].len() as f64) < 0.2
                {
                    let prog = |k: usize| {
                        tracks[k]
                            .chords
                            .iter()
                            .take(8)
                            .map(|c| format!("{}:{}", c.symbol(tracks[k].request.key), c.beats))
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    println!("{} vs {}: {} | {}", i + 1, j + 1, prog(i), prog(j));
                }
                min_chords = min_chords.min(differ as f64 / harmony[i].len() as f64);
                assert_ne!(
                    harmony[i],
                    harmony[j],
                    "{style}: seeds {} and {} share their chords",
                    i + 1,
                    j + 1
                );
            }
        }
        println!("{style}: closest grooves {min_groove:.2} apart, closest chord sequences differ on {:.0} % of beats", 100.0 * min_chords);
        // Eight bars hold about 60 hits of these lines together; a listener hears another
        // groove when at least one hit a bar differs: 8 of 60, a distance of 0.13.
        assert!(
            min_groove >= 0.13,
            "{style}: two grooves only {min_groove:.2} apart"
        );
        // At least one two-beat chord in every 8-bar phrase differs: 2 beats of 32.
        assert!(
            min_chords >= 2.0 / 32.0,
            "{style}: two chord sequences differ on {:.0} % of beats",
            100.0 * min_chords
        );
    }
}
