//! The arrangement timeline of `sequence.arrangement`: a ruler with bar numbers and section names,
//! one row per track (name, mute "M" and solo "S" boxes at the left) with its placements (bar
//! ranges like "1-16, 33-64") as rounded blocks, greyed where the track is not heard, and the
//! playhead.
//!
//! Drag a block to move it by whole bars, its right edge to change its length; double-click empty
//! space in a row to place 4 bars there; right click a block to remove it; click M or S to toggle
//! them. Edits leave as the track's new range text through `on_change(track, text)` (once per
//! change during a gesture), then one `on_release`; toggles through `on_toggle`.
//!
//! It must never panic on range text it cannot read (`parse_ranges` returns an error instead), nor
//! on odd numbers of bars or tracks; edits keep ranges sorted, apart and from bar 1 on.

use std::time::{Duration, Instant};

use iced::mouse;
use iced::widget::canvas::{self, Action, Event, Frame, Geometry, Path, Stroke, Text};
use iced::{Color, Point, Rectangle, Renderer, Size, Theme};
use yano_nodes::sequence::notation::parse_bar_ranges;

/// Width of the track names column, height of the ruler, tallest row, resize edge (pixels).
pub const HEADER_WIDTH: f32 = 120.0;
pub const RULER_HEIGHT: f32 = 36.0;
pub const ROW_HEIGHT: f32 = 32.0;
pub const EDGE: f32 = 6.0;
/// Bars placed by a double-click.
pub const NEW_RANGE_BARS: u32 = 4;
const DOUBLE_CLICK: Duration = Duration::from_millis(400);

/// One track: its placements (bars counted from 1, both ends included), mute and solo.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrackLane {
    pub name: String,
    pub ranges: Vec<(u32, u32)>,
    pub mute: bool,
    pub solo: bool,
}

/// A track switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toggle {
    Mute,
    Solo,
}

/// Reads "1-16, 33-64", "17-end", "all" (the whole song), "none" or "" (all, as the engine
/// reads it), sorted and with overlaps merged. Bars must be whole numbers.
pub fn parse_ranges(text: &str, total_bars: u32) -> Result<Vec<(u32, u32)>, String> {
    let ranges = parse_bar_ranges(text)?
        .into_iter()
        .map(|(from, to)| {
            let whole = |x: f64| x.fract() == 0.0 && x < f64::from(u32::MAX);
            if !whole(from) || (to.is_finite() && !whole(to)) {
                return Err(format!("\"{}\": bars are whole numbers", text.trim()));
            }
            let first = from as u32 + 1;
            let last = if to.is_finite() {
                to as u32
            } else {
                total_bars
            };
            Ok((first, last.max(first)))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(normalize(&ranges))
}

/// Writes "1-16, 33-64" ("5" for a single bar), or "none".
pub fn format_ranges(ranges: &[(u32, u32)]) -> String {
    if ranges.is_empty() {
        return "none".into();
    }
    let text = |&(a, b): &(u32, u32)| {
        if a == b {
            a.to_string()
        } else {
            format!("{a}-{b}")
        }
    };
    ranges.iter().map(text).collect::<Vec<_>>().join(", ")
}

/// Ranges starting at bar 1 or later, running forwards, sorted, overlapping ones merged
/// (ranges that only touch stay apart, as two blocks).
pub fn normalize(ranges: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut sorted: Vec<(u32, u32)> = ranges
        .iter()
        .map(|&(a, b)| (a.max(1), b.max(a.max(1))))
        .collect();
    sorted.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(sorted.len());
    for (a, b) in sorted {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Moves range `i` by whole bars (not before bar 1), merging it with any it then overlaps.
pub fn move_range(ranges: &[(u32, u32)], i: usize, d_bars: i64) -> Vec<(u32, u32)> {
    let mut out = ranges.to_vec();
    if let Some((a, b)) = out.get_mut(i) {
        let d = d_bars.max(1 - i64::from(*a));
        let shift = |x: u32| (i64::from(x) + d).clamp(1, i64::from(u32::MAX)) as u32;
        (*a, *b) = (shift(*a), shift(*b));
    }
    normalize(&out)
}

/// Gives range `i` a new last bar (not before its first), merging as needed.
pub fn resize_range(ranges: &[(u32, u32)], i: usize, new_last: u32) -> Vec<(u32, u32)> {
    let mut out = ranges.to_vec();
    if let Some((a, b)) = out.get_mut(i) {
        *b = new_last.max(*a);
    }
    normalize(&out)
}

/// Places `bars` bars from `first`, cut short before the next range and at the song's end.
pub fn add_range(ranges: &[(u32, u32)], first: u32, bars: u32, total_bars: u32) -> Vec<(u32, u32)> {
    let first = first.max(1);
    let next = ranges.iter().map(|r| r.0).filter(|a| *a > first).min();
    let last = first
        .saturating_add(bars.max(1) - 1)
        .min(total_bars)
        .min(next.map_or(u32::MAX, |n| n - 1))
        .max(first);
    let mut out = ranges.to_vec();
    out.push((first, last));
    normalize(&out)
}

pub fn delete_range(ranges: &[(u32, u32)], i: usize) -> Vec<(u32, u32)> {
    let mut out = ranges.to_vec();
    if i < out.len() {
        out.remove(i);
    }
    out
}

/// Whether a press at `p`, `now`, completes a double-click begun by the last press.
pub fn is_double_click(last: Option<(Instant, Point)>, now: Instant, p: Point) -> bool {
    last.is_some_and(|(t, q)| now.duration_since(t) <= DOUBLE_CLICK && q.distance(p) <= 5.0)
}

/// Which part of a block the pointer is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangePart {
    Body,
    /// The last few pixels, for changing the length.
    End,
}

/// Where things are in a timeline of `size` with `tracks` rows and `total_bars` bars.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimelineLayout {
    pub size: Size,
    pub total_bars: u32,
    pub tracks: usize,
}

impl TimelineLayout {
    pub fn bar_width(&self) -> f32 {
        (self.size.width - HEADER_WIDTH).max(1.0) / self.total_bars.max(1) as f32
    }

    /// The left edge of a bar (counted from 1; fractions allowed).
    pub fn x_of(&self, bar: f64) -> f32 {
        HEADER_WIDTH + (bar as f32 - 1.0) * self.bar_width()
    }

    /// The bar at x, kept inside 1..=total_bars.
    pub fn bar_at(&self, x: f32) -> u32 {
        let bar = ((x - HEADER_WIDTH) / self.bar_width()).floor() + 1.0;
        bar.clamp(1.0, self.total_bars.max(1) as f32) as u32
    }

    pub fn row_height(&self) -> f32 {
        ((self.size.height - RULER_HEIGHT) / self.tracks.max(1) as f32).clamp(1.0, ROW_HEIGHT)
    }

    pub fn row_y(&self, track: usize) -> f32 {
        RULER_HEIGHT + track as f32 * self.row_height()
    }

    pub fn track_at(&self, y: f32) -> Option<usize> {
        let row = ((y - RULER_HEIGHT) / self.row_height()).floor();
        (row >= 0.0 && (row as usize) < self.tracks).then_some(row as usize)
    }

    pub fn range_rect(&self, track: usize, (first, last): (u32, u32)) -> Rectangle {
        let x = self.x_of(f64::from(first));
        let w = (self.x_of(f64::from(last) + 1.0) - x).max(2.0);
        let inset = (self.row_height() * 0.1).min(3.0);
        let h = (self.row_height() - 2.0 * inset).max(1.0);
        Rectangle::new(Point::new(x, self.row_y(track) + inset), Size::new(w, h))
    }

    /// The block of `track` under `p` and the part of it.
    pub fn range_at(
        &self,
        ranges: &[(u32, u32)],
        track: usize,
        p: Point,
    ) -> Option<(usize, RangePart)> {
        if p.x < HEADER_WIDTH {
            return None;
        }
        let (i, r) = (ranges.iter().enumerate())
            .map(|(i, range)| (i, self.range_rect(track, *range)))
            .find(|(_, r)| r.contains(p))?;
        Some((
            i,
            if super::on_end_edge(r, p.x, EDGE) {
                RangePart::End
            } else {
                RangePart::Body
            },
        ))
    }

    /// The mute or solo box of a track.
    pub fn toggle_rect(&self, track: usize, toggle: Toggle) -> Rectangle {
        let side = (self.row_height() - 4.0).clamp(1.0, 18.0);
        let x = HEADER_WIDTH
            - 4.0
            - if toggle == Toggle::Mute {
                2.0 * side + 4.0
            } else {
                side
            };
        let y = self.row_y(track) + (self.row_height() - side) / 2.0;
        Rectangle::new(Point::new(x, y), Size::new(side, side))
    }

    pub fn toggle_at(&self, p: Point) -> Option<(usize, Toggle)> {
        let track = self.track_at(p.y)?;
        [Toggle::Mute, Toggle::Solo]
            .into_iter()
            .find(|t| self.toggle_rect(track, *t).contains(p))
            .map(|t| (track, t))
    }
}

#[derive(Debug, Clone)]
enum Gesture {
    /// Moving (or resizing) range `index` of `track`, as it was at the press (`base`).
    Range {
        track: usize,
        index: usize,
        resize: bool,
        base: Vec<(u32, u32)>,
        press_bar: u32,
        sent: Vec<(u32, u32)>,
    },
    /// A block was added or removed; waiting for the release.
    Edited,
}

/// The timeline's own state: the gesture in progress and the last press (for double-clicks).
#[derive(Debug, Clone, Default)]
pub struct TimelineState {
    gesture: Option<Gesture>,
    last_press: Option<(Instant, Point)>,
}

/// The arrangement timeline, a canvas program. `playhead_bars` counts bars from 0 (the start of
/// bar 1); `sections` are (name, first bar, last bar).
pub struct Timeline<'a, Message> {
    pub tracks: Vec<TrackLane>,
    pub sections: Vec<(String, u32, u32)>,
    pub total_bars: u32,
    pub playhead_bars: Option<f64>,
    pub on_change: Box<dyn Fn(usize, String) -> Message + 'a>,
    pub on_toggle: Box<dyn Fn(usize, Toggle) -> Message + 'a>,
    pub on_release: Message,
}

impl<Message: Clone> Timeline<'_, Message> {
    fn layout(&self, size: Size) -> TimelineLayout {
        TimelineLayout {
            size,
            total_bars: self.total_bars.max(1),
            tracks: self.tracks.len(),
        }
    }

    fn change(&self, track: usize, ranges: &[(u32, u32)]) -> Option<Action<Message>> {
        Some(Action::publish((self.on_change)(track, format_ranges(ranges))).and_capture())
    }
}

impl<Message: Clone> canvas::Program<Message> for Timeline<'_, Message> {
    type State = TimelineState;

    fn update(
        &self,
        state: &mut TimelineState,
        event: &Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<Action<Message>> {
        let Event::Mouse(event) = event else {
            return None;
        };
        let l = self.layout(bounds.size());
        match *event {
            mouse::Event::ButtonPressed(button) if state.gesture.is_none() => {
                let p = cursor.position_in(bounds)?;
                if let Some((track, toggle)) =
                    l.toggle_at(p).filter(|_| button == mouse::Button::Left)
                {
                    return Some(Action::publish((self.on_toggle)(track, toggle)).and_capture());
                }
                let track = l.track_at(p.y)?;
                let ranges = &self.tracks[track].ranges;
                match (button, l.range_at(ranges, track, p)) {
                    (mouse::Button::Right, Some((i, _))) => {
                        state.gesture = Some(Gesture::Edited);
                        self.change(track, &delete_range(ranges, i))
                    }
                    (mouse::Button::Left, Some((index, part))) => {
                        let (base, sent) = (ranges.clone(), ranges.clone());
                        let (resize, press_bar) = (part == RangePart::End, l.bar_at(p.x));
                        state.gesture = Some(Gesture::Range {
                            track,
                            index,
                            resize,
                            base,
                            press_bar,
                            sent,
                        });
                        Some(Action::capture())
                    }
                    (mouse::Button::Left, None) if p.x >= HEADER_WIDTH => {
                        let now = Instant::now();
                        if is_double_click(state.last_press.take(), now, p) {
                            state.gesture = Some(Gesture::Edited);
                            return self.change(
                                track,
                                &add_range(ranges, l.bar_at(p.x), NEW_RANGE_BARS, l.total_bars),
                            );
                        }
                        state.last_press = Some((now, p));
                        Some(Action::capture())
                    }
                    _ => None,
                }
            }
            mouse::Event::CursorMoved { position } => {
                let Some(Gesture::Range {
                    track,
                    index,
                    resize,
                    base,
                    press_bar,
                    sent,
                }) = &mut state.gesture
                else {
                    return None;
                };
                let d = i64::from(l.bar_at(position.x - bounds.x)) - i64::from(*press_bar);
                let (first, last) = base[*index];
                let edited = if *resize {
                    let new_last = (i64::from(last) + d)
                        .clamp(i64::from(first), i64::from(l.total_bars.max(first)));
                    resize_range(base, *index, new_last as u32)
                } else {
                    let room = i64::from(l.total_bars) - i64::from(last);
                    move_range(base, *index, d.min(room).max(1 - i64::from(first)))
                };
                if edited == *sent {
                    return Some(Action::capture());
                }
                sent.clone_from(&edited);
                self.change(*track, &edited)
            }
            mouse::Event::ButtonReleased(_) => {
                state.gesture.take()?;
                Some(Action::publish(self.on_release.clone()).and_capture())
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        _state: &TimelineState,
        renderer: &Renderer,
        theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let palette = theme.palette();
        let fade = |c: Color, a: f32| Color { a, ..c };
        let mut frame = Frame::new(renderer, bounds.size());
        let f = &mut frame;
        let l = self.layout(bounds.size());
        let (bottom, bw, ink) = (l.row_y(self.tracks.len()), l.bar_width(), palette.text);
        f.fill_rectangle(Point::ORIGIN, bounds.size(), palette.background);
        // Sections, in a band at the top of the ruler.
        for (k, (name, first, last)) in self.sections.iter().enumerate() {
            let x = l.x_of(f64::from(*first));
            let w = (l.x_of(f64::from(*last) + 1.0) - x).max(1.0);
            let band = fade(palette.success, if k % 2 == 1 { 0.2 } else { 0.35 });
            f.fill_rectangle(Point::new(x, 1.0), Size::new(w, 15.0), band);
            label(f, fit_name(name, w - 4.0), Point::new(x + 3.0, 2.0), ink);
        }
        // Bar numbers, as dense as fits, and bar lines through the rows.
        let every = |px: f32| (0..40).map(|k| 1u64 << k).find(|n| *n as f32 * bw >= px);
        let line_every = every(4.0).unwrap_or(u64::MAX);
        let label_every = every(28.0).unwrap_or(u64::MAX);
        for bar in (1..=u64::from(l.total_bars)).step_by(line_every as usize) {
            let x = l.x_of(bar as f64);
            if (bar - 1) % label_every == 0 {
                label(f, bar.to_string(), Point::new(x + 2.0, 18.0), ink);
            }
            let strong = (bar - 1) % line_every.saturating_mul(4) == 0;
            let alpha = if strong { 0.3 } else { 0.1 };
            line(
                f,
                Point::new(x, 16.0),
                Point::new(x, bottom),
                1.0,
                fade(ink, alpha),
            );
        }
        let any_solo = self.tracks.iter().any(|t| t.solo);
        for (i, track) in self.tracks.iter().enumerate() {
            let (y, h) = (l.row_y(i), l.row_height());
            line(
                f,
                Point::new(0.0, y + h),
                Point::new(bounds.width, y + h),
                1.0,
                fade(ink, 0.15),
            );
            let name = fit_name(&track.name, HEADER_WIDTH - 56.0);
            label(f, name, Point::new(6.0, y + (h - 13.0) / 2.0), ink);
            let switches = [
                (Toggle::Mute, track.mute, "M", palette.warning),
                (Toggle::Solo, track.solo, "S", palette.success),
            ];
            for (toggle, on, letter, colour) in switches {
                let r = l.toggle_rect(i, toggle);
                let fill = if on { colour } else { fade(ink, 0.1) };
                f.fill_rectangle(r.position(), r.size(), fill);
                let at = Point::new(r.x + r.width / 2.0 - 4.0, r.y + (r.height - 13.0) / 2.0);
                label(f, letter.into(), at, ink);
            }
            let heard = !track.mute && (!any_solo || track.solo);
            let fill = fade(
                if heard { palette.primary } else { ink },
                if heard { 0.8 } else { 0.25 },
            );
            let outline = Stroke::default().with_width(1.0).with_color(fade(ink, 0.6));
            for range in &track.ranges {
                let r = l.range_rect(i, *range);
                let block = Path::rounded_rectangle(r.position(), r.size(), 4.0.into());
                f.fill(&block, fill);
                f.stroke(&block, outline);
            }
        }
        if self.tracks.is_empty() {
            label(
                f,
                "no tracks".into(),
                Point::new(6.0, RULER_HEIGHT + 4.0),
                ink,
            );
        }
        if let Some(bars) = self.playhead_bars.filter(|b| b.is_finite()) {
            let x = l.x_of(bars + 1.0);
            line(
                f,
                Point::new(x, 0.0),
                Point::new(x, bottom),
                2.0,
                palette.danger,
            );
        }
        vec![frame.into_geometry()]
    }

    fn mouse_interaction(
        &self,
        state: &TimelineState,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> mouse::Interaction {
        use mouse::Interaction as I;
        match &state.gesture {
            Some(Gesture::Range { resize: true, .. }) => return I::ResizingHorizontally,
            Some(Gesture::Range { .. }) => return I::Grabbing,
            _ => {}
        }
        let Some(p) = cursor.position_in(bounds) else {
            return I::default();
        };
        let l = self.layout(bounds.size());
        if l.toggle_at(p).is_some() {
            return I::Pointer;
        }
        let hit = l
            .track_at(p.y)
            .and_then(|t| l.range_at(&self.tracks[t].ranges, t, p));
        match hit {
            Some((_, RangePart::End)) => I::ResizingHorizontally,
            Some((_, RangePart::Body)) => I::Grab,
            None => I::default(),
        }
    }
}

/// Draws a straight line.
fn line(frame: &mut Frame, from: Point, to: Point, width: f32, color: Color) {
    let stroke = Stroke::default().with_width(width).with_color(color);
    frame.stroke(&Path::line(from, to), stroke);
}

/// Writes 11 px text.
fn label(frame: &mut Frame, content: String, position: Point, color: Color) {
    let size = 11.0.into();
    frame.fill_text(Text {
        content,
        position,
        color,
        size,
        ..Text::default()
    });
}

/// A name cut to about `width` pixels of 11 px text.
fn fit_name(name: &str, width: f32) -> String {
    let max = (width / 6.5).max(0.0) as usize;
    if name.chars().count() <= max {
        name.to_string()
    } else if max == 0 {
        String::new()
    } else {
        name.chars().take(max - 1).chain(['…']).collect()
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
