//! The streaming front end: blocks of any channel count and rate go in; the loudness meter sees
//! every channel as it is, on a thread of its own (its 4× oversampled true peak costs as much as
//! everything else together), the rest of the analysis a mono mix resampled to [`RATE`]
//! (rubato's FFT resampler, its delay trimmed so times stay exact). Nothing keeps the audio
//! itself: the loudness thread's queue holds at most a few blocks.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Resampler};
use yano_engine::loudness::{Loudness, LoudnessMeter};

use crate::features::{Extractor, Features, RATE};
use crate::AnalysisError;

/// Resampler input blocks, in frames.
const CHUNK: usize = 2048;

/// Feeds an analysis block by block. Control or worker thread: it allocates.
pub struct Analyzer {
    sample_rate: u32,
    channels: usize,
    meter: LoudnessThread,
    mono: Vec<f32>,
    resampler: Option<MonoResampler>,
    extractor: Extractor,
    frames: u64,
}

/// What the stream gave: its features, its loudness and its format.
pub struct Measured {
    pub features: Features,
    pub loudness: Loudness,
    pub sample_rate: u32,
    pub channels: usize,
    pub seconds: f64,
}

impl Analyzer {
    pub fn new(sample_rate: u32, channels: usize) -> Result<Analyzer, AnalysisError> {
        if !(4_000..=768_000).contains(&sample_rate) {
            return Err(AnalysisError::Format(format!(
                "a sample rate of {sample_rate} Hz (4 kHz to 768 kHz can be analysed)"
            )));
        }
        if channels == 0 || channels > 32 {
            return Err(AnalysisError::Format(format!(
                "{channels} channels (1 to 32 can be analysed)"
            )));
        }
        let meter = LoudnessThread::start(channels, sample_rate)?;
        let resampler = if sample_rate == RATE {
            None
        } else {
            Some(MonoResampler::new(sample_rate)?)
        };
        Ok(Analyzer {
            sample_rate,
            channels,
            meter,
            mono: Vec::new(),
            resampler,
            extractor: Extractor::new(),
            frames: 0,
        })
    }

    /// Adds one block: one slice per channel, all the same length.
    pub fn push(&mut self, channels: &[&[f32]]) -> Result<(), AnalysisError> {
        if channels.len() != self.channels {
            return Err(AnalysisError::Format(format!(
                "a block of {} channels in a stream of {}",
                channels.len(),
                self.channels
            )));
        }
        let n = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let clipped: Vec<&[f32]> = channels.iter().map(|c| &c[..n]).collect();
        self.meter.add(&clipped)?;
        self.frames += n as u64;
        // The mono mix: every channel but a 5.1 stream's LFE, averaged.
        let used: Vec<&[f32]> = clipped
            .iter()
            .enumerate()
            .filter(|(i, _)| !(self.channels == 6 && *i == 3))
            .map(|(_, c)| *c)
            .collect();
        let scale = 1.0 / used.len() as f32;
        self.mono.clear();
        self.mono.resize(n, 0.0);
        for c in &used {
            for (m, s) in self.mono.iter_mut().zip(c.iter()) {
                // Non-finite samples (a broken decoder) count as silence.
                *m += if s.is_finite() { *s * scale } else { 0.0 };
            }
        }
        match &mut self.resampler {
            None => self.extractor.push(&self.mono),
            Some(r) => r.push(&self.mono, &mut self.extractor)?,
        }
        Ok(())
    }

    /// Ends the stream and hands over what was measured.
    pub fn finish(mut self) -> Result<Measured, AnalysisError> {
        if let Some(r) = &mut self.resampler {
            r.finish(&mut self.extractor)?;
        }
        let features = self.extractor.finish();
        let loudness = self.meter.finish()?;
        Ok(Measured {
            features,
            loudness,
            sample_rate: self.sample_rate,
            channels: self.channels,
            seconds: self.frames as f64 / f64::from(self.sample_rate),
        })
    }
}

/// The loudness meter on its own thread, fed through a bounded queue.
struct LoudnessThread {
    blocks: Option<SyncSender<Vec<Vec<f32>>>>,
    worker: Option<JoinHandle<Result<Loudness, String>>>,
}

impl LoudnessThread {
    fn start(channels: usize, rate: u32) -> Result<LoudnessThread, AnalysisError> {
        // Made here so a refused format is an error of `new`, not of `finish`.
        let mut meter = LoudnessMeter::new(channels, rate)
            .map_err(|e| AnalysisError::Loudness(e.to_string()))?;
        let (blocks, queue) = sync_channel::<Vec<Vec<f32>>>(8);
        let worker = std::thread::Builder::new()
            .name("yano-loudness".into())
            .spawn(move || {
                for block in queue {
                    let slices: Vec<&[f32]> = block.iter().map(Vec::as_slice).collect();
                    meter.add(&slices).map_err(|e| e.to_string())?;
                }
                meter.finish().map_err(|e| e.to_string())
            })
            .map_err(|e| AnalysisError::Loudness(format!("cannot start its thread: {e}")))?;
        Ok(LoudnessThread {
            blocks: Some(blocks),
            worker: Some(worker),
        })
    }

    fn add(&mut self, channels: &[&[f32]]) -> Result<(), AnalysisError> {
        let block = channels.iter().map(|c| c.to_vec()).collect();
        match &self.blocks {
            // A closed queue means the meter stopped on an error: `finish` reports it.
            Some(tx) => {
                let _ = tx.send(block);
                Ok(())
            }
            None => Err(AnalysisError::Loudness(
                "the meter was already finished".into(),
            )),
        }
    }

    fn finish(&mut self) -> Result<Loudness, AnalysisError> {
        drop(self.blocks.take());
        let worker = self
            .worker
            .take()
            .ok_or_else(|| AnalysisError::Loudness("the meter was already finished".into()))?;
        match worker.join() {
            Ok(result) => result.map_err(AnalysisError::Loudness),
            Err(_) => Err(AnalysisError::Loudness("its thread panicked".into())),
        }
    }
}

/// A mono streaming resampler to [`RATE`] whose output starts at the input's first sample.
struct MonoResampler {
    fft: Fft<f32>,
    pending: Vec<f32>,
    /// Output frames still to drop (the resampler's delay).
    skip: usize,
    frames_in: u64,
    frames_out: u64,
    ratio: f64,
}

impl MonoResampler {
    fn new(rate: u32) -> Result<MonoResampler, AnalysisError> {
        let fft = Fft::<f32>::new(rate as usize, RATE as usize, CHUNK, 1, FixedSync::Input)
            .map_err(|e| AnalysisError::Resample(e.to_string()))?;
        Ok(MonoResampler {
            skip: fft.output_delay(),
            fft,
            pending: Vec::new(),
            frames_in: 0,
            frames_out: 0,
            ratio: f64::from(RATE) / f64::from(rate),
        })
    }

    fn push(&mut self, mono: &[f32], out: &mut Extractor) -> Result<(), AnalysisError> {
        self.pending.extend_from_slice(mono);
        self.frames_in += mono.len() as u64;
        let mut used = 0;
        while self.pending.len() - used >= self.fft.input_frames_next() {
            let n = self.fft.input_frames_next();
            let block = vec![self.pending[used..used + n].to_vec()];
            used += n;
            self.run(&block, None, out)?;
        }
        self.pending.drain(..used);
        Ok(())
    }

    fn run(
        &mut self,
        block: &[Vec<f32>],
        partial: Option<usize>,
        out: &mut Extractor,
    ) -> Result<(), AnalysisError> {
        let err = |e: &dyn std::fmt::Display| AnalysisError::Resample(e.to_string());
        let input = SequentialSliceOfVecs::new(block, 1, block[0].len()).map_err(|e| err(&e))?;
        let indexing = partial.map(|n| rubato::Indexing::new().partial_len(n));
        let produced = self
            .fft
            .process(&input, indexing.as_ref())
            .map_err(|e| err(&e))?;
        let data = produced.take_data();
        let wanted = (self.frames_in as f64 * self.ratio).round() as u64;
        let from = self.skip.min(data.len());
        self.skip -= from;
        let room = wanted.saturating_sub(self.frames_out) as usize;
        let take = (data.len() - from).min(room);
        out.push(&data[from..from + take]);
        self.frames_out += take as u64;
        Ok(())
    }

    /// Flushes the last partial block and the resampler's delay.
    fn finish(&mut self, out: &mut Extractor) -> Result<(), AnalysisError> {
        let wanted = (self.frames_in as f64 * self.ratio).round() as u64;
        let n = self.fft.input_frames_next();
        let mut partial = Some(self.pending.len());
        let mut guard = 0;
        while self.frames_out < wanted && guard < 64 {
            let mut block = std::mem::take(&mut self.pending);
            block.resize(n, 0.0);
            self.run(&[block], partial.take(), out)?;
            guard += 1;
        }
        Ok(())
    }
}
