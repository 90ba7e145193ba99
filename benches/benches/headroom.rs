//! Real-time headroom: every block time, at 128 frames and 48 kHz, against the 2.67 ms a block
//! lasts, of (1) 256 voices of oscillator → gain → sum and (2) the amapiano starter groove. Prints
//! the median, the 99.9th percentile and the worst block as fractions of that budget. Not a
//! criterion bench: the tail is the point.

use std::time::Instant;

use yano_benches::{registry, starter_groove, voices_graph, BLOCK, SAMPLE_RATE};
use yano_engine::Session;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("headroom: benchmark");
        return;
    }
    let r = registry();
    report("256 voices", voices_graph(256, &r), r.clone());
    report("amapiano starter groove", starter_groove(&r), r);
}

/// Times 60 s of blocks of `graph` and prints the figures.
fn report(name: &str, graph: yano_engine::Graph, r: std::sync::Arc<yano_engine::Registry>) {
    let (mut session, mut runtime) = Session::start(graph, r, BLOCK, 1).unwrap();
    session.wait_for_inference().unwrap();
    let budget = BLOCK as f64 / f64::from(SAMPLE_RATE);
    for _ in 0..200 {
        runtime.process_block();
    }
    let blocks = 60 * SAMPLE_RATE as usize / BLOCK;
    let mut times: Vec<f64> = Vec::with_capacity(blocks);
    for _ in 0..blocks {
        let t = Instant::now();
        runtime.process_block();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!("headroom: {name}, {BLOCK}-frame blocks at {SAMPLE_RATE} Hz, {blocks} blocks (60 s of audio)");
    println!("  budget per block  {:.3} ms", budget * 1e3);
    for (label, t) in [
        ("median           ", pct(0.5)),
        ("99.9th percentile", pct(0.999)),
        ("worst            ", times[times.len() - 1]),
    ] {
        println!("  {label} {:.3} ms = {:.3} of budget", t * 1e3, t / budget);
    }
}
