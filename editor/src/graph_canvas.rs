//! The patching canvas: draws the scene (boxes, pins coloured by port type, wires) through the
//! camera and turns pointer gestures into [`CanvasEvent`]s for the app: select (click, shift,
//! box), move, wire from an output to an input, drag a wire off an input to disconnect, pan
//! (middle drag), zoom (wheel, about the pointer), and open the palette (double or right click).
//!
//! It never edits the document itself: every change is a message the app turns into an edit.
//! Drawing stays cheap with 500 nodes: what is off-screen is culled, and when zoomed out text
//! and pins are left out.

use std::collections::HashMap;

use iced::mouse::{self, Button, Cursor};
use iced::widget::canvas::{self, Action, Event, Frame, Geometry, Path, Stroke, Text};
use iced::{keyboard, Color, Pixels, Point, Rectangle, Renderer, Size, Theme, Vector};
use yano_engine::port::joint;
use yano_engine::runtime::inference::JobStatus;

use crate::scene::{port_colour, Camera, Hit, Scene, PIN_GRAB, PIN_RADIUS};

/// What a gesture on the canvas asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum CanvasEvent {
    /// Select these nodes (adding to the selection when `add`); empty and not `add` clears it.
    Select {
        nodes: Vec<String>,
        add: bool,
    },
    /// Move nodes by a world-space distance.
    MoveBy {
        nodes: Vec<String>,
        by: Vector,
    },
    /// Connect an output to an input, removing `replacing` first when a wire was dragged over.
    Connect {
        from: String,
        to: String,
        replacing: Option<(String, String)>,
    },
    Disconnect {
        from: String,
        to: String,
    },
    /// A connection the types refuse, with the reason.
    Refused(String),
    Camera(Camera),
    /// Open the palette to add a node at this world point.
    Palette(Point),
    /// Where the pointer is, in world coordinates.
    Pointer(Point),
}

/// An inference node's state, as the canvas shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Badge {
    pub text: String,
    pub colour: Color,
}

impl Badge {
    pub fn of(status: &JobStatus) -> Badge {
        let (text, colour) = match status {
            JobStatus::Waiting => ("waiting".to_string(), Color::from_rgb8(0x90, 0x90, 0x90)),
            JobStatus::Running { progress } => (
                format!("running {:.0} %", progress * 100.0),
                Color::from_rgb8(0x42, 0xa5, 0xf5),
            ),
            JobStatus::Ready => ("ready".to_string(), Color::from_rgb8(0x66, 0xbb, 0x6a)),
            JobStatus::Cached => ("cached".to_string(), Color::from_rgb8(0x26, 0xa6, 0x9a)),
            JobStatus::Failed(e) => (format!("failed: {e}"), Color::from_rgb8(0xef, 0x53, 0x50)),
            JobStatus::Skipped { because } => (
                format!("skipped: {because}"),
                Color::from_rgb8(0xff, 0xa7, 0x26),
            ),
        };
        Badge { text, colour }
    }
}

/// The canvas program; borrowed from the app for one view.
pub struct GraphCanvas<'a> {
    pub scene: &'a Scene,
    pub camera: Camera,
    /// One flag per box of the scene.
    pub selected: &'a [bool],
    pub badges: &'a HashMap<String, Badge>,
    /// Drawn boxes and wires, kept until the app clears it after an edit or camera move.
    pub cache: &'a canvas::Cache,
}

#[derive(Debug, Clone, Default)]
pub enum Drag {
    #[default]
    None,
    Pan {
        last: Point,
    },
    Move {
        nodes: Vec<usize>,
        from: Point,
        now: Point,
    },
    Select {
        from: Point,
        now: Point,
    },
    Wire {
        from: (usize, usize),
        detached: Option<(String, String)>,
        now: Point,
    },
}

/// The canvas's own state between events.
#[derive(Debug, Default)]
pub struct State {
    drag: Drag,
    modifiers: keyboard::Modifiers,
    /// Time and place of the last left press, to tell a double click.
    last_press: Option<(std::time::Instant, Point)>,
}

/// Two presses this close in time and space are a double click.
const DOUBLE_CLICK: std::time::Duration = std::time::Duration::from_millis(400);

const BACKGROUND: Color = Color::from_rgb(0.11, 0.115, 0.13);
const NODE_FILL: Color = Color::from_rgb(0.19, 0.2, 0.23);
const HEADER_FILL: Color = Color::from_rgb(0.25, 0.27, 0.32);
const INFERENCE_HEADER: Color = Color::from_rgb(0.3, 0.22, 0.38);
const SELECTED: Color = Color::from_rgb(1.0, 0.76, 0.2);
const TEXT: Color = Color::from_rgb(0.9, 0.9, 0.92);
const DIM_TEXT: Color = Color::from_rgb(0.62, 0.64, 0.7);
const REFUSED: Color = Color::from_rgb(0.94, 0.33, 0.31);

impl GraphCanvas<'_> {
    fn world(&self, cursor: Cursor, bounds: Rectangle) -> Option<(Point, Point)> {
        let p = cursor.position_in(bounds)?;
        Some((p, self.camera.to_world(p)))
    }

    /// Why a wire from output `from` may not end on input `to`, if it may not.
    fn refusal(&self, from: (usize, usize), to: (usize, usize)) -> Option<String> {
        let out = &self.scene.boxes[from.0].outputs[from.1];
        let inp = &self.scene.boxes[to.0].inputs[to.1];
        if from.0 == to.0 {
            return Some(format!("{} cannot feed itself", self.scene.boxes[to.0].id));
        }
        joint(out.ty, inp.ty).is_none().then(|| {
            format!(
                "cannot connect {} ({}) to {} ({}): the types do not match",
                self.scene.output_ref(from.0, from.1),
                out.ty,
                self.scene.input_ref(to.0, to.1),
                inp.ty
            )
        })
    }

    fn press(
        &self,
        state: &mut State,
        screen: Point,
        world: Point,
        button: Button,
    ) -> Option<Action<CanvasEvent>> {
        if button == Button::Middle {
            state.drag = Drag::Pan { last: screen };
            return Some(Action::capture());
        }
        let hit = self.scene.hit(world, PIN_GRAB / self.camera.zoom);
        if button == Button::Right {
            return match hit {
                Hit::Empty => Some(Action::publish(CanvasEvent::Palette(world)).and_capture()),
                _ => None,
            };
        }
        if button != Button::Left {
            return None;
        }
        let now = std::time::Instant::now();
        let double = state.last_press.is_some_and(|(t, p)| {
            now.duration_since(t) <= DOUBLE_CLICK && p.distance(screen) <= 6.0
        });
        state.last_press = Some((now, screen));
        let add = state.modifiers.shift() || state.modifiers.control();
        match hit {
            Hit::Output { node, pin } => {
                state.drag = Drag::Wire {
                    from: (node, pin),
                    detached: None,
                    now: world,
                };
                Some(Action::request_redraw().and_capture())
            }
            Hit::Input { node, pin } => {
                let wire = self
                    .scene
                    .wires
                    .iter()
                    .rev()
                    .find(|w| w.to == (node, pin))?;
                state.drag = Drag::Wire {
                    from: wire.from,
                    detached: Some((
                        self.scene.output_ref(wire.from.0, wire.from.1),
                        self.scene.input_ref(node, pin),
                    )),
                    now: world,
                };
                self.cache.clear();
                Some(Action::request_redraw().and_capture())
            }
            Hit::Node(n) => {
                let id = self.scene.boxes[n].id.clone();
                let mut nodes: Vec<usize> = if self.selected.get(n).copied().unwrap_or(false) {
                    (0..self.scene.boxes.len())
                        .filter(|&i| self.selected[i])
                        .collect()
                } else {
                    vec![n]
                };
                if add && !self.selected.get(n).copied().unwrap_or(false) {
                    nodes.extend((0..self.scene.boxes.len()).filter(|&i| self.selected[i]));
                }
                state.drag = Drag::Move {
                    nodes,
                    from: world,
                    now: world,
                };
                Some(
                    Action::publish(CanvasEvent::Select {
                        nodes: vec![id],
                        add: add || self.selected.get(n).copied().unwrap_or(false),
                    })
                    .and_capture(),
                )
            }
            Hit::Empty => {
                if double {
                    return Some(Action::publish(CanvasEvent::Palette(world)).and_capture());
                }
                state.drag = Drag::Select {
                    from: world,
                    now: world,
                };
                if add {
                    Some(Action::capture())
                } else {
                    Some(
                        Action::publish(CanvasEvent::Select {
                            nodes: Vec::new(),
                            add: false,
                        })
                        .and_capture(),
                    )
                }
            }
        }
    }

    fn release(&self, state: &mut State, world: Point) -> Option<Action<CanvasEvent>> {
        let drag = std::mem::take(&mut state.drag);
        let event = match drag {
            Drag::None | Drag::Pan { .. } => return Some(Action::request_redraw()),
            Drag::Move { nodes, from, .. } => {
                let by = world - from;
                if by.x.abs() < 0.5 && by.y.abs() < 0.5 {
                    return Some(Action::request_redraw());
                }
                CanvasEvent::MoveBy {
                    nodes: nodes
                        .iter()
                        .map(|&i| self.scene.boxes[i].id.clone())
                        .collect(),
                    by,
                }
            }
            Drag::Select { from, .. } => {
                let area = rectangle_between(from, world);
                CanvasEvent::Select {
                    nodes: self
                        .scene
                        .inside(area)
                        .into_iter()
                        .map(|i| self.scene.boxes[i].id.clone())
                        .collect(),
                    add: state.modifiers.shift() || state.modifiers.control(),
                }
            }
            Drag::Wire { from, detached, .. } => {
                self.cache.clear();
                match self.scene.hit(world, PIN_GRAB / self.camera.zoom) {
                    Hit::Input { node, pin } => {
                        let to = self.scene.input_ref(node, pin);
                        let from_ref = self.scene.output_ref(from.0, from.1);
                        if detached.as_ref() == Some(&(from_ref.clone(), to.clone())) {
                            return Some(Action::request_redraw());
                        }
                        match self.refusal(from, (node, pin)) {
                            Some(reason) => CanvasEvent::Refused(reason),
                            None => CanvasEvent::Connect {
                                from: from_ref,
                                to,
                                replacing: detached,
                            },
                        }
                    }
                    _ => match detached {
                        Some((from, to)) => CanvasEvent::Disconnect { from, to },
                        None => return Some(Action::request_redraw()),
                    },
                }
            }
        };
        Some(Action::publish(event).and_capture())
    }
}

fn rectangle_between(a: Point, b: Point) -> Rectangle {
    Rectangle::new(
        Point::new(a.x.min(b.x), a.y.min(b.y)),
        Size::new((a.x - b.x).abs(), (a.y - b.y).abs()),
    )
}

impl canvas::Program<CanvasEvent> for GraphCanvas<'_> {
    type State = State;

    fn update(
        &self,
        state: &mut State,
        event: &Event,
        bounds: Rectangle,
        cursor: Cursor,
    ) -> Option<Action<CanvasEvent>> {
        if let Event::Keyboard(keyboard::Event::ModifiersChanged(m)) = event {
            state.modifiers = *m;
            return None;
        }
        let Event::Mouse(mouse_event) = event else {
            return None;
        };
        // Releases and moves count even outside the canvas while a drag is on.
        let position = cursor
            .position()
            .map(|p| p - Vector::new(bounds.x, bounds.y));
        let world = position.map(|p| self.camera.to_world(p));
        match mouse_event {
            mouse::Event::ButtonPressed(button) => {
                let (screen, world) = self.world(cursor, bounds)?;
                self.press(state, screen, world, *button)
            }
            mouse::Event::ButtonReleased(_) => {
                if matches!(state.drag, Drag::None) {
                    return None;
                }
                self.release(state, world?)
            }
            mouse::Event::CursorMoved { .. } => {
                let (screen, world) = (position?, world?);
                match &mut state.drag {
                    Drag::None => {
                        if cursor.is_over(bounds) {
                            Some(Action::publish(CanvasEvent::Pointer(world)))
                        } else {
                            None
                        }
                    }
                    Drag::Pan { last } => {
                        let camera = self.camera.pan(screen - *last);
                        *last = screen;
                        Some(Action::publish(CanvasEvent::Camera(camera)).and_capture())
                    }
                    Drag::Move { now, .. } => {
                        *now = world;
                        self.cache.clear();
                        Some(Action::request_redraw().and_capture())
                    }
                    Drag::Select { now, .. } | Drag::Wire { now, .. } => {
                        *now = world;
                        Some(Action::request_redraw().and_capture())
                    }
                }
            }
            mouse::Event::WheelScrolled { delta } => {
                let (screen, _) = self.world(cursor, bounds)?;
                let lines = match delta {
                    mouse::ScrollDelta::Lines { y, .. } => *y,
                    mouse::ScrollDelta::Pixels { y, .. } => *y / 40.0,
                };
                let camera = self.camera.zoom_about(1.15f32.powf(lines), screen);
                Some(Action::publish(CanvasEvent::Camera(camera)).and_capture())
            }
            _ => None,
        }
    }

    fn draw(
        &self,
        state: &State,
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        cursor: Cursor,
    ) -> Vec<Geometry> {
        let moving = match &state.drag {
            Drag::Move { nodes, from, now } => Some((nodes.as_slice(), *now - *from)),
            _ => None,
        };
        let detached = match &state.drag {
            Drag::Wire {
                detached: Some(d), ..
            } => Some(d),
            _ => None,
        };
        let scene = self.cache.draw(renderer, bounds.size(), |frame| {
            draw_scene(frame, self, moving, detached);
        });
        let mut overlay = Frame::new(renderer, bounds.size());
        self.draw_drag(&mut overlay, state, cursor, bounds);
        vec![scene, overlay.into_geometry()]
    }

    fn mouse_interaction(
        &self,
        state: &State,
        bounds: Rectangle,
        cursor: Cursor,
    ) -> mouse::Interaction {
        match state.drag {
            Drag::Pan { .. } | Drag::Move { .. } => mouse::Interaction::Grabbing,
            Drag::Wire { .. } => mouse::Interaction::Crosshair,
            _ => match self.world(cursor, bounds) {
                Some((_, w)) => match self.scene.hit(w, PIN_GRAB / self.camera.zoom) {
                    Hit::Output { .. } | Hit::Input { .. } => mouse::Interaction::Crosshair,
                    Hit::Node(_) => mouse::Interaction::Grab,
                    Hit::Empty => mouse::Interaction::default(),
                },
                None => mouse::Interaction::default(),
            },
        }
    }
}

impl GraphCanvas<'_> {
    fn draw_drag(&self, frame: &mut Frame, state: &State, cursor: Cursor, bounds: Rectangle) {
        let cam = self.camera;
        match &state.drag {
            Drag::Select { from, now } => {
                let area = rectangle_between(cam.to_screen(*from), cam.to_screen(*now));
                frame.fill_rectangle(
                    area.position(),
                    area.size(),
                    Color {
                        a: 0.12,
                        ..SELECTED
                    },
                );
                frame.stroke(
                    &Path::rectangle(area.position(), area.size()),
                    Stroke::default().with_width(1.0).with_color(SELECTED),
                );
            }
            Drag::Wire { from, now, .. } => {
                let pin = &self.scene.boxes[from.0].outputs[from.1];
                let mut colour = port_colour(pin.ty);
                let mut end = *now;
                let mut reason = None;
                if let Hit::Input { node, pin } = self.scene.hit(*now, PIN_GRAB / cam.zoom) {
                    end = self.scene.boxes[node].inputs[pin].at;
                    reason = self.refusal(*from, (node, pin));
                    if reason.is_some() {
                        colour = REFUSED;
                    }
                }
                frame.stroke(
                    &wire_path(cam.to_screen(pin.at), cam.to_screen(end), cam.zoom),
                    Stroke::default().with_width(2.5).with_color(colour),
                );
                if let (Some(reason), Some(p)) = (reason, cursor.position_in(bounds)) {
                    frame.fill_rectangle(
                        p + Vector::new(12.0, 10.0),
                        Size::new(reason.len() as f32 * 6.6 + 12.0, 22.0),
                        Color::from_rgba(0.1, 0.02, 0.02, 0.92),
                    );
                    frame.fill_text(Text {
                        content: reason,
                        position: p + Vector::new(18.0, 14.0),
                        color: REFUSED,
                        size: Pixels(13.0),
                        ..Text::default()
                    });
                }
            }
            _ => {}
        }
    }
}

/// A wire's curve between two screen points: leaves the output rightwards, enters the input
/// from the left.
fn wire_path(a: Point, b: Point, zoom: f32) -> Path {
    let reach = ((b.x - a.x).abs() * 0.5).max(40.0 * zoom);
    Path::new(|p| {
        p.move_to(a);
        p.bezier_curve_to(
            Point::new(a.x + reach, a.y),
            Point::new(b.x - reach, b.y),
            b,
        );
    })
}

fn draw_scene(
    frame: &mut Frame,
    canvas: &GraphCanvas<'_>,
    moving: Option<(&[usize], Vector)>,
    detached: Option<&(String, String)>,
) {
    let cam = canvas.camera;
    let scene = canvas.scene;
    let size = frame.size();
    frame.fill_rectangle(Point::ORIGIN, size, BACKGROUND);
    let visible = cam.visible(size);
    // Grid: one line every 40 world units, left out when it would be denser than 12 px.
    let step = 40.0;
    if step * cam.zoom >= 12.0 {
        let grid = Color::from_rgb(0.15, 0.155, 0.175);
        let mut x = (visible.x / step).floor() * step;
        while x < visible.x + visible.width {
            let sx = cam.to_screen(Point::new(x, 0.0)).x;
            frame.fill_rectangle(Point::new(sx, 0.0), Size::new(1.0, size.height), grid);
            x += step;
        }
        let mut y = (visible.y / step).floor() * step;
        while y < visible.y + visible.height {
            let sy = cam.to_screen(Point::new(0.0, y)).y;
            frame.fill_rectangle(Point::new(0.0, sy), Size::new(size.width, 1.0), grid);
            y += step;
        }
    }
    let offset_of = |n: usize| -> Vector {
        match moving {
            Some((nodes, by)) if nodes.contains(&n) => by,
            _ => Vector::ZERO,
        }
    };
    let detail = cam.zoom >= 0.45;
    // Wires under the boxes.
    for wire in &scene.wires {
        let out = &scene.boxes[wire.from.0].outputs[wire.from.1];
        let inp = &scene.boxes[wire.to.0].inputs[wire.to.1];
        let a = out.at + offset_of(wire.from.0);
        let b = inp.at + offset_of(wire.to.0);
        if !rectangle_between(a, b).expand(60.0).intersects(&visible) {
            continue;
        }
        if detached.is_some_and(|(f, t)| {
            *f == scene.output_ref(wire.from.0, wire.from.1)
                && *t == scene.input_ref(wire.to.0, wire.to.1)
        }) {
            continue;
        }
        let highlighted = canvas.selected[wire.from.0] || canvas.selected[wire.to.0];
        let (sa, sb) = (cam.to_screen(a), cam.to_screen(b));
        let path = if detail {
            wire_path(sa, sb, cam.zoom)
        } else {
            Path::line(sa, sb)
        };
        let mut colour = port_colour(out.ty);
        if !highlighted {
            colour.a = 0.75;
        }
        frame.stroke(
            &path,
            Stroke::default()
                .with_width(if highlighted { 3.0 } else { 2.0 } * cam.zoom.clamp(0.5, 1.0))
                .with_color(colour),
        );
    }
    for (n, b) in scene.boxes.iter().enumerate() {
        let bounds = Rectangle {
            x: b.bounds.x + offset_of(n).x,
            y: b.bounds.y + offset_of(n).y,
            ..b.bounds
        };
        if !bounds.intersects(&visible) {
            continue;
        }
        let top_left = cam.to_screen(bounds.position());
        let size = Size::new(bounds.width * cam.zoom, bounds.height * cam.zoom);
        let header = if b.inference {
            INFERENCE_HEADER
        } else {
            HEADER_FILL
        };
        if !detail {
            frame.fill_rectangle(top_left, size, NODE_FILL);
            frame.fill_rectangle(
                top_left,
                Size::new(size.width, 8.0f32.min(size.height)),
                header,
            );
            if canvas.selected[n] {
                frame.stroke(
                    &Path::rectangle(top_left, size),
                    Stroke::default().with_width(2.0).with_color(SELECTED),
                );
            }
            continue;
        }
        let radius = 6.0 * cam.zoom;
        frame.fill(
            &Path::rounded_rectangle(top_left, size, radius.into()),
            NODE_FILL,
        );
        let header_h = crate::scene::HEADER * cam.zoom;
        frame.fill(
            &Path::rounded_rectangle(top_left, Size::new(size.width, header_h), radius.into()),
            header,
        );
        frame.stroke(
            &Path::rounded_rectangle(top_left, size, radius.into()),
            Stroke::default()
                .with_width(if canvas.selected[n] { 2.5 } else { 1.0 })
                .with_color(if canvas.selected[n] {
                    SELECTED
                } else {
                    Color::from_rgb(0.32, 0.34, 0.4)
                }),
        );
        let font = 13.0 * cam.zoom;
        frame.fill_text(Text {
            content: b.id.clone(),
            position: top_left + Vector::new(8.0 * cam.zoom, 2.0 * cam.zoom),
            color: TEXT,
            size: Pixels(font),
            font: iced::Font {
                weight: iced::font::Weight::Bold,
                ..iced::Font::DEFAULT
            },
            ..Text::default()
        });
        frame.fill_text(Text {
            content: b.kind.clone(),
            position: top_left + Vector::new(8.0 * cam.zoom, 15.0 * cam.zoom),
            color: DIM_TEXT,
            size: Pixels(9.5 * cam.zoom),
            ..Text::default()
        });
        if let Some(badge) = canvas.badges.get(&b.id) {
            let at = top_left + Vector::new(0.0, size.height + 4.0 * cam.zoom);
            frame.fill_rectangle(
                at,
                Size::new(size.width, 16.0 * cam.zoom),
                Color {
                    a: 0.25,
                    ..badge.colour
                },
            );
            frame.fill_text(Text {
                content: badge.text.chars().take(40).collect(),
                position: at + Vector::new(6.0 * cam.zoom, 2.0 * cam.zoom),
                color: badge.colour,
                size: Pixels(11.0 * cam.zoom),
                ..Text::default()
            });
        }
        let offset = offset_of(n);
        for (pins, left) in [(&b.inputs, true), (&b.outputs, false)] {
            for pin in pins.iter() {
                let at = cam.to_screen(pin.at + offset);
                frame.fill(
                    &Path::circle(at, PIN_RADIUS * cam.zoom),
                    port_colour(pin.ty),
                );
                if cam.zoom >= 0.6 {
                    let dx = if left { 9.0 } else { -9.0 } * cam.zoom;
                    frame.fill_text(Text {
                        content: pin.name.clone(),
                        position: at + Vector::new(dx, 0.0),
                        color: DIM_TEXT,
                        size: Pixels(11.0 * cam.zoom),
                        align_x: if left {
                            iced::alignment::Horizontal::Left.into()
                        } else {
                            iced::alignment::Horizontal::Right.into()
                        },
                        align_y: iced::alignment::Vertical::Center,
                        ..Text::default()
                    });
                }
            }
        }
    }
}
