//! Dealing a schedule's steps out to the members of an offline render's crew
//! ([`super::parallel`]): what each step must wait for, in its block and in the block before,
//! and which member runs it. Control side of an offline render: it allocates.

use crate::runtime::renaming::{accesses, Access, Slot};
use std::time::{Duration, Instant};

use crate::schedule::{Schedule, Step};

/// What the plan counts for a step that waits on another member: about what a cache line takes
/// to travel between cores and a spinning member to notice it.
pub const HAND_OVER_NS: f64 = 400.0;

/// One step in a member's list, with the waits before it: on steps of the same block
/// (`waits[waits_from..waits_to]`) and of the block before (`waits[cross_from..cross_to]`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Task {
    pub(super) step: u32,
    pub(super) waits_from: u32,
    pub(super) waits_to: u32,
    pub(super) cross_from: u32,
    pub(super) cross_to: u32,
}

/// Wait until member `member` has finished `done` steps of its list in the block concerned.
#[derive(Debug, Clone, Copy)]
pub(super) struct Wait {
    pub(super) member: u32,
    pub(super) done: u32,
}

/// Which member runs each step, as lists in the compiler's order.
#[derive(Default)]
pub(super) struct Plan {
    /// Members with work.
    pub(super) used: usize,
    /// Each member's steps; empty while the whole schedule runs on the render thread.
    pub(super) lists: Vec<Vec<Task>>,
    pub(super) waits: Vec<Wait>,
    /// Predicted time of a block, ns: dealt out, and on one thread.
    pub(super) makespan: f64,
    pub(super) serial: f64,
}

/// For each step, the earlier steps of its block it must follow (the last writer of everything it
/// reads or writes, and every reader since of what it writes), and the steps of the block before
/// it must follow. Worked out over two blocks in a row, each with the places of its parity
/// (buffers and event lists; a feedback copy writes the other parity's), sharing the nodes and
/// delay lines; the blocks' main buses are their own.
pub(super) fn predecessors(s: &Schedule) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let n = s.steps.len();
    let buffers = s.pool.len() / s.block_size.max(1);
    let lists = s.events.len();
    let lines = s.delays.len();
    let buffer =
        |parity: usize, id: u32| parity * buffers + (id as usize).min(buffers.saturating_sub(1));
    let list = |parity: usize, id: u32| {
        2 * buffers + parity * lists + (id as usize).min(lists.saturating_sub(1))
    };
    let line = |id: u32| 2 * (buffers + lists) + (id as usize).min(lines.saturating_sub(1));
    let main_bus = |parity: usize| 2 * (buffers + lists) + lines + parity;
    let node_state = |node: u32| 2 * (buffers + lists) + lines + 2 + node as usize;
    let resources = 2 * (buffers + lists) + lines + 2 + s.nodes.len();
    let mut last_writer: Vec<Option<u32>> = vec![None; resources];
    let mut readers: Vec<Vec<u32>> = vec![Vec::new(); resources];
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut touched = Vec::new();
    let mut within = Vec::with_capacity(n);
    let mut cross = Vec::with_capacity(n);
    for g in 0..2 * n {
        let (parity, i) = (g / n, g % n);
        reads.clear();
        writes.clear();
        // The buffers and event lists the step touches, as the renaming sees them (an update
        // in place both reads and writes); ids out of range count as the last one.
        for of_lists in [false, true] {
            accesses(s, i, of_lists, &mut touched);
            for &(slot, id, access) in &touched {
                let r = if of_lists {
                    list(parity, id)
                } else if matches!(s.steps[i], Step::Feedback { .. })
                    && matches!(slot, Slot::MixDst(_))
                {
                    buffer(1 - parity, id)
                } else {
                    buffer(parity, id)
                };
                if access != Access::Write {
                    reads.push(r);
                }
                if access != Access::Read {
                    writes.push(r);
                }
            }
        }
        match s.steps[i] {
            Step::Process { node } => {
                if let Some(slot) = s.nodes.get(node as usize) {
                    writes.push(node_state(node));
                    if slot.main_bus {
                        reads.push(main_bus(parity));
                        writes.push(main_bus(parity));
                    }
                }
            }
            Step::Delay { line: l, .. } if lines > 0 => writes.push(line(l)),
            _ => {}
        }
        let mut p: Vec<u32> = Vec::new();
        for r in reads.iter().chain(writes.iter()) {
            if let Some(w) = last_writer[*r] {
                p.push(w);
            }
        }
        for w in &writes {
            p.extend(readers[*w].iter().copied().filter(|&r| r as usize != g));
        }
        p.sort_unstable();
        p.dedup();
        if parity == 1 {
            let split = p.partition_point(|&q| (q as usize) < n);
            cross.push(p[..split].to_vec());
            within.push(p[split..].iter().map(|&q| q - n as u32).collect());
        }
        for r in &reads {
            readers[*r].push(g as u32);
        }
        for w in &writes {
            last_writer[*w] = Some(g as u32);
            readers[*w].clear();
        }
    }
    (within, cross)
}

/// Deals the steps out: each, in the compiler's order, to the member where it would finish
/// first. Returns each step's member, the predicted block time, and the time on one thread.
pub(super) fn list_schedule(
    preds: &[Vec<u32>],
    costs: &[f64],
    members: usize,
) -> (Vec<usize>, f64, f64) {
    let n = preds.len();
    let mut member_of = vec![0usize; n];
    let mut finish = vec![0f64; n];
    let mut free = vec![0f64; members];
    let mut serial = 0.0;
    for i in 0..n {
        let cost = costs.get(i).copied().unwrap_or(0.0).max(1.0);
        serial += cost;
        let mut best = (f64::INFINITY, 0usize);
        for (m, free_at) in free.iter().enumerate() {
            let mut ready = *free_at;
            for &p in &preds[i] {
                let p = p as usize;
                let arrives = finish[p] + if member_of[p] == m { 0.0 } else { HAND_OVER_NS };
                ready = ready.max(arrives);
            }
            let end = ready + cost;
            if end < best.0 {
                best = (end, m);
            }
        }
        member_of[i] = best.1;
        finish[i] = best.0;
        free[best.1] = best.0;
    }
    let makespan = free.iter().copied().fold(0.0, f64::max);
    (member_of, makespan, serial)
}

/// Blocks an offline render runs at once where nothing changes between them (see
/// [`crate::Runtime::process_blocks_with`]): the runs [`deal`] plans for.
pub const BLOCKS_IN_A_RUN: usize = 8;
/// Passes of [`deal`]'s search over the steps.
const SEARCH_PASSES: usize = 3;

/// Deals the steps out for runs of blocks, where a member goes on to the next block while
/// another finishes this one: what counts is the run's time, not one block's, and list
/// scheduling (which plans one block) tends to leave the next block's first steps behind this
/// block's last ones on the same member. Starts from the list schedule (or `previous`, the
/// dealing in use, where that simulates quicker) and moves single steps to other members while
/// that shortens the simulated run, for at most `budget` (each move is a whole simulation: on a
/// graph of thousands of steps the search stops long before a pass is through). Returns each step's member, the simulated time of a block in
/// a run, and the time of a block on one thread.
pub(super) fn deal(
    preds: &[Vec<u32>],
    cross: &[Vec<u32>],
    costs: &[f64],
    members: usize,
    previous: Option<&[usize]>,
    budget: Duration,
) -> (Vec<usize>, f64, f64) {
    let started = Instant::now();
    let n = preds.len();
    let (mut best, _, serial) = list_schedule(preds, costs, members);
    let mut best_time = simulated_block(preds, cross, costs, &best, members);
    if let Some(previous) = previous.filter(|p| p.len() == n && p.iter().all(|&m| m < members)) {
        let time = simulated_block(preds, cross, costs, previous, members);
        if time < best_time {
            best = previous.to_vec();
            best_time = time;
        }
    }
    for _ in 0..SEARCH_PASSES {
        let mut moved = false;
        for i in 0..n {
            if started.elapsed() > budget {
                return (best, best_time, serial);
            }
            let here = best[i];
            for m in (0..members).filter(|&m| m != here) {
                best[i] = m;
                let time = simulated_block(preds, cross, costs, &best, members);
                if time < best_time - 1.0 {
                    best_time = time;
                    moved = true;
                    break;
                }
                best[i] = here;
            }
        }
        if !moved {
            break;
        }
    }
    (best, best_time, serial)
}

/// The time of a block in a run of [`BLOCKS_IN_A_RUN`] blocks dealt out as `member_of` says,
/// simulated with the waits the members make: each runs its steps block after block, a step
/// starting when its member is free and the steps it follows (in its block and the block before,
/// a hand-over later where another member ran them) have finished, and a block only once the
/// one two before it has.
pub(super) fn simulated_block(
    preds: &[Vec<u32>],
    cross: &[Vec<u32>],
    costs: &[f64],
    member_of: &[usize],
    members: usize,
) -> f64 {
    let n = preds.len();
    if n == 0 {
        return 0.0;
    }
    let mut free = vec![0.0f64; members];
    let mut finish = vec![0.0f64; 2 * n];
    let mut done = [0.0f64; BLOCKS_IN_A_RUN];
    let arrival = |finish: &[f64], p: usize, m: usize| {
        finish[p]
            + if member_of[p % n] == m {
                0.0
            } else {
                HAND_OVER_NS
            }
    };
    for b in 0..BLOCKS_IN_A_RUN {
        let lag = if b >= 2 { done[b - 2] } else { 0.0 };
        // finish[..n]: the block before; finish[n..]: this one.
        if b > 0 {
            finish.copy_within(n.., 0);
        }
        for i in 0..n {
            let m = member_of[i];
            let mut ready = free[m].max(lag);
            for &p in &preds[i] {
                ready = ready.max(arrival(&finish, n + p as usize, m));
            }
            if b > 0 {
                for &p in cross.get(i).map_or(&[][..], |c| &c[..]) {
                    ready = ready.max(arrival(&finish, p as usize, m));
                }
            }
            let end = ready + costs.get(i).copied().unwrap_or(0.0).max(1.0);
            finish[n + i] = end;
            free[m] = end;
            done[b] = done[b].max(end);
        }
    }
    done[BLOCKS_IN_A_RUN - 1] / BLOCKS_IN_A_RUN as f64
}

/// Each member's steps in order, and the waits before each: for every other member it depends
/// on, how many of that member's steps must be done in the same block, and in the block before
/// (only where an earlier wait did not cover it).
pub(super) fn lists_of(
    preds: &[Vec<u32>],
    cross: &[Vec<u32>],
    member_of: &[usize],
    members: usize,
    makespan: f64,
    serial: f64,
) -> Plan {
    let mut lists: Vec<Vec<Task>> = vec![Vec::new(); members];
    let mut waits = Vec::new();
    let mut position = vec![0u32; member_of.len()];
    for (i, &m) in member_of.iter().enumerate() {
        position[i] = lists[m].len() as u32;
        lists[m].push(Task {
            step: i as u32,
            waits_from: 0,
            waits_to: 0,
            cross_from: 0,
            cross_to: 0,
        });
    }
    // waited[m * members + q]: steps of q that m has already waited for, in this block and in
    // the block before.
    let mut waited = vec![0u32; members * members];
    let mut waited_before = vec![0u32; members * members];
    let mut need = vec![0u32; members];
    for (i, &m) in member_of.iter().enumerate() {
        let task = &mut lists[m][position[i] as usize];
        for (same_block, from) in [
            (true, &preds[i]),
            (false, cross.get(i).unwrap_or(&Vec::new())),
        ] {
            need.iter_mut().for_each(|n| *n = 0);
            for &p in from.iter() {
                let q = member_of[p as usize];
                if q != m {
                    need[q] = need[q].max(position[p as usize] + 1);
                }
            }
            let start = waits.len() as u32;
            for (q, &n) in need.iter().enumerate() {
                let covered = if same_block {
                    waited[m * members + q]
                } else if waited[m * members + q] > 0 {
                    u32::MAX // waiting for any step of q in this block means its last block is done
                } else {
                    waited_before[m * members + q]
                };
                if n > covered {
                    waits.push(Wait {
                        member: q as u32,
                        done: n,
                    });
                    if same_block {
                        waited[m * members + q] = n;
                    } else {
                        waited_before[m * members + q] = n;
                    }
                }
            }
            if same_block {
                (task.waits_from, task.waits_to) = (start, waits.len() as u32);
            } else {
                (task.cross_from, task.cross_to) = (start, waits.len() as u32);
            }
        }
    }
    let used = lists.iter().filter(|l| !l.is_empty()).count();
    Plan {
        used,
        lists,
        waits,
        makespan,
        serial,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two chains of two steps meeting at a fifth: the list schedule splits the chains.
    #[test]
    fn independent_chains_go_to_different_members() {
        let preds = vec![vec![], vec![0], vec![], vec![2], vec![1, 3]];
        let costs = vec![10_000.0, 10_000.0, 10_000.0, 10_000.0, 100.0];
        let (member_of, makespan, serial) = list_schedule(&preds, &costs, 2);
        assert_eq!(member_of[0], member_of[1]);
        assert_eq!(member_of[2], member_of[3]);
        assert_ne!(member_of[0], member_of[2]);
        assert_eq!(serial, 40_100.0);
        assert!(makespan < 21_000.0, "{makespan}");
        let plan = lists_of(&preds, &[], &member_of, 2, makespan, serial);
        // The join waits for both steps of the other chain, once.
        assert_eq!(plan.waits.len(), 1);
        assert_eq!(plan.waits[0].done, 2);
    }

    /// A single chain is not worth dealing out: every hand-over would cost more than it gains.
    #[test]
    fn a_chain_stays_on_one_member() {
        let preds = vec![vec![], vec![0], vec![1], vec![2]];
        let costs = vec![1_000.0; 4];
        let (member_of, makespan, serial) = list_schedule(&preds, &costs, 2);
        assert!(member_of.iter().all(|m| *m == member_of[0]));
        assert_eq!(makespan, serial);
    }

    /// A sequencer feeding two instruments, a mixer and a master chain, each step following
    /// itself from the block before (its node's state). List scheduling plans one block and puts
    /// the mixer and the master chain with one instrument; dealing for runs finds the best of all
    /// 32 dealings (searched here exhaustively): the instruments with the sequencer, the mixer and
    /// the master chain on the other member, a block behind.
    #[test]
    fn dealing_for_runs_finds_what_list_scheduling_misses() {
        let preds = vec![vec![], vec![0], vec![0], vec![1, 2], vec![3]];
        let cross: Vec<Vec<u32>> = (0..5).map(|i| vec![i]).collect();
        let costs = vec![1_000.0, 10_000.0, 10_000.0, 5_000.0, 10_000.0];
        let (listed, _, _) = list_schedule(&preds, &costs, 2);
        let listed_time = simulated_block(&preds, &cross, &costs, &listed, 2);
        let best = (0..32usize)
            .map(|a| {
                let m: Vec<usize> = (0..5).map(|i| (a >> i) & 1).collect();
                simulated_block(&preds, &cross, &costs, &m, 2)
            })
            .fold(f64::INFINITY, f64::min);
        let (dealt, time, serial) = deal(&preds, &cross, &costs, 2, None, Duration::MAX);
        assert_eq!(serial, 36_000.0);
        assert_eq!(time, best, "dealt {dealt:?}");
        assert_eq!(time, simulated_block(&preds, &cross, &costs, &dealt, 2));
        assert!(time < 0.92 * listed_time, "{time} against {listed_time}");
        assert_eq!(dealt[0], dealt[1]);
        assert_eq!(dealt[1], dealt[2]);
        assert_eq!(dealt[3], dealt[4]);
        assert_ne!(dealt[2], dealt[3]);
    }
}
