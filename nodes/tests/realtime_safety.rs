//! Real-time safety: process calls never allocate. Every registered real-time kind is run on its
//! own (inputs fed), then whole schedules, a schedule swap and parameter glides, all under a
//! counting allocator. A node that allocates on purpose must be caught.
//!
//! Here rather than in engine/tests because it runs every shipped real-time kind and the shipped
//! presets under the counting allocator.

mod common;

use std::sync::Arc;

use common::registry;
use yano_engine::alloc_guard::{count_allocations, CountingAllocator};
use yano_engine::graph::{ports_of, Graph, NodeSpec};
use yano_engine::node::NodeClass;
use yano_engine::port::{PortDirection, PortType};
use yano_engine::preset::load_preset;
use yano_engine::{Registry, Runtime, Session, Transport};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `blocks` blocks and returns how many allocations they made.
fn allocations_in(runtime: &mut Runtime, blocks: usize) -> usize {
    count_allocations(|| {
        for _ in 0..blocks {
            runtime.process_block();
        }
    })
    .1
}

/// A graph holding one node of `kind`, every input fed by something of the right type.
fn single_node_graph(kind: &str, r: &Registry) -> Graph {
    let mut g = Graph::new(Transport::default());
    let mut node = NodeSpec::new("n", kind);
    if r.get(kind).unwrap().param("file").is_some() {
        node = node.with("file", "audio/kalimba-loop.wav");
    }
    g.add_node(node, r).unwrap();
    let d = r.get(kind).unwrap();
    let ports = ports_of(g.node("n").unwrap(), d).unwrap();
    let mut feeds = 0;
    for p in ports.iter().filter(|p| p.direction == PortDirection::Input) {
        feeds += 1;
        let id = format!("feed{feeds}");
        let (feed_kind, feed_port) = match p.ty {
            PortType::Audio { .. } => ("source.oscillator", "out"),
            PortType::Control => ("source.lfo", "out"),
            PortType::Events => ("clip.notes", "notes"),
            PortType::AudioClip => ("source.file", "clip"),
            PortType::NoteClip => ("test.note_clip", "clip"),
            PortType::Analysis => continue,
        };
        let mut spec = NodeSpec::new(id.clone(), feed_kind);
        if feed_kind == "source.file" {
            spec = spec.with("file", "audio/kalimba-loop.wav");
        }
        g.add_node(spec, r).unwrap();
        if feed_kind == "clip.notes" {
            g.add_node(NodeSpec::new(format!("{id}_src"), "test.note_clip"), r)
                .unwrap();
            g.connect(&format!("{id}_src.clip"), &format!("{id}.clip"), r)
                .unwrap();
        }
        g.connect(&format!("{id}.{feed_port}"), &format!("n.{}", p.name), r)
            .unwrap();
    }
    g.base_dir = Some(common::workspace_root().join("graphs"));
    g
}

#[test]
fn every_realtime_node_processes_without_allocating() {
    let r = registry();
    let mut checked = Vec::new();
    for d in r
        .iter()
        .filter(|d| d.class() == NodeClass::Realtime && d.kind != "test.allocates")
    {
        let g = single_node_graph(d.kind, &r);
        let (mut session, mut runtime) = Session::start(g, r.clone(), 128, 1).unwrap();
        session.wait_for_inference().unwrap();
        // Warm up: the first blocks swap clips in at the bar line.
        allocations_in(&mut runtime, 4);
        let n = allocations_in(&mut runtime, 200);
        assert_eq!(n, 0, "{} allocated {n} times in 200 blocks", d.kind);
        checked.push(d.kind);
    }
    for kind in [
        "source.oscillator",
        "source.lfo",
        "util.gain",
        "util.pan",
        "util.mix",
        "fx.delay",
        "io.output",
        "clip.player",
        "clip.notes",
        "clip.capture",
        "sequence.steps",
        "sequence.clip",
        "sequence.arrangement",
        "instrument.log_drum",
        "instrument.bass",
        "instrument.drums",
        "instrument.sampler",
        "instrument.keys",
        "instrument.pad",
        "instrument.voice",
        "fx.eq",
        "fx.filter",
        "fx.drive",
        "fx.limiter",
        "fx.compressor",
        "fx.reverb",
        "mixer.console",
    ] {
        assert!(checked.contains(&kind), "{kind} was not checked");
    }
}

#[test]
fn the_singer_sings_syllables_steals_and_glides_without_allocating() {
    let r = registry();
    // Forty overlapping notes on every kind of syllable (and none), 60 ms apart, each held
    // 250 ms: three voices steal all the time, the mono singer glides between legato notes.
    let syllables = [
        "sa", "yeah", "ooh", "haai", "we", "ngi", "ma", "mm", "kwam", "shi", "tang", "pe", "",
        "ay", "oh", "uh", "ee", "hmm", "ng", "eh",
    ];
    let mut notes = String::new();
    for i in 0..40u64 {
        let (at, note) = (i * 2880, 50 + (i * 7) % 24);
        let syllable = syllables[i as usize % syllables.len()];
        notes.push_str(&format!(
            "{at} {note} 0.8 {syllable}; {} {note} off;",
            at + 12_000
        ));
    }
    let mut g = Graph::new(Transport::default());
    g.add_node(
        NodeSpec::new("sc", "test.notes").with("notes", notes.as_str()),
        &r,
    )
    .unwrap();
    let singers = [("choir", 3.0, 0.3), ("solo", 1.0, 0.0)];
    for (id, voices, breath) in singers {
        let spec = NodeSpec::new(id, "instrument.voice")
            .with("voices", voices)
            .with("breathiness", breath)
            .with("portamento_ms", 120.0)
            .with("vibrato_delay_ms", 50.0)
            .with("width", 1.0);
        g.add_node(spec, &r).unwrap();
        g.connect("sc.notes", &format!("{id}.notes"), &r).unwrap();
    }
    g.add_node(NodeSpec::new("mix", "util.mix"), &r).unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    for (k, (id, ..)) in singers.iter().enumerate() {
        g.connect(&format!("{id}.out"), &format!("mix.in_{}", k + 1), &r)
            .unwrap();
    }
    g.connect("mix.out", "out.in", &r).unwrap();
    let (mut session, mut runtime) = Session::start(g, r, 128, 1).unwrap();
    session.wait_for_inference().unwrap();
    // 2.9 s: every note, its steals, glides and codas, and the releases after.
    assert_eq!(
        allocations_in(&mut runtime, 1100),
        0,
        "the singer allocated"
    );
    // Fewer voices while singing: the extra ones fade.
    session
        .set_param("choir", "voices", yano_engine::ParamValue::Number(1.0), 0)
        .unwrap();
    assert_eq!(
        allocations_in(&mut runtime, 50),
        0,
        "lowering the polyphony"
    );
}

#[test]
fn a_node_that_allocates_is_caught() {
    let r = registry();
    let g = single_node_graph("test.allocates", &r);
    let (_session, mut runtime) = Session::start(g, r, 128, 1).unwrap();
    allocations_in(&mut runtime, 2);
    assert!(
        allocations_in(&mut runtime, 10) >= 10,
        "the guard must see the allocation in every block"
    );
}

#[test]
fn whole_schedules_swaps_and_glides_do_not_allocate() {
    let r = registry();
    let root = common::workspace_root();
    let chord = load_preset(&root.join("graphs/sine-chord.ron"), &r).unwrap();
    let player = load_preset(&root.join("graphs/file-player.ron"), &r).unwrap();
    for g in [chord, player] {
        let (mut session, mut runtime) = Session::start(g.clone(), r.clone(), 128, 1).unwrap();
        session.wait_for_inference().unwrap();
        allocations_in(&mut runtime, 4);
        assert_eq!(allocations_in(&mut runtime, 500), 0, "steady state");
        // A glide on every number parameter the graph sets.
        for (_, spec) in g.nodes() {
            let d = r.get(&spec.kind).unwrap();
            for p in &d.params {
                if let yano_engine::param::ParamKind::Number { min, max, .. } = p.kind {
                    let _ = session.set_param(
                        &spec.id,
                        &p.id,
                        yano_engine::ParamValue::Number((min + max) / 2.0),
                        0,
                    );
                    if p.id == "inputs" || p.id == "channels" {
                        // Port-shaping parameters recompile; covered by the swap below.
                    }
                }
            }
        }
        assert_eq!(allocations_in(&mut runtime, 50), 0, "parameter glides");
        // A new schedule: the runtime swaps it in and sends the old one back.
        session
            .edit(|g, r| {
                g.add_node(NodeSpec::new("extra", "source.oscillator"), r)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(allocations_in(&mut runtime, 50), 0, "schedule swap");
        session.poll();
        assert_eq!(
            allocations_in(&mut runtime, 50),
            0,
            "after the old schedule was dropped"
        );
    }
}

#[test]
fn capture_records_and_feeds_inference() {
    let r = registry();
    // oscillator (−6 dB sine) → capture → peak analysis.
    let mut g = Graph::new(Transport::default());
    g.add_node(
        NodeSpec::new("osc", "source.oscillator").with("gain_db", -6.0),
        &r,
    )
    .unwrap();
    g.add_node(
        NodeSpec::new("rec", "clip.capture").with("seconds", 1.0),
        &r,
    )
    .unwrap();
    g.add_node(NodeSpec::new("meter", "test.peak"), &r).unwrap();
    g.connect("osc.out", "rec.in", &r).unwrap();
    g.connect("rec.clip", "meter.clip", &r).unwrap();
    let (mut session, mut runtime) = Session::start(g, Arc::clone(&r), 128, 1).unwrap();
    session.wait_for_inference().unwrap();
    let n = allocations_in(&mut runtime, 375 + 10);
    assert_eq!(n, 0, "recording allocates nothing");
    let take = session.captured("rec").unwrap();
    assert_eq!(take.frames(), 48_000, "one second, then the take is full");
    session.reevaluate().unwrap();
    session.wait_for_inference().unwrap();
    let peak = match session.evaluation().unwrap().measure("meter", "peak") {
        Some(yano_engine::clip::Measure::Number(p)) => *p,
        other => panic!("no peak: {other:?}"),
    };
    assert!((20.0 * peak.log10() + 6.0).abs() < 0.05, "peak {peak}");
}
