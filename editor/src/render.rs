//! The render job in the toolbar: a "Render…" button, or while a render runs on its thread, its
//! progress and a cancel button. The panel owns the job; the app starts it from the render
//! dialog and polls it on each tick.

use iced::widget::{button, progress_bar, row, text};
use iced::{Alignment, Element, Length};

use crate::files::RenderJob;

/// What the render part of the toolbar sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// "Render…": ask where and how long.
    Ask,
    Cancel,
}

/// What the app must do after a render message.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    /// Show the render dialog.
    ShowDialog,
}

/// The render under way, if any.
#[derive(Default)]
pub struct Rendering {
    job: Option<RenderJob>,
}

impl Rendering {
    pub fn start(&mut self, job: RenderJob) {
        self.job = Some(job);
    }

    pub fn is_running(&self) -> bool {
        self.job.is_some()
    }

    /// Once the job is over: what it did (`Ok`, for the status line) or why it failed.
    pub fn poll(&mut self) -> Option<Result<String, String>> {
        let result = self.job.as_ref()?.finished()?;
        self.job = None;
        Some(match result {
            Ok(s) => Ok(format!(
                "rendered {:.1} s to {} (peak {:.1} dBFS)",
                s.seconds,
                s.output.display(),
                s.peak_db
            )),
            Err(e) => Err(format!("render failed: {e}")),
        })
    }

    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::Ask => Action::ShowDialog,
            Message::Cancel => {
                if let Some(job) = &self.job {
                    job.cancel();
                }
                Action::None
            }
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let tool = |label, message| {
            button(text(label).size(13))
                .padding([4, 10])
                .style(button::secondary)
                .on_press(message)
        };
        match &self.job {
            Some(job) => row![
                text("rendering").size(12),
                progress_bar(0.0..=1.0, job.progress())
                    .length(Length::Fixed(120.0))
                    .girth(8),
                tool("cancel", Message::Cancel),
            ]
            .spacing(6)
            .align_y(Alignment::Center)
            .into(),
            None => tool("Render…", Message::Ask).into(),
        }
    }
}
