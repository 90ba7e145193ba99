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
    /// Highest true (inter-sample, 4× oversampled) peak of either channel, dBTP.
    pub true_peak_dbtp: f64,
    /// Highest sample value of either channel, dBFS.
    pub sample_peak_dbfs: f64,
}

#[derive(Debug, Error)]
#[error("loudness measurement failed: {0}")]
pub struct LoudnessError(String);

/// Measures a stereo signal.
pub fn measure(left: &[f32], right: &[f32], sample_rate: u32) -> Result<Loudness, LoudnessError> {
    use ebur128::{EbuR128, Mode};
    let fail = |e: ebur128::Error| LoudnessError(e.to_string());
    let mut meter = EbuR128::new(
        2,
        sample_rate,
        Mode::I | Mode::LRA | Mode::TRUE_PEAK | Mode::SAMPLE_PEAK,
    )
    .map_err(fail)?;
    let n = left.len().min(right.len());
    meter
        .add_frames_planar_f32(&[&left[..n], &right[..n]])
        .map_err(fail)?;
    let db = |x: f64| {
        if x > 0.0 {
            20.0 * x.log10()
        } else {
            f64::NEG_INFINITY
        }
    };
    Ok(Loudness {
        integrated_lufs: meter.loudness_global().map_err(fail)?,
        range_lu: meter.loudness_range().map_err(fail)?,
        true_peak_dbtp: db(meter
            .true_peak(0)
            .map_err(fail)?
            .max(meter.true_peak(1).map_err(fail)?)),
        sample_peak_dbfs: db(meter
            .sample_peak(0)
            .map_err(fail)?
            .max(meter.sample_peak(1).map_err(fail)?)),
    })
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
