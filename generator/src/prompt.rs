//! Reading a prompt: "soulful private school amapiano in Eb minor, 111 bpm, 3 minutes" becomes a
//! style, a tempo, a key, a length and mood words mapped to sound parameters. Every word the
//! reader did not understand is reported back, never silently dropped.

use std::fmt;

use yano_music::{Key, Mode};

use crate::vocals::VocalParts;

/// The three styles of AMAPIANO.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// Mainstream: piano stabs, punchy driven log drum, 112–114 BPM.
    Amapiano,
    /// Jazz progressions, Rhodes, soft long log drum, 108–112 BPM.
    PrivateSchool,
    /// Fast shakers, low heavily driven log drum, 113–115 BPM.
    Sgija,
}

impl Style {
    pub const ALL: [Style; 3] = [Style::Amapiano, Style::PrivateSchool, Style::Sgija];

    pub fn name(self) -> &'static str {
        match self {
            Style::Amapiano => "amapiano",
            Style::PrivateSchool => "private_school",
            Style::Sgija => "sgija",
        }
    }

    /// "private school", "private_school", "private-school", "sgija", "bacardi" …
    pub fn parse(text: &str) -> Option<Style> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "amapiano" | "mainstream" | "commercial" => Some(Style::Amapiano),
            "private_school" | "private_school_amapiano" | "privateschool" => {
                Some(Style::PrivateSchool)
            }
            "sgija" | "bacardi" => Some(Style::Sgija),
            _ => None,
        }
    }

    pub fn default_bpm(self) -> f64 {
        match self {
            Style::Amapiano => 113.0,
            Style::PrivateSchool => 111.0,
            Style::Sgija => 114.0,
        }
    }

    pub fn default_key(self) -> Key {
        match self {
            Style::Amapiano => Key::new(5, Mode::Minor),
            Style::PrivateSchool => Key::new(3, Mode::Major),
            Style::Sgija => Key::new(9, Mode::Minor),
        }
    }

    /// Swing of shakers, hats and percussion (share of a 16th pair given to the first).
    pub fn swing(self) -> f64 {
        match self {
            Style::Amapiano => 0.56,
            Style::PrivateSchool => 0.58,
            Style::Sgija => 0.54,
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the track sounds, each 0..=1 with 0.5 neutral. Mood words move these; options set them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Character {
    /// Log drum drive and punch.
    pub drive: f64,
    /// Harmonic richness: passing dominants, more chords a phrase.
    pub complexity: f64,
    /// Notes per bar in percussion, stabs and log drum.
    pub density: f64,
    /// Reverb amount.
    pub reverb: f64,
    /// Filter cutoffs and tone.
    pub brightness: f64,
}

impl Default for Character {
    fn default() -> Self {
        Character {
            drive: 0.5,
            complexity: 0.5,
            density: 0.5,
            reverb: 0.5,
            brightness: 0.5,
        }
    }
}

/// Mood words and what each does: (word, drive, complexity, density, reverb, brightness, mode).
const MOODS: &[(&str, [f64; 5], Option<Mode>)] = &[
    ("soulful", [-0.1, 0.2, 0.0, 0.15, -0.1], None),
    ("jazzy", [-0.1, 0.35, 0.05, 0.05, 0.0], None),
    ("dark", [0.15, 0.0, 0.0, 0.05, -0.3], Some(Mode::Minor)),
    ("energetic", [0.2, 0.0, 0.3, -0.1, 0.15], None),
    ("chill", [-0.2, 0.0, -0.25, 0.15, -0.1], None),
    ("deep", [0.0, 0.1, -0.1, 0.1, -0.25], None),
    ("uplifting", [0.0, 0.05, 0.1, 0.0, 0.25], Some(Mode::Major)),
    ("happy", [0.0, -0.05, 0.1, 0.0, 0.2], Some(Mode::Major)),
    ("sad", [-0.1, 0.1, -0.1, 0.15, -0.15], Some(Mode::Minor)),
    (
        "melancholic",
        [-0.1, 0.15, -0.1, 0.15, -0.15],
        Some(Mode::Minor),
    ),
    ("hard", [0.3, -0.1, 0.15, -0.15, 0.1], None),
    ("aggressive", [0.35, -0.1, 0.2, -0.15, 0.15], None),
    ("mellow", [-0.2, 0.1, -0.15, 0.1, -0.2], None),
    ("smooth", [-0.15, 0.15, -0.05, 0.1, -0.1], None),
    ("groovy", [0.05, 0.0, 0.15, 0.0, 0.05], None),
    ("bouncy", [0.1, 0.0, 0.2, -0.05, 0.1], None),
    ("minimal", [0.0, -0.2, -0.3, -0.05, 0.0], None),
    ("lush", [-0.05, 0.2, 0.0, 0.25, 0.05], None),
    ("warm", [-0.05, 0.05, 0.0, 0.1, -0.15], None),
    ("punchy", [0.25, 0.0, 0.05, -0.1, 0.1], None),
    ("dreamy", [-0.15, 0.15, -0.1, 0.3, 0.0], None),
    ("emotional", [-0.05, 0.2, -0.05, 0.15, -0.05], None),
    ("spiritual", [-0.1, 0.2, -0.1, 0.2, -0.05], None),
    ("dusty", [0.05, 0.05, 0.0, 0.0, -0.2], None),
    ("bright", [0.0, 0.0, 0.0, 0.0, 0.3], None),
    ("heavy", [0.3, 0.0, 0.05, 0.0, -0.05], None),
    ("sparse", [0.0, -0.1, -0.3, 0.05, 0.0], None),
    ("busy", [0.0, 0.05, 0.3, 0.0, 0.05], None),
];

/// Words that carry no meaning for the generator.
const FILLER: &[&str] = &[
    "a",
    "an",
    "the",
    "in",
    "at",
    "of",
    "with",
    "and",
    "but",
    "for",
    "to",
    "on",
    "track",
    "song",
    "tune",
    "beat",
    "music",
    "some",
    "style",
    "vibe",
    "vibes",
    "long",
    "key",
    "tempo",
    "about",
    "around",
    "please",
    "make",
    "me",
    "song,",
    "piano",
    "log",
    "drum",
    "drums",
    "amapiano",
    "private",
    "school",
    "sgija",
    "bacardi",
    "mainstream",
    "commercial",
    "bpm",
    "major",
    "minor",
    "min",
    "maj",
    "bars",
    "bar",
    "minutes",
    "minute",
    "min.",
    "mins",
    "seconds",
    "second",
    "secs",
    "sec",
];

/// Length as asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Length {
    Bars(u32),
    Seconds(f64),
}

impl Length {
    /// Bars at `bpm`, rounded to the nearest multiple of 8 (sections are 8-bar multiples), at
    /// least 16 and at most 512.
    pub fn bars(self, bpm: f64) -> u32 {
        let bars = match self {
            Length::Bars(b) => f64::from(b),
            Length::Seconds(s) => s * bpm / 240.0,
        };
        ((bars / 8.0).round() as u32 * 8).clamp(16, 512)
    }
}

/// What a prompt said, before options and defaults are applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub style: Option<Style>,
    pub bpm: Option<f64>,
    pub key: Option<Key>,
    pub length: Option<Length>,
    /// Mood words understood, in the order given.
    pub moods: Vec<String>,
    /// The vocals asked for ("vocal chops and a hook", "no vocals"); `None` when the prompt
    /// does not say.
    pub vocals: Option<VocalParts>,
    /// Words not understood.
    pub unknown: Vec<String>,
}

fn number(word: &str) -> Option<f64> {
    word.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Reads a prompt. Never fails: what it cannot read lands in `unknown`.
pub fn read(prompt: &str) -> Reading {
    let lower = prompt.to_lowercase().replace('♭', "b").replace('♯', "#");
    let words: Vec<String> = lower
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .map(|w| w.trim_matches(|c: char| matches!(c, ',' | '.' | '!' | '?' | '(' | ')' | '"')))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut r = Reading::default();
    let mut used = vec![false; words.len()];
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    // Styles first: "private school" and "private school amapiano" span words.
    for i in 0..words.len() {
        if w(i) == "private" && w(i + 1) == "school" {
            r.style = Some(Style::PrivateSchool);
            used[i] = true;
            used[i + 1] = true;
        } else if let Some(s) = Style::parse(w(i)).filter(|_| w(i) != "amapiano") {
            r.style = Some(s);
            used[i] = true;
        } else if let Some(s) = w(i).strip_suffix("-style").and_then(Style::parse) {
            r.style = Some(s);
            used[i] = true;
        }
    }
    for (word, used) in words.iter().zip(used.iter_mut()) {
        if word == "amapiano" {
            r.style.get_or_insert(Style::Amapiano);
            *used = true;
        }
    }
    r.vocals = read_vocals(&words, &mut used);
    for i in 0..words.len() {
        if used[i] {
            continue;
        }
        let word = w(i);
        // Tempo: "111 bpm", "111bpm", "bpm 111".
        if let Some(n) = word.strip_suffix("bpm").and_then(number) {
            r.bpm = Some(n);
            used[i] = true;
            continue;
        }
        if let Some(n) = number(word) {
            let next = w(i + 1);
            let unit = match next {
                "bpm" => Some("bpm"),
                "bars" | "bar" => Some("bars"),
                "minutes" | "minute" | "min" | "mins" | "min." => Some("min"),
                "seconds" | "second" | "secs" | "sec" | "s" => Some("s"),
                _ => None,
            };
            if let Some(unit) = unit {
                match unit {
                    "bpm" => r.bpm = Some(n),
                    "bars" => r.length = Some(Length::Bars(n.max(0.0) as u32)),
                    "min" => r.length = Some(Length::Seconds(n * 60.0)),
                    _ => r.length = Some(Length::Seconds(n)),
                }
                used[i] = true;
                used[i + 1] = true;
                continue;
            }
        }
        if let Some(n) = word.strip_suffix("min").and_then(number) {
            r.length = Some(Length::Seconds(n * 60.0));
            used[i] = true;
            continue;
        }
        // Keys: "eb minor", "ebm", "a min", "c major", "in f".
        let next = w(i + 1);
        if matches!(next, "minor" | "major" | "min" | "maj") {
            if let Some(k) = Key::parse(&format!("{word} {next}")) {
                r.key = Some(k);
                used[i] = true;
                used[i + 1] = true;
                continue;
            }
        }
        let after_in = i > 0 && w(i - 1) == "in";
        if word.len() <= 3 && (after_in || word.ends_with('m')) {
            if let Some(k) = Key::parse(word) {
                r.key = Some(k);
                used[i] = true;
                continue;
            }
        }
        if let Some((name, _, _)) = MOODS.iter().find(|(m, _, _)| *m == word) {
            r.moods.push((*name).to_string());
            used[i] = true;
            continue;
        }
        if FILLER.contains(&word) {
            used[i] = true;
        }
    }
    r.unknown = words
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(w, _)| w.clone())
        .collect();
    r
}

/// The vocal words of a prompt: "chops", "hook", "chants" ask for those; "vocals" (or "vocal",
/// "voice", "singing") alone asks for chops and a hook; "no vocals", "without vocals" and
/// "instrumental" for none. Marks the words it reads as used.
fn read_vocals(words: &[String], used: &mut [bool]) -> Option<VocalParts> {
    let general = [
        "vocals", "vocal", "voice", "voices", "singing", "sung", "vox",
    ];
    let mut asked = VocalParts::NONE;
    let mut said = false;
    let mut refused = false;
    for (i, word) in words.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| words[j].as_str());
        let negated = matches!(before, Some("no" | "without"));
        let specific = match word.as_str() {
            "chops" | "chop" => Some(&mut asked.chops),
            "hook" | "hooks" => Some(&mut asked.hook),
            "chants" | "chant" | "chanting" | "shouts" => Some(&mut asked.chants),
            _ => None,
        };
        let known = specific.is_some() || general.contains(&word.as_str());
        if let Some(flag) = specific {
            *flag = !negated;
        }
        if word == "instrumental" || (negated && general.contains(&word.as_str())) {
            refused = true;
        }
        if known || word == "instrumental" {
            said = true;
            used[i] = true;
            if negated {
                used[i - 1] = true;
            }
        }
    }
    if !said {
        return None;
    }
    if refused {
        return Some(VocalParts::NONE);
    }
    Some(if asked.any() { asked } else { VocalParts::SUNG })
}

/// Character after applying `moods` to neutral, and the mode they lean to (if any).
pub fn character_of(moods: &[String]) -> (Character, Option<Mode>) {
    let mut c = [0.5f64; 5];
    let mut lean = None;
    for word in moods {
        if let Some((_, delta, mode)) = MOODS.iter().find(|(m, _, _)| m == word) {
            for (v, d) in c.iter_mut().zip(delta) {
                *v = (*v + d).clamp(0.0, 1.0);
            }
            lean = mode.or(lean);
        }
    }
    (
        Character {
            drive: c[0],
            complexity: c[1],
            density: c[2],
            reverb: c[3],
            brightness: c[4],
        },
        lean,
    )
}

/// Every mood word the reader knows, for help texts.
pub fn mood_words() -> Vec<&'static str> {
    MOODS.iter().map(|(w, _, _)| *w).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_issue_prompt() {
        let r = read("soulful private school amapiano in Eb minor, 111 bpm, 3 minutes");
        assert_eq!(r.style, Some(Style::PrivateSchool));
        assert_eq!(r.bpm, Some(111.0));
        assert_eq!(r.key, Some(Key::parse("Eb minor").unwrap()));
        assert_eq!(r.length, Some(Length::Seconds(180.0)));
        assert_eq!(r.moods, ["soulful"]);
        assert!(r.unknown.is_empty(), "{:?}", r.unknown);
        assert_eq!(r.length.unwrap().bars(111.0), 80);
    }

    #[test]
    fn reports_words_it_did_not_understand() {
        let r = read("dark sgija with saxophone and vocals in Am, 64 bars 114bpm");
        assert_eq!(r.style, Some(Style::Sgija));
        assert_eq!(r.key, Some(Key::parse("A minor").unwrap()));
        assert_eq!(r.length, Some(Length::Bars(64)));
        assert_eq!(r.bpm, Some(114.0));
        assert_eq!(r.moods, ["dark"]);
        assert_eq!(r.unknown, ["saxophone"]);
        assert_eq!(r.vocals, Some(VocalParts::SUNG));
    }

    #[test]
    fn reads_which_vocals_are_asked_for() {
        let parts = |prompt: &str| read(prompt).vocals;
        let r =
            read("soulful private school amapiano with vocal chops and a hook, Eb minor, 111 bpm");
        assert!(r.unknown.is_empty(), "{:?}", r.unknown);
        assert_eq!(
            r.vocals,
            Some(VocalParts {
                chops: true,
                hook: true,
                chants: false
            })
        );
        assert_eq!(
            parts("sgija with chants"),
            Some(VocalParts {
                chants: true,
                ..VocalParts::NONE
            })
        );
        assert_eq!(parts("amapiano, no vocals"), Some(VocalParts::NONE));
        assert_eq!(parts("instrumental private school"), Some(VocalParts::NONE));
        assert_eq!(
            parts("amapiano with a hook but no chops"),
            Some(VocalParts {
                hook: true,
                ..VocalParts::NONE
            })
        );
        assert_eq!(parts("dark amapiano"), None);
        assert!(read("amapiano, no vocals").unknown.is_empty());
    }

    #[test]
    fn moods_move_the_character() {
        let (c, lean) = character_of(&["energetic".into(), "dark".into()]);
        assert!(c.density > 0.7 && c.drive > 0.7 && c.brightness < 0.5);
        assert_eq!(lean, Some(Mode::Minor));
        let (n, lean) = character_of(&[]);
        assert_eq!(n, Character::default());
        assert_eq!(lean, None);
    }
}
