//! yano's chord model as a [`ChordReader`]: a small network trained by the project
//! (models/train/chords.py, models/chords/README.md) that scores every chord state of each beat
//! from the beat's note chroma; the analysis decodes its scores as it decodes the rules'.
//! Built into the binary; it runs through the same backends as every model (tract by default).

use std::sync::Arc;

use yano_analysis::chords::{span_features, ChordReader, Harmony, FEATURES, STATES};
use yano_analysis::AnalysisError;

use crate::session::{bundled, BundledCell};
use crate::{LoadedModel, ModelError};

/// The chord model's name in the manifest and in reports.
pub const BUNDLED_NAME: &str = "yano-chords";

/// The trained file, committed in models/chords/ (see models/chords/README.md).
pub static BUNDLED_BYTES: &[u8] = include_bytes!("../chords/yano-chords.onnx");

/// Beats per model call, and the beats at each end of a window whose scores are not kept
/// (they lack context on one side), except at the track's ends.
pub const WINDOW: usize = 64;
const MARGIN: usize = 8;

/// The chord model, loaded once per process.
pub struct ChordModel {
    model: Arc<LoadedModel>,
}

impl ChordModel {
    /// yano's bundled chord model, checked against its manifest entry (sha256, tensor shapes).
    pub fn bundled() -> Result<ChordModel, ModelError> {
        static MODEL: BundledCell = BundledCell::new();
        let model = bundled(&MODEL, BUNDLED_NAME, BUNDLED_BYTES)?;
        Ok(ChordModel { model })
    }

    /// The emissions of every beat: the features in windows of [`WINDOW`] beats that overlap
    /// by twice [`MARGIN`], each beat's scores taken from the window where it is furthest from
    /// an edge.
    pub fn emissions_of(
        &self,
        features: &[[f32; FEATURES]],
    ) -> Result<Vec<[f32; STATES]>, ModelError> {
        let n = features.len();
        let mut out = vec![[0.0f32; STATES]; n];
        if n == 0 {
            return Ok(out);
        }
        let step = (WINDOW - 2 * MARGIN) as isize;
        let mut start = -(MARGIN as isize);
        let mut input = vec![0.0f32; WINDOW * FEATURES];
        loop {
            input.fill(0.0);
            let lo = start.max(0) as usize;
            let hi = (start + WINDOW as isize).min(n as isize) as usize;
            for (beat, row) in features[lo..hi].iter().enumerate() {
                let at = (lo as isize - start) as usize + beat;
                input[at * FEATURES..(at + 1) * FEATURES].copy_from_slice(row);
            }
            let outputs = self.model.run(&[&input])?;
            let values = &outputs[0].values;
            if values.len() != WINDOW * STATES {
                return Err(ModelError::Run {
                    name: self.model.spec.name.clone(),
                    reason: format!(
                        "it returned {} values, not {WINDOW} beats × {STATES} chords",
                        values.len()
                    ),
                });
            }
            let last = start + WINDOW as isize >= n as isize;
            let keep_lo = (start + MARGIN as isize).max(0) as usize;
            let keep_hi = if last {
                n
            } else {
                (start + (WINDOW - MARGIN) as isize) as usize
            };
            for (beat, row) in out.iter_mut().enumerate().take(keep_hi).skip(keep_lo) {
                let at = (beat as isize - start) as usize;
                row.copy_from_slice(&values[at * STATES..(at + 1) * STATES]);
            }
            if last {
                break;
            }
            start += step;
        }
        Ok(out)
    }
}

impl ChordReader for ChordModel {
    fn name(&self) -> &str {
        &self.model.spec.name
    }

    fn emissions(&self, harmony: &Harmony) -> Result<Vec<[f32; STATES]>, AnalysisError> {
        self.emissions_of(&span_features(harmony))
            .map_err(|e| AnalysisError::ChordModel {
                name: self.model.spec.name.clone(),
                reason: e.to_string(),
            })
    }
}
