//! The two spectrograms every analysis reads, computed as the mono mix streams in at
//! [`RATE`]: short frames for onsets (spectral flux in three bands, after Bello et al. 2005,
//! "A Tutorial on Onset Detection in Music Signals") and long frames for pitch (chroma from the
//! spectral peaks only, so drums and noise, whose peaks fall evenly on all pitch classes, weigh
//! little: a cheap harmonic emphasis). Chroma is gathered in thirds of a semitone and folded to
//! semitones at the end around the track's tuning (the magnitude-weighted circular mean of every
//! peak's distance from the equal-tempered grid, as librosa's `estimate_tuning` measures it), so
//! a recording tuned to A = 446 Hz reads as well as one at 440. Only these per-frame numbers are kept, never the audio:
//! two hours of music make about 25 MB of features.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use crate::notes;

/// The analysis rate: the mono mix is resampled to it.
pub const RATE: u32 = 22_050;
/// Onset frames: 46 ms, every 11.6 ms (86.13 frames a second).
pub const FRAME: usize = 1024;
pub const HOP: usize = 256;
/// Chroma frames: 372 ms (2.7 Hz bins, fine enough for log-drum roots near 41 Hz), every 93 ms.
pub const CHROMA_FRAME: usize = 8192;
pub const CHROMA_HOP: usize = 2048;
/// Onset frames per chroma frame.
pub const CHROMA_RATIO: usize = CHROMA_HOP / HOP;

/// Frames a second of the onset features.
pub fn frame_rate() -> f64 {
    f64::from(RATE) / HOP as f64
}

/// Seconds at the centre of onset frame `i` (fractional frames allowed).
pub fn frame_seconds(i: f64) -> f64 {
    i / frame_rate()
}

/// Bands (Hz) of the onset features.
pub const LOG_DRUM_BAND: (f64, f64) = (40.0, 130.0);
/// Where a log drum's falling pitch starts: an octave or two above its note.
pub const GLIDE_BAND: (f64, f64) = (40.0, 260.0);
pub const SHAKER_BAND: (f64, f64) = (5_000.0, 10_000.0);
pub const BASS_CHROMA: (f64, f64) = (38.0, 260.0);
pub const TREBLE_CHROMA: (f64, f64) = (260.0, 2_100.0);

/// What each onset frame holds.
#[derive(Debug, Clone, Default)]
pub struct OnsetFrames {
    /// Spectral flux of the log-magnitude spectrum, 30 Hz–10 kHz.
    pub flux: Vec<f32>,
    /// Flux in the log-drum band.
    pub low_flux: Vec<f32>,
    /// Flux in the shaker band.
    pub high_flux: Vec<f32>,
    /// Energy in the log-drum band and in the whole spectrum.
    pub low_energy: Vec<f32>,
    pub energy: Vec<f32>,
    /// Centroid (Hz) of the magnitude in the glide band.
    pub low_centroid: Vec<f32>,
}

/// Chroma per chroma frame: pitch-class magnitudes in the bass and above it.
#[derive(Debug, Clone, Default)]
pub struct ChromaFrames {
    pub bass: Vec<[f32; 12]>,
    pub treble: Vec<[f32; 12]>,
}

/// Everything the analyses read.
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub onsets: OnsetFrames,
    /// Chroma of the spectral peaks.
    pub chroma: ChromaFrames,
    /// Chroma of the notes fitted to the peaks ([`crate::notes`]): overtones explained away.
    pub note_chroma: ChromaFrames,
    /// The track's tuning against A = 440 Hz, cents (−50..50).
    pub tuning_cents: f64,
    /// Samples of the mono mix at [`RATE`].
    pub samples: u64,
}

impl Features {
    pub fn seconds(&self) -> f64 {
        self.samples as f64 / f64::from(RATE)
    }
}

/// Zeros before the first sample so that frame 0 of both spectrograms is centred on sample 0.
const LEAD: usize = CHROMA_FRAME / 2;

/// Computes [`Features`] from the mono mix, block by block.
pub struct Extractor {
    /// Samples from `base` (in the zero-led signal) on.
    buf: Vec<f32>,
    base: usize,
    next_onset: usize,
    next_chroma: usize,
    fft: Arc<dyn RealToComplex<f32>>,
    chroma_fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    chroma_window: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    chroma_input: Vec<f32>,
    chroma_spectrum: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
    log_mag: Vec<f32>,
    prev_log_mag: Vec<f32>,
    mag: Vec<f32>,
    /// Chroma in thirds of a semitone (bin 3·pc is the equal-tempered pitch), folded at the end.
    fine_bass: Vec<[f32; 36]>,
    fine_treble: Vec<[f32; 36]>,
    /// This frame's peaks on the note grid in thirds of a semitone ([`notes::NOTES`] × 3, third
    /// 3·n is note n equal-tempered).
    fine_notes: Vec<f32>,
    /// The notes fitted to each frame, as the frames come.
    note_chroma: notes::NoteChroma,
    chroma_frames: usize,
    /// Magnitude-weighted sum of each peak's distance from the grid, as a unit vector.
    tuning: (f64, f64),
    out: Features,
}

fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let x = std::f64::consts::PI * i as f64 / n as f64;
            (x.sin() * x.sin()) as f32
        })
        .collect()
}

/// The tuning (semitones from the equal-tempered grid, −0.5..0.5) of the peaks' weighted
/// distances summed as a unit vector.
fn tuning_semitones((x, y): (f64, f64)) -> f64 {
    if x == 0.0 && y == 0.0 {
        0.0
    } else {
        y.atan2(x) / std::f64::consts::TAU
    }
}

/// The third of a semitone nearest the tuning.
fn tuning_centre(tuning: (f64, f64)) -> isize {
    (3.0 * tuning_semitones(tuning)).round() as isize
}

fn bin_of(hz: f64, frame: usize) -> usize {
    (hz * frame as f64 / f64::from(RATE)).round() as usize
}

impl Default for Extractor {
    fn default() -> Self {
        Self::new()
    }
}

impl Extractor {
    pub fn new() -> Extractor {
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(FRAME);
        let chroma_fft = planner.plan_fft_forward(CHROMA_FRAME);
        let scratch_len = fft.get_scratch_len().max(chroma_fft.get_scratch_len());
        Extractor {
            buf: vec![0.0; LEAD],
            base: 0,
            next_onset: 0,
            next_chroma: 0,
            spectrum: fft.make_output_vec(),
            chroma_spectrum: chroma_fft.make_output_vec(),
            input: vec![0.0; FRAME],
            chroma_input: vec![0.0; CHROMA_FRAME],
            scratch: vec![Default::default(); scratch_len],
            fft,
            chroma_fft,
            window: hann(FRAME),
            chroma_window: hann(CHROMA_FRAME),
            log_mag: vec![0.0; FRAME / 2 + 1],
            prev_log_mag: vec![0.0; FRAME / 2 + 1],
            mag: vec![0.0; CHROMA_FRAME / 2 + 1],
            fine_bass: Vec::new(),
            fine_treble: Vec::new(),
            fine_notes: vec![0.0; 3 * notes::NOTES],
            note_chroma: notes::NoteChroma::new(),
            chroma_frames: 0,
            tuning: (0.0, 0.0),
            out: Features::default(),
        }
    }

    /// Adds samples of the mono mix at [`RATE`].
    pub fn push(&mut self, samples: &[f32]) {
        self.buf.extend_from_slice(samples);
        self.out.samples += samples.len() as u64;
        self.run(false);
    }

    /// Pads the end with silence, computes the last frames and hands over the features.
    pub fn finish(mut self) -> Features {
        self.buf.extend(std::iter::repeat_n(0.0, CHROMA_FRAME));
        self.run(true);
        let semitones = tuning_semitones(self.tuning);
        self.out.tuning_cents = 100.0 * semitones;
        // Fold around the third of a semitone nearest the tuning, its neighbours at half weight.
        let centre = tuning_centre(self.tuning);
        let fold = |fine: &[f32; 36]| -> [f32; 12] {
            std::array::from_fn(|pc| {
                let at = |d: isize| fine[(3 * pc as isize + centre + d).rem_euclid(36) as usize];
                at(0) + 0.5 * (at(-1) + at(1))
            })
        };
        self.out.chroma.bass = self.fine_bass.iter().map(fold).collect();
        self.out.chroma.treble = self.fine_treble.iter().map(fold).collect();
        // The note chroma's last frames, on the final tuning.
        self.out.note_chroma = self.note_chroma.finish(centre);
        self.out
    }

    fn run(&mut self, last: bool) {
        let end = self.base + self.buf.len();
        // Frames centred on a real sample only (frame i is centred on sample i·hop).
        let real = LEAD + self.out.samples as usize;
        loop {
            let onset_start = LEAD + self.next_onset * HOP - FRAME / 2;
            let chroma_start = self.next_chroma * CHROMA_HOP;
            let onset_ok = onset_start + FRAME <= end
                && (!last || onset_start + FRAME / 2 < real || self.next_onset == 0);
            let chroma_ok = chroma_start + CHROMA_FRAME <= end
                && (!last || chroma_start + CHROMA_FRAME / 2 < real || self.next_chroma == 0);
            // Keep the two spectrograms in step so the buffer can be trimmed behind both.
            if onset_ok && (self.next_onset < self.next_chroma * CHROMA_RATIO || !chroma_ok) {
                self.onset_frame(onset_start - self.base);
                self.next_onset += 1;
            } else if chroma_ok {
                self.chroma_frame(chroma_start - self.base);
                self.next_chroma += 1;
            } else {
                break;
            }
        }
        let keep_from =
            (LEAD + self.next_onset * HOP - FRAME / 2).min(self.next_chroma * CHROMA_HOP);
        let drop = keep_from.saturating_sub(self.base);
        if drop > 1 << 16 {
            self.buf.drain(..drop);
            self.base += drop;
        }
    }

    fn onset_frame(&mut self, at: usize) {
        for ((x, s), w) in self
            .input
            .iter_mut()
            .zip(&self.buf[at..at + FRAME])
            .zip(&self.window)
        {
            *x = s * w;
        }
        let _ =
            self.fft
                .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch);
        let (lo, hi) = (bin_of(30.0, FRAME), bin_of(10_000.0, FRAME));
        let (dl, dh) = (
            bin_of(LOG_DRUM_BAND.0, FRAME),
            bin_of(LOG_DRUM_BAND.1, FRAME),
        );
        let (gl, gh) = (bin_of(GLIDE_BAND.0, FRAME), bin_of(GLIDE_BAND.1, FRAME));
        let (sl, sh) = (bin_of(SHAKER_BAND.0, FRAME), bin_of(SHAKER_BAND.1, FRAME));
        let (mut flux, mut low_flux, mut high_flux) = (0.0f32, 0.0f32, 0.0f32);
        let (mut low_energy, mut energy) = (0.0f32, 0.0f32);
        let (mut moment, mut weight) = (0.0f32, 0.0f32);
        let bin_hz = RATE as f32 / FRAME as f32;
        for (k, c) in self.spectrum.iter().enumerate() {
            let power = c.norm_sqr();
            let mag = power.sqrt();
            energy += power;
            // Log compression (γ = 1000 on a full-scale-normalised magnitude).
            let l = (1.0 + 1000.0 * mag / FRAME as f32).ln();
            self.log_mag[k] = l;
            let rise = (l - self.prev_log_mag[k]).max(0.0);
            if (lo..=hi).contains(&k) {
                flux += rise;
            }
            if (dl..=dh).contains(&k) {
                low_flux += rise;
                low_energy += power;
            }
            if (sl..=sh).contains(&k) {
                high_flux += rise;
            }
            if (gl..=gh).contains(&k) {
                moment += mag * k as f32 * bin_hz;
                weight += mag;
            }
        }
        std::mem::swap(&mut self.log_mag, &mut self.prev_log_mag);
        let o = &mut self.out.onsets;
        o.flux.push(flux);
        o.low_flux.push(low_flux);
        o.high_flux.push(high_flux);
        o.low_energy.push(low_energy);
        o.energy.push(energy);
        o.low_centroid
            .push(if weight > 0.0 { moment / weight } else { 0.0 });
    }

    fn chroma_frame(&mut self, at: usize) {
        let frame = &self.buf[at..at + CHROMA_FRAME];
        for ((x, s), w) in self
            .chroma_input
            .iter_mut()
            .zip(frame)
            .zip(&self.chroma_window)
        {
            *x = s * w;
        }
        let _ = self.chroma_fft.process_with_scratch(
            &mut self.chroma_input,
            &mut self.chroma_spectrum,
            &mut self.scratch,
        );
        for (m, c) in self.mag.iter_mut().zip(&self.chroma_spectrum) {
            *m = c.norm();
        }
        let (mut bass, mut treble) = ([0.0f32; 36], [0.0f32; 36]);
        self.fine_notes.fill(0.0);
        let lowest = f64::from(notes::LOWEST_NOTE);
        let highest_hz = 440.0 * 2f64.powf((lowest + notes::NOTES as f64 - 0.5 - 69.0) / 12.0);
        let lo = bin_of(BASS_CHROMA.0, CHROMA_FRAME).max(2);
        let split = TREBLE_CHROMA.0;
        let hi = bin_of(TREBLE_CHROMA.1.max(highest_hz), CHROMA_FRAME);
        let bin_hz = f64::from(RATE) / CHROMA_FRAME as f64;
        for k in lo..=hi {
            let (a, b, c) = (self.mag[k - 1], self.mag[k], self.mag[k + 1]);
            // Spectral peaks only, at their interpolated frequency (parabola through log magnitudes).
            if b <= a || b < c || b <= 0.0 {
                continue;
            }
            let (la, lb, lc) = (
                (a + 1e-9).ln() as f64,
                (b + 1e-9).ln() as f64,
                (c + 1e-9).ln() as f64,
            );
            let denom = la - 2.0 * lb + lc;
            let shift = if denom < 0.0 {
                (0.5 * (la - lc) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            let hz = (k as f64 + shift) * bin_hz;
            let midi = 69.0 + 12.0 * (hz / 440.0).log2();
            let on_grid = (3.0 * (midi - lowest)).round();
            if on_grid >= 0.0 && (on_grid as usize) < 3 * notes::NOTES {
                self.fine_notes[on_grid as usize] += b;
            }
            if hz > TREBLE_CHROMA.1 {
                continue;
            }
            let third = ((3.0 * midi).round() as i64).rem_euclid(36) as usize;
            if hz < split {
                bass[third] += b;
            } else {
                // Tuning from the treble only: kicks and log drums glide through the bass.
                let angle = std::f64::consts::TAU * (midi - midi.round());
                self.tuning.0 += f64::from(b) * angle.cos();
                self.tuning.1 += f64::from(b) * angle.sin();
                treble[third] += b;
            }
        }
        self.fine_bass.push(bass);
        self.fine_treble.push(treble);
        self.chroma_frames += 1;
        let settled = self.chroma_frames >= notes::SETTLE_FRAMES;
        let centre = settled.then(|| tuning_centre(self.tuning));
        self.note_chroma.push(&self.fine_notes, centre);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f64, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(RATE)) as usize;
        (0..n)
            .map(|i| (0.5 * (std::f64::consts::TAU * hz * i as f64 / f64::from(RATE)).sin()) as f32)
            .collect()
    }

    #[test]
    fn a_sine_lands_in_its_pitch_class_and_the_frame_counts_follow_the_length() {
        let mut x = Extractor::new();
        // A2 (110 Hz) in the bass, E4 (329.6 Hz) above, pushed in odd-sized blocks.
        let a: Vec<f32> = sine(110.0, 4.0)
            .iter()
            .zip(sine(329.63, 4.0))
            .map(|(a, b)| a + b)
            .collect();
        for block in a.chunks(777) {
            x.push(block);
        }
        let f = x.finish();
        let expected = (a.len() as f64 / HOP as f64).ceil() as usize;
        assert_eq!(f.onsets.flux.len(), expected);
        assert_eq!(
            f.chroma.treble.len(),
            (a.len() as f64 / CHROMA_HOP as f64).ceil() as usize
        );
        let mid = f.chroma.bass.len() / 2;
        let argmax = |v: &[f32; 12]| (0..12).max_by(|&i, &j| v[i].total_cmp(&v[j])).unwrap();
        assert_eq!(argmax(&f.chroma.bass[mid]), 9, "{:?}", f.chroma.bass[mid]);
        assert!(f.tuning_cents.abs() < 3.0, "{} cents", f.tuning_cents);
        assert_eq!(
            argmax(&f.chroma.treble[mid]),
            4,
            "{:?}",
            f.chroma.treble[mid]
        );
        // A steady tone has no onsets after its first frames.
        let late = f.onsets.flux[50..expected - 50]
            .iter()
            .cloned()
            .fold(0.0, f32::max);
        let start = f.onsets.flux[..5].iter().cloned().fold(0.0, f32::max);
        assert!(late < 0.02 * start, "late flux {late} vs start {start}");
    }
}
