//! yano's platform: `yano serve` puts every job the CLI has (generate, separate, analyze,
//! transcribe, amapianorize, render) behind an HTTP API with a priority queue, a result cache,
//! content-addressed artifacts, projects with revisions, users with tokens, rate and quota limits,
//! progress over WebSockets and Prometheus metrics.
//!
//! One machine needs nothing installed: the embedded configuration keeps jobs, users and projects
//! in SQLite, artifacts in a local folder and runs the workers in-process. The jobs themselves are
//! yano-jobs' functions, the very ones the CLI calls.
//!
//! This crate must never run audio on the real-time thread, never reach the network beyond the
//! servers it was configured with, and never trust a request: every malformed request, stranger's
//! token or corrupt upload gets a 4xx with a named error, never a panic.

pub mod api;
pub mod audio;
pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod library;
pub mod metrics;
pub mod queue;
pub mod redis_queue;
pub mod remote;
pub mod server;
pub mod store;
pub mod web;
pub mod worker;

pub use config::Config;
pub use error::ApiError;
pub use server::{serve, App};

/// Milliseconds since the Unix epoch: every time the platform stores.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A fresh random id or token: `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source is readable");
    hex::encode(buf)
}

/// The sha256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
