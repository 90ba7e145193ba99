//! Whole values of the inference partition: audio clips, note clips and analyses.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::port::PortType;

/// A whole piece of audio, one vector per channel, all of one length.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioClip {
    pub sample_rate: u32,
    pub channels: Vec<Vec<f32>>,
}

impl AudioClip {
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    pub fn seconds(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// One note of a note clip; times are in beats from the clip's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Note {
    pub pitch: u8,
    pub start_beats: f64,
    pub length_beats: f64,
    /// 0..=1
    pub velocity: f32,
}

/// Piano-roll data.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NoteClip {
    pub notes: Vec<Note>,
    pub length_beats: f64,
}

/// One measured quantity of an analysis.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    Number(f64),
    Label(String),
    Numbers(Vec<f64>),
}

/// Named measurements (tempo, key, chord labels …).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    pub measures: BTreeMap<String, Measure>,
}

/// One value travelling through the inference partition. Cloning shares, never copies, the data.
#[derive(Debug, Clone, PartialEq)]
pub enum ClipValue {
    Audio(Arc<AudioClip>),
    Notes(Arc<NoteClip>),
    Analysis(Arc<Analysis>),
}

impl ClipValue {
    pub fn port_type(&self) -> PortType {
        match self {
            ClipValue::Audio(_) => PortType::AudioClip,
            ClipValue::Notes(_) => PortType::NoteClip,
            ClipValue::Analysis(_) => PortType::Analysis,
        }
    }

    pub fn as_audio(&self) -> Option<&AudioClip> {
        match self {
            ClipValue::Audio(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_notes(&self) -> Option<&NoteClip> {
        match self {
            ClipValue::Notes(n) => Some(n),
            _ => None,
        }
    }
}
