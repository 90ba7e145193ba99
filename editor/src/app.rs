//! The editor application: its state, the messages every widget and key sends, and `update`,
//! which turns each message into a document edit (then passes it to the engine) or a view change.
//! Runs on the UI thread; the only thing it shares with the audio thread is the engine session.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iced::keyboard::{self, key::Named, Key};
use iced::widget::canvas;
use iced::{window, Point, Size, Task, Vector};
use yano_engine::graph::UiPosition;
use yano_engine::param::ParamValue;
use yano_engine::{Graph, Registry, Transport};

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
    ParamSlide { node: String, param: String, value: f64 },
    /// A knob or slider was let go: the gesture is one undo step.
    GestureEnd,
    ParamEntry { param: String, text: String },
    ParamSubmit { node: String, param: String },
    ParamSet { node: String, param: String, value: ParamValue, gesture: bool },
    ParamReset { node: String, param: String },
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
    Open { path: String },
    SaveAs { path: String },
    Render { path: String, bars: String },
    /// Unsaved work would be lost by `then`.
    Unsaved { then: Box<AfterPrompt> },
    /// An autosave newer than the document was found.
    Autosave { path: PathBuf },
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
}

/// Canvas width left beside the inspector, and height under the transport bar.
pub const INSPECTOR_WIDTH: f32 = 360.0;
pub const TOP_BAR: f32 = 52.0;
const AUTOSAVE_EVERY: Duration = Duration::from_secs(30);

impl App {
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
    fn document_changed(&mut self) {
        self.scene = Scene::build(self.doc.graph(), self.doc.registry());
        let graph = self.doc.graph();
        self.selection.retain(|id| graph.node(id).is_some());
        let t = graph.transport;
        self.selection_changed();
        self.bpm_entry = format!("{}", t.bpm);
        self.swing_entry = format!("{}", t.swing);
    }

    fn selection_changed(&mut self) {
        self.selected_flags = self
            .scene
            .boxes
            .iter()
            .map(|b| self.selection.contains(&b.id))
            .collect();
        self.entries.clear();
        self.cache.clear();
    }

    fn restart_engine(&mut self) {
        self.engine = None;
        match Engine::start(self.doc.graph(), self.doc.registry().clone(), self.use_device) {
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
        if !edit.is_param() {
            self.document_changed();
        }
        if !gesture {
            self.status = None;
        }
        true
    }

    fn follow(&mut self, edit: &Edit) -> Result<(), String> {
        match &mut self.engine {
            Some(engine) => engine.follow(self.doc.graph(), edit).map_err(|e| e.to_string()),
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

    fn set_transport(&mut self) {
        let mut t = self.doc.graph().transport;
        match (self.bpm_entry.trim().parse::<f64>(), self.swing_entry.trim().parse::<f64>()) {
            (Ok(bpm), Ok(swing)) if (40.0..=240.0).contains(&bpm) && (0.5..=0.75).contains(&swing) => {
                if (t.bpm, t.swing) != (bpm, swing) {
                    t.bpm = bpm;
                    t.swing = swing;
                    self.perform(Edit::SetTransport(t), false);
                }
            }
            _ => self.fail(format!(
                "tempo \"{}\" / swing \"{}\": BPM is 40..240 and swing 0.5..0.75",
                self.bpm_entry, self.swing_entry
            )),
        }
    }

    fn parse_loop(&self) -> Option<(u32, u32)> {
        let (a, b) = self.loop_entry.split_once('-')?;
        let (a, b): (u32, u32) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        (a >= 1 && b >= a).then_some((a, b))
    }

    fn transport_command(&mut self, command: impl FnOnce(&mut Engine) -> Result<(), yano_engine::session::SessionError>) {
        match &mut self.engine {
            Some(engine) => {
                if let Err(e) = command(engine) {
                    self.fail(e.to_string());
                }
            }
            None => self.fail(format!(
                "the graph does not run: {}",
                self.engine_error.clone().unwrap_or_default()
            )),
        }
    }

    fn open(&mut self, path: PathBuf) {
        match files::open(&path, self.doc.registry()) {
            Ok(graph) => {
                self.doc.replace(graph, Some(path.clone()));
                self.selection.clear();
                self.document_changed();
                self.restart_engine();
                self.fit();
                self.say(format!("opened {}", path.display()));
                if let Some(found) = files::leftover_autosave(Some(&path)) {
                    self.dialog = Some(Dialog::Autosave { path: found });
                }
            }
            Err(e) => self.fail(format!("could not open {}: {e}", path.display())),
        }
    }

    /// Saves to the document's path; false (and the Save As dialog) when it has none.
    fn save(&mut self) -> bool {
        let Some(path) = self.doc.path.clone() else {
            self.dialog = Some(Dialog::SaveAs {
                path: "graphs/untitled.ron".into(),
            });
            return false;
        };
        self.save_to(path)
    }

    fn save_to(&mut self, path: PathBuf) -> bool {
        match files::save(self.doc.graph(), &path) {
            Ok(()) => {
                files::discard_autosave(None);
                self.doc.mark_saved(path.clone());
                self.say(format!("saved {}", path.display()));
                true
            }
            Err(e) => {
                self.fail(format!("could not save: {e}"));
                false
            }
        }
    }

    /// Runs `then` now when nothing is unsaved, or asks first.
    fn guard(&mut self, then: AfterPrompt) -> Task<Message> {
        if self.doc.is_dirty() {
            self.dialog = Some(Dialog::Unsaved {
                then: Box::new(then),
            });
            Task::none()
        } else {
            self.proceed(then)
        }
    }

    fn proceed(&mut self, then: AfterPrompt) -> Task<Message> {
        match then {
            AfterPrompt::Open(path) => {
                self.open(path);
                Task::none()
            }
            AfterPrompt::Quit => {
                files::discard_autosave(self.doc.path.as_deref());
                iced::exit()
            }
        }
    }

    fn tick(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.poll();
            let badges: HashMap<String, Badge> = engine
                .statuses()
                .iter()
                .map(|(id, s)| (id.clone(), Badge::of(s)))
                .collect();
            if badges != self.badges {
                self.badges = badges;
                self.cache.clear();
            }
        }
        if let Some(job) = &self.render {
            if let Some(result) = job.finished() {
                self.render = None;
                match result {
                    Ok(s) => self.say(format!(
                        "rendered {:.1} s to {} (peak {:.1} dBFS)",
                        s.seconds,
                        s.output.display(),
                        s.peak_db
                    )),
                    Err(e) => self.fail(format!("render failed: {e}")),
                }
            }
        }
        if self.doc.is_dirty() && self.last_autosave.elapsed() >= AUTOSAVE_EVERY {
            self.last_autosave = Instant::now();
            if let Err(e) = files::autosave(self.doc.graph(), self.doc.path.as_deref()) {
                self.fail(format!("autosave failed: {e}"));
            }
        }
    }

    /// How often the clock should tick: fast while something moves, slow otherwise.
    pub fn tick_every(&self) -> Duration {
        let busy = self.engine.as_ref().is_some_and(Engine::is_playing)
            || self.render.is_some()
            || self.badges.values().any(|b| b.text.starts_with("running") || b.text == "waiting");
        if busy {
            Duration::from_millis(33)
        } else {
            Duration::from_millis(250)
        }
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Canvas(event) => self.canvas_event(event),
            Message::Key(event) => return self.key(event),
            Message::Tick => self.tick(),
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
                let offset = origin.map_or((40.0, 40.0), |o| (self.pointer.x - o.x, self.pointer.y - o.y));
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
                let edit = clipboard::add_node(self.doc.graph(), &kind, UiPosition { x: at.x, y: at.y });
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
                    match crate::inspector::parse_entry(self.doc.graph(), self.doc.registry(), &node, &param, &text) {
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
            Message::ParamSet { node, param, value, gesture } => {
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
                self.perform(Edit::SetParam { node, param, value: None }, false);
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
                    self.fail(format!("loop \"{}\": write bars as first-last, e.g. 1-4", self.loop_entry));
                } else {
                    self.transport_command(|e| e.set_loop(bars));
                }
            }
            Message::LoopEntry(text) => self.loop_entry = text,
            Message::BpmEntry(text) => self.bpm_entry = text,
            Message::SwingEntry(text) => self.swing_entry = text,
            Message::TransportSubmit => self.set_transport(),
            Message::OpenDialog => {
                self.dialog = Some(Dialog::Open {
                    path: self
                        .doc
                        .path
                        .as_ref()
                        .map_or("graphs/".into(), |p| p.display().to_string()),
                })
            }
            Message::SaveAsDialog => {
                self.dialog = Some(Dialog::SaveAs {
                    path: self
                        .doc
                        .path
                        .as_ref()
                        .map_or("graphs/untitled.ron".into(), |p| p.display().to_string()),
                })
            }
            Message::RenderDialog => {
                let path = self
                    .doc
                    .path
                    .as_ref()
                    .map_or("untitled.wav".into(), |p| p.with_extension("wav").display().to_string());
                self.dialog = Some(Dialog::Render {
                    path,
                    bars: "16".into(),
                });
            }
            Message::DialogPath(text) => match &mut self.dialog {
                Some(Dialog::Open { path } | Dialog::SaveAs { path } | Dialog::Render { path, .. }) => *path = text,
                _ => {}
            },
            Message::DialogBars(text) => {
                if let Some(Dialog::Render { bars, .. }) = &mut self.dialog {
                    *bars = text;
                }
            }
            Message::DialogConfirm => return self.confirm_dialog(),
            Message::DialogCancel => self.dialog = None,
            Message::OpenFile(path) => {
                self.dialog = None;
                return self.guard(AfterPrompt::Open(path));
            }
            Message::Save => {
                self.save();
            }
            Message::RenderCancel => {
                if let Some(job) = &self.render {
                    job.cancel();
                }
            }
            Message::Unsaved(choice) => {
                if let Some(Dialog::Unsaved { then }) = self.dialog.take() {
                    match choice {
                        Choice::Save => {
                            if self.save() {
                                return self.proceed(*then);
                            }
                        }
                        Choice::Discard => return self.proceed(*then),
                        Choice::Cancel => {}
                    }
                }
            }
            Message::AutosaveRestore => {
                if let Some(Dialog::Autosave { path }) = self.dialog.take() {
                    match files::open(&path, self.doc.registry()) {
                        Ok(graph) => {
                            let keep = self.doc.path.clone();
                            self.doc.replace(graph, keep);
                            self.doc.mark_unsaved();
                            self.document_changed();
                            self.restart_engine();
                            self.say(format!("restored the autosave {}", path.display()));
                        }
                        Err(e) => self.fail(format!("the autosave does not open: {e}")),
                    }
                }
            }
            Message::AutosaveDiscard => {
                self.dialog = None;
                files::discard_autosave(self.doc.path.as_deref());
            }
            Message::DismissStatus => self.status = None,
        }
        Task::none()
    }

    fn confirm_dialog(&mut self) -> Task<Message> {
        match self.dialog.clone() {
            Some(Dialog::Open { path }) => {
                self.dialog = None;
                return self.guard(AfterPrompt::Open(PathBuf::from(path)));
            }
            Some(Dialog::SaveAs { path }) => {
                if self.save_to(PathBuf::from(path)) {
                    self.dialog = None;
                }
            }
            Some(Dialog::Render { path, bars }) => match bars.trim().parse::<f64>() {
                Ok(b) if b > 0.0 && b <= 1024.0 => {
                    let seconds = self.doc.graph().transport.samples_per_bar() * b
                        / f64::from(self.doc.graph().transport.sample_rate);
                    self.dialog = None;
                    self.render = Some(RenderJob::start(
                        self.doc.graph().clone(),
                        self.doc.registry().clone(),
                        PathBuf::from(path),
                        seconds,
                    ));
                }
                _ => self.fail(format!("\"{bars}\" is not a number of bars (1 to 1024)")),
            },
            Some(Dialog::Unsaved { .. }) => return self.update(Message::Unsaved(Choice::Save)),
            Some(Dialog::Autosave { .. }) => return self.update(Message::AutosaveRestore),
            None => {}
        }
        Task::none()
    }

    fn canvas_event(&mut self, event: CanvasEvent) {
        match event {
            CanvasEvent::Select { nodes, add } => {
                if !add {
                    self.selection.clear();
                }
                self.selection.extend(nodes);
                self.palette = None;
                self.selection_changed();
            }
            CanvasEvent::MoveBy { nodes, by } => {
                let moves = nodes
                    .iter()
                    .filter_map(|id| {
                        let ui = self.doc.graph().node(id)?.ui.unwrap_or_default();
                        Some((
                            id.clone(),
                            UiPosition {
                                x: ui.x + by.x,
                                y: ui.y + by.y,
                            },
                        ))
                    })
                    .collect();
                self.perform(Edit::Move(moves), false);
            }
            CanvasEvent::Connect { from, to, replacing } => {
                let connect = Edit::Connect {
                    from: from.clone(),
                    to: to.clone(),
                };
                let edit = match replacing {
                    Some((f, t)) => Edit::Batch(vec![Edit::Disconnect { from: f, to: t }, connect]),
                    None => connect,
                };
                if self.perform(edit, false) {
                    self.say(format!("connected {from} → {to}"));
                }
            }
            CanvasEvent::Disconnect { from, to } => {
                if self.perform(Edit::Disconnect { from: from.clone(), to: to.clone() }, false) {
                    self.say(format!("disconnected {from} → {to}"));
                }
            }
            CanvasEvent::Refused(reason) => self.fail(reason),
            CanvasEvent::Camera(camera) => {
                self.camera = camera;
                self.cache.clear();
            }
            CanvasEvent::Palette(at) => {
                self.pointer = at;
                self.palette = Some(Palette {
                    at,
                    query: String::new(),
                });
            }
            CanvasEvent::Pointer(at) => self.pointer = at,
        }
    }

    fn key(&mut self, event: keyboard::Event) -> Task<Message> {
        let keyboard::Event::KeyPressed { key, modifiers, .. } = event else {
            return Task::none();
        };
        let command = modifiers.command();
        let message = match key.as_ref() {
            Key::Character("z") if command && modifiers.shift() => Message::Redo,
            Key::Character("Z") if command => Message::Redo,
            Key::Character("z") if command => Message::Undo,
            Key::Character("y") if command => Message::Redo,
            Key::Character("d") if command => Message::Duplicate,
            Key::Character("c") if command => Message::Copy,
            Key::Character("v") if command => Message::Paste,
            Key::Character("a") if command => Message::SelectAll,
            Key::Character("s") if command && modifiers.shift() => Message::SaveAsDialog,
            Key::Character("s") if command => Message::Save,
            Key::Character("o") if command => Message::OpenDialog,
            Key::Character("r") if command => Message::RenderDialog,
            Key::Character("f") => Message::FitView,
            Key::Character("+") | Key::Character("=") => Message::Zoom(1.2),
            Key::Character("-") => Message::Zoom(1.0 / 1.2),
            Key::Character("a") | Key::Named(Named::Tab) => Message::PaletteOpen,
            Key::Character("l") => Message::ToggleLoop,
            Key::Named(Named::Space) => Message::TogglePlay,
            Key::Named(Named::Delete | Named::Backspace) => Message::Delete,
            Key::Named(Named::Escape) => {
                if self.palette.take().is_none() && self.dialog.take().is_none() {
                    self.selection.clear();
                    self.selection_changed();
                }
                return Task::none();
            }
            Key::Named(arrow @ (Named::ArrowLeft | Named::ArrowRight | Named::ArrowUp | Named::ArrowDown)) => {
                let step = if modifiers.shift() { 200.0 } else { 60.0 };
                let by = match arrow {
                    Named::ArrowLeft => Vector::new(step, 0.0),
                    Named::ArrowRight => Vector::new(-step, 0.0),
                    Named::ArrowUp => Vector::new(0.0, step),
                    _ => Vector::new(0.0, -step),
                };
                self.camera = self.camera.pan(by);
                self.cache.clear();
                return Task::none();
            }
            _ => return Task::none(),
        };
        self.update(message)
    }

    pub fn subscription(&self) -> iced::Subscription<Message> {
        iced::Subscription::batch([
            keyboard::listen().map(Message::Key),
            iced::time::every(self.tick_every()).map(|_| Message::Tick),
            window::resize_events().map(|(_, size)| Message::WindowResized(size)),
            window::close_requests().map(|_| Message::CloseRequested),
        ])
    }
}
