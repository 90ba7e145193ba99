//! Real-time headroom: every block time of graph (1), 256 voices of oscillator → gain → sum, at
//! 128 frames and 48 kHz, against the 2.67 ms a block lasts. Prints the worst block and the
//! 99.9th percentile as fractions of that budget. Not a criterion bench: the tail is the point.

use std::time::Instant;

use yano_benches::{registry, voices_graph, BLOCK, SAMPLE_RATE};
use yano_engine::Session;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("headroom: benchmark");
        return;
    }
    let r = registry();
    let (mut session, mut runtime) = Session::start(voices_graph(256, &r), r, BLOCK, 1).unwrap();
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
    println!("headroom: 256 voices, {BLOCK}-frame blocks at {SAMPLE_RATE} Hz, {blocks} blocks (60 s of audio)");
    println!("  budget per block  {:.3} ms", budget * 1e3);
    println!(
        "  median            {:.3} ms = {:.3} of budget",
        pct(0.5) * 1e3,
        pct(0.5) / budget
    );
    println!(
        "  99.9th percentile {:.3} ms = {:.3} of budget",
        pct(0.999) * 1e3,
        pct(0.999) / budget
    );
    println!(
        "  worst             {:.3} ms = {:.3} of budget",
        times[times.len() - 1] * 1e3,
        times[times.len() - 1] / budget
    );
}
