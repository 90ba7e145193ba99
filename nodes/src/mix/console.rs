//! `mixer.console`: the mixing desk. Up to 16 stereo channel strips (gain, balance pan, mute,
//! solo, up to 4 sends each, pre- or post-fader per return), up to 4 return buses, and a master
//! with a fader and a look-ahead limiter (the one `fx.limiter` uses; it delays the master by
//! 1.5 ms, which the node declares as its latency, so switching it rebuilds the node).
//! Meters — peak and RMS per channel; peak, RMS and momentary loudness (ITU-R BS.1770 K-weighting
//! over 400 ms) on the master — are published as readouts for the editor.
//!
//! Returns are feedback inputs: they hear the effect that a send feeds one block late (2.7 ms at
//! 128 frames), which lets send → effect → return loop back into this same node. Reverbs and
//! delays do not mind; do not use a return for parallel processing that must line up exactly.

use std::sync::LazyLock;

use yano_engine::node::ParamReader;
use yano_engine::param::{db_to_gain, ParamSpec, ParamValues, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::readout::Readouts;
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use super::pan::pan_gains;
use crate::fx::limiter::Limiter;

pub const KIND: &str = "mixer.console";
pub const MAX_CHANNELS: usize = 16;
pub const MAX_RETURNS: usize = 4;

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Parameter ids of one channel strip.
pub struct StripIds {
    pub name: &'static str,
    pub gain: &'static str,
    pub pan: &'static str,
    pub mute: &'static str,
    pub solo: &'static str,
    pub sends: [&'static str; MAX_RETURNS],
}

/// Made once per process: "ch3_gain_db", "ch3_send2_db" …
pub static STRIPS: LazyLock<Vec<StripIds>> = LazyLock::new(|| {
    (1..=MAX_CHANNELS)
        .map(|i| StripIds {
            name: leak(format!("ch{i}_name")),
            gain: leak(format!("ch{i}_gain_db")),
            pan: leak(format!("ch{i}_pan")),
            mute: leak(format!("ch{i}_mute")),
            solo: leak(format!("ch{i}_solo")),
            sends: std::array::from_fn(|r| leak(format!("ch{i}_send{}_db", r + 1))),
        })
        .collect()
});

static RETURNS: LazyLock<Vec<[&'static str; 2]>> = LazyLock::new(|| {
    (1..=MAX_RETURNS)
        .map(|r| [leak(format!("ret{r}_gain_db")), leak(format!("ret{r}_pre"))])
        .collect()
});

/// Readout names: ch1_peak_db, ch1_rms_db, … then the master's.
pub static METERS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut names: Vec<&'static str> = (1..=MAX_CHANNELS)
        .flat_map(|i| {
            [
                leak(format!("ch{i}_peak_db")),
                leak(format!("ch{i}_rms_db")),
            ]
        })
        .collect();
    names.extend(["master_peak_db", "master_rms_db", "master_lufs_m"]);
    names
});

// Parameter layout: 3 master params, then 9 per strip, then 2 per return.
const MASTER_GAIN: usize = 2;
const STRIP_BASE: usize = 3;
const PER_STRIP: usize = 5 + MAX_RETURNS;
const RETURN_BASE: usize = STRIP_BASE + PER_STRIP * MAX_CHANNELS;
const MASTER_CEILING: usize = RETURN_BASE + 2 * MAX_RETURNS + 1;
const MASTER_RELEASE: usize = MASTER_CEILING + 1;
/// Look-ahead of the master limiter.
const MASTER_LOOKAHEAD_MS: f64 = 1.5;

fn ports(p: &ParamReader<'_>) -> Vec<PortSpec> {
    let channels = p.number("channels").clamp(1.0, MAX_CHANNELS as f64) as usize;
    let returns = p.number("returns").clamp(0.0, MAX_RETURNS as f64) as usize;
    let mut ports: Vec<PortSpec> = (1..=channels)
        .map(|i| {
            PortSpec::input(
                format!("ch_{i}"),
                PortType::STEREO,
                "a channel strip's input",
            )
        })
        .collect();
    ports.extend((1..=returns).map(|r| {
        PortSpec::input(
            format!("ret_{r}"),
            PortType::STEREO,
            "a return bus (one block late)",
        )
        .feedback()
    }));
    ports.push(PortSpec::output("out", PortType::STEREO, "the master"));
    ports.extend((1..=returns).map(|r| {
        PortSpec::output(
            format!("send_{r}"),
            PortType::STEREO,
            "a send bus, to an effect",
        )
    }));
    ports
}

pub fn descriptor() -> NodeDescriptor {
    let mut params = vec![
        ParamSpec::integer(
            "channels",
            "channel strips (inputs ch_1 … ch_N)",
            1,
            MAX_CHANNELS as i64,
            8,
            Unit::Count,
        ),
        ParamSpec::integer(
            "returns",
            "send/return buses",
            0,
            MAX_RETURNS as i64,
            2,
            Unit::Count,
        ),
        ParamSpec::number(
            "master_gain_db",
            "master level",
            -96.0,
            12.0,
            0.0,
            Unit::Decibels,
        ),
    ];
    for s in STRIPS.iter() {
        params.push(ParamSpec::text(
            s.name,
            "channel name (stems are named after it)",
            "",
        ));
        params.push(ParamSpec::number(
            s.gain,
            "fader",
            -96.0,
            12.0,
            0.0,
            Unit::Decibels,
        ));
        params.push(ParamSpec::number(
            s.pan,
            "balance, -1 left … +1 right",
            -1.0,
            1.0,
            0.0,
            Unit::Pan,
        ));
        params.push(ParamSpec::choice(
            s.mute,
            "silence the channel",
            &["off", "on"],
            0,
        ));
        params.push(ParamSpec::choice(
            s.solo,
            "hear only soloed channels",
            &["off", "on"],
            0,
        ));
        for send in s.sends {
            params.push(ParamSpec::number(
                send,
                "send level (-96 = off)",
                -96.0,
                12.0,
                -96.0,
                Unit::Decibels,
            ));
        }
    }
    for r in RETURNS.iter() {
        params.push(ParamSpec::number(
            r[0],
            "return level",
            -96.0,
            12.0,
            0.0,
            Unit::Decibels,
        ));
        params.push(ParamSpec::choice(
            r[1],
            "send taken before or after the fader",
            &["post", "pre"],
            0,
        ));
    }
    // The master limiter's switch fixes the node's latency, so changing it rebuilds the node.
    params.push(
        ParamSpec::choice(
            "master_limiter",
            "look-ahead limiter on the master (adds 1.5 ms latency)",
            &["off", "on"],
            0,
        )
        .rebuilds(),
    );
    params.push(ParamSpec::number(
        "master_ceiling_db",
        "master limiter ceiling, between samples too",
        -24.0,
        0.0,
        -1.0,
        Unit::Decibels,
    ));
    params.push(ParamSpec::number(
        "master_release_ms",
        "master limiter release",
        1.0,
        2000.0,
        60.0,
        Unit::Milliseconds,
    ));
    NodeDescriptor {
        kind: KIND,
        description:
            "mixing desk: channel strips (fader, pan, mute, solo, sends), returns, master, meters",
        params,
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

/// One biquad section (direct form I), for the K-weighting.
#[derive(Clone, Copy, Default)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
    x: [f64; 2],
    y: [f64; 2],
}

impl Biquad {
    #[inline]
    fn tick(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// The two K-weighting stages of ITU-R BS.1770 (high shelf, then high-pass), for any sample rate
/// (the analogue prototypes used by libebur128).
fn k_weighting(sample_rate: f64) -> [Biquad; 2] {
    let (f0, gain_db, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (std::f64::consts::PI * f0 / sample_rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
        ..Biquad::default()
    };
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (std::f64::consts::PI * f0 / sample_rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
        ..Biquad::default()
    };
    [shelf, high_pass]
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let sr = f64::from(config.sample_rate);
    let blocks_400ms = ((0.4 * sr) / config.block_size as f64).round().max(1.0) as usize;
    Ok(Box::new(Console {
        meters: config.readouts(&METERS),
        mute_gain: heard_at_start(&config.params),
        mute_step: (1.0 / (0.005 * sr)) as f32,
        rms: [0.0; MAX_CHANNELS + 1],
        rms_coeff: (-(config.block_size as f64) / (0.3 * sr)).exp() as f32,
        k_filters: [k_weighting(sr), k_weighting(sr)],
        loudness_ring: vec![0.0; blocks_400ms].into_boxed_slice(),
        ring_pos: 0,
        limiter: (config.params.choice("master_limiter") == 1)
            .then(|| Limiter::new(config.sample_rate, MASTER_LOOKAHEAD_MS)),
    }))
}

/// Which channels are heard when the node is built (1) or muted (0), so a channel that starts
/// muted or un-soloed is silent from the first sample rather than gliding out.
fn heard_at_start(p: &ParamReader<'_>) -> [f32; MAX_CHANNELS] {
    let on = |id: &str| p.choice(id) == 1;
    let any_solo = STRIPS.iter().any(|s| on(s.solo));
    std::array::from_fn(|i| {
        let s = &STRIPS[i];
        if !on(s.mute) && (!any_solo || on(s.solo)) {
            1.0
        } else {
            0.0
        }
    })
}

struct Console {
    meters: Readouts,
    /// Per channel, 1 when heard, gliding to 0 over 5 ms when muted, so mutes never click.
    mute_gain: [f32; MAX_CHANNELS],
    mute_step: f32,
    /// Smoothed mean squares (300 ms), channels then master.
    rms: [f32; MAX_CHANNELS + 1],
    rms_coeff: f32,
    k_filters: [[Biquad; 2]; 2],
    /// K-weighted mean square of each of the last 400 ms of blocks.
    loudness_ring: Box<[f64]>,
    ring_pos: usize,
    /// The master limiter, when it is on.
    limiter: Option<Limiter>,
}

fn db(x: f32) -> f32 {
    if x > 1e-10 {
        20.0 * x.log10()
    } else {
        -200.0
    }
}

impl Processor for Console {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let channels = (ctx.param(0).last() as usize).clamp(1, MAX_CHANNELS);
        let returns = (ctx.param(1).last() as usize).min(MAX_RETURNS);
        let strip = |i: usize, k: usize| STRIP_BASE + PER_STRIP * i + k;
        let any_solo = (0..channels).any(|i| ctx.param(strip(i, 4)).last() >= 0.5);
        // Who is heard, and the mute glide of each channel over this block.
        let mut heard_from = [0f32; MAX_CHANNELS];
        let mut heard_to = [0f32; MAX_CHANNELS];
        for i in 0..channels {
            let heard = ctx.param(strip(i, 3)).last() < 0.5
                && (!any_solo || ctx.param(strip(i, 4)).last() >= 0.5);
            let target = if heard { 1.0 } else { 0.0 };
            heard_from[i] = self.mute_gain[i];
            let step = self.mute_step * frames as f32;
            self.mute_gain[i] = if target > heard_from[i] {
                (heard_from[i] + step).min(target)
            } else {
                (heard_from[i] - step).max(target)
            };
            heard_to[i] = self.mute_gain[i];
        }
        let gain_at = |v: &ParamValues<'_>, f: usize| db_to_gain(v.at(f));
        // Master: channel strips, then returns, then the master fader.
        {
            let (out_l, out_r) = ctx.audio_out_pair(0);
            out_l.fill(0.0);
            out_r.fill(0.0);
        }
        for i in 0..channels {
            if heard_from[i] == 0.0 && heard_to[i] == 0.0 {
                self.meter_channel(i, 0.0, 0.0);
                continue;
            }
            let (gain, pan) = (ctx.param(strip(i, 1)), ctx.param(strip(i, 2)));
            let (in_l, in_r) = (ctx.audio_in(i, 0), ctx.audio_in(i, 1));
            let (out_l, out_r) = ctx.audio_out_pair(0);
            let (mut peak, mut square) = (0f32, 0f32);
            // Gains and pans are worked out once per block unless they glide.
            let still = gain.is_constant() && pan.is_constant();
            let (mut g0, mut pans) = (gain_at(&gain, 0), pan_gains(pan.at(0), true));
            for f in 0..frames {
                if !still {
                    g0 = gain_at(&gain, f);
                    pans = pan_gains(pan.at(f), true);
                }
                let m = heard_from[i] + (heard_to[i] - heard_from[i]) * (f as f32 / frames as f32);
                let g = g0 * m;
                let (l, r) = (in_l[f] * g * pans.0, in_r[f] * g * pans.1);
                out_l[f] += l;
                out_r[f] += r;
                peak = peak.max(l.abs()).max(r.abs());
                square += 0.5 * (l * l + r * r);
            }
            self.meter_channel(i, peak, square / frames as f32);
        }
        for r in 0..returns {
            let gain = ctx.param(RETURN_BASE + 2 * r);
            let (in_l, in_r) = (ctx.audio_in(channels + r, 0), ctx.audio_in(channels + r, 1));
            let (out_l, out_r) = ctx.audio_out_pair(0);
            let g0 = gain_at(&gain, 0);
            for f in 0..frames {
                let g = if gain.is_constant() {
                    g0
                } else {
                    gain_at(&gain, f)
                };
                out_l[f] += in_l[f] * g;
                out_r[f] += in_r[f] * g;
            }
        }
        let master = ctx.param(MASTER_GAIN);
        let (ceiling, release) = (ctx.param(MASTER_CEILING), ctx.param(MASTER_RELEASE).last());
        let (out_l, out_r) = ctx.audio_out_pair(0);
        let master_still = gain_at(&master, 0);
        for f in 0..frames {
            let g = if master.is_constant() {
                master_still
            } else {
                gain_at(&master, f)
            };
            out_l[f] *= g;
            out_r[f] *= g;
        }
        if let Some(limiter) = self.limiter.as_mut() {
            limiter.limit(out_l, out_r, ceiling, release);
        }
        let (mut peak, mut square, mut weighted) = (0f32, 0f32, 0f64);
        for f in 0..frames {
            peak = peak.max(out_l[f].abs()).max(out_r[f].abs());
            square += 0.5 * (out_l[f] * out_l[f] + out_r[f] * out_r[f]);
            for (c, x) in [out_l[f], out_r[f]].into_iter().enumerate() {
                let [a, b] = &mut self.k_filters[c];
                let k = b.tick(a.tick(f64::from(x)));
                weighted += k * k;
            }
        }
        self.meter_master(peak, square / frames as f32, weighted / frames as f64);
        // Sends: each bus sums the heard channels at their send level, before or after the fader.
        for r in 0..returns {
            let pre = ctx.param(RETURN_BASE + 2 * r + 1).last() >= 0.5;
            let out_index = 1 + r;
            {
                let (s_l, s_r) = ctx.audio_out_pair(out_index);
                s_l.fill(0.0);
                s_r.fill(0.0);
            }
            for i in 0..channels {
                let send = ctx.param(strip(i, 5 + r));
                if send.is_constant() && send.at(0) <= -96.0
                    || heard_from[i] == 0.0 && heard_to[i] == 0.0
                {
                    continue;
                }
                let (gain, pan) = (ctx.param(strip(i, 1)), ctx.param(strip(i, 2)));
                let (in_l, in_r) = (ctx.audio_in(i, 0), ctx.audio_in(i, 1));
                let (s_l, s_r) = ctx.audio_out_pair(out_index);
                // Levels are worked out once per block unless something glides.
                let still = send.is_constant() && gain.is_constant() && pan.is_constant();
                let level = |f: usize| {
                    let (fader, pans) = if pre {
                        (1.0, (1.0, 1.0))
                    } else {
                        (gain_at(&gain, f), pan_gains(pan.at(f), true))
                    };
                    (gain_at(&send, f) * fader, pans)
                };
                let (mut g0, mut pans) = level(0);
                for f in 0..frames {
                    if !still {
                        (g0, pans) = level(f);
                    }
                    let m =
                        heard_from[i] + (heard_to[i] - heard_from[i]) * (f as f32 / frames as f32);
                    let g = g0 * m;
                    s_l[f] += in_l[f] * g * pans.0;
                    s_r[f] += in_r[f] * g * pans.1;
                }
            }
        }
    }

    /// Control thread: the master limiter's look-ahead, when it is on.
    fn latency(&self) -> u32 {
        self.limiter.as_ref().map_or(0, |l| l.latency())
    }

    fn reset(&mut self) {
        if let Some(l) = self.limiter.as_mut() {
            l.clear();
        }
        self.rms = [0.0; MAX_CHANNELS + 1];
        self.loudness_ring.fill(0.0);
    }
}

impl Console {
    fn meter_channel(&mut self, i: usize, peak: f32, mean_square: f32) {
        self.rms[i] = self.rms_coeff * self.rms[i] + (1.0 - self.rms_coeff) * mean_square;
        self.meters.set(2 * i, db(peak));
        self.meters.set(2 * i + 1, 0.5 * db(self.rms[i]));
    }

    fn meter_master(&mut self, peak: f32, mean_square: f32, weighted: f64) {
        let m = MAX_CHANNELS;
        self.rms[m] = self.rms_coeff * self.rms[m] + (1.0 - self.rms_coeff) * mean_square;
        self.meters.set(2 * m, db(peak));
        self.meters.set(2 * m + 1, 0.5 * db(self.rms[m]));
        if let Some(slot) = self.loudness_ring.get_mut(self.ring_pos) {
            *slot = weighted;
        }
        self.ring_pos = (self.ring_pos + 1) % self.loudness_ring.len().max(1);
        let mean = self.loudness_ring.iter().sum::<f64>() / self.loudness_ring.len().max(1) as f64;
        let lufs = if mean > 1e-20 {
            -0.691 + 10.0 * mean.log10()
        } else {
            -200.0
        };
        self.meters.set(2 * m + 2, lufs as f32);
    }
}

/// The graphs of a stem render: the mix, then each channel of the first mixer soloed, named after
/// the channel (its `chN_name`, or `chN`).
pub fn stem_graphs(
    graph: &yano_engine::Graph,
    registry: &yano_engine::Registry,
) -> Result<Vec<(String, yano_engine::Graph)>, String> {
    let mixer = graph
        .nodes()
        .map(|(_, n)| n)
        .find(|n| n.kind == KIND)
        .ok_or("--stems needs a mixer.console node: stems are its channels")?;
    let descriptor = registry
        .get(&mixer.kind)
        .ok_or("the mixer kind is not registered")?;
    let values = mixer.values_for(descriptor);
    let reader = yano_engine::node::ParamReader {
        specs: &descriptor.params,
        values: &values,
    };
    let channels = reader.number("channels") as usize;
    let mut jobs = vec![("mix".to_string(), graph.clone())];
    for (i, ids) in STRIPS.iter().enumerate().take(channels) {
        let name = reader.text(ids.name);
        let name = if name.trim().is_empty() {
            format!("ch{}", i + 1)
        } else {
            name.trim().replace(['/', '\\'], "-")
        };
        let mut solo = graph.clone();
        solo.set_param(
            &mixer.id,
            ids.solo,
            yano_engine::ParamValue::Text("on".into()),
            registry,
        )
        .map_err(|e| e.to_string())?;
        jobs.push((name, solo));
    }
    Ok(jobs)
}

#[cfg(test)]
mod tests {
    use std::f64::consts::TAU;
    use std::sync::Arc;

    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::{Session, Transport};

    /// Sines into the mixer's channels (freq, gain_db each), `params` on the mixer, `listen` routed
    /// to the output; runs 2 s and returns (left, right, the session for its meters).
    fn mix(
        sines: &[(f64, f64)],
        params: &[(&str, &str)],
        numbers: &[(&str, f64)],
        listen: &str,
    ) -> (Vec<f32>, Vec<f32>, Session) {
        let r = Arc::new(crate::registry());
        let mut g = Graph::new(Transport::default());
        let mut spec = NodeSpec::new("mix", super::KIND).with("channels", sines.len() as f64);
        for (k, v) in params {
            spec = spec.with(k, *v);
        }
        for (k, v) in numbers {
            spec = spec.with(k, *v);
        }
        g.add_node(spec, &r).unwrap();
        for (i, (f, gain)) in sines.iter().enumerate() {
            let id = format!("osc{i}");
            g.add_node(
                NodeSpec::new(id.clone(), "source.oscillator")
                    .with("freq_hz", *f)
                    .with("gain_db", *gain),
                &r,
            )
            .unwrap();
            g.connect(&format!("{id}.out"), &format!("mix.ch_{}", i + 1), &r)
                .unwrap();
        }
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect(&format!("mix.{listen}"), "out.in", &r).unwrap();
        let (session, mut runtime) = Session::start(g, r, 128, 1).unwrap();
        let (mut l, mut rr) = (Vec::new(), Vec::new());
        for _ in 0..750 {
            runtime.process_block();
            l.extend_from_slice(runtime.main_out().0);
            rr.extend_from_slice(runtime.main_out().1);
        }
        (l, rr, session)
    }

    /// Amplitude of `freq` in the last 0.25 s (whole cycles of the test tones).
    fn level(x: &[f32], freq: f64) -> f64 {
        let tail = &x[x.len() - 11_904..]; // 31 × 384 samples: whole cycles of 375, 500, 1000 and 1500 Hz
        let (mut re, mut im) = (0.0, 0.0);
        for (n, v) in tail.iter().enumerate() {
            let p = TAU * freq * n as f64 / 48_000.0;
            re += f64::from(*v) * p.cos();
            im += f64::from(*v) * p.sin();
        }
        2.0 * (re * re + im * im).sqrt() / tail.len() as f64
    }

    #[test]
    fn balance_pan_keeps_the_centre_at_unity() {
        let (l, r, _) = mix(&[(1000.0, 0.0)], &[], &[("ch1_pan", -1.0)], "out");
        assert!(
            (level(&l, 1000.0) - 1.0).abs() < 1e-3 && level(&r, 1000.0) < 1e-4,
            "hard left"
        );
        let (l, r, _) = mix(&[(1000.0, 0.0)], &[], &[("ch1_pan", 0.5)], "out");
        let want = (2f64.sqrt() * (0.75 * std::f64::consts::FRAC_PI_2).cos()).min(1.0);
        assert!((level(&l, 1000.0) - want).abs() < 1e-3 && (level(&r, 1000.0) - 1.0).abs() < 1e-3);
        let (l, r, _) = mix(&[(1000.0, 0.0)], &[], &[("ch1_gain_db", -6.0206)], "out");
        assert!(
            (level(&l, 1000.0) - 0.5).abs() < 1e-3 && (level(&r, 1000.0) - 0.5).abs() < 1e-3,
            "fader"
        );
    }

    #[test]
    fn mute_and_solo() {
        let tones = [(500.0, 0.0), (1500.0, 0.0)];
        let heard = |params: &[(&str, &str)]| {
            let (l, _, _) = mix(&tones, params, &[], "out");
            (level(&l, 500.0) > 0.5, level(&l, 1500.0) > 0.5)
        };
        assert_eq!(heard(&[]), (true, true));
        assert_eq!(heard(&[("ch1_mute", "on")]), (false, true));
        assert_eq!(heard(&[("ch2_solo", "on")]), (false, true));
        assert_eq!(
            heard(&[("ch1_solo", "on"), ("ch2_solo", "on")]),
            (true, true)
        );
        assert_eq!(
            heard(&[("ch2_solo", "on"), ("ch2_mute", "on")]),
            (false, false),
            "mute wins over solo"
        );
    }

    #[test]
    fn sends_are_post_fader_unless_pre() {
        let numbers = [("ch1_gain_db", -6.0206), ("ch1_send1_db", -6.0206)];
        let (l, _, _) = mix(&[(1000.0, 0.0)], &[], &numbers, "send_1");
        assert!(
            (level(&l, 1000.0) - 0.25).abs() < 1e-3,
            "post: fader and send"
        );
        let (l, _, _) = mix(&[(1000.0, 0.0)], &[("ret1_pre", "pre")], &numbers, "send_1");
        assert!((level(&l, 1000.0) - 0.5).abs() < 1e-3, "pre: send only");
        let (l, _, _) = mix(&[(1000.0, 0.0)], &[("ch1_mute", "on")], &numbers, "send_1");
        assert!(level(&l, 1000.0) < 1e-4, "a muted channel sends nothing");
    }

    #[test]
    fn a_return_arrives_one_block_late() {
        // 375 Hz has a period of exactly 128 samples: the return, one block late, adds in phase.
        let r = Arc::new(crate::registry());
        let mut g = Graph::new(Transport::default());
        g.add_node(
            NodeSpec::new("mix", super::KIND)
                .with("channels", 1.0)
                .with("returns", 1.0)
                .with("ch1_send1_db", -6.0206),
            &r,
        )
        .unwrap();
        g.add_node(
            NodeSpec::new("osc", "source.oscillator")
                .with("freq_hz", 375.0)
                .with("gain_db", 0.0),
            &r,
        )
        .unwrap();
        g.add_node(NodeSpec::new("fx", "util.gain"), &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        for (a, b) in [
            ("osc.out", "mix.ch_1"),
            ("mix.send_1", "fx.in"),
            ("fx.out", "mix.ret_1"),
            ("mix.out", "out.in"),
        ] {
            g.connect(a, b, &r).unwrap();
        }
        let audio = yano_engine::render::render(
            &g,
            r,
            yano_engine::render::RenderOptions {
                seconds: 0.5,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            (level(&audio.left, 375.0) - 1.5).abs() < 1e-3,
            "{}",
            level(&audio.left, 375.0)
        );
    }

    #[test]
    fn meters_read_known_signals() {
        // A 1 kHz sine at amplitude 0.5 on both channels: peak −6.02 dBFS, RMS −9.03 dBFS, and
        // (BS.1770: K-weighting is +0.69 dB at 1 kHz, cancelled by the −0.691 offset) −6.02 LUFS.
        let (_, _, session) = mix(&[(1000.0, -6.0206)], &[], &[], "out");
        let m = session.readouts("mix").unwrap();
        let get = |n: &str| m.by_name(n).unwrap();
        assert!(
            (get("master_peak_db") + 6.02).abs() < 0.05,
            "{}",
            get("master_peak_db")
        );
        assert!(
            (get("master_rms_db") + 9.03).abs() < 0.1,
            "{}",
            get("master_rms_db")
        );
        assert!(
            (get("master_lufs_m") + 6.02).abs() < 0.1,
            "{}",
            get("master_lufs_m")
        );
        assert!((get("ch1_peak_db") + 6.02).abs() < 0.05);
    }

    #[test]
    fn the_master_limiter_holds_the_ceiling_and_declares_its_latency() {
        // A full-scale sine pushed 12 dB hot into a master limiter with a -1 dB ceiling.
        let params = [("master_limiter", "on")];
        let (l, r, _) = mix(
            &[(1000.0, 0.0)],
            &params,
            &[("master_gain_db", 12.0)],
            "out",
        );
        let peak = l.iter().chain(&r).fold(0f32, |m, x| m.max(x.abs()));
        assert!(
            20.0 * peak.log10() <= -1.0 + 1e-4,
            "peak {:.3} dBFS",
            20.0 * peak.log10()
        );
        assert!(
            20.0 * peak.log10() > -2.0,
            "and it still sounds loud: {:.3} dBFS",
            20.0 * peak.log10()
        );
        let r = Arc::new(crate::registry());
        let mut g = Graph::new(Transport::default());
        g.add_node(
            NodeSpec::new("mix", super::KIND).with("master_limiter", "on"),
            &r,
        )
        .unwrap();
        let stats = yano_engine::Compiler::new(r, 128)
            .compile(&g)
            .unwrap()
            .stats;
        assert_eq!(stats.max_latency, 72, "1.5 ms at 48 kHz");
    }
}
