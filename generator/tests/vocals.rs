//! The vocal lines as composed: what the prompt asks for, the key, the hook's range and its
//! chord tones, chops off the beat answering the log drum, phrase ends, syllables. The chords a
//! note must belong to are read back from the chord symbols the track prints (parsed by the
//! shared chord vocabulary), not from the composer's own tables.

use yano_engine::clip::Note;
use yano_generator::form::{Line, Part};
use yano_generator::vocals::VocalParts;
use yano_generator::{compose, Options, Request, Track};
use yano_music::Chord;

fn track(prompt: &str, seed: u64) -> Track {
    let (request, reading) = Request::new(
        prompt,
        &Options {
            seed,
            ..Options::default()
        },
    )
    .unwrap();
    assert!(reading.unknown.is_empty(), "{:?}", reading.unknown);
    compose(&request)
}

fn in_key(track: &Track, notes: &[Note]) -> f64 {
    let inside = notes
        .iter()
        .filter(|n| track.request.key.contains(n.pitch % 12))
        .count();
    inside as f64 / notes.len().max(1) as f64
}

/// Pitch classes of the chord sounding at `beats`, from its printed symbol.
fn chord_classes(track: &Track, beats: f64) -> Vec<u8> {
    let bar = (beats / 4.0).floor() as u32 + 1;
    let beat_in_bar = beats - f64::from(bar - 1) * 4.0 + 1.0;
    let chords = track.chords_in_bar(bar);
    let symbol = &chords
        .iter()
        .rev()
        .find(|(at, _)| *at <= beat_in_bar + 1e-9)
        .unwrap_or(&chords[0])
        .1;
    let chord = Chord::parse_symbol(symbol).unwrap();
    chord
        .quality
        .intervals()
        .iter()
        .map(|i| (chord.root + i) % 12)
        .collect()
}

const PROMPTS: [&str; 3] = [
    "soulful private school amapiano with vocal chops and a hook, Eb minor, 111 bpm, 128 bars",
    "amapiano with vocals in F minor, 113 bpm, 96 bars",
    "sgija with chops and chants in A minor, 114 bpm, 64 bars",
];

#[test]
fn prompts_choose_the_vocals_and_without_leaves_them_out() {
    let (r, reading) = Request::new(PROMPTS[0], &Options::default()).unwrap();
    assert!(reading.unknown.is_empty(), "{:?}", reading.unknown);
    assert!(r.parts.contains(&Part::Vocals));
    assert!(r.vocals.chops && r.vocals.hook && !r.vocals.chants);
    let (r, _) = Request::new("private school amapiano, no vocals", &Options::default()).unwrap();
    assert!(!r.parts.contains(&Part::Vocals));
    assert_eq!(r.vocals, VocalParts::NONE);
    let without = Options {
        without: vec!["vocals".into()],
        ..Options::default()
    };
    let (r, _) = Request::new(PROMPTS[1], &without).unwrap();
    assert!(!r.parts.contains(&Part::Vocals));
    let t = compose(&r);
    assert!(t.lines.iter().all(|(l, _, _)| l.part() != Part::Vocals));
    // Sgija has few vocals: chants only unless asked.
    let (r, _) = Request::new("sgija in A minor", &Options::default()).unwrap();
    assert_eq!(
        r.vocals,
        VocalParts {
            chants: true,
            ..VocalParts::NONE
        }
    );
}

#[test]
fn sung_notes_stay_in_the_key_and_carry_syllables() {
    for prompt in PROMPTS {
        for seed in [1, 7, 42] {
            let t = track(prompt, seed);
            let sung = t.heard(Part::Vocals);
            assert!(
                sung.len() > 20,
                "{prompt} seed {seed}: {} notes",
                sung.len()
            );
            let share = in_key(&t, &sung);
            assert!(
                share >= 0.95,
                "{prompt} seed {seed}: {:.1} % in key",
                100.0 * share
            );
            assert!(
                sung.iter().all(|n| !n.syllable.is_none()),
                "{prompt} seed {seed}: a sung note without a syllable"
            );
        }
    }
}

#[test]
fn the_hook_sings_chord_tones_on_strong_beats_within_about_an_octave() {
    for seed in [1, 7, 42] {
        let t = track(PROMPTS[0], seed);
        let hook = t.line(Line::VocalHook).unwrap();
        let hook_section = t.sections.iter().find(|s| s.name == "hook").unwrap();
        let (first, last) = (
            f64::from(hook_section.first_bar - 1) * 4.0,
            f64::from(hook_section.last_bar) * 4.0,
        );
        assert!(hook
            .iter()
            .all(|n| n.start_beats >= first && n.start_beats + n.length_beats <= last));
        // The lead: what is not the stacked "ooh" under it (velocity 0.5).
        let lead: Vec<&Note> = hook.iter().filter(|n| n.velocity > 0.6).collect();
        let low = lead.iter().map(|n| n.pitch).min().unwrap();
        let high = lead.iter().map(|n| n.pitch).max().unwrap();
        assert!(
            (7..=14).contains(&(high - low)),
            "seed {seed}: range {low}..{high}"
        );
        let strong: Vec<&&Note> = lead
            .iter()
            .filter(|n| n.start_beats.rem_euclid(2.0) == 0.0)
            .collect();
        let on_chord = strong
            .iter()
            .filter(|n| chord_classes(&t, n.start_beats).contains(&(n.pitch % 12)))
            .count();
        assert!(
            on_chord as f64 >= 0.9 * strong.len() as f64,
            "seed {seed}: {on_chord} of {} strong-beat notes are chord tones",
            strong.len()
        );
        // Every 4-bar phrase ends on a note held to just before its closing bar line.
        let mut phrase_start = first;
        while phrase_start < last {
            let end = phrase_start + 16.0;
            let closing = lead
                .iter()
                .filter(|n| n.start_beats >= phrase_start && n.start_beats < end)
                .map(|n| n.start_beats + n.length_beats)
                .fold(0.0, f64::max);
            assert!(
                (end - 0.3..=end).contains(&closing),
                "seed {seed}: the phrase from beat {phrase_start} ends at {closing}"
            );
            phrase_start = end;
        }
    }
}

#[test]
fn chops_are_short_off_beat_stabs_that_answer_the_log_drum() {
    for (prompt, seed) in [(PROMPTS[0], 3), (PROMPTS[1], 7), (PROMPTS[2], 11)] {
        let t = track(prompt, seed);
        let chops: Vec<Note> = t
            .line(Line::VocalChops)
            .unwrap()
            .iter()
            .filter(|n| n.syllable.as_str() != "hey" && n.syllable.as_str() != "haai")
            .copied()
            .collect();
        assert!(!chops.is_empty() || !t.request.vocals.chops, "{prompt}");
        let log_drum = t.line(Line::LogDrum).unwrap();
        for n in &chops {
            // The 16th it sits on (swing moves odd 16ths a little later).
            let step = (n.start_beats * 4.0).floor() as i64 % 16;
            assert!(
                step % 4 != 0,
                "{prompt}: a chop on the beat at {}",
                n.start_beats
            );
            assert!(
                n.length_beats <= 0.25,
                "{prompt}: a chop of {}",
                n.length_beats
            );
            assert!(
                log_drum
                    .iter()
                    .all(|d| (d.start_beats - n.start_beats).abs() > 0.2),
                "{prompt}: a chop at {} lands on a log drum hit",
                n.start_beats
            );
        }
    }
}

#[test]
fn the_same_seed_sings_the_same_notes() {
    let a = track(PROMPTS[1], 9);
    let b = track(PROMPTS[1], 9);
    let c = track(PROMPTS[1], 10);
    assert_eq!(a.heard(Part::Vocals), b.heard(Part::Vocals));
    assert_ne!(a.heard(Part::Vocals), c.heard(Part::Vocals));
}
