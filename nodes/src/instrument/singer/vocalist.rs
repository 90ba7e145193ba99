//! One singing voice: the glottal source into the tract, the consonants' noise beside it, and
//! the timeline of a syllable (onset consonants, vowel, diphthong glide, coda hum).
//!
//! Timeline of a note, in samples from its note-on: each onset consonant lasts its share of
//! `consonant_ms` ([`Consonant::length`]); the vowel starts when they end. s and sh are noise
//! band-passed around 6.5 kHz and 3 kHz, rising and falling over 8 ms; h is noise through the
//! tract, already shaped as the vowel; p, t, k are silence (the closure) for half their
//! length, then a burst of band-passed noise (0.9, 4.5 or 2 kHz) that dies in a few
//! milliseconds, then aspiration until the vowel. After an unvoiced consonant the voicing rises
//! over 6 ms. y and w are voiced from the start, their formants moving from i or u into the
//! vowel over their whole length; m, n, ng hum and open into the vowel over 30 ms. A diphthong
//! glides to its second vowel 120 ms into the vowel (or at once when the note ends first). At
//! note-off a syllable with a coda closes onto its hum over 40 ms and holds it for
//! `consonant_ms` before the release starts.

use super::formants::{BandPass, Shape, Target, Tract, VoiceType};
use super::glottal::{Breath, Glottis, Noise};
use super::phonemes::{Articulation, Consonant};
use super::vibrato::{Pitch, VibratoShape};

/// Samples between updates of pitch, formants and levels.
pub const CONTROL: usize = 32;

/// Frication, burst and aspiration levels beside the voiced vowel's (measured: a vowel's pulse
/// through the tract peaks near 1).
const FRICATION: f32 = 0.5;
const BURST: f32 = 1.2;
const ASPIRATION: f32 = 0.6;
/// Output level of one voice, leaving headroom for chords.
const VOICE_LEVEL: f32 = 0.35;

const RAMP_MS: f32 = 8.0;
const VOICING_MS: f32 = 6.0;
const BURST_MS: f32 = 4.0;
const DIPHTHONG_DELAY_MS: f32 = 120.0;
const DIPHTHONG_MS: f32 = 120.0;
const HUM_OPEN_MS: f32 = 30.0;
const CODA_MS: f32 = 40.0;

/// What every voice reads this block.
#[derive(Debug, Clone, Copy)]
pub struct Shared {
    pub sample_rate: f32,
    pub voice: VoiceType,
    /// Sung when a note has no syllable.
    pub vowel: Target,
    pub breath: Breath,
    pub vibrato: VibratoShape,
    /// `consonant_ms` and `portamento_ms` in samples.
    pub consonant: f32,
    pub portamento: f32,
}

impl Shared {
    fn ms(&self, ms: f32) -> f32 {
        ms * 0.001 * self.sample_rate
    }
}

/// Where in its syllable a voice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Onset(usize),
    Vowel,
    Offglide,
    Coda,
}

/// One voice.
#[derive(Debug, Clone, Copy)]
pub struct Vocalist {
    glottis: Glottis,
    tract: Tract,
    fric: BandPass,
    fric_noise: Noise,
    pitch: Pitch,
    art: Articulation,
    /// Samples since the syllable started.
    clock: f32,
    /// Ends of the two onset consonants (the second is the vowel's start).
    ends: [f32; 2],
    segment: Segment,
    released: bool,
    /// The formant glide: from, to, where it is and how long it takes (samples).
    from: Shape,
    to: Shape,
    to_target: Target,
    glide_pos: f32,
    glide_len: f32,
    /// Voicing, frication and aspiration at the end of the last control step.
    levels: [f32; 3],
}

impl Vocalist {
    pub fn new(seed: u32) -> Vocalist {
        let shape = Shape::of(VoiceType::Alto, Target::A);
        Vocalist {
            glottis: Glottis::new(seed),
            tract: Tract::default(),
            fric: BandPass::default(),
            fric_noise: Noise::new(seed.rotate_left(16)),
            pitch: Pitch::default(),
            art: Articulation::vowel(Target::A),
            clock: 0.0,
            ends: [0.0; 2],
            segment: Segment::Vowel,
            released: false,
            from: shape,
            to: shape,
            to_target: Target::A,
            glide_pos: 0.0,
            glide_len: 0.0,
            levels: [0.0; 3],
        }
    }

    /// Audio thread: a note starts in a silent voice (phases and filters restart).
    pub fn start(&mut self, note: u8, syllable: &[u8], seed: u32, s: &Shared) {
        self.glottis.restart(seed);
        self.tract.clear();
        self.pitch.start(f32::from(note));
        self.levels = [0.0; 3];
        self.begin(syllable, s);
        // Snap the tract to the first sound's shape.
        let first = self.entry(0);
        self.from = Shape::of(s.voice, first);
        self.to = self.from;
        self.to_target = first;
        self.glide_len = 0.0;
        self.segment = Segment::Vowel;
        self.enter(self.segment_at(0.0, s), s);
    }

    /// Audio thread: a legato note (mono): the pitch glides over `portamento_ms`, the new
    /// syllable is articulated from the shape sung now, the source runs on.
    pub fn legato(&mut self, note: u8, syllable: &[u8], s: &Shared) {
        self.pitch.glide_to(f32::from(note), s.portamento);
        self.begin(syllable, s);
        // Hold the shape sung now; the new syllable's first sound glides from it.
        let now = self.shape();
        (self.from, self.to, self.glide_len) = (now, now, 0.0);
        self.segment = Segment::Vowel;
        self.enter(self.segment_at(0.0, s), s);
    }

    /// Audio thread: the note ends. Returns the samples to hold the level before the release
    /// (the coda hum), 0 without a coda.
    pub fn release(&mut self, s: &Shared) -> u32 {
        self.released = true;
        if self.art.coda.is_some() {
            self.enter(Segment::Coda, s);
            s.consonant.max(1.0) as u32
        } else {
            0
        }
    }

    fn begin(&mut self, syllable: &[u8], s: &Shared) {
        self.art = Articulation::parse(syllable, s.vowel);
        let length = |c: Option<Consonant>| c.map_or(0.0, |c| (c.length() * s.consonant).round());
        let first = length(self.art.onset[0]);
        self.ends = [first, first + length(self.art.onset[1])];
        self.clock = 0.0;
        self.released = false;
    }

    /// The shape a segment starts from: glides start at i or u, unvoiced consonants take the
    /// shape of what follows them.
    fn entry(&self, k: usize) -> Target {
        match self.art.onset.get(k).copied().flatten() {
            Some(Consonant::Y) => Target::I,
            Some(Consonant::W) => Target::U,
            Some(Consonant::Hum(t)) => t,
            Some(_) | None if k < 2 => self.entry(k + 1),
            _ => self.art.nucleus,
        }
    }

    fn segment_at(&self, t: f32, s: &Shared) -> Segment {
        if self.segment == Segment::Coda {
            Segment::Coda
        } else if t < self.ends[0] {
            Segment::Onset(0)
        } else if t < self.ends[1] {
            Segment::Onset(1)
        } else if self.art.offglide.is_some()
            && (self.released || t >= self.ends[1] + s.ms(DIPHTHONG_DELAY_MS))
        {
            Segment::Offglide
        } else {
            Segment::Vowel
        }
    }

    /// Starts a segment: the formant glide towards its shape, the noise filter of its consonant.
    fn enter(&mut self, seg: Segment, s: &Shared) {
        if seg == self.segment && self.glide_len > 0.0 {
            return;
        }
        let previous = self.segment;
        self.segment = seg;
        let (target, len) = match seg {
            Segment::Onset(k) => {
                let c = self.art.onset[k].unwrap_or(Consonant::H);
                let len = (self.ends[k] - if k == 0 { 0.0 } else { self.ends[0] }).max(1.0);
                self.fric = match c {
                    Consonant::S => BandPass::new(6500.0, 3000.0, s.sample_rate),
                    Consonant::Sh => BandPass::new(3000.0, 1800.0, s.sample_rate),
                    Consonant::P => BandPass::new(900.0, 1500.0, s.sample_rate),
                    Consonant::T => BandPass::new(4500.0, 3000.0, s.sample_rate),
                    Consonant::K => BandPass::new(2000.0, 1200.0, s.sample_rate),
                    _ => self.fric,
                };
                match c {
                    Consonant::Y | Consonant::W => (self.entry(k + 1), len),
                    Consonant::Hum(t) => (t, s.ms(20.0)),
                    _ => (self.entry(k + 1), s.ms(10.0)),
                }
            }
            Segment::Vowel => {
                let from_hum = matches!(previous, Segment::Onset(k)
                    if matches!(self.art.onset[k], Some(Consonant::Hum(_))));
                let ms = if from_hum { HUM_OPEN_MS } else { 10.0 };
                (self.art.nucleus, s.ms(ms))
            }
            Segment::Offglide => (
                self.art.offglide.unwrap_or(self.art.nucleus),
                s.ms(DIPHTHONG_MS),
            ),
            Segment::Coda => (self.art.coda.unwrap_or(Target::M), s.ms(CODA_MS)),
        };
        if target != self.to_target || self.glide_len == 0.0 {
            self.from = self.shape();
            self.to = Shape::of(s.voice, target);
            self.to_target = target;
            self.glide_pos = 0.0;
            self.glide_len = len.max(1.0);
        }
    }

    /// The formants now, eased along the glide.
    fn shape(&self) -> Shape {
        if self.glide_len <= 0.0 || self.glide_pos >= self.glide_len {
            return self.to;
        }
        let x = self.glide_pos / self.glide_len;
        self.from.lerp(&self.to, x * x * (3.0 - 2.0 * x))
    }

    /// Voicing, frication and aspiration at time `t`.
    fn levels_at(&self, t: f32, s: &Shared) -> [f32; 3] {
        let ramp = s.ms(RAMP_MS);
        let v = self.ends[1];
        let unvoiced_before = self.art.onset[1]
            .or(self.art.onset[0])
            .is_some_and(|c| !c.voiced());
        match self.segment {
            Segment::Onset(k) => {
                let c = self.art.onset[k].unwrap_or(Consonant::H);
                let start = if k == 0 { 0.0 } else { self.ends[0] };
                let (u, len) = (t - start, self.ends[k] - start);
                match c {
                    Consonant::S | Consonant::Sh => {
                        let shape =
                            (u / ramp).min(1.0) * ((self.ends[k] - t) / ramp).clamp(0.0, 1.0);
                        [0.0, FRICATION * shape, 0.0]
                    }
                    Consonant::H => [0.0, 0.0, ASPIRATION * (u / ramp).min(1.0)],
                    Consonant::P | Consonant::T | Consonant::K => {
                        let burst_at = 0.5 * len;
                        if u < burst_at {
                            [0.0; 3]
                        } else {
                            let b = (-(u - burst_at) / s.ms(BURST_MS)).exp();
                            [0.0, BURST * b, 0.8 * ASPIRATION * (1.0 - b)]
                        }
                    }
                    Consonant::Y | Consonant::W | Consonant::Hum(_) => [1.0, 0.0, 0.0],
                }
            }
            _ => {
                let since = t - v;
                let voicing = if unvoiced_before {
                    (since / s.ms(VOICING_MS)).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                let breath = self.art.onset[1].or(self.art.onset[0]);
                let trailing = if matches!(
                    breath,
                    Some(Consonant::H | Consonant::P | Consonant::T | Consonant::K)
                ) {
                    ASPIRATION * (1.0 - since / s.ms(10.0)).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                [voicing, 0.0, trailing]
            }
        }
    }

    /// Audio thread: adds `amp[i]` times the next samples to `out`.
    pub fn render(&mut self, s: &Shared, amp: &[f32], out: &mut [f32]) {
        let mut pos = 0;
        while pos < amp.len() {
            let len = (amp.len() - pos).min(CONTROL);
            let lenf = len as f32;
            let end = self.clock + lenf;
            let seg = self.segment_at(end, s);
            if seg != self.segment {
                self.enter(seg, s);
            }
            let semis = self.pitch.advance(lenf, &s.vibrato);
            let f0 = 440.0 * ((semis - 69.0) / 12.0).exp2();
            let dt = (f0 / s.sample_rate).min(0.45);
            self.glide_pos += lenf;
            let shape = self.shape();
            self.tract.set(&shape, f0, s.sample_rate);
            let to = self.levels_at(end, s);
            let from = self.levels;
            let step = [
                (to[0] - from[0]) / lenf,
                (to[1] - from[1]) / lenf,
                (to[2] - from[2]) / lenf,
            ];
            let noisy = from[1] + to[1] + from[2] + to[2] > 0.0;
            let [mut av, mut af, mut ah] = from;
            let chunk = amp[pos..pos + len]
                .iter()
                .zip(out[pos..pos + len].iter_mut());
            if noisy {
                for (a, o) in chunk {
                    av += step[0];
                    af += step[1];
                    ah += step[2];
                    let src = self.glottis.tick(dt, av, &s.breath) + ah * self.glottis.noise();
                    let fric = af * self.fric.tick(self.fric_noise.next());
                    *o += a * VOICE_LEVEL * (self.tract.tick(src) + fric);
                }
            } else {
                for (a, o) in chunk {
                    av += step[0];
                    let src = self.glottis.tick(dt, av, &s.breath);
                    *o += a * VOICE_LEVEL * self.tract.tick(src);
                }
            }
            self.levels = to;
            self.clock = end;
            pos += len;
        }
        self.tract.flush();
    }
}
