//! The short-time Fourier transform the separator works in, and its inverse.
//!
//! 2048-point frames every 512 samples (a quarter of a frame) under a periodic Hann window; frame
//! `f` is centred on sample `f · hop`, with zeros outside the signal, so a signal of `n` samples
//! has `n / hop + 1` frames. This is `torch.stft(center=True, pad_mode="constant")` with the same
//! window: the training code computes the model's input the same way. The inverse overlap-adds
//! windowed frames and divides by the summed squared window, which reconstructs the signal exactly
//! (to float rounding) wherever the frames cover it, edges included.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Samples in a frame.
pub const FRAME: usize = 2048;
/// Samples between frame centres.
pub const HOP: usize = 512;
/// Frequency bins of a frame: 0 Hz to Nyquist.
pub const BINS: usize = FRAME / 2 + 1;

/// Frames of a signal of `samples` samples.
pub fn frame_count(samples: usize) -> usize {
    samples / HOP + 1
}

/// The periodic Hann window.
pub fn hann() -> Vec<f32> {
    (0..FRAME)
        .map(|n| {
            let phase = 2.0 * std::f64::consts::PI * n as f64 / FRAME as f64;
            (0.5 - 0.5 * phase.cos()) as f32
        })
        .collect()
}

/// Forward and inverse transforms of one frame, with their scratch buffers. One per thread.
pub struct Stft {
    window: Vec<f32>,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    time: Vec<f32>,
    scratch_forward: Vec<Complex32>,
    scratch_inverse: Vec<Complex32>,
}

impl Default for Stft {
    fn default() -> Self {
        Self::new()
    }
}

impl Stft {
    pub fn new() -> Stft {
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(FRAME);
        let inverse = planner.plan_fft_inverse(FRAME);
        Stft {
            window: hann(),
            scratch_forward: forward.make_scratch_vec(),
            scratch_inverse: inverse.make_scratch_vec(),
            forward,
            inverse,
            time: vec![0.0; FRAME],
        }
    }

    /// The spectrum of frame `frame` of `signal` into `out` (`BINS` values).
    pub fn frame(&mut self, signal: &[f32], frame: usize, out: &mut [Complex32]) {
        let start = (frame * HOP) as isize - (FRAME / 2) as isize;
        for (n, t) in self.time.iter_mut().enumerate() {
            let i = start + n as isize;
            *t = if i >= 0 && (i as usize) < signal.len() {
                signal[i as usize] * self.window[n]
            } else {
                0.0
            };
        }
        self.forward
            .process_with_scratch(&mut self.time, out, &mut self.scratch_forward)
            .expect("buffer lengths are the plan's");
    }

    /// Overlap-adds the windowed inverse of `spectrum` as frame `frame` into `out` (a signal of
    /// the original length); [`finish`] divides by the weights [`Stft::add_weight`] summed.
    /// `spectrum` is used as scratch.
    pub fn add_frame(&mut self, spectrum: &mut [Complex32], frame: usize, out: &mut [f32]) {
        // A real signal's spectrum has real 0 Hz and Nyquist bins; a mask keeps them real.
        spectrum[0].im = 0.0;
        spectrum[BINS - 1].im = 0.0;
        self.inverse
            .process_with_scratch(spectrum, &mut self.time, &mut self.scratch_inverse)
            .expect("buffer lengths are the plan's");
        let scale = 1.0 / FRAME as f32;
        let start = (frame * HOP) as isize - (FRAME / 2) as isize;
        for n in 0..FRAME {
            let i = start + n as isize;
            if i >= 0 && (i as usize) < out.len() {
                out[i as usize] += self.time[n] * scale * self.window[n];
            }
        }
    }

    /// Adds frame `frame`'s squared window into `weight` (once per frame, whatever the stems).
    pub fn add_weight(&self, frame: usize, weight: &mut [f32]) {
        let start = (frame * HOP) as isize - (FRAME / 2) as isize;
        for n in 0..FRAME {
            let i = start + n as isize;
            if i >= 0 && (i as usize) < weight.len() {
                weight[i as usize] += self.window[n] * self.window[n];
            }
        }
    }
}

/// Divides an overlap-added signal by its summed squared window.
pub fn finish(out: &mut [f32], weight: &[f32]) {
    for (o, w) in out.iter_mut().zip(weight) {
        if *w > 1e-8 {
            *o /= *w;
        }
    }
}

/// The magnitude spectrogram of `signal`, frame by frame (`frames × BINS`, row-major).
pub fn magnitudes(signal: &[f32]) -> Vec<f32> {
    let mut stft = Stft::new();
    let frames = frame_count(signal.len());
    let mut spectrum = vec![Complex32::default(); BINS];
    let mut out = Vec::with_capacity(frames * BINS);
    for f in 0..frames {
        stft.frame(signal, f, &mut spectrum);
        out.extend(spectrum.iter().map(|c| c.norm()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(747_796_405).wrapping_add(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state as f32 / u32::MAX as f32) * 2.0 - 1.0
            })
            .collect()
    }

    #[test]
    fn the_inverse_rebuilds_the_signal_edges_included() {
        for len in [1, 100, 2047, 2048, 5000, 44_100] {
            let signal = noise(len, len as u32);
            let mut stft = Stft::new();
            let mut out = vec![0.0; len];
            let mut weight = vec![0.0; len];
            let mut spectrum = vec![Complex32::default(); BINS];
            for f in 0..frame_count(len) {
                stft.frame(&signal, f, &mut spectrum);
                stft.add_frame(&mut spectrum, f, &mut out);
                stft.add_weight(f, &mut weight);
            }
            finish(&mut out, &weight);
            let worst = signal
                .iter()
                .zip(&out)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "{len} samples: worst error {worst}");
        }
    }

    #[test]
    fn a_sine_lands_in_its_bin() {
        // 44,100 Hz: bin 100 is 100 · 44100 / 2048 = 2153.3 Hz.
        let hz = 100.0 * 44_100.0 / FRAME as f64;
        let signal: Vec<f32> = (0..44_100)
            .map(|n| (2.0 * std::f64::consts::PI * hz * n as f64 / 44_100.0).sin() as f32)
            .collect();
        let mags = magnitudes(&signal);
        let row = &mags[40 * BINS..41 * BINS];
        let peak = (0..BINS)
            .max_by(|a, b| row[*a].total_cmp(&row[*b]))
            .unwrap();
        assert_eq!(peak, 100);
        // A unit sine under a Hann window of 2048: amplitude · sum(w) / 2 = 512.
        assert!((row[100] - 512.0).abs() < 1.0, "{}", row[100]);
    }
}
