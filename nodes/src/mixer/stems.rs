//! Stems from one render pass: the mixer's stem outputs (`stem_outs`) recorded by capture nodes.
//! Each stem is a channel as it reaches the master, through the master fader and the master
//! limiter's gain, so the stems sum to the mix; the return buses' share is one more stem,
//! "returns". One pass computes every instrument once, where soloing each channel in its own
//! render computed them all once per stem.

use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::render::Rendered;
use yano_engine::Registry;

use super::console::KIND;
use super::strips::StripIds;

/// A graph ready for a stem render, and the stems it records: (stem name, capture node id).
pub struct StemTaps {
    pub graph: Graph,
    pub stems: Vec<(String, String)>,
    /// Set when the mixer's output passes through more nodes before the output (a clipper, a
    /// limiter): the stems are taken at the mixer, so they sum to its output, not to the
    /// mastered mix. Put the limiter in the mixer (`master_limiter`) for stems of the final mix.
    pub warning: Option<String>,
}

/// Turns on the stem outputs of the graph's first mixer and records each with a capture node
/// long enough for `seconds`. Stems are named after their channels (`chN_name`, or `chN`).
pub fn stem_taps(graph: &Graph, registry: &Registry, seconds: f64) -> Result<StemTaps, String> {
    let mixer = graph
        .nodes()
        .map(|(_, n)| n)
        .find(|n| n.kind == KIND)
        .ok_or("stems need a mixer.console node: stems are its channels")?
        .clone();
    let descriptor = registry
        .get(&mixer.kind)
        .ok_or("the mixer kind is not registered")?;
    let values = mixer.values_for(descriptor);
    let reader = descriptor.reader(&values);
    let channels = reader.number("channels").map_err(|e| e.to_string())? as usize;
    let returns = reader.number("returns").map_err(|e| e.to_string())? as usize;
    let mut g = graph.clone();
    g.set_param(&mixer.id, "stem_outs", "on".into(), registry)
        .map_err(|e| e.to_string())?;
    let mut stems: Vec<(String, String)> = Vec::new();
    let mut taps: Vec<(String, String)> = Vec::new();
    for i in 0..channels {
        let name = reader
            .text(&StripIds::of(i + 1).name)
            .map_err(|e| e.to_string())?
            .trim()
            .replace(['/', '\\', ' '], "-");
        let name = if name.is_empty() {
            format!("ch{}", i + 1)
        } else {
            name
        };
        taps.push((name, format!("stem_{}", i + 1)));
    }
    if returns > 0 {
        taps.push(("returns".into(), "stem_returns".into()));
    }
    for (name, port) in taps {
        // Two channels of one name get "-2", "-3" …
        let mut unique = name.clone();
        let mut n = 2;
        while stems.iter().any(|(s, _)| *s == unique) {
            unique = format!("{name}-{n}");
            n += 1;
        }
        let mut id = format!("stem_capture_{}", port.trim_start_matches("stem_"));
        while g.node(&id).is_some() {
            id.push('_');
        }
        g.add_node(
            NodeSpec::new(&id, "clip.capture").with("seconds", (seconds.ceil() + 1.0).min(3600.0)),
            registry,
        )
        .map_err(|e| e.to_string())?;
        g.connect(
            &format!("{}.{port}", mixer.id),
            &format!("{id}.in"),
            registry,
        )
        .map_err(|e| e.to_string())?;
        stems.push((unique, id));
    }
    let index = graph.index(&mixer.id).ok_or("the mixer vanished")?;
    let after: Vec<String> = graph
        .edges()
        .filter(|(from, _, e)| *from == index && e.from_port == "out")
        .map(|(_, to, _)| graph.spec(to))
        .filter(|n| n.kind != "io.output")
        .map(|n| n.id.clone())
        .collect();
    let warning = (!after.is_empty()).then(|| {
        format!(
            "stems are taken at the mixer \"{}\", before {}: they sum to the mixer's output, not to the mastered mix (the mixer's own master_limiter keeps stems and mix together)",
            mixer.id,
            after.join(", ")
        )
    });
    Ok(StemTaps {
        graph: g,
        stems,
        warning,
    })
}

impl StemTaps {
    /// Takes each stem out of a render of [`StemTaps::graph`] (moving, not copying, the
    /// recordings), each as long as the mix.
    pub fn split(&self, mix: &mut Rendered) -> Result<Vec<(String, Rendered)>, String> {
        let frames = mix.left.len();
        let mut out = Vec::with_capacity(self.stems.len());
        for (name, id) in &self.stems {
            let at = mix
                .captures
                .iter()
                .position(|(c, _)| c == id)
                .ok_or_else(|| format!("the stem {name} was not recorded"))?;
            let (_, clip) = mix.captures.swap_remove(at);
            let mut channels = clip.channels.into_iter();
            let mut take = || {
                let mut x = channels.next().unwrap_or_default();
                x.resize(frames, 0.0);
                x
            };
            let (left, right) = (take(), take());
            out.push((
                name.clone(),
                Rendered {
                    sample_rate: mix.sample_rate,
                    left,
                    right,
                    stats: mix.stats.clone(),
                    clip_misses: mix.clip_misses,
                    captures: Vec::new(),
                    render_threads: mix.render_threads,
                    node_costs: Vec::new(),
                },
            ));
        }
        Ok(out)
    }
}
