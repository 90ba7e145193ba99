//! Monophonic decoding, for bass lines, log drums and melodies: one note at a time, each begun by
//! an attack the audio shows (spectral flux, [`super::refine::audio_onsets`]) or, for legato
//! notes that change pitch without a new attack, by a note start of the polyphonic decoder; each
//! named by the pitch basic-pitch hears most after it. The polyphonic decoder leans on the model's onset head,
//! whose time resolution is coarse below about 55 Hz (its lowest constant-Q filters are long):
//! there it merges repeated notes and starts notes early. Segmenting by the audio's attacks
//! instead is the classic onset-then-pitch scheme of monophonic transcription (e.g. Klapuri &
//! Davy, "Signal Processing Methods for Music Transcription", 2006, ch. 1).

use super::notes::{Posteriorgrams, LOWEST_MIDI, PITCHES};
use super::{Options, TranscribedNote};

/// Skipped after an attack before the pitch is read: a log drum's dive settles in about 40 ms.
const SETTLE: f64 = 0.04;
/// How long after the attack the pitch is read.
const LISTEN: f64 = 0.25;

/// One note per boundary whose pitch is clear. `attacks` are the audio's onsets and
/// `note_starts` the polyphonic decoder's, both in seconds. A note start with no attack within
/// 50 ms is a boundary only where the pitch changes there.
pub fn decode(
    p: &Posteriorgrams,
    attacks: &[f64],
    note_starts: &[f64],
    options: &Options,
) -> Vec<TranscribedNote> {
    let mut boundaries: Vec<(f64, bool)> = attacks.iter().map(|a| (*a, true)).collect();
    for s in note_starts {
        if !attacks.iter().any(|a| (a - s).abs() <= 0.05) {
            boundaries.push((*s, false));
        }
    }
    boundaries.sort_by(|a, b| a.0.total_cmp(&b.0));
    boundaries.dedup_by(|later, earlier| later.0 - earlier.0 < 0.03);
    let onsets: Vec<f64> = boundaries.iter().map(|b| b.0).collect();
    let struck: Vec<bool> = boundaries.iter().map(|b| b.1).collect();
    let frames = p.frames();
    if frames == 0 {
        return Vec::new();
    }
    let frame_at = |t: f64| p.times.partition_point(|x| *x < t);
    let (lowest, highest) = options.pitch_range();
    let mut notes = Vec::new();
    for (i, &onset) in onsets.iter().enumerate() {
        let next = onsets.get(i + 1).copied().unwrap_or(f64::INFINITY);
        let read_from = frame_at(onset + SETTLE.min((next - onset) / 3.0));
        let read_to = frame_at((onset + LISTEN).min(next)).min(frames);
        if read_to <= read_from {
            continue;
        }
        // The pitch heard most, on average, while the note settles.
        let mut best = (0usize, 0.0f32);
        for k in 0..PITCHES {
            let midi = LOWEST_MIDI + k as u8;
            if midi < lowest || midi > highest {
                continue;
            }
            let mean = (read_from..read_to)
                .map(|t| p.note[t * PITCHES + k])
                .sum::<f32>()
                / (read_to - read_from) as f32;
            if mean > best.1 {
                best = (k, mean);
            }
        }
        // The attack is certain, so the pitch need only lead: half the frame threshold names
        // it (short low notes, which basic-pitch hears faintly, are kept).
        let (k, strength) = best;
        if strength < 0.5 * options.frame_threshold {
            continue;
        }
        // It lasts until the next attack or until its pitch fades for good.
        let last = frame_at(next).min(frames);
        let mut end = read_to;
        let mut below = 0;
        for t in read_from..last {
            if p.note[t * PITCHES + k] < options.frame_threshold {
                below += 1;
                if below > 11 {
                    break;
                }
            } else {
                below = 0;
                end = t + 1;
            }
        }
        let end_time = p
            .times
            .get(end)
            .copied()
            .unwrap_or(next.min(p.times[frames - 1]));
        let end_time = end_time.min(next);
        if end_time - onset < options.min_note_seconds {
            continue;
        }
        let amplitude = (frame_at(onset)..end)
            .map(|t| p.note[t * PITCHES + k])
            .sum::<f32>()
            / (end - frame_at(onset)).max(1) as f32;
        let pitch = LOWEST_MIDI + k as u8;
        // Without an attack, the same pitch going on is the note before.
        if !struck[i] {
            if let Some(last) = notes
                .last_mut()
                .filter(|n: &&mut TranscribedNote| n.pitch == pitch && onset - n.end <= 0.03)
            {
                last.end = end_time;
                continue;
            }
        }
        notes.push(TranscribedNote {
            pitch,
            start: onset,
            end: end_time,
            velocity: (amplitude * 127.0).round().clamp(1.0, 127.0) as u8,
            bends: Vec::new(),
        });
    }
    notes
}
