//! Sound-card output through cpal (feature `playback`). The real-time runtime moves into the
//! device callback; this thread keeps the session, pumps inference and drops retired schedules.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use thiserror::Error;

use crate::graph::Graph;
use crate::latency::{live_block, Latency, LatencyProbe};
use crate::registry::Registry;
use crate::runtime::realtime::Runtime;
use crate::session::{Session, SessionError};

#[derive(Debug, Error)]
pub enum PlaybackError {
    #[error("no audio output device found")]
    NoDevice,
    #[error("no output device named \"{0}\" (available: {1})")]
    UnknownDevice(String, String),
    #[error("the output device refused the stream: {0}")]
    Stream(String),
    #[error("the output device takes buffers of {min} to {max} frames, not {asked}")]
    BufferSize { asked: u32, min: u32, max: u32 },
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// What a playback session did.
#[derive(Debug, Clone)]
pub struct PlaybackReport {
    pub device: String,
    pub sample_rate: u32,
    pub channels: u16,
    pub seconds_played: f64,
    pub clip_misses: u64,
    /// The chain's output latency as measured while it played.
    pub latency: Latency,
}

fn pick_device(host: &cpal::Host, name: Option<&str>) -> Result<cpal::Device, PlaybackError> {
    let Some(name) = name else {
        return host.default_output_device().ok_or(PlaybackError::NoDevice);
    };
    let devices: Vec<cpal::Device> = host
        .output_devices()
        .map_err(|e| PlaybackError::Stream(e.to_string()))?
        .collect();
    // Match the device id ("alsa:null", or just "null") or its description.
    let ids: Vec<String> = devices
        .iter()
        .map(|d| d.id().map(|i| i.to_string()).unwrap_or_default())
        .collect();
    let names: Vec<String> = devices.iter().map(|d| d.to_string()).collect();
    let wanted =
        |i: usize| ids[i] == name || ids[i].rsplit(':').next() == Some(name) || names[i] == name;
    let found = (0..devices.len())
        .find(|&i| wanted(i))
        .or_else(|| (0..devices.len()).find(|&i| names[i].contains(name)));
    let listing: Vec<String> = ids
        .iter()
        .zip(&names)
        .map(|(i, n)| format!("{i} ({n})"))
        .collect();
    found
        .and_then(|i| devices.into_iter().nth(i))
        .ok_or_else(|| PlaybackError::UnknownDevice(name.to_string(), listing.join(", ")))
}

/// The device's own configuration, or stereo at the preset's rate where the device will not say
/// (ALSA's `null` device, used on machines without a sound card); with a buffer of `buffer`
/// frames when asked, if the device takes it.
fn pick_config(
    device: &cpal::Device,
    preferred_rate: u32,
    buffer: Option<u32>,
) -> Result<cpal::StreamConfig, PlaybackError> {
    let (mut config, range) = match device.default_output_config() {
        Ok(c) => (c.config(), Some(*c.buffer_size())),
        Err(_) => (
            cpal::StreamConfig {
                channels: 2,
                sample_rate: preferred_rate,
                buffer_size: cpal::BufferSize::Default,
            },
            None,
        ),
    };
    if let Some(asked) = buffer {
        if let Some(cpal::SupportedBufferSize::Range { min, max }) = range {
            if asked < min || asked > max {
                return Err(PlaybackError::BufferSize { asked, min, max });
            }
        }
        config.buffer_size = cpal::BufferSize::Fixed(asked);
    }
    Ok(config)
}

/// A running output stream; sound stops when it is dropped. While it runs, the process's
/// background workers take the idle scheduling class ([`crate::priority`]).
pub struct Stream {
    _stream: cpal::Stream,
    _live: crate::priority::LiveAudio,
}

/// An output device, opened, with the configuration yano will drive it with.
pub struct OutputDevice {
    device: cpal::Device,
    config: cpal::StreamConfig,
    name: String,
    buffer: Option<u32>,
    probe: Arc<LatencyProbe>,
}

impl OutputDevice {
    /// Opens the device called `name` (the system default when `None`), with a buffer of
    /// `buffer` frames (the device's default when `None`).
    pub fn open(
        name: Option<&str>,
        preferred_rate: u32,
        buffer: Option<u32>,
    ) -> Result<OutputDevice, PlaybackError> {
        let host = cpal::default_host();
        let device = pick_device(&host, name)?;
        let config = pick_config(&device, preferred_rate, buffer)?;
        let name = device.to_string();
        Ok(OutputDevice {
            device,
            config,
            name,
            buffer,
            probe: Arc::default(),
        })
    }

    /// The block the engine should render for this device (see [`live_block`]).
    pub fn block(&self) -> usize {
        live_block(self.buffer)
    }

    /// The chain's output latency as measured so far, for an engine rendering `block` frames.
    pub fn latency(&self, block: usize) -> Latency {
        self.probe
            .latency(self.config.sample_rate, self.buffer, block)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    pub fn channels(&self) -> u16 {
        self.config.channels
    }

    /// Moves `runtime` into the device callback and starts the stream.
    pub fn start(&self, mut runtime: Runtime) -> Result<Stream, PlaybackError> {
        let channels = usize::from(self.config.channels);
        let probe = self.probe.clone();
        let stream = self
            .device
            .build_output_stream::<f32, _, _>(
                self.config,
                move |data: &mut [f32], info: &cpal::OutputCallbackInfo| {
                    let t = info.timestamp();
                    let frames = (data.len() / channels.max(1)) as u32;
                    let ahead = t.playback.duration_since(t.callback);
                    probe.record(frames, Some(ahead).filter(|d| !d.is_zero()));
                    runtime.fill_interleaved(data, channels)
                },
                |e| eprintln!("audio device error: {e}"),
                None,
            )
            .map_err(|e| PlaybackError::Stream(e.to_string()))?;
        let live = crate::priority::LiveAudio::begin();
        stream
            .play()
            .map_err(|e| PlaybackError::Stream(e.to_string()))?;
        Ok(Stream {
            _stream: stream,
            _live: live,
        })
    }
}

/// Plays `graph` until `seconds` have passed (forever when `None`), printing the playhead.
pub fn play(
    graph: Graph,
    registry: Arc<Registry>,
    seconds: Option<f64>,
    device: Option<&str>,
    buffer: Option<u32>,
) -> Result<PlaybackReport, PlaybackError> {
    play_with_hook(graph, registry, seconds, device, buffer, |_, _, _| Ok(()))
}

/// [`play`], calling `at_bar(session, bar, sample)` on this (control) thread shortly before each
/// bar line (bar 0 is the start), so its edits are in place when the bar begins. An error from it
/// is printed and playing goes on.
pub fn play_with_hook(
    mut graph: Graph,
    registry: Arc<Registry>,
    seconds: Option<f64>,
    device: Option<&str>,
    buffer: Option<u32>,
    mut at_bar: impl FnMut(&mut Session, u64, u64) -> Result<(), String>,
) -> Result<PlaybackReport, PlaybackError> {
    let output = OutputDevice::open(device, graph.transport.sample_rate, buffer)?;
    graph.transport.sample_rate = output.sample_rate();
    let block = output.block();
    let (mut session, runtime) = Session::start(graph, registry, block, 2)?;
    session.wait_for_inference()?;
    let stream = output.start(runtime)?;
    let started = Instant::now();
    let transport = session.graph().transport;
    eprintln!(
        "playing on {} at {} Hz, {} channels",
        output.name(),
        output.sample_rate(),
        output.channels()
    );
    let samples_per_bar = transport.samples_per_bar();
    // Call the hook this far ahead of a bar line: more than one poll interval.
    let lead = 0.25 * f64::from(output.sample_rate());
    let mut next_bar = 0u64;
    let mut latency_told = false;
    loop {
        let position = session.position() as f64;
        while next_bar as f64 * samples_per_bar <= position + lead {
            let at = (next_bar as f64 * samples_per_bar).round() as u64;
            if let Err(e) = at_bar(&mut session, next_bar, at) {
                eprintln!("\nbar {}: {e}", next_bar + 1);
            }
            next_bar += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
        session.poll();
        let elapsed = started.elapsed().as_secs_f64();
        if !latency_told && elapsed >= 0.5 {
            eprintln!("\r{}", output.latency(block));
            latency_told = true;
        }
        eprint!("\r{}   ", transport.position(session.position()));
        if seconds.is_some_and(|s| elapsed >= s) {
            break;
        }
    }
    eprintln!();
    drop(stream);
    Ok(PlaybackReport {
        device: output.name().to_string(),
        sample_rate: output.sample_rate(),
        channels: output.channels(),
        seconds_played: started.elapsed().as_secs_f64(),
        clip_misses: session.clip_misses(),
        latency: output.latency(block),
    })
}
