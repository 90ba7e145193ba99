//! The node editor. (1) Frame time of the whole window — canvas drawing and rasterising of every
//! widget — with a 500-node, 800-wire graph, rendered headless by iced_test's software renderer
//! at 1920×1080 pixels (960×540 logical points at scale 2, iced_test's fixed scale) and read
//! back; limit 16 ms. Two views: fit-to-view (zoomed out: simplified boxes) and 100 % (full
//! detail, most boxes culled). The window's own frame times under Xvfb come from
//! `yano edit --frame-stats` (README, Benchmarks).
//! (2) The UI thread's cost of one parameter change (document edit + event to the engine)
//! against the 5.33 ms a 256-frame block lasts. (3) Printed before the runs: how many blocks
//! after a parameter change the audio first uses it; goal at most 2.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use iced::{Point, Size};
use iced_test::core::Settings;
use iced_test::Simulator;
use yano_benches::{editor_graph, registry, starter_groove};
use yano_editor::app::{App, Message};
use yano_editor::graph_canvas::CanvasEvent;
use yano_editor::scene::Camera;
use yano_editor::{inspector, transport};

/// Logical size of the window; iced_test renders at scale 2, so 1920×1080 pixels.
const WINDOW: Size = Size::new(960.0, 540.0);

fn stress_app() -> App {
    let r = registry();
    let graph = editor_graph(25, 20, 800, &r);
    assert_eq!((graph.node_count(), graph.edge_count()), (500, 800));
    let mut app = App::from_graph(graph, r, false);
    app.set_window(WINDOW);
    app.fit();
    app
}

fn frame(c: &mut Criterion) {
    let theme = iced::Theme::Dark;
    let mut app = stress_app();
    let mut group =
        c.benchmark_group("editor frame, 500 nodes / 800 wires, 1920x1080 px (limit 16 ms)");
    group.sample_size(20);
    // The same window with an empty graph: what the panels, text and read-back cost alone.
    let empty = {
        let r = registry();
        let mut a = App::from_graph(yano_engine::Graph::new(Default::default()), r, false);
        a.set_window(WINDOW);
        a
    };
    let mut ui = Simulator::with_size(Settings::default(), WINDOW, empty.view());
    group.bench_function("empty graph (the window alone)", |b| {
        b.iter(|| black_box(ui.snapshot(&theme).expect("snapshot")))
    });
    drop(ui);
    for (view, zoom) in [("fit to view", None), ("100 % zoom", Some(1.0))] {
        if let Some(z) = zoom {
            let _ = app.update(Message::Canvas(CanvasEvent::Camera(Camera {
                origin: Point::new(1500.0, 500.0),
                zoom: z,
            })));
        }
        // One user interface, drawn again and again: each frame clears the canvas cache (as an
        // edit or a pan does), then draws and rasterises the whole window. Building a fresh
        // iced_test simulator per frame would also time creating a renderer and loading fonts.
        let mut ui = Simulator::with_size(Settings::default(), WINDOW, app.view());
        group.bench_function(view, |b| {
            b.iter(|| {
                app.canvas.redraw();
                let shot = ui.snapshot(&theme).expect("snapshot");
                black_box(&shot);
            })
        });
        drop(ui);
        save_snapshot(&app, &theme, view);
    }
    group.finish();
}

/// Writes the frame as a PNG into the temp folder (iced_test names it after its renderer) and
/// says where, so the picture and the renderer can be checked.
fn save_snapshot(app: &App, theme: &iced::Theme, view: &str) {
    let dir = std::env::temp_dir().join("yano-editor-frames");
    let stem = view.replace([' ', '%'], "-");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&stem))
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let mut ui = Simulator::with_size(Settings::default(), WINDOW, app.view());
    let shot = ui.snapshot(theme).expect("snapshot");
    let _ = shot.matches_image(dir.join(format!("{stem}.png")));
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&stem))
        {
            println!(
                "{view}: frame written to {} (the name ends with the renderer)",
                e.path().display()
            );
        }
    }
}

fn param_change(c: &mut Criterion) {
    let r = registry();
    let mut app = App::from_graph(starter_groove(&r), r, false);
    println!(
        "parameter latency: first block using the change = block {}",
        latency_blocks()
    );
    let mut v = -8.0;
    c.bench_function(
        "parameter change on the UI thread (block lasts 5.33 ms)",
        |b| {
            b.iter(|| {
                v = if v < -20.0 { -8.0 } else { v - 0.5 };
                let _ = app.update(Message::Inspector(inspector::Message::Slide {
                    node: "keys".into(),
                    param: "gain_db".into(),
                    value: v,
                }));
                // Keep the engine's queue drained as the audio thread would.
                if let Some(rt) = app.engine.as_mut().and_then(|e| e.detached_runtime()) {
                    rt.process_block();
                }
            })
        },
    );
}

/// Blocks from a level change to the first block whose output shows it (1 = the next block).
fn latency_blocks() -> usize {
    let r = registry();
    let mut app = App::from_graph(yano_benches::voices_graph(1, &r), r, false);
    let _ = app.update(Message::Transport(transport::Message::TogglePlay));
    let rms = |app: &mut App| {
        let rt = app.engine.as_mut().unwrap().detached_runtime().unwrap();
        rt.process_block();
        let l = rt.main_out().0;
        (l.iter().map(|x| x * x).sum::<f32>() / l.len() as f32).sqrt()
    };
    for _ in 0..10 {
        rms(&mut app);
    }
    let steady = rms(&mut app);
    let _ = app.update(Message::Inspector(inspector::Message::Slide {
        node: "mix".into(),
        param: "gain_db".into(),
        value: -30.0,
    }));
    (1..=16)
        .find(|_| rms(&mut app) < steady * 0.97)
        .unwrap_or(usize::MAX)
}

criterion_group!(benches, frame, param_change);
criterion_main!(benches);
