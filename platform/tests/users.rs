//! Users and projects through the API: each user sees only their own jobs, artifacts and
//! projects; a project keeps every revision, refuses a stale update and restores an old one.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

const STARTER: &str = include_str!("../../graphs/amapiano-starter.ron");
const SINE: &str = include_str!("../../graphs/sine-chord.ron");

async fn a_user_sees_only_their_own_jobs_artifacts_and_projects(setup: Setup) {
    let Some(server) = Server::on(setup, "users", 1, |_| {}).await else {
        return;
    };
    let (alice, bob) = (server.token("alice").await, server.token("bob").await);

    // Alice uploads a 440 Hz tone and analyses it.
    let (status, upload) = server.upload(&alice, sine_wav(440.0, 3.0)).await;
    assert_eq!(status, 201, "{upload}");
    assert_eq!(upload["format"], "wav");
    assert_eq!(upload["channels"], 2);
    assert!((upload["seconds"].as_f64().unwrap() - 3.0).abs() < 1e-3);
    let key = upload["key"].as_str().unwrap().to_string();
    let (status, queued) = server
        .post(
            &alice,
            "/v1/jobs",
            &json!({"kind": "analyze", "input": key, "params": {"chords": "rules"}}),
        )
        .await;
    assert_eq!(status, 202, "{queued}");
    let id = queued["id"].as_str().unwrap().to_string();
    let job = server.wait(&alice, &id, Duration::from_secs(120)).await;
    assert_eq!(job["state"], "done", "{job}");
    let report_key = artifact(&job, "analysis.json")["key"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, report) = server
        .bytes(&alice, &format!("/v1/artifacts/{report_key}"))
        .await;
    let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    assert!(
        (report["seconds"].as_f64().unwrap() - 3.0).abs() < 0.05,
        "{}",
        report["seconds"]
    );
    let (status, project) = server
        .post(
            &alice,
            "/v1/projects",
            &json!({"name": "groove", "graph": STARTER}),
        )
        .await;
    assert_eq!(status, 201, "{project}");
    let project = project["id"].as_str().unwrap().to_string();

    // Bob sees none of it, and cannot use it.
    for path in [
        format!("/v1/jobs/{id}"),
        format!("/v1/artifacts/{key}"),
        format!("/v1/artifacts/{report_key}"),
        format!("/v1/projects/{project}"),
        format!("/v1/projects/{project}/revisions"),
    ] {
        let (status, body) = server.get(&bob, &path).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (status, body) = server
        .post(&bob, "/v1/jobs", &json!({"kind": "analyze", "input": key}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "{body}"
    );
    let r = server
        .client
        .delete(server.url(&format!("/v1/jobs/{id}")))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let (_, listed) = server.get(&bob, "/v1/jobs").await;
    assert_eq!(listed["jobs"].as_array().unwrap().len(), 0);
    let (_, listed) = server.get(&bob, "/v1/projects").await;
    assert_eq!(listed["projects"].as_array().unwrap().len(), 0);
    let (_, listed) = server.get(&alice, "/v1/jobs").await;
    assert_eq!(listed["jobs"].as_array().unwrap().len(), 1);

    // No token, a wrong one.
    let r = server
        .client
        .get(server.url("/v1/jobs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "no_token");
    let (status, body) = server.get("yano_0000", "/v1/jobs").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (401, Some("bad_token"))
    );
}

async fn a_project_keeps_its_revisions_refuses_a_stale_update_and_restores(setup: Setup) {
    let Some(server) = Server::on(setup, "projects", 0, |_| {}).await else {
        return;
    };
    let alice = server.token("alice").await;
    let (status, created) = server
        .post(
            &alice,
            "/v1/projects",
            &json!({"name": "first", "graph": STARTER}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(created["revision"], 1);
    let id = created["id"].as_str().unwrap().to_string();
    let put = |revision: Option<&str>, body: serde_json::Value| {
        let mut r = server
            .client
            .put(server.url(&format!("/v1/projects/{id}")))
            .bearer_auth(&alice)
            .json(&body);
        if let Some(rev) = revision {
            r = r.header("if-match", rev);
        }
        r.send()
    };
    // No If-Match: 428; based on revision 1: revision 2; again on 1: stale.
    let r = put(None, json!({"graph": SINE})).await.unwrap();
    assert_eq!(r.status().as_u16(), 428);
    let r = put(Some("\"1\""), json!({"graph": SINE, "name": "second"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (body["revision"].as_i64(), body["name"].as_str()),
        (Some(2), Some("second"))
    );
    let r = put(Some("1"), json!({"name": "lost update"}))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "stale_revision");
    // A graph yano cannot load is refused by name.
    let r = put(
        Some("2"),
        json!({"graph": "(version: 1, nodes: [(id: \"a\", kind: \"no.such\")])"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 422);

    let (_, revisions) = server
        .get(&alice, &format!("/v1/projects/{id}/revisions"))
        .await;
    let revisions = revisions["revisions"].as_array().unwrap().clone();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[1]["graph"], STARTER);
    let (status, restored) = server
        .post(
            &alice,
            &format!("/v1/projects/{id}/revisions/1/restore"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(
        (restored["revision"].as_i64(), restored["name"].as_str()),
        (Some(3), Some("first"))
    );
    assert_eq!(restored["graph"], STARTER);
    let (_, listed) = server.get(&alice, "/v1/projects").await;
    assert_eq!(listed["projects"][0]["revision"], 3);
    let r = server
        .client
        .delete(server.url(&format!("/v1/projects/{id}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (status, _) = server.get(&alice, &format!("/v1/projects/{id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_sees_only_their_own_jobs_artifacts_and_projects_embedded() {
    a_user_sees_only_their_own_jobs_artifacts_and_projects(Setup::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_sees_only_their_own_jobs_artifacts_and_projects_distributed() {
    a_user_sees_only_their_own_jobs_artifacts_and_projects(Setup::Distributed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_keeps_its_revisions_refuses_a_stale_update_and_restores_embedded() {
    a_project_keeps_its_revisions_refuses_a_stale_update_and_restores(Setup::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_keeps_its_revisions_refuses_a_stale_update_and_restores_distributed() {
    a_project_keeps_its_revisions_refuses_a_stale_update_and_restores(Setup::Distributed).await;
}

async fn limits_hold_per_user(setup: Setup) {
    let Some(server) = Server::on(setup, "limits", 0, |c| {
        c.limits.requests_per_minute = 30;
        c.limits.active_jobs = 2;
        c.limits.stored_bytes = 300_000;
    })
    .await
    else {
        return;
    };
    let (alice, bob) = (server.token("alice").await, server.token("bob").await);
    // Two jobs may wait at once (no worker runs them here); the third is refused.
    let job = json!({"kind": "render", "params": {"preset": SINE, "seconds": 1.0}});
    for n in 0..2 {
        let mut job = job.clone();
        job["params"]["seconds"] = json!(1.0 + n as f64);
        let (status, body) = server.post(&alice, "/v1/jobs", &job).await;
        assert_eq!(status, 202, "{body}");
    }
    let (status, body) = server.post(&alice, "/v1/jobs", &job).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("quota")),
        "{body}"
    );
    // 300 kB may be stored: a 176 kB upload fits, a second does not.
    let (status, body) = server.upload(&alice, sine_wav(440.0, 1.0)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = server.upload(&alice, sine_wav(330.0, 1.0)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (429, Some("quota")),
        "{body}"
    );
    // 30 requests a minute: alice has used 5; the 26th after them is refused, bob is not.
    let mut refused_at = None;
    for n in 0..40 {
        let (status, body) = server.get(&alice, "/v1/jobs").await;
        if status == 429 {
            assert_eq!(body["error"]["code"], "rate_limited");
            refused_at = Some(n);
            break;
        }
    }
    assert_eq!(
        refused_at,
        Some(25),
        "alice was refused at request {refused_at:?} of the minute"
    );
    let (status, _) = server.get(&bob, "/v1/jobs").await;
    assert_eq!(status, 200, "bob pays for alice's requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_per_user_embedded() {
    limits_hold_per_user(Setup::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_hold_per_user_distributed() {
    limits_hold_per_user(Setup::Distributed).await;
}
