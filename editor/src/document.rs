//! The document the editor edits: a graph, the file it came from, and the history of edits.
//!
//! Every user action is an [`Edit`]. Applying one to the graph gives back its inverse, so undo
//! and redo are "apply what the history holds". Edits are checked against the registry exactly
//! as the engine checks presets: a refused edit leaves the graph as it was and says why.

use std::path::PathBuf;
use std::sync::Arc;

use yano_engine::automation::AutomationLane;
use yano_engine::graph::{GraphError, UiPosition};
use yano_engine::param::ParamValue;
use yano_engine::port::{joint, PortDirection};
use yano_engine::{Graph, NodeSpec, Registry, Transport};

/// One change to the document. Applying it returns the edit that takes it back.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    AddNode(NodeSpec),
    /// Removes a node with its wires and automation lanes.
    RemoveNode(String),
    /// Puts back a removed node, its wires and its lanes (the inverse of `RemoveNode`).
    RestoreNode(Box<RemovedNode>),
    /// Moves nodes on the canvas.
    Move(Vec<(String, UiPosition)>),
    Connect {
        from: String,
        to: String,
    },
    Disconnect {
        from: String,
        to: String,
    },
    /// Sets a parameter; `None` returns it to the kind's default.
    SetParam {
        node: String,
        param: String,
        value: Option<ParamValue>,
    },
    SetTransport(Transport),
    /// Several edits as one step of the history (paste, delete a selection …).
    Batch(Vec<Edit>),
}

/// Everything needed to put a removed node back as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct RemovedNode {
    pub spec: NodeSpec,
    /// Wires as ("node.port", "node.port"), in the order the graph held them.
    pub wires: Vec<(String, String)>,
    pub lanes: Vec<AutomationLane>,
}

impl Edit {
    /// A short name for the history and the status line ("add log drum", "connect …").
    pub fn label(&self) -> String {
        match self {
            Edit::AddNode(spec) => format!("add {}", spec.id),
            Edit::RemoveNode(id) => format!("delete {id}"),
            Edit::RestoreNode(r) => format!("restore {}", r.spec.id),
            Edit::Move(moves) => format!("move {} node(s)", moves.len()),
            Edit::Connect { from, to } => format!("connect {from} → {to}"),
            Edit::Disconnect { from, to } => format!("disconnect {from} → {to}"),
            Edit::SetParam { node, param, .. } => format!("set {node}.{param}"),
            Edit::SetTransport(t) => format!("transport {:.1} BPM", t.bpm),
            Edit::Batch(edits) => match edits.as_slice() {
                [one] => one.label(),
                _ => format!("{} edits", edits.len()),
            },
        }
    }
}

/// Applies `edit` to `graph`; returns its inverse. On error the graph is unchanged.
pub fn apply(graph: &mut Graph, registry: &Registry, edit: &Edit) -> Result<Edit, GraphError> {
    match edit {
        Edit::AddNode(spec) => {
            graph.add_node(spec.clone(), registry)?;
            Ok(Edit::RemoveNode(spec.id.clone()))
        }
        Edit::RemoveNode(id) => {
            let index = graph
                .index(id)
                .ok_or_else(|| GraphError::NoSuchNode(id.clone()))?;
            let wires = graph
                .edges()
                .filter(|(a, b, _)| *a == index || *b == index)
                .map(|(a, b, e)| {
                    (
                        format!("{}.{}", graph.spec(a).id, e.from_port),
                        format!("{}.{}", graph.spec(b).id, e.to_port),
                    )
                })
                .collect();
            let lanes = graph
                .automation()
                .iter()
                .filter(|l| l.node == *id)
                .cloned()
                .collect();
            let spec = graph.remove_node(id)?;
            Ok(Edit::RestoreNode(Box::new(RemovedNode {
                spec,
                wires,
                lanes,
            })))
        }
        Edit::RestoreNode(removed) => {
            graph.add_node(removed.spec.clone(), registry)?;
            let restored = (|| {
                for (from, to) in &removed.wires {
                    graph.connect(from, to, registry)?;
                }
                for lane in &removed.lanes {
                    graph.automate(lane.clone(), registry)?;
                }
                Ok(())
            })();
            if let Err(e) = restored {
                graph.remove_node(&removed.spec.id)?;
                return Err(e);
            }
            Ok(Edit::RemoveNode(removed.spec.id.clone()))
        }
        Edit::Move(moves) => {
            let mut before = Vec::with_capacity(moves.len());
            for (id, _) in moves {
                let spec = graph
                    .node(id)
                    .ok_or_else(|| GraphError::NoSuchNode(id.clone()))?;
                before.push((id.clone(), spec.ui.unwrap_or_default()));
            }
            for (id, at) in moves {
                graph.node_mut_ui(id, *at)?;
            }
            Ok(Edit::Move(before))
        }
        Edit::Connect { from, to } => {
            graph.connect(from, to, registry)?;
            Ok(Edit::Disconnect {
                from: from.clone(),
                to: to.clone(),
            })
        }
        Edit::Disconnect { from, to } => {
            if !graph.disconnect(from, to)? {
                return Err(GraphError::NoSuchNode(format!("wire {from} → {to}")));
            }
            Ok(Edit::Connect {
                from: from.clone(),
                to: to.clone(),
            })
        }
        Edit::SetParam { node, param, value } => {
            let before = graph
                .node(node)
                .ok_or_else(|| GraphError::NoSuchNode(node.clone()))?
                .params
                .get(param)
                .cloned();
            match value {
                Some(v) => graph.set_param(node, param, v.clone(), registry)?,
                None => {
                    graph.reset_param(node, param)?;
                }
            }
            let undo = Edit::SetParam {
                node: node.clone(),
                param: param.clone(),
                value: before,
            };
            // A parameter that shapes the ports (a mixer's channel count) takes the wires of the
            // ports it removes with it; undo puts the ports back, then the wires.
            let dangling = dangling_wires(graph, registry, node);
            if dangling.is_empty() {
                return Ok(undo);
            }
            let mut inverse = vec![undo];
            for (from, to) in dangling {
                graph.disconnect(&from, &to)?;
                inverse.push(Edit::Connect { from, to });
            }
            Ok(Edit::Batch(inverse))
        }
        Edit::SetTransport(transport) => {
            let before = graph.transport;
            graph.transport = *transport;
            Ok(Edit::SetTransport(before))
        }
        Edit::Batch(edits) => {
            let mut inverses = Vec::with_capacity(edits.len());
            for edit in edits {
                match apply(graph, registry, edit) {
                    Ok(inverse) => inverses.push(inverse),
                    Err(e) => {
                        for inverse in inverses.iter().rev() {
                            // Each inverse undoes an edit that just succeeded, so it applies.
                            let _ = apply(graph, registry, inverse);
                        }
                        return Err(e);
                    }
                }
            }
            inverses.reverse();
            Ok(Edit::Batch(inverses))
        }
    }
}

/// Wires touching `node` whose ports no longer exist or no longer fit, as ("a.port", "b.port").
fn dangling_wires(graph: &Graph, registry: &Registry, node: &str) -> Vec<(String, String)> {
    let Some(index) = graph.index(node) else {
        return Vec::new();
    };
    graph
        .edges()
        .filter(|(a, b, _)| *a == index || *b == index)
        .filter(|(a, b, e)| {
            let out = graph.port(*a, &e.from_port, PortDirection::Output, registry);
            let inp = graph.port(*b, &e.to_port, PortDirection::Input, registry);
            !matches!((out, inp), (Ok(o), Ok(i)) if joint(o.ty, i.ty).is_some())
        })
        .map(|(a, b, e)| {
            (
                format!("{}.{}", graph.spec(a).id, e.from_port),
                format!("{}.{}", graph.spec(b).id, e.to_port),
            )
        })
        .collect()
}

/// One step of the history: what was done and what undoes it.
#[derive(Debug, Clone)]
struct Step {
    done: Edit,
    undo: Edit,
    /// Consecutive parameter changes of one gesture (a knob drag) merge into one step.
    open: bool,
    /// The revision this step leads to.
    revision: u64,
}

/// The graph being edited, where it lives on disk, and its history.
pub struct Document {
    graph: Graph,
    registry: Arc<Registry>,
    pub path: Option<PathBuf>,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// Names the current state; the document is clean when it equals `saved`. Undoing back to
    /// a saved state makes it clean again.
    revision: u64,
    saved: Option<u64>,
    next_revision: u64,
}

impl Document {
    pub fn new(graph: Graph, registry: Arc<Registry>, path: Option<PathBuf>) -> Self {
        Document {
            graph,
            registry,
            path,
            undo: Vec::new(),
            redo: Vec::new(),
            revision: 0,
            saved: Some(0),
            next_revision: 1,
        }
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// Applies an edit and records it. A parameter change with `gesture` set merges into the
    /// previous step when that step changed the same parameter in the same open gesture.
    pub fn perform(&mut self, edit: Edit, gesture: bool) -> Result<(), GraphError> {
        let undo = apply(&mut self.graph, &self.registry, &edit)?;
        self.redo.clear();
        let merges = gesture
            && match (self.undo.last(), &edit) {
                (
                    Some(Step {
                        done: Edit::SetParam { node, param, .. },
                        open: true,
                        ..
                    }),
                    Edit::SetParam {
                        node: n2,
                        param: p2,
                        ..
                    },
                ) => node == n2 && param == p2,
                _ => false,
            };
        self.revision = self.next_revision;
        self.next_revision += 1;
        match self.undo.last_mut() {
            Some(last) if merges => {
                last.done = edit;
                last.revision = self.revision;
            }
            _ => self.undo.push(Step {
                done: edit,
                undo,
                open: gesture,
                revision: self.revision,
            }),
        }
        Ok(())
    }

    /// Ends a gesture: the next parameter change starts a new step.
    pub fn seal(&mut self) {
        if let Some(last) = self.undo.last_mut() {
            last.open = false;
        }
    }

    /// Takes back the last step; returns the edit that was applied to do so.
    pub fn undo(&mut self) -> Option<Edit> {
        let mut step = self.undo.pop()?;
        step.open = false;
        match apply(&mut self.graph, &self.registry, &step.undo) {
            Ok(redo) => {
                let applied = step.undo.clone();
                step.done = redo;
                self.redo.push(step);
                self.revision = self.undo.last().map_or(0, |s| s.revision);
                Some(applied)
            }
            Err(_) => None,
        }
    }

    /// Does again the last step that was undone; returns the edit applied.
    pub fn redo(&mut self) -> Option<Edit> {
        let mut step = self.redo.pop()?;
        match apply(&mut self.graph, &self.registry, &step.done) {
            Ok(undo) => {
                let applied = step.done.clone();
                step.undo = undo;
                self.revision = step.revision;
                self.undo.push(step);
                Some(applied)
            }
            Err(_) => None,
        }
    }

    /// Drops what redo would do (after an edit was taken back because the engine refused it).
    pub fn forget_redo(&mut self) {
        self.redo.clear();
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// The label of the step undo would take back.
    pub fn undo_label(&self) -> Option<String> {
        self.undo.last().map(|s| s.done.label())
    }

    /// True when the graph differs from what was last saved or opened.
    pub fn is_dirty(&self) -> bool {
        self.saved != Some(self.revision)
    }

    /// Marks the current state as saved (to `path`).
    pub fn mark_saved(&mut self, path: PathBuf) {
        self.path = Some(path);
        self.saved = Some(self.revision);
    }

    /// Replaces the whole document (open a file); the history starts again.
    pub fn replace(&mut self, graph: Graph, path: Option<PathBuf>) {
        *self = Document::new(graph, self.registry.clone(), path);
    }

    /// Marks a document that was not loaded from its own file (an autosave offered back).
    pub fn mark_unsaved(&mut self) {
        self.saved = None;
    }
}

/// The document's content as sets, for comparing graphs whatever order their storage holds
/// nodes, wires and lanes in.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub transport: Transport,
    pub nodes: Vec<NodeSnapshot>,
    pub wires: Vec<(String, String)>,
    pub lanes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NodeSnapshot {
    pub id: String,
    pub kind: String,
    pub params: Vec<(String, ParamValue)>,
    pub ui: Option<(f32, f32)>,
}

impl Snapshot {
    pub fn of(graph: &Graph) -> Snapshot {
        let mut nodes: Vec<NodeSnapshot> = graph
            .nodes()
            .map(|(_, n)| NodeSnapshot {
                id: n.id.clone(),
                kind: n.kind.clone(),
                params: n
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                ui: n.ui.map(|u| (u.x, u.y)),
            })
            .collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut wires: Vec<(String, String)> = graph
            .edges()
            .map(|(a, b, e)| {
                (
                    format!("{}.{}", graph.spec(a).id, e.from_port),
                    format!("{}.{}", graph.spec(b).id, e.to_port),
                )
            })
            .collect();
        wires.sort();
        let mut lanes: Vec<String> = graph
            .automation()
            .iter()
            .map(|l| format!("{l:?}"))
            .collect();
        lanes.sort();
        Snapshot {
            transport: graph.transport,
            nodes,
            wires,
            lanes,
        }
    }
}
