//! Sequencers: nodes that turn patterns, note clips and the arrangement into note events.

pub mod arrangement;
pub mod clip;
pub mod notation;
pub mod song_length;
pub mod steps;

/// Test support: a probe that writes each note-on into a render (left = note number, right =
/// velocity, at the event's sample), and a registry with it.
#[cfg(test)]
pub(crate) mod probe {
    use std::sync::Arc;

    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::port::{PortSpec, PortType};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::{
        Build, NodeDescriptor, NoteKind, ParamValue, PortLayout, ProcessContext, Processor,
        Registry, Transport,
    };

    struct Probe;

    impl Processor for Probe {
        fn process(&mut self, ctx: &mut ProcessContext<'_>) {
            let events = ctx.events_in(0);
            let (l, r) = ctx.audio_out_pair(0);
            l.fill(0.0);
            r.fill(0.0);
            for e in events {
                if let (NoteKind::On { note, velocity }, Some(i)) =
                    (e.kind, Some(e.offset as usize).filter(|i| *i < l.len()))
                {
                    l[i] = f32::from(note);
                    r[i] = velocity;
                }
            }
        }
    }

    pub fn registry() -> Arc<Registry> {
        let mut r = crate::registry();
        r.register(NodeDescriptor {
            kind: "test.note_probe",
            description: "note-ons as samples",
            params: vec![],
            ports: PortLayout::Fixed(vec![
                PortSpec::input("notes", PortType::Events, "notes"),
                PortSpec::output("out", PortType::STEREO, "note, velocity"),
            ]),
            build: Build::Realtime(|_| Ok(Box::new(Probe))),
        })
        .unwrap();
        Arc::new(r)
    }

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
        g.add_node(NodeSpec::new("probe", "test.note_probe"), &r)
            .unwrap();
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
        audio
            .left
            .iter()
            .zip(&audio.right)
            .enumerate()
            .filter(|(_, (n, _))| **n > 0.0)
            .map(|(i, (n, v))| (i, *n as u8, *v))
            .collect()
    }

    pub fn text(s: &str) -> ParamValue {
        ParamValue::Text(s.into())
    }
}
