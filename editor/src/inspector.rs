//! The inspector: every parameter of the selected node as a control that fits its kind — a
//! slider with its unit and range plus typed entry for numbers (logarithmic for frequencies),
//! a list for choices, a text field for text — each with a reset to its default. Mixers also
//! show their meters; nodes that give an analysis show its measures.
//!
//! The panel owns only the text being typed into its entries. It reads the document and the
//! engine it is given and never edits anything: every change leaves as an [`Action`] that the
//! app performs as a document edit (so undo sees it).

use iced::widget::{
    button, column, container, pick_list, progress_bar, row, scrollable, slider, text, text_input,
};
use std::collections::HashMap;

use iced::{Alignment, Element, Length};
use yano_engine::graph::descriptor_of;
use yano_engine::param::{ParamKind, ParamSpec, ParamValue, Unit};
use yano_engine::{Graph, Registry};

use crate::audio::Engine;
use crate::document::Edit;

/// Width of the inspector panel.
pub const WIDTH: f32 = 360.0;

/// What the inspector's controls send.
#[derive(Debug, Clone)]
pub enum Message {
    /// A slider moved: part of a gesture.
    Slide {
        node: String,
        param: String,
        value: f64,
    },
    /// A knob or slider was let go: the gesture is one undo step.
    GestureEnd,
    /// Text typed into a parameter's entry.
    Entry { param: String, text: String },
    /// Enter in a parameter's entry.
    Submit { node: String, param: String },
    Set {
        node: String,
        param: String,
        value: ParamValue,
        gesture: bool,
    },
    /// Back to the parameter's default.
    Reset { node: String, param: String },
}

/// What the app must do after an inspector message.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    None,
    /// Perform this edit (a parameter change), as part of a gesture when `gesture`; when
    /// `committed` names a parameter, call [`Inspector::committed`] once the edit succeeded.
    Edit {
        edit: Edit,
        gesture: bool,
        committed: Option<String>,
    },
    /// The gesture under way ended: seal its undo step.
    EndGesture,
    /// Typed entry that does not read as a value, with the reason.
    Refused(String),
}

/// What the inspector reads to draw itself.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub graph: &'a Graph,
    pub registry: &'a Registry,
    /// The single selected node, whose parameters are shown.
    pub inspected: Option<&'a str>,
    /// How many nodes are selected.
    pub selected: usize,
    pub engine: Option<&'a Engine>,
}

/// The inspector panel's state: typed-entry text by parameter id, until applied or the
/// selection changes.
#[derive(Debug, Default)]
pub struct Inspector {
    entries: HashMap<String, String>,
}

impl Inspector {
    /// The inspected node changed: typed entries start afresh.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The edit of a submitted entry succeeded: its text gives way to the new value.
    pub fn committed(&mut self, param: &str) {
        self.entries.remove(param);
    }

    /// The text being typed for `param`, if any.
    pub fn entry(&self, param: &str) -> Option<&str> {
        self.entries.get(param).map(String::as_str)
    }

    pub fn update(&mut self, message: Message, graph: &Graph, registry: &Registry) -> Action {
        match message {
            Message::Slide { node, param, value } => {
                self.entries.remove(&param);
                Action::Edit {
                    edit: Edit::SetParam {
                        node,
                        param,
                        value: Some(ParamValue::Number(value)),
                    },
                    gesture: true,
                    committed: None,
                }
            }
            Message::GestureEnd => Action::EndGesture,
            Message::Entry { param, text } => {
                self.entries.insert(param, text);
                Action::None
            }
            Message::Submit { node, param } => {
                let Some(text) = self.entries.get(&param) else {
                    return Action::None;
                };
                match parse_entry(graph, registry, &node, &param, text) {
                    Ok(value) => Action::Edit {
                        edit: Edit::SetParam {
                            node,
                            param: param.clone(),
                            value: Some(value),
                        },
                        gesture: false,
                        committed: Some(param),
                    },
                    Err(e) => Action::Refused(e),
                }
            }
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
                committed: None,
            },
            Message::Reset { node, param } => {
                self.entries.remove(&param);
                Action::Edit {
                    edit: Edit::SetParam {
                        node,
                        param,
                        value: None,
                    },
                    gesture: false,
                    committed: None,
                }
            }
        }
    }
}

/// Reads typed entry for one parameter ("-6", "440", "2.5 s" — a trailing unit is allowed) and
/// checks it against the parameter's range; the error names the parameter.
pub fn parse_entry(
    graph: &Graph,
    registry: &Registry,
    node: &str,
    param: &str,
    text: &str,
) -> Result<ParamValue, String> {
    let spec = graph
        .node(node)
        .ok_or_else(|| format!("no node \"{node}\""))?;
    let descriptor = descriptor_of(spec, registry).map_err(|e| e.to_string())?;
    let p = descriptor
        .param(param)
        .ok_or_else(|| format!("{node} has no parameter \"{param}\""))?;
    let value = match &p.kind {
        ParamKind::Number { unit, .. } => {
            let t = text.trim();
            let t = t.strip_suffix(unit.symbol()).unwrap_or(t).trim();
            let v: f64 = t
                .parse()
                .map_err(|_| format!("{node}.{param}: \"{text}\" is not a number"))?;
            ParamValue::Number(v)
        }
        _ => ParamValue::Text(text.to_string()),
    };
    p.check(&value)
        .map_err(|e| format!("{node}.{param}: {e}"))?;
    Ok(value)
}

/// Slider position 0..=1 ↔ value; frequencies and other wide positive ranges move in octaves.
fn logarithmic(min: f64, max: f64, unit: Unit) -> bool {
    min > 0.0
        && max / min >= 50.0
        && matches!(unit, Unit::Hertz | Unit::Milliseconds | Unit::Seconds)
}

pub fn to_slider(v: f64, min: f64, max: f64, unit: Unit) -> f64 {
    if logarithmic(min, max, unit) {
        (v.max(min) / min).ln() / (max / min).ln()
    } else {
        (v - min) / (max - min)
    }
}

pub fn from_slider(s: f64, min: f64, max: f64, unit: Unit, integer: bool) -> f64 {
    let v = if logarithmic(min, max, unit) {
        min * (max / min).powf(s)
    } else {
        min + s * (max - min)
    };
    let v = if integer {
        v.round()
    } else {
        // Three significant figures are finer than anyone hears and read well.
        let magnitude = 10f64.powf(v.abs().max(1e-6).log10().floor() - 2.0);
        (v / magnitude).round() * magnitude
    };
    v.clamp(min, max)
}

/// A number as the inspector writes it: no trailing zeros, at most 3 decimals.
pub fn format_number(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn param_row<'a>(
    inspector: &'a Inspector,
    node: &'a str,
    p: &'a ParamSpec,
    current: Option<&'a ParamValue>,
) -> Element<'a, Message> {
    let value = current.cloned().unwrap_or_else(|| p.default_value());
    let is_default = current.is_none();
    let reset = button(text("↺").size(13))
        .padding([1, 6])
        .style(button::text)
        .on_press_maybe((!is_default).then(|| Message::Reset {
            node: node.to_string(),
            param: p.id.to_string(),
        }));
    let label = text(p.id.to_string()).size(13).width(Length::Fixed(118.0));
    // Typed entry: what the user is typing, else the current value; Enter applies it.
    let entry_of = |placeholder: &str, shown: String| {
        let buffer = inspector.entry(&p.id).map_or(shown, str::to_string);
        text_input(placeholder, &buffer)
            .size(13)
            .padding(3)
            .on_input(move |t| Message::Entry {
                param: p.id.to_string(),
                text: t,
            })
            .on_submit(Message::Submit {
                node: node.to_string(),
                param: p.id.to_string(),
            })
    };
    let control: Element<'a, Message> = match &p.kind {
        ParamKind::Number {
            min,
            max,
            unit,
            integer,
            ..
        } => {
            let (min, max, unit, integer) = (*min, *max, *unit, *integer);
            let v = value.as_number().unwrap_or(min);
            let node_id = node.to_string();
            let bar = slider(0.0..=1.0, to_slider(v, min, max, unit), move |s| {
                Message::Slide {
                    node: node_id.clone(),
                    param: p.id.to_string(),
                    value: from_slider(s, min, max, unit, integer),
                }
            })
            .step(0.001)
            .on_release(Message::GestureEnd)
            .width(Length::Fill);
            row![
                bar,
                entry_of("", format_number(v)).width(Length::Fixed(80.0)),
                text(unit.symbol()).size(12).width(Length::Fixed(22.0))
            ]
            .spacing(6)
            .align_y(Alignment::Center)
            .into()
        }
        ParamKind::Choice { options, .. } => {
            let selected = value.as_text().map(str::to_string);
            let node_id = node.to_string();
            pick_list(
                options.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
                selected,
                move |choice| Message::Set {
                    node: node_id.clone(),
                    param: p.id.to_string(),
                    value: ParamValue::Text(choice),
                    gesture: false,
                },
            )
            .text_size(13)
            .padding(3)
            .width(Length::Fill)
            .into()
        }
        ParamKind::Text { .. } => {
            let shown = value.as_text().unwrap_or_default().to_string();
            entry_of(&p.description, shown).width(Length::Fill).into()
        }
    };
    row![label, control, reset]
        .spacing(4)
        .align_y(Alignment::Center)
        .into()
}

/// Peak and RMS bars of a mixer's channels and master, from its readouts.
fn meters<'a>(context: Context<'a>, node: &str) -> Option<Element<'a, Message>> {
    let readouts = context.engine?.readouts(node)?;
    let mut lines = column![text("meters").size(14)].spacing(3);
    let bar = |label: String, peak_db: f32, rms_db: f32| -> Element<'a, Message> {
        let level = |db: f32| ((db + 60.0) / 60.0).clamp(0.0, 1.0);
        row![
            text(label).size(12).width(Length::Fixed(64.0)),
            column![
                progress_bar(0.0..=1.0, level(peak_db)).girth(5),
                progress_bar(0.0..=1.0, level(rms_db)).girth(5),
            ]
            .spacing(1)
            .width(Length::Fill),
            text(format!("{peak_db:>6.1} dB"))
                .size(11)
                .width(Length::Fixed(64.0)),
        ]
        .spacing(6)
        .align_y(Alignment::Center)
        .into()
    };
    for ch in 1..=16 {
        let (Some(peak), Some(rms)) = (
            readouts.by_name(&format!("ch{ch}_peak_db")),
            readouts.by_name(&format!("ch{ch}_rms_db")),
        ) else {
            break;
        };
        let channels = context
            .graph
            .node(node)
            .and_then(|n| n.params.get("channels"))
            .and_then(ParamValue::as_number)
            .unwrap_or(4.0) as usize;
        if ch > channels {
            break;
        }
        lines = lines.push(bar(format!("ch {ch}"), peak, rms));
    }
    if let (Some(peak), Some(rms)) = (
        readouts.by_name("master_peak_db"),
        readouts.by_name("master_rms_db"),
    ) {
        lines = lines.push(bar("master".into(), peak, rms));
    }
    if let Some(lufs) = readouts.by_name("master_lufs_m") {
        lines = lines.push(text(format!("momentary loudness {lufs:.1} LUFS")).size(12));
    }
    Some(lines.into())
}

/// The measures of the analyses a node has computed: numbers, labels, and lists shortened to
/// their first items.
fn analysis<'a>(context: Context<'a>, node: &str) -> Option<Element<'a, Message>> {
    use yano_engine::clip::Measure;
    let analyses = context.engine?.analyses(node);
    if analyses.is_empty() {
        return None;
    }
    let mut lines = column![text("analysis").size(14)].spacing(3);
    for a in analyses {
        for (name, m) in &a.measures {
            let shown = match m {
                Measure::Number(x) if x.is_finite() => format_number(*x),
                Measure::Number(_) => "none".to_string(),
                Measure::Label(l) => l.clone(),
                Measure::Numbers(v) => {
                    let first: Vec<String> = v.iter().take(4).map(|x| format!("{x:.2}")).collect();
                    format!(
                        "{} values: {}{}",
                        v.len(),
                        first.join(", "),
                        if v.len() > 4 { " …" } else { "" }
                    )
                }
                Measure::Labels(v) => {
                    let first: Vec<&str> = v.iter().take(8).map(String::as_str).collect();
                    format!("{}{}", first.join(" "), if v.len() > 8 { " …" } else { "" })
                }
            };
            lines = lines.push(
                row![
                    text(name.clone()).size(12).width(Length::Fixed(150.0)),
                    text(shown).size(12).width(Length::Fill),
                ]
                .spacing(4),
            );
        }
    }
    Some(lines.into())
}

impl Inspector {
    /// The panel: the inspected node's parameters, or a hint when not one node is selected.
    pub fn view<'a>(&'a self, context: Context<'a>) -> Element<'a, Message> {
        let body: Element<'a, Message> = match context.inspected {
        None => column![
            text("Inspector").size(16),
            text(match context.selected {
                0 => "Select a node to edit its parameters.\n\nDouble-click or right-click the canvas (or press A) to add a node; drag from an output pin to an input pin to wire them.".to_string(),
                n => format!("{n} nodes selected"),
            })
            .size(13),
        ]
        .spacing(10)
        .into(),
        Some(id) => {
            match context.graph.node(id).and_then(|spec| descriptor_of(spec, context.registry).ok().map(|d| (spec, d))) {
                None => text(format!("{id}: unknown kind")).into(),
                Some((spec, descriptor)) => {
                    let mut list = column![
                        text(&spec.id).size(18),
                        text(descriptor.kind).size(12),
                        text(descriptor.description).size(12),
                    ]
                    .spacing(6);
                    if let Some(m) = meters(context, id) {
                        list = list.push(container(m).padding(6).style(container::rounded_box));
                    }
                    if let Some(a) = analysis(context, id) {
                        list = list.push(container(a).padding(6).style(container::rounded_box));
                    }
                    for p in &descriptor.params {
                        list = list.push(param_row(self, id, p, spec.params.get(p.id.as_ref())));
                    }
                    list.into()
                }
            }
        }
    };
        container(scrollable(container(body).padding(10)).height(Length::Fill))
            .width(Length::Fixed(WIDTH))
            .height(Length::Fill)
            .style(container::dark)
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_sliders_move_in_octaves_and_round_trip() {
        let (min, max) = (20.0, 20_000.0);
        let mid = from_slider(0.5, min, max, Unit::Hertz, false);
        assert!(
            (mid - 632.0).abs() < 1.0,
            "half way is the geometric middle, got {mid}"
        );
        for v in [20.0, 100.0, 440.0, 4000.0, 20_000.0] {
            let back = from_slider(
                to_slider(v, min, max, Unit::Hertz),
                min,
                max,
                Unit::Hertz,
                false,
            );
            assert!((back - v).abs() / v < 0.005, "{v} came back as {back}");
        }
        assert_eq!(from_slider(0.5, -24.0, 24.0, Unit::Decibels, false), 0.0);
        assert_eq!(from_slider(0.26, 1.0, 16.0, Unit::Count, true), 5.0);
    }

    #[test]
    fn typed_entry_accepts_a_unit_and_refuses_out_of_range() {
        let registry = yano_nodes::registry();
        let mut graph = Graph::new(Default::default());
        graph
            .add_node(yano_engine::NodeSpec::new("g", "util.gain"), &registry)
            .unwrap();
        assert_eq!(
            parse_entry(&graph, &registry, "g", "gain_db", "-6 dB"),
            Ok(ParamValue::Number(-6.0))
        );
        let err = parse_entry(&graph, &registry, "g", "gain_db", "900").unwrap_err();
        assert!(err.contains("g.gain_db"), "{err}");
        assert!(parse_entry(&graph, &registry, "g", "gain_db", "loud").is_err());
    }

    #[test]
    fn typed_entry_is_kept_until_its_edit_is_committed() {
        let registry = yano_nodes::registry();
        let mut graph = Graph::new(Default::default());
        graph
            .add_node(yano_engine::NodeSpec::new("g", "util.gain"), &registry)
            .unwrap();
        let mut inspector = Inspector::default();
        let entry = |text: &str| Message::Entry {
            param: "gain_db".into(),
            text: text.into(),
        };
        let submit = || Message::Submit {
            node: "g".into(),
            param: "gain_db".into(),
        };
        let _ = inspector.update(entry("loud"), &graph, &registry);
        assert!(matches!(
            inspector.update(submit(), &graph, &registry),
            Action::Refused(why) if why.contains("g.gain_db")
        ));
        assert_eq!(inspector.entry("gain_db"), Some("loud"), "kept to correct");
        let _ = inspector.update(entry("-6"), &graph, &registry);
        assert_eq!(
            inspector.update(submit(), &graph, &registry),
            Action::Edit {
                edit: Edit::SetParam {
                    node: "g".into(),
                    param: "gain_db".into(),
                    value: Some(ParamValue::Number(-6.0)),
                },
                gesture: false,
                committed: Some("gain_db".into()),
            }
        );
        inspector.committed("gain_db");
        assert_eq!(inspector.entry("gain_db"), None);
    }
}
