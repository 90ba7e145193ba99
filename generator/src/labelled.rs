//! A labelled set for judging the analysis: grooves composed and rendered by the project's own
//! instruments, each with its ground truth (tempo, every beat and downbeat, key, the chord of
//! every span, swing) known exactly because the generator wrote the notes. Groove `i` of `n`
//! spreads tempo over 100–125 BPM, swing over 50–62 %, keys over all 24 and styles over all
//! three; complexity rises so passing dominants and 9th/11th/13th colours appear.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use yano_engine::render::{render, write_wav, RenderOptions, Rendered, SampleFormat};
use yano_engine::Registry;
use yano_music::{ChordSpan, Key, Mode, Triad};

use crate::compose::{compose, Options, Request, Track};
use crate::export::render_seconds;
use crate::form::Part;
use crate::prompt::Style;
use crate::GenerateError;

/// The truth beside each file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub bpm: f64,
    /// Shakers' swing, a share.
    pub swing: f64,
    pub key: Key,
    pub style: String,
    pub seed: u64,
    pub beats: Vec<f64>,
    pub downbeats: Vec<f64>,
    /// The chord of every span; none where only drums play (no pitched part sounds), so the
    /// truth there is "no chord".
    pub chords: Vec<ChordSpan>,
    /// Section boundaries, seconds.
    pub sections: Vec<f64>,
}

/// The request for groove `i` of `n`, `bars` long: the first seed (of 1000 + i, then in steps
/// of 100) whose track establishes its key (see [`establishes_key`]).
pub fn groove(i: usize, n: usize, bars: u32) -> Request {
    let first = request(i, n, bars, 1000 + i as u64);
    (0..40)
        .map(|k| request(i, n, bars, 1000 + i as u64 + 100 * k))
        .find(|r| establishes_key(&compose(r)))
        .unwrap_or(first)
}

/// Whether a listener can know the track's key from it: its tonic chord (minor in a minor key,
/// major in a major one) is heard at least as long as any other chord. Modal vamps that never
/// sound their tonic (VI–VII in a minor key, ii–V–I in the relative major) or dwell on another
/// chord (ii–I–ii–vi) are left out of the labelled set: their "key" is the generator's intent,
/// not something in the audio.
pub fn establishes_key(track: &Track) -> bool {
    let key = track.request.key;
    let truth = truth(track);
    let heard: f64 = truth
        .chords
        .iter()
        .filter(|c| c.chord.is_some())
        .map(ChordSpan::seconds)
        .sum();
    // Time on a root with a triad (None: neither major nor minor).
    let time_on = |root: u8, triad: Option<Triad>| -> f64 {
        truth
            .chords
            .iter()
            .filter(|c| {
                c.chord
                    .is_some_and(|c| c.root == root && c.triad() == triad)
            })
            .map(ChordSpan::seconds)
            .sum()
    };
    let tonic_triad = if key.is_minor() {
        Triad::Minor
    } else {
        Triad::Major
    };
    let tonic = time_on(key.tonic, Some(tonic_triad));
    let longest = truth
        .chords
        .iter()
        .filter_map(|c| c.chord)
        .map(|c| time_on(c.root, c.triad()))
        .fold(0.0, f64::max);
    heard > 0.0 && tonic > 0.0 && tonic >= longest - 1e-9
}

fn request(i: usize, n: usize, bars: u32, seed: u64) -> Request {
    let t = if n > 1 {
        i as f64 / (n - 1) as f64
    } else {
        0.5
    };
    // Tempo and swing walk their ranges in different orders so they do not move together.
    let bpm = 100.0 + 25.0 * t;
    let swing = 0.50 + 0.12 * ((i * 7) % n.max(1)) as f64 / (n.max(2) - 1) as f64;
    let key = Key::new(
        ((i * 5) % 12) as u8,
        if (i / 12).is_multiple_of(2) {
            Mode::Minor
        } else {
            Mode::Major
        },
    );
    let style = Style::ALL[i % 3];
    let options = Options {
        style: Some(style.name().to_string()),
        key: Some(key.to_string()),
        bpm: Some((bpm * 100.0).round() / 100.0),
        swing: Some(swing),
        bars: Some(bars),
        seed,
        complexity: Some(0.3 + 0.6 * ((i * 3) % n.max(1)) as f64 / n.max(1) as f64),
        energy: Some("steady".into()),
        ..Options::default()
    };
    // Every value above is in range, so the request always reads.
    Request::new("", &options)
        .map_or_else(|_| Request::plain(style, key, bpm, bars, seed), |(r, _)| r)
}

/// The truth of a composed track.
pub fn truth(track: &Track) -> Truth {
    let r = &track.request;
    let beat = 60.0 / r.bpm;
    let pitched: Vec<yano_engine::clip::Note> = [Part::Keys, Part::Pad, Part::Bass, Part::LogDrum]
        .into_iter()
        .flat_map(|p| track.heard(p))
        .collect();
    let beats: Vec<f64> = (0..r.bars * 4).map(|k| f64::from(k) * beat).collect();
    let downbeats = beats.iter().step_by(4).copied().collect();
    let chords = track
        .chords
        .iter()
        .map(|c| {
            let heard = pitched.iter().any(|n| {
                n.start_beats < c.start_beats + c.beats
                    && n.start_beats + n.length_beats > c.start_beats
            });
            let span = c.span(r.bpm);
            ChordSpan {
                chord: span.chord.filter(|_| heard),
                ..span
            }
        })
        .collect();
    let mut sections: Vec<f64> = track
        .sections
        .iter()
        .map(|s| f64::from(s.first_bar - 1) * 4.0 * beat)
        .collect();
    sections.push(r.seconds());
    Truth {
        bpm: r.bpm,
        swing: r.swing,
        key: r.key,
        style: r.style.to_string(),
        seed: r.seed,
        beats,
        downbeats,
        chords,
        sections,
    }
}

/// Renders a track's mix (no stems: the analysis hears what a listener hears), through the
/// gentle master ([`crate::build::gentle_master`]).
pub fn render_mix(track: &Track, registry: Arc<Registry>) -> Result<Rendered, GenerateError> {
    let mut graph = crate::build::graph(track, &registry)?;
    crate::build::gentle_master(&mut graph, &registry)?;
    let options = RenderOptions {
        seconds: render_seconds(track),
        block_size: 128,
        inference_threads: 1,
        ..Default::default()
    };
    render(&graph, registry, options).map_err(|e| GenerateError::Render(e.to_string()))
}

/// Writes groove `i` of `n` as `dir/groove-NN.wav` (16-bit) and its truth as `groove-NN.json`.
pub fn write_groove(
    dir: &Path,
    i: usize,
    n: usize,
    bars: u32,
    registry: Arc<Registry>,
) -> Result<(std::path::PathBuf, Truth), GenerateError> {
    let track = compose(&groove(i, n, bars));
    let mix = render_mix(&track, registry)?;
    let wav = dir.join(format!("groove-{i:02}.wav"));
    let fail = |path: &Path, e: &dyn std::fmt::Display| GenerateError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    write_wav(&wav, &mix, SampleFormat::Int16).map_err(|e| fail(&wav, &e))?;
    let truth = truth(&track);
    let json = dir.join(format!("groove-{i:02}.json"));
    let text = serde_json::to_string_pretty(&truth).map_err(|e| fail(&json, &e))?;
    yano_engine::save::atomic_write(&json, |w| std::io::Write::write_all(w, text.as_bytes()))
        .map_err(|e| fail(&json, &e))?;
    Ok((wav, truth))
}
