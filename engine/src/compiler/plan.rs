//! Step 3 and 4 of the compiler: build processors, align latencies, assign block buffers with
//! reuse, and write the step list of the real-time schedule.

use std::collections::HashMap;

use super::{
    is_feedback, node_config, CompileError, CompileStats, Compiled, Compiler, InferencePlan,
    Layout, LayoutEntry, Link, Unit,
};
use crate::automation::{AutomationError, PlayedLane};
use crate::bridge;
use crate::event::EventList;
use crate::graph::Graph;
use crate::graph::GraphError;
use crate::node::{Build, Processor};
use crate::param::{ParamState, ParamValue};
use crate::port::{Joint, PortType};
use crate::process::{PortBinding, NO_EVENTS, SILENCE};
use crate::schedule::{DelayLine, NodeSlot, Schedule, Step};

/// Room for events in each list of a schedule.
const EVENTS_PER_LIST: usize = 512;

/// A free list over buffer ids; ids 0 and 1 are reserved (silence, scratch).
struct Pool {
    next: u32,
    free: Vec<u32>,
}

impl Pool {
    fn new() -> Self {
        Pool {
            next: 2,
            free: Vec::new(),
        }
    }

    fn take(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }

    /// An id that is never returned to the free list.
    fn keep(&mut self) -> u32 {
        self.next += 1;
        self.next - 1
    }

    fn give(&mut self, id: u32) {
        if id > 1 {
            self.free.push(id);
        }
    }
}

/// Where an output port's data lives.
#[derive(Clone)]
enum Produced {
    Buffers(Vec<u32>),
    Events(u32),
}

fn channels_of(ty: PortType) -> usize {
    match ty {
        PortType::Audio { channels } => usize::from(channels),
        PortType::Control => 1,
        _ => 0,
    }
}

/// (source channel, destination channel, gain) pairs for a joint.
fn routes(joint: Joint, src: usize, dst: usize) -> Vec<(usize, usize, f32)> {
    match joint {
        Joint::Upmix => (0..dst).map(|d| (0, d, 1.0)).collect(),
        Joint::Downmix => (0..src).map(|s| (s, 0, 1.0 / src as f32)).collect(),
        _ => (0..src.min(dst)).map(|c| (c, c, 1.0)).collect(),
    }
}

struct Planner {
    bufs: Pool,
    lists: Pool,
    channel_ids: Vec<u32>,
    bindings: Vec<PortBinding>,
    steps: Vec<Step>,
    delays: Vec<DelayLine>,
    /// Per unit, per output port: where its data lives, and how many inputs still read it.
    produced: Vec<Vec<Option<Produced>>>,
    readers: Vec<Vec<usize>>,
}

impl Planner {
    fn produced(&self, unit: usize, output: usize) -> Option<&Produced> {
        self.produced.get(unit)?.get(output)?.as_ref()
    }

    fn bind_buffers(&mut self, ids: &[u32], connected: bool) -> PortBinding {
        let first = self.channel_ids.len() as u32;
        self.channel_ids.extend_from_slice(ids);
        PortBinding::Buffers {
            first,
            channels: ids.len() as u16,
            connected,
        }
    }

    /// One reader of (unit, output) is done with it; free it when it was the last.
    fn done_reading(&mut self, key: (usize, usize)) {
        let Some(n) = self.readers.get_mut(key.0).and_then(|r| r.get_mut(key.1)) else {
            return;
        };
        *n -= 1;
        if *n == 0 {
            match self.produced(key.0, key.1) {
                Some(Produced::Buffers(ids)) => {
                    for &id in ids.clone().iter() {
                        self.bufs.give(id);
                    }
                }
                Some(Produced::Events(list)) => self.lists.give(*list),
                None => {}
            }
        }
    }
}

pub(super) fn build_schedule(
    compiler: &mut Compiler,
    graph: &Graph,
    units: &[Unit<'_>],
    links: &[Link],
    order: &[usize],
    generation: u64,
) -> Result<(Compiled, Layout), CompileError> {
    let block_size = compiler.block_size;
    let sample_rate = graph.transport.sample_rate;
    let in_rt: Vec<bool> = {
        let mut v = vec![false; units.len()];
        for &u in order {
            v[u] = true;
        }
        v
    };
    let rt_links: Vec<&Link> = links
        .iter()
        .filter(|l| in_rt[l.from] && in_rt[l.to])
        .collect();
    // Links arriving at each unit, so no step below scans every link for every input.
    let mut incoming: Vec<Vec<&Link>> = vec![Vec::new(); units.len()];
    for l in &rt_links {
        incoming[l.to].push(l);
    }

    // Processors and their latencies.
    let mut processors: Vec<Option<Box<dyn Processor>>> = (0..units.len()).map(|_| None).collect();
    let mut latency = vec![0u32; units.len()];
    for &u in order {
        let unit = &units[u];
        let config = node_config(unit, graph, block_size, &compiler.readouts);
        let built = match unit.desc.build {
            Build::Realtime(build) => build(&config),
            Build::Bridge(kind) => bridge::build(kind, &config, &mut compiler.slots),
            Build::Inference(_) => continue,
        };
        let processor = built.map_err(|error| CompileError::Build {
            node: unit.id.clone(),
            kind: unit.desc.kind.to_string(),
            error,
        })?;
        latency[u] = processor.latency();
        processors[u] = Some(processor);
    }

    // Latency: when each node's inputs arrive, and how much each edge must wait to line up.
    let signal = |l: &Link| channels_of(units[l.to].inputs[l.inp].ty) > 0 && !is_feedback(units, l);
    let mut arrival = vec![0u32; units.len()];
    for &u in order {
        arrival[u] = incoming[u]
            .iter()
            .filter(|l| signal(l))
            .map(|l| arrival[l.from] + latency[l.from])
            .max()
            .unwrap_or(0);
    }
    let wait = |l: &Link| -> u32 {
        if signal(l) {
            arrival[l.to] - (arrival[l.from] + latency[l.from])
        } else {
            0
        }
    };

    let mut p = Planner {
        bufs: Pool::new(),
        lists: Pool::new(),
        channel_ids: Vec::new(),
        bindings: Vec::new(),
        steps: Vec::new(),
        delays: Vec::new(),
        produced: units.iter().map(|u| vec![None; u.outputs.len()]).collect(),
        readers: units.iter().map(|u| vec![0; u.outputs.len()]).collect(),
    };
    for l in &rt_links {
        p.readers[l.from][l.out] += 1;
    }
    let mut feedback_copies: Vec<(Link, Vec<u32>)> = Vec::new();
    let mut nodes = Vec::with_capacity(order.len());
    let mut slot_of = vec![0u32; units.len()];
    let mut release: Vec<u32> = Vec::new();
    let mut release_lists: Vec<u32> = Vec::new();
    let mut release_sources: Vec<(usize, usize)> = Vec::new();

    for &u in order {
        let unit = &units[u];
        let inputs_start = p.bindings.len() as u32;
        for (i, port) in unit.inputs.iter().enumerate() {
            let arriving: Vec<&Link> = incoming[u].iter().copied().filter(|l| l.inp == i).collect();
            let n = channels_of(port.ty);
            if port.ty == PortType::Events {
                let binding = match arriving.as_slice() {
                    [] => PortBinding::Events {
                        list: NO_EVENTS,
                        connected: false,
                    },
                    [l] => {
                        release_sources.push((l.from, l.out));
                        match p.produced(l.from, l.out) {
                            Some(Produced::Events(list)) => PortBinding::Events {
                                list: *list,
                                connected: true,
                            },
                            _ => PortBinding::Events {
                                list: NO_EVENTS,
                                connected: false,
                            },
                        }
                    }
                    many => {
                        let list = p.lists.take();
                        for (k, l) in many.iter().enumerate() {
                            if let Some(Produced::Events(src)) = p.produced(l.from, l.out) {
                                p.steps.push(Step::Events {
                                    src: *src,
                                    dst: list,
                                    accumulate: k > 0,
                                    sort: k + 1 == many.len(),
                                });
                            }
                            p.done_reading((l.from, l.out));
                        }
                        release_lists.push(list);
                        PortBinding::Events {
                            list,
                            connected: true,
                        }
                    }
                };
                p.bindings.push(binding);
                continue;
            }
            if n == 0 {
                p.bindings.push(PortBinding::Clip);
                continue;
            }
            let (feedback, forward): (Vec<&Link>, Vec<&Link>) =
                arriving.iter().partition(|l| is_feedback(units, l));
            if arriving.is_empty() {
                let binding = p.bind_buffers(&vec![SILENCE; n], false);
                p.bindings.push(binding);
                continue;
            }
            if feedback.is_empty()
                && forward.len() == 1
                && forward[0].joint == Joint::Direct
                && wait(forward[0]) == 0
            {
                let l = forward[0];
                let ids = match p.produced(l.from, l.out) {
                    Some(Produced::Buffers(ids)) => ids.clone(),
                    _ => vec![SILENCE; n],
                };
                release_sources.push((l.from, l.out));
                let binding = p.bind_buffers(&ids, true);
                p.bindings.push(binding);
                continue;
            }
            // Several edges, a channel adaptation, a latency wait or feedback: a buffer of its own.
            let own: Vec<u32> = (0..n).map(|_| p.bufs.take()).collect();
            let mut written = vec![false; n];
            for l in &forward {
                let src = match p.produced(l.from, l.out) {
                    Some(Produced::Buffers(ids)) => ids.clone(),
                    _ => continue,
                };
                let delay = wait(l) as usize;
                for (s, d, gain) in routes(l.joint, src.len(), n) {
                    let accumulate = std::mem::replace(&mut written[d], true);
                    if delay > 0 {
                        p.delays.push(DelayLine::new(delay));
                        p.steps.push(Step::Delay {
                            line: p.delays.len() as u32 - 1,
                            src: src[s],
                            dst: own[d],
                            gain,
                            accumulate,
                        });
                    } else {
                        p.steps.push(Step::Mix {
                            src: src[s],
                            dst: own[d],
                            gain,
                            accumulate,
                        });
                    }
                }
                p.done_reading((l.from, l.out));
            }
            for l in &feedback {
                let src_channels = channels_of(units[l.from].outputs[l.out].ty);
                let held: Vec<u32> = (0..src_channels).map(|_| p.bufs.keep()).collect();
                for (s, d, gain) in routes(l.joint, src_channels, n) {
                    let accumulate = std::mem::replace(&mut written[d], true);
                    p.steps.push(Step::Mix {
                        src: held[s],
                        dst: own[d],
                        gain,
                        accumulate,
                    });
                }
                feedback_copies.push((**l, held));
            }
            for (d, w) in written.iter().enumerate() {
                if !w {
                    p.steps.push(Step::Mix {
                        src: SILENCE,
                        dst: own[d],
                        gain: 1.0,
                        accumulate: false,
                    });
                }
            }
            release.extend_from_slice(&own);
            let binding = p.bind_buffers(&own, true);
            p.bindings.push(binding);
        }
        let outputs_start = p.bindings.len() as u32;
        for (o, port) in unit.outputs.iter().enumerate() {
            let readers = p.readers[u][o];
            let n = channels_of(port.ty);
            if port.ty == PortType::Events {
                let list = p.lists.take();
                if readers == 0 {
                    release_lists.push(list);
                }
                p.produced[u][o] = Some(Produced::Events(list));
                p.bindings.push(PortBinding::Events {
                    list,
                    connected: readers > 0,
                });
            } else if n == 0 {
                p.bindings.push(PortBinding::Clip);
            } else {
                let ids: Vec<u32> = (0..n).map(|_| p.bufs.take()).collect();
                if readers == 0 {
                    release.extend_from_slice(&ids);
                }
                let binding = p.bind_buffers(&ids, readers > 0);
                p.produced[u][o] = Some(Produced::Buffers(ids));
                p.bindings.push(binding);
            }
        }
        let outputs_end = p.bindings.len() as u32;
        let slot = nodes.len() as u32;
        slot_of[u] = slot;
        p.steps.push(Step::Process { node: slot });
        for key in release_sources.drain(..) {
            p.done_reading(key);
        }
        for id in release.drain(..) {
            p.bufs.give(id);
        }
        for id in release_lists.drain(..) {
            p.lists.give(id);
        }
        let params = unit
            .desc
            .params
            .iter()
            .zip(&unit.values)
            .map(|(spec, value)| {
                ParamState::new(
                    spec.realtime_value(value),
                    spec.smoothing_of(),
                    sample_rate,
                    block_size,
                )
            })
            .collect();
        nodes.push(NodeSlot {
            id: unit.id.clone(),
            kind: unit.desc.kind,
            processor: processors[u]
                .take()
                .expect("every real-time unit was built above"),
            params,
            inputs: inputs_start..outputs_start,
            outputs: outputs_start..outputs_end,
            main_bus: unit.desc.kind == crate::node::MAIN_OUTPUT_KIND,
            lanes: 0..0,
            cost_ns: 0,
        });
    }
    for (l, held) in &feedback_copies {
        if let Some(Produced::Buffers(src)) = p
            .produced
            .get(l.from)
            .and_then(|o| o.get(l.out))
            .and_then(Option::as_ref)
        {
            for (s, h) in src.iter().zip(held) {
                p.steps.push(Step::Feedback { src: *s, dst: *h });
            }
        }
    }

    // Carry state over from the previous schedule for nodes that kept id, kind and rebuild key.
    let mut layout = Layout {
        generation,
        nodes: HashMap::new(),
    };
    let mut carry = Vec::new();
    for &u in order {
        let unit = &units[u];
        let rebuild_key: Vec<ParamValue> = unit
            .desc
            .params
            .iter()
            .zip(&unit.values)
            .filter(|(spec, _)| spec.rebuilds_node())
            .map(|(_, v)| v.clone())
            .collect();
        let entry = LayoutEntry {
            slot: slot_of[u],
            kind: unit.desc.kind.to_string(),
            rebuild_key,
        };
        if let Some(old) = compiler
            .previous
            .as_ref()
            .and_then(|l| l.nodes.get(&unit.id))
        {
            if old.kind == entry.kind && old.rebuild_key == entry.rebuild_key {
                carry.push((entry.slot, old.slot));
            }
        }
        layout.nodes.insert(unit.id.clone(), entry);
    }
    // Automation lanes of real-time nodes, in samples.
    let mut lanes = Vec::with_capacity(graph.automation().len());
    for lane in graph.automation() {
        let refuse = |reason: &str| {
            CompileError::Graph(GraphError::Automation(AutomationError {
                node: lane.node.clone(),
                param: lane.param.clone(),
                reason: reason.to_string(),
            }))
        };
        let entry = layout
            .nodes
            .get(&lane.node)
            .ok_or_else(|| refuse("only real-time nodes can be automated"))?;
        let param = order
            .iter()
            .map(|&u| &units[u])
            .find(|u| u.id == lane.node)
            .ok_or_else(|| refuse("only real-time nodes can be automated"))?
            .desc
            .handle(&lane.param)
            .map_err(|e| refuse(&e.to_string()))?;
        lanes.push(PlayedLane::new(entry.slot, param, lane, &graph.transport));
    }
    // Grouped by node, in the order they were added, for each node's step to play its own.
    lanes.sort_by_key(|l| l.slot);
    for (i, lane) in lanes.iter().enumerate() {
        if let Some(node) = nodes.get_mut(lane.slot as usize) {
            if node.lanes.is_empty() {
                node.lanes = i as u32..i as u32;
            }
            node.lanes.end = i as u32 + 1;
        }
    }
    let max_latency = order
        .iter()
        .map(|&u| arrival[u] + latency[u])
        .max()
        .unwrap_or(0);
    let buffers = p.bufs.next as usize;
    let schedule = Schedule {
        generation,
        carry,
        carry_from: compiler.previous.as_ref().map_or(0, |l| l.generation),
        block_size,
        profile: false,
        pool: vec![0.0; buffers * block_size],
        channel_ids: p.channel_ids,
        bindings: p.bindings,
        steps: p.steps,
        events: (0..p.lists.next)
            .map(|_| EventList::with_capacity(EVENTS_PER_LIST))
            .collect(),
        delays: p.delays,
        lanes,
        nodes,
    };
    let stats = CompileStats {
        realtime_nodes: order.len(),
        buffers,
        event_lists: p.lists.next as usize,
        steps: schedule.steps.len(),
        latency_delays: schedule.delays.len(),
        max_latency,
        ..CompileStats::default()
    };
    Ok((
        Compiled {
            schedule: Box::new(schedule),
            plan: InferencePlan::default(),
            stats,
        },
        layout,
    ))
}
