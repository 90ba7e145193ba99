//! Chroma that ignores overtones: an approximate note transcription before the chroma, as NNLS
//! chroma does (Mauch & Dixon 2010, "Approximate note transcription for the improved
//! identification of difficult chords"). Each chroma frame's spectral peaks, on a semitone grid
//! around the track's tuning, are explained as a non-negative sum of note profiles (a note and
//! its first [`PARTIALS`] harmonics at geometrically falling levels); the notes' activations, not
//! the peaks, are folded into pitch classes. A minor ninth's 5th harmonics no longer read as major
//! thirds, and a bass note's 3rd harmonic no longer votes for its fifth.

use crate::features::ChromaFrames;

/// The lowest note of the grid: E1 (41.2 Hz).
pub const LOWEST_NOTE: u8 = 28;
/// Notes of the grid: E1 to E7 (2.64 kHz).
pub const NOTES: usize = 73;
/// Harmonics in a note's profile.
pub const PARTIALS: usize = 8;
/// Level of each harmonic against the one below it, in each timbre the notes are fitted with.
pub const PARTIAL_DECAYS: [f32; 2] = [0.5, 0.85];
/// Notes up to this one (F#3) count for the bass chroma.
pub const BASS_HIGHEST: u8 = 54;
/// Notes from this one (C3) up count for the treble chroma.
pub const TREBLE_LOWEST: u8 = 48;
/// Coordinate-descent sweeps a frame (warm-started from the frame before).
const SWEEPS: usize = 6;

/// The note profiles and their Gram matrix: each note once for each of [`PARTIAL_DECAYS`] (a
/// dull and a bright timbre), their activations summed per note.
pub struct NoteDictionary {
    /// Each profile as (semitone bin, level), harmonics past the grid left out; profile
    /// `t * NOTES + n` is note n in timbre t.
    atoms: Vec<Vec<(usize, f32)>>,
    /// `gram[i * size + j]`: the dot product of profiles i and j.
    gram: Vec<f32>,
}

impl Default for NoteDictionary {
    fn default() -> Self {
        Self::new()
    }
}

impl NoteDictionary {
    pub fn new() -> NoteDictionary {
        let atoms: Vec<Vec<(usize, f32)>> = PARTIAL_DECAYS
            .iter()
            .flat_map(|decay| {
                (0..NOTES).map(move |n| {
                    (1..=PARTIALS)
                        .filter_map(|k| {
                            let bin = n as f64 + 12.0 * (k as f64).log2();
                            let bin = bin.round() as usize;
                            (bin < NOTES).then(|| (bin, decay.powi(k as i32 - 1)))
                        })
                        .collect()
                })
            })
            .collect();
        let size = atoms.len();
        let mut dense = vec![0.0f32; size * NOTES];
        for (a, atom) in atoms.iter().enumerate() {
            for &(bin, level) in atom {
                dense[a * NOTES + bin] += level;
            }
        }
        let gram = (0..size * size)
            .map(|ij| {
                let (i, j) = (ij / size, ij % size);
                (0..NOTES)
                    .map(|b| dense[i * NOTES + b] * dense[j * NOTES + b])
                    .sum()
            })
            .collect();
        NoteDictionary { atoms, gram }
    }

    /// Profiles in the dictionary: the length of the activations [`NoteDictionary::fit`] takes.
    pub fn size(&self) -> usize {
        self.atoms.len()
    }

    /// Fits non-negative activations `x` (one a profile) to a semitone spectrum (least squares,
    /// coordinate descent; `x` holds the previous frame's answer as the start).
    pub fn fit(&self, spectrum: &[f32], x: &mut [f32]) {
        let size = self.size();
        let b: Vec<f32> = self
            .atoms
            .iter()
            .map(|atom| atom.iter().map(|&(bin, level)| level * spectrum[bin]).sum())
            .collect();
        // r = G x, kept as x changes.
        // From the few profiles active in the frame before.
        let mut r = vec![0.0f32; size];
        for (j, &xj) in x.iter().enumerate().filter(|(_, v)| **v > 0.0) {
            for (i, ri) in r.iter_mut().enumerate() {
                *ri += self.gram[i * size + j] * xj;
            }
        }
        for _ in 0..SWEEPS {
            for i in 0..size {
                let g = self.gram[i * size + i];
                let next = (x[i] - (r[i] - b[i]) / g).max(0.0);
                let d = next - x[i];
                if d != 0.0 {
                    x[i] = next;
                    for (j, rj) in r.iter_mut().enumerate() {
                        *rj += d * self.gram[j * size + i];
                    }
                }
            }
        }
    }
}

/// Frames held back at the start until the running tuning estimate settles (about 6 s).
pub const SETTLE_FRAMES: usize = 64;

/// Note chroma computed frame by frame as the spectrogram streams in, so memory stays bounded
/// however long the track: each frame's peaks on a grid of thirds of a semitone are folded to
/// semitones around the tuning estimated so far, then fitted with notes. The first
/// [`SETTLE_FRAMES`] frames wait for the estimate.
pub struct NoteChroma {
    dictionary: NoteDictionary,
    activations: Vec<f32>,
    /// Frames waiting for the tuning, 3 × [`NOTES`] thirds each.
    waiting: Vec<f32>,
    out: ChromaFrames,
}

impl Default for NoteChroma {
    fn default() -> Self {
        Self::new()
    }
}

impl NoteChroma {
    pub fn new() -> NoteChroma {
        let dictionary = NoteDictionary::new();
        NoteChroma {
            activations: vec![0.0; dictionary.size()],
            dictionary,
            waiting: Vec::new(),
            out: ChromaFrames::default(),
        }
    }

    /// Adds a frame's peaks on the grid of thirds (third 3·n is note n equal-tempered). With the
    /// tuning's offset in thirds known (`centre`), fits it and every frame that waited.
    pub fn push(&mut self, thirds: &[f32], centre: Option<isize>) {
        self.waiting.extend_from_slice(thirds);
        if let Some(centre) = centre {
            self.fit_waiting(centre);
        }
    }

    /// Fits what still waits with the final tuning and hands over the chroma.
    pub fn finish(mut self, centre: isize) -> ChromaFrames {
        self.fit_waiting(centre);
        self.out
    }

    fn fit_waiting(&mut self, centre: isize) {
        let waiting = std::mem::take(&mut self.waiting);
        let at = |frame: &[f32], third: isize| {
            usize::try_from(third)
                .ok()
                .and_then(|t| frame.get(t))
                .copied()
                .unwrap_or(0.0)
        };
        let mut spectrum = [0.0f32; NOTES];
        for frame in waiting.chunks_exact(3 * NOTES) {
            for (n, s) in spectrum.iter_mut().enumerate() {
                let c = 3 * n as isize + centre;
                *s = at(frame, c) + 0.5 * (at(frame, c - 1) + at(frame, c + 1));
            }
            self.dictionary.fit(&spectrum, &mut self.activations);
            let (bass, treble) = fold(&self.activations);
            self.out.bass.push(bass);
            self.out.treble.push(treble);
        }
    }
}

/// Bass and treble chroma of one frame's activations.
fn fold(activations: &[f32]) -> ([f32; 12], [f32; 12]) {
    let (mut bass, mut treble) = ([0.0f32; 12], [0.0f32; 12]);
    for (a, &level) in activations.iter().enumerate() {
        let midi = LOWEST_NOTE + (a % NOTES) as u8;
        let pc = usize::from(midi % 12);
        if midi <= BASS_HIGHEST {
            bass[pc] += level;
        }
        if midi >= TREBLE_LOWEST {
            treble[pc] += level;
        }
    }
    (bass, treble)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bass and treble chroma from the notes fitted to each frame's semitone spectrum (`spectra`,
    /// [`NOTES`] values a frame, tuned).
    fn note_chroma(spectra: &[f32]) -> ChromaFrames {
        let dictionary = NoteDictionary::new();
        let mut x = vec![0.0f32; dictionary.size()];
        let mut out = ChromaFrames::default();
        for spectrum in spectra.chunks_exact(NOTES) {
            dictionary.fit(spectrum, &mut x);
            let (bass, treble) = fold(&x);
            out.bass.push(bass);
            out.treble.push(treble);
        }
        out
    }

    /// A semitone spectrum of `notes`, each with ten harmonics at 1/k² (an electric piano's
    /// falling levels, not the dictionary's geometric ones).
    fn spectrum(notes: &[u8]) -> Vec<f32> {
        let mut s = vec![0.0f32; NOTES];
        for &note in notes {
            for k in 1..=10 {
                let bin =
                    (f64::from(note - LOWEST_NOTE) + 12.0 * f64::from(k).log2()).round() as usize;
                if bin < NOTES {
                    s[bin] += 1.0 / (k * k) as f32;
                }
            }
        }
        s
    }

    /// Pitch classes of a semitone spectrum, as the peaks' chroma counts them, peak 1.
    fn peaks_chroma(spectrum: &[f32]) -> [f32; 12] {
        let mut pcs = [0.0f32; 12];
        for (n, v) in spectrum.iter().enumerate() {
            pcs[(usize::from(LOWEST_NOTE) + n) % 12] += v;
        }
        let peak = pcs.iter().cloned().fold(0.0, f32::max);
        pcs.map(|v| v / peak)
    }

    #[test]
    fn a_minor_ninth_chord_is_its_notes_more_than_its_overtones() {
        // (Harmonics at 1/k², not the dictionary's own levels: the notes must hold up when the
        // sound is not the model.)
        // F#m9 (F#3 A3 C#4 E4 G#4): the peaks also hold the chord
        // tones' overtones, D# (G#'s 3rd harmonic), B (E's 3rd) and A# (F#'s 5th, the major
        // third that turns the chord into F#7); the notes hold every chord tone and less of them.
        let chord = [54, 57, 61, 64, 68];
        let raw = peaks_chroma(&spectrum(&chord));
        let frames = note_chroma(&spectrum(&chord).repeat(4));
        let treble = frames.treble[3];
        let peak = treble.iter().cloned().fold(0.0, f32::max);
        let notes = treble.map(|v| v / peak);
        for pc in [6, 9, 1, 4, 8] {
            assert!(notes[pc] > 0.7, "chord tone {pc}: {notes:?}");
        }
        // The share of the chroma off the chord: 0.064 for the peaks, 0.016 for the notes.
        let off = |c: &[f32; 12]| {
            let total: f32 = c.iter().sum();
            [0, 2, 3, 5, 7, 10, 11].iter().map(|pc| c[*pc]).sum::<f32>() / total
        };
        assert!(
            off(&notes) < 0.5 * off(&raw),
            "{} against {}",
            off(&notes),
            off(&raw)
        );
    }

    #[test]
    fn a_bass_note_is_bass_only_and_its_fifth_is_not_heard() {
        let frames = note_chroma(&spectrum(&[29]).repeat(3)); // F1
        let bass = frames.bass[2];
        assert!(bass[5] > 0.5);
        // The peaks would give C, its 3rd harmonic, a ninth of F's level.
        assert!(bass[0] < 0.02 * bass[5], "C, its 3rd harmonic: {bass:?}");
        // Its harmonics reach the treble (C3 and up) but are mostly explained by it: the peaks
        // would give the treble 1.4 times the fundamental's level (harmonics 3 to 10).
        assert!(
            frames.treble[2].iter().sum::<f32>() < 0.2 * bass[5],
            "{:?}",
            frames.treble[2]
        );
    }
}
