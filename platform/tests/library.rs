//! What the web app stands on: the page served from the binary, sign-in (`/v1/me`), renaming
//! and removing jobs and uploads, feedback kept with the job's parameters, and a browser's way of
//! authenticating a WebSocket (the `yano.bearer` subprotocol).

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const SINE: &str = include_str!("../../graphs/sine-chord.ron");

async fn send(
    server: &Server,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = server
        .client
        .request(method, server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        r = r.json(&body);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn a_library_renames_removes_and_keeps_feedback(setup: Setup) {
    let Some(server) = Server::on(setup, "library", 1, |_| {}).await else {
        return;
    };
    let (alice, bob) = (server.token("alice").await, server.token("bob").await);
    let (status, me) = server.get(&alice, "/v1/me").await;
    assert_eq!((status, me["name"].as_str()), (200, Some("alice")), "{me}");
    let (status, me) = server.get("not-a-token", "/v1/me").await;
    assert_eq!(
        (status, me["error"]["code"].as_str()),
        (401, Some("bad_token"))
    );

    // A render job, done, then renamed.
    let render = json!({"kind": "render", "params": {"preset": SINE, "seconds": 1.0}});
    let (status, queued) = server.post(&alice, "/v1/jobs", &render).await;
    assert_eq!(status, 202, "{queued}");
    let id = queued["id"].as_str().unwrap().to_string();
    let job = server.wait(&alice, &id, Duration::from_secs(120)).await;
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["name"], Value::Null);
    let path = format!("/v1/jobs/{id}");
    let (status, renamed) = send(
        &server,
        reqwest::Method::PATCH,
        &alice,
        &path,
        Some(json!({"name": "  Sunday sketch "})),
    )
    .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (200, Some("Sunday sketch"))
    );
    let (_, listed) = server.get(&alice, "/v1/jobs").await;
    assert_eq!(listed["jobs"][0]["name"], "Sunday sketch");
    for (body, code) in [
        (json!({"name": ""}), "bad_params"),
        (json!({"name": "x".repeat(201)}), "bad_params"),
        (json!({"name": "a\u{7}b"}), "bad_params"),
        (json!({"title": "x"}), "bad_params"),
    ] {
        let (status, e) = send(&server, reqwest::Method::PATCH, &alice, &path, Some(body)).await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (422, Some(code)),
            "{e}"
        );
    }
    let (status, _) = send(
        &server,
        reqwest::Method::PATCH,
        &bob,
        &path,
        Some(json!({"name": "mine"})),
    )
    .await;
    assert_eq!(status, 404, "a stranger cannot rename");

    // Feedback: checked, stored with the job's parameters, replaced by a second PUT (an offline
    // client replaying its outbox), invisible to a stranger.
    let feedback = format!("/v1/jobs/{id}/feedback");
    let (status, none) = server.get(&alice, &feedback).await;
    assert_eq!(status, 404, "{none}");
    for bad in [
        json!({"rating": 0, "cultural_accuracy": 3, "musical_quality": 3}),
        json!({"rating": 6, "cultural_accuracy": 3, "musical_quality": 3}),
        json!({"rating": 3, "cultural_accuracy": 3}),
        json!({"rating": 3, "cultural_accuracy": 3, "musical_quality": 3, "suggestions": "y".repeat(2001)}),
        json!({"rating": 3, "cultural_accuracy": 3, "musical_quality": 3, "mood": "happy"}),
    ] {
        let (status, e) = send(&server, reqwest::Method::PUT, &alice, &feedback, Some(bad)).await;
        assert_eq!(status, 422, "{e}");
    }
    let first = json!({"rating": 4, "cultural_accuracy": 5, "musical_quality": 3, "suggestions": "more log drum"});
    let (status, stored) = send(
        &server,
        reqwest::Method::PUT,
        &alice,
        &feedback,
        Some(first),
    )
    .await;
    assert_eq!(
        (status, stored["rating"].as_i64()),
        (200, Some(4)),
        "{stored}"
    );
    let second = json!({"rating": 2, "cultural_accuracy": 4, "musical_quality": 1});
    for _ in 0..2 {
        let (status, _) = send(
            &server,
            reqwest::Method::PUT,
            &alice,
            &feedback,
            Some(second.clone()),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, got) = server.get(&alice, &feedback).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(
        (
            got["rating"].as_i64(),
            got["cultural_accuracy"].as_i64(),
            got["musical_quality"].as_i64(),
            got["suggestions"].as_str()
        ),
        (Some(2), Some(4), Some(1), Some(""))
    );
    assert_eq!(
        got["params"]["seconds"], 1.0,
        "kept with the job's parameters"
    );
    let (status, _) = server.get(&bob, &feedback).await;
    assert_eq!(status, 404);
    let (status, _) = send(
        &server,
        reqwest::Method::PUT,
        &bob,
        &feedback,
        Some(second.clone()),
    )
    .await;
    assert_eq!(status, 404);

    // Removing the ended job: gone from the list and its artifacts unreadable; its feedback stays.
    let key = job["artifacts"][0]["key"].as_str().unwrap().to_string();
    let (status, _, _) = server.bytes(&alice, &format!("/v1/artifacts/{key}")).await;
    assert_eq!(status, 200);
    let (status, _) = send(&server, reqwest::Method::DELETE, &bob, &path, None).await;
    assert_eq!(status, 404);
    let (status, removed) = send(&server, reqwest::Method::DELETE, &alice, &path, None).await;
    assert_eq!(
        (status, removed["removed"].as_bool()),
        (200, Some(true)),
        "{removed}"
    );
    let (status, _) = server.get(&alice, &path).await;
    assert_eq!(status, 404);
    let (_, listed) = server.get(&alice, "/v1/jobs").await;
    assert_eq!(listed["jobs"].as_array().unwrap().len(), 0);
    let (status, _, _) = server.bytes(&alice, &format!("/v1/artifacts/{key}")).await;
    assert_eq!(status, 404);
    let (status, _) = server.get(&alice, &feedback).await;
    assert_eq!(status, 200, "feedback outlives its job");

    // Uploads: listed newest first, renamed, removed; a stranger sees none of them.
    let (_, first) = server.upload(&alice, sine_wav(440.0, 1.0)).await;
    let (_, second) = server.upload(&alice, sine_wav(220.0, 1.5)).await;
    let (status, uploads) = server.get(&alice, "/v1/uploads").await;
    assert_eq!(status, 200);
    let keys: Vec<&str> = uploads["uploads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), 2, "{uploads}");
    assert!(keys.contains(&first["key"].as_str().unwrap()));
    assert!(keys.contains(&second["key"].as_str().unwrap()));
    let (_, theirs) = server.get(&bob, "/v1/uploads").await;
    assert_eq!(theirs["uploads"].as_array().unwrap().len(), 0);
    let upload = format!("/v1/uploads/{}", first["key"].as_str().unwrap());
    let (status, renamed) = send(
        &server,
        reqwest::Method::PATCH,
        &alice,
        &upload,
        Some(json!({"name": "voice memo"})),
    )
    .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (200, Some("voice memo"))
    );
    let (status, _) = send(
        &server,
        reqwest::Method::PATCH,
        &bob,
        &upload,
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    // Still usable as a job's input under its new name.
    let analyse = json!({"kind": "analyze", "input": first["key"], "params": {}});
    let (status, queued) = server.post(&alice, "/v1/jobs", &analyse).await;
    assert_eq!(status, 202, "{queued}");
    let done = server
        .wait(
            &alice,
            queued["id"].as_str().unwrap(),
            Duration::from_secs(120),
        )
        .await;
    assert_eq!(done["state"], "done", "{done}");
    let (status, _) = send(&server, reqwest::Method::DELETE, &bob, &upload, None).await;
    assert_eq!(status, 404);
    let (status, _) = send(&server, reqwest::Method::DELETE, &alice, &upload, None).await;
    assert_eq!(status, 200);
    let (_, uploads) = server.get(&alice, "/v1/uploads").await;
    assert_eq!(uploads["uploads"].as_array().unwrap().len(), 1);
    let (status, _) = send(
        &server,
        reqwest::Method::DELETE,
        &alice,
        "/v1/uploads/../../etc",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_library_renames_removes_and_keeps_feedback_embedded() {
    a_library_renames_removes_and_keeps_feedback(Setup::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_library_renames_removes_and_keeps_feedback_distributed() {
    a_library_renames_removes_and_keeps_feedback(Setup::Distributed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_authenticates_its_websocket_by_subprotocol() {
    let server = Server::start("ws-subprotocol", 1, |_| {}).await;
    let alice = server.token("alice").await;
    let mut request = server.ws_url("/v1/events").into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        format!("yano.bearer, {alice}").parse().unwrap(),
    );
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "yano.bearer",
        "the server names the protocol it chose, or a browser drops the socket"
    );
    let render = json!({"kind": "render", "params": {"preset": SINE, "seconds": 1.0}});
    let (status, queued) = server.post(&alice, "/v1/jobs", &render).await;
    assert_eq!(status, 202);
    let message = tokio::time::timeout(Duration::from_secs(60), socket.next())
        .await
        .expect("an event within a minute")
        .unwrap()
        .unwrap();
    let event: Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
    assert_eq!(event["id"], queued["id"]);

    // A wrong token in the subprotocol is refused before the upgrade.
    let mut request = server.ws_url("/v1/events").into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "yano.bearer, yano_0000".parse().unwrap(),
    );
    let refused = tokio_tungstenite::connect_async(request).await;
    assert!(refused.is_err(), "a made-up token is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_app_is_served_from_the_binary() {
    let server = Server::start("web-app", 0, |_| {}).await;
    let page = server.client.get(server.url("/")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let html = page.text().await.unwrap();
    assert!(html.contains("<title>yano</title>"), "{html}");
    assert!(html.contains("manifest.webmanifest"));
    // Every script and stylesheet the page names is served, immutable, and gzipped on request.
    let assets: Vec<&str> = html
        .split('"')
        .filter(|s| s.starts_with("/assets/"))
        .collect();
    assert!(!assets.is_empty(), "{html}");
    for asset in assets {
        let r = server
            .client
            .get(server.url(asset))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{asset}");
        assert!(r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        if asset.ends_with(".js") {
            assert_eq!(r.headers()["content-encoding"], "gzip", "{asset}");
        }
    }
    for (path, kind) in [
        ("/sw.js", "text/javascript; charset=utf-8"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let r = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], kind, "{path}");
    }
    // Not the app: the API's named 404, for GETs outside it, /v1 paths and other methods.
    for path in ["/nothing.js", "/assets/../Cargo.toml", "/v1/index.html"] {
        let r = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let r = server.client.post(server.url("/")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
