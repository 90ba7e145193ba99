//! The patching canvas panel: the camera, the pointer, the drawn-shape cache, which boxes are
//! selected and the inference badges. Its [`program`] draws the scene (boxes, pins coloured by
//! port type, wires) and turns pointer gestures into [`CanvasEvent`]s; [`Canvas::update`] keeps
//! camera and pointer moves to itself and hands the rest to the app as an [`Action`].
//!
//! It never edits the document itself: every change leaves as an [`Edit`] for the app to
//! perform. Drawing stays cheap with 500 nodes: what is off-screen is culled, and when zoomed
//! out text and pins are left out.

mod draw;
mod program;

use std::collections::{BTreeSet, HashMap};

use iced::widget::canvas;
use iced::{Color, Element, Length, Point, Size, Vector};
use yano_engine::graph::UiPosition;
use yano_engine::runtime::inference::JobStatus;
use yano_engine::Graph;

use crate::document::Edit;
use crate::scene::{Camera, Scene};
use program::GraphCanvas;

/// What a gesture on the canvas asks for: the canvas panel's message.
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

/// What the app must do after a canvas event.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    /// Select these nodes (adding to the selection when `add`).
    Select {
        nodes: Vec<String>,
        add: bool,
    },
    /// Perform this edit; on success, say `done`.
    Edit {
        edit: Edit,
        done: Option<String>,
    },
    /// Show this reason as an error.
    Refused(String),
    /// Open the palette to add a node at this world point.
    OpenPalette(Point),
}

/// The canvas panel's state.
pub struct Canvas {
    camera: Camera,
    /// Where the pointer last was, in world coordinates (pastes and new nodes land there).
    pointer: Point,
    /// Drawn boxes and wires, kept until an edit, a selection or a camera move clears it.
    cache: canvas::Cache,
    /// One flag per box of the scene.
    selected: Vec<bool>,
    badges: HashMap<String, Badge>,
}

impl Default for Canvas {
    fn default() -> Self {
        Canvas {
            camera: Camera::default(),
            pointer: Point::new(200.0, 200.0),
            cache: canvas::Cache::new(),
            selected: Vec::new(),
            badges: HashMap::new(),
        }
    }
}

impl Canvas {
    pub fn camera(&self) -> Camera {
        self.camera
    }

    /// The pointer's last world position.
    pub fn pointer(&self) -> Point {
        self.pointer
    }

    /// The inference badges shown, by node id.
    pub fn badges(&self) -> &HashMap<String, Badge> {
        &self.badges
    }

    /// Forgets the drawn shapes, so the next frame draws the scene afresh.
    pub fn redraw(&self) {
        self.cache.clear();
    }

    /// Marks the boxes of `scene` whose node is in `selection` (after an edit or a new selection).
    pub fn show_selection(&mut self, scene: &Scene, selection: &BTreeSet<String>) {
        self.selected = scene
            .boxes
            .iter()
            .map(|b| selection.contains(&b.id))
            .collect();
        self.cache.clear();
    }

    /// Shows the engine's inference job states; redraws only when they changed.
    pub fn show_statuses(&mut self, statuses: &[(String, JobStatus)]) {
        let badges: HashMap<String, Badge> = statuses
            .iter()
            .map(|(id, s)| (id.clone(), Badge::of(s)))
            .collect();
        if badges != self.badges {
            self.badges = badges;
            self.cache.clear();
        }
    }

    pub fn set_camera(&mut self, camera: Camera) {
        self.camera = camera;
        self.cache.clear();
    }

    /// Frames the whole scene in a canvas of `size`.
    pub fn fit(&mut self, scene: &Scene, size: Size) {
        if let Some(extent) = scene.extent() {
            self.set_camera(Camera::fit(extent, size));
        }
    }

    /// Zooms by `factor` about the middle of a canvas of `size`.
    pub fn zoom(&mut self, factor: f32, size: Size) {
        let middle = Point::new(size.width / 2.0, size.height / 2.0);
        self.set_camera(self.camera.zoom_about(factor, middle));
    }

    /// Pans by a screen distance.
    pub fn pan(&mut self, by: Vector) {
        self.set_camera(self.camera.pan(by));
    }

    /// Keeps camera and pointer moves; turns the rest into what the app must do. `graph` is read
    /// to turn a move into node positions.
    pub fn update(&mut self, event: CanvasEvent, graph: &Graph) -> Action {
        match event {
            CanvasEvent::Select { nodes, add } => Action::Select { nodes, add },
            CanvasEvent::MoveBy { nodes, by } => {
                let moves = nodes
                    .iter()
                    .filter_map(|id| {
                        let ui = graph.node(id)?.ui.unwrap_or_default();
                        Some((
                            id.clone(),
                            UiPosition {
                                x: ui.x + by.x,
                                y: ui.y + by.y,
                            },
                        ))
                    })
                    .collect();
                Action::Edit {
                    edit: Edit::Move(moves),
                    done: None,
                }
            }
            CanvasEvent::Connect {
                from,
                to,
                replacing,
            } => {
                let done = Some(format!("connected {from} → {to}"));
                let connect = Edit::Connect { from, to };
                let edit = match replacing {
                    Some((f, t)) => Edit::Batch(vec![Edit::Disconnect { from: f, to: t }, connect]),
                    None => connect,
                };
                Action::Edit { edit, done }
            }
            CanvasEvent::Disconnect { from, to } => Action::Edit {
                done: Some(format!("disconnected {from} → {to}")),
                edit: Edit::Disconnect { from, to },
            },
            CanvasEvent::Refused(reason) => Action::Refused(reason),
            CanvasEvent::Camera(camera) => {
                self.set_camera(camera);
                Action::None
            }
            CanvasEvent::Palette(at) => {
                self.pointer = at;
                Action::OpenPalette(at)
            }
            CanvasEvent::Pointer(at) => {
                self.pointer = at;
                Action::None
            }
        }
    }

    /// The canvas showing `scene`, clipped so labels of boxes half off it never spill over the
    /// panels around it.
    pub fn view<'a>(&'a self, scene: &'a Scene) -> Element<'a, CanvasEvent> {
        let program = canvas(GraphCanvas {
            scene,
            camera: self.camera,
            selected: &self.selected,
            badges: &self.badges,
            cache: &self.cache,
        })
        .width(Length::Fill)
        .height(Length::Fill);
        iced::widget::container(program).clip(true).into()
    }
}
