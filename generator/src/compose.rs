//! From a request to a track: sections, chords with their voicings, and the notes of every line.
//! Pure and deterministic: the same request gives the same track.

use yano_engine::clip::Note;
use yano_engine::syllable::Syllable;
use yano_music::Key;

use crate::form::{self, EnergyCurve, Line, Part, Section};
use crate::groove::{self, Feel};
use crate::harmony::{self, VoicedChord};
use crate::log_drum;
use crate::prompt::{self, Character, Length, Reading, Style};
use crate::rng::Dice;
use crate::theory::ExtendedChord;
use crate::vocals::{self, VocalContext, VocalParts};
use crate::GenerateError;

/// Everything the generator needs, after reading the prompt and applying options.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub style: Style,
    pub key: Key,
    pub bpm: f64,
    /// Swing of shakers, hats and percussion (share of a 16th pair given to the first, 0.5–0.75);
    /// kick, clap and log drum swing at most 54 %.
    pub swing: f64,
    /// A multiple of 8, at least 16.
    pub bars: u32,
    pub seed: u64,
    pub character: Character,
    pub energy: EnergyCurve,
    /// The instruments that play, in mixer order.
    pub parts: Vec<Part>,
    /// What the vocals sing, when [`Part::Vocals`] plays.
    pub vocals: VocalParts,
    /// Mood words understood, for the record.
    pub moods: Vec<String>,
}

/// Explicit choices that override what the prompt says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    pub style: Option<String>,
    pub key: Option<String>,
    pub bpm: Option<f64>,
    /// Swing as a share (0.5 straight … 0.75 dotted); the style's own when absent.
    pub swing: Option<f64>,
    pub bars: Option<u32>,
    pub seconds: Option<f64>,
    pub seed: u64,
    pub energy: Option<String>,
    pub density: Option<f64>,
    pub complexity: Option<f64>,
    /// Instruments that play (all when empty).
    pub parts: Vec<String>,
    /// Instruments left out.
    pub without: Vec<String>,
}

impl Request {
    /// Reads `prompt`, then applies `options` over it and defaults for what neither says.
    /// Returns the request and the reading (with the words not understood).
    pub fn new(prompt: &str, options: &Options) -> Result<(Request, Reading), GenerateError> {
        let reading = prompt::read(prompt);
        let style = match &options.style {
            Some(s) => Style::parse(s).ok_or_else(|| GenerateError::Option {
                option: "style",
                value: s.clone(),
                expected: "amapiano, private_school or sgija",
            })?,
            None => reading.style.unwrap_or(Style::Amapiano),
        };
        let (mut character, lean) = prompt::character_of(&reading.moods);
        let key = match &options.key {
            Some(k) => Key::parse(k).ok_or_else(|| GenerateError::Option {
                option: "key",
                value: k.clone(),
                expected: "a key such as \"Eb minor\", \"F#m\" or \"C major\"",
            })?,
            None => reading.key.unwrap_or_else(|| {
                let k = style.default_key();
                match lean {
                    // A mood that leans to a mode moves the default key to its relative.
                    Some(m) if m != k.mode => k.relative(),
                    _ => k,
                }
            }),
        };
        let bpm = options.bpm.or(reading.bpm).unwrap_or(style.default_bpm());
        if !(60.0..=200.0).contains(&bpm) {
            return Err(GenerateError::Option {
                option: "bpm",
                value: bpm.to_string(),
                expected: "a tempo from 60 to 200 BPM",
            });
        }
        let swing = options.swing.unwrap_or(style.swing());
        if !(0.5..=0.75).contains(&swing) {
            return Err(GenerateError::Option {
                option: "swing",
                value: swing.to_string(),
                expected: "a share from 0.5 (straight) to 0.75",
            });
        }
        let length = match (options.bars, options.seconds) {
            (Some(b), _) => Length::Bars(b),
            (None, Some(s)) => Length::Seconds(s),
            (None, None) => reading.length.unwrap_or(Length::Bars(96)),
        };
        let bars = length.bars(bpm);
        let energy = match &options.energy {
            Some(e) => EnergyCurve::parse(e).ok_or_else(|| GenerateError::Option {
                option: "energy",
                value: e.clone(),
                expected: "build, steady or fade",
            })?,
            None => EnergyCurve::Build,
        };
        let unit = |option: &'static str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(GenerateError::Option {
                    option,
                    value: v.to_string(),
                    expected: "a number from 0 to 1",
                })
            }
        };
        if let Some(d) = options.density {
            character.density = unit("density", d)?;
        }
        if let Some(c) = options.complexity {
            character.complexity = unit("complexity", c)?;
        }
        let parse_parts = |names: &[String]| -> Result<Vec<Part>, GenerateError> {
            names
                .iter()
                .flat_map(|n| n.split(','))
                .filter(|n| !n.trim().is_empty())
                .map(|n| {
                    Part::parse(n).ok_or_else(|| GenerateError::Option {
                        option: "instruments",
                        value: n.to_string(),
                        expected: "drums, percussion, log_drum, keys, pad, bass or vocals",
                    })
                })
                .collect()
        };
        let only = parse_parts(&options.parts)?;
        let without = parse_parts(&options.without)?;
        // Vocals: what the prompt asks for, else the style's own; naming them in --instruments
        // brings the style's own back even when the style has none by default.
        let mut vocals = reading.vocals.unwrap_or(VocalParts::default_for(style));
        if only.contains(&Part::Vocals) && !vocals.any() {
            vocals = VocalParts::SUNG;
        }
        let parts: Vec<Part> = Part::ALL
            .into_iter()
            .filter(|p| only.is_empty() || only.contains(p))
            .filter(|p| !without.contains(p))
            .filter(|p| *p != Part::Vocals || vocals.any())
            .collect();
        if !parts.contains(&Part::Vocals) {
            vocals = VocalParts::NONE;
        }
        if parts.is_empty() {
            return Err(GenerateError::NoInstruments);
        }
        Ok((
            Request {
                style,
                key,
                bpm,
                swing,
                bars,
                seed: options.seed,
                character,
                energy,
                parts,
                vocals,
                moods: reading.moods.clone(),
            },
            reading,
        ))
    }

    /// A request from plain values (scripts and the node): no prompt.
    pub fn plain(style: Style, key: Key, bpm: f64, bars: u32, seed: u64) -> Request {
        Request {
            style,
            key,
            bpm,
            swing: style.swing(),
            bars: Length::Bars(bars).bars(bpm),
            seed,
            character: Character::default(),
            energy: EnergyCurve::Build,
            parts: Part::ALL
                .into_iter()
                .filter(|p| *p != Part::Vocals || VocalParts::default_for(style).any())
                .collect(),
            vocals: VocalParts::default_for(style),
            moods: Vec::new(),
        }
    }

    pub fn seconds(&self) -> f64 {
        f64::from(self.bars) * 240.0 / self.bpm
    }
}

/// Inclusive ranges of bars (from 1).
pub type BarRanges = Vec<(u32, u32)>;

/// A composed track: the plan and every note.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub request: Request,
    pub sections: Vec<Section>,
    pub chords: Vec<VoicedChord>,
    /// Each line's notes over the whole song and the bars where the arrangement lets it play.
    pub lines: Vec<(Line, Vec<Note>, BarRanges)>,
}

impl Track {
    pub fn line(&self, line: Line) -> Option<&[Note]> {
        self.lines
            .iter()
            .find(|(l, _, _)| *l == line)
            .map(|(_, n, _)| n.as_slice())
    }

    /// The notes a part plays as the arrangement lets them through, sorted by start.
    pub fn heard(&self, part: Part) -> Vec<Note> {
        let mut out: Vec<Note> = self
            .lines
            .iter()
            .filter(|(l, _, _)| l.part() == part)
            .flat_map(|(_, notes, ranges)| {
                notes.iter().filter(move |n| {
                    let bar = (n.start_beats / 4.0).floor() as u32 + 1;
                    ranges.iter().any(|(a, b)| (*a..=*b).contains(&bar))
                })
            })
            .copied()
            .collect();
        out.sort_by(|a, b| {
            a.start_beats
                .total_cmp(&b.start_beats)
                .then(a.pitch.cmp(&b.pitch))
        });
        out
    }

    /// The symbols of the chords sounding in a bar (from 1), in order, with the beat each
    /// starts on.
    pub fn chords_in_bar(&self, bar: u32) -> Vec<(f64, String)> {
        let (from, to) = (f64::from(bar - 1) * 4.0, f64::from(bar) * 4.0);
        self.chords
            .iter()
            .filter(|c| c.start_beats < to && c.start_beats + c.beats > from)
            .map(|c| {
                (
                    (c.start_beats - from).max(0.0) + 1.0,
                    c.symbol(self.request.key),
                )
            })
            .collect()
    }
}

/// Chords of the whole song with voicings: the main progression everywhere but the breakdown,
/// which gets a contrasting one. Draws again until every section voice-leads.
fn harmony(request: &Request, sections: &[Section]) -> Vec<VoicedChord> {
    let mut dice = Dice::stream(request.seed, "harmony");
    let complexity = request.character.complexity;
    let mut fallback = Vec::new();
    for attempt in 0..40 {
        let main = harmony::progression(request.style, request.key, complexity, &mut dice);
        let contrast = harmony::progression(request.style, request.key, complexity, &mut dice);
        let mut spans = Vec::new();
        let mut ok = true;
        for section in sections {
            let progression = if section.name == "breakdown" {
                &contrast
            } else {
                &main
            };
            let first = spans.len();
            let mut at = f64::from(section.first_bar - 1) * 4.0;
            let end = f64::from(section.last_bar) * 4.0;
            'fill: loop {
                for slot in progression {
                    if at >= end - 1e-9 {
                        break 'fill;
                    }
                    spans.push(VoicedChord {
                        start_beats: at,
                        beats: slot.beats.min(end - at),
                        chord: slot.chord.clone(),
                        voicing: [0; 4],
                        section_start: spans.len() == first,
                    });
                    at += slot.beats;
                }
            }
            let chords: Vec<&ExtendedChord> = spans[first..].iter().map(|s| &s.chord).collect();
            match harmony::voice_lead(&chords) {
                Some(path) => {
                    for (span, v) in spans[first..].iter_mut().zip(path) {
                        span.voicing = v;
                    }
                }
                None => {
                    ok = false;
                    // Keep something playable if no draw ever works: the nearest voicing.
                    for span in &mut spans[first..] {
                        span.voicing = harmony::voicings(&span.chord)
                            .first()
                            .copied()
                            .unwrap_or([60, 64, 67, 71]);
                    }
                }
            }
        }
        if ok || attempt == 39 {
            return spans;
        }
        fallback = spans;
    }
    fallback
}

/// The keys' notes: right-hand voicings and a left hand of root and fifth (or seventh), played
/// per style: mainstream stabs on steps 2, 5, 10, 13; private-school held Rhodes chords
/// anticipated on step 14 of the bar before; sgija sparse stabs.
fn keys_line(request: &Request, chords: &[VoicedChord], feel: Feel) -> Vec<Note> {
    let mut dice = Dice::stream(request.seed, "keys");
    let density = request.character.density;
    let swing = feel.swing.min(0.54);
    let mut notes = Vec::new();
    let stab_steps: Vec<u32> = match request.style {
        Style::Amapiano => {
            let mut s = vec![2, 5, 10, 13];
            if dice.chance(0.5 * (1.0 - density)) {
                s.remove(1 + dice.below(3));
            }
            if dice.chance(0.4 * density) {
                s.push(7);
            }
            s
        }
        Style::Sgija => {
            let mut s = vec![2, 10];
            if dice.chance(0.3 + 0.5 * density) {
                s.push(if dice.chance(0.5) { 7 } else { 13 });
            }
            s
        }
        Style::PrivateSchool => Vec::new(),
    };
    for (i, span) in chords.iter().enumerate() {
        let left_root = 33 + (span.chord.root + 12 - 9) % 12;
        let left_top = match request.style {
            Style::PrivateSchool => left_root + span.chord.seventh(),
            Style::Sgija => left_root,
            Style::Amapiano => left_root + 7,
        };
        let mut left = vec![left_root];
        if left_top != left_root && left_top < 52 {
            left.push(left_top);
        }
        match request.style {
            Style::PrivateSchool => {
                // Anticipate chords that start on a bar line by an 8th (step 14 before).
                let on_bar = span.start_beats % 4.0 == 0.0 && span.start_beats > 0.0;
                let early = if on_bar { 0.5 } else { 0.0 };
                let next_early = chords
                    .get(i + 1)
                    .filter(|n| n.start_beats % 4.0 == 0.0)
                    .map_or(0.0, |_| 0.5);
                let start = span.start_beats - early;
                let length = (span.beats + early - next_early - 0.08).max(0.2);
                for n in span.voicing {
                    notes.push(Note {
                        pitch: n,
                        start_beats: start,
                        length_beats: length,
                        velocity: 0.66,
                        syllable: Syllable::NONE,
                    });
                }
                for n in left {
                    notes.push(Note {
                        pitch: n,
                        start_beats: start,
                        length_beats: length,
                        velocity: 0.55,
                        syllable: Syllable::NONE,
                    });
                }
            }
            _ => {
                for n in &left {
                    notes.push(Note {
                        pitch: *n,
                        start_beats: span.start_beats,
                        length_beats: (span.beats - 0.1).max(0.2),
                        velocity: 0.5,
                        syllable: Syllable::NONE,
                    });
                }
                let first_bar = (span.start_beats / 4.0).floor() as u32 + 1;
                let last_bar = ((span.start_beats + span.beats) / 4.0).ceil() as u32;
                for bar in first_bar..=last_bar {
                    for step in &stab_steps {
                        let at = feel.at(bar, *step, swing);
                        if at < span.start_beats || at >= span.start_beats + span.beats {
                            continue;
                        }
                        let accent = if *step == 2 { 0.78 } else { 0.7 };
                        for n in span.voicing {
                            notes.push(Note {
                                pitch: n,
                                start_beats: at,
                                length_beats: 0.2,
                                velocity: accent,
                                syllable: Syllable::NONE,
                            });
                        }
                    }
                }
            }
        }
    }
    notes
}

/// The pad: each chord's voicing held for the chord.
fn pad_line(chords: &[VoicedChord]) -> Vec<Note> {
    chords
        .iter()
        .flat_map(|c| {
            c.voicing.map(|n| Note {
                pitch: n,
                start_beats: c.start_beats,
                length_beats: (c.beats - 0.05).max(0.1),
                velocity: 0.6,
                syllable: Syllable::NONE,
            })
        })
        .collect()
}

/// A song's own plan for the composer to follow instead of drawing its own (amapianorize): its
/// sections and its chords, already on the new track's bars and beats.
#[derive(Debug, Clone, PartialEq)]
pub struct Following {
    /// Sections covering bars 1..=`request.bars`, named as [`form::plays`] knows them.
    pub sections: Vec<Section>,
    /// Each chord: its first beat (from 0), its length in beats, the chord. Beats with no chord
    /// (none heard in the song) are left out; only drums play there.
    pub chords: Vec<(f64, f64, ExtendedChord)>,
}

/// Voicings for chords that were not drawn by the grammar: voice-led section by section like
/// the composer's own, the nearest voicing where no path keeps every move within two semitones.
fn voice_following(following: &Following) -> Vec<VoicedChord> {
    let mut spans: Vec<VoicedChord> = Vec::new();
    let mut previous_section = None;
    for (start, beats, chord) in &following.chords {
        let bar = (start / 4.0).floor() as u32 + 1;
        let section = following.sections.iter().position(|s| s.contains(bar));
        spans.push(VoicedChord {
            start_beats: *start,
            beats: *beats,
            chord: chord.clone(),
            voicing: [0; 4],
            section_start: section != previous_section,
        });
        previous_section = section;
    }
    let mut first = 0;
    while first < spans.len() {
        let last = (first + 1..spans.len())
            .find(|&i| spans[i].section_start)
            .unwrap_or(spans.len());
        let chords: Vec<&ExtendedChord> = spans[first..last].iter().map(|s| &s.chord).collect();
        match harmony::voice_lead(&chords) {
            Some(path) => {
                for (span, v) in spans[first..last].iter_mut().zip(path) {
                    span.voicing = v;
                }
            }
            None => {
                for span in &mut spans[first..last] {
                    span.voicing = harmony::voicings(&span.chord)
                        .first()
                        .copied()
                        .unwrap_or([60, 64, 67, 71]);
                }
            }
        }
        first = last;
    }
    spans
}

/// Composes a track.
pub fn compose(request: &Request) -> Track {
    let sections = form::sections(request.bars, request.energy);
    let chords = harmony(request, &sections);
    compose_over(request, sections, chords)
}

/// Composes a track over a song's own sections and chords (the "follow chords" mode): the
/// log drum, bass, keys and pad play the song's harmony, not the grammar's; drums and
/// percussion play the style's grooves over the song's sections.
pub fn compose_following(request: &Request, following: &Following) -> Track {
    let chords = voice_following(following);
    compose_over(request, following.sections.clone(), chords)
}

fn compose_over(request: &Request, sections: Vec<Section>, chords: Vec<VoicedChord>) -> Track {
    let feel = Feel {
        bpm: request.bpm,
        swing: request.swing,
    };
    let density = request.character.density;
    let mut lines = Vec::new();
    for line in Line::ALL {
        if !request.parts.contains(&line.part()) {
            continue;
        }
        let notes = match line {
            Line::LogDrum => log_drum::line(
                request.style,
                request.key,
                feel,
                density,
                &sections,
                &chords,
                request.seed,
            ),
            Line::Chords => keys_line(request, &chords, feel),
            Line::Pad => pad_line(&chords),
            Line::Bass => log_drum::bass_line(&chords, &sections),
            Line::VocalChops | Line::VocalHook => {
                let log_drum: &[Note] = lines
                    .iter()
                    .find(|(l, _, _)| *l == Line::LogDrum)
                    .map_or(&[][..], |(_, n, _): &(Line, Vec<Note>, BarRanges)| {
                        n.as_slice()
                    });
                let notes = vocals::line(
                    line,
                    &VocalContext {
                        style: request.style,
                        key: request.key,
                        feel,
                        density,
                        sections: &sections,
                        chords: &chords,
                        log_drum,
                        parts: request.vocals,
                        seed: request.seed,
                    },
                );
                if notes.is_empty() {
                    continue;
                }
                notes
            }
            drum => groove::drum_line(drum, request.style, feel, density, &sections, request.seed),
        };
        let plays = form::plays(line, request.style, &sections);
        lines.push((line, notes, plays));
    }
    Track {
        request: request.clone(),
        sections,
        chords,
        lines,
    }
}
