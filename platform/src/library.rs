//! A user's library, as the web app shows it: the names given to jobs and uploads, jobs and
//! uploads removed from it, and feedback on tracks. Feedback is stored with a copy of the job's
//! kind, parameters and summary, so it outlives the job (it is the raw material for learning
//! from feedback later).

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::Db;
use crate::now_ms;

/// The tables of the library (made with the rest of the schema).
pub const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS names (owner TEXT NOT NULL, item TEXT NOT NULL, name TEXT NOT NULL, \
     PRIMARY KEY (owner, item))",
    "CREATE TABLE IF NOT EXISTS feedback (job_id TEXT NOT NULL, owner TEXT NOT NULL, \
     rating BIGINT NOT NULL, cultural_accuracy BIGINT NOT NULL, musical_quality BIGINT NOT NULL, \
     suggestions TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL, summary TEXT, \
     updated BIGINT NOT NULL, PRIMARY KEY (job_id, owner))",
];

/// The start of a query of jobs with the names their owners gave them (a join, not a subquery:
/// SQLite gives a subquery's column no type, and sqlx's Any driver then reads it as NULL).
pub fn named_jobs() -> String {
    let columns: Vec<String> = crate::db::JOB_COLUMNS
        .split(',')
        .map(|c| format!("jobs.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, names.name AS name FROM jobs \
         LEFT JOIN names ON names.owner = jobs.owner AND names.item = jobs.id",
        columns.join(", ")
    )
}

/// What a listener said about a track: each score from 1 to 5.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    pub rating: i64,
    pub cultural_accuracy: i64,
    pub musical_quality: i64,
    #[serde(default)]
    pub suggestions: String,
}

/// The longest suggestions kept, in characters.
pub const MAX_SUGGESTIONS: usize = 2000;
/// The longest name, in characters.
pub const MAX_NAME: usize = 200;

impl Feedback {
    /// What is wrong with it, named, if anything.
    pub fn problem(&self) -> Option<String> {
        for (field, value) in [
            ("rating", self.rating),
            ("cultural_accuracy", self.cultural_accuracy),
            ("musical_quality", self.musical_quality),
        ] {
            if !(1..=5).contains(&value) {
                return Some(format!("{field} is {value}; it must be 1 to 5"));
            }
        }
        let n = self.suggestions.chars().count();
        (n > MAX_SUGGESTIONS)
            .then(|| format!("suggestions has {n} characters; at most {MAX_SUGGESTIONS}"))
    }
}

/// Feedback as stored, with when it was last changed.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFeedback {
    pub job_id: String,
    #[serde(flatten)]
    pub feedback: Feedback,
    pub updated: i64,
}

/// An upload in the library.
#[derive(Debug, Clone, Serialize)]
pub struct Upload {
    pub key: String,
    /// The name its owner gave it, or the name it was stored under ("upload.wav").
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub created: i64,
}

/// A name as the library keeps it: trimmed, at most [`MAX_NAME`] characters, no control
/// characters; the problem, named, otherwise.
pub fn clean_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    if name.chars().any(char::is_control) {
        return Err("the name has control characters".into());
    }
    let n = name.chars().count();
    if n > MAX_NAME {
        return Err(format!("the name has {n} characters; at most {MAX_NAME}"));
    }
    Ok(name.to_string())
}

impl Db {
    /// Gives `item` (a job id or an upload key of `owner`) a name.
    pub async fn set_name(&self, owner: &str, item: &str, name: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO names (owner, item, name) VALUES ($1, $2, $3) \
             ON CONFLICT (owner, item) DO UPDATE SET name = excluded.name",
        )
        .bind(owner)
        .bind(item)
        .bind(name)
        .execute(&self.pool)
        .await
        .map(|_| ())
    }

    /// Removes an ended job of `owner` from the library, and the artifacts only it kept (an
    /// artifact another of the owner's jobs lists, or an upload, stays). Whether it was removed.
    pub async fn remove_job(&self, id: &str, owner: &str) -> Result<bool, sqlx::Error> {
        let Some(job) = self.job(id, Some(owner)).await? else {
            return Ok(false);
        };
        let done = sqlx::query(
            "DELETE FROM jobs WHERE id = $1 AND owner = $2 \
             AND state IN ('done', 'failed', 'cancelled')",
        )
        .bind(id)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM names WHERE owner = $1 AND item = $2")
            .bind(owner)
            .bind(id)
            .execute(&self.pool)
            .await?;
        let artifacts: Vec<crate::worker::Artifact> = job
            .artifacts
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        let keys: Vec<&str> = artifacts.iter().map(|a| a.key.as_str()).collect();
        self.release_unreferenced(owner, &keys).await?;
        Ok(true)
    }

    /// Drops `owner`'s claim on each artifact of `keys` that none of their jobs lists (an upload
    /// stays): after a job is removed, or when a job's result was recorded for nothing.
    pub async fn release_unreferenced(
        &self,
        owner: &str,
        keys: &[&str],
    ) -> Result<(), sqlx::Error> {
        for key in keys {
            let pattern = format!("%{key}%");
            let still = sqlx::query(
                "SELECT COUNT(*) AS n FROM jobs WHERE owner = $1 AND artifacts LIKE $2",
            )
            .bind(owner)
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await?
            .try_get::<i64, _>("n")?;
            if still == 0 {
                sqlx::query(
                    "DELETE FROM artifacts WHERE key = $1 AND owner = $2 AND name NOT LIKE 'upload.%'",
                )
                .bind(*key)
                .bind(owner)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Stores (or replaces) `owner`'s feedback on a job, with a copy of the job's kind,
    /// parameters and summary.
    pub async fn put_feedback(
        &self,
        job: &crate::db::JobRow,
        owner: &str,
        feedback: &Feedback,
    ) -> Result<StoredFeedback, sqlx::Error> {
        let updated = now_ms();
        sqlx::query(
            "INSERT INTO feedback (job_id, owner, rating, cultural_accuracy, musical_quality, \
             suggestions, kind, params, summary, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (job_id, owner) DO UPDATE SET rating = excluded.rating, \
             cultural_accuracy = excluded.cultural_accuracy, musical_quality = excluded.musical_quality, \
             suggestions = excluded.suggestions, updated = excluded.updated",
        )
        .bind(&job.id)
        .bind(owner)
        .bind(feedback.rating)
        .bind(feedback.cultural_accuracy)
        .bind(feedback.musical_quality)
        .bind(&feedback.suggestions)
        .bind(&job.kind)
        .bind(&job.params)
        .bind(job.summary.as_deref())
        .bind(updated)
        .execute(&self.pool)
        .await?;
        Ok(StoredFeedback {
            job_id: job.id.clone(),
            feedback: feedback.clone(),
            updated,
        })
    }

    /// `owner`'s feedback on a job, with the job's parameters as they were when it was given.
    pub async fn feedback(
        &self,
        job_id: &str,
        owner: &str,
    ) -> Result<Option<(StoredFeedback, String)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT rating, cultural_accuracy, musical_quality, suggestions, params, updated \
             FROM feedback WHERE job_id = $1 AND owner = $2",
        )
        .bind(job_id)
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                StoredFeedback {
                    job_id: job_id.to_string(),
                    feedback: Feedback {
                        rating: r.try_get("rating")?,
                        cultural_accuracy: r.try_get("cultural_accuracy")?,
                        musical_quality: r.try_get("musical_quality")?,
                        suggestions: r.try_get("suggestions")?,
                    },
                    updated: r.try_get("updated")?,
                },
                r.try_get("params")?,
            ))
        })
        .transpose()
    }

    /// `owner`'s uploads, newest first.
    pub async fn uploads_of(&self, owner: &str) -> Result<Vec<Upload>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT a.key, a.name, a.size, a.content_type, a.created, n.name AS given \
             FROM artifacts a LEFT JOIN names n ON n.owner = a.owner AND n.item = a.key \
             WHERE a.owner = $1 AND a.name LIKE 'upload.%' \
             ORDER BY a.created DESC, a.key",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let given: Option<String> = r.try_get("given")?;
                Ok(Upload {
                    key: r.try_get("key")?,
                    name: match given {
                        Some(g) => g,
                        None => r.try_get("name")?,
                    },
                    size: r.try_get("size")?,
                    content_type: r.try_get("content_type")?,
                    created: r.try_get("created")?,
                })
            })
            .collect()
    }

    /// Removes an upload from `owner`'s library (the stored bytes stay while another owner, or
    /// a job's result with the same content, keeps them). Whether it was there.
    pub async fn remove_upload(&self, key: &str, owner: &str) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "DELETE FROM artifacts WHERE key = $1 AND owner = $2 AND name LIKE 'upload.%'",
        )
        .bind(key)
        .bind(owner)
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM names WHERE owner = $1 AND item = $2")
            .bind(owner)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
