//! The compiler: graph document → validated → a real-time [`Schedule`] and an [`InferencePlan`].
//!
//! 1. validate the graph against the registry; insert bridges where the partitions meet;
//! 2. order each partition topologically (Kahn); a cycle is refused, naming its nodes, unless it
//!    passes through a feedback input (a delay line), whose edges arrive one block late;
//! 3. build processors, read their latencies, and align parallel paths with delay lines;
//! 4. assign block buffers from a free list so buffers are reused once their last reader ran;
//!    several edges into one input are summed by explicit mix steps (see `plan.rs`).
//!
//! It runs on the control thread and may allocate freely; it never touches a running schedule.

mod plan;

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use thiserror::Error;

use crate::bridge::{self, BridgeSlots};
use crate::graph::{descriptor_of, ports_of, Graph, GraphError};
use crate::node::{Build, NodeClass, NodeConfig, NodeDescriptor, NodeError};
use crate::param::ParamValue;
use crate::port::{joint, Joint, PortDirection, PortSpec, PortType};
use crate::readout::ReadoutBoard;
use crate::registry::Registry;
use crate::schedule::{Feed, InferencePlan, JobInput, PlannedJob, Schedule};

/// Why a graph could not be compiled. Every variant names the nodes involved.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CompileError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error("cycle without a delay: {} (put a fx.delay in the loop)", nodes.join(" -> "))]
    Cycle { nodes: Vec<String> },
    #[error("inference nodes form a cycle: {}", nodes.join(" -> "))]
    InferenceCycle { nodes: Vec<String> },
    #[error("node \"{node}\" needs its input \"{port}\" connected")]
    MissingInput { node: String, port: String },
    #[error("node \"{node}\" ({kind}) could not be built: {error}")]
    Build {
        node: String,
        kind: String,
        error: NodeError,
    },
    #[error("input {node}.{port} takes one clip, but {count} edges arrive")]
    ClipFanIn {
        node: String,
        port: String,
        count: usize,
    },
    #[error("block size {0} is outside 16 ..= 8192 frames")]
    BlockSize(usize),
    #[error(
        "nodes \"{first}\" and \"{second}\" are both the main output ({}): a graph has one; \
         mix into it",
        crate::node::MAIN_OUTPUT_KIND
    )]
    SecondOutput { first: String, second: String },
}

/// Figures about a compiled schedule.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompileStats {
    pub realtime_nodes: usize,
    pub inference_jobs: usize,
    pub bridges_inserted: usize,
    /// Block buffers, including the silent and scratch ones.
    pub buffers: usize,
    pub event_lists: usize,
    pub steps: usize,
    pub latency_delays: usize,
    /// Largest latency from a source to any node, in samples.
    pub max_latency: u32,
}

/// A finished compilation.
pub struct Compiled {
    pub schedule: Box<Schedule>,
    pub plan: InferencePlan,
    pub stats: CompileStats,
}

/// Where each node sits in a shipped schedule; the next compile uses it to carry state over.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub generation: u64,
    pub nodes: HashMap<String, LayoutEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LayoutEntry {
    pub slot: u32,
    pub kind: String,
    /// Values of parameters whose change needs a new instance (text: file paths …).
    pub rebuild_key: Vec<ParamValue>,
}

/// A node of the graph, or a bridge the compiler inserted, with its ports resolved.
pub(crate) struct Unit<'r> {
    pub id: String,
    pub desc: &'r NodeDescriptor,
    pub values: Vec<ParamValue>,
    pub inputs: Vec<PortSpec>,
    pub outputs: Vec<PortSpec>,
}

impl Unit<'_> {
    fn class(&self) -> NodeClass {
        self.desc.class()
    }
}

/// An edge between units, by port index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    pub from: usize,
    pub out: usize,
    pub to: usize,
    pub inp: usize,
    pub joint: Joint,
}

/// Compiles graphs of one session, remembering the last layout and the bridge slots.
pub struct Compiler {
    registry: Arc<Registry>,
    block_size: usize,
    previous: Option<Layout>,
    next_generation: u64,
    pub slots: BridgeSlots,
    /// Meters and other numbers the nodes publish, by node id.
    pub readouts: ReadoutBoard,
}

impl Compiler {
    pub fn new(registry: Arc<Registry>, block_size: usize) -> Self {
        Compiler {
            registry,
            block_size,
            previous: None,
            next_generation: 1,
            slots: BridgeSlots::default(),
            readouts: ReadoutBoard::default(),
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// The layout of the last compiled schedule.
    pub fn layout(&self) -> Option<&Layout> {
        self.previous.as_ref()
    }

    /// Compiles `graph`. The result carries the state of nodes that kept their id from the previous
    /// compile, once the runtime swaps it in.
    pub fn compile(&mut self, graph: &Graph) -> Result<Compiled, CompileError> {
        if !(16..=8192).contains(&self.block_size) {
            return Err(CompileError::BlockSize(self.block_size));
        }
        let registry = self.registry.clone();
        // Parameters here; ports and types in `resolve`, which works out each node's ports once.
        graph.validate_nodes(&registry)?;
        let mut outputs = graph
            .nodes()
            .filter(|(_, n)| n.kind == crate::node::MAIN_OUTPUT_KIND)
            .map(|(_, n)| n.id.clone());
        if let (Some(first), Some(second)) = (outputs.next(), outputs.next()) {
            return Err(CompileError::SecondOutput { first, second });
        }
        let (units, links, bridges_inserted) = resolve(graph, &registry)?;
        check_required(&units, &links)?;
        let rt: Vec<usize> = (0..units.len())
            .filter(|&u| units[u].class() == NodeClass::Realtime)
            .collect();
        let order = order_realtime(&units, &links, &rt)?;
        let generation = self.next_generation;
        let (mut compiled, layout) =
            plan::build_schedule(self, graph, &units, &links, &order, generation)?;
        compiled.plan = self.plan_inference(graph, &units, &links)?;
        compiled.stats.bridges_inserted = bridges_inserted;
        compiled.stats.inference_jobs = compiled.plan.jobs.len();
        self.next_generation += 1;
        self.previous = Some(layout);
        Ok(compiled)
    }

    fn plan_inference(
        &mut self,
        graph: &Graph,
        units: &[Unit<'_>],
        links: &[Link],
    ) -> Result<InferencePlan, CompileError> {
        let inf: Vec<usize> = (0..units.len())
            .filter(|&u| units[u].class() == NodeClass::Inference)
            .collect();
        let inner: Vec<Link> = links
            .iter()
            .filter(|l| {
                units[l.from].class() == NodeClass::Inference
                    && units[l.to].class() == NodeClass::Inference
            })
            .copied()
            .collect();
        let order =
            kahn(&inf, &inner, units.len()).map_err(|nodes| CompileError::InferenceCycle {
                nodes: nodes.into_iter().map(|u| units[u].id.clone()).collect(),
            })?;
        let mut incoming: Vec<Vec<&Link>> = vec![Vec::new(); units.len()];
        for l in links {
            incoming[l.to].push(l);
        }
        let mut job_of = HashMap::new();
        let mut plan = InferencePlan::default();
        for &u in &order {
            let unit = &units[u];
            let Build::Inference(build) = unit.desc.build else {
                continue;
            };
            let config = node_config(unit, graph, self.block_size, &self.readouts);
            let node = build(&config).map_err(|error| CompileError::Build {
                node: unit.id.clone(),
                kind: unit.desc.kind.to_string(),
                error,
            })?;
            let mut inputs = Vec::with_capacity(unit.inputs.len());
            for (i, port) in unit.inputs.iter().enumerate() {
                let arriving: Vec<&Link> =
                    incoming[u].iter().filter(|l| l.inp == i).copied().collect();
                if arriving.len() > 1 {
                    return Err(CompileError::ClipFanIn {
                        node: unit.id.clone(),
                        port: port.name.to_string(),
                        count: arriving.len(),
                    });
                }
                inputs.push(arriving.first().and_then(|l| {
                    let src = &units[l.from];
                    match src.desc.build {
                        Build::Bridge(bridge::BridgeKind::Capture) => self
                            .slots
                            .captures
                            .get(&src.id)
                            .cloned()
                            .map(JobInput::Capture),
                        _ => job_of
                            .get(&l.from)
                            .map(|&job| JobInput::Job { job, output: l.out }),
                    }
                }));
            }
            job_of.insert(u, plan.jobs.len());
            plan.jobs.push(PlannedJob {
                id: unit.id.clone(),
                kind: unit.desc.kind,
                node: Arc::from(node),
                param_key: param_key(unit),
                inputs,
                outputs: unit.outputs.iter().map(|p| p.ty).collect(),
            });
        }
        for l in links {
            let (
                Some(&job),
                Build::Bridge(bridge::BridgeKind::ClipPlayer | bridge::BridgeKind::NotePlayer),
            ) = (job_of.get(&l.from), units[l.to].desc.build)
            else {
                continue;
            };
            if let Some(slot) = self.slots.players.get(&units[l.to].id) {
                plan.feeds.push(Feed {
                    job,
                    output: l.out,
                    bridge: units[l.to].id.clone(),
                    slot: slot.clone(),
                });
            }
        }
        Ok(plan)
    }
}

pub(crate) fn node_config<'a>(
    unit: &'a Unit<'_>,
    graph: &'a Graph,
    block_size: usize,
    readouts: &'a ReadoutBoard,
) -> NodeConfig<'a> {
    NodeConfig {
        id: &unit.id,
        params: unit.desc.reader(&unit.values),
        sample_rate: graph.transport.sample_rate,
        block_size,
        transport: graph.transport,
        base_dir: graph.base_dir.as_deref(),
        readouts: Some(readouts),
    }
}

fn param_key(unit: &Unit<'_>) -> u64 {
    let mut h = DefaultHasher::new();
    unit.desc.kind.hash(&mut h);
    for v in &unit.values {
        match v {
            ParamValue::Number(x) => x.to_bits().hash(&mut h),
            ParamValue::Text(t) => t.hash(&mut h),
        }
    }
    h.finish()
}

/// Turns graph nodes and edges into units and links, inserting bridges where partitions meet.
fn resolve<'r>(
    graph: &Graph,
    registry: &'r Registry,
) -> Result<(Vec<Unit<'r>>, Vec<Link>, usize), CompileError> {
    let mut units = Vec::with_capacity(graph.node_count());
    let bound = graph.nodes().map(|(i, _)| i.index() + 1).max().unwrap_or(0);
    let mut index = vec![usize::MAX; bound];
    for (i, spec) in graph.nodes() {
        let desc = descriptor_of(spec, registry)?;
        let ports = ports_of(spec, desc)?;
        let (inputs, outputs) = ports
            .into_iter()
            .partition(|p| p.direction == PortDirection::Input);
        index[i.index()] = units.len();
        units.push(Unit {
            id: spec.id.clone(),
            desc,
            values: spec.values_for(desc),
            inputs,
            outputs,
        });
    }
    let mut links = Vec::with_capacity(graph.edge_count());
    let mut inserted = 0;
    for (a, b, e) in graph.edges() {
        let (from, to) = (index[a.index()], index[b.index()]);
        let out = units[from]
            .outputs
            .iter()
            .position(|p| p.name == e.from_port.as_str());
        let inp = units[to]
            .inputs
            .iter()
            .position(|p| p.name == e.to_port.as_str());
        let (Some(out), Some(inp)) = (out, inp) else {
            // Ask the graph for the port that is missing: its error names the ports there are.
            graph.port(a, &e.from_port, PortDirection::Output, registry)?;
            graph.port(b, &e.to_port, PortDirection::Input, registry)?;
            return Err(
                GraphError::NoSuchNode(format!("{}.{}", units[from].id, e.from_port)).into(),
            );
        };
        let (ft, tt) = (units[from].outputs[out].ty, units[to].inputs[inp].ty);
        let Some(j) = joint(ft, tt) else {
            return Err(GraphError::TypeMismatch {
                from: format!("{}.{}", units[from].id, e.from_port),
                to: format!("{}.{}", units[to].id, e.to_port),
                from_type: ft,
                to_type: tt,
            }
            .into());
        };
        let bridge_kind = match j {
            Joint::ClipPlayer => Some(bridge::CLIP_PLAYER),
            Joint::NotePlayer => Some(bridge::NOTE_PLAYER),
            Joint::Capture => Some(bridge::CAPTURE),
            _ => None,
        };
        let Some(kind) = bridge_kind else {
            links.push(Link {
                from,
                out,
                to,
                inp,
                joint: j,
            });
            continue;
        };
        let desc = registry
            .get(kind)
            .expect("bridge kinds are always registered");
        let mut values: Vec<ParamValue> = desc.params.iter().map(|p| p.default_value()).collect();
        if let (PortType::Audio { channels }, Some(i)) =
            (tt, desc.params.iter().position(|p| p.id == "channels"))
        {
            values[i] = ParamValue::Number(f64::from(channels.min(2)));
        }
        let id = format!(
            "{}.{}>{}.{}",
            units[from].id, e.from_port, units[to].id, e.to_port
        );
        let (inputs, outputs): (Vec<PortSpec>, Vec<PortSpec>) = desc
            .ports_for(&desc.reader(&values))
            .map_err(|error| GraphError::Ports {
                node: id.clone(),
                kind: kind.to_string(),
                error,
            })?
            .into_iter()
            .partition(|p| p.direction == PortDirection::Input);
        let into_bridge = joint(ft, inputs[0].ty).unwrap_or(Joint::Direct);
        let out_of_bridge = joint(outputs[0].ty, tt).unwrap_or(Joint::Direct);
        let b = units.len();
        units.push(Unit {
            id,
            desc,
            values,
            inputs,
            outputs,
        });
        links.push(Link {
            from,
            out,
            to: b,
            inp: 0,
            joint: into_bridge,
        });
        links.push(Link {
            from: b,
            out: 0,
            to,
            inp,
            joint: out_of_bridge,
        });
        inserted += 1;
    }
    Ok((units, links, inserted))
}

fn check_required(units: &[Unit<'_>], links: &[Link]) -> Result<(), CompileError> {
    let connected: std::collections::HashSet<(usize, usize)> =
        links.iter().map(|l| (l.to, l.inp)).collect();
    for (u, unit) in units.iter().enumerate() {
        for (i, port) in unit.inputs.iter().enumerate() {
            if port.required && !connected.contains(&(u, i)) {
                return Err(CompileError::MissingInput {
                    node: unit.id.clone(),
                    port: port.name.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Whether a link's edge is delivered a block late (into a feedback input carrying a signal).
pub(crate) fn is_feedback(units: &[Unit<'_>], l: &Link) -> bool {
    let port = &units[l.to].inputs[l.inp];
    port.feedback && matches!(port.ty, PortType::Audio { .. } | PortType::Control)
}

fn order_realtime(
    units: &[Unit<'_>],
    links: &[Link],
    rt: &[usize],
) -> Result<Vec<usize>, CompileError> {
    let ordering: Vec<Link> = links
        .iter()
        .filter(|l| {
            units[l.from].class() == NodeClass::Realtime
                && units[l.to].class() == NodeClass::Realtime
                && !is_feedback(units, l)
        })
        .copied()
        .collect();
    kahn(rt, &ordering, units.len()).map_err(|cycle| CompileError::Cycle {
        nodes: cycle.into_iter().map(|u| units[u].id.clone()).collect(),
    })
}

/// Kahn's topological sort of `members` over `links`; on failure, returns one cycle in order.
fn kahn(members: &[usize], links: &[Link], n: usize) -> Result<Vec<usize>, Vec<usize>> {
    let mut member = vec![false; n];
    for &m in members {
        member[m] = true;
    }
    let mut indegree = vec![0usize; n];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for l in links.iter().filter(|l| member[l.from] && member[l.to]) {
        indegree[l.to] += 1;
        out[l.from].push(l.to);
    }
    // Keep graph order among ready nodes, so schedules are stable and readable.
    let mut ready: std::collections::VecDeque<usize> = members
        .iter()
        .copied()
        .filter(|&m| indegree[m] == 0)
        .collect();
    let mut order = Vec::with_capacity(members.len());
    while let Some(u) = ready.pop_front() {
        order.push(u);
        for &v in &out[u] {
            indegree[v] -= 1;
            if indegree[v] == 0 {
                ready.push_back(v);
            }
        }
    }
    if order.len() == members.len() {
        return Ok(order);
    }
    // Every node left has a predecessor that is also left: walk backwards until one repeats.
    let left = |u: usize| member[u] && indegree[u] > 0;
    let start = members.iter().copied().find(|&m| left(m)).unwrap_or(0);
    let mut path = vec![start];
    let mut seen = vec![usize::MAX; n];
    seen[start] = 0;
    let mut at = start;
    loop {
        let Some(prev) = links
            .iter()
            .find(|l| l.to == at && left(l.from))
            .map(|l| l.from)
        else {
            return Err(path);
        };
        if seen[prev] != usize::MAX {
            let mut cycle: Vec<usize> = path[seen[prev]..].to_vec();
            cycle.reverse();
            return Err(cycle);
        }
        seen[prev] = path.len();
        path.push(prev);
        at = prev;
    }
}
