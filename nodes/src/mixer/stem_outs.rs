//! The console's stem outputs (`stem_outs`): each strip's share of the master, scaled by the
//! master fader and the gain the bus compressor applied and, with the master limiter, delayed by
//! its look-ahead and scaled by the gain it applied, so the stems line up with `out` sample for
//! sample and sum to it.

use yano_engine::param::{db_to_gain, ParamValues};

use super::strips::master_gain;
use super::MAX_CHANNELS;

/// Stems a console can have: one per channel strip, then the returns'.
pub(super) const STEMS: usize = MAX_CHANNELS + 1;
pub(super) const RETURNS_STEM: usize = MAX_CHANNELS;

/// What the stem outputs need beyond the block itself, all allocated in `build`: the bus
/// compressor's and the master limiter's gains and a delay line as long as its look-ahead per stem — for all
/// [`MAX_CHANNELS`] strips, since a recompile that adds channels keeps this node.
pub(super) struct Stems {
    /// The gain the bus compressor applied to each frame of this block (1 while it is off).
    pub(super) glue: Box<[f32]>,
    /// The gain the master limiter applied to each frame of this block.
    pub(super) gains: Box<[f32]>,
    /// The look-ahead delay lines, `len` samples each: the left and right of each stem in turn.
    /// Empty without the master limiter.
    delays: Box<[f32]>,
    len: usize,
    /// Where every line is written next (they all move together).
    pos: usize,
    /// Lines that may hold sound.
    live: [bool; STEMS],
}

impl Stems {
    /// Control thread: stems for blocks of up to `block_size` frames and a limiter look-ahead of
    /// `lookahead` samples (0 without the limiter).
    pub(super) fn new(block_size: usize, lookahead: usize) -> Stems {
        Stems {
            glue: vec![1.0; block_size].into_boxed_slice(),
            gains: vec![1.0; block_size].into_boxed_slice(),
            delays: vec![0.0; 2 * STEMS * lookahead].into_boxed_slice(),
            len: lookahead,
            pos: 0,
            live: [false; STEMS],
        }
    }

    /// Audio thread: turns stem `k`'s share of the master sum, in place, into what it is in
    /// `out`: scaled by the master fader and the bus compressor's gain and, with the limiter, delayed by its look-ahead and
    /// scaled by the gain it applied to each frame.
    pub(super) fn finish(
        &mut self,
        k: usize,
        left: &mut [f32],
        right: &mut [f32],
        master: ParamValues<'_>,
    ) {
        let still = db_to_gain(master.at(0));
        let len = self.len;
        let lines = self.delays.get_mut(2 * k * len..2 * (k + 1) * len);
        let Some((line_l, line_r)) = lines.filter(|_| len > 0).map(|l| l.split_at_mut(len)) else {
            // No limiter (or no such stem): the fader and the bus compressor.
            for (f, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
                let g = master_gain(&master, still, f);
                let glue = self.glue.get(f).copied().unwrap_or(1.0);
                *l = *l * g * glue;
                *r = *r * g * glue;
            }
            return;
        };
        self.live[k] = true;
        let frames = left.len().min(right.len());
        let (glue, limited) = (&self.glue, &self.gains);
        // The ring in at most two runs (to its end, then from its start), each as whole vectors
        // when the fader is still.
        let (mut f, mut p) = (0, self.pos);
        while f < frames {
            let n = (frames - f).min(len - p);
            let (ls, rs) = (&mut left[f..f + n], &mut right[f..f + n]);
            let (dl, dr) = (&mut line_l[p..p + n], &mut line_r[p..p + n]);
            let (glue, limited) = (glue.get(f..f + n), limited.get(f..f + n));
            match (master.is_constant(), glue, limited) {
                (true, Some(glue), Some(limited)) => {
                    let lines = dl.iter_mut().zip(dr.iter_mut());
                    let outs = ls.iter_mut().zip(rs.iter_mut());
                    let gains = glue.iter().zip(limited);
                    for (((dl, dr), (l, r)), (glue, limited)) in lines.zip(outs).zip(gains) {
                        let (xl, xr) = (
                            std::mem::replace(dl, *l * still * glue),
                            std::mem::replace(dr, *r * still * glue),
                        );
                        *l = xl * limited;
                        *r = xr * limited;
                    }
                }
                _ => {
                    for j in 0..n {
                        let g = master_gain(&master, still, f + j);
                        let glue = self.glue.get(f + j).copied().unwrap_or(1.0);
                        let limited = self.gains.get(f + j).copied().unwrap_or(1.0);
                        let xl = std::mem::replace(&mut dl[j], ls[j] * g * glue);
                        let xr = std::mem::replace(&mut dr[j], rs[j] * g * glue);
                        ls[j] = xl * limited;
                        rs[j] = xr * limited;
                    }
                }
            }
            f += n;
            p += n;
            if p == len {
                p = 0;
            }
        }
    }

    /// Audio thread: after the block's stems, of which `used(k)` says whether stem `k` was one:
    /// silences the lines of stems that went away (so one that comes back starts clean) and
    /// moves the lines on by `frames`.
    pub(super) fn end_block(&mut self, frames: usize, used: impl Fn(usize) -> bool) {
        let len = self.len;
        for k in 0..STEMS {
            if self.live[k] && !used(k) {
                if let Some(lines) = self.delays.get_mut(2 * k * len..2 * (k + 1) * len) {
                    lines.fill(0.0);
                }
                self.live[k] = false;
            }
        }
        if len > 0 {
            self.pos = (self.pos + frames) % len;
        }
    }

    /// Audio thread: forgets the signal (transport jumps), as the limiter does.
    pub(super) fn clear(&mut self) {
        self.delays.fill(0.0);
        self.live = [false; STEMS];
    }
}
