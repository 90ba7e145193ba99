//! Bad and odd input: silence, a single click, white noise, two seconds, two hours (streamed,
//! memory measured), mono, stereo and 5.1, 8 kHz to 192 kHz, a truncated MP3 and a file that is
//! not audio. Each gives a sensible result or a clear error, never a panic.

use std::alloc::{GlobalAlloc, Layout, System};
use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use yano_analysis::{analyze_file, AnalysisError, Settings};

/// Counts live heap bytes and their peak while `TRACK` is on (the two-hour test).
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TRACK: AtomicBool = AtomicBool::new(false);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        if TRACK.load(Ordering::Relaxed) {
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn scratch(name: &str) -> PathBuf {
    yano_testkit::scratch_path("analysis-tests", name)
}

/// Writes float WAV frames (one Vec per channel).
fn write_wav(path: &Path, rate: u32, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i]).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A four-on-the-floor pulse at `bpm` (decaying 60 Hz thumps with a click) over an A-minor
/// chord (A3 E4 C5: its third well above the bass/treble split at 260 Hz), `seconds` long at
/// `rate`.
fn groove(rate: u32, seconds: f64, bpm: f64) -> Vec<f32> {
    tuned_groove(rate, seconds, bpm, 440.0)
}

/// The same with the triad tuned to `a4` Hz.
fn tuned_groove(rate: u32, seconds: f64, bpm: f64, a4: f64) -> Vec<f32> {
    let scale = a4 / 440.0;
    let n = (seconds * f64::from(rate)) as usize;
    let beat = 60.0 / bpm;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let since = t % beat;
            let kick = (-since / 0.08).exp() * (TAU * 60.0 * since).sin()
                + 0.5 * (-since / 0.004).exp() * (TAU * 1800.0 * since).sin();
            let chord: f64 = [220.0, 329.63, 523.25]
                .iter()
                .map(|f| 0.08 * (TAU * f * scale * t).sin())
                .sum();
            (0.5 * kick + chord) as f32
        })
        .collect()
}

/// The labels of the chords that last over two seconds.
fn lasting_chords(r: &yano_analysis::Report) -> Vec<String> {
    r.chords
        .iter()
        .filter(|c| c.seconds() > 2.0)
        .map(|c| c.label(r.spelling()))
        .collect()
}

#[test]
fn silence_gives_no_tempo_no_key_and_silent_loudness() {
    let path = scratch("silence.wav");
    write_wav(
        &path,
        44_100,
        &[vec![0.0; 44_100 * 10], vec![0.0; 44_100 * 10]],
    );
    let r = analyze_file(&path, &Settings::default()).unwrap();
    assert_eq!(r.bpm, 0.0);
    assert!(r.beats.is_empty());
    assert_eq!(r.key, None);
    assert_eq!(r.loudness.integrated_lufs, None);
    assert!(r.chord_labels().iter().all(|l| l == "N"), "{:?}", r.chords);
    assert!(!r.amapiano.tempo.holds && !r.amapiano.log_drum.holds);
    // JSON has no NaN or infinity in it: silence reads as nulls.
    let json = r.to_json();
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    serde_json::from_str::<serde_json::Value>(&json).unwrap();
}

#[test]
fn a_single_click_and_white_noise_give_no_beat() {
    let mut click = vec![0.0f32; 44_100 * 8];
    click[44_100 * 4] = 1.0;
    let path = scratch("click.wav");
    write_wav(&path, 44_100, &[click]);
    let r = analyze_file(&path, &Settings::default()).unwrap();
    assert!(r.beats.len() < 4, "a click is not a beat: {:?}", r.beats);
    assert!(r.loudness.true_peak_dbtp.unwrap() > -1.0);

    // Seeded white noise (xorshift).
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<f32> = (0..44_100 * 20)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.5
        })
        .collect();
    let path = scratch("noise.wav");
    write_wav(&path, 44_100, &[noise]);
    let r = analyze_file(&path, &Settings::default()).unwrap();
    assert!(!r.tempo_steady, "noise has no steady tempo ({} BPM)", r.bpm);
    assert!(!r.amapiano.log_drum.holds);
    let lufs = r.loudness.integrated_lufs.unwrap();
    assert!((-25.0..-5.0).contains(&lufs), "{lufs} LUFS");
}

#[test]
fn two_seconds_are_measured_without_a_tempo() {
    let path = scratch("two-seconds.wav");
    write_wav(&path, 48_000, &[groove(48_000, 2.0, 120.0)]);
    let r = analyze_file(&path, &Settings::default()).unwrap();
    assert!((r.seconds - 2.0).abs() < 1e-3);
    // Too short to measure a tempo between 60 and 200 BPM over four periods.
    assert_eq!(r.bpm, 0.0);
    assert!(r.loudness.integrated_lufs.is_some());
}

#[test]
fn every_rate_from_8_to_192_khz_and_every_layout_reads_the_same_tempo_and_chord() {
    for (rate, channels) in [
        (8_000, 1),
        (22_050, 2),
        (44_100, 6),
        (96_000, 2),
        (192_000, 1),
    ] {
        let mono = groove(rate, 20.0, 120.0);
        // 5.1: the music in front left/right and centre, a loud LFE the mix must leave out.
        let layout: Vec<Vec<f32>> = (0..channels)
            .map(|c| {
                if channels == 6 && c == 3 {
                    mono.iter()
                        .enumerate()
                        .map(|(i, _)| (TAU * 30.0 * i as f64 / f64::from(rate)).sin() as f32)
                        .collect()
                } else if channels == 6 && c >= 4 {
                    vec![0.0; mono.len()]
                } else {
                    mono.clone()
                }
            })
            .collect();
        let path = scratch(&format!("groove-{rate}-{channels}.wav"));
        write_wav(&path, rate, &layout);
        let r = analyze_file(&path, &Settings::default()).unwrap();
        assert_eq!((r.sample_rate, r.channels), (rate, channels));
        assert!(
            (r.bpm - 120.0).abs() < 0.05,
            "{rate} Hz × {channels}: {} BPM",
            r.bpm
        );
        let main = lasting_chords(&r);
        assert!(!main.is_empty(), "no chord lasts over 2 s: {:?}", r.chords);
        assert!(
            main.iter().all(|l| l.starts_with("A:min")),
            "{rate} Hz × {channels}: {main:?}"
        );
    }
}

#[test]
fn a_recording_tuned_away_from_440_reads_in_its_own_tuning() {
    // A = 446 Hz is 23.4 cents sharp; 432 Hz is 31.8 cents flat.
    for (a4, cents) in [(446.0, 23.4), (432.0, -31.8)] {
        let path = scratch(&format!("tuned-{a4}.wav"));
        write_wav(&path, 44_100, &[tuned_groove(44_100, 20.0, 120.0, a4)]);
        let r = analyze_file(&path, &Settings::default()).unwrap();
        assert!(
            (r.tuning_cents - cents).abs() < 4.0,
            "A = {a4}: {} cents",
            r.tuning_cents
        );
        let main = lasting_chords(&r);
        assert!(!main.is_empty(), "no chord lasts over 2 s: {:?}", r.chords);
        assert!(
            main.iter().all(|l| l.starts_with("A:min")),
            "A = {a4}: {main:?}"
        );
        assert_eq!(
            r.key.map(|k| k.name()).as_deref(),
            Some("A minor"),
            "A = {a4}"
        );
    }
}

#[test]
fn a_truncated_mp3_is_read_as_far_as_it_goes_and_non_audio_is_refused() {
    let mp3 = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../nodes/tests/data/tone-a4.mp3");
    let bytes = std::fs::read(&mp3).unwrap();
    let cut = scratch("truncated.mp3");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let r = analyze_file(&cut, &Settings::default()).unwrap();
    assert!(r.seconds > 0.3 && r.seconds < 0.9, "{} s", r.seconds);

    let text = scratch("notes.wav");
    std::fs::write(&text, "these are my notes, not audio\n".repeat(50)).unwrap();
    let err = analyze_file(&text, &Settings::default()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, AnalysisError::Decode(_)), "{err:?}");
    assert!(
        message.contains("notes.wav"),
        "the error names the file: {message}"
    );

    let missing = scratch("no-such-file.flac");
    let message = analyze_file(&missing, &Settings::default())
        .unwrap_err()
        .to_string();
    assert!(message.contains("no-such-file.flac"), "{message}");
}

#[test]
fn a_two_hour_file_streams_through_in_bounded_memory() {
    // 8 kHz mono 16-bit: 115 MB on disk, 230 MB as floats; stereo 48 kHz would be 2.8 GB.
    const RATE: u32 = 8_000;
    let path = scratch("two-hours.wav");
    let minute: Vec<i16> = groove(RATE, 60.0, 120.0)
        .iter()
        .map(|x| (x.clamp(-1.0, 1.0) * 32_000.0) as i16)
        .collect();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for _ in 0..120 {
        let mut block = w.get_i16_writer(minute.len() as u32);
        for x in &minute {
            block.write_sample(*x);
        }
        block.flush().unwrap();
    }
    w.finalize().unwrap();

    TRACK.store(true, Ordering::Relaxed);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let report = analyze_file(&path, &Settings::default()).unwrap();
    TRACK.store(false, Ordering::Relaxed);
    let peak_mb = (PEAK.load(Ordering::Relaxed) - before) as f64 / 1e6;
    std::fs::remove_file(&path).unwrap();
    assert!((report.seconds - 7200.0).abs() < 0.01);
    assert!((report.bpm - 120.0).abs() < 0.01, "{} BPM", report.bpm);
    assert!(report.beats.len() > 14_000);
    // The features of two hours take a few tens of MB; the audio never sits in memory.
    assert!(peak_mb < 120.0, "peak {peak_mb:.0} MB");
    eprintln!("two hours analysed with a peak of {peak_mb:.0} MB");
}
