//! `analyze(path)`: the analysis of an audio file as a map a script reads like the JSON of
//! `yano analyze --json` (a.bpm, a.key, a.chords[0].label, a.amapiano.swing.percent …), so a
//! script can, say, arrange a track in a song's key and tempo.

use rhai::{Array, Dynamic, Map};

use crate::api::{Context, Fallible};

/// Analyses a file the sandbox lets the script read.
pub fn analyze(cx: &Context, path: &str) -> Fallible<Map> {
    let real = cx.sandbox.readable(path).map_err(|e| e.to_string())?;
    let report = yano_analysis::analyze_file(&real, &yano_analysis::Settings::default())
        .map_err(|e| format!("analyze {path}: {e}"))?;
    let value = serde_json::to_value(&report).map_err(|e| format!("analyze {path}: {e}"))?;
    match dynamic_of_json(value).try_cast::<Map>() {
        Some(map) => Ok(map),
        None => Err(format!("analyze {path}: the analysis is not a map").into()),
    }
}

fn dynamic_of_json(v: serde_json::Value) -> Dynamic {
    use serde_json::Value;
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) if n.is_i64() => Dynamic::from(i),
            _ => Dynamic::from(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Dynamic::from(s),
        Value::Array(items) => {
            Dynamic::from(items.into_iter().map(dynamic_of_json).collect::<Array>())
        }
        Value::Object(fields) => Dynamic::from(
            fields
                .into_iter()
                .map(|(k, v)| (k.into(), dynamic_of_json(v)))
                .collect::<Map>(),
        ),
    }
}
