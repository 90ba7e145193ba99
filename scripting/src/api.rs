//! The functions a script sees. A `Graph` value wraps an engine graph document; every edit goes
//! through the same checks as a preset (ids, kinds, parameter ranges, port types), so a script
//! error reads like a preset error. Files are reached only through the [`Sandbox`]. The names
//! scripts call are registered in [`crate::functions`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rhai::{Array, Dynamic, EvalAltResult, Map, INT};
use yano_engine::automation::{AutomationLane, AutomationPoint, Curve};
use yano_engine::graph::descriptor_of;
use yano_engine::param::ParamValue;

use yano_engine::render::{write_wav, RenderOptions, SampleFormat};
use yano_engine::{Graph, NodeSpec, Registry, Syllable};
use yano_music::pitch::parse_note_or_number;

use crate::music;
use crate::sandbox::Sandbox;

pub(crate) type Fallible<T> = Result<T, Box<EvalAltResult>>;

pub(crate) fn fail<T>(message: impl std::fmt::Display) -> Fallible<T> {
    Err(message.to_string().into())
}

/// What every function shares: the node kinds and the folders the script may use.
pub struct Context {
    pub registry: Arc<Registry>,
    pub sandbox: Sandbox,
    pub args: Vec<String>,
}

/// A graph in a script: cheap to copy, every copy is the same graph. Beside it, for each id stem,
/// a number below which every `stem_n` (n ≥ 2) is known to be taken, so that making a fresh id
/// does not search the numbers already used (a script adding n oscillators made n²/2 lookups).
#[derive(Clone)]
pub struct ScriptGraph(
    pub(crate) Rc<RefCell<Graph>>,
    pub(crate) Rc<RefCell<HashMap<String, u64>>>,
);

const MIXER: &str = "mixer.console";
const ARRANGEMENT: &str = "sequence.arrangement";
const MAX_CHANNELS: usize = 16;

/// A node id made from the last word of a kind, not used yet ("reverb", "reverb_2", …): the
/// lowest free number, searched from `taken_below[stem]` (every number under it is taken), which
/// it raises.
fn fresh_id(graph: &Graph, taken_below: &mut HashMap<String, u64>, kind: &str) -> String {
    let stem = kind.rsplit('.').next().unwrap_or(kind);
    if graph.node(stem).is_none() {
        return stem.to_string();
    }
    let start = taken_below.get(stem).copied().unwrap_or(2);
    let n = (start..)
        .find(|n| graph.node(&format!("{stem}_{n}")).is_none())
        .unwrap_or(start);
    // Not n + 1: the caller may yet fail to add the node and take it away again.
    taken_below.insert(stem.to_string(), n);
    format!("{stem}_{n}")
}

/// Text for a list item: note names stay, numbers are written plainly.
fn item_text(v: &Dynamic) -> Result<String, String> {
    if let Ok(i) = v.as_int() {
        return Ok(i.to_string());
    }
    if let Ok(f) = v.as_float() {
        return Ok(f.to_string());
    }
    if v.is_string() {
        return Ok(v.clone().into_string().unwrap_or_default());
    }
    Err(format!(
        "{} cannot stand in a list of notes or numbers",
        v.type_name()
    ))
}

/// Notes given as "F2+Ab2", "F2", 41 or [41, "Ab2"].
fn clip_notes(v: &Dynamic) -> Result<Vec<u8>, String> {
    let one = |w: &str| parse_note_or_number(w).ok_or_else(|| format!("\"{w}\" is not a note"));
    if let Ok(i) = v.as_int() {
        return u8::try_from(i)
            .ok()
            .filter(|n| *n <= 127)
            .map(|n| vec![n])
            .ok_or_else(|| format!("{i} is not a MIDI note"));
    }
    if v.is_string() {
        let s = v.clone().into_string().unwrap_or_default();
        return s.split('+').map(|w| one(w.trim())).collect();
    }
    if let Some(list) = v.read_lock::<Array>() {
        let mut notes = Vec::new();
        for item in list.iter() {
            notes.extend(clip_notes(item)?);
        }
        return Ok(notes);
    }
    Err(format!("{} is not a note", v.type_name()))
}

pub(crate) fn number(v: &Dynamic) -> Option<f64> {
    v.as_float()
        .ok()
        .or_else(|| v.as_int().ok().map(|i| i as f64))
}

/// A script value as a parameter value: numbers, text, `true`/`false` as "on"/"off", lists of
/// notes as "F1 F1 C2", and lists of clip entries `[notes, start, length, velocity?]` (or
/// `[notes, "syllable", start, length, velocity?]`) as the text of `sequence.clip`.
pub fn param_value(v: &Dynamic) -> Result<ParamValue, String> {
    if let Some(n) = number(v) {
        return Ok(ParamValue::Number(n));
    }
    if let Ok(b) = v.as_bool() {
        return Ok(ParamValue::Text(if b { "on" } else { "off" }.into()));
    }
    if v.is_string() {
        return Ok(ParamValue::Text(
            v.clone().into_string().unwrap_or_default(),
        ));
    }
    if let Some(list) = v.read_lock::<Array>() {
        let entries = list.iter().all(|item| item.is_array());
        if entries && !list.is_empty() {
            let mut texts = Vec::with_capacity(list.len());
            for item in list.iter() {
                let entry = item
                    .read_lock::<Array>()
                    .map(|a| a.clone())
                    .unwrap_or_default();
                let bad = || {
                    "a clip entry is [notes, start_beats, length_beats, velocity?] or [notes, \"syllable\", start, length, velocity?]".to_string()
                };
                // A text right after the notes is the syllable they are sung on.
                let syllable = match entry.get(1) {
                    Some(v) if v.is_string() => {
                        let lyric = v.clone().into_string().unwrap_or_default();
                        Syllable::new(&lyric).map_err(|e| e.to_string())?
                    }
                    _ => Syllable::NONE,
                };
                let at = usize::from(entry.get(1).is_some_and(Dynamic::is_string));
                let entry = &entry[..];
                if !(3..=4).contains(&(entry.len() - at)) {
                    return Err(bad());
                }
                let notes = clip_notes(&entry[0])?;
                let start = number(&entry[1 + at]).ok_or_else(bad)?;
                let length = number(&entry[2 + at]).ok_or_else(bad)?;
                let velocity = entry
                    .get(3 + at)
                    .and_then(number)
                    .map(|v| v.clamp(1.0, 127.0) as u8);
                texts.push(music::clip_entry(&notes, syllable, start, length, velocity));
            }
            return Ok(ParamValue::Text(texts.join("; ")));
        }
        let words: Result<Vec<String>, String> = list.iter().map(item_text).collect();
        return Ok(ParamValue::Text(words?.join(" ")));
    }
    Err(format!("a {} cannot be a parameter value", v.type_name()))
}

/// Parameter names scripts may use for readability ("steps" for a step sequencer's pattern).
pub(crate) fn param_id(graph: &Graph, node: &str, param: &str) -> String {
    match (graph.node(node).map(|n| n.kind.as_str()), param) {
        (Some("sequence.steps"), "steps") => "pattern".into(),
        _ => param.to_string(),
    }
}

pub(crate) fn dynamic_of(v: &ParamValue) -> Dynamic {
    match v {
        ParamValue::Number(n) => Dynamic::from_float(*n),
        ParamValue::Text(t) => Dynamic::from(t.clone()),
    }
}

impl ScriptGraph {
    pub(crate) fn new(graph: Graph) -> Self {
        ScriptGraph(Rc::new(RefCell::new(graph)), Rc::default())
    }

    /// A node id not used yet, made from the last word of `kind`.
    pub(crate) fn fresh_id(&self, kind: &str) -> String {
        fresh_id(&self.0.borrow(), &mut self.1.borrow_mut(), kind)
    }

    /// Forgets what is known of the numbers taken: after a node is removed, its number is free
    /// again, and the next fresh id may take it.
    pub(crate) fn forget_taken(&self) {
        self.1.borrow_mut().clear();
    }

    pub(crate) fn set(
        &self,
        cx: &Context,
        node: &str,
        param: &str,
        value: &Dynamic,
    ) -> Fallible<()> {
        let value = param_value(value).map_err(|e| format!("{node}.{param}: {e}"))?;
        let mut g = self.0.borrow_mut();
        let id = param_id(&g, node, param);
        g.set_param(node, &id, value, &cx.registry)
            .map_err(|e| e.to_string().into())
    }

    pub(crate) fn add(
        &self,
        cx: &Context,
        kind: &str,
        id: Option<&str>,
        params: &Map,
    ) -> Fallible<String> {
        let id = match id {
            Some(id) => id.to_string(),
            None => self.fresh_id(kind),
        };
        self.0
            .borrow_mut()
            .add_node(NodeSpec::new(id.clone(), kind), &cx.registry)
            .map_err(|e| e.to_string())?;
        for (param, value) in params {
            if let Err(e) = self.set(cx, &id, param, value) {
                let _ = self.0.borrow_mut().remove_node(&id);
                self.forget_taken();
                return Err(e);
            }
        }
        Ok(id)
    }

    pub(crate) fn count_inputs(&self, node: &str, port: &str) -> usize {
        let g = self.0.borrow();
        g.index(node).map_or(0, |n| {
            g.edges_into(n).filter(|(_, e)| e.to_port == port).count()
        })
    }

    pub(crate) fn param_number(&self, cx: &Context, node: &str, param: &str) -> f64 {
        let g = self.0.borrow();
        g.node(node)
            .and_then(|spec| {
                let d = descriptor_of(spec, &cx.registry).ok()?;
                let default = d.param(param)?.default_value();
                spec.params
                    .get(param)
                    .cloned()
                    .unwrap_or(default)
                    .as_number()
            })
            .unwrap_or(0.0)
    }

    /// The first free numbered input `prefix_k` of `node`, growing `count_param` if needed.
    pub(crate) fn free_slot(
        &self,
        cx: &Context,
        node: &str,
        prefix: &str,
        count_param: &str,
        max: usize,
    ) -> Fallible<usize> {
        let have = self.param_number(cx, node, count_param) as usize;
        let k = (1..=max)
            .find(|k| self.count_inputs(node, &format!("{prefix}_{k}")) == 0)
            .ok_or_else(|| format!("{node}: all {max} {prefix} inputs are taken"))?;
        if k > have {
            self.set(cx, node, count_param, &Dynamic::from_int(k as INT))?;
        }
        Ok(k)
    }

    pub(crate) fn connect(
        &self,
        cx: &Context,
        from: &str,
        from_port: &str,
        to: &str,
        to_port: &str,
    ) -> Fallible<()> {
        let is_mixer = self.0.borrow().node(to).is_some_and(|n| n.kind == MIXER);
        let to_port = if is_mixer && to_port == "in" {
            let k = self.free_slot(cx, to, "ch", "channels", MAX_CHANNELS)?;
            let name_param = format!("ch{k}_name");
            let unnamed = self
                .0
                .borrow()
                .node(to)
                .is_some_and(|n| !n.params.contains_key(&name_param));
            if unnamed {
                self.set(cx, to, &name_param, &Dynamic::from(from.to_string()))?;
            }
            format!("ch_{k}")
        } else {
            to_port.to_string()
        };
        self.0
            .borrow_mut()
            .connect(
                &format!("{from}.{from_port}"),
                &format!("{to}.{to_port}"),
                &cx.registry,
            )
            .map(|_| ())
            .map_err(|e| e.to_string().into())
    }

    /// The graph's mixer, made (with an output after it) when there is none.
    pub(crate) fn mixer(&self, cx: &Context) -> Fallible<String> {
        if let Some(id) = self.find_kind(MIXER) {
            return Ok(id);
        }
        let mix_id = self.fresh_id("mix");
        let mix = self.add(cx, MIXER, Some(&mix_id), &Map::new())?;
        self.set(cx, &mix, "channels", &Dynamic::from_int(1))?;
        let out = match self.find_kind("io.output") {
            Some(out) => out,
            None => {
                let out_id = self.fresh_id("out");
                self.add(cx, "io.output", Some(&out_id), &Map::new())?
            }
        };
        self.connect(cx, &mix, "out", &out, "in")?;
        Ok(mix)
    }

    pub(crate) fn find_kind(&self, kind: &str) -> Option<String> {
        let g = self.0.borrow();
        let found = g
            .nodes()
            .find(|(_, n)| n.kind == kind)
            .map(|(_, n)| n.id.clone());
        found
    }

    /// Puts a sequencer on the next track of the arrangement, playing `bars` into `instrument`.
    pub(crate) fn arrange(
        &self,
        cx: &Context,
        source: &str,
        instrument: &str,
        bars: &str,
    ) -> Fallible<()> {
        let arrangement = match self.find_kind(ARRANGEMENT) {
            Some(a) => a,
            None => {
                let a = self.add(cx, ARRANGEMENT, None, &Map::new())?;
                self.set(cx, &a, "tracks", &Dynamic::from_int(1))?;
                a
            }
        };
        let k = self.free_slot(cx, &arrangement, "in", "tracks", 16)?;
        self.connect(cx, source, "notes", &arrangement, &format!("in_{k}"))?;
        self.connect(cx, &arrangement, &format!("out_{k}"), instrument, "notes")?;
        self.set(
            cx,
            &arrangement,
            &format!("track_{k}"),
            &Dynamic::from(bars.to_string()),
        )
    }

    pub(crate) fn section(&self, cx: &Context, name: &str, first: INT, last: INT) -> Fallible<()> {
        let arrangement = self
            .find_kind(ARRANGEMENT)
            .ok_or("section: the graph has no sequence.arrangement (add one, or use arrange())")?;
        let before = {
            let g = self.0.borrow();
            g.node(&arrangement)
                .and_then(|n| n.params.get("sections"))
                .and_then(ParamValue::as_text)
                .unwrap_or_default()
                .to_string()
        };
        let entry = format!("{name} {first}-{last}");
        let text = if before.trim().is_empty() {
            entry
        } else {
            format!("{before}; {entry}")
        };
        self.set(cx, &arrangement, "sections", &Dynamic::from(text))
    }

    pub(crate) fn automate(&self, cx: &Context, path: &str, points: &Array) -> Fallible<()> {
        let (node, param) = path
            .split_once('.')
            .ok_or_else(|| format!("automate: \"{path}\" is not node.param"))?;
        let param = {
            let g = self.0.borrow();
            let known = g
                .node(node)
                .and_then(|spec| descriptor_of(spec, &cx.registry).ok())
                .is_some_and(|d| d.param(param).is_some());
            if known {
                param.to_string()
            } else {
                param.replace('.', "_")
            }
        };
        let mut lane = AutomationLane {
            node: node.to_string(),
            param,
            points: Vec::with_capacity(points.len()),
        };
        for p in points {
            let pair = p
                .read_lock::<Array>()
                .map(|a| a.clone())
                .unwrap_or_default();
            match (pair.first().and_then(number), pair.get(1).and_then(number)) {
                (Some(bar), Some(value)) if pair.len() == 2 => lane.points.push(AutomationPoint {
                    // Scripts count bars from 0 at the start; lanes count from bar 1.
                    bar: bar + 1.0,
                    value,
                    curve: Curve::Linear,
                }),
                _ => {
                    return fail(format!(
                        "automate {path}: each point is [bars from the start, value]"
                    ))
                }
            }
        }
        self.0
            .borrow_mut()
            .automate(lane, &cx.registry)
            .map_err(|e| e.to_string().into())
    }

    /// The length `options` asks for (`seconds`, or `bars`; 8 bars when neither).
    fn length(&self, options: &Map) -> f64 {
        let t = self.0.borrow().transport;
        match (
            options.get("seconds").and_then(number),
            options.get("bars").and_then(number),
        ) {
            (Some(s), _) => s,
            (None, Some(b)) => t.bars_to_seconds(b),
            (None, None) => t.bars_to_seconds(8.0),
        }
    }

    /// Writes the notes every instrument receives as a standard MIDI file.
    pub(crate) fn export_midi(&self, cx: &Context, path: &str, options: &Map) -> Fallible<Map> {
        let graph = self.0.borrow().clone();
        let seconds = self.length(options);
        if !(seconds > 0.0 && seconds <= 3600.0) {
            return fail(format!(
                "export_midi {path}: {seconds} s is not a length up to an hour"
            ));
        }
        cx.sandbox
            .check_files(&graph)
            .map_err(|e| format!("export_midi {path}: {e}"))?;
        let target = cx.sandbox.writable(path).map_err(|e| e.to_string())?;
        let tracks = crate::midi::capture(&graph, cx.registry.clone(), seconds)
            .map_err(|e| format!("export_midi {path}: {e}"))?;
        let bytes = crate::midi::smf_bytes(&tracks, graph.transport)
            .map_err(|e| format!("export_midi {path}: {e}"))?;
        yano_engine::save::atomic_write(&target, |w| std::io::Write::write_all(w, &bytes))
            .map_err(|e| format!("export_midi {path}: {e}"))?;
        let mut summary = Map::new();
        summary.insert("tracks".into(), Dynamic::from_int(tracks.len() as INT));
        let notes = tracks
            .iter()
            .map(|t| t.notes.iter().filter(|n| n.velocity > 0.0).count())
            .sum::<usize>();
        summary.insert("notes".into(), Dynamic::from_int(notes as INT));
        Ok(summary)
    }

    pub(crate) fn render(&self, cx: &Context, path: &str, options: &Map) -> Fallible<Map> {
        let graph = self.0.borrow().clone();
        let seconds = self.length(options);
        let stems = options
            .get("stems")
            .and_then(|v| v.as_bool().ok())
            .unwrap_or(false);
        cx.sandbox
            .check_files(&graph)
            .map_err(|e| format!("render {path}: {e}"))?;
        let target = cx.sandbox.writable(path).map_err(|e| e.to_string())?;
        let taps = if stems {
            Some(
                yano_nodes::mixer::stems::stem_taps(&graph, &cx.registry, seconds)
                    .map_err(|e| format!("render {path}: {e}"))?,
            )
        } else {
            None
        };
        let label = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let progress = yano_progress::Progress::new(format!("rendering {label}"));
        let options = RenderOptions {
            seconds,
            ..RenderOptions::default()
        };
        if let Some(w) = taps.as_ref().and_then(|t| t.warning.as_ref()) {
            eprintln!("render {path}: warning: {w}");
        }
        let to_render = taps.as_ref().map_or(&graph, |t| &t.graph);
        let mut audio = crate::live::render(to_render, cx.registry.clone(), options, |share| {
            progress.set(share);
            true
        })
        .map_err(|e| format!("render {path}: {e}"))?;
        progress.finish();
        let fail = |e: String| format!("render {path}: {e}");
        write_wav(&target, &audio, SampleFormat::Int24).map_err(|e| fail(e.to_string()))?;
        let loudness = yano_engine::loudness::measure(&audio.left, &audio.right, audio.sample_rate)
            .map_err(|e| fail(e.to_string()))?;
        let mut summary = Map::new();
        summary.insert("lufs".into(), Dynamic::from_float(loudness.integrated_lufs));
        summary.insert(
            "true_peak_db".into(),
            Dynamic::from_float(loudness.true_peak_dbtp),
        );
        let mut files = Array::new();
        files.push(Dynamic::from(target.display().to_string()));
        if let Some(taps) = &taps {
            let base = target
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Stems in 32-bit float, so a stem louder than full scale (where another cancels
            // it) is not clipped and the stems still sum to the mix.
            for (name, stem) in taps.split(&mut audio).map_err(fail)? {
                let file = target.with_file_name(format!("{base}-{name}.wav"));
                write_wav(&file, &stem, SampleFormat::Float32).map_err(|e| fail(e.to_string()))?;
                files.push(Dynamic::from(file.display().to_string()));
            }
        }
        summary.insert("seconds".into(), Dynamic::from_float(seconds));
        summary.insert("files".into(), Dynamic::from_array(files));
        Ok(summary)
    }
}
