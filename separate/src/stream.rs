//! Separating a song of any length in bounded memory: the decoded stream is cut into windows
//! that overlap, each window is separated whole ([`crate::separate`]), and neighbouring windows
//! are joined by a crossfade in the time domain.
//!
//! Window k covers the frames `[k·step − margin, (k+1)·step + crossfade + margin)` of the input.
//! Its margins are separated but never heard (the model sees 0.7 s either side of a frame, the
//! resampler and the STFT a few milliseconds); `[(k+1)·step, (k+1)·step + crossfade)` is faded
//! from window k into window k+1 with complementary linear ramps. Each window's stems sum to its
//! input exactly (the rest stem takes what the others did not), and the two ramps sum to one, so
//! the joined stems still sum to the input. Only one window, its stems and a crossfade's worth of
//! the previous window are held at a time: a 2-hour file needs no more memory than a 2-minute one.

use yano_audio_io::decode::DecodedAudio;

use crate::chunks::MaskSource;
use crate::{chosen_stems, memory_needed, separate, Options, SeparateError, STEMS};

/// How a stream is cut into windows, in seconds of the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segmenting {
    /// The distance between window starts: what each window contributes.
    pub step_seconds: f64,
    /// The length of the crossfade between neighbouring windows.
    pub crossfade_seconds: f64,
    /// The context separated on either side of a window's part and thrown away.
    pub margin_seconds: f64,
}

/// The memory a window aims to stay under (automatic [`Segmenting`]).
pub const WINDOW_MEMORY_TARGET: u64 = 512 << 20;
/// The longest step: a song up to this long is separated in one window, as a whole.
pub const MAX_STEP_SECONDS: f64 = 90.0;
/// The shortest automatic step, however many channels at whatever rate.
pub const MIN_STEP_SECONDS: f64 = 20.0;

impl Segmenting {
    /// Windows sized so one stays under [`WINDOW_MEMORY_TARGET`] for `channels` at `rate`: a
    /// 90 s step for stereo at 44.1 or 48 kHz, less for many channels at high rates.
    pub fn automatic(channels: usize, rate: u32) -> Segmenting {
        let mut segmenting = Segmenting {
            step_seconds: MAX_STEP_SECONDS,
            crossfade_seconds: 2.0,
            margin_seconds: 1.5,
        };
        let per_second = memory_needed(rate as usize, channels.max(1), rate.max(1)) as f64;
        let fits = WINDOW_MEMORY_TARGET as f64 / per_second.max(1.0)
            - segmenting.crossfade_seconds
            - 2.0 * segmenting.margin_seconds;
        segmenting.step_seconds = fits.floor().clamp(MIN_STEP_SECONDS, MAX_STEP_SECONDS);
        segmenting
    }

    /// (step, crossfade, margin) in frames at `rate`; the crossfade is at least one frame and
    /// shorter than a step.
    fn frames(&self, rate: u32) -> (usize, usize, usize) {
        let at = |s: f64| (s.max(0.0) * f64::from(rate)).round() as usize;
        let step = at(self.step_seconds).max(2);
        let crossfade = at(self.crossfade_seconds).clamp(1, step - 1);
        (step, crossfade, at(self.margin_seconds))
    }

    /// The frames of the longest window.
    pub fn window_frames(&self, rate: u32) -> usize {
        let (step, crossfade, margin) = self.frames(rate);
        step + crossfade + 2 * margin
    }

    /// About how many bytes separating a stream of `frames` frames (None: unknown) of
    /// `channels` at `rate` takes at its peak: one window separated whole, and the previous
    /// window's crossfade.
    pub fn peak_memory(&self, frames: Option<usize>, channels: usize, rate: u32) -> u64 {
        let longest = self.window_frames(rate);
        let window = frames.map_or(longest, |f| f.min(longest));
        // A stream that fits in one window is separated whole: no crossfade is kept.
        let (_, crossfade, _) = self.frames(rate);
        let fade = if frames.is_some_and(|f| f <= longest) {
            0
        } else {
            STEMS.len() * channels * crossfade
        };
        memory_needed(window, channels, rate) + 4 * fade as u64
    }
}

/// Where the stems of a stream go, piece by piece in order.
pub trait StemSink {
    /// The next frames of every stem (in the order [`chosen_stems`] gives, each with the
    /// input's channels) and of the input itself, all the same length.
    fn write(&mut self, stems: &[Vec<&[f32]>], input: &[&[f32]]) -> Result<(), SeparateError>;
}

/// Separates a stream fed block by block with [`StreamSeparator::push`] and ended with
/// [`StreamSeparator::finish`], writing the stems to a [`StemSink`] as windows complete.
pub struct StreamSeparator<'a> {
    source: &'a dyn MaskSource,
    options: &'a Options,
    stem_count: usize,
    rate: u32,
    channels: usize,
    step: usize,
    crossfade: usize,
    margin: usize,
    /// The frames expected in the whole stream (0: unknown), for progress.
    expected: usize,
    /// Input frames from `pending_start` on, not yet separated.
    pending: Vec<Vec<f32>>,
    pending_start: usize,
    /// The next window.
    window: usize,
    /// Frames written to the sink so far.
    written: usize,
    /// The previous window's stems over the next crossfade (stem × channel × frame).
    fade_out: Option<Vec<Vec<Vec<f32>>>>,
}

impl<'a> StreamSeparator<'a> {
    /// A separator for a stream of `channels` at `rate`, about `expected_frames` long (0 when
    /// unknown).
    pub fn new(
        source: &'a dyn MaskSource,
        options: &'a Options,
        segmenting: Segmenting,
        rate: u32,
        channels: usize,
        expected_frames: usize,
    ) -> Result<StreamSeparator<'a>, SeparateError> {
        if rate == 0 || channels == 0 {
            return Err(SeparateError::NoAudio(format!(
                "a stream of {channels} channels at {rate} Hz"
            )));
        }
        let stem_count = chosen_stems(&options.stems)?.len();
        let (step, crossfade, margin) = segmenting.frames(rate);
        Ok(StreamSeparator {
            source,
            options,
            stem_count,
            rate,
            channels,
            step,
            crossfade,
            margin,
            expected: expected_frames,
            pending: vec![Vec::new(); channels],
            pending_start: 0,
            window: 0,
            written: 0,
            fade_out: None,
        })
    }

    fn window_start(&self, k: usize) -> usize {
        (k * self.step).saturating_sub(self.margin)
    }

    fn window_end(&self, k: usize) -> usize {
        (k + 1) * self.step + self.crossfade + self.margin
    }

    /// Frames taken in so far.
    fn received(&self) -> usize {
        self.pending_start + self.pending[0].len()
    }

    /// Takes the next block of the stream (one slice per channel, all the same length) and
    /// separates every window it completes. `progress` gets the share of the stream done (by
    /// the length expected) and returns false to cancel.
    pub fn push(
        &mut self,
        block: &[Vec<f32>],
        sink: &mut dyn StemSink,
        progress: &mut dyn FnMut(f64) -> bool,
    ) -> Result<(), SeparateError> {
        if block.len() != self.channels {
            return Err(SeparateError::Failed(format!(
                "a block of {} channels in a stream of {}",
                block.len(),
                self.channels
            )));
        }
        for (pending, samples) in self.pending.iter_mut().zip(block) {
            pending.extend_from_slice(samples);
        }
        while self.received() >= self.window_end(self.window) {
            let end = self.window_end(self.window) - self.pending_start;
            let overshoot: Vec<Vec<f32>> =
                self.pending.iter_mut().map(|c| c.split_off(end)).collect();
            let window = std::mem::take(&mut self.pending);
            let kept = self.separate_window(window, false, sink, progress)?;
            self.pending = kept
                .into_iter()
                .zip(overshoot)
                .map(|(mut kept, overshoot)| {
                    kept.extend_from_slice(&overshoot);
                    kept
                })
                .collect();
        }
        Ok(())
    }

    /// Separates what is left of the stream; returns the frames written, the whole stream.
    pub fn finish(
        mut self,
        sink: &mut dyn StemSink,
        progress: &mut dyn FnMut(f64) -> bool,
    ) -> Result<usize, SeparateError> {
        if self.received() == 0 {
            return Err(SeparateError::NoAudio("the input has no samples".into()));
        }
        if self.received() > self.written {
            let window = std::mem::take(&mut self.pending);
            self.separate_window(window, true, sink, progress)?;
        }
        Ok(self.written)
    }

    /// Separates the window starting at `pending_start` (the whole of `input`) and writes what it
    /// settles; returns the input the next window starts with.
    fn separate_window(
        &mut self,
        input: Vec<Vec<f32>>,
        last: bool,
        sink: &mut dyn StemSink,
        progress: &mut dyn FnMut(f64) -> bool,
    ) -> Result<Vec<Vec<f32>>, SeparateError> {
        let k = self.window;
        let start = self.pending_start;
        let end = start + input[0].len();
        // The part this window settles: up to the next crossfade, or the end of the stream.
        let settled_end = if last { end } else { (k + 1) * self.step };
        let total = self.expected.max(end).max(1) as f64;
        let written_before = self.written as f64;
        let span = settled_end as f64 - written_before;
        let audio = DecodedAudio {
            sample_rate: self.rate,
            channels: input,
        };
        let separation = separate(&audio, self.source, self.options, &mut |share| {
            progress(((written_before + share.min(1.0) * span) / total).min(1.0))
        })?;
        let stems: Vec<&Vec<Vec<f32>>> = separation.stems.iter().map(|(_, c)| c).collect();
        debug_assert_eq!(stems.len(), self.stem_count);
        let at = |frame: usize| frame - start;

        // The crossfade from the previous window into this one.
        if let Some(fade_out) = self.fade_out.take() {
            let (from, n) = (self.written, fade_out[0][0].len());
            let faded: Vec<Vec<Vec<f32>>> = stems
                .iter()
                .zip(&fade_out)
                .map(|(stem, previous)| {
                    stem.iter()
                        .zip(previous)
                        .map(|(now, before)| {
                            (0..n)
                                .map(|i| {
                                    let w = (i as f32 + 0.5) / self.crossfade as f32;
                                    (1.0 - w) * before[i] + w * now[at(from) + i]
                                })
                                .collect()
                        })
                        .collect()
                })
                .collect();
            let pieces: Vec<Vec<&[f32]>> = faded
                .iter()
                .map(|s| s.iter().map(Vec::as_slice).collect())
                .collect();
            let input: Vec<&[f32]> = audio
                .channels
                .iter()
                .map(|c| &c[at(from)..at(from) + n])
                .collect();
            sink.write(&pieces, &input)?;
            self.written += n;
        }
        // This window's own part.
        let (from, to) = (self.written, settled_end.max(self.written));
        let pieces: Vec<Vec<&[f32]>> = stems
            .iter()
            .map(|s| s.iter().map(|c| &c[at(from)..at(to)]).collect())
            .collect();
        let piece_input: Vec<&[f32]> = audio
            .channels
            .iter()
            .map(|c| &c[at(from)..at(to)])
            .collect();
        sink.write(&pieces, &piece_input)?;
        self.written = to;
        if last {
            return Ok(Vec::new());
        }
        // Keep this window's side of the next crossfade, and the input the next window needs.
        let fade_end = to + self.crossfade;
        self.fade_out = Some(
            stems
                .iter()
                .map(|s| s.iter().map(|c| c[at(to)..at(fade_end)].to_vec()).collect())
                .collect(),
        );
        self.window += 1;
        let next_start = self.window_start(self.window);
        self.pending_start = next_start;
        Ok(audio
            .channels
            .iter()
            .map(|c| c[at(next_start)..].to_vec())
            .collect())
    }
}
