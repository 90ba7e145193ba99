//! amapianorize as ordinary nodes of the inference partition, so the whole job is a graph:
//! `source.file` → `model.separate` → `amapianorize.warp` (the kept stem onto the session's
//! tempo, along `analysis.tempo`'s beats) → a mixer channel; the song → `analysis.tempo`,
//! `analysis.chords` and `analysis.key` → `amapianorize.arrangement` (the generator following
//! the song's chords) → the instruments → the mixer. graphs/amapianorize-a-song.ron is one.

use std::sync::Arc;

use yano_engine::clip::{Analysis, AudioClip, ClipValue, Measure, NoteClip};
use yano_engine::node::audio_input;
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, InferenceNode, JobContext, NodeConfig, NodeDescriptor, NodeError, PortLayout, Registry,
};
use yano_generator::build::quantise;
use yano_generator::form::Part;
use yano_generator::prompt::Style;
use yano_generator::vocals::VocalParts;
use yano_generator::{compose_following, Request};
use yano_music::{Chord, ChordSpan, Key};

use crate::tempo::{self, BeatMap};
use crate::{follow, warp};

pub const WARP: &str = "amapianorize.warp";
pub const ARRANGEMENT: &str = "amapianorize.arrangement";

/// Seconds of silence after the song's end in a warped clip, for the stretcher's tail.
const TAIL_SECONDS: f64 = 1.0;

/// Adds `amapianorize.warp` and `amapianorize.arrangement` to a registry.
pub fn register(registry: &mut Registry) {
    registry
        .register(warp_descriptor())
        .expect("amapianorize.warp is registered once");
    registry
        .register(arrangement_descriptor())
        .expect("amapianorize.arrangement is registered once");
}

fn numbers<'a>(a: &'a Analysis, name: &str, input: &str) -> Result<&'a [f64], NodeError> {
    match a.measures.get(name) {
        Some(Measure::Numbers(v)) => Ok(v),
        _ => Err(NodeError::new(format!(
            "{input}: the analysis has no \"{name}\" (wire an analysis.{input} node)"
        ))),
    }
}

fn analysis_input<'a>(
    inputs: &'a [Option<ClipValue>],
    port: usize,
    name: &str,
) -> Result<Option<&'a Analysis>, NodeError> {
    match inputs.get(port).and_then(Option::as_ref) {
        None => Ok(None),
        Some(ClipValue::Analysis(a)) => Ok(Some(a)),
        Some(_) => Err(NodeError::new(format!("\"{name}\" takes an analysis"))),
    }
}

/// The map from the song's beats (an `analysis.tempo`) onto the session's tempo.
fn beat_map(tempo: &Analysis, song_seconds: f64, session_bpm: f64) -> Result<BeatMap, NodeError> {
    let beats = numbers(tempo, "beats", "tempo")?;
    let downbeats = numbers(tempo, "downbeats", "tempo")?;
    let bpm = match tempo.measures.get("bpm") {
        Some(Measure::Number(b)) => *b,
        _ => 0.0,
    };
    if beats.len() < 8 || bpm <= 0.0 {
        let plan = tempo::plan(session_bpm, Style::Amapiano, Some(session_bpm));
        return Ok(BeatMap::even(song_seconds, &plan));
    }
    let plan = tempo::plan(bpm, Style::Amapiano, Some(session_bpm));
    Ok(BeatMap::new(beats, downbeats, song_seconds, &plan))
}

fn warp_descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: WARP,
        description: "warps audio beat by beat onto the session's tempo along a song's beats \
                      (pitch and transients kept: Signalsmith Stretch)",
        params: vec![ParamSpec::choice(
            "quality",
            "the stretcher's preset: default or cheaper",
            &["default", "cheaper"],
            0,
        )],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("audio", PortType::AudioClip, "a stem of the song").required(),
            PortSpec::input(
                "tempo",
                PortType::Analysis,
                "the song's beats and downbeats (analysis.tempo of the song)",
            )
            .required(),
            PortSpec::output(
                "audio",
                PortType::AudioClip,
                "the stem on the session's grid, its first downbeat on a bar line",
            ),
        ]),
        build: Build::Inference(|config: &NodeConfig<'_>| {
            let quality = match config.params.choice("quality")? {
                1 => warp::Quality::Cheaper,
                _ => warp::Quality::Default,
            };
            Ok(Box::new(WarpNode { quality }))
        }),
    }
}

struct WarpNode {
    quality: warp::Quality,
}

impl InferenceNode for WarpNode {
    /// Worker thread: about a second for a three-minute stereo stem.
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        job: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let clip = audio_input(inputs, 0, "audio")?;
        let tempo = analysis_input(inputs, 1, "tempo")?
            .ok_or_else(|| NodeError::new("no analysis on the \"tempo\" input"))?;
        let rate = clip.sample_rate;
        let seconds = clip.frames() as f64 / f64::from(rate);
        let map = beat_map(tempo, seconds, job.transport.bpm)?;
        let frames = ((map.seconds(seconds) + TAIL_SECONDS) * f64::from(rate)).ceil() as usize;
        let channels = warp::warp(&clip.channels, rate, &map, frames, self.quality);
        job.control.set_progress(1.0);
        Ok(vec![ClipValue::Audio(Arc::new(AudioClip {
            sample_rate: rate,
            channels,
        }))])
    }
}

/// The parts the arrangement offers, in output order: everything the generator plays but the
/// vocals (the song's own are kept).
const PARTS: [Part; 6] = [
    Part::Drums,
    Part::Percussion,
    Part::LogDrum,
    Part::Keys,
    Part::Pad,
    Part::Bass,
];

fn arrangement_descriptor() -> NodeDescriptor {
    let mut ports = vec![
        PortSpec::input(
            "tempo",
            PortType::Analysis,
            "the song's beats (analysis.tempo)",
        )
        .required(),
        PortSpec::input(
            "chords",
            PortType::Analysis,
            "the song's chords (analysis.chords)",
        )
        .required(),
        PortSpec::input(
            "key",
            PortType::Analysis,
            "the song's key (analysis.key); the style's when absent",
        ),
    ];
    ports.extend(PARTS.iter().map(|p| {
        PortSpec::output(
            p.name(),
            PortType::NoteClip,
            "this instrument's notes over the song's chords",
        )
    }));
    ports.push(PortSpec::output(
        "analysis",
        PortType::Analysis,
        "bpm, key, bars, and the bar the song's first downbeat lands on",
    ));
    NodeDescriptor {
        kind: ARRANGEMENT,
        description: "composes amapiano lines (log drum, drums, percussion, bass, keys, pad) \
                      over a song's own chords, on the session's tempo",
        params: vec![
            ParamSpec::choice(
                "style",
                "amapiano, private_school or sgija",
                &["amapiano", "private_school", "sgija"],
                0,
            ),
            ParamSpec::integer("seed", "same seed, same lines", 0, 1 << 31, 0, Unit::Count),
            ParamSpec::number(
                "song_seconds",
                "how long the song is (the lines cover it)",
                1.0,
                7200.0,
                180.0,
                Unit::Seconds,
            ),
        ],
        ports: PortLayout::Fixed(ports),
        build: Build::Inference(|config: &NodeConfig<'_>| {
            let p = &config.params;
            Ok(Box::new(ArrangementNode {
                style: Style::ALL[p.choice("style")?.min(2)],
                seed: p.number("seed")? as u64,
                seconds: p.number("song_seconds")?,
            }))
        }),
    }
}

struct ArrangementNode {
    style: Style,
    seed: u64,
    seconds: f64,
}

impl InferenceNode for ArrangementNode {
    /// Worker thread: composes (milliseconds) and hands out each part's notes.
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        job: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let tempo = analysis_input(inputs, 0, "tempo")?
            .ok_or_else(|| NodeError::new("no analysis on the \"tempo\" input"))?;
        let chords = analysis_input(inputs, 1, "chords")?
            .ok_or_else(|| NodeError::new("no analysis on the \"chords\" input"))?;
        let key = match analysis_input(inputs, 2, "key")?.and_then(|a| a.measures.get("key")) {
            Some(Measure::Label(k)) => Key::parse(k).unwrap_or(self.style.default_key()),
            _ => self.style.default_key(),
        };
        let map = beat_map(tempo, self.seconds, job.transport.bpm)?;
        let labels = match chords.measures.get("chords") {
            Some(Measure::Labels(l)) => l.as_slice(),
            _ => {
                return Err(NodeError::new(
                    "chords: the analysis has no \"chords\" (wire an analysis.chords node)",
                ))
            }
        };
        let starts = numbers(chords, "chord_starts", "chords")?;
        let ends = numbers(chords, "chord_ends", "chords")?;
        let spans: Vec<ChordSpan> = labels
            .iter()
            .zip(starts.iter().zip(ends))
            .map(|(label, (start, end))| ChordSpan {
                start: *start,
                end: *end,
                chord: Chord::parse_label(label).ok(),
            })
            .collect();
        let following = follow::following(&[], &spans, &map, key);
        let mut request = Request::plain(self.style, key, job.transport.bpm, 16, self.seed);
        request.bars = map.bars;
        request.vocals = VocalParts::NONE;
        request.parts = PARTS.to_vec();
        let track = compose_following(&request, &following);
        let length_beats = f64::from(request.bars) * 4.0;
        let mut out: Vec<ClipValue> = PARTS
            .iter()
            .map(|part| {
                ClipValue::Notes(Arc::new(NoteClip {
                    notes: track.heard(*part).iter().map(quantise).collect(),
                    length_beats,
                }))
            })
            .collect();
        let mut analysis = Analysis::default();
        let m = &mut analysis.measures;
        m.insert("bpm".into(), Measure::Number(job.transport.bpm));
        m.insert("key".into(), Measure::Label(key.to_string()));
        m.insert("bars".into(), Measure::Number(f64::from(map.bars)));
        m.insert(
            "first_bar".into(),
            Measure::Number(f64::from(map.first_bar)),
        );
        out.push(ClipValue::Analysis(Arc::new(analysis)));
        job.control.set_progress(1.0);
        Ok(out)
    }
}
