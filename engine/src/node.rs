//! What a node kind is: its descriptor (ports, parameters, class, constructor), and the two traits
//! its instances implement: [`Processor`] for the real-time partition, [`InferenceNode`] for the
//! inference partition. The descriptor is plain data for the control thread; the processor is the
//! audio thread's object. They are different types on purpose.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use thiserror::Error;

use crate::clip::ClipValue;
use crate::param::{self, ParamError, ParamHandle, ParamKind, ParamSpec, ParamValue};
use crate::port::{PortDirection, PortSpec};
use crate::process::ProcessContext;
use crate::readout::{ReadoutBoard, Readouts};
use crate::transport::Transport;

/// The kind of the graph's main output: what a render writes and the sound card plays. A graph
/// has at most one (the compiler refuses a second); the node itself lives in the nodes crate.
pub const MAIN_OUTPUT_KIND: &str = "io.output";

/// Which partition a node kind runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeClass {
    /// Runs block by block on the audio thread (or the offline render loop).
    Realtime,
    /// Runs whole values on worker threads; may allocate, block and take seconds.
    Inference,
}

/// A node failed to build or to run; the message says why.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{0}")]
pub struct NodeError(pub String);

impl NodeError {
    pub fn new(message: impl Into<String>) -> Self {
        NodeError(message.into())
    }
}

impl From<ParamError> for NodeError {
    fn from(e: ParamError) -> Self {
        NodeError(e.to_string())
    }
}

/// Worker thread: the audio clip on an inference node's input `port` (named `name` in the
/// error), or an error saying none arrived.
pub fn audio_input<'a>(
    inputs: &'a [Option<ClipValue>],
    port: usize,
    name: &str,
) -> Result<&'a crate::clip::AudioClip, NodeError> {
    inputs
        .get(port)
        .and_then(Option::as_ref)
        .and_then(ClipValue::as_audio)
        .ok_or_else(|| NodeError::new(format!("no audio clip on the \"{name}\" input")))
}

/// Reads a node's parameter values by id, falling back to the spec's default. Control thread
/// only. An id the kind does not have, or a number read as text, is a [`ParamError`] naming the
/// kind and the id: never a silent zero.
#[derive(Debug, Clone, Copy)]
pub struct ParamReader<'a> {
    /// The node kind, for errors.
    pub kind: &'a str,
    pub specs: &'a [ParamSpec],
    /// One value per spec, in spec order.
    pub values: &'a [ParamValue],
}

impl<'a> ParamReader<'a> {
    fn find(&self, id: &str) -> Result<(&'a ParamSpec, ParamValue), ParamError> {
        let (i, spec) = param::find(self.kind, self.specs, id)?;
        let value = self
            .values
            .get(i)
            .cloned()
            .unwrap_or_else(|| spec.default_value());
        Ok((spec, value))
    }

    fn wrong(&self, spec: &ParamSpec, wanted: &'static str) -> ParamError {
        ParamError::WrongKind {
            kind: self.kind.to_string(),
            param: spec.id.to_string(),
            wanted,
            found: spec.kind.name(),
        }
    }

    /// A number parameter's value (the default when unset).
    pub fn number(&self, id: &str) -> Result<f64, ParamError> {
        match self.find(id)? {
            (
                ParamSpec {
                    kind: ParamKind::Number { .. },
                    ..
                },
                ParamValue::Number(v),
            ) => Ok(v),
            (spec, _) => Err(self.wrong(spec, "a number")),
        }
    }

    /// A text parameter's value (the default when unset).
    pub fn text(&self, id: &str) -> Result<String, ParamError> {
        match self.find(id)? {
            (
                ParamSpec {
                    kind: ParamKind::Text { .. },
                    ..
                },
                ParamValue::Text(t),
            ) => Ok(t),
            (spec, _) => Err(self.wrong(spec, "text")),
        }
    }

    /// A choice parameter's index.
    pub fn choice(&self, id: &str) -> Result<usize, ParamError> {
        match self.find(id)? {
            (
                spec @ ParamSpec {
                    kind: ParamKind::Choice { .. },
                    ..
                },
                value,
            ) => Ok(spec.realtime_value(&value) as usize),
            (spec, _) => Err(self.wrong(spec, "a choice")),
        }
    }

    /// The handle the audio thread reads number or choice `id` by.
    pub fn handle(&self, id: &str) -> Result<ParamHandle, ParamError> {
        param::resolve(self.kind, self.specs, id)
    }
}

/// Everything a constructor may read. Control thread only.
#[derive(Debug, Clone, Copy)]
pub struct NodeConfig<'a> {
    pub id: &'a str,
    pub params: ParamReader<'a>,
    pub sample_rate: u32,
    pub block_size: usize,
    pub transport: Transport,
    /// Folder that relative paths in text parameters are resolved against (the preset's folder).
    pub base_dir: Option<&'a Path>,
    /// Where the session keeps published readouts (meters); `None` outside a session.
    pub readouts: Option<&'a ReadoutBoard>,
}

impl NodeConfig<'_> {
    /// The handle of number or choice parameter `id`, which the processor keeps and reads on the
    /// audio thread with [`ProcessContext::param`]. An id this kind does not have (or a text
    /// parameter) is an error naming the kind and the id, so the node fails to build.
    pub fn param(&self, id: &str) -> Result<ParamHandle, NodeError> {
        Ok(self.params.handle(id)?)
    }

    /// A note log this node writes into from the audio thread, read by the session
    /// ([`crate::Session::logged_notes`]); `None` outside a session.
    pub fn note_log(&self, capacity: usize) -> Option<crate::readout::NoteLogWriter> {
        self.readouts.map(|board| board.note_log(self.id, capacity))
    }

    /// The readouts this node publishes (meters, gain reduction …), kept by the session under the
    /// node's id so the editor can read them and they survive recompiles.
    pub fn readouts(&self, names: &'static [&'static str]) -> Readouts {
        match self.readouts {
            Some(board) => board.for_node(self.id, names),
            None => Readouts::new(names),
        }
    }

    /// Resolves a path parameter against the preset's folder.
    pub fn path(&self, id: &str) -> Result<PathBuf, ParamError> {
        let p = PathBuf::from(self.params.text(id)?);
        Ok(match self.base_dir {
            Some(base) if p.is_relative() => base.join(p),
            _ => p,
        })
    }
}

/// How a kind's ports are laid out.
#[derive(Clone)]
pub enum PortLayout {
    Fixed(Vec<PortSpec>),
    /// Ports that depend on parameters (a mixer's input count, a gain's channel count).
    FromParams(fn(&ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError>),
}

/// How instances are made.
#[derive(Clone, Copy)]
pub enum Build {
    Realtime(fn(&NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError>),
    Inference(fn(&NodeConfig<'_>) -> Result<Box<dyn InferenceNode>, NodeError>),
    /// A bridge between the partitions; built by the engine itself (the bridge module).
    Bridge(BridgeKind),
}

/// The three bridges between the partitions. Named here, below the bridges themselves, because a
/// descriptor's [`Build`] names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BridgeKind {
    ClipPlayer,
    NotePlayer,
    Capture,
}

/// A node kind: name, ports, parameters, class and constructor.
#[derive(Clone)]
pub struct NodeDescriptor {
    /// Stable name used in presets: "family.name", e.g. "source.oscillator".
    pub kind: &'static str,
    pub description: &'static str,
    pub params: Vec<ParamSpec>,
    pub ports: PortLayout,
    pub build: Build,
}

impl NodeDescriptor {
    pub fn class(&self) -> NodeClass {
        match self.build {
            Build::Inference(_) => NodeClass::Inference,
            Build::Realtime(_) | Build::Bridge(_) => NodeClass::Realtime,
        }
    }

    pub fn param(&self, id: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.id == id)
    }

    /// Control thread: the handle of number or choice `id` (for parameter events and automation).
    pub fn handle(&self, id: &str) -> Result<ParamHandle, ParamError> {
        param::resolve(self.kind, &self.params, id)
    }

    /// Reads `values` (one per spec, in spec order) by id.
    pub fn reader<'a>(&'a self, values: &'a [ParamValue]) -> ParamReader<'a> {
        ParamReader {
            kind: self.kind,
            specs: &self.params,
            values,
        }
    }

    /// The ports of an instance with these parameter values; an error when the kind's layout
    /// asks for a parameter it does not have.
    pub fn ports_for(&self, params: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
        match &self.ports {
            PortLayout::Fixed(ports) => Ok(ports.clone()),
            PortLayout::FromParams(f) => f(params),
        }
    }

    /// The ports of an instance with default parameters (for listings).
    pub fn default_ports(&self) -> Result<Vec<PortSpec>, ParamError> {
        let values: Vec<ParamValue> = self.params.iter().map(ParamSpec::default_value).collect();
        self.ports_for(&self.reader(&values))
    }
}

/// Splits a port list into (inputs, outputs), keeping order.
pub fn split_ports(ports: &[PortSpec]) -> (Vec<&PortSpec>, Vec<&PortSpec>) {
    ports
        .iter()
        .partition(|p| p.direction == PortDirection::Input)
}

/// A real-time node instance.
pub trait Processor: Send {
    /// Audio thread, once per block. Reads inputs and parameters from `ctx`, writes every output
    /// frame. Must not allocate, lock, block, do I/O or panic.
    fn process(&mut self, ctx: &mut ProcessContext<'_>);

    /// Control thread, right after construction: how many samples this node delays its input
    /// (look-ahead, FFT blocks). The compiler delays parallel paths to match.
    fn latency(&self) -> u32 {
        0
    }

    /// Audio thread: the transport jumped (stop, seek, loop); silence voices and tails.
    /// Must not allocate.
    fn reset(&mut self) {}
}

/// Progress and cancellation for one inference job.
#[derive(Debug, Clone, Default)]
pub struct JobControl {
    progress: Arc<AtomicU32>,
    cancel: Arc<AtomicBool>,
}

impl JobControl {
    /// Worker thread: reports progress as a fraction 0..=1.
    pub fn set_progress(&self, fraction: f32) {
        let permille = (fraction.clamp(0.0, 1.0) * 1000.0) as u32;
        self.progress.store(permille, Ordering::Relaxed);
    }

    pub fn progress(&self) -> f32 {
        self.progress.load(Ordering::Relaxed) as f32 / 1000.0
    }

    /// Any thread: asks the job to stop.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Worker thread: whether the job should stop now.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// What an inference job may read besides its inputs.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub sample_rate: u32,
    pub transport: Transport,
    pub control: JobControl,
}

/// An inference node instance.
pub trait InferenceNode: Send + Sync {
    /// Control thread, before each evaluation: extra material for the cache key beyond kind,
    /// parameters and inputs, such as the size and modification time of a file the node reads.
    fn cache_salt(&self) -> Result<u64, NodeError> {
        Ok(0)
    }

    /// Worker thread: computes one value per output port (in port order) from one optional value
    /// per input port. May allocate, block, read files and take seconds; should report progress
    /// and stop early when cancelled.
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        job: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::Unit;

    // "test.knobs" only names the kind in messages: no node kind is registered or built here
    // (and the test kit's kinds cannot serve the engine's own unit tests).
    fn specs() -> Vec<ParamSpec> {
        vec![
            ParamSpec::number("gain_db", "level", -96.0, 12.0, -6.0, Unit::Decibels),
            ParamSpec::choice("mode", "", &["soft", "hard"], 1),
            ParamSpec::text("file", "", "kick.wav"),
        ]
    }

    #[test]
    fn the_reader_finds_values_by_id_and_names_what_is_missing() {
        let specs = specs();
        let values = [ParamValue::Number(-12.0)];
        let p = ParamReader {
            kind: "test.knobs",
            specs: &specs,
            values: &values,
        };
        assert_eq!(p.number("gain_db"), Ok(-12.0));
        assert_eq!(p.choice("mode"), Ok(1), "unset: the default");
        assert_eq!(p.text("file").as_deref(), Ok("kick.wav"));
        let unknown = p.number("gain").unwrap_err();
        assert_eq!(unknown.to_string(), "test.knobs has no parameter \"gain\"");
        let wrong = p.text("gain_db").unwrap_err();
        assert_eq!(
            wrong.to_string(),
            "parameter \"gain_db\" of test.knobs is a number, not text"
        );
        assert!(p.number("mode").is_err() && p.choice("file").is_err());
    }

    #[test]
    fn handles_follow_ids_whatever_the_order() {
        let specs = specs();
        let mut reversed = specs.clone();
        reversed.reverse();
        let gain = param::resolve("test.knobs", &specs, "gain_db").unwrap();
        let moved = param::resolve("test.knobs", &reversed, "gain_db").unwrap();
        assert_eq!((gain.index(), moved.index()), (0, 2));
        assert!(matches!(
            param::resolve("test.knobs", &specs, "file"),
            Err(ParamError::WrongKind { .. })
        ));
        assert!(matches!(
            param::resolve("test.knobs", &specs, "level"),
            Err(ParamError::Unknown { .. })
        ));
    }
}
