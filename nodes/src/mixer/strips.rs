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

/// What a strip's samples do to the buffers they go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Into {
    /// Added to a bus (the master sum, a send).
    Add,
    /// Written over what was there (a stem).
    Set,
}

/// Audio thread: one block of a channel strip — fader, balance pan and the mute glide from
/// `heard.0` to `heard.1` — into `out` (see [`leveled`]). The master sum and the stems both come
/// from here, so a stem is bit for bit what its channel added to the master.
#[inline]
pub(super) fn channel_strip(
    gain: ParamValues<'_>,
    pan: ParamValues<'_>,
    heard: (f32, f32),
    input: (&[f32], &[f32]),
    out: (&mut [f32], &mut [f32]),
    into: Into,
    meter: bool,
) -> (f32, f32) {
    let level = |f: usize| (db_to_gain(gain.at(f)), pan_gains(pan.at(f), true));
    let still = gain.is_constant() && pan.is_constant();
    leveled(level, still, heard, input, out, into, meter)
}

/// Audio thread: a channel at `level(frame)` = (gain, (left pan, right pan)), which is worked out
/// once per block when `still`, times the mute glide, into `out`. With `meter`, returns the
/// block's peak and summed mean square (zeros without).
///
/// A still channel that is not gliding (the usual case) runs as whole vectors, its meter in
/// eight partial sums; anything moving runs frame by frame. Each sample is (input · gain) · pan
/// either way.
#[inline]
pub(super) fn leveled(
    level: impl Fn(usize) -> (f32, (f32, f32)),
    still: bool,
    (from, to): (f32, f32),
    (in_l, in_r): (&[f32], &[f32]),
    (out_l, out_r): (&mut [f32], &mut [f32]),
    into: Into,
    meter: bool,
) -> (f32, f32) {
    let frames = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
    let (in_l, in_r) = (&in_l[..frames], &in_r[..frames]);
    let (out_l, out_r) = (&mut out_l[..frames], &mut out_r[..frames]);
    if still && from == to {
        // The glide's factor is `from` on every frame.
        let (g0, (pl, pr)) = level(0);
        let g = g0 * from;
        let outs = out_l.iter_mut().zip(out_r.iter_mut());
        match into {
            Into::Add => outs
                .zip(in_l.iter().zip(in_r))
                .for_each(|((ol, or), (l, r))| {
                    *ol += l * g * pl;
                    *or += r * g * pr;
                }),
            Into::Set => outs
                .zip(in_l.iter().zip(in_r))
                .for_each(|((ol, or), (l, r))| {
                    *ol = l * g * pl;
                    *or = r * g * pr;
                }),
        }
        if !meter {
            return (0.0, 0.0);
        }
        let (mut peak, mut square) = ([0f32; 8], [0f32; 8]);
        let (chunks_l, chunks_r) = (in_l.chunks_exact(8), in_r.chunks_exact(8));
        let (rest_l, rest_r) = (chunks_l.remainder(), chunks_r.remainder());
        for (cl, cr) in chunks_l.zip(chunks_r) {
            for j in 0..8 {
                let (l, r) = (cl[j] * g * pl, cr[j] * g * pr);
                peak[j] = peak[j].max(l.abs()).max(r.abs());
                square[j] += 0.5 * (l * l + r * r);
            }
        }
        for (l, r) in rest_l.iter().zip(rest_r) {
            let (l, r) = (l * g * pl, r * g * pr);
            peak[0] = peak[0].max(l.abs()).max(r.abs());
            square[0] += 0.5 * (l * l + r * r);
        }
        return (peak.into_iter().fold(0.0, f32::max), square.iter().sum());
    }
    let (mut peak, mut square) = (0f32, 0f32);
    let (mut g0, mut pans) = level(0);
    for f in 0..frames {
        if !still {
            (g0, pans) = level(f);
        }
        let m = from + (to - from) * (f as f32 / frames as f32);
        let g = g0 * m;
        let (l, r) = (in_l[f] * g * pans.0, in_r[f] * g * pans.1);
        match into {
            Into::Add => {
                out_l[f] += l;
                out_r[f] += r;
            }
            Into::Set => {
                out_l[f] = l;
                out_r[f] = r;
            }
        }
        if meter {
            peak = peak.max(l.abs()).max(r.abs());
            square += 0.5 * (l * l + r * r);
        }
    }
    (peak, square)
}

/// Audio thread: one block of a return at its level, added into `out`.
#[inline]
pub(super) fn return_bus(
    gain: ParamValues<'_>,
    (in_l, in_r): (&[f32], &[f32]),
    (out_l, out_r): (&mut [f32], &mut [f32]),
) {
    let frames = in_l.len().min(in_r.len()).min(out_l.len()).min(out_r.len());
    if gain.is_constant() {
        let g = db_to_gain(gain.at(0));
        let outs = out_l[..frames].iter_mut().zip(out_r[..frames].iter_mut());
        for ((ol, or), (l, r)) in outs.zip(in_l.iter().zip(in_r)) {
            *ol += l * g;
            *or += r * g;
        }
        return;
    }
    for f in 0..frames {
        let g = db_to_gain(gain.at(f));
        out_l[f] += in_l[f] * g;
        out_r[f] += in_r[f] * g;
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
