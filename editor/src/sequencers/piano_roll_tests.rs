//! Tests of piano_roll.rs: the pure model, hit-testing and gestures sent as real mouse events.

use super::*;

fn note(pitch: u8, start: f64, length: f64, velocity: u8) -> ClipNote {
    ClipNote {
        pitch,
        start,
        length,
        velocity,
        syllable: Syllable::NONE,
    }
}

fn sung(pitch: u8, start: f64, lyric: &str) -> ClipNote {
    ClipNote {
        syllable: Syllable::new(lyric).unwrap(),
        ..note(pitch, start, 1.0, 100)
    }
}

#[test]
fn syllables_show_in_the_text_and_the_lyrics_line_lays_them_on_onsets() {
    let notes = parse_notes("Eb4 yeah 0 1; F4+Ab4 ooh 1 1; G4 2 1").unwrap();
    assert_eq!(notes[0], sung(63, 0.0, "yeah"));
    assert_eq!(notes[2].syllable.as_str(), "ooh");
    assert_eq!(lyrics(&notes), "yeah ooh -");
    assert_eq!(format_notes(&notes), "Eb4 yeah 0 1; F4+Ab4 ooh 1 1; G4 2 1");
    // Words go onto onsets in time order; a chord shares its word; "-" and missing words clear.
    let relyric = set_lyrics(&notes, "ah - oh").unwrap();
    assert_eq!(
        relyric
            .iter()
            .map(|n| n.syllable.as_str())
            .collect::<Vec<_>>(),
        ["ah", "", "", "oh"]
    );
    assert_eq!(format_notes(&relyric), "Eb4 ah 0 1; F4+Ab4 1 1; G4 oh 2 1");
    let fewer = set_lyrics(&notes, "la").unwrap();
    assert_eq!(lyrics(&fewer), "la - -");
    let too_many = set_lyrics(&notes, "a b c d").unwrap_err();
    assert!(too_many.contains("\"d\""), "{too_many}");
    let not_a_syllable = set_lyrics(&notes, "ah ngiyabonga").unwrap_err();
    assert!(not_a_syllable.contains("ngiyabonga"), "{not_a_syllable}");
    // A harmony on its own word keeps it; the top note's word is the line's.
    let harmony = parse_notes("Eb4 o 0 1; Gb3+Bb3 ooh 0 4").unwrap();
    assert_eq!(lyrics(&harmony), "o");
    let relyric = set_lyrics(&harmony, "yeah").unwrap();
    assert_eq!(
        relyric
            .iter()
            .map(|n| n.syllable.as_str())
            .collect::<Vec<_>>(),
        ["ooh", "ooh", "yeah"]
    );
    // Moving a sung note keeps its syllable.
    let mut clip = Clip {
        notes: notes.clone(),
        length_beats: 8.0,
    };
    clip.move_note(0, 2.0, 2);
    assert_eq!(clip.notes[0], sung(65, 2.0, "yeah"));
}

#[test]
fn chords_split_and_default_velocity() {
    let n = parse_notes("F2+Ab2 0 4 90; Bb1 4.5 0.25").unwrap();
    assert_eq!(
        n,
        [
            note(41, 0.0, 4.0, 90),
            note(44, 0.0, 4.0, 90),
            note(34, 4.5, 0.25, 100)
        ]
    );
    assert!(parse_notes("F2 0").unwrap_err().contains("entry 1"));
    assert!(parse_notes("C4 0 1; Q4 1 1").is_err());
    assert_eq!(parse_notes("  ").unwrap(), []);
}

#[test]
fn format_joins_chords_sorts_and_round_trips() {
    let n = vec![
        note(34, 4.0, 2.0, 100),
        note(44, 0.0, 4.0, 90),
        note(41, 0.0, 4.0, 90),
        note(60, 0.0, 0.25, 90),
    ];
    let text = format_notes(&n);
    assert_eq!(text, "F2+Ab2 0 4 90; C4 0 0.25 90; Bb1 4 2");
    let back = parse_notes(&text).unwrap();
    assert_eq!(sorted(&back), sorted(&n));
    assert_eq!(format_notes(&back), text);
    assert_eq!(format_notes(&[]), "");
    // Nonsense numbers still give readable text.
    let odd = format_notes(&[note(200, f64::NAN, -1.0, 0)]);
    assert_eq!(parse_notes(&odd).unwrap(), [note(127, 0.0, 0.25, 1)]);
}

#[test]
fn snapping_is_to_sixteenths() {
    assert_eq!(snap(1.1), 1.0);
    assert_eq!(snap(1.13), 1.25);
    assert_eq!(snap_down(1.24), 1.0);
    assert_eq!(snap(-0.1), 0.0);
}

#[test]
fn edits_keep_notes_in_the_clip() {
    let mut c = Clip {
        notes: vec![note(60, 2.0, 1.0, 100), note(64, 0.1, 1.0, 80)],
        length_beats: 4.0,
    };
    c.move_note(0, 0.9, 2);
    assert_eq!(c.notes[0], note(62, 3.0, 1.0, 100));
    c.move_note(0, 5.0, 200);
    assert_eq!(
        c.notes[0],
        note(127, 3.0, 1.0, 100),
        "stops at the clip end and pitch 127"
    );
    c.move_note(1, 0.0, -70);
    assert_eq!(
        c.notes[1],
        note(0, 0.1, 1.0, 80),
        "no time move keeps an off-grid start"
    );
    c.move_note(1, -3.0, 0);
    assert_eq!(c.notes[1].start, 0.0);
    c.resize(0, 9.0);
    assert_eq!(c.notes[0].length, 1.0, "cannot grow past the clip end");
    c.resize(0, 0.01);
    assert_eq!(c.notes[0].length, MIN_LENGTH);
    c.resize(0, 0.6);
    assert_eq!(c.notes[0].length, 0.5);
    let i = c.add(note(60, 3.9, 2.0, 100));
    assert_eq!(
        c.notes[i],
        note(60, 2.0, 2.0, 100),
        "pulled back inside the clip"
    );
    c.set_velocity(i, 0);
    assert_eq!(c.notes[i].velocity, 1);
    c.delete(0);
    c.delete(99);
    c.move_note(99, 1.0, 1);
    assert_eq!(c.notes.len(), 2);
    assert_eq!(c.notes[0].pitch, 0);
}

#[test]
fn pitch_range_fits_notes_with_two_octaves_at_least() {
    assert_eq!(fit_range(&[]), (48, 72));
    assert_eq!(fit_range(&[note(60, 0.0, 1.0, 100)]), (48, 72));
    assert_eq!(
        fit_range(&[note(30, 0.0, 1.0, 100), note(90, 0.0, 1.0, 100)]),
        (27, 93)
    );
    assert_eq!(fit_range(&[note(1, 0.0, 1.0, 100)]), (0, 24));
    assert_eq!(fit_range(&[note(127, 0.0, 1.0, 100)]), (103, 127));
    assert_eq!(shift_range((48, 72), 100), (103, 127));
    assert_eq!(shift_range((48, 72), -100), (0, 24));
}

#[test]
fn hit_testing_finds_notes_beats_and_pitches() {
    // Grid: x 40..440 (16 beats, 25 px a beat), y 0..200 for pitches 60..=79 (10 px a row).
    let l = RollLayout {
        size: Size::new(440.0, 264.0),
        length_beats: 16.0,
        lowest: 60,
        highest: 79,
    };
    assert_eq!(
        l.grid(),
        Rectangle::new(Point::new(40.0, 0.0), Size::new(400.0, 200.0))
    );
    assert_eq!(l.beat_at(90.0), 2.0);
    assert_eq!(l.pitch_at(5.0), Some(79));
    assert_eq!(l.pitch_at(199.0), Some(60));
    assert_eq!(l.pitch_at(201.0), None);
    let notes = [note(79, 2.0, 2.0, 100), note(79, 3.0, 1.0, 100)];
    assert_eq!(
        l.note_at(&notes, Point::new(95.0, 5.0)),
        Some((0, NotePart::Body))
    );
    assert_eq!(
        l.note_at(&notes, Point::new(120.0, 5.0)),
        Some((1, NotePart::Body)),
        "topmost"
    );
    assert_eq!(
        l.note_at(&notes, Point::new(137.0, 5.0)),
        Some((1, NotePart::End))
    );
    assert_eq!(l.note_at(&notes, Point::new(95.0, 15.0)), None);
    assert_eq!(l.velocity_at(l.lane().y), 127);
    assert_eq!(l.velocity_at(1000.0), 1);
    let chord = [
        note(60, 1.0, 1.0, 90),
        note(64, 1.0, 1.0, 90),
        note(67, 4.0, 1.0, 90),
    ];
    assert_eq!(l.velocity_targets(&chord, 70.0), [0, 1]);
    assert_eq!(l.velocity_targets(&chord, 142.0), [2]);
    assert!(l.velocity_targets(&chord, 400.0).is_empty());
}

/// Sends a mouse event at `at` to a 440 × 264 roll; returns the message published.
fn send(
    r: &PianoRoll<'_, String>,
    s: &mut RollState,
    e: mouse::Event,
    at: Point,
) -> Option<String> {
    use canvas::Program;
    let bounds = Rectangle::new(Point::ORIGIN, Size::new(440.0, 264.0));
    let cursor = mouse::Cursor::Available(at);
    r.update(s, &Event::Mouse(e), bounds, cursor)
        .and_then(|a| a.into_inner().0)
}

#[test]
fn a_gesture_sends_changes_then_one_release() {
    // 4 beats over 400 px: 100 px a beat; pitches 48..=72 in rows of 8 px (C4 at y 96..104).
    let roll = |notes: &str| PianoRoll {
        notes: parse_notes(notes).unwrap(),
        length_beats: 4.0,
        playhead_beats: None,
        on_change: Box::new(|n: Vec<ClipNote>| format_notes(&n)),
        on_release: "released".to_string(),
    };
    let (empty, mut s) = (roll(""), RollState::default());
    let (left, right) = (mouse::Button::Left, mouse::Button::Right);
    let press = |b| mouse::Event::ButtonPressed(b);
    let moved = |x| mouse::Event::CursorMoved {
        position: Point::new(x, 100.0),
    };
    let at = |x| Point::new(x, 100.0);
    assert_eq!(
        send(&empty, &mut s, press(left), at(90.0)),
        Some("C4 0.5 1".into())
    );
    assert_eq!(
        send(&empty, &mut s, moved(190.0), at(190.0)),
        Some("C4 1.5 1".into())
    );
    assert_eq!(
        send(&empty, &mut s, moved(195.0), at(195.0)),
        None,
        "same 16th"
    );
    let release = mouse::Event::ButtonReleased(left);
    assert_eq!(
        send(&empty, &mut s, release, at(195.0)),
        Some("released".into())
    );
    // Drag the right edge of a note (beats 1..2, x 140..240) half a beat to the right.
    let one = roll("C4 1 1");
    assert_eq!(send(&one, &mut s, press(left), at(237.0)), None);
    assert_eq!(
        send(&one, &mut s, moved(287.0), at(287.0)),
        Some("C4 1 1.5".into())
    );
    assert_eq!(
        send(&one, &mut s, release, at(287.0)),
        Some("released".into())
    );
    assert_eq!(
        send(&one, &mut s, press(right), at(150.0)),
        Some("".into()),
        "deleted"
    );
    assert_eq!(
        send(&one, &mut s, mouse::Event::ButtonReleased(right), at(150.0)),
        Some("released".into())
    );
    // The new note takes the length last used.
    assert_eq!(
        send(&empty, &mut s, press(left), at(40.0)),
        Some("C4 0 1.5".into())
    );
}
