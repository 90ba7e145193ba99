//! Drawing the canvas: the grid, the wires under the boxes, the boxes with their pins and
//! badges, and the gesture under way (a rubber band, a wire being dragged). What is off-screen
//! is culled; zoomed out, text and pins are left out and wires are straight.

use iced::mouse::Cursor;
use iced::widget::canvas::{Frame, Path, Stroke, Text};
use iced::{Color, Pixels, Point, Rectangle, Size, Vector};

use super::program::{rectangle_between, Drag, GraphCanvas, State};
use crate::scene::{port_colour, Hit, PIN_GRAB, PIN_RADIUS};

const BACKGROUND: Color = Color::from_rgb(0.11, 0.115, 0.13);
const NODE_FILL: Color = Color::from_rgb(0.19, 0.2, 0.23);
const HEADER_FILL: Color = Color::from_rgb(0.25, 0.27, 0.32);
const INFERENCE_HEADER: Color = Color::from_rgb(0.3, 0.22, 0.38);
const SELECTED: Color = Color::from_rgb(1.0, 0.76, 0.2);
const TEXT: Color = Color::from_rgb(0.9, 0.9, 0.92);
const DIM_TEXT: Color = Color::from_rgb(0.62, 0.64, 0.7);
const REFUSED: Color = Color::from_rgb(0.94, 0.33, 0.31);

impl GraphCanvas<'_> {
    pub(super) fn draw_drag(
        &self,
        frame: &mut Frame,
        state: &State,
        cursor: Cursor,
        bounds: Rectangle,
    ) {
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

pub(super) fn draw_scene(
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
