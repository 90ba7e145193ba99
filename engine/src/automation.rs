//! Automation lanes: points (bar, value, curve) on any number parameter of a real-time node,
//! saved in presets and played sample-accurately: the runtime turns the lane into ramps whose
//! breakpoints land on their exact samples.

use thiserror::Error;

use crate::param::{ParamChange, ParamHandle, ParamKind, ParamState};
use crate::transport::Transport;

/// How the value travels from a point to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Curve {
    #[default]
    Linear,
    /// Equal ratios per unit time; both ends must be above zero.
    Exponential,
}

/// One point: at `bar` (bar 1 is the start; 2.5 is half way through bar 2) the parameter is `value`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AutomationPoint {
    pub bar: f64,
    pub value: f64,
    /// The curve from this point to the next.
    pub curve: Curve,
}

/// A lane on parameter `param` of node `node`.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomationLane {
    pub node: String,
    pub param: String,
    pub points: Vec<AutomationPoint>,
}

/// Why a lane was refused.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("automation of {node}.{param}: {reason}")]
pub struct AutomationError {
    pub node: String,
    pub param: String,
    pub reason: String,
}

impl AutomationLane {
    /// Checks the points against the parameter's kind and range.
    pub fn check(&self, kind: &ParamKind) -> Result<(), AutomationError> {
        let fail = |reason: String| AutomationError {
            node: self.node.clone(),
            param: self.param.clone(),
            reason,
        };
        let ParamKind::Number { min, max, .. } = kind else {
            return Err(fail("only number parameters can be automated".into()));
        };
        if self.points.is_empty() {
            return Err(fail("a lane needs at least one point".into()));
        }
        for (i, p) in self.points.iter().enumerate() {
            if !(p.bar.is_finite() && p.bar >= 1.0) {
                return Err(fail(format!(
                    "point {} is at bar {}; bars start at 1",
                    i + 1,
                    p.bar
                )));
            }
            if !(p.value >= *min && p.value <= *max) {
                return Err(fail(format!(
                    "point {} value {} is outside {min} ..= {max}",
                    i + 1,
                    p.value
                )));
            }
            if i > 0 && p.bar < self.points[i - 1].bar {
                return Err(fail(format!(
                    "point {} (bar {}) comes before the point ahead of it",
                    i + 1,
                    p.bar
                )));
            }
            if p.curve == Curve::Exponential {
                let next = self.points.get(i + 1).map_or(p.value, |n| n.value);
                if p.value <= 0.0 || next <= 0.0 {
                    return Err(fail(format!(
                        "point {}: an exponential curve needs values above zero",
                        i + 1
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A lane as the audio thread plays it: points in samples.
#[derive(Debug, Clone)]
pub struct PlayedLane {
    pub slot: u32,
    pub param: ParamHandle,
    points: Vec<(f64, f32, Curve)>,
}

impl PlayedLane {
    /// Control thread.
    pub fn new(
        slot: u32,
        param: ParamHandle,
        lane: &AutomationLane,
        transport: &Transport,
    ) -> Self {
        PlayedLane {
            slot,
            param,
            points: lane
                .points
                .iter()
                .map(|p| {
                    (
                        transport.bars_to_samples(p.bar - 1.0),
                        p.value as f32,
                        p.curve,
                    )
                })
                .collect(),
        }
    }

    /// The lane's value at sample `t` (after any jump at `t`).
    pub fn value_at(&self, t: f64) -> f32 {
        self.value(t, self.points.partition_point(|p| p.0 <= t))
    }

    /// The value just before sample `t` (before any jump at `t`).
    fn value_before(&self, t: f64) -> f32 {
        self.value(t, self.points.partition_point(|p| p.0 < t))
    }

    /// The value at `t` given that `i` points lie before it.
    fn value(&self, t: f64, i: usize) -> f32 {
        match (
            i.checked_sub(1).and_then(|k| self.points.get(k)),
            self.points.get(i),
        ) {
            (None, Some(first)) => first.1,
            (Some(last), None) => last.1,
            (Some(a), Some(b)) => {
                let x = if b.0 > a.0 {
                    ((t - a.0) / (b.0 - a.0)).clamp(0.0, 1.0) as f32
                } else {
                    1.0
                };
                match a.2 {
                    Curve::Linear => a.1 + (b.1 - a.1) * x,
                    Curve::Exponential => a.1 * (b.1 / a.1).powf(x),
                }
            }
            (None, None) => 0.0,
        }
    }

    /// Audio thread: queues this block's ramps on `state`: a jump where the lane jumps (or where the
    /// parameter is not where the lane says, as on the first block), then straight ramps between
    /// breakpoints, each breakpoint on its own sample.
    pub fn play(&self, block_start: u64, frames: usize, state: &mut ParamState) {
        let (start, end) = (block_start as f64, (block_start + frames as u64) as f64);
        let here = self.value_at(start);
        if (state.current() - here).abs() > f32::EPSILON * here.abs().max(1.0) {
            state.schedule(0, ParamChange::Jump(here));
        }
        let mut from = start;
        for p in self
            .points
            .iter()
            .skip(self.points.partition_point(|p| p.0 <= start))
        {
            let at = p.0.ceil();
            if at >= end {
                break;
            }
            if at > from {
                let (offset, samples) = ((from - start) as u32, (at - from) as u32);
                state.schedule(
                    offset,
                    ParamChange::Ramp {
                        target: self.value_before(at),
                        samples,
                    },
                );
                from = at;
            }
            let after = self.value_at(at);
            if after != self.value_before(at) {
                state.schedule((at - start) as u32, ParamChange::Jump(after));
            }
        }
        if end > from {
            let target = self.value_before(end);
            // A lane holding still schedules nothing, so the parameter reads as constant and the
            // node can take its fast path.
            let holding = from == start && target == here && state.current() == here;
            if !holding {
                let (offset, samples) = ((from - start) as u32, (end - from) as u32);
                state.schedule(offset, ParamChange::Ramp { target, samples });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param::Smoothing;

    fn lane(points: &[(f64, f64, Curve)]) -> AutomationLane {
        AutomationLane {
            node: "mix".into(),
            param: "gain_db".into(),
            points: points
                .iter()
                .map(|&(bar, value, curve)| AutomationPoint { bar, value, curve })
                .collect(),
        }
    }

    #[test]
    fn lanes_are_checked_against_the_parameter() {
        let kind = crate::param::ParamSpec::number(
            "gain_db",
            "",
            -96.0,
            24.0,
            0.0,
            crate::param::Unit::Decibels,
        )
        .kind;
        assert!(
            lane(&[(1.0, -60.0, Curve::Linear), (5.0, 0.0, Curve::Linear)])
                .check(&kind)
                .is_ok()
        );
        assert!(lane(&[(1.0, -200.0, Curve::Linear)])
            .check(&kind)
            .unwrap_err()
            .reason
            .contains("outside"));
        assert!(
            lane(&[(3.0, 0.0, Curve::Linear), (2.0, 0.0, Curve::Linear)])
                .check(&kind)
                .unwrap_err()
                .reason
                .contains("before")
        );
        assert!(lane(&[(0.0, 0.0, Curve::Linear)])
            .check(&kind)
            .unwrap_err()
            .reason
            .contains("bars start at 1"));
        assert!(
            lane(&[(1.0, -6.0, Curve::Exponential), (2.0, 0.0, Curve::Linear)])
                .check(&kind)
                .is_err()
        );
    }

    #[test]
    fn played_lanes_hit_their_points_on_the_sample() {
        // "test.gain" only names the kind a parameter is resolved for; no node kind is built.
        // 120 BPM at 48 kHz: a bar is 96,000 samples. Ramp 0 → 1 over bar 1, hold, then jump.
        let t = Transport {
            sample_rate: 48_000,
            bpm: 120.0,
            swing: 0.5,
        };
        let l = lane(&[
            (1.0, 0.0, Curve::Linear),
            (2.0, 1.0, Curve::Linear),
            (3.0, 1.0, Curve::Linear),
            (3.0, 0.25, Curve::Linear),
        ]);
        let played = PlayedLane::new(
            0,
            crate::param::resolve(
                "test.gain",
                &[crate::param::ParamSpec::number(
                    "gain_db",
                    "",
                    -96.0,
                    24.0,
                    0.0,
                    crate::param::Unit::Decibels,
                )],
                "gain_db",
            )
            .unwrap(),
            &l,
            &t,
        );
        let mut state = ParamState::new(0.0, Smoothing::None, 48_000, 128);
        let mut values = Vec::new();
        for block in 0..(3 * 96_000 / 128 + 2) {
            played.play(block * 128, 128, &mut state);
            state.fill(128);
            let v = state.values(128);
            values.extend((0..128).map(|i| v.at(i)));
        }
        assert!(
            (values[48_000] - 0.5).abs() < 1e-3,
            "half way up: {}",
            values[48_000]
        );
        assert!((values[96_000] - 1.0).abs() < 1e-4);
        assert!((values[191_999] - 1.0).abs() < 1e-4, "held through bar 2");
        assert!(
            (values[192_000] - 0.25).abs() < 1e-4,
            "the jump lands on bar 3's first sample: {}",
            values[192_000]
        );
        let ex = lane(&[
            (1.0, 100.0, Curve::Exponential),
            (2.0, 10_000.0, Curve::Linear),
        ]);
        let p = PlayedLane::new(
            0,
            crate::param::resolve(
                "test.gain",
                &[crate::param::ParamSpec::number(
                    "gain_db",
                    "",
                    -96.0,
                    24.0,
                    0.0,
                    crate::param::Unit::Decibels,
                )],
                "gain_db",
            )
            .unwrap(),
            &ex,
            &t,
        );
        assert!(
            (p.value_at(48_000.0) - 1000.0).abs() < 0.5,
            "geometric mean half way"
        );
    }
}
