//! Drum and percussion grooves per style (AMAPIANO.md), with seeded variation every phrase,
//! fills at phrase ends, swing on the odd 16ths and humanised percussion.

use yano_engine::clip::Note;
use yano_engine::syllable::Syllable;

use crate::form::{Line, Section};
use crate::prompt::Style;
use crate::rng::Dice;

/// General MIDI drum notes the kit plays.
pub mod gm {
    pub const KICK: u8 = 36;
    pub const RIM: u8 = 37;
    pub const CLAP: u8 = 39;
    pub const LOW_TOM: u8 = 45;
    pub const OPEN_HAT: u8 = 46;
    pub const HIGH_CONGA: u8 = 63;
    pub const LOW_CONGA: u8 = 64;
    pub const SHAKER: u8 = 70;
}

/// Where notes land: tempo for humanising, swing for the odd 16ths.
#[derive(Debug, Clone, Copy)]
pub struct Feel {
    pub bpm: f64,
    /// Swing of shakers, hats and percussion.
    pub swing: f64,
}

impl Feel {
    /// Beats from the song's start to `step` (16ths) of `bar` (from 1), swung by `swing`.
    pub fn at(&self, bar: u32, step: u32, swing: f64) -> f64 {
        let delay = if step % 2 == 1 {
            (swing - 0.5) * 0.5
        } else {
            0.0
        };
        f64::from(bar - 1) * 4.0 + f64::from(step) * 0.25 + delay
    }

    /// `ms` of time in beats.
    pub fn ms(&self, ms: f64) -> f64 {
        ms * self.bpm / 60_000.0
    }
}

/// A hit to be written: step of the bar, note, velocity (1..=127).
type Hit = (u32, u8, f64);

/// Steps of a pattern such as "x..x..x...x.x..." with velocities: X accent, x hit, o ghost.
fn pattern(text: &str, accent: f64, hit: f64, ghost: f64) -> Vec<(u32, f64)> {
    text.chars()
        .enumerate()
        .filter_map(|(i, c)| match c {
            'X' => Some((i as u32, accent)),
            'x' => Some((i as u32, hit)),
            'o' => Some((i as u32, ghost)),
            _ => None,
        })
        .collect()
}

fn note(beats: f64, pitch: u8, velocity: f64, length: f64) -> Note {
    Note {
        pitch,
        start_beats: beats.max(0.0),
        length_beats: length,
        velocity: (velocity.clamp(1.0, 127.0) / 127.0) as f32,
        syllable: Syllable::NONE,
    }
}

/// Rim "tap" patterns per style: AMAPIANO.md's first, then variations on the same off-beat idea.
fn rim_patterns(style: Style) -> &'static [&'static str] {
    match style {
        Style::Amapiano => &[
            "...x..x....x..x.",
            "...x..x...x...x.",
            "..x...x....x..x.",
            "...x...x...x..x.",
            "...x..x....x...x",
        ],
        Style::PrivateSchool => &[
            ".......x..x....x",
            "...x......x....x",
            ".......x..x..x..",
            "......x...x....x",
        ],
        Style::Sgija => &[
            "x..x..x...x..x..",
            "x..x..x...x.x...",
            "x..x...x..x..x..",
            "x.x...x...x..x..",
            "x..x..x..x...x..",
            "x...x.x...x..x.x",
        ],
    }
}

/// What a seed chooses once for the whole song.
#[derive(Debug, Clone, Copy)]
struct Choice {
    rim: usize,
    congas_extra: u32,
}

/// One bar's hits of a drum line in a section, before swing and humanising.
#[allow(clippy::too_many_arguments)]
fn bar_hits(
    line: Line,
    choice: Choice,
    style: Style,
    density: f64,
    bar_in_phrase: u32,
    section: &Section,
    phrase_dice: &mut Dice,
) -> Vec<Hit> {
    let last_bar = bar_in_phrase == 7;
    let e = section.energy;
    let steps = |text: &str, note: u8, a: f64, h: f64, g: f64| -> Vec<Hit> {
        pattern(text, a, h, g)
            .into_iter()
            .map(|(s, v)| (s, note, v))
            .collect()
    };
    match line {
        Line::Kick => match style {
            Style::PrivateSchool => steps("X.......x.......", gm::KICK, 80.0, 70.0, 0.0),
            _ => steps("X...x...x...x...", gm::KICK, 100.0, 88.0 + 6.0 * e, 0.0),
        },
        Line::OpenHat => match style {
            // Softer than the others, but there: without it the groove has nothing above the
            // shaker and sits dark.
            Style::PrivateSchool => {
                steps("..x...x...x...x.", gm::OPEN_HAT, 0.0, 50.0 + 10.0 * e, 0.0)
            }
            _ => steps("..x...x...x...x.", gm::OPEN_HAT, 0.0, 70.0 + 15.0 * e, 0.0),
        },
        Line::Clap => {
            let text = match style {
                Style::Sgija => "....x.......x..x",
                _ if last_bar && phrase_dice.chance(0.4) => "....x.......x..x",
                _ => "....x.......x...",
            };
            steps(text, gm::CLAP, 0.0, 85.0 + 10.0 * e, 0.0)
        }
        Line::Shaker => {
            let per_beat: [f64; 4] = match style {
                Style::Sgija => [70.0, 55.0, 100.0, 90.0],
                _ => [75.0, 45.0, 100.0, 60.0],
            };
            match style {
                Style::PrivateSchool => steps("o.x.o.x.o.x.o.x.", gm::SHAKER, 0.0, 95.0, 65.0),
                _ => (0..16)
                    .map(|s| (s, gm::SHAKER, per_beat[(s % 4) as usize] * (0.85 + 0.2 * e)))
                    .collect(),
            }
        }
        Line::Rim => {
            let text = rim_patterns(style)[choice.rim];
            let mut hits = steps(text, gm::RIM, 0.0, 70.0, 0.0);
            // Now and then a ghost tap between, more of them in denser tracks.
            for s in [1u32, 5, 9, 13] {
                if phrase_dice.chance(0.25 * density) && !hits.iter().any(|h| h.0.abs_diff(s) < 2) {
                    hits.push((s, gm::RIM, 45.0));
                }
            }
            hits
        }
        Line::Congas => {
            let mut hits: Vec<Hit> = [0u32, 6, 10]
                .iter()
                .map(|s| (*s, gm::LOW_CONGA, 80.0))
                .chain([3u32, 7, 14].iter().map(|s| (*s, gm::HIGH_CONGA, 70.0)))
                .collect();
            if phrase_dice.chance(0.5 + 0.5 * density) {
                hits.push((choice.congas_extra, gm::HIGH_CONGA, 60.0));
            }
            hits
        }
        Line::Toms => {
            // Fills: the phrase's last bar, last beat or two.
            let chance = match style {
                Style::Sgija => 0.85,
                _ => 0.5,
            };
            if last_bar && phrase_dice.chance(chance * (0.5 + e)) {
                let text = if phrase_dice.chance(0.5) {
                    "............xxxx"
                } else {
                    "..............xx"
                };
                steps(text, gm::LOW_TOM, 0.0, 90.0, 0.0)
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// The notes of a drum or percussion line over the whole song (the arrangement decides where
/// they are heard).
pub fn drum_line(
    line: Line,
    style: Style,
    feel: Feel,
    density: f64,
    sections: &[Section],
    seed: u64,
) -> Vec<Note> {
    let mut dice = Dice::stream(seed, line.id());
    let choice = Choice {
        rim: dice.below(rim_patterns(style).len()),
        congas_extra: [1u32, 9, 11, 12, 13][dice.below(5)],
    };
    let humanise_ms = match line {
        Line::Kick => 0.0,
        Line::Clap | Line::OpenHat => 4.0,
        _ => 8.0,
    };
    let humanise_vel = if line == Line::Kick { 0.0 } else { 8.0 };
    // Kick and clap swing at most 54 % (AMAPIANO.md); the rest at the style's swing.
    let swing = match line {
        Line::Kick | Line::Clap | Line::Toms => feel.swing.min(0.54),
        _ => feel.swing,
    };
    let length = if line == Line::OpenHat { 0.25 } else { 0.125 };
    let mut notes = Vec::new();
    for section in sections {
        for phrase_start in (section.first_bar..=section.last_bar).step_by(8) {
            let mut phrase_dice = Dice::new(dice.next_u64());
            // The same pattern for the phrase; fills and ghosts are drawn per phrase.
            for k in 0..8 {
                let bar = phrase_start + k;
                if bar > section.last_bar {
                    break;
                }
                let mut hits = bar_hits(line, choice, style, density, k, section, &mut phrase_dice);
                hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
                for (step, pitch, velocity) in hits {
                    let jitter = feel.ms(humanise_ms * dice.signed());
                    let v = velocity + humanise_vel * dice.signed();
                    let at = feel.at(bar, step, swing)
                        + if step == 0 && bar == 1 { 0.0 } else { jitter };
                    notes.push(note(at, pitch, v, length));
                }
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{sections, EnergyCurve};

    #[test]
    fn the_kick_is_four_on_the_floor_and_the_shaker_swings() {
        let s = sections(32, EnergyCurve::Build);
        let feel = Feel {
            bpm: 113.0,
            swing: 0.56,
        };
        let kick = drum_line(Line::Kick, Style::Amapiano, feel, 0.5, &s, 1);
        assert_eq!(kick.len(), 32 * 4);
        assert!(kick.iter().all(|n| (n.start_beats.fract()).abs() < 1e-9));
        let shaker = drum_line(Line::Shaker, Style::Amapiano, feel, 0.5, &s, 1);
        // Odd 16ths land 0.03 beats late on average (56 % swing), give or take the humanising.
        let late: Vec<f64> = shaker
            .iter()
            .map(|n| n.start_beats * 4.0)
            .filter(|x| (x.round() as i64) % 2 == 1)
            .map(|x| (x - x.round()) / 4.0)
            .collect();
        let mean = late.iter().sum::<f64>() / late.len() as f64;
        assert!((mean - 0.03).abs() < 0.005, "{mean}");
    }
}
