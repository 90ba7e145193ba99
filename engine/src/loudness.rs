//! Loudness of a finished render, measured with the `ebur128` crate (EBU R 128 / ITU-R BS.1770-4):
//! integrated loudness, loudness range and true peak. Control thread only: it allocates.

use thiserror::Error;

/// What a render measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loudness {
    /// Integrated loudness, LUFS (gated).
    pub integrated_lufs: f64,
    /// Loudness range, LU.
    pub range_lu: f64,
    /// Highest true (inter-sample, oversampled) peak of any channel, dBTP.
    pub true_peak_dbtp: f64,
    /// Highest sample value of any channel, dBFS.
    pub sample_peak_dbfs: f64,
}

#[derive(Debug, Error)]
#[error("loudness measurement failed: {0}")]
pub struct LoudnessError(String);

/// Measures a stereo signal.
pub fn measure(left: &[f32], right: &[f32], sample_rate: u32) -> Result<Loudness, LoudnessError> {
    let mut meter = LoudnessMeter::new(2, sample_rate)?;
    let n = left.len().min(right.len());
    meter.add(&[&left[..n], &right[..n]])?;
    meter.finish()
}

/// A loudness meter fed block by block, so a file of any length is measured in bounded memory.
/// Channels follow the WAV order: with six, the fourth is the LFE (left out, as BS.1770 says)
/// and the fifth and sixth are the surrounds.
pub struct LoudnessMeter {
    meter: ebur128::EbuR128,
    channels: usize,
}

fn fail(e: ebur128::Error) -> LoudnessError {
    LoudnessError(e.to_string())
}

impl LoudnessMeter {
    pub fn new(channels: usize, sample_rate: u32) -> Result<LoudnessMeter, LoudnessError> {
        use ebur128::{Channel, EbuR128, Mode};
        let modes = Mode::I | Mode::LRA | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK;
        let mut meter = EbuR128::new(channels as u32, sample_rate, modes).map_err(fail)?;
        if channels == 6 {
            let map = [
                Channel::Left,
                Channel::Right,
                Channel::Center,
                Channel::Unused,
                Channel::LeftSurround,
                Channel::RightSurround,
            ];
            meter.set_channel_map(&map).map_err(fail)?;
        }
        Ok(LoudnessMeter { meter, channels })
    }

    /// Adds one block: one slice per channel, all the same length.
    pub fn add(&mut self, channels: &[&[f32]]) -> Result<(), LoudnessError> {
        self.meter.add_frames_planar_f32(channels).map_err(fail)
    }

    /// The measurements of everything added. Silence reads as −∞ LUFS and −∞ dB.
    pub fn finish(&self) -> Result<Loudness, LoudnessError> {
        let db = |x: f64| {
            if x > 0.0 {
                20.0 * x.log10()
            } else {
                f64::NEG_INFINITY
            }
        };
        let (mut true_peak, mut sample_peak) = (0.0f64, 0.0f64);
        for ch in 0..self.channels as u32 {
            true_peak = true_peak.max(self.meter.true_peak(ch).map_err(fail)?);
            sample_peak = sample_peak.max(self.meter.sample_peak(ch).map_err(fail)?);
        }
        Ok(Loudness {
            integrated_lufs: self.meter.loudness_global().map_err(fail)?,
            range_lu: self.meter.loudness_range().map_err(fail)?,
            true_peak_dbtp: db(true_peak),
            sample_peak_dbfs: db(sample_peak),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_measures_as_the_standard_says() {
        // EBU Tech 3341: a 1 kHz stereo sine at −23 dBFS (peak) reads −23 LUFS.
        let a = 10f32.powf(-23.0 / 20.0);
        let x: Vec<f32> = (0..48_000 * 5)
            .map(|i| a * (std::f32::consts::TAU * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        let m = measure(&x, &x, 48_000).unwrap();
        assert!((m.integrated_lufs + 23.0).abs() < 0.1, "{m:?}");
        assert!(
            (m.sample_peak_dbfs + 23.0).abs() < 0.01 && (m.true_peak_dbtp + 23.0).abs() < 0.1,
            "{m:?}"
        );
    }
}
