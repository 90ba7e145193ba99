//! The console's master bus compressor ("glue"): a stereo-linked compressor on the master after
//! the fader and before the limiter, off by default. Its detector, static curve and ballistics
//! are `fx.compressor`'s ([`GainComputer`]); what it adds is that it reports the gain it applied
//! to each frame, so the stem outputs take the same gain and still sum to the master (a gain
//! shared by every stem keeps the sum; a waveshaper would not). Settings are read once a block.

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::{NodeConfig, NodeError, ProcessContext};

use crate::fx::compressor::{coeff, GainComputer, DETECTORS, OCTAVES_PER_DB};

/// The bus compressor's settings for one block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glue {
    /// Level (dB) where compression begins: the centre of the knee.
    pub threshold_db: f32,
    /// Input dB over the threshold per output dB.
    pub ratio: f32,
    /// Width of the soft knee (dB, 0 = hard).
    pub knee_db: f32,
    /// Time for a gain reduction to reach 63 %.
    pub attack_ms: f32,
    /// Time for a gain reduction to recover 63 %.
    pub release_ms: f32,
    /// Gain after compression (dB).
    pub makeup_db: f32,
    /// Detect the mean square over 10 ms (true) or the peak (false).
    pub rms: bool,
}

/// The bus compressor and its detector state.
pub struct BusCompressor {
    sample_rate: f32,
    computer: GainComputer,
}

impl BusCompressor {
    /// Control thread: a compressor at rest.
    pub fn new(sample_rate: u32) -> BusCompressor {
        let sample_rate = sample_rate.max(1) as f32;
        BusCompressor {
            sample_rate,
            computer: GainComputer::new(sample_rate),
        }
    }

    /// Audio thread: compresses a stereo block in place by `glue`, telling `report(i, gain)` the
    /// linear gain (makeup included) applied to frame `i`.
    pub fn compress(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        glue: &Glue,
        mut report: impl FnMut(usize, f32),
    ) {
        let attack = coeff(glue.attack_ms, self.sample_rate);
        let release = coeff(glue.release_ms, self.sample_rate);
        let quiet = GainComputer::quiet_below(glue.threshold_db, glue.knee_db);
        for (i, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            let square = self.computer.square(*l, *r, glue.rms);
            let target =
                GainComputer::target_db(square, quiet, glue.threshold_db, glue.ratio, glue.knee_db);
            let reduction = self.computer.follow(target, attack, release);
            let gain = ((glue.makeup_db - reduction) * OCTAVES_PER_DB).exp2();
            *l *= gain;
            *r *= gain;
            report(i, gain);
        }
        self.computer.settle();
    }

    /// Audio thread: forgets the signal (transport jumps, or the compressor switched off).
    pub fn clear(&mut self) {
        self.computer.reset();
    }
}

/// Parameter ids of the bus compressor on `mixer.console`.
pub mod ids {
    pub const SWITCH: &str = "master_comp";
    pub const THRESHOLD: &str = "master_comp_threshold_db";
    pub const RATIO: &str = "master_comp_ratio";
    pub const KNEE: &str = "master_comp_knee_db";
    pub const ATTACK: &str = "master_comp_attack_ms";
    pub const RELEASE: &str = "master_comp_release_ms";
    pub const MAKEUP: &str = "master_comp_makeup_db";
    pub const DETECTOR: &str = "master_comp_detector";
}

/// The console's parameters for the bus compressor (appended after the master limiter's).
pub fn params() -> Vec<ParamSpec> {
    vec![
        ParamSpec::choice(
            ids::SWITCH,
            "master bus compressor (glue), before the limiter; the stems share its gain",
            &["off", "on"],
            0,
        ),
        ParamSpec::number(
            ids::THRESHOLD,
            "bus compressor threshold (centre of the knee)",
            -60.0,
            0.0,
            -12.0,
            Unit::Decibels,
        ),
        ParamSpec::number(
            ids::RATIO,
            "bus compressor ratio",
            1.0,
            20.0,
            2.0,
            Unit::None,
        ),
        ParamSpec::number(
            ids::KNEE,
            "bus compressor soft knee width (0 = hard)",
            0.0,
            24.0,
            6.0,
            Unit::Decibels,
        ),
        ParamSpec::number(
            ids::ATTACK,
            "bus compressor attack (63 % time)",
            0.1,
            200.0,
            30.0,
            Unit::Milliseconds,
        ),
        ParamSpec::number(
            ids::RELEASE,
            "bus compressor release (63 % time)",
            5.0,
            2_000.0,
            200.0,
            Unit::Milliseconds,
        ),
        ParamSpec::number(
            ids::MAKEUP,
            "bus compressor makeup gain",
            0.0,
            24.0,
            0.0,
            Unit::Decibels,
        ),
        ParamSpec::choice(
            ids::DETECTOR,
            "bus compressor level detection: peak, or rms over 10 ms",
            DETECTORS,
            1,
        ),
    ]
}

yano_engine::param_handles! {
    /// The bus compressor's parameters on the console, resolved by id when it is built.
    pub(super) struct GlueKnobs / GlueValues {
        switch: "master_comp",
        threshold: "master_comp_threshold_db",
        ratio: "master_comp_ratio",
        knee: "master_comp_knee_db",
        attack: "master_comp_attack_ms",
        release: "master_comp_release_ms",
        makeup: "master_comp_makeup_db",
        detector: "master_comp_detector",
    }
}

impl GlueKnobs {
    /// Control thread: the handles, by id.
    pub(super) fn of(config: &NodeConfig<'_>) -> Result<GlueKnobs, NodeError> {
        GlueKnobs::resolve(config)
    }

    /// Every handle, for the console's test that no two knobs share a parameter.
    #[cfg(test)]
    pub(super) fn all(&self) -> [yano_engine::param::ParamHandle; 8] {
        [
            self.switch,
            self.threshold,
            self.ratio,
            self.knee,
            self.attack,
            self.release,
            self.makeup,
            self.detector,
        ]
    }

    /// Audio thread: this block's settings, or `None` when the compressor is off.
    pub(super) fn settings(&self, ctx: &ProcessContext<'_>) -> Option<Glue> {
        let v = self.read(ctx);
        (v.switch.last() >= 0.5).then(|| Glue {
            threshold_db: v.threshold.last(),
            ratio: v.ratio.last().max(1.0),
            knee_db: v.knee.last().max(0.0),
            attack_ms: v.attack.last(),
            release_ms: v.release.last(),
            makeup_db: v.makeup.last(),
            rms: v.detector.last() >= 0.5,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::f64::consts::TAU;
    use std::sync::Arc;

    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::{Session, Transport};

    /// A 1 kHz sine at full scale on channel 1 of a console with `settings`; 1 s rendered,
    /// returns the left output.
    fn console(settings: &[(&str, f64)], choices: &[(&str, &str)]) -> Vec<f32> {
        let r = Arc::new(crate::registry());
        let mut g = Graph::new(Transport::default());
        let mut mix = NodeSpec::new("mix", crate::mixer::console::KIND).with("channels", 1.0);
        for (k, v) in settings {
            mix = mix.with(k, *v);
        }
        for (k, v) in choices {
            mix = mix.with(k, *v);
        }
        g.add_node(mix, &r).unwrap();
        g.add_node(
            NodeSpec::new("osc", "source.oscillator")
                .with("freq_hz", 1000.0)
                .with("gain_db", 0.0),
            &r,
        )
        .unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("osc.out", "mix.ch_1", &r).unwrap();
        g.connect("mix.out", "out.in", &r).unwrap();
        let (_session, mut runtime): (Session, _) = Session::start(g, r, 128, 1).unwrap();
        let mut left = Vec::new();
        for _ in 0..375 {
            runtime.process_block();
            left.extend_from_slice(runtime.main_out().0);
        }
        left
    }

    /// Amplitude of 1 kHz over the last 0.25 s (whole cycles).
    fn amplitude(x: &[f32]) -> f64 {
        let tail = &x[x.len() - 12_000..];
        let (mut re, mut im) = (0.0, 0.0);
        for (n, v) in tail.iter().enumerate() {
            let p = TAU * 1000.0 * n as f64 / 48_000.0;
            re += f64::from(*v) * p.cos();
            im += f64::from(*v) * p.sin();
        }
        2.0 * (re * re + im * im).sqrt() / tail.len() as f64
    }

    #[test]
    fn a_tone_12_db_over_the_threshold_at_ratio_4_loses_9_db() {
        // A full-scale sine measures 10·log10(1/2) = −3.0103 dB on the RMS detector; the
        // threshold 12 dB below that, hard knee, ratio 4: 12 · (1 − 1/4) = 9 dB of reduction.
        let glue = [
            ("master_comp_threshold_db", -15.0103),
            ("master_comp_ratio", 4.0),
            ("master_comp_knee_db", 0.0),
            ("master_comp_attack_ms", 10.0),
            ("master_comp_release_ms", 200.0),
        ];
        let on = console(&glue, &[("master_comp", "on")]);
        let reduction = -20.0 * amplitude(&on).log10();
        eprintln!("bus compressor: {reduction:.3} dB of reduction (analytic 9)");
        assert!((reduction - 9.0).abs() < 0.5, "{reduction:.3} dB");
        // Makeup gain adds back after the reduction.
        let mut made_up = glue.to_vec();
        made_up.push(("master_comp_makeup_db", 4.0));
        let made_up = -20.0 * amplitude(&console(&made_up, &[("master_comp", "on")])).log10();
        assert!((made_up - 5.0).abs() < 0.5, "{made_up:.3} dB");
        // The peak detector hears the sine's peak, 0 dB: 15.0103 dB over, 11.26 dB of reduction.
        let peak = console(
            &glue,
            &[("master_comp", "on"), ("master_comp_detector", "peak")],
        );
        let peak = -20.0 * amplitude(&peak).log10();
        assert!((peak - 11.258).abs() < 0.5, "{peak:.3} dB");
        // Off (the default), the console passes the tone untouched.
        let off = amplitude(&console(&glue, &[]));
        assert!((off - 1.0).abs() < 1e-3, "{off}");
    }
}
