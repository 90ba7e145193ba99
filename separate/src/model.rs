//! The trained separator as a [`MaskSource`]: yano's own model, built into the binary, or a
//! separation model declared in models/models.ron and fetched by the user.

use std::sync::Arc;

use yano_models::session::BundledCell;
use yano_models::{LoadedModel, ModelError};

use crate::chunks::{Chunk, MaskSource, CHUNK_FRAMES};
use crate::stems::{self, STEMS};
use crate::stft::{BINS, FRAME, HOP};
use crate::SeparateError;

/// yano's separator: its name in the manifest.
pub const BUNDLED_NAME: &str = "yano-separator";

/// The trained file, committed in models/separator/ (see models/separator/README.md).
pub static BUNDLED_BYTES: &[u8] = include_bytes!("../../models/separator/yano-separator.onnx");

/// A separation model ready to give masks.
pub struct ModelMasks {
    pub model: Arc<LoadedModel>,
    /// For each of the model's output stems, the index of the yano stem it feeds (None: its share
    /// goes to the rest).
    map: Vec<Option<usize>>,
}

impl std::fmt::Debug for ModelMasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelMasks")
            .field("model", &self.model)
            .finish()
    }
}

fn bundled() -> Result<Arc<LoadedModel>, ModelError> {
    static MODEL: BundledCell = BundledCell::new();
    yano_models::session::bundled(&MODEL, BUNDLED_NAME, BUNDLED_BYTES)
}

impl ModelMasks {
    /// The model called `name` (yano's own when None), loaded once per process and checked: it
    /// must be a separation model in yano's STFT, taking `[1, BINS, CHUNK_FRAMES]` features.
    pub fn load(name: Option<&str>) -> Result<ModelMasks, SeparateError> {
        let model = match name {
            None | Some(BUNDLED_NAME) => bundled()?,
            Some(name) => yano_models::shared(name)?,
        };
        Self::check(model)
    }

    /// Wraps a loaded model after checking what it declares.
    pub fn check(model: Arc<LoadedModel>) -> Result<ModelMasks, SeparateError> {
        let spec = &model.spec;
        let wrong = |reason: String| SeparateError::WrongModel {
            name: spec.name.clone(),
            reason,
        };
        let separation = spec
            .separation
            .as_ref()
            .ok_or_else(|| wrong(format!("its task is \"{}\", not separation", spec.task)))?;
        if (separation.frame, separation.hop) != (FRAME, HOP) {
            return Err(wrong(format!(
                "it works in {}-sample frames every {} samples; yano's STFT is {FRAME} every {HOP}",
                separation.frame, separation.hop
            )));
        }
        if spec.sample_rate.is_some_and(|r| r != crate::MODEL_RATE) {
            return Err(wrong(format!(
                "it expects {} Hz; yano separates at {} Hz",
                spec.sample_rate.unwrap_or(0),
                crate::MODEL_RATE
            )));
        }
        let input = [1, BINS as i64, CHUNK_FRAMES as i64];
        let output = [
            1,
            separation.stems.len() as i64,
            BINS as i64,
            CHUNK_FRAMES as i64,
        ];
        let shapes_fit = |declared: &[i64], wanted: &[i64]| {
            declared.len() == wanted.len()
                && declared.iter().zip(wanted).all(|(d, w)| *d < 0 || d == w)
        };
        if spec.inputs.len() != 1 || !shapes_fit(&spec.inputs[0].shape, &input) {
            return Err(wrong(format!("it must take one input shaped {input:?}")));
        }
        if spec.outputs.len() != 1 || !shapes_fit(&spec.outputs[0].shape, &output) {
            return Err(wrong(format!("it must give one output shaped {output:?}")));
        }
        let map = separation.stems.iter().map(|s| stems::index(s)).collect();
        Ok(ModelMasks { model, map })
    }

    pub fn name(&self) -> &str {
        &self.model.spec.name
    }
}

impl MaskSource for ModelMasks {
    fn masks(&self, chunk: &Chunk<'_>) -> Result<Vec<f32>, SeparateError> {
        let outputs = self.model.run(&[chunk.features])?;
        let values = &outputs[0].values;
        let per_stem = BINS * CHUNK_FRAMES;
        if values.len() != self.map.len() * per_stem {
            return Err(SeparateError::WrongModel {
                name: self.model.spec.name.clone(),
                reason: format!(
                    "it returned {} values, not {} stems × {BINS} bins × {CHUNK_FRAMES} frames",
                    values.len(),
                    self.map.len()
                ),
            });
        }
        let mut masks = vec![0.0f32; STEMS.len() * per_stem];
        for (k, target) in self.map.iter().enumerate() {
            if let Some(s) = target {
                let from = &values[k * per_stem..(k + 1) * per_stem];
                let to = &mut masks[s * per_stem..(s + 1) * per_stem];
                for (t, v) in to.iter_mut().zip(from) {
                    // A mask outside 0..1 (or NaN) from someone else's model is clamped.
                    *t += if v.is_finite() {
                        v.clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                }
            }
        }
        Ok(masks)
    }

    fn parallelism(&self) -> usize {
        self.model.parallelism()
    }
}
