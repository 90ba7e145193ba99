//! Chords: beat-synchronous chroma matched against chord templates and smoothed by a hidden
//! Markov model decoded with Viterbi, after Fujishima (1999, pitch-class profiles and templates)
//! and Bello & Pickens (2005, beat-synchronous chroma, HMM smoothing). The treble chroma is
//! compared with each chord's tones (cosine); the bass chroma votes for the root, which tells a
//! rootless voicing (A♭ C E♭ G over F) from the chord its tones spell alone (F:min7, not
//! A♭:maj7). Vocabulary: 12 roots × maj, min, 7, maj7, min7, and N (no chord) for silence.
//!
//! Two readers give each beat a score per chord (the emissions) and share the decoding: the
//! rules here ([`Rules`]), and a learned model ([`ChordReader`], implemented by `yano-models`'
//! chord model, which reads [`span_features`]).

use yano_music::{Chord, ChordSpan, Quality};

use crate::beats::beat_chroma;
use crate::eval::{seventh_of, Seventh};
use crate::features::{frame_rate, ChromaFrames, Features};
use crate::AnalysisError;

/// The vocabulary's qualities, in state order (state = quality index × 12 + root).
const QUALITIES: [Quality; 5] = [
    Quality::Major,
    Quality::Minor,
    Quality::Dominant7,
    Quality::Major7,
    Quality::Minor7,
];

/// How much the bass's vote for a root weighs against the treble's match.
const BASS_WEIGHT: f32 = 0.6;
/// Sharpness of the emission scores, and the chance a chord carries on to the next beat.
const EMISSION_SCALE: f32 = 12.0;
const STAY: f64 = 0.85;

/// Chords in the vocabulary, N included.
pub const STATES: usize = 12 * QUALITIES.len() + 1;
/// The state of N (no chord).
pub const NO_CHORD: usize = STATES - 1;
/// Values per span a learned reader is given ([`span_features`]).
pub const FEATURES: usize = 26;

/// Scores each span of a track's harmony for every chord state (state = quality index × 12 +
/// root, quality in maj, min, 7, maj7, min7 order; then N). Scores are log-likelihoods up to a
/// constant: the decoding adds them to the log of the chance a chord carries on.
pub trait ChordReader: Send + Sync {
    /// What reads the chords, as the report names it: "rules" or a model's name.
    fn name(&self) -> &str;
    /// One row per span of `harmony`. Called on a worker thread (it may run a model).
    fn emissions(&self, harmony: &Harmony) -> Result<Vec<[f32; STATES]>, AnalysisError>;
}

/// The hand-made reader: templates for the treble, the bass's vote for the root.
pub struct Rules;

impl ChordReader for Rules {
    fn name(&self) -> &str {
        "rules"
    }

    fn emissions(&self, harmony: &Harmony) -> Result<Vec<[f32; STATES]>, AnalysisError> {
        Ok(rule_emissions(harmony))
    }
}

/// The state of a chord after the MIREX sevenths folding (min9 → min7, maj6 → maj), N for no
/// chord; None for a chord outside the vocabulary (diminished, augmented, suspended).
pub fn state_of(chord: Option<Chord>) -> Option<usize> {
    let Some(chord) = chord else {
        return Some(NO_CHORD);
    };
    let (root, class) = seventh_of(chord)?;
    let quality = match class {
        Seventh::Major => 0,
        Seventh::Minor => 1,
        Seventh::Dominant7 => 2,
        Seventh::Major7 => 3,
        Seventh::Minor7 => 4,
    };
    Some(quality * 12 + usize::from(root % 12))
}

/// What a learned reader sees of each span: the treble and the bass chroma each over its own
/// largest value (12 + 12, zeros where silent), how much is left above the drums' floor
/// (presence, clamped to 0–2) and the level on a log scale (60 dB below the loud spans → 0,
/// the loud spans → 1).
pub fn span_features(harmony: &Harmony) -> Vec<[f32; FEATURES]> {
    harmony
        .chroma
        .iter()
        .zip(harmony.level.iter().zip(&harmony.presence))
        .map(|((treble, bass), (&level, &presence))| {
            let mut f = [0.0f32; FEATURES];
            for (part, at) in [(treble, 0), (bass, 12)] {
                let peak = part.iter().cloned().fold(0.0f32, f32::max);
                if peak > 0.0 {
                    for (k, v) in part.iter().enumerate() {
                        f[at + k] = v / peak;
                    }
                }
            }
            f[24] = presence.clamp(0.0, 2.0);
            f[25] = (level.max(1e-6).log10() / 6.0 + 1.0).clamp(0.0, 1.5);
            f
        })
        .collect()
}

fn template(state: usize) -> [f32; 12] {
    let mut t = [0.0f32; 12];
    let (root, tones) = (state % 12, QUALITIES[state / 12].intervals());
    for tone in tones {
        t[(root + usize::from(*tone)) % 12] = 1.0;
    }
    let norm = (tones.len() as f32).sqrt();
    t.iter_mut().for_each(|x| *x /= norm);
    t
}

fn cosine(a: &[f32; 12], b: &[f32; 12]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na <= 0.0 {
        0.0
    } else {
        dot / na
    }
}

/// The pitch content of a track, span by span (beats, or half seconds when there are none),
/// with the drums' share taken off: drums sound in every beat and chords do not, so each pitch
/// class's 10th percentile over the spans (at most half its median) is the drums' floor. What is left of a span against
/// the track's fuller spans says whether a chord sounds.
pub struct Harmony {
    /// Span starts in onset frames; the last span ends at the track's end.
    pub bounds: Vec<f64>,
    /// Treble and bass chroma of each span, floor removed.
    pub chroma: Vec<([f32; 12], [f32; 12])>,
    /// Each span's chroma left above the floor, against the 90th percentile of that.
    pub presence: Vec<f32>,
    /// Each span's energy against the 90th percentile (silence reads near 0).
    pub level: Vec<f32>,
    /// Frames in the track.
    pub total: f64,
}

impl Harmony {
    /// The harmony of each beat of `features`, read from `chroma` (the peaks' or the notes').
    pub fn of(features: &Features, chroma: &ChromaFrames, beat_frames: &[f64]) -> Harmony {
        let fps = frame_rate();
        let total = features.onsets.flux.len() as f64;
        let mut bounds: Vec<f64> = if beat_frames.len() >= 2 {
            beat_frames.to_vec()
        } else {
            let step = (fps / 2.0).round();
            (0..)
                .map(|i| i as f64 * step)
                .take_while(|f| *f < total)
                .collect()
        };
        // Before the first beat: a span of its own.
        if bounds.first().is_some_and(|b| *b > 1.0) {
            bounds.insert(0, 0.0);
        }
        if bounds.is_empty() {
            return Harmony {
                bounds,
                chroma: Vec::new(),
                presence: Vec::new(),
                level: Vec::new(),
                total,
            };
        }
        let raw = beat_chroma(chroma, &bounds);
        type Pick = fn(&([f32; 12], [f32; 12])) -> &[f32; 12];
        let floor = |pick: Pick| -> [f32; 12] {
            std::array::from_fn(|pc| {
                let mut v: Vec<f32> = raw.iter().map(|c| pick(c)[pc]).collect();
                v.sort_by(f32::total_cmp);
                // At most half the median: a chord held through the whole track is no floor.
                v[v.len() / 10].min(0.5 * v[v.len() / 2])
            })
        };
        let (treble_floor, bass_floor) = (floor(|c| &c.0), floor(|c| &c.1));
        let chroma: Vec<([f32; 12], [f32; 12])> = raw
            .iter()
            .map(|(t, b)| {
                (
                    std::array::from_fn(|i| (t[i] - treble_floor[i]).max(0.0)),
                    std::array::from_fn(|i| (b[i] - bass_floor[i]).max(0.0)),
                )
            })
            .collect();
        let left: Vec<f32> = chroma
            .iter()
            .map(|(t, b)| t.iter().sum::<f32>() + b.iter().sum::<f32>())
            .collect();
        let energy = &features.onsets.energy;
        let level: Vec<f32> = bounds
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let end = bounds.get(i + 1).copied().unwrap_or(total).min(total);
                let a = (b.max(0.0) as usize).min(energy.len());
                let z = (end.max(b + 1.0) as usize).clamp(a, energy.len());
                let e = &energy[a..z];
                e.iter().sum::<f32>() / e.len().max(1) as f32
            })
            .collect();
        Harmony {
            presence: relative(&left),
            level: relative(&level),
            bounds,
            chroma,
            total,
        }
    }

    /// Seconds of span `i`.
    pub fn span(&self, i: usize) -> (f64, f64) {
        let fps = frame_rate();
        let end = self.bounds.get(i + 1).copied().unwrap_or(self.total);
        (self.bounds[i] / fps, end.max(self.bounds[i]) / fps)
    }
}

/// Values against their 90th percentile.
fn relative(v: &[f32]) -> Vec<f32> {
    let mut sorted = v.to_vec();
    sorted.sort_by(f32::total_cmp);
    let top = sorted
        .get(sorted.len() * 9 / 10)
        .copied()
        .unwrap_or(0.0)
        .max(1e-20);
    v.iter().map(|x| x / top).collect()
}

/// The rules' emissions: each span's treble against each chord's template (cosine) plus the
/// bass's vote for the root; N for near-silence or little above the drums' floor.
pub fn rule_emissions(harmony: &Harmony) -> Vec<[f32; STATES]> {
    let templates: Vec<[f32; 12]> = (0..STATES - 1).map(template).collect();
    harmony
        .chroma
        .iter()
        .zip(harmony.level.iter().zip(&harmony.presence))
        .map(|((treble, bass), (&lvl, &left))| {
            let mut e = [0.0f32; STATES];
            let peak = bass.iter().cloned().fold(0.0f32, f32::max).max(1e-9);
            let pitched = treble.iter().sum::<f32>() > 0.0;
            for (s, t) in templates.iter().enumerate() {
                let root = s % 12;
                e[s] = cosine(treble, t) + BASS_WEIGHT * bass[root] / peak;
            }
            // N wins over near-silence (60 dB below the loud spans) or no pitched content.
            e[NO_CHORD] = if !pitched || lvl < 1e-6 {
                10.0
            } else {
                // Little left above the drums' floor: likelier no chord.
                (1.6 - 4.0 * left).max(0.3)
            };
            e.map(|x| x * EMISSION_SCALE)
        })
        .collect()
}

/// The most likely chord of each span given its emissions (one row per span of `harmony`),
/// merged into spans of one chord. Rows that are not finite count as no evidence.
pub fn decode(harmony: &Harmony, emissions: &[[f32; STATES]]) -> Vec<ChordSpan> {
    let rows = harmony.chroma.len().min(emissions.len());
    if rows == 0 {
        return Vec::new();
    }
    let emissions: Vec<[f32; STATES]> = emissions[..rows]
        .iter()
        .map(|row| row.map(|x| if x.is_finite() { x } else { -1e4 }))
        .collect();
    let path = viterbi(&emissions);
    // Merge beats with the same chord into spans.
    let mut spans: Vec<ChordSpan> = Vec::new();
    for (i, &state) in path.iter().enumerate() {
        let (start, end) = harmony.span(i);
        if i > 0 && path[i - 1] == state {
            if let Some(last) = spans.last_mut() {
                last.end = end;
            }
            continue;
        }
        spans.push(ChordSpan {
            start,
            end,
            chord: chord_of(state),
        });
    }
    spans
}

/// The chord of an HMM state, None for N.
fn chord_of(state: usize) -> Option<Chord> {
    (state != NO_CHORD).then(|| Chord::new((state % 12) as u8, QUALITIES[state / 12]))
}

/// The most likely chord sequence: emissions are log-likelihoods (up to a constant); a chord
/// stays with probability STAY, else moves to any other state alike.
fn viterbi(emissions: &[[f32; STATES]]) -> Vec<usize> {
    if emissions.is_empty() {
        return Vec::new();
    }
    let stay = STAY.ln() as f32;
    let moves = ((1.0 - STAY) / (STATES - 1) as f64).ln() as f32;
    let mut score = emissions[0];
    let mut back: Vec<[u8; STATES]> = Vec::with_capacity(emissions.len());
    for e in &emissions[1..] {
        let (best_state, best) =
            score
                .iter()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |acc, (i, &s)| if s > acc.1 { (i, s) } else { acc },
                );
        let mut next = [0.0f32; STATES];
        let mut from = [0u8; STATES];
        for s in 0..STATES {
            let (kept, moved) = (score[s] + stay, best + moves);
            if kept >= moved || best_state == s {
                next[s] = kept + e[s];
                from[s] = s as u8;
            } else {
                next[s] = moved + e[s];
                from[s] = best_state as u8;
            }
        }
        back.push(from);
        score = next;
    }
    let mut state = score
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(NO_CHORD, |(i, _)| i);
    let mut path = vec![state];
    for from in back.iter().rev() {
        state = usize::from(from[state]);
        path.push(state);
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_unit_vectors_on_their_tones() {
        // Bb:min7 = Bb Db F Ab.
        let t = template(4 * 12 + 10);
        let on: Vec<usize> = (0..12).filter(|&i| t[i] > 0.0).collect();
        assert_eq!(on, vec![1, 5, 8, 10]);
        assert!((t.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-6);
        let flats = yano_music::Spelling::Flats;
        assert_eq!(chord_of(4 * 12 + 10).unwrap().label(flats), "Bb:min7");
        assert_eq!(chord_of(2 * 12 + 3).unwrap().label(flats), "Eb:7");
        assert_eq!(chord_of(NO_CHORD), None);
    }

    #[test]
    fn viterbi_holds_a_chord_through_one_odd_beat() {
        let mut e = vec![[0.0f32; STATES]; 9];
        for (i, row) in e.iter_mut().enumerate() {
            row[if i < 5 { 5 } else { 17 }] = 6.0;
        }
        // One beat that leans elsewhere, not enough to switch twice.
        e[2][30] = 7.0;
        let path = viterbi(&e);
        assert_eq!(path, vec![5, 5, 5, 5, 5, 17, 17, 17, 17]);
    }
}
