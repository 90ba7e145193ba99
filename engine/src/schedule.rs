//! What the compiler hands the runtimes: the real-time [`Schedule`], the audio thread's whole
//! world for one version of the graph (everything it needs is allocated here, on the control
//! thread, before it is shipped), and the [`InferencePlan`] the worker pool evaluates. Both the
//! compiler (which writes them) and the runtimes (which run them) use this module; it uses
//! neither.

use std::ops::Range;
use std::sync::Arc;

use crate::automation::PlayedLane;
use crate::bridge::{CaptureBuffer, ClipSlot};
use crate::event::EventList;
use crate::node::{InferenceNode, Processor};
use crate::param::ParamState;
use crate::port::PortType;
use crate::process::PortBinding;

/// One instruction of the block loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Run node `node`'s processor.
    Process { node: u32 },
    /// dst (=|+=) src · gain: fan-in sums, up/down-mixes.
    Mix {
        src: u32,
        dst: u32,
        gain: f32,
        accumulate: bool,
    },
    /// dst (=|+=) src delayed through delay line `line`: latency alignment.
    Delay {
        line: u32,
        src: u32,
        dst: u32,
        gain: f32,
        accumulate: bool,
    },
    /// Event list dst (=|+=) event list src, then sorted when `sort`.
    Events {
        src: u32,
        dst: u32,
        accumulate: bool,
        sort: bool,
    },
    /// End of block: keep src for a feedback input to read next block.
    Feedback { src: u32, dst: u32 },
}

/// A fixed delay of a few samples, for aligning parallel paths.
#[derive(Debug, Clone)]
pub struct DelayLine {
    ring: Box<[f32]>,
    pos: usize,
}

impl DelayLine {
    pub fn new(samples: usize) -> Self {
        DelayLine {
            ring: vec![0.0; samples.max(1)].into_boxed_slice(),
            pos: 0,
        }
    }

    #[inline]
    pub(crate) fn tick(&mut self, x: f32) -> f32 {
        let y = self.ring[self.pos];
        self.ring[self.pos] = x;
        self.pos += 1;
        if self.pos == self.ring.len() {
            self.pos = 0;
        }
        y
    }
}

/// One node instance in a schedule.
pub struct NodeSlot {
    pub id: String,
    pub kind: &'static str,
    pub processor: Box<dyn Processor>,
    pub params: Vec<ParamState>,
    pub inputs: Range<u32>,
    pub outputs: Range<u32>,
    /// Whether the node is a main output, the only kind whose `main_out` is the main bus (others
    /// get a scratch pair): the bus is shared, so the crew orders the steps that write it.
    pub main_bus: bool,
    /// This node's automation lanes in the schedule's `lanes`, played by its step.
    pub lanes: Range<u32>,
    /// Nanoseconds this node's steps have taken while the runtime profiles (offline renders
    /// that ask for it, [`crate::render::RenderOptions::profile`]); 0 otherwise.
    pub cost_ns: u64,
}

/// What one node's steps cost over an offline render ([`crate::render::RenderOptions::profile`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeCost {
    pub id: String,
    pub kind: &'static str,
    /// Time in its steps (parameters, automation and processing), summed over every thread.
    pub time: std::time::Duration,
}

/// Everything the audio thread runs for one version of the graph.
pub struct Schedule {
    pub(crate) generation: u64,
    /// Pairs (slot here, slot in the schedule of generation `carry_from`) whose state carries over.
    pub(crate) carry: Vec<(u32, u32)>,
    pub(crate) carry_from: u64,
    pub(crate) block_size: usize,
    /// Whether each node's step is timed into [`NodeSlot::cost_ns`] (never on the live audio
    /// thread: the runtime turns it on for offline renders that ask).
    pub(crate) profile: bool,
    pub(crate) pool: Vec<f32>,
    pub(crate) channel_ids: Vec<u32>,
    pub(crate) bindings: Vec<PortBinding>,
    pub(crate) nodes: Vec<NodeSlot>,
    pub(crate) steps: Vec<Step>,
    pub(crate) events: Vec<EventList>,
    pub(crate) delays: Vec<DelayLine>,
    /// Automation lanes, grouped by node (each node's step plays its own before it runs).
    pub(crate) lanes: Vec<PlayedLane>,
}

impl Schedule {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Block buffers in the pool, including the silent and scratch ones.
    pub fn buffer_count(&self) -> usize {
        self.pool.len() / self.block_size.max(1)
    }

    pub fn event_list_count(&self) -> usize {
        self.events.len()
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn node_ids(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.id.as_str())
    }

    pub fn block_size(&self) -> usize {
        self.block_size
    }

    pub fn delay_line_count(&self) -> usize {
        self.delays.len()
    }
}

/// One inference job of the plan.
pub struct PlannedJob {
    pub id: String,
    pub kind: &'static str,
    pub node: Arc<dyn InferenceNode>,
    /// Hash of kind and parameter values.
    pub param_key: u64,
    pub inputs: Vec<Option<JobInput>>,
    pub outputs: Vec<PortType>,
}

/// Where an inference input comes from.
#[derive(Clone)]
pub enum JobInput {
    Job { job: usize, output: usize },
    Capture(Arc<CaptureBuffer>),
}

/// An inference output that a player on the audio thread plays.
#[derive(Clone)]
pub struct Feed {
    pub job: usize,
    pub output: usize,
    pub bridge: String,
    pub slot: Arc<ClipSlot>,
}

/// The inference partition, in dependency order.
#[derive(Default)]
pub struct InferencePlan {
    pub jobs: Vec<PlannedJob>,
    pub feeds: Vec<Feed>,
}
