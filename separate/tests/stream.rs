//! Songs separated as streams, window by window, into files: with a mask source that splits by
//! frequency band, every stem of a sum of steady tones is known analytically, so the joins
//! between windows show as any dip, click or leak against it. A cancel or a failure leaves the
//! folder as it was; a song whose stems cannot be WAV files is refused before any work.

use std::path::{Path, PathBuf};

use yano_separate::chunks::{Chunk, MaskSource, CHUNK_FRAMES};
use yano_separate::files::{separate_file, Described, Limits, Written};
use yano_separate::stft::BINS;
use yano_separate::stream::Segmenting;
use yano_separate::{Options, SeparateError, MODEL_RATE, STEMS};

/// Bins under 300 Hz to the bass, 300 Hz to 3 kHz to the piano, the rest to the drums.
struct Bands;

impl MaskSource for Bands {
    fn masks(&self, _chunk: &Chunk<'_>) -> Result<Vec<f32>, SeparateError> {
        let stem_of = |bin: usize| {
            let hz = bin as f64 * f64::from(MODEL_RATE) / (2.0 * (BINS - 1) as f64);
            let name = if hz < 300.0 {
                "bass"
            } else if hz < 3000.0 {
                "piano"
            } else {
                "drums"
            };
            STEMS.iter().position(|s| *s == name).unwrap()
        };
        let mut masks = vec![0.0; STEMS.len() * BINS * CHUNK_FRAMES];
        for bin in 0..BINS {
            let at = (stem_of(bin) * BINS + bin) * CHUNK_FRAMES;
            masks[at..at + CHUNK_FRAMES].fill(1.0);
        }
        Ok(masks)
    }
    fn parallelism(&self) -> usize {
        2
    }
}

const RATE: u32 = 44_100;
/// (Hz, amplitude, the stem it belongs to).
const TONES: [(f64, f64, &str); 3] = [
    (110.0, 0.3, "bass"),
    (1000.0, 0.2, "piano"),
    (6000.0, 0.1, "drums"),
];

fn tone(hz: f64, amplitude: f64, i: usize, channel: usize) -> f64 {
    let phase = channel as f64 * 0.7;
    amplitude * (std::f64::consts::TAU * hz * i as f64 / f64::from(RATE) + phase).sin()
}

fn song(frames: usize) -> Vec<Vec<f32>> {
    (0..2)
        .map(|ch| {
            (0..frames)
                .map(|i| {
                    TONES
                        .iter()
                        .map(|(hz, a, _)| tone(*hz, *a, i, ch))
                        .sum::<f64>() as f32
                })
                .collect()
        })
        .collect()
}

fn dir(name: &str) -> PathBuf {
    let dir = yano_testkit::scratch_path("separate-stream-tests", name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_wav(path: &Path, channels: &[Vec<f32>]) {
    yano_separate::files::write_float_wav(path, channels, RATE).unwrap();
}

/// `path` separated into `out` with [`Bands`].
fn separate_with_bands(
    path: &Path,
    out: &Path,
    limits: Limits,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Written, SeparateError> {
    let described = Described {
        model: "bands",
        backend: "test",
    };
    separate_file(
        path,
        out,
        &Bands,
        described,
        &Options::default(),
        limits,
        progress,
    )
}

/// Windows 6 s apart, so a 30 s song has four joins (at 6, 12, 18 and 24 s, each faded over 2 s),
/// within `max_memory`.
fn short_windows(max_memory: Option<u64>) -> Limits {
    Limits {
        max_memory,
        segmenting: Some(Segmenting {
            step_seconds: 6.0,
            crossfade_seconds: 2.0,
            margin_seconds: 1.5,
        }),
    }
}

#[test]
fn a_stream_in_windows_gives_each_tone_whole_to_its_stem_across_every_join() {
    let dir = dir("joins");
    let frames = 30 * RATE as usize + 123;
    let input = song(frames);
    let path = dir.join("song.wav");
    write_wav(&path, &input);
    let out = dir.join("stems");
    let mut shares = Vec::new();
    let written = separate_with_bands(&path, &out, short_windows(None), &mut |share| {
        shares.push(share);
        true
    })
    .unwrap();
    assert_eq!(written.frames, frames);
    assert_eq!(written.files.len(), STEMS.len() + 1);
    assert!(
        shares.windows(2).all(|w| w[1] >= w[0] - 1e-9),
        "progress only grows"
    );
    assert!((shares.last().unwrap() - 1.0).abs() < 1e-9);

    let mut sum = vec![vec![0.0f64; frames]; 2];
    for stem in STEMS {
        let (rate, channels) = yano_testkit::read_wav(&out.join(format!("{stem}.wav")));
        assert_eq!(
            (rate, channels.len(), channels[0].len()),
            (RATE, 2, frames),
            "{stem}"
        );
        for (ch, samples) in channels.iter().enumerate() {
            for (i, v) in samples.iter().enumerate() {
                sum[ch][i] += f64::from(*v);
            }
        }
        // The analytic stem: the tones of its band, nothing else.
        let expected = |i: usize, ch: usize| -> f64 {
            TONES
                .iter()
                .filter(|(_, _, s)| *s == stem)
                .map(|(hz, a, _)| tone(*hz, *a, i, ch))
                .sum()
        };
        // In every 50 ms, joins included (the song's first and last 50 ms aside: the STFT's
        // edges), the stem's error against its tones is 40 dB under the song.
        let block = RATE as usize / 20;
        let mut worst = f64::NEG_INFINITY;
        for start in (block..frames - 2 * block).step_by(block) {
            let (mut error, mut level) = (0.0, 0.0);
            for (ch, samples) in channels.iter().enumerate() {
                for (i, v) in samples.iter().enumerate().skip(start).take(block) {
                    error += (f64::from(*v) - expected(i, ch)).powi(2);
                    level += f64::from(input[ch][i]).powi(2);
                }
            }
            worst = worst.max(10.0 * (error / level).log10());
        }
        assert!(
            worst < -40.0,
            "{stem}: worst 50 ms is {worst:.1} dB off its tones"
        );
    }
    // The stems sum back to the song.
    let (mut error, mut level) = (0.0, 0.0);
    for ch in 0..2 {
        for i in 0..frames {
            error += (sum[ch][i] - f64::from(input[ch][i])).powi(2);
            level += f64::from(input[ch][i]).powi(2);
        }
    }
    assert!(10.0 * (error / level).log10() < -60.0);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("separation.json")).unwrap())
            .unwrap();
    assert_eq!(json["frames"], frames);
    assert_eq!(json["model"], "bands");
    // Energy shares: 0.09, 0.04 and 0.01 of 0.14 (the tones' squared amplitudes).
    for (_, a, stem) in TONES {
        let share = json["stems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stem"] == stem)
            .unwrap()["energy_share"]
            .as_f64()
            .unwrap();
        assert!((share - a * a / 0.14).abs() < 0.002, "{stem}: {share}");
    }
    assert!(no_partial_files(&out));
}

fn no_partial_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().all(|e| {
        !e.unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")
    })
}

#[test]
fn a_cancel_leaves_the_folder_as_it_was() {
    let dir = dir("cancel");
    let path = dir.join("song.wav");
    write_wav(&path, &song(20 * RATE as usize));
    let out = dir.join("stems");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("vocals.wav"), b"yesterday's stem").unwrap();
    let result = separate_with_bands(&path, &out, short_windows(None), &mut |share| share < 0.5);
    assert!(
        matches!(result, Err(SeparateError::Cancelled)),
        "{result:?}"
    );
    assert_eq!(
        std::fs::read(out.join("vocals.wav")).unwrap(),
        b"yesterday's stem"
    );
    let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(left.len(), 1, "only what was there");
}

#[test]
fn memory_is_refused_by_the_window_not_the_song() {
    let dir = dir("memory");
    let path = dir.join("song.wav");
    write_wav(&path, &song(20 * RATE as usize));
    let run = |max_memory: u64, out: &str| {
        separate_with_bands(
            &path,
            &dir.join(out),
            short_windows(Some(max_memory)),
            &mut |_| true,
        )
    };
    // A window is 11 s (6 + 2 + 2 × 1.5): 485,100 frames a channel twice and 528,000 at the
    // model's rate for the resampled input and each of the 7 stems, plus the mono mix and the
    // window weights (2 × 528,000), plus a crossfade of the 7 stems (7 × 2 × 88,200): 12.68 M
    // floats, 50.7 MB; the whole 20 s song at once would need 83.2 MB.
    let refused = run(50_000_000, "refused").unwrap_err();
    let text = refused.to_string();
    assert!(
        text.contains("song.wav")
            && text.contains("needs about 50.7 MB")
            && text.contains("50.0 MB is allowed"),
        "{text}"
    );
    assert!(!dir.join("refused").exists(), "nothing is written");
    run(52_000_000, "allowed").unwrap();
}

#[test]
fn stems_too_big_for_a_wav_file_are_refused_before_any_work() {
    // A 16-bit WAV of 8 channels whose header claims 4 GB of samples (the data that follows is
    // short): 268 M frames, whose float stems would take 8.6 GB each.
    let dir = dir("too-big");
    let path = dir.join("huge.wav");
    let (channels, bits, claimed): (u16, u16, u32) = (8, 16, 0xFFFF_FF00);
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(claimed.wrapping_add(36)).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&RATE.to_le_bytes());
    bytes.extend_from_slice(&(RATE * u32::from(channels) * 2).to_le_bytes());
    bytes.extend_from_slice(&(channels * 2).to_le_bytes());
    bytes.extend_from_slice(&bits.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&claimed.to_le_bytes());
    bytes.extend(std::iter::repeat_n(0u8, 16 * 4410));
    std::fs::write(&path, bytes).unwrap();
    let out = dir.join("stems");
    let result = separate_with_bands(&path, &out, Limits::default(), &mut |_| true);
    let text = result.unwrap_err().to_string();
    assert!(
        text.contains("huge.wav") && text.contains("WAV file holds"),
        "{text}"
    );
    assert!(!out.exists());
}
