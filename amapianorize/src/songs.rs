//! Songs that are not amapiano, composed and rendered by the project with everything about them
//! known: the tempo, every chord, every sung note, and each instrument's exact stem. They are
//! the measuring material of amapianorize's tests, its example and its benchmark: a 90 BPM
//! hip-hop groove and a 128 BPM four-on-the-floor house groove, both straight (no swing), with
//! no log drum and no shakers, under a sung line.

use std::sync::Arc;

use yano_engine::clip::Note;
use yano_engine::syllable::Syllable;
use yano_engine::Registry;
use yano_generator::compose::Track;
use yano_generator::export::render_with_stems;
use yano_generator::form::{Line, Part, Section};
use yano_generator::prompt::Style;
use yano_generator::vocals::VocalParts;
use yano_generator::{build, GenerateError, Request};
use yano_music::{Chord, Key};

/// The drum pattern under a song.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Groove {
    /// Kick on 1, the "a" of 2 and the "and" of 3; clap on 2 and 4; hats on the 8ths.
    HipHop,
    /// Kick on every beat, clap on 2 and 4, open hats on the off-beats.
    FourOnTheFloor,
}

/// A song to amapianorize and what is known about it.
#[derive(Debug, Clone)]
pub struct Song {
    pub bpm: f64,
    pub key: Key,
    /// One chord a bar, repeating.
    pub progression: Vec<Chord>,
    pub bars: u32,
    pub groove: Groove,
    /// The sung notes (beats from the song's start).
    pub vocal: Vec<Note>,
    pub track: Track,
}

impl Song {
    /// The chord sounding at a moment (seconds from the start), None before and after.
    pub fn chord_at(&self, seconds: f64) -> Option<Chord> {
        let bar = (seconds * self.bpm / 240.0).floor();
        if bar < 0.0 || bar >= f64::from(self.bars) {
            return None;
        }
        Some(self.progression[bar as usize % self.progression.len()])
    }

    /// Seconds of a beat.
    pub fn beat_seconds(&self) -> f64 {
        60.0 / self.bpm
    }

    /// Seconds the song's notes last (the render adds a tail).
    pub fn seconds(&self) -> f64 {
        f64::from(self.bars) * 4.0 * self.beat_seconds()
    }
}

/// A rendered song: the mix and each instrument's exact stem (they sum to the mix), named as
/// yano's separator names its stems (vocals, piano, bass, drums).
pub struct Rendered {
    pub mix: Vec<Vec<f32>>,
    pub stems: Vec<(String, Vec<Vec<f32>>)>,
}

fn note(pitch: u8, start: f64, length: f64, velocity: f32, syllable: &str) -> Note {
    Note {
        pitch,
        start_beats: start,
        length_beats: length,
        velocity,
        syllable: Syllable::new(syllable).unwrap_or(Syllable::NONE),
    }
}

/// The pitch of `pc` nearest above `floor` (MIDI).
fn above(pc: u8, floor: u8) -> u8 {
    floor + (pc + 12 - floor % 12) % 12
}

/// Composes a song: `progression` a chord a bar for `bars` bars at `bpm` in `key` over
/// `groove`, sung in whole phrases of two bars (a long note on the chord's root, one on its
/// third, one on its fifth, then a rest), so every note has a clear start and a steady middle.
pub fn song(bpm: f64, key: Key, progression: &[&str], bars: u32, groove: Groove) -> Song {
    let progression: Vec<Chord> = progression
        .iter()
        .map(|s| Chord::parse_symbol(s).expect("the songs' chords are written correctly"))
        .collect();
    let mut drums = Vec::new();
    let mut keys = Vec::new();
    let mut bass = Vec::new();
    let mut vocal = Vec::new();
    for bar in 0..bars {
        let b = f64::from(bar) * 4.0;
        let chord = progression[bar as usize % progression.len()];
        let tones: Vec<u8> = chord
            .quality
            .intervals()
            .iter()
            .map(|i| chord.root + i)
            .collect();
        let (kicks, claps, hats): (&[f64], &[f64], Vec<f64>) = match groove {
            Groove::HipHop => (
                &[0.0, 1.75, 2.5],
                &[1.0, 3.0],
                (0..8).map(|i| f64::from(i) * 0.5).collect(),
            ),
            Groove::FourOnTheFloor => (
                &[0.0, 1.0, 2.0, 3.0],
                &[1.0, 3.0],
                (0..4).map(|i| f64::from(i) + 0.5).collect(),
            ),
        };
        drums.extend(kicks.iter().map(|t| note(36, b + t, 0.25, 0.9, "")));
        drums.extend(claps.iter().map(|t| note(39, b + t, 0.25, 0.75, "")));
        drums.extend(hats.iter().map(|t| note(46, b + t, 0.1, 0.45, "")));
        // Keys: the chord in close position from C4 up, on beats 1 and 3.
        for t in [0.0, 2.0] {
            for pc in &tones {
                keys.push(note(above(pc % 12, 60), b + t, 1.9, 0.6, ""));
            }
        }
        // Bass: the root, on beats 1 and 3.
        for t in [0.0, 2.0] {
            bass.push(note(above(chord.root, 36), b + t, 1.8, 0.8, ""));
        }
        // The sung line: root, third, fifth of the bar's chord over two bars, then a rest.
        if bar % 2 == 0 {
            let sing = |k: usize| above(tones[k.min(tones.len() - 1)] % 12, 62);
            vocal.push(note(sing(0), b, 1.5, 0.8, "la"));
            vocal.push(note(sing(1), b + 2.0, 1.5, 0.8, "na"));
            vocal.push(note(sing(2), b + 4.0, 2.5, 0.8, "oh"));
        }
    }
    let mut request = Request::plain(Style::PrivateSchool, key, bpm, bars.max(16), 1);
    request.bars = bars;
    request.swing = 0.5;
    request.parts = vec![Part::Drums, Part::Keys, Part::Bass, Part::Vocals];
    request.vocals = VocalParts::SUNG;
    let all = vec![(1, bars)];
    let track = Track {
        request,
        sections: vec![Section {
            name: "drop_1",
            first_bar: 1,
            last_bar: bars,
            energy: 1.0,
        }],
        chords: Vec::new(),
        lines: vec![
            (Line::Kick, drums, all.clone()),
            (Line::Chords, keys, all.clone()),
            (Line::Bass, bass, all.clone()),
            (Line::VocalHook, vocal.clone(), all),
        ],
    };
    Song {
        bpm,
        key,
        progression,
        bars,
        groove,
        vocal,
        track,
    }
}

/// The 90 BPM hip-hop song in A minor: Am F C G.
pub fn hip_hop(bars: u32) -> Song {
    song(
        90.0,
        Key::parse("A minor").expect("a key"),
        &["Am", "F", "C", "G"],
        bars,
        Groove::HipHop,
    )
}

/// The 128 BPM house song in E minor: Em C G D.
pub fn house(bars: u32) -> Song {
    song(
        128.0,
        Key::parse("E minor").expect("a key"),
        &["Em", "C", "G", "D"],
        bars,
        Groove::FourOnTheFloor,
    )
}

/// Renders a song with its exact stems at 48 kHz, `tail` seconds after its last bar.
pub fn render(song: &Song, registry: Arc<Registry>, tail: f64) -> Result<Rendered, GenerateError> {
    let mut graph = build::graph(&song.track, &registry)?;
    // A dry vocal, as a song's vocal stem usually is: a little room, no long hall.
    if graph.node("vocals_reverb").is_some() {
        graph
            .set_param("vocals_reverb", "mix", 0.05.into(), &registry)
            .map_err(|e| GenerateError::Graph(e.to_string()))?;
    }
    let mixdown = render_with_stems(&graph, song.seconds() + tail, registry, &mut |_| true)?;
    let stems = mixdown
        .stems
        .into_iter()
        .map(|(name, audio)| {
            let name = match name.as_str() {
                "keys" => "piano".to_string(),
                _ => name,
            };
            (name, vec![audio.left, audio.right])
        })
        .collect();
    Ok(Rendered {
        mix: vec![mixdown.mix.left, mixdown.mix.right],
        stems,
    })
}
