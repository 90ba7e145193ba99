//! The graph document: node specs (stable id, kind, parameter values, editor position) and edges
//! from `node.port` to `node.port`, on a petgraph `StableGraph` so indices survive removals.
//! Plain data for the control thread; the compiler turns it into a schedule.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use thiserror::Error;

use crate::automation::{AutomationError, AutomationLane};
use crate::node::NodeDescriptor;
use crate::param::{ParamError, ParamSpec, ParamValue};
use crate::port::{joint, PortDirection, PortSpec, PortType};
use crate::registry::Registry;
use crate::transport::Transport;

/// Where a node sits in the editor.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UiPosition {
    pub x: f32,
    pub y: f32,
}

/// One node of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeSpec {
    /// Stable, unique, made of letters, digits, `_` and `-`.
    pub id: String,
    pub kind: String,
    /// Only the values the user set; the rest are the kind's defaults.
    pub params: BTreeMap<String, ParamValue>,
    pub ui: Option<UiPosition>,
}

impl NodeSpec {
    pub fn new(id: impl Into<String>, kind: impl Into<String>) -> Self {
        NodeSpec {
            id: id.into(),
            kind: kind.into(),
            params: BTreeMap::new(),
            ui: None,
        }
    }

    pub fn with(mut self, param: &str, value: impl Into<ParamValue>) -> Self {
        self.params.insert(param.to_string(), value.into());
        self
    }

    /// One value per spec of `descriptor`, in spec order, defaults filled in.
    pub fn values_for(&self, descriptor: &NodeDescriptor) -> Vec<ParamValue> {
        descriptor
            .params
            .iter()
            .map(|p| {
                self.params
                    .get(p.id.as_ref())
                    .cloned()
                    .unwrap_or_else(|| p.default_value())
            })
            .collect()
    }
}

impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        ParamValue::Number(v)
    }
}

impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        ParamValue::Text(v.to_string())
    }
}

/// An edge's ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeSpec {
    pub from_port: String,
    pub to_port: String,
}

/// "node.port", parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortRef {
    pub node: String,
    pub port: String,
}

impl PortRef {
    /// Splits "node.port" at its last dot.
    pub fn parse(text: &str) -> Result<PortRef, GraphError> {
        match text.rsplit_once('.') {
            Some((node, port)) if !node.is_empty() && !port.is_empty() => Ok(PortRef {
                node: node.to_string(),
                port: port.to_string(),
            }),
            _ => Err(GraphError::BadPortRef(text.to_string())),
        }
    }
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.node, self.port)
    }
}

/// What went wrong with a graph edit or check; every variant names the nodes and ports involved.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GraphError {
    #[error("node id \"{0}\" is used twice")]
    DuplicateId(String),
    #[error("node id \"{0}\" is not valid: use letters, digits, '_' and '-'")]
    BadId(String),
    #[error("node \"{node}\" has unknown kind \"{kind}\" (see `yano nodes`)")]
    UnknownKind { node: String, kind: String },
    #[error("node \"{node}\" ({kind}) has no parameter \"{param}\"; its parameters are: {known}")]
    UnknownParam {
        node: String,
        kind: String,
        param: String,
        known: String,
    },
    #[error("node \"{node}\" parameter \"{param}\": {reason}")]
    BadParamValue {
        node: String,
        param: String,
        reason: String,
    },
    #[error("\"{0}\" is not a port reference: write \"node.port\"")]
    BadPortRef(String),
    #[error("edge {from} -> {to} names node \"{missing}\", which does not exist")]
    DanglingEdge {
        from: String,
        to: String,
        missing: String,
    },
    #[error("node \"{node}\" ({kind}) has no {direction} port \"{port}\"; its {direction} ports are: {known}")]
    UnknownPort {
        node: String,
        kind: String,
        port: String,
        direction: &'static str,
        known: String,
    },
    #[error("cannot connect {from} ({from_type}) to {to} ({to_type}): the types do not match")]
    TypeMismatch {
        from: String,
        to: String,
        from_type: PortType,
        to_type: PortType,
    },
    #[error("{from} is already connected to {to}")]
    DuplicateEdge { from: String, to: String },
    #[error("no node \"{0}\"")]
    NoSuchNode(String),
    #[error(transparent)]
    Automation(#[from] AutomationError),
    #[error("node \"{node}\" ({kind}): its ports could not be laid out: {error}")]
    Ports {
        node: String,
        kind: String,
        error: ParamError,
    },
}

/// The graph document.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub transport: Transport,
    /// Folder that relative file paths in parameters are resolved against.
    pub base_dir: Option<PathBuf>,
    /// Automation lanes, at most one per parameter, in the order they were added.
    automation: Vec<AutomationLane>,
    inner: StableDiGraph<NodeSpec, EdgeSpec>,
    ids: HashMap<String, NodeIndex>,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Graph {
    pub fn new(transport: Transport) -> Self {
        Graph {
            transport,
            ..Graph::default()
        }
    }

    /// Adds a node after checking its id, kind and parameters against the registry.
    pub fn add_node(
        &mut self,
        spec: NodeSpec,
        registry: &Registry,
    ) -> Result<NodeIndex, GraphError> {
        check_node(&spec, registry)?;
        if self.ids.contains_key(&spec.id) {
            return Err(GraphError::DuplicateId(spec.id));
        }
        let id = spec.id.clone();
        let index = self.inner.add_node(spec);
        self.ids.insert(id, index);
        Ok(index)
    }

    /// Adds or replaces the automation lane of one parameter, after checking it.
    pub fn automate(
        &mut self,
        lane: AutomationLane,
        registry: &Registry,
    ) -> Result<(), GraphError> {
        let spec = self
            .node(&lane.node)
            .ok_or_else(|| GraphError::NoSuchNode(lane.node.clone()))?;
        let descriptor = descriptor_of(spec, registry)?;
        let param = descriptor
            .param(&lane.param)
            .ok_or_else(|| GraphError::UnknownParam {
                node: spec.id.clone(),
                kind: spec.kind.clone(),
                param: lane.param.clone(),
                known: descriptor
                    .params
                    .iter()
                    .map(|p| p.id.as_ref())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        lane.check(&param.kind)?;
        match self
            .automation
            .iter_mut()
            .find(|l| l.node == lane.node && l.param == lane.param)
        {
            Some(existing) => *existing = lane,
            None => self.automation.push(lane),
        }
        Ok(())
    }

    /// Removes the lane of one parameter, if there is one.
    pub fn remove_automation(&mut self, node: &str, param: &str) -> bool {
        let before = self.automation.len();
        self.automation
            .retain(|l| !(l.node == node && l.param == param));
        self.automation.len() != before
    }

    /// Every automation lane.
    pub fn automation(&self) -> &[AutomationLane] {
        &self.automation
    }

    /// Removes a node, every edge touching it and its automation lanes.
    pub fn remove_node(&mut self, id: &str) -> Result<NodeSpec, GraphError> {
        let index = self
            .ids
            .remove(id)
            .ok_or_else(|| GraphError::NoSuchNode(id.to_string()))?;
        self.automation.retain(|l| l.node != id);
        self.inner
            .remove_node(index)
            .ok_or_else(|| GraphError::NoSuchNode(id.to_string()))
    }

    /// Sets one parameter after checking it against the node's kind.
    pub fn set_param(
        &mut self,
        id: &str,
        param: &str,
        value: ParamValue,
        registry: &Registry,
    ) -> Result<(), GraphError> {
        let index = self
            .index(id)
            .ok_or_else(|| GraphError::NoSuchNode(id.to_string()))?;
        let mut spec = self.inner[index].clone();
        spec.params.insert(param.to_string(), value);
        check_node(&spec, registry)?;
        self.inner[index] = spec;
        Ok(())
    }

    /// Returns a parameter to its kind's default by forgetting the value the user set; gives back
    /// the value it had, if one was set.
    pub fn reset_param(&mut self, id: &str, param: &str) -> Result<Option<ParamValue>, GraphError> {
        let index = self
            .index(id)
            .ok_or_else(|| GraphError::NoSuchNode(id.to_string()))?;
        Ok(self.inner[index].params.remove(param))
    }

    /// Connects `from` ("node.port", an output) to `to` (an input), checking that both exist and
    /// that their types can meet.
    pub fn connect(
        &mut self,
        from: &str,
        to: &str,
        registry: &Registry,
    ) -> Result<EdgeIndex, GraphError> {
        let (from_ref, to_ref) = (PortRef::parse(from)?, PortRef::parse(to)?);
        let dangling = |missing: &str| GraphError::DanglingEdge {
            from: from.to_string(),
            to: to.to_string(),
            missing: missing.to_string(),
        };
        let a = self
            .index(&from_ref.node)
            .ok_or_else(|| dangling(&from_ref.node))?;
        let b = self
            .index(&to_ref.node)
            .ok_or_else(|| dangling(&to_ref.node))?;
        let out = self.port(a, &from_ref.port, PortDirection::Output, registry)?;
        let inp = self.port(b, &to_ref.port, PortDirection::Input, registry)?;
        if joint(out.ty, inp.ty).is_none() {
            return Err(GraphError::TypeMismatch {
                from: from.to_string(),
                to: to.to_string(),
                from_type: out.ty,
                to_type: inp.ty,
            });
        }
        let exists = self
            .inner
            .edges_connecting(a, b)
            .any(|e| e.weight().from_port == from_ref.port && e.weight().to_port == to_ref.port);
        if exists {
            return Err(GraphError::DuplicateEdge {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        Ok(self.inner.add_edge(
            a,
            b,
            EdgeSpec {
                from_port: from_ref.port,
                to_port: to_ref.port,
            },
        ))
    }

    /// Removes the edge `from` → `to`, if there is one.
    pub fn disconnect(&mut self, from: &str, to: &str) -> Result<bool, GraphError> {
        let (f, t) = (PortRef::parse(from)?, PortRef::parse(to)?);
        let (Some(a), Some(b)) = (self.index(&f.node), self.index(&t.node)) else {
            return Ok(false);
        };
        let edge = self
            .inner
            .edges_connecting(a, b)
            .find(|e| e.weight().from_port == f.port && e.weight().to_port == t.port)
            .map(|e| e.id());
        Ok(edge.and_then(|e| self.inner.remove_edge(e)).is_some())
    }

    /// Looks up a port of a node by name and direction.
    pub fn port(
        &self,
        node: NodeIndex,
        name: &str,
        direction: PortDirection,
        registry: &Registry,
    ) -> Result<PortSpec, GraphError> {
        let spec = &self.inner[node];
        let descriptor = descriptor_of(spec, registry)?;
        find_port(spec, &ports_of(spec, descriptor)?, name, direction).cloned()
    }

    pub fn index(&self, id: &str) -> Option<NodeIndex> {
        self.ids.get(id).copied()
    }

    pub fn node(&self, id: &str) -> Option<&NodeSpec> {
        self.index(id).map(|i| &self.inner[i])
    }

    pub fn node_mut_ui(&mut self, id: &str, ui: UiPosition) -> Result<(), GraphError> {
        let i = self
            .index(id)
            .ok_or_else(|| GraphError::NoSuchNode(id.to_string()))?;
        self.inner[i].ui = Some(ui);
        Ok(())
    }

    /// Nodes in the order they were added.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeIndex, &NodeSpec)> {
        self.inner.node_indices().map(move |i| (i, &self.inner[i]))
    }

    /// Edges in the order they were added: (from node, to node, ports).
    pub fn edges(&self) -> impl Iterator<Item = (NodeIndex, NodeIndex, &EdgeSpec)> {
        self.inner.edge_indices().filter_map(move |e| {
            let (a, b) = self.inner.edge_endpoints(e)?;
            Some((a, b, &self.inner[e]))
        })
    }

    /// Edges arriving at `node`.
    pub fn edges_into(&self, node: NodeIndex) -> impl Iterator<Item = (NodeIndex, &EdgeSpec)> {
        self.inner
            .edges_directed(node, Direction::Incoming)
            .map(|e| (e.source(), e.weight()))
    }

    pub fn spec(&self, node: NodeIndex) -> &NodeSpec {
        &self.inner[node]
    }

    pub fn node_count(&self) -> usize {
        self.inner.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.inner.edge_count()
    }

    /// Checks every node's id, kind and parameters against the registry.
    pub fn validate_nodes(&self, registry: &Registry) -> Result<(), GraphError> {
        self.nodes()
            .try_for_each(|(_, spec)| check_node(spec, registry))
    }

    /// Checks every node and edge against the registry (for graphs built without it).
    pub fn validate(&self, registry: &Registry) -> Result<(), GraphError> {
        // Ports depend on parameters: work them out once per node, not once per edge.
        let mut ports = std::collections::HashMap::with_capacity(self.inner.node_count());
        for (i, spec) in self.nodes() {
            check_node(spec, registry)?;
            let descriptor = descriptor_of(spec, registry)?;
            ports.insert(i, ports_of(spec, descriptor)?);
        }
        for (a, b, e) in self.edges() {
            let out = find_port(
                &self.inner[a],
                &ports[&a],
                &e.from_port,
                PortDirection::Output,
            )?;
            let inp = find_port(&self.inner[b], &ports[&b], &e.to_port, PortDirection::Input)?;
            if joint(out.ty, inp.ty).is_none() {
                return Err(GraphError::TypeMismatch {
                    from: format!("{}.{}", self.inner[a].id, e.from_port),
                    to: format!("{}.{}", self.inner[b].id, e.to_port),
                    from_type: out.ty,
                    to_type: inp.ty,
                });
            }
        }
        Ok(())
    }
}

/// Finds a port by name and direction among a node's ports, or says which ports it has.
fn find_port<'p>(
    spec: &NodeSpec,
    ports: &'p [PortSpec],
    name: &str,
    direction: PortDirection,
) -> Result<&'p PortSpec, GraphError> {
    let mut wanted = ports.iter().filter(|p| p.direction == direction);
    wanted
        .clone()
        .find(|p| p.name == name)
        .ok_or_else(|| GraphError::UnknownPort {
            node: spec.id.clone(),
            kind: spec.kind.clone(),
            port: name.to_string(),
            direction: match direction {
                PortDirection::Input => "input",
                PortDirection::Output => "output",
            },
            known: wanted
                .by_ref()
                .map(|p| p.name.as_ref())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The descriptor of a node's kind, or an error naming the node and the unknown kind.
pub fn descriptor_of<'r>(
    spec: &NodeSpec,
    registry: &'r Registry,
) -> Result<&'r NodeDescriptor, GraphError> {
    registry
        .get(&spec.kind)
        .ok_or_else(|| GraphError::UnknownKind {
            node: spec.id.clone(),
            kind: spec.kind.clone(),
        })
}

/// The ports a node has with its current parameter values; an error when its kind's layout asks
/// for a parameter the kind does not have.
pub fn ports_of(spec: &NodeSpec, descriptor: &NodeDescriptor) -> Result<Vec<PortSpec>, GraphError> {
    let values = spec.values_for(descriptor);
    descriptor
        .ports_for(&descriptor.reader(&values))
        .map_err(|error| GraphError::Ports {
            node: spec.id.clone(),
            kind: spec.kind.clone(),
            error,
        })
}

fn check_node(spec: &NodeSpec, registry: &Registry) -> Result<(), GraphError> {
    if !valid_id(&spec.id) {
        return Err(GraphError::BadId(spec.id.clone()));
    }
    let descriptor = descriptor_of(spec, registry)?;
    for (param, value) in &spec.params {
        let Some(p) = descriptor.param(param) else {
            return Err(GraphError::UnknownParam {
                node: spec.id.clone(),
                kind: spec.kind.clone(),
                param: param.clone(),
                known: descriptor
                    .params
                    .iter()
                    .map(|p: &ParamSpec| p.id.as_ref())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        p.check(value).map_err(|reason| GraphError::BadParamValue {
            node: spec.id.clone(),
            param: param.clone(),
            reason,
        })?;
    }
    Ok(())
}
