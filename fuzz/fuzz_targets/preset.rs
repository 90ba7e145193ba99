//! Preset text → `parse_preset` against the CLI's full registry → the engine's compiler.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use yano_engine::preset::parse_preset;
use yano_engine::{Compiler, Registry};

fn registry() -> &'static Arc<Registry> {
    static REGISTRY: OnceLock<Arc<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(|| Arc::new(yano_registry::registry()))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let registry = registry();
    if let Ok(graph) = parse_preset(text, registry, None) {
        // A preset that parses is compiled too, as `yano check` and `yano render` do.
        let _ = Compiler::new(registry.clone(), 128).compile(&graph);
    }
});
