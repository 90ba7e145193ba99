//! `instrument.voice` measured from outside: the pitch of held notes (YIN), the formants of its
//! vowels (LPC, autocorrelation method, roots of the predictor) against Peterson & Barney's
//! (1952) averages written here as literal figures, the vibrato's rate, depth and delay from the
//! pitch track, the timing of a consonant before its vowel, chords, steals, legato glides and
//! the stereo width. Nothing here reads the singer's own tables.

mod common;
#[path = "common/voice_analysis.rs"]
mod voice_analysis;

use common::registry;
use voice_analysis::{at, formants, note_hz, track, yin, SR};
use yano_engine::param::ParamValue;
use yano_testkit::nodes::play_instrument;

const KIND: &str = "instrument.voice";

/// Sings `notes` ("sample note velocity [syllable]|off; …") with `params`; (left, right).
fn sing(params: &[(&str, ParamValue)], notes: &str, seconds: f64) -> (Vec<f32>, Vec<f32>) {
    let out = play_instrument(registry(), KIND, params, notes, SR as u32, seconds);
    (out.left, out.right)
}

fn num(id: &str, v: f64) -> (&str, ParamValue) {
    (id, ParamValue::Number(v))
}

fn choice<'a>(id: &'a str, v: &str) -> (&'a str, ParamValue) {
    (id, ParamValue::Text(v.to_string()))
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
    type Vowels = [(&'static str, [f64; 2]); 5];
    let table: [(&str, f64, Vowels); 2] = [
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
                num("flutter", 0.0),
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
            num("flutter", 0.0),
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
            num("flutter", 0.0),
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
        num("flutter", 0.0),
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

/// Share of `x`'s energy above 1 kHz (a first-order split at 1 kHz, one-pole low-pass).
fn share_above_1k(x: &[f32]) -> f64 {
    let k = (-std::f64::consts::TAU * 1000.0 / SR).exp();
    let (mut low, mut lo_e, mut all_e) = (0.0, 0.0, 0.0);
    for v in x {
        let v = f64::from(*v);
        low = v + k * (low - v);
        lo_e += low * low;
        all_e += v * v;
    }
    ((all_e - lo_e) / all_e).max(0.0)
}

#[test]
fn hums_are_murmurs_and_codas_close_on_them() {
    // A nasal murmur is a low sound: its upper formants are damped and an antiformant cuts the
    // middle (Fujimura 1962), so far less of its energy lies above 1 kHz than an open vowel's.
    let held = |syllable: &str| {
        let params = [num("vibrato_depth_cents", 0.0), num("breathiness", 0.0)];
        let (x, _) = sing(&params, &format!("0 57 0.9 {syllable}"), 0.6);
        share_above_1k(&x[at(0.3)..at(0.6)])
    };
    let (a, m, n, ng) = (held("ah"), held("mm"), held("nn"), held("ng"));
    eprintln!("energy above 1 kHz: a {a:.3}, m {m:.3}, n {n:.3}, ng {ng:.3}");
    assert!(a > 0.2, "{a}");
    for hum in [m, n, ng] {
        assert!(hum < 0.25 * a, "{hum} vs {a}");
    }
    // "sam" closes on m at note-off and holds it for consonant_ms (100) before its release.
    let params = [
        num("vibrato_depth_cents", 0.0),
        num("consonant_ms", 100.0),
        num("release_ms", 2000.0),
    ];
    let (x, _) = sing(&params, "0 57 0.9 sam; 24000 57 off", 0.8);
    let vowel = share_above_1k(&x[at(0.35)..at(0.5)]);
    let coda = share_above_1k(&x[at(0.55)..at(0.6)]);
    eprintln!("\"sam\": above 1 kHz {vowel:.3} on the vowel, {coda:.3} in the coda");
    assert!(coda < 0.25 * vowel, "{coda} vs {vowel}");
}

#[test]
fn flutter_wavers_by_its_set_size() {
    // Three sines of 10/3 cents each at flutter 1: RMS 10/3 × √(3/2) = 4.08 cents.
    let rms_of = |flutter: f64| {
        let params = [
            num("vibrato_depth_cents", 0.0),
            num("breathiness", 0.0),
            num("flutter", flutter),
        ];
        let (x, _) = sing(&params, "0 57 0.9", 2.4);
        let t = track(&x, 57.0, 0.2, 2.2);
        let mean = t.iter().map(|(_, c)| c).sum::<f64>() / t.len() as f64;
        (t.iter().map(|(_, c)| (c - mean).powi(2)).sum::<f64>() / t.len() as f64).sqrt()
    };
    let (none, full) = (rms_of(0.0), rms_of(1.0));
    eprintln!("flutter 0: {none:.3} cents RMS; flutter 1: {full:.3} (want 4.08)");
    assert!(none < 0.1, "{none}");
    assert!((full / 4.082 - 1.0).abs() < 0.15, "{full}");
}
