//! Warping audio along a [`BeatMap`]: a pitch- and transient-preserving time stretch (Signalsmith
//! Stretch) whose ratio follows the map from one block to the next, so every beat of the song
//! lands where the map puts it and its pitch stays.
//!
//! The stretcher is a stream: it reads input ahead of what it writes (its input latency) and
//! writes output late (its output latency). Both are compensated: while writing new-track sample
//! `n` it has read the song up to the map's source of `n` plus the input latency, and what it
//! writes then is heard `output latency` samples later: that many samples are dropped first.

use ssstretch::Stretch;

use crate::tempo::BeatMap;

/// The stretcher's random seed (fixed: see where it is used).
const SEED: i64 = 0x79616e6f;

/// Output samples per call: the ratio is re-read from the map this often (about 10 ms).
const BLOCK: usize = 512;

/// Which stretcher settings: the default (a 120 ms window at 48 kHz), or the library's cheaper
/// preset (shorter window, about twice as fast).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    Default,
    Cheaper,
}

/// `channels` (each as long) at `rate` warped along `map`: the result is `frames` long (the new
/// track's length in samples), silent before the song's start lands and after its end.
pub fn warp(
    channels: &[Vec<f32>],
    rate: u32,
    map: &BeatMap,
    frames: usize,
    quality: Quality,
) -> Vec<Vec<f32>> {
    let count = channels.len().max(1);
    let len = channels.first().map_or(0, Vec::len);
    if channels.is_empty() || len == 0 || frames == 0 {
        return vec![vec![0.0; frames]; count];
    }
    // Seeded: the stretcher randomises phases only past a 2× stretch, and the same song warped
    // twice must give the same samples.
    let mut stretch = Stretch::with_seed(SEED);
    match quality {
        Quality::Default => stretch.preset_default(count as i32, rate as f32),
        Quality::Cheaper => stretch.preset_cheaper(count as i32, rate as f32),
    }
    let in_latency = f64::from(stretch.input_latency());
    let out_latency = stretch.output_latency().max(0) as usize;
    let sr = f64::from(rate);
    // Input read once output sample n is written (song samples; may be past either end): the
    // centre of the stretch is then at the map's source of n, and it is heard out_latency later.
    let consumed = |n: usize| -> f64 { map.source_of(n as f64 / sr) * sr + in_latency };
    // Song samples from `from` to `to`, one buffer a channel, silence outside the song.
    let fill = |from: i64, to: i64, input: &mut Vec<Vec<f32>>| {
        for (buffer, ch) in input.iter_mut().zip(channels) {
            buffer.clear();
            buffer.extend((from..to).map(|i| {
                if (0..len as i64).contains(&i) {
                    ch[i as usize]
                } else {
                    0.0
                }
            }));
        }
    };
    let total = frames + out_latency;
    let mut out = vec![Vec::with_capacity(total); count];
    let mut input = vec![Vec::new(); count];
    let mut block = vec![vec![0.0f32; BLOCK]; count];
    // Song positions may be negative (the new track starts before the song does): silence is
    // fed there like any input, so the stretcher always sees its ratio and never a stall.
    let mut read = consumed(0).round() as i64;
    let pre = in_latency as i64 * 2;
    fill(read - pre, read, &mut input);
    stretch.seek_vec(&input, pre as i32, 1.0);
    let mut written = 0usize;
    while written < total {
        let n = BLOCK.min(total - written);
        let until = (consumed(written + n).round() as i64).max(read);
        fill(read, until, &mut input);
        stretch.process_vec(&input, (until - read) as i32, &mut block, n as i32);
        read = until;
        for (o, b) in out.iter_mut().zip(&block) {
            o.extend_from_slice(&b[..n]);
        }
        written += n;
    }
    for ch in &mut out {
        ch.drain(..out_latency.min(ch.len()));
        ch.resize(frames, 0.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tempo::{plan, BeatMap};
    use yano_generator::prompt::Style;

    /// Zero crossings a second of a steady stretch of `x`: its frequency.
    fn frequency(x: &[f32], rate: f64) -> f64 {
        let ups: Vec<f64> = x
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] <= 0.0 && w[1] > 0.0)
            .map(|(i, w)| i as f64 + f64::from(-w[0] / (w[1] - w[0])))
            .collect();
        (ups.len() - 1) as f64 / ((ups[ups.len() - 1] - ups[0]) / rate)
    }

    #[test]
    fn a_tone_keeps_its_pitch_and_a_beat_lands_where_the_map_says() {
        let rate = 48_000u32;
        let sr = f64::from(rate);
        let seconds = 8.0;
        let n = (seconds * sr) as usize;
        // A 330 Hz tone, and a click on every beat of 90 BPM.
        let tone: Vec<f32> = (0..n)
            .map(|i| 0.3 * (std::f64::consts::TAU * 330.0 * i as f64 / sr).sin() as f32)
            .collect();
        let beats: Vec<f64> = (0..12).map(|i| 0.5 + f64::from(i) * 60.0 / 90.0).collect();
        let p = plan(90.0, Style::Amapiano, Some(112.0));
        let map = BeatMap::new(&beats, &beats[..1], seconds, &p);
        let frames = (map.seconds(seconds) * sr) as usize;
        let out = warp(&[tone], rate, &map, frames, Quality::Default);
        assert_eq!(out[0].len(), frames);
        let mid = &out[0][frames / 3..frames / 3 + 24_000];
        let f = frequency(mid, sr);
        let cents = 1200.0 * (f / 330.0).log2();
        assert!(cents.abs() < 2.0, "{f} Hz is {cents} cents from 330 Hz");
        // The tone is as loud after as before (within 1 dB).
        let rms = (mid.iter().map(|x| x * x).sum::<f32>() / mid.len() as f32).sqrt();
        let level = 20.0 * (rms / (0.3 / 2f32.sqrt())).log10();
        assert!(level.abs() < 1.0, "level moved {level} dB");

        let mut clicks = vec![0.0f32; n];
        for b in &beats {
            let at = (b * sr) as usize;
            for (k, c) in clicks[at..at + 240].iter_mut().enumerate() {
                *c = (-(k as f32) / 40.0).exp() * if k % 2 == 0 { 0.8 } else { -0.8 };
            }
        }
        let out = warp(&[clicks.clone()], rate, &map, frames, Quality::Default);
        let again = warp(&[clicks.clone()], rate, &map, frames, Quality::Default);
        let two = warp(
            &[clicks.clone(), clicks.clone()],
            rate,
            &map,
            frames,
            Quality::Default,
        );
        let d = out[0]
            .iter()
            .zip(&again[0])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let d2 = out[0]
            .iter()
            .zip(&two[1])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert_eq!(d, 0.0, "the same warp twice differs");
        assert!(d2 < 1e-5, "a channel warped beside another differs by {d2}");
        for b in &beats[2..10] {
            let want = map.target_of(*b) * sr;
            // The click's energy peak, looked for a beat either side.
            let from = (want - 0.2 * sr) as usize;
            let window = &out[0][from..from + (0.4 * sr) as usize];
            let energy: Vec<f32> = window
                .windows(96)
                .map(|w| w.iter().map(|x| x * x).sum())
                .collect();
            let peak = energy
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| i)
                .unwrap();
            // The onset: where the energy first reaches a tenth of its peak.
            let onset = energy
                .iter()
                .position(|e| *e >= 0.1 * energy[peak])
                .unwrap();
            let error_ms = ((from + onset) as f64 - want) / sr * 1000.0;
            assert!(
                error_ms.abs() < 5.0,
                "click at {b} s lands {error_ms:.1} ms off"
            );
        }
    }
}
