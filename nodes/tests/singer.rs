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

/// Pitch track in cents from `note`: (time s, cents) every 2.5 ms, differences summed over
/// 1.2 periods (a short window, so a vibrato's swing is not averaged away).
fn track(x: &[f32], note: f64, from: f64, to: f64) -> Vec<(f64, f64)> {
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

/// Rate (Hz, from the upward zero crossings of the track) and depth (cents, √2 × the RMS of a
/// sine) of the vibrato in a pitch track, around its mean.
fn vibrato_of(t: &[(f64, f64)]) -> (f64, f64) {
    let mean = t.iter().map(|(_, c)| c).sum::<f64>() / t.len() as f64;
    let ups: Vec<f64> = t
        .windows(2)
        .filter(|w| w[0].1 < mean && w[1].1 >= mean)
        .map(|w| {
            let (a, b) = (w[0].1 - mean, w[1].1 - mean);
            w[0].0 + (w[1].0 - w[0].0) * (-a / (b - a))
        })
        .collect();
    let rate = (ups.len() - 1) as f64 / (ups[ups.len() - 1] - ups[0]);
    // Whole cycles only, for the RMS.
    let cycle: Vec<f64> = t
        .iter()
        .filter(|(s, _)| *s >= ups[0] && *s < ups[ups.len() - 1])
        .map(|(_, c)| c - mean)
        .collect();
    let rms = (cycle.iter().map(|c| c * c).sum::<f64>() / cycle.len() as f64).sqrt();
    (rate, rms * std::f64::consts::SQRT_2)
}

#[test]
fn vibrato_has_its_rate_depth_and_delay() {
    for (voice, note, rate, depth) in [("alto", 57.0, 5.5, 50.0), ("tenor", 50.0, 7.0, 30.0)] {
        let params = [
            choice("voice", voice),
            num("vibrato_rate_hz", rate),
            num("vibrato_depth_cents", depth),
            num("vibrato_delay_ms", 400.0),
            num("vibrato_fade_ms", 200.0),
            num("breathiness", 0.0),
        ];
        let (x, _) = sing(&params, &format!("0 {note} 0.9"), 3.0);
        // Before the delay the pitch is steady.
        let before = track(&x, note, 0.1, 0.39);
        let wobble = before.iter().map(|(_, c)| c.abs()).fold(0.0, f64::max);
        let (got_rate, got_depth) = vibrato_of(&track(&x, note, 0.8, 2.8));
        eprintln!(
            "{voice}: before the delay ±{wobble:.2} cents; rate {got_rate:.3} Hz (set {rate}), \
             depth {got_depth:.2} cents (set {depth})"
        );
        assert!(wobble < 2.0, "{wobble}");
        assert!((got_rate / rate - 1.0).abs() < 0.05, "{got_rate}");
        assert!((got_depth / depth - 1.0).abs() < 0.05, "{got_depth}");
        // Half-way through the fade the swing is about half the depth.
        let fading = track(&x, note, 0.4, 0.6);
        let early = fading
            .iter()
            .filter(|(s, _)| *s < 0.45)
            .map(|(_, c)| c.abs())
            .fold(0.0, f64::max);
        assert!(
            early < 0.3 * depth,
            "{early}: the vibrato started before its delay"
        );
    }
}

/// RMS of `x` in windows of `ms` every millisecond.
fn levels(x: &[f64], ms: f64) -> Vec<f64> {
    let w = at(ms / 1000.0);
    (0..(x.len() - w) / at(0.001))
        .map(|i| {
            let s = &x[i * at(0.001)..i * at(0.001) + w];
            (s.iter().map(|v| v * v).sum::<f64>() / w as f64).sqrt()
        })
        .collect()
}

/// Normalised autocorrelation of `x` at `lag`.
fn periodicity(x: &[f32], lag: usize) -> f64 {
    let n = x.len() - lag;
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (a, b) = (f64::from(x[i]), f64::from(x[i + lag]));
        xy += a * b;
        xx += a * a;
        yy += b * b;
    }
    xy / (xx * yy).sqrt().max(1e-30)
}

#[test]
fn a_consonant_precedes_the_vowel_by_its_length() {
    let note = 57.0;
    let lag = (SR / note_hz(note)).round() as usize;
    for consonant_ms in [60.0, 150.0] {
        let params = [
            num("consonant_ms", consonant_ms),
            num("attack_ms", 1.0),
            num("breathiness", 0.0),
        ];
        // Half a second of silence, then "sa".
        let (x, _) = sing(&params, &format!("24000 {note} 0.9 sa"), 1.0);
        let x = &x[at(0.5)..];
        // Noise: energy above 4 kHz (a fourth-order difference), in 2 ms windows.
        let high: Vec<f64> = (4..x.len())
            .map(|i| {
                let d = |k: usize| f64::from(x[i - k]);
                d(0) - 4.0 * d(1) + 6.0 * d(2) - 4.0 * d(3) + d(4)
            })
            .collect();
        let hiss = levels(&high, 2.0);
        let loudest = hiss[..at(consonant_ms / 1000.0) / at(0.001)]
            .iter()
            .cloned()
            .fold(0.0, f64::max);
        let noise_on = hiss.iter().position(|v| *v > 0.1 * loudest).unwrap() as f64;
        // Voicing: the first millisecond whose next 10 ms repeat at the note's period.
        let voiced_on = (0..x.len() / at(0.001))
            .find(|ms| periodicity(&x[at(*ms as f64 / 1000.0)..][..at(0.01) + lag], lag) > 0.7)
            .unwrap() as f64
            + 5.0;
        eprintln!(
            "consonant_ms {consonant_ms}: noise from {noise_on} ms, voicing from {voiced_on} ms \
             (window centre)"
        );
        assert!(noise_on <= 3.0, "{noise_on}");
        assert!((voiced_on - consonant_ms).abs() <= 6.0, "{voiced_on}");
    }
}

/// Amplitude of the component at `freq` in `x`, Hann-windowed (Goertzel).
fn tone(x: &[f32], freq: f64) -> f64 {
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
    4.0 * (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0).sqrt() / n
}

/// An "ooh" chord of A minor, held: (notes, left, right).
fn chord(width: f64) -> ([f64; 4], Vec<f32>, Vec<f32>) {
    let notes = [57.0, 60.0, 64.0, 69.0];
    let script: String = notes.iter().map(|n| format!("0 {n} 0.9 ooh;")).collect();
    let params = [
        num("voices", 4.0),
        num("width", width),
        num("vibrato_depth_cents", 0.0),
    ];
    let (l, r) = sing(&params, &script, 1.0);
    (notes, l, r)
}

#[test]
fn a_stacked_chord_sings_every_note() {
    let (notes, l, r) = chord(0.0);
    let mono: Vec<f32> = l.iter().zip(&r).map(|(a, b)| a + b).collect();
    let x = &mono[at(0.3)..at(0.9)];
    for n in notes {
        let on = tone(x, note_hz(n));
        // A quarter-tone off the note, where no voice sings.
        let off = tone(x, note_hz(n + 0.5));
        eprintln!("note {n}: {on:.4} at its pitch, {off:.6} a quarter-tone above");
        assert!(on > 30.0 * off, "note {n} missing: {on} vs {off}");
    }
}

#[test]
fn width_zero_is_mono_and_width_one_is_wide() {
    let (_, l, r) = chord(0.0);
    assert!(l.iter().any(|v| v.abs() > 0.01));
    assert_eq!(l, r, "width 0 must give identical channels");
    let (_, l, r) = chord(1.0);
    let (l, r) = (&l[at(0.3)..], &r[at(0.3)..]);
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| f64::from(x * y)).sum::<f64>();
    let correlation = dot(l, r) / (dot(l, l) * dot(r, r)).sqrt();
    eprintln!("width 1: left/right correlation {correlation:.3}");
    assert!(correlation < 0.6, "{correlation}");
}

/// Largest sample-to-sample step of `x`.
fn largest_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn stealing_does_not_click() {
    // Two voices; the third and fourth notes steal held ones mid-note.
    let params = [
        num("voices", 2.0),
        num("vibrato_depth_cents", 0.0),
        num("breathiness", 0.0),
        num("width", 0.0),
    ];
    let script = "0 57 0.9 ah; 0 64 0.9 ah; 24000 60 0.9 ah; 33600 67 0.9 ah";
    let (x, _) = sing(&params, script, 1.2);
    let steady = largest_step(&x[at(0.3)..at(0.5)]).max(largest_step(&x[at(0.9)..at(1.2)]));
    let steals = largest_step(&x[at(0.49)..at(0.52)]).max(largest_step(&x[at(0.69)..at(0.72)]));
    eprintln!("largest step: {steals:.4} around the steals, {steady:.4} while singing");
    assert!(steals <= 1.1 * steady, "{steals} vs {steady}");
    // Cutting the sound dead at its peak before the steal would step by that peak: the test
    // can see such a click.
    let peak = x[at(0.49)..at(0.5)]
        .iter()
        .map(|v| v.abs())
        .fold(0.0, f32::max);
    assert!(peak > 1.5 * steady, "{peak} vs {steady}");
}

#[test]
fn legato_notes_glide_over_portamento_ms() {
    let params = [
        num("voices", 1.0),
        num("portamento_ms", 200.0),
        num("vibrato_depth_cents", 0.0),
    ];
    // Legato: 64 starts while 57 is held. Detached: 57 ends first.
    let legato = "0 57 0.9 ah; 24000 64 0.9 ah; 26000 57 off";
    let detached = "0 57 0.9 ah; 23000 57 off; 24000 64 0.9 ah";
    let (x, _) = sing(&params, legato, 1.2);
    let (y, _) = sing(&params, detached, 1.2);
    let pitch = |x: &[f32], t: f64| {
        let f = yin(&x[at(t) - 600..at(t) + 600], 150.0, 450.0).unwrap();
        69.0 + 12.0 * (f / 440.0).log2()
    };
    let (start, middle, end) = (pitch(&x, 0.45), pitch(&x, 0.6), pitch(&x, 0.8));
    let jumped = pitch(&y, 0.6);
    eprintln!(
        "legato: {start:.2} before, {middle:.2} half-way (want 60.5), {end:.2} after; \
         detached: {jumped:.2} half-way"
    );
    assert!((start - 57.0).abs() < 0.05 && (end - 64.0).abs() < 0.05);
    assert!((middle - 60.5).abs() < 0.3, "{middle}");
    assert!((jumped - 64.0).abs() < 0.05, "{jumped}");
}
