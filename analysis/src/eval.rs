//! The measures the analyses are judged by, as MIREX and mir_eval define them: tempo Acc1,
//! beat F-measure (±70 ms, beats before 5 s left out, one-to-one matches), the MIREX key score
//! (in [`crate::key::mirex_score`]) and the major/minor weighted chord recall.

use yano_music::{ChordSpan, Triad};

/// Whether a tempo is within 4 % of the truth (Acc1).
pub fn tempo_acc1(found: f64, truth: f64) -> bool {
    truth > 0.0 && ((found - truth) / truth).abs() <= 0.04
}

/// Beat F-measure: found and true beats matched one to one within `window` seconds; beats in the
/// first 5 s are left out of both, as mir_eval does.
pub fn beat_f_measure(found: &[f64], truth: &[f64], window: f64) -> f64 {
    let found: Vec<f64> = found.iter().copied().filter(|t| *t >= 5.0).collect();
    let truth: Vec<f64> = truth.iter().copied().filter(|t| *t >= 5.0).collect();
    if found.is_empty() || truth.is_empty() {
        return if found.is_empty() && truth.is_empty() {
            1.0
        } else {
            0.0
        };
    }
    // Both sorted: a greedy walk gives the maximum matching for a fixed window.
    let (mut i, mut j, mut hits) = (0, 0, 0usize);
    while i < found.len() && j < truth.len() {
        let d = found[i] - truth[j];
        if d.abs() <= window {
            hits += 1;
            i += 1;
            j += 1;
        } else if d < 0.0 {
            i += 1;
        } else {
            j += 1;
        }
    }
    let p = hits as f64 / found.len() as f64;
    let r = hits as f64 / truth.len() as f64;
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// A span's class for the major/minor measure: no chord, or root and triad; None for a chord
/// with neither triad (diminished, augmented, suspended), which the measure leaves out.
fn majmin(span: &ChordSpan) -> Option<Option<(u8, Triad)>> {
    match span.chord {
        None => Some(None),
        Some(c) => c.triad().map(|t| Some((c.root, t))),
    }
}

/// Major/minor weighted recall (mir_eval's `majmin`): the share of the evaluable true duration
/// where the found span has the same class (root and triad, or no chord). True spans of chords
/// with neither triad are left out.
pub fn chord_recall(found: &[ChordSpan], truth: &[ChordSpan]) -> f64 {
    weighted_recall(found, truth, majmin)
}

/// A chord's class in the MIREX sevenths vocabulary: maj, min, 7, maj7, min7.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seventh {
    Major,
    Minor,
    Dominant7,
    Major7,
    Minor7,
}

/// A span's class for the sevenths measure: no chord, or root and [`Seventh`]. Extensions fold to
/// their seventh chord (min9 → min7, 13 → 7), sixths to their triad (maj6 → maj); None for
/// chords outside the vocabulary (diminished, augmented, suspended, minor-major 7th).
fn sevenths(span: &ChordSpan) -> Option<Option<(u8, Seventh)>> {
    match span.chord {
        None => Some(None),
        Some(chord) => seventh_of(chord).map(Some),
    }
}

/// A chord's root and [`Seventh`] class, None outside the vocabulary (see [`sevenths_recall`]).
pub fn seventh_of(chord: yano_music::Chord) -> Option<(u8, Seventh)> {
    let tones = chord.quality.intervals();
    let class = match (chord.triad()?, tones.contains(&10), tones.contains(&11)) {
        (Triad::Major, false, false) => Seventh::Major,
        (Triad::Minor, false, false) => Seventh::Minor,
        (Triad::Major, true, false) => Seventh::Dominant7,
        (Triad::Major, false, true) => Seventh::Major7,
        (Triad::Minor, true, false) => Seventh::Minor7,
        _ => return None,
    };
    Some((chord.root, class))
}

/// Sevenths weighted recall (mir_eval's `sevenths`): as [`chord_recall`] with the classes maj,
/// min, 7, maj7 and min7 (see [`sevenths`]'s folding).
pub fn sevenths_recall(found: &[ChordSpan], truth: &[ChordSpan]) -> f64 {
    weighted_recall(found, truth, sevenths)
}

/// The share of the evaluable true duration where the found span's class equals the true one.
fn weighted_recall<C: PartialEq>(
    found: &[ChordSpan],
    truth: &[ChordSpan],
    class_of: impl Fn(&ChordSpan) -> Option<C>,
) -> f64 {
    let (mut right, mut total) = (0.0, 0.0);
    for t in truth {
        let Some(class) = class_of(t) else { continue };
        total += t.seconds();
        for f in found {
            let overlap = t.end.min(f.end) - t.start.max(f.start);
            if overlap > 0.0 && class_of(f).as_ref() == Some(&class) {
                right += overlap;
            }
        }
    }
    if total > 0.0 {
        right / total
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beat_f_measure_counts_matches_within_the_window_only() {
        let truth: Vec<f64> = (0..40).map(|i| i as f64 * 0.5).collect();
        assert_eq!(beat_f_measure(&truth, &truth, 0.07), 1.0);
        let late: Vec<f64> = truth.iter().map(|t| t + 0.06).collect();
        assert_eq!(beat_f_measure(&late, &truth, 0.07), 1.0);
        let off: Vec<f64> = truth.iter().map(|t| t + 0.25).collect();
        assert_eq!(beat_f_measure(&off, &truth, 0.07), 0.0);
        // Twice the beats: precision 0.5, recall 1.
        let double: Vec<f64> = (0..80).map(|i| i as f64 * 0.25).collect();
        assert!((beat_f_measure(&double, &truth, 0.07) - 2.0 / 3.0).abs() < 0.01);
    }

    #[test]
    fn chord_recall_weighs_by_time_and_reduces_to_major_minor() {
        let span = |start: f64, end: f64, label: &str| ChordSpan {
            start,
            end,
            chord: (label != "N").then(|| yano_music::Chord::parse_label(label).unwrap()),
        };
        let truth = [
            span(0.0, 2.0, "F:min7"),
            span(2.0, 4.0, "Bb:min"),
            span(4.0, 5.0, "N"),
            // Left out of the measure: neither major nor minor.
            span(5.0, 9.0, "B:dim"),
        ];
        let found = [
            span(0.0, 3.0, "F:min"),
            span(3.0, 4.0, "Bb:min9"),
            span(4.0, 9.0, "N"),
        ];
        // F:min7 found as F:min (2 s), Bb:min heard as F:min for 1 s then Bb:min9, N as N:
        // 4 of the 5 evaluable seconds.
        assert!((chord_recall(&found, &truth) - 0.8).abs() < 1e-9);
        // Sevenths: F:min7 found as F:min is wrong now, Bb:min9 (a min7 with a 9th) is not
        // Bb:min: only N as N counts, 1 of 5 seconds.
        assert!((sevenths_recall(&found, &truth) - 0.2).abs() < 1e-9);
        let found = [
            span(0.0, 2.0, "F:min9"),
            span(2.0, 4.0, "Bb:min6"),
            span(4.0, 9.0, "N"),
        ];
        assert!((sevenths_recall(&found, &truth) - 1.0).abs() < 1e-9);
        assert!(tempo_acc1(113.0, 112.0) && !tempo_acc1(120.0, 112.0));
    }
}
