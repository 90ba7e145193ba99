//! Vibrato and portamento: the pitch a voice sings at each control step.
//!
//! Vibrato is a sine of `rate` Hz and `depth` cents (the peak deviation: the pitch swings
//! ±depth), silent for `delay` after the note starts, then fading in linearly over `fade`. Each
//! note starts its sine at its own phase (from the note's seed), so the voices of a chord do not
//! swing in step; the fade-in starts from zero depth, so the pitch never jumps.
//!
//! Flutter is Klatt's (Klatt & Klatt 1990) slow irregularity of a real voice's pitch: three
//! sines at 12.7, 7.1 and 4.7 Hz, summed and divided by 3, times `flutter` × 10 cents, their
//! phases also from the seed. Portamento is a straight line in semitones from the pitch sung now
//! to the new note, lasting the whole `portamento_ms`.

use crate::instrument::voice::sin_turns;

/// The pitch of one voice: a glide between notes and a delayed vibrato.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pitch {
    /// Semitones (MIDI note numbers, fractional while gliding).
    now: f32,
    target: f32,
    /// Semitones per sample while gliding.
    step: f32,
    /// Samples since the vibrato's clock started (the note-on).
    age: f32,
    /// Vibrato phase in turns.
    phase: f32,
    /// Flutter phases in turns.
    flutter: [f32; 3],
}

/// Klatt's flutter rates (Hz) and the flutter at `flutter` = 1 (cents, the sines' mean).
const FLUTTER_HZ: [f32; 3] = [12.7, 7.1, 4.7];
const FLUTTER_CENTS: f32 = 10.0;

/// Vibrato settings in samples and turns per sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct VibratoShape {
    pub rate: f32,
    pub depth_semitones: f32,
    pub delay: f32,
    pub fade: f32,
    /// Flutter rates in turns per sample, and its size in semitones.
    pub flutter_rates: [f32; 3],
    pub flutter: f32,
}

impl VibratoShape {
    pub fn new(
        rate_hz: f32,
        depth_cents: f32,
        delay_ms: f32,
        fade_ms: f32,
        flutter: f32,
        sr: f32,
    ) -> Self {
        VibratoShape {
            rate: rate_hz.max(0.0) / sr,
            depth_semitones: depth_cents.max(0.0) / 100.0,
            delay: delay_ms.max(0.0) * 0.001 * sr,
            fade: (fade_ms * 0.001 * sr).max(1.0),
            flutter_rates: FLUTTER_HZ.map(|hz| hz / sr),
            flutter: flutter.clamp(0.0, 1.0) * FLUTTER_CENTS / 100.0 / 3.0,
        }
    }
}

impl Pitch {
    /// A new note, no glide; the vibrato starts its delay again, its sine and the flutter at
    /// phases drawn from `seed`.
    pub fn start(&mut self, note: f32, seed: u32) {
        let turn = |k: u32| (seed.rotate_left(8 * k) >> 8) as f32 / (1u32 << 24) as f32;
        *self = Pitch {
            now: note,
            target: note,
            phase: turn(0),
            flutter: [turn(1), turn(2), turn(3)],
            ..Pitch::default()
        };
    }

    /// A legato note: glide from the present pitch over `samples` (0: jump). The vibrato runs on.
    pub fn glide_to(&mut self, note: f32, samples: f32) {
        self.target = note;
        if samples < 1.0 {
            self.now = note;
            self.step = 0.0;
        } else {
            self.step = (note - self.now) / samples;
        }
    }

    /// Advances `samples` and returns the pitch sung then, in semitones.
    #[inline]
    pub fn advance(&mut self, samples: f32, v: &VibratoShape) -> f32 {
        if self.step != 0.0 {
            self.now += self.step * samples;
            if (self.step > 0.0 && self.now >= self.target)
                || (self.step < 0.0 && self.now <= self.target)
            {
                self.now = self.target;
                self.step = 0.0;
            }
        }
        self.age += samples;
        let mut pitch = self.now;
        if v.flutter > 0.0 {
            for (phase, rate) in self.flutter.iter_mut().zip(v.flutter_rates) {
                *phase += rate * samples;
                *phase -= phase.floor();
                pitch += v.flutter * sin_turns(*phase);
            }
        }
        let into = self.age - v.delay;
        if into <= 0.0 || v.depth_semitones == 0.0 {
            return pitch;
        }
        self.phase += v.rate * samples;
        self.phase -= self.phase.floor();
        let fade = (into / v.fade).min(1.0);
        pitch + fade * v.depth_semitones * sin_turns(self.phase)
    }
}
