//! The editor application: the document and the engine it owns, the panels, and `update`, which
//! hands each panel its own message and applies what the panel asks for: a document edit (then
//! passed to the engine), a transport command, a file operation or a view change. Runs on the UI
//! thread; the only thing it shares with the audio thread is the engine session.
//!
//! The panels (canvas, inspector, palette, transport bar, sequence editors, dialogs, render job,
//! status line) own their state and never reach into the app: they are given what they read and
//! answer with an `Action`. The app is the only module that knows them all.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::keyboard;
use iced::{Point, Size, Task};
use yano_engine::graph::UiPosition;
use yano_engine::{Graph, Registry, Transport};

mod clock;
mod files_flow;
mod input;
mod panels;
mod view;

use crate::audio::Engine;
use crate::clipboard::{self, Clipping};
use crate::dialog::{AfterPrompt, Dialog, Dialogs};
use crate::document::{Document, Edit};
use crate::files;
use crate::graph_canvas::{Canvas, CanvasEvent};
use crate::inspector::Inspector;
use crate::palette::Palette;
use crate::render::Rendering;
use crate::scene::Scene;
use crate::status::StatusLine;
use crate::transport::TransportBar;
use crate::{dialog, inspector, palette, render, sequencers, status, transport};

/// Every way the user (or the clock) can poke the editor: a panel's own message, or a command
/// of the whole window (keys, menus, the clock).
#[derive(Debug, Clone)]
pub enum Message {
    Canvas(CanvasEvent),
    Inspector(inspector::Message),
    Palette(palette::Message),
    Transport(transport::Message),
    Sequencer(sequencers::Message),
    Dialog(dialog::Message),
    Render(render::Message),
    Status(status::Message),
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
    /// Open the palette at the pointer.
    PaletteOpen,
    // Files.
    OpenDialog,
    SaveAsDialog,
    RenderDialog,
    Save,
}

pub struct App {
    /// The graph being edited and its undo history; every change goes through it.
    pub doc: Document,
    pub engine: Option<Engine>,
    engine_error: Option<String>,
    use_device: bool,
    /// Boxes, pins and wires of the document, rebuilt after each edit.
    pub scene: Scene,
    pub selection: BTreeSet<String>,
    clipboard: Option<Clipping>,
    window: Size,
    pub canvas: Canvas,
    pub inspector: Inspector,
    pub palette: Palette,
    pub transport: TransportBar,
    pub dialog: Dialogs,
    pub render: Rendering,
    pub status: StatusLine,
    last_autosave: Instant,
    /// Frame times being measured: how many frames are wanted, and when each was presented.
    pub frame_stats: Option<(usize, Vec<Instant>)>,
}

/// Height of the transport bar over the canvas.
pub const TOP_BAR: f32 = 52.0;
const AUTOSAVE_EVERY: Duration = Duration::from_secs(30);

impl App {
    /// Edits `graph`, a document not saved anywhere yet (scripts, benchmarks).
    pub fn from_graph(mut graph: Graph, registry: Arc<Registry>, use_device: bool) -> App {
        crate::scene::place_unplaced(&mut graph);
        let mut app = App::new(None, registry, use_device);
        app.dialog.close();
        app.doc.replace(graph, None);
        app.document_changed();
        app.restart_engine();
        app.fit();
        app
    }

    /// Opens `path` (or an empty graph) with sound when `use_device` and the build allow.
    pub fn new(path: Option<PathBuf>, registry: Arc<Registry>, use_device: bool) -> App {
        let mut status = StatusLine::default();
        let graph = match &path {
            Some(p) => files::open(p, &registry).unwrap_or_else(|e| {
                status.fail(format!("could not open {}: {e}", p.display()));
                Graph::new(Transport::default())
            }),
            None => Graph::new(Transport::default()),
        };
        let opened = status.shown().is_none();
        let mut app = App {
            doc: Document::new(graph, registry, if opened { path.clone() } else { None }),
            engine: None,
            engine_error: None,
            use_device,
            scene: Scene::default(),
            selection: BTreeSet::new(),
            clipboard: None,
            window: Size::new(1600.0, 900.0),
            canvas: Canvas::default(),
            inspector: Inspector::default(),
            palette: Palette::default(),
            transport: TransportBar::default(),
            dialog: Dialogs::default(),
            render: Rendering::default(),
            status,
            last_autosave: Instant::now(),
            frame_stats: None,
        };
        app.document_changed();
        app.restart_engine();
        app.fit();
        if let Some(found) = files::leftover_autosave(app.doc.path.as_deref()) {
            if opened || path.is_none() {
                app.dialog.show(Dialog::Autosave { path: found });
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
        self.status.say(text);
    }

    fn fail(&mut self, text: impl Into<String>) {
        self.status.fail(text);
    }

    /// Rebuilds what is derived from the document: the scene, the selection flags, the
    /// transport entries. Typed entries of the inspector survive unless their node went away.
    fn document_changed(&mut self) {
        self.scene = Scene::build(self.doc.graph(), self.doc.registry());
        let graph = self.doc.graph();
        let before = self.selection.len();
        self.selection.retain(|id| graph.node(id).is_some());
        self.transport.show(&graph.transport);
        if self.selection.len() != before {
            self.inspector.clear();
        }
        self.refresh_selection();
    }

    /// The user picked other nodes: the inspector starts afresh.
    fn selection_changed(&mut self) {
        self.inspector.clear();
        self.refresh_selection();
    }

    fn refresh_selection(&mut self) {
        self.canvas.show_selection(&self.scene, &self.selection);
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
            self.status.clear();
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
        let panel = if sequencers::shown(self.doc.graph(), self.inspected()) {
            sequencers::PANEL_HEIGHT
        } else {
            0.0
        };
        Size::new(
            (self.window.width - inspector::WIDTH).max(200.0),
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

    /// Frames the whole graph in the canvas.
    pub fn fit(&mut self) {
        self.canvas.fit(&self.scene, self.canvas_size());
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
            Message::Canvas(event) => {
                let action = self.canvas.update(event, self.doc.graph());
                self.canvas_action(action);
            }
            Message::Inspector(m) => {
                let action = self
                    .inspector
                    .update(m, self.doc.graph(), self.doc.registry());
                self.inspector_action(action);
            }
            Message::Palette(m) => {
                let action = self.palette.update(m, self.doc.registry());
                self.palette_action(action);
            }
            Message::Transport(m) => {
                let transport = self.doc.graph().transport;
                let action = self.transport.update(m, transport, self.engine.as_ref());
                self.transport_action(action);
            }
            Message::Sequencer(m) => self.sequencer_action(sequencers::update(m)),
            Message::Dialog(m) => {
                let action = self.dialog.update(m);
                return self.dialog_action(action);
            }
            Message::Render(m) => match self.render.update(m) {
                render::Action::ShowDialog => self.render_dialog(),
                render::Action::None => {}
            },
            Message::Status(m) => self.status.update(m),
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
                let pointer = self.canvas.pointer();
                let offset = origin.map_or((40.0, 40.0), |o| (pointer.x - o.x, pointer.y - o.y));
                self.paste(offset);
            }
            Message::SelectAll => {
                self.selection = self.scene.boxes.iter().map(|b| b.id.clone()).collect();
                self.selection_changed();
            }
            Message::FitView => self.fit(),
            Message::Zoom(factor) => self.canvas.zoom(factor, self.canvas_size()),
            Message::PaletteOpen => {
                self.palette.open(self.canvas.pointer());
                return iced::widget::operation::focus(palette::INPUT);
            }
            Message::OpenDialog => self.open_dialog(),
            Message::SaveAsDialog => self.save_as_dialog(),
            Message::RenderDialog => self.render_dialog(),
            Message::Save => {
                self.save();
            }
        }
        Task::none()
    }

    /// Adds a node of `kind` at `at` (world coordinates) and selects it.
    fn add_node(&mut self, kind: &str, at: Point) {
        let edit = clipboard::add_node(self.doc.graph(), kind, UiPosition { x: at.x, y: at.y });
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
}
