//! Test support for the instruments: up to two notes at set times played by the kit's
//! `test.notes`, a render helper, and measurements of pitch and level taken from the audio.

use std::f64::consts::TAU;

use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::render::{render, RenderOptions};
use yano_engine::Transport;
use yano_testkit::nodes::NOTES;

pub const SR: f64 = 48_000.0;

/// The kit's `test.notes` text for up to two notes: `keys` sets `note_a`, `note_b` (45 unless
/// set), `on_a_ms` (0), `off_a_ms`, `on_b_ms`, `off_b_ms` (never unless set; a negative time is
/// never too) and `velocity` (1), times rounded to the sample at 48 kHz.
pub fn two_notes(keys: &[(&str, f64)]) -> String {
    let key = |id: &str, default: f64| {
        keys.iter()
            .find(|(k, _)| *k == id)
            .map_or(default, |(_, v)| *v)
    };
    let velocity = key("velocity", 1.0) as f32;
    let (a, b) = (key("note_a", 45.0) as u8, key("note_b", 45.0) as u8);
    let events = [
        (key("on_a_ms", 0.0), format!("{a} {velocity}")),
        (key("off_a_ms", -1.0), format!("{a} off")),
        (key("on_b_ms", -1.0), format!("{b} {velocity}")),
        (key("off_b_ms", -1.0), format!("{b} off")),
    ];
    events
        .iter()
        .filter(|(ms, _)| *ms >= 0.0)
        .map(|(ms, event)| format!("{} {event}; ", (ms * 0.001 * SR).round() as u64))
        .collect()
}

/// Renders `kind` with `params`, played with [`two_notes`]`(keys)`; the mono output.
pub fn play(kind: &str, params: &[(&str, f64)], keys: &[(&str, f64)], secs: f64) -> Vec<f32> {
    let spec = params
        .iter()
        .fold(NodeSpec::new("inst", kind), |s, (k, v)| s.with(k, *v));
    play_spec(spec, keys, secs)
}

/// Renders the node `spec` (id "inst") played with [`two_notes`]`(keys)`.
pub fn play_spec(spec: NodeSpec, keys: &[(&str, f64)], seconds: f64) -> Vec<f32> {
    let r = crate::testing::registry();
    let sample_rate = SR as u32;
    let mut g = Graph::new(Transport {
        sample_rate,
        ..Default::default()
    });
    let keys_spec = NodeSpec::new("keys", NOTES).with("notes", two_notes(keys).as_str());
    g.add_node(keys_spec, &r).unwrap();
    g.add_node(spec, &r).unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    g.connect("keys.notes", "inst.notes", &r).unwrap();
    g.connect("inst.out", "out.in", &r).unwrap();
    let options = RenderOptions {
        seconds,
        ..Default::default()
    };
    render(&g, r, options).unwrap().left
}

/// Zero crossings (both directions) from `from` to `to` s, in samples, linearly interpolated.
pub fn crossings(x: &[f32], from: f64, to: f64) -> Vec<f64> {
    let (a, b) = (
        ((from * SR) as usize).max(1),
        ((to * SR) as usize).min(x.len()),
    );
    (a..b)
        .filter(|&i| (x[i - 1] < 0.0) != (x[i] < 0.0))
        .map(|i| (i - 1) as f64 + f64::from(x[i - 1] / (x[i - 1] - x[i])))
        .collect()
}

/// (time s, frequency Hz) from each half period between zero crossings.
pub fn instantaneous(x: &[f32], from: f64, to: f64) -> Vec<(f64, f64)> {
    let c = crossings(x, from, to);
    c.windows(2)
        .map(|w| ((w[0] + w[1]) / 2.0 / SR, SR / (2.0 * (w[1] - w[0]))))
        .collect()
}

/// Mean frequency over a stretch, from its first and last zero crossings.
pub fn mean_freq(x: &[f32], from: f64, to: f64) -> f64 {
    let c = crossings(x, from, to);
    (c.len() - 1) as f64 / 2.0 * SR / (c[c.len() - 1] - c[0])
}

/// Amplitude of the component at `hz` in x[from..to] s, Hann-windowed.
pub fn amplitude(x: &[f32], hz: f64, from: f64, to: f64) -> f64 {
    let s = &x[(from * SR) as usize..(to * SR) as usize];
    let (mut re, mut im, mut wsum) = (0.0, 0.0, 0.0);
    for (n, v) in s.iter().enumerate() {
        let w = 0.5 - 0.5 * (TAU * n as f64 / s.len() as f64).cos();
        let ph = TAU * hz * n as f64 / SR;
        re += w * f64::from(*v) * ph.cos();
        im += w * f64::from(*v) * ph.sin();
        wsum += w;
    }
    2.0 * (re * re + im * im).sqrt() / wsum
}

/// Least-squares slope and intercept of y over x.
pub fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    (sxy / sxx, my - sxy / sxx * mx)
}

/// RMS level in dB of windows of `win` s, every `hop` s: (centre time, dB).
pub fn levels(x: &[f32], win: f64, hop: f64) -> Vec<(f64, f64)> {
    let (w, h) = ((win * SR) as usize, (hop * SR) as usize);
    (0..(x.len() - w) / h)
        .map(|k| {
            let s = &x[k * h..k * h + w];
            let ms = s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / w as f64;
            ((k * h + w / 2) as f64 / SR, 10.0 * (ms + 1e-30).log10())
        })
        .collect()
}
