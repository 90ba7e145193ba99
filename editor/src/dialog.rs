//! The small windows over everything: open a preset, save as, render to WAV, the unsaved-work
//! prompt and the autosave offered back. The panel owns the dialog shown and what is typed into
//! it; what the user confirms leaves as an [`Action`] for the app, which does the file work.

use std::path::{Path, PathBuf};

use iced::widget::{button, center, column, container, mouse_area, opaque, row, scrollable};
use iced::widget::{text, text_input};
use iced::{Alignment, Color, Element, Length};

/// A small window over the canvas.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    Open {
        path: String,
    },
    SaveAs {
        path: String,
    },
    Render {
        path: String,
        bars: String,
    },
    /// Unsaved work would be lost by `then`.
    Unsaved {
        then: Box<AfterPrompt>,
    },
    /// An autosave newer than the document was found.
    Autosave {
        path: PathBuf,
    },
}

/// What to do once the unsaved-work prompt is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum AfterPrompt {
    Open(PathBuf),
    Quit,
}

/// Answer to "save changes?": save, discard or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Save,
    Discard,
    Cancel,
}

/// What the dialogs send.
#[derive(Debug, Clone)]
pub enum Message {
    Path(String),
    Bars(String),
    /// The dialog's main button, or Enter.
    Confirm,
    /// Cancel, or a click beside the dialog.
    Cancel,
    /// A preset picked from the open dialog's list.
    Pick(PathBuf),
    Unsaved(Choice),
    AutosaveRestore,
    AutosaveDiscard,
}

/// What the app must do after a dialog message.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    /// Open this file (asking first when work is unsaved).
    Open(PathBuf),
    /// Save to this path; the dialog stays until [`Dialogs::close`] says it worked.
    SaveAs(PathBuf),
    /// Render this many bars to a WAV file.
    Render {
        path: PathBuf,
        bars: f64,
    },
    /// The unsaved-work prompt was answered; `then` is what it guarded.
    Unsaved {
        choice: Choice,
        then: AfterPrompt,
    },
    /// Restore the autosave at this path.
    RestoreAutosave(PathBuf),
    /// Throw the autosave away.
    DiscardAutosave,
    /// Typed entry that does not read, with the reason.
    Refused(String),
}

/// The dialog shown, if any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dialogs {
    shown: Option<Dialog>,
}

impl Dialogs {
    pub fn show(&mut self, dialog: Dialog) {
        self.shown = Some(dialog);
    }

    /// Closes the dialog; true when one was shown.
    pub fn close(&mut self) -> bool {
        self.shown.take().is_some()
    }

    pub fn shown(&self) -> Option<&Dialog> {
        self.shown.as_ref()
    }

    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::Path(text) => {
                if let Some(
                    Dialog::Open { path } | Dialog::SaveAs { path } | Dialog::Render { path, .. },
                ) = &mut self.shown
                {
                    *path = text;
                }
                Action::None
            }
            Message::Bars(text) => {
                if let Some(Dialog::Render { bars, .. }) = &mut self.shown {
                    *bars = text;
                }
                Action::None
            }
            Message::Confirm => self.confirm(),
            Message::Cancel => {
                self.shown = None;
                Action::None
            }
            Message::Pick(path) => {
                self.shown = None;
                Action::Open(path)
            }
            Message::Unsaved(choice) => match self.shown.take() {
                Some(Dialog::Unsaved { then }) => Action::Unsaved {
                    choice,
                    then: *then,
                },
                _ => Action::None,
            },
            Message::AutosaveRestore => match self.shown.take() {
                Some(Dialog::Autosave { path }) => Action::RestoreAutosave(path),
                _ => Action::None,
            },
            Message::AutosaveDiscard => {
                self.shown = None;
                Action::DiscardAutosave
            }
        }
    }

    fn confirm(&mut self) -> Action {
        match self.shown.clone() {
            Some(Dialog::Open { path }) => {
                self.shown = None;
                Action::Open(PathBuf::from(path))
            }
            Some(Dialog::SaveAs { path }) => Action::SaveAs(PathBuf::from(path)),
            Some(Dialog::Render { path, bars }) => match bars.trim().parse::<f64>() {
                Ok(b) if b > 0.0 && b <= 1024.0 => {
                    self.shown = None;
                    Action::Render {
                        path: PathBuf::from(path),
                        bars: b,
                    }
                }
                _ => Action::Refused(format!("\"{bars}\" is not a number of bars (1 to 1024)")),
            },
            Some(Dialog::Unsaved { .. }) => self.update(Message::Unsaved(Choice::Save)),
            Some(Dialog::Autosave { .. }) => self.update(Message::AutosaveRestore),
            None => Action::None,
        }
    }

    /// The dialog over a darkened window, when one is shown. `document` is the open file (its
    /// folder's presets are listed) and `name` what the unsaved-work prompt calls it.
    pub fn view<'a>(&'a self, document: Option<&Path>, name: &str) -> Option<Element<'a, Message>> {
        let d = self.shown.as_ref()?;
        let buttons = |ok: &'static str| {
            row![
                button(text(ok))
                    .on_press(Message::Confirm)
                    .style(button::primary),
                button(text("Cancel"))
                    .on_press(Message::Cancel)
                    .style(button::secondary),
            ]
            .spacing(8)
        };
        let path_input = |path: &'a str| {
            text_input("path", path)
                .on_input(Message::Path)
                .on_submit(Message::Confirm)
                .padding(6)
        };
        let body: Element<'a, Message> = match d {
            Dialog::Open { path } => {
                let presets = crate::files::presets_near(document);
                let list = presets.into_iter().fold(column![].spacing(2), |c, p| {
                    c.push(
                        button(text(p.display().to_string()).size(13))
                            .style(button::text)
                            .on_press(Message::Pick(p)),
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
                        .on_input(Message::Bars)
                        .on_submit(Message::Confirm)
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
                text(format!("{name} has changes that are not saved.")).size(13),
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
            .on_press(Message::Cancel),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_render_of_no_bars_is_refused_and_the_dialog_stays() {
        let mut dialogs = Dialogs::default();
        dialogs.show(Dialog::Render {
            path: "a.wav".into(),
            bars: "16".into(),
        });
        let _ = dialogs.update(Message::Bars("zero".into()));
        assert!(matches!(
            dialogs.update(Message::Confirm),
            Action::Refused(why) if why.contains("\"zero\"")
        ));
        assert!(dialogs.shown().is_some());
        let _ = dialogs.update(Message::Bars(" 8 ".into()));
        assert_eq!(
            dialogs.update(Message::Confirm),
            Action::Render {
                path: "a.wav".into(),
                bars: 8.0
            }
        );
        assert!(dialogs.shown().is_none());
    }

    #[test]
    fn enter_on_the_unsaved_prompt_saves_then_does_what_it_guarded() {
        let mut dialogs = Dialogs::default();
        dialogs.show(Dialog::Unsaved {
            then: Box::new(AfterPrompt::Quit),
        });
        assert_eq!(
            dialogs.update(Message::Confirm),
            Action::Unsaved {
                choice: Choice::Save,
                then: AfterPrompt::Quit
            }
        );
        assert!(dialogs.shown().is_none());
        // Save as keeps its dialog until the app says the save worked.
        dialogs.show(Dialog::SaveAs { path: "x".into() });
        assert_eq!(dialogs.update(Message::Confirm), Action::SaveAs("x".into()));
        assert!(dialogs.shown().is_some());
    }
}
