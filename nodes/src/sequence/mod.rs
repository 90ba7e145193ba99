//! Sequencers: nodes that turn patterns, note clips and the arrangement into note events.

pub mod arrangement;
pub mod clip;
pub mod notation;
pub mod song_length;
pub mod steps;

/// Test support: a sequencer's note-ons read back through the kit's `test.note_probe`.
#[cfg(test)]
pub(crate) mod probe {
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::{ParamValue, Transport};
    use yano_testkit::nodes::{note_ons as probed, NOTE_PROBE};

    use crate::testing::registry;

    /// Renders `kind` with `params` for `seconds`, its output port `port` into the probe, and
    /// returns (sample, note, velocity) of every note-on.
    pub fn note_ons(
        kind: &str,
        params: &[(&str, ParamValue)],
        port: &str,
        transport: Transport,
        seconds: f64,
    ) -> Vec<(usize, u8, f32)> {
        let r = registry();
        let mut g = Graph::new(transport);
        let mut spec = NodeSpec::new("seq", kind);
        for (k, v) in params {
            spec.params.insert(k.to_string(), v.clone());
        }
        g.add_node(spec, &r).unwrap();
        g.add_node(NodeSpec::new("probe", NOTE_PROBE), &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect(&format!("seq.{port}"), "probe.notes", &r)
            .unwrap();
        g.connect("probe.out", "out.in", &r).unwrap();
        let audio = render(
            &g,
            r,
            RenderOptions {
                seconds,
                ..Default::default()
            },
        )
        .unwrap();
        probed(&audio)
    }

    pub fn text(s: &str) -> ParamValue {
        ParamValue::Text(s.into())
    }
}
