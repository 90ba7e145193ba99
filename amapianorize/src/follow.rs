//! The song's plan, moved onto the new track's bars: its sections and its chords, for the
//! generator's "follow chords" mode ([`yano_generator::compose_following`]).

use yano_generator::form::Section;
use yano_generator::theory::ExtendedChord;
use yano_generator::Following;
use yano_music::{ChordSpan, Key};

use crate::tempo::BeatMap;

/// Section names the arrangement knows, in turn: every section of the song becomes a full
/// section of the new track (log drum, drums, percussion, keys, pad and bass all play), so the
/// amapiano markers hold throughout; bars before the song's first downbeat are an intro.
const ROTATION: [&str; 3] = ["drop_1", "hook", "drop_2"];

/// The new track's sections: the song's boundaries (seconds) moved to the nearest bar line of
/// the new track, sections shorter than two bars merged into the one before.
pub fn sections(boundaries: &[f64], map: &BeatMap) -> Vec<Section> {
    let bar_s = 240.0 / map.target_bpm;
    let mut starts: Vec<u32> = vec![map.first_bar];
    for b in boundaries {
        let bar = (map.target_of(*b) / bar_s).round() as u32 + 1;
        if bar > *starts.last().expect("one start") + 1 && bar <= map.bars {
            starts.push(bar);
        }
    }
    let mut out = Vec::new();
    if map.first_bar > 1 {
        out.push(Section {
            name: "intro",
            first_bar: 1,
            last_bar: map.first_bar - 1,
            energy: 0.6,
        });
    }
    for (i, first) in starts.iter().enumerate() {
        let last = starts.get(i + 1).map_or(map.bars, |next| next - 1);
        if last < *first {
            continue;
        }
        let name = ROTATION[i % ROTATION.len()];
        out.push(Section {
            name,
            first_bar: *first,
            last_bar: last,
            energy: if name == "hook" { 0.9 } else { 1.0 },
        });
    }
    out
}

/// The song's chords on the new track's beats (each change moved to the nearest half beat),
/// extended as the composer extends its own in `key`. Spans with no chord are left out.
pub fn chords(spans: &[ChordSpan], map: &BeatMap, key: Key) -> Vec<(f64, f64, ExtendedChord)> {
    let beat_s = 60.0 / map.target_bpm;
    let total = f64::from(map.bars) * 4.0;
    let on_grid = |seconds: f64| ((map.target_of(seconds) / beat_s) * 2.0).round() / 2.0;
    let mut out: Vec<(f64, f64, ExtendedChord)> = Vec::new();
    for span in spans {
        let Some(chord) = span.chord else { continue };
        let start = on_grid(span.start).clamp(0.0, total);
        let end = on_grid(span.end).clamp(0.0, total);
        if end - start < 0.5 {
            continue;
        }
        let extended = ExtendedChord::from_chord(chord, key);
        match out.last_mut() {
            // The same chord again straight after: one longer chord.
            Some(last) if last.2 == extended && (last.0 + last.1 - start).abs() < 1e-9 => {
                last.1 = end - last.0
            }
            _ => out.push((start, end - start, extended)),
        }
    }
    out
}

/// Both, as the generator takes them.
pub fn following(boundaries: &[f64], spans: &[ChordSpan], map: &BeatMap, key: Key) -> Following {
    Following {
        sections: sections(boundaries, map),
        chords: chords(spans, map, key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tempo::{plan, BeatMap};
    use yano_generator::prompt::Style;
    use yano_music::Chord;

    #[test]
    fn sections_and_chords_land_on_the_new_bars() {
        // 100 BPM, downbeat first at 0: 2.4 s a bar; to 120 BPM, 2 s a bar.
        let beats: Vec<f64> = (0..64).map(|i| f64::from(i) * 0.6).collect();
        let downbeats: Vec<f64> = beats.iter().step_by(4).copied().collect();
        let p = plan(100.0, Style::Amapiano, Some(120.0));
        let map = BeatMap::new(&beats, &downbeats, 38.4, &p);
        assert_eq!((map.first_bar, map.bars), (1, 16));
        let s = sections(&[0.0, 19.2, 38.4], &map);
        let bars: Vec<(&str, u32, u32)> = s
            .iter()
            .map(|x| (x.name, x.first_bar, x.last_bar))
            .collect();
        assert_eq!(bars, [("drop_1", 1, 8), ("hook", 9, 16)]);
        let key = Key::parse("A minor").unwrap();
        let am = Chord::parse_symbol("Am").unwrap();
        let f = Chord::parse_symbol("F").unwrap();
        let spans = vec![
            ChordSpan {
                start: 0.0,
                end: 2.4,
                chord: Some(am),
            },
            ChordSpan {
                start: 2.4,
                end: 4.8,
                chord: Some(am),
            },
            ChordSpan {
                start: 4.8,
                end: 7.2,
                chord: Some(f),
            },
            ChordSpan {
                start: 7.2,
                end: 9.6,
                chord: None,
            },
        ];
        let c = chords(&spans, &map, key);
        let got: Vec<(f64, f64, String)> =
            c.iter().map(|(s, b, x)| (*s, *b, x.symbol(key))).collect();
        assert_eq!(
            got,
            [
                (0.0, 8.0, "Am9".to_string()),
                (8.0, 4.0, "Fmaj9".to_string())
            ]
        );
    }
}
