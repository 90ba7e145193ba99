//! The distributed configuration's two sides of the Redis queue: workers (`yano worker`, or
//! `yano serve --queue redis://… --workers N`) that take jobs from the streams, heartbeat them,
//! take over those of dead workers and send their results back; and the API tier's consumers,
//! which record results (once) and relay progress into the database and to WebSocket listeners.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::events::JobEvent;
use crate::redis_queue::{Delivery, QueueError, RedisQueue, HEARTBEAT, MAX_ATTEMPTS};
use crate::server::App;
use crate::store::Store;
use crate::worker::{complete, execute, Ended};

/// What a distributed worker needs: the queue, the store, a scratch folder.
#[derive(Clone)]
pub struct Worker {
    pub queue: RedisQueue,
    pub store: Store,
    pub scratch: PathBuf,
    pub name: String,
    pub stop: Arc<AtomicBool>,
}

/// Retries a queue operation while Redis is away (a restart), for up to a minute.
async fn retry<T, F, Fut>(what: &str, mut op: F) -> Result<T, QueueError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, QueueError>>,
{
    let started = Instant::now();
    let mut wait = Duration::from_millis(100);
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if started.elapsed() < Duration::from_secs(60) => {
                tracing::warn!("{what}: {e}; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(2));
            }
            Err(e) => return Err(e),
        }
    }
}

impl Worker {
    /// Takes and runs jobs until told to stop.
    pub async fn run(&self) {
        let mut turn = 0usize;
        let mut reclaimed_at = Instant::now() - Duration::from_secs(3600);
        tracing::info!(worker = %self.name, "worker started");
        while !self.stop.load(Ordering::Relaxed) {
            if reclaimed_at.elapsed() >= HEARTBEAT {
                reclaimed_at = Instant::now();
                let _ = self.queue.alive(&self.name).await;
                match self.queue.reclaim(&self.name).await {
                    Ok(orphans) => {
                        for d in orphans {
                            tracing::warn!(id = %d.job.id, "taking over the job of a worker that stopped");
                            self.one(d).await;
                        }
                    }
                    Err(e) => tracing::warn!("cannot look for orphaned jobs: {e}"),
                }
            }
            match self.queue.claim(turn, &self.name).await {
                Ok(Some(d)) => {
                    turn = turn.wrapping_add(1);
                    self.one(d).await;
                }
                Ok(None) => {
                    turn = turn.wrapping_add(1);
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                Err(e) => {
                    tracing::warn!("cannot take a job: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    async fn one(&self, d: Delivery) {
        let started = Instant::now();
        let job = d.job.clone();
        let attempts = retry("count the attempt", || self.queue.attempt(&job.id))
            .await
            .unwrap_or(1);
        let cancelled = self.queue.cancelled(&job.id).await.unwrap_or(false);
        let ended = if cancelled {
            Ended::Cancelled
        } else if attempts > MAX_ATTEMPTS {
            Ended::Failed(format!(
                "its worker stopped {} times while running it",
                attempts - 1
            ))
        } else {
            let _ = self
                .queue
                .publish(&job.event("running", 0.0, "starting", None))
                .await;
            // The heartbeat keeps the entry ours while the job runs.
            let beating = Arc::new(AtomicBool::new(true));
            let heart = {
                let (queue, d, name, beating) = (
                    self.queue.clone(),
                    d.clone(),
                    self.name.clone(),
                    beating.clone(),
                );
                tokio::spawn(async move {
                    while beating.load(Ordering::Relaxed) {
                        if let Err(e) = queue.heartbeat(&d, &name).await {
                            tracing::warn!("heartbeat: {e}");
                        }
                        tokio::time::sleep(HEARTBEAT).await;
                    }
                })
            };
            let (queue, store, scratch, message) = (
                self.queue.clone(),
                self.store.clone(),
                self.scratch.clone(),
                job.clone(),
            );
            let handle = tokio::runtime::Handle::current();
            let ended = tokio::task::spawn_blocking(move || {
                let mut progress = |stage: &str, share: f64| {
                    let _ = handle
                        .block_on(queue.publish(&message.event("running", share, stage, None)));
                    !handle
                        .block_on(queue.cancelled(&message.id))
                        .unwrap_or(false)
                };
                execute(&store, &scratch, &message, &handle, &mut progress)
            })
            .await
            .unwrap_or_else(|e| Ended::Failed(format!("the job's thread failed: {e}")));
            beating.store(false, Ordering::Relaxed);
            heart.abort();
            ended
        };
        let result = ended.result(&job.id, started.elapsed().as_secs_f64(), &self.name);
        if let Err(e) = retry("send the result", || self.queue.finish(&d, &result)).await {
            // The entry stays pending: another worker takes it over and runs the job again.
            tracing::error!(id = %job.id, "cannot send the result: {e}");
        }
    }
}

/// Starts `count` distributed workers in this process.
pub fn spawn(app: &App, queue: &RedisQueue, count: usize) {
    for n in 0..count {
        let worker = Worker {
            queue: queue.clone(),
            store: app.store.clone(),
            scratch: app.config.scratch_dir(),
            name: format!("{}-{}", crate::random_hex(4), n),
            stop: app.stop_flag(),
        };
        tokio::spawn(async move { worker.run().await });
    }
}

/// The API tier's side: records every result once and relays progress, until the server stops.
pub fn consume(app: &App, queue: &RedisQueue) {
    let (results_app, results_queue) = (app.clone(), queue.clone());
    tokio::spawn(async move {
        let consumer = format!("api-{}", crate::random_hex(4));
        while !results_app.stopping() {
            match results_queue.results_for(&consumer).await {
                Ok(results) if results.is_empty() => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(results) => {
                    for (entry, r) in results {
                        let job = match results_app.db.job(&r.id, None).await {
                            Ok(Some(row)) => crate::redis_queue::JobMessage::of(&row, None),
                            Ok(None) => {
                                tracing::warn!(id = %r.id, "a result for a job the database does not have");
                                let _ = results_queue.ack_result(&entry).await;
                                continue;
                            }
                            Err(e) => {
                                tracing::error!("cannot read a job: {e}");
                                break;
                            }
                        };
                        let ended = match r.state.as_str() {
                            "done" => Ended::Done {
                                artifacts: r.artifacts,
                                summary: r.summary,
                            },
                            "cancelled" => Ended::Cancelled,
                            _ => Ended::Failed(r.error.unwrap_or_else(|| "failed".into())),
                        };
                        complete(&results_app, &job, ended, r.seconds).await;
                        if let Err(e) = results_queue.ack_result(&entry).await {
                            tracing::warn!("cannot acknowledge a result: {e}");
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!("cannot read results: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    });
    let (progress_app, progress_queue) = (app.clone(), queue.clone());
    tokio::spawn(async move {
        while !progress_app.stopping() {
            let mut pubsub = match progress_queue.pubsub().await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("cannot subscribe to progress: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Ok(text) = message.get_payload::<String>() else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                let event = JobEvent {
                    id: v["id"].as_str().unwrap_or("").into(),
                    owner: v["owner"].as_str().unwrap_or("").into(),
                    kind: v["kind"].as_str().unwrap_or("").into(),
                    state: v["state"].as_str().unwrap_or("").into(),
                    progress: v["progress"].as_f64().unwrap_or(0.0),
                    stage: v["stage"].as_str().unwrap_or("").into(),
                    error: None,
                };
                if event.state == "running" {
                    let db = &progress_app.db;
                    let _ = db.mark_running(&event.id).await;
                    let _ = db
                        .set_progress(&event.id, event.progress, &event.stage)
                        .await;
                }
                progress_app.events.send(event);
                if progress_app.stopping() {
                    break;
                }
            }
        }
    });
}

/// `yano worker`: `count` workers on the queue at `queue_url`, storing into `store_url`, until
/// Ctrl+C or SIGTERM (a job running then is left pending and taken over by another worker).
pub async fn work(
    queue_url: &str,
    prefix: &str,
    store_url: &str,
    scratch: PathBuf,
    count: usize,
) -> Result<(), String> {
    let queue = RedisQueue::connect(queue_url, prefix)
        .await
        .map_err(|e| format!("queue {queue_url}: {e}"))?;
    let store = Store::open(store_url).map_err(|e| e.to_string())?;
    store.ping().await.map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&scratch)
        .map_err(|e| format!("cannot create {}: {e}", scratch.display()))?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for n in 0..count.max(1) {
        let worker = Worker {
            queue: queue.clone(),
            store: store.clone(),
            scratch: scratch.clone(),
            name: format!("{}-{}-{n}", std::process::id(), crate::random_hex(3)),
            stop: stop.clone(),
        };
        tasks.push(tokio::spawn(async move { worker.run().await }));
    }
    crate::server::shutdown_signal().await;
    tracing::info!("stopping after the jobs running now");
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    Ok(())
}
