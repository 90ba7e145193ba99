//! MIDI export: the notes each instrument of a graph receives, exactly as the engine plays them
//! (patterns, clips, swing, humanise, the arrangement and live scripts all applied), written as a standard
//! MIDI file (format 1, 960 ticks a quarter note, one track per instrument). The notes are caught
//! by `io.note_log` nodes wired beside each instrument, in a render of the graph.

use std::sync::Arc;

use yano_engine::readout::LoggedNote;
use yano_engine::smf::{Layout, MidiFile, MidiNote, MidiTrack};
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

fn velocity(v: f32) -> u8 {
    (v * 127.0).round().clamp(1.0, 127.0) as u8
}

/// A standard MIDI file of `tracks` at the transport's tempo: format 1, a conductor track with the
/// tempo and 4/4, then one track per instrument (drums on channel 10, the others each on a channel
/// of their own). Each press is paired with the next release of its key; a note still sounding
/// when the capture ends is released at the track's last event.
pub fn smf_bytes(tracks: &[Track], transport: Transport) -> Result<Vec<u8>, String> {
    let mut melodic = 0u8;
    let tracks = tracks
        .iter()
        .map(|t| {
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
            let mut events = t.notes.clone();
            // At one instant, releases before presses, so a repeated note is not cut.
            events.sort_by(|a, b| {
                a.at.cmp(&b.at)
                    .then((a.velocity > 0.0).cmp(&(b.velocity > 0.0)))
            });
            let tick = |at: u64| transport.samples_to_ticks(at as f64).round() as u64;
            let last = events.last().map_or(0, |n| tick(n.at));
            let mut sounding: Vec<MidiNote> = Vec::new();
            let mut notes = Vec::new();
            for n in &events {
                let key = n.note.min(127);
                if n.velocity > 0.0 {
                    sounding.push(MidiNote {
                        channel,
                        key,
                        velocity: velocity(n.velocity),
                        start: tick(n.at),
                        end: last,
                        bends: Vec::new(),
                        lyric: n.syllable,
                    });
                } else if let Some(i) = sounding.iter().position(|s| s.key == key) {
                    let mut note = sounding.remove(i);
                    note.end = tick(n.at);
                    notes.push(note);
                }
            }
            notes.extend(sounding);
            notes.sort_by_key(|n| n.start);
            MidiTrack {
                name: Some(t.instrument.clone()),
                notes,
                ..MidiTrack::default()
            }
        })
        .collect();
    MidiFile {
        ppq: PPQ as u16,
        bpm: transport.bpm,
        meter: Some((4, 2)),
        key_signature: None,
        markers: Vec::new(),
        layout: Layout::Conductor { name: None },
        tracks,
    }
    .to_bytes()
    .map_err(|e| e.to_string())
}
