//! The analyses as nodes of the inference partition: `analysis.tempo`, `analysis.key`,
//! `analysis.chords`, `analysis.loudness` and `analysis.amapiano`. Each takes an AudioClip and
//! gives an Analysis whose measures other nodes, scripts and the editor read by name (listed in
//! each descriptor and in the README).

use std::sync::Arc;

use yano_engine::clip::{Analysis, ClipValue, Measure};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    audio_input, Build, InferenceNode, JobContext, NodeConfig, NodeDescriptor, NodeError,
    PortLayout, Registry,
};

use crate::{analyze_with, measure_clip, Report, Settings};

/// Which analysis a node gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Tempo,
    Key,
    Chords,
    Loudness,
    Amapiano,
}

const KINDS: [(&str, Which, &str, &str); 5] = [
    (
        "analysis.tempo",
        Which::Tempo,
        "tempo and beats of a clip (Ellis 2007 beat tracking, tempo fitted over every beat)",
        "bpm, steady (1/0), beats and downbeats (seconds)",
    ),
    (
        "analysis.key",
        Which::Key,
        "key of a clip (chroma against Temperley's key profiles)",
        "key (\"F minor\"), tonic (0 = C), minor (1/0), key_confidence",
    ),
    (
        "analysis.chords",
        Which::Chords,
        "chords of a clip (beat-synchronous chroma, templates, HMM/Viterbi)",
        "chords (labels like \"F:min7\"), chord_starts and chord_ends (seconds)",
    ),
    (
        "analysis.loudness",
        Which::Loudness,
        "EBU R 128 loudness of a clip",
        "integrated_lufs, true_peak_dbtp, range_lu",
    ),
    (
        "analysis.amapiano",
        Which::Amapiano,
        "amapiano markers of a clip: tempo range, log drum, shaker 16ths, swing",
        "markers_held, tempo_in_range, log_drum_hits_per_bar, log_drum_glide_st, log_drum_band_db, shaker_density, swing_percent, summary",
    ),
];

/// Adds the analysis node kinds to a registry.
pub fn register(registry: &mut Registry) {
    for (kind, which, description, measures) in KINDS {
        registry
            .register(descriptor(kind, which, description, measures))
            .expect("each analysis kind is registered once");
    }
}

fn descriptor(
    kind: &'static str,
    which: Which,
    description: &'static str,
    measures: &'static str,
) -> NodeDescriptor {
    let build: fn(&NodeConfig<'_>) -> Result<Box<dyn InferenceNode>, NodeError> = match which {
        Which::Tempo => |_| Ok(Box::new(Analyse(Which::Tempo))),
        Which::Key => |_| Ok(Box::new(Analyse(Which::Key))),
        Which::Chords => |_| Ok(Box::new(Analyse(Which::Chords))),
        Which::Loudness => |_| Ok(Box::new(Analyse(Which::Loudness))),
        Which::Amapiano => |_| Ok(Box::new(Analyse(Which::Amapiano))),
    };
    NodeDescriptor {
        kind,
        description,
        params: Vec::new(),
        ports: PortLayout::Fixed(vec![
            PortSpec::input("audio", PortType::AudioClip, "the audio to analyse").required(),
            PortSpec::output("analysis", PortType::Analysis, measures),
        ]),
        build: Build::Inference(build),
    }
}

struct Analyse(Which);

impl InferenceNode for Analyse {
    /// Worker thread: measures the clip (a few hundred milliseconds for a three-minute track).
    fn run(
        &self,
        inputs: &[Option<ClipValue>],
        job: &JobContext,
    ) -> Result<Vec<ClipValue>, NodeError> {
        let clip = audio_input(inputs, 0, "audio")?;
        let measured = measure_clip(clip).map_err(|e| NodeError::new(e.to_string()))?;
        job.control.set_progress(0.6);
        let report = analyze_with(measured, &Settings::default(), &crate::default_readers())
            .map_err(|e| NodeError::new(e.to_string()))?;
        job.control.set_progress(1.0);
        Ok(vec![ClipValue::Analysis(Arc::new(measures(
            self.0, &report,
        )))])
    }
}

fn measures(which: Which, r: &Report) -> Analysis {
    let mut a = Analysis::default();
    let mut put = |name: &str, m: Measure| {
        a.measures.insert(name.to_string(), m);
    };
    let num = Measure::Number;
    match which {
        Which::Tempo => {
            put("bpm", num(r.bpm));
            put("steady", num(f64::from(u8::from(r.tempo_steady))));
            put("beats", Measure::Numbers(r.beats.clone()));
            put("downbeats", Measure::Numbers(r.downbeats.clone()));
        }
        Which::Key => {
            let key = r.key;
            put(
                "key",
                Measure::Label(key.map_or_else(|| "none".into(), |k| k.name())),
            );
            put("tonic", num(key.map_or(-1.0, |k| f64::from(k.tonic))));
            put(
                "minor",
                num(key.map_or(0.0, |k| f64::from(u8::from(k.is_minor())))),
            );
            put("key_confidence", num(r.key_confidence));
        }
        Which::Chords => {
            put("chords", Measure::Labels(r.chord_labels()));
            put(
                "chord_starts",
                Measure::Numbers(r.chords.iter().map(|c| c.start).collect()),
            );
            put(
                "chord_ends",
                Measure::Numbers(r.chords.iter().map(|c| c.end).collect()),
            );
        }
        Which::Loudness => {
            let l = &r.loudness;
            put(
                "integrated_lufs",
                num(l.integrated_lufs.unwrap_or(f64::NEG_INFINITY)),
            );
            put(
                "true_peak_dbtp",
                num(l.true_peak_dbtp.unwrap_or(f64::NEG_INFINITY)),
            );
            put("range_lu", num(l.range_lu));
        }
        Which::Amapiano => {
            let m = &r.amapiano;
            let held = [
                m.tempo.holds,
                m.log_drum.holds,
                m.shaker.holds,
                m.swing.holds,
            ]
            .iter()
            .filter(|h| **h)
            .count();
            put("markers_held", num(held as f64));
            put("tempo_in_range", num(f64::from(u8::from(m.tempo.holds))));
            put(
                "log_drum_hits_per_bar",
                num(m.log_drum.off_beat_hits_per_bar),
            );
            put("log_drum_glide_st", num(m.log_drum.glide_semitones));
            put("log_drum_band_db", num(m.log_drum.band_share_db));
            put("shaker_density", num(m.shaker.sixteenth_density));
            put("swing_percent", num(m.swing.percent));
            put("summary", Measure::Label(m.summary.clone()));
        }
    }
    a
}
