//! What the analysis examples share: rendering a MIDI file through the FluidR3 General MIDI
//! soundfont with fluidsynth (Debian's `fluidsynth` and `fluid-soundfont-gm`): testkit's.

use std::path::Path;

/// Renders `mid` to a 44.1 kHz WAV at `wav` with fluidsynth's master `gain`.
pub fn fluidsynth(mid: &Path, wav: &Path, gain: f64) -> Result<(), Box<dyn std::error::Error>> {
    Ok(yano_testkit::fluidsynth(mid, wav, gain)?)
}
