//! The canvas program: pointer gestures on the scene — select (click, shift, box), move, wire
//! from an output to an input, drag a wire off an input to disconnect, pan (middle drag), zoom
//! (wheel, about the pointer), open the palette (double or right click) — published as
//! [`CanvasEvent`]s. Its drag state lives in iced's widget tree; it never edits anything.

use std::collections::HashMap;

use iced::mouse::{self, Button, Cursor};
use iced::widget::canvas::{self, Action, Event, Frame, Geometry};
use iced::{keyboard, Point, Rectangle, Renderer, Size, Theme, Vector};
use yano_engine::port::joint;

use super::draw::draw_scene;
use super::{Badge, CanvasEvent};
use crate::scene::{Camera, Hit, Scene, PIN_GRAB};

/// The canvas program; borrowed from the panel for one view.
pub(super) struct GraphCanvas<'a> {
    pub(super) scene: &'a Scene,
    pub(super) camera: Camera,
    /// One flag per box of the scene.
    pub(super) selected: &'a [bool],
    pub(super) badges: &'a HashMap<String, Badge>,
    /// Drawn boxes and wires, kept until the panel clears it after an edit or camera move.
    pub(super) cache: &'a canvas::Cache,
}

#[derive(Debug, Clone, Default)]
pub(super) enum Drag {
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
    pub(super) drag: Drag,
    modifiers: keyboard::Modifiers,
    /// Time and place of the last left press, to tell a double click.
    last_press: Option<(std::time::Instant, Point)>,
}

/// Two presses this close in time and space are a double click.
const DOUBLE_CLICK: std::time::Duration = std::time::Duration::from_millis(400);

impl GraphCanvas<'_> {
    fn world(&self, cursor: Cursor, bounds: Rectangle) -> Option<(Point, Point)> {
        let p = cursor.position_in(bounds)?;
        Some((p, self.camera.to_world(p)))
    }

    /// Why a wire from output `from` may not end on input `to`, if it may not.
    pub(super) fn refusal(&self, from: (usize, usize), to: (usize, usize)) -> Option<String> {
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

pub(super) fn rectangle_between(a: Point, b: Point) -> Rectangle {
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
