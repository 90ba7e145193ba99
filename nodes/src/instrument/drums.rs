//! `instrument.drums`: a synthesized amapiano drum kit on General MIDI drum notes, following
//! AMAPIANO.md "Drums and percussion" (voice sounds) and the mix rule "shakers panned ±30 %".
//!
//! Note map (General MIDI): 36 kick, 37 rim, 39 clap, 45 low tom, 46 open hat, 63 high conga
//! (open high conga), 64 low conga, 70 shaker (maracas). Other notes are silent; Note Off is
//! ignored (every voice is a one-shot).
//!
//! Every voice has a level, a pitch or tone, and a decay (`<voice>_db`, `_tune_hz`/`_tone_hz`,
//! `_decay_ms`), read when it is hit; `shaker_pan` and `gain_db` complete the set.
//! - kick: sine sweeping 150 → 52 Hz in 40 ms (the sweep scales with `kick_tune_hz`), decay 180 ms;
//! - shaker: noise high-passed at 6 kHz (4th-order), attack 5 ms, decay 50 ms, panned +30 %;
//! - open hat: noise and six detuned squares (808-style metal) high-passed at 7 kHz, decay 120 ms;
//! - clap: three noise bursts 11 ms apart, the last one ringing out as the tail, band-passed 1.4 kHz;
//! - rim: a short noise click and a 1.7 kHz tone; congas and tom: pitched membranes with a short
//!   pitch drop (low conga 200 Hz, high 330 Hz, tom 100 Hz) and a soft slap.
//!
//! Every decay is a T60: the time the level takes to fall 60 dB from its peak. Velocity scales the
//! amplitude linearly (0.5 → −6 dB); `gain_db` glides.
//! A new hit of a sounding voice starts in a second slot while the old one fades out over 3 ms,
//! so retriggers never click. Noise comes from one xorshift generator per voice, seeded in the
//! constructor: renders are deterministic and do not depend on the block size.

use std::f32::consts::{FRAC_PI_4, LN_10, SQRT_2, TAU};

use crate::fx::biquad::{Biquad, BiquadFilter, Shape};
use yano_engine::event::spans;
use yano_engine::param::{ParamHandle, ParamSpec, ParamValues, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteKind, PortLayout, ProcessContext, Processor,
};

use crate::db_to_gain;

pub const KIND: &str = "instrument.drums";

/// The General MIDI notes this kit answers, and their voices.
const MAP: [(u8, Drum); 8] = [
    (36, Drum::Kick),
    (37, Drum::Rim),
    (39, Drum::Clap),
    (45, Drum::Tom),
    (46, Drum::OpenHat),
    (63, Drum::HighConga),
    (64, Drum::LowConga),
    (70, Drum::Shaker),
];

/// Each voice's level, pitch or tone, and decay parameter, in `MAP` order.
const VOICE_IDS: [[&str; 3]; MAP.len()] = [
    ["kick_db", "kick_tune_hz", "kick_decay_ms"],
    ["rim_db", "rim_tone_hz", "rim_decay_ms"],
    ["clap_db", "clap_tone_hz", "clap_decay_ms"],
    ["tom_db", "tom_tune_hz", "tom_decay_ms"],
    ["hat_db", "hat_tone_hz", "hat_decay_ms"],
    ["conga_high_db", "conga_high_tune_hz", "conga_high_decay_ms"],
    ["conga_low_db", "conga_low_tune_hz", "conga_low_decay_ms"],
    ["shaker_db", "shaker_tone_hz", "shaker_decay_ms"],
];

/// Kick sweep: starts at tune × 150/52 and lands on the tune after 40 ms.
const KICK_SWEEP_RATIO: f32 = 150.0 / 52.0;
const KICK_SWEEP_MS: f32 = 40.0;
/// A retriggered voice fades out over this long.
const FADE_MS: f32 = 3.0;
/// Level (relative to the peak) below which a voice stops: −90 dB.
const SILENT: f32 = 3.0e-5;
/// Voices render in chunks this long, so they stop soon after going silent (and never denormal).
const CHUNK: usize = 64;

/// A number parameter whose unit follows its id's suffix (levels reach −96 dB = off).
fn param(id: &'static str, description: &'static str, min: f64, max: f64, def: f64) -> ParamSpec {
    let unit = match id.rsplit('_').next() {
        Some("db") => Unit::Decibels,
        Some("ms") => Unit::Milliseconds,
        Some("hz") => Unit::Hertz,
        _ => Unit::Pan,
    };
    ParamSpec::number(id, description, min, max, def, unit)
}

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "synthesized amapiano drum kit on GM notes: 36 kick, 37 rim, 39 clap, \
                      45 low tom, 46 open hat, 63 high conga, 64 low conga, 70 shaker",
        params: vec![
            param("gain_db", "level of the whole kit", -96.0, 12.0, 0.0),
            param("kick_db", "kick level", -96.0, 12.0, -4.0),
            param("kick_tune_hz", "kick landing pitch", 30.0, 100.0, 52.0),
            param("kick_decay_ms", "kick decay (T60)", 30.0, 2000.0, 180.0),
            param("rim_db", "rim level", -96.0, 12.0, -12.0),
            param("rim_tone_hz", "rim ring pitch", 500.0, 5000.0, 1700.0),
            param("rim_decay_ms", "rim ring (T60)", 5.0, 1000.0, 40.0),
            param("clap_db", "clap level", -96.0, 12.0, -10.0),
            param("clap_tone_hz", "clap band centre", 500.0, 5000.0, 1400.0),
            param("clap_decay_ms", "clap tail (T60)", 20.0, 2000.0, 200.0),
            param("tom_db", "low tom level", -96.0, 12.0, -8.0),
            param("tom_tune_hz", "low tom pitch", 50.0, 300.0, 100.0),
            param("tom_decay_ms", "low tom decay (T60)", 20.0, 2000.0, 300.0),
            param("hat_db", "open hat level", -96.0, 12.0, -16.0),
            param("hat_tone_hz", "open hat high-pass", 2000.0, 16000.0, 7000.0),
            param("hat_decay_ms", "open hat decay (T60)", 10.0, 2000.0, 120.0),
            param("conga_high_db", "high conga level", -96.0, 12.0, -10.0),
            param(
                "conga_high_tune_hz",
                "high conga pitch",
                150.0,
                800.0,
                330.0,
            ),
            param(
                "conga_high_decay_ms",
                "high conga (T60)",
                20.0,
                2000.0,
                220.0,
            ),
            param("conga_low_db", "low conga level", -96.0, 12.0, -10.0),
            param("conga_low_tune_hz", "low conga pitch", 100.0, 500.0, 200.0),
            param("conga_low_decay_ms", "low conga (T60)", 20.0, 2000.0, 250.0),
            param("shaker_db", "shaker level", -96.0, 12.0, -16.0),
            param(
                "shaker_tone_hz",
                "shaker high-pass",
                2000.0,
                16000.0,
                6000.0,
            ),
            param("shaker_decay_ms", "shaker decay (T60)", 5.0, 1000.0, 50.0),
            param("shaker_pan", "shaker pan, -1 … +1", -1.0, 1.0, 0.3),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("notes", PortType::Events, "hits on General MIDI drum notes"),
            PortSpec::output("out", PortType::STEREO, "the kit"),
        ]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let mut voices = Vec::with_capacity(MAP.len());
    for [level, pitch, decay] in VOICE_IDS {
        voices.push([
            config.param(level)?,
            config.param(pitch)?,
            config.param(decay)?,
        ]);
    }
    let voices: [[ParamHandle; 3]; MAP.len()] = voices
        .try_into()
        .map_err(|_| NodeError::new("one row of parameters per drum"))?;
    let mut kit = Drums {
        knobs: Knobs {
            gain: config.param("gain_db")?,
            shaker_pan: config.param("shaker_pan")?,
            voices,
        },
        voices: [Voice::default(); 2 * MAP.len()],
        current: [0; MAP.len()],
        sr: config.sample_rate as f32,
    };
    kit.seed();
    Ok(Box::new(kit))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Drum {
    #[default]
    Kick,
    Rim,
    Clap,
    Tom,
    OpenHat,
    HighConga,
    LowConga,
    Shaker,
}

/// A cookbook high- or band-pass designed and run in f32, its cutoff held inside 10 Hz-0.45·fs.
fn section(shape: Shape, freq: f32, q: f32, sr: f32) -> BiquadFilter<f32> {
    BiquadFilter::new(Biquad::rbj(shape, freq.clamp(10.0, 0.45 * sr), q, 0.0, sr))
}

/// 4th-order Butterworth high-pass as two biquads.
fn butterworth_hp4(freq: f32, sr: f32) -> [BiquadFilter<f32>; 2] {
    [
        section(Shape::HighPass, freq, 0.541_196, sr),
        section(Shape::HighPass, freq, 1.306_563, sr),
    ]
}

/// sin(2π·phase) for phase in [0, 1): Taylor series on a folded quarter wave, error < 4e-6.
#[inline]
fn sine(phase: f32) -> f32 {
    let x = if phase < 0.25 {
        phase
    } else if phase < 0.75 {
        0.5 - phase
    } else {
        phase - 1.0
    };
    let y = x * TAU;
    let y2 = y * y;
    y * (1.0
        + y2 * (-1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0 + y2 * (1.0 / 362_880.0)))))
}

/// Per-sample multiplier that falls 60 dB in `ms`.
fn t60(ms: f32, sr: f32) -> f32 {
    (-3.0 * LN_10 / (ms.max(0.1) * 0.001 * sr)).exp()
}

/// One sounding hit.
#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    drum: Drum,
    active: bool,
    /// Samples since the hit.
    t: u32,
    /// Velocity × level × pan, per channel.
    gain: [f32; 2],
    /// Main envelope (after the attack) and its per-sample multiplier.
    env: f32,
    env_mul: f32,
    attack: u32,
    /// Frames before which the voice may not stop (attack, clap bursts).
    hold: u32,
    /// Click / slap envelope.
    aux: f32,
    aux_mul: f32,
    /// Oscillator phase (turns), end frequency and sweep depth (cycles per sample).
    phase: f32,
    freq: f32,
    sweep: f32,
    /// 1 / the sweep's length in frames.
    sweep_rate: f32,
    /// Clap: the second and third bursts, and the tail's multiplier.
    bursts: [u32; 2],
    tail_mul: f32,
    filters: [BiquadFilter<f32>; 2],
    metal: [f32; 6],
    metal_inc: [f32; 6],
    noise: u32,
    fade: f32,
    fade_step: f32,
}

impl Voice {
    #[inline]
    fn white(&mut self) -> f32 {
        let mut x = self.noise;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.noise = x;
        (x as i32) as f32 * (1.0 / 2_147_483_648.0)
    }

    /// The main envelope: a linear attack, then the exponential decay.
    #[inline]
    fn envelope(&mut self) -> f32 {
        if self.t < self.attack {
            self.t as f32 / self.attack as f32
        } else {
            let e = self.env;
            self.env *= self.env_mul;
            e
        }
    }

    /// The oscillator's next sample; the sweep falls as (1 − t/T)² onto `freq`.
    #[inline]
    fn tone(&mut self) -> f32 {
        let u = (1.0 - self.t as f32 * self.sweep_rate).max(0.0);
        let s = sine(self.phase);
        self.phase += self.freq + self.sweep * u * u;
        if self.phase >= 1.0 {
            self.phase -= 1.0;
        }
        s
    }

    /// Both filters in series.
    #[inline]
    fn filter2(&mut self, x: f32) -> f32 {
        let [a, b] = &mut self.filters;
        b.tick(a.tick(x))
    }

    #[inline]
    fn click(&mut self) -> f32 {
        if self.aux == 0.0 {
            return 0.0;
        }
        let n = self.white();
        let c = self.filters[0].tick(n) * self.aux;
        self.aux *= self.aux_mul;
        c
    }

    fn clap(&mut self) -> f32 {
        if self.t == self.bursts[0] {
            self.env = 1.0;
        } else if self.t == self.bursts[1] {
            self.env = 1.0;
            self.env_mul = self.tail_mul;
        }
        let n = self.white();
        self.envelope() * self.filters[0].tick(n)
    }

    fn hat(&mut self) -> f32 {
        let mut metal = 0.0;
        for (p, inc) in self.metal.iter_mut().zip(self.metal_inc) {
            *p += inc;
            if *p >= 1.0 {
                *p -= 1.0;
            }
            metal += if *p < 0.5 { 1.0 } else { -1.0 };
        }
        let x = 0.6 * self.white() + 0.25 / 6.0 * metal;
        self.envelope() * self.filter2(x)
    }

    /// Adds this voice into the outputs (equal lengths), one loop per kind of drum.
    fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        match self.drum {
            Drum::Kick => self.run(left, right, |v| v.envelope() * v.tone()),
            Drum::Tom | Drum::HighConga | Drum::LowConga => {
                self.run(left, right, |v| v.envelope() * v.tone() + 0.3 * v.click())
            }
            Drum::Rim => self.run(left, right, |v| v.envelope() * v.tone() + 0.8 * v.click()),
            Drum::Clap => self.run(left, right, Voice::clap),
            Drum::OpenHat => self.run(left, right, Voice::hat),
            Drum::Shaker => self.run(left, right, |v| {
                let n = v.white();
                v.envelope() * v.filter2(n)
            }),
        }
    }

    /// Adds `source` into the outputs. Whether the voice has gone silent is checked every
    /// `CHUNK` frames of its own time, so the audio does not depend on the block size.
    #[inline(always)]
    fn run(&mut self, left: &mut [f32], right: &mut [f32], source: impl Fn(&mut Voice) -> f32) {
        let mut frames = left.iter_mut().zip(right.iter_mut());
        loop {
            let n = CHUNK - self.t as usize % CHUNK;
            let mut rendered = 0;
            for (l, r) in frames.by_ref().take(n) {
                let y = source(self) * self.fade;
                *l += y * self.gain[0];
                *r += y * self.gain[1];
                self.fade = (self.fade - self.fade_step).max(0.0);
                self.t = self.t.saturating_add(1);
                rendered += 1;
            }
            if rendered < n {
                return;
            }
            if self.aux < 1e-6 {
                self.aux = 0.0;
            }
            let done = self.t >= self.hold && self.env < SILENT && self.aux == 0.0;
            if done || self.fade <= 0.0 {
                self.active = false;
                return;
            }
        }
    }
}

/// The kit's parameters, resolved by id when it is built.
#[derive(Clone, Copy)]
struct Knobs {
    gain: ParamHandle,
    shaker_pan: ParamHandle,
    /// Each voice's (level, pitch or tone, decay), in `MAP` order.
    voices: [[ParamHandle; 3]; MAP.len()],
}

/// One block's values of every voice's parameters, in `MAP` order.
struct VoiceValues<'a> {
    voices: [[ParamValues<'a>; 3]; MAP.len()],
    shaker_pan: ParamValues<'a>,
}

struct Drums {
    knobs: Knobs,
    /// Two slots per drum: a retrigger starts in one while the other fades.
    voices: [Voice; 2 * MAP.len()],
    /// Which of its two slots each drum plays in now.
    current: [usize; MAP.len()],
    sr: f32,
}

impl Drums {
    /// Gives every slot its own noise stream, so the audio does not depend on the block size.
    fn seed(&mut self) {
        let mut s: u32 = 0x9E37_79B9;
        for v in &mut self.voices {
            s = s.wrapping_mul(0x0101_0101).wrapping_add(0x6D2B_79F5);
            *v = Voice {
                noise: s | 1,
                ..Voice::default()
            };
        }
    }

    fn hit(&mut self, d: usize, velocity: f32, p: &VoiceValues<'_>, at: usize) {
        let sr = self.sr;
        let Some(drum) = MAP.get(d).map(|m| m.1) else {
            return;
        };
        let (old, new) = match self.current.get(d) {
            Some(&c) => (2 * d + c, 2 * d + (c ^ 1)),
            None => return,
        };
        if let Some(v) = self.voices.get_mut(old).filter(|v| v.active) {
            v.fade_step = v.fade_step.max(1.0 / (FADE_MS * 0.001 * sr));
        }
        if let Some(c) = self.current.get_mut(d) {
            *c ^= 1;
        }
        let Some(v) = self.voices.get_mut(new) else {
            return;
        };
        let Some([level, pitch, decay]) = p.voices.get(d).map(|row| row.map(|v| v.at(at))) else {
            return;
        };
        let pan = if drum == Drum::Shaker {
            p.shaker_pan.at(at)
        } else {
            0.0
        };
        // Constant power, scaled so the centre is unity on both sides like the other voices.
        let angle = (pan.clamp(-1.0, 1.0) + 1.0) * FRAC_PI_4;
        let amp = velocity.clamp(0.0, 1.0) * db_to_gain(level);
        let frames = |ms: f32| (ms * 0.001 * sr).round() as u32;
        let noise = v.noise;
        *v = Voice {
            drum,
            active: true,
            gain: [amp * angle.cos() * SQRT_2, amp * angle.sin() * SQRT_2],
            env: 1.0,
            env_mul: t60(decay, sr),
            noise,
            fade: 1.0,
            ..Voice::default()
        };
        // Pitched voices start `ratio` above their pitch and drop onto it in `drop_ms`.
        let (ratio, drop_ms) = match drum {
            Drum::Kick => (KICK_SWEEP_RATIO, KICK_SWEEP_MS),
            Drum::Tom => (1.4, 50.0),
            Drum::HighConga | Drum::LowConga => (1.2, 15.0),
            _ => (1.0, 1.0),
        };
        v.freq = pitch / sr;
        v.sweep = pitch * (ratio - 1.0) / sr;
        v.sweep_rate = 1.0 / (drop_ms * 0.001 * sr).max(1.0);
        match drum {
            Drum::Kick => {}
            Drum::Tom | Drum::HighConga | Drum::LowConga => {
                // The slap: a short band of noise two octaves above the pitch.
                v.aux = 1.0;
                v.aux_mul = t60(6.0, sr);
                v.filters[0] = section(Shape::BandPass, 4.0 * pitch, 1.0, sr);
            }
            Drum::Rim => {
                v.aux = 1.0;
                v.aux_mul = t60(4.0, sr);
                v.filters[0] = section(Shape::BandPass, 4000.0, 0.7, sr);
            }
            Drum::Clap => {
                // Two bursts fading over 20 ms, then the third rings out as the tail.
                v.tail_mul = v.env_mul;
                v.env_mul = t60(20.0, sr);
                v.bursts = [frames(11.0), frames(22.0)];
                v.hold = frames(22.0) + 1;
                v.filters[0] = section(Shape::BandPass, pitch, 1.4, sr);
            }
            Drum::OpenHat => {
                const METAL_HZ: [f32; 6] = [205.3, 304.4, 369.6, 522.7, 540.0, 800.0];
                v.metal_inc = METAL_HZ.map(|f| f / sr);
                v.attack = frames(0.5);
                v.filters = butterworth_hp4(pitch, sr);
            }
            Drum::Shaker => {
                v.attack = frames(5.0);
                v.filters = butterworth_hp4(pitch, sr);
            }
        }
        v.hold = v.hold.max(v.attack);
    }

    fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        for v in self.voices.iter_mut().filter(|v| v.active) {
            v.render(left, right);
        }
    }
}

impl Processor for Drums {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let k = &self.knobs;
        let params = VoiceValues {
            voices: k.voices.map(|row| row.map(|h| ctx.param(h))),
            shaker_pan: ctx.param(k.shaker_pan),
        };
        let gain = ctx.param(k.gain);
        let events = ctx.events_in(0);
        let (left, right) = ctx.audio_out_pair(0);
        left.fill(0.0);
        right.fill(0.0);
        for (span, event) in spans(events, frames) {
            let at = span.end;
            if let (Some(l), Some(r)) = (left.get_mut(span.clone()), right.get_mut(span)) {
                self.render(l, r);
            }
            if let Some(e) = event {
                if let NoteKind::On { note, velocity, .. } = e.kind {
                    if let Some(d) = MAP.iter().position(|m| m.0 == note) {
                        if velocity > 0.0 {
                            self.hit(d, velocity, &params, at);
                        }
                    }
                }
            }
        }
        gain.scale_by_db(left, right);
    }

    fn reset(&mut self) {
        self.seed();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions, Rendered};
    use yano_engine::Transport;
    use yano_testkit::nodes::NOTES;
    use yano_testkit::rms;

    const SR: f64 = 48_000.0;

    fn play(hits: &str, params: &[(&str, f64)], seconds: f64, block_size: usize) -> Rendered {
        let r = crate::testing::registry();
        let mut g = Graph::new(Transport::default());
        g.add_node(NodeSpec::new("hits", NOTES).with("notes", hits), &r)
            .unwrap();
        let kit = params
            .iter()
            .fold(NodeSpec::new("kit", KIND), |s, (k, v)| s.with(k, *v));
        g.add_node(kit, &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("hits.notes", "kit.notes", &r).unwrap();
        g.connect("kit.out", "out.in", &r).unwrap();
        let opts = RenderOptions {
            seconds,
            block_size,
            ..RenderOptions::default()
        };
        render(&g, r, opts).unwrap()
    }

    /// (mid time in ms, frequency, peak) of each half cycle between zero crossings.
    fn half_cycles(x: &[f32]) -> Vec<(f64, f64, f32)> {
        let crossings: Vec<f64> = (1..x.len())
            .filter(|&i| (x[i - 1] <= 0.0 && x[i] > 0.0) || (x[i - 1] >= 0.0 && x[i] < 0.0))
            .map(|i| (i - 1) as f64 + f64::from(x[i - 1] / (x[i - 1] - x[i])))
            .collect();
        let peak = |w: &[f64]| {
            x[w[0] as usize..=w[1] as usize]
                .iter()
                .fold(0f32, |m, v| m.max(v.abs()))
        };
        let half = |w: &[f64]| {
            (
                500.0 * (w[0] + w[1]) / SR,
                SR / (2.0 * (w[1] - w[0])),
                peak(w),
            )
        };
        crossings.windows(2).map(half).collect()
    }

    /// (T60 in ms, time of the loudest millisecond in ms): Schroeder backward integration from the
    /// loudest millisecond, a line fitted from −5 to −35 dB (the room-acoustics way; robust to noise).
    fn t60_ms(x: &[f32]) -> (f64, f64) {
        let loudest = x
            .chunks(48)
            .enumerate()
            .max_by(|a, b| rms(a.1).total_cmp(&rms(b.1)))
            .unwrap()
            .0;
        let mut sum = 0.0;
        let mut edc: Vec<f64> = x[loudest * 48..]
            .iter()
            .rev()
            .map(|v| {
                sum += f64::from(*v).powi(2);
                sum
            })
            .collect();
        edc.reverse();
        let pts: Vec<(f64, f64)> = edc
            .iter()
            .enumerate()
            .map(|(i, e)| (i as f64 / SR * 1000.0, 10.0 * (e / edc[0]).log10()))
            .filter(|(_, db)| (-35.0..=-5.0).contains(db))
            .collect();
        let n = pts.len() as f64;
        let (mt, md) = pts
            .iter()
            .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
        let sxy: f64 = pts.iter().map(|p| (p.0 - mt) * (p.1 - md)).sum();
        let sxx: f64 = pts.iter().map(|p| (p.0 - mt).powi(2)).sum();
        (-60.0 * sxx / sxy, loudest as f64)
    }

    /// Share of the energy at or above `hz`, and the spectral centroid in Hz.
    fn spectrum(x: &[f32], hz: f64) -> (f64, f64) {
        let n = 16_384;
        let mut buf: Vec<f32> = x
            .iter()
            .copied()
            .chain(std::iter::repeat(0.0))
            .take(n)
            .collect();
        let fft = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(n);
        let mut bins = fft.make_output_vec();
        fft.process(&mut buf, &mut bins).unwrap();
        let power = bins
            .iter()
            .enumerate()
            .map(|(k, c)| (k as f64 * SR / n as f64, f64::from(c.norm_sqr())));
        let (total, above, moment) = power.fold((0.0, 0.0, 0.0), |a, (f, p)| {
            (a.0 + p, a.1 + if f >= hz { p } else { 0.0 }, a.2 + f * p)
        });
        (above / total, moment / total)
    }

    #[test]
    fn parameters_follow_the_note_map() {
        let d = descriptor();
        let names = [
            "kick",
            "rim",
            "clap",
            "tom",
            "hat",
            "conga_high",
            "conga_low",
            "shaker",
        ];
        for (ids, name) in VOICE_IDS.iter().zip(names) {
            assert!(
                ids.iter()
                    .all(|id| id.starts_with(name) && d.param(id).is_some()),
                "{ids:?} for {name}"
            );
            assert!(
                ids[0].ends_with("_db") && ids[1].ends_with("_hz") && ids[2].ends_with("_decay_ms")
            );
        }
        // Every parameter is read: the voices', the kit's level and the shaker's pan.
        assert_eq!(d.params.len(), 3 * VOICE_IDS.len() + 2);
        assert!(d.param("gain_db").is_some() && d.param("shaker_pan").is_some());
    }

    #[test]
    fn kick_sweeps_from_150_to_52_hz_and_decays_in_kick_decay_ms() {
        for decay in [180.0, 400.0] {
            let x = play("0 36 1", &[("kick_decay_ms", decay)], 1.0, 128).left;
            let h = half_cycles(&x);
            // The first two half cycles, extrapolated back to the hit.
            let f0 = h[0].1 + (h[0].1 - h[1].1) * h[0].0 / (h[1].0 - h[0].0);
            assert!((f0 - 150.0).abs() / 150.0 < 0.05, "starts at {f0:.1} Hz");
            let settled: Vec<f64> = h
                .iter()
                .filter(|h| h.0 > 42.0 && h.0 < 150.0)
                .map(|h| h.1)
                .collect();
            let worst = settled
                .iter()
                .fold(0.0f64, |m, f| m.max((f - 52.0).abs() / 52.0));
            assert!(
                worst < 0.01,
                "after 42 ms the pitch strays {:.2} % from 52 Hz",
                100.0 * worst
            );
            let (t60, _) = t60_ms(&x);
            assert!(
                (t60 - decay).abs() / decay < 0.1,
                "T60 {t60:.1} ms, set {decay}"
            );
            eprintln!("kick: starts {f0:.1} Hz, after 42 ms within {:.3} % of 52 Hz, T60 {t60:.1} ms (set {decay})", 100.0 * worst);
        }
    }

    #[test]
    fn shaker_is_high_passed_at_6_khz_with_a_50_ms_decay_and_the_open_hat_rings_longer() {
        let shaker = play("0 70 1", &[("shaker_pan", 0.0)], 0.4, 128).left;
        let (share, centroid) = spectrum(&shaker, 6000.0);
        assert!(
            share > 0.95 && centroid > 9000.0,
            "{share:.3} above 6 kHz, centroid {centroid:.0} Hz"
        );
        let (t60, peak_ms) = t60_ms(&shaker);
        assert!((t60 - 50.0).abs() / 50.0 < 0.15, "shaker T60 {t60:.1} ms");
        assert!(
            (3.0..=8.0).contains(&peak_ms),
            "shaker peaks at {peak_ms} ms"
        );
        let hat = play("0 46 1", &[], 0.6, 128).left;
        let ((hat_t60, _), (hat_share, _)) = (t60_ms(&hat), spectrum(&hat, 6000.0));
        assert!(
            (hat_t60 - 120.0).abs() / 120.0 < 0.15,
            "open hat T60 {hat_t60:.1} ms"
        );
        assert!(
            hat_share > 0.9 && hat_t60 > 1.5 * t60,
            "hat: {hat_share:.3} above 6 kHz"
        );
        eprintln!("shaker: {:.1} % above 6 kHz, centroid {centroid:.0} Hz, T60 {t60:.1} ms, loudest ms {peak_ms}; hat T60 {hat_t60:.1} ms", 100.0 * share);
    }

    #[test]
    fn mapped_notes_sound_and_others_are_silent() {
        let slot = 19_200;
        let hits: Vec<String> = MAP
            .iter()
            .enumerate()
            .map(|(i, m)| format!("{} {} 1", i * slot, m.0))
            .collect();
        let out = play(&hits.join(";"), &[], 3.2, 128);
        for (i, m) in MAP.iter().enumerate() {
            let db = 20.0 * rms(&out.left[i * slot..i * slot + 4800]).log10();
            assert!(db > -45.0, "note {} ({:?}) at {db:.1} dB", m.0, m.1);
        }
        let others = [0, 35, 38, 40, 42, 44, 47, 60, 62, 65, 69, 71, 127]
            .map(|n| format!("{} {n} 1", n * 100));
        assert_eq!(play(&others.join(";"), &[], 0.5, 128).peak(), 0.0);
    }

    #[test]
    fn half_velocity_is_6_db_down() {
        for note in [36, 39, 70] {
            let full = play(&format!("0 {note} 1"), &[], 0.3, 128);
            let half = play(&format!("0 {note} 0.5"), &[], 0.3, 128);
            let db = 20.0 * (rms(&half.right) / rms(&full.right)).log10();
            assert!((db + 6.02).abs() < 0.05, "note {note}: {db:.3} dB");
        }
    }

    #[test]
    fn renders_are_deterministic_and_independent_of_block_size() {
        let groove = "0 36 1; 3000 70 0.6; 6000 70 1; 6000 46 0.8; 9000 37 0.7; 12000 39 1; \
                      12000 36 0.9; 15000 63 0.8; 18000 64 0.7; 21000 45 1; 22000 70 0.5";
        let (a, b, c) = (
            play(groove, &[], 1.0, 128),
            play(groove, &[], 1.0, 128),
            play(groove, &[], 1.0, 97),
        );
        assert!(a.peak() > 0.1);
        assert!(a.left == b.left && a.right == b.right, "two renders differ");
        assert!(
            a.left == c.left && a.right == c.right,
            "the block size changes the audio"
        );
    }

    #[test]
    fn retriggers_do_not_click_and_the_shaker_sits_right() {
        let step = |x: &[f32]| x.windows(2).fold(0f32, |m, w| m.max((w[1] - w[0]).abs()));
        let once = play("0 36 1", &[], 0.1, 128).left;
        let twice = play("0 36 1; 1440 36 1", &[], 0.1, 128).left;
        let (fresh, at) = (step(&once[..1440]), step(&twice[1400..1600]));
        // Cutting the first hit would step by its level there.
        let cut = once[1440].abs();
        assert!(
            at < 1.5 * fresh,
            "step at the retrigger {at:.4}, in a fresh hit {fresh:.4}"
        );
        let shaker = play("0 70 1", &[], 0.2, 128);
        let db = 20.0 * (rms(&shaker.right) / rms(&shaker.left)).log10();
        assert!(
            (3.0..5.5).contains(&db),
            "shaker_pan 0.3: right {db:.2} dB over left"
        );
        let kick = play("0 36 1", &[], 0.2, 128);
        assert_eq!(kick.left, kick.right, "the kick sits in the centre");
        eprintln!("retrigger step {at:.4} (fresh hit {fresh:.4}, a cut {cut:.4}); shaker right +{db:.2} dB");
    }
}
