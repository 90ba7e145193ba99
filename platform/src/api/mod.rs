//! The HTTP API: routes, the JSON every handler reads (named errors for bad JSON), health,
//! readiness, metrics and the OpenAPI document.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::Router;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::server::App;

pub mod artifacts;
pub mod jobs;
pub mod library;
pub mod projects;

/// The OpenAPI 3 document, served at /openapi.json.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Every route, with its methods: what the OpenAPI document must describe (a test checks both).
pub const ROUTES: &[(&str, &[&str])] = &[
    ("/healthz", &["get"]),
    ("/readyz", &["get"]),
    ("/metrics", &["get"]),
    ("/openapi.json", &["get"]),
    ("/v1/jobs", &["get", "post"]),
    ("/v1/me", &["get"]),
    ("/v1/jobs/{id}", &["get", "patch", "delete"]),
    ("/v1/jobs/{id}/feedback", &["get", "put"]),
    ("/v1/jobs/{id}/events", &["get"]),
    ("/v1/events", &["get"]),
    ("/v1/uploads", &["get", "post"]),
    ("/v1/uploads/{key}", &["patch", "delete"]),
    ("/v1/artifacts/{key}", &["get"]),
    ("/v1/projects", &["get", "post"]),
    ("/v1/projects/{id}", &["get", "put", "delete"]),
    ("/v1/projects/{id}/revisions", &["get"]),
    ("/v1/projects/{id}/revisions/{revision}/restore", &["post"]),
];

pub fn router(app: App) -> Router {
    let upload_limit = app.config.limits.upload_bytes as usize;
    let json_limit = app.config.limits.json_bytes;
    let api = Router::new()
        .route("/v1/jobs", post(jobs::create).get(jobs::list))
        .route("/v1/me", get(library::me))
        .route(
            "/v1/jobs/{id}",
            get(jobs::get_one)
                .patch(library::rename_job)
                .delete(jobs::cancel),
        )
        .route(
            "/v1/jobs/{id}/feedback",
            get(library::get_feedback).put(library::put_feedback),
        )
        .route(
            "/v1/uploads/{key}",
            patch(library::rename_upload).delete(library::delete_upload),
        )
        .route("/v1/jobs/{id}/events", get(jobs::events_of_job))
        .route("/v1/events", get(jobs::events_of_user))
        .route("/v1/artifacts/{key}", get(artifacts::get_one))
        .route("/v1/projects", post(projects::create).get(projects::list))
        .route(
            "/v1/projects/{id}",
            get(projects::get_one)
                .put(projects::update)
                .delete(projects::delete),
        )
        .route("/v1/projects/{id}/revisions", get(projects::revisions))
        .route(
            "/v1/projects/{id}/revisions/{revision}/restore",
            post(projects::restore),
        )
        .layer(DefaultBodyLimit::max(json_limit));
    let uploads = Router::new()
        .route(
            "/v1/uploads",
            post(artifacts::upload).get(library::list_uploads),
        )
        .layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .merge(api)
        .merge(uploads)
        .fallback(crate::web::serve)
        .layer(middleware::from_fn_with_state(
            app.clone(),
            refuse_oversized,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), count))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            ApiError::Internal("a handler panicked; the server goes on".into()).into_response()
        }))
        .with_state(app)
}

/// The most of an oversized body read (and dropped) before it is refused.
const DRAIN_MAX: u64 = 64 << 20;

/// Refuses a body whose Content-Length is over its route's limit with a named 413, after reading
/// and dropping what the client sends (up to [`DRAIN_MAX`]): a client still sending then reads
/// the answer, where closing at once would show it a reset connection instead.
async fn refuse_oversized(State(app): State<App>, request: Request, next: Next) -> Response {
    use futures::StreamExt;
    let limit = if request.uri().path() == "/v1/uploads" {
        app.config.limits.upload_bytes
    } else {
        app.config.limits.json_bytes as u64
    };
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match length {
        Some(n) if n > limit => {
            if n <= DRAIN_MAX {
                let mut body = request.into_body().into_data_stream();
                while let Some(Ok(_)) = body.next().await {}
            }
            ApiError::TooLarge { limit }.into_response()
        }
        _ => next.run(request).await,
    }
}

/// Counts responses by status class.
async fn count(State(app): State<App>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let class = format!("{}xx", response.status().as_u16() / 100);
    app.metrics
        .requests
        .with_label_values(&[class.as_str()])
        .inc();
    response
}

async fn ready(State(app): State<App>) -> Result<&'static str, ApiError> {
    app.db
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("database: {e}")))?;
    app.store
        .ping()
        .await
        .map_err(|e| ApiError::Unavailable(format!("store: {e}")))?;
    if let Some(queue) = &app.queue {
        queue
            .ping()
            .await
            .map_err(|e| ApiError::Unavailable(format!("queue: {e}")))?;
    }
    Ok("ready")
}

async fn metrics(State(app): State<App>) -> Response {
    if let Some(queue) = &app.queue {
        if let Ok(n) = queue.workers_alive().await {
            app.metrics.workers_alive.set(n);
        }
    }
    if let Ok(depth) = app.db.queue_depth().await {
        app.metrics.queue_depth.reset();
        for (kind, priority, n) in depth {
            app.metrics
                .queue_depth
                .with_label_values(&[kind.as_str(), priority.as_str()])
                .set(n);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Whether `id` can be one of ours (lowercase hex, as `random_hex` makes them): anything else is
/// answered "not found" before it reaches the database.
pub fn plausible_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A JSON body read by hand, so every way it can be wrong is a named 4xx.
pub fn json_body<T: DeserializeOwned>(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
    limit: usize,
) -> Result<T, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge {
                limit: limit as u64,
            }
        } else {
            ApiError::BadRequest(format!("the body cannot be read: {e}"))
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::BadParams(e.to_string()),
        _ => ApiError::BadJson(e.to_string()),
    })
}
