//! The real-time runtime: runs the current schedule one block at a time. It lives on the audio
//! thread (or in the offline render loop) and never allocates, locks, blocks, does I/O or panics.
//!
//! New schedules arrive over a lock-free queue; at the start of a block the runtime swaps one in,
//! moves the processors and parameter states of nodes that kept their id into it, and sends the
//! old schedule back over a second queue to be dropped on the control thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::param::{ParamChange, ParamHandle};
use crate::process::Playhead;
use crate::runtime::parallel::Crew;
use crate::runtime::steps::{run_all, Scratch};
use crate::schedule::{NodeCost, Schedule};
use crate::transport::Transport;

/// Room in the command queue.
const COMMANDS: usize = 4096;
/// Future parameter changes held at once.
const PENDING: usize = 1024;

/// A message from the control thread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// Change parameter `param` of node slot `node` in schedule `generation`, at absolute sample
    /// `at` (now, if it has passed).
    Param {
        generation: u64,
        node: u32,
        param: ParamHandle,
        at: u64,
        change: ParamChange,
    },
    Play,
    Stop,
    /// Jump to a sample position; every node is reset.
    Seek(u64),
    /// New tempo or swing (the sample rate cannot change while running).
    Transport(Transport),
    /// Play `start..end` (samples) over and over, or stop looping with `None`. The jump back
    /// happens at the first block boundary at or after `end`, and resets every node, as a seek.
    Loop(Option<(u64, u64)>),
}

/// The most blocks [`Runtime::process_blocks_with`] runs at once.
pub const MOST_BLOCKS_IN_A_RUN: usize = 16;

/// The audio thread's half.
pub struct Runtime {
    schedule: Box<Schedule>,
    incoming: rtrb::Consumer<Box<Schedule>>,
    retired: rtrb::Producer<Box<Schedule>>,
    commands: rtrb::Consumer<Command>,
    pending: Vec<Command>,
    transport: Transport,
    position: u64,
    playing: bool,
    loop_range: Option<(u64, u64)>,
    main: [Box<[f32]>; 2],
    /// Frames of the last block not yet handed out by `fill_interleaved`.
    unread_from: usize,
    shared_position: Arc<AtomicU64>,
    /// This thread's scratch, for writes to ports a node does not have.
    scratch: Scratch,
}

/// The control thread's half.
pub struct RuntimeHandle {
    schedules: rtrb::Producer<Box<Schedule>>,
    retired: rtrb::Consumer<Box<Schedule>>,
    commands: rtrb::Producer<Command>,
    position: Arc<AtomicU64>,
}

/// Why a message did not reach the audio thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("the audio thread's queue is full; it may have stopped")]
    Full,
}

impl RuntimeHandle {
    /// Control thread: sends a new schedule. Drops retired ones first.
    pub fn ship(&mut self, schedule: Box<Schedule>) -> Result<(), SendError> {
        self.collect();
        self.schedules.push(schedule).map_err(|_| SendError::Full)
    }

    pub fn send(&mut self, command: Command) -> Result<(), SendError> {
        self.commands.push(command).map_err(|_| SendError::Full)
    }

    /// Control thread: drops schedules the audio thread has finished with.
    pub fn collect(&mut self) -> usize {
        let mut n = 0;
        while let Ok(old) = self.retired.pop() {
            drop(old);
            n += 1;
        }
        n
    }

    /// The playhead, in samples, as of the last block.
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Relaxed)
    }
}

impl Runtime {
    /// Control thread: makes the pair, with `schedule` running from the first block.
    pub fn new(schedule: Box<Schedule>, transport: Transport) -> (Runtime, RuntimeHandle) {
        let (sp, sc) = rtrb::RingBuffer::new(8);
        let (rp, rc) = rtrb::RingBuffer::new(8);
        let (cp, cc) = rtrb::RingBuffer::new(COMMANDS);
        let block = schedule.block_size;
        let position = Arc::new(AtomicU64::new(0));
        (
            Runtime {
                schedule,
                incoming: sc,
                retired: rp,
                commands: cc,
                pending: Vec::with_capacity(PENDING),
                transport,
                position: 0,
                playing: true,
                loop_range: None,
                main: [
                    vec![0.0; block].into_boxed_slice(),
                    vec![0.0; block].into_boxed_slice(),
                ],
                unread_from: block,
                shared_position: position.clone(),
                scratch: Scratch::new(block),
            },
            RuntimeHandle {
                schedules: sp,
                retired: rc,
                commands: cp,
                position,
            },
        )
    }

    pub fn block_size(&self) -> usize {
        self.schedule.block_size
    }

    pub fn position(&self) -> u64 {
        self.position
    }

    pub fn generation(&self) -> u64 {
        self.schedule.generation
    }

    /// Offline renders only (it reads the clock twice a node each block): times each node's step
    /// from the next block on, into [`Runtime::node_costs`]. Schedules that arrive later keep it.
    pub fn set_profiling(&mut self, on: bool) {
        self.schedule.profile = on;
    }

    /// Control side (allocates): what each node of the current schedule has cost while profiling,
    /// most expensive first. A node carried over from an earlier schedule keeps its time.
    pub fn node_costs(&self) -> Vec<NodeCost> {
        let mut costs: Vec<NodeCost> = self
            .schedule
            .nodes
            .iter()
            .map(|n| NodeCost {
                id: n.id.clone(),
                kind: n.kind,
                time: std::time::Duration::from_nanos(n.cost_ns),
            })
            .collect();
        costs.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
        costs
    }

    /// The main bus of the last block.
    pub fn main_out(&self) -> (&[f32], &[f32]) {
        (&self.main[0], &self.main[1])
    }

    fn accept_schedule(&mut self) {
        if self.retired.slots() == 0 {
            return;
        }
        let Ok(mut new) = self.incoming.pop() else {
            return;
        };
        if new.carry_from == self.schedule.generation {
            let old = &mut self.schedule.nodes;
            for &(n, o) in &new.carry {
                let (Some(fresh), Some(kept)) =
                    (new.nodes.get_mut(n as usize), old.get_mut(o as usize))
                else {
                    continue;
                };
                std::mem::swap(&mut fresh.processor, &mut kept.processor);
                fresh.cost_ns = kept.cost_ns;
                for (a, b) in fresh.params.iter_mut().zip(kept.params.iter()) {
                    a.take_over_from(b);
                }
            }
        }
        new.profile = self.schedule.profile;
        let old = std::mem::replace(&mut self.schedule, new);
        // Cannot fail: a slot was free above and only this thread pushes.
        let _ = self.retired.push(old);
    }

    fn apply(&mut self, command: Command, block_end: u64) {
        match command {
            Command::Param {
                generation,
                node,
                param,
                at,
                change,
            } => {
                // Events for an older schedule are stale (the newer one was built with the value);
                // events for a newer one wait until it has been swapped in.
                if generation < self.schedule.generation {
                    return;
                }
                let early = generation > self.schedule.generation;
                if early || at >= block_end {
                    if self.pending.len() < self.pending.capacity() {
                        self.pending.push(command);
                        return;
                    }
                    if early {
                        return; // no room, and no slot to apply it to yet
                    }
                    // No room for a future change: apply it now rather than lose it.
                }
                let offset = at
                    .saturating_sub(self.position)
                    .min(block_end - self.position - 1) as u32;
                if let Some(p) = self
                    .schedule
                    .nodes
                    .get_mut(node as usize)
                    .and_then(|n| n.params.get_mut(param.index()))
                {
                    p.schedule(offset, change);
                }
            }
            Command::Play => self.playing = true,
            Command::Stop => {
                self.playing = false;
                self.reset_nodes();
            }
            Command::Seek(to) => {
                self.position = to;
                self.pending.clear();
                self.reset_nodes();
            }
            Command::Transport(t) => {
                self.transport = Transport {
                    sample_rate: self.transport.sample_rate,
                    ..t
                }
            }
            Command::Loop(range) => self.loop_range = range.filter(|(a, b)| b > a),
        }
    }

    fn reset_nodes(&mut self) {
        for n in &mut self.schedule.nodes {
            n.processor.reset();
        }
    }

    /// Audio thread: runs one block of `block_size` frames into the main bus.
    pub fn process_block(&mut self) {
        let (frames, playhead) = self.begin_block();
        run_all(
            &mut self.schedule,
            frames,
            playhead,
            [self.main[0].as_mut_ptr(), self.main[1].as_mut_ptr()],
            &mut self.scratch,
        );
        self.end_block(frames);
    }

    /// Render thread of an offline render: up to `blocks` blocks (at least one), their main bus
    /// appended to `left` and `right`; returns how many it ran. Where nothing can change
    /// between the blocks (no command waiting or due, no new schedule, no loop), the crew runs
    /// them as one run, a block starting on one thread while the one before it finishes on
    /// another; otherwise one. Bit-identical to as many calls of [`Runtime::process_block`].
    /// [`Runtime::main_out`] afterwards holds the last block.
    pub fn process_blocks_with(
        &mut self,
        crew: &mut Crew,
        blocks: usize,
        left: &mut Vec<f32>,
        right: &mut Vec<f32>,
    ) -> usize {
        let (frames, first) = self.begin_block();
        let quiet = self.pending.is_empty()
            && self.commands.is_empty()
            && self.incoming.is_empty()
            && self.loop_range.is_none();
        let count = if quiet {
            blocks.clamp(1, MOST_BLOCKS_IN_A_RUN)
        } else {
            1
        };
        let start = left.len();
        left.resize(start + count * frames, 0.0);
        right.resize(start + count * frames, 0.0);
        let mut playheads = [first; MOST_BLOCKS_IN_A_RUN];
        let mut mains = [[std::ptr::null_mut(); 2]; MOST_BLOCKS_IN_A_RUN];
        let (l, r) = (left.as_mut_ptr(), right.as_mut_ptr());
        for b in 0..count {
            if self.playing {
                playheads[b].block_start = self.position + (b * frames) as u64;
            }
            // SAFETY: inside the frames just added to both.
            mains[b] = unsafe { [l.add(start + b * frames), r.add(start + b * frames)] };
        }
        crew.run(
            &mut self.schedule,
            frames,
            &playheads[..count],
            &mains[..count],
            &mut self.scratch,
        );
        for _ in 0..count {
            self.end_block(frames);
        }
        let last = start + (count - 1) * frames;
        self.main[0].copy_from_slice(&left[last..last + frames]);
        self.main[1].copy_from_slice(&right[last..last + frames]);
        count
    }

    /// The block's preamble: a new schedule, due commands, the loop, a cleared main bus (each
    /// node's step plays its automation lanes). Returns the block's frames and playhead.
    fn begin_block(&mut self) -> (usize, Playhead) {
        self.accept_schedule();
        let frames = self.schedule.block_size;
        let block_end = self.position + frames as u64;
        let mut i = 0;
        while i < self.pending.len() {
            if let Command::Param { at, generation, .. } = self.pending[i] {
                if at < block_end && generation <= self.schedule.generation {
                    let c = self.pending.swap_remove(i);
                    self.apply(c, block_end);
                    continue;
                }
            }
            i += 1;
        }
        while let Ok(c) = self.commands.pop() {
            self.apply(c, block_end);
        }
        if let Some((start, end)) = self.loop_range {
            if self.playing && self.position >= end {
                self.position = start;
                self.reset_nodes();
            }
        }
        self.main[0].fill(0.0);
        self.main[1].fill(0.0);
        let playhead = Playhead {
            transport: self.transport,
            block_start: self.position,
            playing: self.playing,
        };
        (frames, playhead)
    }

    fn end_block(&mut self, frames: usize) {
        if self.playing {
            self.position += frames as u64;
        }
        self.shared_position.store(self.position, Ordering::Relaxed);
    }

    /// Audio thread: fills an interleaved device buffer of any length, running blocks as needed.
    pub fn fill_interleaved(&mut self, out: &mut [f32], channels: usize) {
        let channels = channels.max(1);
        let block = self.schedule.block_size;
        let total = out.len() / channels;
        let mut frame = 0;
        while frame < total {
            if self.unread_from >= block {
                self.process_block();
                self.unread_from = 0;
            }
            let n = (block - self.unread_from).min(total - frame);
            for i in 0..n {
                for c in 0..channels {
                    // Mono devices get the left channel; channels past the second stay silent.
                    out[(frame + i) * channels + c] = match c {
                        0 | 1 => self.main[c][self.unread_from + i],
                        _ => 0.0,
                    };
                }
            }
            frame += n;
            self.unread_from += n;
        }
    }
}
