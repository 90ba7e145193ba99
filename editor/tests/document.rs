//! The document model: random edits, all undone, give back the original graph exactly; redone,
//! they give back the edited graph exactly.

use std::sync::Arc;

use yano_editor::clipboard;
use yano_editor::document::{Document, Edit, Snapshot};
use yano_engine::graph::UiPosition;
use yano_engine::param::{ParamKind, ParamValue};
use yano_engine::port::PortDirection;
use yano_engine::preset::parse_preset;
use yano_engine::{Graph, Registry, Transport};

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_001) as f64 / 1_000_000.0
    }
}

const KINDS: &[&str] = &[
    "source.oscillator",
    "util.gain",
    "fx.reverb",
    "fx.filter",
    "sequence.steps",
    "instrument.bass",
    "mixer.console",
    "io.output",
];

fn starter(registry: &Registry) -> Graph {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../graphs/amapiano-starter.ron"
    ))
    .unwrap();
    parse_preset(&text, registry, None).unwrap()
}

fn random_value(dice: &mut Dice, kind: &ParamKind) -> ParamValue {
    match kind {
        ParamKind::Number {
            min, max, integer, ..
        } => {
            let v = min + dice.unit() * (max - min);
            ParamValue::Number(if *integer {
                v.round().clamp(*min, *max)
            } else {
                v
            })
        }
        ParamKind::Choice { options, .. } => {
            ParamValue::Text(options[dice.below(options.len())].to_string())
        }
        ParamKind::Text { default } => ParamValue::Text(default.to_string()),
    }
}

/// One random edit that may or may not apply (the document refuses what does not fit).
fn random_edit(dice: &mut Dice, graph: &Graph, registry: &Registry) -> Edit {
    let ids: Vec<String> = graph.nodes().map(|(_, n)| n.id.clone()).collect();
    let any_id = |dice: &mut Dice| ids[dice.below(ids.len())].clone();
    match dice.below(10) {
        0 | 1 => clipboard::add_node(
            graph,
            KINDS[dice.below(KINDS.len())],
            UiPosition {
                x: dice.below(2000) as f32,
                y: dice.below(1200) as f32,
            },
        ),
        2 if !ids.is_empty() => Edit::RemoveNode(any_id(dice)),
        3 | 4 if ids.len() >= 2 => {
            let (a, b) = (
                graph.index(&any_id(dice)).unwrap(),
                graph.index(&any_id(dice)).unwrap(),
            );
            let ports = |n, dir| {
                let spec = graph.spec(n);
                let d = registry.get(&spec.kind).unwrap();
                yano_engine::graph::ports_of(spec, d)
                    .unwrap()
                    .into_iter()
                    .filter(|p| p.direction == dir)
                    .map(|p| p.name.to_string())
                    .collect::<Vec<_>>()
            };
            let (outs, ins) = (
                ports(a, PortDirection::Output),
                ports(b, PortDirection::Input),
            );
            if outs.is_empty() || ins.is_empty() {
                return Edit::Batch(Vec::new());
            }
            Edit::Connect {
                from: format!("{}.{}", graph.spec(a).id, outs[dice.below(outs.len())]),
                to: format!("{}.{}", graph.spec(b).id, ins[dice.below(ins.len())]),
            }
        }
        5 if graph.edge_count() > 0 => {
            let (a, b, e) = graph.edges().nth(dice.below(graph.edge_count())).unwrap();
            Edit::Disconnect {
                from: format!("{}.{}", graph.spec(a).id, e.from_port),
                to: format!("{}.{}", graph.spec(b).id, e.to_port),
            }
        }
        6 | 7 if !ids.is_empty() => {
            let id = any_id(dice);
            let d = registry.get(&graph.node(&id).unwrap().kind).unwrap();
            let p = &d.params[dice.below(d.params.len())];
            let value = (dice.below(4) != 0).then(|| random_value(dice, &p.kind));
            Edit::SetParam {
                node: id,
                param: p.id.to_string(),
                value,
            }
        }
        8 if !ids.is_empty() => Edit::Move(
            (0..1 + dice.below(3))
                .map(|_| {
                    (
                        any_id(dice),
                        UiPosition {
                            x: dice.below(3000) as f32,
                            y: dice.below(3000) as f32,
                        },
                    )
                })
                .collect(),
        ),
        9 if !ids.is_empty() && dice.below(2) == 0 => {
            let chosen: Vec<String> = (0..1 + dice.below(4)).map(|_| any_id(dice)).collect();
            let clip = clipboard::copy(graph, &chosen);
            clipboard::paste(graph, &clip, (40.0, 40.0)).0
        }
        9 if !ids.is_empty() => clipboard::delete(&[any_id(dice), any_id(dice)]),
        _ => Edit::SetTransport(Transport {
            bpm: 90.0 + dice.below(60) as f64,
            swing: 0.5 + dice.unit() * 0.2,
            ..graph.transport
        }),
    }
}

#[test]
fn a_thousand_random_edits_undo_back_to_the_original_and_redo_forward_again() {
    let registry = Arc::new(yano_nodes::registry());
    let original = starter(&registry);
    let mut doc = Document::new(original.clone(), registry.clone(), None);
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let (mut applied, mut refused, mut attempts) = (0, 0, 0);
    while applied < 1000 {
        attempts += 1;
        assert!(
            attempts < 20_000,
            "too few edits apply: {applied} of {attempts}"
        );
        let edit = random_edit(&mut dice, doc.graph(), &registry);
        if matches!(&edit, Edit::Batch(e) if e.is_empty()) {
            continue;
        }
        let before = Snapshot::of(doc.graph());
        match doc.perform(edit.clone(), false) {
            Ok(()) => applied += 1,
            Err(_) => {
                refused += 1;
                // A refused edit leaves the graph exactly as it was.
                assert_eq!(
                    Snapshot::of(doc.graph()),
                    before,
                    "refused {edit:?} changed the graph"
                );
            }
        }
    }
    assert!(
        refused > 0,
        "the generator should also try edits that do not fit"
    );
    assert!(doc.is_dirty());
    let edited = Snapshot::of(doc.graph());
    assert_ne!(edited, Snapshot::of(&original));
    for i in 0..1000 {
        assert!(doc.undo().is_some(), "undo {i} of 1000 failed");
    }
    assert!(doc.undo().is_none(), "there were only 1000 steps");
    assert_eq!(Snapshot::of(doc.graph()), Snapshot::of(&original));
    assert!(
        !doc.is_dirty(),
        "back at the opened state the document is clean"
    );
    for i in 0..1000 {
        assert!(doc.redo().is_some(), "redo {i} of 1000 failed");
    }
    assert_eq!(Snapshot::of(doc.graph()), edited);
}

#[test]
fn a_knob_drag_is_one_undo_step() {
    let registry = Arc::new(yano_nodes::registry());
    let mut doc = Document::new(starter(&registry), registry.clone(), None);
    let before = Snapshot::of(doc.graph());
    for v in [-10.0, -12.0, -14.0, -16.0] {
        doc.perform(
            Edit::SetParam {
                node: "keys".into(),
                param: "gain_db".into(),
                value: Some(ParamValue::Number(v)),
            },
            true,
        )
        .unwrap();
    }
    doc.seal();
    doc.perform(
        Edit::SetParam {
            node: "keys".into(),
            param: "gain_db".into(),
            value: Some(ParamValue::Number(-3.0)),
        },
        true,
    )
    .unwrap();
    doc.undo().unwrap();
    assert_eq!(
        doc.graph().node("keys").unwrap().params.get("gain_db"),
        Some(&ParamValue::Number(-16.0)),
        "the sealed gesture ended at -16"
    );
    doc.undo().unwrap();
    assert_eq!(Snapshot::of(doc.graph()), before);
    assert!(!doc.can_undo());
}

#[test]
fn fewer_mixer_channels_take_their_wires_and_undo_brings_both_back() {
    let registry = Arc::new(yano_nodes::registry());
    let mut doc = Document::new(starter(&registry), registry.clone(), None);
    let before = Snapshot::of(doc.graph());
    doc.perform(
        Edit::SetParam {
            node: "mix".into(),
            param: "channels".into(),
            value: Some(ParamValue::Number(2.0)),
        },
        false,
    )
    .unwrap();
    let wires = &Snapshot::of(doc.graph()).wires;
    assert!(
        !wires
            .iter()
            .any(|(_, to)| to == "mix.ch_3" || to == "mix.ch_4"),
        "{wires:?}"
    );
    assert!(wires.iter().any(|(_, to)| to == "mix.ch_2"));
    doc.graph().validate(&registry).unwrap();
    doc.undo().unwrap();
    assert_eq!(Snapshot::of(doc.graph()), before);
}
