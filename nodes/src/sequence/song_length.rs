//! How long a graph's song is: the bar where its arrangement ends. Read from the graph's
//! parameters as saved (the `sequence.arrangement` nodes' sections and track placements), on the
//! control thread, so a render with no length asked for plays the whole song.

use yano_engine::graph::Graph;

use super::arrangement::{parse_sections, KIND, MAX_TRACKS};
use super::notation::parse_bar_ranges;

/// The bar (counted from 0) where the last section or the last placement of every arrangement in
/// the graph ends, or `None` when no arrangement bounds the song (none in the graph, or every
/// track plays "all" with no sections). A placement running to "end" ends with the sections.
/// Placements that do not parse are left out: loading the preset has already refused them.
pub fn song_end_bar(graph: &Graph) -> Option<f64> {
    let mut end: Option<f64> = None;
    let mut extend = |bar: f64| {
        if bar.is_finite() {
            end = Some(end.map_or(bar, |e: f64| e.max(bar)));
        }
    };
    for (_, node) in graph.nodes().filter(|(_, n)| n.kind == KIND) {
        let text = |id: &str| {
            node.params
                .get(id)
                .and_then(|v| v.as_text())
                .map(str::to_string)
        };
        if let Some(Ok(sections)) = text("sections").map(|t| parse_sections(&t)) {
            for s in sections {
                extend(f64::from(s.last_bar));
            }
        }
        let tracks = node
            .params
            .get("tracks")
            .and_then(|v| v.as_number())
            .unwrap_or(4.0)
            .clamp(1.0, MAX_TRACKS as f64) as usize;
        for i in 1..=tracks {
            let placements = text(&format!("track_{i}")).unwrap_or_default();
            if let Ok(ranges) = parse_bar_ranges(&placements) {
                for (_, last) in ranges {
                    extend(last);
                }
            }
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use yano_engine::graph::NodeSpec;
    use yano_engine::Transport;

    fn arranged(params: &[(&str, &str)], tracks: f64) -> Option<f64> {
        let registry = crate::registry();
        let mut g = Graph::new(Transport::default());
        let mut spec = NodeSpec::new("arrangement", KIND).with("tracks", tracks);
        for (id, value) in params {
            spec = spec.with(*id, *value);
        }
        g.add_node(spec, &registry).unwrap();
        song_end_bar(&g)
    }

    #[test]
    fn the_song_ends_with_its_last_section_or_placement() {
        // The starter groove: sections to bar 16, tracks running to "end".
        assert_eq!(
            arranged(
                &[
                    ("sections", "intro 1-4; stabs 5-8; drop 9-16"),
                    ("track_3", "5-end"),
                ],
                7.0
            ),
            Some(16.0)
        );
        // A placement past the last section extends the song.
        assert_eq!(
            arranged(&[("sections", "intro 1-8"), ("track_2", "1-8, 17-24")], 2.0),
            Some(24.0)
        );
        // A track beyond the node's track count is not heard, so it does not count.
        assert_eq!(
            arranged(&[("sections", "intro 1-8"), ("track_3", "1-40")], 2.0),
            Some(8.0)
        );
        // Every track "all" and no sections: nothing bounds the song.
        assert_eq!(arranged(&[], 4.0), None);
        assert_eq!(song_end_bar(&Graph::new(Transport::default())), None);
    }
}
