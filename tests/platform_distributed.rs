//! The distributed configuration as processes: an API tier (`yano serve --db postgres://…
//! --queue redis://… --store s3://…`) and four `yano worker` processes on real servers. A thousand
//! jobs go through while one worker is killed with SIGKILL mid-job, Redis is killed and restarted
//! once and the API tier is restarted with jobs queued: every job ends exactly once, none is lost.

#![cfg(feature = "platform")]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use yano_testkit::servers::{postgres_database, Redis, S3};
use yano_testkit::{runs, Need};

const JOBS: usize = 1000;

struct Setup {
    db: String,
    queue: String,
    store: String,
}

fn yano() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yano"));
    for (k, v) in S3::credentials() {
        c.env(k, v);
    }
    c.env("RUST_LOG", "warn");
    c
}

fn serve(s: &Setup) -> (Child, String) {
    let mut child = yano()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--workers",
            "0",
            "--rate",
            "1000000",
        ])
        .args([
            "--max-active-jobs",
            "100000",
            "--db",
            &s.db,
            "--queue",
            &s.queue,
            "--store",
            &s.store,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
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

fn worker(s: &Setup) -> Child {
    yano()
        .args(["worker", "--queue", &s.queue, "--store", &s.store])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> Result<Value, String> {
    let request = ureq::request(method, url)
        .set("authorization", &format!("Bearer {token}"))
        .timeout(Duration::from_secs(30));
    let response = match body {
        Some(b) => request.send_json(b),
        None => request.call(),
    };
    match response {
        Ok(r) => r.into_json().map_err(|e| e.to_string()),
        Err(ureq::Error::Status(code, r)) => {
            Err(format!("{code} {}", r.into_string().unwrap_or_default()))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn signal(child: &Child, name: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status();
}

fn states(addr: &str, token: &str, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .map(|id| call("GET", &format!("{addr}/v1/jobs/{id}"), token, None).unwrap())
        .collect()
}

fn count(jobs: &[Value], state: &str) -> usize {
    jobs.iter().filter(|j| j["state"] == state).count()
}

#[test]
fn a_thousand_jobs_survive_a_killed_worker_a_redis_restart_and_an_api_restart() {
    let test = "a_thousand_jobs_survive_a_killed_worker_a_redis_restart_and_an_api_restart";
    let redis = Redis::start();
    if !runs(test, Need::Server("redis-server"), redis.is_some()) {
        return;
    }
    let s3 = S3::start();
    if !runs(test, Need::Server("s3s-fs"), s3.is_some()) {
        return;
    }
    let db = postgres_database("thousand");
    if !runs(
        test,
        Need::Server("PostgreSQL (YANO_TEST_POSTGRES)"),
        db.is_some(),
    ) {
        return;
    }
    let (mut redis, s3) = (redis.unwrap(), s3.unwrap());
    let setup = Setup {
        db: db.unwrap(),
        queue: redis.url(),
        store: s3.bucket("thousand"),
    };
    let out = yano()
        .args(["token", "create", "load", "--db", &setup.db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();

    let (mut api, addr) = serve(&setup);
    // Each job renders a distinct length of the sine-chord preset (no two share a cache key).
    let preset = include_str!("../graphs/sine-chord.ron");
    let priorities = ["high", "normal", "low"];
    let post = |addr: &str, i: usize| -> String {
        let body = json!({"kind": "render", "priority": priorities[i % 3],
            "params": {"preset": preset, "seconds": 0.05 + i as f64 * 1e-4}});
        call("POST", &format!("{addr}/v1/jobs"), &token, Some(body)).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut ids: Vec<String> = (0..JOBS / 2).map(|i| post(&addr, i)).collect();

    // The API tier restarted with 500 jobs queued and no worker yet.
    signal(&api, "TERM");
    assert!(api.wait().unwrap().success());
    let (api2, addr) = serve(&setup);
    api = api2;
    ids.extend((JOBS / 2..JOBS).map(|i| post(&addr, i)));
    let queued = states(&addr, &token, &ids);
    assert_eq!(
        count(&queued, "queued"),
        JOBS,
        "jobs lost across the API restart"
    );

    let started = Instant::now();
    let mut workers: Vec<Child> = (0..4).map(|_| worker(&setup)).collect();
    let (mut killed, mut restarted) = (false, false);
    loop {
        std::thread::sleep(Duration::from_secs(2));
        let jobs = states(&addr, &token, &ids);
        let done = count(&jobs, "done");
        if !killed && done >= 100 && count(&jobs, "running") > 0 {
            // A worker killed mid-job: its job is taken over once its heartbeat stops.
            signal(&workers[0], "KILL");
            let _ = workers[0].wait();
            killed = true;
            println!("killed a worker at {done} done");
        }
        if killed && !restarted && done >= 400 {
            redis.restart();
            restarted = true;
            println!("restarted Redis at {done} done");
        }
        if done == JOBS {
            break;
        }
        let failed: Vec<&Value> = jobs.iter().filter(|j| j["state"] == "failed").collect();
        assert!(failed.is_empty(), "failed: {:?}", failed.first());
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "{done} of {JOBS} done after 15 minutes"
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    assert!(killed && restarted);
    println!(
        "{JOBS} jobs in {seconds:.1} s through 4 workers ({:.1} jobs a second)",
        JOBS as f64 / seconds
    );

    // Every job done once, each with its own result (no two jobs share their mix).
    let jobs = states(&addr, &token, &ids);
    let mixes: HashSet<String> = jobs
        .iter()
        .map(|j| {
            let mix = j["artifacts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == "mix.flac");
            mix.unwrap_or_else(|| panic!("no mix in {j}"))["key"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(mixes.len(), JOBS);
    let metrics = ureq::get(&format!("{addr}/metrics"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    let ended: f64 = metrics
        .lines()
        .filter(|l| l.starts_with("yano_job_seconds_count{kind=\"render\""))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    // This API process (after its restart, before any worker started) recorded every end once.
    assert_eq!(ended, JOBS as f64, "ends recorded for {JOBS} jobs");
    let dropped = metrics
        .lines()
        .find(|l| l.starts_with("yano_duplicate_results_total "))
        .unwrap_or("none");
    println!("duplicate results dropped: {dropped}");
    for mut w in workers.drain(1..) {
        signal(&w, "TERM");
        let _ = w.wait();
    }
    signal(&api, "TERM");
    let _ = api.wait();
}
