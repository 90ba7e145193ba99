//! Renders a four-bar sung phrase on `instrument.voice` to `docs/singer-phrase.wav` (mono,
//! 16-bit) and draws its spectrogram to `docs/singer-spectrogram.png` (0–5 kHz, linear
//! frequency, dB colour map over 70 dB).
//!
//! Bar 1: "yeah" and "haai" chops on a soprano; bar 2: a held "ooh" A-minor harmony on an alto
//! choir of four voices; bars 3–4: the soprano sings a legato phrase on "ma e i o u", gliding
//! between notes and ending on a held "ooh" with vibrato.
//!
//! `cargo run -p yano-nodes --example singer_phrase` from the workspace root.

use std::path::Path;

use realfft::RealFftPlanner;
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::render::{render, RenderOptions};
use yano_engine::Transport;

const SR: u32 = 48_000;
const BPM: f64 = 112.0;

/// Sample of beat `b`.
fn beat(b: f64) -> u64 {
    (b * 60.0 / BPM * f64::from(SR)) as u64
}

/// "at note velocity syllable; off" items for (start beat, length beats, note, syllable).
fn notes(items: &[(f64, f64, u8, &str)]) -> String {
    items
        .iter()
        .map(|(at, len, note, s)| {
            format!(
                "{} {note} 0.85 {s}; {} {note} off;",
                beat(*at),
                beat(at + len)
            )
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lead = notes(&[
        // Bar 1: chops.
        (0.0, 0.4, 69, "yeah"),
        (0.75, 0.4, 69, "yeah"),
        (1.5, 0.9, 72, "haai"),
        (2.5, 0.4, 67, "yeah"),
        (3.0, 0.8, 64, "we"),
        // Bars 3-4: a legato line (each note overlaps the next), then a held "ooh".
        (8.0, 1.05, 64, "ma"),
        (9.0, 1.05, 67, "e"),
        (10.0, 1.05, 69, "i"),
        (11.0, 1.05, 71, "o"),
        (12.0, 4.0, 69, "ooh"),
    ]);
    let choir = notes(&[
        (4.0, 3.8, 57, "ooh"),
        (4.0, 3.8, 60, "ooh"),
        (4.0, 3.8, 64, "ooh"),
        (12.0, 3.8, 53, "mm"),
        (12.0, 3.8, 57, "mm"),
        (12.0, 3.8, 60, "mm"),
    ]);
    let r = yano_testkit::nodes::with_test_kinds(yano_nodes::registry());
    let mut g = Graph::new(Transport {
        sample_rate: SR,
        bpm: BPM,
        swing: 0.5,
    });
    g.add_node(
        NodeSpec::new("lead_notes", "test.notes").with("notes", lead.as_str()),
        &r,
    )?;
    g.add_node(
        NodeSpec::new("choir_notes", "test.notes").with("notes", choir.as_str()),
        &r,
    )?;
    g.add_node(
        NodeSpec::new("lead", "instrument.voice")
            .with("voice", "soprano")
            .with("voices", 1.0)
            .with("portamento_ms", 90.0)
            .with("breathiness", 0.2)
            .with("release_ms", 200.0),
        &r,
    )?;
    g.add_node(
        NodeSpec::new("choir", "instrument.voice")
            .with("voice", "alto")
            .with("voices", 4.0)
            .with("breathiness", 0.35)
            .with("attack_ms", 150.0)
            .with("release_ms", 600.0)
            .with("gain_db", -4.0),
        &r,
    )?;
    g.add_node(NodeSpec::new("mix", "util.mix"), &r)?;
    g.add_node(NodeSpec::new("out", "io.output"), &r)?;
    g.connect("lead_notes.notes", "lead.notes", &r)?;
    g.connect("choir_notes.notes", "choir.notes", &r)?;
    g.connect("lead.out", "mix.in_1", &r)?;
    g.connect("choir.out", "mix.in_2", &r)?;
    g.connect("mix.out", "out.in", &r)?;
    let seconds = beat(16.5) as f64 / f64::from(SR);
    let out = render(
        &g,
        r,
        RenderOptions {
            seconds,
            ..RenderOptions::default()
        },
    )?;
    let mono: Vec<f32> = out
        .left
        .iter()
        .zip(&out.right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect();
    let peak = mono.iter().map(|v| v.abs()).fold(0.0, f32::max);
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SR,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = hound::WavWriter::create(docs.join("singer-phrase.wav"), spec)?;
    for v in &mono {
        wav.write_sample((v.clamp(-1.0, 1.0) * 32767.0) as i16)?;
    }
    wav.finalize()?;
    spectrogram(&mono, &docs.join("singer-spectrogram.png"))?;
    println!("{seconds:.2} s, peak {:.1} dBFS", 20.0 * peak.log10());
    Ok(())
}

/// Hann-windowed STFT (2048 points, hop 480 = 10 ms), 0–5 kHz, 70 dB range, as an indexed PNG.
fn spectrogram(x: &[f32], path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    const N: usize = 2048;
    const HOP: usize = 480;
    const HEIGHT: usize = 320;
    const TOP_HZ: f64 = 5000.0;
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(N);
    let window: Vec<f64> = (0..N)
        .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / N as f64).cos())
        .collect();
    let frames = (x.len() - N) / HOP;
    let mut columns = Vec::with_capacity(frames);
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    for f in 0..frames {
        for (i, v) in input.iter_mut().enumerate() {
            *v = f64::from(x[f * HOP + i]) * window[i];
        }
        fft.process(&mut input, &mut spectrum)?;
        let column: Vec<f64> = (0..HEIGHT)
            .map(|row| {
                // Row 0 is the top (5 kHz); interpolate between bins.
                let hz = TOP_HZ * (HEIGHT - 1 - row) as f64 / (HEIGHT - 1) as f64;
                let bin = hz * N as f64 / f64::from(SR);
                let (k, frac) = (bin.floor() as usize, bin.fract());
                let mag = spectrum[k].norm() * (1.0 - frac) + spectrum[k + 1].norm() * frac;
                20.0 * (mag.max(1e-12) * 4.0 / N as f64).log10()
            })
            .collect();
        columns.push(column);
    }
    let top = columns.iter().flatten().cloned().fold(f64::MIN, f64::max);
    // A dark-blue → purple → orange → yellow map of 64 colours.
    let stops = [
        (0.0, [0.0, 0.0, 0.02]),
        (0.3, [0.25, 0.05, 0.45]),
        (0.6, [0.8, 0.2, 0.35]),
        (0.85, [1.0, 0.6, 0.1]),
        (1.0, [1.0, 1.0, 0.75]),
    ];
    let mut palette = Vec::with_capacity(64 * 3);
    for i in 0..64 {
        let t = i as f64 / 63.0;
        let j = stops
            .iter()
            .rposition(|(s, _)| *s <= t)
            .unwrap()
            .min(stops.len() - 2);
        let ((t0, c0), (t1, c1)) = (stops[j], stops[j + 1]);
        let u = (t - t0) / (t1 - t0);
        for k in 0..3 {
            palette.push(((c0[k] + (c1[k] - c0[k]) * u) * 255.0).round() as u8);
        }
    }
    let mut pixels = vec![0u8; frames * HEIGHT];
    for (f, column) in columns.iter().enumerate() {
        for (row, db) in column.iter().enumerate() {
            let t = ((db - top + 70.0) / 70.0).clamp(0.0, 1.0);
            pixels[row * frames + f] = (t * 63.0).round() as u8;
        }
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, frames as u32, HEIGHT as u32);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette);
    encoder.set_compression(png::Compression::High);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(())
}
