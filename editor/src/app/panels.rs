//! What the panels ask for, done: their actions become document edits, selections, engine
//! commands or lines on the status bar.

use super::App;
use crate::audio::Engine;
use crate::document::Edit;
use crate::{graph_canvas, inspector, palette, sequencers, transport};

impl App {
    pub(super) fn canvas_action(&mut self, action: graph_canvas::Action) {
        match action {
            graph_canvas::Action::None => {}
            graph_canvas::Action::Select { nodes, add } => {
                if !add {
                    self.selection.clear();
                }
                self.selection.extend(nodes);
                self.palette.close();
                self.selection_changed();
            }
            graph_canvas::Action::Edit { edit, done } => {
                if self.perform(edit, false) {
                    if let Some(done) = done {
                        self.say(done);
                    }
                }
            }
            graph_canvas::Action::Refused(reason) => self.fail(reason),
            graph_canvas::Action::OpenPalette(at) => self.palette.open(at),
        }
    }

    pub(super) fn inspector_action(&mut self, action: inspector::Action) {
        match action {
            inspector::Action::None => {}
            inspector::Action::Edit {
                edit,
                gesture,
                committed,
            } => {
                if self.perform(edit, gesture) {
                    if let Some(param) = committed {
                        self.inspector.committed(&param);
                    }
                }
            }
            inspector::Action::EndGesture => self.doc.seal(),
            inspector::Action::Refused(reason) => self.fail(reason),
        }
    }

    pub(super) fn sequencer_action(&mut self, action: sequencers::Action) {
        match action {
            sequencers::Action::Edit { edit, gesture } => {
                self.perform(edit, gesture);
            }
            sequencers::Action::EndGesture => self.doc.seal(),
            sequencers::Action::Refused(reason) => self.fail(reason),
        }
    }

    pub(super) fn palette_action(&mut self, action: palette::Action) {
        match action {
            palette::Action::None => {}
            palette::Action::Add { kind, at } => {
                let at = at.unwrap_or(self.canvas.pointer());
                self.add_node(&kind, at);
            }
        }
    }

    pub(super) fn transport_action(&mut self, action: transport::Action) {
        match action {
            transport::Action::None => {}
            transport::Action::Play => {
                self.transport_command(Engine::play);
                if let Some(engine) = &self.engine {
                    if !engine.has_sound() {
                        let why = engine.output_text();
                        self.say(format!("playing silently ({why})"));
                    }
                }
            }
            transport::Action::Stop => self.transport_command(Engine::stop),
            transport::Action::Loop(bars) => self.transport_command(|e| e.set_loop(bars)),
            transport::Action::SetTransport(t) => {
                self.perform(Edit::SetTransport(t), false);
            }
            transport::Action::Refused(reason) => self.fail(reason),
        }
    }
}
