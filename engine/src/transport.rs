//! Musical time: sample rate, tempo, 4/4 bars, swing, and conversions between samples, beats,
//! ticks (960 per quarter note) and bars.

use std::fmt;

/// Ticks per quarter note.
pub const PPQ: u32 = 960;
/// Beats in a bar: yano works in 4/4.
pub const BEATS_PER_BAR: u32 = 4;

/// The session's clock settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transport {
    pub sample_rate: u32,
    pub bpm: f64,
    /// Share of a pair of 16ths given to the first one: 0.5 is straight, 0.56 a light amapiano swing.
    pub swing: f64,
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            sample_rate: 48_000,
            bpm: 113.0,
            swing: 0.5,
        }
    }
}

impl Transport {
    pub fn samples_per_beat(&self) -> f64 {
        f64::from(self.sample_rate) * 60.0 / self.bpm
    }

    pub fn samples_per_bar(&self) -> f64 {
        self.samples_per_beat() * f64::from(BEATS_PER_BAR)
    }

    pub fn samples_to_beats(&self, samples: f64) -> f64 {
        samples / self.samples_per_beat()
    }

    pub fn beats_to_samples(&self, beats: f64) -> f64 {
        beats * self.samples_per_beat()
    }

    pub fn bars_to_samples(&self, bars: f64) -> f64 {
        bars * self.samples_per_bar()
    }

    /// The length of `bars` bars of 4/4 at this tempo, in seconds.
    pub fn bars_to_seconds(&self, bars: f64) -> f64 {
        self.bars_to_samples(bars) / f64::from(self.sample_rate)
    }

    pub fn samples_to_ticks(&self, samples: f64) -> f64 {
        self.samples_to_beats(samples) * f64::from(PPQ)
    }

    pub fn ticks_to_samples(&self, ticks: f64) -> f64 {
        self.beats_to_samples(ticks / f64::from(PPQ))
    }

    pub fn seconds_to_samples(&self, seconds: f64) -> f64 {
        seconds * f64::from(self.sample_rate)
    }

    /// How late a 16th step sounds under swing: only odd steps move, by (swing − 0.5) · 2 · T16.
    pub fn swing_delay_samples(&self, step: u32) -> f64 {
        if step % 2 == 1 {
            (self.swing - 0.5) * 2.0 * self.beats_to_samples(0.25)
        } else {
            0.0
        }
    }

    /// The first sample at or after `from` that starts a bar.
    pub fn next_bar_start(&self, from: u64) -> u64 {
        let spb = self.samples_per_bar();
        let bar = (from as f64 / spb).ceil();
        let mut at = (bar * spb).round() as u64;
        if at < from {
            at = ((bar + 1.0) * spb).round() as u64;
        }
        at
    }

    /// Where `samples` falls as bar:beat:tick (all counted from 1, ticks from 0).
    pub fn position(&self, samples: u64) -> Position {
        let ticks_total = self.samples_to_ticks(samples as f64).floor() as u64;
        let ticks_per_bar = u64::from(PPQ * BEATS_PER_BAR);
        Position {
            bar: ticks_total / ticks_per_bar + 1,
            beat: ((ticks_total % ticks_per_bar) / u64::from(PPQ)) as u32 + 1,
            tick: (ticks_total % u64::from(PPQ)) as u32,
        }
    }
}

/// A musical position for display: bar 1, beat 1, tick 0 is the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub bar: u64,
    pub beat: u32,
    pub tick: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{:03}", self.bar, self.beat, self.tick)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip_at_113_bpm() {
        let t = Transport {
            sample_rate: 48_000,
            bpm: 113.0,
            swing: 0.56,
        };
        let beat = t.samples_per_beat();
        assert!((beat - 48_000.0 * 60.0 / 113.0).abs() < 1e-9);
        assert!((t.samples_to_beats(t.beats_to_samples(7.25)) - 7.25).abs() < 1e-12);
        assert!((t.ticks_to_samples(960.0) - beat).abs() < 1e-9);
        assert!((t.bars_to_samples(2.0) - 8.0 * beat).abs() < 1e-9);
        // AMAPIANO.md: 113 BPM, 56 % swing delays odd 16ths by 15.9 ms.
        let delay_ms = t.swing_delay_samples(1) / 48.0;
        assert!((delay_ms - 15.93).abs() < 0.01, "{delay_ms}");
        assert_eq!(t.swing_delay_samples(2), 0.0);
    }

    #[test]
    fn positions_and_bar_starts() {
        let t = Transport {
            sample_rate: 48_000,
            bpm: 120.0,
            swing: 0.5,
        };
        assert_eq!(t.position(0).to_string(), "1:1:000");
        assert_eq!(t.position(24_000).to_string(), "1:2:000");
        assert_eq!(t.position(96_000 + 12_000).to_string(), "2:1:480");
        assert_eq!(t.next_bar_start(0), 0);
        assert_eq!(t.next_bar_start(1), 96_000);
        assert_eq!(t.next_bar_start(96_000), 96_000);
    }
}
