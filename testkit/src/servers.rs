//! Real servers for the platform's distributed tests, started by the test itself where it can
//! (redis-server and s3s-fs, each on a free loopback port in its own folder, stopped when
//! dropped) or reached where CI started one (PostgreSQL, at the admin URL in YANO_TEST_POSTGRES,
//! in which each test makes its own database).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The access key and secret the test S3 server checks (SigV4).
pub const S3_ACCESS_KEY: &str = "yano-test";
pub const S3_SECRET_KEY: &str = "yano-test-secret";

/// A free port on the loopback address.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Whether `program` runs (is on PATH or in ~/.cargo/bin).
pub fn program(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn wait_for_port(port: u16, what: &str) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "yano-{name}-{}-{}",
        std::process::id(),
        free_port()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// A redis-server of the test's own, persisting every write (AOF, fsync always) so that a restart
/// loses nothing.
pub struct Redis {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    binary: PathBuf,
}

impl Redis {
    /// Starts one, or None when redis-server is not installed.
    pub fn start() -> Option<Redis> {
        let binary = program("redis-server")?;
        let mut redis = Redis {
            child: None,
            port: free_port(),
            dir: scratch("redis"),
            binary,
        };
        redis.spawn();
        Some(redis)
    }

    fn spawn(&mut self) {
        let child = Command::new(&self.binary)
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        wait_for_port(self.port, "redis-server");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops it (SIGKILL: only the append-only file keeps what was written) and starts it again
    /// on the same port and folder.
    pub fn restart(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.spawn();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An S3-compatible server of the test's own: s3s-fs (from crates.io), which checks SigV4
/// signatures, serving a scratch folder.
pub struct S3 {
    child: Child,
    pub port: u16,
    root: PathBuf,
}

impl S3 {
    /// Starts one, or None when s3s-fs is not installed (`cargo install s3s-fs --features binary`).
    pub fn start() -> Option<S3> {
        let binary = program("s3s-fs")?;
        let port = free_port();
        let root = scratch("s3");
        let child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", S3_ACCESS_KEY, "--secret-key", S3_SECRET_KEY])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs starts");
        wait_for_port(port, "s3s-fs");
        Some(S3 { child, port, root })
    }

    /// A store URL for a new bucket named `bucket` (made here: s3s-fs keeps a bucket as a folder).
    pub fn bucket(&self, bucket: &str) -> String {
        std::fs::create_dir_all(self.root.join(bucket)).expect("a bucket folder");
        format!("s3://{bucket}?endpoint=http://127.0.0.1:{}", self.port)
    }

    /// What the platform's store reads its credentials from.
    pub fn credentials() -> [(&'static str, &'static str); 2] {
        [
            ("AWS_ACCESS_KEY_ID", S3_ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", S3_SECRET_KEY),
        ]
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A fresh PostgreSQL database for one test, made through the admin URL in YANO_TEST_POSTGRES
/// (`postgres://user:password@127.0.0.1:5432/postgres`) with psql; None when either is missing.
pub fn postgres_database(name: &str) -> Option<String> {
    let admin = std::env::var("YANO_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())?;
    program("psql")?;
    let database = format!("yano_{name}_{}_{}", std::process::id(), free_port());
    let made = Command::new("psql")
        .arg(&admin)
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-c"])
        .arg(format!("CREATE DATABASE {database}"))
        .output()
        .ok()?;
    if !made.status.success() {
        panic!(
            "cannot make a database through YANO_TEST_POSTGRES: {}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let (base, _) = admin.rsplit_once('/')?;
    Some(format!("{base}/{database}"))
}
