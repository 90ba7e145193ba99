//! A console's channel strips and return buses: their parameter ids and handles, and one block of
//! each (fader, balance pan, mute glide; a return at its level), handed frame by frame to whoever
//! sums them: the master, the sends and the stems all take a strip's samples from here.

use yano_engine::param::{db_to_gain, ParamHandle, ParamValues};
use yano_engine::{NodeConfig, NodeError};

use super::MAX_RETURNS;
use crate::util::pan::pan_gains;

/// Parameter ids of one channel strip: "ch3_gain_db", "ch3_send2_db" …
pub struct StripIds {
    pub name: String,
    pub gain: String,
    pub pan: String,
    pub mute: String,
    pub solo: String,
    pub sends: [String; MAX_RETURNS],
}

impl StripIds {
    /// The ids of strip `i`, counted from 1 as the inputs `ch_1` … are.
    pub fn of(i: usize) -> StripIds {
        StripIds {
            name: format!("ch{i}_name"),
            gain: format!("ch{i}_gain_db"),
            pan: format!("ch{i}_pan"),
            mute: format!("ch{i}_mute"),
            solo: format!("ch{i}_solo"),
            sends: std::array::from_fn(|r| format!("ch{i}_send{}_db", r + 1)),
        }
    }
}

/// Parameter ids of return bus `r` (counted from 1): its level and its pre/post switch.
pub(super) fn return_ids(r: usize) -> [String; 2] {
    [format!("ret{r}_gain_db"), format!("ret{r}_pre")]
}

/// A channel strip's parameters, resolved by id when the console is built.
#[derive(Debug, Clone, Copy)]
pub(super) struct StripParams {
    pub(super) gain: ParamHandle,
    pub(super) pan: ParamHandle,
    pub(super) mute: ParamHandle,
    pub(super) solo: ParamHandle,
    pub(super) sends: [ParamHandle; MAX_RETURNS],
}

impl StripParams {
    pub(super) fn resolve(config: &NodeConfig<'_>, ids: &StripIds) -> Result<Self, NodeError> {
        let mut sends = Vec::with_capacity(MAX_RETURNS);
        for id in &ids.sends {
            sends.push(config.param(id)?);
        }
        Ok(StripParams {
            gain: config.param(&ids.gain)?,
            pan: config.param(&ids.pan)?,
            mute: config.param(&ids.mute)?,
            solo: config.param(&ids.solo)?,
            sends: sends
                .try_into()
                .map_err(|_| NodeError::new("a send per return"))?,
        })
    }
}

/// A return bus's parameters.
#[derive(Debug, Clone, Copy)]
pub(super) struct ReturnParams {
    pub(super) gain: ParamHandle,
    pub(super) pre: ParamHandle,
}

/// Audio thread: one block of a channel strip — fader, balance pan and the mute glide from
/// `heard.0` to `heard.1` — handed frame by frame to `add(frame, left, right)`. Returns the
/// block's peak and summed mean square (for the meters). The master sum and the stems both come
/// from here, so a stem is bit for bit what its channel added to the master.
#[inline]
pub(super) fn channel_strip(
    gain: ParamValues<'_>,
    pan: ParamValues<'_>,
    heard: (f32, f32),
    input: (&[f32], &[f32]),
    frames: usize,
    add: impl FnMut(usize, f32, f32),
) -> (f32, f32) {
    let level = |f: usize| (db_to_gain(gain.at(f)), pan_gains(pan.at(f), true));
    let still = gain.is_constant() && pan.is_constant();
    leveled(level, still, heard, input, frames, add)
}

/// Audio thread: a channel at `level(frame)` = (gain, (left pan, right pan)), which is worked out
/// once per block when `still`, times the mute glide, handed frame by frame to `add`. Returns the
/// block's peak and summed mean square.
#[inline]
pub(super) fn leveled(
    level: impl Fn(usize) -> (f32, (f32, f32)),
    still: bool,
    (from, to): (f32, f32),
    (in_l, in_r): (&[f32], &[f32]),
    frames: usize,
    mut add: impl FnMut(usize, f32, f32),
) -> (f32, f32) {
    let (mut peak, mut square) = (0f32, 0f32);
    let (mut g0, mut pans) = level(0);
    for f in 0..frames {
        if !still {
            (g0, pans) = level(f);
        }
        let m = from + (to - from) * (f as f32 / frames as f32);
        let g = g0 * m;
        let (l, r) = (in_l[f] * g * pans.0, in_r[f] * g * pans.1);
        add(f, l, r);
        peak = peak.max(l.abs()).max(r.abs());
        square += 0.5 * (l * l + r * r);
    }
    (peak, square)
}

/// Audio thread: one block of a return at its level, handed frame by frame to
/// `add(frame, left, right)`.
#[inline]
pub(super) fn return_bus(
    gain: ParamValues<'_>,
    (in_l, in_r): (&[f32], &[f32]),
    frames: usize,
    mut add: impl FnMut(usize, f32, f32),
) {
    let g0 = db_to_gain(gain.at(0));
    for f in 0..frames {
        let g = if gain.is_constant() {
            g0
        } else {
            db_to_gain(gain.at(f))
        };
        add(f, in_l[f] * g, in_r[f] * g);
    }
}

/// Audio thread: the master fader's gain at frame `f`, `still` being its value at frame 0.
#[inline]
pub(super) fn master_gain(master: &ParamValues<'_>, still: f32, f: usize) -> f32 {
    if master.is_constant() {
        still
    } else {
        db_to_gain(master.at(f))
    }
}
