//! The engine and the clock: transport commands to the engine; the periodic tick that polls
//! the engine, finishes renders and autosaves; frame-time measurement; subscriptions.

use std::time::{Duration, Instant};

use iced::keyboard;
use iced::{window, Task};

use super::{App, Message, AUTOSAVE_EVERY};
use crate::audio::Engine;
use crate::files;

impl App {
    pub(super) fn transport_command(
        &mut self,
        command: impl FnOnce(&mut Engine) -> Result<(), yano_engine::session::SessionError>,
    ) {
        match &mut self.engine {
            Some(engine) => {
                if let Err(e) = command(engine) {
                    self.fail(e.to_string());
                }
            }
            None => self.fail(format!(
                "the graph does not run: {}",
                self.engine_error.clone().unwrap_or_default()
            )),
        }
    }

    pub(super) fn tick(&mut self) {
        let mut live_error = None;
        if let Some(engine) = &mut self.engine {
            engine.poll();
            engine.run_live();
            live_error = engine.live_error.take();
            self.canvas.show_statuses(&engine.statuses());
        }
        if let Some(e) = live_error {
            self.fail(format!("live script: {e}"));
        }
        match self.render.poll() {
            Some(Ok(done)) => self.say(done),
            Some(Err(e)) => self.fail(e),
            None => {}
        }
        if self.doc.is_dirty() && self.last_autosave.elapsed() >= AUTOSAVE_EVERY {
            self.last_autosave = Instant::now();
            if let Err(e) = files::autosave(self.doc.graph(), self.doc.path.as_deref()) {
                self.fail(format!("autosave failed: {e}"));
            }
        }
    }

    /// How often the clock should tick: fast while something moves, slow otherwise.
    pub fn tick_every(&self) -> Duration {
        let busy = self.engine.as_ref().is_some_and(Engine::is_playing)
            || self.render.is_running()
            || self
                .canvas
                .badges()
                .values()
                .any(|b| b.text.starts_with("running") || b.text == "waiting");
        if busy {
            Duration::from_millis(33)
        } else {
            Duration::from_millis(250)
        }
    }

    /// Measures frame times: every frame pans and redraws the whole canvas. The wanted number of
    /// frames is measured twice, fitted to the view (zoomed out: simple boxes) and at 100 %
    /// (full detail, most boxes culled); the figures go to stderr and the editor quits.
    pub(super) fn frame(&mut self, at: Instant) -> Task<Message> {
        let Some((wanted, times)) = &mut self.frame_stats else {
            return Task::none();
        };
        times.push(at);
        // Pan by a pixel, back and forth: every frame redraws and re-rasterises the whole
        // canvas, as while panning (a renderer that skips undamaged areas cannot skip it).
        let step = if times.len() % 2 == 0 { 1.0 } else { -1.0 };
        self.canvas.pan(iced::Vector::new(step, 0.0));
        if times.len() <= *wanted {
            return Task::none();
        }
        let mut gaps: Vec<f64> = times
            .windows(2)
            .skip(5) // the first frames warm caches up
            .map(|w| (w[1] - w[0]).as_secs_f64() * 1000.0)
            .collect();
        times.clear();
        gaps.sort_by(f64::total_cmp);
        let at = |q: f64| gaps[((gaps.len() - 1) as f64 * q).round() as usize];
        eprintln!(
            "frame time, {} nodes, {} wires, zoom {:.0} %, panning a pixel a frame, {} frames: median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
            self.scene.boxes.len(),
            self.scene.wires.len(),
            self.canvas.camera().zoom * 100.0,
            gaps.len(),
            at(0.5),
            at(0.9),
            at(1.0)
        );
        let camera = self.canvas.camera();
        if camera.zoom < 1.0 {
            self.canvas.set_camera(crate::scene::Camera {
                zoom: 1.0,
                ..camera
            });
            return Task::none();
        }
        iced::exit()
    }

    pub fn subscription(&self) -> iced::Subscription<Message> {
        let frames = match self.frame_stats {
            Some(_) => window::frames().map(Message::Frame),
            None => iced::Subscription::none(),
        };
        iced::Subscription::batch([
            frames,
            keyboard::listen().map(Message::Key),
            iced::time::every(self.tick_every()).map(|_| Message::Tick),
            window::resize_events().map(|(_, size)| Message::WindowResized(size)),
            window::close_requests().map(|_| Message::CloseRequested),
        ])
    }
}
