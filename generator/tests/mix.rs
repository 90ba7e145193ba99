//! The generated mix, measured (issue 16, "the mix"): every style lands at a master's loudness
//! (AMAPIANO.md: −8 to −6 LUFS at −1 dBTP; accepted −9 to −6 LUFS, true peak ≤ −0.9 dBTP) through
//! the console's bus compressor and limiter, its stems still sum to it, and the private-school
//! groove is softer than sgija but not dark: its drums and percussion above 1 kHz sit within 6 dB
//! of the other two styles'.

mod common;

use std::sync::{Arc, OnceLock};

use common::*;
use yano_engine::loudness;
use yano_generator::{build, compose, export, Options, Request, Track};

const PROMPTS: [&str; 3] = [
    "amapiano in F minor, 113 bpm, 32 bars",
    "soulful private school amapiano in Eb minor, 111 bpm, 32 bars",
    "sgija in A minor, 114 bpm, 32 bars",
];

/// One style's render: the track and its mixdown with stems.
struct Rendered {
    track: Track,
    mix: export::Mixdown,
}

/// Each style rendered once (seed 3), mix and stems in one pass, for every test here.
fn renders() -> &'static [Rendered; 3] {
    static RENDERS: OnceLock<[Rendered; 3]> = OnceLock::new();
    RENDERS.get_or_init(|| {
        let registry = Arc::new(yano_registry::registry());
        PROMPTS.map(|prompt| {
            let options = Options {
                seed: 3,
                ..Options::default()
            };
            let (request, _) = Request::new(prompt, &options).unwrap();
            let track = compose(&request);
            let graph = build::graph(&track, &registry).unwrap();
            let seconds = export::render_seconds(&track);
            let mix = export::render_with_stems(&graph, seconds, registry.clone(), &mut |_| true)
                .unwrap();
            Rendered { track, mix }
        })
    })
}

#[test]
fn every_style_is_mastered_between_minus_9_and_minus_6_lufs_under_minus_0_9_dbtp() {
    for r in renders() {
        let m = &r.mix.mix;
        let measured = loudness::measure(&m.left, &m.right, m.sample_rate).unwrap();
        let style = r.track.request.style.name();
        println!(
            "{style}: {:.2} LUFS, {:.2} dBTP",
            measured.integrated_lufs, measured.true_peak_dbtp
        );
        assert!(
            (-9.0..=-6.0).contains(&measured.integrated_lufs),
            "{style}: {:.2} LUFS",
            measured.integrated_lufs
        );
        assert!(
            measured.true_peak_dbtp <= -0.9,
            "{style}: true peak {:.2} dBTP",
            measured.true_peak_dbtp
        );
    }
}

#[test]
fn stems_sum_to_the_mix_through_the_bus_compressor_and_limiter() {
    for r in renders() {
        let m = &r.mix.mix;
        let (mut l, mut rr) = (vec![0f32; m.left.len()], vec![0f32; m.right.len()]);
        for (_, stem) in &r.mix.stems {
            for (s, x) in l.iter_mut().zip(&stem.left) {
                *s += x;
            }
            for (s, x) in rr.iter_mut().zip(&stem.right) {
                *s += x;
            }
        }
        let err = error_db(&l, &m.left).max(error_db(&rr, &m.right));
        let style = r.track.request.style.name();
        println!("{style}: stems sum − mix {err:.1} dB");
        assert!(
            err < -60.0,
            "{style}: the stems sum to the mix within {err:.1} dB"
        );
    }
}

/// The named stems summed, as they reach the master, above 1 kHz over the first drop (dB).
fn above_1k(r: &Rendered, stems: &[&str]) -> f64 {
    let first = &r.mix.stems[0].1;
    let (mut l, mut rr) = (vec![0f32; first.left.len()], vec![0f32; first.right.len()]);
    for name in stems {
        let stem = &r.mix.stems.iter().find(|(n, _)| n == name).unwrap().1;
        for (s, x) in l.iter_mut().zip(&stem.left) {
            *s += x;
        }
        for (s, x) in rr.iter_mut().zip(&stem.right) {
            *s += x;
        }
    }
    let drop = r
        .track
        .sections
        .iter()
        .find(|s| s.name == "drop_1")
        .unwrap();
    let (sr, bpm) = (first.sample_rate, r.track.request.bpm);
    energy_above_db(
        bars_of(&l, sr, bpm, drop.first_bar, drop.last_bar),
        bars_of(&rr, sr, bpm, drop.first_bar, drop.last_bar),
        sr,
        1000.0,
    )
}

#[test]
fn the_private_school_groove_is_within_6_db_of_the_others_above_1_khz() {
    // The whole groove, and the kit alone (kick, hats, toms): the private-school kit had no hat
    // and sat 21 dB under the others above 1 kHz.
    for stems in [&["drums", "percussion"][..], &["drums"][..]] {
        let [amapiano, private, sgija] = renders().each_ref().map(|r| above_1k(r, stems));
        println!(
            "{} above 1 kHz in the first drop: amapiano {amapiano:.1} dB, private school \
             {private:.1} dB, sgija {sgija:.1} dB",
            stems.join(" + ")
        );
        for (other, name) in [(amapiano, "amapiano"), (sgija, "sgija")] {
            assert!(
                (private - other).abs() <= 6.0,
                "{stems:?}: private school {private:.1} dB against {name} {other:.1} dB above 1 kHz"
            );
        }
        // Still the softer groove: never brighter than sgija's.
        assert!(
            private < sgija,
            "{stems:?}: {private:.1} dB ≥ sgija {sgija:.1} dB"
        );
    }
}
