//! `instrument.bass`: the private-school sub bass under (or instead of) the log drum: a sine at the
//! note's f0 with a little 2nd harmonic (−30 dB) so it reads on small speakers. Monophonic, with
//! an optional glide between legato notes; it sustains while the key is held and releases on
//! Note Off. Velocity scales its level.
//!
//! The loop is multiplies and adds: a quadrature oscillator, a glide by a per-sample frequency
//! ratio, an attack that ramps linearly from wherever the level stands (so a cut never clicks)
//! and a release that decays by a per-sample factor.

use std::f64::consts::TAU;

use yano_engine::event::spans;
use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteKind, PortLayout, ProcessContext, Processor,
};

use super::voice::t60_coefficient;
use crate::db_to_gain;

pub const KIND: &str = "instrument.bass";

/// Below this level (−100 dB) a released voice stops and the node writes silence.
const SILENT: f32 = 1e-5;

pub fn descriptor() -> NodeDescriptor {
    let ms = Unit::Milliseconds;
    NodeDescriptor {
        kind: KIND,
        description: "sub bass: sine plus a touch of 2nd harmonic, monophonic, sustains while held",
        params: vec![
            ParamSpec::number(
                "harmonic_db",
                "2nd harmonic level",
                -96.0,
                0.0,
                -30.0,
                Unit::Decibels,
            ),
            ParamSpec::number(
                "attack_ms",
                "rise time to the note's level",
                0.5,
                1000.0,
                10.0,
                ms,
            ),
            ParamSpec::number(
                "release_ms",
                "fall to −60 dB after Note Off (T60)",
                5.0,
                5000.0,
                150.0,
                ms,
            ),
            ParamSpec::number(
                "glide_ms",
                "pitch glide between legato notes (0: none)",
                0.0,
                1000.0,
                0.0,
                ms,
            ),
            ParamSpec::number("gain_db", "output level", -96.0, 12.0, -6.0, Unit::Decibels),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("notes", PortType::Events, "notes to play (monophonic)"),
            PortSpec::output("out", PortType::MONO, "the bass"),
        ]),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    if config.sample_rate == 0 {
        return Err(NodeError::new("bass needs a sample rate above 0"));
    }
    let sample_rate = f64::from(config.sample_rate);
    Ok(Box::new(Bass {
        knobs: Knobs::resolve(config)?,
        sample_rate,
        inv_rate: 1.0 / sample_rate,
        phase: 0.0,
        freq: 0.0,
        note_freq: 0.0,
        glide_ratio: 1.0,
        glide_left: 0,
        env: 0.0,
        attack_step: 0.0,
        attack_left: 0,
        held: None,
        active: false,
    }))
}

yano_engine::param_handles! {
    /// The bass's parameters, resolved by id when it is built.
    struct Knobs / Values {
        harmonic: "harmonic_db",
        attack: "attack_ms",
        release: "release_ms",
        glide: "glide_ms",
        gain: "gain_db",
    }
}

struct Bass {
    knobs: Knobs,
    sample_rate: f64,
    inv_rate: f64,
    /// Oscillator phase in turns, 0..1.
    phase: f64,
    freq: f64,
    note_freq: f64,
    glide_ratio: f64,
    glide_left: u32,
    /// Level, velocity included: ramps during the attack, holds while held, decays after release.
    env: f32,
    attack_step: f32,
    attack_left: u32,
    /// The key of the sounding note while it is held.
    held: Option<u8>,
    active: bool,
}

impl Bass {
    fn note_on(&mut self, note: u8, velocity: f32, p: &Values<'_>, at: usize) {
        let sr = self.sample_rate;
        let f0 = 440.0 * ((f64::from(note) - 69.0) / 12.0).exp2();
        let glide_ms = f64::from(p.glide.at(at));
        if self.held.is_some() && self.active && glide_ms > 0.0 {
            self.glide_left = ((glide_ms * 0.001 * sr).round() as u32).max(1);
            self.glide_ratio = (f0 / self.freq).powf(1.0 / f64::from(self.glide_left));
        } else {
            self.freq = f0;
            self.glide_left = 0;
        }
        self.note_freq = f0;
        if !self.active {
            self.phase = 0.0;
        }
        // From the level it stands at: a retrigger or a legato change of velocity never clicks.
        self.attack_left = ((f64::from(p.attack.at(at)) * 0.001 * sr).round() as u32).max(1);
        self.attack_step = (velocity.clamp(0.0, 1.0) - self.env) / self.attack_left as f32;
        self.held = Some(note);
        self.active = true;
    }

    fn note_off(&mut self, note: u8) {
        if self.held == Some(note) {
            self.held = None;
            self.attack_left = 0;
        }
    }

    /// Renders `out`, the frames of the block from `first` on.
    ///
    /// The oscillator is a rotating (sin, cos) pair, re-derived from the phase on every call so
    /// rounding never accumulates; during a glide the rotation itself turns by the change of
    /// angle. sin 2x = 2 sin x cos x gives the harmonic.
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
            let tone = (s32 + b.harmonic * 2.0 * s32 * c32) * b.harmonic_norm;
            *o = self.level(tone, first + j, b);
            self.phase += self.freq * self.inv_rate;
            if self.phase >= 1.0 {
                self.phase -= 1.0;
            }
            (s, c) = (s * cos_w + c * sin_w, c * cos_w - s * sin_w);
            if self.glide_left > 0 {
                self.glide_left -= 1;
                self.freq = if self.glide_left == 0 {
                    self.note_freq
                } else {
                    self.freq * self.glide_ratio
                };
                // The change of angle is tiny: sin d and cos d to third order are exact.
                let next = TAU * self.freq * self.inv_rate;
                let d = next - w;
                w = next;
                let (sin_d, cos_d) = (d * (1.0 - d * d / 6.0), 1.0 - 0.5 * d * d);
                (sin_w, cos_w) = (sin_w * cos_d + cos_w * sin_d, cos_w * cos_d - sin_w * sin_d);
            }
        }
        if self.held.is_none() && self.attack_left == 0 && self.env < SILENT {
            self.silence();
        }
    }

    /// Envelope and gain.
    #[inline(always)]
    fn level(&mut self, tone: f32, frame: usize, b: &Block) -> f32 {
        let gain = b.gain.0 + (b.gain.1 - b.gain.0) * frame as f32 * b.inv_frames;
        let y = tone * self.env * gain;
        if self.attack_left > 0 {
            self.attack_left -= 1;
            self.env += self.attack_step;
        } else if self.held.is_none() {
            self.env *= b.release;
        }
        y
    }

    fn silence(&mut self) {
        self.active = false;
        self.env = 0.0;
        self.attack_left = 0;
        self.glide_left = 0;
    }
}

/// Per-block settings; the gain ramps across the block.
struct Block {
    harmonic: f32,
    harmonic_norm: f32,
    release: f32,
    gain: (f32, f32),
    inv_frames: f32,
}

impl Processor for Bass {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let p = self.knobs.read(ctx);
        let events = ctx.events_in(0);
        let harmonic = db_to_gain(p.harmonic.last());
        let b = Block {
            harmonic,
            harmonic_norm: 1.0 / (1.0 + harmonic),
            release: t60_coefficient(p.release.last().max(1.0), self.sample_rate as f32),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instrument::audition::{amplitude, fit, levels, mean_freq, play, SR};

    #[test]
    fn f0_matches_the_note() {
        for (note, hz) in [(41.0, 87.307), (33.0, 55.0), (28.0, 41.203)] {
            let x = play(KIND, &[], &[("note_a", note)], 0.6);
            let f = mean_freq(&x, 0.05, 0.55);
            let err = (f / hz - 1.0).abs() * 100.0;
            eprintln!("note {note}: {f:.3} Hz, error {err:.4} %");
            assert!(err < 1.0, "note {note}: {f} Hz");
        }
        // The 2nd harmonic sits at harmonic_db re the fundamental.
        let x = play(KIND, &[("harmonic_db", -20.0)], &[("note_a", 45.0)], 0.6);
        let h = 20.0 * (amplitude(&x, 220.0, 0.1, 0.5) / amplitude(&x, 110.0, 0.1, 0.5)).log10();
        eprintln!("2nd harmonic at {h:.2} dB for harmonic_db −20");
        assert!((h + 20.0).abs() < 0.5);
    }

    #[test]
    fn level_holds_while_the_key_is_held() {
        let x = play(KIND, &[], &[("note_a", 45.0)], 1.2);
        // 100 ms windows are eleven whole periods of 110 Hz.
        let lv: Vec<f64> = levels(&x, 0.1, 0.05)
            .into_iter()
            .filter(|p| p.0 > 0.1)
            .map(|p| p.1)
            .collect();
        let spread =
            lv.iter().fold(f64::MIN, |m, v| m.max(*v)) - lv.iter().fold(f64::MAX, |m, v| m.min(*v));
        // Velocity 1 at −6 dB: a sine of peak ≈ 0.5, RMS ≈ −9 dBFS.
        eprintln!("held level {:.2} dB, spread {spread:.4} dB over 1 s", lv[0]);
        assert!(spread < 0.05, "level moved {spread} dB");
        let soft = play(KIND, &[], &[("note_a", 45.0), ("velocity", 0.5)], 0.4);
        let ratio = amplitude(&soft, 110.0, 0.1, 0.3) / amplitude(&x, 110.0, 0.1, 0.3);
        eprintln!("velocity 0.5 / 1.0 level ratio {ratio:.4}");
        assert!((ratio - 0.5).abs() < 0.01);
    }

    #[test]
    fn release_time_is_release_ms_then_silence() {
        for release in [150.0, 400.0] {
            let keys = [("note_a", 45.0), ("off_a_ms", 200.0)];
            let x = play(
                KIND,
                &[("release_ms", release)],
                &keys,
                0.2 + release / 1000.0 * 2.0 + 0.3,
            );
            let lv = levels(&x, 0.1, 0.005);
            let held = lv[5].1;
            let pts: Vec<(f64, f64)> = lv
                .iter()
                .copied()
                .filter(|p| p.0 > 0.26 && p.1 > held - 55.0)
                .collect();
            let t60 = -60.0 / fit(&pts).0 * 1000.0;
            let tail_from = ((0.2 + release / 1000.0 * 5.0 / 3.0 + 0.01) * SR) as usize;
            let tail_peak = x[tail_from..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
            let err = (t60 / release - 1.0) * 100.0;
            eprintln!("release_ms {release}: T60 {t60:.1} ms ({err:+.2} %), then {tail_peak:e}");
            assert!((t60 / release - 1.0).abs() < 0.1, "T60 {t60} for {release}");
            assert_eq!(tail_peak, 0.0, "silence after the release");
        }
    }

    #[test]
    fn legato_glides_and_a_new_note_replaces_the_old() {
        let keys = [
            ("note_a", 45.0),
            ("off_a_ms", 400.0),
            ("note_b", 57.0),
            ("on_b_ms", 200.0),
        ];
        let x = play(KIND, &[("glide_ms", 80.0)], &keys, 0.6);
        let mid = mean_freq(&x, 0.23, 0.25);
        let end = mean_freq(&x, 0.3, 0.6);
        eprintln!(
            "glide 80 ms: {mid:.1} Hz 30–50 ms in, then {end:.2} Hz; 110 Hz left {:.2e}",
            amplitude(&x, 110.0, 0.3, 0.6)
        );
        assert!(mid > 130.0 && mid < 200.0, "{mid}");
        assert!((end / 220.0 - 1.0).abs() < 0.01);
        assert!(amplitude(&x, 110.0, 0.3, 0.6) < 1e-3);
    }
}
