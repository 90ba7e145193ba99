//! The distributed queue, in Redis streams: one stream a priority, read by the consumer group of
//! the workers; a results stream read by the API tier's group; progress on a pub/sub channel.
//!
//! Delivery is at least once. A worker keeps its job's entry pending while it runs and heartbeats
//! it (XCLAIM … JUSTID resets its idle time every few seconds); any worker takes over an entry
//! idle longer than [`DEAD_AFTER`] (XAUTOCLAIM): the job of a worker that died runs again. A job
//! ends once because its result is recorded once (the database's guarded update); its files are
//! stored under content keys, so running it twice stores one copy.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::queue::Priority;
use crate::worker::Artifact;

/// An entry pending this long without a heartbeat belongs to a dead worker.
pub const DEAD_AFTER: Duration = Duration::from_secs(20);
/// How often a running job's entry is touched.
pub const HEARTBEAT: Duration = Duration::from_secs(4);
/// A job whose workers died this many times fails.
pub const MAX_ATTEMPTS: i64 = 4;

const WORKERS: &str = "workers";
const API: &str = "api";

/// A job as a worker receives it: everything needed to run it without the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobMessage {
    pub id: String,
    pub owner: String,
    pub kind: String,
    pub params: String,
    pub input: Option<String>,
    /// The input artifact's name, for its extension.
    pub input_name: Option<String>,
    pub priority: String,
    pub cache_key: String,
}

/// How a job ended, as a worker reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobResult {
    pub id: String,
    pub state: String,
    pub artifacts: Vec<Artifact>,
    pub summary: serde_json::Value,
    pub error: Option<String>,
    pub seconds: f64,
    pub worker: String,
}

/// A job taken from a stream: acknowledged once its result is sent.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub stream: String,
    pub entry: String,
    pub job: JobMessage,
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("a queue entry {entry} is not a job: {message}")]
    BadEntry { entry: String, message: String },
}

/// The queue; cheap to clone (the connection manager reconnects by itself after Redis restarts).
#[derive(Clone)]
pub struct RedisQueue {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
}

impl RedisQueue {
    /// Connects to `url` (`redis://host:port[/db]`) and makes the streams and groups. Keys start
    /// with `prefix`.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisQueue, QueueError> {
        let client = redis::Client::open(url)?;
        let conn = ConnectionManager::new(client.clone()).await?;
        let queue = RedisQueue {
            client,
            conn,
            prefix: prefix.to_string(),
        };
        for p in Priority::ALL {
            queue.group(&queue.stream(p), WORKERS).await?;
        }
        queue.group(&queue.results(), API).await?;
        Ok(queue)
    }

    async fn group(&self, stream: &str, group: &str) -> Result<(), QueueError> {
        let made: Result<(), redis::RedisError> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(stream)
            .arg(group)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut self.conn.clone())
            .await;
        match made {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub fn stream(&self, p: Priority) -> String {
        format!("{}:jobs:{}", self.prefix, p.name())
    }

    fn results(&self) -> String {
        format!("{}:results", self.prefix)
    }

    pub fn progress_channel(&self) -> String {
        format!("{}:progress", self.prefix)
    }

    fn cancel_key(&self, id: &str) -> String {
        format!("{}:cancel:{id}", self.prefix)
    }

    fn workers_key(&self) -> String {
        format!("{}:workers", self.prefix)
    }

    fn attempts_key(&self) -> String {
        format!("{}:attempts", self.prefix)
    }

    pub async fn ping(&self) -> Result<(), QueueError> {
        let _: String = redis::cmd("PING")
            .query_async(&mut self.conn.clone())
            .await?;
        Ok(())
    }

    /// Queues a job on its priority's stream.
    pub async fn enqueue(&self, job: &JobMessage) -> Result<String, QueueError> {
        let p = Priority::parse(&job.priority).unwrap_or(Priority::Normal);
        let text = serde_json::to_string(job).unwrap_or_default();
        let id: String = self
            .conn
            .clone()
            .xadd(self.stream(p), "*", &[("job", text)])
            .await?;
        Ok(id)
    }

    fn delivery(stream: &str, entry: &StreamId) -> Result<Delivery, QueueError> {
        let text: String = entry.get("job").ok_or_else(|| QueueError::BadEntry {
            entry: entry.id.clone(),
            message: "no job field".into(),
        })?;
        let job = serde_json::from_str(&text).map_err(|e| QueueError::BadEntry {
            entry: entry.id.clone(),
            message: e.to_string(),
        })?;
        Ok(Delivery {
            stream: stream.to_string(),
            entry: entry.id.clone(),
            job,
        })
    }

    /// Takes the next job for `worker` on its turn (the rule of [`crate::queue`]).
    pub async fn claim(&self, turn: usize, worker: &str) -> Result<Option<Delivery>, QueueError> {
        for p in crate::queue::order(turn) {
            let stream = self.stream(p);
            let options = redis::streams::StreamReadOptions::default()
                .group(WORKERS, worker)
                .count(1);
            let reply: StreamReadReply = self
                .conn
                .clone()
                .xread_options(&[&stream], &[">"], &options)
                .await?;
            if let Some(entry) = reply.keys.first().and_then(|k| k.ids.first()) {
                return Self::delivery(&stream, entry).map(Some);
            }
        }
        Ok(None)
    }

    /// Takes over jobs whose worker stopped heartbeating.
    pub async fn reclaim(&self, worker: &str) -> Result<Vec<Delivery>, QueueError> {
        let mut taken = Vec::new();
        for p in Priority::ALL {
            let stream = self.stream(p);
            let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
                .arg(&stream)
                .arg(WORKERS)
                .arg(worker)
                .arg(DEAD_AFTER.as_millis() as u64)
                .arg("0-0")
                .arg("COUNT")
                .arg(10)
                .query_async(&mut self.conn.clone())
                .await?;
            for entry in &reply.claimed {
                match Self::delivery(&stream, entry) {
                    Ok(d) => taken.push(d),
                    Err(e) => tracing::error!("{e}"),
                }
            }
        }
        Ok(taken)
    }

    /// Counts one more start of a job: how many times it has started.
    pub async fn attempt(&self, id: &str) -> Result<i64, QueueError> {
        Ok(self.conn.clone().hincr(self.attempts_key(), id, 1).await?)
    }

    /// Keeps a running job's entry fresh and says this worker is alive.
    pub async fn heartbeat(&self, d: &Delivery, worker: &str) -> Result<(), QueueError> {
        let _: redis::Value = redis::cmd("XCLAIM")
            .arg(&d.stream)
            .arg(WORKERS)
            .arg(worker)
            .arg(0)
            .arg(&d.entry)
            .arg("JUSTID")
            .query_async(&mut self.conn.clone())
            .await?;
        self.alive(worker).await
    }

    pub async fn alive(&self, worker: &str) -> Result<(), QueueError> {
        let _: i64 = self
            .conn
            .clone()
            .zadd(self.workers_key(), worker, crate::now_ms())
            .await?;
        Ok(())
    }

    /// Workers that heartbeat in the last [`DEAD_AFTER`].
    pub async fn workers_alive(&self) -> Result<i64, QueueError> {
        let since = crate::now_ms() - DEAD_AFTER.as_millis() as i64;
        Ok(self
            .conn
            .clone()
            .zcount(self.workers_key(), since, "+inf")
            .await?)
    }

    /// Sends a job's result and lets its entry go.
    pub async fn finish(&self, d: &Delivery, result: &JobResult) -> Result<(), QueueError> {
        let text = serde_json::to_string(result).unwrap_or_default();
        let mut conn = self.conn.clone();
        let _: String = conn.xadd(self.results(), "*", &[("result", text)]).await?;
        let _: i64 = conn.xack(&d.stream, WORKERS, &[&d.entry]).await?;
        let _: i64 = conn.xdel(&d.stream, &[&d.entry]).await?;
        let _: i64 = conn.hdel(self.attempts_key(), &d.job.id).await?;
        Ok(())
    }

    /// Results not yet recorded: this consumer's own pending ones first (after a restart), then
    /// those of an API instance that died, then new ones. Never blocks: every command shares one
    /// multiplexed connection, which a blocking read would hold.
    pub async fn results_for(
        &self,
        consumer: &str,
    ) -> Result<Vec<(String, JobResult)>, QueueError> {
        let stream = self.results();
        let mut entries: Vec<StreamId> = Vec::new();
        let options = redis::streams::StreamReadOptions::default()
            .group(API, consumer)
            .count(100);
        let pending: StreamReadReply = self
            .conn
            .clone()
            .xread_options(&[&stream], &["0"], &options)
            .await?;
        entries.extend(pending.keys.into_iter().flat_map(|k| k.ids));
        if entries.is_empty() {
            let orphaned: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
                .arg(&stream)
                .arg(API)
                .arg(consumer)
                .arg(DEAD_AFTER.as_millis() as u64)
                .arg("0-0")
                .arg("COUNT")
                .arg(100)
                .query_async(&mut self.conn.clone())
                .await?;
            entries.extend(orphaned.claimed);
        }
        if entries.is_empty() {
            let fresh: StreamReadReply = self
                .conn
                .clone()
                .xread_options(&[&stream], &[">"], &options)
                .await?;
            entries.extend(fresh.keys.into_iter().flat_map(|k| k.ids));
        }
        let mut results = Vec::new();
        for entry in entries {
            let parsed = entry
                .get::<String>("result")
                .and_then(|text| serde_json::from_str::<JobResult>(&text).ok());
            match parsed {
                Some(r) => results.push((entry.id.clone(), r)),
                None => {
                    tracing::error!(entry = %entry.id, "a result entry that is not a result is dropped");
                    self.ack_result(&entry.id).await?;
                }
            }
        }
        Ok(results)
    }

    pub async fn ack_result(&self, entry: &str) -> Result<(), QueueError> {
        let stream = self.results();
        let mut conn = self.conn.clone();
        let _: i64 = conn.xack(&stream, API, &[entry]).await?;
        let _: i64 = conn.xdel(&stream, &[entry]).await?;
        Ok(())
    }

    /// Asks a job to stop (a worker checks at its progress points and before it starts).
    pub async fn cancel(&self, id: &str) -> Result<(), QueueError> {
        let _: () = self
            .conn
            .clone()
            .set_ex(self.cancel_key(id), 1, 7 * 24 * 3600)
            .await?;
        Ok(())
    }

    pub async fn cancelled(&self, id: &str) -> Result<bool, QueueError> {
        Ok(self.conn.clone().exists(self.cancel_key(id)).await?)
    }

    pub async fn publish(&self, event: &crate::events::JobEvent) -> Result<(), QueueError> {
        let text = serde_json::json!({
            "id": event.id, "owner": event.owner, "kind": event.kind, "state": event.state,
            "progress": event.progress, "stage": event.stage,
        })
        .to_string();
        let _: i64 = self
            .conn
            .clone()
            .publish(self.progress_channel(), text)
            .await?;
        Ok(())
    }

    /// A connection for subscribing to progress.
    pub async fn pubsub(&self) -> Result<redis::aio::PubSub, QueueError> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(self.progress_channel()).await?;
        Ok(pubsub)
    }
}
