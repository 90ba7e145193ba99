//! The example workflows in scripting/workflows, run as a user runs them, their outputs measured:
//! files exist with the right length, the tempo heard in the audio is the tempo asked for, the
//! saved presets hold what the script set.

#[path = "../../nodes/tests/common/tempo.rs"]
mod tempo;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yano_engine::preset::load_preset;
use yano_scripting::{run_file, Limits};
use yano_testkit::Need;

fn basic_pitch_fetched() -> bool {
    yano_models::Manifest::shipped()
        .model("basic-pitch")
        .is_ok_and(|m| m.path().is_file())
}

fn root() -> PathBuf {
    yano_testkit::workspace_root()
}

/// A fresh folder of a fixed name: each run replaces the last run's renders rather than
/// leaving them behind.
fn scratch(name: &str) -> PathBuf {
    yano_testkit::scratch("workflow-tests", name)
}

fn run(workflow: &str, args: &[&str]) {
    let registry = Arc::new(yano_registry::registry());
    let script = root().join("scripting/workflows").join(workflow);
    let args = args.iter().map(|a| a.to_string()).collect();
    if let Err(e) = run_file(&script, args, registry, Limits::default()) {
        panic!("{workflow} failed: {e}");
    }
}

/// Frames and the left channel of a WAV file.
fn read_wav(path: &Path) -> (u32, Vec<f32>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let samples: Vec<f32> = match spec.sample_format {
        // Stems are 32-bit float.
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap()).collect(),
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    let left = samples
        .chunks(usize::from(spec.channels))
        .map(|c| c[0])
        .collect();
    (spec.sample_rate, left)
}

fn bars_long(bpm: f64, bars: f64, rate: u32) -> usize {
    (bars * 4.0 * 60.0 / bpm * f64::from(rate)).round() as usize
}

fn tempo_of(path: &Path) -> f64 {
    let (rate, left) = read_wav(path);
    let (strength, hop) = tempo::onset_strength(&left, f64::from(rate));
    tempo::tempo_from_onsets(&strength, hop)
}

#[test]
fn variations_render_each_variation_with_stems_at_the_tempo_asked() {
    let out = scratch("variations");
    let out_s = out.display().to_string();
    run(
        "variations.rhai",
        &[
            "--out", &out_s, "--count", "2", "--bars", "8", "--bpm", "111.0",
        ],
    );
    for v in 1..=2 {
        for name in ["", "-drums", "-log_drum", "-keys"] {
            let file = out.join(format!("variation-{v}{name}.wav"));
            let (rate, left) = read_wav(&file);
            assert_eq!(
                left.len(),
                bars_long(111.0, 8.0, rate),
                "{}",
                file.display()
            );
            let peak = left.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak > 0.01, "{} is silent", file.display());
        }
        let bpm = tempo_of(&out.join(format!("variation-{v}.wav")));
        assert!(
            (bpm - 111.0).abs() < 0.5,
            "variation {v} plays at {bpm:.2} BPM"
        );
    }
    // Each saved preset holds its own log drum line.
    let registry = yano_nodes::registry();
    let line = |v: usize| {
        let g = load_preset(&out.join(format!("variation-{v}.ron")), &registry).unwrap();
        g.node("logdrum_line").unwrap().params["pattern"]
            .as_text()
            .unwrap()
            .to_string()
    };
    assert_eq!(line(1), "X..x..x...x.x...");
    assert_eq!(line(2), "X..x..x...x..x.x");
    // The MIDI file holds the log drum line as the pattern says: its notes in turn, on its
    // steps, pushed late by the swing on odd steps and by at most 3 ms of humanise.
    let bytes = std::fs::read(out.join("variation-2.mid")).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let ppq = match smf.header.timing {
        midly::Timing::Metrical(t) => f64::from(t.as_int()),
        other => panic!("{other:?}"),
    };
    let note_ons = |name: &str| -> Vec<(f64, u8)> {
        let track = smf
            .tracks
            .iter()
            .find(|t| {
                t.iter().any(|e| {
                    e.kind
                        == midly::TrackEventKind::Meta(midly::MetaMessage::TrackName(
                            name.as_bytes(),
                        ))
                })
            })
            .unwrap_or_else(|| panic!("no MIDI track {name}"));
        let mut tick = 0u64;
        let mut ons = Vec::new();
        for e in track {
            tick += u64::from(e.delta.as_int());
            if let midly::TrackEventKind::Midi {
                message: midly::MidiMessage::NoteOn { key, vel },
                ..
            } = e.kind
            {
                if vel.as_int() > 0 {
                    ons.push((tick as f64 / ppq, key.as_int()));
                }
            }
        }
        ons
    };
    // Humanise may pull bar 9's first hit a little before the end of bar 8: leave it out.
    let humanise_beats = 0.003 * 111.0 / 60.0;
    let ons: Vec<(f64, u8)> = note_ons("log_drum")
        .into_iter()
        .filter(|n| n.0 < 32.0 - humanise_beats - 1e-9)
        .collect();
    let pattern = "X..x..x...x..x.x";
    let notes = [29u8, 29, 36, 29, 39]; // F1 F1 C2 F1 Eb2
    let step_beats = 0.25;
    let swing_push = (0.56 - 0.5) * 2.0 * step_beats;
    let mut expected = Vec::new();
    for bar in 0..8 {
        // Hits take the notes in turn, from the first note again at each pass of the pattern.
        let hits = pattern.chars().enumerate().filter(|(_, c)| *c != '.');
        for (hit, (step, _)) in hits.enumerate() {
            let swing = if step % 2 == 1 { swing_push } else { 0.0 };
            let beat = bar as f64 * 4.0 + step as f64 * step_beats + swing;
            expected.push((beat, notes[hit % notes.len()]));
        }
    }
    assert_eq!(ons.len(), expected.len(), "{ons:?}");
    for (got, want) in ons.iter().zip(&expected) {
        assert_eq!(got.1, want.1, "note at beat {:.3}", want.0);
        assert!(
            (got.0 - want.0).abs() <= humanise_beats + 1.0 / ppq,
            "at beat {:.3} wanted {:.3}",
            got.0,
            want.0
        );
    }
    // Kick on every beat (C2 = 36) and clap on 2 and 4 (Eb2 = 39) on the drums' channel 10 track.
    let drums: Vec<(f64, u8)> = note_ons("drums")
        .into_iter()
        .filter(|n| n.0 < 32.0 - 1e-9)
        .collect();
    assert_eq!(drums.iter().filter(|n| n.1 == 36).count(), 32);
    assert_eq!(drums.iter().filter(|n| n.1 == 39).count(), 16);
}

#[test]
fn preset_stems_render_every_shipped_preset() {
    let out = scratch("stems");
    let (out_s, graphs) = (
        out.display().to_string(),
        root().join("graphs").display().to_string(),
    );
    run(
        "preset-stems.rhai",
        &["--read", &graphs, "--out", &out_s, "--bars", "2"],
    );
    let registry = yano_registry::registry();
    let mut presets = 0;
    for entry in std::fs::read_dir(root().join("graphs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "ron") {
            continue;
        }
        presets += 1;
        let g = load_preset(&path, &registry).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let folder = out.join(&name);
        // A preset that transcribes needs the fetched basic-pitch model and renders only where it
        // is fetched; the workflow reports it and goes on with the others. The separator ships
        // inside the binary, so a preset that only separates always renders.
        let transcribes = g.nodes().any(|(_, n)| n.kind == "model.transcribe");
        if transcribes {
            let fetched = basic_pitch_fetched();
            assert_eq!(
                folder.join("mix.wav").is_file(),
                fetched,
                "{name}: rendered only with its model"
            );
            if !yano_testkit::runs(
                &format!("preset_stems_render_every_shipped_preset ({name})"),
                Need::Model("basic-pitch"),
                fetched,
            ) {
                continue;
            }
        }
        let (rate, left) = read_wav(&folder.join("mix.wav"));
        assert_eq!(left.len(), bars_long(g.transport.bpm, 2.0, rate), "{name}");
        let mixer_param = |p: &str, default: f64| {
            g.nodes()
                .find(|(_, n)| n.kind == "mixer.console")
                .map_or(0, |(_, n)| {
                    n.params
                        .get(p)
                        .and_then(|v| v.as_number())
                        .unwrap_or(default) as usize
                })
        };
        // One stem a channel, and one for the return buses' share when there are any.
        let channels = mixer_param("channels", 8.0) + usize::from(mixer_param("returns", 2.0) > 0);
        let wavs = std::fs::read_dir(&folder)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "wav")
            })
            .count();
        assert_eq!(
            wavs,
            1 + channels,
            "{name}: the mix, one stem per mixer channel and the returns"
        );
        let midi = std::fs::read(folder.join("notes.mid")).unwrap();
        let smf = midly::Smf::parse(&midi).unwrap();
        let instruments = g
            .nodes()
            .filter(|(_, n)| n.kind.starts_with("instrument."))
            .count();
        assert_eq!(
            smf.tracks.len(),
            1 + instruments,
            "{name}: a tempo track and one per instrument"
        );
        if name == "amapiano-starter" {
            // The kick's "X...x...x...x..." over 2 bars: 8 hits of C2 (36) on the drums' track.
            let kicks = smf.tracks.iter().flatten().filter(|e| {
                matches!(e.kind, midly::TrackEventKind::Midi { message: midly::MidiMessage::NoteOn { key, vel }, .. } if key.as_int() == 36 && vel.as_int() > 0)
            });
            assert_eq!(kicks.count(), 8);
        }
    }
    assert!(presets >= 5);
}

#[test]
fn the_tempo_sweep_renders_each_tempo_and_key() {
    let out = scratch("sweep");
    let (out_s, graphs) = (
        out.display().to_string(),
        root().join("graphs").display().to_string(),
    );
    run(
        "tempo-key-sweep.rhai",
        &[
            "--read", &graphs, "--out", &out_s, "--from", "108", "--to", "116", "--step", "4",
            "--bars", "16",
        ],
    );
    let registry = yano_nodes::registry();
    for (shift, bpm) in [108.0, 112.0, 116.0].into_iter().enumerate() {
        let stem = format!("sweep-{bpm}bpm-+{shift}st");
        let file = out.join(format!("{stem}.wav"));
        let (rate, left) = read_wav(&file);
        assert_eq!(left.len(), bars_long(bpm, 16.0, rate), "{stem}");
        let heard = tempo_of(&file);
        assert!((heard - bpm).abs() < 0.5, "{stem} plays at {heard:.2} BPM");
        let g = load_preset(&out.join(format!("{stem}.ron")), &registry).unwrap();
        let transpose = |id: &str| {
            g.node(id)
                .unwrap()
                .params
                .get("transpose_st")
                .and_then(|v| v.as_number())
        };
        assert_eq!(
            transpose("stabs"),
            Some(shift as f64),
            "{stem}: pitched lines move a semitone a step"
        );
        assert_eq!(transpose("kick"), None, "drum lines keep their notes");
    }
}

#[test]
fn generate_batch_writes_a_different_track_per_seed() {
    let out = scratch("generate");
    let out_s = out.display().to_string();
    run(
        "generate-batch.rhai",
        &[
            "--out",
            &out_s,
            "--count",
            "2",
            "--bars",
            "16",
            "--prompt",
            "sgija in A minor, 114 bpm",
        ],
    );
    let mut mixes = Vec::new();
    for seed in 1..=2 {
        let (rate, left) = read_wav(&out.join(format!("track-{seed}.wav")));
        assert!(left.len() >= bars_long(114.0, 16.0, rate));
        let bpm = tempo_of(&out.join(format!("track-{seed}.wav")));
        assert!(
            (bpm - 114.0).abs() < 0.5,
            "track {seed} plays at {bpm:.2} BPM"
        );
        for stem in ["drums", "percussion", "log_drum", "keys", "pad", "bass"] {
            let (_, s) = read_wav(&out.join(format!("track-{seed}-{stem}.wav")));
            assert!(
                s.iter().any(|x| x.abs() > 1e-3),
                "track {seed}: {stem} is silent"
            );
        }
        let midi = std::fs::read(out.join(format!("track-{seed}.mid"))).unwrap();
        assert_eq!(
            midly::Smf::parse(&midi).unwrap().tracks.len(),
            7,
            "a tempo track and six instruments"
        );
        assert!(out.join(format!("track-{seed}.ron")).is_file());
        mixes.push(left);
    }
    assert_ne!(mixes[0], mixes[1], "two seeds, two tracks");
}

#[test]
fn follow_a_song_arranges_in_the_analysed_key_and_tempo() {
    let songs = scratch("follow-songs");
    std::fs::create_dir_all(&songs).unwrap();
    let registry = Arc::new(yano_registry::registry());
    // Groove 21 of the labelled set: 113.46 BPM, A major.
    let (_song, truth) =
        yano_generator::labelled::write_groove(&songs, 21, 40, 24, registry).unwrap();
    let out = scratch("follow-out");
    run(
        "follow-a-song.rhai",
        &[
            "--read",
            songs.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--song",
            "groove-21.wav",
            "--bars",
            "16",
        ],
    );
    let settings = yano_analysis::Settings::default();
    let followed = yano_analysis::analyze_file(&out.join("follow.wav"), &settings).unwrap();
    assert!(
        (followed.bpm - truth.bpm).abs() < 0.05,
        "the new track plays at {} BPM, the song at {}",
        followed.bpm,
        truth.bpm
    );
    // The key the new track is heard in is the song's: groove 21 is in A major.
    assert_eq!(truth.key.name(), "A major");
    assert_eq!(
        followed.key.map(|k| k.name()).as_deref(),
        Some("A major"),
        "the new track's key as the analysis hears it"
    );
}

#[test]
fn bass_to_midi_transcribes_a_bassline_and_plays_it_on_the_log_drum() {
    if !yano_testkit::runs(
        "bass_to_midi_transcribes_a_bassline_and_plays_it_on_the_log_drum",
        Need::Model("basic-pitch"),
        basic_pitch_fetched(),
    ) {
        return;
    }
    let out = scratch("bass-to-midi");
    let audio = root().join("graphs/audio");
    run(
        "bass-to-midi.rhai",
        &[
            "--read",
            audio.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--audio",
            "bassline-fm-113.flac",
            "--bpm",
            "113",
        ],
    );
    let bytes = std::fs::read(out.join("bassline.mid")).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let midly::Timing::Metrical(per_beat) = smf.header.timing else {
        panic!("bassline.mid: metrical timing expected");
    };
    // Note-on times in seconds: the file's tick count at 113 BPM (the tempo the script wrote).
    let mut note_ons = Vec::new();
    let mut tick = 0u64;
    for event in &smf.tracks[0] {
        tick += u64::from(event.delta.as_int());
        if let midly::TrackEventKind::Midi {
            message: midly::MidiMessage::NoteOn { vel, .. },
            ..
        } = event.kind
        {
            if vel.as_int() > 0 {
                note_ons.push(tick as f64 / f64::from(per_beat.as_int()) * 60.0 / 113.0);
            }
        }
    }
    assert!(
        (36..=52).contains(&note_ons.len()),
        "{} notes in bassline.mid",
        note_ons.len()
    );
    // The log drum plays them: an onset heard within 30 ms of nearly every note-on, and hardly
    // any onset that no note-on explains.
    let (rate, left) = read_wav(&out.join("logdrum.wav"));
    let (strength, hop) = tempo::onset_strength(&left, f64::from(rate));
    let heard = pick_onsets(&strength, hop);
    let near = |t: f64, among: &[f64]| among.iter().any(|h| (h - t).abs() <= 0.03);
    let found = note_ons.iter().filter(|&&t| near(t, &heard)).count();
    let explained = heard.iter().filter(|&&h| near(h, &note_ons)).count();
    assert!(
        found as f64 >= 0.9 * note_ons.len() as f64,
        "{found} of {} note-ons heard on the log drum",
        note_ons.len()
    );
    assert!(
        explained as f64 >= 0.9 * heard.len() as f64,
        "{explained} of {} log drum onsets fall on a note-on",
        heard.len()
    );
}

/// Onsets: local maxima of the onset strength above a fifth of the strongest, 80 ms apart.
fn pick_onsets(strength: &[f64], hop: f64) -> Vec<f64> {
    let strongest = strength.iter().fold(0.0f64, |m, &v| m.max(v));
    let gap = (0.08 / hop) as usize;
    let mut onsets: Vec<usize> = Vec::new();
    for i in 1..strength.len().saturating_sub(1) {
        let v = strength[i];
        if v < strongest / 5.0 || v < strength[i - 1] || v < strength[i + 1] {
            continue;
        }
        match onsets.last() {
            Some(&last) if i - last < gap => {
                if v > strength[last] {
                    *onsets.last_mut().unwrap() = i;
                }
            }
            _ => onsets.push(i),
        }
    }
    onsets.into_iter().map(|i| i as f64 * hop).collect()
}
