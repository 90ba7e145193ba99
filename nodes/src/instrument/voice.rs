//! Voices for the polyphonic instruments (`instrument.keys`, `instrument.pad`): the envelope, the
//! allocator that hands notes to a fixed set of voices and steals one when all are busy, and small
//! DSP helpers they share.
//!
//! A steal never clicks: the stolen voice fades out over [`STEAL_MS`] before the new note starts in
//! it, so the number of sounding voices never exceeds the limit, not even during the fade. A note
//! played again while it still sounds goes back to its own voice, and its envelope rises from
//! where it stands (no reset, no click). Everything is allocated in [`VoicePool::new`]; nothing
//! called from `process` allocates, locks or panics.

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::{NoteEvent, NoteKind};

/// Most voices an instrument can be set to.
pub const MAX_VOICES: usize = 32;

/// Frames a voice renders per call: the envelope buffer lives on the pool, not on the stack.
pub const CHUNK: usize = 64;

/// 0, 1, 2, …: each sample's place in a chunk (for ramps and phases worked out per sample).
pub(crate) const RAMP: [f32; CHUNK] = {
    let mut ramp = [0.0; CHUNK];
    let mut n = 0;
    while n < CHUNK {
        ramp[n] = n as f32;
        n += 1;
    }
    ramp
};
/// Fade-out of a stolen voice.
pub const STEAL_MS: f32 = 3.0;
/// Below this level (−80 dBFS) a released voice is silent and free again.
const FLOOR: f32 = 1e-4;
/// ln(10⁻³): a T60 time falls by this many nepers.
const LN_T60: f32 = -6.907_755;

/// `voices`: the polyphony, 1..=[`MAX_VOICES`], default 8.
pub fn voices_param() -> ParamSpec {
    let description = "polyphony; more notes steal the oldest";
    ParamSpec::integer("voices", description, 1, MAX_VOICES as i64, 8, Unit::Count)
}

/// A time in milliseconds.
pub fn ms_param(
    id: &'static str,
    description: &'static str,
    min: f64,
    max: f64,
    default: f64,
) -> ParamSpec {
    ParamSpec::number(id, description, min, max, default, Unit::Milliseconds)
}

/// An amount from 0 to 1.
pub fn amount_param(id: &'static str, description: &'static str, default: f64) -> ParamSpec {
    ParamSpec::number(id, description, 0.0, 1.0, default, Unit::None)
}

/// `gain_db`: the output level, −96..+12 dB, default 0.
pub fn gain_param() -> ParamSpec {
    ParamSpec::number("gain_db", "output level", -96.0, 12.0, 0.0, Unit::Decibels)
}

/// Per-sample multiplier that falls 60 dB in `ms`.
#[inline]
pub fn t60_coefficient(ms: f32, sample_rate: f32) -> f32 {
    (LN_T60 / (ms * 0.001 * sample_rate).max(1.0)).exp()
}

/// Peak gain of a note: full at velocity 1; `amount` 1 follows velocity squared (−12 dB at 0.5),
/// `amount` 0 ignores velocity.
#[inline]
pub fn velocity_gain(velocity: f32, amount: f32) -> f32 {
    let v = velocity.clamp(0.0, 1.0);
    1.0 - amount.clamp(0.0, 1.0) * (1.0 - v * v)
}

/// Equal-tempered frequency of a MIDI note (A4 = 69 = 440 Hz).
#[inline]
pub fn midi_to_hz(note: u8) -> f32 {
    440.0 * ((f32::from(note) - 69.0) / 12.0).exp2()
}

/// sin(2π·x) for `x` in turns (|x| < 2³¹), to about 4·10⁻⁶: cheaper than `f32::sin` in voice loops.
#[inline]
pub fn sin_turns(x: f32) -> f32 {
    let mut r = x - (x as i32) as f32; // (−1, 1)
    if r > 0.5 {
        r -= 1.0;
    } else if r < -0.5 {
        r += 1.0;
    }
    // Fold to [−¼, ¼] turn, where the odd Taylor series to y⁹ is accurate.
    if r > 0.25 {
        r = 0.5 - r;
    } else if r < -0.25 {
        r = -0.5 - r;
    }
    let y = r * std::f32::consts::TAU;
    let y2 = y * y;
    y * (1.0
        + y2 * (-1.0 / 6.0 + y2 * (1.0 / 120.0 + y2 * (-1.0 / 5040.0 + y2 * (1.0 / 362_880.0)))))
}

/// Envelope rates shared by every voice of an instrument, recomputed once per block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnvelopeRates {
    /// Rise per sample as a share of the note's peak: the attack is a straight line.
    pub attack_step: f32,
    /// Per-sample multiplier of the distance to the sustain level (T60 = decay time).
    pub decay_coef: f32,
    pub sustain: f32,
    /// Per-sample multiplier after note-off (T60 = release time).
    pub release_coef: f32,
}

impl EnvelopeRates {
    /// Attack is linear over `attack_ms`; decay and release are exponential and fall 60 dB in
    /// `decay_ms` / `release_ms`.
    pub fn new(
        sample_rate: f32,
        attack_ms: f32,
        decay_ms: f32,
        sustain: f32,
        release_ms: f32,
    ) -> Self {
        EnvelopeRates {
            attack_step: 1.0 / (attack_ms * 0.001 * sample_rate).max(1.0),
            decay_coef: t60_coefficient(decay_ms, sample_rate),
            sustain: sustain.clamp(0.0, 1.0),
            release_coef: t60_coefficient(release_ms, sample_rate),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Idle,
    Attack,
    Decay,
    Release,
}

/// One voice's amplitude envelope. Its peak carries the note's velocity gain, so a retrigger at
/// another velocity glides there instead of jumping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Envelope {
    pub stage: Stage,
    pub level: f32,
    peak: f32,
}

impl Envelope {
    pub const IDLE: Envelope = Envelope {
        stage: Stage::Idle,
        level: 0.0,
        peak: 0.0,
    };

    /// Starts (or restarts, from the present level) the attack towards `peak`.
    pub fn trigger(&mut self, peak: f32) {
        self.peak = peak.max(0.0);
        self.stage = if self.level < self.peak {
            Stage::Attack
        } else {
            Stage::Decay
        };
    }

    pub fn release(&mut self) {
        if self.stage != Stage::Idle {
            self.stage = Stage::Release;
        }
    }

    /// Writes the next `out.len()` levels (one tight loop per stage).
    #[inline]
    pub fn fill(&mut self, r: &EnvelopeRates, out: &mut [f32]) {
        let mut rest = out;
        while !rest.is_empty() {
            match self.stage {
                Stage::Idle => {
                    rest.fill(0.0);
                    return;
                }
                Stage::Attack => {
                    let step = r.attack_step * self.peak;
                    let mut used = 0;
                    for o in rest.iter_mut() {
                        self.level += step;
                        used += 1;
                        if self.level >= self.peak {
                            self.level = self.peak;
                            self.stage = Stage::Decay;
                            *o = self.level;
                            break;
                        }
                        *o = self.level;
                    }
                    rest = &mut std::mem::take(&mut rest)[used..];
                }
                Stage::Decay => {
                    let target = r.sustain * self.peak;
                    if (self.level - target).abs() < 1e-7 {
                        self.level = target;
                        rest.fill(target);
                    } else {
                        for o in rest.iter_mut() {
                            self.level = target + (self.level - target) * r.decay_coef;
                            *o = self.level;
                        }
                    }
                    return;
                }
                Stage::Release => {
                    for o in rest.iter_mut() {
                        self.level *= r.release_coef;
                        *o = self.level;
                    }
                    if self.level < FLOOR {
                        // The last samples sit below −80 dB: ending here is inaudible.
                        *self = Envelope::IDLE;
                    }
                    return;
                }
            }
        }
    }
}

/// Moves a smoothed `value` one chunk of `len` samples towards `target`, where `keep` is the
/// one-pole's (1 − step)^len: returns the chunk's first value and its per-sample increment, so a
/// voice ramps linearly inside the chunk instead of running a smoother every sample.
#[inline]
pub fn glide(value: &mut f32, target: f32, keep: f32, len: usize) -> (f32, f32) {
    let start = *value;
    *value = target + (start - target) * keep;
    if (*value - target).abs() < 1e-9 {
        // Arrived: stop before the remainder shrinks into slow denormals.
        *value = target;
    }
    (start, (*value - start) / len.max(1) as f32)
}

/// What an instrument's voice does; the pool owns the envelope, the voice owns the oscillators.
pub trait Voice {
    /// Per-block state every voice reads (model constants, parameter values).
    type Shared;
    /// A note starts in a silent voice: reset oscillators. `seed` varies per note (free phases).
    fn start(&mut self, note: u8, velocity: f32, seed: u32, shared: &Self::Shared);
    /// The same note again while it sounds: restart its timbre without resetting phases.
    fn retrigger(&mut self, velocity: f32, shared: &Self::Shared);
    /// Adds `amp[i]` times the voice's next samples to `left`/`right` (mono voices use `left`).
    /// All three slices have the same length, at most [`CHUNK`].
    fn render(&mut self, shared: &Self::Shared, amp: &[f32], left: &mut [f32], right: &mut [f32]);
}

struct Slot<V> {
    voice: V,
    env: Envelope,
    note: u8,
    held: bool,
    /// When the note started, in note-ons: smaller is older.
    age: u64,
    /// Samples left of a steal (or kill) fade; 0 when not fading.
    fade_left: u32,
    /// (velocity, peak) of the note that starts when the fade ends.
    pending: Option<(f32, f32)>,
}

impl<V> Slot<V> {
    fn sounding(&self) -> bool {
        self.env.stage != Stage::Idle || self.fade_left > 0
    }
}

/// Where a voice stands when a note wants one; the lowest [`VoiceState::rank`] takes it.
/// One rule for every instrument that steals (the pool here, the singer's choir).
#[derive(Debug, Clone, Copy)]
pub struct VoiceState<'a> {
    pub env: &'a Envelope,
    /// The note it plays (or last played).
    pub note: u8,
    /// Its key is down.
    pub held: bool,
    /// When its note started, in note-ons: smaller is older.
    pub age: u64,
    /// Samples left of a steal fade.
    pub fade_left: u32,
}

impl VoiceState<'_> {
    /// Audio thread. (class, score), lowest first: 0 the same note while it sounds, 1 a free
    /// voice, 2 a released voice (quietest first), 3 the oldest note, held or waiting for a
    /// steal fade to end.
    pub fn rank(&self, note: u8) -> (u8, u64) {
        let sounding = self.env.stage != Stage::Idle || self.fade_left > 0;
        if self.note == note && sounding {
            (0, 0)
        } else if !sounding {
            (1, 0)
        } else if self.fade_left == 0 && (!self.held || self.env.stage == Stage::Release) {
            // Levels are positive, so their bit patterns sort like the numbers.
            (2, u64::from(self.env.level.to_bits()))
        } else {
            (3, self.age)
        }
    }
}

/// A fixed set of voices with allocation and stealing.
pub struct VoicePool<V: Voice> {
    slots: Box<[Slot<V>]>,
    limit: usize,
    rates: EnvelopeRates,
    fade_total: u32,
    clock: u64,
    seed: u32,
    amp: [f32; CHUNK],
}

impl<V: Voice> VoicePool<V> {
    /// Control thread: one slot per voice in `voices` (the most the limit may ever be).
    /// `steal_ms` is the fade of a stolen voice ([`STEAL_MS`]; 0 cuts at once, for tests).
    pub fn new(voices: Vec<V>, sample_rate: f32, steal_ms: f32) -> Self {
        let slots: Box<[Slot<V>]> = voices
            .into_iter()
            .map(|voice| Slot {
                voice,
                env: Envelope::IDLE,
                note: 0,
                held: false,
                age: 0,
                fade_left: 0,
                pending: None,
            })
            .collect();
        VoicePool {
            limit: slots.len(),
            slots,
            rates: EnvelopeRates::new(sample_rate, 1.0, 1000.0, 1.0, 100.0),
            fade_total: ((steal_ms * 0.001 * sample_rate).round() as u32).max(1),
            clock: 0,
            seed: 0x9E37_79B9,
            amp: [0.0; CHUNK],
        }
    }

    pub fn set_rates(&mut self, rates: EnvelopeRates) {
        self.rates = rates;
    }

    /// Sets the polyphony; voices beyond a lowered limit fade out.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.clamp(1, self.slots.len().max(1));
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

    pub fn note_on(&mut self, note: u8, velocity: f32, peak: f32, shared: &V::Shared) {
        self.clock += 1;
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 17;
        self.seed ^= self.seed << 5;
        let (clock, seed, fade_total) = (self.clock, self.seed, self.fade_total);
        let slots = self.slots.iter_mut().take(self.limit);
        let mut best: Option<((u8, u64), &mut Slot<V>)> = None;
        for s in slots {
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
        match class {
            0 if s.fade_left == 0 => {
                s.voice.retrigger(velocity, shared);
                s.env.trigger(peak);
            }
            1 => {
                s.note = note;
                s.env = Envelope::IDLE;
                s.voice.start(note, velocity, seed, shared);
                s.env.trigger(peak);
            }
            _ => {
                // Steal: fade the old sound, start this note when the fade ends.
                s.note = note;
                s.pending = Some((velocity, peak));
                if s.fade_left == 0 {
                    s.fade_left = fade_total;
                }
            }
        }
    }

    pub fn note_off(&mut self, note: u8) {
        for s in self.slots.iter_mut() {
            if s.note == note && s.held && s.sounding() {
                s.held = false;
                if s.pending.is_none() {
                    s.env.release();
                }
            }
        }
    }

    /// Plays one block: renders the voices up to each event's offset, then applies the events
    /// there (note-offs first, so a note released and struck at one instant sounds again). A
    /// note-on with velocity 0 is a note-off. `velocity_amount` sets the peak (see
    /// [`velocity_gain`]). `left` and `right` are added to.
    pub fn play(
        &mut self,
        events: &[NoteEvent],
        velocity_amount: f32,
        shared: &V::Shared,
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
                    NoteKind::On { note, velocity, .. } if velocity <= 0.0 => self.note_off(note),
                    NoteKind::Off { note } => self.note_off(note),
                    NoteKind::On { .. } => {}
                }
            }
            for e in group {
                if let NoteKind::On { note, velocity, .. } = e.kind {
                    if velocity > 0.0 {
                        let peak = velocity_gain(velocity, velocity_amount);
                        self.note_on(note, velocity, peak, shared);
                    }
                }
            }
        }
        self.render(shared, &mut left[pos..n], &mut right[pos..n]);
    }

    /// Adds every sounding voice into `left`/`right`.
    pub fn render(&mut self, shared: &V::Shared, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        let step = 1.0 / self.fade_total as f32;
        for s in self.slots.iter_mut() {
            let mut pos = 0;
            while pos < n && s.sounding() {
                let fading = s.fade_left > 0;
                let mut len = (n - pos).min(CHUNK);
                if fading {
                    len = len.min(s.fade_left as usize);
                }
                // pos + len <= n and len <= CHUNK, so these slices are in bounds.
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
                let end = pos + len;
                s.voice
                    .render(shared, amp, &mut left[pos..end], &mut right[pos..end]);
                pos = end;
                if fading && s.fade_left == 0 {
                    s.env = Envelope::IDLE;
                    if let Some((velocity, peak)) = s.pending.take() {
                        s.voice
                            .start(s.note, velocity, self.seed ^ s.age as u32, shared);
                        s.env.trigger(peak);
                        if !s.held {
                            s.env.release();
                        }
                    }
                }
            }
        }
    }

    /// Silences every voice at once (the transport jumped).
    pub fn reset(&mut self) {
        for s in self.slots.iter_mut() {
            s.env = Envelope::IDLE;
            s.fade_left = 0;
            s.pending = None;
            s.held = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sine voice, to test the pool alone.
    struct Sine {
        phase: f32,
        dt: f32,
    }

    impl Voice for Sine {
        type Shared = ();
        fn start(&mut self, note: u8, _: f32, _: u32, _: &()) {
            self.phase = 0.0;
            self.dt = midi_to_hz(note) / 48_000.0;
        }
        fn retrigger(&mut self, _: f32, _: &()) {}
        fn render(&mut self, _: &(), amp: &[f32], left: &mut [f32], _: &mut [f32]) {
            for (a, l) in amp.iter().zip(left.iter_mut()) {
                *l += a * sin_turns(self.phase);
                self.phase = (self.phase + self.dt).fract();
            }
        }
    }

    fn pool(voices: usize, steal_ms: f32) -> VoicePool<Sine> {
        let v = (0..voices)
            .map(|_| Sine {
                phase: 0.0,
                dt: 0.0,
            })
            .collect();
        let mut p = VoicePool::new(v, 48_000.0, steal_ms);
        p.set_rates(EnvelopeRates::new(48_000.0, 2.0, 1000.0, 1.0, 100.0));
        p
    }

    fn run(p: &mut VoicePool<Sine>, frames: usize) -> Vec<f32> {
        let (mut l, mut r) = (vec![0.0; frames], vec![0.0; frames]);
        p.render(&(), &mut l, &mut r);
        l
    }

    #[test]
    fn fast_sine_is_accurate() {
        let worst = (-4000..4000)
            .map(|i| i as f32 * 0.000_73)
            .map(|x| (sin_turns(x) - (x * std::f32::consts::TAU).sin()).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "{worst}");
    }

    #[test]
    fn retrigger_reuses_the_voice_and_limits_hold() {
        let mut p = pool(4, STEAL_MS);
        p.note_on(60, 1.0, 1.0, &());
        p.note_on(60, 0.5, 0.5, &());
        assert_eq!(p.sounding(), 1);
        for n in 0..10 {
            p.note_on(40 + n, 1.0, 1.0, &());
            run(&mut p, 32);
            assert!(p.sounding() <= 4);
        }
        run(&mut p, 1000);
        let playing: Vec<u8> = p.slots.iter().map(|s| s.note).collect();
        // The newest four notes survive: the oldest were stolen.
        for n in 46..50 {
            assert!(playing.contains(&n), "{playing:?}");
        }
        p.set_limit(2);
        run(&mut p, 1000);
        assert_eq!(p.sounding(), 2);
    }

    #[test]
    fn released_quietest_voice_is_stolen_before_held_ones() {
        let mut p = pool(3, STEAL_MS);
        for n in [60, 64, 67] {
            p.note_on(n, 1.0, 1.0, &());
        }
        run(&mut p, 500);
        p.note_off(64);
        run(&mut p, 2000);
        p.note_on(72, 1.0, 1.0, &());
        run(&mut p, 500);
        let notes: Vec<u8> = p.slots.iter().map(|s| s.note).collect();
        assert!(
            notes.contains(&60) && notes.contains(&67) && notes.contains(&72),
            "{notes:?}"
        );
    }

    #[test]
    fn a_note_released_and_struck_at_one_instant_sounds() {
        let mut p = pool(2, STEAL_MS);
        let (mut l, mut r) = (vec![0.0; 256], vec![0.0; 256]);
        let on = |offset| NoteEvent {
            offset,
            kind: NoteKind::On {
                note: 60,
                velocity: 1.0,
                syllable: yano_engine::Syllable::NONE,
            },
        };
        let off = |offset| NoteEvent {
            offset,
            kind: NoteKind::Off { note: 60 },
        };
        p.play(&[on(0)], 1.0, &(), &mut l, &mut r);
        p.play(&[on(100), off(100)], 1.0, &(), &mut l, &mut r);
        assert!(p
            .slots
            .iter()
            .any(|s| s.held && s.env.stage != Stage::Release));
        assert_eq!(p.sounding(), 1, "the same voice struck again");
    }
}
