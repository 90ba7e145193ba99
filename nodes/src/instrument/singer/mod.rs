//! `instrument.voice`: a source–filter singing synthesiser (Klatt-style) for chants, vocal
//! chops and sung hooks.
//!
//! Each voice is a glottal pulse with breath noise ([`glottal`]) through a cascade of five
//! formant resonators and a nasal antiformant ([`formants`], vowel table after Peterson &
//! Barney 1952), with noise consonants beside it. Every note is sung on its syllable
//! ([`yano_engine::Syllable`]; onset consonants, vowel or diphthong, coda hum: see
//! [`phonemes`] for the spelling), or on the `vowel` parameter when it has none; the timeline
//! of a syllable is in [`vocalist`]. Pitch carries a delayed vibrato and, with one voice,
//! portamento between legato notes ([`vibrato`], [`choir`]). The voices are allocated and
//! stolen (3 ms fades) by [`choir::Choir`] and spread across the field by `width`.
//!
//! Not to be confused with [`crate::instrument::voice`], the voice pool of keys and pad.
//! Nothing in `process` allocates, locks or panics; syllables are read by matching bytes.

pub mod choir;
pub mod formants;
pub mod glottal;
pub mod phonemes;
pub mod vibrato;
pub mod vocalist;

use yano_engine::param::{ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use self::choir::{Choir, MAX_VOICES};
use self::formants::{Target, VoiceType};
use self::glottal::Breath;
use self::vibrato::VibratoShape;
use self::vocalist::Shared;
use super::voice::{amount_param, gain_param, ms_param, EnvelopeRates};

pub const KIND: &str = "instrument.voice";
/// The `voice` parameter's choices (voice types).
pub const VOICES: &[&str] = &["bass", "tenor", "alto", "soprano", "child"];
/// The `vowel` parameter's choices: what a note without a syllable sings.
pub const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "schwa", "m", "n", "ng"];
const ALTO: usize = 2;

pub fn descriptor() -> NodeDescriptor {
    NodeDescriptor {
        kind: KIND,
        description: "singing voice: glottal pulse through formants, sung on each note's syllable",
        params: vec![
            ParamSpec::choice(
                "voice",
                "voice type: bass, tenor, alto, soprano, child",
                VOICES,
                ALTO,
            ),
            ParamSpec::choice("vowel", "sung when a note has no syllable", VOWELS, 0),
            amount_param(
                "breathiness",
                "breath noise, longer open glottis, softer tone",
                0.15,
            ),
            ParamSpec::number(
                "vibrato_rate_hz",
                "vibrato rate",
                0.0,
                12.0,
                5.5,
                Unit::Hertz,
            ),
            ParamSpec::number(
                "vibrato_depth_cents",
                "vibrato swing, ±",
                0.0,
                200.0,
                35.0,
                Unit::Cents,
            ),
            ms_param(
                "vibrato_delay_ms",
                "vibrato starts this long after the note",
                0.0,
                5000.0,
                250.0,
            ),
            ms_param(
                "vibrato_fade_ms",
                "vibrato then fades in over this",
                0.0,
                5000.0,
                300.0,
            ),
            amount_param(
                "flutter",
                "slow pitch irregularity (Klatt): 1 = ±10 cents",
                0.25,
            ),
            ms_param(
                "portamento_ms",
                "glide between legato notes (voices 1)",
                0.0,
                2000.0,
                80.0,
            ),
            ms_param(
                "consonant_ms",
                "length of an onset consonant and of a coda hum",
                5.0,
                400.0,
                70.0,
            ),
            ms_param("attack_ms", "linear fade-in", 1.0, 5000.0, 15.0),
            ms_param(
                "release_ms",
                "fade after note-off (T60)",
                5.0,
                10_000.0,
                250.0,
            ),
            ParamSpec::integer(
                "voices",
                "polyphony; more notes steal the oldest",
                1,
                MAX_VOICES as i64,
                4,
                Unit::Count,
            ),
            amount_param(
                "width",
                "stereo spread of the voices (0 = mono centre)",
                0.5,
            ),
            amount_param("velocity_amount", "velocity's effect on level", 0.5),
            gain_param(),
        ],
        ports: PortLayout::Fixed(vec![
            PortSpec::input(
                "notes",
                PortType::Events,
                "notes to sing, with their syllables",
            ),
            PortSpec::output("out", PortType::STEREO, "the voices"),
        ]),
        build: Build::Realtime(build),
    }
}

yano_engine::param_handles! {
    /// The singer's parameters, resolved by id when it is built.
    struct Knobs / Values {
        voice: "voice",
        vowel: "vowel",
        breathiness: "breathiness",
        vibrato_rate: "vibrato_rate_hz",
        vibrato_depth: "vibrato_depth_cents",
        vibrato_delay: "vibrato_delay_ms",
        vibrato_fade: "vibrato_fade_ms",
        flutter: "flutter",
        portamento: "portamento_ms",
        consonant: "consonant_ms",
        attack: "attack_ms",
        release: "release_ms",
        voices: "voices",
        width: "width",
        velocity: "velocity_amount",
        gain: "gain_db",
    }
}

struct Singer {
    knobs: Knobs,
    choir: Choir,
    sample_rate: f32,
}

/// Control thread: builds the singer (every voice allocated here).
fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    crate::require_sample_rate(KIND, config, 8_000)?;
    let sample_rate = config.sample_rate as f32;
    Ok(Box::new(Singer {
        knobs: Knobs::resolve(config)?,
        choir: Choir::new(sample_rate),
        sample_rate,
    }))
}

impl Processor for Singer {
    /// Audio thread, once per block.
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let sr = self.sample_rate;
        let events = ctx.events_in(0);
        let p = self.knobs.read(ctx);
        let pick = |x: f32, n: usize| (x.max(0.0) as usize).min(n - 1);
        let shared = Shared {
            sample_rate: sr,
            voice: VoiceType::ALL[pick(p.voice.last(), VoiceType::ALL.len())],
            vowel: Target::ALL[pick(p.vowel.last(), Target::ALL.len())],
            breath: Breath::new(p.breathiness.last(), sr),
            vibrato: VibratoShape::new(
                p.vibrato_rate.last(),
                p.vibrato_depth.last(),
                p.vibrato_delay.last(),
                p.vibrato_fade.last(),
                p.flutter.last(),
                sr,
            ),
            consonant: p.consonant.last() * 0.001 * sr,
            portamento: p.portamento.last() * 0.001 * sr,
        };
        self.choir.set_limit(p.voices.last() as usize);
        self.choir.set_width(p.width.last());
        self.choir.set_rates(EnvelopeRates::new(
            sr,
            p.attack.last(),
            1000.0,
            1.0,
            p.release.last(),
        ));
        let amount = p.velocity.last();
        let gain = ctx.param(self.knobs.gain);
        let (left, right) = ctx.audio_out_pair(0);
        left.fill(0.0);
        right.fill(0.0);
        self.choir.play(events, amount, &shared, left, right);
        gain.scale_by_db(left, right);
    }

    /// Audio thread: the transport jumped; every voice falls silent.
    fn reset(&mut self) {
        self.choir.reset();
    }
}
