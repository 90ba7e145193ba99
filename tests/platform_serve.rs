//! `yano serve` and `yano token create` as processes: a token printed once on the last line, and
//! jobs that survive the server: queued jobs across a clean stop, a running job across a SIGKILL.

#![cfg(feature = "platform")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn yano() -> Command {
    Command::new(env!("CARGO_BIN_EXE_yano"))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("yano-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A server on a free port; its address read from its first line.
fn serve(data: &Path, workers: usize) -> (Child, String) {
    let mut child = yano()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--workers",
            &workers.to_string(),
            "--data",
        ])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_string();
    (child, addr)
}

fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> Value {
    let request = ureq::request(method, url).set("authorization", &format!("Bearer {token}"));
    let response = match body {
        Some(b) => request.send_json(b),
        None => request.call(),
    };
    match response {
        Ok(r) => r.into_json().unwrap(),
        Err(ureq::Error::Status(code, r)) => {
            panic!("{method} {url}: {code} {}", r.into_string().unwrap())
        }
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

fn wait_for(addr: &str, token: &str, id: &str, state: &str, limit: Duration) -> Value {
    let started = Instant::now();
    loop {
        let job = call("GET", &format!("{addr}/v1/jobs/{id}"), token, None);
        if job["state"] == state {
            return job;
        }
        assert!(
            started.elapsed() < limit,
            "{id} not {state} in {limit:?}: {job}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn queued_and_running_jobs_survive_a_stop_and_a_kill() {
    let data = scratch("survive");
    let out = yano()
        .args(["token", "create", "alice", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap().to_string();
    assert!(token.starts_with("yano_") && token.len() > 40, "{token:?}");
    // The database keeps its hash, never the token.
    let db = std::fs::read(data.join("yano.db")).unwrap();
    assert!(
        !db.windows(token.len()).any(|w| w == token.as_bytes()),
        "the token is stored in clear"
    );

    // Three renders queued on a server with no workers, which then stops cleanly.
    let (mut server, addr) = serve(&data, 0);
    let preset = include_str!("../graphs/sine-chord.ron");
    let ids: Vec<String> = (1..=3)
        .map(|i| {
            let body = json!({"kind": "render", "params": {"preset": preset, "seconds": i as f64}});
            call("POST", &format!("{addr}/v1/jobs"), &token, Some(body))["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    signal(&server, "TERM");
    assert!(
        server.wait().unwrap().success(),
        "the server did not stop cleanly on SIGTERM"
    );

    // Back with a worker: every queued job is done.
    let (mut server, addr) = serve(&data, 1);
    for (i, id) in ids.iter().enumerate() {
        let job = wait_for(&addr, &token, id, "done", Duration::from_secs(60));
        assert_eq!(job["params"]["seconds"], (i + 1) as f64);
    }

    // A long generation, killed mid-render: picked up again when the server is back.
    let body =
        json!({"kind": "generate", "params": {"prompt": "amapiano", "minutes": 1, "seed": 9}});
    let id = call("POST", &format!("{addr}/v1/jobs"), &token, Some(body))["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_for(&addr, &token, &id, "running", Duration::from_secs(30));
    signal(&server, "KILL");
    let _ = server.wait();
    let (mut server, addr) = serve(&data, 1);
    let job = wait_for(&addr, &token, &id, "done", Duration::from_secs(300));
    assert!(
        job["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "track.flac"),
        "{job}"
    );
    let listed = call("GET", &format!("{addr}/v1/jobs"), &token, None);
    assert_eq!(
        listed["jobs"].as_array().unwrap().len(),
        4,
        "a job was lost or doubled"
    );
    signal(&server, "TERM");
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data);
}
