//! The chord model's training set: N grooves composed with random styles, keys, tempos, swing
//! and complexity (seeds from 200000, never the labelled set's), each rendered twice: through
//! yano's own instruments, and through General MIDI programs drawn at random from pools that
//! leave out the programs the held-out General MIDI set uses (yano's MIDI voices: 4, 38, 53, 89,
//! and the standard drum kit), with random part levels and master gain.
//!
//! Each render is analysed as `yano analyze` hears it (the beats it finds, the note chroma) and
//! each beat's model features (`yano_analysis::chords::span_features`) are written beside the
//! true chord state of that beat (the state covering most of it; -1 for chords outside the
//! vocabulary) as one JSON line per render in DIR/spans.jsonl, which models/train/chords.py reads.
//!
//!     cargo run --release --example chord_set -- [N=240] [BARS=24] [DIR=target/chord-set]
//!
//! Beside each groove, a third render of chords the generator would never write: a random
//! progression ([`random_progression`]: any root, any of the vocabulary's qualities and their
//! ninths, held 2 to 8 beats, random voicings over a root bass and a plain beat) through the
//! training pools' General MIDI programs, so the model cannot lean on the generator's grammar.
//!
//!     cargo run --release --example chord_set -- probe [N=24] [DIR=target/chord-probe]
//!
//! renders N held-out random progressions (seeds from 900000) through the General MIDI programs
//! the training never draws (yano's MIDI voices: keys 4, pad 89, bass 38, the standard kit)
//! and prints the major/minor and sevenths recall of the chord model beside the rules'.
//!
//! Needs `fluidsynth` and `fluid-soundfont-gm` (Debian packages). Renders are kept, so a second
//! run only analyses.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use yano_analysis::chords::{span_features, state_of};
use yano_analysis::{beats_and_harmony, measure_file, Chroma};
use yano_engine::render::{write_wav, SampleFormat};
use yano_generator::export::{midi_bytes_voiced, midi_voice, MidiVoice};
use yano_generator::form::Part;
use yano_generator::labelled::{render_mix, truth};
use yano_generator::prompt::Style;
use yano_generator::rng::Dice;
use yano_generator::{compose, Options, Request};
use yano_music::{ChordSpan, Key, Mode};

mod common;
use common::fluidsynth;

/// General MIDI programs (from 0) the training renders draw from, per part; none is one the
/// held-out set uses.
const KEYS: &[u8] = &[
    0, 1, 2, 3, 5, 6, 7, 8, 11, 16, 17, 18, 19, 24, 25, 26, 27, 46,
];
const PADS: &[u8] = &[48, 49, 50, 51, 52, 61, 62, 88, 90, 91, 92, 93, 94, 95];
const BASSES: &[u8] = &[32, 33, 34, 35, 36, 37, 39, 43, 87];
const LOG_DRUMS: &[u8] = &[33, 34, 36, 37, 39, 87, 116, 118];
const LEADS: &[u8] = &[52, 54, 56, 65, 71, 73, 85];
/// FluidR3_GM's drum kits other than Standard (0): Room, Power, Electronic, TR-808, Jazz,
/// Brush, Orchestra.
const KITS: &[u8] = &[8, 16, 24, 25, 32, 40, 48];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "probe") {
        return probe(&args[1..]);
    }
    let n: usize = args.first().map_or(Ok(240), |a| a.parse())?;
    let bars: u32 = args.get(1).map_or(Ok(24), |a| a.parse())?;
    let dir = PathBuf::from(args.get(2).map_or("target/chord-set", String::as_str));
    std::fs::create_dir_all(&dir)?;
    let registry = Arc::new(yano_registry::registry());
    let out_path = dir.join("spans.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&out_path)?);
    let started = std::time::Instant::now();
    for i in 0..n {
        let seed = 200_000 + i as u64;
        let mut dice = Dice::stream(seed, "chord-set");
        let track = compose(&request(&mut dice, i, bars, seed));
        let truth = truth(&track);
        let mut random = Dice::stream(seed, "random progression");
        let (random_midi, random_chords) = random_progression(&mut random, Voices::Training)?;
        for source in ["yano", "gm", "random"] {
            let wav = dir.join(format!("track-{i:03}-{source}.wav"));
            if !wav.exists() {
                match source {
                    "yano" => {
                        let mix = render_mix(&track, registry.clone())?;
                        write_wav(&wav, &mix, SampleFormat::Int16)?;
                    }
                    "gm" => render_gm(&track, &mut dice, &wav)?,
                    _ => {
                        let mid = wav.with_extension("mid");
                        std::fs::write(&mid, &random_midi)?;
                        fluidsynth(&mid, &wav, 0.3 + 0.4 * random.unit())?;
                    }
                }
            }
            let chords = if source == "random" {
                &random_chords
            } else {
                &truth.chords
            };
            let (features, labels) = spans(&wav, chords)?;
            let line = serde_json::json!({
                "name": wav.file_name().map(|f| f.to_string_lossy().to_string()),
                "source": source,
                "style": truth.style,
                // A random progression has no key.
                "key": (source != "random").then(|| truth.key.name()),
                "features": features,
                "labels": labels,
            });
            writeln!(out, "{line}")?;
        }
        if i % 10 == 9 {
            eprintln!(
                "{} of {n} grooves in {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    out.flush()?;
    println!("wrote {}", out_path.display());
    Ok(())
}

fn request(dice: &mut Dice, i: usize, bars: u32, seed: u64) -> Request {
    let style = Style::ALL[i % 3];
    let key = Key::new(
        dice.below(12) as u8,
        if dice.chance(0.5) {
            Mode::Minor
        } else {
            Mode::Major
        },
    );
    let energy = ["steady", "build", "fade"][dice.below(3)];
    let options = Options {
        style: Some(style.name().to_string()),
        key: Some(key.to_string()),
        bpm: Some((95.0 + 35.0 * dice.unit()).round()),
        swing: Some(0.5 + 0.14 * dice.unit()),
        bars: Some(bars),
        seed,
        complexity: Some(0.2 + 0.8 * dice.unit()),
        density: Some(0.3 + 0.7 * dice.unit()),
        energy: Some(energy.into()),
        ..Options::default()
    };
    Request::new("", &options)
        .map_or_else(|_| Request::plain(style, key, 112.0, bars, seed), |r| r.0)
}

/// Renders the track's MIDI through General MIDI programs drawn from the training pools.
fn render_gm(
    track: &yano_generator::Track,
    dice: &mut Dice,
    wav: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut pick = |pool: &[u8]| pool[dice.below(pool.len())];
    let programs = [
        (Part::Keys, pick(KEYS)),
        (Part::Pad, pick(PADS)),
        (Part::Bass, pick(BASSES)),
        (Part::LogDrum, pick(LOG_DRUMS)),
        (Part::Vocals, pick(LEADS)),
        (Part::Drums, pick(KITS)),
        (Part::Percussion, pick(KITS)),
    ];
    let levels: Vec<f32> = (0..programs.len())
        .map(|_| 0.5 + 0.6 * dice.unit() as f32)
        .collect();
    let gain = 0.3 + 0.4 * dice.unit();
    let voice = |part: Part| -> MidiVoice {
        let at = programs.iter().position(|(p, _)| *p == part);
        MidiVoice {
            program: at.map(|k| programs[k].1),
            velocity_scale: at.map_or(1.0, |k| levels[k]),
            ..midi_voice(part)
        }
    };
    let mid = wav.with_extension("mid");
    std::fs::write(&mid, midi_bytes_voiced(track, &voice)?)?;
    fluidsynth(&mid, wav, gain)
}

/// Which General MIDI programs a random progression is played with.
#[derive(Clone, Copy, PartialEq)]
enum Voices {
    /// Drawn from the training pools.
    Training,
    /// yano's MIDI voices, never drawn in training: the held-out probe.
    HeldOut,
}

/// A random progression as a MIDI file, and its chords: 16 bars at 90–130 BPM, two bars of
/// drums alone, then chords of any root and quality (maj, min, 7, maj7, min7, maj9, min9) held
/// 2, 4 or 8 beats; a held voicing in a random inversion (pad), stabs of the same tones an
/// octave apart (keys), the root in the bass on every beat, kick, hat and clap.
fn random_progression(
    dice: &mut Dice,
    voices: Voices,
) -> Result<(Vec<u8>, Vec<ChordSpan>), Box<dyn std::error::Error>> {
    use yano_engine::smf::{Layout, MidiFile, MidiNote, MidiTrack};
    use yano_engine::syllable::Syllable;
    use yano_music::{Chord, Quality};
    const PPQ: u64 = 480;
    let bpm = (90.0 + 40.0 * dice.unit()).round();
    let beat_seconds = 60.0 / bpm;
    let qualities = ["maj", "min", "7", "maj7", "min7", "maj9", "min9"];
    let note = |channel: u8, key: u8, velocity: u8, start: u64, end: u64| MidiNote {
        channel,
        key,
        velocity,
        start,
        end,
        bends: Vec::new(),
        lyric: Syllable::NONE,
    };
    let (mut pad, mut keys, mut bass, mut drums) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut chords = vec![ChordSpan {
        start: 0.0,
        end: 8.0 * beat_seconds,
        chord: None,
    }];
    let total_beats = 64u64;
    let mut beat = 8u64;
    while beat < total_beats {
        let length = [2u64, 4, 4, 8][dice.below(4)].min(total_beats - beat);
        let quality = Quality::from_harte(qualities[dice.below(qualities.len())])
            .ok_or("a quality of the vocabulary")?;
        let chord = Chord::new(dice.below(12) as u8, quality);
        let tones = quality.intervals();
        let inversion = dice.below(tones.len());
        // The root in the octave from middle C (MIDI 60), the tones above it, the lowest
        // `inversion` of them an octave up, everything folded into C4..C6.
        let base = 60 + i32::from(chord.root);
        let voicing: Vec<u8> = tones
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let mut pitch = base + i32::from(*t) + if k < inversion { 12 } else { 0 };
                while pitch > 84 {
                    pitch -= 12;
                }
                pitch as u8
            })
            .collect();
        let (start, end) = (beat * PPQ, (beat + length) * PPQ);
        for &p in &voicing {
            pad.push(note(2, p, 60 + dice.below(30) as u8, start, end - 20));
        }
        for b in beat..beat + length {
            if dice.chance(0.6) {
                let at = b * PPQ + if dice.chance(0.5) { PPQ / 2 } else { 0 };
                for &p in &voicing {
                    keys.push(note(
                        1,
                        p.saturating_sub(12),
                        70 + dice.below(40) as u8,
                        at,
                        at + PPQ / 3,
                    ));
                }
            }
            let root = 36 + chord.root;
            bass.push(note(3, root, 90, b * PPQ, b * PPQ + PPQ * 3 / 4));
        }
        chords.push(ChordSpan {
            start: beat as f64 * beat_seconds,
            end: (beat + length) as f64 * beat_seconds,
            chord: Some(chord),
        });
        beat += length;
    }
    for b in 0..total_beats {
        drums.push(note(9, 36, 110, b * PPQ, b * PPQ + 100));
        if b % 2 == 1 {
            drums.push(note(9, 39, 100, b * PPQ, b * PPQ + 100));
        }
        for half in 0..2 {
            let at = b * PPQ + half * PPQ / 2;
            drums.push(note(9, 42, 70 + dice.below(30) as u8, at, at + 60));
        }
    }
    let mut pick = |pool: &[u8], held_out: u8| match voices {
        Voices::Training => pool[dice.below(pool.len())],
        Voices::HeldOut => held_out,
    };
    let programs = [
        pick(PADS, 89),
        pick(KEYS, 4),
        pick(BASSES, 38),
        pick(KITS, 0),
    ];
    let track = |name: &str, channel: u8, program: u8, notes: Vec<MidiNote>| MidiTrack {
        name: Some(name.to_string()),
        programs: vec![(channel, program)],
        bend_ranges: Vec::new(),
        notes,
    };
    let file = MidiFile {
        ppq: PPQ as u16,
        bpm,
        meter: Some((4, 2)),
        key_signature: None,
        markers: Vec::new(),
        layout: Layout::Conductor {
            name: Some("random progression"),
        },
        tracks: vec![
            track("pad", 2, programs[0], pad),
            track("keys", 1, programs[1], keys),
            track("bass", 3, programs[2], bass),
            track("drums", 9, programs[3], drums),
        ],
    };
    Ok((file.to_bytes()?, chords))
}

/// Renders held-out random progressions and prints the model's recall beside the rules'.
fn probe(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    use yano_analysis::eval::{chord_recall, sevenths_recall};
    use yano_analysis::{analyze_with, Settings};
    use yano_models::readers::{readers, ChordChoice};
    let n: usize = args.first().map_or(Ok(24), |a| a.parse())?;
    let dir = PathBuf::from(args.get(1).map_or("target/chord-probe", String::as_str));
    std::fs::create_dir_all(&dir)?;
    let model = readers(ChordChoice::Model)?.0;
    let rules = readers(ChordChoice::Rules)?.0;
    let (mut sums, settings) = ([0.0f64; 4], Settings::default());
    for i in 0..n {
        let mut dice = Dice::stream(900_000 + i as u64, "random progression");
        let (midi, chords) = random_progression(&mut dice, Voices::HeldOut)?;
        let (mid, wav) = (
            dir.join(format!("probe-{i:02}.mid")),
            dir.join(format!("probe-{i:02}.wav")),
        );
        if !wav.exists() {
            std::fs::write(&mid, midi)?;
            fluidsynth(&mid, &wav, 0.5)?;
        }
        let by_model = analyze_with(measure_file(&wav)?, &settings, &model)?;
        let by_rules = analyze_with(measure_file(&wav)?, &settings, &rules)?;
        let row = [
            chord_recall(&by_model.chords, &chords),
            chord_recall(&by_rules.chords, &chords),
            sevenths_recall(&by_model.chords, &chords),
            sevenths_recall(&by_rules.chords, &chords),
        ];
        println!(
            "probe {i:02}: majmin model {:.3} rules {:.3}   sevenths model {:.3} rules {:.3}",
            row[0], row[1], row[2], row[3]
        );
        for (s, r) in sums.iter_mut().zip(row) {
            *s += r;
        }
    }
    let m = sums.map(|s| s / n as f64);
    println!(
        "{n} held-out random progressions (General MIDI programs 4, 89, 38, standard kit):\n\
         major/minor recall: model {:.3}, rules {:.3}\nsevenths recall: model {:.3}, rules {:.3}",
        m[0], m[1], m[2], m[3]
    );
    Ok(())
}

/// The model features of each beat the analysis finds, and the true state of each.
fn spans(
    wav: &Path,
    chords: &[ChordSpan],
) -> Result<(Vec<Vec<f32>>, Vec<i64>), Box<dyn std::error::Error>> {
    let measured = measure_file(wav)?;
    let f = &measured.features;
    let (_, harmony) = beats_and_harmony(f, Chroma::Notes);
    let features = span_features(&harmony)
        .iter()
        .map(|row| row.to_vec())
        .collect();
    let labels = (0..harmony.chroma.len())
        .map(|i| {
            let (start, end) = harmony.span(i);
            true_state(chords, start, end)
        })
        .collect();
    Ok((features, labels))
}

/// The state of the true chord covering most of start..end (N past the last chord); -1 for a
/// chord outside the vocabulary.
fn true_state(chords: &[ChordSpan], start: f64, end: f64) -> i64 {
    let best = chords
        .iter()
        .map(|c| (c, end.min(c.end) - start.max(c.start)))
        .filter(|(_, overlap)| *overlap > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    match best {
        None => state_of(None).map_or(-1, |s| s as i64),
        Some((c, _)) => state_of(c.chord).map_or(-1, |s| s as i64),
    }
}
