//! `mixer.console`: the mixing desk. Up to 16 stereo channel strips (gain, balance pan, mute,
//! solo, up to 4 sends each, pre- or post-fader per return), up to 4 return buses, and a master
//! with a fader, a bus compressor (glue, off by default: see [`super::bus_compressor`]) and a
//! look-ahead limiter (the one `fx.limiter` uses; it delays the master by 1.5 ms, which the node
//! declares as its latency, so switching it rebuilds the node).
//! Meters — peak and RMS per channel; peak, RMS and momentary loudness (ITU-R BS.1770 K-weighting
//! over 400 ms) on the master — are published as readouts for the editor (see [`super::meters`]).
//!
//! Stems in one pass: with `stem_outs` on, outputs `stem_1` … `stem_N` carry each channel exactly
//! as it is added into the master sum (after fader, pan and the mute/solo glide), and
//! `stem_returns` the returns' share, each scaled by the master fader and by the gains the bus
//! compressor and the master limiter applied, and delayed by the limiter's look-ahead: they line
//! up with `out` sample for sample and sum to it (only the limiter's final safety clamp at the
//! ceiling can differ).
//!
//! Returns are feedback inputs: they hear the effect that a send feeds one block late (2.7 ms at
//! 128 frames), which lets send → effect → return loop back into this same node. Reverbs and
//! delays do not mind; do not use a return for parallel processing that must line up exactly.

use yano_engine::node::ParamReader;
use yano_engine::param::{db_to_gain, ParamError, ParamHandle, ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use super::master::{self, Master, MasterKnobs};
use super::meters::Meters;
pub use super::meters::METERS;
use super::stem_outs::{Stems, RETURNS_STEM};
use super::strips::{
    channel_strip, leveled, return_bus, return_ids, Into, ReturnParams, StripIds, StripParams,
};
use super::{MAX_CHANNELS, MAX_RETURNS};
use crate::util::pan::pan_gains;

pub const KIND: &str = "mixer.console";

/// Everything the console reads on the audio thread, resolved by id when it is built.
#[derive(Debug, Clone, Copy)]
struct Knobs {
    channels: ParamHandle,
    returns: ParamHandle,
    master: MasterKnobs,
    strips: [StripParams; MAX_CHANNELS],
    buses: [ReturnParams; MAX_RETURNS],
}

impl Knobs {
    fn resolve(config: &NodeConfig<'_>) -> Result<Self, NodeError> {
        let mut strips = Vec::with_capacity(MAX_CHANNELS);
        for i in 1..=MAX_CHANNELS {
            strips.push(StripParams::resolve(config, &StripIds::of(i))?);
        }
        let mut buses = Vec::with_capacity(MAX_RETURNS);
        for r in 1..=MAX_RETURNS {
            let [gain, pre] = return_ids(r);
            buses.push(ReturnParams {
                gain: config.param(&gain)?,
                pre: config.param(&pre)?,
            });
        }
        Ok(Knobs {
            channels: config.param("channels")?,
            returns: config.param("returns")?,
            master: MasterKnobs::resolve(config)?,
            strips: strips
                .try_into()
                .map_err(|_| NodeError::new("a strip per channel"))?,
            buses: buses
                .try_into()
                .map_err(|_| NodeError::new("a bus per return"))?,
        })
    }
}

fn ports(p: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
    let channels = p.number("channels")?.clamp(1.0, MAX_CHANNELS as f64) as usize;
    let returns = p.number("returns")?.clamp(0.0, MAX_RETURNS as f64) as usize;
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
    if p.choice("stem_outs")? == 1 {
        ports.extend((1..=channels).map(|i| {
            PortSpec::output(
                format!("stem_{i}"),
                PortType::STEREO,
                format!("channel {i} as it reaches the master (for stems)"),
            )
        }));
        if returns > 0 {
            ports.push(PortSpec::output(
                "stem_returns",
                PortType::STEREO,
                "the returns as they reach the master (for stems)",
            ));
        }
    }
    Ok(ports)
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
    for i in 1..=MAX_CHANNELS {
        let s = StripIds::of(i);
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
    for r in 1..=MAX_RETURNS {
        let [gain, pre] = return_ids(r);
        params.push(ParamSpec::number(
            gain,
            "return level",
            -96.0,
            12.0,
            0.0,
            Unit::Decibels,
        ));
        params.push(ParamSpec::choice(
            pre,
            "send taken before or after the fader",
            &["post", "pre"],
            0,
        ));
    }
    params.extend(master::params());
    // Stem outputs need delay lines as long as the limiter's look-ahead, allocated when built.
    params.push(
        ParamSpec::choice(
            "stem_outs",
            "outputs stem_1 … stem_N and stem_returns: each channel as it reaches the master, \
             lined up with out and summing to it",
            &["off", "on"],
            0,
        )
        .rebuilds(),
    );
    NodeDescriptor {
        kind: KIND,
        description:
            "mixing desk: channel strips (fader, pan, mute, solo, sends), returns, master, meters",
        params,
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let master = Master::new(config)?;
    let stems = (config.params.choice("stem_outs")? == 1)
        .then(|| Stems::new(config.block_size, master.latency() as usize));
    Ok(Box::new(Console {
        knobs: Knobs::resolve(config)?,
        meters: Meters::new(config),
        mute_gain: heard_at_start(&config.params)?,
        mute_step: (1.0 / (0.005 * f64::from(config.sample_rate))) as f32,
        master,
        stems,
    }))
}

/// Which channels are heard when the node is built (1) or muted (0), so a channel that starts
/// muted or un-soloed is silent from the first sample rather than gliding out.
fn heard_at_start(p: &ParamReader<'_>) -> Result<[f32; MAX_CHANNELS], ParamError> {
    let mut switches = [(false, false); MAX_CHANNELS];
    for (i, s) in switches.iter_mut().enumerate() {
        let ids = StripIds::of(i + 1);
        *s = (p.choice(&ids.mute)? == 1, p.choice(&ids.solo)? == 1);
    }
    let any_solo = switches.iter().any(|s| s.1);
    Ok(switches.map(|(muted, soloed)| {
        if !muted && (!any_solo || soloed) {
            1.0
        } else {
            0.0
        }
    }))
}

struct Console {
    knobs: Knobs,
    meters: Meters,
    /// Per channel, 1 when heard, gliding to 0 over 5 ms when muted, so mutes never click.
    mute_gain: [f32; MAX_CHANNELS],
    mute_step: f32,
    /// The master's fader and dynamics.
    master: Master,
    /// The stem outputs' state, when they are on.
    stems: Option<Stems>,
}

impl Processor for Console {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let k = self.knobs;
        let channels = (ctx.param(k.channels).last() as usize).clamp(1, MAX_CHANNELS);
        let returns = (ctx.param(k.returns).last() as usize).min(MAX_RETURNS);
        let strips = &k.strips[..channels];
        let any_solo = strips.iter().any(|s| ctx.param(s.solo).last() >= 0.5);
        // Who is heard, and the mute glide of each channel over this block.
        let mut heard = [(0f32, 0f32); MAX_CHANNELS];
        for (i, (heard, strip)) in heard.iter_mut().zip(strips).enumerate() {
            let on = ctx.param(strip.mute).last() < 0.5
                && (!any_solo || ctx.param(strip.solo).last() >= 0.5);
            let target = if on { 1.0 } else { 0.0 };
            let from = self.mute_gain[i];
            let step = self.mute_step * frames as f32;
            self.mute_gain[i] = if target > from {
                (from + step).min(target)
            } else {
                (from - step).max(target)
            };
            *heard = (from, self.mute_gain[i]);
        }
        // Master: channel strips, then returns, then the master fader.
        {
            let (out_l, out_r) = ctx.audio_out_pair(0);
            out_l.fill(0.0);
            out_r.fill(0.0);
        }
        for (i, (&heard, strip)) in heard.iter().zip(strips).enumerate() {
            if heard == (0.0, 0.0) {
                self.meters.channel(i, 0.0, 0.0);
                continue;
            }
            let (gain, pan) = (ctx.param(strip.gain), ctx.param(strip.pan));
            let input = (ctx.audio_in(i, 0), ctx.audio_in(i, 1));
            let out = ctx.audio_out_pair(0);
            let (peak, square) = channel_strip(gain, pan, heard, input, out, Into::Add, true);
            self.meters.channel(i, peak, square / frames as f32);
        }
        for (r, bus) in k.buses.iter().enumerate().take(returns) {
            let gain = ctx.param(bus.gain);
            let input = (ctx.audio_in(channels + r, 0), ctx.audio_in(channels + r, 1));
            return_bus(gain, input, ctx.audio_out_pair(0));
        }
        self.master.process(ctx, &k.master, self.stems.as_mut());
        let (out_l, out_r) = ctx.audio_out_pair(0);
        self.meters.master(out_l, out_r);
        self.sends(ctx, channels, returns, &heard);
        if self.stems.is_some() {
            self.write_stems(ctx, channels, returns, &heard);
        }
    }

    /// Control thread: the master limiter's look-ahead, when it is on.
    fn latency(&self) -> u32 {
        self.master.latency()
    }

    fn reset(&mut self) {
        self.master.clear();
        if let Some(s) = self.stems.as_mut() {
            s.clear();
        }
        self.meters.reset();
    }
}

impl Console {
    /// Audio thread: each send bus sums the heard channels at their send level, before or after
    /// the fader.
    fn sends(
        &self,
        ctx: &mut ProcessContext<'_>,
        channels: usize,
        returns: usize,
        heard: &[(f32, f32); MAX_CHANNELS],
    ) {
        let k = &self.knobs;
        for (r, bus) in k.buses.iter().enumerate().take(returns) {
            let pre = ctx.param(bus.pre).last() >= 0.5;
            let out_index = 1 + r;
            {
                let (s_l, s_r) = ctx.audio_out_pair(out_index);
                s_l.fill(0.0);
                s_r.fill(0.0);
            }
            for (i, (&heard, strip)) in heard.iter().zip(&k.strips[..channels]).enumerate() {
                let send = ctx.param(strip.sends[r]);
                if send.is_constant() && send.at(0) <= -96.0 || heard == (0.0, 0.0) {
                    continue;
                }
                let (gain, pan) = (ctx.param(strip.gain), ctx.param(strip.pan));
                let input = (ctx.audio_in(i, 0), ctx.audio_in(i, 1));
                let out = ctx.audio_out_pair(out_index);
                // Levels are worked out once per block unless something glides.
                let still = send.is_constant() && gain.is_constant() && pan.is_constant();
                let level = |f: usize| {
                    let (fader, pans) = if pre {
                        (1.0, (1.0, 1.0))
                    } else {
                        (db_to_gain(gain.at(f)), pan_gains(pan.at(f), true))
                    };
                    (db_to_gain(send.at(f)) * fader, pans)
                };
                leveled(level, still, heard, input, out, Into::Add, false);
            }
        }
    }

    /// Audio thread (stem outputs on): each channel's stem, then the returns', worked out again
    /// from the inputs exactly as for the master sum, then taken through the master fader and
    /// the limiter's delay and gain by [`Stems::finish`].
    fn write_stems(
        &mut self,
        ctx: &mut ProcessContext<'_>,
        channels: usize,
        returns: usize,
        heard: &[(f32, f32); MAX_CHANNELS],
    ) {
        let Some(stems) = self.stems.as_mut() else {
            return;
        };
        let frames = ctx.frames();
        let k = &self.knobs;
        let master = ctx.param(k.master.gain);
        let first = 1 + returns;
        for (i, (&heard, strip)) in heard.iter().zip(&k.strips[..channels]).enumerate() {
            let (gain, pan) = (ctx.param(strip.gain), ctx.param(strip.pan));
            let input = (ctx.audio_in(i, 0), ctx.audio_in(i, 1));
            let (s_l, s_r) = ctx.audio_out_pair(first + i);
            s_l.fill(0.0);
            s_r.fill(0.0);
            if heard != (0.0, 0.0) {
                let out = (&mut s_l[..], &mut s_r[..]);
                channel_strip(gain, pan, heard, input, out, Into::Set, false);
            }
            stems.finish(i, s_l, s_r, master);
        }
        if returns > 0 {
            let port = first + channels;
            {
                let (s_l, s_r) = ctx.audio_out_pair(port);
                s_l.fill(0.0);
                s_r.fill(0.0);
            }
            for (r, bus) in k.buses.iter().enumerate().take(returns) {
                let gain = ctx.param(bus.gain);
                let input = (ctx.audio_in(channels + r, 0), ctx.audio_in(channels + r, 1));
                return_bus(gain, input, ctx.audio_out_pair(port));
            }
            let (s_l, s_r) = ctx.audio_out_pair(port);
            stems.finish(RETURNS_STEM, s_l, s_r, master);
        }
        stems.end_block(frames, |k| k < channels || k == RETURNS_STEM && returns > 0);
    }
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
    fn every_strip_and_bus_resolves_to_its_own_parameters() {
        let d = super::descriptor();
        let values: Vec<_> = d.params.iter().map(|p| p.default_value()).collect();
        let config = super::NodeConfig {
            id: "mix",
            params: d.reader(&values),
            sample_rate: 48_000,
            block_size: 128,
            transport: yano_engine::Transport::default(),
            base_dir: None,
            readouts: None,
        };
        let k = super::Knobs::resolve(&config).unwrap();
        let last = &k.strips[super::MAX_CHANNELS - 1];
        assert_eq!(k.master.gain, d.handle("master_gain_db").unwrap());
        assert_eq!(
            last.sends[super::MAX_RETURNS - 1],
            d.handle("ch16_send4_db").unwrap()
        );
        assert_eq!(k.buses[0].gain, d.handle("ret1_gain_db").unwrap());
        // No two knobs share a parameter.
        let all: Vec<_> = k
            .strips
            .iter()
            .flat_map(|s| [s.gain, s.pan, s.mute, s.solo].into_iter().chain(s.sends))
            .chain(k.buses.iter().flat_map(|b| [b.gain, b.pre]))
            .chain([k.channels, k.returns])
            .chain(k.master.all())
            .collect();
        let distinct: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
        assert!(d.param("stem_outs").is_some_and(|p| p.rebuilds));
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
