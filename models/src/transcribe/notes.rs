//! From basic-pitch's posteriorgrams to notes, after the decoding its authors publish (Bittner et
//! al., "A lightweight instrument-agnostic model for polyphonic note transcription and multipitch
//! estimation", ICASSP 2022, and basic-pitch's `note_creation.py`):
//!
//! 1. Onsets are also inferred from rises of the note posteriorgram, so a note whose onset head is
//!    weak still starts.
//! 2. Onset peaks (local maxima in time above the onset threshold) start notes, latest first. A
//!    note runs while the note posteriorgram stays above the frame threshold, allowing a gap of
//!    `energy_tolerance` frames, and is kept when longer than the minimum length. Its frames and
//!    the neighbouring semitones' are then used up.
//! 3. What energy is left above the frame threshold becomes notes too, grown from the strongest
//!    frame both ways (the "Melodia trick").
//! 4. Velocity is the mean note posterior over the note; pitch bends, where asked, are the
//!    contour's peak within ±25 bins (thirds of a semitone) of the note, weighted by a Gaussian.

/// Semitones of the note and onset outputs (A0 = MIDI 21 up to C8 = MIDI 108).
pub const PITCHES: usize = 88;
/// The lowest pitch, MIDI 21 (A0, 27.5 Hz).
pub const LOWEST_MIDI: u8 = 21;
/// Contour bins: three a semitone.
pub const CONTOUR_BINS: usize = 264;
pub const CONTOUR_BINS_PER_SEMITONE: usize = 3;

/// The model's frame-wise outputs for a whole clip, one row a frame.
#[derive(Debug, Clone, Default)]
pub struct Posteriorgrams {
    /// Seconds of each frame, rising.
    pub times: Vec<f64>,
    /// frames × 88
    pub note: Vec<f32>,
    /// frames × 88
    pub onset: Vec<f32>,
    /// frames × 264
    pub contour: Vec<f32>,
}

impl Posteriorgrams {
    pub fn frames(&self) -> usize {
        self.times.len()
    }
}

/// How notes are decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoding {
    pub onset_threshold: f32,
    pub frame_threshold: f32,
    /// Notes no longer than this many frames are dropped.
    pub min_frames: usize,
    /// Pitches outside this MIDI range are ignored.
    pub lowest: u8,
    pub highest: u8,
    pub infer_onsets: bool,
    pub melodia_trick: bool,
    pub pitch_bends: bool,
    /// Frames below the frame threshold a note may cross.
    pub energy_tolerance: usize,
}

/// One decoded note, in frames.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameNote {
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    pub pitch: u8,
    /// Mean note posterior over the note, 0..1.
    pub amplitude: f32,
    /// Per frame from `start`, in thirds of a semitone; empty unless asked.
    pub bends: Vec<i32>,
}

/// Decodes notes from the posteriorgrams.
pub fn decode(p: &Posteriorgrams, d: &Decoding) -> Vec<FrameNote> {
    let frames = p.frames();
    if frames < 2 {
        return Vec::new();
    }
    let in_range = |k: usize| {
        let midi = k + usize::from(LOWEST_MIDI);
        midi >= usize::from(d.lowest) && midi <= usize::from(d.highest)
    };
    let mut onsets = p.onset.clone();
    let mut energy = p.note.clone();
    for t in 0..frames {
        for k in (0..PITCHES).filter(|k| !in_range(*k)) {
            onsets[t * PITCHES + k] = 0.0;
            energy[t * PITCHES + k] = 0.0;
        }
    }
    if d.infer_onsets {
        infer_onsets(&mut onsets, &energy, frames);
    }

    // Onset peaks, latest first.
    let mut peaks = Vec::new();
    for t in 1..frames - 1 {
        for k in 0..PITCHES {
            let v = onsets[t * PITCHES + k];
            if v >= d.onset_threshold
                && v > onsets[(t - 1) * PITCHES + k]
                && v > onsets[(t + 1) * PITCHES + k]
            {
                peaks.push((t, k));
            }
        }
    }
    peaks.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));

    let mut notes = Vec::new();
    for (start, k) in peaks {
        let mut i = start + 1;
        let mut below = 0;
        while i < frames - 1 && below < d.energy_tolerance {
            if energy[i * PITCHES + k] < d.frame_threshold {
                below += 1;
            } else {
                below = 0;
            }
            i += 1;
        }
        let end = i - below;
        if end - start <= d.min_frames {
            continue;
        }
        use_up(&mut energy, start, end, k);
        notes.push(note(p, start, end, k, d));
    }

    if d.melodia_trick {
        // Every frame left above the threshold, strongest first. Energy only ever falls to 0, so
        // a frame is still the strongest left exactly when it has not been used up since.
        let mut strongest: Vec<(usize, f32)> = energy
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > d.frame_threshold)
            .map(|(i, v)| (i, *v))
            .collect();
        strongest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (best, value) in strongest {
            if energy[best] != value {
                continue;
            }
            let (mid, k) = (best / PITCHES, best % PITCHES);
            energy[best] = 0.0;
            // Forwards.
            let mut i = mid + 1;
            let mut below = 0;
            while i < frames - 1 && below < d.energy_tolerance {
                if energy[i * PITCHES + k] < d.frame_threshold {
                    below += 1;
                } else {
                    below = 0;
                }
                use_up(&mut energy, i, i + 1, k);
                i += 1;
            }
            // basic-pitch ends these notes one frame earlier (`i - 1 - k`) than the notes grown from
            // onsets; both end here after their last frame above the threshold.
            let end = i - below;
            // Backwards.
            let mut i = mid as isize - 1;
            let mut below = 0;
            while i > 0 && below < d.energy_tolerance {
                let f = i as usize;
                if energy[f * PITCHES + k] < d.frame_threshold {
                    below += 1;
                } else {
                    below = 0;
                }
                use_up(&mut energy, f, f + 1, k);
                i -= 1;
            }
            let start = (i + 1 + below as isize).max(0) as usize;
            if end <= start || end - start <= d.min_frames {
                continue;
            }
            notes.push(note(p, start, end, k, d));
        }
    }
    notes.sort_by(|a, b| a.start.cmp(&b.start).then(a.pitch.cmp(&b.pitch)));
    notes
}

/// Zeroes frames `start..end` of semitone `k` and its neighbours.
fn use_up(energy: &mut [f32], start: usize, end: usize, k: usize) {
    for t in start..end {
        let row = &mut energy[t * PITCHES..(t + 1) * PITCHES];
        row[k] = 0.0;
        if k > 0 {
            row[k - 1] = 0.0;
        }
        if k + 1 < PITCHES {
            row[k + 1] = 0.0;
        }
    }
}

fn note(p: &Posteriorgrams, start: usize, end: usize, k: usize, d: &Decoding) -> FrameNote {
    let amplitude =
        (start..end).map(|t| p.note[t * PITCHES + k]).sum::<f32>() / (end - start) as f32;
    FrameNote {
        start,
        end,
        pitch: LOWEST_MIDI + k as u8,
        amplitude,
        bends: if d.pitch_bends {
            bends(p, start, end, k)
        } else {
            Vec::new()
        },
    }
}

/// Onsets from the rise of the note posteriorgram over two frames, scaled to the onset
/// posteriorgram's peak, and kept where they exceed the model's onsets.
fn infer_onsets(onsets: &mut [f32], note: &[f32], frames: usize) {
    const N_DIFF: usize = 2;
    let mut rise = vec![0.0f32; note.len()];
    for t in N_DIFF..frames {
        for k in 0..PITCHES {
            let now = note[t * PITCHES + k];
            let least = (1..=N_DIFF)
                .map(|n| now - note[(t - n) * PITCHES + k])
                .fold(f32::INFINITY, f32::min);
            rise[t * PITCHES + k] = least.max(0.0);
        }
    }
    let max_rise = rise.iter().copied().fold(0.0f32, f32::max);
    let max_onset = onsets.iter().copied().fold(0.0f32, f32::max);
    if max_rise <= 0.0 {
        return;
    }
    let scale = max_onset / max_rise;
    for (o, r) in onsets.iter_mut().zip(&rise) {
        *o = o.max(r * scale);
    }
}

/// The contour's peak near the note, frame by frame, in thirds of a semitone from the note.
fn bends(p: &Posteriorgrams, start: usize, end: usize, k: usize) -> Vec<i32> {
    const TOLERANCE: isize = 25;
    let centre = (k * CONTOUR_BINS_PER_SEMITONE) as isize;
    let gaussian = |offset: isize| (-0.5 * (offset as f32 / 5.0).powi(2)).exp();
    (start..end)
        .map(|t| {
            let row = &p.contour[t * CONTOUR_BINS..(t + 1) * CONTOUR_BINS];
            let mut best = (0isize, f32::MIN);
            for offset in -TOLERANCE..=TOLERANCE {
                let bin = centre + offset;
                if bin < 0 || bin >= CONTOUR_BINS as isize {
                    continue;
                }
                let v = row[bin as usize] * gaussian(offset);
                if v > best.1 {
                    best = (offset, v);
                }
            }
            best.0 as i32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoding() -> Decoding {
        Decoding {
            onset_threshold: 0.5,
            frame_threshold: 0.3,
            min_frames: 5,
            lowest: 0,
            highest: 127,
            infer_onsets: false,
            melodia_trick: false,
            pitch_bends: true,
            energy_tolerance: 11,
        }
    }

    /// Posteriorgrams with notes painted in: (pitch index, first frame, frames, onset strength).
    fn painted(frames: usize, notes: &[(usize, usize, usize, f32)]) -> Posteriorgrams {
        let mut p = Posteriorgrams {
            times: (0..frames).map(|t| t as f64 * 256.0 / 22050.0).collect(),
            note: vec![0.0; frames * PITCHES],
            onset: vec![0.0; frames * PITCHES],
            contour: vec![0.0; frames * CONTOUR_BINS],
        };
        for &(k, start, len, strength) in notes {
            p.onset[start * PITCHES + k] = strength;
            for t in start..start + len {
                p.note[t * PITCHES + k] = 0.8;
                p.contour[t * CONTOUR_BINS + k * 3 + 1] = 0.9;
            }
        }
        p
    }

    #[test]
    fn onset_peaks_start_notes_that_run_while_the_frames_hold() {
        let p = painted(
            200,
            &[(24, 10, 30, 0.9), (31, 60, 20, 0.9), (40, 100, 4, 0.9)],
        );
        let notes = decode(&p, &decoding());
        let got: Vec<(usize, usize, u8)> =
            notes.iter().map(|n| (n.start, n.end, n.pitch)).collect();
        // The 4-frame note is shorter than the minimum and is dropped.
        assert_eq!(got, vec![(10, 40, 45), (60, 80, 52)]);
        assert!((notes[0].amplitude - 0.8).abs() < 1e-6);
        // The contour sits one bin above the semitone: a bend of +1/3.
        assert!(
            notes[0].bends.iter().all(|b| *b == 1),
            "{:?}",
            notes[0].bends
        );
    }

    #[test]
    fn a_weak_onset_is_ignored_unless_inferred_or_left_to_the_melodia_trick() {
        // A clear note at semitone 60 and one whose onset head is weak at semitone 30.
        let p = painted(160, &[(60, 100, 30, 0.9), (30, 20, 40, 0.2)]);
        let plain = decode(&p, &decoding());
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].pitch, 81);
        let with_trick = decode(
            &p,
            &Decoding {
                melodia_trick: true,
                ..decoding()
            },
        );
        assert_eq!(with_trick.len(), 2);
        assert_eq!(
            (with_trick[0].start, with_trick[0].end, with_trick[0].pitch),
            (20, 60, 51)
        );
        // Rises of the note posteriorgram are scaled to the strongest onset (0.9).
        let inferred = decode(
            &p,
            &Decoding {
                infer_onsets: true,
                ..decoding()
            },
        );
        assert_eq!(inferred.len(), 2);
        assert_eq!((inferred[0].start, inferred[0].end), (20, 60));
    }

    #[test]
    fn the_frequency_range_drops_notes_outside_it() {
        let p = painted(120, &[(10, 10, 30, 0.9), (50, 10, 30, 0.9)]);
        let d = Decoding {
            lowest: 40,
            highest: 127,
            ..decoding()
        };
        let notes = decode(&p, &d);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].pitch, 71);
    }
}
