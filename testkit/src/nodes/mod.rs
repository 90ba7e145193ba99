//! The test node kinds, every one under "test.*" and registered by [`register`]: the kinds a test
//! plugs around the node or engine behaviour it measures. The editor's palette hides the family.
//!
//! - `test.signal`: a mono source, its waveform picked by `shape` ([`SIGNAL`]);
//! - `test.notes`: written notes at written samples ([`NOTES`], [`parse_notes`]);
//! - `test.note_clip`: an inference node whose value is a bar of quarter notes;
//! - `test.note_probe`: note-ons written into a render ([`note_ons`] reads them back);
//! - `test.dc_clip`: a constant audio clip that takes a set time to compute;
//! - `test.peak`: an inference node measuring a clip's peak;
//! - `test.latency`: declares a latency and delays by it;
//! - `test.allocates`: allocates on the audio thread.

mod clips;
mod notes;
mod probes;
mod signal;

use std::sync::Arc;

use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::param::ParamValue;
use yano_engine::render::{render, RenderOptions, Rendered};
use yano_engine::{Registry, Transport};

pub use clips::{DC_CLIP, PEAK};
pub use notes::{parse_notes, NOTES, NOTE_CLIP};
pub use probes::{note_ons, ALLOCATES, LATENCY, NOTE_PROBE};
pub use signal::SIGNAL;

/// Adds every test kind to `registry`.
pub fn register(registry: &mut Registry) {
    let kinds = [
        signal::descriptor(),
        notes::notes(),
        notes::note_clip(),
        probes::note_probe(),
        clips::dc_clip(),
        clips::peak(),
        probes::latency(),
        probes::allocates(),
    ];
    for kind in kinds {
        registry
            .register(kind)
            .expect("the test kinds are well-formed and registered once");
    }
}

/// `registry` (a crate's shipped kinds) plus the test kinds, ready for a graph.
pub fn with_test_kinds(mut registry: Registry) -> Arc<Registry> {
    register(&mut registry);
    Arc::new(registry)
}

/// Renders one node of `kind` with `params`, played by `test.notes` with `notes` ("sample note
/// velocity [syllable]|off; …", see [`parse_notes`]), into the output for `seconds` at
/// `sample_rate` and 120 BPM. `registry` must hold the test kinds ([`with_test_kinds`]).
pub fn play_instrument(
    registry: Arc<Registry>,
    kind: &str,
    params: &[(&str, ParamValue)],
    notes: &str,
    sample_rate: u32,
    seconds: f64,
) -> Rendered {
    let mut g = Graph::new(Transport {
        sample_rate,
        bpm: 120.0,
        swing: 0.5,
    });
    g.add_node(NodeSpec::new("sc", NOTES).with("notes", notes), &registry)
        .expect("test.notes is registered");
    let mut spec = NodeSpec::new("inst", kind);
    for (k, v) in params {
        spec = spec.with(k, v.clone());
    }
    g.add_node(spec, &registry)
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    g.add_node(NodeSpec::new("out", "io.output"), &registry)
        .expect("io.output is registered");
    g.connect("sc.notes", "inst.notes", &registry)
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    g.connect("inst.out", "out.in", &registry)
        .unwrap_or_else(|e| panic!("{kind}: {e}"));
    let opts = RenderOptions {
        seconds,
        ..RenderOptions::default()
    };
    render(&g, registry, opts).expect("the instrument renders")
}

/// Renders `graph` for `seconds` and returns its left channel, checking the right is identical
/// (for tests that feed mono sources).
pub fn render_mono(graph: &Graph, registry: Arc<Registry>, seconds: f64) -> Vec<f32> {
    let rendered = render(
        graph,
        registry,
        RenderOptions {
            seconds,
            ..RenderOptions::default()
        },
    )
    .expect("the test graph renders");
    assert_eq!(rendered.left, rendered.right);
    rendered.left
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::NoteKind;

    #[test]
    fn every_test_kind_registers_beside_the_bridges() {
        let r = with_test_kinds(Registry::new());
        for kind in [
            SIGNAL, NOTES, NOTE_CLIP, NOTE_PROBE, DC_CLIP, PEAK, LATENCY, ALLOCATES,
        ] {
            assert!(r.get(kind).is_some(), "{kind}");
        }
    }

    #[test]
    fn written_notes_come_back_in_time_order() {
        let events = parse_notes("4800 60 off; 0 60 0.9; 0 64 0.5;").unwrap();
        assert_eq!(
            events,
            [
                (
                    0,
                    NoteKind::On {
                        note: 60,
                        velocity: 0.9,
                        syllable: yano_engine::Syllable::NONE,
                    }
                ),
                (
                    0,
                    NoteKind::On {
                        note: 64,
                        velocity: 0.5,
                        syllable: yano_engine::Syllable::NONE,
                    }
                ),
                (4800, NoteKind::Off { note: 60 }),
            ]
        );
        let sung = parse_notes("0 60 0.9 yeah").unwrap();
        assert!(matches!(sung[0].1, NoteKind::On { syllable, .. } if syllable.as_str() == "yeah"));
        assert!(parse_notes("0 60 off yeah").is_err());
        assert!(parse_notes("0 60 0.9 ah!").is_err());
        assert!(parse_notes("0 on 60 0.9").is_err());
        assert!(parse_notes("0 60").is_err());
    }
}
