//! `sequence.arrangement`: the timeline. Up to 16 tracks; each passes the notes arriving at its
//! input to its output only inside its placements (bar ranges like "1-16, 33-64"), with mute and
//! solo per track, and section markers naming bar ranges ("intro 1-16; drop 17-48"). A note that
//! is sounding when its track's placement ends, or when the track is muted, is ended there, so
//! nothing hangs.

use yano_engine::event::{NoteEvent, NoteKind};
use yano_engine::node::ParamReader;
use yano_engine::param::{ParamError, ParamHandle, ParamSpec, Unit};
use yano_engine::port::{PortSpec, PortType};
use yano_engine::{
    Build, NodeConfig, NodeDescriptor, NodeError, PortLayout, ProcessContext, Processor,
};

use super::notation::parse_bar_ranges;

pub const KIND: &str = "sequence.arrangement";
pub const MAX_TRACKS: usize = 16;

/// A named stretch of bars, counted from 1, both ends included.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub name: String,
    pub first_bar: u32,
    pub last_bar: u32,
}

/// Reads "intro 1-16; drop 17-48"; sections must not overlap.
pub fn parse_sections(text: &str) -> Result<Vec<Section>, String> {
    let mut sections: Vec<Section> = Vec::new();
    for entry in text
        .split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let bad = || format!("section \"{entry}\": write <name> <first>-<last>, e.g. intro 1-16");
        let (name, range) = entry.rsplit_once(char::is_whitespace).ok_or_else(bad)?;
        let (a, b) = range.split_once('-').ok_or_else(bad)?;
        let (first_bar, last_bar): (u32, u32) =
            (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
        if first_bar < 1 || last_bar < first_bar {
            return Err(bad());
        }
        if let Some(s) = sections
            .iter()
            .find(|s| first_bar <= s.last_bar && last_bar >= s.first_bar)
        {
            return Err(format!(
                "section \"{}\" overlaps \"{}\"",
                name.trim(),
                s.name
            ));
        }
        sections.push(Section {
            name: name.trim().to_string(),
            first_bar,
            last_bar,
        });
    }
    Ok(sections)
}

/// The parameter ids of track `i` (counted from 1): its placements, mute and solo.
fn track_ids(i: usize) -> [String; 3] {
    [
        format!("track_{i}"),
        format!("mute_{i}"),
        format!("solo_{i}"),
    ]
}

/// One track's switches, resolved by id when the node is built.
#[derive(Debug, Clone, Copy)]
struct TrackSwitches {
    mute: ParamHandle,
    solo: ParamHandle,
}

fn ports(p: &ParamReader<'_>) -> Result<Vec<PortSpec>, ParamError> {
    let n = p.number("tracks")?.clamp(1.0, MAX_TRACKS as f64) as usize;
    let mut ports: Vec<PortSpec> = (1..=n)
        .map(|i| PortSpec::input(format!("in_{i}"), PortType::Events, "a track's notes"))
        .collect();
    ports.extend((1..=n).map(|i| {
        PortSpec::output(
            format!("out_{i}"),
            PortType::Events,
            "the track, as arranged",
        )
    }));
    Ok(ports)
}

pub fn descriptor() -> NodeDescriptor {
    let mut params = vec![
        ParamSpec::integer(
            "tracks",
            "number of tracks (in_N → out_N)",
            1,
            MAX_TRACKS as i64,
            4,
            Unit::Count,
        ),
        ParamSpec::text(
            "sections",
            "section markers: \"intro 1-16; drop 17-48\"",
            "",
        ),
    ];
    for i in 1..=MAX_TRACKS {
        let [track, mute, solo] = track_ids(i);
        params.push(ParamSpec::text(
            track,
            "bars where the track plays: \"1-16, 33-64\", \"all\" or \"none\"",
            "all",
        ));
        params.push(ParamSpec::choice(
            mute,
            "silence the track",
            &["off", "on"],
            0,
        ));
        params.push(ParamSpec::choice(
            solo,
            "hear only soloed tracks",
            &["off", "on"],
            0,
        ));
    }
    NodeDescriptor {
        kind: KIND,
        description:
            "timeline: tracks of notes placed at bars, section markers, mute/solo per track",
        params,
        ports: PortLayout::FromParams(ports),
        build: Build::Realtime(build),
    }
}

fn build(config: &NodeConfig<'_>) -> Result<Box<dyn Processor>, NodeError> {
    let p = &config.params;
    parse_sections(&p.text("sections")?).map_err(NodeError::new)?;
    let mut placements = Vec::with_capacity(MAX_TRACKS);
    let mut switches = Vec::with_capacity(MAX_TRACKS);
    for i in 1..=MAX_TRACKS {
        let [track, mute, solo] = track_ids(i);
        placements.push(
            parse_bar_ranges(&p.text(&track)?)
                .map_err(|e| NodeError::new(format!("{track}: {e}")))?,
        );
        switches.push(TrackSwitches {
            mute: config.param(&mute)?,
            solo: config.param(&solo)?,
        });
    }
    let switches: [TrackSwitches; MAX_TRACKS] = switches
        .try_into()
        .map_err(|_| NodeError::new("one set of switches per track"))?;
    Ok(Box::new(Arrangement {
        tracks: config.param("tracks")?,
        switches,
        placements,
        held: [[false; 128]; MAX_TRACKS],
    }))
}

struct Arrangement {
    tracks: ParamHandle,
    /// Per track: its mute and solo.
    switches: [TrackSwitches; MAX_TRACKS],
    /// Per track: half-open bar ranges, bars counted from 0.
    placements: Vec<Vec<(f64, f64)>>,
    held: [[bool; 128]; MAX_TRACKS],
}

impl Processor for Arrangement {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) {
        let ph = *ctx.playhead();
        let bar_len = ph.transport.samples_per_bar();
        let tracks = (ctx.param(self.tracks).last() as usize).clamp(1, MAX_TRACKS);
        // (muted, soloed) per track, read before the outputs are borrowed.
        let mut switches = [(false, false); MAX_TRACKS];
        for (s, track) in switches.iter_mut().zip(&self.switches).take(tracks) {
            *s = (
                ctx.param(track.mute).last() >= 0.5,
                ctx.param(track.solo).last() >= 0.5,
            );
        }
        let any_solo = switches.iter().any(|s| s.1);
        let start = ph.block_start as f64;
        let frames = ctx.frames();
        // The next bar line inside this block, where placements can start or end.
        let bar_line = ph.transport.next_bar_start(ph.block_start);
        let bar_line = (bar_line < ph.block_start + frames as u64)
            .then_some((bar_line - ph.block_start) as u32);
        for (i, &(muted, soloed)) in switches.iter().enumerate().take(tracks) {
            let audible = !muted && (!any_solo || soloed);
            let placed = &self.placements[i];
            // Bar lines fall between samples; sequencers round a note on a bar line to the
            // nearest sample, which may lie just before the line: half a sample of grace keeps
            // that note inside the placement that starts there.
            let active = |offset: u32| {
                let bar = (start + f64::from(offset) + 0.5) / bar_len;
                audible && ph.playing && placed.iter().any(|(a, b)| bar >= *a && bar < *b)
            };
            let events = ctx.events_in(i);
            let held = &mut self.held[i];
            let out = ctx.events_out(i);
            for e in events {
                match e.kind {
                    NoteKind::On { note, .. } if active(e.offset) => {
                        held[usize::from(note.min(127))] = true;
                        out.push(*e);
                    }
                    NoteKind::Off { note }
                        if std::mem::take(&mut held[usize::from(note.min(127))]) =>
                    {
                        out.push(*e);
                    }
                    _ => {}
                }
            }
            // End what is sounding where the track stops: a placement's end, or now when muted.
            let stop = if !audible || !ph.playing {
                Some(0)
            } else {
                bar_line
                    .filter(|&b| b > 0 && active(b - 1) && !active(b))
                    .or(bar_line.filter(|&b| b == 0 && !active(0)))
            };
            if let Some(at) = stop {
                for (note, h) in held.iter_mut().enumerate() {
                    if std::mem::take(h) {
                        out.push(NoteEvent {
                            offset: at,
                            kind: NoteKind::Off { note: note as u8 },
                        });
                    }
                }
            }
            out.sort_by_offset();
        }
    }

    fn reset(&mut self) {
        self.held = [[false; 128]; MAX_TRACKS];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequence::probe::text;
    use crate::testing::registry;
    use yano_engine::graph::{Graph, NodeSpec};
    use yano_engine::render::{render, RenderOptions};
    use yano_engine::Transport;
    use yano_testkit::nodes::{note_ons, NOTE_PROBE};

    /// Two tracks of steady quarter notes (C4 and E4) through an arrangement; returns (sample, note) of note-ons.
    fn arranged(params: &[(&str, &str)], listen: usize) -> Vec<(usize, u8)> {
        let r = registry();
        let mut g = Graph::new(Transport {
            sample_rate: 48_000,
            bpm: 120.0,
            swing: 0.5,
        });
        g.add_node(
            NodeSpec::new("a", "sequence.steps")
                .with("pattern", "x...")
                .with("notes", "C4"),
            &r,
        )
        .unwrap();
        g.add_node(
            NodeSpec::new("b", "sequence.steps")
                .with("pattern", "x...")
                .with("notes", "E4"),
            &r,
        )
        .unwrap();
        let mut spec = NodeSpec::new("arr", KIND).with("tracks", 2.0);
        for (k, v) in params {
            spec = spec.with(k, *v);
        }
        g.add_node(spec, &r).unwrap();
        g.add_node(NodeSpec::new("probe", NOTE_PROBE), &r).unwrap();
        g.add_node(NodeSpec::new("out", "io.output"), &r).unwrap();
        g.connect("a.notes", "arr.in_1", &r).unwrap();
        g.connect("b.notes", "arr.in_2", &r).unwrap();
        g.connect(&format!("arr.out_{listen}"), "probe.notes", &r)
            .unwrap();
        g.connect("probe.out", "out.in", &r).unwrap();
        let audio = render(
            &g,
            r,
            RenderOptions {
                seconds: 8.0,
                ..Default::default()
            },
        )
        .unwrap();
        note_ons(&audio)
            .into_iter()
            .map(|(i, note, _)| (i, note))
            .collect()
    }

    #[test]
    fn tracks_play_only_inside_their_placements() {
        // 120 BPM: a bar is 96,000 samples, a quarter note 24,000. Track 1 plays bars 2-3.
        let got = arranged(&[("track_1", "2-3")], 1);
        let bars: Vec<usize> = got.iter().map(|(s, _)| s / 96_000 + 1).collect();
        assert_eq!(got.len(), 8, "two bars of quarter notes");
        assert!(bars.iter().all(|b| (2..=3).contains(b)), "{bars:?}");
        assert_eq!(got[0], (96_000, 60));
    }

    #[test]
    fn mute_and_solo_follow_the_usual_rules() {
        assert!(arranged(&[("mute_1", "on")], 1).is_empty(), "muted");
        assert!(
            arranged(&[("solo_2", "on")], 1).is_empty(),
            "another track soloed"
        );
        assert_eq!(
            arranged(&[("solo_2", "on")], 2).len(),
            16,
            "the soloed track plays"
        );
        assert_eq!(
            arranged(&[("solo_1", "on"), ("mute_1", "on")], 1).len(),
            0,
            "mute wins over solo"
        );
    }

    #[test]
    fn sections_are_read_and_checked() {
        let s = parse_sections("intro 1-16; keys and pads 17-32").unwrap();
        assert_eq!(
            (s[1].name.as_str(), s[1].first_bar, s[1].last_bar),
            ("keys and pads", 17, 32)
        );
        assert!(parse_sections("intro 1-16; drop 8-24")
            .unwrap_err()
            .contains("overlaps"));
        let _ = text("unused");
    }
}
