//! The result cache's key: a job is the same job when its kind, its parameters, its inputs'
//! content, the models it may use and yano's version are the same; such a job is answered from
//! the stored result at once, as ComfyUI reuses unchanged outputs.

use std::sync::OnceLock;

/// The fingerprint of every model yano may run: each shipped model's sha256 (the fetched ones as
/// declared, the built-in ones' bytes). Changing any model changes every key: conservative,
/// never stale.
pub fn models_fingerprint() -> &'static str {
    static PRINT: OnceLock<String> = OnceLock::new();
    PRINT.get_or_init(|| {
        let mut parts: Vec<String> = yano_models::Manifest::shipped()
            .models
            .iter()
            .map(|m| format!("{}={}", m.name, m.sha256.clone().unwrap_or_default()))
            .collect();
        for (name, bytes) in [
            ("separator", yano_separate::model::BUNDLED_BYTES),
            ("chords", yano_models::chords::BUNDLED_BYTES),
            ("style", yano_models::style::BUNDLED_BYTES),
        ] {
            parts.push(format!("{name}={}", crate::sha256_hex(bytes)));
        }
        parts.sort();
        crate::sha256_hex(parts.join(";").as_bytes())
    })
}

/// The cache key of a job. `params` is the JSON the user sent (serde_json keeps object keys
/// sorted, so the same parameters in another order give the same key).
pub fn key(kind: &str, params: &serde_json::Value, input: Option<&str>) -> String {
    let doc = serde_json::json!({
        "kind": kind,
        "params": params,
        "input": input,
        "models": models_fingerprint(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    crate::sha256_hex(doc.to_string().as_bytes())
}
