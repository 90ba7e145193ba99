//! Typed ports: what flows along an edge, and which partition it belongs to.
//!
//! Real-time ports (Audio, Events, Control) carry one block at a time; clip ports (AudioClip,
//! NoteClip, Analysis) carry one whole value computed by the inference partition.

use std::borrow::Cow;
use std::fmt;

/// What a port carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortType {
    /// Block audio with a fixed channel count (1 = mono, 2 = stereo).
    Audio { channels: u16 },
    /// Note on/off events with sample offsets inside the block.
    Events,
    /// A per-sample modulation signal (one channel).
    Control,
    /// A whole decoded or rendered audio clip (inference partition).
    AudioClip,
    /// A whole note clip: pitches, starts and lengths in beats (inference partition).
    NoteClip,
    /// A whole analysis result: named numbers and labels (inference partition).
    Analysis,
}

impl PortType {
    pub const MONO: PortType = PortType::Audio { channels: 1 };
    pub const STEREO: PortType = PortType::Audio { channels: 2 };

    /// True for the types that flow block by block through the real-time partition.
    pub fn is_realtime(self) -> bool {
        matches!(
            self,
            PortType::Audio { .. } | PortType::Events | PortType::Control
        )
    }
}

impl fmt::Display for PortType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortType::Audio { channels: 1 } => write!(f, "Audio(mono)"),
            PortType::Audio { channels: 2 } => write!(f, "Audio(stereo)"),
            PortType::Audio { channels } => write!(f, "Audio({channels} ch)"),
            PortType::Events => write!(f, "Events"),
            PortType::Control => write!(f, "Control"),
            PortType::AudioClip => write!(f, "AudioClip"),
            PortType::NoteClip => write!(f, "NoteClip"),
            PortType::Analysis => write!(f, "Analysis"),
        }
    }
}

/// Whether a port receives or produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortDirection {
    Input,
    Output,
}

/// One port of a node kind.
#[derive(Debug, Clone, PartialEq)]
pub struct PortSpec {
    pub name: Cow<'static, str>,
    pub ty: PortType,
    pub direction: PortDirection,
    pub description: Cow<'static, str>,
    /// An input that must be connected for the node to do anything (inference inputs, mostly).
    pub required: bool,
    /// An input whose edges are delivered one block late and so may close a cycle (delay lines).
    pub feedback: bool,
}

impl PortSpec {
    pub fn input(
        name: impl Into<Cow<'static, str>>,
        ty: PortType,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        PortSpec {
            name: name.into(),
            ty,
            direction: PortDirection::Input,
            description: description.into(),
            required: false,
            feedback: false,
        }
    }

    pub fn output(
        name: impl Into<Cow<'static, str>>,
        ty: PortType,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        PortSpec {
            direction: PortDirection::Output,
            ..PortSpec::input(name, ty, description)
        }
    }

    /// Marks an input as one the node cannot work without.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks an input as a feedback input: it hears its sources one block late, so cycles may pass through it.
    pub fn feedback(mut self) -> Self {
        self.feedback = true;
        self
    }
}

/// How the compiler joins an output to an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joint {
    /// Same type on both sides.
    Direct,
    /// Mono audio feeding a multi-channel input: copied to every channel.
    Upmix,
    /// Multi-channel audio feeding a mono input: channels averaged.
    Downmix,
    /// An AudioClip feeding real-time audio: a clip player is inserted.
    ClipPlayer,
    /// A NoteClip feeding real-time events: a note player is inserted.
    NotePlayer,
    /// Real-time audio feeding an AudioClip input: a capture is inserted.
    Capture,
}

/// Decides how `from` can feed `to`, or `None` when the types do not match.
pub fn joint(from: PortType, to: PortType) -> Option<Joint> {
    use PortType::*;
    match (from, to) {
        (Audio { channels: a }, Audio { channels: b }) if a == b => Some(Joint::Direct),
        (Audio { channels: 1 }, Audio { .. }) => Some(Joint::Upmix),
        (Audio { .. }, Audio { channels: 1 }) => Some(Joint::Downmix),
        (Events, Events) | (Control, Control) => Some(Joint::Direct),
        (AudioClip, AudioClip) | (NoteClip, NoteClip) | (Analysis, Analysis) => Some(Joint::Direct),
        (AudioClip, Audio { .. }) => Some(Joint::ClipPlayer),
        (NoteClip, Events) => Some(Joint::NotePlayer),
        (Audio { .. }, AudioClip) => Some(Joint::Capture),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joints_follow_types() {
        assert_eq!(
            joint(PortType::STEREO, PortType::STEREO),
            Some(Joint::Direct)
        );
        assert_eq!(joint(PortType::MONO, PortType::STEREO), Some(Joint::Upmix));
        assert_eq!(
            joint(PortType::STEREO, PortType::MONO),
            Some(Joint::Downmix)
        );
        assert_eq!(
            joint(
                PortType::Audio { channels: 2 },
                PortType::Audio { channels: 6 }
            ),
            None
        );
        assert_eq!(joint(PortType::Events, PortType::STEREO), None);
        assert_eq!(joint(PortType::Control, PortType::Events), None);
        assert_eq!(
            joint(PortType::AudioClip, PortType::STEREO),
            Some(Joint::ClipPlayer)
        );
        assert_eq!(
            joint(PortType::NoteClip, PortType::Events),
            Some(Joint::NotePlayer)
        );
        assert_eq!(
            joint(PortType::STEREO, PortType::AudioClip),
            Some(Joint::Capture)
        );
        assert_eq!(joint(PortType::Analysis, PortType::AudioClip), None);
    }
}
