//! A generated track, measured from the files a user gets: the WAV's tempo, the stems' sum,
//! the .ron's render, the MIDI's key, voice leading and log drum, the JSON's form.

mod common;

use std::sync::{Arc, OnceLock};

use common::*;
use yano_engine::preset::load_preset;
use yano_engine::render::{render, RenderOptions};
use yano_generator::{export, Options, Track};

#[path = "../../nodes/tests/common/tempo.rs"]
mod tempo;

const PROMPT: &str = "soulful private school amapiano in Eb minor, 111 bpm, 48 bars";

/// The issue's prompt (shorter, to keep the tests quick), generated once for every test here.
fn issue_track() -> &'static (std::path::PathBuf, Track) {
    static TRACK: OnceLock<(std::path::PathBuf, Track)> = OnceLock::new();
    TRACK.get_or_init(|| {
        generate(
            "issue",
            PROMPT,
            Options {
                seed: 7,
                ..Options::default()
            },
        )
    })
}

#[test]
fn every_file_is_written() {
    let (dir, _) = issue_track();
    for f in ["track.wav", "track.mid", "track.ron", "track.json"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    for stem in [
        "drums",
        "percussion",
        "log_drum",
        "keys",
        "pad",
        "bass",
        "vocals",
        "fx",
    ] {
        let (l, _, _) = read_wav(&dir.join(format!("stems/{stem}.wav")));
        let rms = (l.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / l.len() as f64).sqrt();
        assert!(rms > 1e-3, "stem {stem} is silent: rms {rms}");
    }
}

#[test]
fn the_render_keeps_the_requested_tempo() {
    // Measured on the rhythm section as the user gets it (the drums and percussion stems,
    // summed): the sung chops' swung onsets pull this repetition estimator by 0.1 BPM on the
    // whole mix (it reads 111.10), which is the estimator's bias, not the render's timing.
    let (dir, _) = issue_track();
    let (dl, dr, sr) = read_wav(&dir.join("stems/drums.wav"));
    let (pl, pr, _) = read_wav(&dir.join("stems/percussion.wav"));
    let mono: Vec<f32> = (0..dl.len())
        .map(|i| 0.25 * (dl[i] + dr[i] + pl[i] + pr[i]))
        .collect();
    let (strength, hop) = tempo::onset_strength(&mono, f64::from(sr));
    let bpm = tempo::tempo_from_repetition(&strength, hop);
    let (l, r, _) = read_wav(&dir.join("track.wav"));
    let mix: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a + b)).collect();
    let (strength, hop) = tempo::onset_strength(&mix, f64::from(sr));
    let mix_bpm = tempo::tempo_from_repetition(&strength, hop);
    println!("drums and percussion {bpm:.3} BPM, whole mix {mix_bpm:.3} BPM");
    assert!((bpm - 111.0).abs() < 0.1, "measured {bpm:.3} BPM");
    assert!(
        (mix_bpm - 111.0).abs() < 0.25,
        "the mix measures {mix_bpm:.3} BPM"
    );
}

#[test]
fn stems_sum_to_the_mix_and_the_preset_renders_the_same_audio() {
    let (dir, track) = issue_track();
    let (ml, mr, _) = read_wav(&dir.join("track.wav"));
    let mut sum = (vec![0f32; ml.len()], vec![0f32; mr.len()]);
    for entry in std::fs::read_dir(dir.join("stems")).unwrap() {
        let (l, r, _) = read_wav(&entry.unwrap().path());
        for i in 0..ml.len() {
            sum.0[i] += l[i];
            sum.1[i] += r[i];
        }
    }
    let stems_error = error_db(&sum.0, &ml).max(error_db(&sum.1, &mr));
    assert!(
        stems_error < -60.0,
        "stems sum to the mix within {stems_error:.1} dB"
    );

    let registry = Arc::new(yano_registry::registry());
    let graph = load_preset(&dir.join("track.ron"), &registry).unwrap();
    let options = RenderOptions {
        seconds: export::render_seconds(track),
        ..RenderOptions::default()
    };
    let again = render(&graph, registry, options).unwrap();
    // track.wav holds 24 bits: compare after the same rounding.
    let q = |x: &f32| (x.clamp(-1.0, 1.0) * 8_388_607.0).round() / 8_388_608.0;
    let l: Vec<f32> = again.left.iter().map(q).collect();
    let ron_error = error_db(&l, &ml);
    assert!(
        ron_error < -100.0,
        "the .ron renders to track.wav within {ron_error:.1} dB"
    );
    println!("stems: {stems_error:.1} dB, .ron: {ron_error:.1} dB");
}

#[test]
fn sections_fall_on_eight_bar_lines_and_every_bar_has_a_chord() {
    let (dir, _) = issue_track();
    let json = read_json(&dir.join("track.json"));
    assert_eq!(json["bpm"], 111.0);
    assert_eq!(json["key"], "Eb minor");
    assert_eq!(json["style"], "private_school");
    assert_eq!(json["seed"], 7);
    let bars = json["bars"].as_u64().unwrap();
    let sections = json["sections"].as_array().unwrap();
    let mut next = 1;
    for s in sections {
        let (first, last) = (
            s["first_bar"].as_u64().unwrap(),
            s["last_bar"].as_u64().unwrap(),
        );
        assert_eq!(first, next, "sections tile the song");
        assert_eq!((first - 1) % 8, 0, "{s}");
        assert_eq!(last % 8, 0, "{s}");
        next = last + 1;
    }
    assert_eq!(next, bars + 1);
    let names: Vec<&str> = sections
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"breakdown") && names.contains(&"drop_2"),
        "{names:?}"
    );
    let per_bar = json["chords"].as_array().unwrap();
    assert_eq!(per_bar.len() as u64, bars);
    assert!(per_bar.iter().all(|b| b["chord"].is_string()));
}

#[test]
fn the_midi_holds_tempo_key_and_one_track_per_instrument() {
    let (dir, _) = issue_track();
    let midi = read_midi(&dir.join("track.mid"));
    assert!((midi.bpm - 111.0).abs() < 0.01, "{}", midi.bpm);
    assert_eq!(
        midi.key_signature,
        Some((-6, true)),
        "E♭ minor: six flats, minor"
    );
    for name in [
        "drums",
        "percussion",
        "log_drum",
        "keys",
        "pad",
        "bass",
        "vocals",
    ] {
        assert!(!midi.track(name).is_empty(), "{name}");
    }
}

#[test]
fn the_vocals_are_a_stem_heard_in_the_hook_and_a_midi_track_with_lyrics() {
    let (dir, track) = issue_track();
    // 48 bars of private school: the hook is sung in the first 8 bars of the second drop.
    let drop_2 = track.sections.iter().find(|s| s.name == "drop_2").unwrap();
    let (vl, vr, sr) = read_wav(&dir.join("stems/vocals.wav"));
    let (ml, _, _) = read_wav(&dir.join("track.wav"));
    let bar = 240.0 / track.request.bpm * f64::from(sr);
    let window = |x: &[f32], from_bar: u32, bars: u32| {
        let a = (f64::from(from_bar - 1) * bar) as usize;
        let b = (f64::from(from_bar - 1 + bars) * bar) as usize;
        let x = &x[a..b.min(x.len())];
        10.0 * (x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len() as f64).log10()
    };
    let hook_db = window(&vl, drop_2.first_bar, 8);
    let mix_db = window(&ml, drop_2.first_bar, 8);
    let intro_db = window(&vl, 1, 8);
    println!(
        "vocals in the hook {hook_db:.1} dB against the mix {mix_db:.1} dB; intro {intro_db:.1} dB"
    );
    assert!(
        hook_db > mix_db - 12.0,
        "the vocals are {hook_db:.1} dB in a mix of {mix_db:.1} dB"
    );
    assert!(
        intro_db < hook_db - 40.0,
        "the intro has no vocals: {intro_db:.1} dB"
    );
    // Stereo: the stacked voices are spread, so the stem's channels differ.
    assert_ne!(vl, vr);
    let midi = read_midi(&dir.join("track.mid"));
    let sung = midi.track("vocals");
    let lyrics: Vec<&(String, f64, String)> =
        midi.lyrics.iter().filter(|l| l.0 == "vocals").collect();
    // One lyric an onset (a chord sung on one syllable writes it once), at the notes' starts.
    let mut onsets: Vec<f64> = sung.iter().map(|n| n.start).collect();
    onsets.dedup();
    let mut lyric_times: Vec<f64> = lyrics.iter().map(|l| l.1).collect();
    lyric_times.dedup();
    assert_eq!(lyric_times, onsets, "a lyric at every sung onset");
    assert!(lyrics.len() >= onsets.len());
    for lyric in &lyrics {
        assert!(lyric.2.chars().all(|c| c.is_ascii_lowercase()), "{lyric:?}");
    }
    assert!(midi.lyrics.iter().all(|l| l.0 == "vocals"));
}

#[test]
fn pitched_notes_stay_in_the_key() {
    let (dir, _) = issue_track();
    let midi = read_midi(&dir.join("track.mid"));
    let scale = [3u8, 5, 6, 8, 10, 11, 1]; // E♭ natural minor
    let (mut inside, mut all) = (0usize, 0usize);
    for name in ["log_drum", "keys", "pad", "bass", "vocals"] {
        for n in midi.track(name) {
            all += 1;
            inside += usize::from(scale.contains(&(n.pitch % 12)));
        }
    }
    let share = inside as f64 / all as f64;
    assert!(
        share >= 0.95,
        "{:.1} % of {all} pitched notes in E♭ minor",
        100.0 * share
    );
    println!("{:.2} % of {all} pitched notes in the key", 100.0 * share);
}

/// The right hand's chords (notes from G3 up, struck together), in order.
fn right_hand(notes: &[MidiNote]) -> Vec<(f64, Vec<u8>)> {
    let mut chords: Vec<(f64, Vec<u8>)> = Vec::new();
    for n in notes.iter().filter(|n| n.pitch >= 52) {
        match chords.last_mut() {
            Some((t, v)) if (n.start - *t).abs() < 1e-6 => v.push(n.pitch),
            _ => chords.push((n.start, vec![n.pitch])),
        }
    }
    chords
}

#[test]
fn right_hand_voices_move_at_most_two_semitones() {
    let (dir, _) = issue_track();
    let midi = read_midi(&dir.join("track.mid"));
    let json = read_json(&dir.join("track.json"));
    let section_starts: Vec<f64> = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["first_bar"].as_f64().unwrap() - 1.0) * 4.0)
        .collect();
    let chords = right_hand(midi.track("keys"));
    assert!(chords.len() > 20);
    let (mut checked, mut worst) = (0, 0u8);
    for w in chords.windows(2) {
        let ((_, a), (t, b)) = (&w[0], &w[1]);
        assert_eq!(b.len(), 4, "four-note voicings: {b:?} at beat {t}");
        // A section may start with a fresh voicing (anticipated by up to an 8th).
        if section_starts.iter().any(|s| (t - s).abs() <= 0.5 + 1e-9) || a == b {
            continue;
        }
        let largest = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
        worst = worst.max(largest);
        checked += 1;
        assert!(
            largest <= 2,
            "a voice moves {largest} semitones at beat {t}: {a:?} → {b:?}"
        );
    }
    assert!(checked > 10, "{checked} chord changes checked");
    println!("{checked} chord changes, largest move {worst} semitones");
}

#[test]
fn the_log_drum_follows_the_chords_off_the_beat() {
    let (dir, _) = issue_track();
    let midi = read_midi(&dir.join("track.mid"));
    let json = read_json(&dir.join("track.json"));
    let log = midi.track("log_drum");
    // First hit of every chord the log drum plays under is the chord's root.
    let mut chords_checked = 0;
    for (start, beats, symbol) in chords(&json) {
        let Some(first) = log
            .iter()
            .find(|n| n.start >= start - 1e-6 && n.start < start + beats)
        else {
            continue;
        };
        chords_checked += 1;
        assert_eq!(
            first.pitch % 12,
            root_of(&symbol),
            "{symbol} at beat {start}: first hit {}",
            first.pitch
        );
    }
    assert!(chords_checked > 20, "{chords_checked}");
    // 3–7 hits a bar where it plays, at least half of them off the beat.
    let bars = json["bars"].as_u64().unwrap() as usize;
    let mut per_bar = vec![(0usize, 0usize); bars];
    for n in log {
        let bar = (n.start / 4.0) as usize;
        let on_beat = (n.start - n.start.round()).abs() < 0.02;
        per_bar[bar].0 += 1;
        per_bar[bar].1 += usize::from(!on_beat);
    }
    let playing: Vec<&(usize, usize)> = per_bar.iter().filter(|b| b.0 > 0).collect();
    assert!(playing.len() >= 24);
    for (bar, (hits, off)) in per_bar.iter().enumerate().filter(|b| b.1 .0 > 0) {
        assert!((3..=7).contains(hits), "bar {}: {hits} hits", bar + 1);
        assert!(
            2 * off >= *hits,
            "bar {}: {off} of {hits} off the beat",
            bar + 1
        );
    }
}
