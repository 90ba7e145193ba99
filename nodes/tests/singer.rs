//! `instrument.voice` measured from outside: the pitch of held notes (YIN), the formants of its
//! vowels (LPC, autocorrelation method, roots of the predictor) against Peterson & Barney's
//! (1952) averages written here as literal figures, the vibrato's rate, depth and delay from the
//! pitch track, the timing of a consonant before its vowel, chords, steals, legato glides and
//! the stereo width. Nothing here reads the singer's own tables.

mod common;

use common::registry;
use realfft::num_complex::Complex64;
use yano_engine::graph::{Graph, NodeSpec};
use yano_engine::param::ParamValue;
use yano_engine::render::{render, RenderOptions};
use yano_engine::Transport;
use yano_testkit::nodes::NOTES;

const SR: f64 = 48_000.0;
const KIND: &str = "instrument.voice";

/// Sings `notes` ("sample note velocity [syllable]|off; …") with `params`; (left, right).
fn sing(params: &[(&str, ParamValue)], notes: &str, seconds: f64) -> (Vec<f32>, Vec<f32>) {
    let r = registry();
    let mut g = Graph::new(Transport {
        sample_rate: SR as u32,
        bpm: 120.0,
        swing: 0.5,
    });
    g.add_node(NodeSpec::new("sc", NOTES).with("notes", notes), &r)
        .unwrap();
    let mut spec = NodeSpec::new("v", KIND);
    for (k, v) in params {
        spec = spec.with(k, v.clone());
    }
    g.add_node(spec, &r).unwrap();
    g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
    g.connect("sc.notes", "v.notes", &r).unwrap();
    g.connect("v.out", "out.in", &r).unwrap();
    let opts = RenderOptions {
        seconds,
        ..RenderOptions::default()
    };
    let out = render(&g, r, opts).unwrap();
    (out.left, out.right)
}

fn num(id: &str, v: f64) -> (&str, ParamValue) {
    (id, ParamValue::Number(v))
}

fn choice<'a>(id: &'a str, v: &str) -> (&'a str, ParamValue) {
    (id, ParamValue::Text(v.to_string()))
}

fn at(seconds: f64) -> usize {
    (seconds * SR) as usize
}

fn note_hz(note: f64) -> f64 {
    440.0 * ((note - 69.0) / 12.0).exp2()
}

fn cents(hz: f64, note: f64) -> f64 {
    1200.0 * (hz / note_hz(note)).log2()
}

/// YIN (de Cheveigné & Kawahara 2002) over `x`: the period of the first dip of the cumulative
/// mean normalised difference below 0.15 within `lo..hi` Hz, parabolically interpolated.
fn yin(x: &[f32], lo: f64, hi: f64) -> Option<f64> {
    let (min_lag, max_lag) = ((SR / hi) as usize, (SR / lo) as usize + 1);
    let w = x.len() - max_lag - 2;
    let d: Vec<f64> = (0..=max_lag + 1)
        .map(|lag| {
            (0..w)
                .map(|i| f64::from(x[i] - x[i + lag]).powi(2))
                .sum::<f64>()
        })
        .collect();
    let mut cmnd = vec![1.0; d.len()];
    let mut running = 0.0;
    for lag in 1..d.len() {
        running += d[lag];
        cmnd[lag] = d[lag] * lag as f64 / running.max(1e-30);
    }
    let mut lag = min_lag.max(2);
    while lag < max_lag {
        if cmnd[lag] < 0.15 {
            while lag + 1 < max_lag && cmnd[lag + 1] < cmnd[lag] {
                lag += 1;
            }
            let (a, b, c) = (cmnd[lag - 1], cmnd[lag], cmnd[lag + 1]);
            let shift = 0.5 * (a - c) / (a - 2.0 * b + c);
            return Some(SR / (lag as f64 + shift));
        }
        lag += 1;
    }
    None
}

/// Pitch track in cents from `note`: (time s, cents) every 2.5 ms, windows of 2.5 periods.
fn track(x: &[f32], note: f64, from: f64, to: f64) -> Vec<(f64, f64)> {
    let f = note_hz(note);
    let win = (2.5 * SR / (f * 0.8)) as usize + (SR / (f * 0.7)) as usize + 4;
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
fn resonances(a: &[f64], fs: f64) -> Vec<(f64, f64)> {
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
fn solve(mut m: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for c in 0..n {
        let pivot = (c..n)
            .max_by(|i, j| m[*i][c].abs().total_cmp(&m[*j][c].abs()))
            .unwrap();
        m.swap(c, pivot);
        b.swap(c, pivot);
        for r in c + 1..n {
            let f = m[r][c] / m[c][c];
            for k in c..n {
                m[r][k] -= f * m[c][k];
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
fn formants(x: &[f32], f0: f64) -> [f64; 2] {
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

#[test]
fn held_notes_are_sung_in_tune() {
    // Averaged over whole vibrato cycles (5.5 Hz, ±35 cents after a 250 ms delay).
    let cycles = 8.0 / 5.5;
    for (voice, note) in [
        ("bass", 40.0),
        ("tenor", 50.0),
        ("alto", 57.0),
        ("soprano", 69.0),
        ("soprano", 79.0),
        ("child", 72.0),
    ] {
        let params = [choice("voice", voice), num("vibrato_rate_hz", 5.5)];
        let (x, _) = sing(&params, &format!("0 {note} 0.9"), 2.5);
        let t = track(&x, note, 0.8, 0.8 + cycles);
        let mean = t.iter().map(|(_, c)| c).sum::<f64>() / t.len() as f64;
        eprintln!(
            "{voice} note {note}: mean {mean:+.2} cents over {} frames",
            t.len()
        );
        assert!(
            t.len() as f64 > 0.9 * cycles / 0.0025,
            "{voice} {note}: pitch lost"
        );
        assert!(mean.abs() < 5.0, "{voice} {note}: {mean} cents");
    }
}

#[test]
fn vowels_have_the_formants_of_peterson_and_barney() {
    // Peterson & Barney (1952), Table II: F1, F2 averages of men (tenor) and women (soprano);
    // a = /ɑ/ "hod", e = /ɛ/ "head", i = /i/ "heed", o = /ɔ/ "hawed", u = /u/ "who'd".
    let table: [(&str, f64, [(&str, [f64; 2]); 5]); 2] = [
        (
            "tenor",
            47.0,
            [
                ("a", [730.0, 1090.0]),
                ("e", [530.0, 1840.0]),
                ("i", [270.0, 2290.0]),
                ("o", [570.0, 840.0]),
                ("u", [300.0, 870.0]),
            ],
        ),
        (
            "soprano",
            57.0,
            [
                ("a", [850.0, 1220.0]),
                ("e", [610.0, 2330.0]),
                ("i", [310.0, 2790.0]),
                ("o", [590.0, 920.0]),
                ("u", [370.0, 950.0]),
            ],
        ),
    ];
    let mut worst: f64 = 0.0;
    for (voice, note, vowels) in table {
        for (vowel, expected) in vowels {
            let params = [
                choice("voice", voice),
                choice("vowel", vowel),
                num("breathiness", 0.0),
                num("vibrato_depth_cents", 0.0),
            ];
            let (x, _) = sing(&params, &format!("0 {note} 0.9"), 0.8);
            let [f1, f2] = formants(&x[at(0.3)..at(0.7)], note_hz(note));
            let e1 = f1 / expected[0] - 1.0;
            let e2 = f2 / expected[1] - 1.0;
            eprintln!(
                "{voice} {vowel}: F1 {f1:.0} Hz ({:+.1} %), F2 {f2:.0} Hz ({:+.1} %)",
                100.0 * e1,
                100.0 * e2
            );
            worst = worst.max(e1.abs()).max(e2.abs());
        }
    }
    assert!(worst < 0.10, "worst formant error {:.1} %", 100.0 * worst);
}
