//! The whole job: decode, separate and analyse the song, plan the tempo, warp the stems, compose
//! over the song's chords, mix, render, write, and analyse what came out.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use yano_analysis::report::Report;
use yano_analysis::{analyze_with, default_readers, measure_clip, Settings};
use yano_audio_io::decode::{decode_file, resample, DecodedAudio};
use yano_engine::clip::AudioClip;
use yano_engine::Registry;
use yano_generator::build::{self, AudioStem};
use yano_generator::export::{self, TAIL_SECONDS};
use yano_generator::form::Part;
use yano_generator::vocals::VocalParts;
use yano_generator::{compose_following, Request};
use yano_separate::{files::write_float_wav, ModelMasks, STEMS};

use crate::report::{self, Timings};
use crate::tempo::{self, BeatMap, TempoPlan};
use crate::warp::{self, Quality};
use crate::{follow, AmapianorizeError, Options};

/// The rate everything is worked at: the separator's and the generator's.
pub const RATE: u32 = 48_000;
/// The shortest song taken: two bars at 60 BPM.
pub const MIN_SECONDS: f64 = 8.0;
/// The longest song taken.
pub const MAX_SECONDS: f64 = 20.0 * 60.0;
/// Fewer beats than this and the song is taken as having no pulse to follow.
const MIN_BEATS: usize = 8;
/// The level the song's stems are set to: as if the whole song measured this before the
/// master (whose gain, bus compressor and limiter the new lines go through too).
const SONG_LEVEL_LUFS: f64 = -21.0;

/// The master fader into the limiter (see where it is set).
const MASTER_GAIN_DB: f64 = 6.0;

/// What was made.
#[derive(Debug)]
pub struct Done {
    pub files: Vec<PathBuf>,
    pub report: serde_json::Value,
    pub plan: TempoPlan,
    pub map: BeatMap,
    pub source: Report,
    pub output: Report,
    pub timings: Timings,
    /// What the user should know about the result (a kept stem the separator found almost
    /// nothing of).
    pub warnings: Vec<String>,
}

/// Below this share of the song's energy a kept stem is as good as absent.
const ABSENT_SHARE: f64 = 0.005;

/// The song's stems: given (a folder of `NAME.wav`, or in memory) or separated by yano's
/// separator.
pub enum Stems {
    Separate,
    Given(Vec<(String, Vec<Vec<f32>>)>),
}

/// Amapianorizes the song in `input` into `out`.
pub fn amapianorize_file(
    input: &Path,
    out: &Path,
    options: &Options,
    registry: Arc<Registry>,
    progress: &mut dyn FnMut(&'static str, f64) -> bool,
) -> Result<Done, AmapianorizeError> {
    let started = Instant::now();
    let decoded = decode_file(input, MAX_SECONDS)?;
    let song = resample(decoded, RATE)?;
    let stems = match &options.stems_dir {
        Some(dir) => Stems::Given(read_stems(dir, song.channels[0].len())?),
        None => Stems::Separate,
    };
    let decode = started.elapsed().as_secs_f64();
    let mut done = amapianorize(
        &input.display().to_string(),
        song,
        stems,
        out,
        options,
        registry,
        progress,
    )?;
    done.timings.decode = decode;
    done.timings.total += decode;
    report::write(out, &mut done)?;
    Ok(done)
}

/// Reads `NAME.wav` for each stem found in `dir` (any of the separator's stem names), resampled
/// to [`RATE`] and cut or padded to `frames`.
fn read_stems(
    dir: &Path,
    frames: usize,
) -> Result<Vec<(String, Vec<Vec<f32>>)>, AmapianorizeError> {
    let mut out = Vec::new();
    for name in STEMS {
        let path = dir.join(format!("{name}.wav"));
        if !path.exists() {
            continue;
        }
        let mut audio = resample(decode_file(&path, MAX_SECONDS)?, RATE)?;
        for ch in &mut audio.channels {
            ch.resize(frames, 0.0);
        }
        out.push((name.to_string(), audio.channels));
    }
    if out.is_empty() {
        return Err(AmapianorizeError::GivenStems {
            dir: dir.to_path_buf(),
            reason: format!(
                "no stem found (looked for {})",
                STEMS.map(|s| format!("{s}.wav")).join(", ")
            ),
        });
    }
    Ok(out)
}

/// Amapianorizes a decoded song (at [`RATE`]) into `out`; `name` names it in errors and the
/// report. Writes everything but report.json (see [`report::write`]).
pub fn amapianorize(
    name: &str,
    song: DecodedAudio,
    stems: Stems,
    out: &Path,
    options: &Options,
    registry: Arc<Registry>,
    progress: &mut dyn FnMut(&'static str, f64) -> bool,
) -> Result<Done, AmapianorizeError> {
    options.check()?;
    let started = Instant::now();
    let frames = song.channels.first().map_or(0, Vec::len);
    let seconds = frames as f64 / f64::from(RATE);
    if seconds < MIN_SECONDS {
        return Err(AmapianorizeError::TooShort {
            song: name.to_string(),
            seconds,
            min: MIN_SECONDS,
        });
    }
    let peak = song
        .channels
        .iter()
        .flatten()
        .fold(0.0f32, |m, x| m.max(x.abs()));
    if peak < 1e-4 {
        return Err(AmapianorizeError::Silent {
            song: name.to_string(),
            peak_db: 20.0 * f64::from(peak.max(1e-12)).log10(),
        });
    }
    let mut timings = Timings::default();
    // Separation (both cores) and the analysis of the mix (one) run side by side.
    let clip = AudioClip {
        sample_rate: RATE,
        channels: song.channels.clone(),
    };
    let (separated, analysed) = std::thread::scope(|scope| {
        let analysis = scope.spawn(|| {
            let t = Instant::now();
            let r = measure_clip(&clip)
                .and_then(|m| analyze_with(m, &Settings::default(), &default_readers()));
            (r, t.elapsed().as_secs_f64())
        });
        let t = Instant::now();
        let separated = match stems {
            Stems::Given(s) => Ok((s, "given stems".to_string())),
            Stems::Separate => separate(&song, &mut *progress),
        };
        let separate_s = t.elapsed().as_secs_f64();
        // A panic in the analysis is answered as an error naming it, never passed on.
        let analysed = analysis.join().map_err(|_| {
            AmapianorizeError::Analysis(yano_analysis::AnalysisError::Format(format!(
                "{name}: the analysis stopped unexpectedly"
            )))
        });
        (separated.map(|s| (s, separate_s)), analysed)
    });
    let ((stems, separated_by), separate_s) = separated?;
    let (source, analyse_s) = analysed?;
    let source = source?;
    timings.separate = separate_s;
    timings.analyse = analyse_s;
    drop(clip);

    // The tempo and the map of beats.
    let key = source.key.unwrap_or(options.style.default_key());
    let steady_pulse = source.beats.len() >= MIN_BEATS && source.bpm > 0.0;
    let (plan, map) = if steady_pulse {
        let plan = tempo::plan(source.bpm, options.style, options.bpm);
        let map = BeatMap::new(&source.beats, &source.downbeats, seconds, &plan);
        (plan, map)
    } else {
        // No pulse to follow: the song keeps its own time over the new grid.
        let bpm = options.bpm.unwrap_or(options.style.default_bpm());
        let plan = tempo::plan(bpm, options.style, Some(bpm));
        (plan, BeatMap::even(seconds, &plan))
    };
    let following = follow::following(&source.sections, &source.chords, &map, key);

    // The new lines: what the kept stems do not already play, the harmony only where the
    // intensity replaces the song's own.
    let t = Instant::now();
    let mut request = Request::plain(options.style, key, plan.target_bpm, 16, options.seed);
    request.bars = map.bars;
    request.vocals = VocalParts::NONE;
    request.parts = Part::ALL
        .into_iter()
        .filter(|p| *p != Part::Vocals)
        .filter(|p| !options.keep.iter().any(|k| counterpart(k) == Some(*p)))
        .filter(|p| options.intensity >= 0.5 || !matches!(p, Part::Keys | Part::Pad | Part::Bass))
        .collect();
    let track = compose_following(&request, &following);
    timings.compose = t.elapsed().as_secs_f64();
    if !progress("warping", 0.0) {
        return Err(AmapianorizeError::Cancelled);
    }

    // The song's stems on the new grid: the kept at their level, the others faded by the
    // intensity (left out at 1).
    let t = Instant::now();
    let length = request.seconds() + TAIL_SECONDS;
    let out_frames = (length * f64::from(RATE)).ceil() as usize;
    let level_db = source
        .loudness
        .integrated_lufs
        .map_or(0.0, |l| SONG_LEVEL_LUFS - l);
    let energy = |channels: &[Vec<f32>]| -> f64 {
        channels
            .iter()
            .flatten()
            .map(|x| f64::from(*x).powi(2))
            .sum()
    };
    let song_energy = energy(&song.channels).max(1e-30);
    let mut warnings = Vec::new();
    for (stem, audio) in stems.iter().filter(|(s, _)| options.keep.contains(s)) {
        let share = energy(audio) / song_energy;
        if share < ABSENT_SHARE {
            warnings.push(format!(
                "the kept stem \"{stem}\" holds {:.2} % of the song's energy: {separated_by} \
                 found almost none of it (yano's separator is weak outside amapiano, and on \
                 vocals above all); give the stems you have with --stems",
                100.0 * share
            ));
        }
    }
    let mut chosen: Vec<(String, f64, &Vec<Vec<f32>>)> = Vec::new();
    for (stem, audio) in &stems {
        if options.keep.iter().any(|k| k == stem) {
            chosen.push((stem.clone(), level_db, audio));
        } else if options.intensity < 1.0 {
            let fade = 20.0 * (1.0 - options.intensity).log10();
            chosen.push((format!("song_{stem}"), level_db + fade, audio));
        }
    }
    let warped = warp_all(&chosen, &map, out_frames, options.quality);
    timings.warp = t.elapsed().as_secs_f64();
    let sources = out.join("sources");
    std::fs::create_dir_all(&sources).map_err(|e| AmapianorizeError::Write {
        path: sources.clone(),
        message: e.to_string(),
    })?;
    let mut audio = Vec::new();
    let mut files = Vec::new();
    for ((name, gain_db, _), channels) in chosen.iter().zip(&warped) {
        let path = sources.join(format!("{name}.wav"));
        write_float_wav(&path, channels, RATE)?;
        files.push(path);
        audio.push(AudioStem {
            name: name.clone(),
            file: format!("sources/{name}.wav"),
            gain_db: (gain_db * 10.0).round() / 10.0,
        });
    }
    drop(warped);

    // Mixed and mastered as a generated track, rendered with its stems, written.
    let t = Instant::now();
    let mut graph = build::graph_with_audio(&track, &audio, &registry)?;
    graph.base_dir = Some(out.to_path_buf());
    build::gentle_master(&mut graph, &registry)?;
    // The gentle master (limiter alone, no bus compressor) at +6 dB: with the hits limited on
    // their own channels it leaves a kept vocal's onsets and level alone (about −13 LUFS).
    graph
        .set_param(
            build::ids::MIXER,
            "master_gain_db",
            MASTER_GAIN_DB.into(),
            &registry,
        )
        .map_err(|e| yano_generator::GenerateError::Graph(e.to_string()))?;
    let written = export::write_graph(
        &track,
        &graph,
        out,
        registry,
        timings.compose,
        t,
        &mut |share| progress("rendering", share),
    )?;
    files.extend(written.files.iter().cloned());
    timings.render = written.seconds_render;
    timings.write = written.seconds_write;

    // What came out, as the analysis hears it.
    let t = Instant::now();
    let mix = AudioClip {
        sample_rate: written.mix.sample_rate,
        channels: vec![written.mix.left.clone(), written.mix.right.clone()],
    };
    let output = analyze_with(
        measure_clip(&mix)?,
        &Settings::default(),
        &default_readers(),
    )?;
    timings.analyse_output = t.elapsed().as_secs_f64();
    timings.total = started.elapsed().as_secs_f64();
    let report = report::describe(
        name,
        options,
        &separated_by,
        &source,
        &plan,
        &map,
        &audio,
        &request.parts,
        &output,
        &timings,
        &warnings,
    );
    Ok(Done {
        files,
        report,
        plan,
        map,
        source,
        output,
        timings,
        warnings,
    })
}

/// The generated part a kept stem replaces (None: it plays beside them all).
pub fn counterpart(stem: &str) -> Option<Part> {
    match stem {
        "piano" => Some(Part::Keys),
        "log_drum" => Some(Part::LogDrum),
        "bass" => Some(Part::Bass),
        "drums" => Some(Part::Drums),
        "percussion" => Some(Part::Percussion),
        "vocals" => Some(Part::Vocals),
        _ => None,
    }
}

/// The song through yano's built-in separator, every stem.
fn separate(
    song: &DecodedAudio,
    progress: &mut dyn FnMut(&'static str, f64) -> bool,
) -> Result<(Vec<(String, Vec<Vec<f32>>)>, String), AmapianorizeError> {
    let masks = ModelMasks::load(None)?;
    let name = masks.name().to_string();
    let separation = yano_separate::separate(
        song,
        &masks,
        &yano_separate::Options::default(),
        &mut |share| progress("separating", share),
    )?;
    Ok((separation.stems, name))
}

/// Each stem warped along the map, on as many threads as there are cores.
fn warp_all(
    stems: &[(String, f64, &Vec<Vec<f32>>)],
    map: &BeatMap,
    frames: usize,
    quality: Quality,
) -> Vec<Vec<Vec<f32>>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut out: Vec<Option<Vec<Vec<f32>>>> = vec![None; stems.len()];
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(&mut out);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(stems.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((_, _, audio)) = stems.get(i) else {
                    break;
                };
                let warped = warp::warp(audio, RATE, map, frames, quality);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(warped);
            });
        }
    });
    out.into_iter().map(|w| w.unwrap_or_default()).collect()
}
