//! The singer's voices: hands notes to a fixed set of [`Vocalist`]s, steals without clicks,
//! sings legato in mono, and spreads the voices across the stereo field.
//!
//! Allocation follows [`crate::instrument::voice::VoicePool`] (the same note again reuses its
//! voice; then a free voice; then the quietest released one; then the oldest note), and a
//! stolen voice fades out over [`STEAL_MS`] before the new note starts in it. The singer keeps
//! its own pool because its voices need what that pool does not carry: the syllable of each
//! note, a coda hum held after note-off, and legato.
//!
//! Legato (portamento) is defined for `voices` = 1: a note that starts while another is still
//! held does not restart the voice; its envelope and glottis run on, the pitch glides to the new
//! note over `portamento_ms` and the new syllable is articulated from the shape sung now. With
//! more voices every note has its own voice and starts at its own pitch.
//!
//! Voice k sits at a fixed place in the field: 0 in the centre, then alternately left and right
//! at ±1, ±½, ±¾, ±¼ … of `width` (equal-power panning; width 0 is mono, both channels equal).

use std::f32::consts::FRAC_PI_4;

use yano_engine::{NoteEvent, NoteKind, Syllable};

use super::vocalist::{Shared, Vocalist};
use crate::instrument::voice::{
    velocity_gain, Envelope, EnvelopeRates, Stage, VoiceState, CHUNK, STEAL_MS,
};

/// Most voices the singer can be set to.
pub const MAX_VOICES: usize = 16;

struct Slot {
    voice: Vocalist,
    env: Envelope,
    note: u8,
    held: bool,
    age: u64,
    fade_left: u32,
    /// Samples the level holds after note-off before the release (the coda hum).
    hold_left: u32,
    /// (velocity peak, syllable) of the note that starts when a steal fade ends.
    pending: Option<(f32, Syllable)>,
    /// Place in the field, −1 (left) … 1 (right), before `width`.
    place: f32,
}

impl Slot {
    fn sounding(&self) -> bool {
        self.env.stage != Stage::Idle || self.fade_left > 0
    }
}

/// Place of voice `k`: 0, then ±1, ±½, ±¾, ±¼, … (a van der Corput sequence folded to the sides).
fn place(k: usize) -> f32 {
    if k == 0 {
        return 0.0;
    }
    let j = (k - 1) / 2;
    let (mut x, mut bit, mut n) = (0.0f32, 0.5f32, j);
    while n > 0 {
        if n & 1 == 1 {
            x += bit;
        }
        bit *= 0.5;
        n >>= 1;
    }
    let side = if k % 2 == 1 { -1.0 } else { 1.0 };
    side * (1.0 - x)
}

/// The voices and their allocation.
pub struct Choir {
    slots: Box<[Slot]>,
    limit: usize,
    rates: EnvelopeRates,
    fade_total: u32,
    clock: u64,
    seed: u32,
    width: f32,
    amp: [f32; CHUNK],
    mono: [f32; CHUNK],
}

impl Choir {
    /// Control thread: [`MAX_VOICES`] voices, everything allocated here.
    pub fn new(sample_rate: f32) -> Choir {
        let slots: Box<[Slot]> = (0..MAX_VOICES)
            .map(|k| Slot {
                voice: Vocalist::new(0x2545_F491 ^ (k as u32).wrapping_mul(0x9E37_79B9)),
                env: Envelope::IDLE,
                note: 0,
                held: false,
                age: 0,
                fade_left: 0,
                hold_left: 0,
                pending: None,
                place: place(k),
            })
            .collect();
        Choir {
            limit: 4,
            slots,
            rates: EnvelopeRates::new(sample_rate, 20.0, 1000.0, 1.0, 250.0),
            fade_total: ((STEAL_MS * 0.001 * sample_rate).round() as u32).max(1),
            clock: 0,
            seed: 0x9E37_79B9,
            width: 0.0,
            amp: [0.0; CHUNK],
            mono: [0.0; CHUNK],
        }
    }

    pub fn set_rates(&mut self, rates: EnvelopeRates) {
        self.rates = rates;
    }

    pub fn set_width(&mut self, width: f32) {
        self.width = width.clamp(0.0, 1.0);
    }

    /// Sets the polyphony; voices beyond a lowered limit fade out.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.clamp(1, self.slots.len());
        for s in self.slots.iter_mut().skip(self.limit) {
            if s.pending.take().is_some() || (s.sounding() && s.fade_left == 0) {
                s.held = false;
                if s.fade_left == 0 {
                    s.fade_left = self.fade_total;
                }
            }
        }
    }

    /// Voices sounding now (fading ones included).
    pub fn sounding(&self) -> usize {
        self.slots.iter().filter(|s| s.sounding()).count()
    }

    fn note_on(&mut self, note: u8, peak: f32, syllable: Syllable, shared: &Shared) {
        self.clock += 1;
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        let (clock, seed, fade_total) = (self.clock, self.seed, self.fade_total);
        if self.limit == 1 {
            let s = &mut self.slots[0];
            if s.held && s.fade_left == 0 && s.pending.is_none() && s.env.stage != Stage::Idle {
                s.note = note;
                s.age = clock;
                s.hold_left = 0;
                s.voice.legato(note, syllable.letters(), shared);
                s.env.trigger(peak);
                return;
            }
        }
        // The pool's rule: the same note, a free voice, the quietest released one, the oldest.
        let mut best: Option<((u8, u64), &mut Slot)> = None;
        for s in self.slots.iter_mut().take(self.limit) {
            let key = VoiceState {
                env: &s.env,
                note: s.note,
                held: s.held,
                age: s.age,
                fade_left: s.fade_left,
            }
            .rank(note);
            if best.as_ref().is_none_or(|b| key < b.0) {
                best = Some((key, s));
            }
        }
        let Some(((class, _), s)) = best else {
            return;
        };
        s.held = true;
        s.age = clock;
        s.hold_left = 0;
        match class {
            0 if s.fade_left == 0 => {
                // The same note sung again: a new syllable from the shape sung now, no fade.
                s.voice.legato(note, syllable.letters(), shared);
                s.env.trigger(peak);
            }
            1 => {
                s.note = note;
                s.env = Envelope::IDLE;
                s.voice.start(note, syllable.letters(), seed, shared);
                s.env.trigger(peak);
            }
            _ => {
                s.note = note;
                s.pending = Some((peak, syllable));
                if s.fade_left == 0 {
                    s.fade_left = fade_total;
                }
            }
        }
    }

    fn note_off(&mut self, note: u8, shared: &Shared) {
        for s in self.slots.iter_mut() {
            if s.note == note && s.held && s.sounding() {
                s.held = false;
                if s.pending.is_none() {
                    Self::release(s, shared);
                }
            }
        }
    }

    fn release(s: &mut Slot, shared: &Shared) {
        s.hold_left = s.voice.release(shared);
        if s.hold_left == 0 {
            s.env.release();
        }
    }

    /// Audio thread: plays one block. Renders up to each event's offset, then applies the events
    /// there, note-offs first (a note released and struck at one instant sounds again); a
    /// note-on with velocity 0 is a note-off. `left` and `right` are added to.
    pub fn play(
        &mut self,
        events: &[NoteEvent],
        velocity_amount: f32,
        shared: &Shared,
        left: &mut [f32],
        right: &mut [f32],
    ) {
        let n = left.len().min(right.len());
        let mut pos = 0;
        let mut rest = events;
        while let Some(first) = rest.first() {
            let same = rest.iter().take_while(|e| e.offset == first.offset).count();
            let (group, later) = rest.split_at(same);
            rest = later;
            let at = (first.offset as usize).clamp(pos, n);
            self.render(shared, &mut left[pos..at], &mut right[pos..at]);
            pos = at;
            for e in group {
                match e.kind {
                    NoteKind::On { note, velocity, .. } if velocity <= 0.0 => {
                        self.note_off(note, shared)
                    }
                    NoteKind::Off { note } => self.note_off(note, shared),
                    NoteKind::On { .. } => {}
                }
            }
            for e in group {
                if let NoteKind::On {
                    note,
                    velocity,
                    syllable,
                } = e.kind
                {
                    if velocity > 0.0 {
                        let peak = velocity_gain(velocity, velocity_amount);
                        self.note_on(note, peak, syllable, shared);
                    }
                }
            }
        }
        self.render(shared, &mut left[pos..n], &mut right[pos..n]);
    }

    /// Adds every sounding voice into `left`/`right`, each at its place in the field.
    fn render(&mut self, shared: &Shared, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let step = 1.0 / self.fade_total as f32;
        for s in self.slots.iter_mut() {
            let angle = (self.width * s.place + 1.0) * FRAC_PI_4;
            let (gl, gr) = (angle.cos(), angle.sin());
            let mut pos = 0;
            while pos < n && s.sounding() {
                let fading = s.fade_left > 0;
                let mut len = (n - pos).min(CHUNK);
                if fading {
                    len = len.min(s.fade_left as usize);
                }
                if s.hold_left > 0 {
                    len = len.min(s.hold_left as usize);
                }
                let amp = &mut self.amp[..len];
                s.env.fill(&self.rates, amp);
                if fading {
                    let mut g = s.fade_left as f32 * step;
                    for a in amp.iter_mut() {
                        *a *= g;
                        g -= step;
                    }
                    s.fade_left -= len as u32;
                }
                let mono = &mut self.mono[..len];
                mono.fill(0.0);
                s.voice.render(shared, amp, mono);
                let end = pos + len;
                for ((l, r), m) in left[pos..end]
                    .iter_mut()
                    .zip(&mut right[pos..end])
                    .zip(mono.iter())
                {
                    *l += gl * m;
                    *r += gr * m;
                }
                pos = end;
                if s.hold_left > 0 {
                    s.hold_left -= len as u32;
                    if s.hold_left == 0 {
                        s.env.release();
                    }
                }
                if fading && s.fade_left == 0 {
                    s.env = Envelope::IDLE;
                    s.hold_left = 0;
                    if let Some((peak, syllable)) = s.pending.take() {
                        s.voice
                            .start(s.note, syllable.letters(), self.seed ^ s.age as u32, shared);
                        s.env.trigger(peak);
                        if !s.held {
                            Self::release(s, shared);
                        }
                    }
                }
            }
        }
    }

    /// Audio thread: silences every voice at once (the transport jumped).
    pub fn reset(&mut self) {
        for s in self.slots.iter_mut() {
            s.env = Envelope::IDLE;
            s.fade_left = 0;
            s.hold_left = 0;
            s.pending = None;
            s.held = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_spread_from_the_centre_outwards() {
        let p: Vec<f32> = (0..7).map(place).collect();
        assert_eq!(p, [0.0, -1.0, 1.0, -0.5, 0.5, -0.75, 0.75]);
    }
}
