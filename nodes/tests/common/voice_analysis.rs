//! Pitch and formant measurement for the singer's tests: YIN, a pitch track in cents, and
//! closed-phase covariance LPC (its predictor's roots by Durand–Kerner). Written from the
//! papers cited at each function, never from the singer's code.

use realfft::num_complex::Complex64;

/// The tests' sample rate.
pub const SR: f64 = 48_000.0;

pub fn at(seconds: f64) -> usize {
    (seconds * SR) as usize
}

pub fn note_hz(note: f64) -> f64 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}

pub fn cents(hz: f64, note: f64) -> f64 {
    1200.0 * (hz / note_hz(note)).log2()
}

/// YIN over `x` at the tests' rate (`yano_testkit::pitch::yin`).
pub fn yin(x: &[f32], lo: f64, hi: f64) -> Option<f64> {
    yano_testkit::pitch::yin(x, SR, lo, hi)
}

/// Pitch track in cents from `note`: (time s, cents) every 2.5 ms, differences summed over
/// 1.2 periods (a short window, so a vibrato's swing is not averaged away).
pub fn track(x: &[f32], note: f64, from: f64, to: f64) -> Vec<(f64, f64)> {
    let f = note_hz(note);
    let win = (1.2 * SR / f) as usize + (SR / (f * 0.7)) as usize + 4;
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        let start = at(t) - win / 2;
        if let Some(hz) = yin(&x[start..start + win], f * 0.7, f * 1.4) {
            out.push((t, cents(hz, note)));
        }
        t += 0.0025;
    }
    out
}

/// Roots of z^p + a[1] z^(p-1) + … + a[p] (Durand–Kerner), as (frequency Hz, bandwidth Hz) of
/// those in the upper half plane.
pub fn resonances(a: &[f64], fs: f64) -> Vec<(f64, f64)> {
    let p = a.len() - 1;
    let eval = |z: Complex64| {
        a.iter()
            .fold(Complex64::new(0.0, 0.0), |acc, c| acc * z + c)
    };
    let mut roots: Vec<Complex64> = (0..p)
        .map(|k| Complex64::from_polar(0.9, 0.4 + std::f64::consts::TAU * k as f64 / p as f64))
        .collect();
    for _ in 0..2000 {
        for i in 0..p {
            let mut denom = Complex64::new(1.0, 0.0);
            for j in 0..p {
                if i != j {
                    denom *= roots[i] - roots[j];
                }
            }
            let z = roots[i];
            roots[i] = z - eval(z) / denom;
        }
    }
    roots
        .iter()
        .filter(|z| z.im > 0.0)
        .map(|z| {
            let f = z.arg() * fs / std::f64::consts::TAU;
            (f, -z.norm().ln() * fs / std::f64::consts::PI)
        })
        .collect()
}

/// Solves `m · x = b` by Gaussian elimination with partial pivoting.
pub fn solve(mut m: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for c in 0..n {
        let pivot = (c..n)
            .max_by(|i, j| m[*i][c].abs().total_cmp(&m[*j][c].abs()))
            .unwrap();
        m.swap(c, pivot);
        b.swap(c, pivot);
        for r in c + 1..n {
            let f = m[r][c] / m[c][c];
            let pivot_row = m[c].clone();
            for (v, p) in m[r][c..].iter_mut().zip(&pivot_row[c..]) {
                *v -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|k| m[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / m[r][r];
    }
    x
}

/// F1 and F2 by closed-phase covariance LPC (Wong, Markel & Gray 1979), the standard answer to
/// the harmonic bias of autocorrelation LPC at high pitch: the glottal closures are found as
/// the peaks of an autocorrelation-LPC residual one period (`f0`) apart; over the first 40 %
/// of each period after a closure the folds are shut and the signal is the tract's free
/// decay, whose order-10 covariance predictor (five formants below 5 kHz) has the formants
/// as its roots. The two lowest resonances above 150 Hz narrower than 500 Hz.
pub fn formants(x: &[f32], f0: f64) -> [f64; 2] {
    const P: usize = 10;
    let x: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
    let n = x.len();
    // Autocorrelation LPC, for the residual only.
    let w: Vec<f64> = (0..n)
        .map(|i| x[i] * (0.54 - 0.46 * (std::f64::consts::TAU * i as f64 / (n - 1) as f64).cos()))
        .collect();
    let r: Vec<f64> = (0..=P)
        .map(|lag| (lag..n).map(|i| w[i] * w[i - lag]).sum())
        .collect();
    let toeplitz: Vec<Vec<f64>> = (1..=P)
        .map(|i| (1..=P).map(|j| r[i.abs_diff(j)]).collect())
        .collect();
    let auto = solve(toeplitz, (1..=P).map(|i| -r[i]).collect());
    let residual: Vec<f64> = (P..n)
        .map(|i| x[i] + (1..=P).map(|k| auto[k - 1] * x[i - k]).sum::<f64>())
        .collect();
    let period = SR / f0;
    let first = (0..period as usize)
        .max_by(|a, b| residual[*a].abs().total_cmp(&residual[*b].abs()))
        .unwrap();
    let mut phi = vec![vec![0.0; P + 1]; P + 1];
    let closed = (0.4 * period) as usize;
    let mut k = 0.0;
    loop {
        let guess = (first as f64 + k * period).round() as usize;
        if guess + 4 + closed + P >= residual.len() {
            break;
        }
        // The closure: the residual's peak within ±3 samples of where the period puts it.
        let gci = (guess.saturating_sub(3)..guess + 4)
            .max_by(|a, b| residual[*a].abs().total_cmp(&residual[*b].abs()))
            .unwrap()
            + P;
        for t in gci + 3..gci + 3 + closed {
            for (i, row) in phi.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v += x[t - i] * x[t - j];
                }
            }
        }
        k += 1.0;
    }
    let m: Vec<Vec<f64>> = (1..=P)
        .map(|i| (1..=P).map(|j| phi[i][j]).collect())
        .collect();
    let a = solve(m, (1..=P).map(|i| -phi[i][0]).collect());
    let poly: Vec<f64> = std::iter::once(1.0).chain(a).collect();
    let mut found: Vec<f64> = resonances(&poly, SR)
        .into_iter()
        .filter(|(f, bw)| *f > 150.0 && *bw < 500.0)
        .map(|(f, _)| f)
        .collect();
    found.sort_by(f64::total_cmp);
    [found[0], found[1]]
}
