//! The library routes the web app needs beside the jobs: who am I, renaming and removing jobs
//! and uploads, listing uploads, and feedback on a track.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::User;
use crate::error::ApiError;
use crate::library::{clean_name, Feedback};
use crate::server::App;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rename {
    name: String,
}

/// `GET /v1/me`: the user the token belongs to (the web app's sign-in check).
pub async fn me(user: User) -> Json<Value> {
    Json(json!({"id": user.id, "name": user.name}))
}

fn job_not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        what: "job",
        id: id.into(),
    }
}

async fn owned_job(app: &App, user: &User, id: &str) -> Result<crate::db::JobRow, ApiError> {
    if !super::plausible_id(id) {
        return Err(job_not_found(id));
    }
    app.db
        .job(id, Some(&user.id))
        .await?
        .ok_or_else(|| job_not_found(id))
}

/// `PATCH /v1/jobs/{id}` `{name}`: renames a job in the library.
pub async fn rename_job(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let request: Rename = super::json_body(body, app.config.limits.json_bytes)?;
    let name = clean_name(&request.name).map_err(ApiError::BadParams)?;
    owned_job(&app, &user, &id).await?;
    app.db.set_name(&user.id, &id, &name).await?;
    let job = owned_job(&app, &user, &id).await?;
    Ok(Json(super::jobs::view(&job)))
}

/// Removes an ended job from the library (`DELETE /v1/jobs/{id}` on a job that has ended).
pub async fn remove_job(app: &App, user: &User, id: &str) -> Result<Json<Value>, ApiError> {
    if app.db.remove_job(id, &user.id).await? {
        Ok(Json(json!({"id": id, "removed": true})))
    } else {
        Err(job_not_found(id))
    }
}

/// `PUT /v1/jobs/{id}/feedback`: stores (or replaces) the user's feedback on an ended job.
pub async fn put_feedback(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let feedback: Feedback = super::json_body(body, app.config.limits.json_bytes)?;
    if let Some(problem) = feedback.problem() {
        return Err(ApiError::BadParams(problem));
    }
    let job = owned_job(&app, &user, &id).await?;
    if job.state != "done" {
        return Err(ApiError::NotReady {
            id,
            state: job.state,
        });
    }
    let stored = app.db.put_feedback(&job, &user.id, &feedback).await?;
    Ok(Json(serde_json::to_value(stored).unwrap_or(Value::Null)))
}

/// `GET /v1/jobs/{id}/feedback`: the user's feedback on a job, with the parameters it was made
/// with.
pub async fn get_feedback(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if !super::plausible_id(&id) {
        return Err(job_not_found(&id));
    }
    let (stored, params) =
        app.db
            .feedback(&id, &user.id)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                what: "feedback on job",
                id: id.clone(),
            })?;
    let mut body = serde_json::to_value(stored).unwrap_or(Value::Null);
    body["params"] = serde_json::from_str(&params).unwrap_or(Value::Null);
    Ok(Json(body))
}

fn upload_not_found(key: &str) -> ApiError {
    ApiError::NotFound {
        what: "upload",
        id: key.into(),
    }
}

/// `GET /v1/uploads`: the user's uploads, newest first.
pub async fn list_uploads(State(app): State<App>, user: User) -> Result<Json<Value>, ApiError> {
    let uploads = app.db.uploads_of(&user.id).await?;
    Ok(Json(json!({"uploads": uploads})))
}

/// `PATCH /v1/uploads/{key}` `{name}`: renames an upload in the library.
pub async fn rename_upload(
    State(app): State<App>,
    user: User,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let request: Rename = super::json_body(body, app.config.limits.json_bytes)?;
    let name = clean_name(&request.name).map_err(ApiError::BadParams)?;
    if !crate::store::valid_key(&key) {
        return Err(upload_not_found(&key));
    }
    let mut upload = app
        .db
        .uploads_of(&user.id)
        .await?
        .into_iter()
        .find(|u| u.key == key)
        .ok_or_else(|| upload_not_found(&key))?;
    app.db.set_name(&user.id, &key, &name).await?;
    upload.name = name;
    Ok(Json(serde_json::to_value(upload).unwrap_or(Value::Null)))
}

/// `DELETE /v1/uploads/{key}`: removes an upload from the library.
pub async fn delete_upload(
    State(app): State<App>,
    user: User,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    if crate::store::valid_key(&key) && app.db.remove_upload(&key, &user.id).await? {
        Ok((StatusCode::OK, Json(json!({"key": key, "removed": true}))).into_response())
    } else {
        Err(upload_not_found(&key))
    }
}
