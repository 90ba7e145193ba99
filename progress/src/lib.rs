//! The one progress bar of yano's long commands (render, generate, transcribe, analyse, the
//! scripts' renders): a labelled bar with the share done, elapsed time and time left, drawn with
//! indicatif on standard error.
//!
//! It must never write anything when standard error is not a terminal (a pipe, a log file, CI,
//! the tests): output that other programs read stays clean. It never decides what a command
//! does; it only shows how far it is.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Steps of the bar: fine enough that a three-minute render moves every 0.2 s of audio.
const STEPS: u64 = 1000;

/// A progress bar for one piece of work; hidden unless standard error is a terminal.
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar labelled `label` ("rendering mix.wav"), hidden off a terminal.
    pub fn new(label: impl Into<String>) -> Self {
        Self::drawn_to(label, std::io::stderr().is_terminal())
    }

    /// A spinner for work whose share is not known (it still shows the time it has taken).
    pub fn spinner(label: impl Into<String>) -> Self {
        let progress = Self::new(label);
        progress.bar.set_style(
            ProgressStyle::with_template("{msg:32} {spinner} {elapsed}")
                .expect("the template is valid"),
        );
        progress.bar.enable_steady_tick(Duration::from_millis(120));
        progress
    }

    fn drawn_to(label: impl Into<String>, terminal: bool) -> Self {
        let bar = ProgressBar::with_draw_target(
            Some(STEPS),
            if terminal {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:32} [{bar:30}] {percent:>3} % {elapsed} (about {eta} left)",
            )
            .expect("the template is valid")
            .progress_chars("#>-"),
        );
        bar.set_message(label.into());
        Progress { bar }
    }

    /// Whether the bar is drawn at all.
    pub fn is_shown(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// The share done, 0 to 1 (values outside are clamped).
    pub fn set(&self, share: f64) {
        let share = if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.bar.set_position((share * STEPS as f64).round() as u64);
    }

    /// A new label for the next stage of the same work ("writing stems").
    pub fn stage(&self, label: impl Into<String>) {
        self.bar.set_message(label.into());
    }

    /// Takes the bar off the terminal, leaving the line clear for the command's report.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_a_terminal_nothing_is_drawn_and_the_share_is_kept() {
        let p = Progress::drawn_to("rendering", false);
        assert!(!p.is_shown());
        p.set(0.25);
        assert_eq!(p.bar.position(), 250);
        p.set(7.0);
        assert_eq!(p.bar.position(), STEPS);
        p.set(f64::NAN);
        assert_eq!(p.bar.position(), 0);
        p.finish();
    }
}
