//! `sequence.steps`: a step sequencer in the notation of AMAPIANO.md — one character a step:
//! `X` accent, `x` hit, `o` ghost, `.` rest (`|` and spaces are ignored, for readability). Hits
//! take their notes in turn from `notes`. Per step: on, velocity (from the letter), note and
//! probability. Swing delays odd steps by (swing − 0.5) · 2 · step; humanise moves hits by a few
//! milliseconds and velocity units, from a seeded hash, so renders stay deterministic.
//!
//! The sequencer keeps no state between blocks: where a step falls is computed from the transport
//! position, so seeks, loops and schedule swaps can never put it out of time.

use yano_engine::event::{NoteEvent, NoteKind};
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::Syllable;
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use super::notation::{chance, parse_notes, parse_numbers};

pub const KIND: &str = "sequence.steps";
const RATES: &[&str] = &["1/16", "1/8", "1/32", "1/4"];
/// Longest pattern, in steps.
pub const MAX_STEPS: usize = 256;

// Parameter indices, in descriptor order.

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description:
            "step sequencer: X accent, x hit, o ghost, . rest; swing on odd steps, seeded humanise",
        params: vec![
            ParamSpec::text(
                "pattern",
                "one character per step: X accent, x hit, o ghost, . rest",
                "x...x...x...x...",
            ),
            ParamSpec::text(
                "notes",
                "notes of the hits, in turn (C4 = 60): \"F1 F1 C2 F1 Eb2\"",
                "C2",
            ),
            ParamSpec::text(
                "probability",
                "chance of each step sounding, 0..1 per step (empty: always)",
                "",
            ),
            ParamSpec::integer("accent_vel", "velocity of X", 1, 127, 115, Unit::None),
            ParamSpec::integer("hit_vel", "velocity of x", 1, 127, 90, Unit::None),
            ParamSpec::integer("ghost_vel", "velocity of o", 1, 127, 50, Unit::None),
            ParamSpec::number("gate", "note length, in steps", 0.05, 64.0, 0.5, Unit::None),
            ParamSpec::choice(
                "swing_from",
                "use the transport's swing or this node's own",
                &["transport", "own"],
                0,
            ),
            ParamSpec::number(
                "swing",
                "own swing: share of a step pair given to the first step",
                0.5,
                0.75,
                0.5,
                Unit::None,
            ),
            ParamSpec::number(
                "humanise_ms",
                "largest random timing offset",
                0.0,
                30.0,
                0.0,
                Unit::Milliseconds,
            ),
            ParamSpec::number(
                "humanise_vel",
                "largest random velocity offset",
                0.0,
                40.0,
                0.0,
                Unit::None,
            ),
            ParamSpec::integer(
                "seed",
                "seed of the humanise and probability draws",
                0,
                1 << 31,
                1,
                Unit::None,
            ),
            ParamSpec::choice("rate", "length of a step", RATES, 0),
            ParamSpec::integer(
                "transpose_st",
                "shift every note",
                -48,
                48,
                0,
                Unit::Semitones,
            ),
        ],
        ports: PortLayout::Fixed(vec![PortSpec::output(
            "notes",
            PortType::Events,
            "the pattern's notes",
        )]),
        build: Build::Realtime(build),
    }
}

/// One step of the parsed pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Step {
    /// 0 rest, 1 ghost, 2 hit, 3 accent.
    strength: u8,
    note: u8,
    probability: f32,
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let p = &config.params;
    let pattern = p.text("pattern")?;
    let notes = parse_notes(&p.text("notes")?).map_err(NodeError::new)?;
    if notes.is_empty() {
        return Err(NodeError::new("\"notes\" is empty: give at least one note"));
    }
    let probabilities = parse_numbers(&p.text("probability")?).map_err(NodeError::new)?;
    let mut steps = Vec::with_capacity(pattern.len());
    let mut hit = 0;
    for c in pattern.chars().filter(|c| !c.is_whitespace() && *c != '|') {
        let strength = match c {
            '.' | '-' | '_' => 0,
            'o' | 'O' => 1,
            'x' => 2,
            'X' => 3,
            other => {
                return Err(NodeError::new(format!(
                    "pattern: '{other}' is not a step (use X, x, o or .)"
                )))
            }
        };
        let note = if strength > 0 {
            hit += 1;
            notes[(hit - 1) % notes.len()]
        } else {
            0
        };
        let probability = probabilities
            .get(steps.len())
            .copied()
            .unwrap_or(1.0)
            .clamp(0.0, 1.0) as f32;
        steps.push(Step {
            strength,
            note,
            probability,
        });
    }
    if steps.is_empty() || steps.len() > MAX_STEPS {
        return Err(NodeError::new(format!(
            "pattern has {} steps; it needs 1 to {MAX_STEPS}",
            steps.len()
        )));
    }
    let step_beats = match p.choice("rate")? {
        1 => 0.5,
        2 => 0.125,
        3 => 1.0,
        _ => 0.25,
    };
    Ok(Box::new(Steps {
        knobs: Knobs::resolve(config)?,
        steps,
        step_beats,
        seed: p.number("seed")? as u64,
    }))
}

yano_engine::param_handles! {
    /// The parameters the sequencer reads as it plays, resolved by id when it is built.
    struct Knobs / Values {
        accent: "accent_vel",
        hit: "hit_vel",
        ghost: "ghost_vel",
        gate: "gate",
        swing_from: "swing_from",
        swing: "swing",
        humanise_ms: "humanise_ms",
        humanise_vel: "humanise_vel",
        transpose: "transpose_st",
    }
}

struct Steps {
    knobs: Knobs,
    steps: Vec<Step>,
    step_beats: f64,
    seed: u64,
}

impl Processor for Steps {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let ph = *ctx.playhead();
        if !ph.playing {
            return;
        }
        let t = ph.transport;
        let step_len = t.beats_to_samples(self.step_beats);
        let swing = if ctx.choice(self.knobs.swing_from) == 1 {
            f64::from(ctx.param(self.knobs.swing).last())
        } else {
            t.swing
        };
        let swing_delay = (swing - 0.5) * 2.0 * step_len;
        let human =
            f64::from(ctx.param(self.knobs.humanise_ms).last()) * 0.001 * f64::from(t.sample_rate);
        let human_vel = f64::from(ctx.param(self.knobs.humanise_vel).last());
        let gate = f64::from(ctx.param(self.knobs.gate).last()) * step_len;
        let velocities = [
            0.0,
            ctx.param(self.knobs.ghost).last(),
            ctx.param(self.knobs.hit).last(),
            ctx.param(self.knobs.accent).last(),
        ];
        let transpose = ctx.param(self.knobs.transpose).last() as i32;
        let (start, end) = (
            ph.block_start as f64,
            (ph.block_start + ctx.frames() as u64) as f64,
        );
        // Every step whose note-on or note-off can fall in this block.
        let first = ((start - gate - swing_delay - human) / step_len)
            .floor()
            .max(0.0) as u64;
        let last = ((end + human) / step_len).ceil() as u64;
        let out = ctx.events_out(0);
        for n in first..=last {
            let step = self.steps[(n % self.steps.len() as u64) as usize];
            if step.strength == 0
                || (chance(self.seed, n, 1) * 0.5 + 0.5) as f32 >= step.probability
            {
                continue;
            }
            let mut on = n as f64 * step_len + chance(self.seed, n, 2) * human;
            if n % 2 == 1 {
                on += swing_delay;
            }
            let on = on.max(0.0).round();
            let off = on + gate.round().max(1.0);
            let note = (i32::from(step.note) + transpose).clamp(0, 127) as u8;
            let velocity = ((f64::from(velocities[usize::from(step.strength)])
                + chance(self.seed, n, 3) * human_vel)
                / 127.0)
                .clamp(1.0 / 127.0, 1.0) as f32;
            if off >= start && off < end {
                out.push(NoteEvent {
                    offset: (off - start) as u32,
                    kind: NoteKind::Off { note },
                });
            }
            if on >= start && on < end {
                out.push(NoteEvent {
                    offset: (on - start) as u32,
                    kind: NoteKind::On {
                        note,
                        velocity,
                        syllable: Syllable::NONE,
                    },
                });
            }
        }
        out.sort_by_offset();
    }
}

#[cfg(test)]
mod tests {
    use crate::sequence::probe::{note_ons, text};
    use yano_engine::{ParamValue, Transport};
    use yano_music::pitch::parse_note;

    fn ons(
        params: &[(&str, ParamValue)],
        transport: Transport,
        seconds: f64,
    ) -> Vec<(usize, u8, f32)> {
        note_ons(super::KIND, params, "notes", transport, seconds)
    }

    #[test]
    fn hits_land_on_their_steps_with_their_notes_and_velocities() {
        // Groove A's log drum bar, at 120 BPM: a 16th is 6,000 samples.
        let t = Transport {
            sample_rate: 48_000,
            bpm: 120.0,
            swing: 0.5,
        };
        let got = ons(
            &[
                ("pattern", text("X..x..x...x.o...")),
                ("notes", text("F1 F1 C2 F1 Eb2")),
            ],
            t,
            2.5,
        );
        let want: Vec<(usize, u8)> = [(0, "F1"), (3, "F1"), (6, "C2"), (10, "F1"), (12, "Eb2")]
            .iter()
            .map(|(s, n)| (s * 6_000, parse_note(n).unwrap()))
            .collect();
        assert_eq!(
            got.iter()
                .take(5)
                .map(|(t, n, _)| (*t, *n))
                .collect::<Vec<_>>(),
            want
        );
        assert_eq!(got[5].0, 96_000, "the pattern repeats every bar");
        assert!((got[0].2 - 115.0 / 127.0).abs() < 1e-6 && (got[1].2 - 90.0 / 127.0).abs() < 1e-6);
        assert!((got[4].2 - 50.0 / 127.0).abs() < 1e-6, "ghost velocity");
    }

    #[test]
    fn swing_delays_odd_steps_by_the_amapiano_formula() {
        // AMAPIANO.md: delay = (S − 0.5) · 2 · T16; at 113 BPM and 56 % that is 15.9 ms.
        let t = Transport {
            sample_rate: 48_000,
            bpm: 113.0,
            swing: 0.56,
        };
        let got = ons(&[("pattern", text("xxxxxxxxxxxxxxxx"))], t, 2.2);
        let t16 = 48_000.0 * 15.0 / 113.0;
        for (k, (at, _, _)) in got.iter().take(16).enumerate() {
            let want = k as f64 * t16 + if k % 2 == 1 { 0.06 * 2.0 * t16 } else { 0.0 };
            assert!(
                (*at as f64 - want).abs() <= 1.0,
                "step {k}: {at} vs {want:.1}"
            );
        }
        assert!(((got[1].0 as f64 - t16) / 48.0 - 15.93).abs() < 0.05);
    }

    #[test]
    fn probability_and_humanise_are_seeded() {
        let t = Transport {
            sample_rate: 48_000,
            bpm: 120.0,
            swing: 0.5,
        };
        let p = |seed: f64| {
            vec![
                ("pattern", text("xxxxxxxxxxxxxxxx")),
                ("probability", text("0.5")),
                ("humanise_ms", ParamValue::Number(8.0)),
                ("seed", ParamValue::Number(seed)),
            ]
        };
        let a = ons(&p(3.0), t, 16.0);
        assert_eq!(a, ons(&p(3.0), t, 16.0), "same seed, same hits");
        assert_ne!(a, ons(&p(4.0), t, 16.0), "another seed, other hits");
        // Only the first step has probability 0.5: over 8 bars it sounds about half the time.
        let firsts = a
            .iter()
            .filter(|(s, _, _)| s % 96_000 < 3_000 || s % 96_000 > 93_000)
            .count();
        assert!((1..8).contains(&firsts), "{firsts} of 8");
        let off_grid =
            |s: usize| (s as f64 / 6_000.0 - (s as f64 / 6_000.0).round()).abs() * 6_000.0;
        let worst = a.iter().map(|(s, _, _)| off_grid(*s)).fold(0.0, f64::max);
        assert!(
            worst > 48.0 && worst <= 8.0 * 48.0 + 1.0,
            "humanise up to 8 ms: {worst} samples"
        );
    }

    #[test]
    fn a_bad_pattern_is_named() {
        let r = crate::registry();
        let mut g = yano_engine::Graph::new(Transport::default());
        g.add_node(
            yano_engine::NodeSpec::new("seq", super::KIND).with("pattern", "x..y"),
            &r,
        )
        .unwrap();
        let err = yano_engine::Compiler::new(std::sync::Arc::new(r), 128)
            .compile(&g)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("'y'") && err.contains("seq"), "{err}");
    }
}
