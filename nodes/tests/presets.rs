#![allow(clippy::result_large_err)]
//! Presets: malformed input gives a distinct, located error and never a panic; shipped presets
//! round-trip exactly; saves are atomic.

mod common;

use common::{registry, workspace_root};
use yano_engine::graph::GraphError;
use yano_engine::preset::{
    load_preset, parse_preset, preset_text, save_preset, Location, PresetError,
};

const GOOD: &str = r#"(
    version: 1,
    transport: (bpm: 113.0, sample_rate: 48000, swing: 0.56),
    nodes: [
        (id: "osc", kind: "source.oscillator", params: {"freq_hz": 110.0, "wave": "saw"}),
        (id: "level", kind: "util.gain", params: {"gain_db": -6.0, "channels": 1.0}),
        (id: "out", kind: "io.output"),
    ],
    edges: [("osc.out", "level.in"), ("level.out", "out.in")],
)
"#;

fn parse(text: &str) -> Result<yano_engine::Graph, PresetError> {
    parse_preset(text, &registry(), None)
}

fn at(line: usize, column: usize) -> Option<Location> {
    Some(Location { line, column })
}

#[test]
fn the_good_preset_loads() {
    let g = parse(GOOD).unwrap();
    assert_eq!((g.node_count(), g.edge_count()), (3, 2));
    assert_eq!(g.transport.swing, 0.56);
}

#[test]
fn truncated_text_is_called_truncated() {
    for cut in [GOOD.len() / 3, GOOD.len() / 2, GOOD.len() - 4] {
        match parse(&GOOD[..cut]) {
            Err(PresetError::Truncated { .. }) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn a_wrong_type_names_its_place() {
    let text = GOOD.replace("bpm: 113.0", "bpm: \"fast\"");
    match parse(&text) {
        Err(e @ PresetError::WrongType { .. }) => {
            assert!(e.to_string().starts_with("line 3, column"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    let text = GOOD.replace("\"freq_hz\": 110.0", "\"freq_hz\": \"high\"");
    match parse(&text) {
        Err(PresetError::Graph {
            error:
                GraphError::BadParamValue {
                    node,
                    param,
                    reason,
                },
            at: location,
        }) => {
            assert_eq!((node.as_str(), param.as_str()), ("osc", "freq_hz"));
            assert!(reason.contains("expected a number"), "{reason}");
            assert_eq!(location, at(5, 57));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_kind_is_named_with_its_place() {
    let text = GOOD.replace("\"util.gain\"", "\"util.gian\"");
    let err = parse(&text).unwrap_err();
    match &err {
        PresetError::Graph {
            error: GraphError::UnknownKind { node, kind },
            at: location,
        } => {
            assert_eq!((node.as_str(), kind.as_str()), ("level", "util.gian"));
            assert_eq!(*location, at(6, 29));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("line 6, column 29"), "{err}");
}

#[test]
fn an_unknown_param_lists_the_known_ones() {
    let text = GOOD.replace("\"gain_db\": -6.0", "\"volume\": -6.0");
    match parse(&text) {
        Err(PresetError::Graph {
            error: GraphError::UnknownParam {
                node, param, known, ..
            },
            at: location,
        }) => {
            assert_eq!((node.as_str(), param.as_str()), ("level", "volume"));
            assert!(known.contains("gain_db"));
            assert_eq!(location, at(6, 51));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_duplicate_id_points_at_the_second_one() {
    let text = GOOD.replace("(id: \"out\"", "(id: \"osc\"");
    match parse(&text) {
        Err(PresetError::Graph {
            error: GraphError::DuplicateId(id),
            at: location,
        }) => {
            assert_eq!(id, "osc");
            assert_eq!(location, at(7, 14));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_dangling_edge_names_the_missing_node() {
    let text = GOOD.replace(
        "(\"level.out\", \"out.in\")",
        "(\"level.out\", \"speaker.in\")",
    );
    match parse(&text) {
        Err(PresetError::Graph {
            error: GraphError::DanglingEdge { missing, .. },
            at: location,
        }) => {
            assert_eq!(missing, "speaker");
            assert_eq!(location, at(9, 39));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_port_lists_the_real_ones() {
    let text = GOOD.replace("\"level.out\"", "\"level.output\"");
    match parse(&text) {
        Err(PresetError::Graph {
            error: GraphError::UnknownPort {
                node, port, known, ..
            },
            at: Some(_),
        }) => assert_eq!(
            (node.as_str(), port.as_str(), known.as_str()),
            ("level", "output", "out")
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_problems_each_have_their_own_error() {
    let cases = [
        (GOOD.replace("version: 1", "version: 7"), "Version"),
        (
            GOOD.replace("swing: 0.56", "swing: 0.56, groove: 1.0"),
            "UnknownField",
        ),
        (GOOD.replace("bpm: 113.0, ", ""), "MissingField"),
        (GOOD.replace("bpm: 113.0", "bpm: 0.0"), "Transport"),
        (
            GOOD.replace("\"freq_hz\": 110.0", "\"freq_hz\": 99999.0"),
            "BadParamValue",
        ),
        (
            GOOD.replace(
                "(\"osc.out\", \"level.in\")",
                "(\"osc.out\", \"osc.pitch\")",
            ),
            "TypeMismatch",
        ),
        (
            GOOD.replace(
                "(\"level.out\", \"out.in\")",
                "(\"level.out\", \"out.in\"), (\"level.out\", \"out.in\")",
            ),
            "DuplicateEdge",
        ),
        (GOOD.replace("(id: \"out\"", "(id: \"out put\""), "BadId"),
        (GOOD.replace("\"osc.out\"", "\"oscout\""), "BadPortRef"),
        (
            "(version: 1, transport: (bpm: 113.0, sample_rate: 48000), nodes: [] ] )".to_string(),
            "Syntax",
        ),
    ];
    for (text, want) in cases {
        let err = parse(&text).expect_err(want);
        let got = format!("{err:?}");
        assert!(got.contains(want), "expected {want}, got {got}");
    }
}

#[test]
fn shipped_presets_round_trip_exactly() {
    let r = registry();
    for entry in std::fs::read_dir(workspace_root().join("graphs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        // Presets with nodes from the crates above this one (analysis, models) are round-tripped
        // by the CLI's tests, whose registry has every kind; this crate's tests cannot depend on
        // those crates.
        let text = std::fs::read_to_string(&path).unwrap();
        if ["kind: \"analysis.", "kind: \"model."]
            .iter()
            .any(|upper| text.contains(upper))
        {
            continue;
        }
        let first = load_preset(&path, &r).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let text = preset_text(&first);
        let second = parse_preset(&text, &r, path.parent()).unwrap();
        assert_eq!(
            preset_text(&second),
            text,
            "{}: save → load → save changes the text",
            path.display()
        );
        let nodes = |g: &yano_engine::Graph| g.nodes().map(|(_, n)| n.clone()).collect::<Vec<_>>();
        assert_eq!(nodes(&first), nodes(&second), "{}", path.display());
        assert_eq!(first.transport, second.transport);
        assert_eq!(first.edge_count(), second.edge_count());
    }
}

#[test]
fn saving_replaces_the_file_atomically() {
    let dir = yano_testkit::scratch("nodes", "atomic-save");
    let path = dir.join("mine.ron");
    let g = parse(GOOD).unwrap();
    save_preset(&g, &path).unwrap();
    let back = load_preset(&path, &registry()).unwrap();
    assert_eq!(preset_text(&back), preset_text(&g));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    // Saving into a folder that does not exist fails cleanly, naming the path.
    let err = save_preset(&g, &dir.join("missing/x.ron"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing/x.ron"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn garbage_never_panics() {
    // Every prefix and a few byte flips of a good preset: errors, never panics.
    for cut in 0..GOOD.len() {
        if GOOD.is_char_boundary(cut) {
            let _ = parse(&GOOD[..cut]);
        }
    }
    let bytes = GOOD.as_bytes();
    for i in (0..bytes.len()).step_by(3) {
        let mut b = bytes.to_vec();
        b[i] = b"{}()[]\",:.0x"[i % 12];
        if let Ok(text) = String::from_utf8(b) {
            let _ = parse(&text);
        }
    }
}
