//! The sequence editors under the canvas: a step grid for `sequence.steps`, a piano roll for
//! `sequence.clip`, and the timeline of `sequence.arrangement` (shown whenever the graph has one
//! and no other sequencer is selected). Each edit leaves as new parameter text, one undo step per
//! gesture, and is heard at once.
//!
//! The panel keeps no state of its own (each editor's drag lives in iced's widget tree): it reads
//! the graph, the inspected node and the playhead, and its [`Message`]s become parameter edits
//! that the app performs.

pub mod piano_roll;
pub mod steps_grid;
pub mod timeline;

use iced::widget::{canvas, column, container, row, text, text_input};
use iced::{Element, Length};
use yano_engine::param::ParamValue;
use yano_engine::{Graph, NodeSpec};
use yano_nodes::sequence::arrangement::parse_sections;

use crate::audio::Engine;
use crate::document::Edit;
use piano_roll::{format_notes, lyrics, parse_notes, set_lyrics, PianoRoll};
use steps_grid::{StepGrid, StepPattern};
use timeline::{parse_ranges, Timeline, Toggle, TrackLane};

/// Whether `x` falls on the right-hand edge of `r`, where a drag resizes rather than moves (at
/// most `edge` pixels wide, and never more than a third of the shape).
pub(crate) fn on_end_edge(r: iced::Rectangle, x: f32, edge: f32) -> bool {
    x >= r.x + r.width - edge.min(r.width / 3.0)
}

/// Height of the sequence editor panel.
pub const PANEL_HEIGHT: f32 = 250.0;

/// What the sequence editors send.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A parameter of the edited sequencer takes a new value, as part of a gesture when `gesture`.
    Set {
        node: String,
        param: String,
        value: ParamValue,
        gesture: bool,
    },
    /// The drag ended: the gesture is one undo step.
    GestureEnd,
    /// An edit that cannot be made (a lyric word that is not a syllable): the reason.
    Refused(String),
}

/// What the app must do after a sequence editor's message.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Edit {
        edit: Edit,
        gesture: bool,
    },
    EndGesture,
    /// Say why on the status line; nothing changes.
    Refused(String),
}

/// Turns a message into the edit it asks for.
pub fn update(message: Message) -> Action {
    match message {
        Message::Set {
            node,
            param,
            value,
            gesture,
        } => Action::Edit {
            edit: Edit::SetParam {
                node,
                param,
                value: Some(value),
            },
            gesture,
        },
        Message::GestureEnd => Action::EndGesture,
        Message::Refused(reason) => Action::Refused(reason),
    }
}

/// What the sequence editors read.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub graph: &'a Graph,
    /// The single selected node.
    pub inspected: Option<&'a str>,
    pub engine: Option<&'a Engine>,
}

fn param_text(spec: &NodeSpec, id: &str, default: &str) -> String {
    spec.params
        .get(id)
        .and_then(ParamValue::as_text)
        .unwrap_or(default)
        .to_string()
}

fn param_number(spec: &NodeSpec, id: &str, default: f64) -> f64 {
    spec.params
        .get(id)
        .and_then(ParamValue::as_number)
        .unwrap_or(default)
}

fn set(node: &str, param: String, value: String) -> Message {
    Message::Set {
        node: node.to_string(),
        param,
        value: ParamValue::Text(value),
        gesture: true,
    }
}

/// The playhead in beats from the start, while playing.
fn playing_beats(engine: Option<&Engine>) -> Option<f64> {
    let engine = engine.filter(|e| e.is_playing())?;
    Some((engine.position_bars() - 1.0) * 4.0)
}

fn steps_editor<'a>(context: Context<'a>, spec: &'a NodeSpec) -> Element<'a, Message> {
    let pattern = StepPattern::parse(&param_text(spec, "pattern", "")).editable();
    let per_beat = match spec.params.get("rate").and_then(ParamValue::as_text) {
        Some("1/8") => 2.0,
        Some("1/32") => 8.0,
        Some("1/4") => 1.0,
        _ => 4.0,
    };
    let len = pattern.steps.len().max(1);
    let current_step = playing_beats(context.engine).map(|b| (b * per_beat).floor() as usize % len);
    let node = spec.id.as_str();
    canvas(StepGrid {
        pattern,
        current_step,
        on_change: Box::new(move |text| set(node, "pattern".into(), text)),
        on_release: Message::GestureEnd,
    })
    .width(Length::Fill)
    .height(Length::Fill)
    .into()
}

fn clip_editor<'a>(context: Context<'a>, spec: &'a NodeSpec) -> Element<'a, Message> {
    let notes = parse_notes(&param_text(spec, "notes", "")).unwrap_or_default();
    let length_beats = param_number(spec, "length_beats", 16.0);
    let start = (param_number(spec, "start_bar", 1.0) - 1.0) * 4.0;
    let looping = spec.params.get("loop").and_then(ParamValue::as_text) != Some("off");
    let playhead_beats = playing_beats(context.engine)
        .map(|b| b - start)
        .filter(|b| *b >= 0.0)
        .map(|b| if looping { b % length_beats } else { b })
        .filter(|b| *b <= length_beats);
    let node = spec.id.as_str();
    let line = lyrics(&notes);
    // Typing lays the words onto the notes at once; a word that is not a syllable (yet) leaves
    // the notes as they are.
    let lyric_notes = notes.clone();
    let lyrics_row = row![
        text("lyrics").size(12),
        text_input("one syllable per note, - for none: yeah - oh ah", &line)
            .size(12)
            .on_input(move |typed| match set_lyrics(&lyric_notes, &typed) {
                Ok(sung) => Message::Set {
                    node: node.to_string(),
                    param: "notes".into(),
                    value: ParamValue::Text(format_notes(&sung)),
                    gesture: false,
                },
                Err(reason) => Message::Refused(format!("lyrics: {reason}")),
            }),
    ]
    .spacing(6)
    .align_y(iced::Alignment::Center);
    let roll = canvas(PianoRoll {
        notes,
        length_beats,
        playhead_beats,
        on_change: Box::new(move |notes| set(node, "notes".into(), format_notes(&notes))),
        on_release: Message::GestureEnd,
    })
    .width(Length::Fill)
    .height(Length::Fill);
    column![roll, lyrics_row].spacing(4).into()
}

/// The name of what feeds track `i` of an arrangement (the upstream node's id).
fn track_name(graph: &Graph, arrangement: &str, i: usize) -> String {
    let port = format!("in_{i}");
    graph
        .index(arrangement)
        .and_then(|n| {
            graph
                .edges_into(n)
                .find(|(_, e)| e.to_port == port)
                .map(|(from, _)| graph.spec(from).id.clone())
        })
        .unwrap_or_else(|| format!("track {i}"))
}

fn timeline_editor<'a>(context: Context<'a>, spec: &'a NodeSpec) -> Element<'a, Message> {
    let sections: Vec<(String, u32, u32)> = parse_sections(&param_text(spec, "sections", ""))
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.name, s.first_bar, s.last_bar))
        .collect();
    let tracks = param_number(spec, "tracks", 4.0).clamp(1.0, 16.0) as usize;
    let texts: Vec<String> = (1..=tracks)
        .map(|i| param_text(spec, &format!("track_{i}"), "all"))
        .collect();
    // The song is as long as its sections and numbered ranges, and at least 16 bars.
    let numbered = texts
        .iter()
        .filter_map(|t| parse_ranges(t, 1).ok())
        .flatten()
        .map(|(_, last)| last)
        .max()
        .unwrap_or(0);
    let total_bars = sections
        .iter()
        .map(|s| s.2)
        .chain([numbered, 16])
        .max()
        .unwrap_or(16);
    let lanes = texts
        .iter()
        .enumerate()
        .map(|(k, t)| {
            let i = k + 1;
            let on = |id: String| spec.params.get(&id).and_then(ParamValue::as_text) == Some("on");
            TrackLane {
                name: track_name(context.graph, &spec.id, i),
                ranges: parse_ranges(t, total_bars).unwrap_or_default(),
                mute: on(format!("mute_{i}")),
                solo: on(format!("solo_{i}")),
            }
        })
        .collect::<Vec<_>>();
    let flags: Vec<(bool, bool)> = lanes.iter().map(|l| (l.mute, l.solo)).collect();
    let node = spec.id.as_str();
    let playhead_bars = context
        .engine
        .filter(|e| e.is_playing())
        .map(|e| e.position_bars() - 1.0);
    canvas(Timeline {
        tracks: lanes,
        sections,
        total_bars,
        playhead_bars,
        on_change: Box::new(move |track, text| set(node, format!("track_{}", track + 1), text)),
        on_toggle: Box::new(move |track, toggle| {
            let (mute, solo) = flags.get(track).copied().unwrap_or_default();
            let (param, now) = match toggle {
                Toggle::Mute => ("mute", mute),
                Toggle::Solo => ("solo", solo),
            };
            Message::Set {
                node: node.to_string(),
                param: format!("{param}_{}", track + 1),
                value: ParamValue::Text(if now { "off" } else { "on" }.into()),
                gesture: false,
            }
        }),
        on_release: Message::GestureEnd,
    })
    .width(Length::Fill)
    .height(Length::Fill)
    .into()
}

/// The sequencer whose editor is shown: the inspected one, else the song's arrangement.
fn edited<'a>(graph: &'a Graph, inspected: Option<&str>) -> Option<&'a NodeSpec> {
    let selected = inspected.and_then(|id| graph.node(id));
    selected
        .filter(|s| {
            matches!(
                s.kind.as_str(),
                "sequence.steps" | "sequence.clip" | "sequence.arrangement"
            )
        })
        .or_else(|| {
            graph
                .nodes()
                .map(|(_, n)| n)
                .find(|n| n.kind == "sequence.arrangement")
        })
}

/// Whether the panel shows (the canvas is shorter by [`PANEL_HEIGHT`] then).
pub fn shown(graph: &Graph, inspected: Option<&str>) -> bool {
    edited(graph, inspected).is_some()
}

/// The editor for the selected sequencer, or the song's timeline, if either applies.
pub fn view(context: Context<'_>) -> Option<Element<'_, Message>> {
    let s = edited(context.graph, context.inspected)?;
    let (title, editor): (String, Element<'_, Message>) = match s.kind.as_str() {
        "sequence.steps" => (
            format!("{}: steps — click to toggle, drag up or down for accent, hit, ghost", s.id),
            steps_editor(context, s),
        ),
        "sequence.clip" => (
            format!(
                "{}: piano roll — click to add, drag to move, drag the end to resize, right click deletes; velocity below",
                s.id
            ),
            clip_editor(context, s),
        ),
        _ => (
            format!("{}: timeline — drag clips to move, their ends to resize; double-click adds, right click deletes; M mutes, S solos", s.id),
            timeline_editor(context, s),
        ),
    };
    Some(
        container(column![text(title).size(12), editor].spacing(4))
            .padding(6)
            .height(Length::Fixed(PANEL_HEIGHT))
            .width(Length::Fill)
            .style(container::dark)
            .into(),
    )
}
