//! The window's layout: the toolbar (files, render, undo, then the transport bar) on top, the
//! patching canvas with the palette over it, the inspector at the right, the sequence editor of
//! the selected sequencer under the canvas, a status line, and dialogs over everything. Each
//! panel draws itself from what it is given; its messages are wrapped into the app's.

use iced::widget::{button, column, container, row, stack, text, Space};
use iced::{Alignment, Element, Length};

use super::{App, Message, TOP_BAR};
use crate::{inspector, sequencers};

fn tool(label: &str, message: Option<Message>) -> Element<'_, Message> {
    button(text(label).size(13))
        .padding([4, 10])
        .style(button::secondary)
        .on_press_maybe(message)
        .into()
}

impl App {
    fn toolbar(&self) -> Element<'_, Message> {
        let transport = self
            .transport
            .view(
                self.engine.as_ref(),
                self.engine_error.as_deref(),
                &self.scene,
            )
            .map(Message::Transport);
        container(
            row![
                tool("Open…", Some(Message::OpenDialog)),
                tool("Save", Some(Message::Save)),
                tool("Save as…", Some(Message::SaveAsDialog)),
                self.render.view().map(Message::Render),
                tool("↶", self.doc.can_undo().then_some(Message::Undo)),
                tool("↷", self.doc.can_redo().then_some(Message::Redo)),
                Space::new().width(Length::Fixed(16.0)),
                transport,
            ]
            .spacing(6)
            .align_y(Alignment::Center),
        )
        .padding(8)
        .height(Length::Fixed(TOP_BAR))
        .style(container::dark)
        .into()
    }

    /// The document in numbers, for the status line.
    fn summary(&self) -> String {
        format!(
            "{} nodes · {} wires · zoom {:.0} %{}",
            self.scene.boxes.len(),
            self.scene.wires.len(),
            self.canvas.camera().zoom * 100.0,
            self.doc
                .undo_label()
                .map(|l| format!(" · undo: {l}"))
                .unwrap_or_default()
        )
    }

    pub fn view(&self) -> Element<'_, Message> {
        let graph = self.doc.graph();
        let mut centre = stack![self.canvas.view(&self.scene).map(Message::Canvas)];
        if let Some(p) = self.palette.view(self.doc.registry()) {
            centre = centre.push(p.map(Message::Palette));
        }
        let mut left = column![centre.height(Length::Fill)];
        let sequencer = sequencers::view(sequencers::Context {
            graph,
            inspected: self.inspected(),
            engine: self.engine.as_ref(),
        });
        if let Some(editor) = sequencer {
            left = left.push(editor.map(Message::Sequencer));
        }
        let inspector = self.inspector.view(inspector::Context {
            graph,
            registry: self.doc.registry(),
            inspected: self.inspected(),
            selected: self.selection.len(),
            engine: self.engine.as_ref(),
        });
        let main = column![
            self.toolbar(),
            row![left.width(Length::Fill), inspector.map(Message::Inspector)].height(Length::Fill),
            self.status.view(self.summary()).map(Message::Status),
        ];
        let mut layers = stack![main];
        let name = self.title();
        if let Some(d) = self
            .dialog
            .view(self.doc.path.as_deref(), name.trim_start_matches("● "))
        {
            layers = layers.push(d.map(Message::Dialog));
        }
        layers.into()
    }
}
