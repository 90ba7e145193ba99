//! Offline rendering on several threads: a [`Crew`] runs the independent steps of a schedule (the
//! branches that meet at a mixer) at the same time, block by block, and the result is
//! bit-identical to the single-threaded render.
//!
//! Why it is bit-identical: every step does the same arithmetic on the same inputs whichever
//! thread runs it, so only the order of steps that touch the same thing matters. The crew works
//! out, for each step, the earlier steps it must follow: those that write a buffer, event list,
//! delay line or the main bus it reads or writes, and those that read one it writes (the compiler
//! reuses buffers). Each member runs its own steps in the compiler's order and, before a step,
//! waits until the members it depends on have finished the steps it follows; nothing else is
//! ordered, and nothing else needs to be. Which member runs what changes only the speed.
//!
//! Which member runs what: for the first blocks of a schedule the crew runs every step on the
//! render thread and times each one; then it deals the steps out by list scheduling (each step,
//! in order, to the member where it would finish first, counting a hand-over between members as
//! [`HAND_OVER_NS`]) and keeps timing one block in [`SAMPLE_EVERY`] to deal them again every
//! [`REPLAN_EVERY`] blocks. Where the dealt-out schedule would not be quicker by a fifth, it stays
//! on one thread.
//!
//! Members wait by spinning briefly, then yielding, then sleeping in short naps: this is for
//! offline work on a machine the render has to itself, never for the audio thread (whose
//! runtime stays single-threaded: waiting on another thread has no bounded worst case).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::process::Playhead;
use crate::runtime::renaming::{accesses, Access};
use crate::runtime::steps::{fill_params, run_all, run_step, BlockView, Scratch};
use crate::schedule::{Schedule, Step};

/// How an offline render uses threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RenderThreads {
    /// One per core, where the schedule has independent work that pays for the hand-overs.
    #[default]
    AllCores,
    /// At most this many (1: the single-threaded render).
    AtMost(usize),
    /// Exactly this many, the steps dealt out in turn whatever they cost: the most hand-overs a
    /// schedule can have. For testing that the order holds, not for speed.
    DealtOut(usize),
}

impl RenderThreads {
    /// Threads a crew of this kind has, the render thread included.
    pub fn members(self) -> usize {
        match self {
            RenderThreads::AllCores => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(MAX_MEMBERS),
            RenderThreads::AtMost(n) | RenderThreads::DealtOut(n) => n.clamp(1, MAX_MEMBERS),
        }
    }
}

/// The most threads a crew has.
const MAX_MEMBERS: usize = 16;
/// Blocks each schedule first runs on one thread, timing every step.
const WARMUP: u64 = 8;
/// One block in this many is timed step by step afterwards.
const SAMPLE_EVERY: u64 = 16;
/// The steps are dealt out again every this many blocks, with the costs timed since.
const REPLAN_EVERY: u64 = 256;
/// What the plan counts for a step that waits on another member: about what a cache line takes
/// to travel between cores and a spinning member to notice it.
pub const HAND_OVER_NS: f64 = 400.0;
/// A crew stays on one thread unless dealing out would take at most this share of the time.
const WORTH_IT: f64 = 0.8;
/// The epoch that tells members to leave.
const STOP: u64 = u64::MAX;

/// One step in a member's list, with the waits before it (`waits[from..to]`).
#[derive(Debug, Clone, Copy)]
struct Task {
    step: u32,
    waits_from: u32,
    waits_to: u32,
}

/// Wait until member `member` has finished `done` steps of its list in this block.
#[derive(Debug, Clone, Copy)]
struct Wait {
    member: u32,
    done: u32,
}

/// Which member runs each step, as lists in the compiler's order.
#[derive(Default)]
struct Plan {
    /// Members with work.
    used: usize,
    /// Each member's steps; empty while the whole schedule runs on the render thread.
    lists: Vec<Vec<Task>>,
    waits: Vec<Wait>,
    /// Predicted time of a block, ns: dealt out, and on one thread.
    makespan: f64,
    serial: f64,
}

/// A member's cache line of its own, so that spinning on one does not slow another.
#[repr(align(128))]
struct Padded<T>(T);

/// What the render thread publishes for a block, read by the members after the epoch moves.
#[derive(Clone, Copy)]
struct Block {
    view: Option<BlockView>,
    steps: *const Step,
    lists: *const Vec<Task>,
    waits: *const Wait,
    timed: bool,
    costs: *mut f32,
}

struct Shared {
    epoch: Padded<AtomicU64>,
    /// Per member: `epoch << 32 | steps finished in that epoch's block`.
    progress: Box<[Padded<AtomicU64>]>,
    /// A member panicked (a node did): everyone stops waiting.
    failed: AtomicBool,
    block: UnsafeCell<Block>,
}

// SAFETY: `block` is written by the render thread only while every member is idle (between the
// end of one block, which it waits for, and the epoch store that starts the next), and read by
// the members only after they see that store (Release/Acquire).
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

/// Threads for an offline render, the render thread being member 0. Made for one render and
/// dropped after it (which stops and joins the threads).
pub struct Crew {
    mode: RenderThreads,
    members: usize,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    epoch: u64,
    /// Generation and step count of the schedule the plan is for.
    planned_for: Option<(u64, usize)>,
    /// For each step, the earlier steps it must follow.
    preds: Vec<Vec<u32>>,
    plan: Plan,
    /// Cost of each step in ns: smoothed, and as timed in the last timed block.
    costs: Vec<f64>,
    timed: Vec<f32>,
    blocks: u64,
    /// Wall time of the timed blocks run dealt out, smoothed (ns), and the block before which
    /// the crew stays on one thread because they took longer than one thread would (a busy
    /// machine: members waiting on members the system has not scheduled).
    dealt_wall: f64,
    single_until: u64,
}

impl Crew {
    /// Control side of a render: starts the threads `mode` asks for (none for one).
    pub fn new(mode: RenderThreads) -> Crew {
        let members = mode.members();
        let shared = Arc::new(Shared {
            epoch: Padded(AtomicU64::new(0)),
            progress: (0..members).map(|_| Padded(AtomicU64::new(0))).collect(),
            failed: AtomicBool::new(false),
            block: UnsafeCell::new(Block {
                view: None,
                steps: std::ptr::null(),
                lists: std::ptr::null(),
                waits: std::ptr::null(),
                timed: false,
                costs: std::ptr::null_mut(),
            }),
        });
        let threads = (1..members)
            .filter_map(|member| {
                let shared = shared.clone();
                std::thread::Builder::new()
                    .name(format!("yano-render-{member}"))
                    .spawn(move || member_loop(&shared, member))
                    .ok()
            })
            .collect::<Vec<_>>();
        // A thread the system would not start leaves the crew smaller, never stuck.
        let members = threads.len() + 1;
        Crew {
            mode,
            members,
            shared,
            threads,
            epoch: 0,
            planned_for: None,
            preds: Vec::new(),
            plan: Plan::default(),
            costs: Vec::new(),
            timed: Vec::new(),
            blocks: 0,
            dealt_wall: 0.0,
            single_until: 0,
        }
    }

    /// Threads in the crew, the render thread included.
    pub fn members(&self) -> usize {
        self.members
    }

    /// Members the current plan gives work to (1 while the crew renders on one thread).
    pub fn members_used(&self) -> usize {
        self.plan.used.max(1)
    }

    /// The plan's predicted block time over the single-threaded one (1 on one thread).
    pub fn predicted_share(&self) -> f64 {
        if !self.plan.lists.is_empty() && self.plan.serial > 0.0 {
            self.plan.makespan / self.plan.serial
        } else {
            1.0
        }
    }

    /// Render thread: runs one block of `s` (see [`crate::Runtime::process_block_with`]).
    pub(crate) fn run(
        &mut self,
        s: &mut Schedule,
        frames: usize,
        playhead: Playhead,
        main_out: [*mut f32; 2],
        scratch: &mut Scratch,
    ) {
        if self.members == 1 {
            run_all(s, frames, playhead, main_out, scratch);
            return;
        }
        if self.planned_for != Some((s.generation, s.steps.len())) {
            self.start_schedule(s);
        }
        if self.shared.failed.load(Ordering::Relaxed) {
            panic!("a render thread stopped: a node panicked on it");
        }
        fill_params(s, frames);
        if scratch.frames() < frames {
            return; // cannot happen: the runtime's scratch is made for its block
        }
        let timed = self.blocks < WARMUP || self.blocks.is_multiple_of(SAMPLE_EVERY);
        let view = BlockView::of(s, frames, playhead, main_out);
        if self.plan.lists.is_empty() {
            for i in 0..s.steps.len() {
                let step = s.steps[i];
                if timed {
                    let t = Instant::now();
                    // SAFETY: one thread, the compiler's order; the scratch holds `frames`.
                    unsafe { run_step(&view, step, scratch) };
                    self.timed[i] = t.elapsed().as_nanos() as f32;
                } else {
                    // SAFETY: as above.
                    unsafe { run_step(&view, step, scratch) };
                }
            }
        } else {
            let started = timed.then(Instant::now);
            self.epoch += 1;
            let epoch = self.epoch;
            let block = Block {
                view: Some(view),
                steps: s.steps.as_ptr(),
                lists: self.plan.lists.as_ptr(),
                waits: self.plan.waits.as_ptr(),
                timed,
                costs: self.timed.as_mut_ptr(),
            };
            // SAFETY: every member has finished the last block (waited for below) and waits for
            // the epoch to move before it reads this.
            unsafe { *self.shared.block.get() = block };
            self.shared.epoch.0.store(epoch, Ordering::Release);
            let ok = run_member(&self.shared, &block, 0, epoch, scratch);
            let mut all = ok;
            for member in 1..self.members {
                let done = self.plan.lists.get(member).map_or(0, Vec::len) as u64;
                all &= wait_for(
                    &self.shared.progress[member].0,
                    (epoch << 32) | done,
                    &self.shared.failed,
                );
            }
            if !all {
                panic!("a render thread stopped: a node panicked on it");
            }
            if let Some(t) = started {
                let wall = t.elapsed().as_nanos() as f64;
                self.dealt_wall = if self.dealt_wall == 0.0 {
                    wall
                } else {
                    0.7 * self.dealt_wall + 0.3 * wall
                };
            }
        }
        if timed {
            for (c, t) in self.costs.iter_mut().zip(&self.timed) {
                let t = f64::from(*t);
                *c = if *c == 0.0 { t } else { 0.7 * *c + 0.3 * t };
            }
        }
        self.blocks += 1;
        if self.blocks == WARMUP
            || (self.blocks > WARMUP && self.blocks.is_multiple_of(REPLAN_EVERY))
        {
            self.replan();
        }
    }

    /// A schedule the crew has not seen: give each value a place of its own, work out what
    /// each step must follow, and start on one thread until its steps are timed.
    fn start_schedule(&mut self, s: &mut Schedule) {
        crate::runtime::renaming::rename(s);
        self.planned_for = Some((s.generation, s.steps.len()));
        self.preds = predecessors(s);
        self.costs = vec![0.0; s.steps.len()];
        self.timed = vec![0.0; s.steps.len()];
        self.blocks = 0;
        self.single_until = 0;
        self.dealt_wall = 0.0;
        self.plan = Plan::default();
        if let RenderThreads::DealtOut(_) = self.mode {
            self.blocks = WARMUP;
            self.replan();
        }
    }

    fn replan(&mut self) {
        let n = self.preds.len();
        let members = self.members;
        let dealt = !self.plan.lists.is_empty();
        if dealt && !matches!(self.mode, RenderThreads::DealtOut(_)) {
            let serial: f64 = self.costs.iter().sum();
            if self.dealt_wall > serial {
                // Slower than one thread: stay on one for a while, then try again.
                self.single_until = self.blocks + 4 * REPLAN_EVERY;
            }
        }
        self.dealt_wall = 0.0;
        if self.blocks < self.single_until {
            self.plan = Plan::default();
            return;
        }
        let member_of: Vec<usize> = match self.mode {
            RenderThreads::DealtOut(_) => (0..n).map(|i| i % members).collect(),
            _ => {
                let (member_of, makespan, serial) =
                    list_schedule(&self.preds, &self.costs, members);
                self.plan.makespan = makespan;
                self.plan.serial = serial;
                if makespan > WORTH_IT * serial {
                    self.plan.used = 1;
                    self.plan.lists.clear();
                    self.plan.waits.clear();
                    return;
                }
                member_of
            }
        };
        self.plan = lists_of(
            &self.preds,
            &member_of,
            members,
            self.plan.makespan,
            self.plan.serial,
        );
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        self.shared.epoch.0.store(STOP, Ordering::Release);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// For each step, the earlier steps it must follow: the last writer of everything it reads or
/// writes, and every reader since of what it writes.
fn predecessors(s: &Schedule) -> Vec<Vec<u32>> {
    let buffers = s.pool.len() / s.block_size.max(1);
    let lists = s.events.len();
    let lines = s.delays.len();
    let main_bus = buffers + lists + lines;
    let node_state = |node: u32| main_bus + 1 + node as usize;
    let resources = main_bus + 1 + s.nodes.len();
    let mut last_writer: Vec<Option<u32>> = vec![None; resources];
    let mut readers: Vec<Vec<u32>> = vec![Vec::new(); resources];
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut touched = Vec::new();
    let mut preds = Vec::with_capacity(s.steps.len());
    for i in 0..s.steps.len() {
        reads.clear();
        writes.clear();
        // The buffers and event lists the step touches, as the renaming sees them (an update
        // in place both reads and writes); ids out of range count as the last one.
        for (of_lists, base, count) in [(false, 0, buffers), (true, buffers, lists)] {
            accesses(s, i, of_lists, &mut touched);
            for &(_, id, access) in &touched {
                let r = base + (id as usize).min(count.saturating_sub(1));
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
                        reads.push(main_bus);
                        writes.push(main_bus);
                    }
                }
            }
            Step::Delay { line, .. } => {
                writes.push(buffers + lists + (line as usize).min(lines.saturating_sub(1)));
            }
            _ => {}
        }
        let mut p: Vec<u32> = Vec::new();
        for r in reads.iter().chain(writes.iter()) {
            if let Some(w) = last_writer[*r] {
                p.push(w);
            }
        }
        for w in &writes {
            p.extend(readers[*w].iter().copied().filter(|&r| r as usize != i));
        }
        p.sort_unstable();
        p.dedup();
        preds.push(p);
        for r in &reads {
            readers[*r].push(i as u32);
        }
        for w in &writes {
            last_writer[*w] = Some(i as u32);
            readers[*w].clear();
        }
    }
    preds
}

/// Deals the steps out: each, in the compiler's order, to the member where it would finish
/// first. Returns each step's member, the predicted block time, and the time on one thread.
fn list_schedule(preds: &[Vec<u32>], costs: &[f64], members: usize) -> (Vec<usize>, f64, f64) {
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

/// Each member's steps in order, and the waits before each: for every other member it depends
/// on, how many of that member's steps must be done (only where an earlier wait did not cover it).
fn lists_of(
    preds: &[Vec<u32>],
    member_of: &[usize],
    members: usize,
    makespan: f64,
    serial: f64,
) -> Plan {
    let mut lists: Vec<Vec<Task>> = vec![Vec::new(); members];
    let mut waits = Vec::new();
    let mut position = vec![0u32; member_of.len()];
    // waited[m * members + q]: steps of q that m has already waited for this block.
    let mut waited = vec![0u32; members * members];
    let mut need = vec![0u32; members];
    for (i, &m) in member_of.iter().enumerate() {
        need.iter_mut().for_each(|n| *n = 0);
        for &p in &preds[i] {
            let q = member_of[p as usize];
            if q != m {
                need[q] = need[q].max(position[p as usize] + 1);
            }
        }
        let waits_from = waits.len() as u32;
        for (q, &n) in need.iter().enumerate() {
            if n > waited[m * members + q] {
                waits.push(Wait {
                    member: q as u32,
                    done: n,
                });
                waited[m * members + q] = n;
            }
        }
        position[i] = lists[m].len() as u32;
        lists[m].push(Task {
            step: i as u32,
            waits_from,
            waits_to: waits.len() as u32,
        });
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

/// A member's thread: runs its list each time the epoch moves, until it says stop.
fn member_loop(shared: &Shared, member: usize) {
    let mut scratch = Scratch::new(1);
    let mut seen = 0u64;
    loop {
        let mut spins = 0u32;
        let epoch = loop {
            let e = shared.epoch.0.load(Ordering::Acquire);
            if e != seen {
                break e;
            }
            back_off(&mut spins);
        };
        if epoch == STOP {
            return;
        }
        seen = epoch;
        // SAFETY: published before the epoch store this thread just saw (see `Shared`).
        let block = unsafe { *shared.block.get() };
        if let Some(view) = &block.view {
            if scratch.frames() < view.stride {
                scratch = Scratch::new(view.stride);
            }
        }
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_member(shared, &block, member, epoch, &mut scratch)
        }));
        if !matches!(ran, Ok(true)) {
            shared.failed.store(true, Ordering::Release);
            return;
        }
    }
}

/// Runs member `member`'s list for the block of `epoch`. False when another member failed.
fn run_member(
    shared: &Shared,
    block: &Block,
    member: usize,
    epoch: u64,
    scratch: &mut Scratch,
) -> bool {
    let Some(view) = &block.view else {
        return true;
    };
    let progress = &shared.progress[member].0;
    // SAFETY: the plan's lists outlive the block (the render thread replaces them only between
    // blocks); read through raw pointers, copied out before the last progress store.
    let (tasks, count) = unsafe {
        let list = &*block.lists.add(member);
        (list.as_ptr(), list.len())
    };
    if count == 0 || scratch.frames() < view.frames {
        progress.store((epoch << 32) | count as u64, Ordering::Release);
        return true;
    }
    for k in 0..count {
        // SAFETY: k < count, as above.
        let task = unsafe { *tasks.add(k) };
        for w in task.waits_from..task.waits_to {
            // SAFETY: the plan's waits, as above.
            let wait = unsafe { *block.waits.add(w as usize) };
            let target = (epoch << 32) | u64::from(wait.done);
            let on = &shared.progress[wait.member as usize].0;
            if !wait_for(on, target, &shared.failed) {
                return false;
            }
        }
        // SAFETY: a step index of this schedule.
        let step = unsafe { *block.steps.add(task.step as usize) };
        if block.timed {
            let t = Instant::now();
            // SAFETY: every step this one follows has finished (the waits above, and this
            // member's own earlier steps); the scratch holds the block.
            unsafe { run_step(view, step, scratch) };
            // SAFETY: only this member writes this step's entry; read after the block.
            unsafe { *block.costs.add(task.step as usize) = t.elapsed().as_nanos() as f32 };
        } else {
            // SAFETY: as above.
            unsafe { run_step(view, step, scratch) };
        }
        progress.store((epoch << 32) | (k as u64 + 1), Ordering::Release);
    }
    true
}

/// Waits until `on` reaches `target`; false if a member failed first.
fn wait_for(on: &AtomicU64, target: u64, failed: &AtomicBool) -> bool {
    let mut spins = 0u32;
    loop {
        if on.load(Ordering::Acquire) >= target {
            return true;
        }
        if failed.load(Ordering::Acquire) {
            return false;
        }
        back_off(&mut spins);
    }
}

/// Spin a little (a hand-over takes well under a microsecond), then give the core away, then nap,
/// longer each time up to a millisecond (a member idle while the crew renders on one thread
/// should not wake 20,000 times a second).
fn back_off(spins: &mut u32) {
    const SPIN: u32 = 256;
    const YIELD: u32 = SPIN + 4096;
    if *spins < SPIN {
        std::hint::spin_loop();
    } else if *spins < YIELD {
        std::thread::yield_now();
    } else {
        let naps = (*spins - YIELD).min(5);
        std::thread::sleep(Duration::from_micros(50 << naps));
    }
    *spins = spins.saturating_add(1);
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
        let plan = lists_of(&preds, &member_of, 2, makespan, serial);
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
}
