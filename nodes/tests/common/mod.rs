//! Test support: a registry with yano's nodes plus the test kit's kinds, and render helpers.
#![allow(dead_code)]

use std::sync::Arc;

use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::render::{render, RenderOptions, Rendered};
use yano_engine::{Registry, Transport};

/// yano's registry plus the test kit's kinds (yano_testkit::nodes).
pub fn registry() -> Arc<Registry> {
    yano_testkit::nodes::with_test_kinds(yano_nodes::registry())
}

/// (id, kind, number parameters) of one node.
pub type NodeLine<'a> = (&'a str, &'a str, &'a [(&'a str, f64)]);

/// A graph at 48 kHz, 120 BPM, built from (id, kind, params) and ("a.out", "b.in") pairs.
pub fn graph(registry: &Registry, nodes: &[NodeLine<'_>], edges: &[(&str, &str)]) -> Graph {
    let mut g = Graph::new(Transport {
        sample_rate: 48_000,
        bpm: 120.0,
        swing: 0.5,
    });
    for (id, kind, params) in nodes {
        let mut spec = NodeSpec::new(*id, *kind);
        for (k, v) in *params {
            spec = spec.with(k, *v);
        }
        g.add_node(spec, registry).unwrap();
    }
    for (a, b) in edges {
        g.connect(a, b, registry).unwrap();
    }
    g
}

pub fn render_seconds(g: &Graph, registry: Arc<Registry>, seconds: f64) -> Rendered {
    render(
        g,
        registry,
        RenderOptions {
            seconds,
            ..RenderOptions::default()
        },
    )
    .unwrap()
}

/// Indices and values of samples whose magnitude exceeds `threshold`.
pub fn spikes(x: &[f32], threshold: f32) -> Vec<(usize, f32)> {
    x.iter()
        .enumerate()
        .filter(|(_, v)| v.abs() > threshold)
        .map(|(i, v)| (i, *v))
        .collect()
}

#[allow(unused_imports)]
pub use yano_testkit::workspace_root;
