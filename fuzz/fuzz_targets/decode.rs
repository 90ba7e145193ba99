//! Audio file bytes → `decode_bytes` (the same path as `decode_file`, without the file), with
//! no format hint and the transcriber's limit of three hours.
#![no_main]

use std::path::Path;
use std::sync::Once;

use libfuzzer_sys::fuzz_target;
use yano_audio_io::decode::decode_bytes;

/// libfuzzer-sys aborts on every panic, even a caught one. The decoder deliberately catches the
/// panics symphonia raises on hostile headers (decode.rs `guard`) and returns an error naming the
/// file, so those are let through; a panic anywhere else still aborts.
fn let_symphonia_panics_through() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_symphonia = info
                .location()
                .is_some_and(|l| l.file().contains("/symphonia-"));
            if !in_symphonia {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_symphonia_panics_through();
    let _ = decode_bytes(Path::new("fuzz-input"), data.to_vec(), 3.0 * 3600.0);
});
