//! The API's errors: each a status, a stable code and a message that names the problem, answered
//! as `{"error": {"code": …, "message": …}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApiError {
    #[error("no bearer token: send `Authorization: Bearer <token>` (yano token create NAME)")]
    NoToken,
    #[error("the bearer token is not known")]
    BadToken,
    #[error("{what} {id:?} was not found")]
    NotFound { what: &'static str, id: String },
    #[error("the body is not valid JSON: {0}")]
    BadJson(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("unknown job kind {0:?}: expected generate, separate, analyze, transcribe, amapianorize or render")]
    UnknownKind(String),
    #[error("{0}")]
    BadParams(String),
    #[error("the upload is not audio yano can read: {0}")]
    BadAudio(String),
    #[error("the body is larger than the {limit} bytes allowed")]
    TooLarge { limit: u64 },
    #[error("the revision {sent} is stale: the project is at revision {current}")]
    StaleRevision { sent: i64, current: i64 },
    #[error("updating a project needs `If-Match: <revision>` (its current revision is {current})")]
    NoRevision { current: i64 },
    #[error("too many requests: at most {per_minute} a minute")]
    RateLimited { per_minute: u32 },
    #[error("{0}")]
    Quota(String),
    #[error("the job {id} has no result yet (it is {state})")]
    NotReady { id: String, state: String },
    #[error("the range {0:?} cannot be served")]
    BadRange(String),
    #[error("the server failed: {0}")]
    Internal(String),
    #[error("the server is not ready: {0}")]
    Unavailable(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NoToken | ApiError::BadToken => StatusCode::UNAUTHORIZED,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::BadJson(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnknownKind(_) | ApiError::BadParams(_) | ApiError::BadAudio(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::StaleRevision { .. } | ApiError::NotReady { .. } => StatusCode::CONFLICT,
            ApiError::NoRevision { .. } => StatusCode::PRECONDITION_REQUIRED,
            ApiError::RateLimited { .. } | ApiError::Quota(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadRange(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NoToken => "no_token",
            ApiError::BadToken => "bad_token",
            ApiError::NotFound { .. } => "not_found",
            ApiError::BadJson(_) => "bad_json",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::UnknownKind(_) => "unknown_kind",
            ApiError::BadParams(_) => "bad_params",
            ApiError::BadAudio(_) => "bad_audio",
            ApiError::TooLarge { .. } => "too_large",
            ApiError::StaleRevision { .. } => "stale_revision",
            ApiError::NoRevision { .. } => "revision_required",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Quota(_) => "quota",
            ApiError::NotReady { .. } => "not_ready",
            ApiError::BadRange(_) => "bad_range",
            ApiError::Internal(_) => "internal",
            ApiError::Unavailable(_) => "unavailable",
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(e.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::Internal(format!("database: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!(code = self.code(), "{self}");
        } else {
            tracing::debug!(code = self.code(), "{self}");
        }
        let body = serde_json::json!({"error": {"code": self.code(), "message": self.to_string()}});
        (self.status(), axum::Json(body)).into_response()
    }
}
