//! The in-process workers of the embedded configuration: each claims the next job by the queue's
//! priority rule, runs it with yano-jobs (the CLI's own code) on a blocking thread, stores what
//! it made under content keys (WAV as FLAC), and ends the job once.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yano_jobs::{JobError, Kind};

use crate::db::{ArtifactRow, JobRow};
use crate::events::JobEvent;
use crate::server::App;

/// One result file of a job as the API lists it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    /// Its path in the job's folder ("stems/bass.flac"); a WAV stored as FLAC is named .flac.
    pub name: String,
    pub key: String,
    pub size: u64,
    pub content_type: String,
    /// What the decoded samples are multiplied by: a float stem stored as FLAC with headroom
    /// (absent when 1).
    #[serde(default = "unity", skip_serializing_if = "is_unity")]
    pub gain: f64,
}

fn unity() -> f64 {
    1.0
}

fn is_unity(gain: &f64) -> bool {
    *gain == 1.0
}

impl Artifact {
    pub fn row(&self) -> ArtifactRow {
        ArtifactRow {
            key: self.key.clone(),
            name: self.name.clone(),
            size: self.size as i64,
            content_type: self.content_type.clone(),
            gain: self.gain,
        }
    }
}

/// What a worker made of a job.
struct Made {
    artifacts: Vec<Artifact>,
    summary: serde_json::Value,
}

/// Starts `count` workers on the runtime.
pub fn spawn(app: &App, count: usize) {
    for n in 0..count {
        let app = app.clone();
        let name = format!("{}-{n}", crate::random_hex(4));
        tokio::spawn(async move {
            app.metrics.workers_alive.inc();
            work(&app, &name).await;
            app.metrics.workers_alive.dec();
        });
    }
}

async fn work(app: &App, name: &str) {
    let mut turn = 0usize;
    while !app.stopping() {
        let claimed = crate::queue::claim_next(&app.db, turn, name).await;
        turn = turn.wrapping_add(1);
        match claimed {
            Ok(Some(job)) => run(app, job).await,
            Ok(None) => {
                tokio::select! {
                    _ = app.queued.notified() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                }
            }
            Err(e) => {
                tracing::error!(worker = name, "cannot claim a job: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

fn event(job: &JobRow, state: &str, progress: f64, stage: &str, error: Option<String>) -> JobEvent {
    JobEvent {
        id: job.id.clone(),
        owner: job.owner.clone(),
        kind: job.kind.clone(),
        state: state.into(),
        progress,
        stage: stage.into(),
        error,
    }
}

/// Runs one claimed job to its end.
async fn run(app: &App, job: JobRow) {
    let started = Instant::now();
    tracing::info!(id = %job.id, kind = %job.kind, priority = %job.priority, "job started");
    app.events
        .send(event(&job, "running", 0.0, "starting", None));
    let handle = tokio::runtime::Handle::current();
    let (worker_app, worker_job) = (app.clone(), job.clone());
    let made = tokio::task::spawn_blocking(move || execute(&worker_app, &worker_job, &handle))
        .await
        .unwrap_or_else(|e| Err(format!("the job's thread failed: {e}")).map_err(Failure::Failed));
    let seconds = started.elapsed().as_secs_f64();
    let (state, error) = match &made {
        Ok(_) => ("done", None),
        Err(Failure::Cancelled) => ("cancelled", None),
        Err(Failure::Failed(message)) => ("failed", Some(message.clone())),
    };
    let (artifacts, summary) = match &made {
        Ok(m) => (
            Some(serde_json::to_string(&m.artifacts).unwrap_or_default()),
            Some(m.summary.to_string()),
        ),
        Err(_) => (None, None),
    };
    let ended = app
        .db
        .finish(
            &job.id,
            state,
            artifacts.as_deref(),
            summary.as_deref(),
            error.as_deref(),
        )
        .await;
    match ended {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(id = %job.id, "the job had already ended; this result is dropped");
            return;
        }
        Err(e) => {
            tracing::error!(id = %job.id, "cannot record the job's end: {e}");
            return;
        }
    }
    if let Ok(m) = &made {
        for a in &m.artifacts {
            if let Err(e) = app.db.own_artifact(&job.owner, &a.row()).await {
                tracing::error!(id = %job.id, "cannot record an artifact: {e}");
            }
        }
        if let (Some(a), Some(s)) = (&artifacts, &summary) {
            let _ = app.db.cache(&job.cache_key, a, s).await;
        }
    }
    record(
        app,
        &job,
        state,
        seconds,
        made.as_ref().ok().map(|m| &m.summary),
    );
    tracing::info!(id = %job.id, state, seconds, "job ended");
    app.events.send(event(
        &job,
        state,
        if state == "done" { 1.0 } else { job.progress },
        state,
        error,
    ));
}

/// The job's metrics.
fn record(app: &App, job: &JobRow, state: &str, seconds: f64, summary: Option<&serde_json::Value>) {
    let m = &app.metrics;
    m.job_seconds
        .with_label_values(&[job.kind.as_str(), job.priority.as_str()])
        .observe(seconds);
    if job.kind != "generate" || state == "cancelled" {
        return;
    }
    let params: serde_json::Value = serde_json::from_str(&job.params).unwrap_or_default();
    let style = summary
        .and_then(|s| s["style"].as_str())
        .or_else(|| params["style"].as_str())
        .unwrap_or("unknown")
        .to_string();
    let success = if state == "done" { "true" } else { "false" };
    m.generations
        .with_label_values(&[style.as_str(), success])
        .inc();
    if state == "done" {
        m.generation_seconds
            .with_label_values(&[style.as_str()])
            .observe(seconds);
        if let Some(held) = summary.and_then(|s| s["markers_held"].as_f64()) {
            m.markers_held.observe(held);
        }
    }
}

enum Failure {
    Cancelled,
    Failed(String),
}

/// On the blocking thread: unpack the input, run the job, store its files.
fn execute(app: &App, job: &JobRow, rt: &tokio::runtime::Handle) -> Result<Made, Failure> {
    let kind = Kind::parse(&job.kind)
        .ok_or_else(|| Failure::Failed(format!("unknown kind {}", job.kind)))?;
    let mut params: serde_json::Value = serde_json::from_str(&job.params)
        .map_err(|e| Failure::Failed(format!("stored parameters: {e}")))?;
    if kind == Kind::Generate {
        // The platform measures the amapiano markers of every generated track.
        params["check_markers"] = json!(true);
    }
    let scratch = app
        .config
        .scratch_dir()
        .join(format!("{}-{}", job.id, crate::random_hex(4)));
    let out = scratch.join("out");
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", out.display())))?;
    let result = (|| {
        let input = match &job.input {
            Some(key) => Some(unpack(app, rt, &job.owner, key, &scratch)?),
            None => None,
        };
        let mut last = Instant::now() - Duration::from_secs(1);
        let mut last_stage = String::new();
        let mut go_on = true;
        let mut progress = |stage: &str, share: f64| {
            // At most five updates a second, and every change of stage.
            if stage != last_stage || last.elapsed() >= Duration::from_millis(200) {
                last = Instant::now();
                last_stage = stage.to_string();
                go_on = rt
                    .block_on(app.db.set_progress(&job.id, share, stage))
                    .unwrap_or(true);
                app.events.send(event(job, "running", share, stage, None));
            }
            go_on
        };
        let outcome = yano_jobs::run(kind, &params, input.as_deref(), &out, &mut progress);
        match outcome {
            Ok(outcome) => {
                let artifacts = store_files(app, rt, &out)?;
                let mut summary = outcome.summary;
                let stored: u64 = artifacts.iter().map(|a| a.size).sum();
                let wav: u64 = yano_jobs::files_under(&out)
                    .iter()
                    .filter_map(|p| std::fs::metadata(p).ok())
                    .map(|m| m.len())
                    .sum();
                summary["stored_bytes"] = json!(stored);
                summary["written_bytes"] = json!(wav);
                Ok(Made { artifacts, summary })
            }
            Err(JobError::Cancelled { .. }) => Err(Failure::Cancelled),
            Err(e) => Err(Failure::Failed(e.to_string())),
        }
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Copies an input artifact the owner may read into the job's folder.
fn unpack(
    app: &App,
    rt: &tokio::runtime::Handle,
    owner: &str,
    key: &str,
    scratch: &Path,
) -> Result<PathBuf, Failure> {
    let row = rt
        .block_on(app.db.artifact(key, owner))
        .map_err(|e| Failure::Failed(format!("database: {e}")))?
        .ok_or_else(|| Failure::Failed(format!("the input artifact {key} is not yours or gone")))?;
    let bytes = rt
        .block_on(app.store.get(key))
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let ext = Path::new(&row.name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("wav");
    let path = scratch.join(format!("input.{ext}"));
    std::fs::write(&path, &bytes)
        .map_err(|e| Failure::Failed(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

fn content_type(name: &str) -> &'static str {
    match Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
    {
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "mid" => "audio/midi",
        "json" => "application/json",
        "ron" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Stores every file under `out`; WAV files go in as FLAC where FLAC holds them exactly.
fn store_files(
    app: &App,
    rt: &tokio::runtime::Handle,
    out: &Path,
) -> Result<Vec<Artifact>, Failure> {
    let mut artifacts = Vec::new();
    for path in yano_jobs::files_under(out) {
        let relative = path
            .strip_prefix(out)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path)
            .map_err(|e| Failure::Failed(format!("cannot read {relative}: {e}")))?;
        let (name, bytes, gain) = match relative.strip_suffix(".wav") {
            Some(stem) => match crate::audio::wav_to_flac(&bytes) {
                Ok(Some((flac, gain))) => (format!("{stem}.flac"), flac, gain),
                Ok(None) => (relative.clone(), bytes, 1.0),
                Err(e) => return Err(Failure::Failed(format!("{relative}: {e}"))),
            },
            None => (relative.clone(), bytes, 1.0),
        };
        let size = bytes.len() as u64;
        let key = rt
            .block_on(app.store.put(Bytes::from(bytes)))
            .map_err(|e| Failure::Failed(e.to_string()))?;
        artifacts.push(Artifact {
            content_type: content_type(&name).into(),
            name,
            key,
            size,
            gain,
        });
    }
    Ok(artifacts)
}
