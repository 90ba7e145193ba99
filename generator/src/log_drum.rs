//! The log drum line (AMAPIANO.md): the root on the first hit of every chord, then the 5th,
//! octave, ♭7 or ♭3 (only where the key has them); 3–7 hits a bar, at least half of them off the
//! beat, built on the 3+3+2 cell, never more than two 16ths in a row except in the roll that ends
//! each phrase (2–4 sixteenths, velocity rising 60 → 110). The second drop plays a variation.

use yano_engine::clip::Note;
use yano_engine::syllable::Syllable;
use yano_music::Key;

use crate::form::Section;
use crate::groove::Feel;
use crate::harmony::VoicedChord;
use crate::prompt::Style;
use crate::rng::Dice;

/// Two bars of rhythm: the steps that sound in each.
type Rhythm = [Vec<u32>; 2];

fn cells(style: Style) -> [&'static str; 2] {
    match style {
        Style::Amapiano => ["x..x..x...x.x...", "x..x..x...x..x.."],
        Style::PrivateSchool => ["x.....x...x...x.", "x.....x...x..x.."],
        Style::Sgija => ["x..x..x.x..x..x.", "x..x..x.x..x...."],
    }
}

const VARIANTS: [&str; 14] = [
    "x..x..x...x..x..",
    "x..x....x..x..x.",
    "x.x...x...x..x..",
    "x..x...x..x...x.",
    "x.....x.x..x....",
    "x..x..x..x..x...",
    "x..x..x..x...x..",
    "x...x..x..x..x..",
    "x..x.x...x..x...",
    "x.....x..x..x.x.",
    "x..xx...x..x..x.",
    "x..x..xx..x.....",
    "x.x..x..x..x.x..",
    "x...x.x...x.x..x",
];

fn steps_of(text: &str) -> Vec<u32> {
    text.chars()
        .enumerate()
        .filter(|(_, c)| *c == 'x')
        .map(|(i, _)| i as u32)
        .collect()
}

fn off_beat(step: u32) -> bool {
    !step.is_multiple_of(4)
}

/// Whether a bar's steps keep the rules: 3–7 hits, at least half off the beat, at most two
/// 16ths in a row.
pub fn playable(steps: &[u32]) -> bool {
    let n = steps.len();
    let off = steps.iter().filter(|s| off_beat(**s)).count();
    let run = steps
        .windows(3)
        .any(|w| w[1] == w[0] + 1 && w[2] == w[1] + 1);
    (3..=7).contains(&n) && 2 * off >= n && !run
}

/// A seeded variation of a bar: a hit moved, added or taken away, kept only if still playable.
fn vary(steps: &[u32], density: f64, dice: &mut Dice) -> Vec<u32> {
    for _ in 0..8 {
        let mut v = steps.to_vec();
        match dice.below(3) {
            0 if v.len() > 1 => {
                let i = 1 + dice.below(v.len() - 1);
                let s = v[i] as i64 + if dice.chance(0.5) { 1 } else { -1 };
                if (1..16).contains(&s) && !v.contains(&(s as u32)) {
                    v[i] = s as u32;
                }
            }
            1 if dice.chance(0.3 + 0.6 * density) => {
                let s = [1u32, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14][dice.below(11)];
                if !v.contains(&s) {
                    v.push(s);
                }
            }
            _ if v.len() > 3 && dice.chance(1.0 - density) => {
                let i = 1 + dice.below(v.len() - 1);
                v.remove(i);
            }
            _ => {}
        }
        v.sort_unstable();
        v.dedup();
        if playable(&v) && v.contains(&0) {
            return v;
        }
    }
    steps.to_vec()
}

fn rhythm(style: Style, density: f64, dice: &mut Dice, variation: bool) -> Rhythm {
    let base = cells(style);
    // Each bar is the style's cell or, about half the time (always in a variation), one of the
    // other playable cells; then moved by one or two seeded edits.
    let mut pick = |i: usize| {
        if variation || dice.chance(0.65) {
            steps_of(VARIANTS[dice.below(VARIANTS.len())])
        } else {
            steps_of(base[i])
        }
    };
    let mut r: Rhythm = [pick(0), pick(1)];
    for bar in r.iter_mut() {
        for _ in 0..1 + dice.below(2) {
            *bar = vary(bar, density, dice);
        }
    }
    r
}

/// Takes hits out of any run of three 16ths, never a chord's first hit or the downbeat.
fn break_runs(steps: &mut Vec<u32>, keep: &[u32]) {
    while let Some(w) = steps
        .windows(3)
        .find(|w| w[1] == w[0] + 1 && w[2] == w[1] + 1)
        .map(|w| [w[0], w[1], w[2]])
    {
        let Some(drop) = [w[1], w[2], w[0]]
            .into_iter()
            .find(|x| *x != 0 && !keep.contains(x))
        else {
            break;
        };
        steps.retain(|x| *x != drop);
    }
}

/// The log drum's root for a pitch class: E1–E♭2 (MIDI 28–39).
pub fn root_note(pitch_class: u8) -> u8 {
    28 + (pitch_class + 12 - 4) % 12
}

/// The log drum line over the log drum's sections (drops, hook, outro); silent elsewhere.
pub fn line(
    style: Style,
    key: Key,
    feel: Feel,
    density: f64,
    sections: &[Section],
    chords: &[VoicedChord],
    seed: u64,
) -> Vec<Note> {
    let mut dice = Dice::stream(seed, "log drum");
    let main = rhythm(style, density, &mut dice, false);
    let second = rhythm(style, density, &mut dice, true);
    let swing = feel.swing.min(0.54);
    let mut notes = Vec::new();
    for section in sections {
        if !matches!(section.name, "drop_1" | "hook" | "drop_2" | "outro") {
            continue;
        }
        let r = if section.name == "drop_2" {
            &second
        } else {
            &main
        };
        for bar in section.first_bar..=section.last_bar {
            let bar_index = (bar - section.first_bar) as usize;
            let phrase_end = (bar - section.first_bar) % 8 == 7;
            let bar_start = f64::from(bar - 1) * 4.0;
            // Chord starts in this bar (as steps) must be hit.
            let starts: Vec<u32> = chords
                .iter()
                .filter(|c| c.start_beats >= bar_start && c.start_beats < bar_start + 4.0)
                .map(|c| ((c.start_beats - bar_start) * 4.0).round() as u32)
                .collect();
            let mut steps = r[bar_index % 2].clone();
            let roll_len = if phrase_end {
                2 + dice.below(3) as u32
            } else {
                0
            };
            let roll_from = 16 - roll_len;
            if phrase_end {
                steps.retain(|s| *s + 1 < roll_from);
                while steps.len() + roll_len as usize > 7 {
                    steps.pop();
                }
            }
            for s in &starts {
                if !steps.contains(s) && *s < roll_from.min(16) {
                    steps.push(*s);
                }
            }
            steps.sort_unstable();
            steps.dedup();
            break_runs(&mut steps, &starts);
            // Keep 3–7 hits with at least half off the beat, counting the roll.
            let roll: Vec<u32> = (roll_from..16).filter(|_| phrase_end).collect();
            loop {
                let n = steps.len() + roll.len();
                let off = steps.iter().chain(&roll).filter(|s| off_beat(**s)).count();
                if n <= 7 && 2 * off >= n {
                    break;
                }
                let removable = |s: &u32| *s != 0 && !starts.contains(s);
                let pick = steps
                    .iter()
                    .rposition(|s| removable(s) && (2 * off < n) != off_beat(*s))
                    .or_else(|| steps.iter().rposition(removable));
                match pick {
                    Some(i) => {
                        steps.remove(i);
                    }
                    None => break,
                }
            }
            let mut hits: Vec<(u32, bool)> = steps.iter().map(|s| (*s, false)).collect();
            hits.extend((roll_from..16).filter(|_| phrase_end).map(|s| (s, true)));
            hits.sort_unstable();
            hits.dedup_by_key(|h| h.0);
            let energy = section.energy;
            for (i, (step, rolled)) in hits.iter().enumerate() {
                let at = feel.at(bar, *step, swing);
                let Some(chord) = chords.iter().rev().find(|c| c.start_beats <= at + 1e-9) else {
                    continue;
                };
                let root = root_note(chord.chord.root);
                let first_of_chord = (at - chord.start_beats).abs() < 0.2
                    || !notes
                        .iter()
                        .any(|n: &Note| n.start_beats >= chord.start_beats - 1e-9);
                let pitch = if first_of_chord {
                    root
                } else if *rolled {
                    let k = (*step - roll_from) as usize;
                    if k + 1 == roll_len as usize {
                        // The roll's last note leans into the next chord.
                        let next = chords
                            .iter()
                            .find(|c| c.start_beats > at)
                            .map_or(root, |c| root_note(c.chord.root));
                        if next == root {
                            root + 7
                        } else {
                            next
                        }
                    } else {
                        root
                    }
                } else {
                    let on = !off_beat(*step);
                    let options: Vec<(u8, f64)> =
                        [(0u8, 3.0), (7, 3.0), (12, 2.0), (10, 1.5), (3, 1.0)]
                            .into_iter()
                            .filter(|(iv, _)| key.contains(chord.chord.root + iv))
                            .filter(|(iv, _)| !(on && *iv == 12))
                            .filter(|(iv, _)| root + iv <= 48)
                            .collect();
                    let w: Vec<f64> = options.iter().map(|o| o.1).collect();
                    root + options.get(dice.weighted(&w)).map_or(0, |o| o.0)
                };
                let velocity = if *rolled {
                    let k = f64::from(*step - roll_from) / f64::from((roll_len - 1).max(1));
                    60.0 + 50.0 * k
                } else if first_of_chord {
                    100.0 + 10.0 * energy
                } else {
                    78.0 + 12.0 * energy + 6.0 * dice.signed()
                };
                let next_at = hits
                    .get(i + 1)
                    .map_or(at + 0.5, |h| feel.at(bar, h.0, swing));
                let gap = next_at - at;
                let length = if *rolled {
                    0.2
                } else {
                    (gap - 0.02).clamp(0.1, 0.5)
                };
                notes.push(Note {
                    pitch,
                    start_beats: at,
                    length_beats: length,
                    velocity: (velocity.clamp(1.0, 127.0) / 127.0) as f32,
                    syllable: Syllable::NONE,
                });
            }
        }
    }
    notes
}

/// The sub bass: the chord's root, held, an octave below the log drum's top notes.
pub fn bass_line(chords: &[VoicedChord], sections: &[Section]) -> Vec<Note> {
    let end = sections.last().map_or(0.0, |s| f64::from(s.last_bar) * 4.0);
    chords
        .iter()
        .filter(|c| c.start_beats < end)
        .map(|c| Note {
            pitch: root_note(c.chord.root),
            start_beats: c.start_beats,
            length_beats: (c.beats - 0.1).max(0.1),
            velocity: 0.8,
            syllable: Syllable::NONE,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cells_of_amapiano_md_are_playable() {
        for style in Style::ALL {
            for c in cells(style) {
                assert!(playable(&steps_of(c)), "{c}");
            }
        }
        for v in VARIANTS {
            assert!(playable(&steps_of(v)), "{v}");
        }
        assert!(!playable(&steps_of("xxx.x...x.......")));
        assert!(!playable(&steps_of("x...x...x...x...")));
    }

    #[test]
    fn roots_sit_in_the_log_drums_range() {
        for pc in 0..12 {
            let n = root_note(pc);
            assert!((28..40).contains(&n) && n % 12 == pc);
        }
    }
}
