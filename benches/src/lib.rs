//! Graphs the benchmarks render, built the same way in yano and in the peer (web-audio-api's
//! OfflineAudioContext), so the two can be timed side by side. Public APIs only.

use std::sync::Arc;

use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::render::{render, RenderOptions, RenderThreads};
use yano_engine::{Registry, Transport};

pub const SAMPLE_RATE: u32 = 48_000;
pub const BLOCK: usize = 128;
/// A gain that is not exactly 1, so neither engine can skip the multiply (web-audio-api passes
/// unity gains through untouched).
pub const CHAIN_GAIN: f32 = 0.9999;

pub fn registry() -> Arc<Registry> {
    Arc::new(yano_nodes::registry())
}

fn transport() -> Transport {
    Transport {
        sample_rate: SAMPLE_RATE,
        bpm: 120.0,
        swing: 0.5,
    }
}

fn voice_freq(i: usize, voices: usize) -> f64 {
    100.0 + 1900.0 * i as f64 / (voices.max(2) - 1) as f64
}

/// `voices` sine oscillators, each → its own gain (1/voices) → one summing gain → output.
pub fn voices_graph(voices: usize, r: &Registry) -> Graph {
    voices_graph_of("sine", voices, r)
}

/// The waves both engines have, as yano names them: sine, saw, square, triangle.
pub const WAVES: [&str; 4] = ["sine", "saw", "square", "triangle"];

/// `voices` oscillators of `wave`, each → its own gain (1/voices) → one summing gain → output.
pub fn voices_graph_of(wave: &str, voices: usize, r: &Registry) -> Graph {
    let mut g = Graph::new(transport());
    let voice_db = 20.0 * (1.0 / voices as f64).log10();
    g.add_node(NodeSpec::new("mix", "util.gain").with("channels", 1.0), r)
        .unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), r).unwrap();
    g.connect("mix.out", "out.in", r).unwrap();
    for i in 0..voices {
        let (osc, level) = (format!("osc{i}"), format!("level{i}"));
        g.add_node(
            NodeSpec::new(osc.clone(), "source.oscillator")
                .with("wave", wave)
                .with("freq_hz", voice_freq(i, voices))
                .with("gain_db", 0.0),
            r,
        )
        .unwrap();
        g.add_node(
            NodeSpec::new(level.clone(), "util.gain")
                .with("gain_db", voice_db)
                .with("channels", 1.0),
            r,
        )
        .unwrap();
        g.connect(&format!("{osc}.out"), &format!("{level}.in"), r)
            .unwrap();
        g.connect(&format!("{level}.out"), "mix.in", r).unwrap();
    }
    g
}

/// One 440 Hz sine → `gains` gains in series → output.
pub fn chain_graph(gains: usize, r: &Registry) -> Graph {
    let mut g = Graph::new(transport());
    let db = 20.0 * f64::from(CHAIN_GAIN).log10();
    g.add_node(
        NodeSpec::new("osc", "source.oscillator").with("gain_db", 0.0),
        r,
    )
    .unwrap();
    let mut prev = "osc.out".to_string();
    for i in 0..gains {
        let id = format!("g{i}");
        g.add_node(
            NodeSpec::new(id.clone(), "util.gain")
                .with("gain_db", db)
                .with("channels", 1.0),
            r,
        )
        .unwrap();
        g.connect(&prev, &format!("{id}.in"), r).unwrap();
        prev = format!("{id}.out");
    }
    g.add_node(NodeSpec::new("out", "io.output"), r).unwrap();
    g.connect(&prev, "out.in", r).unwrap();
    g
}

/// The shipped starter groove (graphs/amapiano-starter.ron).
pub fn starter_groove(r: &Registry) -> Graph {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphs/amapiano-starter.ron");
    yano_engine::preset::load_preset(&path, r).expect("the starter groove loads")
}

/// Renders a graph offline, single-threaded, and returns the left channel (which the benchmarks
/// hand to `black_box`, so nothing is optimised away, and the parity test compares).
pub fn yano_render(g: &Graph, r: Arc<Registry>, seconds: f64) -> Vec<f32> {
    yano_render_on(g, r, seconds, RenderThreads::AtMost(1))
}

/// [`yano_render`] with the real-time steps on `threads` (the same samples, sooner).
pub fn yano_render_on(
    g: &Graph,
    r: Arc<Registry>,
    seconds: f64,
    threads: RenderThreads,
) -> Vec<f32> {
    let audio = render(
        g,
        r,
        RenderOptions {
            seconds,
            block_size: BLOCK,
            inference_threads: 1,
            threads,
            profile: false,
        },
    )
    .expect("benchmark graphs render");
    audio.left
}

/// The peer: the same graphs in web-audio-api's OfflineAudioContext (render quantum 128 frames).
pub mod peer {
    use web_audio_api::context::{BaseAudioContext, OfflineAudioContext};
    use web_audio_api::node::{AudioNode, AudioScheduledSourceNode, OscillatorType};

    use super::{voice_freq, CHAIN_GAIN, SAMPLE_RATE};

    /// `voices` sines → own gain (1/voices) → one summing gain → destination.
    pub fn voices(voices: usize, seconds: f64) -> Vec<f32> {
        voices_of("sine", voices, seconds)
    }

    /// `voices` oscillators of `wave` (yano's names) → own gain → one summing gain → destination.
    pub fn voices_of(wave: &str, voices: usize, seconds: f64) -> Vec<f32> {
        let kind = match wave {
            "saw" => OscillatorType::Sawtooth,
            "square" => OscillatorType::Square,
            "triangle" => OscillatorType::Triangle,
            _ => OscillatorType::Sine,
        };
        let length = (seconds * f64::from(SAMPLE_RATE)) as usize;
        let mut ctx = OfflineAudioContext::new(2, length, SAMPLE_RATE as f32);
        let mix = ctx.create_gain();
        mix.connect(&ctx.destination());
        for i in 0..voices {
            let mut osc = ctx.create_oscillator();
            osc.set_type(kind);
            osc.frequency().set_value(voice_freq(i, voices) as f32);
            let g = ctx.create_gain();
            g.gain().set_value(1.0 / voices as f32);
            osc.connect(&g);
            g.connect(&mix);
            osc.start();
        }
        let buffer = ctx.start_rendering_sync();
        buffer.get_channel_data(0).to_vec()
    }

    /// One 440 Hz sine → `gains` gains in series → destination.
    pub fn chain(gains: usize, seconds: f64) -> Vec<f32> {
        let length = (seconds * f64::from(SAMPLE_RATE)) as usize;
        let mut ctx = OfflineAudioContext::new(2, length, SAMPLE_RATE as f32);
        let mut osc = ctx.create_oscillator();
        let nodes: Vec<_> = (0..gains)
            .map(|_| {
                let g = ctx.create_gain();
                g.gain().set_value(CHAIN_GAIN);
                g
            })
            .collect();
        match nodes.first() {
            Some(first) => osc.connect(first),
            None => osc.connect(&ctx.destination()),
        };
        for pair in nodes.windows(2) {
            pair[0].connect(&pair[1]);
        }
        if let Some(last) = nodes.last() {
            last.connect(&ctx.destination());
        }
        osc.start();
        let buffer = ctx.start_rendering_sync();
        buffer.get_channel_data(0).to_vec()
    }
}

/// A patch for the editor's drawing benchmark: `columns` × `rows` nodes (oscillators in the first
/// column, gains after), each wired to its right-hand neighbour and, while `wires` allows, to the
/// neighbour one row down, with editor positions on a grid.
pub fn editor_graph(columns: usize, rows: usize, wires: usize, r: &Registry) -> Graph {
    let mut g = Graph::new(transport());
    let id = |c: usize, row: usize| format!("n{c}_{row}");
    for c in 0..columns {
        for row in 0..rows {
            let kind = if c == 0 {
                "source.oscillator"
            } else {
                "util.gain"
            };
            let mut spec = NodeSpec::new(id(c, row), kind);
            spec.ui = Some(yano_engine::graph::UiPosition {
                x: c as f32 * 260.0,
                y: row as f32 * 90.0,
            });
            g.add_node(spec, r).unwrap();
        }
    }
    let mut made = 0;
    for shift in [0, 1, 2] {
        for c in 0..columns.saturating_sub(1) {
            for row in 0..rows {
                if made == wires {
                    return g;
                }
                let to = id(c + 1, (row + shift) % rows);
                if g.connect(&format!("{}.out", id(c, row)), &format!("{to}.in"), r)
                    .is_ok()
                {
                    made += 1;
                }
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest difference, sample by sample, and the peer's peak.
    fn difference(ours: &[f32], theirs: &[f32]) -> (f32, f32) {
        assert_eq!(ours.len(), theirs.len(), "both render the same length");
        let diff = ours
            .iter()
            .zip(theirs)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        let peak = theirs.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        (diff, peak)
    }

    #[test]
    fn yano_and_the_peer_render_the_same_signal() {
        // Same graphs, same samples: the comparison is of equal work. Sample by sample, the two
        // differ by less than 1e-5 of full scale (measured: 1.1e-6 and 1.3e-6); a 440 Hz sine against a 441 Hz one differs by 0.6 within 0.1 s.
        let r = registry();
        for (name, ours, theirs) in [
            (
                "8 voices",
                yano_render(&voices_graph(8, &r), r.clone(), 0.1),
                peer::voices(8, 0.1),
            ),
            (
                "50 gains",
                yano_render(&chain_graph(50, &r), r.clone(), 0.1),
                peer::chain(50, 0.1),
            ),
        ] {
            let (diff, peak) = difference(&ours, &theirs);
            println!("{name}: largest difference {diff:.2e}, peak {peak:.3}");
            assert!(
                peak > 0.1,
                "{name}: the peer renders a signal (peak {peak})"
            );
            assert!(diff < 1e-5, "{name}: yano and the peer differ by {diff}");
        }
    }

    #[test]
    fn the_parity_check_tells_440_hz_from_441_hz() {
        let r = registry();
        let mut g = chain_graph(1, &r);
        g.set_param(
            "osc",
            "freq_hz",
            yano_engine::param::ParamValue::Number(441.0),
            &r,
        )
        .unwrap();
        let (diff, _) = difference(&yano_render(&g, r.clone(), 0.1), &peer::chain(1, 0.1));
        assert!(diff > 0.1, "441 Hz against 440 Hz differs by only {diff}");
    }
}

/// A 3-minute stereo 48 kHz WAV of a generated private-school groove (Eb minor, 111 BPM, seed 7),
/// rendered once (about 4 s) into the temporary folder and shared by the analysis and
/// transcription benchmarks.
pub fn three_minute_track() -> std::path::PathBuf {
    use yano_engine::render::{write_wav, SampleFormat};
    use yano_generator::{compose, labelled, Options, Request};
    let path = std::env::temp_dir().join("yano-bench-analysis-3min.wav");
    if path.exists() {
        return path;
    }
    let (request, _) = Request::new(
        "private school amapiano in Eb minor, 111 bpm, 3 minutes",
        &Options {
            seed: 7,
            ..Options::default()
        },
    )
    .expect("the prompt parses");
    let registry = Arc::new(yano_registry::registry());
    let mix = labelled::render_mix(&compose(&request), registry).expect("the groove renders");
    write_wav(&path, &mix, SampleFormat::Int16).expect("the temporary folder is writable");
    path
}
