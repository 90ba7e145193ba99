//! Audio to notes with basic-pitch. The audio, mono at 22,050 Hz, is cut into windows of 43,844
//! samples (2 s less one hop) that overlap by 30 model frames (7,680 samples); the first window
//! starts half an overlap before the audio. Each window gives 172 frames of note, onset and
//! contour posteriors; 15 frames are dropped from each end and the rest laid end to end, each
//! frame keeping its own time. [`notes::decode`] turns them into notes.

pub mod mono;
pub mod notes;
pub mod refine;
pub mod voices;

pub use voices::Voices;

use std::path::Path;

use yano_audio_io::decode::{decode_file, resample, DecodedAudio};

use crate::session::LoadedModel;
use crate::ModelError;
use notes::{Decoding, Posteriorgrams, CONTOUR_BINS, LOWEST_MIDI, PITCHES};

/// basic-pitch's audio rate.
pub const SAMPLE_RATE: u32 = 22_050;
/// Samples a window.
pub const WINDOW: usize = 43_844;
/// Samples between model frames.
pub const FRAME_HOP: usize = 256;
/// Frames a window gives.
pub const WINDOW_FRAMES: usize = 172;
/// Frames two windows share.
pub const OVERLAP_FRAMES: usize = 30;
/// Samples between window starts.
pub const WINDOW_HOP: usize = WINDOW - OVERLAP_FRAMES * FRAME_HOP;

/// What a transcription keeps and drops.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// An onset posterior peak at least this high starts a note (0..1).
    pub onset_threshold: f32,
    /// A note lasts while its note posterior stays at least this high (0..1).
    pub frame_threshold: f32,
    /// Notes shorter than this are dropped (seconds).
    pub min_note_seconds: f64,
    /// Notes below this frequency are ignored (Hz).
    pub min_hz: Option<f64>,
    /// Notes above this frequency are ignored (Hz).
    pub max_hz: Option<f64>,
    /// Follow each note's pitch frame by frame from the contour output.
    pub pitch_bends: bool,
    /// Also start notes where the note posterior rises, not only at onset peaks.
    pub infer_onsets: bool,
    /// Turn energy no onset claimed into notes too.
    pub melodia_trick: bool,
    /// Move note starts to the audio's own onsets and join notes split without a new attack
    /// ([`refine`]).
    pub refine_onsets: bool,
    /// Drop short overtone notes heard above a louder note's attack.
    pub drop_ghosts: bool,
    /// One note at a time (a bass line, a log drum, a melody: notes start at the audio's attacks
    /// and take the pitch heard most after each, [`mono`]), chords and parts, or whichever the
    /// polyphonic notes show ([`voices`], the default).
    pub voices: Voices,
}

impl Default for Options {
    /// basic-pitch's defaults, but for the minimum length: basic-pitch drops notes under 128 ms,
    /// which loses most 16ths at amapiano tempos (133 ms at 113 BPM); yano keeps notes from 70 ms.
    fn default() -> Self {
        Options {
            onset_threshold: 0.5,
            frame_threshold: 0.3,
            min_note_seconds: 0.07,
            min_hz: None,
            max_hz: None,
            pitch_bends: false,
            infer_onsets: true,
            melodia_trick: true,
            refine_onsets: true,
            drop_ghosts: true,
            voices: Voices::Auto,
        }
    }
}

/// A pitch bend at a moment of a note.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PitchBend {
    pub seconds: f64,
    /// Away from the note's pitch, in semitones.
    pub semitones: f32,
}

/// One transcribed note.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TranscribedNote {
    /// MIDI note number.
    pub pitch: u8,
    /// Seconds from the start of the audio.
    pub start: f64,
    pub end: f64,
    /// MIDI velocity 1..=127, from the note's mean posterior.
    pub velocity: u8,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bends: Vec<PitchBend>,
}

/// The notes of a piece of audio and how they were found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Transcription {
    pub model: String,
    /// The backend that ran the model, e.g. "tract".
    pub backend: String,
    pub seconds: f64,
    pub windows: usize,
    /// How the notes were decoded: mono or poly (what auto chose, when asked to choose).
    pub voices: Voices,
    /// The polyphony share of the polyphonic decoding ([`voices::polyphony`]): auto decodes as
    /// mono under [`voices::MONOPHONIC_BELOW`].
    pub polyphony: f64,
    pub notes: Vec<TranscribedNote>,
}

fn hz_to_midi(hz: f64) -> f64 {
    69.0 + 12.0 * (hz / 440.0).log2()
}

impl Options {
    /// The MIDI pitches the frequency range lets through.
    pub fn pitch_range(&self) -> (u8, u8) {
        let d = self.decoding();
        (d.lowest, d.highest)
    }

    fn decoding(&self) -> Decoding {
        let frame_rate = f64::from(SAMPLE_RATE) / FRAME_HOP as f64;
        Decoding {
            onset_threshold: self.onset_threshold,
            frame_threshold: self.frame_threshold,
            min_frames: (self.min_note_seconds * frame_rate).round().max(0.0) as usize,
            lowest: self
                .min_hz
                .map_or(0, |hz| hz_to_midi(hz).ceil().clamp(0.0, 127.0) as u8),
            highest: self
                .max_hz
                .map_or(127, |hz| hz_to_midi(hz).floor().clamp(0.0, 127.0) as u8),
            infer_onsets: self.infer_onsets,
            melodia_trick: self.melodia_trick,
            pitch_bends: self.pitch_bends,
            energy_tolerance: 11,
        }
    }
}

/// Runs basic-pitch over mono audio at 22,050 Hz. `progress` hears the fraction done after each
/// window and returns false to cancel. Worker threads only.
pub fn posteriorgrams(
    model: &LoadedModel,
    audio: &[f32],
    progress: &mut dyn FnMut(f32) -> bool,
) -> Result<Posteriorgrams, ModelError> {
    let run_error = |reason: String| ModelError::Run {
        name: model.spec.name.clone(),
        reason,
    };
    if model.spec.inputs.first().map(|t| t.shape.as_slice()) != Some(&[1, WINDOW as i64, 1][..]) {
        return Err(run_error(format!(
            "transcription needs one input of shape [1, {WINDOW}, 1]"
        )));
    }
    let half_overlap = OVERLAP_FRAMES / 2 * FRAME_HOP;
    let padded_len = audio.len() + half_overlap;
    let windows = padded_len.div_ceil(WINDOW_HOP).max(1);
    let keep = WINDOW_FRAMES - OVERLAP_FRAMES;
    let mut out = Posteriorgrams::default();
    let duration = audio.len() as f64 / f64::from(SAMPLE_RATE);
    let cut = |w: usize| {
        // Window w covers audio samples from w·hop − half an overlap.
        let mut window = vec![0.0f32; WINDOW];
        let first = (w * WINDOW_HOP) as isize - half_overlap as isize;
        for (i, s) in window.iter_mut().enumerate() {
            let at = first + i as isize;
            if at >= 0 && (at as usize) < audio.len() {
                *s = audio[at as usize];
            }
        }
        window
    };
    // Windows go side by side, one a session; progress is heard after each batch.
    let batch = model.parallelism().max(1);
    let mut w = 0;
    while w < windows {
        let ws: Vec<usize> = (w..(w + batch).min(windows)).collect();
        let results: Vec<Result<Vec<crate::TensorData>, ModelError>> =
            std::thread::scope(|scope| {
                let handles: Vec<_> = ws
                    .iter()
                    .map(|&w| {
                        let window = cut(w);
                        scope.spawn(move || model.run(&[&window]))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| Err(run_error("a window's run panicked".into())))
                    })
                    .collect()
            });
        for (&w, outputs) in ws.iter().zip(results) {
            let outputs = outputs?;
            let [note, onset, contour] = &outputs[..] else {
                return Err(run_error("basic-pitch gives three outputs".into()));
            };
            for (t, width) in [(note, PITCHES), (onset, PITCHES), (contour, CONTOUR_BINS)] {
                if t.values.len() != WINDOW_FRAMES * width {
                    return Err(run_error(format!(
                        "an output has shape {:?}, not [1, {WINDOW_FRAMES}, {width}]",
                        t.shape
                    )));
                }
            }
            let skip = OVERLAP_FRAMES / 2;
            for k in 0..keep {
                let time = (w * WINDOW_HOP + k * FRAME_HOP) as f64 / f64::from(SAMPLE_RATE);
                if time >= duration {
                    break;
                }
                let f = skip + k;
                out.times.push(time);
                out.note
                    .extend_from_slice(&note.values[f * PITCHES..(f + 1) * PITCHES]);
                out.onset
                    .extend_from_slice(&onset.values[f * PITCHES..(f + 1) * PITCHES]);
                out.contour
                    .extend_from_slice(&contour.values[f * CONTOUR_BINS..(f + 1) * CONTOUR_BINS]);
            }
        }
        w += ws.len();
        if !progress(w as f32 / windows as f32) {
            return Err(ModelError::Cancelled);
        }
    }
    Ok(out)
}

/// Transcribes mono audio at 22,050 Hz into notes. Worker threads only.
pub fn transcribe(
    model: &LoadedModel,
    audio: &[f32],
    options: &Options,
    progress: &mut dyn FnMut(f32) -> bool,
) -> Result<Transcription, ModelError> {
    let p = posteriorgrams(model, audio, progress)?;
    let poly = polyphonic_notes(&p, audio, options);
    let polyphony = voices::polyphony(&poly);
    let decoded_as = match options.voices {
        Voices::Auto => voices::decide(&poly),
        chosen => chosen,
    };
    let notes = match decoded_as {
        Voices::Mono => {
            let starts: Vec<f64> = poly.iter().map(|n| n.start).collect();
            let mut notes = mono::decode(&p, &refine::audio_onsets(audio), &starts, options);
            if options.pitch_bends {
                // The contour's bends, from the polyphonic notes of the same pitch.
                for note in &mut notes {
                    note.bends = poly
                        .iter()
                        .filter(|n| n.pitch == note.pitch)
                        .flat_map(|n| n.bends.iter())
                        .filter(|b| (note.start..note.end).contains(&b.seconds))
                        .copied()
                        .collect();
                }
            }
            notes
        }
        _ => poly,
    };
    Ok(Transcription {
        model: model.spec.name.clone(),
        backend: model.backend.name().to_string(),
        seconds: audio.len() as f64 / f64::from(SAMPLE_RATE),
        windows: (audio.len() + OVERLAP_FRAMES / 2 * FRAME_HOP)
            .div_ceil(WINDOW_HOP)
            .max(1),
        voices: decoded_as,
        polyphony,
        notes,
    })
}

fn polyphonic_notes(p: &Posteriorgrams, audio: &[f32], options: &Options) -> Vec<TranscribedNote> {
    let mut notes = notes_from(p, options);
    if options.refine_onsets {
        let onsets = refine::audio_onsets(audio);
        refine::refine_starts(&mut notes, &onsets);
        refine::join_continuations(&mut notes, &onsets);
    }
    if options.drop_ghosts {
        refine::drop_harmonic_ghosts(&mut notes);
    }
    notes
}

/// Decodes the posteriorgrams into timed notes.
pub fn notes_from(p: &Posteriorgrams, options: &Options) -> Vec<TranscribedNote> {
    let end_time = |f: usize| {
        p.times.get(f).copied().unwrap_or_else(|| {
            p.times
                .last()
                .map_or(0.0, |t| t + FRAME_HOP as f64 / f64::from(SAMPLE_RATE))
        })
    };
    notes::decode(p, &options.decoding())
        .into_iter()
        .map(|n| TranscribedNote {
            pitch: n.pitch,
            start: p.times[n.start],
            end: end_time(n.end),
            velocity: (n.amplitude * 127.0).round().clamp(1.0, 127.0) as u8,
            bends: n
                .bends
                .iter()
                .enumerate()
                .map(|(i, b)| PitchBend {
                    seconds: p.times[n.start + i],
                    semitones: *b as f32 / notes::CONTOUR_BINS_PER_SEMITONE as f32,
                })
                .collect(),
        })
        .collect()
}

/// Mixes channels down to mono and resamples to 22,050 Hz.
pub fn model_input(audio: DecodedAudio) -> Result<Vec<f32>, ModelError> {
    let frames = audio.channels.first().map_or(0, Vec::len);
    let n = audio.channels.len().max(1) as f32;
    let mono: Vec<f32> = (0..frames)
        .map(|i| audio.channels.iter().map(|c| c[i]).sum::<f32>() / n)
        .collect();
    let mono = DecodedAudio {
        sample_rate: audio.sample_rate,
        channels: vec![mono],
    };
    let resampled = resample(mono, SAMPLE_RATE).map_err(|e| ModelError::Audio(e.to_string()))?;
    Ok(resampled.channels.into_iter().next().unwrap_or_default())
}

/// Decodes an audio file (WAV, FLAC, MP3, OGG) and transcribes it.
pub fn transcribe_file(
    model: &LoadedModel,
    path: &Path,
    options: &Options,
    progress: &mut dyn FnMut(f32) -> bool,
) -> Result<Transcription, ModelError> {
    // Three hours is the most a transcription takes in one piece.
    let decoded = decode_file(path, 3.0 * 3600.0).map_err(|e| ModelError::Audio(e.to_string()))?;
    let audio = model_input(decoded)?;
    transcribe(model, &audio, options, progress)
}

/// The lowest pitch basic-pitch can give.
pub const LOWEST_PITCH: u8 = LOWEST_MIDI;
