//! Chooses the key reading's weights (`yano_analysis::key::KeyWeights`) on the chord model's
//! training renders (examples/chord_set.rs, yano's and General MIDI renders of grooves with seeds
//! from 200000), never on the labelled sets the README reports. Each render is analysed once as
//! `yano analyze` does (chords by the chord model); then every weighting on a grid reads the key
//! from those chords and the track's chroma, and the MIREX scores are printed for yano's renders
//! and the General MIDI renders apart, best first by the worse of the two.
//! Grooves whose tonic chord is not heard at least as long as any other (measured on the beat
//! labels, as the labelled set's rule) are left out, as the labelled set leaves them out.
//!
//!     cargo run --release --example key_weights -- [DIR=target/chord-set]

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;

use yano_analysis::chords::{decode, ChordReader, NO_CHORD};
use yano_analysis::key::{from_chords_weighted, mirex_score, track_chroma, KeyWeights, Profiles};
use yano_analysis::{beats_and_harmony, measure_file, Chroma};
use yano_models::chords::ChordModel;
use yano_music::{ChordSpan, Key};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "target/chord-set".into()),
    );
    let model = ChordModel::bundled()?;
    let file = std::fs::File::open(dir.join("spans.jsonl"))?;
    let mut renders: Vec<(Vec<ChordSpan>, [f64; 12], Key)> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let (mut kept, mut left_out) = (0, 0);
    for line in std::io::BufReader::new(file).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        if v["source"] == "random" {
            continue;
        }
        let key = Key::parse(v["key"].as_str().unwrap_or_default()).ok_or("a key")?;
        let labels: Vec<i64> = serde_json::from_value(v["labels"].clone())?;
        if !establishes(&labels, key) {
            left_out += 1;
            continue;
        }
        kept += 1;
        let wav = dir.join(v["name"].as_str().unwrap_or_default());
        let measured = measure_file(&wav)?;
        let f = &measured.features;
        let (_, harmony) = beats_and_harmony(f, Chroma::Notes);
        let chords = decode(&harmony, &model.emissions(&harmony)?);
        renders.push((chords, track_chroma(&harmony), key));
        sources.push(v["source"].as_str().unwrap_or_default().to_string());
    }
    eprintln!("{kept} renders establish their key, {left_out} left out");
    let mut results = Vec::new();
    for tonic in [0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5] {
        for profile in [0.05, 0.1, 0.2, 0.4, 0.8] {
            for first in [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4] {
                {
                    let w = KeyWeights {
                        tonic,
                        profile,
                        first,
                    };
                    let by_source = |source: &str| {
                        let picked: Vec<f64> = renders
                            .iter()
                            .zip(&sources)
                            .filter(|(_, s)| *s == source)
                            .map(|((chords, chroma, truth), _)| {
                                from_chords_weighted(chords, chroma, Profiles::Temperley, &w)
                                    .map_or(0.0, |k| mirex_score(k.key, *truth))
                            })
                            .collect();
                        picked.iter().sum::<f64>() / picked.len().max(1) as f64
                    };
                    // Ranked by the worse of the two sources: a weighting must hold for
                    // yano's instruments and for General MIDI programs alike.
                    let (yano, gm) = (by_source("yano"), by_source("gm"));
                    results.push((yano.min(gm), w, yano, gm));
                }
            }
        }
    }
    let default = KeyWeights::default();
    let earlier = KeyWeights {
        tonic: 1.0,
        profile: 0.1,
        first: 0.0,
    };
    let at = |w: KeyWeights| {
        results
            .iter()
            .find(|r| r.1 == w)
            .map_or((0.0, 0.0), |r| (r.2, r.3))
    };
    let (at_default, at_earlier) = (at(default), at(earlier));
    results.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!(
        "default {default:?}: MIREX yano {:.3}, General MIDI {:.3}",
        at_default.0, at_default.1
    );
    println!(
        "earlier {earlier:?}: MIREX yano {:.3}, General MIDI {:.3}",
        at_earlier.0, at_earlier.1
    );
    println!("best by the worse source:");
    for (_, w, yano, gm) in results.iter().take(12) {
        println!("yano {yano:.3}, General MIDI {gm:.3}  {w:?}");
    }
    Ok(())
}

/// Whether the tonic triad is on at least as many beats as any other root and triad.
fn establishes(labels: &[i64], key: Key) -> bool {
    let mut beats: HashMap<(u8, bool), usize> = HashMap::new();
    for &l in labels {
        if l < 0 || l as usize == NO_CHORD {
            continue;
        }
        let (quality, root) = (l / 12, (l % 12) as u8);
        // maj, min, 7, maj7, min7: minor are 1 and 4.
        *beats
            .entry((root, quality == 1 || quality == 4))
            .or_default() += 1;
    }
    let tonic = beats
        .get(&(key.tonic, key.is_minor()))
        .copied()
        .unwrap_or(0);
    tonic > 0 && beats.values().all(|&b| b <= tonic)
}
