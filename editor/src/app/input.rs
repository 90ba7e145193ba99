//! Pointer gestures from the canvas and keyboard shortcuts, turned into the app's actions.

use iced::keyboard::{self, key::Named, Key};
use iced::{Task, Vector};
use yano_engine::graph::UiPosition;

use super::{App, Message, Palette};
use crate::document::Edit;
use crate::graph_canvas::CanvasEvent;

impl App {
    pub(super) fn canvas_event(&mut self, event: CanvasEvent) {
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
            CanvasEvent::Connect {
                from,
                to,
                replacing,
            } => {
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
                if self.perform(
                    Edit::Disconnect {
                        from: from.clone(),
                        to: to.clone(),
                    },
                    false,
                ) {
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

    pub(super) fn key(&mut self, event: keyboard::Event) -> Task<Message> {
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
            Key::Named(
                arrow @ (Named::ArrowLeft | Named::ArrowRight | Named::ArrowUp | Named::ArrowDown),
            ) => {
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
}
