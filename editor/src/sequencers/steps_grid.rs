//! The step grid of `sequence.steps`: one cell per step of the pattern text (`X` accent, `x` hit,
//! `o` ghost, `.` rest; `|` and spaces are only for reading), in rows of 16 with every beat (4
//! steps) shaded, and the playing step outlined.
//!
//! Click a cell to toggle it; press and drag up or down on a cell to set its strength from the
//! pointer's height in the cell ("drag for velocity": top quarter accent … bottom quarter rest);
//! right click clears a cell. Edits leave as new pattern text through `on_change` (once per change
//! during a gesture), followed by one `on_release` when the button comes up, so the app can make
//! one undo step of the gesture.
//!
//! It must never panic on pattern text it cannot read: unknown characters are shown as rests, and
//! an empty pattern is shown (and edited) as 16 rests.

use iced::mouse;
use iced::widget::canvas::{self, Action, Event, Frame, Geometry, Path, Stroke};
use iced::{Color, Point, Rectangle, Renderer, Size, Theme};

/// Steps in a row of the grid, and in a bar of the written pattern.
pub const STEPS_PER_ROW: usize = 16;
/// Steps in a beat (the shading groups).
pub const STEPS_PER_BEAT: usize = 4;
/// Pointer travel, in pixels, before a press on a cell becomes a strength drag.
const DRAG_THRESHOLD: f32 = 4.0;

/// How hard a step plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Strength {
    #[default]
    Rest,
    Ghost,
    Hit,
    Accent,
}

impl Strength {
    /// The pattern character: `.`, `o`, `x`, `X`.
    pub fn to_char(self) -> char {
        match self {
            Strength::Rest => '.',
            Strength::Ghost => 'o',
            Strength::Hit => 'x',
            Strength::Accent => 'X',
        }
    }

    /// Reads a step character as the sequencer does (`-`, `_` rest, `O` ghost too); `None` for
    /// anything else.
    pub fn from_char(c: char) -> Option<Strength> {
        match c {
            '.' | '-' | '_' => Some(Strength::Rest),
            'o' | 'O' => Some(Strength::Ghost),
            'x' => Some(Strength::Hit),
            'X' => Some(Strength::Accent),
            _ => None,
        }
    }

    /// 0 for a rest up to 3 for an accent.
    pub fn level(self) -> u8 {
        self as u8
    }

    /// The strength of a level (3 and above: accent).
    pub fn from_level(level: u8) -> Strength {
        match level {
            0 => Strength::Rest,
            1 => Strength::Ghost,
            2 => Strength::Hit,
            _ => Strength::Accent,
        }
    }
}

/// A pattern: its steps in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepPattern {
    pub steps: Vec<Strength>,
}

impl StepPattern {
    /// Reads pattern text; `|` and whitespace are skipped and characters that are not steps become
    /// rests, so any text gives a pattern.
    pub fn parse(text: &str) -> StepPattern {
        StepPattern {
            steps: text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '|')
                .map(|c| Strength::from_char(c).unwrap_or_default())
                .collect(),
        }
    }

    /// `n` rests.
    pub fn rests(n: usize) -> StepPattern {
        StepPattern {
            steps: vec![Strength::Rest; n],
        }
    }

    /// The pattern text: bars of 16 steps separated by `" | "`.
    pub fn text(&self) -> String {
        self.steps
            .chunks(STEPS_PER_ROW)
            .map(|bar| bar.iter().map(|s| s.to_char()).collect::<String>())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// A rest becomes a hit, anything else a rest. Steps past the end are left alone.
    pub fn toggle(&mut self, i: usize) {
        if let Some(s) = self.steps.get_mut(i) {
            *s = if *s == Strength::Rest {
                Strength::Hit
            } else {
                Strength::Rest
            };
        }
    }

    /// Sets step `i`. Steps past the end are left alone.
    pub fn set(&mut self, i: usize, strength: Strength) {
        if let Some(s) = self.steps.get_mut(i) {
            *s = strength;
        }
    }

    /// The pattern as the grid shows and edits it: an empty one as 16 rests.
    pub fn editable(&self) -> StepPattern {
        if self.steps.is_empty() {
            StepPattern::rests(STEPS_PER_ROW)
        } else {
            self.clone()
        }
    }
}

/// Columns and rows of the grid for a pattern of `steps` steps (at least one cell).
pub fn grid_shape(steps: usize) -> (usize, usize) {
    let columns = steps.clamp(1, STEPS_PER_ROW);
    (columns, steps.max(1).div_ceil(columns))
}

/// The rectangle of step `i` in a grid of `bounds` (whole cell, gaps included).
pub fn cell_rect(bounds: Size, steps: usize, i: usize) -> Rectangle {
    let (columns, rows) = grid_shape(steps);
    let w = bounds.width / columns as f32;
    let h = bounds.height / rows as f32;
    Rectangle {
        x: (i % columns) as f32 * w,
        y: (i / columns) as f32 * h,
        width: w,
        height: h,
    }
}

/// The step under `p` (relative to the grid's top left), if any.
pub fn cell_at(bounds: Size, steps: usize, p: Point) -> Option<usize> {
    if steps == 0 || !(p.x >= 0.0 && p.y >= 0.0 && p.x < bounds.width && p.y < bounds.height) {
        return None;
    }
    let (columns, rows) = grid_shape(steps);
    let column = ((p.x / bounds.width * columns as f32) as usize).min(columns - 1);
    let row = ((p.y / bounds.height * rows as f32) as usize).min(rows - 1);
    Some(row * columns + column).filter(|i| *i < steps)
}

/// The strength a pointer at height `y` sets in `cell`: top quarter accent, then hit, ghost, and
/// rest in the bottom quarter. Heights outside the cell count as its top or bottom.
pub fn strength_in(cell: Rectangle, y: f32) -> Strength {
    let from_bottom = ((cell.y + cell.height - y) / cell.height.max(1.0)).clamp(0.0, 0.999);
    Strength::from_level((from_bottom * 4.0) as u8)
}

/// The step under `p` and the strength its height there sets.
pub fn strength_at(bounds: Size, steps: usize, p: Point) -> Option<(usize, Strength)> {
    let i = cell_at(bounds, steps, p)?;
    Some((i, strength_in(cell_rect(bounds, steps, i), p.y)))
}

/// A gesture in progress.
#[derive(Debug, Clone)]
enum Gesture {
    /// Left button: the cell pressed, where, the pattern at the press, and the pattern last sent.
    Strength {
        cell: usize,
        press_y: f32,
        dragging: bool,
        base: StepPattern,
        sent: StepPattern,
    },
    /// Right button: the cell was cleared; waiting for the release.
    Clear,
}

/// The grid's own state between events.
#[derive(Debug, Clone, Default)]
pub struct GridState {
    gesture: Option<Gesture>,
}

/// The step grid, a canvas program. `on_change` gets the whole new pattern text.
pub struct StepGrid<'a, Message> {
    pub pattern: StepPattern,
    /// The step playing now (wrapped to the pattern's length), outlined.
    pub current_step: Option<usize>,
    pub on_change: Box<dyn Fn(String) -> Message + 'a>,
    pub on_release: Message,
}

impl<Message: Clone> StepGrid<'_, Message> {
    fn publish(&self, pattern: &StepPattern) -> Option<Action<Message>> {
        Some(Action::publish((self.on_change)(pattern.text())).and_capture())
    }
}

impl<Message: Clone> canvas::Program<Message> for StepGrid<'_, Message> {
    type State = GridState;

    fn update(
        &self,
        state: &mut GridState,
        event: &Event,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> Option<Action<Message>> {
        let Event::Mouse(event) = event else {
            return None;
        };
        let pattern = self.pattern.editable();
        let steps = pattern.steps.len();
        match event {
            mouse::Event::ButtonPressed(button) if state.gesture.is_none() => {
                let p = cursor.position_in(bounds)?;
                let cell = cell_at(bounds.size(), steps, p)?;
                let mut edited = pattern.clone();
                match button {
                    mouse::Button::Left => {
                        edited.toggle(cell);
                        state.gesture = Some(Gesture::Strength {
                            cell,
                            press_y: p.y,
                            dragging: false,
                            base: pattern,
                            sent: edited.clone(),
                        });
                    }
                    mouse::Button::Right => {
                        edited.set(cell, Strength::Rest);
                        state.gesture = Some(Gesture::Clear);
                    }
                    _ => return None,
                }
                self.publish(&edited)
            }
            mouse::Event::CursorMoved { position } => {
                let Some(Gesture::Strength {
                    cell,
                    press_y,
                    dragging,
                    base,
                    sent,
                }) = &mut state.gesture
                else {
                    return None;
                };
                let y = position.y - bounds.y;
                *dragging = *dragging || (y - *press_y).abs() >= DRAG_THRESHOLD;
                if !*dragging {
                    return None;
                }
                let mut edited = base.clone();
                edited.set(
                    *cell,
                    strength_in(cell_rect(bounds.size(), steps, *cell), y),
                );
                if edited == *sent {
                    return Some(Action::capture());
                }
                *sent = edited.clone();
                self.publish(&edited)
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
        _state: &GridState,
        renderer: &Renderer,
        theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let palette = theme.palette();
        let mut frame = Frame::new(renderer, bounds.size());
        let pattern = self.pattern.editable();
        let steps = pattern.steps.len();
        let (columns, _) = grid_shape(steps);
        frame.fill_rectangle(Point::ORIGIN, bounds.size(), palette.background);
        let shade = |beat: usize| {
            let mut c = palette.text;
            c.a = if beat % 2 == 1 { 0.05 } else { 0.10 };
            c
        };
        for (i, strength) in pattern.steps.iter().enumerate() {
            let cell = cell_rect(bounds.size(), steps, i);
            let inner = Rectangle {
                x: cell.x + 2.0,
                y: cell.y + 2.0,
                width: (cell.width - 4.0).max(1.0),
                height: (cell.height - 4.0).max(1.0),
            };
            frame.fill_rectangle(
                inner.position(),
                inner.size(),
                shade((i % columns) / STEPS_PER_BEAT),
            );
            let level = f32::from(strength.level());
            if level > 0.0 {
                let h = inner.height * level / 3.0;
                let mut c = palette.primary;
                c.a = 0.35 + 0.65 * level / 3.0;
                frame.fill_rectangle(
                    Point::new(inner.x, inner.y + inner.height - h),
                    Size::new(inner.width, h),
                    c,
                );
            }
            if self.current_step.map(|s| s % steps) == Some(i) {
                frame.stroke(
                    &Path::rectangle(inner.position(), inner.size()),
                    Stroke::default().with_width(2.0).with_color(palette.text),
                );
            }
        }
        // Beat lines between groups of four steps.
        let bar_line = Color {
            a: 0.4,
            ..palette.text
        };
        for c in (STEPS_PER_BEAT..columns).step_by(STEPS_PER_BEAT) {
            let x = bounds.width * c as f32 / columns as f32;
            frame.stroke(
                &Path::line(Point::new(x, 0.0), Point::new(x, bounds.height)),
                Stroke::default().with_width(1.0).with_color(bar_line),
            );
        }
        vec![frame.into_geometry()]
    }

    fn mouse_interaction(
        &self,
        state: &GridState,
        bounds: Rectangle,
        cursor: mouse::Cursor,
    ) -> mouse::Interaction {
        match &state.gesture {
            Some(Gesture::Strength { dragging: true, .. }) => {
                mouse::Interaction::ResizingVertically
            }
            Some(_) => mouse::Interaction::Pointer,
            None => cursor
                .position_in(bounds)
                .and_then(|p| cell_at(bounds.size(), self.pattern.editable().steps.len(), p))
                .map_or(mouse::Interaction::default(), |_| {
                    mouse::Interaction::Pointer
                }),
        }
    }
}

#[cfg(test)]
#[path = "steps_grid_tests.rs"]
mod tests;
