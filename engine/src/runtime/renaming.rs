//! Renaming a schedule's buffers and event lists for a crew ([`super::parallel`]): every value a
//! step writes afresh gets a place of its own, so the steps of independent branches stop waiting
//! for each other.
//!
//! The compiler reuses a buffer as soon as its last reader is done, which keeps the pool small
//! and the audio thread's cache warm, but it ties unrelated branches together: the keys' EQ
//! writes the buffer the percussion's filter read, so it must wait for it. Renamed, each version
//! of a buffer (what one write leaves there) lives in its own buffer; a step that adds into a
//! buffer (a fan-in sum) keeps working in place. A buffer read before it is written in a block
//! (a feedback input, held from the last block) keeps its last version where it was, so the next
//! block finds it. Every step computes the same values from the same values, so the render is
//! the same sample for sample; only the places change. Control side of an offline render only:
//! it allocates.

use crate::event::EventList;
use crate::process::PortBinding;
use crate::schedule::{Schedule, Step};

/// Renaming stops adding buffers past this many (a 64,000-node graph would otherwise add a
/// hundred megabytes): the rest keep the compiler's places.
const MOST_NEW_BUFFERS: usize = 16_384;

/// What a step does to one buffer or list.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Access {
    Read,
    /// Writes a new value over the old one (a node's output, a copy).
    Write,
    /// Reads the old value and adds to it in place (a fan-in sum).
    Update,
}

/// Where one access's id lives, so it can be rewritten.
#[derive(Clone, Copy)]
pub(super) enum Slot {
    Channel(usize),
    List(usize),
    MixSrc(usize),
    MixDst(usize),
}

/// Buffers (`lists == false`) or event lists touched by step `i`, in the order they are used:
/// what the renaming rewrites, and what the crew orders steps by.
pub(super) fn accesses(s: &Schedule, i: usize, lists: bool, out: &mut Vec<(Slot, u32, Access)>) {
    out.clear();
    let ports =
        |range: &std::ops::Range<u32>, access: Access, out: &mut Vec<(Slot, u32, Access)>| {
            let start = range.start as usize;
            for (k, b) in s
                .bindings
                .get(start..range.end as usize)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                match *b {
                    PortBinding::Buffers {
                        first, channels, ..
                    } if !lists => {
                        for c in first as usize..first as usize + usize::from(channels) {
                            if let Some(id) = s.channel_ids.get(c) {
                                out.push((Slot::Channel(c), *id, access));
                            }
                        }
                    }
                    PortBinding::Events { list, .. } if lists => {
                        out.push((Slot::List(start + k), list, access));
                    }
                    _ => {}
                }
            }
        };
    let rw = |accumulate: bool| {
        if accumulate {
            Access::Update
        } else {
            Access::Write
        }
    };
    match s.steps[i] {
        Step::Process { node } => {
            if let Some(slot) = s.nodes.get(node as usize) {
                ports(&slot.inputs, Access::Read, out);
                ports(&slot.outputs, Access::Write, out);
            }
        }
        Step::Mix {
            src,
            dst,
            accumulate,
            ..
        }
        | Step::Delay {
            src,
            dst,
            accumulate,
            ..
        } if !lists => {
            out.push((Slot::MixSrc(i), src, Access::Read));
            out.push((Slot::MixDst(i), dst, rw(accumulate)));
        }
        Step::Feedback { src, dst } if !lists => {
            out.push((Slot::MixSrc(i), src, Access::Read));
            out.push((Slot::MixDst(i), dst, Access::Write));
        }
        Step::Events {
            src,
            dst,
            accumulate,
            ..
        } if lists => {
            out.push((Slot::MixSrc(i), src, Access::Read));
            out.push((Slot::MixDst(i), dst, rw(accumulate)));
        }
        _ => {}
    }
}

fn rewrite(s: &mut Schedule, slot: Slot, id: u32) {
    match slot {
        Slot::Channel(c) => s.channel_ids[c] = id,
        Slot::List(b) => {
            if let PortBinding::Events { list, .. } = &mut s.bindings[b] {
                *list = id;
            }
        }
        Slot::MixSrc(i) => match &mut s.steps[i] {
            Step::Mix { src, .. }
            | Step::Delay { src, .. }
            | Step::Feedback { src, .. }
            | Step::Events { src, .. } => *src = id,
            Step::Process { .. } => {}
        },
        Slot::MixDst(i) => match &mut s.steps[i] {
            Step::Mix { dst, .. }
            | Step::Delay { dst, .. }
            | Step::Feedback { dst, .. }
            | Step::Events { dst, .. } => *dst = id,
            Step::Process { .. } => {}
        },
    }
}

/// Renames `s`'s buffers and event lists (see the module documentation). Leaves a schedule in
/// which a node runs twice, or a binding is shared, as it is.
pub(crate) fn rename(s: &mut Schedule) {
    let mut seen = vec![false; s.nodes.len()];
    for step in &s.steps {
        if let Step::Process { node } = *step {
            match seen.get_mut(node as usize) {
                Some(v) if !*v => *v = true,
                _ => return,
            }
        }
    }
    let stride = s.block_size.max(1);
    let buffers = s.pool.len() / stride;
    let made = rename_kind(s, false, buffers, MOST_NEW_BUFFERS);
    s.pool.resize((buffers + made) * stride, 0.0);
    let lists = s.events.len();
    let made = rename_kind(s, true, lists, MOST_NEW_BUFFERS);
    let room = s.events.iter().map(EventList::capacity).max().unwrap_or(0);
    s.events
        .extend((0..made).map(|_| EventList::with_capacity(room)));
}

/// Renames one kind of place (buffers or lists) among `count`; returns how many new places the
/// schedule needs (numbered from `count`).
fn rename_kind(s: &mut Schedule, lists: bool, count: usize, most: usize) -> usize {
    let n = s.steps.len();
    let mut found = Vec::new();
    // First pass: which places are read before any write (live-in), and each one's last write.
    let mut first_read = vec![None::<bool>; count];
    let mut last_write = vec![usize::MAX; count];
    for i in 0..n {
        accesses(s, i, lists, &mut found);
        for &(_, id, access) in &found {
            let id = id as usize;
            if id >= count {
                continue;
            }
            if first_read[id].is_none() {
                first_read[id] = Some(access != Access::Write);
            }
            if access == Access::Write {
                last_write[id] = i;
            }
        }
    }
    // Second pass: each write gets a new place, but a live-in's last write, and in-place updates.
    let mut current: Vec<u32> = (0..count as u32).collect();
    let mut made = 0usize;
    for i in 0..n {
        accesses(s, i, lists, &mut found);
        let mut renamed = Vec::with_capacity(found.len());
        for &(slot, id, access) in &found {
            let k = id as usize;
            if k >= count {
                continue;
            }
            let place = match access {
                Access::Read | Access::Update => current[k],
                Access::Write => {
                    let keep = first_read[k] == Some(true) && last_write[k] == i;
                    if keep || made >= most || k < 2 {
                        k as u32
                    } else {
                        made += 1;
                        (count + made - 1) as u32
                    }
                }
            };
            renamed.push((slot, place, access, k));
        }
        for (slot, place, access, k) in renamed {
            rewrite(s, slot, place);
            if access == Access::Write {
                current[k] = place;
            }
        }
    }
    made
}
