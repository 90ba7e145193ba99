//! Sound-card output through cpal (feature `playback`). The real-time runtime moves into the
//! device callback; this thread keeps the session, pumps inference and drops retired schedules.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use thiserror::Error;

use crate::graph::Graph;
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
/// (ALSA's `null` device, used on machines without a sound card).
fn pick_config(device: &cpal::Device, preferred_rate: u32) -> cpal::StreamConfig {
    match device.default_output_config() {
        Ok(c) => c.config(),
        Err(_) => cpal::StreamConfig {
            channels: 2,
            sample_rate: preferred_rate,
            buffer_size: cpal::BufferSize::Default,
        },
    }
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
}

impl OutputDevice {
    /// Opens the device called `name` (the system default when `None`).
    pub fn open(name: Option<&str>, preferred_rate: u32) -> Result<OutputDevice, PlaybackError> {
        let host = cpal::default_host();
        let device = pick_device(&host, name)?;
        let config = pick_config(&device, preferred_rate);
        let name = device.to_string();
        Ok(OutputDevice {
            device,
            config,
            name,
        })
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
        let stream = self
            .device
            .build_output_stream::<f32, _, _>(
                self.config,
                move |data: &mut [f32], _| runtime.fill_interleaved(data, channels),
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
) -> Result<PlaybackReport, PlaybackError> {
    play_with_hook(graph, registry, seconds, device, |_, _, _| Ok(()))
}

/// [`play`], calling `at_bar(session, bar, sample)` on this (control) thread shortly before each
/// bar line (bar 0 is the start), so its edits are in place when the bar begins. An error from it
/// is printed and playing goes on.
pub fn play_with_hook(
    mut graph: Graph,
    registry: Arc<Registry>,
    seconds: Option<f64>,
    device: Option<&str>,
    mut at_bar: impl FnMut(&mut Session, u64, u64) -> Result<(), String>,
) -> Result<PlaybackReport, PlaybackError> {
    let output = OutputDevice::open(device, graph.transport.sample_rate)?;
    graph.transport.sample_rate = output.sample_rate();
    let (mut session, runtime) = Session::start(graph, registry, 256, 2)?;
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
    })
}
