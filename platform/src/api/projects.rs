//! /v1/projects: a project is a graph (a RON preset) with a name, an owner and a revision.
//! Updates carry the revision they are based on (`If-Match`); a stale one is refused with 409.
//! Every revision is kept and can be listed and restored.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::User;
use crate::db::{ProjectRow, Updated};
use crate::error::ApiError;
use crate::server::App;

/// The longest project name.
const MAX_NAME: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewProject {
    name: String,
    graph: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    name: Option<String>,
    graph: Option<String>,
}

fn view(p: &ProjectRow) -> Value {
    json!({"id": p.id, "name": p.name, "graph": p.graph, "revision": p.revision, "created": p.created, "updated": p.updated})
}

fn with_etag(status: StatusCode, p: &ProjectRow) -> Response {
    let mut response = (status, Json(view(p))).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", p.revision)) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}

/// A name and a graph yano can load: the graph is checked against every node kind.
fn check(name: &str, graph: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || name.len() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::BadParams(format!(
            "name: 1 to {MAX_NAME} printable characters"
        )));
    }
    if graph.contains('\0') {
        return Err(ApiError::BadParams("graph: a NUL character".into()));
    }
    let registry = yano_registry::registry();
    yano_engine::preset::parse_preset(graph, &registry, None)
        .map_err(|e| ApiError::BadParams(format!("graph: {e}")))?;
    Ok(())
}

async fn owned(app: &App, user: &User, id: &str) -> Result<ProjectRow, ApiError> {
    if !super::plausible_id(id) {
        return Err(ApiError::NotFound {
            what: "project",
            id: id.into(),
        });
    }
    app.db
        .project(id, &user.id)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "project",
            id: id.into(),
        })
}

pub async fn create(
    State(app): State<App>,
    user: User,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let new: NewProject = super::json_body(body, app.config.limits.json_bytes)?;
    check(&new.name, &new.graph)?;
    let project = app
        .db
        .create_project(&user.id, new.name.trim(), &new.graph)
        .await?;
    Ok(with_etag(StatusCode::CREATED, &project))
}

pub async fn list(State(app): State<App>, user: User) -> Result<Json<Value>, ApiError> {
    let projects = app.db.projects_of(&user.id).await?;
    let listed: Vec<Value> = projects
        .iter()
        .map(|p| json!({"id": p.id, "name": p.name, "revision": p.revision, "updated": p.updated}))
        .collect();
    Ok(Json(json!({"projects": listed})))
}

pub async fn get_one(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(with_etag(StatusCode::OK, &owned(&app, &user, &id).await?))
}

/// The revision an `If-Match` header names: `"3"`, `3` or `W/"3"`.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| ApiError::BadRequest("If-Match is not text".into()))?;
    let bare = text.trim().trim_start_matches("W/").trim_matches('"');
    bare.parse()
        .map(Some)
        .map_err(|_| ApiError::BadRequest(format!("If-Match {text:?} is not a revision number")))
}

async fn write(
    app: &App,
    user: &User,
    id: &str,
    based_on: i64,
    name: &str,
    graph: &str,
) -> Result<Response, ApiError> {
    match app
        .db
        .update_project(id, &user.id, based_on, name, graph)
        .await?
    {
        Updated::Done(p) => Ok(with_etag(StatusCode::OK, &p)),
        Updated::Stale { current } => Err(ApiError::StaleRevision {
            sent: based_on,
            current,
        }),
        Updated::Missing => Err(ApiError::NotFound {
            what: "project",
            id: id.into(),
        }),
    }
}

pub async fn update(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let current = owned(&app, &user, &id).await?;
    let based_on = if_match(&headers)?.ok_or(ApiError::NoRevision {
        current: current.revision,
    })?;
    let change: Change = super::json_body(body, app.config.limits.json_bytes)?;
    let name = change.name.unwrap_or(current.name);
    let graph = change.graph.unwrap_or(current.graph);
    check(&name, &graph)?;
    write(&app, &user, &id, based_on, name.trim(), &graph).await
}

pub async fn delete(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if super::plausible_id(&id) && app.db.delete_project(&id, &user.id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound {
            what: "project",
            id,
        })
    }
}

pub async fn revisions(
    State(app): State<App>,
    user: User,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    owned(&app, &user, &id).await?;
    let listed: Vec<Value> = app
        .db
        .revisions(&id)
        .await?
        .into_iter()
        .map(|(revision, name, graph, created)| json!({"revision": revision, "name": name, "graph": graph, "created": created}))
        .collect();
    Ok(Json(json!({"revisions": listed})))
}

/// Makes an earlier revision the newest (a new revision with its name and graph); `If-Match`,
/// when sent, must name the current revision.
pub async fn restore(
    State(app): State<App>,
    user: User,
    Path((id, revision)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let current = owned(&app, &user, &id).await?;
    let revision: i64 = revision.parse().map_err(|_| ApiError::NotFound {
        what: "revision",
        id: revision.clone(),
    })?;
    let based_on = if_match(&headers)?.unwrap_or(current.revision);
    let (_, name, graph, _) = app
        .db
        .revisions(&id)
        .await?
        .into_iter()
        .find(|r| r.0 == revision)
        .ok_or_else(|| ApiError::NotFound {
            what: "revision",
            id: revision.to_string(),
        })?;
    write(&app, &user, &id, based_on, &name, &graph).await
}
