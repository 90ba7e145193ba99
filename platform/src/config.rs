//! Where the platform keeps things and how much it lets each user do: read from the command line.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The platform's configuration. The defaults are the embedded one-machine setup under `data`.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    /// The folder of the embedded database and artifacts.
    pub data: PathBuf,
    /// The database URL: `sqlite://…` (default: `data/yano.db`) or `postgres://…`.
    pub db: Option<String>,
    /// The queue: None for the embedded one (the database), or `redis://…`.
    pub queue: Option<String>,
    /// The artifact store: None for `data/artifacts`, or `s3://bucket[/prefix]?endpoint=…`.
    pub store: Option<String>,
    /// What the queue's Redis keys start with.
    pub prefix: String,
    /// Workers in this process: 0 runs none (an API tier whose workers run elsewhere).
    pub workers: usize,
    pub limits: Limits,
}

/// What one user may do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests a minute (a token bucket of this size, refilled evenly).
    pub requests_per_minute: u32,
    /// Jobs queued or running at once.
    pub active_jobs: u32,
    /// Bytes of artifacts (uploads and results) a user may keep.
    pub stored_bytes: u64,
    /// The largest upload.
    pub upload_bytes: u64,
    /// The largest JSON body.
    pub json_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            requests_per_minute: 600,
            active_jobs: 32,
            stored_bytes: 10 << 30,
            upload_bytes: 200 << 20,
            json_bytes: 1 << 20,
        }
    }
}

impl Config {
    /// The embedded configuration in `data`, served on `addr`.
    pub fn embedded(addr: SocketAddr, data: PathBuf) -> Config {
        Config {
            addr,
            data,
            db: None,
            queue: None,
            store: None,
            prefix: "yano".into(),
            workers: 1,
            limits: Limits::default(),
        }
    }

    /// The database URL in force.
    pub fn db_url(&self) -> String {
        self.db
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data.join("yano.db").display()))
    }

    pub fn artifacts_dir(&self) -> PathBuf {
        self.data.join("artifacts")
    }

    /// Where workers unpack inputs and write results before they are stored.
    pub fn scratch_dir(&self) -> PathBuf {
        self.data.join("scratch")
    }
}
