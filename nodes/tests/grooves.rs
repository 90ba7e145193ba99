//! The shipped grooves, measured: each renders 24 bars, its tempo recovered from the onsets of
//! bars 9-24 is within 0.1 BPM of the preset's, integrated loudness is between −10 and
//! −6 LUFS and true peak at most −1 dBTP, and it never clips.

mod common;

use std::f64::consts::TAU;

use common::{registry, workspace_root};
use yano_engine::loudness::measure;
use yano_engine::preset::load_preset;
use yano_engine::render::{render, RenderOptions};

/// Onset strength every 2.5 ms: the rise of log energy below about 2 kHz (kick, clap body, log
/// drum; not the shakers), half-wave rectified.
fn onset_strength(x: &[f32], sample_rate: f64) -> (Vec<f64>, f64) {
    let hop = (0.0025 * sample_rate) as usize;
    let a = (-std::f64::consts::TAU * 2000.0 / sample_rate).exp();
    let (mut y1, mut y2) = (0.0, 0.0);
    let low: Vec<f64> = x
        .iter()
        .map(|v| {
            y1 = a * y1 + (1.0 - a) * f64::from(*v);
            y2 = a * y2 + (1.0 - a) * y1;
            y2
        })
        .collect();
    let energy: Vec<f64> = low
        .chunks(hop)
        .map(|c| 10.0 * (c.iter().map(|v| v * v).sum::<f64>() / c.len() as f64 + 1e-10).log10())
        .collect();
    let flux = (0..energy.len())
        .map(|i| {
            if i < 4 {
                0.0
            } else {
                (energy[i] - energy[i - 4]).max(0.0)
            }
        })
        .collect();
    (flux, hop as f64 / sample_rate)
}

/// Tempo from onsets. The autocorrelation of the onset strength at one, two and four beats gives a
/// rough beat period in 100–125 BPM; onsets are then picked (local maxima above a fifth of the strongest, 80 ms apart),
/// those within a tenth of a beat of the grid are kept, and a straight line fitted to onset time
/// against beat number gives the period. The fit is widened 16 beats at a time so the beat numbers
/// never slip.
fn tempo_from_onsets(strength: &[f64], hop_s: f64) -> f64 {
    let lag_of = |bpm: f64| 60.0 / bpm / hop_s;
    let mut best = (0usize, f64::MIN);
    let r = |lag: usize| -> f64 {
        strength
            .iter()
            .zip(strength.get(lag..).unwrap_or(&[]))
            .map(|(a, b)| a * b)
            .sum()
    };
    for lag in lag_of(125.0) as usize..=lag_of(100.0) as usize {
        // The true beat also repeats at the half bar and the bar.
        let score = r(lag) + r(2 * lag) + r(4 * lag);
        if score > best.1 {
            best = (lag, score);
        }
    }
    let mut period = best.0 as f64 * hop_s;
    let top = strength.iter().cloned().fold(0.0, f64::max);
    let mut onsets: Vec<(f64, f64)> = Vec::new();
    for i in 1..strength.len() - 1 {
        let t = i as f64 * hop_s;
        if strength[i] > 0.2 * top
            && strength[i] >= strength[i - 1]
            && strength[i] > strength[i + 1]
            && onsets.last().is_none_or(|o| t - o.0 > 0.08)
        {
            onsets.push((t, strength[i]));
        }
    }
    // Anchor the grid on the early onset that puts the most onset strength on it.
    let on_grid_strength = |start: f64| -> f64 {
        onsets
            .iter()
            .filter(|(t, _)| {
                let k = ((t - start) / period).round();
                (0.0..=16.0).contains(&k) && (t - start - k * period).abs() < 0.1 * period
            })
            .map(|o| o.1)
            .sum()
    };
    let start = onsets
        .iter()
        .take(16)
        .map(|o| o.0)
        .max_by(|a, b| on_grid_strength(*a).total_cmp(&on_grid_strength(*b)))
        .unwrap_or(0.0);
    let mut beats = 16.0;
    loop {
        let on_grid: Vec<(f64, f64)> = onsets
            .iter()
            .filter_map(|(t, _)| {
                let k = ((t - start) / period).round();
                let off = t - start - k * period;
                (k >= 0.0 && k <= beats && off.abs() < 0.1 * period).then_some((k, *t))
            })
            .collect();
        let n = on_grid.len() as f64;
        let (sk, st) = on_grid
            .iter()
            .fold((0.0, 0.0), |(a, b), (k, t)| (a + k, b + t));
        let (mk, mt) = (sk / n, st / n);
        let (num, den) = on_grid.iter().fold((0.0, 0.0), |(a, b), (k, t)| {
            (a + (k - mk) * (t - mt), b + (k - mk) * (k - mk))
        });
        period = num / den;
        if beats > (onsets.last().map_or(0.0, |o| o.0) - start) / period {
            return 60.0 / period;
        }
        beats += 16.0;
    }
}

fn check_groove(file: &str, bars_at_least: f64) {
    let r = registry();
    let g = load_preset(&workspace_root().join("graphs").join(file), &r)
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let bpm = g.transport.bpm;
    let seconds =
        g.transport.bars_to_samples(bars_at_least + 8.0) / f64::from(g.transport.sample_rate);
    let options = RenderOptions {
        seconds,
        ..Default::default()
    };
    let audio = render(&g, r.clone(), options).unwrap();
    // Tempo from the drum stem (the mixer's "drums" channel soloed, as `--stems` renders it), over
    // bars 9-24 where every layer has come in.
    let mut drums = g.clone();
    drums
        .set_param(
            "mix",
            "ch1_solo",
            yano_engine::ParamValue::Text("on".into()),
            &r,
        )
        .unwrap();
    assert_eq!(
        g.node("mix").unwrap().params["ch1_name"],
        yano_engine::ParamValue::Text("drums".into())
    );
    let stem = render(&drums, r, options).unwrap();
    let mono: Vec<f32> = stem
        .left
        .iter()
        .zip(&stem.right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect();
    let from = g.transport.bars_to_samples(8.0) as usize;
    let (strength, hop) =
        onset_strength(&mono[from.min(mono.len())..], f64::from(audio.sample_rate));
    let measured = tempo_from_onsets(&strength, hop);
    assert!(
        (measured - bpm).abs() < 0.1,
        "{file}: tempo {measured:.3} BPM from the drum onsets, preset says {bpm}"
    );
    let m = measure(&audio.left, &audio.right, audio.sample_rate).unwrap();
    assert!(
        (-10.0..=-6.0).contains(&m.integrated_lufs),
        "{file}: {:.2} LUFS",
        m.integrated_lufs
    );
    assert!(
        m.true_peak_dbtp <= -1.0,
        "{file}: true peak {:.2} dBTP",
        m.true_peak_dbtp
    );
    assert!(m.sample_peak_dbfs < 0.0, "{file}: clips");
    eprintln!(
        "{file}: {measured:.3} BPM (preset {bpm}), {:.2} LUFS, LRA {:.1} LU, true peak {:.2} dBTP",
        m.integrated_lufs, m.range_lu, m.true_peak_dbtp
    );
}

#[test]
fn amapiano_starter() {
    check_groove("amapiano-starter.ron", 16.0);
}

#[test]
fn private_school() {
    check_groove("private-school.ron", 16.0);
}

#[test]
fn sgija() {
    check_groove("sgija.ron", 16.0);
}

#[test]
fn the_tempo_measure_can_tell_a_wrong_tempo() {
    // Low clicks on every beat at 113 BPM: the measure must say 113, and 113.2 must read as 113.2.
    let clicks = |bpm: f64| {
        let mut x = vec![0f32; 48_000 * 30];
        let mut t = 0.0;
        while ((t * 48_000.0) as usize) < x.len() - 2_000 {
            let at = (t * 48_000.0) as usize;
            for (k, v) in x[at..at + 2_000].iter_mut().enumerate() {
                *v = (TAU * 60.0 * k as f64 / 48_000.0).sin() as f32 * (-(k as f32) / 400.0).exp();
            }
            t += 60.0 / bpm;
        }
        let (strength, hop) = onset_strength(&x, 48_000.0);
        tempo_from_onsets(&strength, hop)
    };
    assert!((clicks(113.0) - 113.0).abs() < 0.02, "{}", clicks(113.0));
    assert!((clicks(113.2) - 113.2).abs() < 0.02, "{}", clicks(113.2));
}
