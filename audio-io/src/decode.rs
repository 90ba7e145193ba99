//! Audio file decoding (symphonia 0.6) with hostile-header checks, and sample-rate conversion
//! (rubato 5).

use std::path::{Path, PathBuf};

use rubato::audioadapter::Adapter;
use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;

/// Decoded audio: one Vec<f32> per channel, all the same length, at `sample_rate`.
#[derive(Debug, Clone)]
pub struct DecodedAudio {
    pub sample_rate: u32,
    pub channels: Vec<Vec<f32>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("cannot open {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("unsupported audio format in {}: {reason}", path.display())]
    UnsupportedFormat { path: PathBuf, reason: String },
    #[error("no decodable audio track in {}", path.display())]
    NoAudioTrack { path: PathBuf },
    #[error("corrupt audio file {}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("{} is {seconds:.1} s long, more than the limit of {limit:.1} s", path.display())]
    TooLong {
        path: PathBuf,
        seconds: f64,
        limit: f64,
    },
    #[error("resampling failed: {reason}")]
    Resample { reason: String },
}

/// Maps a symphonia error met while probing/demuxing/decoding to a `DecodeError`.
fn sym_err(path: &Path, err: SymError) -> DecodeError {
    let (path, reason) = (path.to_path_buf(), err.to_string());
    match err {
        SymError::Unsupported(_) => DecodeError::UnsupportedFormat { path, reason },
        _ => DecodeError::Corrupt { path, reason },
    }
}

/// Runs one call into symphonia, turning a panic into an error naming the file. symphonia 0.6.1
/// does unchecked arithmetic on header fields (65535 channels × 2 bytes overflows a u16 in its
/// WAV reader), which panics wherever overflow checks are on; a hostile file must not take the
/// caller down.
fn guard<T>(path: &Path, call: impl FnOnce() -> T) -> Result<T, DecodeError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        DecodeError::Corrupt {
            path: path.to_path_buf(),
            reason: format!("the decoder failed on it ({what})"),
        }
    })
}

fn too_long(path: &Path, seconds: f64, limit: f64) -> DecodeError {
    let path = path.to_path_buf();
    DecodeError::TooLong {
        path,
        seconds,
        limit,
    }
}

/// Decodes WAV, FLAC, MP3, OGG/Vorbis with symphonia. Refuses files longer than `max_seconds`
/// before allocating huge buffers where the length is known up front.
pub fn decode_file(path: &Path, max_seconds: f64) -> Result<DecodedAudio, DecodeError> {
    collect(path, Box::new(open_checked(path)?), max_seconds)
}

/// Checks that `path` is audio yano can decode, reading only its header: the format, an audio
/// track, a sample rate in [`SAMPLE_RATES`], and the length against `max_seconds` where the
/// container states it. What a node that decodes a file later calls when it is built, so a preset
/// naming a file that is not audio is refused when it is loaded, not when it plays.
pub fn probe_file(path: &Path, max_seconds: f64) -> Result<(), DecodeError> {
    open_track(path, Box::new(open_checked(path)?), max_seconds).map(drop)
}

/// Decodes a whole file held in memory, as [`decode_file`] does; `name` is what errors call it
/// and its extension, if any, hints the format.
pub fn decode_bytes(
    name: &Path,
    bytes: Vec<u8>,
    max_seconds: f64,
) -> Result<DecodedAudio, DecodeError> {
    check_wav_header(name, &bytes)?;
    collect(name, Box::new(std::io::Cursor::new(bytes)), max_seconds)
}

/// The most frames reserved up front per channel (a minute at 48 kHz): a header's length is a
/// claim, and a 100-byte file claiming three hours must not reserve gigabytes.
const MAX_RESERVED_FRAMES: usize = 48_000 * 60;

/// The sample rates yano reads, in Hz: telephone-band recordings to 768 kHz masters. A header
/// outside this is damaged (a WAV claiming 1 Hz or 4 GHz).
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 4_000..=768_000;

/// Opens `path` and checks what symphonia does not: the frame size a WAV header states.
fn open_checked(path: &Path) -> Result<std::fs::File, DecodeError> {
    use std::io::{Read, Seek};
    let mut file = std::fs::File::open(path).map_err(|source| DecodeError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut head = Vec::with_capacity(512);
    let io = |source| DecodeError::Open {
        path: path.to_path_buf(),
        source,
    };
    (&mut file).take(512).read_to_end(&mut head).map_err(io)?;
    check_wav_header(path, &head)?;
    file.rewind().map_err(io)?;
    Ok(file)
}

/// A WAV's `fmt ` chunk must give each frame room for its samples: symphonia 0.6 decodes a
/// header whose block alignment is 0 bytes as if it were right.
fn check_wav_header(path: &Path, head: &[u8]) -> Result<(), DecodeError> {
    if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Ok(());
    }
    let u16_at = |i: usize| u16::from_le_bytes([head[i], head[i + 1]]);
    let mut at = 12;
    while at + 8 <= head.len() {
        let size = u32::from_le_bytes([head[at + 4], head[at + 5], head[at + 6], head[at + 7]]);
        if &head[at..at + 4] == b"fmt " {
            let fmt = at + 8;
            if size < 16 || fmt + 16 > head.len() {
                return Ok(()); // symphonia names a short fmt chunk itself
            }
            let (channels, block_align, bits) =
                (u16_at(fmt + 2), u16_at(fmt + 12), u16_at(fmt + 14));
            let needed = u32::from(channels) * u32::from(bits).div_ceil(8);
            if needed > 0 && u32::from(block_align) < needed {
                return Err(DecodeError::Corrupt {
                    path: path.to_path_buf(),
                    reason: format!(
                        "its header gives each frame {block_align} bytes, but {channels} \
                         channels of {bits} bits need {needed}"
                    ),
                });
            }
            return Ok(());
        }
        at = match (at + 8).checked_add(size as usize + (size as usize & 1)) {
            Some(next) => next,
            None => return Ok(()),
        };
    }
    Ok(())
}

fn collect(
    path: &Path,
    source: Box<dyn MediaSource>,
    max_seconds: f64,
) -> Result<DecodedAudio, DecodeError> {
    let mut sample_rate = 0;
    let mut channels: Vec<Vec<f32>> = Vec::new();
    decode_source(path, source, max_seconds, |block| {
        if channels.is_empty() {
            sample_rate = block.sample_rate;
            channels = (0..block.channels.len())
                .map(|_| Vec::with_capacity(block.expected_frames.min(MAX_RESERVED_FRAMES)))
                .collect();
        }
        for (dst, src) in channels.iter_mut().zip(block.channels) {
            dst.extend_from_slice(src);
        }
        true
    })?;
    Ok(DecodedAudio {
        sample_rate,
        channels,
    })
}

/// One decoded packet of a stream: planar samples, every channel the same length.
pub struct Block<'a> {
    pub sample_rate: u32,
    pub channels: &'a [Vec<f32>],
    /// Frames in the whole stream as the container says (0 when it does not say).
    pub expected_frames: usize,
}

/// What a whole stream held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamSummary {
    pub sample_rate: u32,
    pub channels: usize,
    pub frames: u64,
}

/// Decodes a file packet by packet, handing each block to `each` and keeping none of it: memory
/// stays bounded however long the file is. Refuses files longer than `max_seconds` (pass
/// `f64::INFINITY` for no limit). A truncated tail ends the stream; a damaged packet is skipped.
pub fn decode_stream(
    path: &Path,
    max_seconds: f64,
    mut each: impl FnMut(Block<'_>),
) -> Result<StreamSummary, DecodeError> {
    decode_stream_while(path, max_seconds, |block| {
        each(block);
        true
    })
}

/// [`decode_stream`] that stops as soon as `each` returns false (a consumer that failed or was
/// cancelled); the summary then counts the frames handed over so far.
pub fn decode_stream_while(
    path: &Path,
    max_seconds: f64,
    each: impl FnMut(Block<'_>) -> bool,
) -> Result<StreamSummary, DecodeError> {
    decode_source(path, Box::new(open_checked(path)?), max_seconds, each)
}

/// A probed stream: its reader, the audio track's parameters and id, and the frames its
/// container claims (0 when it does not say).
struct OpenTrack {
    format: Box<dyn symphonia::core::formats::FormatReader>,
    params: symphonia::core::codecs::audio::AudioCodecParameters,
    track_id: u32,
    expected_frames: usize,
}

fn open_track(
    path: &Path,
    source: Box<dyn MediaSource>,
    max_seconds: f64,
) -> Result<OpenTrack, DecodeError> {
    let p = || path.to_path_buf();
    let mss = MediaSourceStream::new(source, Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let (fmt_opts, meta_opts) = (FormatOptions::default(), MetadataOptions::default());
    let format = guard(path, || {
        symphonia::default::get_probe().probe(&hint, mss, fmt_opts, meta_opts)
    })?
    .map_err(|e| sym_err(path, e))?;

    let no_track = || DecodeError::NoAudioTrack { path: p() };
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(no_track)?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|c| c.audio())
        .ok_or_else(no_track)?;
    let params = params.clone();
    let track_id = track.id;

    // Length check from the container, before any big allocation.
    let mut expected_frames = 0;
    if let Some(rate) = params.sample_rate.filter(|r| *r > 0) {
        let seconds = match (track.num_frames, track.time_base, track.duration) {
            (Some(n), _, _) => Some(n as f64 / f64::from(rate)),
            (None, Some(tb), Some(d)) => tb.calc_duration(d).map(|t| t.as_secs_f64()),
            _ => None,
        };
        if let Some(seconds) = seconds {
            if seconds > max_seconds {
                return Err(too_long(path, seconds, max_seconds));
            }
            expected_frames = (seconds * f64::from(rate)).ceil() as usize;
        }
    }
    if let Some(rate) = params.sample_rate.filter(|r| !SAMPLE_RATES.contains(r)) {
        let reason = format!(
            "its header says {rate} Hz; yano reads {} Hz to {} Hz",
            SAMPLE_RATES.start(),
            SAMPLE_RATES.end()
        );
        return Err(DecodeError::Corrupt { path: p(), reason });
    }
    Ok(OpenTrack {
        format,
        params,
        track_id,
        expected_frames,
    })
}

fn decode_source(
    path: &Path,
    source: Box<dyn MediaSource>,
    max_seconds: f64,
    mut each: impl FnMut(Block<'_>) -> bool,
) -> Result<StreamSummary, DecodeError> {
    let p = || path.to_path_buf();
    let OpenTrack {
        mut format,
        params,
        track_id,
        expected_frames,
    } = open_track(path, source, max_seconds)?;

    let mut decoder = guard(path, || {
        symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
    })?
    .map_err(|e| sym_err(path, e))?;

    let mut summary = StreamSummary {
        sample_rate: 0,
        channels: 0,
        frames: 0,
    };
    let mut scratch: Vec<Vec<f32>> = Vec::new();
    loop {
        let packet = match guard(path, || format.next_packet())? {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // End of a chained stream or a truncated tail: keep what was decoded so far.
            Err(SymError::ResetRequired) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(sym_err(path, e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match guard(path, || decoder.decode(&packet))? {
            Ok(buf) => buf,
            // A single damaged packet is skipped, like every player does.
            Err(SymError::DecodeError(_)) | Err(SymError::IoError(_)) => continue,
            Err(e) => return Err(sym_err(path, e)),
        };
        if buf.frames() == 0 {
            continue;
        }
        let (rate, nch) = (buf.spec().rate(), buf.spec().channels().count());
        if summary.channels == 0 {
            summary.sample_rate = rate;
            summary.channels = nch;
        } else if rate != summary.sample_rate || nch != summary.channels {
            let reason = "sample rate or channel count changes mid-stream".into();
            return Err(DecodeError::UnsupportedFormat { path: p(), reason });
        }
        if !SAMPLE_RATES.contains(&rate) || nch == 0 {
            let reason = format!("a stream of {nch} channels at {rate} Hz");
            return Err(DecodeError::Corrupt { path: p(), reason });
        }
        guard(path, || buf.copy_to_vecs_planar::<f32>(&mut scratch))?;
        scratch.truncate(nch);
        summary.frames += scratch.first().map_or(0, Vec::len) as u64;
        let go_on = each(Block {
            sample_rate: rate,
            channels: &scratch,
            expected_frames,
        });
        if !go_on {
            return Ok(summary);
        }
        // Length unknown up front (e.g. MP3 without a Xing header): stop once it is too long.
        let seconds = summary.frames as f64 / f64::from(rate);
        if seconds > max_seconds {
            return Err(too_long(path, seconds, max_seconds));
        }
    }
    if summary.channels == 0 || summary.frames == 0 {
        let reason = "no audio could be decoded".into();
        return Err(DecodeError::Corrupt { path: p(), reason });
    }
    Ok(summary)
}

/// Resamples every channel to `target_rate` with rubato's FFT windowed-sinc resampler; returns
/// the input unchanged when rates match. The output has exactly round(len * target / source)
/// frames and is time-aligned with the input (the resampler delay is trimmed).
pub fn resample(audio: DecodedAudio, target_rate: u32) -> Result<DecodedAudio, DecodeError> {
    let err = |e: &dyn std::fmt::Display| DecodeError::Resample {
        reason: e.to_string(),
    };
    let (rate_in, rate_out) = (audio.sample_rate as usize, target_rate as usize);
    if rate_in == rate_out {
        return Ok(audio);
    }
    if rate_in == 0 || rate_out == 0 {
        return Err(err(&format!("invalid rates {rate_in} -> {rate_out}")));
    }
    let nch = audio.channels.len();
    let len = audio.channels.first().map_or(0, Vec::len);
    let out_len = (len as f64 * rate_out as f64 / rate_in as f64).round() as usize;
    if audio.channels.iter().any(|c| c.len() != len) {
        return Err(err(&"channels have different lengths"));
    }
    if nch == 0 || len == 0 {
        let channels = vec![Vec::new(); nch];
        return Ok(DecodedAudio {
            sample_rate: target_rate,
            channels,
        });
    }
    // rubato's synchronous resampler: a windowed-sinc (BlackmanHarris2) low-pass applied by FFT.
    // Its filter delay is floor(fft_size_in / 2) input frames while process_all trims
    // fft_size_out / 2 output frames; the two agree exactly only when fft_size_in is even, so
    // ask for an even number of minimal blocks (FixedSync::Both uses chunk / min_in blocks).
    // (Async::new_sinc trims a truncated fractional delay and leaves a sub-sample shift.)
    let min_in = rate_in / gcd(rate_in, rate_out);
    let chunk = 2 * min_in * 1024usize.div_ceil(2 * min_in);
    let window = WindowFunction::BlackmanHarris2;
    let mut resampler =
        Fft::<f32>::new_custom(rate_in, rate_out, chunk, 1, nch, window, FixedSync::Both)
            .map_err(|e| err(&e))?;
    let input = SequentialSliceOfVecs::new(&audio.channels, nch, len).map_err(|e| err(&e))?;
    // process_all trims the startup delay and returns ceil(len * ratio) frames (interleaved).
    let out = resampler
        .process_all(&input, len, None)
        .map_err(|e| err(&e))?;
    let frames = out_len.min(out.frames());
    let data = out.take_data();
    let channels = (0..nch)
        .map(|ch| {
            let mut v: Vec<f32> = (0..frames).map(|f| data[f * nch + ch]).collect();
            v.resize(out_len, 0.0);
            v
        })
        .collect();
    Ok(DecodedAudio {
        sample_rate: target_rate,
        channels,
    })
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    const SR: u32 = 44_100;

    fn temp_path(name: &str) -> PathBuf {
        yano_testkit::scratch_path("audio-io", &format!("decode-{name}"))
    }

    fn tone(freq: f64, rate: u32, i: usize) -> f64 {
        0.5 * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()
    }

    /// Writes 1 s of 440 Hz (left) / 660 Hz (right) 16-bit stereo; returns the written i16 frames.
    fn write_test_wav(path: &Path) -> Vec<[i16; 2]> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: SR,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        let frames: Vec<[i16; 2]> = (0..SR as usize)
            .map(|i| [440.0, 660.0].map(|f| (tone(f, SR, i) * 32767.0).round() as i16))
            .collect();
        for fr in &frames {
            w.write_sample(fr[0]).unwrap();
            w.write_sample(fr[1]).unwrap();
        }
        w.finalize().unwrap();
        frames
    }

    #[test]
    fn decodes_wav_exactly() {
        let path = temp_path("sine.wav");
        let written = write_test_wav(&path);
        let audio = decode_file(&path, 10.0).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(audio.sample_rate, SR);
        assert_eq!(audio.channels.len(), 2);
        for ch in &audio.channels {
            assert_eq!(ch.len(), written.len());
        }
        let mut max_err = 0.0f32;
        for (i, fr) in written.iter().enumerate() {
            for (c, &v) in fr.iter().enumerate() {
                let expect = f32::from(v) / 32768.0;
                max_err = max_err.max((audio.channels[c][i] - expect).abs());
            }
        }
        assert!(max_err <= 1.0 / 32768.0, "max error {max_err}");
        // And the limit is enforced from the header.
        let path = temp_path("sine2.wav");
        write_test_wav(&path);
        let err = decode_file(&path, 0.5).unwrap_err();
        std::fs::remove_file(&path).ok();
        assert!(
            matches!(err, DecodeError::TooLong { seconds, .. } if (seconds - 1.0).abs() < 1e-6),
            "{err}"
        );
    }

    #[test]
    fn resamples_to_48k_aligned() {
        let path = temp_path("sine48.wav");
        write_test_wav(&path);
        let audio = decode_file(&path, 10.0).unwrap();
        std::fs::remove_file(&path).ok();
        let in_len = audio.channels[0].len();
        let out = resample(audio, 48_000).unwrap();
        assert_eq!(out.sample_rate, 48_000);
        assert_eq!(out.channels.len(), 2);
        let expect_len = (in_len as f64 * 48_000.0 / f64::from(SR)).round() as usize;
        for ch in &out.channels {
            assert_eq!(ch.len(), expect_len);
        }
        // Compare with the analytic signal at 48 kHz; any time shift shows up as error.
        for (c, freq) in [(0usize, 440.0), (1, 660.0)] {
            let db = error_db(&out.channels[c], freq, 48_000);
            assert!(db < -60.0, "channel {c}: error {db:.1} dB");
        }
        // Unchanged when rates match.
        let same = DecodedAudio {
            sample_rate: 48_000,
            channels: vec![vec![0.25; 10]],
        };
        let back = resample(same, 48_000).unwrap();
        assert_eq!(back.channels, vec![vec![0.25; 10]]);
    }

    /// RMS error of `got` against the analytic tone, relative to the tone, in dB, skipping 2000
    /// samples at each edge. A 0.5-sample shift at 440 Hz / 48 kHz gives about -30 dB.
    fn error_db(got: &[f32], freq: f64, rate: u32) -> f64 {
        let (mut err, mut sig) = (0.0f64, 0.0f64);
        for (i, &g) in got.iter().enumerate().take(got.len() - 2000).skip(2000) {
            let want = tone(freq, rate, i);
            err += (f64::from(g) - want).powi(2);
            sig += want * want;
        }
        10.0 * (err / sig).log10()
    }

    #[test]
    fn resampling_is_aligned_for_other_ratios() {
        let pairs = [
            (48_000, 44_100),
            (22_050, 48_000),
            (44_100, 22_050),
            (44_100, 44_101),
        ];
        for (from, to) in pairs.into_iter().chain([(8_000, 44_100)]) {
            let len = from as usize + 123;
            let ch: Vec<f32> = (0..len).map(|i| tone(440.0, from, i) as f32).collect();
            let audio = DecodedAudio {
                sample_rate: from,
                channels: vec![ch],
            };
            let out = resample(audio, to).unwrap();
            let expect_len = (len as f64 * f64::from(to) / f64::from(from)).round() as usize;
            assert_eq!(out.channels[0].len(), expect_len, "{from} -> {to}");
            let db = error_db(&out.channels[0], 440.0, to);
            assert!(db < -60.0, "{from} -> {to}: error {db:.1} dB");
        }
    }

    fn assert_err_names_path(path: &Path) {
        let res = decode_file(path, 10.0);
        std::fs::remove_file(path).ok();
        let msg = res.expect_err("corrupt file must not decode").to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }

    #[test]
    fn corrupt_files_return_errors_naming_the_path() {
        // Random bytes (xorshift, deterministic).
        let path = temp_path("random.wav");
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(&path, &bytes).unwrap();
        assert_err_names_path(&path);

        // A WAV cut off in the middle of its header.
        let path = temp_path("truncated.wav");
        write_test_wav(&path);
        let full = std::fs::read(&path).unwrap();
        std::fs::write(&path, &full[..20]).unwrap();
        assert_err_names_path(&path);
    }

    #[test]
    fn missing_file_is_open_error() {
        let path = temp_path("does-not-exist.wav");
        let err = decode_file(&path, 10.0).unwrap_err();
        assert!(matches!(err, DecodeError::Open { .. }), "{err}");
        assert!(err.to_string().contains(&path.display().to_string()));
    }
}
