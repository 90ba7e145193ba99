//! The web app end to end, as a person uses it: web/e2e/run.mjs drives Debian's Chromium
//! (playwright-core) against this `yano serve` on loopback, at phone size (390×844, touch) and at
//! desktop size: sign in, generate a short track, watch its progress, play it (the audio clock
//! advances), solo a stem, rate it, download a stem (a WAV of the track's length), go offline and
//! play the track kept offline, rate it offline, come back online and find the rating stored. It
//! measures the budgets (first load's JavaScript gzipped, time to interactive with the CPU slowed
//! 4×) and takes the README's screenshots.
//!
//! Skipped, with the reason, without Chromium, Node.js or the app's npm packages (`.ci/run`
//! installs them; `YANO_REQUIRE_PROGRAMS=1` makes their absence a failure).

#![cfg(feature = "platform")]

use std::path::Path;
use std::process::Command;

use yano_testkit::{program_on_path, runs, Need};

#[test]
fn the_web_app_in_chromium_at_phone_and_desktop_sizes() {
    let test = "the_web_app_in_chromium_at_phone_and_desktop_sizes";
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("YANO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !runs(
        test,
        Need::Program("chromium"),
        Path::new(&chromium).is_file(),
    ) {
        return;
    }
    if !runs(test, Need::Program("node"), program_on_path("node")) {
        return;
    }
    let packages = root.join("web/node_modules/playwright-core/package.json");
    if !runs(
        test,
        Need::Program("playwright-core (cd web && npm ci)"),
        packages.is_file(),
    ) {
        return;
    }
    let report = root.join("target/web-e2e/report.json");
    let _ = std::fs::create_dir_all(report.parent().unwrap());
    let status = Command::new("node")
        .arg(root.join("web/e2e/run.mjs"))
        .current_dir(root.join("web"))
        .env("YANO_BIN", env!("CARGO_BIN_EXE_yano"))
        .env("YANO_CHROMIUM", &chromium)
        .env("YANO_E2E_REPORT", &report)
        .status()
        .expect("node starts");
    assert!(status.success(), "web/e2e/run.mjs failed: {status}");
    let text = std::fs::read_to_string(&report).expect("the e2e run writes its report");
    let measured: serde_json::Value = serde_json::from_str(&text).expect("the report is JSON");
    println!("{measured:#}");
}
