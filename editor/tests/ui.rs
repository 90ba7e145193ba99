//! The real view, headless (iced_test): widgets are found and clicked by the text a user reads,
//! and the messages they send drive the app as a window would.

use std::sync::Arc;

use iced_test::simulator;
use yano_editor::app::{App, Message};
use yano_editor::graph_canvas::CanvasEvent;
use yano_editor::{dialog, inspector, palette};

fn starter() -> App {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../graphs/amapiano-starter.ron"
    );
    App::new(Some(path.into()), Arc::new(yano_nodes::registry()), false)
}

/// Clicks the widget showing `label` and feeds the messages it sent back to the app.
fn click(app: &mut App, label: &str) {
    let messages: Vec<Message> = {
        let mut ui = simulator(app.view());
        ui.click(label)
            .unwrap_or_else(|e| panic!("no \"{label}\" on screen: {e:?}"));
        ui.into_messages().collect()
    };
    assert!(!messages.is_empty(), "clicking \"{label}\" sent nothing");
    for m in messages {
        let _ = app.update(m);
    }
}

#[test]
fn the_palette_lists_kinds_and_a_click_adds_one() {
    let mut app = starter();
    let _ = app.update(Message::Canvas(CanvasEvent::Palette(iced::Point::new(
        100.0, 900.0,
    ))));
    let _ = app.update(Message::Palette(palette::Message::Query("delay".into())));
    click(&mut app, "fx.delay");
    assert_eq!(
        app.doc.graph().node("delay").map(|n| n.kind.as_str()),
        Some("fx.delay")
    );
}

#[test]
fn the_inspector_shows_the_selected_node_and_reset_restores_the_default() {
    let mut app = starter();
    let _ = app.update(Message::Canvas(CanvasEvent::Select {
        nodes: vec!["reverb".into()],
        add: false,
    }));
    // The starter sets decay_s to 1.2; the inspector's reset buttons send it back to default.
    assert!(app
        .doc
        .graph()
        .node("reverb")
        .unwrap()
        .params
        .contains_key("decay_s"));
    let _ = app.update(Message::Inspector(inspector::Message::Reset {
        node: "reverb".into(),
        param: "decay_s".into(),
    }));
    assert!(!app
        .doc
        .graph()
        .node("reverb")
        .unwrap()
        .params
        .contains_key("decay_s"));
    click(&mut app, "↶");
    assert!(
        app.doc
            .graph()
            .node("reverb")
            .unwrap()
            .params
            .contains_key("decay_s"),
        "undo button"
    );
}

#[test]
fn play_and_stop_from_the_transport_bar() {
    let mut app = starter();
    click(&mut app, "▶ Play");
    assert!(app.engine.as_ref().unwrap().is_playing());
    click(&mut app, "■ Stop");
    assert!(!app.engine.as_ref().unwrap().is_playing());
}

#[test]
fn save_as_opens_a_dialog_with_the_documents_path() {
    let mut app = starter();
    click(&mut app, "Save as…");
    match app.dialog.shown() {
        Some(dialog::Dialog::SaveAs { path }) => {
            assert!(path.ends_with("amapiano-starter.ron"), "{path}")
        }
        other => panic!("no save dialog: {other:?}"),
    }
    click(&mut app, "Cancel");
    assert!(app.dialog.shown().is_none());
}

#[test]
fn a_mixer_with_fewer_channels_loses_those_pins_and_wires_on_the_canvas() {
    let mut app = starter();
    let pins = |app: &App| {
        let mix = app.scene.find("mix").unwrap();
        app.scene.boxes[mix].inputs.len()
    };
    let (before_pins, before_wires) = (pins(&app), app.scene.wires.len());
    let _ = app.update(Message::Inspector(inspector::Message::Slide {
        node: "mix".into(),
        param: "channels".into(),
        value: 2.0,
    }));
    let _ = app.update(Message::Inspector(inspector::Message::GestureEnd));
    assert_eq!(pins(&app), before_pins - 2, "ch_3 and ch_4 are gone");
    assert_eq!(app.scene.wires.len(), before_wires - 2, "with their wires");
    let _ = app.update(Message::Undo);
    assert_eq!(
        (pins(&app), app.scene.wires.len()),
        (before_pins, before_wires)
    );
}
