//! `amapianorize(path)` and `amapianorize(path, options)`: a song into amapiano, written under the
//! script's output folder as `yano amapianorize` writes it.

use rhai::{Dynamic, Map};
use yano_amapianorize::{amapianorize_file, Options};
use yano_generator::prompt::Style;

use crate::api::{Context, Fallible};

/// Amapianorizes a file the sandbox lets the script read. Options: `style` (amapiano,
/// private_school, sgija), `intensity` (0–1), `keep` (an array of stem names or a
/// comma-separated string; vocals by default), `bpm`, `seed`, `out` (a folder under --out,
/// default "amapianorized"). Returns a map: `track`, `report`, `graph` (files relative to --out),
/// `bpm` (the target), `bars`, `key`, `markers` (the output's markers, in words).
pub fn amapianorize(cx: &Context, path: &str, options: &Map) -> Fallible<Map> {
    let fail = |e: &dyn std::fmt::Display| format!("amapianorize {path}: {e}");
    let real = cx.sandbox.readable(path).map_err(|e| e.to_string())?;
    let text = |key: &str, default: &str| -> Result<String, String> {
        options.get(key).map_or(Ok(default.to_string()), |v| {
            v.clone()
                .into_string()
                .map_err(|t| fail(&format!("{key} must be text, not {t}")))
        })
    };
    let number = |key: &str| -> Result<Option<f64>, String> {
        options.get(key).map_or(Ok(None), |v| {
            v.as_float()
                .or_else(|_| v.as_int().map(|i| i as f64))
                .map(Some)
                .map_err(|t| fail(&format!("{key} must be a number, not {t}")))
        })
    };
    let style_name = text("style", "amapiano")?;
    let style = Style::parse(&style_name).ok_or_else(|| {
        fail(&format!(
            "style {style_name:?} is not understood: expected amapiano, private_school or sgija"
        ))
    })?;
    let keep: Vec<String> = match options.get("keep") {
        None => vec!["vocals".into()],
        Some(v) if v.is_array() => v
            .clone()
            .into_array()
            .map_err(|t| fail(&format!("keep must be names, not {t}")))?
            .into_iter()
            .map(|s| {
                s.into_string()
                    .map_err(|t| fail(&format!("keep must be names, not {t}")))
            })
            .collect::<Result<_, _>>()?,
        Some(v) => v
            .clone()
            .into_string()
            .map_err(|t| fail(&format!("keep must be an array of names, not {t}")))?
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let settings = Options {
        style,
        intensity: number("intensity")?.unwrap_or(1.0),
        keep,
        bpm: number("bpm")?,
        seed: number("seed")?.map_or(0, |s| s.max(0.0) as u64),
        ..Options::default()
    };
    settings.check().map_err(|e| fail(&e))?;
    let out = text("out", "amapianorized")?;
    let dir = cx
        .sandbox
        .writable(&format!("{out}/report.json"))
        .map_err(|e| e.to_string())?
        .parent()
        .map(std::path::Path::to_path_buf)
        .ok_or_else(|| fail(&"no output folder"))?;
    std::fs::create_dir_all(&dir).map_err(|e| fail(&e))?;
    let done = amapianorize_file(&real, &dir, &settings, cx.registry.clone(), &mut |_, _| {
        true
    })
    .map_err(|e| fail(&e))?;
    let mut result = Map::new();
    for (key, file) in [
        ("track", "track.wav"),
        ("report", "report.json"),
        ("graph", "track.ron"),
    ] {
        result.insert(key.into(), Dynamic::from(format!("{out}/{file}")));
    }
    result.insert("bpm".into(), Dynamic::from(done.plan.target_bpm));
    result.insert("bars".into(), Dynamic::from(i64::from(done.map.bars)));
    result.insert(
        "key".into(),
        Dynamic::from(done.source.key.map_or(String::new(), |k| k.to_string())),
    );
    result.insert(
        "markers".into(),
        Dynamic::from(done.output.amapiano.summary.clone()),
    );
    Ok(result)
}
