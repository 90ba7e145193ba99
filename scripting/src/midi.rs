//! MIDI export: the notes each instrument of a graph receives, exactly as the engine plays them
//! (patterns, clips, swing, humanise, the arrangement and live scripts all applied), written as a standard
//! MIDI file (format 1, 960 ticks a quarter note, one track per instrument). The notes are caught
//! by `io.note_log` nodes wired beside each instrument, in a render of the graph.

use std::sync::Arc;

use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use yano_engine::readout::LoggedNote;
use yano_engine::transport::PPQ;
use yano_engine::{Graph, NodeSpec, Registry, Session, Transport};

use crate::live::LiveScripts;

/// The notes one instrument received.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub instrument: String,
    /// General MIDI drums go on channel 10.
    pub drums: bool,
    pub notes: Vec<LoggedNote>,
}

const LOG_PREFIX: &str = "midi_log__";

/// Renders `seconds` of `graph` and returns what each instrument (a node with a `notes` input
/// that something feeds) received.
pub fn capture(graph: &Graph, registry: Arc<Registry>, seconds: f64) -> Result<Vec<Track>, String> {
    let mut g = graph.clone();
    let mut tracks = Vec::new();
    let instruments: Vec<(String, String)> = graph
        .nodes()
        .filter(|(_, n)| n.kind.starts_with("instrument."))
        .map(|(_, n)| (n.id.clone(), n.kind.clone()))
        .collect();
    for (id, kind) in instruments {
        let index = graph.index(&id).ok_or_else(|| format!("no node {id}"))?;
        let feeds: Vec<String> = graph
            .edges_into(index)
            .filter(|(_, e)| e.to_port == "notes")
            .map(|(from, e)| format!("{}.{}", graph.spec(from).id, e.from_port))
            .collect();
        if feeds.is_empty() {
            continue;
        }
        let log = format!("{LOG_PREFIX}{id}");
        g.add_node(NodeSpec::new(log.clone(), "io.note_log"), &registry)
            .map_err(|e| e.to_string())?;
        for from in feeds {
            g.connect(&from, &format!("{log}.notes"), &registry)
                .map_err(|e| e.to_string())?;
        }
        tracks.push(Track {
            instrument: id,
            drums: kind == "instrument.drums",
            notes: Vec::new(),
        });
    }
    let rate = f64::from(g.transport.sample_rate);
    let per_bar = g.transport.samples_per_bar();
    // Live scripts play their part, as in a render; they see the log nodes too, so rewiring
    // keeps them.
    let mut live = LiveScripts::load(&g, registry.clone()).map_err(|e| e.to_string())?;
    let (mut session, mut runtime) =
        Session::start(g, registry, 256, 2).map_err(|e| e.to_string())?;
    session.wait_for_inference().map_err(|e| e.to_string())?;
    let frames = (seconds * rate).round() as u64;
    let drain = |session: &Session, tracks: &mut Vec<Track>| {
        for t in tracks.iter_mut() {
            let caught = session.logged_notes(&format!("{LOG_PREFIX}{}", t.instrument));
            t.notes.extend(caught.into_iter().filter(|n| n.at < frames));
        }
    };
    let mut done = 0u64;
    let mut blocks = 0u32;
    let mut next_bar = 0u64;
    while done < frames {
        let block_end = (done + runtime.block_size() as u64) as f64;
        while let Some(l) = live
            .as_mut()
            .filter(|_| next_bar as f64 * per_bar < block_end)
        {
            let at = (next_bar as f64 * per_bar).round() as u64;
            l.at_bar(&mut session, next_bar, at)
                .map_err(|e| e.to_string())?;
            next_bar += 1;
        }
        runtime.process_block();
        done += runtime.block_size() as u64;
        blocks += 1;
        if blocks.is_multiple_of(64) {
            drain(&session, &mut tracks);
        }
    }
    drain(&session, &mut tracks);
    Ok(tracks)
}

fn velocity(v: f32) -> u7 {
    u7::new((v * 127.0).round().clamp(1.0, 127.0) as u8)
}

/// A standard MIDI file of `tracks` at the transport's tempo.
pub fn smf_bytes(tracks: &[Track], transport: Transport) -> Result<Vec<u8>, String> {
    let mut smf = Smf::new(Header::new(
        Format::Parallel,
        Timing::Metrical(u15::new(PPQ as u16)),
    ));
    let micros_per_beat = (60_000_000.0 / transport.bpm).round() as u32;
    let event = |delta: u32, kind| TrackEvent {
        delta: u28::new(delta),
        kind,
    };
    smf.tracks.push(vec![
        event(
            0,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(micros_per_beat))),
        ),
        event(
            0,
            TrackEventKind::Meta(MetaMessage::TimeSignature(4, 2, 24, 8)),
        ),
        event(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)),
    ]);
    let mut melodic = 0u8;
    for t in tracks {
        let channel = if t.drums {
            9
        } else {
            let c = melodic % 15;
            melodic += 1;
            if c >= 9 {
                c + 1
            } else {
                c
            }
        };
        let mut notes = t.notes.clone();
        // At one instant, releases before presses, so a repeated note is not cut.
        notes.sort_by(|a, b| {
            a.at.cmp(&b.at)
                .then((a.velocity > 0.0).cmp(&(b.velocity > 0.0)))
        });
        let mut events = vec![event(
            0,
            TrackEventKind::Meta(MetaMessage::TrackName(t.instrument.as_bytes())),
        )];
        let mut last_tick = 0u64;
        for n in &notes {
            let tick = transport.samples_to_ticks(n.at as f64).round() as u64;
            let message = if n.velocity > 0.0 {
                MidiMessage::NoteOn {
                    key: u7::new(n.note.min(127)),
                    vel: velocity(n.velocity),
                }
            } else {
                MidiMessage::NoteOff {
                    key: u7::new(n.note.min(127)),
                    vel: u7::new(0),
                }
            };
            let delta = u32::try_from(tick - last_tick)
                .map_err(|_| "the MIDI file would be too long".to_string())?;
            events.push(event(
                delta,
                TrackEventKind::Midi {
                    channel: u4::new(channel),
                    message,
                },
            ));
            last_tick = tick;
        }
        events.push(event(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)));
        smf.tracks.push(events);
    }
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}
