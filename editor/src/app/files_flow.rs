//! Opening, saving, rendering and the prompts around them: the file side of the app's update.

use std::path::PathBuf;

use iced::Task;

use super::{AfterPrompt, App, Choice, Dialog, Message};
use crate::files::{self, RenderJob};

impl App {
    /// Handles the messages of the file menu, the dialogs and the prompts.
    pub(super) fn file_message(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::OpenDialog => {
                self.dialog = Some(Dialog::Open {
                    path: self
                        .doc
                        .path
                        .as_ref()
                        .map_or("graphs/".into(), |p| p.display().to_string()),
                })
            }
            Message::SaveAsDialog => {
                self.dialog = Some(Dialog::SaveAs {
                    path: self
                        .doc
                        .path
                        .as_ref()
                        .map_or("graphs/untitled.ron".into(), |p| p.display().to_string()),
                })
            }
            Message::RenderDialog => {
                let path = self.doc.path.as_ref().map_or("untitled.wav".into(), |p| {
                    p.with_extension("wav").display().to_string()
                });
                self.dialog = Some(Dialog::Render {
                    path,
                    bars: "16".into(),
                });
            }
            Message::DialogPath(text) => {
                if let Some(
                    Dialog::Open { path } | Dialog::SaveAs { path } | Dialog::Render { path, .. },
                ) = &mut self.dialog
                {
                    *path = text;
                }
            }
            Message::DialogBars(text) => {
                if let Some(Dialog::Render { bars, .. }) = &mut self.dialog {
                    *bars = text;
                }
            }
            Message::DialogConfirm => return self.confirm_dialog(),
            Message::DialogCancel => self.dialog = None,
            Message::OpenFile(path) => {
                self.dialog = None;
                return self.guard(AfterPrompt::Open(path));
            }
            Message::Save => {
                self.save();
            }
            Message::RenderCancel => {
                if let Some(job) = &self.render {
                    job.cancel();
                }
            }
            Message::Unsaved(choice) => {
                if let Some(Dialog::Unsaved { then }) = self.dialog.take() {
                    match choice {
                        Choice::Save => {
                            if self.save() {
                                return self.proceed(*then);
                            }
                        }
                        Choice::Discard => return self.proceed(*then),
                        Choice::Cancel => {}
                    }
                }
            }
            Message::AutosaveRestore => {
                if let Some(Dialog::Autosave { path }) = self.dialog.take() {
                    match files::open(&path, self.doc.registry()) {
                        Ok(graph) => {
                            let keep = self.doc.path.clone();
                            self.doc.replace(graph, keep);
                            self.doc.mark_unsaved();
                            self.document_changed();
                            self.restart_engine();
                            self.say(format!("restored the autosave {}", path.display()));
                        }
                        Err(e) => self.fail(format!("the autosave does not open: {e}")),
                    }
                }
            }
            Message::AutosaveDiscard => {
                self.dialog = None;
                files::discard_autosave(self.doc.path.as_deref());
            }
            _ => {}
        }
        Task::none()
    }

    pub(super) fn open(&mut self, path: PathBuf) {
        match files::open(&path, self.doc.registry()) {
            Ok(graph) => {
                self.doc.replace(graph, Some(path.clone()));
                self.selection.clear();
                self.document_changed();
                self.restart_engine();
                self.fit();
                self.say(format!("opened {}", path.display()));
                if let Some(found) = files::leftover_autosave(Some(&path)) {
                    self.dialog = Some(Dialog::Autosave { path: found });
                }
            }
            Err(e) => self.fail(format!("could not open {}: {e}", path.display())),
        }
    }

    /// Saves to the document's path; false (and the Save As dialog) when it has none.
    pub(super) fn save(&mut self) -> bool {
        let Some(path) = self.doc.path.clone() else {
            self.dialog = Some(Dialog::SaveAs {
                path: "graphs/untitled.ron".into(),
            });
            return false;
        };
        self.save_to(path)
    }

    pub(super) fn save_to(&mut self, path: PathBuf) -> bool {
        match files::save(self.doc.graph(), &path) {
            Ok(()) => {
                files::discard_autosave(None);
                self.doc.mark_saved(path.clone());
                self.say(format!("saved {}", path.display()));
                true
            }
            Err(e) => {
                self.fail(format!("could not save: {e}"));
                false
            }
        }
    }

    /// Runs `then` now when nothing is unsaved, or asks first.
    pub(super) fn guard(&mut self, then: AfterPrompt) -> Task<Message> {
        if self.doc.is_dirty() {
            self.dialog = Some(Dialog::Unsaved {
                then: Box::new(then),
            });
            Task::none()
        } else {
            self.proceed(then)
        }
    }

    pub(super) fn proceed(&mut self, then: AfterPrompt) -> Task<Message> {
        match then {
            AfterPrompt::Open(path) => {
                self.open(path);
                Task::none()
            }
            AfterPrompt::Quit => {
                files::discard_autosave(self.doc.path.as_deref());
                iced::exit()
            }
        }
    }

    pub(super) fn confirm_dialog(&mut self) -> Task<Message> {
        match self.dialog.clone() {
            Some(Dialog::Open { path }) => {
                self.dialog = None;
                return self.guard(AfterPrompt::Open(PathBuf::from(path)));
            }
            Some(Dialog::SaveAs { path }) if self.save_to(PathBuf::from(&path)) => {
                self.dialog = None;
            }
            Some(Dialog::SaveAs { .. }) => {}
            Some(Dialog::Render { path, bars }) => match bars.trim().parse::<f64>() {
                Ok(b) if b > 0.0 && b <= 1024.0 => {
                    let seconds = self.doc.graph().transport.samples_per_bar() * b
                        / f64::from(self.doc.graph().transport.sample_rate);
                    self.dialog = None;
                    self.render = Some(RenderJob::start(
                        self.doc.graph().clone(),
                        self.doc.registry().clone(),
                        PathBuf::from(path),
                        seconds,
                    ));
                }
                _ => self.fail(format!("\"{bars}\" is not a number of bars (1 to 1024)")),
            },
            Some(Dialog::Unsaved { .. }) => return self.update(Message::Unsaved(Choice::Save)),
            Some(Dialog::Autosave { .. }) => return self.update(Message::AutosaveRestore),
            None => {}
        }
        Task::none()
    }
}
