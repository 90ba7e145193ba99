//! The output latency a live chain really has, part by part: the device's buffer, the engine's
//! block (the runtime renders whole blocks and hands them out as the device asks, so a change
//! made at a block's start can wait up to one block before the device takes it), and what the
//! device itself reports between a callback and the moment its first frame is played.
//!
//! [`LatencyProbe`] is written by the audio callback (atomics only: no allocation, no lock) and
//! read by the control thread.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// The block a live runtime renders when the device buffer is `buffer` frames (None: the device's
/// default): 128 frames, or the buffer when it is smaller (at least 16), so the engine's share of
/// the latency is never more than the device's own.
pub fn live_block(buffer: Option<u32>) -> usize {
    match buffer {
        Some(frames) if frames < 128 => (frames as usize).max(16),
        _ => 128,
    }
}

/// What the audio callback saw, shared with the control thread.
#[derive(Debug, Default)]
pub struct LatencyProbe {
    callbacks: AtomicU64,
    /// Frames asked for by the last callback, and the most by any.
    last_frames: AtomicU32,
    most_frames: AtomicU32,
    /// Nanoseconds from the last callback to the playback of its first frame, as the device
    /// reported them (0: not reported), and the most seen.
    last_device_ns: AtomicU64,
    most_device_ns: AtomicU64,
}

impl LatencyProbe {
    /// Audio thread: one callback asked for `frames` frames, to be played `device` after it.
    #[inline]
    pub fn record(&self, frames: u32, device: Option<Duration>) {
        self.callbacks.fetch_add(1, Ordering::Relaxed);
        self.last_frames.store(frames, Ordering::Relaxed);
        self.most_frames.fetch_max(frames, Ordering::Relaxed);
        if let Some(d) = device {
            let ns = d.as_nanos().min(u128::from(u64::MAX)) as u64;
            self.last_device_ns.store(ns, Ordering::Relaxed);
            self.most_device_ns.fetch_max(ns, Ordering::Relaxed);
        }
    }

    /// Control thread: the chain's latency as seen so far.
    pub fn latency(&self, sample_rate: u32, asked_buffer: Option<u32>, block: usize) -> Latency {
        let reported = self.most_device_ns.load(Ordering::Relaxed);
        Latency {
            sample_rate,
            asked_buffer,
            callbacks: self.callbacks.load(Ordering::Relaxed),
            callback_frames: self.most_frames.load(Ordering::Relaxed),
            block: block as u32,
            device_reported: (reported > 0).then(|| Duration::from_nanos(reported)),
        }
    }
}

/// A live chain's output latency, part by part.
#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    pub sample_rate: u32,
    /// The device buffer asked for (`--buffer`), if any.
    pub asked_buffer: Option<u32>,
    /// Callbacks seen so far.
    pub callbacks: u64,
    /// The most frames one callback asked for: the device buffer as it really is.
    pub callback_frames: u32,
    /// The engine's block.
    pub block: u32,
    /// The longest time from a callback to its first frame's playback that the device reported.
    pub device_reported: Option<Duration>,
}

impl Latency {
    fn ms(&self, frames: u32) -> f64 {
        1000.0 * f64::from(frames) / f64::from(self.sample_rate.max(1))
    }

    /// The device buffer in milliseconds: what callbacks asked for, or what was asked for
    /// before any callback.
    pub fn buffer_ms(&self) -> f64 {
        let frames = if self.callback_frames > 0 {
            self.callback_frames
        } else {
            self.asked_buffer.unwrap_or(0)
        };
        self.ms(frames)
    }

    /// The engine's share: at most one block.
    pub fn engine_ms(&self) -> f64 {
        self.ms(self.block)
    }

    /// The whole chain: the device's reported delay where it gives one (it covers its buffer),
    /// else its buffer; plus the engine's block.
    pub fn total_ms(&self) -> f64 {
        let device = match self.device_reported {
            Some(d) => d.as_secs_f64() * 1000.0,
            None => self.buffer_ms(),
        };
        device + self.engine_ms()
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "output latency {:.2} ms: device buffer {} frames ({:.2} ms{}), engine block {} frames ({:.2} ms)",
            self.total_ms(),
            self.callback_frames.max(self.asked_buffer.unwrap_or(0)),
            self.buffer_ms(),
            match self.asked_buffer {
                Some(n) if self.callback_frames > 0 && n != self.callback_frames =>
                    format!(", asked for {n}"),
                _ => String::new(),
            },
            self.block,
            self.engine_ms(),
        )?;
        match self.device_reported {
            Some(d) => write!(
                f,
                "; the device reports {:.2} ms from callback to playback",
                d.as_secs_f64() * 1000.0
            ),
            None => write!(f, "; the device reports no playback time"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_add_up_in_milliseconds() {
        let probe = LatencyProbe::default();
        // Callbacks of 128 frames at 48 kHz, the device saying 4 ms then 5 ms.
        probe.record(128, Some(Duration::from_micros(4000)));
        probe.record(128, Some(Duration::from_micros(5000)));
        let l = probe.latency(48_000, Some(128), live_block(Some(128)));
        assert_eq!(l.callbacks, 2);
        assert_eq!(l.block, 128);
        // 128 frames at 48 kHz = 2.6667 ms.
        assert!((l.buffer_ms() - 2.666_667).abs() < 1e-3);
        assert!((l.engine_ms() - 2.666_667).abs() < 1e-3);
        // The device's longest report (5 ms) plus one block.
        assert!((l.total_ms() - 7.666_667).abs() < 1e-3, "{}", l.total_ms());
        let text = l.to_string();
        assert!(text.starts_with("output latency 7.67 ms"), "{text}");
        assert!(text.contains("device reports 5.00 ms"), "{text}");
    }

    #[test]
    fn without_a_device_report_the_buffer_counts() {
        let probe = LatencyProbe::default();
        probe.record(256, None);
        probe.record(512, None);
        let l = probe.latency(44_100, Some(256), live_block(Some(256)));
        // The device asked for 512 at once: its real buffer, 11.61 ms; plus 128 frames, 2.90 ms.
        assert!((l.buffer_ms() - 11.609_977).abs() < 1e-3);
        assert!((l.total_ms() - 14.512_471).abs() < 1e-3);
        assert!(l.to_string().contains("asked for 256"), "{l}");
        assert!(l.to_string().contains("reports no playback time"), "{l}");
    }

    #[test]
    fn the_engine_block_never_outgrows_a_small_buffer() {
        assert_eq!(live_block(None), 128);
        assert_eq!(live_block(Some(1024)), 128);
        assert_eq!(live_block(Some(64)), 64);
        assert_eq!(live_block(Some(8)), 16);
    }
}
