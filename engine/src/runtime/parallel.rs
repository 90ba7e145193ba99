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
//! render thread and times each one; then it deals the steps out (list scheduling, each step in
//! order to the member where it would finish first, counting a hand-over between members as
//! [`HAND_OVER_NS`]; then single steps moved to other members while that shortens a simulated run
//! of blocks, `runtime/dealing.rs`) and keeps timing one block in [`SAMPLE_EVERY`] to deal
//! them again every [`REPLAN_EVERY`] blocks. Where the dealt-out schedule would not be quicker by
//! a fifth, it stays on one thread.
//!
//! Runs of blocks: where nothing can change between blocks (no command due, no new schedule; see
//! [`crate::Runtime::process_blocks_with`]) the crew runs several blocks as one run, and a member
//! goes on to its steps of the next block as soon as what they wait for is done, while another
//! finishes this one (the master chain of one block beside the instruments of the next). Each
//! parity of block has buffers and event lists of its own (the schedule's, and the crew's copy),
//! so the next block's writes never wait for this block's reads; a feedback copy writes the other
//! parity's, where the next block reads it. The steps a block must wait for in the block before
//! are worked out over two blocks in a row (`runtime/dealing.rs`); a block waits for the
//! whole of the block two before it, whose places it reuses.
//!
//! Members wait by spinning briefly, then yielding, then sleeping in short naps: this is for
//! offline work on a machine the render has to itself, never for the audio thread (whose
//! runtime stays single-threaded: waiting on another thread has no bounded worst case).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::event::EventList;
use crate::process::Playhead;
use crate::runtime::dealing::{deal, lists_of, predecessors, Plan, Task, Wait};
pub use crate::runtime::dealing::{BLOCKS_IN_A_RUN, HAND_OVER_NS};
use crate::runtime::steps::{run_all, run_step, BlockView, Scratch};
use crate::schedule::{Schedule, Step};

/// How an offline render uses threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RenderThreads {
    /// One per core (or as many as the environment variable `YANO_RENDER_THREADS` says, 1 for
    /// the single-threaded render), where the schedule has independent work that pays for the
    /// hand-overs.
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
            RenderThreads::AllCores => std::env::var("YANO_RENDER_THREADS")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|n| *n > 0)
                .unwrap_or_else(|| {
                    std::thread::available_parallelism()
                        .map(|n| n.get())
                        .unwrap_or(1)
                })
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
const REPLAN_EVERY: u64 = 1024;
/// A crew stays on one thread unless dealing out would take at most this share of the time.
const WORTH_IT: f64 = 0.8;
/// The epoch that tells members to leave.
const STOP: u64 = u64::MAX;

/// A member's cache line of its own, so that spinning on one does not slow another.
#[repr(align(128))]
struct Padded<T>(T);

/// What the render thread publishes for a run of blocks, read by the members after the epoch
/// moves.
#[derive(Clone, Copy)]
struct Block {
    /// The blocks of the run, in order (none: nothing to do).
    views: *const BlockView,
    count: usize,
    steps: *const Step,
    lists: *const Vec<Task>,
    waits: *const Wait,
    /// Time each step of the run's first block.
    timed: bool,
    costs: *mut f32,
}

struct Shared {
    epoch: Padded<AtomicU64>,
    /// Per member: `epoch << 32 | steps finished in that epoch's run` (its whole list once for
    /// each block before the current one, plus the steps done in this one).
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
    /// For each step, the earlier steps of its block it must follow, and the steps of the block
    /// before.
    preds: Vec<Vec<u32>>,
    cross: Vec<Vec<u32>>,
    /// The pool and event lists of the odd blocks (the schedule's own are the even blocks'), so
    /// that a block can start while the one before is still being read.
    shadow_pool: Vec<f32>,
    shadow_events: Vec<EventList>,
    /// Blocks run since the schedule started: the next block's parity.
    parity: u64,
    views: Vec<BlockView>,
    next_replan: u64,
    /// The member of each step in the plan in use, where it was dealt by cost.
    member_of: Option<Vec<usize>>,
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
                views: std::ptr::null(),
                count: 0,
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
            cross: Vec::new(),
            shadow_pool: Vec::new(),
            shadow_events: Vec::new(),
            parity: 0,
            views: Vec::new(),
            next_replan: WARMUP,
            member_of: None,
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

    /// Render thread: runs a run of blocks of `s`, one for each playhead, block `b` writing the
    /// main bus at `main_out[b]` (see [`crate::Runtime::process_blocks_with`]). Nothing may
    /// touch the schedule's parameters between the blocks of a run but the steps themselves.
    pub(crate) fn run(
        &mut self,
        s: &mut Schedule,
        frames: usize,
        playheads: &[Playhead],
        main_out: &[[*mut f32; 2]],
        scratch: &mut Scratch,
    ) {
        let count = playheads.len().min(main_out.len());
        if self.members == 1 {
            for b in 0..count {
                run_all(s, frames, playheads[b], main_out[b], scratch);
            }
            return;
        }
        if self.planned_for != Some((s.generation, s.steps.len())) {
            self.start_schedule(s);
        }
        if self.shared.failed.load(Ordering::Relaxed) {
            panic!("a render thread stopped: a node panicked on it");
        }
        if count == 0 || scratch.frames() < frames {
            return; // the scratch cannot be short: the runtime's is made for its block
        }
        // Each block works in the pool and lists of its parity, and a feedback copy writes the
        // other parity's, where the next block reads it.
        self.views.clear();
        for b in 0..count {
            let mut view = BlockView::of(s, frames, playheads[b], main_out[b]);
            let (real, shadow) = (s.pool.as_mut_ptr(), self.shadow_pool.as_mut_ptr());
            let (pool, next) = if self.parity.is_multiple_of(2) {
                (real, shadow)
            } else {
                (shadow, real)
            };
            let events = if self.parity.is_multiple_of(2) {
                s.events.as_mut_ptr()
            } else {
                self.shadow_events.as_mut_ptr()
            };
            view.place(pool, next, events);
            self.views.push(view);
            self.parity += 1;
        }
        let timed_all = self.blocks < WARMUP;
        let timed = timed_all || self.blocks % SAMPLE_EVERY + count as u64 > SAMPLE_EVERY - 1;
        if self.plan.lists.is_empty() {
            for b in 0..count {
                let view = self.views[b];
                let view = &view;
                let time = timed_all || (timed && b == 0);
                for i in 0..s.steps.len() {
                    let step = s.steps[i];
                    if time {
                        let t = Instant::now();
                        // SAFETY: one thread, the compiler's order; the scratch holds `frames`.
                        unsafe { run_step(view, step, scratch) };
                        self.timed[i] = t.elapsed().as_nanos() as f32;
                    } else {
                        // SAFETY: as above.
                        unsafe { run_step(view, step, scratch) };
                    }
                }
                if time {
                    self.add_timed();
                }
            }
        } else {
            let started = timed.then(Instant::now);
            self.epoch += 1;
            let epoch = self.epoch;
            let block = Block {
                views: self.views.as_ptr(),
                count,
                steps: s.steps.as_ptr(),
                lists: self.plan.lists.as_ptr(),
                waits: self.plan.waits.as_ptr(),
                timed,
                costs: self.timed.as_mut_ptr(),
            };
            // SAFETY: every member has finished the last run (waited for below) and waits for
            // the epoch to move before it reads this.
            unsafe { *self.shared.block.get() = block };
            self.shared.epoch.0.store(epoch, Ordering::Release);
            let ok = run_member(&self.shared, &block, 0, epoch, scratch);
            let mut all = ok;
            for member in 1..self.members {
                let done = self.plan.lists.get(member).map_or(0, Vec::len) * count;
                all &= wait_for(
                    &self.shared.progress[member].0,
                    (epoch << 32) | done as u64,
                    &self.shared.failed,
                );
            }
            if !all {
                panic!("a render thread stopped: a node panicked on it");
            }
            if let Some(t) = started {
                let wall = t.elapsed().as_nanos() as f64 / count as f64;
                self.dealt_wall = if self.dealt_wall == 0.0 {
                    wall
                } else {
                    0.7 * self.dealt_wall + 0.3 * wall
                };
                self.add_timed();
            }
        }
        self.blocks += count as u64;
        if self.blocks >= self.next_replan {
            self.replan();
            self.next_replan = if self.blocks < WARMUP {
                WARMUP
            } else {
                (self.blocks / REPLAN_EVERY + 1) * REPLAN_EVERY
            };
        }
    }

    /// Folds the steps' last timed costs into the smoothed ones.
    fn add_timed(&mut self) {
        for (c, t) in self.costs.iter_mut().zip(&self.timed) {
            let t = f64::from(*t);
            *c = if *c == 0.0 { t } else { 0.7 * *c + 0.3 * t };
        }
    }

    /// A schedule the crew has not seen: give each value a place of its own, work out what
    /// each step must follow, and start on one thread until its steps are timed.
    fn start_schedule(&mut self, s: &mut Schedule) {
        crate::runtime::renaming::rename(s);
        self.planned_for = Some((s.generation, s.steps.len()));
        (self.preds, self.cross) = predecessors(s);
        self.shadow_pool.clone_from(&s.pool);
        self.shadow_events = s
            .events
            .iter()
            .map(|list| {
                let mut copy = EventList::with_capacity(list.capacity());
                for e in list.as_slice() {
                    copy.push(*e);
                }
                copy
            })
            .collect();
        self.parity = 0;
        self.next_replan = WARMUP;
        self.member_of = None;
        self.costs = vec![0.0; s.steps.len()];
        self.timed = vec![0.0; s.steps.len()];
        self.blocks = 0;
        self.single_until = 0;
        self.dealt_wall = 0.0;
        self.plan = Plan::default();
        if let RenderThreads::DealtOut(_) = self.mode {
            self.blocks = WARMUP;
            self.replan();
            self.next_replan = REPLAN_EVERY;
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
                let (member_of, makespan, serial) = deal(
                    &self.preds,
                    &self.cross,
                    &self.costs,
                    members,
                    self.member_of.as_deref(),
                    search_budget(&self.costs),
                );
                self.plan.makespan = makespan;
                self.plan.serial = serial;
                if makespan > WORTH_IT * serial {
                    self.plan.used = 1;
                    self.plan.lists.clear();
                    self.plan.waits.clear();
                    return;
                }
                self.member_of = Some(member_of.clone());
                member_of
            }
        };
        self.plan = lists_of(
            &self.preds,
            &self.cross,
            &member_of,
            members,
            self.plan.makespan,
            self.plan.serial,
        );
    }
}

/// How long a replan may search for a better dealing: a fiftieth of the time the blocks until
/// the next replan take on one thread (so the search never costs more than 2 %).
fn search_budget(costs: &[f64]) -> Duration {
    let serial: f64 = costs.iter().sum();
    Duration::from_nanos((serial * REPLAN_EVERY as f64 / 50.0) as u64)
}

impl Drop for Crew {
    fn drop(&mut self) {
        self.shared.epoch.0.store(STOP, Ordering::Release);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
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
        if block.count > 0 {
            // SAFETY: the run's views, as published.
            let stride = unsafe { (*block.views).stride };
            if scratch.frames() < stride {
                scratch = Scratch::new(stride);
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

/// Runs member `member`'s list once for each block of the run of `epoch`. False when another
/// member failed.
fn run_member(
    shared: &Shared,
    block: &Block,
    member: usize,
    epoch: u64,
    scratch: &mut Scratch,
) -> bool {
    let progress = &shared.progress[member].0;
    // SAFETY: the plan's lists outlive the run (the render thread replaces them only between
    // runs); read through raw pointers, copied out before the last progress store.
    let list_len = |q: usize| unsafe { (*block.lists.add(q)).len() };
    let (tasks, count) = unsafe {
        let list = &*block.lists.add(member);
        (list.as_ptr(), list.len())
    };
    if count == 0 || block.count == 0 {
        progress.store(epoch << 32, Ordering::Release);
        return true;
    }
    // The members: read once, the count of members being the progress table's length.
    let members = shared.progress.len();
    for b in 0..block.count {
        // SAFETY: b < count, the run's views.
        let view = unsafe { &*block.views.add(b) };
        if scratch.frames() < view.frames {
            progress.store(
                (epoch << 32) | (count * block.count) as u64,
                Ordering::Release,
            );
            return true;
        }
        // Block b uses the places block b - 2 used: every member must have finished that one.
        if b >= 2 {
            for q in (0..members).filter(|&q| q != member) {
                let len = list_len(q);
                if len > 0 {
                    let target = (epoch << 32) | ((b - 1) * len) as u64;
                    if !wait_for(&shared.progress[q].0, target, &shared.failed) {
                        return false;
                    }
                }
            }
        }
        for k in 0..count {
            // SAFETY: k < count, as above.
            let task = unsafe { *tasks.add(k) };
            for (from, to, back) in [
                (task.waits_from, task.waits_to, 0),
                (task.cross_from, task.cross_to, 1),
            ] {
                if back > b {
                    continue; // the block before the run: finished before it started
                }
                for w in from..to {
                    // SAFETY: the plan's waits, as above.
                    let wait = unsafe { *block.waits.add(w as usize) };
                    let q = wait.member as usize;
                    let done = (b - back) * list_len(q) + wait.done as usize;
                    let target = (epoch << 32) | done as u64;
                    if !wait_for(&shared.progress[q].0, target, &shared.failed) {
                        return false;
                    }
                }
            }
            // SAFETY: a step index of this schedule.
            let step = unsafe { *block.steps.add(task.step as usize) };
            if block.timed && b == 0 {
                let t = Instant::now();
                // SAFETY: every step this one follows has finished (the waits above, and this
                // member's own earlier steps); the scratch holds the block.
                unsafe { run_step(view, step, scratch) };
                // SAFETY: only this member writes this step's entry; read after the run.
                unsafe { *block.costs.add(task.step as usize) = t.elapsed().as_nanos() as f32 };
            } else {
                // SAFETY: as above.
                unsafe { run_step(view, step, scratch) };
            }
            progress.store(
                (epoch << 32) | (b * count + k + 1) as u64,
                Ordering::Release,
            );
        }
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
