//! yano-engine: the dataflow engine under every yano app.
//!
//! It owns the graph document, typed ports and parameters, the node registry, the compiler that
//! splits a graph into a real-time schedule and an inference plan, both runtimes, the transport,
//! RON presets, offline render to WAV, standard MIDI files and (feature `playback`) sound-card
//! output.
//!
//! It must never know a concrete instrument or effect (those live in yano-nodes and yano-models),
//! and nothing reachable from [`Processor::process`] may allocate, lock, block, do I/O or panic.

pub mod alloc_guard;
pub mod automation;
pub mod bridge;
pub mod clip;
pub mod compiler;
pub mod event;
pub mod graph;
pub mod latency;
pub mod loudness;
pub mod node;
pub mod param;
#[cfg(feature = "playback")]
pub mod playback;
pub mod port;
pub mod preset;
pub mod priority;
pub mod process;
pub mod readout;
pub mod registry;
pub mod render;
pub mod runtime;
pub mod save;
pub mod schedule;
pub mod session;
pub mod smf;
pub mod syllable;
pub mod transport;

pub use clip::{AudioClip, ClipValue, Note, NoteClip};
pub use compiler::{CompileError, Compiler};
pub use event::{spans, EventList, NoteEvent, NoteKind};
pub use graph::{Graph, GraphError, NodeSpec};
pub use node::{
    audio_input, Build, InferenceNode, JobContext, NodeConfig, NodeDescriptor, NodeError,
    PortLayout, Processor, MAIN_OUTPUT_KIND,
};
pub use param::{ParamError, ParamHandle, ParamSpec, ParamValue, Unit};
pub use port::{PortSpec, PortType};
pub use process::ProcessContext;
pub use registry::Registry;
pub use runtime::realtime::{Command, Runtime};
pub use session::Session;
pub use syllable::Syllable;
pub use transport::Transport;
