//! The generator's mix, measured per style: integrated loudness and true peak of the master, the
//! gain reduction of the master bus compressor and of the master limiter (median and 95th
//! percentile over the song, in dB), and the drums' and percussion's level above 1 kHz in the
//! first drop (the private-school groove must not sit far below the others).
//!
//! `cargo run -p yano-generator --example mix_report -- [bars] [seeds…]` (48 bars, seed 7 unless
//! given). MIX_GLUE, MIX_GAIN_DB, MIX_LEVELS and MIX_RELEASE try other settings offline;
//! MIX_STEMS prints each stem's peak and loudness, MIX_BLAME which stem the limiter works on.
//!
//! One render per track, with the master dynamics switched off: the stems are then what each
//! channel adds before the dynamics, and the master compressor and limiter (the console's own
//! `BusCompressor` and `Limiter`, with the generated settings) run here over the dry master, so
//! their per-sample gains can be counted. The mastered mix is checked against a render of the
//! unaltered graph for the first track.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;

use yano_engine::loudness;
use yano_engine::param::ParamValues;
use yano_engine::render::{render, RenderOptions};
use yano_generator::{build, compose, export, Options, Request};
use yano_nodes::fx::limiter::Limiter;
use yano_nodes::mixer::bus_compressor::{ids as glue, BusCompressor, Glue};

const PROMPTS: [&str; 3] = [
    "amapiano in F minor, 113 bpm",
    "soulful private school amapiano in Eb minor, 111 bpm",
    "sgija in A minor, 114 bpm",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bars: u32 = args.first().and_then(|a| a.parse().ok()).unwrap_or(48);
    let seeds: Vec<u64> = match args.get(1..) {
        Some(s) if !s.is_empty() => s.iter().filter_map(|a| a.parse().ok()).collect(),
        _ => vec![7],
    };
    let registry = Arc::new(yano_registry::registry());
    let mut checked = false;
    println!("style          seed bars  LUFS   dBTP | glue GR med/p95 | limiter GR med/p95 | >1k drums+perc (drop) | >1k mix");
    for prompt in PROMPTS {
        for &seed in &seeds {
            let options = Options {
                seed,
                bars: Some(bars),
                ..Options::default()
            };
            let (request, _) = Request::new(prompt, &options).unwrap();
            let track = compose(&request);
            let graph = build::graph(&track, &registry).unwrap();
            let mixer = graph.node(build::ids::MIXER).unwrap().clone();
            let d = registry.get(&mixer.kind).unwrap();
            let values = mixer.values_for(d);
            let p = d.reader(&values);
            let num = |id: &str| p.number(id).unwrap() as f32;
            let settings = (p.choice(glue::SWITCH).unwrap() == 1).then(|| Glue {
                threshold_db: num(glue::THRESHOLD),
                ratio: num(glue::RATIO),
                knee_db: num(glue::KNEE),
                attack_ms: num(glue::ATTACK),
                release_ms: num(glue::RELEASE),
                makeup_db: num(glue::MAKEUP),
                rms: p.choice(glue::DETECTOR).unwrap() == 1,
            });
            // Trying settings: MIX_GLUE="threshold,ratio,knee,attack,release,makeup" overrides the
            // compressor, MIX_GAIN_DB adds to the master fader.
            let settings = std::env::var("MIX_GLUE").ok().map_or(settings, |v| {
                let x: Vec<f32> = v.split(',').map(|t| t.trim().parse().unwrap()).collect();
                Some(Glue {
                    threshold_db: x[0],
                    ratio: x[1],
                    knee_db: x[2],
                    attack_ms: x[3],
                    release_ms: x[4],
                    makeup_db: x[5],
                    rms: x.get(6).is_none_or(|d| *d > 0.5),
                })
            });
            let extra = std::env::var("MIX_GAIN_DB")
                .ok()
                .map_or(1.0, |v| 10f32.powf(v.parse::<f32>().unwrap() / 20.0));
            let limited = p.choice("master_limiter").unwrap() == 1;
            let (ceiling, release) = (num("master_ceiling_db"), num("master_release_ms"));
            let release = std::env::var("MIX_RELEASE").map_or(release, |v| v.parse().unwrap());
            let mut dry = graph.clone();
            for (id, v) in [(glue::SWITCH, "off"), ("master_limiter", "off")] {
                dry.set_param(build::ids::MIXER, id, v.into(), &registry)
                    .unwrap();
            }
            let seconds = export::render_seconds(&track);
            let mixdown =
                export::render_with_stems(&dry, seconds, registry.clone(), &mut |_| true).unwrap();
            let sr = mixdown.mix.sample_rate;
            // MIX_LEVELS="log_drum:-2,keys:3" moves channel faders (dB): the dry stems re-summed.
            let moves: Vec<(String, f32)> = std::env::var("MIX_LEVELS")
                .unwrap_or_default()
                .split(',')
                .filter_map(|m| m.split_once(':'))
                .map(|(n, v)| (n.trim().to_string(), v.trim().parse().unwrap()))
                .collect();
            let (mut l, mut r) = (
                vec![0f32; mixdown.mix.left.len()],
                vec![0f32; mixdown.mix.right.len()],
            );
            for (name, a) in &mixdown.stems {
                let db = moves.iter().find(|(n, _)| n == name).map_or(0.0, |m| m.1);
                let g = extra * 10f32.powf(db / 20.0);
                for (o, x) in l.iter_mut().zip(&a.left) {
                    *o += x * g;
                }
                for (o, x) in r.iter_mut().zip(&a.right) {
                    *o += x * g;
                }
            }
            let (mut glue_gains, mut limit_gains) = (Vec::new(), Vec::new());
            let mut comp = BusCompressor::new(sr);
            let mut limiter = Limiter::new(sr, 1.5);
            let mut gains = [1.0f32; 128];
            for (bl, br) in l.chunks_mut(128).zip(r.chunks_mut(128)) {
                if let Some(g) = &settings {
                    comp.compress(bl, br, g, |_, x| glue_gains.push(x));
                }
                if limited {
                    let n = bl.len();
                    limiter.limit_reporting(
                        bl,
                        br,
                        ParamValues::Constant(ceiling),
                        release,
                        &mut gains[..n],
                    );
                    limit_gains.extend_from_slice(&gains[..n]);
                }
            }
            // Only the song, not the tail after the last bar.
            let song = (request.seconds() * f64::from(sr)) as usize;
            glue_gains.truncate(song);
            limit_gains.truncate(song);
            let m = loudness::measure(&l, &r, sr).unwrap();
            if !checked && std::env::var("MIX_GLUE").is_err() && extra == 1.0 && moves.is_empty() {
                let real = render(
                    &graph,
                    registry.clone(),
                    RenderOptions {
                        seconds,
                        ..RenderOptions::default()
                    },
                )
                .unwrap();
                let rm = loudness::measure(&real.left, &real.right, sr).unwrap();
                println!(
                    "(check: the console's own render measures {:.2} LUFS, {:.2} dBTP)",
                    rm.integrated_lufs, rm.true_peak_dbtp
                );
                checked = true;
            }
            let drop = track.sections.iter().find(|s| s.name == "drop_1").unwrap();
            let (first, last) = (drop.first_bar, drop.last_bar.min(drop.first_bar + 31));
            let stem = |name: &str| {
                mixdown
                    .stems
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, a)| (a.left.clone(), a.right.clone()))
                    .unwrap()
            };
            let (dl, dr) = stem("drums");
            let (pl, pr) = stem("percussion");
            let sum =
                |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x + y).collect::<Vec<f32>>();
            let (gl, gr) = (sum(&dl, &pl), sum(&dr, &pr));
            let bpm = request.bpm;
            let groove = common::energy_above_db(
                common::bars_of(&gl, sr, bpm, first, last),
                common::bars_of(&gr, sr, bpm, first, last),
                sr,
                1000.0,
            );
            let mix_hi = common::energy_above_db(&l, &r, sr, 1000.0);
            // Per stem in the drop: level above 1 kHz and its share of the stem's whole energy.
            let drop_bars = |x: &[f32]| common::bars_of(x, sr, bpm, first, last).to_vec();
            let mut detail = String::new();
            for (name, (a, b)) in [("drums", (&dl, &dr)), ("perc", (&pl, &pr))] {
                let (a, b) = (drop_bars(a), drop_bars(b));
                let hi = common::energy_above_db(&a, &b, sr, 1000.0);
                let all = common::energy_above_db(&a, &b, sr, 0.0);
                detail += &format!(" {name} {hi:.1} ({:.1} of all)", hi - all);
            }
            if std::env::var("MIX_STEMS").is_ok() {
                for (name, a) in &mixdown.stems {
                    let m = loudness::measure(&a.left, &a.right, sr).unwrap();
                    println!(
                        "  {name:10} peak {:6.2} dBFS, {:6.2} LUFS",
                        m.sample_peak_dbfs, m.integrated_lufs
                    );
                }
            }
            if std::env::var("MIX_BLAME").is_ok() {
                // Where the limiter works hardest (over 6 dB), which stem is largest (dry).
                let mut blame = vec![0usize; mixdown.stems.len()];
                let delay = 72;
                for (i, g) in limit_gains.iter().enumerate() {
                    if *g < 0.5 && i >= delay {
                        let j = i - delay;
                        let (k, _) = mixdown
                            .stems
                            .iter()
                            .enumerate()
                            .map(|(k, (_, a))| (k, a.left[j].abs().max(a.right[j].abs())))
                            .fold((0, 0.0f32), |m, x| if x.1 > m.1 { x } else { m });
                        blame[k] += 1;
                    }
                }
                let names: Vec<String> = mixdown
                    .stems
                    .iter()
                    .zip(&blame)
                    .map(|((n, _), b)| format!("{n} {b}"))
                    .collect();
                println!(
                    "  largest stem where the limiter takes over 6 dB: {}",
                    names.join(", ")
                );
            }
            // The compressor's reduction, its makeup gain taken out.
            let makeup = settings.map_or(0.0, |g| g.makeup_db);
            let glue_gains: Vec<f32> = glue_gains
                .iter()
                .map(|g| g / 10f32.powf(makeup / 20.0))
                .collect();
            let (gm, gp) = common::reduction_stats(&glue_gains);
            let (lm, lp) = common::reduction_stats(&limit_gains);
            println!(
                "{:14} {seed:4} {bars:4} {:6.2} {:6.2} | {gm:5.2} / {gp:5.2}   | {lm:5.2} / {lp:5.2}      | {groove:6.1} dB (bars {first}-{last}) | {mix_hi:6.1} dB |{detail}",
                request.style.name(),
                m.integrated_lufs,
                m.true_peak_dbtp,
            );
        }
    }
}
