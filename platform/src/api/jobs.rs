//! /v1/jobs: queue a job, read it, list them, cancel one (or remove an ended one from the
//! library), follow progress over a WebSocket.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::User;
use crate::db::{JobRow, NewJob};
use crate::error::ApiError;
use crate::events::JobEvent;
use crate::queue::Priority;
use crate::server::App;
use crate::worker::Artifact;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateJob {
    kind: String,
    #[serde(default)]
    input: Option<String>,
    #[serde(default)]
    params: Value,
    #[serde(default)]
    priority: Option<String>,
}

/// A job as the API shows it.
pub fn view(job: &JobRow) -> Value {
    let artifacts: Vec<Artifact> = job
        .artifacts
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok())
        .unwrap_or_default();
    let parse = |text: &str| serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
    json!({
        "id": job.id,
        "name": job.name,
        "kind": job.kind,
        "state": job.state,
        "priority": job.priority,
        "progress": job.progress,
        "stage": job.stage,
        "params": parse(&job.params),
        "input": job.input,
        "artifacts": artifacts,
        "summary": job.summary.as_deref().map(parse),
        "error": job.error,
        "cache_hit": job.cache_hit,
        "created": job.created,
        "started": job.started,
        "finished": job.finished,
    })
}

pub async fn create(
    State(app): State<App>,
    user: User,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: CreateJob = super::json_body(body, app.config.limits.json_bytes)?;
    let kind =
        yano_jobs::Kind::parse(&request.kind).ok_or(ApiError::UnknownKind(request.kind.clone()))?;
    let priority = match request.priority.as_deref() {
        None => Priority::Normal,
        Some(p) => Priority::parse(p).ok_or_else(|| {
            ApiError::BadParams(format!("priority {p:?}: expected high, normal or low"))
        })?,
    };
    if !(request.params.is_object() || request.params.is_null()) {
        return Err(ApiError::BadParams("params must be a JSON object".into()));
    }
    if let Some(key) = &request.input {
        if !crate::store::valid_key(key) || app.db.artifact(key, &user.id).await?.is_none() {
            return Err(ApiError::NotFound {
                what: "input artifact",
                id: key.clone(),
            });
        }
    }
    let params = request.params.clone();
    let has_input = request.input.is_some();
    tokio::task::spawn_blocking(move || yano_jobs::check(kind, &params, has_input))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::BadParams(e.to_string()))?;
    let active = app.db.active_jobs(&user.id).await?;
    if active >= i64::from(app.config.limits.active_jobs) {
        return Err(ApiError::Quota(format!(
            "{active} jobs are queued or running: at most {} at once",
            app.config.limits.active_jobs
        )));
    }
    let stored = app.db.stored_bytes(&user.id).await?;
    if stored as u64 >= app.config.limits.stored_bytes {
        return Err(ApiError::Quota(format!(
            "{stored} bytes stored: at most {} (delete some before making more)",
            app.config.limits.stored_bytes
        )));
    }
    let cache_key = crate::cache::key(kind.name(), &request.params, request.input.as_deref());
    let id = crate::random_hex(12);
    let params_text = request.params.to_string();
    let new = NewJob {
        id: &id,
        owner: &user.id,
        kind: kind.name(),
        params: &params_text,
        input: request.input.as_deref(),
        priority: priority.name(),
        cache_key: &cache_key,
    };
    if let Some((artifacts, summary)) = app.db.cached(&cache_key).await? {
        app.db.insert_cached_job(&new, &artifacts, &summary).await?;
        let listed: Vec<Artifact> = serde_json::from_str(&artifacts).unwrap_or_default();
        for a in listed {
            app.db.own_artifact(&user.id, &a.row()).await?;
        }
        app.metrics
            .cache_hits
            .with_label_values(&[kind.name()])
            .inc();
        tracing::info!(%id, kind = kind.name(), "answered from the cache");
        let body = json!({"id": id, "state": "done", "cache_hit": true});
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    }
    app.metrics
        .cache_misses
        .with_label_values(&[kind.name()])
        .inc();
    app.db.insert_job(&new).await?;
    if let Some(queue) = &app.queue {
        let input_name = match &request.input {
            Some(key) => app.db.artifact(key, &user.id).await?.map(|a| a.name),
            None => None,
        };
        let message = crate::redis_queue::JobMessage {
            id: id.clone(),
            owner: user.id.clone(),
            kind: kind.name().into(),
            params: params_text.clone(),
            input: request.input.clone(),
            input_name,
            priority: priority.name().into(),
            cache_key: cache_key.clone(),
        };
        if let Err(e) = queue.enqueue(&message).await {
            let reason = format!("cannot queue: {e}");
            let _ = app
                .db
                .finish(&id, "failed", None, None, Some(&reason))
                .await;
            return Err(ApiError::Unavailable(format!("the queue: {e}")));
        }
    }
    app.queued.notify_one();
    tracing::info!(%id, kind = kind.name(), priority = priority.name(), "queued");
    let body = json!({"id": id, "state": "queued", "cache_hit": false});
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

async fn owned(app: &App, user: &User, id: &str) -> Result<JobRow, ApiError> {
    if !super::plausible_id(id) {
        return Err(ApiError::NotFound {
            what: "job",
            id: id.into(),
        });
    }
    app.db
        .job(id, Some(&user.id))
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "job",
            id: id.into(),
        })
}

pub async fn get_one(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(view(&owned(&app, &user, &id).await?)))
}

pub async fn list(State(app): State<App>, user: User) -> Result<Json<Value>, ApiError> {
    let jobs = app.db.jobs_of(&user.id, 200).await?;
    Ok(Json(
        json!({"jobs": jobs.iter().map(view).collect::<Vec<_>>()}),
    ))
}

pub async fn cancel(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !super::plausible_id(&id) {
        return Err(ApiError::NotFound { what: "job", id });
    }
    let ended = app
        .db
        .job(&id, Some(&user.id))
        .await?
        .is_some_and(|j| matches!(j.state.as_str(), "done" | "failed" | "cancelled"));
    if ended {
        return super::library::remove_job(&app, &user, &id).await;
    }
    let job = app
        .db
        .cancel(&id, &user.id)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "job",
            id: id.clone(),
        })?;
    if let Some(queue) = &app.queue {
        if job.state == "running" || job.state == "cancelled" {
            queue
                .cancel(&id)
                .await
                .map_err(|e| ApiError::Unavailable(format!("the queue: {e}")))?;
        }
    }
    if job.state == "cancelled" {
        app.events.send(snapshot(&job));
    }
    Ok(Json(view(&job)))
}

fn snapshot(job: &JobRow) -> JobEvent {
    JobEvent {
        id: job.id.clone(),
        owner: job.owner.clone(),
        kind: job.kind.clone(),
        state: job.state.clone(),
        progress: job.progress,
        stage: job.stage.clone(),
        error: job.error.clone(),
    }
}

type Upgrade = Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>;

fn upgrade(ws: Upgrade) -> Result<WebSocketUpgrade, ApiError> {
    ws.map(|ws| ws.protocols([crate::auth::WS_PROTOCOL]))
        .map_err(|e| ApiError::BadRequest(format!("this path speaks WebSocket: {e}")))
}

/// Progress of one job: its state now, then every change until it ends.
pub async fn events_of_job(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
    ws: Upgrade,
) -> Result<Response, ApiError> {
    let ws = upgrade(ws)?;
    let job = owned(&app, &user, &id).await?;
    let receiver = app.events.subscribe();
    Ok(ws.on_upgrade(move |socket| {
        forward(socket, receiver, Some(snapshot(&job)), move |e| e.id == id)
    }))
}

/// Progress of every job of the user, as long as the socket is open.
pub async fn events_of_user(
    State(app): State<App>,
    user: User,
    ws: Upgrade,
) -> Result<Response, ApiError> {
    let ws = upgrade(ws)?;
    let receiver = app.events.subscribe();
    let owner = user.id;
    Ok(ws.on_upgrade(move |socket| forward(socket, receiver, None, move |e| e.owner == owner)))
}

async fn forward(
    mut socket: WebSocket,
    mut receiver: tokio::sync::broadcast::Receiver<JobEvent>,
    first: Option<JobEvent>,
    wanted: impl Fn(&JobEvent) -> bool,
) {
    let one_job = first.is_some();
    if let Some(event) = first {
        let done = event.finished();
        if send(&mut socket, &event).await.is_err() || done {
            let _ = socket.send(Message::Close(None)).await;
            return;
        }
    }
    loop {
        tokio::select! {
            got = receiver.recv() => match got {
                Ok(event) if wanted(&event) => {
                    if send(&mut socket, &event).await.is_err() {
                        return;
                    }
                    if one_job && event.finished() {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    let note = json!({"lagged": missed}).to_string();
                    if socket.send(Message::Text(note.into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn send(socket: &mut WebSocket, event: &JobEvent) -> Result<(), axum::Error> {
    let text = serde_json::to_string(event).unwrap_or_default();
    socket.send(Message::Text(text.into())).await
}
