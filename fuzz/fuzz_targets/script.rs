//! Script text → `yano_scripting::run` in a sandbox that may read and write nothing, with the
//! default limits except fewer operations and a shorter wall time (so one input stays quick).
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use yano_engine::Registry;
use yano_scripting::{Limits, Sandbox};

fn registry() -> &'static Arc<Registry> {
    static REGISTRY: OnceLock<Arc<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| Arc::new(yano_registry::registry()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sandbox = Sandbox {
        output: None,
        readable: Vec::new(),
        limits: Limits {
            max_operations: 20_000,
            max_wall_time: Duration::from_secs(2),
            ..Limits::default()
        },
    };
    let _ = yano_scripting::run("fuzz.rhai", text, registry().clone(), sandbox, Vec::new());
});
