//! Tests of timeline.rs: the pure model, hit-testing and gestures sent as real mouse events.

use super::*;

#[test]
fn ranges_are_read_like_the_engine_reads_them() {
    assert_eq!(parse_ranges("1-16, 33-64", 64), Ok(vec![(1, 16), (33, 64)]));
    assert_eq!(parse_ranges("all", 32), Ok(vec![(1, 32)]));
    assert_eq!(parse_ranges("", 32), Ok(vec![(1, 32)]));
    assert_eq!(parse_ranges("none", 32), Ok(vec![]));
    assert_eq!(parse_ranges("17-end, 5", 32), Ok(vec![(5, 5), (17, 32)]));
    assert_eq!(parse_ranges("40-end", 32), Ok(vec![(40, 40)]));
    assert_eq!(parse_ranges("9-20, 1-4, 3-10", 32), Ok(vec![(1, 20)]));
    assert_eq!(parse_ranges("1-4, 4-6, 7-8", 32), Ok(vec![(1, 6), (7, 8)]));
    for bad in ["0-4", "5-2", "x", "1.5-3", "NaN-4", "1-2-3"] {
        assert!(parse_ranges(bad, 32).is_err(), "{bad}");
    }
}

#[test]
fn ranges_round_trip() {
    assert_eq!(format_ranges(&[(1, 16), (33, 64)]), "1-16, 33-64");
    assert_eq!(format_ranges(&[]), "none");
    assert_eq!(format_ranges(&[(5, 5), (7, 8)]), "5, 7-8");
    for r in [
        vec![],
        vec![(1, 1)],
        vec![(1, 4), (5, 8), (17, 64)],
        vec![(3, 1000)],
    ] {
        assert_eq!(parse_ranges(&format_ranges(&r), 64), Ok(r.clone()), "{r:?}");
    }
}

#[test]
fn moves_stay_sorted_apart_and_after_bar_one() {
    let r = [(1, 4), (9, 12), (17, 20)];
    assert_eq!(move_range(&r, 1, 2), [(1, 4), (11, 14), (17, 20)]);
    assert_eq!(move_range(&r, 1, -6), [(1, 6), (17, 20)], "overlap merges");
    assert_eq!(move_range(&[(5, 8)], 0, -20), [(1, 4)], "stops at bar 1");
    assert_eq!(move_range(&r, 0, 10), [(9, 14), (17, 20)]);
    assert_eq!(
        move_range(&r, 0, 12),
        [(9, 12), (13, 16), (17, 20)],
        "past the others"
    );
    assert_eq!(
        move_range(&r, 0, 4),
        [(5, 8), (9, 12), (17, 20)],
        "touching stays apart"
    );
    assert_eq!(move_range(&r, 7, 1), r);
    assert_eq!(resize_range(&r, 0, 2), [(1, 2), (9, 12), (17, 20)]);
    assert_eq!(
        resize_range(&r, 1, 3),
        [(1, 4), (9, 9), (17, 20)],
        "not before its first"
    );
    assert_eq!(resize_range(&r, 1, 18), [(1, 4), (9, 20)]);
    assert_eq!(
        add_range(&r, 6, 4, 32),
        [(1, 4), (6, 8), (9, 12), (17, 20)],
        "cut before the next"
    );
    assert_eq!(
        add_range(&r, 30, 4, 32),
        [(1, 4), (9, 12), (17, 20), (30, 32)],
        "and at the end"
    );
    assert_eq!(delete_range(&r, 1), [(1, 4), (17, 20)]);
    assert_eq!(delete_range(&r, 3), r);
}

#[test]
fn hit_testing_finds_bars_tracks_blocks_and_switches() {
    // 32 bars over 320 px right of the names: 10 px a bar; rows of 32 px below the ruler.
    let l = TimelineLayout {
        size: Size::new(440.0, 300.0),
        total_bars: 32,
        tracks: 2,
    };
    assert_eq!(l.bar_at(125.0), 1);
    assert_eq!(l.bar_at(215.0), 10);
    assert_eq!(l.bar_at(9999.0), 32);
    assert_eq!(l.bar_at(0.0), 1);
    assert_eq!(l.track_at(RULER_HEIGHT + 40.0), Some(1));
    assert_eq!(l.track_at(10.0), None);
    assert_eq!(l.track_at(RULER_HEIGHT + 70.0), None);
    let ranges = [(1, 4), (9, 12)];
    let y = RULER_HEIGHT + 16.0;
    assert_eq!(
        l.range_at(&ranges, 0, Point::new(130.0, y)),
        Some((0, RangePart::Body))
    );
    assert_eq!(
        l.range_at(&ranges, 0, Point::new(158.0, y)),
        Some((0, RangePart::End))
    );
    assert_eq!(l.range_at(&ranges, 0, Point::new(170.0, y)), None);
    assert_eq!(
        l.range_at(&ranges, 0, Point::new(205.0, y)),
        Some((1, RangePart::Body))
    );
    let m = l.toggle_rect(1, Toggle::Mute);
    assert_eq!(
        l.toggle_at(Point::new(m.x + 2.0, m.y + 2.0)),
        Some((1, Toggle::Mute))
    );
    let s = l.toggle_rect(0, Toggle::Solo);
    assert_eq!(
        l.toggle_at(Point::new(s.x + 2.0, s.y + 2.0)),
        Some((0, Toggle::Solo))
    );
    assert_eq!(l.toggle_at(Point::new(5.0, y)), None);
}

#[test]
fn double_clicks_are_quick_and_close() {
    let t = Instant::now();
    let p = Point::new(10.0, 10.0);
    assert!(is_double_click(
        Some((t, p)),
        t + Duration::from_millis(200),
        Point::new(12.0, 11.0)
    ));
    assert!(!is_double_click(
        Some((t, p)),
        t + Duration::from_millis(600),
        p
    ));
    assert!(!is_double_click(Some((t, p)), t, Point::new(40.0, 10.0)));
    assert!(!is_double_click(None, t, p));
    assert_eq!(fit_name("log drum bass", 40.0), "log d…");
    assert_eq!(fit_name("keys", 40.0), "keys");
}

/// Sends a mouse event at `at` to a 440 × 300 timeline; returns the message published.
fn send(
    t: &Timeline<'_, String>,
    s: &mut TimelineState,
    e: mouse::Event,
    at: Point,
) -> Option<String> {
    use canvas::Program;
    let bounds = Rectangle::new(Point::ORIGIN, Size::new(440.0, 300.0));
    let cursor = mouse::Cursor::Available(at);
    t.update(s, &Event::Mouse(e), bounds, cursor)
        .and_then(|a| a.into_inner().0)
}

#[test]
fn a_gesture_sends_changes_then_one_release() {
    let track = TrackLane {
        name: "keys".into(),
        ranges: vec![(1, 4)],
        ..TrackLane::default()
    };
    let timeline = Timeline {
        tracks: vec![track],
        sections: vec![("intro".into(), 1, 8)],
        total_bars: 32,
        playhead_bars: Some(3.5),
        on_change: Box::new(|i, text| format!("{i}: {text}")),
        on_toggle: Box::new(|i, t| format!("{i}: {t:?}")),
        on_release: "released".to_string(),
    };
    let mut s = TimelineState::default();
    let y = RULER_HEIGHT + 16.0;
    let press = mouse::Event::ButtonPressed(mouse::Button::Left);
    let release = mouse::Event::ButtonReleased(mouse::Button::Left);
    let moved = |x| mouse::Event::CursorMoved {
        position: Point::new(x, y),
    };
    let at = |x| Point::new(x, y);
    assert_eq!(send(&timeline, &mut s, press, at(125.0)), None);
    assert_eq!(
        send(&timeline, &mut s, moved(155.0), at(155.0)),
        Some("0: 4-7".into())
    );
    assert_eq!(
        send(&timeline, &mut s, moved(999.0), at(999.0)),
        Some("0: 29-32".into())
    );
    assert_eq!(
        send(&timeline, &mut s, release, at(999.0)),
        Some("released".into())
    );
    // A double-click on empty space places 4 bars.
    assert_eq!(send(&timeline, &mut s, press, at(300.0)), None);
    assert_eq!(send(&timeline, &mut s, release, at(300.0)), None);
    assert_eq!(
        send(&timeline, &mut s, press, at(301.0)),
        Some("0: 1-4, 19-22".into())
    );
    assert_eq!(
        send(&timeline, &mut s, release, at(301.0)),
        Some("released".into())
    );
    let solo = timeline
        .layout(Size::new(440.0, 300.0))
        .toggle_rect(0, Toggle::Solo);
    let on_solo = Point::new(solo.x + 1.0, solo.y + 1.0);
    assert_eq!(
        send(&timeline, &mut s, press, on_solo),
        Some("0: Solo".into())
    );
}
