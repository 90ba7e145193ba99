//! The shipped grooves, measured: each renders 24 bars, its tempo recovered from the onsets of
//! bars 9-24 is within 0.1 BPM of the preset's, integrated loudness is between −10 and
//! −6 LUFS and true peak at most −1 dBTP, and it never clips.

mod common;
#[path = "common/tempo.rs"]
mod tempo;

use std::f64::consts::TAU;

use common::{registry, workspace_root};
use tempo::{onset_strength, tempo_from_onsets};
use yano_engine::loudness::measure;
use yano_engine::preset::load_preset;
use yano_engine::render::{render, RenderOptions};

fn check_groove(file: &str, bars_at_least: f64) {
    let r = registry();
    let g = load_preset(&workspace_root().join("graphs").join(file), &r)
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let bpm = g.transport.bpm;
    let seconds = g.transport.bars_to_seconds(bars_at_least + 8.0);
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
