//! RON presets (graphs/*.ron): loading with errors that carry line and column and name the node,
//! parameter or port at fault; saving atomically; load → save → load round-trips exactly.

// Preset errors are rare and carry the graph error whole so callers can match on it; their size
// does not matter on this cold path.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::automation::{AutomationError, AutomationLane, AutomationPoint, Curve};
use crate::graph::{Graph, GraphError, NodeSpec, PortRef, UiPosition};
use crate::param::ParamValue;
use crate::registry::Registry;
use crate::save::atomic_write;
use crate::transport::Transport;

/// The preset format this build reads and writes.
pub const PRESET_VERSION: u32 = 1;

/// A place in the preset text, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// Why a preset could not be read or written.
#[derive(Debug, Error)]
pub enum PresetError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot save {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{at}: byte 0x{byte:02x} is not UTF-8 text (is the file damaged, or not a preset?)")]
    NotText { at: Location, byte: u8 },
    #[error("{at}: the preset ends too early (is it truncated?)")]
    Truncated { at: Location },
    #[error("{at}: {message}")]
    Syntax { at: Location, message: String },
    #[error("{at}: wrong type: {message}")]
    WrongType { at: Location, message: String },
    #[error("{at}: unknown field \"{field}\"")]
    UnknownField { at: Location, field: String },
    #[error("{at}: missing field \"{field}\"")]
    MissingField { at: Location, field: String },
    #[error("preset version {found} is not supported (this build reads version {PRESET_VERSION})")]
    Version { found: u32 },
    #[error("{at}: transport {reason}")]
    Transport { at: Location, reason: String },
    #[error("{}: {error}", at.map_or_else(|| "preset".to_string(), |a| a.to_string()))]
    Graph {
        error: GraphError,
        at: Option<Location>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    version: u32,
    transport: TransportFile,
    nodes: Vec<NodeFile>,
    #[serde(default)]
    edges: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    automation: Vec<LaneFile>,
}

/// `(param: "node.param", points: [(bar: 1.0, value: -60.0), (bar: 5.0, value: 0.0, curve: "exp")])`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LaneFile {
    param: String,
    points: Vec<PointFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PointFile {
    bar: f64,
    value: f64,
    #[serde(default = "linear", skip_serializing_if = "is_linear")]
    curve: String,
}

fn linear() -> String {
    "linear".into()
}

fn is_linear(curve: &str) -> bool {
    curve == "linear"
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransportFile {
    bpm: f64,
    sample_rate: u32,
    #[serde(default = "straight")]
    swing: f64,
}

fn straight() -> f64 {
    0.5
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeFile {
    id: String,
    kind: String,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "params_by_name"
    )]
    params: BTreeMap<String, ParamValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ui: Option<UiFile>,
}

/// A node's parameter map, where a value of the wrong shape (a list where a number goes) is an
/// error that names the parameter, not only the line.
fn params_by_name<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, ParamValue>, D::Error> {
    struct Params;
    impl<'de> serde::de::Visitor<'de> for Params {
        type Value = BTreeMap<String, ParamValue>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of parameter ids to numbers or strings")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut params = BTreeMap::new();
            while let Some(id) = map.next_key::<String>()? {
                let value = map
                    .next_value::<ParamValue>()
                    .map_err(|e| serde::de::Error::custom(format!("parameter \"{id}\": {e}")))?;
                params.insert(id, value);
            }
            Ok(params)
        }
    }
    d.deserialize_map(Params)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UiFile {
    x: f32,
    y: f32,
}

/// `ui: (x: 1.0, y: 2.0)` rather than `ui: Some((x: 1.0, y: 2.0))`, reading and writing.
fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

fn location_of(text: &str, byte: usize) -> Location {
    // Back to the start of the character `byte` falls in (a guess may land inside one).
    let mut end = byte.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.chars().count(), |nl| {
        before[nl + 1..].chars().count()
    }) + 1;
    Location { line, column }
}

/// Finds `"needle"` in the text after `from`, returning the byte offset of the opening quote.
fn find_quoted(text: &str, needle: &str, from: usize) -> Option<usize> {
    let quoted = format!("\"{needle}\"");
    text.get(from..)?.find(&quoted).map(|i| i + from)
}

/// Where node `id` is declared.
fn node_offset(text: &str, id: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = find_quoted(text, id, from) {
        let before = text[..at].trim_end();
        if before.ends_with("id:") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Finds where in the text a graph error points.
fn locate(text: &str, error: &GraphError) -> Option<Location> {
    let at = match error {
        GraphError::DuplicateId(id) => {
            let first = node_offset(text, id)?;
            node_offset(&text[first + 1..], id).map(|i| i + first + 1)
        }
        GraphError::BadId(id) | GraphError::NoSuchNode(id) => node_offset(text, id),
        GraphError::Ports { node, .. } => node_offset(text, node),
        GraphError::UnknownKind { node, kind } => {
            let n = node_offset(text, node)?;
            find_quoted(text, kind, n)
        }
        GraphError::UnknownParam { node, param, .. }
        | GraphError::BadParamValue { node, param, .. } => {
            let n = node_offset(text, node)?;
            find_quoted(text, param, n)
        }
        GraphError::DanglingEdge { from, to, .. }
        | GraphError::TypeMismatch { from, to, .. }
        | GraphError::DuplicateEdge { from, to } => edge_offset(text, from, to),
        GraphError::UnknownPort { node, port, .. } => {
            let needle = format!("{node}.{port}");
            find_quoted(text, &needle, text.find("edges").unwrap_or(0))
        }
        GraphError::BadPortRef(r) => find_quoted(text, r, text.find("edges").unwrap_or(0)),
        GraphError::Automation(a) => find_quoted(
            text,
            &format!("{}.{}", a.node, a.param),
            text.find("automation").unwrap_or(0),
        ),
    }?;
    Some(location_of(text, at))
}

fn edge_offset(text: &str, from: &str, to: &str) -> Option<usize> {
    let mut at = text.find("edges").unwrap_or(0);
    // The last matching pair: a duplicate edge is the second one.
    let mut found = None;
    while let Some(f) = find_quoted(text, from, at) {
        let rest = text[f + from.len() + 2..].trim_start();
        let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        if rest.starts_with(&format!("\"{to}\"")) {
            found = Some(f);
        }
        at = f + 1;
    }
    found
}

fn from_ron(text: &str, error: ron::error::SpannedError) -> PresetError {
    use ron::error::Error as E;
    let at = Location {
        line: error.span.start.line,
        column: error.span.start.col,
    };
    match error.code {
        E::Eof | E::UnclosedBlockComment | E::ExpectedStringEnd => PresetError::Truncated { at },
        E::NoSuchStructField { found, .. } => PresetError::UnknownField { at, field: found },
        E::MissingStructField { field, .. } => PresetError::MissingField {
            at,
            field: field.to_string(),
        },
        E::InvalidValueForType { .. }
        | E::ExpectedFloat
        | E::ExpectedInteger
        | E::ExpectedString
        | E::ExpectedBoolean
        | E::ExpectedArray
        | E::ExpectedMap
        | E::ExpectedStructLike
        | E::IntegerOutOfBounds
        | E::Message(_) => PresetError::WrongType {
            at,
            message: error.code.to_string(),
        },
        // A cut-off document shows up as some other complaint at its very end.
        _ if (at.line, at.column) >= {
            let end = location_of(text, text.trim_end().len().saturating_sub(1));
            (end.line, end.column)
        } =>
        {
            PresetError::Truncated { at }
        }
        code => PresetError::Syntax {
            at,
            message: code.to_string(),
        },
    }
}

/// Parses preset text into a graph, checking everything against the registry.
/// `base_dir` is where relative file paths in parameters are resolved from.
pub fn parse_preset(
    text: &str,
    registry: &Registry,
    base_dir: Option<&Path>,
) -> Result<Graph, PresetError> {
    let file: PresetFile = ron_options()
        .from_str(text)
        .map_err(|e| from_ron(text, e))?;
    if file.version != PRESET_VERSION {
        return Err(PresetError::Version {
            found: file.version,
        });
    }
    let t = &file.transport;
    let transport_at = text
        .find("transport")
        .map_or(Location { line: 1, column: 1 }, |i| location_of(text, i));
    if !(20.0..=400.0).contains(&t.bpm) {
        return Err(PresetError::Transport {
            at: transport_at,
            reason: format!("bpm {} is outside 20 ..= 400", t.bpm),
        });
    }
    if !(8_000..=384_000).contains(&t.sample_rate) {
        return Err(PresetError::Transport {
            at: transport_at,
            reason: format!("sample_rate {} is outside 8000 ..= 384000", t.sample_rate),
        });
    }
    if !(0.5..=0.75).contains(&t.swing) {
        return Err(PresetError::Transport {
            at: transport_at,
            reason: format!("swing {} is outside 0.5 ..= 0.75", t.swing),
        });
    }
    let mut graph = Graph::new(Transport {
        sample_rate: t.sample_rate,
        bpm: t.bpm,
        swing: t.swing,
    });
    graph.base_dir = base_dir.map(Path::to_path_buf);
    let err = |error: GraphError| PresetError::Graph {
        at: locate(text, &error),
        error,
    };
    for n in file.nodes {
        let spec = NodeSpec {
            id: n.id,
            kind: n.kind,
            params: n.params,
            ui: n.ui.map(|u| UiPosition { x: u.x, y: u.y }),
        };
        graph.add_node(spec, registry).map_err(err)?;
    }
    for (from, to) in &file.edges {
        graph.connect(from, to, registry).map_err(err)?;
    }
    for lane in file.automation {
        let target = PortRef::parse(&lane.param).map_err(err)?;
        let mut points = Vec::with_capacity(lane.points.len());
        for p in &lane.points {
            let curve = match p.curve.as_str() {
                "linear" => Curve::Linear,
                "exp" | "exponential" => Curve::Exponential,
                other => {
                    return Err(err(GraphError::Automation(AutomationError {
                        node: target.node.clone(),
                        param: target.port.clone(),
                        reason: format!("curve \"{other}\" is not \"linear\" or \"exp\""),
                    })))
                }
            };
            points.push(AutomationPoint {
                bar: p.bar,
                value: p.value,
                curve,
            });
        }
        let lane = AutomationLane {
            node: target.node,
            param: target.port,
            points,
        };
        graph.automate(lane, registry).map_err(err)?;
    }
    Ok(graph)
}

/// Reads a preset file.
pub fn load_preset(path: &Path, registry: &Registry) -> Result<Graph, PresetError> {
    let bytes = std::fs::read(path).map_err(|source| PresetError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let bad = e.utf8_error().valid_up_to();
        let before = &bytes[..bad];
        let line_start = before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        // Columns count characters, as the parser's do.
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        PresetError::NotText {
            at: Location {
                line: before.iter().filter(|b| **b == b'\n').count() + 1,
                column,
            },
            byte: bytes[bad],
        }
    })?;
    parse_preset(&text, registry, path.parent())
}

/// The preset text of a graph.
pub fn preset_text(graph: &Graph) -> String {
    let file = PresetFile {
        version: PRESET_VERSION,
        transport: TransportFile {
            bpm: graph.transport.bpm,
            sample_rate: graph.transport.sample_rate,
            swing: graph.transport.swing,
        },
        nodes: graph
            .nodes()
            .map(|(_, n)| NodeFile {
                id: n.id.clone(),
                kind: n.kind.clone(),
                params: n.params.clone(),
                ui: n.ui.map(|u| UiFile { x: u.x, y: u.y }),
            })
            .collect(),
        edges: graph
            .edges()
            .map(|(a, b, e)| {
                (
                    format!("{}.{}", graph.spec(a).id, e.from_port),
                    format!("{}.{}", graph.spec(b).id, e.to_port),
                )
            })
            .collect(),
        automation: graph
            .automation()
            .iter()
            .map(|lane| LaneFile {
                param: format!("{}.{}", lane.node, lane.param),
                points: lane
                    .points
                    .iter()
                    .map(|p| PointFile {
                        bar: p.bar,
                        value: p.value,
                        curve: match p.curve {
                            Curve::Linear => linear(),
                            Curve::Exponential => "exp".into(),
                        },
                    })
                    .collect(),
            })
            .collect(),
    };
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(3)
        .indentor("    ");
    let mut text = ron_options()
        .to_string_pretty(&file, pretty)
        .expect("preset data always serialises");
    text.push('\n');
    text
}

/// Saves a graph as a preset, atomically.
pub fn save_preset(graph: &Graph, path: &Path) -> Result<(), PresetError> {
    let text = preset_text(graph);
    atomic_write(path, |f| std::io::Write::write_all(f, text.as_bytes())).map_err(|source| {
        PresetError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}
