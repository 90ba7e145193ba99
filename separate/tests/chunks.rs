//! The chunked mask pipeline with mask sources whose answer is known: the stems sum back to the
//! mix, chunk joins neither dip nor click, and any rate or channel count comes back as it went in.

use yano_audio_io::decode::DecodedAudio;
use yano_separate::chunks::{chunk_starts, Chunk, MaskSource, CHUNK_FRAMES, OVERLAP_FRAMES};
use yano_separate::stft::{BINS, HOP};
use yano_separate::{separate, Options, SeparateError, STEMS};

/// Gives every chunk a constant mask: chunk c sends `share(c)` of everything to vocals and the
/// rest to "other". Neighbouring chunks disagree, so a join shows exactly how they are blended.
struct Alternating;

fn share(chunk_index: usize) -> f32 {
    if chunk_index % 2 == 0 {
        1.0
    } else {
        0.0
    }
}

impl MaskSource for Alternating {
    fn masks(&self, chunk: &Chunk<'_>) -> Result<Vec<f32>, SeparateError> {
        let step = CHUNK_FRAMES - OVERLAP_FRAMES;
        let s = share(chunk.start / step);
        let mut m = vec![0.0; STEMS.len() * BINS * CHUNK_FRAMES];
        let per = BINS * CHUNK_FRAMES;
        m[..per].fill(s);
        m[6 * per..].fill(1.0 - s);
        Ok(m)
    }
    fn parallelism(&self) -> usize {
        2
    }
}

fn tone(seconds: f64, rate: u32, hz: f64) -> Vec<f32> {
    (0..(seconds * f64::from(rate)) as usize)
        .map(|n| (0.5 * (std::f64::consts::TAU * hz * n as f64 / f64::from(rate)).sin()) as f32)
        .collect()
}

fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.6
        })
        .collect()
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn stem<'a>(s: &'a yano_separate::Separation, name: &str) -> &'a Vec<Vec<f32>> {
    &s.stems.iter().find(|(n, _)| n == name).expect("the stem").1
}

#[test]
fn a_join_is_a_linear_crossfade_with_no_dip_on_a_tone_and_on_noise() {
    // At the model's rate, so frames and chunks fall where the test computes them.
    let rate = yano_separate::MODEL_RATE;
    for (what, signal) in [
        ("tone", tone(12.0, rate, 440.0)),
        ("noise", noise(12 * rate as usize, 7)),
    ] {
        let audio = DecodedAudio {
            sample_rate: rate,
            channels: vec![signal.clone()],
        };
        let out = separate(&audio, &Alternating, &Options::default(), &mut |_| true).unwrap();
        let vocals = &stem(&out, "vocals")[0];
        let other = &stem(&out, "other")[0];
        // Across the first join (chunk 0 all vocals, chunk 1 all other) the vocal share falls from
        // 1 to 0 over the 64 shared frames: measured at the join's middle it is one half, and the
        // two stems together keep the input's level at every 10 ms.
        let step = CHUNK_FRAMES - OVERLAP_FRAMES;
        let mid = (step + OVERLAP_FRAMES / 2) * HOP;
        let w = rate as usize / 100;
        let ratio = rms(&vocals[mid - w..mid + w]) / rms(&signal[mid - w..mid + w]);
        assert!(
            (ratio - 0.5).abs() < 0.03,
            "{what}: vocal share mid-join {ratio:.3}"
        );
        for start in (0..signal.len() - w).step_by(w) {
            let input = rms(&signal[start..start + w]);
            let sum: Vec<f32> = (start..start + w).map(|i| vocals[i] + other[i]).collect();
            let level = 20.0 * (rms(&sum) / input).log10();
            assert!(
                level.abs() < 0.01,
                "{what}: {level:.3} dB at sample {start}"
            );
        }
        // No click: the vocal stem's gain (its level over the input's, frame by frame, so the
        // noise's own ups and downs cancel) moves at most by about the ramp's slope (1/64 a frame).
        let gain: Vec<f64> = vocals
            .chunks(HOP)
            .zip(signal.chunks(HOP))
            .map(|(v, x)| rms(v) / rms(x).max(1e-9))
            .collect();
        for pair in gain.windows(2).take(gain.len() - 2) {
            let jump = (pair[1] - pair[0]).abs();
            assert!(
                jump < 0.05,
                "{what}: the vocal gain jumps by {jump:.3} between frames"
            );
        }
    }
}

#[test]
fn chunks_cover_every_frame_with_a_quarter_shared() {
    assert_eq!(chunk_starts(10), vec![0]);
    assert_eq!(chunk_starts(256), vec![0]);
    assert_eq!(chunk_starts(257), vec![0, 192]);
    let starts = chunk_starts(10_000);
    assert!(starts.last().unwrap() + CHUNK_FRAMES >= 10_000);
    assert!(starts.windows(2).all(|w| w[1] - w[0] == 192));
}

#[test]
fn any_rate_and_channel_count_comes_back_exact_and_summing_to_the_input() {
    for (rate, channels, seconds) in [
        (8_000, 1, 3.0),
        (44_100, 2, 1.0),
        (48_000, 6, 2.0),
        (192_000, 2, 1.5),
    ] {
        let len = (seconds * f64::from(rate)) as usize + 3;
        let input: Vec<Vec<f32>> = (0..channels)
            .map(|ch| {
                let t = tone(seconds + 0.01, rate, 220.0 * (ch + 1) as f64);
                let n = noise(len, ch as u64 + 1);
                (0..len).map(|i| 0.5 * t[i] + 0.2 * n[i]).collect()
            })
            .collect();
        let audio = DecodedAudio {
            sample_rate: rate,
            channels: input.clone(),
        };
        let out = separate(&audio, &Alternating, &Options::default(), &mut |_| true).unwrap();
        assert_eq!(out.sample_rate, rate);
        assert_eq!(out.stems.len(), STEMS.len());
        for (name, stem) in &out.stems {
            assert_eq!(stem.len(), channels, "{name} at {rate} Hz");
            assert!(stem.iter().all(|c| c.len() == len), "{name} at {rate} Hz");
        }
        for ch in 0..channels {
            let error: Vec<f32> = (0..len)
                .map(|i| input[ch][i] - out.stems.iter().map(|(_, s)| s[ch][i]).sum::<f32>())
                .collect();
            let db = 20.0 * (rms(&error) / rms(&input[ch])).log10();
            assert!(
                db < -60.0,
                "{rate} Hz channel {ch}: the stems sum to the input at {db:.1} dB"
            );
        }
        // At the model's rate the vocal stem is really separated (the first chunk is all vocals);
        // at other rates it went through two resamplings, and still carries the input.
        let vocals = &stem(&out, "vocals")[0];
        assert!(
            rms(&vocals[..len / 4]) > 0.5 * rms(&input[0][..len / 4]),
            "{rate} Hz"
        );
    }
}

#[test]
fn chosen_stems_come_with_the_rest_and_unknown_ones_are_named() {
    let audio = DecodedAudio {
        sample_rate: 44_100,
        channels: vec![tone(2.0, 44_100, 330.0); 2],
    };
    let options = Options {
        stems: vec!["log_drum".into(), "vocals".into()],
        ..Options::default()
    };
    let out = separate(&audio, &Alternating, &options, &mut |_| true).unwrap();
    let names: Vec<&str> = out.stems.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["vocals", "log_drum", "rest"]);
    let options = Options {
        stems: vec!["kazoo".into()],
        ..Options::default()
    };
    let err = separate(&audio, &Alternating, &options, &mut |_| true).unwrap_err();
    assert!(
        err.to_string().contains("kazoo") && err.to_string().contains("log_drum"),
        "{err}"
    );
}

#[test]
fn no_samples_is_a_named_error_and_cancel_stops() {
    let empty = DecodedAudio {
        sample_rate: 44_100,
        channels: vec![Vec::new()],
    };
    let err = separate(&empty, &Alternating, &Options::default(), &mut |_| true).unwrap_err();
    assert!(err.to_string().contains("no audio"), "{err}");
    let audio = DecodedAudio {
        sample_rate: 44_100,
        channels: vec![tone(20.0, 44_100, 330.0)],
    };
    let err = separate(&audio, &Alternating, &Options::default(), &mut |_| false).unwrap_err();
    assert!(matches!(err, SeparateError::Cancelled), "{err}");
}
