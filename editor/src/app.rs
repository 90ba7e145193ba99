//! The editor application: its state, the messages every widget and key sends, and `update`,
//! which turns each message into a document edit (then passes it to the engine) or a view change.
//! Runs on the UI thread; the only thing it shares with the audio thread is the engine session.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::keyboard;
use iced::widget::canvas;
use iced::{Point, Size, Task};
use yano_engine::graph::UiPosition;
use yano_engine::param::ParamValue;
use yano_engine::{Graph, Registry, Transport};

mod clock;
mod files_flow;
mod input;

use crate::audio::Engine;
use crate::clipboard::{self, Clipping};
use crate::document::{Document, Edit};
use crate::files::{self, RenderJob};
use crate::graph_canvas::{Badge, CanvasEvent};
use crate::scene::{Camera, Scene};

/// Every way the user (or the clock) can poke the editor.
#[derive(Debug, Clone)]
pub enum Message {
    Canvas(CanvasEvent),
    Key(keyboard::Event),
    Tick,
    /// A frame was presented (only while frame statistics are wanted).
    Frame(Instant),
    WindowResized(Size),
    CloseRequested,
    // Edit commands.
    Undo,
    Redo,
    Delete,
    Duplicate,
    Copy,
    Paste,
    SelectAll,
    FitView,
    Zoom(f32),
    // The palette.
    PaletteOpen,
    PaletteQuery(String),
    PaletteAdd(String),
    PaletteSubmit,
    // The inspector.
    ParamSlide {
        node: String,
        param: String,
        value: f64,
    },
    /// A knob or slider was let go: the gesture is one undo step.
    GestureEnd,
    ParamEntry {
        param: String,
        text: String,
    },
    ParamSubmit {
        node: String,
        param: String,
    },
    ParamSet {
        node: String,
        param: String,
        value: ParamValue,
        gesture: bool,
    },
    ParamReset {
        node: String,
        param: String,
    },
    // The transport.
    TogglePlay,
    Stop,
    ToggleLoop,
    LoopEntry(String),
    BpmEntry(String),
    SwingEntry(String),
    TransportSubmit,
    // Files and dialogs.
    OpenDialog,
    SaveAsDialog,
    RenderDialog,
    DialogPath(String),
    DialogBars(String),
    DialogConfirm,
    DialogCancel,
    OpenFile(PathBuf),
    Save,
    RenderCancel,
    /// Answer to "save changes?": save, discard or cancel.
    Unsaved(Choice),
    AutosaveRestore,
    AutosaveDiscard,
    DismissStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Save,
    Discard,
    Cancel,
}

/// A line under the canvas: what just happened, or what went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// A small window over the canvas.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Open {
        path: String,
    },
    SaveAs {
        path: String,
    },
    Render {
        path: String,
        bars: String,
    },
    /// Unsaved work would be lost by `then`.
    Unsaved {
        then: Box<AfterPrompt>,
    },
    /// An autosave newer than the document was found.
    Autosave {
        path: PathBuf,
    },
}

/// What to do once the unsaved-work prompt is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterPrompt {
    Open(PathBuf),
    Quit,
}

/// The add-node palette, open at a world point.
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    pub at: Point,
    pub query: String,
}

pub struct App {
    pub doc: Document,
    pub scene: Scene,
    pub camera: Camera,
    pub selection: BTreeSet<String>,
    pub selected_flags: Vec<bool>,
    pub cache: canvas::Cache,
    pub pointer: Point,
    pub window: Size,
    pub clipboard: Option<Clipping>,
    pub palette: Option<Palette>,
    pub engine: Option<Engine>,
    pub engine_error: Option<String>,
    pub use_device: bool,
    pub badges: HashMap<String, Badge>,
    pub status: Option<Status>,
    /// Typed-entry text of the inspector, by parameter id (cleared when the selection changes).
    pub entries: HashMap<String, String>,
    pub bpm_entry: String,
    pub swing_entry: String,
    pub loop_entry: String,
    pub dialog: Option<Dialog>,
    pub render: Option<RenderJob>,
    last_autosave: Instant,
    /// Frame times being measured: how many frames are wanted, and when each was presented.
    pub frame_stats: Option<(usize, Vec<Instant>)>,
}

/// Canvas width left beside the inspector, and height under the transport bar.
pub const INSPECTOR_WIDTH: f32 = 360.0;
pub const TOP_BAR: f32 = 52.0;
const AUTOSAVE_EVERY: Duration = Duration::from_secs(30);

impl App {
    /// Edits `graph`, a document not saved anywhere yet (scripts, benchmarks).
    pub fn from_graph(mut graph: Graph, registry: Arc<Registry>, use_device: bool) -> App {
        crate::scene::place_unplaced(&mut graph);
        let mut app = App::new(None, registry, use_device);
        app.dialog = None;
        app.doc.replace(graph, None);
        app.document_changed();
        app.restart_engine();
        app.fit();
        app
    }

    /// Opens `path` (or an empty graph) with sound when `use_device` and the build allow.
    pub fn new(path: Option<PathBuf>, registry: Arc<Registry>, use_device: bool) -> App {
        let (graph, status) = match &path {
            Some(p) => match files::open(p, &registry) {
                Ok(g) => (g, None),
                Err(e) => (
                    Graph::new(Transport::default()),
                    Some(Status {
                        text: format!("could not open {}: {e}", p.display()),
                        error: true,
                    }),
                ),
            },
            None => (Graph::new(Transport::default()), None),
        };
        let opened = status.is_none();
        let mut app = App {
            doc: Document::new(graph, registry, if opened { path.clone() } else { None }),
            scene: Scene::default(),
            camera: Camera::default(),
            selection: BTreeSet::new(),
            selected_flags: Vec::new(),
            cache: canvas::Cache::new(),
            pointer: Point::new(200.0, 200.0),
            window: Size::new(1600.0, 900.0),
            clipboard: None,
            palette: None,
            engine: None,
            engine_error: None,
            use_device,
            badges: HashMap::new(),
            status,
            entries: HashMap::new(),
            bpm_entry: String::new(),
            swing_entry: String::new(),
            loop_entry: "1-4".into(),
            dialog: None,
            render: None,
            last_autosave: Instant::now(),
            frame_stats: None,
        };
        app.document_changed();
        app.restart_engine();
        app.fit();
        if let Some(found) = files::leftover_autosave(app.doc.path.as_deref()) {
            if opened || path.is_none() {
                app.dialog = Some(Dialog::Autosave { path: found });
            }
        }
        app
    }

    pub fn title(&self) -> String {
        let name = self
            .doc
            .path
            .as_ref()
            .and_then(|p| p.file_name())
            .map_or("untitled".to_string(), |n| n.to_string_lossy().into_owned());
        let dirty = if self.doc.is_dirty() { "● " } else { "" };
        format!("{dirty}{name} — yano")
    }

    fn say(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    fn fail(&mut self, text: impl Into<String>) {
        self.status = Some(Status {
            text: text.into(),
            error: true,
        });
    }

    /// Rebuilds what is derived from the document: the scene, the selection flags, the entries.
    /// Rebuilds what is derived from the document: the scene, the selection flags, the
    /// transport entries. Typed entries of the inspector survive unless their node went away.
    fn document_changed(&mut self) {
        self.scene = Scene::build(self.doc.graph(), self.doc.registry());
        let graph = self.doc.graph();
        let before = self.selection.len();
        self.selection.retain(|id| graph.node(id).is_some());
        let t = graph.transport;
        self.bpm_entry = format!("{}", t.bpm);
        self.swing_entry = format!("{}", t.swing);
        if self.selection.len() != before {
            self.entries.clear();
        }
        self.refresh_selection();
    }

    /// The user picked other nodes: the inspector starts afresh.
    fn selection_changed(&mut self) {
        self.entries.clear();
        self.refresh_selection();
    }

    fn refresh_selection(&mut self) {
        self.selected_flags = self
            .scene
            .boxes
            .iter()
            .map(|b| self.selection.contains(&b.id))
            .collect();
        self.cache.clear();
    }

    fn restart_engine(&mut self) {
        self.engine = None;
        match Engine::start(
            self.doc.graph(),
            self.doc.registry().clone(),
            self.use_device,
        ) {
            Ok(engine) => {
                self.engine = Some(engine);
                self.engine_error = None;
            }
            Err(e) => self.engine_error = Some(e.to_string()),
        }
    }

    /// Applies an edit as one step of the history and hands it to the engine. An edit the
    /// engine cannot compile (a loop without a delay, say) is taken back and its reason shown.
    pub fn perform(&mut self, edit: Edit, gesture: bool) -> bool {
        let label = edit.label();
        if let Err(e) = self.doc.perform(edit.clone(), gesture) {
            self.fail(e.to_string());
            return false;
        }
        if let Err(e) = self.follow(&edit) {
            self.doc.undo();
            self.doc.forget_redo();
            self.fail(format!("{label}: {e}"));
            self.document_changed();
            return false;
        }
        // Parameters can reshape ports (a mixer's channel count), so the scene follows them too.
        self.document_changed();
        if !gesture {
            self.status = None;
        }
        true
    }

    fn follow(&mut self, edit: &Edit) -> Result<(), String> {
        match &mut self.engine {
            Some(engine) => engine
                .follow(self.doc.graph(), edit)
                .map_err(|e| e.to_string()),
            None => {
                self.restart_engine();
                Ok(())
            }
        }
    }

    fn undo(&mut self) {
        match self.doc.undo() {
            Some(edit) => {
                let _ = self.follow(&edit);
                self.document_changed();
                self.say(format!("undid: {}", edit.label()));
            }
            None => self.say("nothing to undo"),
        }
    }

    fn redo(&mut self) {
        match self.doc.redo() {
            Some(edit) => {
                let _ = self.follow(&edit);
                self.document_changed();
                self.say(format!("redid: {}", edit.label()));
            }
            None => self.say("nothing to redo"),
        }
    }

    fn canvas_size(&self) -> Size {
        let panel = if crate::sequencers::view(self).is_some() {
            crate::sequencers::PANEL_HEIGHT
        } else {
            0.0
        };
        Size::new(
            (self.window.width - INSPECTOR_WIDTH).max(200.0),
            (self.window.height - TOP_BAR - 30.0 - panel).max(200.0),
        )
    }

    /// Selects nodes by id (those that exist), as a click would.
    pub fn select(&mut self, ids: &[String]) {
        self.selection = ids
            .iter()
            .filter(|id| self.doc.graph().node(id).is_some())
            .cloned()
            .collect();
        self.selection_changed();
    }

    /// The window size the layout assumes (for fit-to-view before the first resize event).
    pub fn set_window(&mut self, size: Size) {
        self.window = size;
    }

    pub fn fit(&mut self) {
        if let Some(extent) = self.scene.extent() {
            self.camera = Camera::fit(extent, self.canvas_size());
            self.cache.clear();
        }
    }

    fn selected(&self) -> Vec<String> {
        self.selection.iter().cloned().collect()
    }

    /// The single selected node, whose parameters the inspector shows.
    pub fn inspected(&self) -> Option<&str> {
        match self.selection.len() {
            1 => self.selection.iter().next().map(String::as_str),
            _ => None,
        }
    }

    fn paste(&mut self, offset: (f32, f32)) {
        let Some(clipping) = self.clipboard.clone() else {
            self.say("the clipboard is empty");
            return;
        };
        let (edit, ids) = clipboard::paste(self.doc.graph(), &clipping, offset);
        if self.perform(edit, false) {
            self.selection = ids.into_iter().collect();
            self.selection_changed();
        }
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Canvas(event) => self.canvas_event(event),
            Message::Key(event) => return self.key(event),
            Message::Tick => self.tick(),
            Message::Frame(at) => return self.frame(at),
            Message::WindowResized(size) => self.window = size,
            Message::CloseRequested => return self.guard(AfterPrompt::Quit),
            Message::Undo => self.undo(),
            Message::Redo => self.redo(),
            Message::Delete => {
                if !self.selection.is_empty() {
                    let edit = clipboard::delete(&self.selected());
                    if self.perform(edit, false) {
                        self.selection.clear();
                        self.selection_changed();
                    }
                }
            }
            Message::Duplicate => {
                self.clipboard = Some(clipboard::copy(self.doc.graph(), &self.selected()));
                self.paste((40.0, 40.0));
            }
            Message::Copy => {
                let clip = clipboard::copy(self.doc.graph(), &self.selected());
                self.say(format!("copied {} node(s)", clip.nodes.len()));
                self.clipboard = Some(clip);
            }
            Message::Paste => {
                // Paste so the copied nodes' top-left lands at the pointer.
                let origin = self.clipboard.as_ref().and_then(|c| {
                    c.nodes
                        .iter()
                        .filter_map(|n| n.ui)
                        .reduce(|a, b| UiPosition {
                            x: a.x.min(b.x),
                            y: a.y.min(b.y),
                        })
                });
                let offset = origin.map_or((40.0, 40.0), |o| {
                    (self.pointer.x - o.x, self.pointer.y - o.y)
                });
                self.paste(offset);
            }
            Message::SelectAll => {
                self.selection = self.scene.boxes.iter().map(|b| b.id.clone()).collect();
                self.selection_changed();
            }
            Message::FitView => self.fit(),
            Message::Zoom(factor) => {
                let size = self.canvas_size();
                self.camera = self
                    .camera
                    .zoom_about(factor, Point::new(size.width / 2.0, size.height / 2.0));
                self.cache.clear();
            }
            Message::PaletteOpen => {
                self.palette = Some(Palette {
                    at: self.pointer,
                    query: String::new(),
                });
                return iced::widget::operation::focus(crate::view::PALETTE_INPUT);
            }
            Message::PaletteQuery(q) => {
                if let Some(p) = &mut self.palette {
                    p.query = q;
                }
            }
            Message::PaletteSubmit => {
                if let Some(p) = &self.palette {
                    if let Some(d) = crate::palette::search(self.doc.registry(), &p.query).first() {
                        return self.update(Message::PaletteAdd(d.kind.to_string()));
                    }
                }
            }
            Message::PaletteAdd(kind) => {
                let at = self.palette.take().map_or(self.pointer, |p| p.at);
                let edit =
                    clipboard::add_node(self.doc.graph(), &kind, UiPosition { x: at.x, y: at.y });
                let id = match &edit {
                    Edit::AddNode(spec) => spec.id.clone(),
                    _ => String::new(),
                };
                if self.perform(edit, false) {
                    self.selection = [id.clone()].into_iter().collect();
                    self.selection_changed();
                    self.say(format!("added {id} ({kind})"));
                }
            }
            Message::ParamSlide { node, param, value } => {
                self.entries.remove(&param);
                self.perform(
                    Edit::SetParam {
                        node,
                        param,
                        value: Some(ParamValue::Number(value)),
                    },
                    true,
                );
            }
            Message::GestureEnd => self.doc.seal(),
            Message::ParamEntry { param, text } => {
                self.entries.insert(param, text);
            }
            Message::ParamSubmit { node, param } => {
                if let Some(text) = self.entries.get(&param).cloned() {
                    match crate::inspector::parse_entry(
                        self.doc.graph(),
                        self.doc.registry(),
                        &node,
                        &param,
                        &text,
                    ) {
                        Ok(value) => {
                            if self.perform(
                                Edit::SetParam {
                                    node,
                                    param: param.clone(),
                                    value: Some(value),
                                },
                                false,
                            ) {
                                self.entries.remove(&param);
                            }
                        }
                        Err(e) => self.fail(e),
                    }
                }
            }
            Message::ParamSet {
                node,
                param,
                value,
                gesture,
            } => {
                self.perform(
                    Edit::SetParam {
                        node,
                        param,
                        value: Some(value),
                    },
                    gesture,
                );
            }
            Message::ParamReset { node, param } => {
                self.entries.remove(&param);
                self.perform(
                    Edit::SetParam {
                        node,
                        param,
                        value: None,
                    },
                    false,
                );
            }
            Message::TogglePlay => {
                let playing = self.engine.as_ref().is_some_and(Engine::is_playing);
                if playing {
                    self.transport_command(Engine::stop);
                } else {
                    self.transport_command(Engine::play);
                    if let Some(engine) = &self.engine {
                        if !engine.has_sound() {
                            let why = engine.output_text();
                            self.say(format!("playing silently ({why})"));
                        }
                    }
                }
            }
            Message::Stop => self.transport_command(Engine::stop),
            Message::ToggleLoop => {
                let looping = self.engine.as_ref().and_then(Engine::loop_bars).is_some();
                let bars = if looping { None } else { self.parse_loop() };
                if !looping && bars.is_none() {
                    self.fail(format!(
                        "loop \"{}\": write bars as first-last, e.g. 1-4",
                        self.loop_entry
                    ));
                } else {
                    self.transport_command(|e| e.set_loop(bars));
                }
            }
            Message::LoopEntry(text) => self.loop_entry = text,
            Message::BpmEntry(text) => self.bpm_entry = text,
            Message::SwingEntry(text) => self.swing_entry = text,
            Message::TransportSubmit => self.set_transport(),
            m @ (Message::OpenDialog
            | Message::SaveAsDialog
            | Message::RenderDialog
            | Message::DialogPath(_)
            | Message::DialogBars(_)
            | Message::DialogConfirm
            | Message::DialogCancel
            | Message::OpenFile(_)
            | Message::Save
            | Message::RenderCancel
            | Message::Unsaved(_)
            | Message::AutosaveRestore
            | Message::AutosaveDiscard) => return self.file_message(m),
            Message::DismissStatus => self.status = None,
        }
        Task::none()
    }
}
