//! `arrange(#{ style, key, bpm, bars, seed, … })`: the generator from a script. It returns the
//! whole track as a graph (sequencers with every note, arrangement, instruments, effects, mixer,
//! automation), which the script can change, render with stems, export as MIDI or save.

use rhai::{Dynamic, Map};
use yano_generator::{build, compose, Options, Request};

use crate::api::{fail, number, Context, Fallible, ScriptGraph};

const KEYS: &str = "prompt, style, key, bpm, swing, bars, minutes, seed, energy, density, complexity, instruments, without";

/// Text, or a list of texts joined by commas.
fn words(v: &Dynamic) -> Option<Vec<String>> {
    if let Ok(s) = v.clone().into_string() {
        return Some(vec![s]);
    }
    v.clone().into_array().ok().map(|items| {
        items
            .into_iter()
            .filter_map(|i| i.into_string().ok())
            .collect()
    })
}

pub(crate) fn arrange(cx: &Context, settings: &Map) -> Fallible<ScriptGraph> {
    let mut options = Options::default();
    let mut prompt = String::new();
    for (key, v) in settings {
        let text = || {
            v.clone()
                .into_string()
                .map_err(|_| format!("arrange: {key} must be text"))
        };
        let num = || number(v).ok_or_else(|| format!("arrange: {key} must be a number"));
        match key.as_str() {
            "prompt" => prompt = text()?,
            "style" => options.style = Some(text()?),
            "key" => options.key = Some(text()?),
            "energy" => options.energy = Some(text()?),
            "bpm" => options.bpm = Some(num()?),
            "swing" => options.swing = Some(num()?),
            "bars" => options.bars = Some(num()?.max(0.0) as u32),
            "minutes" => options.seconds = Some(num()? * 60.0),
            "seed" => options.seed = num()?.max(0.0) as u64,
            "density" => options.density = Some(num()?),
            "complexity" => options.complexity = Some(num()?),
            "instruments" => {
                options.parts =
                    words(v).ok_or_else(|| format!("arrange: {key} must be text or a list"))?
            }
            "without" => {
                options.without =
                    words(v).ok_or_else(|| format!("arrange: {key} must be text or a list"))?
            }
            _ => return fail(format!("arrange: unknown setting \"{key}\" ({KEYS})")),
        }
    }
    let (request, reading) =
        Request::new(&prompt, &options).map_err(|e| format!("arrange: {e}"))?;
    if !reading.unknown.is_empty() {
        eprintln!(
            "arrange: not understood in the prompt: {}",
            reading.unknown.join(", ")
        );
    }
    let track = compose(&request);
    let graph = build::graph(&track, &cx.registry).map_err(|e| format!("arrange: {e}"))?;
    Ok(ScriptGraph::new(graph))
}
