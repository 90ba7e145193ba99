//! Building the edits behind the selection commands: add a node of a kind, delete, copy, paste
//! and duplicate. Pasted nodes get fresh ids and keep the wires between them.

use std::collections::HashSet;

use yano_engine::graph::UiPosition;
use yano_engine::{Graph, NodeSpec};

use crate::document::Edit;

/// Nodes and the wires among them, lifted out of a graph.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Clipping {
    pub nodes: Vec<NodeSpec>,
    /// ("node.port", "node.port") between copied nodes only.
    pub wires: Vec<(String, String)>,
}

/// An id not used in `graph` nor in `taken`, made from the last word of `kind` ("fx.reverb" →
/// "reverb", "reverb_2", …) or from an existing id.
pub fn fresh_id(graph: &Graph, base: &str, taken: &HashSet<String>) -> String {
    let stem = base.rsplit('.').next().unwrap_or(base);
    // Strip a numeric suffix so copies of "reverb_2" are "reverb_3", not "reverb_2_2".
    let stem = match stem.rsplit_once('_') {
        Some((head, tail)) if !head.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) => head,
        _ => stem,
    };
    let free = |id: &str| graph.node(id).is_none() && !taken.contains(id);
    if free(stem) {
        return stem.to_string();
    }
    (2..)
        .map(|n| format!("{stem}_{n}"))
        .find(|id| free(id))
        .unwrap_or_else(|| stem.to_string())
}

/// The edit that adds a node of `kind` at a world position.
pub fn add_node(graph: &Graph, kind: &str, at: UiPosition) -> Edit {
    let mut spec = NodeSpec::new(fresh_id(graph, kind, &HashSet::new()), kind);
    spec.ui = Some(at);
    Edit::AddNode(spec)
}

/// Lifts the selected nodes and the wires among them.
pub fn copy(graph: &Graph, selection: &[String]) -> Clipping {
    let chosen: HashSet<&str> = selection.iter().map(String::as_str).collect();
    let nodes = graph
        .nodes()
        .filter(|(_, n)| chosen.contains(n.id.as_str()))
        .map(|(_, n)| n.clone())
        .collect();
    let wires = graph
        .edges()
        .filter(|(a, b, _)| {
            chosen.contains(graph.spec(*a).id.as_str())
                && chosen.contains(graph.spec(*b).id.as_str())
        })
        .map(|(a, b, e)| {
            (
                format!("{}.{}", graph.spec(a).id, e.from_port),
                format!("{}.{}", graph.spec(b).id, e.to_port),
            )
        })
        .collect();
    Clipping { nodes, wires }
}

/// The edit that pastes a clipping, moved by `offset`, with fresh ids; also returns the new ids.
pub fn paste(graph: &Graph, clipping: &Clipping, offset: (f32, f32)) -> (Edit, Vec<String>) {
    let mut taken = HashSet::new();
    let mut renamed = std::collections::HashMap::new();
    let mut edits = Vec::new();
    for node in &clipping.nodes {
        let id = fresh_id(graph, &node.id, &taken);
        taken.insert(id.clone());
        renamed.insert(node.id.clone(), id.clone());
        let mut spec = node.clone();
        spec.id = id;
        let ui = spec.ui.unwrap_or_default();
        spec.ui = Some(UiPosition {
            x: ui.x + offset.0,
            y: ui.y + offset.1,
        });
        edits.push(Edit::AddNode(spec));
    }
    let rename = |port_ref: &str| -> Option<String> {
        let (node, port) = port_ref.rsplit_once('.')?;
        Some(format!("{}.{port}", renamed.get(node)?))
    };
    for (from, to) in &clipping.wires {
        if let (Some(from), Some(to)) = (rename(from), rename(to)) {
            edits.push(Edit::Connect { from, to });
        }
    }
    let ids = clipping
        .nodes
        .iter()
        .filter_map(|n| renamed.get(&n.id).cloned())
        .collect();
    (Edit::Batch(edits), ids)
}

/// The edit that deletes the selected nodes (and so their wires).
pub fn delete(selection: &[String]) -> Edit {
    Edit::Batch(selection.iter().cloned().map(Edit::RemoveNode).collect())
}
