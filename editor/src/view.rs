//! The window's layout: transport bar on top, the patching canvas with the palette over it, the
//! inspector at the right, the sequence editor of the selected sequencer under the canvas, a
//! status line, and dialogs over everything.

use iced::widget::{
    button, canvas, center, column, container, mouse_area, opaque, progress_bar, row, scrollable,
    stack, text, text_input, Space,
};
use iced::{Alignment, Color, Element, Length};

use crate::app::{App, Choice, Dialog, Message};
use crate::graph_canvas::GraphCanvas;

pub const PALETTE_INPUT: &str = "palette-input";

fn tool(label: &str, message: Option<Message>) -> Element<'_, Message> {
    button(text(label).size(13))
        .padding([4, 10])
        .style(button::secondary)
        .on_press_maybe(message)
        .into()
}

fn transport_bar(app: &App) -> Element<'_, Message> {
    let engine = app.engine.as_ref();
    let playing = engine.is_some_and(|e| e.is_playing());
    let looping = engine.and_then(|e| e.loop_bars()).is_some();
    let position = engine.map_or("–:–".to_string(), |e| e.position_text());
    let output = match (engine, &app.engine_error) {
        (Some(e), _) => {
            let t = e.output_text();
            match t.char_indices().nth(72) {
                Some((cut, _)) => format!("{}…", &t[..cut]),
                None => t,
            }
        }
        (None, Some(err)) => format!("graph does not run: {err}"),
        (None, None) => String::new(),
    };
    let master = app
        .scene
        .boxes
        .iter()
        .find(|b| b.kind == "mixer.console")
        .filter(|_| playing)
        .and_then(|b| engine?.readouts(&b.id))
        .map(|r| {
            format!(
                "master {:>5.1} dB peak · {:>5.1} LUFS-M",
                r.by_name("master_peak_db").unwrap_or(-120.0),
                r.by_name("master_lufs_m").unwrap_or(-120.0)
            )
        })
        .unwrap_or_default();
    let render: Element<'_, Message> = match &app.render {
        Some(job) => row![
            text("rendering").size(12),
            progress_bar(0.0..=1.0, job.progress())
                .length(Length::Fixed(120.0))
                .girth(8),
            tool("cancel", Some(Message::RenderCancel)),
        ]
        .spacing(6)
        .align_y(Alignment::Center)
        .into(),
        None => tool("Render…", Some(Message::RenderDialog)),
    };
    let entry = |value: &str, width: f32, on: fn(String) -> Message| {
        text_input("", value)
            .size(13)
            .padding(4)
            .width(Length::Fixed(width))
            .on_input(on)
            .on_submit(Message::TransportSubmit)
    };
    container(
        row![
            tool("Open…", Some(Message::OpenDialog)),
            tool("Save", Some(Message::Save)),
            tool("Save as…", Some(Message::SaveAsDialog)),
            render,
            tool("↶", app.doc.can_undo().then_some(Message::Undo)),
            tool("↷", app.doc.can_redo().then_some(Message::Redo)),
            Space::new().width(Length::Fixed(16.0)),
            button(text(if playing { "■ Stop" } else { "▶ Play" }).size(13))
                .padding([4, 12])
                .style(if playing {
                    button::danger
                } else {
                    button::success
                })
                .on_press(Message::TogglePlay),
            button(text(if looping { "⟲ Loop on" } else { "⟲ Loop" }).size(13))
                .padding([4, 10])
                .style(if looping {
                    button::primary
                } else {
                    button::secondary
                })
                .on_press(Message::ToggleLoop),
            entry(&app.loop_entry, 52.0, Message::LoopEntry),
            text("bars").size(12),
            text(position).size(20).width(Length::Fixed(70.0)),
            entry(&app.bpm_entry, 58.0, Message::BpmEntry),
            text("BPM").size(12),
            entry(&app.swing_entry, 50.0, Message::SwingEntry),
            text("swing").size(12),
            Space::new().width(Length::Fill),
            text(master).size(12),
            text(output).size(12),
        ]
        .spacing(6)
        .align_y(Alignment::Center),
    )
    .padding(8)
    .height(Length::Fixed(crate::app::TOP_BAR))
    .style(container::dark)
    .into()
}

fn palette(app: &App) -> Option<Element<'_, Message>> {
    let p = app.palette.as_ref()?;
    let found = crate::palette::search(app.doc.registry(), &p.query);
    let list = found.iter().take(12).fold(column![].spacing(2), |list, d| {
        list.push(
            button(column![text(d.kind).size(14), text(d.description).size(11)].spacing(1))
                .width(Length::Fill)
                .style(button::text)
                .on_press(Message::PaletteAdd(d.kind.to_string())),
        )
    });
    let body = column![
        text("Add a node").size(15),
        text_input("type a few letters: rev, log drum, low pass…", &p.query)
            .id(PALETTE_INPUT)
            .on_input(Message::PaletteQuery)
            .on_submit(Message::PaletteSubmit)
            .padding(6),
        scrollable(list).height(Length::Fixed(360.0)),
        text(format!(
            "{} kinds · Enter adds the first · Esc closes",
            found.len()
        ))
        .size(11),
    ]
    .spacing(6);
    Some(
        container(
            container(body)
                .padding(10)
                .width(Length::Fixed(380.0))
                .style(container::rounded_box),
        )
        .padding(30)
        .into(),
    )
}

fn dialog(app: &App) -> Option<Element<'_, Message>> {
    let d = app.dialog.as_ref()?;
    let buttons = |ok: &'static str| {
        row![
            button(text(ok))
                .on_press(Message::DialogConfirm)
                .style(button::primary),
            button(text("Cancel"))
                .on_press(Message::DialogCancel)
                .style(button::secondary),
        ]
        .spacing(8)
    };
    let path_input = |path: &str| {
        text_input("path", path)
            .on_input(Message::DialogPath)
            .on_submit(Message::DialogConfirm)
            .padding(6)
    };
    let body: Element<'_, Message> = match d {
        Dialog::Open { path } => {
            let presets = crate::files::presets_near(app.doc.path.as_deref());
            let list = presets.into_iter().fold(column![].spacing(2), |c, p| {
                c.push(
                    button(text(p.display().to_string()).size(13))
                        .style(button::text)
                        .on_press(Message::OpenFile(p)),
                )
            });
            column![
                text("Open a preset").size(16),
                path_input(path),
                scrollable(list).height(Length::Fixed(220.0)),
                buttons("Open")
            ]
            .spacing(8)
            .into()
        }
        Dialog::SaveAs { path } => {
            column![text("Save as").size(16), path_input(path), buttons("Save")]
                .spacing(8)
                .into()
        }
        Dialog::Render { path, bars } => column![
            text("Render to WAV (24-bit)").size(16),
            path_input(path),
            row![
                text("bars").size(13),
                text_input("16", bars)
                    .on_input(Message::DialogBars)
                    .on_submit(Message::DialogConfirm)
                    .padding(6)
                    .width(Length::Fixed(80.0)),
            ]
            .spacing(8)
            .align_y(Alignment::Center),
            buttons("Render"),
        ]
        .spacing(8)
        .into(),
        Dialog::Unsaved { .. } => column![
            text("Save your changes?").size(16),
            text(format!(
                "{} has changes that are not saved.",
                app.title().trim_start_matches("● ")
            ))
            .size(13),
            row![
                button(text("Save"))
                    .on_press(Message::Unsaved(Choice::Save))
                    .style(button::primary),
                button(text("Discard"))
                    .on_press(Message::Unsaved(Choice::Discard))
                    .style(button::danger),
                button(text("Cancel"))
                    .on_press(Message::Unsaved(Choice::Cancel))
                    .style(button::secondary),
            ]
            .spacing(8),
        ]
        .spacing(10)
        .into(),
        Dialog::Autosave { path } => column![
            text("Restore unsaved work?").size(16),
            text(format!(
                "An autosave newer than the document was found:\n{}",
                path.display()
            ))
            .size(13),
            row![
                button(text("Restore"))
                    .on_press(Message::AutosaveRestore)
                    .style(button::primary),
                button(text("Discard"))
                    .on_press(Message::AutosaveDiscard)
                    .style(button::danger),
            ]
            .spacing(8),
        ]
        .spacing(10)
        .into(),
    };
    let card = container(body)
        .padding(16)
        .width(Length::Fixed(520.0))
        .style(container::rounded_box);
    Some(opaque(
        mouse_area(center(opaque(card)).style(|_| container::Style {
            background: Some(Color::from_rgba(0.0, 0.0, 0.0, 0.55).into()),
            ..container::Style::default()
        }))
        .on_press(Message::DialogCancel),
    ))
}

fn status_line(app: &App) -> Element<'_, Message> {
    let (message, colour) = match &app.status {
        Some(s) if s.error => (s.text.as_str(), Color::from_rgb(0.94, 0.4, 0.38)),
        Some(s) => (s.text.as_str(), Color::from_rgb(0.75, 0.78, 0.82)),
        None => ("", Color::WHITE),
    };
    let summary = format!(
        "{} nodes · {} wires · zoom {:.0} %{}",
        app.scene.boxes.len(),
        app.scene.wires.len(),
        app.camera.zoom * 100.0,
        app.doc
            .undo_label()
            .map(|l| format!(" · undo: {l}"))
            .unwrap_or_default()
    );
    container(
        row![
            text(message).size(13).color(colour).width(Length::Fill),
            text(summary).size(12),
            button(text("×").size(12))
                .style(button::text)
                .padding([0, 6])
                .on_press_maybe(app.status.as_ref().map(|_| Message::DismissStatus)),
        ]
        .spacing(8)
        .align_y(Alignment::Center),
    )
    .padding([4, 10])
    .style(container::dark)
    .into()
}

pub fn view(app: &App) -> Element<'_, Message> {
    let graph_canvas = canvas(GraphCanvas {
        scene: &app.scene,
        camera: app.camera,
        selected: &app.selected_flags,
        badges: &app.badges,
        cache: &app.cache,
    })
    .width(Length::Fill)
    .height(Length::Fill);
    // Clipped, so labels of boxes half off the canvas never spill over the panels around it.
    let canvas_element: Element<'_, Message> =
        container(Element::from(graph_canvas).map(Message::Canvas))
            .clip(true)
            .into();
    let mut centre = stack![canvas_element];
    if let Some(p) = palette(app) {
        centre = centre.push(p);
    }
    let mut left = column![centre.height(Length::Fill)];
    if let Some(editor) = crate::sequencers::view(app) {
        left = left.push(editor);
    }
    let main = column![
        transport_bar(app),
        row![left.width(Length::Fill), crate::inspector::view(app)].height(Length::Fill),
        status_line(app),
    ];
    let mut layers = stack![main];
    if let Some(d) = dialog(app) {
        layers = layers.push(d);
    }
    layers.into()
}
