//! The platform under load, on loopback, bounded in count and time: the embedded configuration
//! (`yano serve`'s SQLite, local folder and in-process workers) started in this process.
//!
//! - 1000 concurrent clients on the non-job endpoints (jobs list, projects list and one project,
//!   an artifact by range, health), 10 requests each: p50, p99 and worst latency beside the
//!   roadmap's limit of 2 s for every endpoint with 1000 users, and the throughput;
//! - 1000 WebSocket subscribers to /v1/events while a job runs: how long after the first
//!   subscriber the last one hears that it is done (the fan-out);
//! - generate throughput: default-length tracks (about 3.5 minutes with 8 stems, stored as FLAC)
//!   from a queue, in jobs a minute on this machine's 2 cores, with 1 and with 2 workers.
//!
//!     cargo bench -p yano-benches --bench platform_load
//!     YANO_BENCH_GENERATE=6 cargo bench -p yano-benches --bench platform_load   # more tracks
//!
//! Not a criterion bench: each part is one bounded run.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use yano_platform::config::Config;
use yano_platform::server::{start, Running};

const CLIENTS: usize = 1000;
const REQUESTS_EACH: usize = 10;
const SUBSCRIBERS: usize = 1000;
const LIMIT_S: f64 = 2.0;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn server(name: &str, workers: usize) -> (Running, String, String) {
    let data = std::env::temp_dir().join(format!("yano-bench-platform-{name}"));
    let _ = std::fs::remove_dir_all(&data);
    let mut config = Config::embedded(([127, 0, 0, 1], 0).into(), data);
    config.workers = workers;
    config.limits.requests_per_minute = 10_000_000;
    config.limits.active_jobs = 10_000;
    let running = start(config).await.expect("the server starts");
    let token = running.app.db.create_token("load").await.unwrap().1;
    let base = format!("http://{}", running.addr);
    (running, base, token)
}

async fn wait_done(client: &reqwest::Client, base: &str, token: &str, id: &str) -> Value {
    loop {
        let job: Value = client
            .get(format!("{base}/v1/jobs/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if matches!(job["state"].as_str(), Some("done" | "failed" | "cancelled")) {
            assert_eq!(job["state"], "done", "{job}");
            return job;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn endpoints() {
    let (running, base, token) = server("endpoints", 1).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    // Something to read: a project and a rendered mix.
    let project: Value = client
        .post(format!("{base}/v1/projects"))
        .bearer_auth(&token)
        .json(&json!({"name": "load", "graph": include_str!("../../graphs/amapiano-starter.ron")}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let render = json!({"kind": "render", "params": {"preset": include_str!("../../graphs/sine-chord.ron"), "seconds": 4.0}});
    let queued: Value = client
        .post(format!("{base}/v1/jobs"))
        .bearer_auth(&token)
        .json(&render)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job = wait_done(&client, &base, &token, queued["id"].as_str().unwrap()).await;
    let key = job["artifacts"][0]["key"].as_str().unwrap().to_string();
    let paths = [
        "/v1/jobs".to_string(),
        "/v1/projects".to_string(),
        format!("/v1/projects/{}", project["id"].as_str().unwrap()),
        format!("/v1/artifacts/{key}"),
        "/healthz".to_string(),
    ];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (client, base, token, paths) =
            (client.clone(), base.clone(), token.clone(), paths.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            for r in 0..REQUESTS_EACH {
                let path = &paths[(c + r) % paths.len()];
                let mut request = client.get(format!("{base}{path}")).bearer_auth(&token);
                if path.starts_with("/v1/artifacts") {
                    request = request.header("range", "bytes=0-65535");
                }
                let t = Instant::now();
                let response = request.send().await.expect("the server answers");
                assert!(
                    response.status().is_success(),
                    "{path}: {}",
                    response.status()
                );
                let _ = response.bytes().await.unwrap();
                took.push((
                    path.split('/').nth(2).unwrap_or("healthz").to_string(),
                    t.elapsed().as_secs_f64(),
                ));
            }
            took
        }));
    }
    let mut all: Vec<(String, f64)> = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let wall = started.elapsed().as_secs_f64();
    let mut seconds: Vec<f64> = all.iter().map(|(_, s)| *s).collect();
    seconds.sort_by(f64::total_cmp);
    let (p50, p99, worst) = (
        percentile(&seconds, 0.5),
        percentile(&seconds, 0.99),
        seconds[seconds.len() - 1],
    );
    println!(
        "platform: {CLIENTS} concurrent clients, {} requests in {wall:.2} s = {:.0} requests a second; \
         latency p50 {:.1} ms, p99 {:.1} ms = {:.3} of the {LIMIT_S} s limit, worst {:.1} ms",
        seconds.len(),
        seconds.len() as f64 / wall,
        p50 * 1e3,
        p99 * 1e3,
        p99 / LIMIT_S,
        worst * 1e3
    );
    for route in ["jobs", "projects", "artifacts", "healthz"] {
        let mut s: Vec<f64> = all
            .iter()
            .filter(|(r, _)| r == route)
            .map(|(_, s)| *s)
            .collect();
        s.sort_by(f64::total_cmp);
        println!(
            "platform:   {route}: p50 {:.1} ms, p99 {:.1} ms ({} requests)",
            percentile(&s, 0.5) * 1e3,
            percentile(&s, 0.99) * 1e3,
            s.len()
        );
    }

    // 1000 subscribers, then a job: when each hears it is done.
    let mut sockets = Vec::new();
    for _ in 0..SUBSCRIBERS {
        let mut request = format!("{}/v1/events", base.replacen("http", "ws", 1))
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("a subscriber connects");
        sockets.push(socket);
    }
    let render = json!({"kind": "render", "params": {"preset": include_str!("../../graphs/sine-chord.ron"), "seconds": 2.0}});
    let posted = Instant::now();
    let queued: Value = client
        .post(format!("{base}/v1/jobs"))
        .bearer_auth(&token)
        .json(&render)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = queued["id"].as_str().unwrap().to_string();
    let mut listeners = Vec::new();
    for mut socket in sockets {
        let id = id.clone();
        listeners.push(tokio::spawn(async move {
            while let Some(Ok(message)) = socket.next().await {
                let Ok(text) = message.to_text() else {
                    continue;
                };
                let event: Value = serde_json::from_str(text).unwrap_or_default();
                if event["id"] == id.as_str() && event["state"] == "done" {
                    let heard = posted.elapsed().as_secs_f64();
                    let _ = socket.close(None).await;
                    return Some(heard);
                }
            }
            None
        }));
    }
    let mut heard: Vec<f64> = Vec::new();
    for l in listeners {
        if let Ok(Some(s)) = tokio::time::timeout(Duration::from_secs(60), l)
            .await
            .unwrap()
        {
            heard.push(s);
        }
    }
    heard.sort_by(f64::total_cmp);
    assert_eq!(
        heard.len(),
        SUBSCRIBERS,
        "subscribers that heard the job end"
    );
    println!(
        "platform: {SUBSCRIBERS} subscribers heard the job end {:.3} s after it was queued (first) to {:.3} s (last): \
         a fan-out of {:.1} ms, p99 {:.3} s = {:.3} of the limit",
        heard[0],
        heard[heard.len() - 1],
        (heard[heard.len() - 1] - heard[0]) * 1e3,
        percentile(&heard, 0.99),
        percentile(&heard, 0.99) / LIMIT_S
    );
    running.stop().await;
}

async fn generate_throughput(workers: usize, jobs: usize) {
    let (running, base, token) = server(&format!("generate-{workers}"), workers).await;
    let client = reqwest::Client::new();
    let started = Instant::now();
    let prompts = [
        "private school amapiano",
        "sgija amapiano",
        "amapiano",
        "soulful private school amapiano",
    ];
    let mut ids = Vec::new();
    for j in 0..jobs {
        let body = json!({"kind": "generate", "params": {"prompt": prompts[j % prompts.len()], "seed": 100 + j}});
        let queued: Value = client
            .post(format!("{base}/v1/jobs"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(queued["id"].as_str().unwrap().to_string());
    }
    let mut stored = 0u64;
    let mut track_seconds = 0.0;
    for id in &ids {
        let job = wait_done(&client, &base, &token, id).await;
        stored += job["summary"]["stored_bytes"].as_u64().unwrap_or(0);
        track_seconds += job["summary"]["seconds"].as_f64().unwrap_or(0.0);
    }
    let wall = started.elapsed().as_secs_f64();
    println!(
        "platform: generate, {workers} worker(s): {jobs} tracks ({:.0} s of music each on average) in {wall:.1} s = \
         {:.2} jobs a minute; {:.0} MB stored a track",
        track_seconds / jobs as f64,
        jobs as f64 * 60.0 / wall,
        stored as f64 / jobs as f64 / 1e6
    );
    running.stop().await;
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("platform_load: benchmark");
        return;
    }
    let jobs: usize = std::env::var("YANO_BENCH_GENERATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        endpoints().await;
        generate_throughput(1, jobs).await;
        generate_throughput(2, jobs).await;
    });
}
