//! yano's style model as a [`StyleReader`]: a small classifier trained by the project
//! (models/train/style.py, models/style/README.md) that reads a track's style descriptor
//! ([`yano_analysis::style::descriptor`]) and gives the probability of each style: amapiano,
//! private school, sgija, not amapiano. Built into the binary.

use std::sync::Arc;

use yano_analysis::style::{StyleReader, STYLES, STYLE_FEATURES};
use yano_analysis::AnalysisError;

use crate::session::{bundled, BundledCell};
use crate::{LoadedModel, ModelError};

/// The style model's name in the manifest and in reports.
pub const BUNDLED_NAME: &str = "yano-style";

/// The trained file, committed in models/style/ (see models/style/README.md).
pub static BUNDLED_BYTES: &[u8] = include_bytes!("../style/yano-style.onnx");

/// The style model, loaded once per process.
pub struct StyleModel {
    model: Arc<LoadedModel>,
}

impl StyleModel {
    /// yano's bundled style model, checked against its manifest entry.
    pub fn bundled() -> Result<StyleModel, ModelError> {
        static MODEL: BundledCell = BundledCell::new();
        let model = bundled(&MODEL, BUNDLED_NAME, BUNDLED_BYTES)?;
        Ok(StyleModel { model })
    }

    /// Each style's probability for one descriptor.
    pub fn probabilities_of(
        &self,
        descriptor: &[f32; STYLE_FEATURES],
    ) -> Result<[f32; STYLES.len()], ModelError> {
        let outputs = self.model.run(&[descriptor])?;
        let values = &outputs[0].values;
        if values.len() != STYLES.len() || values.iter().any(|v| !v.is_finite()) {
            return Err(ModelError::Run {
                name: self.model.spec.name.clone(),
                reason: format!(
                    "it returned {} values ({values:?}), not {} finite probabilities",
                    values.len(),
                    STYLES.len()
                ),
            });
        }
        Ok(std::array::from_fn(|i| values[i]))
    }
}

impl StyleReader for StyleModel {
    fn name(&self) -> &str {
        &self.model.spec.name
    }

    fn probabilities(
        &self,
        descriptor: &[f32; STYLE_FEATURES],
    ) -> Result<Option<[f32; STYLES.len()]>, AnalysisError> {
        self.probabilities_of(descriptor)
            .map(Some)
            .map_err(|e| AnalysisError::StyleModel {
                name: self.model.spec.name.clone(),
                reason: e.to_string(),
            })
    }
}
