//! yano's chord and style models as the analysis runs them: the bundled files load and match
//! their manifest entries, a long track is scored in overlapping windows exactly as one long
//! call would score it, and bad numbers from a model never reach the decoding.

use yano_analysis::chords::{FEATURES, STATES};
use yano_analysis::style::{STYLES, STYLE_FEATURES};
use yano_models::chords::{ChordModel, WINDOW};
use yano_models::style::StyleModel;

/// Features of a made-up track: a min7 chord's tones in the treble and its root in the bass, the
/// chord changing every four bars (16 beats) around a circle of fifths.
fn features(beats: usize) -> Vec<[f32; FEATURES]> {
    (0..beats)
        .map(|b| {
            let root = (b / 16 * 7) % 12;
            let mut f = [0.0f32; FEATURES];
            for tone in [0, 3, 7, 10] {
                f[(root + tone) % 12] = 1.0;
            }
            f[12 + root] = 1.0;
            f[24] = 0.8;
            f[25] = 1.0;
            f
        })
        .collect()
}

#[test]
fn a_long_track_scores_as_its_windows_do() {
    let model = ChordModel::bundled().expect("the bundled chord model loads");
    let long = features(3 * WINDOW + 17);
    let all = model.emissions_of(&long).unwrap();
    assert_eq!(all.len(), long.len());
    // Scored alone, a stretch of the track gives its middle beats the same scores: the network
    // sees 7 beats either side, the windows keep 8 beats of context.
    let (from, to) = (50, 50 + WINDOW + 20);
    let part = model.emissions_of(&long[from..to]).unwrap();
    for beat in from + 8..to - 8 {
        for s in 0..STATES {
            let (a, b) = (all[beat][s], part[beat - from][s]);
            assert!((a - b).abs() < 1e-3, "beat {beat} state {s}: {a} vs {b}");
        }
    }
    // Once a chord has sounded a bar, each beat's best state is the chord spelled in its
    // features: C, G, D … as min7 (state 4 × 12 + root). (Just after a change the model leans to
    // the chord before for a beat or two: a real recording's chroma carries the last chord's
    // release into the next beat, and the training renders taught it that.)
    let settled: Vec<usize> = (0..all.len()).filter(|b| b % 16 >= 4).collect();
    let right = settled
        .iter()
        .filter(|&&b| {
            let row = &all[b];
            let best = (0..STATES)
                .max_by(|&x, &y| row[x].total_cmp(&row[y]))
                .unwrap();
            best == 4 * 12 + (b / 16 * 7) % 12
        })
        .count();
    assert!(
        right as f64 >= 0.95 * settled.len() as f64,
        "{right} of {} settled beats read as the min7 chords they spell",
        settled.len()
    );
    assert!(model.emissions_of(&[]).unwrap().is_empty());
}

#[test]
fn the_style_model_gives_probabilities() {
    let model = StyleModel::bundled().expect("the bundled style model loads");
    for fill in [0.0f32, 0.5, 1.0] {
        let p = model.probabilities_of(&[fill; STYLE_FEATURES]).unwrap();
        assert_eq!(p.len(), STYLES.len());
        assert!(p.iter().all(|x| (0.0..=1.0).contains(x)), "{p:?}");
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4, "{p:?}");
    }
}
