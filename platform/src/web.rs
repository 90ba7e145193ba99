//! The web app, built into the binary: `web/dist` (TypeScript built by Vite, committed so a
//! machine with only the Rust toolchain builds the same server) served at `/`, so `yano serve`
//! alone serves the page. Hashed assets are cached for a year, the page, the service worker and
//! the manifest are revalidated every time; text is sent gzipped to a client that accepts it.
//!
//! Only paths outside `/v1/` are looked up here; anything not in the app is the API's named 404.

use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use include_dir::{include_dir, Dir};

use crate::error::ApiError;

/// The built app (see web/README.md for how it is built and checked).
static DIST: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../web/dist");

/// The file the app serves for `path` ("/" is index.html), if it has one.
pub fn file(path: &str) -> Option<&'static [u8]> {
    let relative = path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    if relative
        .split('/')
        .any(|part| part == ".." || part.is_empty())
    {
        return None;
    }
    DIST.get_file(relative).map(|f| f.contents())
}

/// The media type of a file of the app, by its extension.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type.starts_with("application/manifest")
        || content_type.starts_with("image/svg")
}

/// The gzip of a file of the app, made once per file.
fn gzipped(path: &str, bytes: &'static [u8]) -> &'static [u8] {
    static CACHE: OnceLock<std::sync::Mutex<HashMap<String, &'static [u8]>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(done) = cache.lock().ok().and_then(|c| c.get(path).copied()) {
        return done;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let packed = encoder
        .write_all(bytes)
        .and_then(|_| encoder.finish())
        .ok()
        .filter(|packed| packed.len() < bytes.len());
    let packed: &'static [u8] = match packed {
        Some(p) => Box::leak(p.into_boxed_slice()),
        None => bytes,
    };
    if let Ok(mut c) = cache.lock() {
        c.insert(path.to_string(), packed);
    }
    packed
}

/// Answers a request no API route took: a file of the app, or the named 404.
pub async fn serve(request: Request) -> Response {
    let path = request.uri().path().to_string();
    let not_found = || {
        ApiError::NotFound {
            what: "route",
            id: "this path".into(),
        }
        .into_response()
    };
    let method = request.method();
    if path.starts_with("/v1/") || !(method == Method::GET || method == Method::HEAD) {
        return not_found();
    }
    let Some(bytes) = file(&path) else {
        return not_found();
    };
    let kind = content_type(if path == "/" { "index.html" } else { &path });
    let accepts_gzip = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut body = bytes;
    let mut encoded = false;
    if accepts_gzip && compressible(kind) {
        let packed = gzipped(&path, bytes);
        encoded = !std::ptr::eq(packed, bytes);
        body = packed;
    }
    let immutable = path.starts_with("/assets/");
    let mut response = Response::new(if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    });
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        }),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if encoded {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if path == "/" || path.ends_with(".html") {
        // The page reaches only its own origin: its scripts, the API and the WebSocket.
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
                 connect-src 'self'; style-src 'self' 'unsafe-inline'; worker-src 'self'; \
                 object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            ),
        );
    }
    response
}
