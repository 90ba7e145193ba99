//! Separation by masks over overlapping chunks of spectrogram frames.
//!
//! The mix's frames are cut into chunks of [`CHUNK_FRAMES`] (2.73 s at 48 kHz) that overlap by a quarter.
//! A [`MaskSource`] gives each chunk one mask per stem; in an overlap the two chunks' masks are
//! crossfaded with complementary linear ramps, so the summed weight is exactly one at every frame
//! and a join has no level dip and no click. Masks are applied to every channel's spectrum and
//! inverted frame by frame; frames are applied as soon as no later chunk can touch them, so only a
//! chunk's worth of masks is held however long the song. The rest stem is the mix minus the
//! others, so the stems sum back to the mix to float rounding.

use std::collections::VecDeque;

use realfft::num_complex::Complex32;

use crate::stems::{REST, STEMS};
use crate::stft::{self, Stft, BINS};
use crate::SeparateError;

/// Frames a chunk spans: the model's input length.
pub const CHUNK_FRAMES: usize = 256;
/// Frames two neighbouring chunks share: a quarter of a chunk.
pub const OVERLAP_FRAMES: usize = 64;

/// One chunk of the mix as a mask source sees it.
pub struct Chunk<'a> {
    /// The first frame of the chunk.
    pub start: usize,
    /// `log(1 + |X|)` of the mono mix, bin-major: `features[bin * CHUNK_FRAMES + frame]`; frames
    /// past the end of the mix are zeros.
    pub features: &'a [f32],
    /// `|X|` of the mono mix, same layout.
    pub magnitudes: &'a [f32],
}

/// Where masks come from: the trained model, the DSP baseline, the oracle.
pub trait MaskSource: Sync {
    /// Masks of one chunk, stem-major then bin then frame:
    /// `masks[(stem * BINS + bin) * CHUNK_FRAMES + frame]`, for every stem in [`STEMS`] order.
    /// Called from worker threads, up to [`MaskSource::parallelism`] at once.
    fn masks(&self, chunk: &Chunk<'_>) -> Result<Vec<f32>, SeparateError>;

    /// How many chunks may be computed at once.
    fn parallelism(&self) -> usize {
        1
    }
}

/// First frame of each chunk covering `frames` frames.
pub fn chunk_starts(frames: usize) -> Vec<usize> {
    let step = CHUNK_FRAMES - OVERLAP_FRAMES;
    let mut starts = vec![0];
    while starts.last().unwrap() + CHUNK_FRAMES < frames {
        starts.push(starts.last().unwrap() + step);
    }
    starts
}

/// Weight of frame `j` of a chunk: ramps in over the overlap unless first, out unless last.
fn chunk_weight(j: usize, first: bool, last: bool) -> f32 {
    let o = OVERLAP_FRAMES as f32;
    if !first && j < OVERLAP_FRAMES {
        (j as f32 + 0.5) / o
    } else if !last && j >= CHUNK_FRAMES - OVERLAP_FRAMES {
        1.0 - ((j - (CHUNK_FRAMES - OVERLAP_FRAMES)) as f32 + 0.5) / o
    } else {
        1.0
    }
}

/// The features and magnitudes of the chunk starting at `start`.
fn chunk_input(stft: &mut Stft, mono: &[f32], start: usize) -> (Vec<f32>, Vec<f32>) {
    let frames = stft::frame_count(mono.len());
    let mut magnitudes = vec![0.0f32; BINS * CHUNK_FRAMES];
    let mut spectrum = vec![Complex32::default(); BINS];
    for j in 0..CHUNK_FRAMES.min(frames.saturating_sub(start)) {
        stft.frame(mono, start + j, &mut spectrum);
        for (b, c) in spectrum.iter().enumerate() {
            magnitudes[b * CHUNK_FRAMES + j] = c.norm();
        }
    }
    let features = magnitudes.iter().map(|m| m.ln_1p()).collect();
    (features, magnitudes)
}

/// The mean of every channel.
pub fn mono(channels: &[Vec<f32>]) -> Vec<f32> {
    let len = channels.first().map_or(0, Vec::len);
    let scale = 1.0 / channels.len().max(1) as f32;
    (0..len)
        .map(|i| channels.iter().map(|c| c[i]).sum::<f32>() * scale)
        .collect()
}

/// Separates `channels` (all the same length, at the model's rate) into [`STEMS`], each
/// channels × samples. `progress` gets the share done and returns false to cancel.
pub fn separate(
    channels: &[Vec<f32>],
    source: &dyn MaskSource,
    threads: usize,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Vec<Vec<Vec<f32>>>, SeparateError> {
    let len = channels.first().map_or(0, Vec::len);
    let frames = stft::frame_count(len);
    let mono = mono(channels);
    let starts = chunk_starts(frames);
    let rest = STEMS
        .iter()
        .position(|s| *s == REST)
        .expect("the rest is a stem");
    let mut out = vec![vec![vec![0.0f32; len]; channels.len()]; STEMS.len()];
    let mut weight = vec![0.0f32; len];
    // Accumulated masks of frames not yet applied, from frame `base` on; each STEMS × BINS.
    let mut pending: VecDeque<Vec<f32>> = VecDeque::new();
    let mut base = 0usize;
    let mut stft = Stft::new();
    let mut spectrum = vec![Complex32::default(); BINS];
    let mut masked = vec![Complex32::default(); BINS];
    let workers = threads.clamp(1, source.parallelism().max(1));
    let stem_bins = STEMS.len() * BINS;

    for (batch_index, batch) in starts.chunks(workers).enumerate() {
        let results: Vec<Result<Vec<f32>, SeparateError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = batch
                .iter()
                .map(|&start| {
                    let mono = &mono;
                    scope.spawn(move || {
                        // Masks take seconds a chunk: leave the audio thread the CPU.
                        yano_engine::priority::background_thread();
                        let mut stft = Stft::new();
                        let (features, magnitudes) = chunk_input(&mut stft, mono, start);
                        let chunk = Chunk {
                            start,
                            features: &features,
                            magnitudes: &magnitudes,
                        };
                        source.masks(&chunk)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(SeparateError::Failed("a mask worker panicked".into()))
                    })
                })
                .collect()
        });
        for (k, masks) in results.into_iter().enumerate() {
            let masks = masks?;
            if masks.len() != stem_bins * CHUNK_FRAMES {
                return Err(SeparateError::Failed(format!(
                    "the masks of a chunk have {} values, expected {}",
                    masks.len(),
                    stem_bins * CHUNK_FRAMES
                )));
            }
            let c = batch_index * workers + k;
            let start = starts[c];
            let (first, last) = (c == 0, c + 1 == starts.len());
            for j in 0..CHUNK_FRAMES.min(frames - start) {
                let f = start + j;
                while pending.len() <= f - base {
                    pending.push_back(vec![0.0; stem_bins]);
                }
                let w = chunk_weight(j, first, last);
                let acc = &mut pending[f - base];
                for (i, a) in acc.iter_mut().enumerate() {
                    *a += w * masks[i * CHUNK_FRAMES + j];
                }
            }
            // Frames before the next chunk's start are final.
            let final_end = if last { frames } else { starts[c + 1] };
            while base < final_end {
                let mask = pending.pop_front().expect("every frame has masks");
                stft.add_weight(base, &mut weight);
                for (ch, signal) in channels.iter().enumerate() {
                    stft.frame(signal, base, &mut spectrum);
                    for (s, stem) in out.iter_mut().enumerate() {
                        if s == rest {
                            continue;
                        }
                        for (b, m) in masked.iter_mut().enumerate() {
                            *m = spectrum[b] * mask[s * BINS + b];
                        }
                        stft.add_frame(&mut masked, base, &mut stem[ch]);
                    }
                }
                base += 1;
            }
        }
        if !progress((batch_index + 1) as f64 * workers as f64 / starts.len() as f64) {
            return Err(SeparateError::Cancelled);
        }
    }
    for (s, stem) in out.iter_mut().enumerate() {
        if s != rest {
            for ch in stem.iter_mut() {
                stft::finish(ch, &weight);
            }
        }
    }
    // The rest: the mix less every other stem.
    for ch in 0..channels.len() {
        for i in 0..len {
            let others: f32 = (0..STEMS.len())
                .filter(|s| *s != rest)
                .map(|s| out[s][ch][i])
                .sum();
            out[rest][ch][i] = channels[ch][i] - others;
        }
    }
    Ok(out)
}
