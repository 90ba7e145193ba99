//! Where things are on the canvas: each node's box and port pins in world coordinates, the wires
//! between pins, and the camera that maps the world onto the screen. Pure geometry, shared by
//! drawing, hit-testing and the tests; rebuilt after every edit.

use std::collections::HashMap;

use iced::{Point, Rectangle, Size, Vector};
use yano_engine::graph::{descriptor_of, ports_of, UiPosition};
use yano_engine::node::Build;
use yano_engine::port::{PortDirection, PortType};
use yano_engine::{Graph, Registry};

pub const NODE_WIDTH: f32 = 176.0;
pub const HEADER: f32 = 26.0;
pub const ROW: f32 = 18.0;
pub const PIN_RADIUS: f32 = 5.0;
/// How close (screen pixels) the pointer must be to a pin to grab it.
pub const PIN_GRAB: f32 = 9.0;

/// One port pin of a node box.
#[derive(Debug, Clone)]
pub struct Pin {
    pub name: String,
    pub ty: PortType,
    /// World position of the pin's centre.
    pub at: Point,
}

/// One node's box.
#[derive(Debug, Clone)]
pub struct NodeBox {
    pub id: String,
    pub kind: String,
    /// Runs on the inference workers (whole clips), not in the audio callback.
    pub inference: bool,
    pub bounds: Rectangle,
    pub inputs: Vec<Pin>,
    pub outputs: Vec<Pin>,
}

/// A wire between two pins: (box, output pin) → (box, input pin).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wire {
    pub from: (usize, usize),
    pub to: (usize, usize),
}

/// Every box and wire of a graph.
#[derive(Debug, Clone, Default)]
pub struct Scene {
    pub boxes: Vec<NodeBox>,
    pub wires: Vec<Wire>,
    index: HashMap<String, usize>,
}

/// What lies under a point.
#[derive(Debug, Clone, PartialEq)]
pub enum Hit {
    Output { node: usize, pin: usize },
    Input { node: usize, pin: usize },
    Node(usize),
    Empty,
}

impl Scene {
    pub fn build(graph: &Graph, registry: &Registry) -> Scene {
        let mut scene = Scene::default();
        for (_, spec) in graph.nodes() {
            let Ok(descriptor) = descriptor_of(spec, registry) else {
                continue;
            };
            // A kind whose layout asks for a parameter it lacks is refused by the compiler,
            // with the parameter named; the canvas just leaves the node out.
            let Ok(ports) = ports_of(spec, descriptor) else {
                continue;
            };
            let ui = spec.ui.unwrap_or_default();
            let origin = Point::new(ui.x, ui.y);
            let pins = |direction: PortDirection, x: f32| -> Vec<Pin> {
                ports
                    .iter()
                    .filter(|p| p.direction == direction)
                    .enumerate()
                    .map(|(i, p)| Pin {
                        name: p.name.to_string(),
                        ty: p.ty,
                        at: Point::new(x, origin.y + HEADER + ROW * (i as f32 + 0.5)),
                    })
                    .collect()
            };
            let inputs = pins(PortDirection::Input, origin.x);
            let outputs = pins(PortDirection::Output, origin.x + NODE_WIDTH);
            let rows = inputs.len().max(outputs.len()).max(1) as f32;
            scene.index.insert(spec.id.clone(), scene.boxes.len());
            scene.boxes.push(NodeBox {
                id: spec.id.clone(),
                kind: spec.kind.clone(),
                inference: matches!(descriptor.build, Build::Inference(_)),
                bounds: Rectangle::new(origin, Size::new(NODE_WIDTH, HEADER + rows * ROW + 6.0)),
                inputs,
                outputs,
            });
        }
        for (a, b, edge) in graph.edges() {
            let (Some(&na), Some(&nb)) = (
                scene.index.get(&graph.spec(a).id),
                scene.index.get(&graph.spec(b).id),
            ) else {
                continue;
            };
            let out = scene.boxes[na]
                .outputs
                .iter()
                .position(|p| p.name == edge.from_port);
            let inp = scene.boxes[nb]
                .inputs
                .iter()
                .position(|p| p.name == edge.to_port);
            if let (Some(o), Some(i)) = (out, inp) {
                scene.wires.push(Wire {
                    from: (na, o),
                    to: (nb, i),
                });
            }
        }
        scene
    }

    pub fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// "node.port" of an output pin.
    pub fn output_ref(&self, node: usize, pin: usize) -> String {
        format!(
            "{}.{}",
            self.boxes[node].id, self.boxes[node].outputs[pin].name
        )
    }

    /// "node.port" of an input pin.
    pub fn input_ref(&self, node: usize, pin: usize) -> String {
        format!(
            "{}.{}",
            self.boxes[node].id, self.boxes[node].inputs[pin].name
        )
    }

    /// What is under world point `p`; `grab` is the pin radius in world units.
    pub fn hit(&self, p: Point, grab: f32) -> Hit {
        // Later boxes are drawn on top, so they win.
        for (n, b) in self.boxes.iter().enumerate().rev() {
            let near = |pin: &Pin| pin.at.distance(p) <= grab;
            if let Some(i) = b.outputs.iter().position(near) {
                return Hit::Output { node: n, pin: i };
            }
            if let Some(i) = b.inputs.iter().position(near) {
                return Hit::Input { node: n, pin: i };
            }
            if b.bounds.contains(p) {
                return Hit::Node(n);
            }
        }
        Hit::Empty
    }

    /// Boxes that overlap a world rectangle.
    pub fn inside(&self, area: Rectangle) -> Vec<usize> {
        self.boxes
            .iter()
            .enumerate()
            .filter(|(_, b)| b.bounds.intersects(&area))
            .map(|(i, _)| i)
            .collect()
    }

    /// The world rectangle that holds every box.
    pub fn extent(&self) -> Option<Rectangle> {
        let mut boxes = self.boxes.iter().map(|b| b.bounds);
        let first = boxes.next()?;
        Some(boxes.fold(first, |a, b| a.union(&b)))
    }
}

/// Which part of the world the canvas shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// World point at the canvas's top-left corner.
    pub origin: Point,
    /// Screen pixels per world unit.
    pub zoom: f32,
}

impl Default for Camera {
    fn default() -> Self {
        Camera {
            origin: Point::new(-40.0, -40.0),
            zoom: 1.0,
        }
    }
}

pub const MIN_ZOOM: f32 = 0.1;
pub const MAX_ZOOM: f32 = 3.0;

impl Camera {
    /// Canvas-local screen point → world point.
    pub fn to_world(&self, screen: Point) -> Point {
        Point::new(
            self.origin.x + screen.x / self.zoom,
            self.origin.y + screen.y / self.zoom,
        )
    }

    /// World point → canvas-local screen point.
    pub fn to_screen(&self, world: Point) -> Point {
        Point::new(
            (world.x - self.origin.x) * self.zoom,
            (world.y - self.origin.y) * self.zoom,
        )
    }

    /// The world rectangle a canvas of `size` shows.
    pub fn visible(&self, size: Size) -> Rectangle {
        Rectangle::new(
            self.origin,
            Size::new(size.width / self.zoom, size.height / self.zoom),
        )
    }

    /// Zooms by `factor`, keeping the world point under screen point `anchor` in place.
    pub fn zoom_about(&self, factor: f32, anchor: Point) -> Camera {
        let world = self.to_world(anchor);
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        Camera {
            origin: Point::new(world.x - anchor.x / zoom, world.y - anchor.y / zoom),
            zoom,
        }
    }

    /// Moves the view by a screen-space distance.
    pub fn pan(&self, screen: Vector) -> Camera {
        Camera {
            origin: Point::new(
                self.origin.x - screen.x / self.zoom,
                self.origin.y - screen.y / self.zoom,
            ),
            zoom: self.zoom,
        }
    }

    /// The camera that shows `world` whole, with a margin, on a canvas of `size`.
    pub fn fit(world: Rectangle, size: Size) -> Camera {
        let margin = 40.0;
        let zoom = ((size.width - 2.0 * margin) / world.width.max(1.0))
            .min((size.height - 2.0 * margin) / world.height.max(1.0))
            .clamp(MIN_ZOOM, 1.5);
        let centre = world.center();
        Camera {
            origin: Point::new(
                centre.x - size.width / 2.0 / zoom,
                centre.y - size.height / 2.0 / zoom,
            ),
            zoom,
        }
    }
}

/// Gives every node without a position one, in columns by distance from the graph's sources,
/// so presets written by hand or by scripts open readable.
pub fn place_unplaced(graph: &mut Graph) {
    let unplaced: Vec<String> = graph
        .nodes()
        .filter(|(_, n)| n.ui.is_none())
        .map(|(_, n)| n.id.clone())
        .collect();
    if unplaced.is_empty() {
        return;
    }
    // Column = longest path from a source (edges into feedback ports may loop: cap the passes).
    let mut column: HashMap<String, usize> =
        graph.nodes().map(|(_, n)| (n.id.clone(), 0)).collect();
    for _ in 0..graph.node_count().min(64) {
        let mut changed = false;
        for (a, b, _) in graph.edges() {
            let (ia, ib) = (&graph.spec(a).id, &graph.spec(b).id);
            let next = column[ia] + 1;
            if next > column[ib] && next < 64 {
                column.insert(ib.clone(), next);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut rows: HashMap<usize, usize> = HashMap::new();
    for id in unplaced {
        let c = column[&id];
        let r = rows.entry(c).or_insert(0);
        let _ = graph.node_mut_ui(
            &id,
            UiPosition {
                x: c as f32 * (NODE_WIDTH + 80.0),
                y: *r as f32 * 110.0,
            },
        );
        *r += 1;
    }
}

/// A colour per port type, so a glance tells audio from notes from clips.
pub fn port_colour(ty: PortType) -> iced::Color {
    use iced::Color;
    match ty {
        PortType::Audio { channels: 1 } => Color::from_rgb8(0x4f, 0xc3, 0xf7),
        PortType::Audio { .. } => Color::from_rgb8(0x29, 0x79, 0xff),
        PortType::Events => Color::from_rgb8(0xff, 0xb3, 0x00),
        PortType::Control => Color::from_rgb8(0xba, 0x68, 0xc8),
        PortType::AudioClip => Color::from_rgb8(0x26, 0xa6, 0x9a),
        PortType::NoteClip => Color::from_rgb8(0xef, 0x53, 0x50),
        PortType::Analysis => Color::from_rgb8(0x9e, 0x9e, 0x9e),
    }
}
