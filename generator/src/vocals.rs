//! The vocals line: pitched one-step chops answering the log drum in the drops, a sung hook over
//! the chords (chord tones on strong beats, about an octave of range, phrases ending near the
//! bar line, a stacked "ooh" under it), and chants ("hey", "haai") closing 4-bar phrases.
//! Every note carries the syllable it is sung on. Pure and seeded like the rest of the composer.

use yano_engine::clip::Note;
use yano_engine::syllable::Syllable;
use yano_music::Key;

use crate::form::{Line, Section};
use crate::groove::Feel;
use crate::harmony::VoicedChord;
use crate::prompt::Style;
use crate::rng::Dice;

/// Which kinds of vocal the track has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct VocalParts {
    /// Short pitched stabs off the beat, answering the log drum.
    pub chops: bool,
    /// A sung phrase over the chords in the hook.
    pub hook: bool,
    /// Shouts closing phrases.
    pub chants: bool,
}

impl VocalParts {
    pub const NONE: VocalParts = VocalParts {
        chops: false,
        hook: false,
        chants: false,
    };
    /// "vocals" without saying which: chops and a hook.
    pub const SUNG: VocalParts = VocalParts {
        chops: true,
        hook: true,
        chants: false,
    };

    /// What a style has when the prompt does not say: AMAPIANO.md's mainstream and private
    /// school tracks carry chops and a hook; sgija has few vocals, only chants.
    pub fn default_for(style: Style) -> VocalParts {
        match style {
            Style::Amapiano | Style::PrivateSchool => VocalParts::SUNG,
            Style::Sgija => VocalParts {
                chants: true,
                ..VocalParts::NONE
            },
        }
    }

    pub fn any(self) -> bool {
        self.chops || self.hook || self.chants
    }

    /// The words it is described by ("chops, hook").
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.chops, "chops"),
            (self.hook, "hook"),
            (self.chants, "chants"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect()
    }
}

/// The voice type the style's singer has (an `instrument.voice` choice).
pub fn voice_type(style: Style) -> &'static str {
    match style {
        Style::Amapiano => "soprano",
        Style::PrivateSchool => "alto",
        Style::Sgija => "tenor",
    }
}

/// The hook's lowest note: the tonic in the singer's register, so the line sits in about an
/// octave above it (soprano around C5, alto around G4, tenor around C4).
fn floor_note(style: Style, key: Key) -> u8 {
    let low = match style {
        Style::Amapiano => 62,
        Style::PrivateSchool => 55,
        Style::Sgija => 50,
    };
    low + (key.tonic + 12 - low % 12) % 12
}

/// The bars (inclusive, from 1) where the hook is sung: the hook section when the form has one;
/// otherwise the first 8 or 16 bars of the second drop, or the first drop's second half.
pub fn hook_bars(sections: &[Section]) -> Option<(u32, u32)> {
    let find = |name: &str| sections.iter().find(|s| s.name == name);
    if let Some(h) = find("hook") {
        return Some((h.first_bar, h.last_bar));
    }
    if let Some(d) = find("drop_2") {
        let bars = if d.bars() >= 32 { 16 } else { 8 }.min(d.bars());
        return Some((d.first_bar, d.first_bar + bars - 1));
    }
    let d = find("drop_1")?;
    let half = d.bars() / 2;
    let first = if half >= 8 {
        d.first_bar + half
    } else {
        d.first_bar
    };
    Some((first, d.last_bar))
}

/// Bars where chops (and chants) are sung: the drops, outside the hook.
pub fn chop_bars(sections: &[Section]) -> Vec<(u32, u32)> {
    let hook = hook_bars(sections);
    let mut out = Vec::new();
    for s in sections
        .iter()
        .filter(|s| matches!(s.name, "drop_1" | "drop_2"))
    {
        let (a, b) = (s.first_bar, s.last_bar);
        match hook {
            Some((h0, h1)) if h0 <= b && h1 >= a => {
                if a < h0 {
                    out.push((a, h0 - 1));
                }
                if h1 < b {
                    out.push((h1 + 1, b));
                }
            }
            _ => out.push((a, b)),
        }
    }
    out
}

/// The bars a vocal line plays, for the arrangement.
pub fn plays(line: Line, sections: &[Section]) -> Vec<(u32, u32)> {
    match line {
        Line::VocalHook => hook_bars(sections).into_iter().collect(),
        Line::VocalChops => chop_bars(sections),
        _ => Vec::new(),
    }
}

fn syllable(text: &str) -> Syllable {
    // Every literal here is a valid syllable; an invalid one would sing the node's vowel.
    Syllable::new(text).unwrap_or(Syllable::NONE)
}

/// The chord sounding at `beats`.
fn chord_at(chords: &[VoicedChord], beats: f64) -> Option<&VoicedChord> {
    chords
        .iter()
        .find(|c| c.start_beats <= beats + 1e-9 && beats < c.start_beats + c.beats - 1e-9)
}

/// Pitch classes of the chord at `beats` that are in the key (root, third, fifth, seventh,
/// ninth), or the key's tonic triad when none is.
fn chord_tones(chords: &[VoicedChord], key: Key, beats: f64) -> Vec<u8> {
    let tones: Vec<u8> = chord_at(chords, beats)
        .map(|c| {
            let t = c.chord.tones;
            [0, t[0], t[1], t[2], t[3]]
                .iter()
                .map(|i| (c.chord.root + i) % 12)
                .filter(|pc| key.contains(*pc))
                .collect()
        })
        .unwrap_or_default();
    if tones.is_empty() {
        let scale = key.scale();
        vec![scale[0], scale[2], scale[4]]
    } else {
        tones
    }
}

/// The note of one of `classes` in `low..=high` nearest to `near`.
fn nearest(classes: &[u8], low: u8, high: u8, near: u8) -> u8 {
    (low..=high)
        .filter(|n| classes.contains(&(n % 12)))
        .min_by_key(|n| (i32::from(*n) - i32::from(near)).abs())
        .unwrap_or(near.clamp(low, high))
}

/// The scale note `steps` scale degrees from `from` (which need not be in the scale), kept in
/// `low..=high` by turning back at the edges.
fn scale_step(key: Key, from: u8, steps: i32, low: u8, high: u8) -> u8 {
    let in_key: Vec<u8> = (low..=high).filter(|n| key.contains(n % 12)).collect();
    let Some(here) = in_key
        .iter()
        .enumerate()
        .min_by_key(|(_, n)| (i32::from(**n) - i32::from(from)).abs())
        .map(|(i, _)| i as i32)
    else {
        return from;
    };
    let mut to = here + steps;
    if to < 0 || to >= in_key.len() as i32 {
        to = here - steps;
    }
    in_key[to.clamp(0, in_key.len() as i32 - 1) as usize]
}

/// Rhythms of one bar of the hook: (beat, length) of each note; the last is a phrase's end,
/// landing on beat 3 and held to just before the bar line.
const HOOK_RHYTHMS: [&[(f64, f64)]; 4] = [
    &[(0.0, 1.0), (1.0, 0.5), (1.5, 0.5), (2.0, 1.5)],
    &[(0.5, 0.5), (1.0, 1.0), (2.0, 1.0), (3.0, 0.5)],
    &[(0.0, 1.5), (1.5, 0.5), (2.0, 1.0), (3.0, 0.75)],
    &[(0.0, 0.75), (0.75, 0.75), (1.5, 0.5), (2.5, 1.0)],
];
const PHRASE_END: &[(f64, f64)] = &[(0.0, 1.0), (1.0, 1.0), (2.0, 1.9)];

/// Lyrics of the hook, one line a 4-bar phrase: vocables and isiZulu-like syllables made of
/// the consonants and vowels `instrument.voice` sings.
const HOOK_LYRICS: [&[&str]; 4] = [
    &["o", "we", "ma", "ma", "yeah", "we", "na", "ya", "ooh"],
    &["ngi", "ya", "ku", "ta", "na", "we", "ma", "ma", "oh"],
    &["hey", "ye", "ha", "wu", "sho", "sho", "ya", "na", "ah"],
    &["ya", "ye", "na", "we", "o", "ma", "ye", "ye", "eh"],
];

/// Syllables of the chops.
const CHOP_SYLLABLES: [&str; 5] = ["ah", "eh", "yeah", "oh", "hey"];

/// The hook: a 4-bar phrase sung over the chords and repeated through the hook's bars, its
/// second pass varied; a stacked "ooh" on each chord under it.
fn hook(key: Key, style: Style, chords: &[VoicedChord], bars: (u32, u32), seed: u64) -> Vec<Note> {
    let mut dice = Dice::stream(seed, "vocal hook");
    let low = floor_note(style, key);
    let high = low + 12;
    let rhythms: Vec<usize> = (0..3).map(|_| dice.below(HOOK_RHYTHMS.len())).collect();
    let lyric = HOOK_LYRICS[dice.below(HOOK_LYRICS.len())];
    let mut notes = Vec::new();
    let mut last = low + 7;
    for bar in bars.0..=bars.1 {
        let in_phrase = (bar - bars.0) % 4;
        let pass = (bar - bars.0) / 4;
        let rhythm = if in_phrase == 3 {
            PHRASE_END
        } else {
            // The second pass of each 8 bars swaps the middle bar's rhythm.
            let k = rhythms[in_phrase as usize];
            HOOK_RHYTHMS[if pass % 2 == 1 && in_phrase == 1 {
                (k + 1) % HOOK_RHYTHMS.len()
            } else {
                k
            }]
        };
        let bar_start = f64::from(bar - 1) * 4.0;
        for (k, (beat, length)) in rhythm.iter().enumerate() {
            let at = bar_start + beat;
            let strong = beat.fract() == 0.0 && (*beat as u32).is_multiple_of(2);
            let pitch = if strong || k == rhythm.len() - 1 {
                let leap = [-3, 2, 4, -2, 0][dice.below(5)];
                let aim = (i32::from(last) + leap).clamp(i32::from(low), i32::from(high)) as u8;
                nearest(&chord_tones(chords, key, at), low, high, aim)
            } else {
                let step = [1, -1, 2, -1, 1][dice.below(5)];
                scale_step(key, last, step, low, high)
            };
            last = pitch;
            let word = lyric[(notes.len() + 3 * in_phrase as usize) % lyric.len()];
            notes.push(Note {
                pitch,
                start_beats: at,
                length_beats: length - 0.05,
                velocity: if strong { 0.82 } else { 0.72 },
                syllable: syllable(if k == rhythm.len() - 1 && in_phrase == 3 {
                    "ooh"
                } else {
                    word
                }),
            });
        }
    }
    // The stack: three chord tones under the lead on every chord of the hook, sung "ooh".
    let (from, to) = (f64::from(bars.0 - 1) * 4.0, f64::from(bars.1) * 4.0);
    for c in chords
        .iter()
        .filter(|c| c.start_beats >= from && c.start_beats < to)
    {
        let tones = chord_tones(chords, key, c.start_beats);
        let mut pitch = low - 5;
        let mut stack = Vec::new();
        for _ in 0..3 {
            let next = (pitch + 2..=pitch + 7).find(|n| tones.contains(&(n % 12)));
            let Some(n) = next else { break };
            stack.push(n);
            pitch = n;
        }
        for n in stack {
            notes.push(Note {
                pitch: n,
                start_beats: c.start_beats,
                length_beats: (c.beats - 0.1).max(0.25),
                velocity: 0.5,
                syllable: syllable("ooh"),
            });
        }
    }
    notes.sort_by(|a, b| {
        a.start_beats
            .total_cmp(&b.start_beats)
            .then(a.pitch.cmp(&b.pitch))
    });
    notes
}

/// Steps (16ths of the bar) where the log drum sounds in `bar`.
fn log_drum_steps(log_drum: &[Note], bar: u32) -> Vec<u32> {
    let start = f64::from(bar - 1) * 4.0;
    log_drum
        .iter()
        .filter(|n| n.start_beats >= start - 0.01 && n.start_beats < start + 4.0 - 0.01)
        .map(|n| ((n.start_beats - start) * 4.0).round().max(0.0) as u32)
        .collect()
}

/// Chops: a 2-bar motif of one-step stabs on off-beat 16ths the log drum leaves free (so they
/// answer it), on chord tones, a new motif every 8 bars; and chants closing 4-bar phrases.
fn chops(cx: &VocalContext<'_>, ranges: &[(u32, u32)]) -> Vec<Note> {
    let VocalContext {
        key,
        style,
        feel,
        density,
        chords,
        log_drum,
        parts,
        seed,
        ..
    } = *cx;
    let mut dice = Dice::stream(seed, "vocal chops");
    let low = floor_note(style, key);
    let mut notes = Vec::new();
    // (bar of the motif 0..2, step, syllable index, degree among the chord tones)
    let mut motif: Vec<(u32, u32, usize, usize)> = Vec::new();
    let per_bar = 2 + usize::from(density > 0.6);
    for &(a, b) in ranges {
        for bar in a..=b {
            if (bar - a) % 8 == 0 || motif.is_empty() {
                motif.clear();
                for half in 0..2 {
                    let free: Vec<u32> = [2, 3, 6, 7, 10, 11, 14, 15]
                        .into_iter()
                        .filter(|s| !log_drum_steps(log_drum, bar + half).contains(s))
                        .collect();
                    let mut picks: Vec<u32> = Vec::new();
                    while picks.len() < per_bar && picks.len() < free.len() {
                        let s = free[dice.below(free.len())];
                        if !picks.contains(&s) && !picks.iter().any(|p| p.abs_diff(s) < 2) {
                            picks.push(s);
                        } else if dice.chance(0.3) {
                            break;
                        }
                    }
                    picks.sort_unstable();
                    for s in picks {
                        motif.push((half, s, dice.below(CHOP_SYLLABLES.len()), dice.below(3)));
                    }
                }
            }
            if parts.chops {
                let half = (bar - a) % 2;
                for &(_, step, word, degree) in motif.iter().filter(|m| m.0 == half) {
                    let at = feel.at(bar, step, feel.swing);
                    // A bar whose log drum differs from the motif's (a roll) drops the clash.
                    if log_drum.iter().any(|d| (d.start_beats - at).abs() <= 0.2) {
                        continue;
                    }
                    let tones = chord_tones(chords, key, at);
                    let pitch = nearest(&tones, low, low + 12, low + 4 + 3 * degree as u8);
                    notes.push(Note {
                        pitch,
                        start_beats: at,
                        length_beats: 0.22,
                        velocity: if step % 4 == 2 { 0.85 } else { 0.74 },
                        syllable: syllable(CHOP_SYLLABLES[word]),
                    });
                }
            }
            if parts.chants && (bar - a) % 4 == 3 {
                // "hey" on beat 4, "haai" on its "and", root and octave in unison.
                let root = chord_tones(chords, key, f64::from(bar - 1) * 4.0 + 3.0)[0];
                let pitch = nearest(&[root], low - 12, low - 1, low - 6);
                for (step, word) in [(12, "hey"), (14, "haai")] {
                    let at = feel.at(bar, step, feel.swing.min(0.54));
                    for p in [pitch, pitch + 12] {
                        notes.push(Note {
                            pitch: p,
                            start_beats: at,
                            length_beats: if step == 14 { 0.45 } else { 0.3 },
                            velocity: 0.9,
                            syllable: syllable(word),
                        });
                    }
                }
            }
        }
    }
    notes.sort_by(|a, b| {
        a.start_beats
            .total_cmp(&b.start_beats)
            .then(a.pitch.cmp(&b.pitch))
    });
    notes
}

/// Everything a vocal line needs from the composer.
pub struct VocalContext<'a> {
    pub style: Style,
    pub key: Key,
    pub feel: Feel,
    pub density: f64,
    pub sections: &'a [Section],
    pub chords: &'a [VoicedChord],
    pub log_drum: &'a [Note],
    pub parts: VocalParts,
    pub seed: u64,
}

/// The notes of a vocal line (empty when the track does not have that part).
pub fn line(line: Line, cx: &VocalContext<'_>) -> Vec<Note> {
    match line {
        Line::VocalHook if cx.parts.hook => hook_bars(cx.sections)
            .map(|bars| hook(cx.key, cx.style, cx.chords, bars, cx.seed))
            .unwrap_or_default(),
        Line::VocalChops if cx.parts.chops || cx.parts.chants => chops(cx, &chop_bars(cx.sections)),
        _ => Vec::new(),
    }
}
