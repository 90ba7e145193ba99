//! Who is asking: every API request carries `Authorization: Bearer <token>`; the token's sha256 is
//! looked up (tokens are never stored in clear), and each user's requests go through a token
//! bucket of the configured rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::server::App;

/// The user a request came from.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
}

/// The longest token read; anything longer is refused before it is hashed.
const MAX_TOKEN: usize = 256;

/// The WebSocket subprotocol a browser names to carry its token, as `[WS_PROTOCOL, token]`: a
/// browser's WebSocket cannot send an Authorization header, and a token in the URL would be
/// written to logs.
pub const WS_PROTOCOL: &str = "yano.bearer";

/// The bearer token of a request's headers: `Authorization: Bearer <token>`, or on a WebSocket
/// upgrade `Sec-WebSocket-Protocol: yano.bearer, <token>`.
pub fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let token = match parts.headers.get(AUTHORIZATION) {
        Some(header) => {
            let text = header.to_str().map_err(|_| ApiError::BadToken)?;
            text.strip_prefix("Bearer ")
                .or_else(|| text.strip_prefix("bearer "))
                .ok_or(ApiError::NoToken)?
                .trim()
        }
        None => {
            let offered = parts
                .headers
                .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
                .ok_or(ApiError::NoToken)?
                .to_str()
                .map_err(|_| ApiError::BadToken)?;
            let mut names = offered.split(',').map(str::trim);
            if names.next() != Some(WS_PROTOCOL) {
                return Err(ApiError::NoToken);
            }
            names.next().ok_or(ApiError::NoToken)?
        }
    };
    if token.is_empty() || token.len() > MAX_TOKEN {
        return Err(ApiError::BadToken);
    }
    Ok(token)
}

impl FromRequestParts<App> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<User, ApiError> {
        let token = bearer(parts)?;
        let hash = crate::sha256_hex(token.as_bytes());
        let known = app.tokens.lock().ok().and_then(|t| t.get(&hash).cloned());
        let user = match known {
            Some(user) => user,
            None => {
                let (id, name) = app
                    .db
                    .user_of_token(token)
                    .await?
                    .ok_or(ApiError::BadToken)?;
                let user = User { id, name };
                if let Ok(mut t) = app.tokens.lock() {
                    t.insert(hash, user.clone());
                }
                user
            }
        };
        app.limiter.take(&user.id)?;
        Ok(user)
    }
}

/// Each user's token bucket: `per_minute` requests a minute, up to `per_minute` at once.
pub struct Limiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(per_minute: u32) -> Limiter {
        Limiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the user's bucket, or refuses.
    pub fn take(&self, user: &str) -> Result<(), ApiError> {
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| ApiError::internal("the rate limiter's lock is poisoned"))?;
        let now = Instant::now();
        let full = f64::from(self.per_minute);
        let (tokens, at) = buckets.entry(user.to_string()).or_insert((full, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * full / 60.0).min(full);
        *at = now;
        if *tokens < 1.0 {
            return Err(ApiError::RateLimited {
                per_minute: self.per_minute,
            });
        }
        *tokens -= 1.0;
        Ok(())
    }
}
