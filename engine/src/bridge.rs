//! Bridges where the partitions meet. The compiler inserts them where a clip output feeds a
//! real-time input (clip player, note player) or real-time audio feeds a clip input (capture);
//! users may also place them by hand to set their parameters.
//!
//! Values cross threads through slots that never allocate or free on the audio thread: the
//! control thread offers a boxed value, the audio thread takes it at a bar line and hands the old
//! one back to be dropped by the control thread.

use std::cell::UnsafeCell;
use std::collections::HashMap;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::clip::{AudioClip, ClipValue, NoteScheduler};
pub use crate::node::BridgeKind;
use crate::node::{
    Build, NodeConfig, NodeDescriptor, NodeError, ParamReader, PortLayout, Processor,
};
use crate::param::{db_to_gain, ParamError, ParamHandle, ParamSpec, Unit};
use crate::port::{PortSpec, PortType};
use crate::process::ProcessContext;

pub const CLIP_PLAYER: &str = "clip.player";
pub const NOTE_PLAYER: &str = "clip.notes";
pub const CAPTURE: &str = "clip.capture";

fn player_ports(p: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
    let channels = p.number("channels")?.clamp(1.0, 2.0) as u16;
    Ok(vec![
        PortSpec::input("clip", PortType::AudioClip, "the clip to play").required(),
        PortSpec::output(
            "out",
            PortType::Audio { channels },
            "the clip, placed on the timeline",
        ),
    ])
}

/// The three bridge kinds' descriptors; the registry holds them from the start.
pub(crate) fn descriptors() -> [NodeDescriptor; 3] {
    let start_bar = ParamSpec::integer(
        "start_bar",
        "bar the clip starts on (bar 1 is the start)",
        1,
        100_000,
        1,
        Unit::Bars,
    );
    let looping = ParamSpec::choice("loop", "play once, or repeat the clip", &["off", "on"], 0);
    [
        NodeDescriptor {
            kind: CLIP_PLAYER,
            description: "plays an AudioClip from the inference partition in time with the transport; swaps in a new clip at the next bar",
            params: vec![
                start_bar.clone(),
                looping.clone(),
                ParamSpec::number("gain_db", "level", -96.0, 24.0, 0.0, Unit::Decibels),
                ParamSpec::integer("channels", "output channels", 1, 2, 2, Unit::Count),
            ],
            ports: PortLayout::FromParams(player_ports),
            build: Build::Bridge(BridgeKind::ClipPlayer),
        },
        NodeDescriptor {
            kind: NOTE_PLAYER,
            description: "plays a NoteClip as note events in time with the transport; swaps in a new clip at the next bar",
            params: vec![start_bar, ParamSpec::choice("loop", "play once, or repeat the clip", &["off", "on"], 1)],
            ports: PortLayout::Fixed(vec![
                PortSpec::input("clip", PortType::NoteClip, "the notes to play").required(),
                PortSpec::output("notes", PortType::Events, "note on/off events"),
            ]),
            build: Build::Bridge(BridgeKind::NotePlayer),
        },
        NodeDescriptor {
            kind: CAPTURE,
            description: "records real-time audio into an AudioClip for the inference partition",
            params: vec![ParamSpec::number("seconds", "longest take", 0.1, 3600.0, 60.0, Unit::Seconds)],
            ports: PortLayout::Fixed(vec![
                PortSpec::input("in", PortType::STEREO, "audio to record"),
                PortSpec::output("clip", PortType::AudioClip, "the recording"),
            ]),
            build: Build::Bridge(BridgeKind::Capture),
        },
    ]
}

/// The newest value for a player, passed from the control thread to the audio thread.
#[derive(Debug, Default)]
pub struct ClipSlot {
    incoming: AtomicPtr<ClipValue>,
    retired: AtomicPtr<ClipValue>,
    misses: AtomicU64,
    swaps: AtomicU64,
}

impl ClipSlot {
    /// Control thread: offers a value; it replaces any value not yet taken.
    pub fn offer(&self, value: ClipValue) {
        let new = Box::into_raw(Box::new(value));
        let old = self.incoming.swap(new, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: pointers in the slot always come from Box::into_raw and are owned by the slot.
            drop(unsafe { Box::from_raw(old) });
        }
        self.collect();
    }

    /// Control thread: drops the value the audio thread retired, if any.
    pub fn collect(&self) {
        let old = self.retired.swap(ptr::null_mut(), Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: as in `offer`.
            drop(unsafe { Box::from_raw(old) });
        }
    }

    /// Blocks in which the player had nothing to play while the transport ran.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// Values the player has swapped in.
    pub fn swaps(&self) -> u64 {
        self.swaps.load(Ordering::Relaxed)
    }

    fn has_incoming(&self) -> bool {
        !self.incoming.load(Ordering::Acquire).is_null()
    }

    /// Audio thread: takes the incoming value if the retired place is free; returns the old one's box to the slot.
    fn swap_into(&self, current: &mut Option<Box<ClipValue>>) -> bool {
        if !self.retired.load(Ordering::Acquire).is_null() {
            return false;
        }
        let new = self.incoming.swap(ptr::null_mut(), Ordering::AcqRel);
        if new.is_null() {
            return false;
        }
        // SAFETY: the pointer came from Box::into_raw in `offer`, and the swap made it ours.
        let old = current.replace(unsafe { Box::from_raw(new) });
        if let Some(old) = old {
            self.retired.store(Box::into_raw(old), Ordering::Release);
        }
        self.swaps.fetch_add(1, Ordering::Relaxed);
        true
    }
}

impl Drop for ClipSlot {
    fn drop(&mut self) {
        for p in [self.incoming.get_mut(), self.retired.get_mut()] {
            if !p.is_null() {
                // SAFETY: as in `offer`; we are the last owner.
                drop(unsafe { Box::from_raw(*p) });
            }
        }
    }
}

/// A recording the audio thread writes and the control thread reads; the room is allocated up front.
pub struct CaptureBuffer {
    channels: usize,
    capacity: usize,
    sample_rate: u32,
    data: Box<[UnsafeCell<f32>]>,
    written: AtomicUsize,
    restart: AtomicBool,
}

// SAFETY: one writer (the audio thread) writes only frames at or past `written`, then publishes
// them with a release store; readers read only frames below an acquired `written`.
unsafe impl Sync for CaptureBuffer {}

/// `n` zeroed cells from the allocator's zeroed memory (fresh pages from the system, mapped only
/// when first written), not a pass writing every zero: a stem capture of a 3-minute track is
/// 70 MB.
fn zeroed_cells(n: usize) -> Box<[UnsafeCell<f32>]> {
    let zeros: Box<[f32]> = vec![0.0f32; n].into_boxed_slice();
    // SAFETY: `UnsafeCell<f32>` has the same layout as `f32` (repr(transparent)), so the slice
    // and its allocation are the same with the cell type.
    unsafe { Box::from_raw(Box::into_raw(zeros) as *mut [UnsafeCell<f32>]) }
}

impl CaptureBuffer {
    pub fn new(channels: usize, seconds: f64, sample_rate: u32) -> Self {
        let capacity = (seconds * f64::from(sample_rate)).ceil() as usize;
        CaptureBuffer {
            channels,
            capacity,
            sample_rate,
            data: zeroed_cells(channels * capacity),
            written: AtomicUsize::new(0),
            restart: AtomicBool::new(false),
        }
    }

    /// Control thread: the take so far.
    pub fn snapshot(&self) -> AudioClip {
        let frames = self.written.load(Ordering::Acquire);
        let channels = (0..self.channels)
            .map(|c| {
                let cells = &self.data[c * self.capacity..c * self.capacity + frames];
                // SAFETY: frames below `written` are no longer written by the audio thread, and
                // `UnsafeCell<f32>` has the layout of `f32`: a plain copy of the slice.
                unsafe { std::slice::from_raw_parts(cells.as_ptr() as *const f32, frames) }.to_vec()
            })
            .collect();
        AudioClip {
            sample_rate: self.sample_rate,
            channels,
        }
    }

    pub fn frames(&self) -> usize {
        self.written.load(Ordering::Acquire)
    }

    /// Control thread: starts a new take at the next block.
    pub fn restart(&self) {
        self.restart.store(true, Ordering::Release);
    }

    fn record(&self, ctx: &ProcessContext<'_>) {
        if self.restart.swap(false, Ordering::AcqRel) {
            self.written.store(0, Ordering::Release);
        }
        let at = self.written.load(Ordering::Relaxed);
        let n = ctx.frames().min(self.capacity - at);
        for c in 0..self.channels {
            let input = ctx.audio_in(0, c);
            for (i, x) in input[..n].iter().enumerate() {
                // SAFETY: frames at or past `written` belong to the audio thread alone.
                unsafe { *self.data[c * self.capacity + at + i].get() = *x };
            }
        }
        self.written.store(at + n, Ordering::Release);
    }
}

/// The slots of one session, by bridge node id, so that a bridge keeps its slot across edits.
#[derive(Default)]
pub struct BridgeSlots {
    pub players: HashMap<String, Arc<ClipSlot>>,
    pub captures: HashMap<String, Arc<CaptureBuffer>>,
}

impl BridgeSlots {
    /// Control thread: frees values the players have retired.
    pub fn collect(&self) {
        for s in self.players.values() {
            s.collect();
        }
    }

    /// Blocks missed by all players together.
    pub fn misses(&self) -> u64 {
        self.players.values().map(|s| s.misses()).sum()
    }
}

/// Control thread: builds a bridge processor wired to its slot.
pub(crate) fn build(
    kind: BridgeKind,
    config: &NodeConfig<'_>,
    slots: &mut BridgeSlots,
) -> Result<Box<dyn Processor>, NodeError> {
    let player_slot = |slots: &mut BridgeSlots| {
        slots
            .players
            .entry(config.id.to_string())
            .or_default()
            .clone()
    };
    Ok(match kind {
        BridgeKind::ClipPlayer => Box::new(ClipPlayer {
            slot: player_slot(slots),
            current: None,
            start_bar: start_bar(config)?,
            looping: config.params.choice("loop")? == 1,
            gain: config.param("gain_db")?,
        }),
        BridgeKind::NotePlayer => Box::new(NotePlayer {
            slot: player_slot(slots),
            current: None,
            start_bar: start_bar(config)?,
            looping: config.params.choice("loop")? == 1,
            notes: NoteScheduler::new(),
        }),
        BridgeKind::Capture => {
            let seconds = config.params.number("seconds")?;
            let buffer = slots
                .captures
                .entry(config.id.to_string())
                .or_insert_with(|| Arc::new(CaptureBuffer::new(2, seconds, config.sample_rate)))
                .clone();
            Box::new(Capture { buffer })
        }
    })
}

/// A player's first bar, counted from 0.
fn start_bar(config: &NodeConfig<'_>) -> Result<f64, NodeError> {
    Ok(config.params.number("start_bar")?.max(1.0) - 1.0)
}

/// Where in this block a player should take a waiting value: the next bar line, if a value
/// waits and the bar line falls inside the block.
fn swap_point(slot: &ClipSlot, ctx: &ProcessContext<'_>) -> Option<usize> {
    if !slot.has_incoming() {
        return None;
    }
    let ph = ctx.playhead();
    let at = ph.transport.next_bar_start(ph.block_start);
    let offset = at.checked_sub(ph.block_start)? as usize;
    (offset < ctx.frames()).then_some(offset)
}

/// Counts a block in which a running player had nothing to play.
fn count_miss(slot: &ClipSlot, current: &Option<Box<ClipValue>>, ctx: &ProcessContext<'_>) {
    if current.is_none() && ctx.playhead().playing {
        slot.misses.fetch_add(1, Ordering::Relaxed);
    }
}

struct ClipPlayer {
    slot: Arc<ClipSlot>,
    current: Option<Box<ClipValue>>,
    start_bar: f64,
    looping: bool,
    gain: ParamHandle,
}

impl ClipPlayer {
    fn render(&self, ctx: &mut ProcessContext<'_>, from: usize, to: usize) {
        let ph = *ctx.playhead();
        let gain = ctx.param(self.gain);
        let channels = ctx.output_channels(0);
        let clip: Option<&AudioClip> = self.current.as_deref().and_then(ClipValue::as_audio);
        for c in 0..channels {
            let out = ctx.audio_out(0, c);
            let Some(clip) = clip.filter(|k| k.frames() > 0 && ph.playing) else {
                out[from..to].fill(0.0);
                continue;
            };
            let src = &clip.channels[c.min(clip.channels.len() - 1)];
            let len = src.len();
            let ratio = f64::from(clip.sample_rate) / f64::from(ph.transport.sample_rate);
            let start = ph.transport.bars_to_samples(self.start_bar);
            for (i, o) in out.iter_mut().enumerate().take(to).skip(from) {
                let t = (ph.block_start + i as u64) as f64 - start;
                let mut pos = t * ratio;
                if t < 0.0 {
                    *o = 0.0;
                    continue;
                }
                if self.looping {
                    pos %= len as f64;
                }
                let k = pos as usize;
                *o = if k + 1 < len {
                    let frac = (pos - k as f64) as f32;
                    src[k] + (src[k + 1] - src[k]) * frac
                } else if k < len {
                    src[k]
                } else {
                    0.0
                };
                *o *= db_to_gain(gain.at(i));
            }
        }
    }
}

impl Processor for ClipPlayer {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        match swap_point(&self.slot, ctx) {
            Some(at) => {
                self.render(ctx, 0, at);
                self.slot.swap_into(&mut self.current);
                self.render(ctx, at, frames);
            }
            None => self.render(ctx, 0, frames),
        }
        count_miss(&self.slot, &self.current, ctx);
    }
}

struct NotePlayer {
    slot: Arc<ClipSlot>,
    current: Option<Box<ClipValue>>,
    start_bar: f64,
    looping: bool,
    notes: NoteScheduler,
}

impl NotePlayer {
    /// Emits events whose times fall in [from, to) frames of this block.
    fn emit(&mut self, ctx: &mut ProcessContext<'_>, from: usize, to: usize) {
        let ph = *ctx.playhead();
        let Some(clip) = self.current.as_deref().and_then(ClipValue::as_notes) else {
            return;
        };
        let origin = ph.transport.bars_to_samples(self.start_bar);
        self.notes
            .emit(clip, origin, self.looping, &ph, from, to, ctx.events_out(0));
    }
}

impl Processor for NotePlayer {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        match swap_point(&self.slot, ctx) {
            Some(at) => {
                self.emit(ctx, 0, at);
                if self.slot.swap_into(&mut self.current) {
                    self.notes.release_all(ctx.events_out(0), at as u32);
                }
                self.emit(ctx, at, frames);
            }
            None => self.emit(ctx, 0, frames),
        }
        ctx.events_out(0).sort_by_offset();
        count_miss(&self.slot, &self.current, ctx);
    }

    fn reset(&mut self) {
        self.notes.reset();
    }
}

struct Capture {
    buffer: Arc<CaptureBuffer>,
}

impl Processor for Capture {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        if ctx.playhead().playing {
            self.buffer.record(ctx);
        }
    }
}
