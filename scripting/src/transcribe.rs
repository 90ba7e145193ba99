//! `transcribe(path)` and `transcribe(path, options)`: the notes basic-pitch hears in an audio
//! file, as an array of maps (`#{ pitch, name, start, end, velocity }`, times in seconds), so a
//! script can turn a recorded line into a clip for any instrument, or write it as MIDI.

use rhai::{Array, Dynamic, Map};

use crate::api::{Context, Fallible};

fn number(options: &Map, key: &str) -> Option<f64> {
    let v = options.get(key)?;
    v.as_float()
        .ok()
        .or_else(|| v.as_int().ok().map(|i| i as f64))
}

/// Transcribes a file the sandbox lets the script read. Options: `voices` ("auto", the default,
/// "mono" or "poly"), `mono` (true: the same as "mono"), `onset_threshold`,
/// `frame_threshold`, `min_note_ms`, `min_hz`, `max_hz`, and `midi` (a file under --out to write
/// the notes to, at `bpm`, default 120).
pub fn transcribe(cx: &Context, path: &str, options: &Map) -> Fallible<Array> {
    let fail = |e: &dyn std::fmt::Display| format!("transcribe {path}: {e}");
    let real = cx.sandbox.readable(path).map_err(|e| e.to_string())?;
    let defaults = yano_models::Options::default();
    let settings = yano_models::Options {
        voices: match (options.get("mono"), options.get("voices")) {
            (Some(mono), _) if mono.as_bool().ok() == Some(true) => yano_models::Voices::Mono,
            (_, Some(v)) => {
                let text = v.clone().into_string().unwrap_or_default();
                yano_models::Voices::parse(&text).ok_or_else(|| {
                    fail(&format!(
                        "voices must be \"auto\", \"mono\" or \"poly\", not {v}"
                    ))
                })?
            }
            _ => yano_models::Voices::Auto,
        },
        onset_threshold: number(options, "onset_threshold")
            .map_or(defaults.onset_threshold, |v| v as f32),
        frame_threshold: number(options, "frame_threshold")
            .map_or(defaults.frame_threshold, |v| v as f32),
        min_note_seconds: number(options, "min_note_ms")
            .map_or(defaults.min_note_seconds, |v| v / 1000.0),
        min_hz: number(options, "min_hz"),
        max_hz: number(options, "max_hz"),
        ..defaults
    };
    let model = yano_models::shared("basic-pitch").map_err(|e| fail(&e))?;
    let heard = yano_models::transcribe_file(&model, &real, &settings, &mut |_| true)
        .map_err(|e| fail(&e))?;
    if let Some(midi) = options.get("midi") {
        let target = midi
            .clone()
            .into_string()
            .map_err(|_| fail(&"midi must be a file name"))?;
        let out = cx.sandbox.writable(&target).map_err(|e| e.to_string())?;
        let bytes =
            yano_models::midi::midi_bytes(&heard.notes, number(options, "bpm").unwrap_or(120.0))
                .map_err(|e| fail(&format!("cannot write {target}: {e}")))?;
        yano_engine::save::atomic_write(&out, |w| std::io::Write::write_all(w, &bytes))
            .map_err(|e| fail(&format!("cannot write {target}: {e}")))?;
    }
    Ok(heard
        .notes
        .iter()
        .map(|n| {
            let mut m = Map::new();
            m.insert("pitch".into(), Dynamic::from(i64::from(n.pitch)));
            m.insert(
                "name".into(),
                Dynamic::from(yano_music::pitch::note_name(n.pitch)),
            );
            m.insert("start".into(), Dynamic::from(n.start));
            m.insert("end".into(), Dynamic::from(n.end));
            m.insert("velocity".into(), Dynamic::from(i64::from(n.velocity)));
            Dynamic::from(m)
        })
        .collect())
}
