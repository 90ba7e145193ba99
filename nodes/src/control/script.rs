//! `control.script`: a Rhai function that runs at bar boundaries — on the control thread, never
//! the audio thread — and may change parameters and patterns (a new variation every 8 bars).
//! Its edits reach the audio thread as ordinary parameter events (at the bar's first sample) and
//! schedule swaps. The node itself does nothing on the audio thread; yano-scripting runs the
//! script (offline renders call it at exact bar lines, `yano play` just before them).

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

pub const KIND: &str = "control.script";

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "runs a Rhai function at bar boundaries on the control thread: live variations and automation",
        params: vec![
            ParamSpec::text(
                "file",
                "the script (relative to the preset's folder), e.g. \"variation.rhai\"",
                "",
            ),
            ParamSpec::text("function", "the function called: fn on_bar(bar, g)", "on_bar"),
            ParamSpec::integer(
                "every_bars",
                "call it on every Nth bar line (bar 1, 1 + N, …)",
                1,
                64,
                1,
                Unit::Bars,
            ),
        ],
        ports: PortLayout::Fixed(Vec::new()),
        build: Build::Realtime(build),
    }
}

fn build(_: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    Ok(Box::new(Idle))
}

/// The audio thread's side: nothing to do.
struct Idle;

impl Processor for Idle {
    fn process(&mut self, _ctx: &mut ProcessContext<'_>) {}
}
