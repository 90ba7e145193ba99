//! The OpenAPI document describes exactly the routes the server has, and is served as written.

mod common;

use common::*;

#[test]
fn the_document_names_every_route_and_method_and_no_other() {
    let doc: serde_json::Value = serde_json::from_str(yano_platform::api::OPENAPI).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    for (route, methods) in yano_platform::api::ROUTES {
        let documented = paths
            .get(*route)
            .unwrap_or_else(|| panic!("{route} is not documented"));
        let mut have: Vec<&str> = documented
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        have.sort();
        let mut want = methods.to_vec();
        want.sort();
        assert_eq!(have, want, "{route}");
        for method in *methods {
            assert!(
                documented[method]["summary"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{method} {route}"
            );
        }
    }
    assert_eq!(
        paths.len(),
        yano_platform::api::ROUTES.len(),
        "documented routes the server lacks"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listed_route_answers_and_the_document_is_served() {
    let server = Server::start("openapi", 0, |_| {}).await;
    let token = server.token("alice").await;
    let served = server
        .client
        .get(server.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(served, yano_platform::api::OPENAPI);
    // Each route exists: none answers with the fallback's "route … was not found", which an
    // unknown path gets.
    let fallback = |text: &str| text.contains("\"message\":\"route ");
    let r = server
        .client
        .get(server.url("/v1/nothing"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(fallback(&r.text().await.unwrap()));
    for (route, methods) in yano_platform::api::ROUTES {
        let path = route
            .replace("{id}", "x")
            .replace("{key}", &"0".repeat(64))
            .replace("{revision}", "1");
        for method in *methods {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = server
                .client
                .request(m, server.url(&path))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let text = r.text().await.unwrap();
            assert!(!fallback(&text), "{method} {path}: {status} {text}");
            assert_ne!(status, 405, "{method} {path}");
        }
    }
}
