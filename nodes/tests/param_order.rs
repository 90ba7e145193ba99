//! A parameter is known by its id, never by its place in its kind's list. With every kind's
//! parameter list reversed, the shipped presets (automation included) render sample for sample
//! as before, and each knob still drives what it names, measured in the audio. A processor asking
//! for an id its kind lacks fails to build, and the error names the id.

mod common;

use std::f64::consts::TAU;
use std::sync::Arc;

use common::{graph, registry, render_seconds, workspace_root};
use yano_engine::automation::{AutomationLane, AutomationPoint, Curve};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::preset::load_preset;
use yano_engine::render::{render, RenderOptions};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, ParamSpec, PortLayout, ProcessContext, Processor,
    Registry, Unit,
};

/// The same kinds with each one's parameter list in reverse order (the engine's own bridges,
/// which `Registry::new` holds already, keep theirs).
fn reversed(registry: &Registry) -> Arc<Registry> {
    let mut r = Registry::new();
    for d in registry.iter() {
        if r.get(d.kind).is_some() {
            continue;
        }
        let mut d = d.clone();
        d.params.reverse();
        r.register(d).unwrap();
    }
    Arc::new(r)
}

/// Amplitude of `freq` in `x` (whole cycles at 48 kHz), by correlation.
fn level(x: &[f32], freq: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (n, v) in x.iter().enumerate() {
        let p = TAU * freq * n as f64 / 48_000.0;
        re += f64::from(*v) * p.cos();
        im += f64::from(*v) * p.sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f64
}

fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

#[test]
fn reversing_every_parameter_list_changes_no_sample_of_a_shipped_preset() {
    let (forward, backward) = (registry(), reversed(&registry()));
    assert!(
        forward
            .get("mixer.console")
            .zip(backward.get("mixer.console"))
            .is_some_and(|(a, b)| a.params[0].id != b.params[0].id),
        "the console's list really is reordered"
    );
    let mut rendered = 0;
    let mut automated = 0;
    for entry in std::fs::read_dir(workspace_root().join("graphs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ron") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Kinds from the crates above this one (analysis, models, the generator) are not in
        // this registry.
        if ["kind: \"analysis.", "kind: \"model.", "kind: \"generate."]
            .iter()
            .any(|upper| text.contains(upper))
        {
            continue;
        }
        let a = load_preset(&path, &forward).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let b = load_preset(&path, &backward).unwrap();
        automated += usize::from(!a.automation().is_empty());
        let (a, b) = (
            render_seconds(&a, forward.clone(), 6.0),
            render_seconds(&b, backward.clone(), 6.0),
        );
        assert!(a.peak() > 0.0, "{} is silent", path.display());
        assert!(
            a.left == b.left && a.right == b.right,
            "{}: a reordered parameter list changed the sound",
            path.display()
        );
        rendered += 1;
    }
    assert!(rendered >= 5, "only {rendered} presets rendered");
    assert!(automated >= 1, "no preset with automation was rendered");
}

#[test]
fn a_gain_knob_and_its_automation_do_what_they_name_in_either_order() {
    for r in [registry(), reversed(&registry())] {
        let tone = |gain_db: f64| {
            graph(
                &r,
                &[
                    ("osc", "source.oscillator", &[("freq_hz", 1000.0)]),
                    (
                        "level",
                        "util.gain",
                        &[("gain_db", gain_db), ("channels", 1.0)],
                    ),
                    ("out", "io.output", &[]),
                ],
                &[("osc.out", "level.in"), ("level.out", "out.in")],
            )
        };
        let window = |x: &[f32], from_s: f64| {
            let start = (from_s * 48_000.0) as usize;
            level(&x[start..start + 4800], 1000.0)
        };
        let unity = render_seconds(&tone(0.0), r.clone(), 1.0);
        let cut = render_seconds(&tone(-12.0), r.clone(), 1.0);
        let change = db(window(&cut.left, 0.5) / window(&unity.left, 0.5));
        assert!(
            (change + 12.0).abs() < 0.01,
            "gain_db -12 gave {change:.3} dB"
        );

        // A lane from 0 dB at bar 1 down to -24 dB at bar 2 (120 BPM: two seconds a bar).
        let mut g = tone(0.0);
        let point = |bar, value| AutomationPoint {
            bar,
            value,
            curve: Curve::Linear,
        };
        g.automate(
            AutomationLane {
                node: "level".into(),
                param: "gain_db".into(),
                points: vec![point(1.0, 0.0), point(2.0, -24.0)],
            },
            &r,
        )
        .unwrap();
        let swept = render_seconds(&g, r.clone(), 5.0);
        let reference = render_seconds(&tone(0.0), r.clone(), 5.0);
        let at = |s: f64| db(window(&swept.left, s) / window(&reference.left, s));
        // Half way down the ramp (1.0–1.1 s) it is -12 dB on average; after it, -24 dB.
        assert!((at(1.0) + 12.6).abs() < 0.3, "mid-ramp: {:.2} dB", at(1.0));
        assert!((at(3.0) + 24.0).abs() < 0.01, "after: {:.3} dB", at(3.0));
    }
}

#[test]
fn console_strips_keep_their_own_faders_and_mutes_in_either_order() {
    for r in [registry(), reversed(&registry())] {
        let desk = |params: &[(&str, f64)], muted: Option<&str>| {
            let mut console = vec![("channels", 3.0), ("returns", 0.0)];
            console.extend_from_slice(params);
            let mut g = graph(
                &r,
                &[
                    ("a", "source.oscillator", &[("freq_hz", 1000.0)]),
                    ("b", "source.oscillator", &[("freq_hz", 1500.0)]),
                    ("c", "source.oscillator", &[("freq_hz", 500.0)]),
                    ("mix", "mixer.console", &console),
                    ("out", "io.output", &[]),
                ],
                &[
                    ("a.out", "mix.ch_1"),
                    ("b.out", "mix.ch_2"),
                    ("c.out", "mix.ch_3"),
                    ("mix.out", "out.in"),
                ],
            );
            if let Some(mute) = muted {
                g.set_param("mix", mute, "on".into(), &r).unwrap();
            }
            let x = render_seconds(&g, r.clone(), 0.5);
            let tail = &x.left[12_000..21_600];
            (level(tail, 1000.0), level(tail, 1500.0), level(tail, 500.0))
        };
        let flat = desk(&[], None);
        let set = desk(&[("ch2_gain_db", -6.0)], Some("ch3_mute"));
        assert!(
            db(set.0 / flat.0).abs() < 0.01,
            "ch1 moved: {:.3} dB",
            db(set.0 / flat.0)
        );
        assert!(
            (db(set.1 / flat.1) + 6.0).abs() < 0.01,
            "ch2_gain_db -6 gave {:.3} dB",
            db(set.1 / flat.1)
        );
        assert!(set.2 < 1e-6 * flat.2, "ch3_mute left {:.2e}", set.2);
    }
}

struct Silent;

impl Processor for Silent {
    fn process(&mut self, _: &mut ProcessContext<'_>) {}
}

fn wrong_knob(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    // The kind's parameter is "gain_db"; this asks for "gain".
    config.param("gain")?;
    Ok(Box::new(Silent))
}

#[test]
fn a_processor_asking_for_an_unknown_id_fails_to_build_and_names_it() {
    // A kind of its own, not the test kit's: its whole point is a constructor that asks for an
    // id its descriptor lacks, which no kit kind (and no shipped kind) may do.
    let mut r = Registry::new();
    r.register(NodeDescriptor {
        kind: "test.wrong_knob",
        description: "reads a parameter its kind does not have",
        params: vec![ParamSpec::number(
            "gain_db",
            "level",
            -96.0,
            12.0,
            0.0,
            Unit::Decibels,
        )],
        ports: PortLayout::Fixed(vec![PortSpec::output("out", PortType::MONO, "silence")]),
        build: Build::Realtime(wrong_knob),
    })
    .unwrap();
    let r = Arc::new(r);
    let g = graph(&r, &[("knob", "test.wrong_knob", &[])], &[]);
    let options = RenderOptions {
        seconds: 0.1,
        ..RenderOptions::default()
    };
    let message = render(&g, r, options).unwrap_err().to_string();
    assert!(
        message.contains("\"knob\"")
            && message.contains("test.wrong_knob")
            && message.contains("no parameter \"gain\""),
        "{message}"
    );
}
