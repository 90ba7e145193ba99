//! Vibrato and portamento: the pitch a voice sings at each control step.
//!
//! Vibrato is a sine of `rate` Hz and `depth` cents (the peak deviation: the pitch swings
//! ±depth), silent for `delay` after the note starts, then fading in linearly over `fade`. It
//! starts at the zero of its sine, so the pitch never jumps. Portamento is a straight line in
//! semitones from the pitch sung now to the new note, lasting the whole `portamento_ms`.

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
}

/// Vibrato settings in samples and turns per sample.
#[derive(Debug, Clone, Copy, Default)]
pub struct VibratoShape {
    pub rate: f32,
    pub depth_semitones: f32,
    pub delay: f32,
    pub fade: f32,
}

impl VibratoShape {
    pub fn new(rate_hz: f32, depth_cents: f32, delay_ms: f32, fade_ms: f32, sr: f32) -> Self {
        VibratoShape {
            rate: rate_hz.max(0.0) / sr,
            depth_semitones: depth_cents.max(0.0) / 100.0,
            delay: delay_ms.max(0.0) * 0.001 * sr,
            fade: (fade_ms * 0.001 * sr).max(1.0),
        }
    }
}

impl Pitch {
    /// A new note, no glide; the vibrato starts its delay again.
    pub fn start(&mut self, note: f32) {
        *self = Pitch {
            now: note,
            target: note,
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
        let into = self.age - v.delay;
        if into <= 0.0 || v.depth_semitones == 0.0 {
            return self.now;
        }
        self.phase += v.rate * samples;
        self.phase -= self.phase.floor();
        let fade = (into / v.fade).min(1.0);
        self.now + fade * v.depth_semitones * sin_turns(self.phase)
    }
}
