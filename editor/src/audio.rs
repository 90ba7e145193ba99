//! The editor's link to the engine: one running session of the open document, its sound-card
//! stream (feature `playback`), and the transport commands. Every document edit reaches the
//! engine here, either as a parameter glide or as a recompiled schedule.
//!
//! Runs on the UI thread only; the runtime it starts lives in the device callback.

use std::sync::Arc;

use yano_engine::param::ParamValue;
use yano_engine::readout::Readouts;
use yano_engine::runtime::inference::JobStatus;
use yano_engine::session::SessionError;
use yano_engine::{Command, Graph, Registry, Runtime, Session, Transport};

use crate::document::Edit;
use yano_scripting::live::LiveScripts;

/// Frames per block while editing: 256 at 48 kHz is 5.3 ms.
pub const BLOCK: usize = 256;

/// Where the sound goes.
pub enum Output {
    /// A sound card.
    #[cfg(feature = "playback")]
    Device {
        stream: yano_engine::playback::Stream,
        name: String,
    },
    /// Nowhere: the runtime waits here, and `reason` says why there is no sound. Tests pull
    /// blocks from it by hand.
    Silent { runtime: Runtime, reason: String },
}

/// The running engine of the open document.
pub struct Engine {
    session: Session,
    output: Output,
    sample_rate: u32,
    playing: bool,
    loop_bars: Option<(u32, u32)>,
    /// The graph's live scripts (`control.script` nodes), run just before their bar lines.
    live: Option<LiveScripts>,
    /// Why the live scripts did not load or stopped, if they did.
    pub live_error: Option<String>,
    next_bar: u64,
}

/// How far ahead of a bar line its live scripts run (the UI ticks every 33 ms while playing).
const LIVE_LEAD_SECONDS: f64 = 0.25;

impl Engine {
    /// Compiles `graph` and opens the sound card (when `use_device` and the `playback` feature
    /// allow), starting stopped at bar 1. Without a device the engine still runs, silent, and
    /// says why.
    pub fn start(
        graph: &Graph,
        registry: Arc<Registry>,
        use_device: bool,
    ) -> Result<Engine, SessionError> {
        let reason = if use_device {
            match Engine::with_device(graph, registry.clone())? {
                Ok(engine) => return Ok(engine),
                Err(reason) => reason,
            }
        } else {
            "sound is off (--no-sound)".to_string()
        };
        let rate = graph.transport.sample_rate;
        let (session, runtime) = start_session(graph, registry, rate)?;
        Ok(Engine::new(
            session,
            Output::Silent { runtime, reason },
            rate,
        ))
    }

    /// The engine on the default sound card, or why there is none.
    #[cfg(feature = "playback")]
    fn with_device(
        graph: &Graph,
        registry: Arc<Registry>,
    ) -> Result<Result<Engine, String>, SessionError> {
        use yano_engine::playback::OutputDevice;
        let device = match OutputDevice::open(None, graph.transport.sample_rate, None) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let rate = device.sample_rate();
        let (session, runtime) = start_session(graph, registry, rate)?;
        Ok(match device.start(runtime) {
            Ok(stream) => Ok(Engine::new(
                session,
                Output::Device {
                    stream,
                    name: device.name().to_string(),
                },
                rate,
            )),
            Err(e) => Err(format!("{}: {e}", device.name())),
        })
    }

    #[cfg(not(feature = "playback"))]
    fn with_device(
        _graph: &Graph,
        _registry: Arc<Registry>,
    ) -> Result<Result<Engine, String>, SessionError> {
        Ok(Err(
            "this build has no sound card output: build with --features editor,playback".into(),
        ))
    }

    fn new(session: Session, output: Output, sample_rate: u32) -> Engine {
        let mut engine = Engine {
            session,
            output,
            sample_rate,
            playing: false,
            loop_bars: None,
            live: None,
            live_error: None,
            next_bar: 0,
        };
        let graph = engine.session.graph().clone();
        engine.load_live(&graph);
        engine
    }

    /// (Re)loads the live scripts of `graph` (at the device's sample rate).
    fn load_live(&mut self, graph: &Graph) {
        match LiveScripts::load(graph, self.session.registry().clone()) {
            Ok(live) => {
                self.live = live;
                self.live_error = None;
            }
            Err(e) => {
                self.live = None;
                self.live_error = Some(e.to_string());
            }
        }
    }

    /// Control thread, every tick: runs the live scripts due before the next bar line. A script
    /// that fails is stopped and its error kept in `live_error`.
    pub fn run_live(&mut self) {
        if !self.playing {
            return;
        }
        let Some(live) = self.live.as_mut() else {
            return;
        };
        let per_bar = self.session.graph().transport.samples_per_bar();
        let position = self.session.position() as f64;
        let lead = LIVE_LEAD_SECONDS * f64::from(self.sample_rate);
        // After a loop's jump back, carry on from the bar at the playhead.
        if (self.next_bar as f64 - 1.0) * per_bar > position + lead {
            self.next_bar = (position / per_bar).ceil() as u64;
        }
        while self.next_bar as f64 * per_bar <= position + lead {
            let at = (self.next_bar as f64 * per_bar).round() as u64;
            if let Err(e) = live.at_bar(&mut self.session, self.next_bar, at) {
                self.live_error = Some(e.to_string());
                self.live = None;
                return;
            }
            self.next_bar += 1;
        }
    }

    /// Brings the engine up to date after `edit` was applied to the document `graph`.
    pub fn follow(&mut self, graph: &Graph, edit: &Edit) -> Result<(), SessionError> {
        match edit {
            // A parameter that took wires with it (fewer mixer channels) needs the whole graph.
            Edit::SetParam { node, param, value }
                if self.session.graph().edge_count() == graph.edge_count() =>
            {
                let value = match value {
                    Some(v) => v.clone(),
                    None => default_of(graph, self.session.registry(), node, param)?,
                };
                self.session.set_param(node, param, value, 0)
            }
            Edit::Move(_) => Ok(()),
            Edit::SetTransport(t) => {
                self.replace(graph)?;
                self.session.command(Command::Transport(*t))?;
                self.send_loop()
            }
            _ => self.replace(graph),
        }
    }

    /// Sends the whole document as a new schedule (nodes that keep their id keep their state).
    pub fn replace(&mut self, graph: &Graph) -> Result<(), SessionError> {
        let mut graph = graph.clone();
        graph.transport.sample_rate = self.sample_rate;
        self.session.replace_graph(graph.clone())?;
        self.load_live(&graph);
        Ok(())
    }

    pub fn play(&mut self) -> Result<(), SessionError> {
        self.playing = true;
        self.session.command(Command::Play)
    }

    /// Stops and returns to the start of the loop (or bar 1).
    pub fn stop(&mut self) -> Result<(), SessionError> {
        self.playing = false;
        self.session.command(Command::Stop)?;
        let start = self.loop_bars.map_or(0, |(a, _)| self.bar_sample(a));
        self.next_bar = u64::from(self.loop_bars.map_or(1, |(a, _)| a).saturating_sub(1));
        self.session.command(Command::Seek(start))
    }

    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Loops bars `first..=last` (counted from 1), or stops looping.
    pub fn set_loop(&mut self, bars: Option<(u32, u32)>) -> Result<(), SessionError> {
        self.loop_bars = bars;
        self.send_loop()
    }

    pub fn loop_bars(&self) -> Option<(u32, u32)> {
        self.loop_bars
    }

    fn bar_sample(&self, bar: u32) -> u64 {
        let t = self.transport();
        t.bars_to_samples(f64::from(bar.saturating_sub(1))).round() as u64
    }

    fn send_loop(&mut self) -> Result<(), SessionError> {
        let range = self
            .loop_bars
            .map(|(a, b)| (self.bar_sample(a), self.bar_sample(b + 1)));
        self.session.command(Command::Loop(range))
    }

    /// The graph the engine is playing: the document, plus what live scripts changed.
    pub fn running_graph(&self) -> &Graph {
        self.session.graph()
    }

    pub fn transport(&self) -> Transport {
        self.session.graph().transport
    }

    /// The playhead in samples.
    pub fn position(&self) -> u64 {
        self.session.position()
    }

    /// The playhead in bars, counted from 1 (1.5 is half way through bar 1).
    pub fn position_bars(&self) -> f64 {
        let t = self.transport();
        1.0 + self.position() as f64 / t.samples_per_bar()
    }

    /// "bar:beat" as musicians count, from 1:1.
    pub fn position_text(&self) -> String {
        let t = self.transport();
        let beats = self.position() as f64 / t.samples_per_beat();
        let bar = (beats / 4.0).floor() as u64 + 1;
        let beat = (beats % 4.0).floor() as u64 + 1;
        format!("{bar}:{beat}")
    }

    /// Upkeep, about 30 times a second: inference progress, retired schedules.
    pub fn poll(&mut self) {
        self.session.poll();
    }

    pub fn statuses(&self) -> Vec<(String, JobStatus)> {
        self.session.inference_status()
    }

    pub fn readouts(&self, node: &str) -> Option<Readouts> {
        self.session.readouts(node)
    }

    /// The analyses an inference node has computed (one per Analysis output), for the inspector.
    pub fn analyses(&self, node: &str) -> Vec<Arc<yano_engine::clip::Analysis>> {
        self.session
            .evaluation()
            .and_then(|ev| ev.outputs(node))
            .map(|values| {
                values
                    .iter()
                    .filter_map(|v| match v {
                        yano_engine::clip::ClipValue::Analysis(a) => Some(a.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn clip_misses(&self) -> u64 {
        self.session.clip_misses()
    }

    /// Where the sound goes, for the transport bar: a device name, or why there is no sound.
    pub fn output_text(&self) -> String {
        match &self.output {
            #[cfg(feature = "playback")]
            Output::Device { name, .. } => format!("♪ {name} · {} Hz", self.sample_rate),
            Output::Silent { reason, .. } => format!("no sound: {reason}"),
        }
    }

    pub fn has_sound(&self) -> bool {
        !matches!(self.output, Output::Silent { .. })
    }

    /// The runtime, when no device took it (tests drive it block by block).
    pub fn detached_runtime(&mut self) -> Option<&mut Runtime> {
        match &mut self.output {
            Output::Silent { runtime, .. } => Some(runtime),
            #[cfg(feature = "playback")]
            Output::Device { .. } => None,
        }
    }
}

fn default_of(
    graph: &Graph,
    registry: &Registry,
    node: &str,
    param: &str,
) -> Result<ParamValue, SessionError> {
    let spec = graph
        .node(node)
        .ok_or_else(|| yano_engine::GraphError::NoSuchNode(node.to_string()))?;
    let descriptor = yano_engine::graph::descriptor_of(spec, registry)?;
    descriptor
        .param(param)
        .map(|p| p.default_value())
        .ok_or_else(|| {
            SessionError::Graph(yano_engine::GraphError::NoSuchNode(format!(
                "{node}.{param}"
            )))
        })
}

/// Starts a session of `graph` at the device's sample rate, stopped.
fn start_session(
    graph: &Graph,
    registry: Arc<Registry>,
    sample_rate: u32,
) -> Result<(Session, Runtime), SessionError> {
    let mut graph = graph.clone();
    graph.transport.sample_rate = sample_rate;
    let (mut session, runtime) = Session::start(graph, registry, BLOCK, 2)?;
    session.command(Command::Stop)?;
    Ok((session, runtime))
}
