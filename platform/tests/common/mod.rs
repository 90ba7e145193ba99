//! A platform server in this process on a free port, with its own data folder, and a client.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use yano_platform::config::Config;
use yano_platform::server::{start, Running};

pub struct Server {
    pub running: Option<Running>,
    pub base: String,
    pub data: PathBuf,
    pub client: reqwest::Client,
    /// The distributed configuration's own servers (None for the embedded one).
    pub redis: Option<yano_testkit::servers::Redis>,
    pub s3: Option<yano_testkit::servers::S3>,
}

/// Which configuration a test runs on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Setup {
    /// SQLite, a local folder, workers in-process.
    Embedded,
    /// PostgreSQL, Redis streams, an S3-compatible store; the workers still in this process.
    Distributed,
}

/// A fresh data folder under the system's temporary folder.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yano-platform-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Server {
    pub async fn start(name: &str, workers: usize, tune: impl FnOnce(&mut Config)) -> Server {
        let data = scratch(name);
        let mut config = Config::embedded(([127, 0, 0, 1], 0).into(), data.clone());
        config.workers = workers;
        tune(&mut config);
        let running = start(config).await.expect("the server starts");
        Server {
            base: format!("http://{}", running.addr),
            running: Some(running),
            data,
            client: reqwest::Client::new(),
            redis: None,
            s3: None,
        }
    }

    /// The server on `setup`; None (with SKIPPED printed) when the distributed configuration's
    /// servers are not here and YANO_REQUIRE_SERVERS is not set.
    pub async fn on(
        setup: Setup,
        name: &str,
        workers: usize,
        tune: impl FnOnce(&mut Config),
    ) -> Option<Server> {
        if setup == Setup::Embedded {
            return Some(Server::start(name, workers, tune).await);
        }
        use yano_testkit::{runs, servers, Need};
        let test = format!("{name} (distributed)");
        let redis = servers::Redis::start();
        if !runs(&test, Need::Server("redis-server"), redis.is_some()) {
            return None;
        }
        let s3 = servers::S3::start();
        if !runs(&test, Need::Server("s3s-fs"), s3.is_some()) {
            return None;
        }
        let db = servers::postgres_database(name);
        if !runs(
            &test,
            Need::Server("PostgreSQL (YANO_TEST_POSTGRES)"),
            db.is_some(),
        ) {
            return None;
        }
        let (redis, s3) = (redis.unwrap(), s3.unwrap());
        for (k, v) in servers::S3::credentials() {
            // The same values in every test: concurrent setters agree.
            std::env::set_var(k, v);
        }
        let store = s3.bucket(&format!(
            "{}-{}",
            name.replace('_', "-"),
            std::process::id()
        ));
        let mut server = Server::start(&format!("{name}-distributed"), workers, |c| {
            c.db = db;
            c.queue = Some(redis.url());
            c.store = Some(store);
            tune(c);
        })
        .await;
        server.redis = Some(redis);
        server.s3 = Some(s3);
        Some(server)
    }

    pub async fn token(&self, name: &str) -> String {
        let app = &self.running.as_ref().unwrap().app;
        app.db.create_token(name).await.unwrap().1
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.replacen("http://", "ws://", 1))
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn bytes(
        &self,
        token: &str,
        path: &str,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.bytes().await.unwrap().to_vec())
    }

    pub async fn upload(&self, token: &str, bytes: Vec<u8>) -> (u16, Value) {
        let r = self
            .client
            .post(self.url("/v1/uploads"))
            .bearer_auth(token)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Polls a job until it has ended (done, failed or cancelled) or `limit` passes.
    pub async fn wait(&self, token: &str, id: &str, limit: Duration) -> Value {
        let started = Instant::now();
        loop {
            let (status, job) = self.get(token, &format!("/v1/jobs/{id}")).await;
            assert_eq!(status, 200, "{job}");
            if matches!(job["state"].as_str(), Some("done" | "failed" | "cancelled")) {
                return job;
            }
            assert!(
                started.elapsed() < limit,
                "the job {id} did not end in {limit:?}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

/// A 16-bit stereo WAV of `seconds` of a sine at `hz`, at half scale.
pub fn sine_wav(hz: f64, seconds: f64) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44_100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    for i in 0..(seconds * 44_100.0) as usize {
        let s = (0.5 * (std::f64::consts::TAU * hz * i as f64 / 44_100.0).sin() * 32767.0) as i16;
        w.write_sample(s).unwrap();
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// The first artifact of a job whose name is `name`.
pub fn artifact<'a>(job: &'a Value, name: &str) -> &'a Value {
    job["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no artifact {name} in {job}"))
}

/// Reads a WAV as f32 channels (any sample format).
pub fn read_wav(bytes: &[u8]) -> (u32, Vec<Vec<f32>>) {
    let mut r = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
    let spec = r.spec();
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let full = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / full)
                .collect()
        }
    };
    let n = usize::from(spec.channels);
    let channels = (0..n)
        .map(|c| samples.iter().skip(c).step_by(n).copied().collect())
        .collect();
    (spec.sample_rate, channels)
}
