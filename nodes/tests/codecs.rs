//! Every compressed format `source.file` reads, decoded and measured: FLAC sample-exact, OGG/Vorbis
//! and MP3 by pitch and level. Fixtures: tests/data/tone-a4.* (scripts/make-codec-fixtures.py),
//! one second of 440 Hz at −6 dBFS, mono, 44,100 Hz, with 10 ms fades.

use std::f64::consts::TAU;
use std::path::PathBuf;

use yano_audio_io::decode::decode_file;

fn fixture(ext: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/tone-a4.{ext}"))
}

fn source(i: usize) -> f64 {
    let t = i as f64 / 44_100.0;
    // As the script: the fade-out runs on the reversed time axis, which ends at (N − 1) / rate.
    let reversed = (44_099 - i) as f64 / 44_100.0;
    let fade = (t.min(reversed) / 0.01).min(1.0);
    0.5 * (TAU * 440.0 * t).sin() * fade
}

/// (frequency of the strongest component between 100 Hz and 2 kHz, its level in dBFS), from the
/// middle half second; the frequency is refined to 0.1 Hz.
fn strongest(x: &[f32]) -> (f64, f64) {
    let mid = &x[11_025..33_075];
    let amplitude = |f: f64| {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, v) in mid.iter().enumerate() {
            let p = TAU * f * n as f64 / 44_100.0;
            re += f64::from(*v) * p.cos();
            im += f64::from(*v) * p.sin();
        }
        2.0 * (re * re + im * im).sqrt() / mid.len() as f64
    };
    let coarse = (100..2000)
        .step_by(5)
        .map(f64::from)
        .max_by(|a, b| amplitude(*a).total_cmp(&amplitude(*b)))
        .unwrap();
    let fine = (-30..=30)
        .map(|k| coarse + f64::from(k) * 0.1)
        .max_by(|a, b| amplitude(*a).total_cmp(&amplitude(*b)))
        .unwrap();
    (fine, 20.0 * amplitude(fine).log10())
}

#[test]
fn flac_decodes_sample_exact() {
    let audio = decode_file(&fixture("flac"), 10.0).unwrap();
    assert_eq!(
        (
            audio.sample_rate,
            audio.channels.len(),
            audio.channels[0].len()
        ),
        (44_100, 1, 44_100)
    );
    let worst = audio.channels[0]
        .iter()
        .enumerate()
        .map(|(i, x)| (f64::from(*x) - source(i)).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 1.0 / 32_768.0, "largest error {worst}");
}

#[test]
fn ogg_vorbis_and_mp3_decode_to_the_right_pitch_and_level() {
    for ext in ["ogg", "mp3"] {
        let audio = decode_file(&fixture(ext), 10.0).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert_eq!(
            (audio.sample_rate, audio.channels.len()),
            (44_100, 1),
            "{ext}"
        );
        let frames = audio.channels[0].len();
        // Lossy codecs pad: MP3 adds encoder delay and a partial last frame.
        assert!(
            (44_100..44_100 + 4_096).contains(&frames),
            "{ext}: {frames} frames"
        );
        let (freq, level) = strongest(&audio.channels[0]);
        assert!((freq - 440.0).abs() < 0.5, "{ext}: {freq} Hz");
        assert!((level + 6.02).abs() < 0.5, "{ext}: {level:.2} dBFS");
    }
}
