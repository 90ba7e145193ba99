//! Test support for the instrument tests: an instrument played by the kit's `test.notes` (notes
//! written sample-accurately), and the measurements the tests take (a Hann-windowed
//! single-frequency DFT, a peak search). Compiled for tests only.

use yano_engine::param::ParamValue;
use yano_engine::render::Rendered;
use yano_testkit::nodes::play_instrument;

pub const SR: f64 = 48_000.0;

/// Renders `kind` with `params`, played by `notes` ("sample note velocity|off; …", see
/// `yano_testkit::nodes::parse_notes`), for `seconds` at 48 kHz.
pub fn play(kind: &str, params: &[(&str, ParamValue)], notes: &str, seconds: f64) -> Rendered {
    play_instrument(
        crate::testing::registry(),
        kind,
        params,
        notes,
        SR as u32,
        seconds,
    )
}

/// Sample index of `seconds`.
pub fn at(seconds: f64) -> usize {
    (seconds * SR) as usize
}

/// Amplitude of the component at `freq` in `x`, Hann-windowed (Goertzel).
pub fn tone(x: &[f32], freq: f64) -> f64 {
    let n = x.len() as f64;
    let w = std::f64::consts::TAU * freq / SR;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n).cos();
        let s0 = f64::from(*v) * hann + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    4.0 * power.max(0.0).sqrt() / n
}

/// The frequency of the strongest component within ±3 % of `guess`.
pub fn peak_near(x: &[f32], guess: f64) -> f64 {
    let grid: Vec<f64> = (-60..=60)
        .map(|k| guess * (1.0 + k as f64 * 0.0005))
        .collect();
    let amps: Vec<f64> = grid.iter().map(|f| tone(x, *f)).collect();
    let (i, _) = amps
        .iter()
        .enumerate()
        .fold((0, 0.0), |b, (i, a)| if *a > b.1 { (i, *a) } else { b });
    if i == 0 || i == grid.len() - 1 {
        return grid[i];
    }
    // Parabolic interpolation between grid points.
    let (a, b, c) = (amps[i - 1], amps[i], amps[i + 1]);
    let d = 0.5 * (a - c) / (a - 2.0 * b + c);
    grid[i] * (1.0 + d * 0.0005)
}
