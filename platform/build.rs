//! The web app (web/dist) is built into the binary by `include_dir!`, which cargo does not
//! track: this asks for a rebuild when any file under it changes.
fn main() {
    println!("cargo:rerun-if-changed=../web/dist");
}
