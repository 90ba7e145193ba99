//! Writing a generated track: the mix and exact stems from one render pass, the MIDI file, the
//! graph as a RON preset and a JSON description. Every file is written atomically.
//!
//! Stems come from the mixer's stem outputs (`stem_outs`): each channel as it reaches the master,
//! through the same master gain and limiter gain as the mix, so the stems sum to the mix. One
//! pass renders the mix and every stem: the instruments are computed once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use yano_engine::loudness;
use yano_engine::preset::preset_text;
use yano_engine::render::{render_with_progress, write_wav, RenderOptions, Rendered, SampleFormat};
use yano_engine::save::atomic_write;
use yano_engine::smf::{Layout, MidiFile, MidiNote, MidiTrack, SmfError};
use yano_engine::transport::PPQ;
use yano_engine::{Graph, Registry};
use yano_nodes::mixer::stems::stem_taps;

use crate::build::{self, velocity_of};
use crate::compose::Track;
use crate::form::Part;
use crate::GenerateError;

/// Seconds of tail rendered after the last bar, for releases and reverbs.
pub const TAIL_SECONDS: f64 = 2.0;

/// Length of the render of a track.
pub fn render_seconds(track: &Track) -> f64 {
    track.request.seconds() + TAIL_SECONDS
}

/// A mix and its stems, named after the mixer channels.
pub struct Mixdown {
    pub mix: Rendered,
    pub stems: Vec<(String, Rendered)>,
}

/// Renders the mix and every stem of `graph` in one pass (see `yano_nodes::mixer::stems`).
pub fn render_with_stems(
    graph: &Graph,
    seconds: f64,
    registry: Arc<Registry>,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Mixdown, GenerateError> {
    let taps = stem_taps(graph, &registry, seconds).map_err(GenerateError::Graph)?;
    let options = RenderOptions {
        seconds,
        block_size: 128,
        inference_threads: 1,
        ..Default::default()
    };
    let mut mix = render_with_progress(&taps.graph, registry, options, progress)
        .map_err(|e| GenerateError::Render(e.to_string()))?;
    let stems = taps.split(&mut mix).map_err(GenerateError::Render)?;
    Ok(Mixdown { mix, stems })
}

/// How a part sounds in a MIDI file: its channel (drums on 10, i.e. 9 counted from 0), its
/// General MIDI program (None: the player's default; on the drum channel it picks the kit), and
/// a factor on every velocity (1: as composed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MidiVoice {
    pub channel: u8,
    pub program: Option<u8>,
    pub velocity_scale: f32,
}

/// The General MIDI programs and channels yano's MIDI files use per part.
pub fn midi_voice(part: Part) -> MidiVoice {
    let (channel, program) = match part {
        Part::Drums | Part::Percussion => (9, None),
        Part::LogDrum => (0, Some(38)),
        Part::Keys => (1, Some(4)),
        Part::Pad => (2, Some(89)),
        Part::Bass => (3, Some(38)),
        // General MIDI 54, "Voice Oohs" (53 counted from 0).
        Part::Vocals => (4, Some(53)),
    };
    MidiVoice {
        channel,
        program,
        velocity_scale: 1.0,
    }
}

/// A standard MIDI file of the track: a conductor track with tempo, 4/4, key signature and
/// section markers, then one track per instrument with the notes the arrangement lets through.
pub fn midi_bytes(track: &Track) -> Result<Vec<u8>, SmfError> {
    midi_bytes_voiced(track, &midi_voice)
}

/// [`midi_bytes`] with each part's channel, program and level chosen by `voice` (the chord
/// model's training renders draw other General MIDI programs and mixes this way).
pub fn midi_bytes_voiced(
    track: &Track,
    voice: &dyn Fn(Part) -> MidiVoice,
) -> Result<Vec<u8>, SmfError> {
    let r = &track.request;
    let tick = |beats: f64| (beats * f64::from(PPQ)).round().max(0.0) as u64;
    let tracks = r
        .parts
        .iter()
        .map(|part| {
            let MidiVoice {
                channel,
                program,
                velocity_scale,
            } = voice(*part);
            let notes = track
                .heard(*part)
                .iter()
                .map(build::quantise)
                .map(|n| MidiNote {
                    channel,
                    key: n.pitch,
                    velocity: (f32::from(velocity_of(&n)) * velocity_scale)
                        .round()
                        .clamp(1.0, 127.0) as u8,
                    start: tick(n.start_beats),
                    end: tick(n.start_beats + n.length_beats),
                    bends: Vec::new(),
                    lyric: n.syllable,
                })
                .collect();
            MidiTrack {
                name: Some(part.name().to_string()),
                programs: program.map(|p| (channel, p)).into_iter().collect(),
                bend_ranges: Vec::new(),
                notes,
            }
        })
        .collect();
    MidiFile {
        ppq: PPQ as u16,
        bpm: r.bpm,
        meter: Some((4, 2)),
        key_signature: Some((r.key.signature(), r.key.is_minor())),
        markers: track
            .sections
            .iter()
            .map(|s| (tick(f64::from(s.first_bar - 1) * 4.0), s.name.to_string()))
            .collect(),
        layout: Layout::Conductor { name: Some("yano") },
        tracks,
    }
    .to_bytes()
}

/// The JSON description: bpm, key, style, seed, sections with bar ranges, the chords of every bar.
pub fn description(track: &Track, extra: serde_json::Value) -> serde_json::Value {
    let r = &track.request;
    let bars: Vec<serde_json::Value> = (1..=r.bars)
        .map(|bar| {
            let chords = track.chords_in_bar(bar);
            serde_json::json!({
                "bar": bar,
                "chord": chords.first().map(|c| c.1.as_str()),
                "chords": chords.iter().map(|(beat, symbol)| serde_json::json!({"beat": beat, "symbol": symbol})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut v = serde_json::json!({
        "bpm": r.bpm,
        "swing": r.swing,
        "key": r.key.to_string(),
        "style": r.style,
        "seed": r.seed,
        "bars": r.bars,
        "seconds": r.seconds(),
        "moods": r.moods,
        "character": r.character,
        "energy": r.energy,
        "instruments": r.parts,
        "vocals": r.vocals,
        "hook_bars": crate::vocals::hook_bars(&track.sections).filter(|_| r.vocals.hook),
        "sections": track.sections,
        "chords": bars,
        "chord_changes": track.chords.iter().map(|c| serde_json::json!({
            "bar": (c.start_beats / 4.0).floor() as u32 + 1,
            "beat": c.start_beats % 4.0 + 1.0,
            "beats": c.beats,
            "symbol": c.symbol(r.key),
        })).collect::<Vec<_>>(),
    });
    if let (Some(map), serde_json::Value::Object(more)) = (v.as_object_mut(), extra) {
        map.extend(more);
    }
    v
}

/// What `write` made, and how long each stage took.
pub struct Written {
    pub files: Vec<PathBuf>,
    pub mix: Rendered,
    pub lufs: f64,
    pub true_peak_db: f64,
    pub seconds_compose: f64,
    pub seconds_render: f64,
    pub seconds_write: f64,
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), GenerateError> {
    atomic_write(path, |f| std::io::Write::write_all(f, bytes)).map_err(|e| GenerateError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Builds, renders and writes a composed track into `dir`: track.wav, stems/*.wav, track.mid,
/// track.ron and track.json.
pub fn write(
    track: &Track,
    dir: &Path,
    registry: Arc<Registry>,
    composed_in: f64,
) -> Result<Written, GenerateError> {
    write_with_progress(track, dir, registry, composed_in, &mut |_| true)
}

/// [`write`], telling `progress` the share of the render done (0..=1); the files follow it.
pub fn write_with_progress(
    track: &Track,
    dir: &Path,
    registry: Arc<Registry>,
    composed_in: f64,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Written, GenerateError> {
    let started = Instant::now();
    let graph = build::graph(track, &registry)?;
    write_graph(track, &graph, dir, registry, composed_in, started, progress)
}

/// Renders and writes a track's graph as [`write_with_progress`] does, for a graph built
/// otherwise (with audio stems beside the lines: [`build::graph_with_audio`]); `started` is
/// when building began, counted in the render's time.
pub fn write_graph(
    track: &Track,
    graph: &yano_engine::Graph,
    dir: &Path,
    registry: Arc<Registry>,
    composed_in: f64,
    started: Instant,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<Written, GenerateError> {
    let seconds = render_seconds(track);
    let mixdown = render_with_stems(graph, seconds, registry, progress)?;
    let seconds_render = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let stems_dir = dir.join("stems");
    std::fs::create_dir_all(&stems_dir).map_err(|e| GenerateError::Write {
        path: stems_dir.clone(),
        message: e.to_string(),
    })?;
    // The mix in 24 bits; stems in 32-bit float, because one stem may peak above full scale
    // where another cancels it (a sub under a log drum), and clipping it would break the sum.
    let wav = |path: PathBuf,
               audio: &Rendered,
               format: SampleFormat,
               files: &mut Vec<PathBuf>|
     -> Result<(), GenerateError> {
        write_wav(&path, audio, format).map_err(|e| GenerateError::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        files.push(path);
        Ok(())
    };
    // Two cores: the stems are written on a second thread while this one writes the mix,
    // measures its loudness and writes the MIDI, the preset and the description.
    let (mix_files, stem_files, measured) = std::thread::scope(|scope| {
        let stems = scope.spawn(|| {
            let mut files = Vec::new();
            for (name, audio) in &mixdown.stems {
                wav(
                    stems_dir.join(format!("{name}.wav")),
                    audio,
                    SampleFormat::Float32,
                    &mut files,
                )?;
            }
            Ok::<_, GenerateError>(files)
        });
        let mut files = Vec::new();
        let mine = (|| {
            wav(
                dir.join("track.wav"),
                &mixdown.mix,
                SampleFormat::Int24,
                &mut files,
            )?;
            let mid = dir.join("track.mid");
            let bytes = midi_bytes(track).map_err(|e| GenerateError::Write {
                path: mid.clone(),
                message: e.to_string(),
            })?;
            write_file(&mid, &bytes)?;
            files.push(mid);
            let ron = dir.join("track.ron");
            let header = format!(
                "// Generated by yano: {} in {}, {} BPM, {} bars, seed {}.\n",
                track.request.style,
                track.request.key,
                track.request.bpm,
                track.request.bars,
                track.request.seed
            );
            write_file(&ron, format!("{header}{}", preset_text(graph)).as_bytes())?;
            files.push(ron);
            loudness::measure(
                &mixdown.mix.left,
                &mixdown.mix.right,
                mixdown.mix.sample_rate,
            )
            .map_err(|e| GenerateError::Render(e.to_string()))
        })();
        let stems = stems
            .join()
            .unwrap_or_else(|_| Err(GenerateError::Render("writing the stems panicked".into())));
        (files, stems, mine)
    });
    let measured = measured?;
    let mut files = mix_files;
    files.extend(stem_files?);
    let json = dir.join("track.json");
    let extra = serde_json::json!({
        "stems": mixdown.stems.iter().map(|(n, _)| format!("stems/{n}.wav")).collect::<Vec<_>>(),
        "lufs": (measured.integrated_lufs * 100.0).round() / 100.0,
        "true_peak_dbtp": (measured.true_peak_dbtp * 100.0).round() / 100.0,
    });
    let text =
        serde_json::to_string_pretty(&description(track, extra)).expect("JSON of plain values");
    write_file(&json, text.as_bytes())?;
    files.push(json);
    Ok(Written {
        files,
        lufs: measured.integrated_lufs,
        true_peak_db: measured.true_peak_dbtp,
        mix: mixdown.mix,
        seconds_compose: composed_in,
        seconds_render,
        seconds_write: started.elapsed().as_secs_f64(),
    })
}
