//! The measures the analyses are judged by, as MIREX and mir_eval define them: tempo Acc1,
//! beat F-measure (±70 ms, beats before 5 s left out, one-to-one matches), the MIREX key score
//! (in [`crate::key::mirex_score`]) and the major/minor weighted chord recall.

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

/// A chord reduced to root and major/minor triad; None for "N" and for chords that are
/// neither (diminished, augmented, suspended), which the measure leaves out of the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MajMin {
    pub root: u8,
    pub minor: bool,
}

/// Reads a Harte-style label as this crate writes them ("F:min7", "Eb:7", "Ab:maj7", "N").
pub fn majmin_of_label(label: &str) -> Option<MajMin> {
    let (root, quality) = label.split_once(':')?;
    let key = crate::key::Key::parse(root)?;
    let minor = match quality {
        "maj" | "7" | "maj7" | "9" | "maj9" | "13" => false,
        "min" | "min7" | "min9" | "min11" => true,
        _ => return None,
    };
    Some(MajMin {
        root: key.tonic,
        minor,
    })
}

/// What a span holds for the major/minor measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    NoChord,
    Chord(MajMin),
}

/// The class of a label as this crate writes them; None for a chord outside major/minor.
pub fn class_of_label(label: &str) -> Option<Class> {
    if label == "N" {
        Some(Class::NoChord)
    } else {
        majmin_of_label(label).map(Class::Chord)
    }
}

/// Major/minor weighted recall (mir_eval's `majmin`): the share of the evaluable true duration
/// where the found span has the same class (root and triad, or no chord). Spans are
/// (start, end, class); true spans of None (diminished, augmented…) are left out.
pub fn chord_recall(
    found: &[(f64, f64, Option<Class>)],
    truth: &[(f64, f64, Option<Class>)],
) -> f64 {
    let (mut right, mut total) = (0.0, 0.0);
    for &(ts, te, t) in truth {
        let Some(t) = t else { continue };
        total += te - ts;
        for &(fs, fe, f) in found {
            let overlap = te.min(fe) - ts.max(fs);
            if overlap > 0.0 && f == Some(t) {
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
    fn chord_recall_weighs_by_time_and_reads_labels() {
        let fm = majmin_of_label("F:min7");
        assert_eq!(
            fm,
            Some(MajMin {
                root: 5,
                minor: true
            })
        );
        assert_eq!(
            majmin_of_label("Ab:maj7"),
            Some(MajMin {
                root: 8,
                minor: false
            })
        );
        assert_eq!(majmin_of_label("N"), None);
        let c = |l: &str| class_of_label(l);
        let truth = [
            (0.0, 2.0, c("F:min7")),
            (2.0, 4.0, c("Bb:min")),
            (4.0, 5.0, c("N")),
        ];
        let found = [
            (0.0, 3.0, c("F:min")),
            (3.0, 4.0, c("Bb:min9")),
            (4.0, 5.0, c("N")),
        ];
        assert!((chord_recall(&found, &truth) - 0.8).abs() < 1e-9);
        assert!(tempo_acc1(113.0, 112.0) && !tempo_acc1(120.0, 112.0));
    }
}
