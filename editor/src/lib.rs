//! yano-editor: the node editor. A window shows the graph as boxes and wires; the user patches,
//! tweaks and arranges without touching a text file, and hears every change while it plays.
//!
//! The editor owns a [`document::Document`] (the graph plus its undo history); every user action
//! is an [`document::Edit`] that the document applies and the engine follows, as a parameter
//! glide or a recompiled schedule. It depends on the engine and the nodes, never the other way
//! round, and it must never touch the audio thread except through the engine's session, nor lose
//! the user's work: saves are atomic and an autosave is offered back after a crash.

pub mod app;
pub mod audio;
pub mod clipboard;
pub mod dialog;
pub mod document;
pub mod files;
pub mod graph_canvas;
pub mod inspector;
pub mod palette;
pub mod render;
pub mod scene;
pub mod sequencers;
pub mod status;
pub mod transport;

use std::path::PathBuf;
use std::sync::Arc;

use yano_engine::Registry;

/// How to start the editor.
#[derive(Debug, Clone)]
pub struct Options {
    pub preset: Option<PathBuf>,
    /// Open the sound card (when the build has the `playback` feature).
    pub sound: bool,
    /// Nodes to select at start (for screenshots and demos).
    pub select: Vec<String>,
    /// Measure this many frames, print the frame times and quit.
    pub frame_stats: Option<usize>,
}

/// Opens the editor window and runs until it is closed.
///
/// Renderer: wgpu on Vulkan, Metal or DX12, else iced's software renderer (tiny-skia). wgpu's
/// OpenGL backend is left out unless asked for (`WGPU_BACKEND=gl`): under it iced 0.14 drops the
/// shapes of all but the last canvas in a window (iced issue #3040), and the editor has two.
pub fn run(options: Options, registry: Arc<Registry>) -> iced::Result {
    if std::env::var_os("WGPU_BACKEND").is_none() && std::env::var_os("ICED_BACKEND").is_none() {
        // Called before the window, the renderer or any other thread exists.
        std::env::set_var("WGPU_BACKEND", "vulkan,metal,dx12");
    }
    iced::application(
        move || {
            let mut app = app::App::new(options.preset.clone(), registry.clone(), options.sound);
            app.select(&options.select);
            app.frame_stats = options.frame_stats.map(|n| (n, Vec::with_capacity(n + 1)));
            app
        },
        app::App::update,
        app::App::view,
    )
    .title(app::App::title)
    .subscription(app::App::subscription)
    .theme(|_: &app::App| iced::Theme::Dark)
    .exit_on_close_request(false)
    .window_size((1600.0, 900.0))
    .antialiasing(true)
    .run()
}
