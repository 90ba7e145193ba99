//! The database: users and their hashed tokens, jobs, artifact ownership, the result cache and
//! projects with their revisions. One schema and one set of queries for SQLite (embedded) and
//! PostgreSQL (distributed), through sqlx's Any driver: `$n` placeholders, BIGINT, DOUBLE
//! PRECISION and TEXT, which both understand.

use serde::Serialize;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use crate::now_ms;

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, created BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, kind TEXT NOT NULL, \
     params TEXT NOT NULL, input TEXT, priority TEXT NOT NULL, state TEXT NOT NULL, \
     progress DOUBLE PRECISION NOT NULL, stage TEXT NOT NULL, cache_key TEXT NOT NULL, \
     artifacts TEXT, error TEXT, summary TEXT, cache_hit BIGINT NOT NULL, cancel BIGINT NOT NULL, \
     worker TEXT, created BIGINT NOT NULL, started BIGINT, finished BIGINT)",
    "CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (state, priority, created)",
    "CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created)",
    "CREATE TABLE IF NOT EXISTS artifacts (key TEXT NOT NULL, owner TEXT NOT NULL, name TEXT NOT NULL, \
     size BIGINT NOT NULL, content_type TEXT NOT NULL, gain DOUBLE PRECISION NOT NULL, created BIGINT NOT NULL, \
     PRIMARY KEY (key, owner))",
    "CREATE TABLE IF NOT EXISTS cache (key TEXT PRIMARY KEY, artifacts TEXT NOT NULL, summary TEXT NOT NULL, created BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, \
     graph TEXT NOT NULL, revision BIGINT NOT NULL, created BIGINT NOT NULL, updated BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS project_revisions (project_id TEXT NOT NULL, revision BIGINT NOT NULL, \
     name TEXT NOT NULL, graph TEXT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (project_id, revision))",
];

/// One job as stored.
#[derive(Debug, Clone, Serialize)]
pub struct JobRow {
    pub id: String,
    pub owner: String,
    pub kind: String,
    pub params: String,
    pub input: Option<String>,
    pub priority: String,
    pub state: String,
    pub progress: f64,
    pub stage: String,
    pub cache_key: String,
    pub artifacts: Option<String>,
    pub error: Option<String>,
    pub summary: Option<String>,
    pub cache_hit: bool,
    pub cancel: bool,
    pub created: i64,
    pub started: Option<i64>,
    pub finished: Option<i64>,
    /// The name its owner gave it in the library (read by the queries that list jobs).
    pub name: Option<String>,
}

pub const JOB_COLUMNS: &str = "id, owner, kind, params, input, priority, state, progress, stage, \
     cache_key, artifacts, error, summary, cache_hit, cancel, created, started, finished";

fn job(row: &AnyRow) -> Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        kind: row.try_get("kind")?,
        params: row.try_get("params")?,
        input: row.try_get("input")?,
        priority: row.try_get("priority")?,
        state: row.try_get("state")?,
        progress: row.try_get("progress")?,
        stage: row.try_get("stage")?,
        cache_key: row.try_get("cache_key")?,
        artifacts: row.try_get("artifacts")?,
        error: row.try_get("error")?,
        summary: row.try_get("summary")?,
        cache_hit: row.try_get::<i64, _>("cache_hit")? != 0,
        cancel: row.try_get::<i64, _>("cancel")? != 0,
        created: row.try_get("created")?,
        started: row.try_get("started")?,
        finished: row.try_get("finished")?,
        name: row.try_get("name").ok().flatten(),
    })
}

/// One artifact a user may read.
#[derive(Debug, Clone, Serialize)]
pub struct ArtifactRow {
    pub key: String,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    /// What decoded samples are multiplied by (a float stem stored as FLAC with headroom).
    pub gain: f64,
}

/// One project as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectRow {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub graph: String,
    pub revision: i64,
    pub created: i64,
    pub updated: i64,
}

fn project(row: &AnyRow) -> Result<ProjectRow, sqlx::Error> {
    Ok(ProjectRow {
        id: row.try_get("id")?,
        owner: row.try_get("owner")?,
        name: row.try_get("name")?,
        graph: row.try_get("graph")?,
        revision: row.try_get("revision")?,
        created: row.try_get("created")?,
        updated: row.try_get("updated")?,
    })
}

/// A new job before it is stored.
pub struct NewJob<'a> {
    pub id: &'a str,
    pub owner: &'a str,
    pub kind: &'a str,
    pub params: &'a str,
    pub input: Option<&'a str>,
    pub priority: &'a str,
    pub cache_key: &'a str,
}

/// How an update of a project went.
pub enum Updated {
    Done(ProjectRow),
    Stale { current: i64 },
    Missing,
}

impl Db {
    /// Connects (creating an SQLite file if needed) and makes the schema.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        // WAL lets readers go on while a worker writes; writers wait their turn.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        for statement in SCHEMA.iter().chain(crate::library::SCHEMA) {
            sqlx::query(statement).execute(&pool).await?;
        }
        Ok(Db { pool })
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    // ---- users and tokens ----

    /// The user named `name` (made if new) and a new token for them, stored as its sha256.
    pub async fn create_token(&self, name: &str) -> Result<(String, String), sqlx::Error> {
        let existing = sqlx::query("SELECT id FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        let user_id = match existing {
            Some(row) => row.try_get::<String, _>("id")?,
            None => {
                let id = crate::random_hex(8);
                sqlx::query("INSERT INTO users (id, name, created) VALUES ($1, $2, $3)")
                    .bind(&id)
                    .bind(name)
                    .bind(now_ms())
                    .execute(&self.pool)
                    .await?;
                id
            }
        };
        let token = format!("yano_{}", crate::random_hex(24));
        sqlx::query("INSERT INTO tokens (hash, user_id, created) VALUES ($1, $2, $3)")
            .bind(crate::sha256_hex(token.as_bytes()))
            .bind(&user_id)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok((user_id, token))
    }

    /// The user id and name a token belongs to.
    pub async fn user_of_token(
        &self,
        token: &str,
    ) -> Result<Option<(String, String)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT users.id AS id, users.name AS name FROM tokens JOIN users ON users.id = tokens.user_id \
             WHERE tokens.hash = $1",
        )
        .bind(crate::sha256_hex(token.as_bytes()))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
            .transpose()
    }

    // ---- jobs ----

    pub async fn insert_job(&self, job: &NewJob<'_>) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO jobs (id, owner, kind, params, input, priority, state, progress, stage, cache_key, \
             cache_hit, cancel, created) VALUES ($1, $2, $3, $4, $5, $6, 'queued', 0, 'queued', $7, 0, 0, $8)",
        )
        .bind(job.id)
        .bind(job.owner)
        .bind(job.kind)
        .bind(job.params)
        .bind(job.input)
        .bind(job.priority)
        .bind(job.cache_key)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// A job answered from the cache: stored already done.
    pub async fn insert_cached_job(
        &self,
        job: &NewJob<'_>,
        artifacts: &str,
        summary: &str,
    ) -> Result<(), sqlx::Error> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO jobs (id, owner, kind, params, input, priority, state, progress, stage, cache_key, \
             artifacts, summary, cache_hit, cancel, created, started, finished) \
             VALUES ($1, $2, $3, $4, $5, $6, 'done', 1, 'done', $7, $8, $9, 1, 0, $10, $10, $10)",
        )
        .bind(job.id)
        .bind(job.owner)
        .bind(job.kind)
        .bind(job.params)
        .bind(job.input)
        .bind(job.priority)
        .bind(job.cache_key)
        .bind(artifacts)
        .bind(summary)
        .bind(now)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// The job `id` if `owner` owns it (any owner when None).
    pub async fn job(&self, id: &str, owner: Option<&str>) -> Result<Option<JobRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "{} WHERE jobs.id = $1",
            crate::library::named_jobs()
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let job = row.as_ref().map(job).transpose()?;
        Ok(job.filter(|j| owner.is_none_or(|o| o == j.owner)))
    }

    /// A user's jobs, newest first.
    pub async fn jobs_of(&self, owner: &str, limit: i64) -> Result<Vec<JobRow>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "{} WHERE jobs.owner = $1 ORDER BY jobs.created DESC, jobs.id DESC LIMIT $2",
            crate::library::named_jobs()
        ))
        .bind(owner)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(job).collect()
    }

    /// How many of a user's jobs are queued or running.
    pub async fn active_jobs(&self, owner: &str) -> Result<i64, sqlx::Error> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE owner = $1 AND state IN ('queued', 'running')",
        )
        .bind(owner)
        .fetch_one(&self.pool)
        .await?;
        row.try_get("n")
    }

    /// Queued jobs by kind and priority: the queue depth.
    pub async fn queue_depth(&self) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT kind, priority, COUNT(*) AS n FROM jobs WHERE state = 'queued' GROUP BY kind, priority",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("priority")?, r.try_get("n")?)))
            .collect()
    }

    /// Takes the oldest queued job of `priority` for `worker`, marking it running.
    pub async fn claim(&self, priority: &str, worker: &str) -> Result<Option<JobRow>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "UPDATE jobs SET state = 'running', stage = 'starting', worker = $1, started = $2 \
             WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND priority = $3 ORDER BY created, id LIMIT 1) \
             AND state = 'queued' RETURNING {JOB_COLUMNS}"
        ))
        .bind(worker)
        .bind(now_ms())
        .bind(priority)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(job).transpose()
    }

    /// Marks a queued job running (the distributed workers say so through the queue).
    pub async fn mark_running(&self, id: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE jobs SET state = 'running', stage = 'starting', started = $1 WHERE id = $2 AND state = 'queued'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Puts jobs left running by a process that stopped back in the queue (the embedded
    /// configuration, at start).
    pub async fn requeue_running(&self) -> Result<u64, sqlx::Error> {
        sqlx::query(
            "UPDATE jobs SET state = 'queued', stage = 'queued', progress = 0, worker = NULL, started = NULL \
             WHERE state = 'running'",
        )
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected())
    }

    pub async fn set_progress(
        &self,
        id: &str,
        progress: f64,
        stage: &str,
    ) -> Result<bool, sqlx::Error> {
        let row = sqlx::query(
            "UPDATE jobs SET progress = $1, stage = $2 WHERE id = $3 AND state = 'running' RETURNING cancel",
        )
        .bind(progress)
        .bind(stage)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        // Stop when the job was cancelled or is no longer running.
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("cancel")? == 0,
            None => false,
        })
    }

    /// Ends a running job once: true when this call ended it (a second result is dropped).
    pub async fn finish(
        &self,
        id: &str,
        state: &str,
        artifacts: Option<&str>,
        summary: Option<&str>,
        error: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE jobs SET state = $1, artifacts = $2, summary = $3, error = $4, finished = $5, \
             progress = CASE WHEN $1 = 'done' THEN 1 ELSE progress END, stage = $1 \
             WHERE id = $6 AND state IN ('queued', 'running')",
        )
        .bind(state)
        .bind(artifacts)
        .bind(summary)
        .bind(error)
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Cancels a job of `owner`: a queued one ends now, a running one is asked to stop at its
    /// next progress point. The job as it is afterwards.
    pub async fn cancel(&self, id: &str, owner: &str) -> Result<Option<JobRow>, sqlx::Error> {
        sqlx::query(
            "UPDATE jobs SET state = 'cancelled', stage = 'cancelled', finished = $1, cancel = 1 \
             WHERE id = $2 AND owner = $3 AND state = 'queued'",
        )
        .bind(now_ms())
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE jobs SET cancel = 1 WHERE id = $1 AND owner = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        self.job(id, Some(owner)).await
    }

    // ---- artifacts and the cache ----

    /// Records that `owner` may read the artifact `key` (again: no error).
    pub async fn own_artifact(&self, owner: &str, a: &ArtifactRow) -> Result<(), sqlx::Error> {
        let exists = self.artifact(&a.key, owner).await?.is_some();
        if exists {
            return Ok(());
        }
        let inserted = sqlx::query(
            "INSERT INTO artifacts (key, owner, name, size, content_type, gain, created) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&a.key)
        .bind(owner)
        .bind(&a.name)
        .bind(a.size)
        .bind(&a.content_type)
        .bind(a.gain)
        .bind(now_ms())
        .execute(&self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(()),
            // Two jobs storing the same content at once: the other insert won.
            Err(_) if self.artifact(&a.key, owner).await?.is_some() => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub async fn artifact(
        &self,
        key: &str,
        owner: &str,
    ) -> Result<Option<ArtifactRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT key, name, size, content_type, gain FROM artifacts WHERE key = $1 AND owner = $2",
        )
        .bind(key)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ArtifactRow {
                key: r.try_get("key")?,
                name: r.try_get("name")?,
                size: r.try_get("size")?,
                content_type: r.try_get("content_type")?,
                gain: r.try_get("gain")?,
            })
        })
        .transpose()
    }

    /// Bytes of artifacts a user keeps.
    pub async fn stored_bytes(&self, owner: &str) -> Result<i64, sqlx::Error> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS n FROM artifacts WHERE owner = $1",
        )
        .bind(owner)
        .fetch_one(&self.pool)
        .await?;
        row.try_get("n")
    }

    pub async fn cached(&self, key: &str) -> Result<Option<(String, String)>, sqlx::Error> {
        let row = sqlx::query("SELECT artifacts, summary FROM cache WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("artifacts")?, r.try_get("summary")?)))
            .transpose()
    }

    pub async fn cache(
        &self,
        key: &str,
        artifacts: &str,
        summary: &str,
    ) -> Result<(), sqlx::Error> {
        if self.cached(key).await?.is_some() {
            return Ok(());
        }
        let _ = sqlx::query(
            "INSERT INTO cache (key, artifacts, summary, created) VALUES ($1, $2, $3, $4)",
        )
        .bind(key)
        .bind(artifacts)
        .bind(summary)
        .bind(now_ms())
        .execute(&self.pool)
        .await;
        Ok(())
    }

    // ---- projects ----

    pub async fn create_project(
        &self,
        owner: &str,
        name: &str,
        graph: &str,
    ) -> Result<ProjectRow, sqlx::Error> {
        let id = crate::random_hex(8);
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO projects (id, owner, name, graph, revision, created, updated) VALUES ($1, $2, $3, $4, 1, $5, $5)",
        )
        .bind(&id)
        .bind(owner)
        .bind(name)
        .bind(graph)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO project_revisions (project_id, revision, name, graph, created) VALUES ($1, 1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(name)
        .bind(graph)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ProjectRow {
            id,
            owner: owner.into(),
            name: name.into(),
            graph: graph.into(),
            revision: 1,
            created: now,
            updated: now,
        })
    }

    pub async fn project(&self, id: &str, owner: &str) -> Result<Option<ProjectRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT id, owner, name, graph, revision, created, updated FROM projects WHERE id = $1 AND owner = $2",
        )
        .bind(id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(project).transpose()
    }

    pub async fn projects_of(&self, owner: &str) -> Result<Vec<ProjectRow>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, owner, name, graph, revision, created, updated FROM projects WHERE owner = $1 \
             ORDER BY updated DESC, id",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(project).collect()
    }

    /// Writes a new revision if the project is still at `based_on`.
    pub async fn update_project(
        &self,
        id: &str,
        owner: &str,
        based_on: i64,
        name: &str,
        graph: &str,
    ) -> Result<Updated, sqlx::Error> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE projects SET name = $1, graph = $2, revision = revision + 1, updated = $3 \
             WHERE id = $4 AND owner = $5 AND revision = $6",
        )
        .bind(name)
        .bind(graph)
        .bind(now)
        .bind(id)
        .bind(owner)
        .bind(based_on)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(match self.project(id, owner).await? {
                Some(p) => Updated::Stale {
                    current: p.revision,
                },
                None => Updated::Missing,
            });
        }
        sqlx::query(
            "INSERT INTO project_revisions (project_id, revision, name, graph, created) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(based_on + 1)
        .bind(name)
        .bind(graph)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(match self.project(id, owner).await? {
            Some(p) => Updated::Done(p),
            None => Updated::Missing,
        })
    }

    pub async fn delete_project(&self, id: &str, owner: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM projects WHERE id = $1 AND owner = $2")
            .bind(id)
            .bind(owner)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            sqlx::query("DELETE FROM project_revisions WHERE project_id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
        }
        Ok(done.rows_affected() == 1)
    }

    /// A project's revisions, newest first: (revision, name, graph, created).
    pub async fn revisions(
        &self,
        id: &str,
    ) -> Result<Vec<(i64, String, String, i64)>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT revision, name, graph, created FROM project_revisions WHERE project_id = $1 ORDER BY revision DESC",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("revision")?,
                    r.try_get("name")?,
                    r.try_get("graph")?,
                    r.try_get("created")?,
                ))
            })
            .collect()
    }
}
