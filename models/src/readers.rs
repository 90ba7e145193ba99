//! The analysis's learned readers: which reads the chords (yano's chord model or the rules)
//! and the style (yano's style model), as `yano analyze --chords` chooses and as
//! [`crate::register`] installs for the analysis nodes and scripts.

use std::sync::{Arc, OnceLock};

use yano_analysis::chords::{ChordReader, Harmony, Rules, STATES};
use yano_analysis::style::{StyleReader, STYLES, STYLE_FEATURES};
use yano_analysis::{AnalysisError, Readers};

use crate::chords::ChordModel;
use crate::style::StyleModel;
use crate::ModelError;

/// Which reads the chords: `auto` (the model where it can run, else the rules, saying why),
/// `model` or `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChordChoice {
    Auto,
    Model,
    Rules,
}

impl ChordChoice {
    pub fn parse(text: &str) -> Option<ChordChoice> {
        match text {
            "auto" => Some(ChordChoice::Auto),
            "model" => Some(ChordChoice::Model),
            "rules" => Some(ChordChoice::Rules),
            _ => None,
        }
    }
}

/// The readers for a chord choice, the style model with them where it can run; and, where a
/// model cannot run here (no backend built in and no native ONNX Runtime), what is left out and
/// why. `model` fails instead of falling back.
pub fn readers(choice: ChordChoice) -> Result<(Readers, Vec<String>), ModelError> {
    let mut notes = Vec::new();
    let chords: Arc<dyn ChordReader> = match choice {
        ChordChoice::Rules => Arc::new(Rules),
        ChordChoice::Model => Arc::new(ChordModel::bundled()?),
        ChordChoice::Auto => match ChordModel::bundled() {
            Ok(model) => Arc::new(model),
            Err(e) => {
                notes.push(format!(
                    "chords read by the rules: the chord model cannot run ({e})"
                ));
                Arc::new(Rules)
            }
        },
    };
    let style: Option<Arc<dyn StyleReader>> = match StyleModel::bundled() {
        Ok(model) => Some(Arc::new(model)),
        Err(e) => {
            notes.push(format!("no style: the style model cannot run ({e})"));
            None
        }
    };
    Ok((Readers { chords, style }, notes))
}

/// The models when they load, else the rules and no style ([`readers`] with `auto`); loaded on
/// first use, on the worker that first analyses. What [`crate::register`] installs.
pub fn auto_readers() -> Readers {
    let lazy = Arc::new(Lazy::default());
    Readers {
        chords: lazy.clone(),
        style: Some(lazy),
    }
}

#[derive(Default)]
struct Lazy {
    chosen: OnceLock<Readers>,
}

impl Lazy {
    fn chosen(&self) -> &Readers {
        // `auto` falls back rather than fails; the rules stand in all the same.
        self.chosen.get_or_init(|| {
            readers(ChordChoice::Auto).map_or_else(|_| Readers::rules(), |(readers, _)| readers)
        })
    }
}

impl ChordReader for Lazy {
    fn name(&self) -> &str {
        self.chosen().chords.name()
    }

    fn emissions(&self, harmony: &Harmony) -> Result<Vec<[f32; STATES]>, AnalysisError> {
        self.chosen().chords.emissions(harmony)
    }
}

impl StyleReader for Lazy {
    fn name(&self) -> &str {
        self.chosen()
            .style
            .as_ref()
            .map_or(crate::style::BUNDLED_NAME, |style| style.name())
    }

    /// Where the model cannot run (no backend), no style.
    fn probabilities(
        &self,
        descriptor: &[f32; STYLE_FEATURES],
    ) -> Result<Option<[f32; STYLES.len()]>, AnalysisError> {
        match &self.chosen().style {
            Some(model) => model.probabilities(descriptor),
            None => Ok(None),
        }
    }
}
