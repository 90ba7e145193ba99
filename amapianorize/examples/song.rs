//! Renders one of amapianorize's test songs (not amapiano) to a WAV, with its stems beside it,
//! so `yano amapianorize` can be tried and timed on a song whose truth is known:
//!
//!     cargo run --release -p yano-amapianorize --example song -- hip_hop 68 target/songs/hip_hop
//!
//! writes hip_hop/song.wav (the mix) and hip_hop/stems/{vocals,piano,bass,drums}.wav. Songs:
//! hip_hop (90 BPM, A minor) and house (128 BPM, E minor); the number is its length in bars.

use std::path::PathBuf;
use std::sync::Arc;

use yano_amapianorize::songs;
use yano_separate::files::write_float_wav;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(name), Some(bars), Some(dir)) = (args.first(), args.get(1), args.get(2)) else {
        return Err("usage: song hip_hop|house BARS FOLDER".into());
    };
    let bars: u32 = bars.parse()?;
    let song = match name.as_str() {
        "hip_hop" => songs::hip_hop(bars),
        "house" => songs::house(bars),
        other => return Err(format!("no song {other:?}: hip_hop or house").into()),
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(dir.join("stems"))?;
    let registry = Arc::new(yano_registry::registry());
    let rendered = songs::render(&song, registry, 1.0)?;
    write_float_wav(&dir.join("song.wav"), &rendered.mix, 48_000)?;
    for (stem, audio) in &rendered.stems {
        write_float_wav(&dir.join(format!("stems/{stem}.wav")), audio, 48_000)?;
    }
    println!(
        "{}: {:.1} s at {} BPM in {}, chords {}",
        dir.join("song.wav").display(),
        song.seconds() + 1.0,
        song.bpm,
        song.key,
        song.progression
            .iter()
            .map(|c| c.symbol(song.key.spelling()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}
