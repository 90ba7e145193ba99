//! yano-separate: a mix into stems (vocals, piano, log drum, bass, drums, percussion, other).
//!
//! The mix is cut into STFT frames (in Rust, [`stft`]); a mask model gives each stem its share of
//! every bin in overlapping chunks ([`chunks`]); the masked spectra are inverted back into stems
//! and the rest stem takes whatever the others did not, so the stems always sum to the mix. The
//! model is yano's own, trained on yano's renders (models/separator/) and built into the binary;
//! [`baseline`] holds the DSP baseline and the oracle it is measured beside, [`sdr`] the score.
//! Files of any length are streamed through in windows ([`stream`], [`files`]), so memory does
//! not grow with the song.
//!
//! Never on the audio thread: separation allocates, runs models and takes seconds. Nothing here
//! touches the network.

pub mod baseline;
pub mod chunks;
pub mod files;
pub mod model;
pub mod node;
pub mod sdr;
pub mod stems;
pub mod stft;
pub mod stream;

use std::time::Instant;

use yano_audio_io::decode::{resample, DecodedAudio};
use yano_models::ModelError;

pub use chunks::MaskSource;
pub use model::ModelMasks;
pub use stems::{REST, STEMS};

/// The rate the separator works at (the rate yano renders, and so trains, at); other rates are
/// resampled to it and back.
pub const MODEL_RATE: u32 = 48_000;

/// What can go wrong while separating.
#[derive(Debug, thiserror::Error)]
pub enum SeparateError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("model \"{name}\" cannot separate: {reason}")]
    WrongModel { name: String, reason: String },
    #[error("separation failed: {0}")]
    Failed(String),
    #[error("no stem called \"{name}\" (stems: {})", STEMS.join(", "))]
    UnknownStem { name: String },
    #[error("there is no audio to separate: {0}")]
    NoAudio(String),
    #[error("resampling for the separator: {0}")]
    Resample(String),
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Decode(#[from] yano_audio_io::decode::DecodeError),
    #[error(
        "{}: separating {channels} channels in windows of {window_seconds:.1} s needs about {} \
         of memory, and {} is allowed",
        input.display(), bytes_text(*need), bytes_text(*allowed)
    )]
    TooBig {
        input: std::path::PathBuf,
        need: u64,
        allowed: u64,
        channels: usize,
        window_seconds: f64,
    },
}

/// Bytes as a person reads them: "2.1 MB", "1.3 GB".
pub fn bytes_text(bytes: u64) -> String {
    if bytes < 1_000_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} GB", bytes as f64 / 1e9)
    }
}

/// What to separate into, and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The stems wanted (all of [`STEMS`] when empty); with a choice, a stem "rest" holds
    /// everything else.
    pub stems: Vec<String>,
    /// Worker threads for the model (all cores when 0).
    pub threads: usize,
}

/// A separated mix.
#[derive(Debug, Clone)]
pub struct Separation {
    pub sample_rate: u32,
    /// Each stem: its name and its channels, as many and as long as the input's.
    pub stems: Vec<(String, Vec<Vec<f32>>)>,
    pub seconds_taken: f64,
}

/// About how many bytes of memory [`separate`] takes at its peak for `frames` frames of
/// `channels` channels at `rate`: the input, its copy at the model's rate and its mono mix, and
/// every stem at the model's rate. Files are separated in windows ([`stream`]), each this much.
pub fn memory_needed(frames: usize, channels: usize, rate: u32) -> u64 {
    let at_model = (frames as u64 * u64::from(MODEL_RATE)).div_ceil(u64::from(rate.max(1)));
    let samples =
        channels as u64 * (2 * frames as u64 + at_model * (1 + STEMS.len() as u64)) + 2 * at_model;
    4 * samples
}

/// The stems asked for, in [`STEMS`] order, plus "rest" when not every stem is asked for.
pub fn chosen_stems(wanted: &[String]) -> Result<Vec<String>, SeparateError> {
    for name in wanted {
        if name != "rest" && stems::index(name).is_none() {
            return Err(SeparateError::UnknownStem { name: name.clone() });
        }
    }
    let mut out: Vec<String> = STEMS
        .iter()
        .filter(|s| wanted.is_empty() || wanted.iter().any(|w| w == *s))
        .map(|s| s.to_string())
        .collect();
    if out.len() < STEMS.len() {
        out.retain(|s| s != "rest");
        out.push("rest".into());
    }
    Ok(out)
}

/// Separates `audio` with masks from `source`: any sample rate and any number of channels; each
/// stem comes back at the input's rate, channel count and exact length, and the stems sum to the
/// input. `progress` gets the share done and returns false to cancel.
pub fn separate(
    audio: &DecodedAudio,
    source: &dyn MaskSource,
    options: &Options,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Separation, SeparateError> {
    let started = Instant::now();
    let wanted = chosen_stems(&options.stems)?;
    let len = audio.channels.first().map_or(0, Vec::len);
    if audio.channels.is_empty() || len == 0 {
        return Err(SeparateError::NoAudio("the input has no samples".into()));
    }
    if audio.sample_rate == 0 {
        return Err(SeparateError::NoAudio(
            "the input has no sample rate".into(),
        ));
    }
    // At the model's rate already (yano's own renders): no copy.
    let resampled = if audio.sample_rate == MODEL_RATE {
        None
    } else {
        Some(
            resample(audio.clone(), MODEL_RATE)
                .map_err(|e| SeparateError::Resample(e.to_string()))?,
        )
    };
    let at_model_rate = resampled.as_ref().unwrap_or(audio);
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let mut separated: Vec<Option<Vec<Vec<f32>>>> =
        chunks::separate(&at_model_rate.channels, source, threads, progress)?
            .into_iter()
            .map(Some)
            .collect();
    drop(resampled);
    let mut stems: Vec<(String, Vec<Vec<f32>>)> = Vec::new();
    for name in wanted.iter().filter(|s| *s != "rest" && *s != REST) {
        let index = stems::index(name).expect("checked");
        // Each stem at the model's rate is let go as soon as it is back at the input's.
        let at_model = separated[index].take().expect("each stem is taken once");
        let channels = back_to_input(at_model, audio.sample_rate, len)?;
        stems.push((name.clone(), channels));
    }
    drop(separated);
    // The rest stem (or "rest") is the input less every stem kept: exact at any rate.
    let rest_name = wanted.iter().find(|s| *s == "rest" || *s == REST).cloned();
    if let Some(rest_name) = rest_name {
        let rest: Vec<Vec<f32>> = audio
            .channels
            .iter()
            .enumerate()
            .map(|(ch, input)| {
                (0..len)
                    .map(|i| input[i] - stems.iter().map(|(_, s)| s[ch][i]).sum::<f32>())
                    .collect()
            })
            .collect();
        let at = wanted
            .iter()
            .position(|s| *s == rest_name)
            .unwrap_or(stems.len());
        stems.insert(at.min(stems.len()), (rest_name, rest));
    }
    Ok(Separation {
        sample_rate: audio.sample_rate,
        stems,
        seconds_taken: started.elapsed().as_secs_f64(),
    })
}

/// A stem at the model's rate back at the input's rate and exact length.
fn back_to_input(
    channels: Vec<Vec<f32>>,
    rate: u32,
    len: usize,
) -> Result<Vec<Vec<f32>>, SeparateError> {
    let stem = DecodedAudio {
        sample_rate: MODEL_RATE,
        channels,
    };
    let mut back = resample(stem, rate).map_err(|e| SeparateError::Resample(e.to_string()))?;
    for ch in &mut back.channels {
        ch.resize(len, 0.0);
    }
    Ok(back.channels)
}
