//! A session: the control thread's handle on one running graph. It owns the document, compiles
//! it, ships schedules to the runtime, turns parameter edits into events, and pumps the inference
//! pool, offering finished clips to the players.

use std::sync::Arc;

use thiserror::Error;

use crate::compiler::{CompileError, CompileStats, Compiler};
use crate::graph::{ports_of, Graph, GraphError};
use crate::node::NodeError;
use crate::param::{ParamChange, ParamValue};
use crate::registry::Registry;
use crate::runtime::inference::{Evaluation, InferencePool, JobStatus};
use crate::runtime::realtime::{Command, Runtime, RuntimeHandle, SendError};
use crate::schedule::InferencePlan;

#[derive(Debug, Error)]
pub enum SessionError {
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error("inference node \"{node}\" failed: {error}")]
    Inference { node: String, error: NodeError },
}

/// The control thread's side of a running graph.
pub struct Session {
    graph: Graph,
    compiler: Compiler,
    handle: RuntimeHandle,
    pool: InferencePool,
    evaluation: Option<Evaluation>,
    stats: CompileStats,
}

impl Session {
    /// Compiles `graph` and returns the session with the runtime to move to the audio thread.
    pub fn start(
        graph: Graph,
        registry: Arc<Registry>,
        block_size: usize,
        inference_threads: usize,
    ) -> Result<(Session, Runtime), SessionError> {
        let mut compiler = Compiler::new(registry, block_size);
        let compiled = compiler.compile(&graph)?;
        let (runtime, handle) = Runtime::new(compiled.schedule, graph.transport);
        let mut session = Session {
            graph,
            compiler,
            handle,
            pool: InferencePool::new(inference_threads),
            evaluation: None,
            stats: compiled.stats,
        };
        session.evaluate(compiled.plan);
        Ok((session, runtime))
    }

    fn evaluate(&mut self, plan: InferencePlan) {
        if let Some(old) = self.evaluation.take() {
            old.cancel();
        }
        self.evaluation = Some(self.pool.start(Arc::new(plan), self.graph.transport));
    }

    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    pub fn registry(&self) -> &Arc<Registry> {
        self.compiler.registry()
    }

    pub fn stats(&self) -> &CompileStats {
        &self.stats
    }

    /// Replaces the document and ships its schedule; nodes that keep their id keep their state.
    pub fn replace_graph(&mut self, graph: Graph) -> Result<(), SessionError> {
        let compiled = self.compiler.compile(&graph)?;
        self.handle.ship(compiled.schedule)?;
        self.graph = graph;
        self.stats = compiled.stats;
        self.evaluate(compiled.plan);
        Ok(())
    }

    /// Edits the document with `edit`, then recompiles and ships. A failed edit or compile leaves
    /// the running graph as it was.
    pub fn edit(
        &mut self,
        edit: impl FnOnce(&mut Graph, &Registry) -> Result<(), GraphError>,
    ) -> Result<(), SessionError> {
        let mut next = self.graph.clone();
        let registry = self.compiler.registry().clone();
        edit(&mut next, &registry)?;
        self.replace_graph(next)
    }

    /// Sets a parameter. Numbers and choices glide on the audio thread at sample `at` (0 = now)
    /// without a recompile; text parameters rebuild the node.
    pub fn set_param(
        &mut self,
        node: &str,
        param: &str,
        value: ParamValue,
        at: u64,
    ) -> Result<(), SessionError> {
        let registry = self.compiler.registry().clone();
        let mut next = self.graph.clone();
        next.set_param(node, param, value.clone(), &registry)?;
        let descriptor = next.node(node).and_then(|n| registry.get(&n.kind));
        let spec = descriptor.and_then(|d| d.param(param)).cloned();
        let handle = descriptor.and_then(|d| d.handle(param).ok());
        // A parameter that shapes the ports (a mixer's input count) needs a new schedule.
        let reshapes = match (self.graph.node(node), next.node(node)) {
            (Some(before), Some(after)) => registry.get(&after.kind).is_some_and(
                |d| !matches!((ports_of(before, d), ports_of(after, d)), (Ok(a), Ok(b)) if a == b),
            ),
            _ => true,
        };
        let layout = self
            .compiler
            .layout()
            .and_then(|l| l.nodes.get(node).map(|e| (l.generation, e.clone())));
        match (spec, handle, layout) {
            (Some(spec), Some(handle), Some((generation, entry)))
                // The running node must be of this kind for the handle to fit its parameters.
                if !reshapes
                    && !spec.rebuilds_node()
                    && descriptor.is_some_and(|d| d.kind == entry.kind) =>
            {
                self.handle.send(Command::Param {
                    generation,
                    node: entry.slot,
                    param: handle,
                    at,
                    change: ParamChange::Set(spec.realtime_value(&value)),
                })?;
                self.graph = next;
                Ok(())
            }
            _ => self.replace_graph(next),
        }
    }

    /// Sends a transport command (play, stop, seek, tempo).
    pub fn command(&mut self, command: Command) -> Result<(), SessionError> {
        Ok(self.handle.send(command)?)
    }

    /// Non-blocking upkeep: drops retired schedules and clips, advances inference.
    pub fn poll(&mut self) {
        self.handle.collect();
        self.compiler.slots.collect();
        if let Some(ev) = self.evaluation.as_mut() {
            self.pool.pump(ev, false);
        }
    }

    /// Blocks until every inference value of the current graph is computed (or failed).
    pub fn wait_for_inference(&mut self) -> Result<(), SessionError> {
        if let Some(ev) = self.evaluation.as_mut() {
            self.pool.pump(ev, true);
            if let Some((node, error)) = ev.failure() {
                return Err(SessionError::Inference { node, error });
            }
        }
        Ok(())
    }

    /// Re-runs inference (e.g. after a capture finished); cached results are reused.
    pub fn reevaluate(&mut self) -> Result<(), SessionError> {
        let compiled = self.compiler.compile(&self.graph)?;
        self.handle.ship(compiled.schedule)?;
        self.evaluate(compiled.plan);
        Ok(())
    }

    /// Each inference node's state.
    pub fn inference_status(&self) -> Vec<(String, JobStatus)> {
        self.evaluation
            .as_ref()
            .map(Evaluation::statuses)
            .unwrap_or_default()
    }

    pub fn evaluation(&self) -> Option<&Evaluation> {
        self.evaluation.as_ref()
    }

    /// Blocks that players had nothing to play, summed over all players.
    pub fn clip_misses(&self) -> u64 {
        self.compiler.slots.misses()
    }

    /// The numbers a node publishes (meters …), if it publishes any.
    pub fn readouts(&self, node: &str) -> Option<crate::readout::Readouts> {
        self.compiler.readouts.get(node)
    }

    /// The notes a note-logging node heard since the last call.
    pub fn logged_notes(&self, node: &str) -> Vec<crate::readout::LoggedNote> {
        self.compiler.readouts.drain_notes(node)
    }

    /// The recording of a capture bridge so far.
    pub fn captured(&self, bridge_id: &str) -> Option<crate::clip::AudioClip> {
        self.compiler
            .slots
            .captures
            .get(bridge_id)
            .map(|c| c.snapshot())
    }

    pub fn position(&self) -> u64 {
        self.handle.position()
    }
}
