//! /v1/uploads and /v1/artifacts: audio in (sniffed and decoded before it is accepted), results
//! out (whole or by byte range, FLAC as stored or WAV as asked).

use std::ops::Range;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::auth::User;
use crate::db::ArtifactRow;
use crate::error::ApiError;
use crate::server::App;
use crate::store::StoreError;

/// The longest upload decoded: 30 minutes.
const MAX_UPLOAD_SECONDS: f64 = 1800.0;

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::BadKey(key) | StoreError::Missing(key) => ApiError::NotFound {
            what: "artifact",
            id: key,
        },
        StoreError::Failed(m) => ApiError::Internal(m),
    }
}

pub async fn upload(
    State(app): State<App>,
    user: User,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let limit = app.config.limits.upload_bytes;
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge { limit }
        } else {
            ApiError::BadRequest(format!("the upload cannot be read: {e}"))
        }
    })?;
    if bytes.is_empty() {
        return Err(ApiError::BadAudio("the body is empty".into()));
    }
    let stored = app.db.stored_bytes(&user.id).await? as u64;
    if stored + bytes.len() as u64 > app.config.limits.stored_bytes {
        return Err(ApiError::Quota(format!(
            "{stored} bytes stored and {} more uploaded: at most {}",
            bytes.len(),
            app.config.limits.stored_bytes
        )));
    }
    let checked = bytes.clone();
    let heard = tokio::task::spawn_blocking(move || {
        crate::audio::check_upload(&checked, MAX_UPLOAD_SECONDS)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::BadAudio)?;
    let size = bytes.len() as i64;
    let key = app.store.put(bytes).await.map_err(store_error)?;
    let row = ArtifactRow {
        key: key.clone(),
        name: format!("upload.{}", heard.format),
        size,
        content_type: format!(
            "audio/{}",
            if heard.format == "mp3" {
                "mpeg"
            } else {
                heard.format
            }
        ),
        gain: 1.0,
    };
    app.db.own_artifact(&user.id, &row).await?;
    let body = json!({
        "key": key,
        "name": row.name,
        "size": size,
        "format": heard.format,
        "sample_rate": heard.sample_rate,
        "channels": heard.channels,
        "seconds": heard.seconds,
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wanted {
    /// wav or flac (the stored form when left out).
    format: Option<String>,
}

pub async fn get_one(
    State(app): State<App>,
    user: User,
    Path(key): Path<String>,
    query: Result<Query<Wanted>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Query(wanted) = query.map_err(|e| ApiError::BadParams(e.body_text()))?;
    let not_found = || ApiError::NotFound {
        what: "artifact",
        id: key.clone(),
    };
    if !crate::store::valid_key(&key) {
        return Err(not_found());
    }
    let row = app
        .db
        .artifact(&key, &user.id)
        .await?
        .ok_or_else(not_found)?;
    let stored_flac = row.content_type == "audio/flac";
    let stored_wav = row.content_type == "audio/wav";
    let convert = match wanted.format.as_deref() {
        None => None,
        Some("flac") if stored_flac => None,
        Some("wav") if stored_wav => None,
        Some("wav") if stored_flac => Some("wav"),
        Some("flac") if stored_wav => Some("flac"),
        Some(f @ ("wav" | "flac")) => {
            return Err(ApiError::BadParams(format!(
                "the artifact {key} ({}) is not audio that can be served as {f}",
                row.content_type
            )))
        }
        Some(other) => {
            return Err(ApiError::BadParams(format!(
                "format {other:?}: expected wav or flac"
            )))
        }
    };
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (content_type, name) = match convert {
        Some(f) => (format!("audio/{f}"), swap_extension(&row.name, f)),
        None => (row.content_type.clone(), row.name.clone()),
    };
    // Converted audio is made whole in memory; stored bytes are read by range from the store.
    let whole = match convert {
        Some(f) => {
            let stored = app.store.get(&key).await.map_err(store_error)?;
            let gain = row.gain;
            let made = tokio::task::spawn_blocking(move || match f {
                "wav" => crate::audio::flac_to_wav(&stored, gain),
                _ => crate::audio::wav_to_flac(&stored).and_then(|f| {
                    f.filter(|(_, g)| *g == 1.0)
                        .map(|(bytes, _)| bytes)
                        .ok_or_else(|| "this WAV has no FLAC at its own level".into())
                }),
            })
            .await
            .map_err(ApiError::internal)?
            .map_err(|e| ApiError::Internal(format!("converting {key}: {e}")))?;
            Some(Bytes::from(made))
        }
        None => None,
    };
    let size = match &whole {
        Some(b) => b.len() as u64,
        None => app.store.size(&key).await.map_err(store_error)?,
    };
    let wanted_range = match range.as_deref() {
        Some(text) => match parse_range(text, size) {
            Some(Ok(r)) => Some(r),
            Some(Err(())) => {
                let mut response = ApiError::BadRange(text.to_string()).into_response();
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    response.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                return Ok(response);
            }
            None => None,
        },
        None => None,
    };
    let (status, body, content_range) = match (wanted_range, whole) {
        (Some(r), Some(b)) => (
            StatusCode::PARTIAL_CONTENT,
            b.slice(r.start as usize..r.end as usize),
            Some(format!("bytes {}-{}/{size}", r.start, r.end - 1)),
        ),
        (Some(r), None) => (
            StatusCode::PARTIAL_CONTENT,
            app.store
                .get_range(&key, r.clone())
                .await
                .map_err(store_error)?,
            Some(format!("bytes {}-{}/{size}", r.start, r.end - 1)),
        ),
        (None, Some(b)) => (StatusCode::OK, b, None),
        (None, None) => (
            StatusCode::OK,
            app.store.get(&key).await.map_err(store_error)?,
            None,
        ),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(h, header::CONTENT_TYPE, &content_type);
    set(h, header::ACCEPT_RANGES, "bytes");
    set(
        h,
        header::ETAG,
        &format!(
            "\"{key}{}\"",
            convert.map_or(String::new(), |f| format!("-{f}"))
        ),
    );
    set(
        h,
        header::CACHE_CONTROL,
        "private, max-age=31536000, immutable",
    );
    let file_name: String = name
        .rsplit('/')
        .next()
        .unwrap_or("artifact")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();
    set(
        h,
        header::CONTENT_DISPOSITION,
        &format!("inline; filename=\"{file_name}\""),
    );
    if convert.is_none() && row.gain != 1.0 {
        // A float stem stored with headroom: multiply the decoded samples by this to get it back
        // (?format=wav does it).
        set(
            h,
            header::HeaderName::from_static("x-yano-gain"),
            &row.gain.to_string(),
        );
    }
    if let Some(cr) = content_range {
        set(h, header::CONTENT_RANGE, &cr);
    }
    Ok(response)
}

fn swap_extension(name: &str, ext: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, _)) => format!("{stem}.{ext}"),
        None => format!("{name}.{ext}"),
    }
}

/// One byte range of `size` bytes from a Range header: None when the header is not a single
/// bytes range (served whole, as the standard allows), Err when it cannot be satisfied.
pub fn parse_range(text: &str, size: u64) -> Option<Result<Range<u64>, ()>> {
    let spec = text.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let range = if first.is_empty() {
        let n: u64 = last.parse().ok()?;
        if n == 0 {
            return Some(Err(()));
        }
        size.saturating_sub(n)..size
    } else {
        let start: u64 = first.parse().ok()?;
        let end = if last.is_empty() {
            size
        } else {
            let last: u64 = last.parse().ok()?;
            if last < start {
                return None;
            }
            (last + 1).min(size)
        };
        start..end
    };
    if range.start >= size || range.is_empty() {
        return Some(Err(()));
    }
    Some(Ok(range))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_are_read_as_the_standard_says() {
        assert_eq!(parse_range("bytes=0-99", 1000), Some(Ok(0..100)));
        assert_eq!(parse_range("bytes=900-", 1000), Some(Ok(900..1000)));
        assert_eq!(parse_range("bytes=-100", 1000), Some(Ok(900..1000)));
        assert_eq!(parse_range("bytes=990-2000", 1000), Some(Ok(990..1000)));
        assert_eq!(parse_range("bytes=1000-", 1000), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,5-9", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
        assert_eq!(parse_range("bytes=x-", 1000), None);
    }
}
