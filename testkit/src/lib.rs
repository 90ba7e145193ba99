//! What yano's tests share, so each concept has one owner: deciding whether a test that needs
//! something from outside the repository (a fetched model, a native library, a program from the
//! system's packages) runs or skips, and saying why where a person running `cargo test` sees it;
//! scratch folders that each run replaces; levels (RMS, peak, dBFS) of sample buffers; reading a
//! WAV file back as floats; and the test node kinds ("test.*", [`nodes`]) that tests plug around
//! what they measure.
//!
//! It is only ever a dev-dependency. It depends on no yano crate but the engine (for the node
//! kinds' traits), so every crate above the engine can use all of it; the engine's own unit tests
//! can use everything but [`nodes`] (there the kit's engine is a second copy of the crate under
//! test), its integration tests everything. It never decides a skip silently: a skipped test
//! prints its reason to the process's standard error, past the test harness's capture, and fails
//! instead when the matching `YANO_REQUIRE_*` variable is set (CI sets them after fetching).

pub mod nodes;
pub mod onsets;
pub mod pitch;
pub mod servers;

use std::io::Write;
use std::path::{Path, PathBuf};

/// Something a test needs that a fresh clone does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need<'a> {
    /// A model from models/models.ron, fetched with `yano models fetch NAME`.
    Model(&'a str),
    /// A native ONNX Runtime library (`yano models fetch onnxruntime`, or YANO_ONNXRUNTIME).
    NativeOnnxRuntime,
    /// A program from the system's packages (fluidsynth, Xvfb …).
    Program(&'a str),
    /// A server the platform's distributed tests start or reach (redis-server, s3s-fs,
    /// PostgreSQL at YANO_TEST_POSTGRES); `.ci/run` installs and starts them.
    Server(&'a str),
}

impl Need<'_> {
    /// The environment variable that turns this need's absence from a skip into a failure.
    pub fn require_variable(&self) -> &'static str {
        match self {
            Need::Model(_) => "YANO_REQUIRE_MODELS",
            Need::NativeOnnxRuntime => "YANO_REQUIRE_NATIVE",
            Need::Program(_) => "YANO_REQUIRE_PROGRAMS",
            Need::Server(_) => "YANO_REQUIRE_SERVERS",
        }
    }

    /// What is missing and how to get it.
    pub fn missing(&self) -> String {
        match self {
            Need::Model(name) => {
                format!("model \"{name}\" is not fetched (run `yano models fetch {name}`)")
            }
            Need::NativeOnnxRuntime => "no native ONNX Runtime library (run `yano models fetch \
                 onnxruntime` or set YANO_ONNXRUNTIME)"
                .to_string(),
            Need::Program(name) => {
                format!("program `{name}` is not installed (install it from the system's packages)")
            }
            Need::Server(what) => {
                format!("{what} is not available (.ci/run installs and starts it)")
            }
        }
    }
}

/// Whether `test` may run, given whether what it needs is `present`. When it is absent the test
/// should return at once: this prints `SKIPPED test: reason` on standard error, where
/// `cargo test` shows it even for a passing test, or panics when the need's `YANO_REQUIRE_*`
/// variable is set.
pub fn runs(test: &str, need: Need<'_>, present: bool) -> bool {
    let variable = need.require_variable();
    let required = std::env::var_os(variable).is_some_and(|v| !v.is_empty() && v != "0");
    decide(test, need, present, required)
}

fn decide(test: &str, need: Need<'_>, present: bool, required: bool) -> bool {
    if present {
        return true;
    }
    assert!(
        !required,
        "{test}: {}, and {} is set",
        need.missing(),
        need.require_variable()
    );
    say_skipped(test, &need.missing());
    false
}

/// Prints `SKIPPED test: why (… to require it)` past the harness's capture.
pub fn say_skipped(test: &str, why: &str) {
    // The harness captures `print!` and `eprint!` of a test's thread, and shows them only when
    // the test fails; a direct write to the process's stderr is always seen.
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "SKIPPED {test}: {why}");
}

/// Debian's FluidR3 General MIDI soundfont (apt fluid-soundfont-gm).
pub const SOUNDFONT: &str = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

/// Whether fluidsynth and the FluidR3 soundfont are installed.
pub fn fluidsynth_present() -> bool {
    program_on_path("fluidsynth") && Path::new(SOUNDFONT).is_file()
}

/// Renders `mid` to a 44.1 kHz WAV at `wav` through the FluidR3 General MIDI soundfont with
/// fluidsynth's master `gain` (Debian's `fluidsynth` and `fluid-soundfont-gm`).
pub fn fluidsynth(mid: &Path, wav: &Path, gain: f64) -> Result<(), String> {
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
        return Err(format!("fluidsynth failed on {}", mid.display()));
    }
    Ok(())
}

/// Whether a program of that name is on the PATH.
pub fn program_on_path(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let candidate = dir.join(name);
            candidate.is_file()
        })
    })
}

/// The workspace's root folder (where `graphs/`, `models/` and `Cargo.lock` are), for tests in
/// any of its crates.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// A fresh, empty folder of a fixed name under the system's temporary folder: `suite/name`. The
/// name is fixed so each run replaces the last run's files rather than leaving them behind.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("yano-{suite}"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("scratch folder {}: {e}", dir.display()));
    dir
}

/// A path of a fixed name in the suite's scratch folder, with nothing at it yet.
pub fn scratch_path(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yano-{suite}"));
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("scratch folder {}: {e}", dir.display()));
    let path = dir.join(name);
    let _ = std::fs::remove_dir_all(&path);
    let _ = std::fs::remove_file(&path);
    path
}

/// Root mean square of a buffer (0 for an empty one).
pub fn rms(x: &[f32]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64).sqrt()
}

/// The largest absolute sample.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, &v| m.max(v.abs()))
}

/// A level in dB relative to full scale; −inf for silence.
pub fn dbfs(level: f64) -> f64 {
    20.0 * level.log10()
}

/// A WAV file as its sample rate and one `Vec` per channel, integers scaled to ±1.
pub fn read_wav(path: &Path) -> (u32, Vec<Vec<f32>>) {
    let mut r = hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = r.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r
            .samples::<f32>()
            .map(|s| s.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .collect(),
        hound::SampleFormat::Int => {
            let full = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap_or_else(|e| panic!("{}: {e}", path.display())) as f32 / full)
                .collect()
        }
    };
    let channels = usize::from(spec.channels);
    let mut out = vec![Vec::with_capacity(samples.len() / channels.max(1)); channels];
    for frame in samples.chunks(channels) {
        for (c, &s) in frame.iter().enumerate() {
            out[c].push(s);
        }
    }
    (spec.sample_rate, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_and_peak_of_known_signals() {
        // A full-scale square wave: RMS 1; a sine of amplitude 0.5: RMS 0.5/√2.
        assert_eq!(rms(&[1.0, -1.0, 1.0, -1.0]), 1.0);
        let sine: Vec<f32> = (0..4800)
            .map(|i| 0.5 * (i as f32 * std::f32::consts::TAU / 48.0).sin())
            .collect();
        assert!((rms(&sine) - 0.353_553).abs() < 1e-4);
        assert_eq!(peak(&[0.25, -0.75, 0.5]), 0.75);
        assert!((dbfs(0.5) - -6.0206).abs() < 1e-3);
        assert_eq!(rms(&[]), 0.0);
    }

    #[test]
    fn a_present_need_runs_and_an_absent_one_skips() {
        assert!(decide("t", Need::Program("sh"), true, true));
        assert!(!decide("t", Need::Program("no-such-program"), false, false));
        assert!(Need::Model("basic-pitch")
            .missing()
            .contains("yano models fetch basic-pitch"));
    }

    #[test]
    fn a_required_need_fails_when_absent() {
        let result =
            std::panic::catch_unwind(|| decide("t", Need::Program("no-such-program"), false, true));
        assert!(result.is_err());
    }
}
