//! Opening, saving, rendering and the prompts around them: the file side of the app's update,
//! and what the dialogs ask for.

use std::path::PathBuf;

use iced::Task;

use super::App;
use crate::dialog::{self, AfterPrompt, Choice, Dialog};
use crate::files::{self, RenderJob};

impl App {
    pub(super) fn open_dialog(&mut self) {
        self.dialog.show(Dialog::Open {
            path: self
                .doc
                .path
                .as_ref()
                .map_or("graphs/".into(), |p| p.display().to_string()),
        });
    }

    pub(super) fn save_as_dialog(&mut self) {
        self.dialog.show(Dialog::SaveAs {
            path: self
                .doc
                .path
                .as_ref()
                .map_or("graphs/untitled.ron".into(), |p| p.display().to_string()),
        });
    }

    pub(super) fn render_dialog(&mut self) {
        let path = self.doc.path.as_ref().map_or("untitled.wav".into(), |p| {
            p.with_extension("wav").display().to_string()
        });
        self.dialog.show(Dialog::Render {
            path,
            bars: "16".into(),
        });
    }

    /// Does what a dialog asks for.
    pub(super) fn dialog_action(&mut self, action: dialog::Action) -> Task<super::Message> {
        match action {
            dialog::Action::None => {}
            dialog::Action::Open(path) => return self.guard(AfterPrompt::Open(path)),
            dialog::Action::SaveAs(path) => {
                if self.save_to(path) {
                    self.dialog.close();
                }
            }
            dialog::Action::Render { path, bars } => {
                let transport = self.doc.graph().transport;
                let seconds = transport.samples_per_bar() * bars / f64::from(transport.sample_rate);
                self.render.start(RenderJob::start(
                    self.doc.graph().clone(),
                    self.doc.registry().clone(),
                    path,
                    seconds,
                ));
            }
            dialog::Action::Unsaved { choice, then } => match choice {
                Choice::Save => {
                    if self.save() {
                        return self.proceed(then);
                    }
                }
                Choice::Discard => return self.proceed(then),
                Choice::Cancel => {}
            },
            dialog::Action::RestoreAutosave(path) => {
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
            dialog::Action::DiscardAutosave => files::discard_autosave(self.doc.path.as_deref()),
            dialog::Action::Refused(reason) => self.fail(reason),
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
                    self.dialog.show(Dialog::Autosave { path: found });
                }
            }
            Err(e) => self.fail(format!("could not open {}: {e}", path.display())),
        }
    }

    /// Saves to the document's path; false (and the Save As dialog) when it has none.
    pub(super) fn save(&mut self) -> bool {
        let Some(path) = self.doc.path.clone() else {
            self.dialog.show(Dialog::SaveAs {
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
    pub(super) fn guard(&mut self, then: AfterPrompt) -> Task<super::Message> {
        if self.doc.is_dirty() {
            self.dialog.show(Dialog::Unsaved {
                then: Box::new(then),
            });
            Task::none()
        } else {
            self.proceed(then)
        }
    }

    pub(super) fn proceed(&mut self, then: AfterPrompt) -> Task<super::Message> {
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
}
