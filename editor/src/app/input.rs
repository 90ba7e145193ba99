//! Keyboard shortcuts, turned into the messages the buttons and panels send.

use iced::keyboard::{self, key::Named, Key};
use iced::{Task, Vector};

use super::{App, Message};
use crate::transport;

impl App {
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
            Key::Character("l") => Message::Transport(transport::Message::ToggleLoop),
            Key::Named(Named::Space) => Message::Transport(transport::Message::TogglePlay),
            Key::Named(Named::Delete | Named::Backspace) => Message::Delete,
            Key::Named(Named::Escape) => {
                if !self.palette.close() && !self.dialog.close() {
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
                self.canvas.pan(by);
                return Task::none();
            }
            _ => return Task::none(),
        };
        self.update(message)
    }
}
