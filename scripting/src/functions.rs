//! Registers the API's functions on a Rhai engine: the names and signatures scripts call. The
//! behaviour behind them lives in [`crate::api`]; scripting/README.md documents each one (a test
//! checks that none is missing).

use std::rc::Rc;

use rhai::{Array, Dynamic, Engine, Map, INT};
use yano_engine::graph::descriptor_of;
use yano_engine::preset::{load_preset, save_preset};
use yano_engine::{Graph, Transport};
use yano_music::pitch::{note_name, parse_note_or_number};

use crate::api::{dynamic_of, fail, number, param_id, Context, Fallible, ScriptGraph};
use crate::music;

/// Registers every function of the API on `engine`.
pub fn register(engine: &mut Engine, cx: Rc<Context>) {
    engine.register_type_with_name::<ScriptGraph>("Graph");

    // Making and loading graphs.
    engine.register_fn("graph", || {
        ScriptGraph::new(Graph::new(Transport::default()))
    });
    engine.register_fn("graph", |settings: Map| -> Fallible<ScriptGraph> {
        let mut t = Transport::default();
        for (key, v) in &settings {
            let n = number(v).ok_or_else(|| format!("graph: {key} must be a number"))?;
            match key.as_str() {
                "bpm" if (20.0..=300.0).contains(&n) => t.bpm = n,
                "swing" if (0.5..=0.75).contains(&n) => t.swing = n,
                "sample_rate" if (8000.0..=192_000.0).contains(&n) => t.sample_rate = n as u32,
                "bpm" | "swing" | "sample_rate" => return fail(format!("graph: {key} {n} is out of range (bpm 20..300, swing 0.5..0.75, sample_rate 8000..192000)")),
                _ => return fail(format!("graph: unknown setting \"{key}\" (bpm, swing, sample_rate)")),
            }
        }
        Ok(ScriptGraph::new(Graph::new(t)))
    });
    let c = cx.clone();
    engine.register_fn("load", move |path: &str| -> Fallible<ScriptGraph> {
        let real = c.sandbox.readable(path).map_err(|e| e.to_string())?;
        let graph = load_preset(&real, &c.registry).map_err(|e| format!("load {path}: {e}"))?;
        c.sandbox
            .check_files(&graph)
            .map_err(|e| format!("load {path}: {e}"))?;
        Ok(ScriptGraph::new(graph))
    });
    let c = cx.clone();
    engine.register_fn("presets", move |dir: &str| -> Fallible<Array> {
        let found = c.sandbox.presets_in(dir).map_err(|e| e.to_string())?;
        Ok(found.into_iter().map(Dynamic::from).collect())
    });

    // Analysing audio.
    let c = cx.clone();
    engine.register_fn("analyze", move |path: &str| {
        crate::analysis::analyze(&c, path)
    });

    // Transcribing audio into notes.
    let c = cx.clone();
    engine.register_fn("transcribe", move |path: &str| {
        crate::transcribe::transcribe(&c, path, &Map::new())
    });
    let c = cx.clone();
    engine.register_fn("transcribe", move |path: &str, options: Map| {
        crate::transcribe::transcribe(&c, path, &options)
    });

    // Separating a song into stems.
    let c = cx.clone();
    engine.register_fn("separate", move |path: &str| {
        crate::separate::separate(&c, path, &Map::new())
    });
    let c = cx.clone();
    engine.register_fn("separate", move |path: &str, options: Map| {
        crate::separate::separate(&c, path, &options)
    });

    // A song into amapiano.
    let c = cx.clone();
    engine.register_fn("amapianorize", move |path: &str| {
        crate::amapianorize::amapianorize(&c, path, &Map::new())
    });
    let c = cx.clone();
    engine.register_fn("amapianorize", move |path: &str, options: Map| {
        crate::amapianorize::amapianorize(&c, path, &options)
    });

    // Generating a whole track.
    let c = cx.clone();
    engine.register_fn("arrange", move |settings: Map| {
        crate::generate::arrange(&c, &settings)
    });

    // Nodes, wires and parameters.
    let c = cx.clone();
    engine.register_fn("add", move |g: &mut ScriptGraph, kind: &str| {
        g.add(&c, kind, None, &Map::new())
    });
    let c = cx.clone();
    engine.register_fn(
        "add",
        move |g: &mut ScriptGraph, kind: &str, params: Map| g.add(&c, kind, None, &params),
    );
    let c = cx.clone();
    engine.register_fn(
        "add_as",
        move |g: &mut ScriptGraph, id: &str, kind: &str, params: Map| {
            g.add(&c, kind, Some(id), &params)
        },
    );
    engine.register_fn("remove", |g: &mut ScriptGraph, id: &str| -> Fallible<()> {
        g.forget_taken();
        g.0.borrow_mut()
            .remove_node(id)
            .map(|_| ())
            .map_err(|e| e.to_string().into())
    });
    let c = cx.clone();
    engine.register_fn(
        "connect",
        move |g: &mut ScriptGraph, a: &str, pa: &str, b: &str, pb: &str| {
            g.connect(&c, a, pa, b, pb)
        },
    );
    engine.register_fn(
        "disconnect",
        |g: &mut ScriptGraph, a: &str, pa: &str, b: &str, pb: &str| -> Fallible<bool> {
            g.0.borrow_mut()
                .disconnect(&format!("{a}.{pa}"), &format!("{b}.{pb}"))
                .map_err(|e| e.to_string().into())
        },
    );
    let c = cx.clone();
    engine.register_fn(
        "set",
        move |g: &mut ScriptGraph, id: &str, param: &str, value: Dynamic| {
            g.set(&c, id, param, &value)
        },
    );
    let c = cx.clone();
    engine.register_fn(
        "get",
        move |g: &mut ScriptGraph, id: &str, param: &str| -> Fallible<Dynamic> {
            let graph = g.0.borrow();
            let spec = graph
                .node(id)
                .ok_or_else(|| format!("get: no node \"{id}\""))?;
            let d = descriptor_of(spec, &c.registry).map_err(|e| e.to_string())?;
            let param = param_id(&graph, id, param);
            let p = d
                .param(&param)
                .ok_or_else(|| format!("get: {id} ({}) has no parameter \"{param}\"", spec.kind))?;
            Ok(dynamic_of(
                &spec
                    .params
                    .get(&param)
                    .cloned()
                    .unwrap_or_else(|| p.default_value()),
            ))
        },
    );
    engine.register_fn("nodes", |g: &mut ScriptGraph| -> Array {
        g.0.borrow()
            .nodes()
            .map(|(_, n)| Dynamic::from(n.id.clone()))
            .collect()
    });
    engine.register_fn("find", |g: &mut ScriptGraph, kind: &str| -> String {
        g.find_kind(kind).unwrap_or_default()
    });
    engine.register_fn(
        "kind",
        |g: &mut ScriptGraph, id: &str| -> Fallible<String> {
            g.0.borrow()
                .node(id)
                .map(|n| n.kind.clone())
                .ok_or_else(|| format!("kind: no node \"{id}\"").into())
        },
    );
    let c = cx.clone();
    engine.register_fn("mixer", move |g: &mut ScriptGraph| g.mixer(&c));
    let c = cx.clone();
    engine.register_fn(
        "arrange",
        move |g: &mut ScriptGraph, source: &str, instrument: &str, bars: &str| {
            g.arrange(&c, source, instrument, bars)
        },
    );
    let c = cx.clone();
    engine.register_fn(
        "section",
        move |g: &mut ScriptGraph, name: &str, first: INT, last: INT| {
            g.section(&c, name, first, last)
        },
    );
    let c = cx.clone();
    engine.register_fn(
        "automate",
        move |g: &mut ScriptGraph, path: &str, points: Array| g.automate(&c, path, &points),
    );

    // Tempo and swing, as properties: g.bpm = 111.0
    engine.register_get_set(
        "bpm",
        |g: &mut ScriptGraph| g.0.borrow().transport.bpm,
        |g: &mut ScriptGraph, bpm: f64| {
            if (20.0..=300.0).contains(&bpm) {
                g.0.borrow_mut().transport.bpm = bpm;
                Ok(())
            } else {
                fail(format!("bpm {bpm} is out of range 20..300"))
            }
        },
    );
    engine.register_get_set(
        "swing",
        |g: &mut ScriptGraph| g.0.borrow().transport.swing,
        |g: &mut ScriptGraph, swing: f64| {
            if (0.5..=0.75).contains(&swing) {
                g.0.borrow_mut().transport.swing = swing;
                Ok(())
            } else {
                fail(format!("swing {swing} is out of range 0.5..0.75"))
            }
        },
    );

    // Output.
    let c = cx.clone();
    engine.register_fn(
        "render",
        move |g: &mut ScriptGraph, path: &str, options: Map| g.render(&c, path, &options),
    );
    let c = cx.clone();
    engine.register_fn("render", move |g: &mut ScriptGraph, path: &str| {
        g.render(&c, path, &Map::new())
    });
    let c = cx.clone();
    engine.register_fn(
        "save",
        move |g: &mut ScriptGraph, path: &str| -> Fallible<()> {
            let real = c.sandbox.writable(path).map_err(|e| e.to_string())?;
            save_preset(&g.0.borrow(), &real).map_err(|e| format!("save {path}: {e}").into())
        },
    );

    let c = cx.clone();
    engine.register_fn(
        "export_midi",
        move |g: &mut ScriptGraph, path: &str, options: Map| g.export_midi(&c, path, &options),
    );
    let c = cx.clone();
    engine.register_fn("export_midi", move |g: &mut ScriptGraph, path: &str| {
        g.export_midi(&c, path, &Map::new())
    });

    // Music.
    engine.register_fn("note", |name: &str| -> Fallible<INT> {
        parse_note_or_number(name)
            .map(INT::from)
            .ok_or_else(|| format!("\"{name}\" is not a note (C4 = 60)").into())
    });
    engine.register_fn("note_name", |n: INT| -> Fallible<String> {
        u8::try_from(n)
            .ok()
            .filter(|n| *n <= 127)
            .map(note_name)
            .ok_or_else(|| format!("{n} is not a MIDI note").into())
    });
    engine.register_fn("chord", |name: &str| -> Fallible<Array> {
        Ok(music::chord(name, 3)?
            .into_iter()
            .map(|n| Dynamic::from_int(INT::from(n)))
            .collect())
    });
    engine.register_fn("chord", |name: &str, octave: INT| -> Fallible<Array> {
        Ok(music::chord(name, octave as i32)?
            .into_iter()
            .map(|n| Dynamic::from_int(INT::from(n)))
            .collect())
    });

    // A melody, one "note [syllable] length" item a note, laid end to end, as clip entries.
    engine.register_fn("melody", |items: Array| melody_entries(&items, 0.0));
    engine.register_fn("melody", |items: Array, start: Dynamic| {
        let Some(start) = crate::api::number(&start).filter(|s| *s >= 0.0) else {
            return fail("melody(items, start): start is a number of beats, 0 or more");
        };
        melody_entries(&items, start)
    });

    // Arguments: opt("count", 8) reads `--count 12` after the script's `--`.
    let c = cx.clone();
    engine.register_fn(
        "opt",
        move |name: &str, default: Dynamic| -> Fallible<Dynamic> {
            let flag = format!("--{name}");
            let Some(i) = c.args.iter().position(|a| *a == flag) else {
                return Ok(default);
            };
            let Some(text) = c.args.get(i + 1) else {
                return fail(format!("{flag} needs a value"));
            };
            if default.is_int() {
                text.parse::<INT>()
                    .map(Dynamic::from_int)
                    .map_err(|_| format!("{flag} {text}: not a whole number").into())
            } else if default.is_float() {
                text.parse::<f64>()
                    .map(Dynamic::from_float)
                    .map_err(|_| format!("{flag} {text}: not a number").into())
            } else {
                Ok(Dynamic::from(text.clone()))
            }
        },
    );
}

/// `melody([...])`: the clip entries `[notes, syllable, start, length]` of a melody.
fn melody_entries(items: &Array, start_beats: f64) -> Fallible<Array> {
    let texts = items
        .iter()
        .map(|v| {
            v.clone()
                .into_string()
                .map_err(|t| format!("melody items are texts like \"Eb4 ah 1/4\", not {t}"))
        })
        .collect::<Result<Vec<String>, String>>()?;
    Ok(music::melody(&texts, start_beats)?
        .into_iter()
        .map(|n| {
            let notes: Array = n
                .notes
                .iter()
                .map(|p| Dynamic::from_int(INT::from(*p)))
                .collect();
            let entry: Array = vec![
                Dynamic::from_array(notes),
                Dynamic::from(n.syllable.as_str().to_string()),
                Dynamic::from_float(n.start_beats),
                Dynamic::from_float(n.length_beats),
            ];
            Dynamic::from_array(entry)
        })
        .collect())
}
