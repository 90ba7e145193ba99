//! The target tempo and the map from the song's beats to the new track's: each beat the
//! analysis found in the song is pinned to a beat of a steady grid at the target tempo, so a
//! song whose tempo drifts still lands on the grid, bar by bar.

use serde::Serialize;
use yano_generator::prompt::Style;

/// The tempo range of a style (AMAPIANO.md's table), inclusive.
pub fn style_range(style: Style) -> (f64, f64) {
    match style {
        Style::Amapiano => (112.0, 114.0),
        Style::PrivateSchool => (108.0, 112.0),
        Style::Sgija => (113.0, 115.0),
    }
}

/// How the song's beats become the new track's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TempoPlan {
    pub source_bpm: f64,
    pub target_bpm: f64,
    /// New beats per song beat: 1, 2 (a slow song felt in double time) or 0.5 (a fast song in
    /// half time).
    pub beats_per_source_beat: f64,
    /// How much longer the song's audio becomes: above 1 it is slowed down.
    pub stretch: f64,
}

/// Chooses the target tempo: `bpm` when given, else the style's range; the song is read at
/// half, single or double time, whichever needs the smallest stretch to reach it (a 60 BPM
/// ballad is felt at 120 and slowed a little; a 174 BPM song at 87, then sped up). Within the
/// range the song keeps its own tempo, rounded to a whole BPM.
pub fn plan(source_bpm: f64, style: Style, bpm: Option<f64>) -> TempoPlan {
    let (lo, hi) = match bpm {
        Some(b) => (b, b),
        None => style_range(style),
    };
    let mut best: Option<TempoPlan> = None;
    for factor in [1.0, 2.0, 0.5] {
        let felt = source_bpm * factor;
        let target = match bpm {
            Some(b) => b,
            None => felt.round().clamp(lo, hi),
        };
        let stretch = felt / target;
        let cost = stretch.ln().abs();
        if best.is_none_or(|b| cost < (b.stretch.ln().abs()) - 1e-9) {
            best = Some(TempoPlan {
                source_bpm,
                target_bpm: target,
                beats_per_source_beat: factor,
                stretch,
            });
        }
    }
    best.expect("three candidates")
}

/// One anchor of the map: a moment of the song and the moment of the new track it lands on,
/// in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Anchor {
    pub source: f64,
    pub target: f64,
}

/// A monotonic, piecewise-linear map from the song's time to the new track's, through one
/// anchor a beat; before the first beat and after the last the neighbouring beat's rate holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeatMap {
    pub anchors: Vec<Anchor>,
    /// Bars of the new track that hold the song (the song's end lands in the last).
    pub bars: u32,
    /// The new track's bar (from 1) where the song's first downbeat lands.
    pub first_bar: u32,
    pub target_bpm: f64,
}

impl BeatMap {
    /// Pins the song's beats (seconds) to the target grid: the first downbeat on a bar line, the
    /// pickup before it in the bar before (so nothing of the song is cut), every later beat
    /// `plan.beats_per_source_beat` new beats after the one before.
    pub fn new(beats: &[f64], downbeats: &[f64], song_seconds: f64, plan: &TempoPlan) -> BeatMap {
        let beat_s = 60.0 / plan.target_bpm;
        let k = plan.beats_per_source_beat;
        let first_downbeat = downbeats
            .first()
            .and_then(|d| beats.iter().position(|b| (b - d).abs() < 1e-6))
            .unwrap_or(0);
        // The new beat of each song beat, before moving the first downbeat onto a bar line.
        let rate = |i: usize| -> f64 {
            // Song seconds per new second around beat i.
            let (a, b) = if i + 1 < beats.len() {
                (beats[i], beats[i + 1])
            } else {
                (beats[i - 1], beats[i])
            };
            (b - a) / (k * beat_s)
        };
        // Where the song's start lands if the first downbeat is beat 0, in new beats.
        let start_beats = if beats.len() >= 2 {
            (first_downbeat as f64) * -k - (beats[0] / rate(0)) / beat_s
        } else {
            0.0
        };
        let pickup_bars = (-start_beats / 4.0).ceil().max(0.0);
        let offset_beats = 4.0 * pickup_bars;
        let anchors: Vec<Anchor> = beats
            .iter()
            .enumerate()
            .map(|(i, b)| Anchor {
                source: *b,
                target: (offset_beats + (i as f64 - first_downbeat as f64) * k) * beat_s,
            })
            .collect();
        let mut map = BeatMap {
            anchors,
            bars: 1,
            first_bar: pickup_bars as u32 + 1,
            target_bpm: plan.target_bpm,
        };
        let end = map.target_of(song_seconds);
        map.bars = ((end / (4.0 * beat_s)).ceil() as u32).max(1);
        map
    }

    /// A map with no beats (a song with no pulse, or too short to have one): the whole song
    /// stretched evenly by `plan.stretch`, starting on bar 1.
    pub fn even(song_seconds: f64, plan: &TempoPlan) -> BeatMap {
        let beat_s = 60.0 / plan.target_bpm;
        let anchors = vec![
            Anchor {
                source: 0.0,
                target: 0.0,
            },
            Anchor {
                source: song_seconds.max(1e-3),
                target: song_seconds.max(1e-3) * plan.stretch,
            },
        ];
        let end = anchors[1].target;
        BeatMap {
            anchors,
            bars: ((end / (4.0 * beat_s)).ceil() as u32).max(1),
            first_bar: 1,
            target_bpm: plan.target_bpm,
        }
    }

    /// Where a moment of the song lands, seconds.
    pub fn target_of(&self, source: f64) -> f64 {
        interpolate(&self.anchors, source, |a| a.source, |a| a.target)
    }

    /// Which moment of the song plays at a moment of the new track, seconds.
    pub fn source_of(&self, target: f64) -> f64 {
        interpolate(&self.anchors, target, |a| a.target, |a| a.source)
    }

    /// Seconds of the new track the song fills (its end's place).
    pub fn seconds(&self, song_seconds: f64) -> f64 {
        self.target_of(song_seconds)
    }

    /// The smallest and largest stretch between neighbouring anchors (new length over song
    /// length).
    pub fn stretch_range(&self) -> (f64, f64) {
        self.anchors
            .windows(2)
            .map(|w| (w[1].target - w[0].target) / (w[1].source - w[0].source).max(1e-9))
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), s| {
                (lo.min(s), hi.max(s))
            })
    }
}

/// Piecewise-linear through `anchors` (sorted by both coordinates), extended past each end at
/// the end segment's slope.
fn interpolate(
    anchors: &[Anchor],
    x: f64,
    from: impl Fn(&Anchor) -> f64,
    to: impl Fn(&Anchor) -> f64,
) -> f64 {
    match anchors.len() {
        0 => x,
        1 => to(&anchors[0]) + (x - from(&anchors[0])),
        n => {
            let i = anchors.partition_point(|a| from(a) <= x).clamp(1, n - 1);
            let (a, b) = (&anchors[i - 1], &anchors[i]);
            let span = (from(b) - from(a)).max(1e-12);
            to(a) + (x - from(a)) * (to(b) - to(a)) / span
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_and_fast_songs_are_felt_at_double_and_half_time() {
        let p = plan(90.0, Style::Amapiano, None);
        assert_eq!((p.target_bpm, p.beats_per_source_beat), (112.0, 1.0));
        let p = plan(128.0, Style::Amapiano, None);
        assert_eq!((p.target_bpm, p.beats_per_source_beat), (114.0, 1.0));
        let p = plan(60.0, Style::Amapiano, None);
        assert_eq!((p.target_bpm, p.beats_per_source_beat), (114.0, 2.0));
        assert!((p.stretch - 120.0 / 114.0).abs() < 1e-12);
        let p = plan(174.0, Style::PrivateSchool, None);
        assert_eq!((p.target_bpm, p.beats_per_source_beat), (108.0, 0.5));
        let p = plan(113.4, Style::Amapiano, None);
        assert_eq!((p.target_bpm, p.stretch > 1.0), (113.0, true));
        let p = plan(90.0, Style::Amapiano, Some(120.0));
        assert_eq!((p.target_bpm, p.beats_per_source_beat), (120.0, 1.0));
    }

    #[test]
    fn a_drifting_song_lands_on_the_grid_with_its_pickup_in_the_bar_before() {
        // 90 BPM drifting to 96, a one-beat pickup before the first downbeat at 0.8 s.
        let mut beats = vec![0.8 - 60.0 / 90.0];
        let mut t = 0.8;
        for i in 0..32 {
            beats.push(t);
            t += 60.0 / (90.0 + 6.0 * f64::from(i) / 31.0);
        }
        let downbeats: Vec<f64> = beats[1..].iter().step_by(4).copied().collect();
        let p = plan(93.0, Style::Amapiano, Some(112.0));
        let map = BeatMap::new(&beats, &downbeats, t + 0.5, &p);
        assert_eq!(map.first_bar, 2);
        let beat_s = 60.0 / 112.0;
        // The first downbeat on bar 2's line, every later one a bar after the one before.
        for (n, d) in downbeats.iter().enumerate() {
            let want = (4.0 + 4.0 * n as f64) * beat_s;
            assert!((map.target_of(*d) - want).abs() < 1e-9, "downbeat {n}");
        }
        // The song's start is not before the new track's.
        assert!(map.target_of(0.0) >= -1e-9);
        // The inverse holds.
        for x in [0.3, 2.0, 7.7, 15.0] {
            assert!((map.source_of(map.target_of(x)) - x).abs() < 1e-9);
        }
        assert_eq!(
            map.bars,
            ((map.target_of(t + 0.5) / (4.0 * beat_s)).ceil()) as u32
        );
    }
}
