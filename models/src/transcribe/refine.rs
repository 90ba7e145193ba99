//! Tidying basic-pitch's notes against the audio itself.
//!
//! basic-pitch starts a note when its pitch is clear, which on a pitch-dived hit (a log drum
//! starts 12 semitones high and falls in tens of milliseconds) is 60–70 ms after the hit. And it
//! splits held notes where its onset head fires inside them, and hears a short octave above
//! some attacks. So, after decoding:
//!
//! 1. **Onsets.** The audio's own onsets are found by spectral flux (Bello et al., "A tutorial on
//!    onset detection in music signals", 2005: log-compressed magnitudes, half-wave rectified
//!    differences, a moving-mean threshold), and each note's start moves to the latest audio onset
//!    from 120 ms before it to 30 ms after.
//! 2. **Continuations.** A note that starts where a note of the same pitch ends (within two
//!    frames), with no audio onset there, is the same note: they are joined.
//! 3. **Harmonic ghosts.** A note an octave, a twelfth or two octaves above a louder note starting
//!    within 50 ms of it, and less than half as long, is that note's overtone: it is dropped.

use realfft::RealFftPlanner;

use super::{PitchBend, TranscribedNote, SAMPLE_RATE};

const FRAME: usize = 1024;
const HOP: usize = 128;
/// Bins above this frequency are left out of the flux (cymbals and noise, not notes).
const TOP_HZ: f64 = 6000.0;

/// Times (seconds) of the audio's onsets: mono audio at 22,050 Hz.
pub fn audio_onsets(audio: &[f32]) -> Vec<f64> {
    if audio.is_empty() {
        return Vec::new();
    }
    // Silence before the audio, so a note at its very first sample has an onset too.
    let audio: Vec<f32> = std::iter::repeat_n(0.0, FRAME)
        .chain(audio.iter().copied())
        .collect();
    let frames = (audio.len() - FRAME) / HOP + 1;
    let window: Vec<f32> = (0..FRAME)
        .map(|i| {
            let x = std::f32::consts::TAU * i as f32 / FRAME as f32;
            0.5 - 0.5 * x.cos()
        })
        .collect();
    let top_bin = ((TOP_HZ * FRAME as f64 / f64::from(SAMPLE_RATE)) as usize).min(FRAME / 2);
    let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FRAME);
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut previous = vec![0.0f32; top_bin];
    let mut flux = Vec::with_capacity(frames);
    let mut energy = Vec::with_capacity(frames);
    for t in 0..frames {
        let chunk = &audio[t * HOP..t * HOP + FRAME];
        for ((x, s), w) in input.iter_mut().zip(chunk).zip(&window) {
            *x = s * w;
        }
        fft.process(&mut input, &mut spectrum)
            .expect("buffers come from the plan");
        let mut sum = 0.0f32;
        energy.push(
            spectrum
                .iter()
                .take(top_bin)
                .map(|b| b.norm_sqr())
                .sum::<f32>(),
        );
        for (k, bin) in spectrum.iter().take(top_bin).enumerate() {
            let level = (1.0 + 10.0 * bin.norm()).ln();
            if t > 0 {
                sum += (level - previous[k]).max(0.0);
            }
            previous[k] = level;
        }
        flux.push(sum);
    }
    let peak = flux.iter().copied().fold(0.0f32, f32::max);
    if peak <= 0.0 {
        return Vec::new();
    }
    let delta = 0.05 * peak;
    let mut onsets = Vec::new();
    for t in 1..frames {
        let around = t.saturating_sub(3)..(t + 4).min(frames);
        if flux[around].iter().any(|v| *v > flux[t]) {
            continue;
        }
        let local = t.saturating_sub(10)..(t + 8).min(frames);
        let n = local.len() as f32;
        let mean = flux[local].iter().sum::<f32>() / n;
        // A release can raise the flux too (a fast decay splashes into quiet bins), but only an
        // attack raises the energy.
        let before = energy[t.saturating_sub(4)..t]
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        let rising = energy[t] > 1.2 * before;
        if flux[t] >= mean + delta && rising {
            // The log-compressed flux of a step peaks when the step is a quarter of a window
            // into the frame (calibrated on the plucks of the test below); less the padding.
            let at = (t * HOP + FRAME * 3 / 4) as f64 - FRAME as f64;
            onsets.push(at.max(0.0) / f64::from(SAMPLE_RATE));
        }
    }
    // A plateau gives neighbouring equal maxima: keep the first of each cluster.
    onsets.dedup_by(|later, earlier| *later - *earlier < 0.03);
    onsets
}

/// Moves each note's start to the latest audio onset from 120 ms before it to 30 ms after.
pub fn refine_starts(notes: &mut [TranscribedNote], onsets: &[f64]) {
    for n in notes.iter_mut() {
        let candidate = onsets
            .iter()
            .rev()
            .find(|o| **o <= n.start + 0.03 && **o >= n.start - 0.12 && **o < n.end);
        if let Some(&o) = candidate {
            if o < n.start {
                if let Some(first) = n.bends.first().copied() {
                    n.bends.insert(
                        0,
                        PitchBend {
                            seconds: o,
                            ..first
                        },
                    );
                }
            }
            n.start = o;
        }
    }
}

/// Joins notes that continue a note of the same pitch with no audio onset between them.
pub fn join_continuations(notes: &mut Vec<TranscribedNote>, onsets: &[f64]) {
    const GAP: f64 = 2.0 * 256.0 / 22_050.0;
    notes.sort_by(|a, b| a.pitch.cmp(&b.pitch).then(a.start.total_cmp(&b.start)));
    let mut joined: Vec<TranscribedNote> = Vec::with_capacity(notes.len());
    for n in notes.drain(..) {
        if let Some(last) = joined.last_mut() {
            let same = last.pitch == n.pitch;
            // One pitch cannot sound twice at once: overlapping notes are one note.
            let overlapping = same && n.start < last.end;
            let touching = same && n.start - last.end <= GAP;
            let struck = onsets.iter().any(|o| (o - n.start).abs() <= 0.03);
            if overlapping || (touching && !struck) {
                let (a, b) = (last.end - last.start, n.end - n.start);
                let v =
                    (f64::from(last.velocity) * a + f64::from(n.velocity) * b) / (a + b).max(1e-9);
                last.velocity = v.round().clamp(1.0, 127.0) as u8;
                last.end = last.end.max(n.end);
                last.bends.extend(n.bends);
                continue;
            }
        }
        joined.push(n);
    }
    *notes = joined;
    notes.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.pitch.cmp(&b.pitch)));
}

/// A note at most this share of a simultaneous note's velocity, an overtone's interval away, is
/// taken for its ghost.
pub const GHOST_VELOCITY_SHARE: f32 = 0.7;

/// Drops the overtones and undertones the model hears as notes of their own: a note that starts
/// with a louder one (within 50 ms) at an overtone's interval above it and lasts under half as
/// long, or one at an overtone's interval above or below a note that starts with it and is far
/// louder (velocity at most [`GHOST_VELOCITY_SHARE`] of it). basic-pitch hears a Rhodes chord's
/// octaves above and below its tones at about half their velocity.
pub fn drop_harmonic_ghosts(notes: &mut Vec<TranscribedNote>) {
    let ghost = |b: &TranscribedNote| {
        notes.iter().any(|a| {
            let interval = i32::from(b.pitch) - i32::from(a.pitch);
            let overtone = |i: i32| i > 0 && super::voices::HARMONIC_INTERVALS.contains(&(i as u8));
            let together = (a.start - b.start).abs() <= 0.05;
            let short_above = overtone(interval)
                && a.velocity > b.velocity
                && (b.end - b.start) < 0.5 * (a.end - a.start);
            let far_quieter = overtone(interval.abs())
                && f32::from(b.velocity) <= GHOST_VELOCITY_SHARE * f32::from(a.velocity);
            together && (short_above || far_quieter)
        })
    };
    let keep: Vec<bool> = notes.iter().map(|b| !ghost(b)).collect();
    let mut i = 0;
    notes.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(pitch: u8, start: f64, end: f64, velocity: u8) -> TranscribedNote {
        TranscribedNote {
            pitch,
            start,
            end,
            velocity,
            bends: Vec::new(),
        }
    }

    /// Decaying 110 Hz plucks at the given times.
    fn plucks(times: &[f64], seconds: f64) -> Vec<f32> {
        let n = (seconds * 22_050.0) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / 22_050.0;
                times
                    .iter()
                    .filter(|s| t >= **s)
                    .map(|s| {
                        (-(t - s) / 0.1).exp() * (std::f64::consts::TAU * 110.0 * (t - s)).sin()
                    })
                    .sum::<f64>() as f32
                    * 0.5
            })
            .collect()
    }

    #[test]
    fn the_flux_finds_each_pluck_within_10_ms() {
        let times = [0.0, 0.25, 0.6, 0.85, 1.5];
        let found = audio_onsets(&plucks(&times, 2.0));
        assert_eq!(found.len(), times.len(), "{found:?}");
        for (f, t) in found.iter().zip(times) {
            assert!((f - t).abs() < 0.01, "{f} vs {t}");
        }
        assert!(audio_onsets(&vec![0.0; 22_050]).is_empty());
    }

    #[test]
    fn a_late_start_moves_back_to_its_hit_and_a_split_note_is_joined() {
        let onsets = [0.5, 1.0];
        let mut notes = vec![
            note(41, 0.57, 0.8, 90),
            note(41, 0.8, 0.9, 50),
            note(41, 1.07, 1.3, 90),
        ];
        refine_starts(&mut notes, &onsets);
        assert_eq!(notes[0].start, 0.5);
        assert_eq!(notes[2].start, 1.0);
        join_continuations(&mut notes, &onsets);
        let got: Vec<(f64, f64)> = notes.iter().map(|n| (n.start, n.end)).collect();
        assert_eq!(got, vec![(0.5, 0.9), (1.0, 1.3)]);
        // (90 × 0.3 + 50 × 0.1) / 0.4
        assert_eq!(notes[0].velocity, 80, "velocity weighted by length");
    }

    #[test]
    fn an_overtone_ghost_is_dropped_but_a_real_chord_tone_is_kept() {
        let mut notes = vec![
            note(41, 0.5, 0.9, 90),
            note(53, 0.51, 0.6, 45),  // octave, short, quiet: a ghost
            note(48, 0.5, 0.9, 80),   // a fifth: a chord tone
            note(65, 0.52, 0.85, 70), // two octaves but long: kept
        ];
        drop_harmonic_ghosts(&mut notes);
        let pitches: Vec<u8> = notes.iter().map(|n| n.pitch).collect();
        assert_eq!(pitches, vec![41, 48, 65]);
    }

    #[test]
    fn octaves_at_half_the_velocity_are_ghosts_above_and_below_but_a_played_octave_is_kept() {
        let mut notes = vec![
            note(56, 0.5, 1.3, 80),
            note(68, 0.5, 1.2, 52), // an octave above at 0.65 of the velocity, as long: a ghost
            note(44, 0.52, 0.7, 40), // an octave below at half the velocity: a ghost
            note(60, 0.5, 1.3, 85),
            note(72, 0.51, 1.3, 78), // an octave above 60, played: 0.92 of its velocity
        ];
        drop_harmonic_ghosts(&mut notes);
        let pitches: Vec<u8> = notes.iter().map(|n| n.pitch).collect();
        assert_eq!(pitches, vec![56, 60, 72]);
    }
}
