//! What the CLI tests share: running the built `yano` binary as a user would.

use std::process::Command;

/// Runs `yano ARGS` from the workspace root: (succeeded, stdout, stderr).
pub fn yano(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yano"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the yano binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
