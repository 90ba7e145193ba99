//! The view a real-time processor gets of one block: its input and output buffers, its
//! parameters, the playhead and the main output bus.
//!
//! Buffers live in one pool owned by the schedule. The compiler guarantees that a node's output
//! buffers are distinct from each other and from its inputs, which is what makes handing out
//! input slices alongside mutable output slices sound. Nothing here allocates, locks or panics:
//! a port index out of range reads silence and writes to a scratch buffer.

use std::marker::PhantomData;

use crate::event::{EventList, NoteEvent};
use crate::param::{ParamHandle, ParamState, ParamValues};
use crate::transport::Transport;

/// Buffer 0 of every pool is always silent; inputs with nothing connected read it.
pub(crate) const SILENCE: u32 = 0;
/// Buffer 1 of every pool stands for scratch: writes to ports that do not exist land in the running
/// thread's own scratch buffer (never in the pool, so no two threads share it).
pub(crate) const SCRATCH: u32 = 1;
/// Event list 0 is always empty.
pub(crate) const NO_EVENTS: u32 = 0;
/// Event list 1 stands for the running thread's scratch list.
pub(crate) const SCRATCH_EVENTS: u32 = 1;

/// Where a port's data lives for one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortBinding {
    /// Audio or control channels: `channel_ids[first .. first + channels]` are pool buffers.
    Buffers {
        first: u32,
        channels: u16,
        connected: bool,
    },
    /// An event list.
    Events { list: u32, connected: bool },
    /// A clip port of a bridge: fed outside the block pool.
    Clip,
}

/// The transport as the audio thread sees it for one block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Playhead {
    pub transport: Transport,
    /// Sample position of the block's first frame, counted from the transport's start.
    pub block_start: u64,
    pub playing: bool,
}

/// One block's worth of access for one processor. Audio thread only.
pub struct ProcessContext<'a> {
    pub(crate) frames: usize,
    pub(crate) stride: usize,
    pub(crate) pool: *mut f32,
    pub(crate) channel_ids: &'a [u32],
    pub(crate) inputs: &'a [PortBinding],
    pub(crate) outputs: &'a [PortBinding],
    pub(crate) events: *mut EventList,
    pub(crate) event_count: usize,
    /// This thread's scratch buffer (`stride` long) and event list: what [`SCRATCH`] and
    /// [`SCRATCH_EVENTS`] mean for this call, so threads running steps at once never share them.
    pub(crate) scratch: *mut f32,
    pub(crate) scratch_events: *mut EventList,
    pub(crate) params: &'a [ParamState],
    pub(crate) playhead: Playhead,
    pub(crate) main_out: [*mut f32; 2],
    pub(crate) _pool: PhantomData<&'a mut [f32]>,
}

impl<'a> ProcessContext<'a> {
    /// Frames in this block.
    #[inline]
    pub fn frames(&self) -> usize {
        self.frames
    }

    #[inline]
    pub fn sample_rate(&self) -> u32 {
        self.playhead.transport.sample_rate
    }

    #[inline]
    pub fn playhead(&self) -> &Playhead {
        &self.playhead
    }

    fn buffer_id(&self, binding: Option<&PortBinding>, channel: usize, fallback: u32) -> u32 {
        match binding {
            Some(PortBinding::Buffers {
                first, channels, ..
            }) if *channels > 0 => {
                let c = channel.min(usize::from(*channels) - 1);
                self.channel_ids
                    .get(*first as usize + c)
                    .copied()
                    .unwrap_or(fallback)
            }
            _ => fallback,
        }
    }

    #[inline]
    fn slice(&self, id: u32) -> &'a [f32] {
        // SAFETY: every id the compiler hands out indexes a `stride`-long buffer inside the pool,
        // and `frames <= stride`. Input buffers are never written while this node runs.
        unsafe { std::slice::from_raw_parts(self.pool.add(id as usize * self.stride), self.frames) }
    }

    /// Where output buffer `id` lives: the pool, or this thread's scratch for [`SCRATCH`].
    #[inline]
    fn out_ptr(&self, id: u32) -> *mut f32 {
        if id == SCRATCH {
            self.scratch
        } else {
            // SAFETY: every id the compiler hands out indexes a buffer inside the pool.
            unsafe { self.pool.add(id as usize * self.stride) }
        }
    }

    #[inline]
    fn slice_mut(&mut self, id: u32) -> &mut [f32] {
        // SAFETY: as above; output buffers of this node are exclusive to it during this call,
        // and the borrow of `self` keeps one output slice alive at a time (see `audio_out_pair`).
        unsafe { std::slice::from_raw_parts_mut(self.out_ptr(id), self.frames) }
    }

    /// Input `port` (counted among inputs), channel `channel`. Silence when unconnected; the last
    /// channel when `channel` is past the port's channels.
    #[inline]
    pub fn audio_in(&self, port: usize, channel: usize) -> &'a [f32] {
        self.slice(self.buffer_id(self.inputs.get(port), channel, SILENCE))
    }

    /// A control input: one value per frame (silence when unconnected).
    #[inline]
    pub fn control_in(&self, port: usize) -> &'a [f32] {
        self.audio_in(port, 0)
    }

    /// Whether anything is connected to input `port`.
    pub fn is_connected(&self, port: usize) -> bool {
        match self.inputs.get(port) {
            Some(PortBinding::Buffers { connected, .. })
            | Some(PortBinding::Events { connected, .. }) => *connected,
            _ => false,
        }
    }

    /// Output `port` (counted among outputs), channel `channel`.
    #[inline]
    pub fn audio_out(&mut self, port: usize, channel: usize) -> &mut [f32] {
        let id = self.buffer_id(self.outputs.get(port), channel, SCRATCH);
        self.slice_mut(id)
    }

    /// Both channels of a stereo output at once (the second is scratch for a mono port).
    pub fn audio_out_pair(&mut self, port: usize) -> (&mut [f32], &mut [f32]) {
        let binding = self.outputs.get(port);
        let left = self.buffer_id(binding, 0, SCRATCH);
        let right = match binding {
            Some(PortBinding::Buffers { channels, .. }) if *channels >= 2 => {
                self.buffer_id(binding, 1, SCRATCH)
            }
            _ => SCRATCH,
        };
        let (left, right) = if left == right {
            (left, SCRATCH)
        } else {
            (left, right)
        };
        // SAFETY: `left` and `right` are distinct buffers (the compiler never binds one buffer to two
        // output channels; the equal case was redirected above), so the two slices do not overlap.
        unsafe {
            (
                std::slice::from_raw_parts_mut(self.out_ptr(left), self.frames),
                std::slice::from_raw_parts_mut(self.out_ptr(right), self.frames),
            )
        }
    }

    /// A control output.
    #[inline]
    pub fn control_out(&mut self, port: usize) -> &mut [f32] {
        self.audio_out(port, 0)
    }

    /// Channels of output `port` (0 when it does not exist).
    pub fn output_channels(&self, port: usize) -> usize {
        match self.outputs.get(port) {
            Some(PortBinding::Buffers { channels, .. }) => usize::from(*channels),
            _ => 0,
        }
    }

    /// Channels of input `port` (0 when it does not exist).
    pub fn input_channels(&self, port: usize) -> usize {
        match self.inputs.get(port) {
            Some(PortBinding::Buffers { channels, .. }) => usize::from(*channels),
            _ => 0,
        }
    }

    fn list(&self, binding: Option<&PortBinding>, fallback: u32) -> usize {
        let id = match binding {
            Some(PortBinding::Events { list, .. }) => *list,
            _ => fallback,
        } as usize;
        if id < self.event_count {
            id
        } else {
            fallback as usize
        }
    }

    /// The events arriving at input `port`, sorted by offset.
    pub fn events_in(&self, port: usize) -> &'a [NoteEvent] {
        let i = self.list(self.inputs.get(port), NO_EVENTS);
        // SAFETY: `i < event_count`; input lists are not written while this node runs.
        unsafe { (*self.events.add(i)).as_slice() }
    }

    /// The list to push events into for output `port`; it arrives empty.
    pub fn events_out(&mut self, port: usize) -> &mut EventList {
        let i = self.list(self.outputs.get(port), SCRATCH_EVENTS);
        if i == SCRATCH_EVENTS as usize {
            // SAFETY: the thread's own scratch list, alive for the call.
            return unsafe { &mut *self.scratch_events };
        }
        // SAFETY: `i < event_count`; output lists are exclusive to this node during this call.
        unsafe { &mut *self.events.add(i) }
    }

    /// This block's values of the parameter `handle` names (resolved by id when the node was
    /// built, see [`crate::NodeConfig::param`]).
    #[inline]
    pub fn param(&self, handle: ParamHandle) -> ParamValues<'a> {
        // A handle is only made from this node's own specs, whose states the schedule builds in
        // the same order, so the lookup always hits; `get` keeps the audio thread panic-free.
        match self.params.get(handle.index()) {
            Some(p) => p.values(self.frames),
            None => ParamValues::Constant(0.0),
        }
    }

    /// A choice parameter's index at the end of this block.
    #[inline]
    pub fn choice(&self, handle: ParamHandle) -> usize {
        self.param(handle).last() as usize
    }

    /// The main output bus (left, right), which output nodes add into.
    pub fn main_out(&mut self) -> (&mut [f32], &mut [f32]) {
        // SAFETY: the main bus is two separate `stride`-long buffers owned by the runtime.
        unsafe {
            (
                std::slice::from_raw_parts_mut(self.main_out[0], self.frames),
                std::slice::from_raw_parts_mut(self.main_out[1], self.frames),
            )
        }
    }
}
