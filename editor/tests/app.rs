//! The editor driven as a user drives it, through the messages its widgets, canvas and keys
//! send: add from the palette, wire, refuse a mismatch, change a parameter and hear it, undo and
//! redo, save and reload, the unsaved-work prompt and the autosave offered back after a crash.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use iced::keyboard::{self, key, Key, Location, Modifiers};
use iced::{Point, Vector};
use yano_editor::app::{App, Message};
use yano_editor::dialog::{self, Choice, Dialog};
use yano_editor::document::Snapshot;
use yano_editor::graph_canvas::CanvasEvent;
use yano_editor::{inspector, palette, transport};
use yano_engine::graph::UiPosition;
use yano_engine::param::ParamValue;
use yano_engine::preset::save_preset;
use yano_engine::{Graph, NodeSpec, Registry, Transport};

fn registry() -> Arc<Registry> {
    Arc::new(yano_nodes::registry())
}

/// A fresh folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    yano_testkit::scratch("editor-tests", name)
}

/// tone → level → out, saved as a preset in `dir`.
fn tone_preset(dir: &Path, registry: &Registry) -> PathBuf {
    let mut g = Graph::new(Transport::default());
    let at = |x: f32| Some(UiPosition { x, y: 0.0 });
    for (spec, x) in [
        (
            NodeSpec::new("tone", "source.oscillator").with("freq_hz", 440.0),
            0.0,
        ),
        (NodeSpec::new("level", "util.gain"), 250.0),
        (NodeSpec::new("out", "io.output"), 500.0),
    ] {
        let mut spec = spec;
        spec.ui = at(x);
        g.add_node(spec, registry).unwrap();
    }
    g.connect("tone.out", "level.in", registry).unwrap();
    g.connect("level.out", "out.in", registry).unwrap();
    let path = dir.join("tone.ron");
    save_preset(&g, &path).unwrap();
    path
}

fn open(path: &Path) -> App {
    App::new(Some(path.to_path_buf()), registry(), false)
}

fn press(app: &mut App, c: &str, modifiers: Modifiers) {
    let _ = app.update(Message::Key(keyboard::Event::KeyPressed {
        key: Key::Character(c.into()),
        modified_key: Key::Character(c.into()),
        physical_key: key::Physical::Unidentified(key::NativeCode::Unidentified),
        location: Location::Standard,
        modifiers,
        text: None,
        repeat: false,
    }));
}

/// Runs one block on the detached runtime and returns the left channel's RMS.
fn block_rms(app: &mut App) -> f64 {
    let runtime = app.engine.as_mut().unwrap().detached_runtime().unwrap();
    runtime.process_block();
    yano_testkit::rms(runtime.main_out().0)
}

#[test]
fn the_palette_adds_the_first_match_at_the_pointer() {
    let dir = scratch("palette");
    let mut app = open(&tone_preset(&dir, &registry()));
    let _ = app.update(Message::Canvas(CanvasEvent::Palette(Point::new(
        700.0, 300.0,
    ))));
    let _ = app.update(Message::Palette(palette::Message::Query("rever".into())));
    let _ = app.update(Message::Palette(palette::Message::Submit));
    let node = app.doc.graph().node("reverb").expect("a reverb was added");
    assert_eq!(node.kind, "fx.reverb");
    assert_eq!(node.ui, Some(UiPosition { x: 700.0, y: 300.0 }));
    assert!(!app.palette.is_open());
    assert!(app.selection.contains("reverb"), "the new node is selected");
    assert!(
        app.title().starts_with('●'),
        "the title shows unsaved work: {}",
        app.title()
    );
}

#[test]
fn wires_connect_matching_ports_and_a_mismatch_is_refused_with_its_reason() {
    let dir = scratch("wires");
    let mut app = open(&tone_preset(&dir, &registry()));
    let _ = app.update(Message::Palette(palette::Message::Add("fx.reverb".into())));
    let _ = app.update(Message::Canvas(CanvasEvent::Connect {
        from: "level.out".into(),
        to: "reverb.in".into(),
        replacing: None,
    }));
    assert_eq!(app.doc.graph().edge_count(), 3);
    assert!(app.scene.wires.len() == 3, "the canvas shows the new wire");
    let _ = app.update(Message::Palette(palette::Message::Add(
        "sequence.steps".into(),
    )));
    let before = Snapshot::of(app.doc.graph());
    let _ = app.update(Message::Canvas(CanvasEvent::Connect {
        from: "steps.notes".into(),
        to: "reverb.in".into(),
        replacing: None,
    }));
    assert_eq!(
        Snapshot::of(app.doc.graph()),
        before,
        "the mismatch changed nothing"
    );
    let status = app.status.shown().cloned().expect("a reason is shown");
    assert!(status.error);
    assert!(
        status.text.contains("steps.notes") && status.text.contains("do not match"),
        "{}",
        status.text
    );
    // Dragging the wire off the input disconnects it.
    let _ = app.update(Message::Canvas(CanvasEvent::Disconnect {
        from: "level.out".into(),
        to: "reverb.in".into(),
    }));
    assert_eq!(app.doc.graph().edge_count(), 2);
}

#[test]
fn a_loop_without_a_delay_is_refused_and_leaves_nothing_to_redo() {
    let dir = scratch("cycle");
    let mut app = open(&tone_preset(&dir, &registry()));
    let _ = app.update(Message::Palette(palette::Message::Add("util.gain".into())));
    let _ = app.update(Message::Canvas(CanvasEvent::Connect {
        from: "level.out".into(),
        to: "gain.in".into(),
        replacing: None,
    }));
    let before = Snapshot::of(app.doc.graph());
    let _ = app.update(Message::Canvas(CanvasEvent::Connect {
        from: "gain.out".into(),
        to: "level.in".into(),
        replacing: None,
    }));
    assert_eq!(Snapshot::of(app.doc.graph()), before);
    let status = app.status.shown().cloned().unwrap();
    assert!(
        status.error && status.text.to_lowercase().contains("cycle"),
        "{}",
        status.text
    );
    assert!(!app.doc.can_redo());
}

#[test]
fn a_parameter_change_is_heard_within_two_blocks_and_glides_without_a_step() {
    let dir = scratch("latency");
    let mut app = open(&tone_preset(&dir, &registry()));
    let _ = app.update(Message::Transport(transport::Message::TogglePlay));
    for _ in 0..8 {
        block_rms(&mut app);
    }
    let steady = block_rms(&mut app);
    assert!(steady > 0.05, "the tone plays: rms {steady}");
    let _ = app.update(Message::Canvas(CanvasEvent::Select {
        nodes: vec!["level".into()],
        add: false,
    }));
    let _ = app.update(Message::Inspector(inspector::Message::Slide {
        node: "level".into(),
        param: "gain_db".into(),
        value: -40.0,
    }));
    let _ = app.update(Message::Inspector(inspector::Message::GestureEnd));
    let levels: Vec<f64> = (0..12).map(|_| block_rms(&mut app)).collect();
    let first = levels
        .iter()
        .position(|&l| l < steady * 0.97)
        .expect("the change is heard");
    assert!(
        first < 2,
        "heard in block {} after the change: {levels:?}",
        first + 1
    );
    // It glides: the first changed block lies between the old and the new level.
    let target = steady * 0.01;
    assert!(
        levels[first] > target * 2.0,
        "no step down to the new level: {levels:?}"
    );
    let last = *levels.last().unwrap();
    assert!(
        (last / target - 1.0).abs() < 0.1,
        "settles at -40 dB: {last} vs {target}"
    );
    assert_eq!(
        app.doc.graph().node("level").unwrap().params.get("gain_db"),
        Some(&ParamValue::Number(-40.0))
    );
}

#[test]
fn undo_and_redo_from_the_keyboard_restore_deleted_nodes_and_their_wires() {
    let dir = scratch("undo");
    let mut app = open(&tone_preset(&dir, &registry()));
    let original = Snapshot::of(app.doc.graph());
    let _ = app.update(Message::Canvas(CanvasEvent::Select {
        nodes: vec!["level".into()],
        add: false,
    }));
    let _ = app.update(Message::Delete);
    assert!(app.doc.graph().node("level").is_none());
    assert_eq!(app.doc.graph().edge_count(), 0);
    press(&mut app, "z", Modifiers::CTRL);
    assert_eq!(Snapshot::of(app.doc.graph()), original);
    assert!(!app.doc.is_dirty(), "undone back to the saved state");
    press(&mut app, "z", Modifiers::CTRL | Modifiers::SHIFT);
    assert!(app.doc.graph().node("level").is_none());
    press(&mut app, "z", Modifiers::CTRL);
    // Moving nodes is an edit too.
    let _ = app.update(Message::Canvas(CanvasEvent::MoveBy {
        nodes: vec!["tone".into(), "out".into()],
        by: Vector::new(10.0, -20.0),
    }));
    assert_eq!(
        app.doc.graph().node("out").unwrap().ui,
        Some(UiPosition { x: 510.0, y: -20.0 })
    );
    let _ = app.update(Message::Undo);
    assert_eq!(Snapshot::of(app.doc.graph()), original);
}

#[test]
fn copy_paste_and_duplicate_make_fresh_ids_and_keep_inner_wires() {
    let dir = scratch("paste");
    let mut app = open(&tone_preset(&dir, &registry()));
    let _ = app.update(Message::Canvas(CanvasEvent::Select {
        nodes: vec!["tone".into(), "level".into()],
        add: false,
    }));
    press(&mut app, "d", Modifiers::CTRL);
    let g = app.doc.graph();
    assert!(g.node("tone_2").is_some() && g.node("level_2").is_some());
    assert_eq!(
        g.edge_count(),
        3,
        "the wire between the copies came along, the one to out did not"
    );
    assert_eq!(
        app.selection.iter().cloned().collect::<Vec<_>>(),
        vec!["level_2".to_string(), "tone_2".to_string()],
        "the copies are selected"
    );
    press(&mut app, "c", Modifiers::CTRL);
    let _ = app.update(Message::Canvas(CanvasEvent::Pointer(Point::new(
        1000.0, 500.0,
    ))));
    press(&mut app, "v", Modifiers::CTRL);
    let pasted = app.doc.graph().node("tone_3").expect("pasted");
    assert_eq!(
        pasted.ui,
        Some(UiPosition {
            x: 1000.0,
            y: 500.0
        }),
        "pasted at the pointer"
    );
}

#[test]
fn save_as_then_reopen_gives_the_same_document() {
    let dir = scratch("save");
    let mut app = open(&tone_preset(&dir, &registry()));
    let _ = app.update(Message::Palette(palette::Message::Add("fx.delay".into())));
    let _ = app.update(Message::Inspector(inspector::Message::Set {
        node: "delay".into(),
        param: "sync".into(),
        value: ParamValue::Text("1/8d".into()),
        gesture: false,
    }));
    let _ = app.update(Message::Canvas(CanvasEvent::Connect {
        from: "level.out".into(),
        to: "delay.in".into(),
        replacing: None,
    }));
    let _ = app.update(Message::Transport(transport::Message::BpmEntry(
        "111".into(),
    )));
    let _ = app.update(Message::Transport(transport::Message::Submit));
    assert!(app.doc.is_dirty());
    let target = dir.join("saved.ron");
    let _ = app.update(Message::SaveAsDialog);
    let _ = app.update(Message::Dialog(dialog::Message::Path(
        target.display().to_string(),
    )));
    let _ = app.update(Message::Dialog(dialog::Message::Confirm));
    assert!(app.dialog.shown().is_none(), "{:?}", app.status);
    assert!(!app.doc.is_dirty());
    assert!(!app.title().starts_with('●'));
    let reopened = open(&target);
    assert_eq!(
        Snapshot::of(reopened.doc.graph()),
        Snapshot::of(app.doc.graph())
    );
    assert_eq!(reopened.doc.graph().transport.bpm, 111.0);
}

#[test]
fn closing_with_unsaved_work_asks_and_cancel_keeps_the_window() {
    let dir = scratch("close");
    let mut app = open(&tone_preset(&dir, &registry()));
    let _ = app.update(Message::Palette(palette::Message::Add("fx.reverb".into())));
    let _ = app.update(Message::CloseRequested);
    assert!(matches!(app.dialog.shown(), Some(Dialog::Unsaved { .. })));
    let _ = app.update(Message::Dialog(dialog::Message::Unsaved(Choice::Cancel)));
    assert!(app.dialog.shown().is_none());
    assert!(
        app.doc.graph().node("reverb").is_some(),
        "the work is still there"
    );
    // Opening another file asks too; saving first writes the work.
    let other = dir.join("other.ron");
    std::fs::copy(dir.join("tone.ron"), &other).unwrap();
    let _ = app.update(Message::Dialog(dialog::Message::Pick(other.clone())));
    assert!(matches!(app.dialog.shown(), Some(Dialog::Unsaved { .. })));
    let _ = app.update(Message::Dialog(dialog::Message::Unsaved(Choice::Save)));
    assert_eq!(app.doc.path.as_deref(), Some(other.as_path()));
    let saved = open(&dir.join("tone.ron"));
    assert!(
        saved.doc.graph().node("reverb").is_some(),
        "saved before opening the other file"
    );
}

#[test]
fn an_autosave_newer_than_the_document_is_offered_back() {
    let dir = scratch("autosave");
    let path = tone_preset(&dir, &registry());
    // A session that crashed: it autosaved a reverb it never saved.
    let mut crashed = open(&path);
    let _ = crashed.update(Message::Palette(palette::Message::Add("fx.reverb".into())));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let written = yano_editor::files::autosave(crashed.doc.graph(), Some(&path)).unwrap();
    assert!(written.exists());
    drop(crashed);
    let mut app = open(&path);
    assert!(
        matches!(app.dialog.shown(), Some(Dialog::Autosave { .. })),
        "{:?}",
        app.dialog
    );
    assert!(app.doc.graph().node("reverb").is_none());
    let _ = app.update(Message::Dialog(dialog::Message::AutosaveRestore));
    assert!(app.doc.graph().node("reverb").is_some());
    assert!(app.doc.is_dirty(), "restored work is not saved yet");
    let _ = app.update(Message::Save);
    assert!(!written.exists(), "a save removes the autosave");
}

#[test]
fn a_broken_preset_opens_as_a_message_not_a_crash() {
    let dir = scratch("broken");
    let path = dir.join("broken.ron");
    std::fs::write(&path, "(version: 1, transport: (bpm: 113.0, sample_rate: 48000, swing: 0.5), nodes: [(id: \"a\", kind: \"no.such\")], edges: [])").unwrap();
    let app = open(&path);
    let status = app.status.shown().cloned().unwrap();
    assert!(
        status.error && status.text.contains("no.such"),
        "{}",
        status.text
    );
    assert_eq!(app.doc.graph().node_count(), 0);
}

#[test]
fn live_scripts_run_while_playing_and_leave_the_document_alone() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../graphs/live-variations.ron");
    let mut app = open(Path::new(path));
    let pattern = |g: &Graph| {
        g.node("logdrum_line").unwrap().params["pattern"]
            .as_text()
            .unwrap()
            .to_string()
    };
    let first = pattern(app.doc.graph());
    let _ = app.update(Message::Transport(transport::Message::TogglePlay));
    // Play a little past bar 9's line, ticking the UI every 10 blocks as its clock would.
    let samples_per_bar = app.doc.graph().transport.samples_per_bar();
    let mut blocks = 0;
    loop {
        let runtime = app.engine.as_mut().unwrap().detached_runtime().unwrap();
        runtime.process_block();
        blocks += 1;
        if blocks % 10 == 0 {
            let _ = app.update(Message::Tick);
        }
        let position = app.engine.as_ref().unwrap().position() as f64;
        if position > 8.0 * samples_per_bar + 4800.0 {
            break;
        }
    }
    let running = pattern(app.engine.as_ref().unwrap().running_graph());
    assert_eq!(
        running, "X..x..x...x..x.xX..x..x...x.x...",
        "bar 9 plays the second line"
    );
    assert_eq!(
        pattern(app.doc.graph()),
        first,
        "the document is not edited by live scripts"
    );
    assert!(
        app.status.shown().is_none_or(|s| !s.error),
        "{:?}",
        app.status
    );
}
