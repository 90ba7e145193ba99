//! What the analysis examples share: rendering a MIDI file through the FluidR3 General MIDI
//! soundfont with fluidsynth (Debian's `fluidsynth` and `fluid-soundfont-gm`).

use std::path::Path;

pub const SOUNDFONT: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

/// Renders `mid` to a 44.1 kHz WAV at `wav` with fluidsynth's master `gain`.
pub fn fluidsynth(mid: &Path, wav: &Path, gain: f64) -> Result<(), Box<dyn std::error::Error>> {
    let status = std::process::Command::new("fluidsynth")
        .args([
            "-ni",
            "-q",
            "-r",
            "44100",
            "-g",
            &format!("{gain:.2}"),
            "-F",
        ])
        .arg(wav)
        .arg(SOUNDFONT)
        .arg(mid)
        .status()
        .map_err(|e| format!("fluidsynth (apt install fluidsynth fluid-soundfont-gm): {e}"))?;
    if !status.success() {
        return Err(format!("fluidsynth failed on {}", mid.display()).into());
    }
    Ok(())
}
