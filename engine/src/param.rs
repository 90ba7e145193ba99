//! Parameters: their specs (stable id, range, default, unit, smoothing), the values stored in
//! graphs and presets, and the smoothed state the audio thread reads.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// Decibels to linear gain; −96 dB and below is silence.
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    if db <= -96.0 {
        0.0
    } else {
        10f32.powf(db * 0.05)
    }
}

/// The unit a number is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    None,
    Hertz,
    Decibels,
    Milliseconds,
    Seconds,
    Semitones,
    Cents,
    Percent,
    Beats,
    Bars,
    /// −1 (left) … +1 (right)
    Pan,
    Count,
}

impl Unit {
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::None => "",
            Unit::Hertz => "Hz",
            Unit::Decibels => "dB",
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Semitones => "st",
            Unit::Cents => "ct",
            Unit::Percent => "%",
            Unit::Beats => "beats",
            Unit::Bars => "bars",
            Unit::Pan => "L-R",
            Unit::Count => "",
        }
    }
}

/// How a number glides to a new value on the audio thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Smoothing {
    /// Jumps at once (switches, counts).
    None,
    /// Straight line over the given time.
    Linear { ms: f32 },
    /// Equal ratios per sample over the given time (frequencies); values must stay above zero.
    Logarithmic { ms: f32 },
}

/// The default glide: about 20 ms, short enough to feel immediate, long enough not to click.
pub const DEFAULT_SMOOTHING: Smoothing = Smoothing::Linear { ms: 20.0 };

/// What kind of value a parameter holds.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    Number {
        min: f64,
        max: f64,
        default: f64,
        unit: Unit,
        smoothing: Smoothing,
        /// Only whole numbers are accepted.
        integer: bool,
    },
    /// One of a list of names; the audio thread sees its index.
    Choice {
        options: &'static [&'static str],
        default: usize,
    },
    /// Free text, e.g. a file path; changing it rebuilds the node.
    Text { default: &'static str },
}

/// One parameter of a node kind. `id` is stable: presets, scripts, automation and processors
/// know a parameter by it, never by its position in the list. Ids and descriptions may be
/// computed (a console's "ch3_gain_db"), hence `Cow`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSpec {
    pub id: Cow<'static, str>,
    pub description: Cow<'static, str>,
    pub kind: ParamKind,
    /// A change needs a new instance rather than a glide (text always does; numbers that fix a
    /// node's latency or memory at build time say so with [`ParamSpec::rebuilds`]).
    pub rebuilds: bool,
}

impl ParamSpec {
    /// A continuous number with the default 20 ms linear smoothing.
    pub fn number(
        id: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        min: f64,
        max: f64,
        default: f64,
        unit: Unit,
    ) -> Self {
        ParamSpec {
            id: id.into(),
            description: description.into(),
            kind: ParamKind::Number {
                min,
                max,
                default,
                unit,
                smoothing: DEFAULT_SMOOTHING,
                integer: false,
            },
            rebuilds: false,
        }
    }

    /// A whole number that jumps (no smoothing).
    pub fn integer(
        id: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        min: i64,
        max: i64,
        default: i64,
        unit: Unit,
    ) -> Self {
        ParamSpec {
            id: id.into(),
            description: description.into(),
            kind: ParamKind::Number {
                min: min as f64,
                max: max as f64,
                default: default as f64,
                unit,
                smoothing: Smoothing::None,
                integer: true,
            },
            rebuilds: false,
        }
    }

    pub fn choice(
        id: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        options: &'static [&'static str],
        default: usize,
    ) -> Self {
        ParamSpec {
            id: id.into(),
            description: description.into(),
            kind: ParamKind::Choice { options, default },
            rebuilds: false,
        }
    }

    pub fn text(
        id: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        default: &'static str,
    ) -> Self {
        ParamSpec {
            id: id.into(),
            description: description.into(),
            kind: ParamKind::Text { default },
            rebuilds: false,
        }
    }

    /// Marks the parameter as one whose change rebuilds the node (it fixes latency or memory).
    pub fn rebuilds(mut self) -> Self {
        self.rebuilds = true;
        self
    }

    /// True when a change of this parameter needs a new instance rather than a glide.
    pub fn rebuilds_node(&self) -> bool {
        self.rebuilds || matches!(self.kind, ParamKind::Text { .. })
    }

    /// Replaces the smoothing of a number parameter.
    pub fn smoothing(mut self, smoothing: Smoothing) -> Self {
        if let ParamKind::Number { smoothing: s, .. } = &mut self.kind {
            *s = smoothing;
        }
        self
    }

    pub fn default_value(&self) -> ParamValue {
        match &self.kind {
            ParamKind::Number { default, .. } => ParamValue::Number(*default),
            ParamKind::Choice { options, default } => {
                ParamValue::Text(options[*default].to_string())
            }
            ParamKind::Text { default } => ParamValue::Text((*default).to_string()),
        }
    }

    /// Checks a value against this spec; the error says what was expected.
    pub fn check(&self, value: &ParamValue) -> Result<(), String> {
        match (&self.kind, value) {
            (
                ParamKind::Number {
                    min,
                    max,
                    unit,
                    integer,
                    ..
                },
                ParamValue::Number(v),
            ) => {
                if !v.is_finite() {
                    return Err(format!("{v} is not a finite number"));
                }
                if *v < *min || *v > *max {
                    return Err(format!("{v} is outside {min} ..= {max} {}", unit.symbol()));
                }
                if *integer && v.fract() != 0.0 {
                    return Err(format!("{v} is not a whole number"));
                }
                Ok(())
            }
            (ParamKind::Number { .. }, ParamValue::Text(t)) => {
                Err(format!("expected a number, found text \"{t}\""))
            }
            (ParamKind::Choice { options, .. }, ParamValue::Text(t)) => {
                if options.contains(&t.as_str()) {
                    Ok(())
                } else {
                    Err(format!("\"{t}\" is not one of {}", options.join(", ")))
                }
            }
            (ParamKind::Choice { options, .. }, ParamValue::Number(v)) => Err(format!(
                "expected one of {}, found the number {v}",
                options.join(", ")
            )),
            (ParamKind::Text { .. }, ParamValue::Text(_)) => Ok(()),
            (ParamKind::Text { .. }, ParamValue::Number(v)) => {
                Err(format!("expected text, found the number {v}"))
            }
        }
    }

    /// The number the audio thread sees for a checked value: the number itself, or a choice's index.
    pub fn realtime_value(&self, value: &ParamValue) -> f32 {
        match (&self.kind, value) {
            (ParamKind::Number { .. }, ParamValue::Number(v)) => *v as f32,
            (ParamKind::Choice { options, default }, ParamValue::Text(t)) => {
                options.iter().position(|o| o == t).unwrap_or(*default) as f32
            }
            _ => 0.0,
        }
    }

    pub fn smoothing_of(&self) -> Smoothing {
        match self.kind {
            ParamKind::Number { smoothing, .. } => smoothing,
            _ => Smoothing::None,
        }
    }

    /// "440 Hz (20 ..= 20000)", for listings.
    pub fn describe_range(&self) -> String {
        match &self.kind {
            ParamKind::Number {
                min,
                max,
                default,
                unit,
                ..
            } => {
                let u = unit.symbol();
                format!("{default} {u} ({min} ..= {max})").replace("  ", " ")
            }
            ParamKind::Choice { options, default } => {
                format!("{} (one of {})", options[*default], options.join(", "))
            }
            ParamKind::Text { default } => format!("\"{default}\" (text)"),
        }
    }
}

/// A parameter's value as stored in a graph or preset.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Number(f64),
    Text(String),
}

impl ParamValue {
    pub fn as_number(&self) -> Option<f64> {
        match self {
            ParamValue::Number(v) => Some(*v),
            ParamValue::Text(_) => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            ParamValue::Text(t) => Some(t),
            ParamValue::Number(_) => None,
        }
    }
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Number(v) => write!(f, "{v}"),
            ParamValue::Text(t) => write!(f, "\"{t}\""),
        }
    }
}

impl Serialize for ParamValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ParamValue::Number(v) => s.serialize_f64(*v),
            ParamValue::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for ParamValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ParamValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ParamValue, E> {
                Ok(ParamValue::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ParamValue, E> {
                Ok(ParamValue::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParamValue, E> {
                Ok(ParamValue::Number(v as f64))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ParamValue, E> {
                Ok(ParamValue::Number(if v { 1.0 } else { 0.0 }))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ParamValue, E> {
                Ok(ParamValue::Text(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ParamValue, E> {
                Ok(ParamValue::Text(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A parameter id that a node kind does not have, or has as another kind of value. Found on the
/// control thread, when a node is built or its ports are laid out; never on the audio thread.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamError {
    #[error("{kind} has no parameter \"{param}\"")]
    Unknown { kind: String, param: String },
    #[error("parameter \"{param}\" of {kind} is {found}, not {wanted}")]
    WrongKind {
        kind: String,
        param: String,
        wanted: &'static str,
        found: &'static str,
    },
}

/// One parameter of one node kind, resolved from its id when the node is built (control thread)
/// and kept by the processor, which reads it with [`crate::ProcessContext::param`]. Only
/// [`resolve`] makes one, so a processor cannot hold a handle for a parameter its kind does not
/// have, and reordering a kind's parameter list cannot rewire a knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ParamHandle {
    index: u16,
}

impl ParamHandle {
    /// Where the parameter's state sits in the node's schedule slot (built in spec order).
    pub(crate) fn index(self) -> usize {
        usize::from(self.index)
    }
}

impl ParamKind {
    /// "a number", "a choice", "text": for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            ParamKind::Number { .. } => "a number",
            ParamKind::Choice { .. } => "a choice",
            ParamKind::Text { .. } => "text",
        }
    }
}

/// Control thread: the spec with id `id` among `specs` (of kind `kind`) and its position.
pub fn find<'s>(
    kind: &str,
    specs: &'s [ParamSpec],
    id: &str,
) -> Result<(usize, &'s ParamSpec), ParamError> {
    specs
        .iter()
        .enumerate()
        .find(|(_, s)| s.id == id)
        .ok_or_else(|| ParamError::Unknown {
            kind: kind.to_string(),
            param: id.to_string(),
        })
}

/// Control thread: the handle of the number or choice `id` among `specs` (of kind `kind`). Text
/// parameters have none: they are read when the node is built, and a change rebuilds it.
pub fn resolve(kind: &str, specs: &[ParamSpec], id: &str) -> Result<ParamHandle, ParamError> {
    let (index, spec) = find(kind, specs, id)?;
    if let ParamKind::Text { .. } = spec.kind {
        return Err(ParamError::WrongKind {
            kind: kind.to_string(),
            param: id.to_string(),
            wanted: "a number or a choice",
            found: spec.kind.name(),
        });
    }
    let index = u16::try_from(index).map_err(|_| ParamError::Unknown {
        kind: kind.to_string(),
        param: id.to_string(),
    })?;
    Ok(ParamHandle { index })
}

/// Declares the parameters a processor reads, by id: a struct of [`ParamHandle`]s resolved once
/// when the node is built, and a struct of one block's [`ParamValues`] with the same field names.
///
/// ```ignore
/// yano_engine::param_handles! {
///     /// The gain's parameters.
///     struct Knobs / Values {
///         gain: "gain_db",
///     }
/// }
/// // control thread, in the constructor: an unknown id fails the build, naming it
/// let knobs = Knobs::resolve(config)?;
/// // audio thread, once per block
/// let p = knobs.read(ctx);
/// let g = p.gain.at(0);
/// ```
#[macro_export]
macro_rules! param_handles {
    (
        $(#[$meta:meta])*
        $vis:vis struct $handles:ident / $values:ident {
            $($field:ident: $id:literal),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis struct $handles {
            $($field: $crate::param::ParamHandle,)*
        }

        /// One block's values of each parameter, named as in the handles.
        #[derive(Debug, Clone, Copy)]
        #[allow(dead_code)]
        $vis struct $values<'a> {
            $($field: $crate::param::ParamValues<'a>,)*
        }

        #[allow(dead_code)]
        impl $handles {
            /// Control thread: resolves every id against the node's kind; an id it does not have
            /// is an error naming the kind and the id.
            fn resolve(config: &$crate::NodeConfig<'_>) -> Result<Self, $crate::NodeError> {
                Ok($handles {
                    $($field: config.param($id)?,)*
                })
            }

            /// Audio thread: this block's values.
            #[inline]
            fn read<'a>(&self, ctx: &$crate::ProcessContext<'a>) -> $values<'a> {
                $values {
                    $($field: ctx.param(self.$field),)*
                }
            }
        }
    };
}

/// A change to one parameter, sent from the control thread to the audio thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamChange {
    /// Glide to the value with the parameter's own smoothing.
    Set(f32),
    /// Straight line to `target` over `samples`.
    Ramp { target: f32, samples: u32 },
    /// Be `value` from this sample on, with no glide (automation breakpoints, seeks).
    Jump(f32),
}

/// Per-block view of one parameter, as a processor reads it.
#[derive(Debug, Clone, Copy)]
pub enum ParamValues<'a> {
    /// The same value for the whole block.
    Constant(f32),
    /// One value per frame while the parameter glides.
    Moving(&'a [f32]),
}

impl ParamValues<'_> {
    /// The value at frame `i` of the block.
    #[inline]
    pub fn at(&self, i: usize) -> f32 {
        match self {
            ParamValues::Constant(v) => *v,
            ParamValues::Moving(values) => values.get(i).copied().unwrap_or(0.0),
        }
    }

    /// The value at the end of the block.
    pub fn last(&self) -> f32 {
        match self {
            ParamValues::Constant(v) => *v,
            ParamValues::Moving(values) => values.last().copied().unwrap_or(0.0),
        }
    }

    pub fn is_constant(&self) -> bool {
        matches!(self, ParamValues::Constant(_))
    }

    /// Audio thread: multiplies a stereo pair, frame by frame, by this parameter read as a gain
    /// in decibels (an instrument's output level).
    pub fn scale_by_db(&self, left: &mut [f32], right: &mut [f32]) {
        let still = db_to_gain(self.at(0));
        for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            let g = if self.is_constant() {
                still
            } else {
                db_to_gain(self.at(i))
            };
            *l *= g;
            *r *= g;
        }
    }
}

/// Most changes one parameter can queue inside one block; later ones in the same block apply at its end.
const CHANGES_PER_BLOCK: usize = 8;

/// The audio thread's state for one parameter: current value, glide, and the block of values.
/// Everything is allocated when the schedule is built.
#[derive(Debug, Clone)]
pub struct ParamState {
    current: f32,
    target: f32,
    step: f32,
    /// Multiplicative step for logarithmic glides.
    ratio: f32,
    remaining: u32,
    smoothing: Smoothing,
    sample_rate: f32,
    values: Box<[f32]>,
    moving: bool,
    pending: [(u32, ParamChange); CHANGES_PER_BLOCK],
    pending_len: usize,
}

impl ParamState {
    /// Control thread: a parameter sitting at `value`, with room for blocks of `block_size` frames.
    pub fn new(value: f32, smoothing: Smoothing, sample_rate: u32, block_size: usize) -> Self {
        ParamState {
            current: value,
            target: value,
            step: 0.0,
            ratio: 1.0,
            remaining: 0,
            smoothing,
            sample_rate: sample_rate as f32,
            values: vec![value; block_size].into_boxed_slice(),
            moving: false,
            pending: [(0, ParamChange::Set(0.0)); CHANGES_PER_BLOCK],
            pending_len: 0,
        }
    }

    pub fn current(&self) -> f32 {
        self.current
    }

    pub fn target(&self) -> f32 {
        self.target
    }

    /// Audio thread: queues a change `offset` frames into the coming block.
    pub fn schedule(&mut self, offset: u32, change: ParamChange) {
        if self.pending_len < CHANGES_PER_BLOCK {
            self.pending[self.pending_len] = (offset, change);
            self.pending_len += 1;
        } else {
            // Out of room: the latest change wins at the end of the block.
            self.pending[CHANGES_PER_BLOCK - 1] =
                (offset.max(self.pending[CHANGES_PER_BLOCK - 1].0), change);
        }
    }

    /// Audio thread: continues from where `other` (the same parameter in an older schedule) stands,
    /// and glides to this state's target. This is how a node keeps its sound across an edit.
    pub fn take_over_from(&mut self, other: &ParamState) {
        let target = self.target;
        self.current = other.current;
        self.target = other.target;
        self.step = other.step;
        self.ratio = other.ratio;
        self.remaining = other.remaining;
        if target != self.target {
            self.begin_glide(target);
        }
    }

    fn begin_glide(&mut self, target: f32) {
        self.target = target;
        let frames = |ms: f32| ((ms * 0.001 * self.sample_rate).round() as u32).max(1);
        match self.smoothing {
            Smoothing::None => {
                self.current = target;
                self.remaining = 0;
            }
            Smoothing::Linear { ms } => {
                self.remaining = frames(ms);
                self.step = (target - self.current) / self.remaining as f32;
            }
            Smoothing::Logarithmic { ms } => {
                if self.current > 0.0 && target > 0.0 {
                    self.remaining = frames(ms);
                    self.ratio = (target / self.current).powf(1.0 / self.remaining as f32);
                    self.step = 0.0;
                } else {
                    self.current = target;
                    self.remaining = 0;
                }
            }
        }
    }

    fn apply(&mut self, change: ParamChange) {
        match change {
            ParamChange::Set(v) => self.begin_glide(v),
            ParamChange::Jump(v) => {
                self.current = v;
                self.target = v;
                self.remaining = 0;
            }
            ParamChange::Ramp { target, samples } => {
                self.target = target;
                self.remaining = samples.max(1);
                self.step = (target - self.current) / self.remaining as f32;
                self.ratio = 1.0;
            }
        }
    }

    #[inline]
    fn advance(&mut self) -> f32 {
        if self.remaining > 0 {
            self.remaining -= 1;
            if self.remaining == 0 {
                self.current = self.target;
            } else if self.step != 0.0 {
                self.current += self.step;
            } else {
                self.current *= self.ratio;
            }
        }
        self.current
    }

    /// Audio thread: computes this block's values, applying queued changes at their offsets.
    pub fn fill(&mut self, frames: usize) {
        let frames = frames.min(self.values.len());
        if self.pending_len == 0 && self.remaining == 0 {
            self.moving = false;
            return;
        }
        // Insertion sort: stable (changes at one offset apply in the order they came) and
        // allocation-free.
        for i in 1..self.pending_len {
            let mut j = i;
            while j > 0 && self.pending[j - 1].0 > self.pending[j].0 {
                self.pending.swap(j - 1, j);
                j -= 1;
            }
        }
        let mut next = 0;
        for i in 0..frames {
            while next < self.pending_len && self.pending[next].0 as usize <= i {
                let change = self.pending[next].1;
                self.apply(change);
                next += 1;
            }
            self.values[i] = self.advance();
        }
        while next < self.pending_len {
            let change = self.pending[next].1;
            self.apply(change);
            next += 1;
        }
        self.pending_len = 0;
        self.moving = true;
    }

    /// Audio thread: this block's values, as filled by [`ParamState::fill`].
    pub fn values(&self, frames: usize) -> ParamValues<'_> {
        if self.moving {
            ParamValues::Moving(&self.values[..frames.min(self.values.len())])
        } else {
            ParamValues::Constant(self.current)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_problem() {
        let p = ParamSpec::number("gain_db", "", -96.0, 24.0, 0.0, Unit::Decibels);
        assert!(p.check(&ParamValue::Number(-6.0)).is_ok());
        assert!(p
            .check(&ParamValue::Number(30.0))
            .unwrap_err()
            .contains("outside"));
        assert!(p
            .check(&ParamValue::Text("loud".into()))
            .unwrap_err()
            .contains("expected a number"));
        let c = ParamSpec::choice("wave", "", &["sine", "saw"], 0);
        assert!(c.check(&ParamValue::Text("saw".into())).is_ok());
        assert!(c
            .check(&ParamValue::Text("noise".into()))
            .unwrap_err()
            .contains("sine, saw"));
        assert_eq!(c.realtime_value(&ParamValue::Text("saw".into())), 1.0);
    }

    #[test]
    fn linear_glide_takes_its_time_and_lands() {
        let mut s = ParamState::new(0.0, Smoothing::Linear { ms: 10.0 }, 1000, 64);
        s.schedule(0, ParamChange::Set(1.0));
        s.fill(64);
        let v = match s.values(64) {
            ParamValues::Moving(v) => v.to_vec(),
            ParamValues::Constant(_) => panic!("should glide"),
        };
        // 10 ms at 1 kHz = 10 frames.
        assert!((v[0] - 0.1).abs() < 1e-6);
        assert!((v[4] - 0.5).abs() < 1e-6);
        assert_eq!(v[9], 1.0);
        assert_eq!(v[63], 1.0);
        s.fill(64);
        assert!(s.values(64).is_constant());
    }

    #[test]
    fn changes_apply_at_their_offset() {
        let mut s = ParamState::new(0.0, Smoothing::None, 48_000, 16);
        s.schedule(10, ParamChange::Set(2.0));
        s.schedule(4, ParamChange::Set(1.0));
        s.fill(16);
        let v = s.values(16);
        assert_eq!(v.at(3), 0.0);
        assert_eq!(v.at(4), 1.0);
        assert_eq!(v.at(9), 1.0);
        assert_eq!(v.at(10), 2.0);
    }

    #[test]
    fn ramp_is_exact_and_logarithmic_glide_is_geometric() {
        let mut s = ParamState::new(0.0, Smoothing::None, 48_000, 8);
        s.schedule(
            0,
            ParamChange::Ramp {
                target: 4.0,
                samples: 4,
            },
        );
        s.fill(8);
        assert_eq!(
            (s.values(8).at(1), s.values(8).at(3), s.values(8).at(7)),
            (2.0, 4.0, 4.0)
        );
        let mut f = ParamState::new(100.0, Smoothing::Logarithmic { ms: 2.0 }, 1000, 4);
        f.schedule(0, ParamChange::Set(400.0));
        f.fill(4);
        assert!((f.values(4).at(0) - 200.0).abs() < 1e-3);
        assert_eq!(f.values(4).at(1), 400.0);
    }
}
