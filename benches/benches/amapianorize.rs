//! Amapianorize: a 3-minute song (the 90 BPM hip-hop test song, 68 bars, 182 s, rendered by yano
//! and written as a WAV) through `amapianorize_file` with yano's separator, as `yano
//! amapianorize song.wav -o out/` runs it, beside the limit of 30 s on this 2-core
//! machine; each step's share is printed. Not a criterion bench: one run takes tens of seconds.
//!
//!     cargo bench -p yano-benches --bench amapianorize

use std::sync::Arc;

use yano_amapianorize::{amapianorize_file, songs, Options};
use yano_separate::files::write_float_wav;

const LIMIT_S: f64 = 30.0;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("amapianorize: benchmark");
        return;
    }
    let registry = Arc::new(yano_registry::registry());
    let song = songs::hip_hop(68);
    let rendered = songs::render(&song, registry.clone(), 1.0).expect("the song renders");
    let dir = std::env::temp_dir().join("yano-bench-amapianorize");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let input = dir.join("song.wav");
    write_float_wav(&input, &rendered.mix, 48_000).expect("the song is written");
    let seconds = rendered.mix[0].len() as f64 / 48_000.0;
    let runs = 3;
    let mut totals = Vec::new();
    for run in 0..runs {
        let out = dir.join(format!("out-{run}"));
        let done = amapianorize_file(
            &input,
            &out,
            &Options::default(),
            registry.clone(),
            &mut |_, _| true,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let t = &done.timings;
        let share = |x: f64| 100.0 * x / t.total;
        println!(
            "amapianorize: {seconds:.0} s song in {:.1} s = {:.2} of the {LIMIT_S:.0} s limit; \
             decode {:.0} %, separate {:.0} % (the song's analysis beside it: {:.1} s), compose \
             {:.1} %, warp {:.0} %, render {:.0} %, write {:.0} %, analyse the output {:.0} %",
            t.total,
            t.total / LIMIT_S,
            share(t.decode),
            share(t.separate),
            t.analyse,
            share(t.compose),
            share(t.warp),
            share(t.render),
            share(t.write),
            share(t.analyse_output),
        );
        totals.push(t.total);
    }
    totals.sort_by(f64::total_cmp);
    println!(
        "amapianorize: median of {runs}: {:.1} s = {:.2} of the limit",
        totals[runs / 2],
        totals[runs / 2] / LIMIT_S
    );
}
