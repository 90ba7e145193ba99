//! Audio as the platform stores and serves it: WAV results compressed losslessly to FLAC (flac-codec),
//! FLAC served back as WAV when asked (flac-codec too), and uploads sniffed and decoded before they are
//! accepted.

use std::io::Cursor;

/// An upload's container, read from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        Some("wav")
    } else if bytes.starts_with(b"fLaC") {
        Some("flac")
    } else if bytes.starts_with(b"OggS") {
        Some("ogg")
    } else if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
    {
        Some("mp3")
    } else {
        None
    }
}

/// What an accepted upload holds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Heard {
    pub format: &'static str,
    pub sample_rate: u32,
    pub channels: usize,
    pub seconds: f64,
}

/// Sniffs and decodes an upload whole: only audio that decodes is accepted.
pub fn check_upload(bytes: &[u8], max_seconds: f64) -> Result<Heard, String> {
    let format = sniff(bytes).ok_or("not WAV, FLAC, OGG or MP3 (its first bytes match none)")?;
    let name = std::path::PathBuf::from(format!("upload.{format}"));
    let decoded = yano_audio_io::decode::decode_bytes(&name, bytes.to_vec(), max_seconds)
        .map_err(|e| e.to_string())?;
    let frames = decoded.channels.first().map_or(0, Vec::len);
    if frames == 0 {
        return Err("it decodes to no samples".into());
    }
    Ok(Heard {
        format,
        sample_rate: decoded.sample_rate,
        channels: decoded.channels.len(),
        seconds: frames as f64 / f64::from(decoded.sample_rate),
    })
}

/// The full scale of a 24-bit sample.
const FULL_24: f64 = 8_388_608.0;

/// A WAV file as FLAC and the gain to apply to the decoded samples (1 but for float files).
/// Integer PCM of 8 to 24 bits is kept exactly. 32-bit float (yano's stems, which may peak above
/// full scale where another stem cancels them) is quantised to 24 bits after dividing by the
/// smallest power of two that brings its peak within full scale: the gain is that power of two,
/// so decoding multiplies back exactly and the error stays below 2^-23 of the gain (−138 dB under
/// the stem's own peak). None where FLAC cannot hold the file (another sample format).
pub fn wav_to_flac(wav: &[u8]) -> Result<Option<(Vec<u8>, f64)>, String> {
    let mut reader = hound::WavReader::new(Cursor::new(wav)).map_err(|e| e.to_string())?;
    let spec = reader.spec();
    let (samples, bits, gain): (Vec<i32>, usize, f64) = match spec.sample_format {
        hound::SampleFormat::Int if spec.bits_per_sample <= 24 => (
            reader
                .samples::<i32>()
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
            usize::from(spec.bits_per_sample),
            1.0,
        ),
        hound::SampleFormat::Float if spec.bits_per_sample == 32 => {
            let floats: Vec<f32> = reader
                .samples::<f32>()
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            if floats.iter().any(|s| !s.is_finite()) {
                return Ok(None);
            }
            let peak = floats.iter().fold(0f32, |p, s| p.max(s.abs()));
            let mut gain = 1.0f64;
            while f64::from(peak) / gain > 1.0 {
                gain *= 2.0;
            }
            let q = |s: &f32| {
                (f64::from(*s) / gain * FULL_24)
                    .round()
                    .clamp(-FULL_24, FULL_24 - 1.0) as i32
            };
            (floats.iter().map(q).collect(), 24, gain)
        }
        _ => return Ok(None),
    };
    let mut flac = Cursor::new(Vec::new());
    let mut writer = flac_codec::encode::FlacSampleWriter::new(
        &mut flac,
        flac_codec::encode::Options::default(),
        spec.sample_rate,
        bits as u32,
        spec.channels as u8,
        None,
    )
    .map_err(|e| e.to_string())?;
    writer.write(&samples).map_err(|e| e.to_string())?;
    writer.finalize().map_err(|e| e.to_string())?;
    Ok(Some((flac.into_inner(), gain)))
}

/// A FLAC file as a WAV file (flac-codec decodes): with a gain of 1 the same integer samples at
/// the same bit depth; with another gain (a float stem stored with headroom) 32-bit float samples
/// multiplied back by it.
pub fn flac_to_wav(flac: &[u8], gain: f64) -> Result<Vec<u8>, String> {
    use flac_codec::metadata::Metadata;
    let mut reader =
        flac_codec::decode::FlacSampleReader::new(Cursor::new(flac)).map_err(|e| e.to_string())?;
    let bits = reader.bits_per_sample();
    let float = gain != 1.0;
    let spec = hound::WavSpec {
        channels: u16::from(reader.channel_count()),
        sample_rate: reader.sample_rate(),
        bits_per_sample: if float { 32 } else { bits as u16 },
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let scale = gain / f64::from(1u32 << (bits - 1));
    let mut out = Cursor::new(Vec::new());
    {
        let mut writer = hound::WavWriter::new(&mut out, spec).map_err(|e| e.to_string())?;
        let mut buf = vec![0i32; 1 << 16];
        loop {
            let n = reader.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            for &sample in &buf[..n] {
                let written = if float {
                    writer.write_sample((f64::from(sample) * scale) as f32)
                } else {
                    writer.write_sample(sample)
                };
                written.map_err(|e| e.to_string())?;
            }
        }
        writer.finalize().map_err(|e| e.to_string())?;
    }
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(samples: &[f32], float: bool) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48_000,
            bits_per_sample: if float { 32 } else { 24 },
            sample_format: if float {
                hound::SampleFormat::Float
            } else {
                hound::SampleFormat::Int
            },
        };
        let mut out = Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
        for s in samples {
            if float {
                w.write_sample(*s).unwrap();
            } else {
                w.write_sample((f64::from(*s) * 8_388_607.0).round() as i32)
                    .unwrap();
            }
        }
        w.finalize().unwrap();
        out.into_inner()
    }

    /// Two seconds of a 440 Hz / 660 Hz stereo pair at `level`.
    fn tones(level: f32) -> Vec<f32> {
        (0..96_000)
            .flat_map(|i| {
                let t = i as f32 / 48_000.0;
                [
                    level * (std::f32::consts::TAU * 440.0 * t).sin(),
                    level * (std::f32::consts::TAU * 660.0 * t).sin(),
                ]
            })
            .collect()
    }

    #[test]
    fn a_24_bit_wav_comes_back_sample_for_sample_and_smaller() {
        let original = wav(&tones(0.5), false);
        let (flac, gain) = wav_to_flac(&original)
            .unwrap()
            .expect("24-bit PCM fits FLAC");
        assert_eq!(gain, 1.0);
        eprintln!(
            "24-bit tones: WAV {} bytes, FLAC {} bytes",
            original.len(),
            flac.len()
        );
        // libFLAC at its default level (libsndfile) makes 264 kB of these 576 kB: the f32 sines
        // carry about one LSB of noise at 24 bits.
        assert!(
            flac.len() * 10 < original.len() * 6,
            "FLAC {} of WAV {}",
            flac.len(),
            original.len()
        );
        let back = flac_to_wav(&flac, gain).unwrap();
        let read = |b: &[u8]| -> Vec<i32> {
            hound::WavReader::new(Cursor::new(b))
                .unwrap()
                .samples::<i32>()
                .map(Result::unwrap)
                .collect()
        };
        assert_eq!(read(&back), read(&original));
    }

    #[test]
    fn a_float_stem_above_full_scale_keeps_its_level_within_24_bits() {
        // Peaks at 1.5: stored with a gain of 2, served back as float at its own level.
        let samples = tones(1.5);
        let (flac, gain) = wav_to_flac(&wav(&samples, true))
            .unwrap()
            .expect("finite floats fit");
        assert_eq!(gain, 2.0);
        let back = flac_to_wav(&flac, gain).unwrap();
        let got: Vec<f32> = hound::WavReader::new(Cursor::new(back))
            .unwrap()
            .samples::<f32>()
            .map(Result::unwrap)
            .collect();
        assert_eq!(got.len(), samples.len());
        let worst = got
            .iter()
            .zip(&samples)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        // One 24-bit step at a gain of 2 is 2^-22; rounding is half of it.
        assert!(worst <= 2f32.powi(-23) * 1.01, "worst error {worst}");
        assert!(
            worst > 0.0,
            "a float stem cannot come back bit-exact from 24 bits"
        );
    }

    #[test]
    fn uploads_are_sniffed_by_their_first_bytes() {
        assert_eq!(sniff(&wav(&tones(0.1), false)), Some("wav"));
        assert_eq!(sniff(b"fLaC\0\0\0\x22"), Some("flac"));
        assert_eq!(sniff(b"OggS\0\x02"), Some("ogg"));
        assert_eq!(sniff(b"ID3\x04\0"), Some("mp3"));
        assert_eq!(sniff(b"<html><body>"), None);
        assert_eq!(sniff(b""), None);
    }
}
