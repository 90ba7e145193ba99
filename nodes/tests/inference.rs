//! The inference partition seen from the audio: caching, misses while a value is not ready, and
//! new values swapping in exactly at the next bar line.
//!
//! Here rather than in engine/tests because the graphs play through the shipped main output
//! (`io.output`) and the shipped file-player preset.

mod common;

use common::{graph, registry, workspace_root};
use yano_engine::preset::load_preset;
use yano_engine::runtime::inference::JobStatus;
use yano_engine::{ParamValue, Runtime, Session};

fn status_of(session: &Session, id: &str) -> JobStatus {
    session
        .inference_status()
        .into_iter()
        .find(|(n, _)| n == id)
        .map(|(_, s)| s)
        .unwrap()
}

fn run(runtime: &mut Runtime, blocks: usize, into: &mut Vec<f32>) {
    for _ in 0..blocks {
        runtime.process_block();
        into.extend_from_slice(runtime.main_out().0);
    }
}

#[test]
fn an_edit_downstream_reuses_the_decoded_file() {
    let r = registry();
    let g = load_preset(&workspace_root().join("graphs/file-player.ron"), &r).unwrap();
    let (mut session, _runtime) = Session::start(g, r, 128, 2).unwrap();
    session.wait_for_inference().unwrap();
    assert_eq!(status_of(&session, "loop"), JobStatus::Ready);
    // An edit elsewhere recompiles the graph; the file's value comes from the cache.
    session
        .edit(|g, r| g.set_param("echo", "time_ms", ParamValue::Number(500.0), r))
        .unwrap();
    session.wait_for_inference().unwrap();
    assert_eq!(status_of(&session, "loop"), JobStatus::Cached);
    // Touching the file's own parameter runs it again.
    session
        .edit(|g, r| g.set_param("loop", "gain_db", ParamValue::Number(-3.0), r))
        .unwrap();
    session.wait_for_inference().unwrap();
    assert_eq!(status_of(&session, "loop"), JobStatus::Ready);
}

#[test]
fn a_player_counts_misses_until_its_clip_is_ready_then_starts_on_a_bar_line() {
    let r = registry();
    // 120 BPM at 48 kHz: a bar is 96,000 samples. The clip takes 300 ms to compute.
    let g = graph(
        &r,
        &[
            ("dc", "test.dc_clip", &[("level", 0.5), ("delay_ms", 300.0)]),
            ("out", "io.output", &[]),
        ],
        &[("dc.clip", "out.in")],
    );
    let (mut session, mut runtime) = Session::start(g, r, 128, 1).unwrap();
    let mut out = Vec::new();
    run(&mut runtime, 20, &mut out);
    assert!(
        session.clip_misses() >= 20,
        "silence, counted: {}",
        session.clip_misses()
    );
    assert!(out.iter().all(|x| *x == 0.0));
    session.wait_for_inference().unwrap();
    run(&mut runtime, 1600, &mut out);
    let first = out.iter().position(|x| *x != 0.0).unwrap();
    assert_eq!(first, 96_000, "the clip starts on the next bar line");
    assert_eq!(out[first], 0.5);
}

#[test]
fn a_regenerated_clip_swaps_in_at_the_next_bar_without_a_gap() {
    let r = registry();
    let g = graph(
        &r,
        &[
            ("dc", "test.dc_clip", &[("level", 0.25)]),
            ("out", "io.output", &[]),
        ],
        &[("dc.clip", "out.in")],
    );
    let (mut session, mut runtime) = Session::start(g, r, 128, 1).unwrap();
    session.wait_for_inference().unwrap();
    let mut out = Vec::new();
    run(&mut runtime, 100, &mut out);
    // Regenerate while playing.
    session
        .set_param("dc", "level", ParamValue::Number(0.75), 0)
        .unwrap();
    session.wait_for_inference().unwrap();
    run(&mut runtime, 1600, &mut out);
    assert!(
        out[..96_000].iter().all(|x| *x == 0.25),
        "the old clip plays to the end of the bar"
    );
    assert!(
        out[96_000..].iter().all(|x| *x == 0.75),
        "the new clip from the bar line on"
    );
    assert_eq!(session.clip_misses(), 0);
}
