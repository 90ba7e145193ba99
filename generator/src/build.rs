//! From a composed track to a graph of yano nodes: one `sequence.clip` per line holding every
//! note (editable in the piano roll), the arrangement (sections and the bars each line plays),
//! the instruments with their inserts, a riser, the mixer with its bus compressor and master
//! limiter, and the automation of the breakdown's filter sweep and the riser.

use yano_engine::automation::{AutomationLane, AutomationPoint, Curve};
use yano_engine::clip::Note;
use yano_engine::graph::UiPosition;
use yano_engine::transport::Transport;
use yano_engine::{Graph, NodeSpec, Registry};
use yano_music::Key;
use yano_nodes::mixer::bus_compressor::ids as glue;
use yano_nodes::sequence::clip::clip_entry;

use crate::compose::Track;
use crate::form::{ranges_text, Part};
use crate::prompt::Style;
use crate::vocals;
use crate::GenerateError;

/// Node ids the generator gives (tests and the editor find nodes by them).
pub mod ids {
    pub const ARRANGEMENT: &str = "arrangement";
    pub const MIXER: &str = "mix";
    pub const OUTPUT: &str = "out";
    pub const RISER: &str = "riser";
    pub const RISER_FILTER: &str = "riser_filter";
    pub const RISER_LEVEL: &str = "riser_level";
    /// The mixer channel of the riser.
    pub const FX_CHANNEL: &str = "fx";
}

/// Rounds a note to what a clip's text holds: times to 1/10000 beat, velocity to 1..=127.
pub fn quantise(n: &Note) -> Note {
    let q = |x: f64| (x * 10_000.0).round() / 10_000.0;
    Note {
        pitch: n.pitch,
        start_beats: q(n.start_beats),
        length_beats: q(n.length_beats).max(0.0001),
        velocity: f32::from(velocity_of(n)) / 127.0,
        syllable: n.syllable,
    }
}

/// A note's velocity as MIDI writes it (1..=127).
pub fn velocity_of(n: &Note) -> u8 {
    (f64::from(n.velocity) * 127.0).round().clamp(1.0, 127.0) as u8
}

/// A clip's text: notes sharing start, length and velocity are written as one chord entry.
pub fn clip_text(notes: &[Note], key: Key) -> String {
    let mut entries: Vec<String> = Vec::new();
    let mut i = 0;
    let notes: Vec<Note> = notes.iter().map(quantise).collect();
    while i < notes.len() {
        let n = notes[i];
        let mut j = i + 1;
        while j < notes.len()
            && notes[j].start_beats == n.start_beats
            && notes[j].length_beats == n.length_beats
            && notes[j].velocity == n.velocity
            && notes[j].syllable == n.syllable
        {
            j += 1;
        }
        let names: Vec<String> = notes[i..j].iter().map(|m| key.note_name(m.pitch)).collect();
        entries.push(clip_entry(
            &names,
            n.syllable,
            n.start_beats,
            n.length_beats,
            Some(velocity_of(&n)),
        ));
        i = j;
    }
    entries.join("; ")
}

/// Sound settings per style, moved by the track's character.
struct Voice {
    log_drum: Vec<(&'static str, f64)>,
    keys_model: &'static str,
    percussion_reverb: f64,
}

fn voice(track: &Track) -> Voice {
    let c = track.request.character;
    let (drive, depth, decay, tone, knock) = match track.request.style {
        Style::Amapiano => (4.0, 12.0, 300.0, 4000.0, -18.0),
        Style::PrivateSchool => (1.2, 7.0, 600.0, 3000.0, -26.0),
        Style::Sgija => (8.0, 24.0, 220.0, 4500.0, -16.0),
    };
    let drive = (drive * (0.6 + 0.8 * c.drive)).clamp(1.0, 12.0);
    let tone = (tone * (0.6 + 0.8 * c.brightness)).clamp(1500.0, 8000.0);
    Voice {
        log_drum: vec![
            ("drive", (drive * 10.0).round() / 10.0),
            ("pitch_depth_st", depth),
            ("decay_ms", decay),
            ("tone_hz", tone.round()),
            ("knock_db", knock),
            ("glide_ms", 70.0),
            ("gain_db", 0.0),
        ],
        keys_model: match track.request.style {
            Style::PrivateSchool => "rhodes",
            _ => "stab",
        },
        percussion_reverb: match track.request.style {
            Style::PrivateSchool => 0.22,
            Style::Amapiano => 0.12,
            Style::Sgija => 0.05,
        } * (0.5 + c.reverb),
    }
}

struct Builder<'r> {
    graph: Graph,
    registry: &'r Registry,
}

impl Builder<'_> {
    fn add(&mut self, spec: NodeSpec, x: f32, y: f32) -> Result<(), GenerateError> {
        let mut spec = spec;
        spec.ui = Some(UiPosition { x, y });
        self.graph
            .add_node(spec, self.registry)
            .map(|_| ())
            .map_err(|e| GenerateError::Graph(e.to_string()))
    }

    fn wire(&mut self, from: &str, to: &str) -> Result<(), GenerateError> {
        self.graph
            .connect(from, to, self.registry)
            .map(|_| ())
            .map_err(|e| GenerateError::Graph(format!("{from} → {to}: {e}")))
    }

    fn automate(
        &mut self,
        node: &str,
        param: &str,
        points: &[(f64, f64, Curve)],
    ) -> Result<(), GenerateError> {
        let lane = AutomationLane {
            node: node.into(),
            param: param.into(),
            points: points
                .iter()
                .map(|(bar, value, curve)| AutomationPoint {
                    bar: *bar,
                    value: *value,
                    curve: *curve,
                })
                .collect(),
        };
        self.graph
            .automate(lane, self.registry)
            .map_err(|e| GenerateError::Graph(e.to_string()))
    }
}

/// Bars of the riser: the last 4 (or 2) bars of the breakdown, when a second drop follows it.
pub fn riser_bars(track: &Track) -> Option<(u32, u32)> {
    let s = &track.sections;
    let i = s.iter().position(|x| x.name == "breakdown")?;
    let next = s.get(i + 1).filter(|x| x.name == "drop_2")?;
    let len = if s[i].bars() >= 8 { 4 } else { 2 };
    Some((next.first_bar - len, next.first_bar))
}

/// Peak limiters on the drums, percussion, log drum and bass channels when audio stems play
/// beside them: the hits' peaks held at −16 dBFS (30 ms release) before the mixer, so the master
/// limiter barely moves and a kept vocal is not ducked on every kick. Measured on amapianorize's
/// test songs: the vocal's gain fell 8–9 dB at each kick through the master alone (+5 dB into the
/// limiter), under 1 dB with these.
const HIT_CEILING_DB: f64 = -16.0;
const HIT_RELEASE_MS: f64 = 30.0;

/// Master fader: the level into the bus compressor.
const MASTER_GAIN_DB: f64 = 12.0;

/// The master's dynamics (AMAPIANO.md: masters at −8 to −6 LUFS, −1 dBTP). The grooves are all
/// short hits (kick, log drum, claps, gated stabs), so their peaks sit far above their loudness:
/// a gentle bus compressor (ratio 1.5, slow attack and release, 2–3 dB) holds the sections
/// together and its makeup drives the limiter, whose 6 ms release shaves the hits' first
/// milliseconds without pumping. Both are gains shared by every channel: the stems still sum.
/// (threshold dB, ratio, knee dB, attack ms, release ms); the makeup is per style.
const GLUE: (f64, f64, f64, f64, f64) = (-11.0, 1.5, 6.0, 30.0, 250.0);
/// Limiter ceiling: 0.2 dB under −1 dBTP, for the overshoot of the fast release between samples.
const CEILING_DB: f64 = -1.2;
const LIMITER_RELEASE_MS: f64 = 6.0;

/// Bus compressor makeup: private school, with its softer kick and longer log drum, is denser
/// and needs less to sit beside the other two.
fn makeup_db(style: Style) -> f64 {
    match style {
        Style::PrivateSchool => 9.0,
        Style::Amapiano | Style::Sgija => 10.0,
    }
}

/// Switches a generated graph to the gentle master the analysis's labelled set is judged with:
/// the limiter alone (fader +10 dB, 60 ms release, −1 dB ceiling), no bus compressor, about
/// −12 LUFS. The loud master takes 12–15 dB off the first milliseconds of most kicks (95th
/// percentile); the analysis's onset strength (flux of the log spectrum) loses those beats, and a
/// straight 100 BPM amapiano groove reads as 133 BPM (the log drum's 3+3+2 cell). The set
/// measures tempo, beats, key and chords; reading loud masters is the analysis's own work.
pub fn gentle_master(graph: &mut Graph, registry: &Registry) -> Result<(), GenerateError> {
    for (id, value) in [
        (glue::SWITCH, "off".into()),
        ("master_gain_db", 10.0.into()),
        ("master_release_ms", 60.0.into()),
        ("master_ceiling_db", (-1.0).into()),
    ] {
        graph
            .set_param(ids::MIXER, id, value, registry)
            .map_err(|e| GenerateError::Graph(e.to_string()))?;
    }
    Ok(())
}

/// Audio from outside the generator that plays beside its lines (a song's stems kept by
/// amapianorize): a `source.file` node into a mixer channel of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioStem {
    /// The mixer channel's name, so the stem's name; a node id, so plain lower case.
    pub name: String,
    /// The audio file, relative to the graph's folder ([`Graph::base_dir`]).
    pub file: String,
    /// The channel's fader.
    pub gain_db: f64,
}

/// Builds the graph of a track.
pub fn graph(track: &Track, registry: &Registry) -> Result<Graph, GenerateError> {
    graph_with_audio(track, &[], registry)
}

/// Builds the graph of a track with audio stems beside its instruments, each on a mixer channel
/// after the instruments', through the same bus compressor and limiter.
pub fn graph_with_audio(
    track: &Track,
    audio: &[AudioStem],
    registry: &Registry,
) -> Result<Graph, GenerateError> {
    let r = &track.request;
    let mut b = Builder {
        graph: Graph::new(Transport {
            sample_rate: 48_000,
            bpm: r.bpm,
            swing: r.swing,
        }),
        registry,
    };
    let v = voice(track);
    let c = r.character;
    let beats = f64::from(r.bars) * 4.0;
    // Sequencers, one a line, and the arrangement they play through.
    let sections = track
        .sections
        .iter()
        .map(|s| format!("{} {}-{}", s.name, s.first_bar, s.last_bar))
        .collect::<Vec<_>>()
        .join("; ");
    let mut arrangement = NodeSpec::new(ids::ARRANGEMENT, "sequence.arrangement")
        .with("tracks", track.lines.len() as f64)
        .with("sections", sections.as_str());
    for (k, (line, notes, plays)) in track.lines.iter().enumerate() {
        let y = 70.0 * k as f32;
        b.add(
            NodeSpec::new(line.id(), "sequence.clip")
                .with("notes", clip_text(notes, r.key).as_str())
                .with("length_beats", beats)
                .with("loop", "off"),
            0.0,
            y,
        )?;
        arrangement = arrangement.with(&format!("track_{}", k + 1), ranges_text(plays).as_str());
    }
    b.add(arrangement, 260.0, 300.0)?;
    for (k, (line, _, _)) in track.lines.iter().enumerate() {
        b.wire(
            &format!("{}.notes", line.id()),
            &format!("{}.in_{}", ids::ARRANGEMENT, k + 1),
        )?;
    }
    // Instruments and their inserts; each chain ends in a mixer channel.
    let mut chain_ends: Vec<(String, String)> = Vec::new();
    for (row, part) in r.parts.iter().enumerate() {
        let y = 120.0 * row as f32;
        let name = part.name();
        let spec = match part {
            Part::Drums => NodeSpec::new(name, "instrument.drums")
                .with("kick_db", -3.0)
                .with("hat_db", -17.0)
                .with("tom_db", -9.0),
            Part::Percussion => NodeSpec::new(name, "instrument.drums")
                .with("clap_db", -8.0)
                .with(
                    "clap_decay_ms",
                    if r.style == Style::PrivateSchool {
                        300.0
                    } else {
                        200.0
                    },
                )
                .with(
                    "shaker_db",
                    match r.style {
                        Style::Sgija => -13.0,
                        Style::Amapiano => -15.0,
                        // Half as many shaker hits: each a little louder, so it is heard.
                        Style::PrivateSchool => -11.0,
                    },
                )
                .with("rim_db", -12.0)
                .with("conga_high_db", -12.0)
                .with("conga_low_db", -11.0),
            Part::LogDrum => v
                .log_drum
                .iter()
                .fold(NodeSpec::new(name, "instrument.log_drum"), |s, (p, x)| {
                    s.with(p, *x)
                }),
            Part::Keys => NodeSpec::new(name, "instrument.keys")
                .with("model", v.keys_model)
                .with("voices", 12.0)
                .with(
                    "tremolo_depth",
                    if v.keys_model == "rhodes" { 0.35 } else { 0.0 },
                )
                .with("gain_db", -4.0),
            Part::Pad => NodeSpec::new(name, "instrument.pad")
                .with("cutoff_hz", (1200.0 + 1600.0 * c.brightness).round())
                .with("attack_ms", 300.0)
                .with("release_ms", 1000.0)
                .with("gain_db", -10.0),
            Part::Bass => NodeSpec::new(name, "instrument.bass")
                .with("attack_ms", 15.0)
                .with("release_ms", 200.0)
                .with("gain_db", -6.0),
            Part::Vocals => NodeSpec::new(name, "instrument.voice")
                .with("voice", vocals::voice_type(r.style))
                .with("vowel", "a")
                .with("breathiness", 0.3)
                .with("vibrato_rate_hz", 5.5)
                .with("vibrato_depth_cents", 35.0)
                .with("vibrato_delay_ms", 250.0)
                .with("portamento_ms", 60.0)
                .with("voices", 8.0)
                .with("width", 0.5)
                .with("gain_db", 0.0),
        };
        b.add(spec, 520.0, y)?;
        let mut end = format!("{name}.out");
        let mut x = 760.0;
        let mut insert = |b: &mut Builder, spec: NodeSpec| -> Result<(), GenerateError> {
            let id = spec.id.clone();
            b.add(spec, x, y)?;
            b.wire(&end, &format!("{id}.in"))?;
            end = format!("{id}.out");
            x += 220.0;
            Ok(())
        };
        match part {
            Part::Drums => insert(
                &mut b,
                NodeSpec::new("drums_filter", "fx.filter").with("cutoff_hz", 20000.0),
            )?,
            Part::Percussion => {
                insert(
                    &mut b,
                    NodeSpec::new("percussion_filter", "fx.filter").with("cutoff_hz", 20000.0),
                )?;
                insert(
                    &mut b,
                    NodeSpec::new("percussion_reverb", "fx.reverb")
                        .with(
                            "decay_s",
                            if r.style == Style::PrivateSchool {
                                1.4
                            } else {
                                0.9
                            },
                        )
                        .with("mix", (v.percussion_reverb * 100.0).round() / 100.0),
                )?
            }
            Part::Keys => {
                insert(
                    &mut b,
                    NodeSpec::new("keys_eq", "fx.eq")
                        .with("band1_type", "high_pass")
                        .with("band1_freq_hz", 120.0)
                        .with("band3_gain_db", (4.0 * c.brightness - 2.0).round()),
                )?;
                insert(
                    &mut b,
                    NodeSpec::new("keys_reverb", "fx.reverb")
                        .with("decay_s", 1.6)
                        .with("mix", ((0.1 + 0.2 * c.reverb) * 100.0).round() / 100.0),
                )?
            }
            Part::Pad => {
                insert(
                    &mut b,
                    NodeSpec::new("pad_eq", "fx.eq")
                        .with("band1_type", "high_pass")
                        .with("band1_freq_hz", 150.0),
                )?;
                insert(
                    &mut b,
                    NodeSpec::new("pad_reverb", "fx.reverb")
                        .with("decay_s", 2.5)
                        .with("mix", ((0.2 + 0.2 * c.reverb) * 100.0).round() / 100.0),
                )?
            }
            Part::Vocals => {
                insert(
                    &mut b,
                    NodeSpec::new("vocals_eq", "fx.eq")
                        .with("band1_type", "high_pass")
                        .with("band1_freq_hz", 160.0)
                        .with("band3_gain_db", (2.0 * c.brightness).round()),
                )?;
                insert(
                    &mut b,
                    NodeSpec::new("vocals_reverb", "fx.reverb")
                        .with("decay_s", 1.8)
                        .with("mix", ((0.18 + 0.15 * c.reverb) * 100.0).round() / 100.0),
                )?
            }
            Part::LogDrum | Part::Bass => {}
        }
        // Beside audio stems (a kept vocal), the hits are peak-limited on their own channels,
        // so the master limiter does not duck the stems on every kick.
        if !audio.is_empty()
            && matches!(
                part,
                Part::Drums | Part::Percussion | Part::LogDrum | Part::Bass
            )
        {
            insert(
                &mut b,
                NodeSpec::new(format!("{name}_peak"), "fx.limiter")
                    .with("ceiling_db", HIT_CEILING_DB)
                    .with("release_ms", HIT_RELEASE_MS),
            )?;
        }
        chain_ends.push((name.to_string(), end));
    }
    for (k, (line, _, _)) in track.lines.iter().enumerate() {
        b.wire(
            &format!("{}.out_{}", ids::ARRANGEMENT, k + 1),
            &format!("{}.notes", line.part().name()),
        )?;
    }
    // The riser: band-passed noise rising into the second drop.
    let riser = riser_bars(track);
    if let Some((from, to)) = riser {
        let y = 120.0 * r.parts.len() as f32;
        b.add(
            NodeSpec::new(ids::RISER, "source.oscillator")
                .with("wave", "noise")
                .with("gain_db", -12.0),
            520.0,
            y,
        )?;
        b.add(
            NodeSpec::new(ids::RISER_FILTER, "fx.filter")
                .with("mode", "bandpass")
                .with("resonance", 0.35),
            760.0,
            y,
        )?;
        b.add(
            NodeSpec::new(ids::RISER_LEVEL, "util.gain").with("gain_db", -96.0),
            980.0,
            y,
        )?;
        b.wire(
            &format!("{}.out", ids::RISER),
            &format!("{}.in", ids::RISER_FILTER),
        )?;
        b.wire(
            &format!("{}.out", ids::RISER_FILTER),
            &format!("{}.in", ids::RISER_LEVEL),
        )?;
        chain_ends.push((
            ids::FX_CHANNEL.to_string(),
            format!("{}.out", ids::RISER_LEVEL),
        ));
        let (f, t) = (f64::from(from), f64::from(to));
        b.automate(
            ids::RISER_LEVEL,
            "gain_db",
            &[
                (1.0, -96.0, Curve::Linear),
                (f, -96.0, Curve::Linear),
                (f, -36.0, Curve::Linear),
                (t, -6.0, Curve::Linear),
                (t, -96.0, Curve::Linear),
            ],
        )?;
        b.automate(
            ids::RISER_FILTER,
            "cutoff_hz",
            &[(f, 400.0, Curve::Exponential), (t, 9000.0, Curve::Linear)],
        )?;
    }
    // The breakdown's sweep: drums and percussion low-passed 20 kHz → 800 Hz, open again at the drop.
    if let Some(bd) = track.sections.iter().find(|s| s.name == "breakdown") {
        let start = f64::from(bd.first_bar);
        let sweep_end = start + f64::from(bd.bars().min(8));
        let reopen = f64::from(bd.last_bar + 1);
        for node in ["drums_filter", "percussion_filter"] {
            if b.graph.node(node).is_some() {
                b.automate(
                    node,
                    "cutoff_hz",
                    &[
                        (start, 20000.0, Curve::Exponential),
                        (sweep_end, 800.0, Curve::Linear),
                        (reopen, 800.0, Curve::Linear),
                        (reopen, 20000.0, Curve::Linear),
                    ],
                )?;
            }
        }
    }
    // Audio stems: a file source each, its clip played into a channel of its own.
    let mut audio_gains = Vec::new();
    for (k, stem) in audio.iter().enumerate() {
        let id = format!("{}_file", stem.name);
        let y = 120.0 * (r.parts.len() + 1 + k) as f32;
        b.add(
            NodeSpec::new(&id, "source.file").with("file", stem.file.as_str()),
            520.0,
            y,
        )?;
        chain_ends.push((stem.name.clone(), format!("{id}.clip")));
        audio_gains.push((stem.name.clone(), stem.gain_db));
    }
    // The mixer: a channel per instrument (and the riser), bus compressor, limiter under −1 dBTP.
    let levels = |name: &str| -> (f64, f64) {
        match name {
            "drums" => (1.0, 0.0),
            "percussion" => (5.0, 0.1),
            "log_drum" => (-2.0, 0.0),
            "keys" => (1.0, -0.1),
            "pad" => (0.0, 0.0),
            "bass" => (-14.0, 0.0),
            "vocals" => (-6.0, 0.0),
            _ => (-2.0, 0.0),
        }
    };
    let mut mixer = NodeSpec::new(ids::MIXER, "mixer.console")
        .with("channels", chain_ends.len() as f64)
        .with("returns", 0.0)
        .with("master_limiter", "on")
        .with("master_ceiling_db", CEILING_DB)
        .with("master_release_ms", LIMITER_RELEASE_MS)
        .with("master_gain_db", MASTER_GAIN_DB)
        .with(glue::SWITCH, "on")
        .with(glue::THRESHOLD, GLUE.0)
        .with(glue::RATIO, GLUE.1)
        .with(glue::KNEE, GLUE.2)
        .with(glue::ATTACK, GLUE.3)
        .with(glue::RELEASE, GLUE.4)
        .with(glue::MAKEUP, makeup_db(r.style))
        .with(glue::DETECTOR, "rms");
    for (k, (name, _)) in chain_ends.iter().enumerate() {
        let (gain, pan) = match audio_gains.iter().find(|(n, _)| n == name) {
            Some((_, gain)) => (*gain, 0.0),
            None => levels(name),
        };
        mixer = mixer
            .with(&format!("ch{}_name", k + 1), name.as_str())
            .with(&format!("ch{}_gain_db", k + 1), gain)
            .with(&format!("ch{}_pan", k + 1), pan);
    }
    b.add(mixer, 1420.0, 300.0)?;
    b.add(NodeSpec::new(ids::OUTPUT, "io.output"), 1640.0, 300.0)?;
    for (k, (_, end)) in chain_ends.iter().enumerate() {
        b.wire(end, &format!("{}.ch_{}", ids::MIXER, k + 1))?;
    }
    b.wire(
        &format!("{}.out", ids::MIXER),
        &format!("{}.in", ids::OUTPUT),
    )?;
    Ok(b.graph)
}
