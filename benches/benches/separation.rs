//! Stem separation: speed, and live playback beside it. Not a criterion bench: one separation
//! takes tens of seconds and the playback tail is the point.
//!
//!     cargo bench -p yano-benches --bench separation
//!     YANO_ONNX_BACKEND=native cargo bench -p yano-benches --bench separation
//!
//! 1. Speed: the 3-minute generated groove (benches/src/lib.rs) at 44.1 kHz stereo, separated into
//!    all seven stems with yano's built-in separator on every core, beside the limits:
//!    20 s on tract, 10 s on ONNX Runtime.
//! 2. Live playback: the amapiano starter groove played block by block, paced in real time
//!    (128-frame deadlines at 48 kHz, 2.67 ms), for YANO_BENCH_SECONDS (180) while separations of
//!    that groove run back to back on (a) nothing, (b) every core at nice 10, (c) every core in
//!    the idle class, (d) every core but one in the idle class, as yano's workers run with and
//!    without live audio playing (yano_engine::priority). Prints the missed deadlines and the
//!    block-time tail as shares of the budget (goal: none missed, p99.9 under 0.25).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yano_audio_io::decode::{decode_file, resample, DecodedAudio};
use yano_benches::{registry, starter_groove, BLOCK, SAMPLE_RATE};
use yano_engine::Session;
use yano_separate::{separate, ModelMasks, Options};

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("separation: benchmark");
        return;
    }
    let masks = match ModelMasks::load(None) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("separation benchmark skipped: {e}");
            return;
        }
    };
    let backend = masks.model.backend.name();
    let song = resample(
        decode_file(&yano_benches::three_minute_track(), 600.0).expect("the groove decodes"),
        44_100,
    )
    .expect("the groove resamples");
    let seconds = song.channels[0].len() as f64 / 44_100.0;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    let limit = if backend == "tract" { 20.0 } else { 10.0 };
    let taken = time_separation(&song, &masks, cores);
    println!(
        "separation: {seconds:.0} s stereo at 44.1 kHz, 7 stems, {cores} threads on {backend}: \
         {taken:.1} s = {:.2} of the {limit:.0} s limit ({:.1}x real time)",
        taken / limit,
        seconds / taken
    );

    let play_seconds = std::env::var("YANO_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(180.0);
    for (label, threads, live, realtime) in [
        ("no separation", 0, true, false),
        (
            "separating on every core, workers at nice 10 (no live flag)",
            cores,
            false,
            false,
        ),
        (
            "separating on every core, workers in the idle class (live)",
            cores,
            true,
            false,
        ),
        (
            "separating on every core but one (yano's node), idle class (live)",
            cores.saturating_sub(1).max(1),
            true,
            false,
        ),
        (
            "separating on every core, idle class, audio thread real-time (where allowed)",
            cores,
            true,
            true,
        ),
    ] {
        // As `yano play` and the editor do while their output stream runs.
        let live = live.then(yano_engine::priority::LiveAudio::begin);
        let promoted = realtime && yano_engine::priority::realtime_thread();
        if realtime && !promoted {
            println!("live playback, {label}: skipped, this system refuses a real-time thread");
            continue;
        }
        let report = play_beside(&song, &masks, threads, play_seconds);
        if promoted {
            yano_engine::priority::normal_thread();
        }
        drop(live);
        println!("live playback, {label}: {report}");
    }
}

fn time_separation(song: &DecodedAudio, masks: &ModelMasks, threads: usize) -> f64 {
    let options = Options {
        threads,
        ..Options::default()
    };
    let started = Instant::now();
    let separated = separate(song, masks, &options, &mut |_| true).expect("the groove separates");
    std::hint::black_box(&separated);
    started.elapsed().as_secs_f64()
}

/// Plays the starter groove paced in real time while separations run on `threads` threads
/// (none when 0), and describes the deadlines missed and the block-time tail.
fn play_beside(song: &DecodedAudio, masks: &ModelMasks, threads: usize, seconds: f64) -> String {
    let r = registry();
    let (mut session, mut runtime) =
        Session::start(starter_groove(&r), r, BLOCK, 1).expect("the groove starts");
    session
        .wait_for_inference()
        .expect("the groove's clips load");
    let budget = Duration::from_secs_f64(BLOCK as f64 / f64::from(SAMPLE_RATE));
    let blocks = (seconds / budget.as_secs_f64()) as usize;
    let stop = Arc::new(AtomicBool::new(false));
    let mut separations = 0usize;
    std::thread::scope(|scope| {
        let worker = (threads > 0).then(|| {
            let stop = stop.clone();
            scope.spawn(move || {
                // As the engine's inference workers do.
                yano_engine::priority::background_thread();
                let options = Options {
                    threads,
                    ..Options::default()
                };
                let mut done = 0;
                while !stop.load(Ordering::Relaxed) {
                    let finished = separate(song, masks, &options, &mut |_| {
                        !stop.load(Ordering::Relaxed)
                    });
                    done += usize::from(finished.is_ok());
                }
                done
            })
        });
        // Let the workers get going.
        std::thread::sleep(Duration::from_millis(if threads > 0 { 2000 } else { 0 }));
        let mut block_times = Vec::with_capacity(blocks);
        let mut responses = Vec::with_capacity(blocks);
        let mut missed = 0usize;
        let start = Instant::now();
        for k in 0..blocks {
            // The device asks for block k at k × budget and needs it by (k + 1) × budget.
            let due = start + budget * k as u32;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let began = Instant::now();
            runtime.process_block();
            let done = Instant::now();
            block_times.push((done - began).as_secs_f64());
            let response = done.saturating_duration_since(due).as_secs_f64();
            responses.push(response);
            if response > budget.as_secs_f64() {
                missed += 1;
            }
        }
        stop.store(true, Ordering::Relaxed);
        if let Some(w) = worker {
            separations = w.join().expect("the separation thread ends");
        }
        let b = budget.as_secs_f64();
        let tail = |v: &mut Vec<f64>, p: f64| {
            v.sort_by(f64::total_cmp);
            v[((v.len() - 1) as f64 * p) as usize] / b
        };
        format!(
            "{blocks} blocks ({seconds:.0} s), {missed} deadlines missed, {separations} separations \
             finished; block time median {:.3}, p99.9 {:.3}, worst {:.3} of the budget; from \
             the deadline's start to done p99.9 {:.3}, worst {:.3}",
            tail(&mut block_times, 0.5),
            tail(&mut block_times, 0.999),
            tail(&mut block_times, 1.0),
            tail(&mut responses, 0.999),
            tail(&mut responses, 1.0),
        )
    })
}
