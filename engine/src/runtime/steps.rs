//! One step of a schedule, run by whichever thread the block loop gives it to: the audio thread
//! (every step, in order) or one thread of an offline render's crew ([`super::parallel`]).
//!
//! A [`BlockView`] is a schedule seen through raw pointers for one block, so that several threads
//! can run steps of the same schedule at once; what keeps that sound is the order the steps are
//! run in: a step only starts when every earlier step that touches one of its buffers, event
//! lists, delay lines or the main bus has finished (trivially so on one thread, by the crew's
//! waits on several). Each thread brings its own [`Scratch`]: the scratch a processor writes when it
//! asks for a port it does not have, so two threads never share a buffer that nobody orders.
//!
//! Nothing here allocates, locks, blocks or panics.

use std::marker::PhantomData;

use crate::automation::PlayedLane;
use crate::event::EventList;
use crate::process::{Playhead, PortBinding, ProcessContext};
use crate::schedule::{DelayLine, NodeSlot, Schedule, Step};

/// A schedule's parts for one block, as raw pointers shared by the threads that run its steps.
#[derive(Clone, Copy)]
pub(crate) struct BlockView {
    pub frames: usize,
    pub stride: usize,
    pub playhead: Playhead,
    pool: *mut f32,
    /// Where a feedback copy writes: the pool the next block reads (the same one, but for a
    /// crew's runs of blocks, which give each parity of block a pool of its own).
    next_pool: *mut f32,
    buffers: usize,
    channel_ids: *const u32,
    channel_count: usize,
    bindings: *const PortBinding,
    binding_count: usize,
    nodes: *mut NodeSlot,
    node_count: usize,
    events: *mut EventList,
    event_count: usize,
    delays: *mut DelayLine,
    delay_count: usize,
    lanes: *const PlayedLane,
    lane_count: usize,
    main_out: [*mut f32; 2],
    /// Time each node's step into its slot's `cost_ns`.
    profile: bool,
}

// SAFETY: a view is handed to other threads only by the crew, which orders every access to the
// same buffer, list, line or node (see the module documentation) and keeps the schedule alive
// and unmoved until every thread has finished the block.
unsafe impl Send for BlockView {}
unsafe impl Sync for BlockView {}

impl BlockView {
    /// Any thread that owns the schedule for this block. The view must not outlive the borrow,
    /// and nothing else may touch the schedule while steps run through it.
    pub fn of(
        s: &mut Schedule,
        frames: usize,
        playhead: Playhead,
        main_out: [*mut f32; 2],
    ) -> BlockView {
        let stride = s.block_size;
        BlockView {
            frames,
            stride,
            playhead,
            pool: s.pool.as_mut_ptr(),
            next_pool: s.pool.as_mut_ptr(),
            buffers: s.pool.len() / stride.max(1),
            channel_ids: s.channel_ids.as_ptr(),
            channel_count: s.channel_ids.len(),
            bindings: s.bindings.as_ptr(),
            binding_count: s.bindings.len(),
            nodes: s.nodes.as_mut_ptr(),
            node_count: s.nodes.len(),
            events: s.events.as_mut_ptr(),
            event_count: s.events.len(),
            delays: s.delays.as_mut_ptr(),
            delay_count: s.delays.len(),
            lanes: s.lanes.as_ptr(),
            lane_count: s.lanes.len(),
            main_out,
            profile: s.profile,
        }
    }

    /// Points the view at other places of the same layout: a pool and event lists for this
    /// block, and the pool the next block reads feedback from.
    pub fn place(&mut self, pool: *mut f32, next_pool: *mut f32, events: *mut EventList) {
        self.pool = pool;
        self.next_pool = next_pool;
        self.events = events;
    }
}

/// One thread's own scratch: where writes to ports a node does not have land, and the main bus a
/// node that is not the main output sees. Owned by the thread's runtime or crew member, sized for
/// the schedule's block.
pub(crate) struct Scratch {
    buffer: Box<[f32]>,
    events: EventList,
    decoy: [Box<[f32]>; 2],
}

/// Room for events in a thread's scratch list (as in each list of a schedule).
const SCRATCH_EVENT_ROOM: usize = 512;

impl Scratch {
    /// Control thread: scratch for blocks of up to `block` frames.
    pub fn new(block: usize) -> Scratch {
        let block = block.max(1);
        Scratch {
            buffer: vec![0.0; block].into_boxed_slice(),
            events: EventList::with_capacity(SCRATCH_EVENT_ROOM),
            decoy: [
                vec![0.0; block].into_boxed_slice(),
                vec![0.0; block].into_boxed_slice(),
            ],
        }
    }

    pub fn frames(&self) -> usize {
        self.buffer.len()
    }
}

/// Runs step `step` of the view's schedule.
///
/// # Safety
/// Every earlier step of the schedule that touches a buffer, event list, delay line or node this
/// one touches (or the main bus, for a main output node) has finished, and no other thread runs
/// such a step until this one returns; `scratch` holds at least `view.frames` frames.
pub(crate) unsafe fn run_step(view: &BlockView, step: Step, scratch: &mut Scratch) {
    let frames = view.frames;
    let stride = view.stride;
    let buffers = view.buffers;
    let pool = view.pool;
    match step {
        Step::Process { node } => {
            if node as usize >= view.node_count {
                return;
            }
            // SAFETY: in range (checked); only this step touches this node during the block.
            let slot = unsafe { &mut *view.nodes.add(node as usize) };
            // Offline profiling only: the clock is read twice a step.
            let started = view.profile.then(std::time::Instant::now);
            // The node's parameters for the block: its automation lanes, then every value (the
            // arithmetic of one parameter never reads another's, so where this happens does not
            // change the values).
            if view.playhead.playing {
                // SAFETY: the compiler's lanes, never written while the schedule runs.
                let lanes = unsafe { std::slice::from_raw_parts(view.lanes, view.lane_count) };
                for lane in lanes
                    .get(slot.lanes.start as usize..slot.lanes.end as usize)
                    .unwrap_or(&[])
                {
                    if let Some(state) = slot.params.get_mut(lane.param.index()) {
                        lane.play(view.playhead.block_start, frames, state);
                    }
                }
            }
            for p in &mut slot.params {
                p.fill(frames);
            }
            // SAFETY: the compiler's tables, never written while the schedule runs.
            let (all_bindings, channel_ids) = unsafe {
                (
                    std::slice::from_raw_parts(view.bindings, view.binding_count),
                    std::slice::from_raw_parts(view.channel_ids, view.channel_count),
                )
            };
            let inputs = all_bindings
                .get(slot.inputs.start as usize..slot.inputs.end as usize)
                .unwrap_or(&[]);
            let outputs = all_bindings
                .get(slot.outputs.start as usize..slot.outputs.end as usize)
                .unwrap_or(&[]);
            for b in outputs {
                if let PortBinding::Events { list, .. } = b {
                    if (*list as usize) < view.event_count {
                        // SAFETY: in range; this node's output lists are its own during the step.
                        unsafe { (*view.events.add(*list as usize)).clear() };
                    }
                }
            }
            scratch.events.clear();
            let main_out = if slot.main_bus {
                view.main_out
            } else {
                [scratch.decoy[0].as_mut_ptr(), scratch.decoy[1].as_mut_ptr()]
            };
            let mut ctx = ProcessContext {
                frames,
                stride,
                pool,
                channel_ids,
                inputs,
                outputs,
                events: view.events,
                event_count: view.event_count,
                scratch: scratch.buffer.as_mut_ptr(),
                scratch_events: &mut scratch.events,
                params: &slot.params,
                playhead: view.playhead,
                main_out,
                _pool: PhantomData,
            };
            slot.processor.process(&mut ctx);
            if let Some(started) = started {
                slot.cost_ns += started.elapsed().as_nanos() as u64;
            }
        }
        Step::Mix {
            src,
            dst,
            gain,
            accumulate,
        } => {
            if src == dst || src as usize >= buffers || dst as usize >= buffers {
                return;
            }
            // SAFETY: src and dst are distinct buffers inside the pool (checked above).
            let (x, y) = unsafe {
                (
                    std::slice::from_raw_parts(pool.add(src as usize * stride), frames),
                    std::slice::from_raw_parts_mut(pool.add(dst as usize * stride), frames),
                )
            };
            match (accumulate, gain == 1.0) {
                (false, true) => y.copy_from_slice(x),
                (false, false) => y.iter_mut().zip(x).for_each(|(y, x)| *y = x * gain),
                (true, true) => y.iter_mut().zip(x).for_each(|(y, x)| *y += x),
                (true, false) => y.iter_mut().zip(x).for_each(|(y, x)| *y += x * gain),
            }
        }
        Step::Delay {
            line,
            src,
            dst,
            gain,
            accumulate,
        } => {
            if line as usize >= view.delay_count
                || src == dst
                || src as usize >= buffers
                || dst as usize >= buffers
            {
                return;
            }
            // SAFETY: in range (checked); only this step touches this line.
            let line = unsafe { &mut *view.delays.add(line as usize) };
            // SAFETY: as for Mix.
            let (x, y) = unsafe {
                (
                    std::slice::from_raw_parts(pool.add(src as usize * stride), frames),
                    std::slice::from_raw_parts_mut(pool.add(dst as usize * stride), frames),
                )
            };
            for (y, x) in y.iter_mut().zip(x) {
                let d = line.tick(*x) * gain;
                *y = if accumulate { *y + d } else { d };
            }
        }
        Step::Events {
            src,
            dst,
            accumulate,
            sort,
        } => {
            let (src, dst) = (src as usize, dst as usize);
            if src == dst || src >= view.event_count || dst >= view.event_count {
                return;
            }
            // SAFETY: distinct indices inside the list vector (checked above).
            let (from, to) = unsafe { (&*view.events.add(src), &mut *view.events.add(dst)) };
            if !accumulate {
                to.clear();
            }
            for e in from.as_slice() {
                to.push(*e);
            }
            if sort {
                to.sort_by_offset();
            }
        }
        Step::Feedback { src, dst } => {
            if src == dst || src as usize >= buffers || dst as usize >= buffers {
                return;
            }
            // SAFETY: as for Mix (the next block's pool has the same layout; `copy` because it
            // may be this block's).
            unsafe {
                std::ptr::copy(
                    pool.add(src as usize * stride),
                    view.next_pool.add(dst as usize * stride),
                    frames,
                );
            }
        }
    }
}

/// Audio thread (or a render loop): runs every step in order on this thread (each node's step
/// plays its automation lanes and fills its parameter values first).
pub(crate) fn run_all(
    s: &mut Schedule,
    frames: usize,
    playhead: Playhead,
    main_out: [*mut f32; 2],
    scratch: &mut Scratch,
) {
    if scratch.frames() < frames {
        return; // cannot happen: scratch is made for the runtime's block
    }
    let view = BlockView::of(s, frames, playhead, main_out);
    for i in 0..s.steps.len() {
        let step = s.steps[i];
        // SAFETY: one thread, steps in the compiler's order; the scratch holds `frames`.
        unsafe { run_step(&view, step, scratch) };
    }
}
