//! The status line under the canvas: what just happened or what went wrong, until the next
//! message or a dismissal, beside a summary of the document (nodes, wires, zoom, what undo
//! would take back).

use iced::widget::{button, container, row, text};
use iced::{Alignment, Color, Element, Length};

/// A line under the canvas: what just happened, or what went wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// What the status line sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The × was pressed.
    Dismiss,
}

/// The status line's state: the message shown, if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusLine {
    shown: Option<Status>,
}

impl StatusLine {
    /// Shows news.
    pub fn say(&mut self, text: impl Into<String>) {
        self.shown = Some(Status {
            text: text.into(),
            error: false,
        });
    }

    /// Shows what went wrong.
    pub fn fail(&mut self, text: impl Into<String>) {
        self.shown = Some(Status {
            text: text.into(),
            error: true,
        });
    }

    pub fn clear(&mut self) {
        self.shown = None;
    }

    /// The message shown, if any.
    pub fn shown(&self) -> Option<&Status> {
        self.shown.as_ref()
    }

    pub fn update(&mut self, message: Message) {
        match message {
            Message::Dismiss => self.shown = None,
        }
    }

    /// The line, with `summary` (the document in numbers) at its right.
    pub fn view(&self, summary: String) -> Element<'_, Message> {
        let (message, colour) = match &self.shown {
            Some(s) if s.error => (s.text.as_str(), Color::from_rgb(0.94, 0.4, 0.38)),
            Some(s) => (s.text.as_str(), Color::from_rgb(0.75, 0.78, 0.82)),
            None => ("", Color::WHITE),
        };
        container(
            row![
                text(message).size(13).color(colour).width(Length::Fill),
                text(summary).size(12),
                button(text("×").size(12))
                    .style(button::text)
                    .padding([0, 6])
                    .on_press_maybe(self.shown.as_ref().map(|_| Message::Dismiss)),
            ]
            .spacing(8)
            .align_y(Alignment::Center),
        )
        .padding([4, 10])
        .style(container::dark)
        .into()
    }
}
