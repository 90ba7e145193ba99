//! Harmony: chord progressions drawn from a small grammar of functional harmony, and right-hand
//! voicings chosen so no voice moves more than two semitones between successive chords.
//!
//! A 4-bar phrase is a production of tonic (T), subdominant (S) and dominant (D) slots with
//! lengths in beats, one production list per style (AMAPIANO.md: mainstream i–iv vamps and
//! 6-2-5-1, private-school ii–V–I–vi at 4–8 chords a phrase, sgija vamps with a dominant on the
//! last beat). Each slot becomes a scale degree by weighted choice for the key's mode; a phrase
//! may end on a passing dominant (V7 of the next phrase's first chord). Voicings are rootless
//! four-note chords in G3–G4 chosen by a shortest path (Viterbi) over every voicing of every
//! chord of a section.

use crate::prompt::Style;
use crate::rng::Dice;
use yano_music::{Key, Mode};

use crate::theory::{Colour, ExtendedChord};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Tonic,
    Subdominant,
    Dominant,
}
use Function::{Dominant as D, Subdominant as S, Tonic as T};

/// One chord of a progression: the chord and its length in beats.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub chord: ExtendedChord,
    pub beats: f64,
}

/// Phrase productions (slots of function and beats, summing to 16) and their weights.
fn productions(style: Style) -> Vec<(f64, Vec<(Function, f64)>)> {
    match style {
        Style::Amapiano => vec![
            (3.0, vec![(T, 8.0), (S, 8.0)]),
            (3.0, vec![(T, 4.0), (S, 4.0), (D, 4.0), (T, 4.0)]),
            (2.0, vec![(T, 8.0), (S, 4.0), (D, 4.0)]),
            (1.0, vec![(S, 4.0), (D, 4.0), (T, 8.0)]),
            (2.0, vec![(T, 8.0), (S, 4.0), (T, 4.0)]),
            (1.5, vec![(T, 4.0), (S, 4.0), (T, 4.0), (D, 4.0)]),
            (1.0, vec![(S, 8.0), (T, 8.0)]),
        ],
        Style::PrivateSchool => vec![
            (3.0, vec![(S, 4.0), (D, 4.0), (T, 4.0), (T, 4.0)]),
            (
                2.0,
                vec![(T, 4.0), (S, 2.0), (D, 2.0), (T, 4.0), (S, 2.0), (D, 2.0)],
            ),
            (
                2.0,
                vec![(S, 2.0), (D, 2.0), (T, 4.0), (T, 4.0), (S, 2.0), (D, 2.0)],
            ),
            (1.0, vec![(S, 4.0), (D, 4.0), (T, 8.0)]),
            (2.0, vec![(T, 4.0), (T, 4.0), (S, 4.0), (D, 4.0)]),
            (1.5, vec![(S, 4.0), (D, 4.0), (T, 4.0), (S, 2.0), (D, 2.0)]),
            (1.0, vec![(T, 2.0), (T, 2.0), (S, 4.0), (D, 4.0), (T, 4.0)]),
        ],
        Style::Sgija => vec![
            (3.0, vec![(T, 8.0), (S, 7.0), (D, 1.0)]),
            (2.0, vec![(T, 4.0), (S, 4.0), (T, 4.0), (S, 4.0)]),
            (2.0, vec![(T, 8.0), (S, 8.0)]),
            (1.5, vec![(T, 8.0), (S, 4.0), (D, 4.0)]),
            (1.0, vec![(T, 12.0), (S, 3.0), (D, 1.0)]),
            (1.0, vec![(T, 4.0), (S, 4.0), (T, 4.0), (D, 4.0)]),
            (1.0, vec![(T, 8.0), (D, 4.0), (S, 4.0)]),
            (1.0, vec![(S, 8.0), (T, 7.0), (D, 1.0)]),
        ],
    }
}

/// Degrees (0 = tonic) a function may take in a mode, with weights; `opening` is the first slot
/// of a phrase, which leans on the tonic so the key is heard.
fn degrees(style: Style, f: Function, mode: Mode, opening: bool) -> &'static [(usize, f64)] {
    match (f, mode, opening) {
        // Sgija vamps move from the tonic to iv, VI or VII as often as to iv alone.
        (S, Mode::Minor, _) if style == Style::Sgija => &[(3, 3.0), (5, 2.0), (6, 1.5)],
        (T, Mode::Major, true) => &[(0, 5.0), (5, 2.0)],
        (T, Mode::Major, false) => &[(0, 2.0), (5, 3.0), (2, 1.0)],
        (S, Mode::Major, _) => &[(1, 4.0), (3, 3.0)],
        (D, Mode::Major, _) => &[(4, 5.0), (6, 0.5)],
        (T, Mode::Minor, true) => &[(0, 5.0), (5, 1.0)],
        (T, Mode::Minor, false) => &[(0, 2.0), (5, 2.0), (2, 2.0)],
        (S, Mode::Minor, _) => &[(3, 5.0), (1, 1.0), (5, 1.0)],
        (D, Mode::Minor, _) => &[(6, 3.0), (4, 3.0)],
    }
}

fn draw_degree(
    dice: &mut Dice,
    style: Style,
    f: Function,
    mode: Mode,
    opening: bool,
    avoid: Option<usize>,
) -> usize {
    let options = degrees(style, f, mode, opening);
    let weights: Vec<f64> = options
        .iter()
        .map(|(d, w)| {
            if Some(*d) == avoid && options.len() > 1 {
                0.0
            } else {
                *w
            }
        })
        .collect();
    options[dice.weighted(&weights)].0
}

/// An 8-bar progression (two 4-bar phrases, the second a variation of the first) for a style,
/// key and complexity (0..=1: how often phrases end on a passing dominant).
pub fn progression(style: Style, key: Key, complexity: f64, dice: &mut Dice) -> Vec<Slot> {
    let prods = productions(style);
    let weights: Vec<f64> = prods.iter().map(|(w, _)| *w).collect();
    let shape = prods[dice.weighted(&weights)].1.clone();
    let mut degrees_a = Vec::new();
    for (i, (f, _)) in shape.iter().enumerate() {
        let prev = degrees_a.last().copied();
        degrees_a.push(draw_degree(dice, style, *f, key.mode, i == 0, prev));
    }
    // The answering phrase keeps the opening and varies the cadence.
    let mut degrees_b = degrees_a.clone();
    if shape.len() > 1 && dice.chance(0.75) {
        let last = shape.len() - 1;
        degrees_b[last] = draw_degree(
            dice,
            style,
            shape[last].0,
            key.mode,
            false,
            Some(degrees_a[last - 1]),
        );
        if degrees_b[last] == degrees_b[last - 1] {
            degrees_b[last] = degrees_a[last];
        }
    }
    // Each degree gets one colour for the whole progression: 9th, 11th or 13th.
    let colours: Vec<Colour> = (0..7)
        .map(
            |_| match dice.weighted(&[2.0, 1.0 + complexity, 1.0 + complexity]) {
                0 => Colour::Ninth,
                1 => Colour::Eleventh,
                _ => Colour::Thirteenth,
            },
        )
        .collect();
    let phrase = |degrees: &[usize]| -> Vec<Slot> {
        shape
            .iter()
            .zip(degrees)
            .map(|((_, beats), d)| Slot {
                chord: ExtendedChord::on_degree(key, *d).coloured(colours[*d]),
                beats: *beats,
            })
            .collect()
    };
    let mut phrases = [phrase(&degrees_a), phrase(&degrees_b)];
    // Passing dominants: the last two beats of a phrase become V7 of the chord that follows
    // (the next phrase's first; the progression cycles).
    let passing_chance = match style {
        Style::PrivateSchool => 0.2 + 0.6 * complexity,
        Style::Amapiano => 0.5 * (complexity - 0.5).max(0.0),
        Style::Sgija => 0.0,
    };
    for p in 0..2 {
        let next_root = phrases[1 - p][0].chord.root;
        if !dice.chance(passing_chance) {
            continue;
        }
        let dominant = ExtendedChord::dominant_of(next_root);
        let slots = &mut phrases[p];
        let last = slots.len() - 1;
        if slots[last].chord.root == dominant.root {
            continue;
        }
        if slots[last].beats >= 4.0 {
            slots[last].beats -= 2.0;
            slots.push(Slot {
                chord: dominant,
                beats: 2.0,
            });
        } else {
            slots[last].chord = dominant;
        }
    }
    let [a, b] = phrases;
    let slots: Vec<Slot> = a.into_iter().chain(b).collect();
    slots
}

/// The right hand's four notes, low to high.
pub type Voicing = [u8; 4];

/// A chord as it sounds in the song: where, how long, and the right hand's voicing. The lines
/// (keys, pad, bass, log drum) all play over these.
#[derive(Debug, Clone, PartialEq)]
pub struct VoicedChord {
    /// Beats from the song's start.
    pub start_beats: f64,
    pub beats: f64,
    pub chord: ExtendedChord,
    pub voicing: Voicing,
    /// The first chord of a section (voice leading may jump here).
    pub section_start: bool,
}

impl VoicedChord {
    /// The chord's symbol spelled for the key: "Fm9".
    pub fn symbol(&self, key: Key) -> String {
        self.chord.symbol(key)
    }

    /// The chord over its span in seconds at `bpm`, as the analysis would hear it.
    pub fn span(&self, bpm: f64) -> yano_music::ChordSpan {
        let beat = 60.0 / bpm;
        yano_music::ChordSpan {
            start: self.start_beats * beat,
            end: (self.start_beats + self.beats) * beat,
            chord: Some(self.chord.chord()),
        }
    }
}

/// Lowest and highest notes of a right-hand voicing (AMAPIANO.md: G3–G4, give or take a third).
const RANGE: (u8, u8) = (52, 76);
/// Largest span of one voicing.
const MAX_SPAN: u8 = 14;
/// Largest move of one voice between successive chords.
pub const MAX_MOVE: u8 = 2;

/// Every rootless four-note voicing of a chord in range: the 3rd and 7th always, two more of its
/// voicing tones.
pub fn voicings(chord: &ExtendedChord) -> Vec<Voicing> {
    let tones = chord.voicing_tones();
    let guide = [chord.third() % 12, chord.seventh() % 12];
    let others: Vec<u8> = tones
        .iter()
        .copied()
        .filter(|t| !guide.contains(t))
        .collect();
    let colour = chord.colour_tone();
    let mut out = Vec::new();
    for i in 0..others.len() {
        for j in i + 1..others.len() {
            if colour.is_some_and(|c| others[i] != c && others[j] != c) {
                continue;
            }
            let pcs = [guide[0], guide[1], others[i], others[j]].map(|t| (chord.root + t) % 12);
            // Each pitch class in each octave of the range, then every sorted combination.
            let places: Vec<Vec<u8>> = pcs
                .iter()
                .map(|pc| (RANGE.0..=RANGE.1).filter(|n| n % 12 == *pc).collect())
                .collect();
            for a in &places[0] {
                for b in &places[1] {
                    for c in &places[2] {
                        for d in &places[3] {
                            let mut v = [*a, *b, *c, *d];
                            v.sort_unstable();
                            if v[3] - v[0] <= MAX_SPAN && v.windows(2).all(|w| w[0] != w[1]) {
                                out.push(v);
                            }
                        }
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The largest move of any voice from `a` to `b`.
pub fn largest_move(a: &Voicing, b: &Voicing) -> u8 {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

/// Voicings for a run of chords (one section) by the cheapest path: total motion plus a pull
/// towards the middle of the range, with no voice moving more than [`MAX_MOVE`]. `None` when no
/// such path exists.
pub fn voice_lead(chords: &[&ExtendedChord]) -> Option<Vec<Voicing>> {
    if chords.is_empty() {
        return Some(Vec::new());
    }
    let options: Vec<Vec<Voicing>> = chords.iter().map(|c| voicings(c)).collect();
    let centre = |v: &Voicing| {
        let mean = v.iter().map(|x| f64::from(*x)).sum::<f64>() / 4.0;
        0.15 * (mean - 64.0).abs()
    };
    let mut cost: Vec<f64> = options[0].iter().map(centre).collect();
    let mut back: Vec<Vec<usize>> = vec![vec![0; options[0].len()]];
    for k in 1..options.len() {
        let mut next = vec![f64::INFINITY; options[k].len()];
        let mut from = vec![0; options[k].len()];
        for (j, v) in options[k].iter().enumerate() {
            for (i, u) in options[k - 1].iter().enumerate() {
                if !cost[i].is_finite() || largest_move(u, v) > MAX_MOVE {
                    continue;
                }
                let motion: u32 = u
                    .iter()
                    .zip(v)
                    .map(|(x, y)| u32::from(x.abs_diff(*y)))
                    .sum();
                let c = cost[i] + f64::from(motion) + centre(v);
                if c < next[j] {
                    next[j] = c;
                    from[j] = i;
                }
            }
        }
        cost = next;
        back.push(from);
    }
    let (mut j, best) = cost.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1))?;
    if !best.is_finite() {
        return None;
    }
    let mut path = vec![options[options.len() - 1][j]];
    for k in (1..options.len()).rev() {
        j = back[k][j];
        path.push(options[k - 1][j]);
    }
    path.reverse();
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_fill_eight_bars_and_stay_in_key_but_for_passing_dominants() {
        for style in Style::ALL {
            for seed in 0..40 {
                let key = style.default_key();
                let slots = progression(style, key, 0.8, &mut Dice::new(seed));
                let beats: f64 = slots.iter().map(|s| s.beats).sum();
                assert_eq!(beats, 32.0, "{style} seed {seed}");
                for s in slots.iter().filter(|s| !s.chord.passing) {
                    for t in s.chord.voicing_tones() {
                        assert!(key.contains(s.chord.root + t));
                    }
                }
            }
        }
    }

    #[test]
    fn voice_leading_moves_each_voice_at_most_two_semitones() {
        let key = Key::parse("Ab major").unwrap();
        // vi ii V I, cycled twice: the classic 6-2-5-1.
        let chords: Vec<ExtendedChord> = [5, 1, 4, 0, 5, 1, 4, 0]
            .iter()
            .map(|d| ExtendedChord::on_degree(key, *d))
            .collect();
        let refs: Vec<&ExtendedChord> = chords.iter().collect();
        let path = voice_lead(&refs).expect("a path");
        for w in path.windows(2) {
            assert!(largest_move(&w[0], &w[1]) <= MAX_MOVE, "{w:?}");
        }
        for v in &path {
            assert!(v[0] >= RANGE.0 && v[3] <= RANGE.1);
        }
    }
}
