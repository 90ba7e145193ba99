//! Renders the separator's training or evaluation set: generated tracks of every style, key,
//! tempo and seed, each written as its exact stems in the separator's stem map (models/separator/
//! README.md says which seeds train and which are held out).
//!
//! cargo run --release -p yano-separate --example separation_dataset -- OUT FIRST_SEED COUNT BARS [stereo] [gm] [voices=a,b,...]
//!
//! Track `i` uses seed FIRST_SEED + i, style i mod 3, a key and a tempo walked from the seed, and
//! density and complexity drawn from it. With `voices=`, every singer of the track sings with one
//! voice type drawn from that list (bass, tenor, alto, soprano, child) and a breathiness and a
//! vibrato drawn from the seed: the training set takes some voice types, the held-out set others.
//! With `gm`, each part's notes (the generator's MIDI file, one part at a time) are rendered
//! through the General MIDI soundfont instead (`fluidsynth`, `fluid-soundfont-gm`, Debian
//! packages): other timbres than any the separator trained on, the same exact stems. Each track is a folder OUT/NNNNN/ with one float WAV per
//! stem (mono, the mean of left and right, unless `stereo`) and track.json. Tracks already
//! written are skipped, so an interrupted run resumes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use yano_generator::compose::{compose, Options, Request};
use yano_generator::export::{render_seconds, render_with_stems};
use yano_generator::prompt::Style;
use yano_separate::stems::{stem_of_channel, STEMS};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: separation_dataset OUT FIRST_SEED COUNT BARS [stereo]");
        std::process::exit(2);
    }
    let out = PathBuf::from(&args[0]);
    let first: u64 = args[1].parse().expect("FIRST_SEED is a number");
    let count: u64 = args[2].parse().expect("COUNT is a number");
    let bars: u32 = args[3].parse().expect("BARS is a number");
    let stereo = args[4..].iter().any(|a| a == "stereo");
    let gm = args[4..].iter().any(|a| a == "gm");
    let voices: Vec<String> = args[4..]
        .iter()
        .find_map(|a| a.strip_prefix("voices="))
        .map(|list| list.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let voices = &voices;
    let registry = Arc::new(yano_registry::registry());
    let tasks: Vec<u64> = (first..first + count).collect();
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&seed) = tasks.get(i) else { break };
                let dir = out.join(format!("{seed:05}"));
                if dir.join("track.json").is_file() {
                    continue;
                }
                let started = std::time::Instant::now();
                let written = if gm {
                    write_gm_track(&dir, seed, bars, stereo)
                } else {
                    write_track(&dir, seed, bars, stereo, voices, Arc::clone(&registry))
                };
                match written {
                    Ok(description) => eprintln!(
                        "{seed}: {description} in {:.1} s",
                        started.elapsed().as_secs_f64()
                    ),
                    Err(e) => {
                        eprintln!("{seed}: {e}");
                        std::process::exit(1);
                    }
                }
            });
        }
    });
}

/// A small deterministic generator for the track's choices.
fn pick(seed: u64, salt: u64) -> f64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

fn request(seed: u64, bars: u32) -> Request {
    let style = Style::ALL[(seed % 3) as usize];
    let tonic = (pick(seed, 1) * 12.0) as u8 % 12;
    let minor = pick(seed, 2) < 0.7;
    let key = format!(
        "{}{}",
        ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"][tonic as usize],
        if minor { "m" } else { "" }
    );
    let bpm = 104.0 + 14.0 * pick(seed, 3);
    let options = Options {
        style: Some(style.name().to_string()),
        key: Some(key),
        bpm: Some((bpm * 10.0).round() / 10.0),
        bars: Some(bars),
        seed,
        density: Some(0.2 + 0.7 * pick(seed, 4)),
        complexity: Some(0.2 + 0.7 * pick(seed, 5)),
        ..Options::default()
    };
    Request::new("", &options)
        .expect("every option is in range")
        .0
}

fn write_track(
    dir: &Path,
    seed: u64,
    bars: u32,
    stereo: bool,
    voices: &[String],
    registry: Arc<yano_engine::Registry>,
) -> Result<String, String> {
    let track = compose(&request(seed, bars));
    let mut graph = yano_generator::build::graph(&track, &registry).map_err(|e| e.to_string())?;
    let mut voice = String::from("as composed");
    if !voices.is_empty() {
        voice = voices[(pick(seed, 6) * voices.len() as f64) as usize % voices.len()].clone();
        let singers: Vec<String> = graph
            .nodes()
            .filter(|(_, n)| n.kind == "instrument.singer")
            .map(|(_, n)| n.id.clone())
            .collect();
        for id in singers {
            let set = [
                ("voice", voice.as_str().into()),
                ("breathiness", (0.05 + 0.4 * pick(seed, 7)).into()),
                ("vibrato_depth_cents", (15.0 + 50.0 * pick(seed, 8)).into()),
                ("vibrato_rate_hz", (4.5 + 2.0 * pick(seed, 9)).into()),
            ];
            for (param, value) in set {
                graph
                    .set_param(&id, param, value, &registry)
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    let seconds = render_seconds(&track);
    let mixdown =
        render_with_stems(&graph, seconds, registry, &mut |_| true).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let frames = mixdown.mix.left.len();
    let mut stems: Vec<(Vec<f32>, Vec<f32>)> =
        vec![(vec![0.0; frames], vec![0.0; frames]); STEMS.len()];
    let mut channels = Vec::new();
    for (name, audio) in &mixdown.stems {
        let stem = stem_of_channel(name);
        channels.push(format!("{name}->{stem}"));
        let s = STEMS.iter().position(|x| *x == stem).expect("a stem");
        for i in 0..frames.min(audio.left.len()) {
            stems[s].0[i] += audio.left[i];
            stems[s].1[i] += audio.right[i];
        }
    }
    write_stems(dir, stems, stereo, mixdown.mix.sample_rate)?;
    let r = &track.request;
    let description = format!(
        "{} in {}, {} bpm, {} bars, voice {voice}",
        r.style.name(),
        r.key,
        r.bpm,
        r.bars
    );
    let json = serde_json::json!({
        "seed": seed,
        "style": r.style.name(),
        "key": r.key.to_string(),
        "bpm": r.bpm,
        "bars": r.bars,
        "seconds": seconds,
        "channels": channels,
        "stereo": stereo,
        "voice": voice,
    });
    std::fs::write(dir.join("track.json"), json.to_string()).map_err(|e| e.to_string())?;
    Ok(description)
}

/// Renders each part of the track alone through fluidsynth and FluidR3_GM; the stems are those
/// renders, summed by stem.
fn write_gm_track(dir: &Path, seed: u64, bars: u32, stereo: bool) -> Result<String, String> {
    let track = compose(&request(seed, bars));
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut stems: Vec<(Vec<f32>, Vec<f32>)> = vec![(Vec::new(), Vec::new()); STEMS.len()];
    let mut channels = Vec::new();
    for part in track.request.parts.clone() {
        let mut alone = track.clone();
        alone.request.parts = vec![part];
        let bytes = yano_generator::export::midi_bytes(&alone).map_err(|e| e.to_string())?;
        let mid = dir.join(format!("{}.mid", part.name()));
        let wav = dir.join(format!("{}.gm.wav", part.name()));
        std::fs::write(&mid, bytes).map_err(|e| e.to_string())?;
        let status = std::process::Command::new("fluidsynth")
            .args(["-ni", "-q", "-r", "48000", "-g", "0.5", "-O", "float", "-F"])
            .arg(&wav)
            .arg("/usr/share/sounds/sf2/FluidR3_GM.sf2")
            .arg(&mid)
            .status()
            .map_err(|e| format!("fluidsynth (apt install fluidsynth fluid-soundfont-gm): {e}"))?;
        if !status.success() {
            return Err(format!("fluidsynth failed on {}", mid.display()));
        }
        let mut reader = hound::WavReader::open(&wav).map_err(|e| e.to_string())?;
        let spec = reader.spec();
        let samples: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => {
                reader.samples::<f32>().map(|x| x.unwrap_or(0.0)).collect()
            }
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
                reader
                    .samples::<i32>()
                    .map(|x| x.unwrap_or(0) as f32 * scale)
                    .collect()
            }
        };
        let ch = usize::from(spec.channels.max(1));
        let stem = stem_of_channel(part.name());
        channels.push(format!("{}->{stem}", part.name()));
        let s = STEMS.iter().position(|x| *x == stem).expect("a stem");
        let (left, right) = &mut stems[s];
        let frames = samples.len() / ch;
        if left.len() < frames {
            left.resize(frames, 0.0);
            right.resize(frames, 0.0);
        }
        for i in 0..frames {
            left[i] += samples[i * ch];
            right[i] += samples[i * ch + (ch - 1).min(1)];
        }
        std::fs::remove_file(&wav).ok();
        std::fs::remove_file(&mid).ok();
    }
    let frames = stems.iter().map(|s| s.0.len()).max().unwrap_or(0);
    for (left, right) in &mut stems {
        left.resize(frames, 0.0);
        right.resize(frames, 0.0);
    }
    write_stems(dir, stems, stereo, 48_000)?;
    let r = &track.request;
    let json = serde_json::json!({
        "seed": seed,
        "style": r.style.name(),
        "key": r.key.to_string(),
        "bpm": r.bpm,
        "bars": r.bars,
        "seconds": frames as f64 / 48_000.0,
        "channels": channels,
        "stereo": stereo,
        "renderer": "fluidsynth FluidR3_GM",
    });
    std::fs::write(dir.join("track.json"), json.to_string()).map_err(|e| e.to_string())?;
    Ok(format!(
        "{} in {}, {} bpm, {} bars, through FluidR3_GM",
        r.style.name(),
        r.key,
        r.bpm,
        r.bars
    ))
}

/// Writes each stem (left, right, in [`STEMS`] order) as `dir/NAME.wav`: stereo, or the mean of
/// the two.
fn write_stems(
    dir: &Path,
    stems: Vec<(Vec<f32>, Vec<f32>)>,
    stereo: bool,
    rate: u32,
) -> Result<(), String> {
    for (name, (left, right)) in STEMS.iter().zip(stems) {
        let channels = if stereo {
            vec![left, right]
        } else {
            vec![left
                .iter()
                .zip(&right)
                .map(|(l, r)| 0.5 * (l + r))
                .collect()]
        };
        yano_separate::files::write_float_wav(&dir.join(format!("{name}.wav")), &channels, rate)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}
