//! `generate.arrangement`: the generator as a node of the inference partition. From its style,
//! key, length and seed (tempo from the session) it composes a track and offers each
//! instrument's notes as a note clip (the arrangement's layers already applied), plus an analysis
//! with the key, sections and chords. Wire a clip output into an instrument and the compiler
//! puts a note player between them; a new seed is heard from the next bar. Wire an analysis
//! (`analysis.key`'s, say) into `follow` and the arrangement takes the key it names: a track that
//! follows a song (the tempo is the session's).

use std::sync::Arc;

use yano_engine::clip::{Analysis, ClipValue, Measure, NoteClip};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, InferenceNode, JobContext, NodeConfig, NodeDescriptor, NodeError, PortLayout, Registry,
};

use yano_music::Key;

use crate::compose::{compose, Request};
use crate::form::{EnergyCurve, Part};
use crate::prompt::Style;

pub const KIND: &str = "generate.arrangement";

const ENERGY: [&str; 3] = ["build", "steady", "fade"];

pub fn descriptor() -> NodeDescriptor {
    let mut ports = vec![PortSpec::input(
        "follow",
        PortType::Analysis,
        "an analysis whose \"key\" the arrangement takes (optional)",
    )];
    ports.extend(Part::ALL.iter().map(|p| {
        PortSpec::output(
            p.name(),
            PortType::NoteClip,
            "this instrument's notes, as arranged",
        )
    }));
    ports.push(PortSpec::output(
        "analysis",
        PortType::Analysis,
        "key, bpm, sections and the chords of every bar",
    ));
    NodeDescriptor {
        kind: KIND,
        description:
            "composes an amapiano arrangement (form, chords, log drum, grooves) as note clips",
        params: vec![
            ParamSpec::choice(
                "style",
                "amapiano, private_school or sgija",
                &["amapiano", "private_school", "sgija"],
                0,
            ),
            ParamSpec::text(
                "key",
                "key, e.g. \"F minor\", \"Eb major\" (empty: the style's)",
                "",
            ),
            ParamSpec::integer("bars", "length (a multiple of 8)", 16, 512, 64, Unit::Bars),
            ParamSpec::integer(
                "seed",
                "same seed, same arrangement",
                0,
                1 << 31,
                1,
                Unit::Count,
            ),
            ParamSpec::number(
                "density",
                "notes a bar in percussion, stabs and log drum",
                0.0,
                1.0,
                0.5,
                Unit::None,
            ),
            ParamSpec::number(
                "complexity",
                "passing dominants and chords a phrase",
                0.0,
                1.0,
                0.5,
                Unit::None,
            ),
            ParamSpec::choice("energy", "energy curve: build, steady or fade", &ENERGY, 0),
        ],
        ports: PortLayout::Fixed(ports),
        build: Build::Inference(build),
    }
}

/// Adds the generator's node kinds to a registry.
pub fn register(registry: &mut Registry) {
    registry
        .register(descriptor())
        .expect("generate.arrangement is registered once");
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn InferenceNode>, NodeError> {
    let p = &config.params;
    let style = Style::ALL[p.choice("style")?.min(2)];
    let key_text = p.text("key")?;
    let key = if key_text.trim().is_empty() {
        style.default_key()
    } else {
        Key::parse(&key_text).ok_or_else(|| {
            NodeError::new(format!(
                "key \"{key_text}\" is not a key: write e.g. \"F minor\" or \"Eb major\""
            ))
        })?
    };
    let mut request = Request::plain(
        style,
        key,
        config.transport.bpm,
        p.number("bars")? as u32,
        p.number("seed")? as u64,
    );
    request.character.density = p.number("density")?;
    request.character.complexity = p.number("complexity")?;
    request.energy =
        EnergyCurve::parse(ENERGY[p.choice("energy")?.min(2)]).unwrap_or(EnergyCurve::Build);
    Ok(Box::new(Generator { request }))
}

struct Generator {
    request: Request,
}

impl InferenceNode for Generator {
    /// Worker thread: composes the track (milliseconds) and hands out its clips.
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        job: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let mut request = self.request.clone();
        request.bpm = job.transport.bpm;
        if let Some(ClipValue::Analysis(a)) = inputs.first().and_then(Option::as_ref) {
            match a.measures.get("key") {
                Some(Measure::Label(k)) => {
                    request.key = Key::parse(k).ok_or_else(|| {
                        NodeError::new(format!("follow: the analysis's key \"{k}\" is not a key"))
                    })?;
                }
                _ => {
                    return Err(NodeError::new(
                        "follow: the analysis has no \"key\" (wire an analysis.key node)",
                    ))
                }
            }
        }
        let track = compose(&request);
        let length_beats = f64::from(request.bars) * 4.0;
        let mut out: Vec<ClipValue> = Part::ALL
            .iter()
            .map(|part| {
                ClipValue::Notes(Arc::new(NoteClip {
                    notes: track
                        .heard(*part)
                        .iter()
                        .map(crate::build::quantise)
                        .collect(),
                    length_beats,
                }))
            })
            .collect();
        let mut analysis = Analysis::default();
        let m = &mut analysis.measures;
        m.insert("bpm".into(), Measure::Number(request.bpm));
        m.insert("key".into(), Measure::Label(request.key.to_string()));
        m.insert("style".into(), Measure::Label(request.style.to_string()));
        m.insert("bars".into(), Measure::Number(f64::from(request.bars)));
        let sections: Vec<String> = track
            .sections
            .iter()
            .map(|s| format!("{} {}-{}", s.name, s.first_bar, s.last_bar))
            .collect();
        m.insert("sections".into(), Measure::Label(sections.join("; ")));
        let chords: Vec<String> = (1..=request.bars)
            .map(|bar| {
                track
                    .chords_in_bar(bar)
                    .iter()
                    .map(|(_, s)| s.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        m.insert("chords".into(), Measure::Label(chords.join(" | ")));
        out.push(ClipValue::Analysis(Arc::new(analysis)));
        job.control.set_progress(1.0);
        Ok(out)
    }
}
