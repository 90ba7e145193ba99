//! The sequence editors under the canvas: a step grid for `sequence.steps`, a piano roll for
//! `sequence.clip` and the timeline of `sequence.arrangement`.

use iced::Element;

use crate::app::{App, Message};

pub fn view(_app: &App) -> Option<Element<'_, Message>> {
    None
}
