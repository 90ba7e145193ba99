//! Form: sections on 8-bar multiples after AMAPIANO.md's template (intro → keys → drop 1 → hook →
//! breakdown → drop 2 → outro), fitted to the requested length, and which lines play in which
//! bars: one layer in or out every 8 bars.

use crate::prompt::Style;

/// A section of the song. Bars count from 1; `last_bar` is included.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Section {
    pub name: &'static str,
    pub first_bar: u32,
    pub last_bar: u32,
    /// 0..=1, from the energy curve: velocities and density follow it.
    pub energy: f64,
}

impl Section {
    pub fn bars(&self) -> u32 {
        self.last_bar + 1 - self.first_bar
    }

    pub fn contains(&self, bar: u32) -> bool {
        (self.first_bar..=self.last_bar).contains(&bar)
    }
}

/// How energy moves through the song.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnergyCurve {
    /// Rises in stages to the second drop, falls in the breakdown and the outro.
    Build,
    /// Nearly level from the first drop on.
    Steady,
    /// Starts high and winds down.
    Fade,
}

impl EnergyCurve {
    pub fn parse(text: &str) -> Option<EnergyCurve> {
        match text.trim().to_ascii_lowercase().as_str() {
            "build" => Some(EnergyCurve::Build),
            "steady" | "flat" => Some(EnergyCurve::Steady),
            "fade" => Some(EnergyCurve::Fade),
            _ => None,
        }
    }

    fn energy(self, section: &str) -> f64 {
        let build = match section {
            "intro" => 0.35,
            "keys" => 0.5,
            "drop_1" => 0.75,
            "hook" => 0.85,
            "breakdown" => 0.4,
            "drop_2" => 1.0,
            _ => 0.5,
        };
        match self {
            EnergyCurve::Build => build,
            EnergyCurve::Steady => match section {
                "intro" | "outro" => 0.55,
                "breakdown" => 0.6,
                _ => 0.8,
            },
            EnergyCurve::Fade => match section {
                "intro" => 0.8,
                "keys" => 0.85,
                "drop_1" | "hook" => 0.9,
                "breakdown" => 0.5,
                "drop_2" => 0.7,
                _ => 0.4,
            },
        }
    }
}

/// (name, fewest 8-bar units, most units before the long sections grow further).
const TEMPLATE: [(&str, u32, u32); 7] = [
    ("intro", 1, 4),
    ("keys", 1, 2),
    ("drop_1", 2, 4),
    ("hook", 0, 4),
    ("breakdown", 1, 2),
    ("drop_2", 2, 6),
    ("outro", 1, 4),
];

/// Sections for `bars` (a multiple of 8, at least 16).
pub fn sections(bars: u32, curve: EnergyCurve) -> Vec<Section> {
    let units = (bars / 8).max(2);
    let mut plan: Vec<(&'static str, u32)> = if units >= 8 {
        TEMPLATE.iter().map(|(n, min, _)| (*n, *min)).collect()
    } else if units >= 6 {
        vec![
            ("intro", 1),
            ("drop_1", 2),
            ("breakdown", 1),
            ("drop_2", 2),
            ("outro", units - 6),
        ]
    } else if units >= 4 {
        vec![("intro", 1), ("drop_1", units - 2), ("outro", 1)]
    } else {
        vec![("intro", 1), ("drop_1", units - 1)]
    };
    let mut left = units - plan.iter().map(|(_, u)| u).sum::<u32>();
    // Growth order: the drops first, then the intro, a hook (two units at once), the outro …
    let order = [
        "drop_2",
        "drop_1",
        "intro",
        "hook",
        "outro",
        "keys",
        "breakdown",
    ];
    let max_of = |name: &str| TEMPLATE.iter().find(|t| t.0 == name).map_or(4, |t| t.2);
    while left > 0 {
        let mut grew = false;
        for name in order {
            if left == 0 {
                break;
            }
            let Some(entry) = plan.iter_mut().find(|(n, _)| *n == name) else {
                continue;
            };
            let step = if name == "hook" && entry.1 == 0 { 2 } else { 1 };
            if entry.1 + step <= max_of(name) && step <= left {
                entry.1 += step;
                left -= step;
                grew = true;
            }
        }
        if !grew {
            // Everything is at its longest: the drops and the hook take the rest in turn.
            for name in ["drop_2", "hook", "drop_1"] {
                if left > 0 {
                    if let Some(entry) = plan.iter_mut().find(|(n, u)| *n == name && *u > 0) {
                        entry.1 += 1;
                        left -= 1;
                    }
                }
            }
            if !plan
                .iter()
                .any(|(n, u)| ["drop_2", "hook", "drop_1"].contains(n) && *u > 0)
            {
                break;
            }
        }
    }
    let mut first = 1;
    plan.iter()
        .filter(|(_, u)| *u > 0)
        .map(|(name, units)| {
            let s = Section {
                name,
                first_bar: first,
                last_bar: first + 8 * units - 1,
                energy: curve.energy(name),
            };
            first += 8 * units;
            s
        })
        .collect()
}

/// The lines of a track, each an arrangement track feeding one instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    Kick,
    OpenHat,
    Toms,
    Clap,
    Shaker,
    Rim,
    Congas,
    LogDrum,
    Chords,
    Pad,
    Bass,
    /// Vocal chops (and chants) in the drops.
    VocalChops,
    /// The sung hook.
    VocalHook,
}

impl Line {
    pub const ALL: [Line; 13] = [
        Line::Kick,
        Line::OpenHat,
        Line::Toms,
        Line::Clap,
        Line::Shaker,
        Line::Rim,
        Line::Congas,
        Line::LogDrum,
        Line::Chords,
        Line::Pad,
        Line::Bass,
        Line::VocalChops,
        Line::VocalHook,
    ];

    /// The sequencer's node id.
    pub fn id(self) -> &'static str {
        match self {
            Line::Kick => "kick",
            Line::OpenHat => "open_hat",
            Line::Toms => "toms",
            Line::Clap => "clap",
            Line::Shaker => "shaker",
            Line::Rim => "rim",
            Line::Congas => "congas",
            Line::LogDrum => "log_drum_line",
            Line::Chords => "chords",
            Line::Pad => "pad_chords",
            Line::Bass => "bass_line",
            Line::VocalChops => "vocal_chops",
            Line::VocalHook => "vocal_hook",
        }
    }

    pub fn part(self) -> Part {
        match self {
            Line::Kick | Line::OpenHat | Line::Toms => Part::Drums,
            Line::Clap | Line::Shaker | Line::Rim | Line::Congas => Part::Percussion,
            Line::LogDrum => Part::LogDrum,
            Line::Chords => Part::Keys,
            Line::Pad => Part::Pad,
            Line::Bass => Part::Bass,
            Line::VocalChops | Line::VocalHook => Part::Vocals,
        }
    }
}

/// The instruments: each is one mixer channel, one stem and one MIDI track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Drums,
    Percussion,
    LogDrum,
    Keys,
    Pad,
    Bass,
    Vocals,
}

impl Part {
    pub const ALL: [Part; 7] = [
        Part::Drums,
        Part::Percussion,
        Part::LogDrum,
        Part::Keys,
        Part::Pad,
        Part::Bass,
        Part::Vocals,
    ];

    /// Node id, channel name, stem and MIDI track name.
    pub fn name(self) -> &'static str {
        match self {
            Part::Drums => "drums",
            Part::Percussion => "percussion",
            Part::LogDrum => "log_drum",
            Part::Keys => "keys",
            Part::Pad => "pad",
            Part::Bass => "bass",
            Part::Vocals => "vocals",
        }
    }

    /// "log drum", "log_drum", "logdrum", "piano" …
    pub fn parse(text: &str) -> Option<Part> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "drums" | "drum" | "kit" => Some(Part::Drums),
            "percussion" | "perc" => Some(Part::Percussion),
            "log_drum" | "logdrum" | "log" => Some(Part::LogDrum),
            "keys" | "piano" | "rhodes" | "chords" => Some(Part::Keys),
            "pad" | "pads" => Some(Part::Pad),
            "bass" | "sub" => Some(Part::Bass),
            "vocals" | "vocal" | "voice" | "voices" | "vox" | "singer" => Some(Part::Vocals),
            _ => None,
        }
    }

    pub fn is_drums(self) -> bool {
        matches!(self, Part::Drums | Part::Percussion)
    }
}

/// The bars a line plays in: whole sections, plus the layers that enter half way through long
/// intros and leave half way through outros. Ranges are inclusive and merged.
pub fn plays(line: Line, style: Style, sections: &[Section]) -> Vec<(u32, u32)> {
    if line.part() == Part::Vocals {
        return crate::vocals::plays(line, sections);
    }
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    let has = |name: &str| sections.iter().any(|s| s.name == name);
    // Short forms lack the sections where pad and bass enter: they join the first drop.
    let short = !has("keys") || !has("drop_2");
    for s in sections {
        let half = s.first_bar + 8 * (s.bars() / 16);
        let second_half = (half.max(s.first_bar + 8).min(s.last_bar + 1), s.last_bar);
        let first_half = (s.first_bar, (half.max(s.first_bar + 8) - 1).min(s.last_bar));
        let range = match (line, s.name) {
            (Line::Kick, "breakdown") => None,
            (Line::Kick, _) => Some((s.first_bar, s.last_bar)),
            (Line::OpenHat, "intro") if s.bars() >= 16 => Some(second_half),
            (Line::OpenHat, "intro" | "breakdown") => None,
            (Line::OpenHat, "outro") => Some(first_half),
            (Line::OpenHat, _) => Some((s.first_bar, s.last_bar)),
            (Line::Toms, "drop_1" | "hook" | "drop_2") => Some((s.first_bar, s.last_bar)),
            (Line::Toms, _) => None,
            (Line::Clap, "intro") if s.bars() >= 16 => Some(second_half),
            (Line::Clap, "intro") => None,
            (Line::Clap, _) => Some((s.first_bar, s.last_bar)),
            (Line::Shaker, _) => Some((s.first_bar, s.last_bar)),
            (Line::Rim, "breakdown" | "keys") => None,
            (Line::Rim, _) => Some((s.first_bar, s.last_bar)),
            (Line::Congas, "hook" | "drop_2") => Some((s.first_bar, s.last_bar)),
            (Line::Congas, "drop_1") if style == Style::Sgija => Some((s.first_bar, s.last_bar)),
            (Line::Congas, "drop_1") if s.bars() >= 16 => Some(second_half),
            (Line::Congas, _) => None,
            (Line::LogDrum, "drop_1" | "hook" | "drop_2") => Some((s.first_bar, s.last_bar)),
            (Line::LogDrum, "outro") if s.bars() >= 16 => Some(first_half),
            (Line::LogDrum, _) => None,
            (Line::Chords, "intro") => None,
            (Line::Chords, "outro") => Some(first_half),
            (Line::Chords, _) => Some((s.first_bar, s.last_bar)),
            (Line::Pad, "keys" | "hook" | "breakdown" | "drop_2") => {
                Some((s.first_bar, s.last_bar))
            }
            (Line::Pad, "drop_1") if short => Some((s.first_bar, s.last_bar)),
            (Line::Pad, _) => None,
            (Line::Bass, "hook" | "drop_2") => Some((s.first_bar, s.last_bar)),
            (Line::Bass, "drop_1") if style == Style::PrivateSchool => {
                Some((s.first_bar, s.last_bar))
            }
            (Line::Bass, "drop_1") if short => Some((s.first_bar, s.last_bar)),
            (Line::Bass, _) => None,
            (Line::VocalChops | Line::VocalHook, _) => None,
        };
        if let Some((a, b)) = range.filter(|(a, b)| a <= b) {
            match ranges.last_mut() {
                Some(last) if last.1 + 1 == a => last.1 = b,
                _ => ranges.push((a, b)),
            }
        }
    }
    ranges
}

/// Ranges as the arrangement node writes them: "9-40, 49-80", or "none".
pub fn ranges_text(ranges: &[(u32, u32)]) -> String {
    if ranges.is_empty() {
        return "none".into();
    }
    ranges
        .iter()
        .map(|(a, b)| format!("{a}-{b}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_tile_the_song_on_eight_bar_multiples() {
        for bars in (16..=400).step_by(8) {
            let s = sections(bars, EnergyCurve::Build);
            assert_eq!(s[0].first_bar, 1);
            assert_eq!(s.last().unwrap().last_bar, bars, "{bars}: {s:?}");
            for w in s.windows(2) {
                assert_eq!(w[0].last_bar + 1, w[1].first_bar);
            }
            assert!(s.iter().all(|x| x.bars() % 8 == 0));
        }
        let names: Vec<&str> = sections(96, EnergyCurve::Build)
            .iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(
            names,
            ["intro", "keys", "drop_1", "breakdown", "drop_2", "outro"]
        );
        let names: Vec<&str> = sections(192, EnergyCurve::Build)
            .iter()
            .map(|s| s.name)
            .collect();
        assert!(names.contains(&"hook"));
    }

    #[test]
    fn layers_enter_and_leave() {
        let s = sections(96, EnergyCurve::Build);
        let log_drum = plays(Line::LogDrum, Style::Amapiano, &s);
        let breakdown = s.iter().find(|x| x.name == "breakdown").unwrap();
        assert!(log_drum
            .iter()
            .all(|(a, b)| *b < breakdown.first_bar || *a > breakdown.last_bar));
        assert_eq!(plays(Line::Shaker, Style::Amapiano, &s), [(1, 96)]);
        assert_eq!(ranges_text(&[(9, 40), (49, 80)]), "9-40, 49-80");
    }
}
