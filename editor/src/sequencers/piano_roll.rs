//! The piano roll of `sequence.clip`: a key column (C's named), a grid of beats (bar lines every 4
//! beats, 16ths faint), the clip's notes as bars whose opacity follows velocity, and a velocity
//! lane at the bottom with one stem per note. A note's syllable (what a singing instrument sings
//! it on) is written inside its bar; the lyrics line under the roll edits them ([`set_lyrics`]).
//!
//! Click empty grid to add a note (of the length last used; 1 beat at first) and drag it into
//! place; drag a note's body to move it, its right edge to change its length; right click deletes;
//! drag in the velocity lane to set the velocity of the notes under the pointer. Times snap to
//! 16ths (0.25 beats). The scroll wheel moves the pitches shown. Edits leave as the whole new note
//! list through `on_change` (once per change during a gesture), then one `on_release`.
//!
//! It must never panic on clip text it cannot read or on odd numbers (NaN, negative, huge): the
//! edits clamp notes into the clip and pitches into 0..=127, and `format_notes` always writes text
//! that `parse_notes` reads.

use iced::mouse;
use iced::widget::canvas::{self, Action, Event, Frame, Geometry, Path, Stroke, Text};
use iced::{Color, Point, Rectangle, Renderer, Size, Theme};
use yano_engine::Syllable;
use yano_music::pitch::note_name;
use yano_nodes::sequence::clip::{clip_entry, parse_clip};

/// The snapping grid: a 16th note.
pub const SNAP_BEATS: f64 = 0.25;
/// The shortest note.
pub const MIN_LENGTH: f64 = 0.25;
/// Velocity of a note written without one.
pub const DEFAULT_VELOCITY: u8 = 100;
/// Width of the key column, height of the velocity lane, width of a note's resize edge (pixels).
pub const KEYS_WIDTH: f32 = 40.0;
pub const VELOCITY_LANE: f32 = 60.0;
pub const EDGE: f32 = 6.0;
/// White and black keys.
const KEY_COLOURS: [Color; 2] = [
    Color::from_rgb8(215, 215, 215),
    Color::from_rgb8(40, 40, 44),
];

/// One note of the clip; beats are quarter notes from the clip's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipNote {
    pub pitch: u8,
    pub start: f64,
    pub length: f64,
    pub velocity: u8,
    /// The lyric it is sung on ([`Syllable::NONE`] for none).
    pub syllable: Syllable,
}

/// Reads clip text ("F2+Ab2 0 4 90; Bb1 4 2"); a chord gives one note per pitch.
pub fn parse_notes(text: &str) -> Result<Vec<ClipNote>, String> {
    Ok(parse_clip(text, 0)?
        .into_iter()
        .map(|n| ClipNote {
            pitch: n.pitch,
            start: n.start_beats,
            length: n.length_beats,
            velocity: (n.velocity * 127.0).round().clamp(1.0, 127.0) as u8,
            syllable: n.syllable,
        })
        .collect())
}

/// The notes sorted by start, then pitch.
pub fn sorted(notes: &[ClipNote]) -> Vec<ClipNote> {
    let mut notes = notes.to_vec();
    notes.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.pitch.cmp(&b.pitch)));
    notes
}

/// Writes clip text: entries by start, then pitch; notes sharing start, length, velocity and
/// syllable as one chord ("F2+Ab2 0 4 90", "Eb4 yeah 4 1"); numbers in their shortest form; the
/// default velocity (100) left out; entries joined by "; ". Values the parser would refuse are
/// written as the nearest valid.
pub fn format_notes(notes: &[ClipNote]) -> String {
    let key = |n: &ClipNote| {
        let length = finite_or(n.length, MIN_LENGTH);
        let length = if length > 0.0 { length } else { MIN_LENGTH };
        (
            finite_or(n.start, 0.0).max(0.0),
            length,
            n.velocity.clamp(1, 127),
            n.syllable,
        )
    };
    let mut chords: Vec<((f64, f64, u8, Syllable), Vec<u8>)> = Vec::new();
    for n in sorted(notes) {
        let k = key(&n);
        match chords.iter_mut().find(|(c, _)| *c == k) {
            Some((_, pitches)) => pitches.push(n.pitch.min(127)),
            None => chords.push((k, vec![n.pitch.min(127)])),
        }
    }
    chords
        .iter()
        .map(|((start, length, velocity, syllable), pitches)| {
            let names: Vec<String> = pitches.iter().map(|p| note_name(*p)).collect();
            let velocity = Some(*velocity).filter(|v| *v != DEFAULT_VELOCITY);
            clip_entry(&names, *syllable, *start, *length, velocity)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The word written for a note without a syllable in the lyrics line.
pub const NO_SYLLABLE: &str = "-";

/// The lyrics line: one word per onset, the top note's (the melody of a chord), in time order;
/// "-" where it has no syllable: "yeah - oh ah".
pub fn lyrics(notes: &[ClipNote]) -> String {
    let notes = sorted(notes);
    let mut words: Vec<&str> = Vec::new();
    for (i, n) in notes.iter().enumerate() {
        // Sorted by start, then pitch: the last note of an onset is its top.
        if notes.get(i + 1).is_none_or(|next| next.start != n.start) {
            words.push(n.syllable.as_option().unwrap_or(NO_SYLLABLE));
        }
    }
    words.join(" ")
}

/// Lays a lyrics line onto the notes: the k-th word goes to the k-th onset's top note and to
/// the notes of that onset that sang what it sang (a chord on one syllable stays together; a
/// harmony on its own word keeps it); "-" clears; onsets past the last word lose their
/// syllables; words past the last onset are refused. The error names the word that is not a
/// syllable.
pub fn set_lyrics(notes: &[ClipNote], text: &str) -> Result<Vec<ClipNote>, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut notes = sorted(notes);
    let mut onsets: Vec<(f64, Syllable)> = Vec::new();
    for (i, n) in notes.iter().enumerate() {
        if notes.get(i + 1).is_none_or(|next| next.start != n.start) {
            onsets.push((n.start, n.syllable));
        }
    }
    if words.len() > onsets.len() {
        return Err(format!(
            "{} words for {} notes: \"{}\" has no note to sing it",
            words.len(),
            onsets.len(),
            words[onsets.len()]
        ));
    }
    let mut sung = Vec::with_capacity(onsets.len());
    for k in 0..onsets.len() {
        sung.push(match words.get(k) {
            Some(w) if *w != NO_SYLLABLE => Syllable::new(w).map_err(|e| e.to_string())?,
            _ => Syllable::NONE,
        });
    }
    for n in &mut notes {
        if let Some(k) = onsets
            .iter()
            .position(|(start, top)| *start == n.start && *top == n.syllable)
        {
            n.syllable = sung[k];
        }
    }
    Ok(notes)
}

/// Rounds beats to the nearest 16th.
pub fn snap(beats: f64) -> f64 {
    (beats / SNAP_BEATS).round() * SNAP_BEATS
}

/// The 16th a time falls in (rounds down): where a click adds a note.
pub fn snap_down(beats: f64) -> f64 {
    (beats / SNAP_BEATS).floor() * SNAP_BEATS
}

/// A usable clip length: at least one 16th (16 beats if the number is not finite).
pub fn clip_length(length_beats: f64) -> f64 {
    finite_or(length_beats, 16.0).max(MIN_LENGTH)
}

fn finite_or(x: f64, otherwise: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        otherwise
    }
}

/// A clip being edited. Every edit keeps the edited note inside 0..length_beats, at least a 16th
/// long, with a pitch in 0..=127 and a velocity in 1..=127; indices past the end change nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    pub notes: Vec<ClipNote>,
    pub length_beats: f64,
}

impl Clip {
    fn fit(&self, mut n: ClipNote) -> ClipNote {
        let clip = clip_length(self.length_beats);
        n.length = finite_or(n.length, MIN_LENGTH).clamp(MIN_LENGTH, clip);
        n.start = finite_or(n.start, 0.0).clamp(0.0, (clip - n.length).max(0.0));
        n.pitch = n.pitch.min(127);
        n.velocity = n.velocity.clamp(1, 127);
        n
    }

    /// Adds a note (its start snapped) and returns its index.
    pub fn add(&mut self, note: ClipNote) -> usize {
        let note = self.fit(ClipNote {
            start: snap(note.start),
            length: snap(note.length),
            ..note
        });
        self.notes.push(note);
        self.notes.len() - 1
    }

    /// Moves note `i` by beats (the new start snapped; no time change when `d_beats` is 0) and
    /// semitones.
    pub fn move_note(&mut self, i: usize, d_beats: f64, d_pitch: i32) {
        let Some(&n) = self.notes.get(i) else { return };
        let start = if d_beats == 0.0 {
            n.start
        } else {
            snap(n.start + d_beats)
        };
        let pitch = (i32::from(n.pitch) + d_pitch).clamp(0, 127) as u8;
        self.notes[i] = self.fit(ClipNote { start, pitch, ..n });
    }

    /// Gives note `i` a new length, snapped to 16ths.
    pub fn resize(&mut self, i: usize, new_length: f64) {
        let Some(&n) = self.notes.get(i) else { return };
        let clip = clip_length(self.length_beats);
        let length = snap(new_length).min(clip - n.start).max(MIN_LENGTH);
        self.notes[i] = self.fit(ClipNote { length, ..n });
    }

    pub fn delete(&mut self, i: usize) {
        if i < self.notes.len() {
            self.notes.remove(i);
        }
    }

    pub fn set_velocity(&mut self, i: usize, velocity: u8) {
        if let Some(n) = self.notes.get_mut(i) {
            n.velocity = velocity.clamp(1, 127);
        }
    }
}

/// The pitches shown for these notes: theirs with a margin of 3 semitones, widened to at least
/// two octaves, inside 0..=127 (C3..C5 with no notes).
pub fn fit_range(notes: &[ClipNote]) -> (u8, u8) {
    let pitches = || notes.iter().map(|n| i32::from(n.pitch.min(127)));
    let (mut low, mut high) = match (pitches().min(), pitches().max()) {
        (Some(lo), Some(hi)) => (lo - 3, hi + 3),
        _ => (48, 72),
    };
    let short = 24 - (high - low);
    if short > 0 {
        low -= short / 2;
        high += short - short / 2;
    }
    if low < 0 {
        high -= low;
        low = 0;
    }
    if high > 127 {
        low -= high - 127;
        high = 127;
    }
    (low.max(0) as u8, high as u8)
}

/// A pitch range moved by `semitones`, stopped at 0 and 127.
pub fn shift_range((low, high): (i32, i32), semitones: i32) -> (u8, u8) {
    let d = semitones.min(127 - high).max(-low);
    (
        (low + d).clamp(0, 127) as u8,
        (high + d).clamp(0, 127) as u8,
    )
}

/// Which part of a note the pointer is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotePart {
    Body,
    /// The last few pixels, for changing the length.
    End,
}

/// Where things are in a piano roll of `size` showing pitches `lowest..=highest`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollLayout {
    pub size: Size,
    pub length_beats: f64,
    pub lowest: u8,
    pub highest: u8,
}

impl RollLayout {
    pub fn lane(&self) -> Rectangle {
        let h = VELOCITY_LANE.min(self.size.height / 3.0);
        Rectangle::new(
            Point::new(KEYS_WIDTH, self.size.height - h),
            Size::new((self.size.width - KEYS_WIDTH).max(1.0), h),
        )
    }

    /// The note grid (right of the keys, above the velocity lane with a 4 px gap).
    pub fn grid(&self) -> Rectangle {
        let lane = self.lane();
        Rectangle::new(
            Point::new(KEYS_WIDTH, 0.0),
            Size::new(lane.width, (lane.y - 4.0).max(1.0)),
        )
    }

    pub fn row_height(&self) -> f32 {
        self.grid().height / f32::from(self.highest.saturating_sub(self.lowest) + 1)
    }

    pub fn beat_width(&self) -> f32 {
        self.grid().width / clip_length(self.length_beats) as f32
    }

    /// The time at x (not clamped to the clip).
    pub fn beat_at(&self, x: f32) -> f64 {
        f64::from((x - KEYS_WIDTH) / self.beat_width())
    }

    pub fn x_of(&self, beat: f64) -> f32 {
        KEYS_WIDTH + beat as f32 * self.beat_width()
    }

    /// The pitch of the row at y, if y is in the grid.
    pub fn pitch_at(&self, y: f32) -> Option<u8> {
        if !(0.0..self.grid().height).contains(&y) {
            return None;
        }
        let row = (y / self.row_height()) as i32;
        u8::try_from(i32::from(self.highest) - row)
            .ok()
            .filter(|p| *p >= self.lowest)
    }

    /// The top of a pitch's row.
    pub fn y_of(&self, pitch: u8) -> f32 {
        (f32::from(self.highest) - f32::from(pitch)) * self.row_height()
    }

    pub fn note_rect(&self, n: &ClipNote) -> Rectangle {
        let x = self.x_of(n.start);
        Rectangle::new(
            Point::new(x, self.y_of(n.pitch)),
            Size::new(
                (self.x_of(n.start + n.length) - x).max(2.0),
                self.row_height(),
            ),
        )
    }

    /// The note under `p` (the last drawn, so the topmost) and the part of it.
    pub fn note_at(&self, notes: &[ClipNote], p: Point) -> Option<(usize, NotePart)> {
        if !self.grid().contains(p) {
            return None;
        }
        let (i, r) = notes
            .iter()
            .enumerate()
            .rev()
            .map(|(i, n)| (i, self.note_rect(n)))
            .find(|(_, r)| r.contains(p))?;
        Some((
            i,
            if super::on_end_edge(r, p.x, EDGE) {
                NotePart::End
            } else {
                NotePart::Body
            },
        ))
    }

    /// The velocity a pointer at height y sets in the lane (top 127, bottom 1).
    pub fn velocity_at(&self, y: f32) -> u8 {
        let lane = self.lane();
        let share = ((lane.y + lane.height - y) / lane.height).clamp(0.0, 1.0);
        (1.0 + share * 126.0).round() as u8
    }

    /// The notes whose velocity the lane sets at x: those starting at the start nearest to x
    /// among notes sounding there or starting within the edge width of it (a chord together).
    pub fn velocity_targets(&self, notes: &[ClipNote], x: f32) -> Vec<usize> {
        let beat = self.beat_at(x);
        let dist = |n: &ClipNote| (self.x_of(n.start) - x).abs();
        let sounding = |n: &ClipNote| n.start <= beat && beat < n.start + n.length;
        let nearest = (notes.iter().filter(|n| dist(n) <= EDGE || sounding(n)))
            .min_by(|a, b| dist(a).total_cmp(&dist(b)));
        let Some(m) = nearest else { return Vec::new() };
        (0..notes.len())
            .filter(|i| notes[*i].start == m.start)
            .collect()
    }
}

#[derive(Debug, Clone)]
enum Gesture {
    /// Moving (or resizing, `resize`) note `index` of `base`, pressed at `press`.
    Note {
        index: usize,
        resize: bool,
        base: Vec<ClipNote>,
        press: Point,
        sent: Vec<ClipNote>,
    },
    Velocity {
        work: Vec<ClipNote>,
    },
    Delete,
}

fn note_gesture(index: usize, resize: bool, notes: &[ClipNote], press: Point) -> Gesture {
    let (base, sent) = (notes.to_vec(), notes.to_vec());
    Gesture::Note {
        index,
        resize,
        base,
        press,
        sent,
    }
}

/// The roll's own state: scroll, the last note length used, the gesture in progress (with the
/// pitch range frozen, so rows stay put under the pointer).
#[derive(Debug, Clone, Default)]
pub struct RollState {
    scroll: f32,
    last_length: Option<f64>,
    gesture: Option<(Gesture, (u8, u8))>,
}

/// The piano roll, a canvas program.
pub struct PianoRoll<'a, Message> {
    pub notes: Vec<ClipNote>,
    pub length_beats: f64,
    pub playhead_beats: Option<f64>,
    pub on_change: Box<dyn Fn(Vec<ClipNote>) -> Message + 'a>,
    pub on_release: Message,
}

impl<Message: Clone> PianoRoll<'_, Message> {
    fn layout(&self, state: &RollState, size: Size) -> RollLayout {
        let (lowest, highest) = match &state.gesture {
            Some((_, range)) => *range,
            None => {
                let (lo, hi) = fit_range(&self.notes);
                shift_range((i32::from(lo), i32::from(hi)), state.scroll.round() as i32)
            }
        };
        RollLayout {
            size,
            length_beats: self.length_beats,
            lowest,
            highest,
        }
    }

    fn clip(&self, notes: &[ClipNote]) -> Clip {
        Clip {
            notes: notes.to_vec(),
            length_beats: self.length_beats,
        }
    }

    fn publish(&self, notes: Vec<ClipNote>) -> Option<Action<Message>> {
        Some(Action::publish((self.on_change)(notes)).and_capture())
    }

    fn press(
        &self,
        state: &mut RollState,
        l: RollLayout,
        p: Point,
        button: mouse::Button,
    ) -> Option<Action<Message>> {
        let range = (l.lowest, l.highest);
        let target = l.note_at(&self.notes, p);
        match (button, target) {
            (mouse::Button::Right, Some((i, _))) => {
                let mut clip = self.clip(&self.notes);
                clip.delete(i);
                state.gesture = Some((Gesture::Delete, range));
                self.publish(clip.notes)
            }
            (mouse::Button::Left, Some((index, part))) => {
                state.last_length = Some(self.notes[index].length);
                state.gesture = Some((
                    note_gesture(index, part == NotePart::End, &self.notes, p),
                    range,
                ));
                Some(Action::capture())
            }
            (mouse::Button::Left, None) if l.grid().contains(p) => {
                let mut clip = self.clip(&self.notes);
                let index = clip.add(ClipNote {
                    pitch: l.pitch_at(p.y)?,
                    start: snap_down(l.beat_at(p.x)),
                    length: state.last_length.unwrap_or(1.0),
                    velocity: DEFAULT_VELOCITY,
                    syllable: Syllable::NONE,
                });
                state.gesture = Some((note_gesture(index, false, &clip.notes, p), range));
                self.publish(clip.notes)
            }
            (mouse::Button::Left, None) if l.lane().contains(p) => {
                let work = self.notes.clone();
                state.gesture = Some((Gesture::Velocity { work }, range));
                self.drag(state, l, p)
            }
            _ => None,
        }
    }

    fn drag(&self, state: &mut RollState, l: RollLayout, p: Point) -> Option<Action<Message>> {
        let (gesture, _) = state.gesture.as_mut()?;
        let notes = match gesture {
            Gesture::Note {
                index,
                resize,
                base,
                press,
                sent,
            } => {
                let mut clip = self.clip(base);
                let d_beats = l.beat_at(p.x) - l.beat_at(press.x);
                if *resize {
                    clip.resize(*index, base[*index].length + d_beats);
                    state.last_length = Some(clip.notes[*index].length);
                } else {
                    let d_pitch = ((press.y - p.y) / l.row_height()).round() as i32;
                    clip.move_note(*index, d_beats, d_pitch);
                }
                if clip.notes == *sent {
                    return Some(Action::capture());
                }
                sent.clone_from(&clip.notes);
                clip.notes
            }
            Gesture::Velocity { work } => {
                let before = work.clone();
                let velocity = l.velocity_at(p.y);
                for i in l.velocity_targets(work, p.x) {
                    work[i].velocity = velocity;
                }
                if *work == before {
                    return Some(Action::capture());
                }
                work.clone()
            }
            Gesture::Delete => return Some(Action::capture()),
        };
        self.publish(notes)
    }
}

/// Draws a straight line.
fn line(frame: &mut Frame, from: Point, to: Point, width: f32, color: Color) {
    let stroke = Stroke::default().with_width(width).with_color(color);
    frame.stroke(&Path::line(from, to), stroke);
}

impl<Message: Clone> canvas::Program<Message> for PianoRoll<'_, Message> {
    type State = RollState;

    fn update(
        &self,
        state: &mut RollState,
        event: &Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<Action<Message>> {
        let Event::Mouse(event) = event else {
            return None;
        };
        let l = self.layout(state, bounds.size());
        match *event {
            mouse::Event::ButtonPressed(button) if state.gesture.is_none() => {
                self.press(state, l, cursor.position_in(bounds)?, button)
            }
            mouse::Event::CursorMoved { position } if state.gesture.is_some() => self.drag(
                state,
                l,
                Point::new(position.x - bounds.x, position.y - bounds.y),
            ),
            mouse::Event::ButtonReleased(_) => {
                state.gesture.take()?;
                Some(Action::publish(self.on_release.clone()).and_capture())
            }
            mouse::Event::WheelScrolled { delta } if state.gesture.is_none() => {
                cursor.position_in(bounds)?;
                let semitones = match delta {
                    mouse::ScrollDelta::Lines { y, .. } => y * 3.0,
                    mouse::ScrollDelta::Pixels { y, .. } => y / l.row_height().max(1.0),
                };
                if !semitones.is_finite() {
                    return None;
                }
                let (lo, hi) = fit_range(&self.notes);
                let room = (-f32::from(lo), 127.0 - f32::from(hi));
                state.scroll = (state.scroll + semitones).clamp(room.0, room.1);
                Some(Action::request_redraw().and_capture())
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        state: &RollState,
        renderer: &Renderer,
        theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let palette = theme.palette();
        let (ink, fade) = (palette.text, |c: Color, a: f32| Color { a, ..c });
        let mut frame = Frame::new(renderer, bounds.size());
        let f = &mut frame;
        let l = self.layout(state, bounds.size());
        let (grid, lane, row_h) = (l.grid(), l.lane(), l.row_height());
        let right = grid.x + grid.width;
        f.fill_rectangle(Point::ORIGIN, bounds.size(), palette.background);
        for pitch in l.lowest..=l.highest {
            let y = l.y_of(pitch);
            let black = matches!(pitch % 12, 1 | 3 | 6 | 8 | 10);
            let key = Size::new(KEYS_WIDTH - 2.0, row_h - 0.5);
            f.fill_rectangle(Point::new(0.0, y), key, KEY_COLOURS[usize::from(black)]);
            if black {
                let row = Size::new(grid.width, row_h);
                f.fill_rectangle(Point::new(grid.x, y), row, fade(ink, 0.05));
            }
            if pitch % 12 == 0 {
                let size = row_h.clamp(6.0, 11.0);
                let position = Point::new(2.0, y + (row_h - size) / 2.0);
                let color = KEY_COLOURS[1];
                let content = note_name(pitch);
                f.fill_text(Text {
                    content,
                    position,
                    color,
                    size: size.into(),
                    ..Text::default()
                });
                let (from, to) = (Point::new(grid.x, y + row_h), Point::new(right, y + row_h));
                line(f, from, to, 1.0, fade(ink, 0.2));
            }
        }
        // Bar, beat and 16th lines, as dense as fits.
        let sixteenths = (clip_length(self.length_beats) / SNAP_BEATS).ceil() as u64;
        let sixteenth_w = l.beat_width() * SNAP_BEATS as f32;
        let every = (0..60)
            .map(|k| 1u64 << k)
            .find(|n| *n as f32 * sixteenth_w >= 5.0);
        for k in (0..=sixteenths).step_by(every.unwrap_or(u64::MAX) as usize) {
            let alpha = match (k % 16, k % 4) {
                (0, _) => 0.5,
                (_, 0) => 0.25,
                _ => 0.08,
            };
            let x = l.x_of(k as f64 * SNAP_BEATS).min(right);
            line(
                f,
                Point::new(x, 0.0),
                Point::new(x, grid.height),
                1.0,
                fade(ink, alpha),
            );
        }
        f.fill_rectangle(lane.position(), lane.size(), fade(ink, 0.06));
        let outline = Stroke::default().with_width(1.0).with_color(ink);
        for n in &self.notes {
            let r = l.note_rect(n);
            let size = Size::new((right.min(r.x + r.width) - r.x).max(0.0), r.height);
            let a = f32::from(n.velocity.min(127)) / 127.0;
            if (l.lowest..=l.highest).contains(&n.pitch) && size.width > 0.0 {
                f.fill_rectangle(r.position(), size, fade(palette.primary, 0.3 + 0.7 * a));
                f.stroke(&Path::rectangle(r.position(), size), outline);
                let letters = n.syllable.as_str();
                let text_size = (r.height - 2.0).clamp(7.0, 12.0);
                if !letters.is_empty() && size.width > text_size * 0.6 * letters.len() as f32 {
                    f.fill_text(Text {
                        content: letters.to_string(),
                        position: Point::new(r.x + 2.0, r.y + (r.height - text_size) / 2.0),
                        color: palette.background,
                        size: text_size.into(),
                        ..Text::default()
                    });
                }
            }
            if r.x < right {
                let h = lane.height * a;
                let stem = Point::new(r.x, lane.y + lane.height - h);
                f.fill_rectangle(stem, Size::new(3.0, h), palette.primary);
            }
        }
        if let Some(beat) = self.playhead_beats.filter(|b| b.is_finite()) {
            let x = l.x_of(beat.rem_euclid(clip_length(self.length_beats)));
            line(
                f,
                Point::new(x, 0.0),
                Point::new(x, bounds.height),
                2.0,
                palette.danger,
            );
        }
        vec![frame.into_geometry()]
    }

    fn mouse_interaction(
        &self,
        state: &RollState,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> mouse::Interaction {
        use mouse::Interaction as I;
        match state.gesture.as_ref().map(|g| &g.0) {
            Some(Gesture::Note { resize: true, .. }) => return I::ResizingHorizontally,
            Some(Gesture::Note { .. }) => return I::Grabbing,
            Some(_) => return I::Pointer,
            None => {}
        }
        let Some(p) = cursor.position_in(bounds) else {
            return I::default();
        };
        let l = self.layout(state, bounds.size());
        match l.note_at(&self.notes, p) {
            Some((_, NotePart::End)) => I::ResizingHorizontally,
            Some((_, NotePart::Body)) => I::Grab,
            None if l.grid().contains(p) => I::Crosshair,
            None if l.lane().contains(p) => I::ResizingVertically,
            None => I::default(),
        }
    }
}

#[cfg(test)]
#[path = "piano_roll_tests.rs"]
mod tests;
