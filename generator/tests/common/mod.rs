//! Shared by the generator's tests: generating into a temporary folder, and reading back WAV,
//! MIDI and JSON the way a user's tools would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yano_generator::{compose, export, Options, Request};

/// A fresh folder under the system's temporary folder. Its name is fixed, so each run replaces
/// the last run's files instead of leaving hundreds of megabytes of stems behind.
pub fn scratch(name: &str) -> PathBuf {
    yano_testkit::scratch("generator-tests", name)
}

/// Generates `prompt` with `seed` into a fresh folder, as `yano generate` does.
pub fn generate(name: &str, prompt: &str, options: Options) -> (PathBuf, yano_generator::Track) {
    let dir = scratch(name);
    let (request, _) = Request::new(prompt, &options).unwrap();
    let track = compose(&request);
    export::write(&track, &dir, Arc::new(yano_registry::registry()), 0.0).unwrap();
    (dir, track)
}

/// A stereo WAV file as (left, right).
pub fn read_wav(path: &Path) -> (Vec<f32>, Vec<f32>, u32) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let full = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / full)
                .collect()
        }
    };
    let left = samples.iter().step_by(2).copied().collect();
    let right = samples.iter().skip(1).step_by(2).copied().collect();
    (left, right, spec.sample_rate)
}

/// Energy of `a - b` relative to `b`, in dB.
pub fn error_db(a: &[f32], b: &[f32]) -> f64 {
    let (mut err, mut sig) = (0.0f64, 0.0f64);
    for (x, y) in a.iter().zip(b) {
        err += f64::from(x - y).powi(2);
        sig += f64::from(*y).powi(2);
    }
    10.0 * (err / sig.max(1e-30)).log10()
}

/// One note of a MIDI track: start and end in beats, pitch, velocity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MidiNote {
    pub start: f64,
    pub end: f64,
    pub pitch: u8,
    pub velocity: u8,
    pub channel: u8,
}

/// What a MIDI file holds: tempo (BPM), key signature, and each named track's notes.
pub struct Midi {
    pub bpm: f64,
    pub key_signature: Option<(i8, bool)>,
    pub tracks: Vec<(String, Vec<MidiNote>)>,
    /// Lyric meta events: (track name, beat, text).
    pub lyrics: Vec<(String, f64, String)>,
}

pub fn read_midi(path: &Path) -> Midi {
    let bytes = std::fs::read(path).unwrap();
    let smf = midly::Smf::parse(&bytes).unwrap();
    let ppq = match smf.header.timing {
        midly::Timing::Metrical(t) => f64::from(t.as_int()),
        _ => panic!("timecode timing"),
    };
    let mut bpm = 0.0;
    let mut key_signature = None;
    let mut tracks = Vec::new();
    let mut lyrics = Vec::new();
    for track in &smf.tracks {
        let mut tick = 0u64;
        let mut name = String::new();
        let mut open: Vec<(u8, u8, u64, u8)> = Vec::new();
        let mut notes = Vec::new();
        for e in track {
            tick += u64::from(e.delta.as_int());
            match e.kind {
                midly::TrackEventKind::Meta(midly::MetaMessage::Tempo(t)) => {
                    bpm = 60_000_000.0 / f64::from(t.as_int())
                }
                midly::TrackEventKind::Meta(midly::MetaMessage::KeySignature(s, m)) => {
                    key_signature = Some((s, m))
                }
                midly::TrackEventKind::Meta(midly::MetaMessage::TrackName(n)) => {
                    name = String::from_utf8_lossy(n).into()
                }
                midly::TrackEventKind::Meta(midly::MetaMessage::Lyric(text)) => lyrics.push((
                    name.clone(),
                    tick as f64 / ppq,
                    String::from_utf8_lossy(text).into(),
                )),
                midly::TrackEventKind::Midi { channel, message } => match message {
                    midly::MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                        open.push((channel.as_int(), key.as_int(), tick, vel.as_int()))
                    }
                    midly::MidiMessage::NoteOn { key, .. }
                    | midly::MidiMessage::NoteOff { key, .. } => {
                        if let Some(i) = open
                            .iter()
                            .position(|o| o.0 == channel.as_int() && o.1 == key.as_int())
                        {
                            let (ch, pitch, on, velocity) = open.remove(i);
                            notes.push(MidiNote {
                                start: on as f64 / ppq,
                                end: tick as f64 / ppq,
                                pitch,
                                velocity,
                                channel: ch,
                            });
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        notes.sort_by(|a: &MidiNote, b| a.start.total_cmp(&b.start).then(a.pitch.cmp(&b.pitch)));
        tracks.push((name, notes));
    }
    Midi {
        bpm,
        key_signature,
        tracks,
        lyrics,
    }
}

impl Midi {
    pub fn track(&self, name: &str) -> &[MidiNote] {
        self.tracks
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, notes)| notes.as_slice())
            .unwrap_or_else(|| panic!("no MIDI track {name}"))
    }
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Pitch class of a chord symbol's root: "Ebm9" → 3.
pub fn root_of(symbol: &str) -> u8 {
    yano_music::Chord::parse_symbol(symbol)
        .unwrap_or_else(|e| panic!("{e}"))
        .root
}

/// Every chord change of the JSON as (start in beats, length in beats, symbol).
pub fn chords(json: &serde_json::Value) -> Vec<(f64, f64, String)> {
    json["chord_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let start =
                (c["bar"].as_f64().unwrap() - 1.0) * 4.0 + c["beat"].as_f64().unwrap() - 1.0;
            (
                start,
                c["beats"].as_f64().unwrap(),
                c["symbol"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Mean power of a stereo signal above `from_hz`, in dB (relative: comparisons between renders),
/// from its spectrum: Hann-windowed 4096-point FFTs hopped by half a frame over both channels.
pub fn energy_above_db(left: &[f32], right: &[f32], sample_rate: u32, from_hz: f64) -> f64 {
    const N: usize = 4096;
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(N);
    let window: Vec<f64> = (0..N)
        .map(|n| 0.5 - 0.5 * (std::f64::consts::TAU * n as f64 / N as f64).cos())
        .collect();
    let w2: f64 = window.iter().map(|w| w * w).sum();
    let first_bin = (from_hz * N as f64 / f64::from(sample_rate)).ceil() as usize;
    let (mut input, mut spectrum) = (fft.make_input_vec(), fft.make_output_vec());
    let (mut power, mut frames) = (0.0f64, 0usize);
    for channel in [left, right] {
        let mut start = 0;
        while start + N <= channel.len() {
            for ((x, s), w) in input
                .iter_mut()
                .zip(&channel[start..start + N])
                .zip(&window)
            {
                *x = f64::from(*s) * w;
            }
            fft.process(&mut input, &mut spectrum).unwrap();
            power += spectrum[first_bin..]
                .iter()
                .map(|c| c.norm_sqr())
                .sum::<f64>()
                / w2;
            frames += 1;
            start += N / 2;
        }
    }
    10.0 * (power / frames.max(1) as f64).max(1e-30).log10()
}

/// The frames of a render covering bars `first..=last` (from 1) at `bpm` in 4/4.
pub fn bars_of(x: &[f32], sample_rate: u32, bpm: f64, first: u32, last: u32) -> &[f32] {
    let frame =
        |bar: u32| ((f64::from(bar - 1) * 4.0 * 60.0 / bpm) * f64::from(sample_rate)) as usize;
    &x[frame(first).min(x.len())..frame(last + 1).min(x.len())]
}

/// Sorted gain reductions in dB (≥ 0) from linear gains, and their median and 95th percentile.
pub fn reduction_stats(gains: &[f32]) -> (f64, f64) {
    let mut db: Vec<f64> = gains
        .iter()
        .map(|g| -20.0 * f64::from(g.max(1e-9)).log10())
        .collect();
    db.sort_by(f64::total_cmp);
    let at = |q: f64| {
        db.get(((db.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    (at(0.5), at(0.95))
}
