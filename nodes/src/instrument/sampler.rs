//! `instrument.sampler`: plays a user's audio file on every note, pitched by playback rate
//! relative to `root_note` (one octave up plays twice as fast and half as long).
//!
//! The file (WAV, FLAC, MP3, OGG; `file` is resolved against the preset's folder) is decoded and
//! resampled to the session rate in the constructor, on the control thread; the audio thread only
//! reads the preloaded samples with 4-point Hermite interpolation. Pitching up does not band-limit,
//! so very high transpositions of bright samples alias. Mono files play on both channels.
//!
//! Each note is a voice with a linear attack and release (`one_shot` plays to the end and ignores
//! Note Off); velocity scales the amplitude linearly. Past `voices` sounding notes the oldest is
//! stolen with a 5 ms fade. Slots exist for the largest `voices`, so changing it needs no rebuild.

use yano_engine::event::spans;
use yano_engine::param::{ParamSpec, ParamValues, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, NoteKind, PortLayout, ProcessContext, Processor,
};

use yano_audio_io::decode::{decode_file, resample};

pub const KIND: &str = "instrument.sampler";

const MAX_VOICES: usize = 32;
/// Room for stolen voices to fade while new ones start.
const SLOTS: usize = MAX_VOICES + 8;
const STEAL_MS: f32 = 5.0;
/// 1.0 in the 32.32 fixed point of read positions.
const FIXED_ONE: f64 = 4_294_967_296.0;
/// Longest file accepted; longer ones are refused before decoding where the length is known.
const MAX_SECONDS: f64 = 600.0;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "plays an audio file per note, pitched by playback rate from root_note",
        params: vec![
            ParamSpec::text(
                "file",
                "audio file (WAV, FLAC, MP3, OGG), relative to the preset's folder",
                "",
            ),
            ParamSpec::integer(
                "root_note",
                "the note that plays the file at its own pitch",
                0,
                127,
                60,
                Unit::None,
            ),
            ParamSpec::integer(
                "voices",
                "notes that sound at once; the oldest is stolen",
                1,
                MAX_VOICES as i64,
                8,
                Unit::Count,
            ),
            ParamSpec::number("attack_ms", "fade-in", 0.0, 5000.0, 2.0, Unit::Milliseconds),
            ParamSpec::number(
                "release_ms",
                "fade-out after Note Off",
                0.0,
                10_000.0,
                100.0,
                Unit::Milliseconds,
            ),
            ParamSpec::choice(
                "one_shot",
                "on: play to the end, ignoring Note Off",
                &["off", "on"],
                0,
            ),
            ParamSpec::number("gain_db", "output level", -96.0, 24.0, 0.0, Unit::Decibels),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input("notes", PortType::Events, "notes to play"),
            PortSpec::output("out", PortType::STEREO, "the sample"),
        ]),
        build: Build::Realtime(build),
    }
}

/// Control thread: decodes and resamples the whole file. No file yet (an empty `file`) builds a
/// silent sampler, so a freshly added node does not stop its graph from compiling.
fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let channels = if config.params.text("file")?.trim().is_empty() {
        vec![Vec::new()]
    } else {
        let path = config.path("file")?;
        let decoded = decode_file(&path, MAX_SECONDS).map_err(|e| NodeError::new(e.to_string()))?;
        let audio = resample(decoded, config.sample_rate)
            .map_err(|e| NodeError::new(format!("{}: {e}", path.display())))?;
        if audio.channels.first().is_none_or(Vec::is_empty) {
            return Err(NodeError::new(format!("{} holds no audio", path.display())));
        }
        audio.channels
    };
    // One zero before and two after, so the interpolator's four taps never leave the buffer.
    let pad = |c: &Vec<f32>| -> Box<[f32]> {
        let tail = [0.0; 2];
        std::iter::once(0.0)
            .chain(c.iter().copied())
            .chain(tail)
            .collect()
    };
    Ok(Box::new(Sampler {
        knobs: Knobs::resolve(config)?,
        left: channels.first().map(pad).unwrap_or_default(),
        right: channels.get(1).map(pad),
        frames: channels.first().map_or(0, Vec::len),
        voices: [Voice::default(); SLOTS],
        order: 0,
        sr: config.sample_rate as f32,
    }))
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Stage {
    #[default]
    Attack,
    Sustain,
    Release,
    Stolen,
}

#[derive(Debug, Clone, Copy, Default)]
struct Voice {
    active: bool,
    note: u8,
    /// When the note started (larger is newer).
    order: u64,
    /// Read position in file frames and its step per output frame, both 32.32 fixed point.
    pos: u64,
    rate: u64,
    velocity: f32,
    env: f32,
    /// Envelope change per frame (up in the attack, down in release or steal).
    step: f32,
    stage: Stage,
}

impl Voice {
    /// Moves the envelope on one frame; false once it has faded out.
    #[inline]
    fn advance(&mut self) -> bool {
        match self.stage {
            Stage::Attack => {
                self.env += self.step;
                if self.env >= 1.0 {
                    self.env = 1.0;
                    self.stage = Stage::Sustain;
                }
                true
            }
            Stage::Sustain => true,
            Stage::Release | Stage::Stolen => {
                self.env -= self.step;
                self.env > 0.0
            }
        }
    }

    /// Fades out from the current level over `frames`.
    fn fade(&mut self, stage: Stage, frames: f32) {
        self.stage = stage;
        self.step = self.env / frames.max(1.0);
    }

    /// The frame under the read head, the fraction past it and the gain; None (and the voice
    /// stops) at the end of the file.
    #[inline]
    fn tap(&mut self, frames: usize) -> Option<(usize, f32, f32)> {
        let i = (self.pos >> 32) as usize;
        self.active = i < frames;
        let t = ((self.pos as u32) >> 8) as i32 as f32 * (1.0 / 16_777_216.0);
        self.active.then_some((i, t, self.velocity * self.env))
    }

    /// Moves the read head and the envelope on; false once the voice has stopped.
    #[inline]
    fn step(&mut self) -> bool {
        self.pos += self.rate;
        self.active = self.advance();
        self.active
    }

    /// Adds this voice into `out` from a mono file.
    fn render_mono(&mut self, data: &[f32], frames: usize, out: &mut [f32]) {
        for o in out.iter_mut() {
            let Some((i, t, g)) = self.tap(frames) else {
                return;
            };
            if let Some(&[a, b, c, d]) = data.get(i..i + 4) {
                *o += g * hermite(a, b, c, d, t);
            }
            if !self.step() {
                return;
            }
        }
    }

    /// Adds this voice into `out` from a stereo file.
    fn render_stereo(&mut self, data: [&[f32]; 2], frames: usize, out: [&mut [f32]; 2]) {
        let [left, right] = data;
        let [out_l, out_r] = out;
        for (l, r) in out_l.iter_mut().zip(out_r.iter_mut()) {
            let Some((i, t, g)) = self.tap(frames) else {
                return;
            };
            if let (Some(&[a, b, c, d]), Some(&[e, f, h, k])) =
                (left.get(i..i + 4), right.get(i..i + 4))
            {
                *l += g * hermite(a, b, c, d, t);
                *r += g * hermite(e, f, h, k, t);
            }
            if !self.step() {
                return;
            }
        }
    }
}

/// 4-point, 3rd-order Hermite interpolation between `x0` and `x1` at `t` in [0, 1).
#[inline]
fn hermite(xm1: f32, x0: f32, x1: f32, x2: f32, t: f32) -> f32 {
    let c1 = 0.5 * (x1 - xm1);
    let c2 = xm1 - 2.5 * x0 + 2.0 * x1 - 0.5 * x2;
    let c3 = 0.5 * (x2 - xm1) + 1.5 * (x0 - x1);
    ((c3 * t + c2) * t + c1) * t + x0
}

yano_engine::param_handles! {
    /// The sampler's parameters, resolved by id when it is built.
    struct Knobs / Values {
        root: "root_note",
        voices: "voices",
        attack: "attack_ms",
        release: "release_ms",
        one_shot: "one_shot",
        gain: "gain_db",
    }
}

struct Sampler {
    knobs: Knobs,
    /// The file at the session rate, padded (see `build`).
    left: Box<[f32]>,
    right: Option<Box<[f32]>>,
    /// Frames in the file.
    frames: usize,
    voices: [Voice; SLOTS],
    order: u64,
    sr: f32,
}

impl Sampler {
    fn note_on(&mut self, note: u8, velocity: f32, p: &Values<'_>, at: usize) {
        let value = |v: ParamValues<'_>| v.at(at);
        let limit = (value(p.voices) as usize).clamp(1, MAX_VOICES);
        let steal = STEAL_MS * 0.001 * self.sr;
        let sounding = |v: &&mut Voice| v.active && v.stage != Stage::Stolen;
        while self.voices.iter_mut().filter(sounding).count() >= limit {
            match self
                .voices
                .iter_mut()
                .filter(sounding)
                .min_by_key(|v| v.order)
            {
                Some(oldest) => oldest.fade(Stage::Stolen, steal),
                None => break,
            }
        }
        // A free slot, else the quietest stolen voice (only when notes pile up within 5 ms).
        let slot = match self.voices.iter().position(|v| !v.active) {
            Some(i) => self.voices.get_mut(i),
            None => self
                .voices
                .iter_mut()
                .filter(|v| v.stage == Stage::Stolen)
                .min_by(|a, b| a.env.total_cmp(&b.env)),
        };
        let Some(v) = slot else {
            return;
        };
        let attack = value(p.attack) * 0.001 * self.sr;
        self.order += 1;
        *v = Voice {
            active: true,
            note,
            order: self.order,
            pos: 0,
            rate: (2f64.powf((f64::from(note) - f64::from(value(p.root))) / 12.0) * FIXED_ONE)
                as u64,
            velocity: velocity.clamp(0.0, 1.0),
            env: if attack < 1.0 { 1.0 } else { 0.0 },
            step: 1.0 / attack.max(1.0),
            stage: if attack < 1.0 {
                Stage::Sustain
            } else {
                Stage::Attack
            },
        };
    }

    fn note_off(&mut self, note: u8, p: &Values<'_>, at: usize) {
        let value = |v: ParamValues<'_>| v.at(at);
        if value(p.one_shot) >= 0.5 {
            return;
        }
        let release = value(p.release) * 0.001 * self.sr;
        for v in self
            .voices
            .iter_mut()
            .filter(|v| v.active && v.note == note)
        {
            if matches!(v.stage, Stage::Attack | Stage::Sustain) {
                v.fade(Stage::Release, release);
            }
        }
    }

    /// Adds every voice into `left` (and `right` for a stereo file; a mono one is copied later).
    fn render(&mut self, left: &mut [f32], right: &mut [f32]) {
        for v in self.voices.iter_mut().filter(|v| v.active) {
            match &self.right {
                Some(r) => v.render_stereo([&self.left, r], self.frames, [&mut *left, &mut *right]),
                None => v.render_mono(&self.left, self.frames, left),
            }
        }
    }
}

impl Processor for Sampler {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let frames = ctx.frames();
        let params = self.knobs.read(ctx);
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
                match e.kind {
                    NoteKind::On { note, velocity, .. } if velocity > 0.0 => {
                        self.note_on(note, velocity, &params, at)
                    }
                    NoteKind::On { note, .. } | NoteKind::Off { note } => {
                        self.note_off(note, &params, at)
                    }
                }
            }
        }
        if self.right.is_none() {
            right.iter_mut().zip(left.iter()).for_each(|(r, l)| *r = *l);
        }
        params.gain.scale_by_db(left, right);
    }

    fn reset(&mut self) {
        for v in &mut self.voices {
            v.active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::registry;
    use std::f64::consts::TAU;
    use std::path::PathBuf;
    use std::sync::{Arc, OnceLock};
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::Transport;
    use yano_testkit::nodes::NOTES;

    const SR: f64 = 48_000.0;

    /// The scratch folder the tests' WAV files are written to, made once per run.
    fn dir() -> PathBuf {
        static DIR: OnceLock<PathBuf> = OnceLock::new();
        DIR.get_or_init(|| yano_testkit::scratch("nodes", "sampler"))
            .clone()
    }

    /// Writes a float WAV of one sine per channel (amplitude 0.5) and returns its file name.
    fn sine_wav(name: &str, rate: u32, seconds: f64, freqs: &[f64]) -> String {
        let spec = hound::WavSpec {
            channels: freqs.len() as u16,
            sample_rate: rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(dir().join(name), spec).unwrap();
        for n in 0..(seconds * f64::from(rate)) as usize {
            for f in freqs {
                w.write_sample((0.5 * (TAU * f * n as f64 / f64::from(rate)).sin()) as f32)
                    .unwrap();
            }
        }
        w.finalize().unwrap();
        name.to_string()
    }

    fn graph(
        file: &str,
        params: &[(&str, f64)],
        notes: &str,
    ) -> (Graph, Arc<yano_engine::Registry>) {
        let r = registry();
        let mut g = Graph::new(Transport::default());
        g.base_dir = Some(dir());
        g.add_node(NodeSpec::new("keys", NOTES).with("notes", notes), &r)
            .unwrap();
        let spec = NodeSpec::new("s", KIND).with("file", file);
        g.add_node(params.iter().fold(spec, |s, (k, v)| s.with(k, *v)), &r)
            .unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("keys.notes", "s.notes", &r).unwrap();
        g.connect("s.out", "out.in", &r).unwrap();
        (g, r)
    }

    fn play(file: &str, params: &[(&str, f64)], notes: &str, seconds: f64) -> (Vec<f32>, Vec<f32>) {
        let (g, r) = graph(file, params, notes);
        let out = render(
            &g,
            r,
            RenderOptions {
                seconds,
                ..RenderOptions::default()
            },
        )
        .unwrap();
        (out.left, out.right)
    }

    /// Mean frequency from the zero crossings of `x`.
    fn frequency(x: &[f32]) -> f64 {
        let ups: Vec<f64> = (1..x.len())
            .filter(|&i| x[i - 1] <= 0.0 && x[i] > 0.0)
            .map(|i| (i - 1) as f64 + f64::from(x[i - 1] / (x[i - 1] - x[i])))
            .collect();
        SR * (ups.len() - 1) as f64 / (ups[ups.len() - 1] - ups[0])
    }

    /// Amplitude of the component at `freq` (single-bin DFT under a Hann window).
    fn amplitude(x: &[f32], freq: f64) -> f64 {
        let n = x.len() as f64;
        let (re, im) = x.iter().enumerate().fold((0.0, 0.0), |(re, im), (i, v)| {
            let (w, hann) = (
                TAU * freq * i as f64 / SR,
                0.5 - 0.5 * (TAU * i as f64 / n).cos(),
            );
            (
                re + hann * f64::from(*v) * w.cos(),
                im + hann * f64::from(*v) * w.sin(),
            )
        });
        4.0 * (re * re + im * im).sqrt() / n
    }

    fn last_sound(x: &[f32]) -> usize {
        x.iter().rposition(|v| v.abs() > 1e-4).unwrap_or(0)
    }

    #[test]
    fn plays_the_file_at_root_note_and_an_octave_up_at_double_speed() {
        let file = sine_wav("a440.wav", 48_000, 0.5, &[440.0]);
        // Error against the ideal sine at `rate`, after the attack, in dB.
        let error_db = |x: &[f32], rate: f64, len: usize| {
            let (attack, ideal) = (96, |n: usize| {
                0.5 * (TAU * 440.0 * rate * n as f64 / SR).sin()
            });
            let err = (attack..len)
                .map(|n| (f64::from(x[n]) - ideal(n)).powi(2))
                .sum::<f64>();
            let sig = (attack..len).map(|n| ideal(n).powi(2)).sum::<f64>();
            10.0 * (err / sig).log10()
        };
        let (l, r) = play(&file, &[], "0 60 1", 0.7);
        let db = error_db(&l, 1.0, 24_000);
        assert!(db < -60.0, "error {db:.1} dB");
        assert_eq!(l, r, "a mono file plays on both channels");
        assert!(
            l[24_000..].iter().all(|v| *v == 0.0),
            "silent after the file"
        );
        let (up, _) = play(&file, &[], "0 72 1", 0.7);
        let (f, end) = (frequency(&up[1000..11_000]), last_sound(&up));
        assert!(
            (f - 880.0).abs() / 880.0 < 0.002,
            "an octave up plays {f:.2} Hz"
        );
        assert!(end.abs_diff(12_000) < 120, "and lasts {end} frames");
        // A fifth up reads between the samples: the interpolation error.
        let (fifth, _) = play(&file, &[], "0 67 1", 0.7);
        let fifth_db = error_db(&fifth, 2f64.powf(7.0 / 12.0), 15_000);
        assert!(fifth_db < -60.0, "a fifth up: error {fifth_db:.1} dB");
        eprintln!("root: error {db:.1} dB; octave up: {f:.3} Hz, {end} frames (file 24000); fifth up: error {fifth_db:.1} dB");
    }

    #[test]
    fn a_stereo_file_at_another_rate_is_resampled_and_keeps_pitch_and_length() {
        let file = sine_wav("stereo-44k1.wav", 44_100, 0.5, &[440.0, 660.0]);
        let (l, r) = play(&file, &[("root_note", 48.0)], "0 48 1", 0.7);
        let (fl, fr, end) = (
            frequency(&l[1000..20_000]),
            frequency(&r[1000..20_000]),
            last_sound(&l),
        );
        assert!(
            (fl - 440.0).abs() < 0.5 && (fr - 660.0).abs() < 0.5,
            "{fl:.2} Hz | {fr:.2} Hz"
        );
        assert!(end.abs_diff(24_000) < 100, "lasts {end} frames");
        eprintln!("44.1 kHz stereo file: left {fl:.3} Hz, right {fr:.3} Hz, {end} frames");
    }

    #[test]
    fn missing_and_corrupt_files_are_named_in_the_error_and_no_file_is_silence() {
        let (l, _) = play("", &[], "0 60 1", 0.1);
        assert!(l.iter().all(|v| *v == 0.0), "no file yet: silence");
        std::fs::write(dir().join("corrupt.wav"), b"RIFF nonsense, not audio").unwrap();
        for name in ["missing.wav", "corrupt.wav"] {
            let (g, r) = graph(name, &[], "");
            let error = match yano_engine::Compiler::new(r, 128).compile(&g) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{name} compiled"),
            };
            assert!(
                error.contains(&dir().join(name).display().to_string()),
                "{error}"
            );
            eprintln!("{error}");
        }
    }

    #[test]
    fn notes_sound_together_and_a_stolen_voice_fades_out() {
        let file = sine_wav("a440-long.wav", 48_000, 1.0, &[440.0]);
        let fifth = 440.0 * 2f64.powf(7.0 / 12.0);
        let (both, _) = play(&file, &[], "0 60 1; 0 67 1", 0.4);
        let (a, e) = (
            amplitude(&both[4800..14_400], 440.0),
            amplitude(&both[4800..14_400], fifth),
        );
        assert!(
            (a - 0.5).abs() < 0.01 && (e - 0.5).abs() < 0.01,
            "{a:.3} and {e:.3}"
        );
        let (stolen, _) = play(&file, &[("voices", 1.0)], "0 60 1; 4800 67 1", 0.4);
        let (a, e) = (
            amplitude(&stolen[6000..15_600], 440.0),
            amplitude(&stolen[6000..15_600], fifth),
        );
        assert!(
            a < 1e-3 && (e - 0.5).abs() < 0.01,
            "after a steal: {a:.5} and {e:.3}"
        );
        let step = stolen[4700..5200]
            .windows(2)
            .fold(0f32, |m, w| m.max((w[1] - w[0]).abs()));
        assert!(step < 0.1, "the steal steps by {step:.3}");
        eprintln!("two notes: 0.5 each; stolen voice left at {a:.1e}, largest step {step:.4}");
    }

    #[test]
    fn note_off_releases_unless_one_shot() {
        let file = sine_wav("a440-release.wav", 48_000, 1.0, &[440.0]);
        let notes = "0 60 1; 9600 60 off";
        let (held, _) = play(&file, &[("release_ms", 50.0)], notes, 0.5);
        let released = last_sound(&held) - 9600;
        assert!(
            released.abs_diff(2400) < 50,
            "released in {released} frames"
        );
        let (mut g, r) = graph(&file, &[], notes);
        g.set_param("s", "one_shot", "on".into(), &r).unwrap();
        let opts = RenderOptions {
            seconds: 1.2,
            ..RenderOptions::default()
        };
        let end = last_sound(&render(&g, r, opts).unwrap().left);
        assert!(end.abs_diff(48_000) < 10, "one-shot ends at {end}");
        eprintln!("release_ms 50: silent {released} frames after Note Off; one-shot ends at {end}");
    }
}
