//! `instrument.log_drum`: the amapiano log drum, the genre's bassline "between a kick drum and a
//! bass note". Follows "The log drum" in AMAPIANO.md: monophonic (a new note cuts the last); a body
//! of a sine at f0 plus its 2nd harmonic at −8 dB, or 2:1 FM whose index falls 2 → 0 over 60 ms;
//! a pitch dive from +12 st (+7 private school, +24 sgija) falling exponentially with τ ≈ 18 ms;
//! 1 ms attack and an exponential decay given as T60; a 4–8 ms noise knock band-passed at 2 kHz,
//! −18 dB; tanh drive with a level-compensated pre-gain, then a 12 dB/oct low-pass at 3–5 kHz;
//! 40–100 ms glide between legato notes. [`style_preset`] holds the three styles' settings.
//!
//! Signal path: body → drive, plus knock → tone low-pass → × amplitude envelope (which carries the
//! velocity) → gain. The envelope comes last so `decay_ms` is the T60 you hear at any drive.
//! The process loop uses only multiplies and adds per sample: the oscillator is a rotating
//! (sin, cos) pair, the pitch dive a per-sample frequency multiplier whose logarithm shrinks
//! geometrically, tanh a rational function, and the FM carrier a polynomial sine.

use std::f64::consts::{LN_2, TAU};

use yano_engine::event::spans;
use yano_engine::param::{ParamSpec, Smoothing, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteKind, PortLayout, ProcessContext, Processor,
};

use super::voice::t60_coefficient;
use crate::db_to_gain;
use crate::fx::biquad::{Biquad, BiquadFilter, Shape};

pub const KIND: &str = "instrument.log_drum";
pub const BODIES: &[&str] = &["harmonic", "fm"];

/// Attack time, from AMAPIANO.md.
const ATTACK_S: f64 = 0.001;
/// Below this envelope level (−100 dB) the voice stops and the node writes silence.
const SILENT: f32 = 1e-5;
/// Q of the knock's band-pass: about an octave wide.
const KNOCK_Q: f64 = 1.0;
/// Time the knock filter keeps ringing after its burst, before it is cleared.
const KNOCK_TAIL_S: f64 = 0.005;

pub fn descriptor() -> NodeDescriptor {
    let ms = Unit::Milliseconds;
    NodeDescriptor {
        kind: KIND,
        description: "amapiano log drum: pitch-dived sine or FM body, knock, drive, glide",
        params: vec![
            ParamSpec::choice("body", "sine + 2nd harmonic, or 2:1 FM", BODIES, 0),
            ParamSpec::number(
                "harmonic_db",
                "2nd harmonic level (harmonic body)",
                -96.0,
                0.0,
                -8.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "fm_index",
                "FM index at the hit (fm body)",
                0.0,
                8.0,
                2.0,
                Unit::None,
            ),
            ParamSpec::number(
                "fm_decay_ms",
                "time the FM index takes to fall to 0",
                1.0,
                1000.0,
                60.0,
                ms,
            ),
            ParamSpec::number(
                "pitch_depth_st",
                "pitch dive: start above the note",
                0.0,
                36.0,
                12.0,
                Unit::Semitones,
            ),
            ParamSpec::number(
                "pitch_tau_ms",
                "pitch dive time constant",
                1.0,
                200.0,
                18.0,
                ms,
            ),
            ParamSpec::number(
                "decay_ms",
                "decay time to −60 dB (T60)",
                20.0,
                5000.0,
                300.0,
                ms,
            ),
            ParamSpec::number(
                "knock_hz",
                "centre of the knock's band-pass",
                500.0,
                8000.0,
                2000.0,
                Unit::Hertz,
            )
            .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
            ParamSpec::number(
                "knock_db",
                "knock level at its onset, re a full-scale sine (RMS)",
                -96.0,
                0.0,
                -18.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "knock_ms",
                "length of the knock's noise burst",
                1.0,
                20.0,
                6.0,
                ms,
            ),
            ParamSpec::number(
                "drive",
                "tanh pre-gain (level-compensated)",
                1.0,
                12.0,
                4.0,
                Unit::None,
            ),
            ParamSpec::number(
                "tone_hz",
                "cutoff of the 12 dB/oct low-pass after the drive",
                200.0,
                20_000.0,
                4000.0,
                Unit::Hertz,
            )
            .smoothing(Smoothing::Logarithmic { ms: 20.0 }),
            ParamSpec::number(
                "glide_ms",
                "pitch glide between legato notes (0: none)",
                0.0,
                500.0,
                60.0,
                ms,
            ),
            ParamSpec::number("gain_db", "output level", -96.0, 12.0, -6.0, Unit::Decibels),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("notes", PortType::Events, "notes to play (monophonic)"),
            PortSpec::output("out", PortType::MONO, "the log drum"),
        ]),
        build: Build::Realtime(build),
    }
}

const MAINSTREAM: &[(&str, f64)] = &[
    ("pitch_depth_st", 12.0),
    ("pitch_tau_ms", 18.0),
    ("decay_ms", 300.0),
    ("drive", 4.0),
    ("tone_hz", 4000.0),
    ("knock_db", -18.0),
    ("glide_ms", 60.0),
];
const PRIVATE_SCHOOL: &[(&str, f64)] = &[
    ("pitch_depth_st", 7.0),
    ("pitch_tau_ms", 22.0),
    ("decay_ms", 600.0),
    ("drive", 1.2),
    ("tone_hz", 3000.0),
    ("knock_db", -26.0),
    ("glide_ms", 80.0),
];
const SGIJA: &[(&str, f64)] = &[
    ("pitch_depth_st", 24.0),
    ("pitch_tau_ms", 14.0),
    ("decay_ms", 180.0),
    ("drive", 8.0),
    ("tone_hz", 5000.0),
    ("knock_db", -18.0),
    ("glide_ms", 60.0),
];

/// The settings of one amapiano style ("mainstream", "private_school", "sgija") from AMAPIANO.md,
/// as (param id, value) pairs; None for an unknown style.
pub fn style_preset(style: &str) -> Option<&'static [(&'static str, f64)]> {
    match style {
        "mainstream" => Some(MAINSTREAM),
        "private_school" => Some(PRIVATE_SCHOOL),
        "sgija" => Some(SGIJA),
        _ => None,
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    if config.sample_rate == 0 {
        return Err(NodeError::new("log drum needs a sample rate above 0"));
    }
    let sample_rate = f64::from(config.sample_rate);
    Ok(Box::new(LogDrum {
        knobs: Knobs::resolve(config)?,
        sample_rate,
        inv_rate: 1.0 / sample_rate,
        phase: 0.0,
        freq: 0.0,
        note_freq: 0.0,
        dive_step: 0.0,
        dive_shrink: 0.0,
        dive_end: 0.0,
        glide_ratio: 1.0,
        glide_left: 0,
        env: 0.0,
        attack_step: 0.0,
        attack_left: 0,
        fm_index: 0.0,
        fm_step: 0.0,
        knock_level: 0.0,
        knock_step: 0.0,
        knock_left: 0,
        knock_scale: 0.0,
        knock_filter: BiquadFilter::default(),
        noise: 0x9E37_79B9,
        tone: BiquadFilter::default(),
        tone_hz: 0.0,
        held: None,
        active: false,
    }))
}

yano_engine::param_handles! {
    /// The log drum's parameters, resolved by id when it is built.
    struct Knobs / Values {
        body: "body",
        harmonic: "harmonic_db",
        fm_index: "fm_index",
        fm_decay: "fm_decay_ms",
        pitch_depth: "pitch_depth_st",
        pitch_tau: "pitch_tau_ms",
        decay: "decay_ms",
        knock_hz: "knock_hz",
        knock_db: "knock_db",
        knock_ms: "knock_ms",
        drive: "drive",
        tone: "tone_hz",
        glide: "glide_ms",
        gain: "gain_db",
    }
}

struct LogDrum {
    knobs: Knobs,
    sample_rate: f64,
    inv_rate: f64,
    /// Oscillator phase in turns, 0..1.
    phase: f64,
    /// Current frequency (Hz) and the note's f0 it dives or glides to.
    freq: f64,
    note_freq: f64,
    /// During the dive: ln of this sample's frequency multiplier, and its shrink per sample.
    dive_step: f64,
    dive_shrink: f64,
    /// The dive lands on f0 once the step is this small (under a cent left to go).
    dive_end: f64,
    glide_ratio: f64,
    glide_left: u32,
    /// Amplitude envelope, velocity included.
    env: f32,
    attack_step: f32,
    attack_left: u32,
    fm_index: f32,
    fm_step: f32,
    /// Knock burst level 1 → 0, its fall per sample, samples left (burst and ring-out), scale.
    knock_level: f32,
    knock_step: f32,
    knock_left: u32,
    knock_scale: f32,
    knock_filter: BiquadFilter<f32>,
    noise: u32,
    tone: BiquadFilter<f32>,
    tone_hz: f32,
    /// The key of the sounding note while it is held: a new note then is legato.
    held: Option<u8>,
    active: bool,
}

/// Per-block settings, read once per block; drive and gain ramp across it.
struct Block {
    fm: bool,
    harmonic: f32,
    harmonic_norm: f32,
    decay: f32,
    drive: (f32, f32),
    drive_norm: (f32, f32),
    gain: (f32, f32),
    inv_frames: f32,
}

impl LogDrum {
    /// Every note re-attacks (1 ms from the level it finds) and restarts the knock and the FM
    /// index; a legato note glides from the pitch it finds instead of diving.
    fn note_on(&mut self, note: u8, velocity: f32, p: &Values<'_>, at: usize) {
        let sr = self.sample_rate;
        let samples = |ms: f32| ((f64::from(ms) * 0.001 * sr).round() as u32).max(1);
        let f0 = 440.0 * ((f64::from(note) - 69.0) / 12.0).exp2();
        let glide_ms = p.glide.at(at);
        if self.active && self.held.is_some() && glide_ms > 0.0 {
            // Legato: slide from where the pitch stands, no dive.
            self.glide_left = samples(glide_ms);
            self.glide_ratio = (f0 / self.freq).powf(1.0 / f64::from(self.glide_left));
            self.dive_step = 0.0;
        } else {
            let octaves = f64::from(p.pitch_depth.at(at)) / 12.0;
            self.freq = f0 * octaves.exp2();
            self.dive_shrink = (-1.0 / (f64::from(p.pitch_tau.at(at)) * 0.001 * sr)).exp();
            // The steps sum to −octaves·ln 2: the dive lands exactly on f0.
            self.dive_step = -octaves * LN_2 * (1.0 - self.dive_shrink);
            // The steps still to come sum to step / (1 − shrink): stop when that is 5e-4 (0.9 ct).
            self.dive_end = 5e-4 * (1.0 - self.dive_shrink);
            self.glide_left = 0;
        }
        self.note_freq = f0;
        if !self.active {
            // From silence the phase restarts, so every isolated hit sounds the same; a cut
            // keeps it running so the waveform never jumps.
            self.phase = 0.0;
            self.tone.clear();
        }
        self.attack_left = (ATTACK_S * sr).round().max(1.0) as u32;
        self.attack_step = (velocity.clamp(0.0, 1.0) - self.env) / self.attack_left as f32;
        self.fm_index = p.fm_index.at(at);
        self.fm_step = self.fm_index / samples(p.fm_decay.at(at)) as f32;
        self.start_knock(p, at);
        self.held = Some(note);
        self.active = true;
    }

    fn start_knock(&mut self, p: &Values<'_>, at: usize) {
        let sr = self.sample_rate;
        let hz = f64::from(p.knock_hz.at(at)).min(0.45 * sr);
        self.knock_filter
            .set(Biquad::rbj(Shape::BandPass, hz, KNOCK_Q, 0.0, sr).to_f32());
        let burst = (f64::from(p.knock_ms.at(at)) * 0.001 * sr).max(1.0);
        self.knock_level = 1.0;
        self.knock_step = (1.0 / burst) as f32;
        self.knock_left = (burst + KNOCK_TAIL_S * sr) as u32;
        // Uniform noise has variance 1/3 spread evenly to Nyquist; the band-pass keeps its noise
        // bandwidth (π/2)·hz/Q of it. Scale so the knock starts at knock_db re a unit sine's RMS.
        let kept = (TAU / 4.0 * hz / KNOCK_Q) / (0.5 * sr);
        let rms = (kept / 3.0).sqrt();
        self.knock_scale = (f64::from(db_to_gain(p.knock_db.at(at))) * 0.5f64.sqrt() / rms) as f32;
    }

    fn note_off(&mut self, note: u8) {
        // A one-shot: the key's release only ends legato, the decay goes on.
        if self.held == Some(note) {
            self.held = None;
        }
    }

    #[inline]
    fn white_noise(&mut self) -> f32 {
        // xorshift32: full-period, and cheap enough to run per sample.
        let mut x = self.noise;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.noise = x;
        x as i32 as f32 * (1.0 / 2_147_483_648.0)
    }

    /// Renders `out`, the frames of the block from `first` on.
    ///
    /// The oscillator is a rotating (sin, cos) pair, re-derived from the phase on every call so
    /// rounding never accumulates. While the pitch moves, the rotation itself turns by the change
    /// of angle (a few multiplies); sin 2x = 2 sin x cos x gives the harmonic and the FM modulator.
    fn render(&mut self, out: &mut [f32], first: usize, b: &Block) {
        if !self.active {
            out.fill(0.0);
            return;
        }
        let mut w = TAU * self.freq * self.inv_rate;
        let (mut sin_w, mut cos_w) = w.sin_cos();
        let (mut s, mut c) = (TAU * self.phase).sin_cos();
        for (j, o) in out.iter_mut().enumerate() {
            let (s32, c32) = (s as f32, c as f32);
            let body = if !b.fm {
                (s32 + b.harmonic * 2.0 * s32 * c32) * b.harmonic_norm
            } else if self.fm_index > 0.0 {
                let modulator = 2.0 * s32 * c32 * self.fm_index;
                self.fm_index = (self.fm_index - self.fm_step).max(0.0);
                sine(self.phase + f64::from(modulator) * (1.0 / TAU))
            } else {
                s32
            };
            let knock = if self.knock_left > 0 {
                self.knock()
            } else {
                0.0
            };
            *o = self.shape(body, knock, first + j, b);

            self.phase += self.freq * self.inv_rate;
            if self.phase >= 1.0 {
                self.phase -= 1.0;
            }
            (s, c) = (s * cos_w + c * sin_w, c * cos_w - s * sin_w);
            if self.glide_left > 0 || self.dive_step != 0.0 {
                self.move_pitch();
                let next = TAU * self.freq * self.inv_rate;
                // Turn the rotation by the change of angle: d is hundredths of a radian, so
                // sin d and cos d to third order are exact to 1e-8.
                let d = next - w;
                w = next;
                let (sin_d, cos_d) = (d * (1.0 - d * d / 6.0), 1.0 - 0.5 * d * d);
                (sin_w, cos_w) = (sin_w * cos_d + cos_w * sin_d, cos_w * cos_d - sin_w * sin_d);
            }
        }
        if self.attack_left == 0 && self.env < SILENT {
            self.silence();
        }
    }

    /// One step of the glide or the dive.
    #[inline]
    fn move_pitch(&mut self) {
        if self.glide_left > 0 {
            self.glide_left -= 1;
            self.freq = if self.glide_left == 0 {
                self.note_freq
            } else {
                self.freq * self.glide_ratio
            };
        } else {
            // exp(d) to third order: d stays under 0.05, so the error is below 1e-6 a step.
            let d = self.dive_step;
            self.freq *= 1.0 + d * (1.0 + d * (0.5 + d * (1.0 / 6.0)));
            self.dive_step *= self.dive_shrink;
            if self.dive_step.abs() < self.dive_end {
                self.dive_step = 0.0;
                self.freq = self.note_freq;
            }
        }
    }

    /// One sample of the knock: decaying noise through its band-pass.
    #[inline]
    fn knock(&mut self) -> f32 {
        self.knock_left -= 1;
        let burst = self.knock_level.max(0.0) * self.knock_scale;
        self.knock_level -= self.knock_step;
        let n = self.white_noise();
        let k = self.knock_filter.tick(n * burst);
        if self.knock_left == 0 {
            self.knock_filter.clear();
        }
        k
    }

    /// Drive, knock, tone, envelope and gain.
    #[inline(always)]
    fn shape(&mut self, body: f32, knock: f32, frame: usize, b: &Block) -> f32 {
        let ramp = frame as f32 * b.inv_frames;
        let drive = b.drive.0 + (b.drive.1 - b.drive.0) * ramp;
        let norm = b.drive_norm.0 + (b.drive_norm.1 - b.drive_norm.0) * ramp;
        let driven = fast_tanh(body * drive) * norm + knock;
        let gain = b.gain.0 + (b.gain.1 - b.gain.0) * ramp;
        let y = self.tone.tick(driven) * self.env * gain;
        if self.attack_left > 0 {
            self.attack_left -= 1;
            self.env += self.attack_step;
        } else {
            self.env *= b.decay;
        }
        y
    }

    fn silence(&mut self) {
        self.active = false;
        self.env = 0.0;
        self.attack_left = 0;
        self.knock_left = 0;
        self.glide_left = 0;
        self.dive_step = 0.0;
        self.knock_filter.clear();
        self.tone.clear();
    }
}

impl Processor for LogDrum {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let p = self.knobs.read(ctx);
        let events = ctx.events_in(0);
        let sr = self.sample_rate as f32;
        let tone_hz = p.tone.last().min(0.45 * sr);
        if tone_hz != self.tone_hz {
            self.tone_hz = tone_hz;
            self.tone.set(
                Biquad::rbj(
                    Shape::LowPass,
                    f64::from(tone_hz),
                    std::f64::consts::FRAC_1_SQRT_2,
                    0.0,
                    self.sample_rate,
                )
                .to_f32(),
            );
        }
        let harmonic = db_to_gain(p.harmonic.last());
        let drive = (p.drive.at(0).max(1.0), p.drive.last().max(1.0));
        let b = Block {
            fm: p.body.last() as usize == 1,
            harmonic,
            harmonic_norm: 1.0 / (1.0 + harmonic),
            decay: t60_coefficient(p.decay.last().max(1.0), sr),
            drive,
            // Divide by tanh(drive): a peak of 1 leaves at 1, whatever the drive.
            drive_norm: (1.0 / drive.0.tanh(), 1.0 / drive.1.tanh()),
            gain: (db_to_gain(p.gain.at(0)), db_to_gain(p.gain.last())),
            inv_frames: 1.0 / frames.max(1) as f32,
        };
        let out = ctx.audio_out(0, 0);
        for (span, event) in spans(events, frames) {
            let (pos, at) = (span.start, span.end);
            if let Some(seg) = out.get_mut(span) {
                self.render(seg, pos, &b);
            }
            if let Some(e) = event {
                match e.kind {
                    NoteKind::On { note, velocity, .. } if velocity > 0.0 => {
                        self.note_on(note, velocity, &p, at)
                    }
                    NoteKind::On { note, .. } | NoteKind::Off { note } => self.note_off(note),
                }
            }
        }
    }

    fn reset(&mut self) {
        self.held = None;
        self.silence();
    }
}

/// sin(2π·turns) for turns ≥ −1000: folded to a quarter wave, then a Taylor polynomial to the
/// 11th power (error below 1e-6; the fold keeps the argument within ±π/2).
#[inline]
fn sine(turns: f64) -> f32 {
    // Nearest whole turn by truncating a positive number (cheaper than round), then fold without
    // branches: sin(2πx) is symmetric about x = ±1/4.
    let x = (turns - ((turns + 1000.5) as i64 - 1000) as f64) as f32;
    let x = (0.25 - (x.abs() - 0.25).abs()).copysign(x);
    let y = x * std::f32::consts::TAU;
    let y2 = y * y;
    let poly = 1.0 / 362_880.0 + y2 * (-1.0 / 39_916_800.0);
    let poly = -1.0 / 5040.0 + y2 * poly;
    let poly = 1.0 / 120.0 + y2 * poly;
    let poly = -1.0 / 6.0 + y2 * poly;
    y * (1.0 + y2 * poly)
}

/// tanh by Lambert's continued fraction (a 7/6 rational), within 1e-4 of tanh everywhere.
#[inline]
fn fast_tanh(x: f32) -> f32 {
    let x = x.clamp(-4.97, 4.97);
    let x2 = x * x;
    let num = x * (135_135.0 + x2 * (17_325.0 + x2 * (378.0 + x2)));
    let den = 135_135.0 + x2 * (62_370.0 + x2 * (3150.0 + 28.0 * x2));
    (num / den).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::audition::{
        amplitude, fit, instantaneous, levels, mean_freq, play, play_spec, SR,
    };
    use yano_engine::graph::NodeSpec;

    /// A clean sine body, so zero crossings show the pitch alone.
    const PURE: &[(&str, f64)] = &[
        ("harmonic_db", -96.0),
        ("knock_db", -96.0),
        ("drive", 1.0),
        ("tone_hz", 20_000.0),
    ];

    fn with(
        base: &[(&'static str, f64)],
        extra: &[(&'static str, f64)],
    ) -> Vec<(&'static str, f64)> {
        base.iter().chain(extra).copied().collect()
    }

    #[test]
    fn polynomials_match_sin_and_tanh() {
        let worst_sin = (0..20_000)
            .map(|i| i as f64 / 5000.0 - 1.5)
            .map(|t| (f64::from(sine(t)) - (TAU * t).sin()).abs())
            .fold(0.0, f64::max);
        let worst_tanh = (0..20_000)
            .map(|i| i as f32 / 1000.0 - 10.0)
            .map(|x| (fast_tanh(x) - x.tanh()).abs())
            .fold(0.0, f32::max);
        assert!(
            worst_sin < 2e-6 && worst_tanh < 2e-4,
            "sin {worst_sin:e}, tanh {worst_tanh:e}"
        );
    }

    #[test]
    fn f0_matches_the_note_after_the_dive() {
        for body in BODIES {
            for (note, hz) in [(41.0, 87.307), (33.0, 55.0)] {
                let spec = NodeSpec::new("inst", KIND).with("body", *body);
                let x = play_spec(spec, &[("note_a", note)], 0.7);
                let f = mean_freq(&x, 0.15, 0.65);
                let err = (f / hz - 1.0).abs() * 100.0;
                eprintln!("body {body} note {note}: {f:.3} Hz, error {err:.4} %");
                assert!(err < 1.0, "note {note}: {f} Hz");
            }
        }
    }

    #[test]
    fn pitch_dive_starts_above_and_falls_with_its_time_constant() {
        for (depth, tau) in [(12.0, 18.0), (24.0, 14.0), (7.0, 22.0)] {
            let params = with(PURE, &[("pitch_depth_st", depth), ("pitch_tau_ms", tau)]);
            let x = play(KIND, &params, &[("note_a", 45.0)], 0.2);
            let st: Vec<(f64, f64)> = instantaneous(&x, 0.0, 0.2)
                .into_iter()
                .map(|(t, f)| (t, 12.0 * (f / 110.0).log2()))
                .collect();
            // The first half period, about 2 ms in.
            let (t0, st0) = st[0];
            let ln_pts: Vec<(f64, f64)> = st
                .iter()
                .filter(|p| p.1 > 0.5)
                .map(|&(t, s)| (t, s.ln()))
                .collect();
            let (slope, intercept) = fit(&ln_pts);
            let (start, tau_fit) = (intercept.exp(), -1000.0 / slope);
            let settled = st
                .iter()
                .filter(|p| p.0 > 5.0 * tau * 0.001)
                .map(|p| p.1.abs())
                .fold(0.0, f64::max);
            let settle_pct = (settled / 12.0).exp2() * 100.0 - 100.0;
            eprintln!(
                "depth {depth}: {st0:.2} st at {:.1} ms; fit {start:.2} st, tau {tau_fit:.2} ms; \
                 after 5 tau within {settle_pct:.3} %",
                t0 * 1000.0
            );
            // A semitone of slack on where the dive should stand at that first reading.
            let expected = depth * (-t0 * 1000.0 / tau).exp();
            assert!((st0 - expected).abs() < 1.0, "{st0} st at {t0} s");
            assert!((start - depth).abs() < 1.0, "dive starts {start} st above");
            assert!((tau_fit / tau - 1.0).abs() < 0.1, "tau {tau_fit} ms");
            assert!((settled / 12.0).exp2() < 1.01, "not settled: {settled} st");
        }
    }

    #[test]
    fn decay_time_is_decay_ms() {
        for decay in [300.0, 600.0, 180.0] {
            let x = play(
                KIND,
                &[("decay_ms", decay)],
                &[("note_a", 45.0)],
                decay / 1000.0 + 0.3,
            );
            // 100 ms windows: eleven whole periods of 110 Hz.
            let lv = levels(&x, 0.1, 0.01);
            let peak = lv.iter().map(|p| p.1).fold(f64::MIN, f64::max);
            let pts: Vec<(f64, f64)> = lv
                .into_iter()
                .filter(|p| p.0 > 0.06 && p.1 > peak - 55.0)
                .collect();
            let t60 = -60.0 / fit(&pts).0 * 1000.0;
            eprintln!(
                "decay_ms {decay}: T60 {t60:.1} ms ({:+.2} %)",
                (t60 / decay - 1.0) * 100.0
            );
            assert!((t60 / decay - 1.0).abs() < 0.1, "T60 {t60} ms for {decay}");
        }
        // Velocity scales the level: half velocity, half amplitude (−6 dB).
        let level = |velocity: f64| {
            let x = play(KIND, &[], &[("note_a", 45.0), ("velocity", velocity)], 0.2);
            amplitude(&x, 110.0, 0.05, 0.15)
        };
        let db = 20.0 * (level(0.5) / level(1.0)).log10();
        eprintln!("velocity 0.5 re 1.0: {db:.2} dB");
        assert!((db + 6.02).abs() < 0.2, "{db} dB");
    }

    #[test]
    fn drive_raises_harmonics_monotonically() {
        let (mut last, mut peaks) = (0.0, Vec::new());
        for drive in [1.0, 3.0, 6.0, 10.0] {
            let x = play(
                KIND,
                &[("drive", drive), ("decay_ms", 5000.0), ("knock_db", -96.0)],
                &[("note_a", 45.0)],
                0.46,
            );
            let s = &x[(0.15 * SR) as usize..(0.45 * SR) as usize];
            let total = s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / s.len() as f64;
            // 0.3 s is 33 whole periods of 110 Hz, so f0 and 2·f0 separate cleanly.
            let low: f64 = [110.0, 220.0]
                .iter()
                .map(|h| amplitude(&x, *h, 0.15, 0.45).powi(2) / 2.0)
                .sum();
            let above = (1.0 - low / total).max(0.0);
            eprintln!(
                "drive {drive}: energy above 2 f0 {:.2} % of total",
                above * 100.0
            );
            assert!(above > last, "drive {drive}: {above} after {last}");
            last = above;
            peaks.push(20.0 * f64::from(x.iter().fold(0.0f32, |m, v| m.max(v.abs()))).log10());
        }
        // Level-compensated: more drive does not simply get louder.
        let spread = peaks.iter().fold(f64::MIN, |m, v| m.max(*v))
            - peaks.iter().fold(f64::MAX, |m, v| m.min(*v));
        eprintln!("peaks over drive 1..10: {peaks:.2?} dB, spread {spread:.2} dB");
        assert!(spread < 1.5, "{peaks:?}");
    }

    #[test]
    fn a_new_note_cuts_the_last() {
        let params = [("decay_ms", 3000.0), ("glide_ms", 0.0)];
        let keys = [
            ("note_a", 41.0),
            ("off_a_ms", 100.0),
            ("note_b", 33.0),
            ("on_b_ms", 300.0),
        ];
        let both = play(KIND, &params, &keys, 0.9);
        let alone = play(KIND, &params, &[("note_a", 41.0)], 0.9);
        let (a_alone, a_cut) = (
            amplitude(&alone, 87.307, 0.5, 0.9),
            amplitude(&both, 87.307, 0.5, 0.9),
        );
        let b = amplitude(&both, 55.0, 0.5, 0.9);
        eprintln!(
            "old f0 alone {a_alone:.4}, after the cut {a_cut:.6}; new f0 {b:.4} ({:.1} dB)",
            20.0 * (a_cut / b).log10()
        );
        assert!(a_alone > 0.1 * b, "the first note would still sound");
        assert!(
            a_cut < 0.003 * b,
            "the first note must stop: {a_cut} vs {b}"
        );
    }

    #[test]
    fn legato_notes_glide_over_glide_ms() {
        for glide in [60.0, 100.0] {
            let params = with(PURE, &[("glide_ms", glide), ("decay_ms", 2000.0)]);
            let keys = [
                ("note_a", 45.0),
                ("off_a_ms", 400.0),
                ("note_b", 57.0),
                ("on_b_ms", 200.0),
            ];
            let x = play(KIND, &params, &keys, 0.45);
            let oct: Vec<(f64, f64)> = instantaneous(&x, 0.15, 0.45)
                .into_iter()
                .map(|(t, f)| (t, (f / 110.0).log2()))
                .collect();
            let first = |level: f64| oct.iter().find(|p| p.1 > level).unwrap().0;
            let (t10, t90) = (first(0.1), first(0.9));
            let between = oct.iter().filter(|p| p.1 > 0.1 && p.1 < 0.9).count();
            let took = (t90 - t10) / 0.8 * 1000.0;
            let end = mean_freq(&x, 0.2 + glide / 1000.0 + 0.02, 0.45);
            eprintln!(
                "glide_ms {glide}: {between} half periods between, took {took:.1} ms, \
                 lands on {end:.2} Hz"
            );
            assert!(between >= 5, "no intermediate pitches");
            assert!((took / glide - 1.0).abs() < 0.15, "glide took {took} ms");
            assert!((end / 220.0 - 1.0).abs() < 0.01, "lands on {end}");
        }
    }

    #[test]
    fn knock_adds_a_click_in_its_band() {
        // A clean body (drive 1, no harmonic), so 1.5–3 kHz in the first 8 ms is the knock's.
        let band = |db: f64| {
            let params = with(PURE, &[("knock_db", db), ("tone_hz", 4000.0)]);
            let x = play(KIND, &params, &[("note_a", 45.0)], 0.05);
            let power: f64 = [1500.0, 2000.0, 2500.0, 3000.0]
                .iter()
                .map(|hz| amplitude(&x, *hz, 0.0, 0.008).powi(2))
                .sum();
            10.0 * power.log10()
        };
        let (on, off) = (band(-18.0), band(-96.0));
        eprintln!("1.5–3 kHz in the first 8 ms: knock {on:.1} dB, none {off:.1} dB");
        assert!(on > off + 10.0);
    }

    #[test]
    fn styles_are_valid_settings_and_play() {
        let d = descriptor();
        for style in ["mainstream", "private_school", "sgija"] {
            let preset = style_preset(style).unwrap();
            for (id, v) in preset {
                let spec = d
                    .param(id)
                    .unwrap_or_else(|| panic!("{style}: no param {id}"));
                spec.check(&yano_engine::ParamValue::Number(*v)).unwrap();
            }
            let x = play(KIND, preset, &[("note_a", 41.0)], 0.3);
            let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            eprintln!("{style}: peak {peak:.3}");
            assert!(peak > 0.1 && peak < 1.0, "{style}: peak {peak}");
        }
        assert!(style_preset("polka").is_none());
    }
}
