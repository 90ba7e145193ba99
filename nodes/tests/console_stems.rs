//! Stems from one render pass: `mixer.console` with `stem_outs` on. Each stem output is recorded
//! with a `clip.capture`, as is `out`, and the recordings are measured: the stems sum to `out`
//! even while the master limiter works hard, a stem is its channel soloed, stems follow mutes,
//! and none of it allocates on the audio thread (this binary runs under the counting allocator).

mod common;

use common::registry;
use yano_engine::alloc_guard::{count_allocations, CountingAllocator};
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::{ParamValue, Registry, Runtime, Session, Transport};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const SR: f64 = 48_000.0;
const BLOCK: usize = 128;

/// A console setting: a number or a choice.
#[derive(Clone, Copy)]
enum Set<'a> {
    N(&'a str, f64),
    T(&'a str, &'a str),
}

/// Three channels of loud material into `mix` (a `mixer.console` set by `settings`): ch 1 drums
/// (kick and clap), ch 2 a bass line, ch 3 keys; each sends to a reverb on return 1 when the
/// console has returns. `out`, every `stem_k` and `stem_returns` (those the settings give) are
/// recorded by captures `rec_out`, `rec_1` …, `rec_returns`.
fn desk(settings: &[Set<'_>], r: &Registry) -> Graph {
    let mut g = Graph::new(Transport {
        sample_rate: SR as u32,
        bpm: 113.0,
        swing: 0.5,
    });
    let mut mix = NodeSpec::new("mix", "mixer.console")
        .with("channels", 3.0)
        .with("returns", 1.0)
        .with("ch1_send1_db", -6.0)
        .with("ch2_send1_db", -12.0)
        .with("ch3_send1_db", -3.0);
    for s in settings {
        mix = match *s {
            Set::N(k, v) => mix.with(k, v),
            Set::T(k, v) => mix.with(k, v),
        };
    }
    g.add_node(mix, r).unwrap();
    let lines = [
        (
            "beat",
            "X...x...X..xX...",
            "C2 Eb2",
            "instrument.drums",
            "kit",
        ),
        (
            "line",
            "x..x..x.x..x..x.",
            "F1 F1 C2 Eb2",
            "instrument.bass",
            "bass",
        ),
        (
            "chords",
            "x...x...x..x....",
            "C4 Eb4 G4 Bb4",
            "instrument.keys",
            "keys",
        ),
    ];
    for (i, (seq, pattern, notes, kind, id)) in lines.into_iter().enumerate() {
        g.add_node(
            NodeSpec::new(seq, "sequence.steps")
                .with("pattern", pattern)
                .with("notes", notes)
                .with("gate", 1.5),
            r,
        )
        .unwrap();
        g.add_node(NodeSpec::new(id, kind), r).unwrap();
        g.connect(&format!("{seq}.notes"), &format!("{id}.notes"), r)
            .unwrap();
        g.connect(&format!("{id}.out"), &format!("mix.ch_{}", i + 1), r)
            .unwrap();
    }
    g.add_node(NodeSpec::new("out", "io.output"), r).unwrap();
    g.connect("mix.out", "out.in", r).unwrap();
    let ports =
        yano_engine::graph::ports_of(g.node("mix").unwrap(), r.get("mixer.console").unwrap())
            .unwrap();
    let has = |name: &str| ports.iter().any(|p| p.name == name);
    if has("send_1") {
        g.add_node(
            NodeSpec::new("verb", "fx.reverb")
                .with("mix", 1.0)
                .with("decay_s", 1.5),
            r,
        )
        .unwrap();
        g.connect("mix.send_1", "verb.in", r).unwrap();
        g.connect("verb.out", "mix.ret_1", r).unwrap();
    }
    let mut record = |port: &str, rec: &str| {
        g.add_node(NodeSpec::new(rec, "clip.capture").with("seconds", 10.0), r)
            .unwrap();
        g.connect(&format!("mix.{port}"), &format!("{rec}.in"), r)
            .unwrap();
    };
    record("out", "rec_out");
    for k in 1..=3 {
        if has(&format!("stem_{k}")) {
            record(&format!("stem_{k}"), &format!("rec_{k}"));
        }
    }
    if has("stem_returns") {
        record("stem_returns", "rec_returns");
    }
    g
}

/// Stereo recordings of one render: `out` and the stems, by capture id.
struct Takes {
    session: Session,
}

impl Takes {
    fn get(&self, rec: &str) -> [Vec<f32>; 2] {
        let clip = self.session.captured(rec).unwrap();
        [clip.channels[0].clone(), clip.channels[1].clone()]
    }

    /// The sum of every stem recorded.
    fn stem_sum(&self) -> [Vec<f32>; 2] {
        let mut sum = self.get("rec_out").map(|c| vec![0.0f32; c.len()]);
        for rec in ["rec_1", "rec_2", "rec_3", "rec_returns"] {
            if self.session.captured(rec).is_none() {
                continue;
            }
            for (s, x) in sum.iter_mut().zip(self.get(rec)) {
                for (a, b) in s.iter_mut().zip(x) {
                    *a += b;
                }
            }
        }
        sum
    }
}

/// Starts `g` and runs `blocks` blocks, calling `between(session, block)` before each.
fn run(
    g: Graph,
    r: std::sync::Arc<Registry>,
    blocks: usize,
    mut between: impl FnMut(&mut Session, usize),
) -> Takes {
    let (mut session, mut runtime) = Session::start(g, r, BLOCK, 1).unwrap();
    session.wait_for_inference().unwrap();
    for b in 0..blocks {
        between(&mut session, b);
        runtime.process_block();
    }
    Takes { session }
}

fn peak(x: &[Vec<f32>; 2]) -> f32 {
    x.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()))
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

/// Energy of `a − b` relative to the energy of `b`, in dB.
fn error_db(a: &[Vec<f32>; 2], b: &[Vec<f32>; 2]) -> f64 {
    let (mut err, mut energy) = (0.0f64, 0.0f64);
    for (a, b) in a.iter().zip(b) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            err += f64::from(x - y).powi(2);
            energy += f64::from(*y).powi(2);
        }
    }
    10.0 * (err / energy).log10()
}

/// Energy of `a` relative to the energy of `b`, in dB.
fn energy_db(a: &[Vec<f32>; 2], b: &[Vec<f32>; 2]) -> f64 {
    let energy = |x: &[Vec<f32>; 2]| {
        x.iter()
            .flatten()
            .map(|v| f64::from(*v).powi(2))
            .sum::<f64>()
    };
    10.0 * (energy(a) / energy(b)).log10()
}

fn max_difference(a: &[Vec<f32>; 2], b: &[Vec<f32>; 2]) -> f32 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .fold(0.0f32, |m, (x, y)| m.max((x - y).abs()))
}

/// Loud: every channel pushed up, the master too, so the limiter must work.
const LOUD: &[Set<'static>] = &[
    Set::N("ch1_gain_db", 6.0),
    Set::N("ch2_gain_db", 9.0),
    Set::N("ch2_pan", -0.3),
    Set::N("ch3_gain_db", 6.0),
    Set::N("ch3_pan", 0.4),
    Set::N("master_gain_db", 6.0),
    Set::T("stem_outs", "on"),
];

const FOUR_SECONDS: usize = (4.0 * SR) as usize / BLOCK;

#[test]
fn stems_sum_to_the_limited_master() {
    let r = registry();
    let with = |extra: &[Set<'static>]| {
        let mut s = LOUD.to_vec();
        s.extend_from_slice(extra);
        desk(&s, &r)
    };
    let limited = run(
        with(&[Set::T("master_limiter", "on")]),
        r.clone(),
        FOUR_SECONDS,
        |_, _| {},
    );
    let unlimited = run(with(&[]), r.clone(), FOUR_SECONDS, |_, _| {});
    let out = limited.get("rec_out");
    assert_eq!(out[0].len(), FOUR_SECONDS * BLOCK);
    let (pre, post) = (peak(&unlimited.get("rec_out")), peak(&out));
    let reduction = db(f64::from(pre / post));
    let ret_share = energy_db(&limited.get("rec_returns"), &out);
    let err = error_db(&limited.stem_sum(), &out);
    let worst = max_difference(&limited.stem_sum(), &out);
    println!(
        "limiter on: peak before {:.2} dBFS, after {:.2} dBFS ({reduction:.2} dB of reduction); \
         returns' stem {ret_share:.1} dB (energy) relative to out; stems sum − out: {err:.1} dB relative to out, \
         largest sample difference {worst:.2e}",
        db(f64::from(pre)),
        db(f64::from(post)),
    );
    assert!(reduction > 4.0, "the limiter must work: {reduction:.2} dB");
    assert!(
        (-30.0..-3.0).contains(&ret_share),
        "the reverb return is in the mix: {ret_share:.1} dB"
    );
    assert!(err < -60.0, "stems sum to out: {err:.1} dB");
    // The same without the limiter: no delay, no gain, same sum.
    let err_unlimited = error_db(&unlimited.stem_sum(), &unlimited.get("rec_out"));
    println!("limiter off: stems sum − out {err_unlimited:.1} dB relative to out");
    assert!(err_unlimited < -60.0, "{err_unlimited:.1} dB");
    // Stem outputs leave the master untouched, bit for bit.
    let plain: Vec<Set<'static>> = LOUD[..LOUD.len() - 1]
        .iter()
        .copied()
        .chain([Set::T("master_limiter", "on")])
        .collect();
    let plain = run(desk(&plain, &r), r.clone(), FOUR_SECONDS, |_, _| {});
    assert!(
        plain.session.captured("rec_1").is_none(),
        "no stems when off"
    );
    assert_eq!(plain.get("rec_out"), out, "stem_outs does not change out");
}

#[test]
fn a_stem_is_its_channel_soloed() {
    let r = registry();
    let base = [
        Set::N("returns", 0.0),
        Set::N("ch2_gain_db", -4.0),
        Set::N("ch2_pan", 0.3),
        Set::N("master_gain_db", -2.5),
    ];
    let mut stems = base.to_vec();
    stems.push(Set::T("stem_outs", "on"));
    let mut solo = base.to_vec();
    solo.push(Set::T("ch2_solo", "on"));
    let seconds_2 = (2.0 * SR) as usize / BLOCK;
    let stem_2 = run(desk(&stems, &r), r.clone(), seconds_2, |_, _| {}).get("rec_2");
    let soloed = run(desk(&solo, &r), r.clone(), seconds_2, |_, _| {}).get("rec_out");
    let worst = max_difference(&stem_2, &soloed);
    println!(
        "stem 2 vs channel 2 soloed: largest difference {worst:.2e} (peak {:.3})",
        peak(&soloed)
    );
    assert!(peak(&soloed) > 0.1, "the bass is there");
    assert!(worst <= 1e-6 * peak(&soloed), "{worst}");
}

#[test]
fn stems_follow_mutes() {
    let r = registry();
    let mut settings = LOUD.to_vec();
    settings.extend([Set::T("master_limiter", "on"), Set::T("ch3_mute", "on")]);
    let mute_at = 300;
    let takes = run(
        desk(&settings, &r),
        r.clone(),
        FOUR_SECONDS / 2,
        |session, block| {
            if block == mute_at {
                session
                    .set_param("mix", "ch1_mute", ParamValue::Text("on".into()), 0)
                    .unwrap();
            }
        },
    );
    let stem_3 = takes.get("rec_3");
    assert!(
        stem_3.iter().flatten().all(|v| *v == 0.0),
        "a channel muted from the start has a silent stem"
    );
    // Channel 1 glides out over 5 ms after the block the mute lands in, then the look-ahead
    // (72 samples) drains.
    let stem_1 = takes.get("rec_1");
    let silent_from = (mute_at + 1) * BLOCK + 240 + 72;
    let before = peak(&stem_1.clone().map(|c| c[..mute_at * BLOCK].to_vec()));
    let after = peak(&stem_1.clone().map(|c| c[silent_from..].to_vec()));
    println!("stem 1: peak {before:.3} before its mute, {after} after");
    assert!(before > 0.1 && after == 0.0);
    let err = error_db(&takes.stem_sum(), &takes.get("rec_out"));
    println!("with mutes: stems sum − out {err:.1} dB relative to out");
    assert!(err < -60.0, "{err:.1} dB");
}

/// Runs `blocks` blocks and returns how many allocations they made.
fn allocations_in(runtime: &mut Runtime, blocks: usize) -> usize {
    count_allocations(|| {
        for _ in 0..blocks {
            runtime.process_block();
        }
    })
    .1
}

#[test]
fn stems_do_not_allocate_across_glides_mutes_and_recompiles() {
    let r = registry();
    let mut settings = LOUD.to_vec();
    settings.push(Set::T("master_limiter", "on"));
    let (mut session, mut runtime) =
        Session::start(desk(&settings, &r), r.clone(), BLOCK, 1).unwrap();
    session.wait_for_inference().unwrap();
    allocations_in(&mut runtime, 4);
    assert_eq!(allocations_in(&mut runtime, 200), 0, "steady state");
    for (param, value) in [
        ("master_gain_db", ParamValue::Number(-3.0)),
        ("ch1_gain_db", ParamValue::Number(-10.0)),
        ("ch2_pan", ParamValue::Number(0.8)),
        ("ret1_gain_db", ParamValue::Number(-6.0)),
        ("ch2_mute", ParamValue::Text("on".into())),
    ] {
        session.set_param("mix", param, value, 0).unwrap();
    }
    assert_eq!(allocations_in(&mut runtime, 50), 0, "glides and mutes");
    // Port-shaping changes recompile; the console is carried over with its stems' state.
    // (Connected ports must stay: the channels and returns go up, then back.)
    for (param, value) in [
        ("channels", 5.0),
        ("returns", 3.0),
        ("channels", 3.0),
        ("returns", 1.0),
    ] {
        session
            .set_param("mix", param, ParamValue::Number(value), 0)
            .unwrap();
        assert_eq!(allocations_in(&mut runtime, 50), 0, "{param} = {value}");
        session.poll();
        assert_eq!(allocations_in(&mut runtime, 50), 0, "after the swap");
    }
}

#[test]
fn stems_sum_to_the_master_through_the_bus_compressor() {
    let r = registry();
    let glue = [
        Set::T("master_comp", "on"),
        Set::N("master_comp_threshold_db", -24.0),
        Set::N("master_comp_ratio", 4.0),
        Set::N("master_comp_attack_ms", 5.0),
        Set::N("master_comp_release_ms", 120.0),
        Set::N("master_comp_makeup_db", 3.0),
    ];
    let with = |extra: &[Set<'static>]| {
        let mut s = LOUD.to_vec();
        s.extend_from_slice(extra);
        desk(&s, &r)
    };
    let plain = run(with(&[]), r.clone(), FOUR_SECONDS, |_, _| {});
    let glued = run(with(&glue), r.clone(), FOUR_SECONDS, |_, _| {});
    let (plain_out, glued_out) = (plain.get("rec_out"), glued.get("rec_out"));
    // The compressor works: the loud desk sits far over −24 dB, so it comes out quieter even
    // after 3 dB of makeup.
    let quieter = energy_db(&plain_out, &glued_out);
    assert!(quieter > 3.0, "the compressor must work: {quieter:.2} dB");
    let err = error_db(&glued.stem_sum(), &glued_out);
    println!("bus compressor {quieter:.2} dB of reduction (energy); stems sum − out {err:.1} dB");
    assert!(
        err < -60.0,
        "stems sum to out through the compressor: {err:.1} dB"
    );
    // And with the master limiter after it: both gains reach the stems.
    let mut both = glue.to_vec();
    both.push(Set::T("master_limiter", "on"));
    let both = run(with(&both), r.clone(), FOUR_SECONDS, |_, _| {});
    let err = error_db(&both.stem_sum(), &both.get("rec_out"));
    println!("bus compressor and limiter: stems sum − out {err:.1} dB");
    assert!(err < -60.0, "{err:.1} dB");
}
