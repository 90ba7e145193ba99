//! Running jobs: [`execute`] runs one with yano-jobs (the CLI's own code) on a blocking thread and
//! stores what it made under content keys (WAV as FLAC); [`complete`] records how it ended, once.
//! The embedded configuration's in-process workers claim jobs from the database by the queue's
//! priority rule; the distributed workers ([`crate::remote`]) take them from Redis.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::json;
use yano_jobs::{JobError, Kind};

use crate::db::{ArtifactRow, JobRow};
use crate::events::JobEvent;
use crate::redis_queue::{JobMessage, JobResult};
use crate::server::App;
use crate::store::Store;

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

/// How a job ended on its worker.
pub enum Ended {
    Done {
        artifacts: Vec<Artifact>,
        summary: serde_json::Value,
    },
    Cancelled,
    Failed(String),
}

impl Ended {
    pub fn state(&self) -> &'static str {
        match self {
            Ended::Done { .. } => "done",
            Ended::Cancelled => "cancelled",
            Ended::Failed(_) => "failed",
        }
    }

    /// As a worker reports it over the queue.
    pub fn result(self, id: &str, seconds: f64, worker: &str) -> JobResult {
        let state = self.state().to_string();
        let (artifacts, summary, error) = match self {
            Ended::Done { artifacts, summary } => (artifacts, summary, None),
            Ended::Cancelled => (Vec::new(), serde_json::Value::Null, None),
            Ended::Failed(e) => (Vec::new(), serde_json::Value::Null, Some(e)),
        };
        JobResult {
            id: id.to_string(),
            state,
            artifacts,
            summary,
            error,
            seconds,
            worker: worker.to_string(),
        }
    }
}

impl JobMessage {
    pub fn of(job: &JobRow, input_name: Option<String>) -> JobMessage {
        JobMessage {
            id: job.id.clone(),
            owner: job.owner.clone(),
            kind: job.kind.clone(),
            params: job.params.clone(),
            input: job.input.clone(),
            input_name,
            priority: job.priority.clone(),
            cache_key: job.cache_key.clone(),
        }
    }

    pub fn event(
        &self,
        state: &str,
        progress: f64,
        stage: &str,
        error: Option<String>,
    ) -> JobEvent {
        JobEvent {
            id: self.id.clone(),
            owner: self.owner.clone(),
            kind: self.kind.clone(),
            state: state.into(),
            progress,
            stage: stage.into(),
            error,
        }
    }
}

/// Starts `count` embedded workers on the runtime.
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

/// Runs one job claimed from the database to its end.
async fn run(app: &App, job: JobRow) {
    let started = Instant::now();
    let input_name = match &job.input {
        Some(key) => match app.db.artifact(key, &job.owner).await {
            Ok(Some(row)) => Some(row.name),
            _ => None,
        },
        None => None,
    };
    let message = JobMessage::of(&job, input_name);
    app.events
        .send(message.event("running", 0.0, "starting", None));
    let handle = tokio::runtime::Handle::current();
    let (store, scratch, db, events) = (
        app.store.clone(),
        app.config.scratch_dir(),
        app.db.clone(),
        app.events.clone(),
    );
    let worker_message = message.clone();
    let ended = tokio::task::spawn_blocking(move || {
        let m = &worker_message;
        let mut progress = |stage: &str, share: f64| {
            let go_on = handle
                .block_on(db.set_progress(&m.id, share, stage))
                .unwrap_or(true);
            events.send(m.event("running", share, stage, None));
            go_on
        };
        execute(&store, &scratch, m, &handle, &mut progress)
    })
    .await
    .unwrap_or_else(|e| Ended::Failed(format!("the job's thread failed: {e}")));
    let seconds = started.elapsed().as_secs_f64();
    complete(app, &message, ended, seconds).await;
}

/// Records how a job ended: the database once (a second result for the same job is dropped), its
/// artifacts for its owner, the cache, the metrics and the event.
pub async fn complete(app: &App, job: &JobMessage, ended: Ended, seconds: f64) {
    let state = ended.state();
    let (artifacts, summary, error) = match &ended {
        Ended::Done { artifacts, summary } => (
            Some(serde_json::to_string(artifacts).unwrap_or_default()),
            Some(summary.to_string()),
            None,
        ),
        Ended::Cancelled => (None, None, None),
        Ended::Failed(e) => (None, None, Some(e.clone())),
    };
    // The artifacts are the owner's before the job says it is done, so a client that sees it
    // done can read them at once (the other order let a quick client find them missing).
    let produced: Vec<&str> = match &ended {
        Ended::Done {
            artifacts: list, ..
        } => {
            for a in list {
                if let Err(e) = app.db.own_artifact(&job.owner, &a.row()).await {
                    tracing::error!(id = %job.id, "cannot record an artifact: {e}");
                }
            }
            list.iter().map(|a| a.key.as_str()).collect()
        }
        _ => Vec::new(),
    };
    let recorded = app
        .db
        .finish(
            &job.id,
            state,
            artifacts.as_deref(),
            summary.as_deref(),
            error.as_deref(),
        )
        .await;
    let ended_now = match recorded {
        Ok(true) => true,
        Ok(false) => {
            app.metrics.duplicate_results.inc();
            tracing::warn!(id = %job.id, "the job had already ended; this result is dropped");
            false
        }
        Err(e) => {
            tracing::error!(id = %job.id, "cannot record the job's end: {e}");
            false
        }
    };
    if !ended_now {
        // Claims made above for a result that was not recorded go again (those the job's
        // recorded end lists stay).
        if let Err(e) = app.db.release_unreferenced(&job.owner, &produced).await {
            tracing::error!(id = %job.id, "cannot release the dropped result's artifacts: {e}");
        }
        return;
    }
    if let (Some(a), Some(s)) = (&artifacts, &summary) {
        let _ = app.db.cache(&job.cache_key, a, s).await;
    }
    let summary_value = match &ended {
        Ended::Done { summary, .. } => Some(summary),
        _ => None,
    };
    record(app, job, state, seconds, summary_value);
    tracing::info!(id = %job.id, state, seconds, "job ended");
    let progress = if state == "done" { 1.0 } else { 0.0 };
    app.events.send(job.event(state, progress, state, error));
}

/// The job's metrics.
fn record(
    app: &App,
    job: &JobMessage,
    state: &str,
    seconds: f64,
    summary: Option<&serde_json::Value>,
) {
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

/// On a blocking thread: unpack the input, run the job, store its files. `progress` is called
/// at most five times a second (and at every change of stage); false stops the job.
pub fn execute(
    store: &Store,
    scratch_root: &Path,
    job: &JobMessage,
    rt: &tokio::runtime::Handle,
    progress: &mut dyn FnMut(&str, f64) -> bool,
) -> Ended {
    let Some(kind) = Kind::parse(&job.kind) else {
        return Ended::Failed(format!("unknown kind {}", job.kind));
    };
    let mut params: serde_json::Value = match serde_json::from_str(&job.params) {
        Ok(p) => p,
        Err(e) => return Ended::Failed(format!("stored parameters: {e}")),
    };
    if kind == Kind::Generate {
        // The platform measures the amapiano markers of every generated track.
        params["check_markers"] = json!(true);
    }
    let scratch = scratch_root.join(format!("{}-{}", job.id, crate::random_hex(4)));
    let out = scratch.join("out");
    if let Err(e) = std::fs::create_dir_all(&out) {
        return Ended::Failed(format!("cannot create {}: {e}", out.display()));
    }
    let ended = (|| {
        let input = match &job.input {
            Some(key) => Some(unpack(store, rt, key, job.input_name.as_deref(), &scratch)?),
            None => None,
        };
        let mut last = Instant::now() - Duration::from_secs(1);
        let mut last_stage = String::new();
        let mut go_on = true;
        let mut throttled = |stage: &str, share: f64| {
            if stage != last_stage || last.elapsed() >= Duration::from_millis(200) {
                last = Instant::now();
                last_stage = stage.to_string();
                go_on = progress(stage, share);
            }
            go_on
        };
        match yano_jobs::run(kind, &params, input.as_deref(), &out, &mut throttled) {
            Ok(outcome) => {
                let artifacts = store_files(store, rt, &out)?;
                let mut summary = outcome.summary;
                let stored: u64 = artifacts.iter().map(|a| a.size).sum();
                let written: u64 = yano_jobs::files_under(&out)
                    .iter()
                    .filter_map(|p| std::fs::metadata(p).ok())
                    .map(|m| m.len())
                    .sum();
                summary["stored_bytes"] = json!(stored);
                summary["written_bytes"] = json!(written);
                Ok(Ended::Done { artifacts, summary })
            }
            Err(JobError::Cancelled { .. }) => Ok(Ended::Cancelled),
            Err(e) => Err(e.to_string()),
        }
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    ended.unwrap_or_else(Ended::Failed)
}

/// Copies an input artifact into the job's folder (its owner was checked when it was queued).
fn unpack(
    store: &Store,
    rt: &tokio::runtime::Handle,
    key: &str,
    name: Option<&str>,
    scratch: &Path,
) -> Result<PathBuf, String> {
    let bytes = rt.block_on(store.get(key)).map_err(|e| e.to_string())?;
    let ext = name
        .and_then(|n| Path::new(n).extension())
        .and_then(|e| e.to_str())
        .unwrap_or("wav");
    let path = scratch.join(format!("input.{ext}"));
    std::fs::write(&path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
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

/// Stores every file under `out`; WAV files go in as FLAC where FLAC holds them.
fn store_files(
    store: &Store,
    rt: &tokio::runtime::Handle,
    out: &Path,
) -> Result<Vec<Artifact>, String> {
    let mut artifacts = Vec::new();
    for path in yano_jobs::files_under(out) {
        let relative = path
            .strip_prefix(out)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {relative}: {e}"))?;
        let (name, bytes, gain) = match relative.strip_suffix(".wav") {
            Some(stem) => match crate::audio::wav_to_flac(&bytes) {
                Ok(Some((flac, gain))) => (format!("{stem}.flac"), flac, gain),
                Ok(None) => (relative.clone(), bytes, 1.0),
                Err(e) => return Err(format!("{relative}: {e}")),
            },
            None => (relative.clone(), bytes, 1.0),
        };
        let size = bytes.len() as u64;
        let key = rt
            .block_on(store.put(Bytes::from(bytes)))
            .map_err(|e| e.to_string())?;
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
