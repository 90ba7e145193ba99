//! Tests of steps_grid.rs: the pure model, hit-testing and gestures sent as real mouse events.

use super::*;

#[test]
fn parse_reads_every_strength_and_skips_separators() {
    let p = StepPattern::parse("X.o | x-?_ O");
    use Strength::*;
    assert_eq!(p.steps, [Accent, Rest, Ghost, Hit, Rest, Rest, Rest, Ghost]);
    assert!(StepPattern::parse("").steps.is_empty());
    assert_eq!(StepPattern::parse("ü€x").steps, [Rest, Rest, Hit]);
}

#[test]
fn text_writes_bars_of_sixteen_and_round_trips() {
    let p = StepPattern::parse("x...x...x...x...X..o....");
    assert_eq!(p.text(), "x...x...x...x... | X..o....");
    assert_eq!(StepPattern::parse(&p.text()), p);
    let long = StepPattern::parse(&"Xox.".repeat(13));
    assert_eq!(long.text().matches(" | ").count(), 3);
    assert_eq!(StepPattern::parse(&long.text()), long);
    assert_eq!(StepPattern::default().text(), "");
}

#[test]
fn toggle_and_set_edit_one_step() {
    let mut p = StepPattern::parse("X.o.");
    p.toggle(1);
    p.toggle(0);
    p.toggle(2);
    assert_eq!(p.text(), ".x..");
    p.set(3, Strength::Accent);
    p.set(99, Strength::Accent);
    p.toggle(99);
    assert_eq!(p.text(), ".x.X");
    assert_eq!(StepPattern::default().editable().steps.len(), 16);
}

#[test]
fn cells_are_found_in_rows_of_sixteen() {
    let size = Size::new(320.0, 40.0);
    // 24 steps: two rows of 16 columns, 20 × 20 px; the second row stops after 8 cells.
    assert_eq!(cell_at(size, 24, Point::new(5.0, 5.0)), Some(0));
    assert_eq!(cell_at(size, 24, Point::new(319.0, 19.0)), Some(15));
    assert_eq!(cell_at(size, 24, Point::new(45.0, 25.0)), Some(18));
    assert_eq!(
        cell_at(size, 24, Point::new(200.0, 25.0)),
        None,
        "past the end"
    );
    assert_eq!(cell_at(size, 24, Point::new(-1.0, 5.0)), None);
    assert_eq!(cell_at(size, 24, Point::new(5.0, 40.0)), None);
    assert_eq!(cell_at(size, 0, Point::new(5.0, 5.0)), None);
    // A 4-step pattern spreads over the width.
    assert_eq!(cell_at(size, 4, Point::new(250.0, 30.0)), Some(3));
    let r = cell_rect(size, 24, 18);
    assert_eq!((r.x, r.y, r.width, r.height), (40.0, 20.0, 20.0, 20.0));
}

#[test]
fn height_in_a_cell_sets_strength() {
    let size = Size::new(160.0, 80.0); // 16 steps, one row: cells 10 × 80
    let at = |y| strength_at(size, 16, Point::new(15.0, y)).map(|(_, s)| s);
    assert_eq!(at(5.0), Some(Strength::Accent));
    assert_eq!(at(30.0), Some(Strength::Hit));
    assert_eq!(at(50.0), Some(Strength::Ghost));
    assert_eq!(at(75.0), Some(Strength::Rest));
    let cell = cell_rect(size, 16, 1);
    assert_eq!(strength_in(cell, -50.0), Strength::Accent, "above the cell");
    assert_eq!(strength_in(cell, 500.0), Strength::Rest, "below the cell");
    assert_eq!(
        strength_at(size, 16, Point::new(15.0, 5.0)).map(|x| x.0),
        Some(1)
    );
}

/// Sends a mouse event at `at` to a 160 × 40 grid; returns the message published.
fn send(g: &StepGrid<'_, String>, s: &mut GridState, e: mouse::Event, at: Point) -> Option<String> {
    use canvas::Program;
    let bounds = Rectangle::new(Point::ORIGIN, Size::new(160.0, 40.0));
    let cursor = mouse::Cursor::Available(at);
    g.update(s, &Event::Mouse(e), bounds, cursor)
        .and_then(|a| a.into_inner().0)
}

#[test]
fn a_gesture_sends_changes_then_one_release() {
    let grid = StepGrid {
        pattern: StepPattern::parse("x..."),
        current_step: None,
        on_change: Box::new(|text| text),
        on_release: "released".to_string(),
    };
    let mut s = GridState::default();
    let (press, left) = (
        mouse::Event::ButtonPressed(mouse::Button::Left),
        mouse::Button::Left,
    );
    let moved = |y| mouse::Event::CursorMoved {
        position: Point::new(50.0, y),
    };
    assert_eq!(
        send(&grid, &mut s, press, Point::new(50.0, 20.0)),
        Some("xx..".into())
    );
    assert_eq!(
        send(&grid, &mut s, moved(18.0), Point::new(50.0, 18.0)),
        None,
        "not yet a drag"
    );
    assert_eq!(
        send(&grid, &mut s, moved(2.0), Point::new(50.0, 2.0)),
        Some("xX..".into())
    );
    assert_eq!(
        send(&grid, &mut s, moved(3.0), Point::new(50.0, 3.0)),
        None,
        "no change"
    );
    assert_eq!(
        send(&grid, &mut s, moved(35.0), Point::new(50.0, 35.0)),
        Some("x...".into())
    );
    let release = mouse::Event::ButtonReleased(left);
    assert_eq!(
        send(&grid, &mut s, release, Point::new(50.0, 35.0)),
        Some("released".into())
    );
    assert_eq!(
        send(&grid, &mut s, release, Point::new(50.0, 35.0)),
        None,
        "only once"
    );
    assert_eq!(
        send(&grid, &mut s, press, Point::new(500.0, 20.0)),
        None,
        "outside"
    );
}
