//! Hostile input: hundreds of malformed requests, each answered with a 4xx and a named error;
//! the server stays up and nothing panics.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// One bad request: method, path, token, body, extra header.
struct Bad {
    method: Method,
    path: String,
    token: Option<String>,
    body: Vec<u8>,
    header: Option<(&'static str, String)>,
    why: String,
}

fn bad(
    method: Method,
    path: &str,
    token: &str,
    body: impl Into<Vec<u8>>,
    why: impl Into<String>,
) -> Bad {
    Bad {
        method,
        path: path.into(),
        token: Some(token.into()),
        body: body.into(),
        header: None,
        why: why.into(),
    }
}

fn job(token: &str, body: Value, why: &str) -> Bad {
    bad(Method::POST, "/v1/jobs", token, body.to_string(), why)
}

async fn two_hundred_malformed_requests_each_get_a_named_4xx(setup: Setup) {
    let Some(server) = Server::on(setup, "hostile", 0, |c| {
        c.limits.upload_bytes = 1 << 20;
        c.limits.json_bytes = 64 << 10;
        c.limits.requests_per_minute = 100_000;
    })
    .await
    else {
        return;
    };
    let (alice, bob) = (server.token("alice").await, server.token("bob").await);
    let (_, upload) = server.upload(&alice, sine_wav(220.0, 1.0)).await;
    let alice_key = upload["key"].as_str().unwrap().to_string();
    let (_, project) = server
        .post(
            &alice,
            "/v1/projects",
            &json!({"name": "p", "graph": include_str!("../../graphs/sine-chord.ron")}),
        )
        .await;
    let project = project["id"].as_str().unwrap().to_string();

    let mut cases: Vec<Bad> = Vec::new();
    // Bodies that are not JSON, or not the JSON asked for.
    let not_json = [
        "",
        "{",
        "}",
        "{\"kind\":",
        "[",
        "nul",
        "{'kind': 'generate'}",
        "kind=generate",
        "\u{0}\u{1}\u{2}",
        "{\"kind\": \"generate\",}",
        "{\"kind\": \"generate\" \"x\": 1}",
        "\"just a string\"",
        "42",
        "null",
        "[]",
        "true",
        "{\"kind\": NaN}",
        "{\"kind\": \"generate\", \"params\": {\"prompt\": \"x\"}",
        "\u{feff}{}",
        "{\"kind\":\"\\ud800\"}",
    ];
    for body in not_json {
        cases.push(bad(
            Method::POST,
            "/v1/jobs",
            &alice,
            body,
            format!("not a job: {body:?}"),
        ));
        cases.push(bad(
            Method::POST,
            "/v1/projects",
            &alice,
            body,
            format!("not a project: {body:?}"),
        ));
        let mut change = bad(
            Method::PUT,
            &format!("/v1/projects/{project}"),
            &alice,
            body,
            format!("not a change: {body:?}"),
        );
        change.header = Some(("if-match", "1".into()));
        cases.push(change);
    }
    // Wrong types and unknown fields.
    for (body, why) in [
        (json!({"kind": 5}), "kind a number"),
        (json!({"kind": ["generate"]}), "kind a list"),
        (json!({"kind": null}), "kind null"),
        (
            json!({"kind": "generate", "params": "prompt"}),
            "params a string",
        ),
        (
            json!({"kind": "generate", "params": [1, 2]}),
            "params a list",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x"}, "priority": 3}),
            "priority a number",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x"}, "priority": "urgent"}),
            "unknown priority",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x"}, "input": 7}),
            "input a number",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x"}, "colour": "red"}),
            "unknown field",
        ),
        (json!({"params": {"prompt": "x"}}), "no kind"),
        (
            json!({"kind": "generate", "params": {"prompt": 12}}),
            "prompt a number",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "bpm": "fast"}}),
            "bpm a word",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "seed": -1}}),
            "negative seed",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "bars": 2.5}}),
            "fractional bars",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "tempo": 110}}),
            "unknown parameter",
        ),
    ] {
        cases.push(job(&alice, body, why));
    }
    for kind in [
        "generat",
        "GENERATE",
        "",
        " generate",
        "render;rm -rf /",
        "../generate",
        "stems",
        "mix",
        "train",
        "🎵",
    ] {
        cases.push(job(
            &alice,
            json!({"kind": kind}),
            &format!("unknown kind {kind:?}"),
        ));
    }
    // Parameters each job refuses by name.
    let preset = include_str!("../../graphs/sine-chord.ron");
    for (body, why) in [
        (json!({"kind": "generate"}), "generate without a prompt"),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "bars": 0}}),
            "zero bars",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "bars": 100000}}),
            "100000 bars",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "minutes": 999}}),
            "999 minutes",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "minutes": -1}}),
            "negative minutes",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "bars": 16, "minutes": 2}}),
            "bars and minutes",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "style": "polka"}}),
            "unknown style",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x", "key": "H minor"}}),
            "unknown key",
        ),
        (
            json!({"kind": "generate", "params": {"prompt": "x"}, "input": alice_key}),
            "generate with an input",
        ),
        (
            json!({"kind": "render", "params": {"preset": "garbage"}}),
            "preset not RON",
        ),
        (json!({"kind": "render"}), "render without a preset"),
        (
            json!({"kind": "render", "params": {"preset": preset, "seconds": -3}}),
            "negative seconds",
        ),
        (
            json!({"kind": "render", "params": {"preset": preset, "seconds": 1e9}}),
            "a billion seconds",
        ),
        (
            json!({"kind": "render", "params": {"preset": preset, "format": "mp3"}}),
            "unknown format",
        ),
        (
            json!({"kind": "render", "params": {"preset": preset.replace("version: 1", "version: 99")}}),
            "preset version 99",
        ),
        (json!({"kind": "analyze"}), "analyze without an input"),
        (
            json!({"kind": "analyze", "input": alice_key, "params": {"chroma": "colour"}}),
            "unknown chroma",
        ),
        (
            json!({"kind": "analyze", "input": alice_key, "params": {"chords": "guess"}}),
            "unknown chord reader",
        ),
        (
            json!({"kind": "separate", "input": alice_key, "params": {"stems": ["kazoo"]}}),
            "unknown stem",
        ),
        (
            json!({"kind": "transcribe", "input": alice_key, "params": {"voices": "many"}}),
            "unknown voices",
        ),
        (
            json!({"kind": "transcribe", "input": alice_key, "params": {"onset_threshold": 3}}),
            "threshold 3",
        ),
        (
            json!({"kind": "amapianorize", "input": alice_key, "params": {"intensity": 7}}),
            "intensity 7",
        ),
        (
            json!({"kind": "amapianorize", "input": alice_key, "params": {"style": "kwaito"}}),
            "unknown style",
        ),
        (
            json!({"kind": "amapianorize", "input": alice_key, "params": {"keep": ["kazoo"]}}),
            "unknown kept stem",
        ),
        (
            json!({"kind": "amapianorize", "input": alice_key, "params": {"stems": "/etc"}}),
            "a stems folder",
        ),
        (
            json!({"kind": "separate", "input": "0".repeat(64)}),
            "an input nobody uploaded",
        ),
        (
            json!({"kind": "separate", "input": "../../yano.db"}),
            "an input path",
        ),
    ] {
        cases.push(job(&alice, body, why));
    }
    // Presets that reach for files outside the job.
    for file in [
        "/etc/passwd",
        "../../yano.db",
        "../artifacts/x.wav",
        "/dev/zero",
        "a/../../b.wav",
    ] {
        let graph = format!(
            "(version: 1, transport: (bpm: 120.0), nodes: [(id: \"f\", kind: \"source.file\", params: {{\"file\": \"{file}\"}}), (id: \"out\", kind: \"io.output\")], edges: [(from: \"f.out\", to: \"out.in\")])"
        );
        cases.push(job(
            &alice,
            json!({"kind": "render", "params": {"preset": graph}}),
            &format!("a preset reading {file}"),
        ));
    }
    // Bodies too large.
    let huge = format!(
        "{{\"kind\": \"generate\", \"params\": {{\"prompt\": \"{}\"}}}}",
        "a".repeat(200 << 10)
    );
    cases.push(bad(
        Method::POST,
        "/v1/jobs",
        &alice,
        huge.clone(),
        "a 200 kB job",
    ));
    cases.push(bad(
        Method::POST,
        "/v1/projects",
        &alice,
        huge,
        "a 200 kB project",
    ));
    let mut big_wav = sine_wav(440.0, 13.0);
    big_wav.truncate(big_wav.len());
    cases.push(bad(
        Method::POST,
        "/v1/uploads",
        &alice,
        big_wav,
        "a 2.3 MB upload over the 1 MB limit",
    ));
    // Artifact keys that are not keys, or not yours.
    for key in [
        "..%2F..%2Fyano.db",
        "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "..",
        ".",
        "yano.db",
        "artifacts",
        "%00",
        "x".repeat(64).as_str(),
        "A".repeat(64).as_str(),
        "0".repeat(63).as_str(),
        "0".repeat(65).as_str(),
        &alice_key.to_uppercase(),
        &format!("{}%2F..%2F{}", &alice_key[..2], alice_key),
        &format!("{alice_key}%00"),
        &"0".repeat(64),
    ] {
        cases.push(bad(
            Method::GET,
            &format!("/v1/artifacts/{key}"),
            &alice,
            "",
            format!("artifact key {key:?}"),
        ));
    }
    cases.push(bad(
        Method::GET,
        &format!("/v1/artifacts/{alice_key}"),
        &bob,
        "",
        "another user's artifact",
    ));
    cases.push(bad(
        Method::GET,
        &format!("/v1/artifacts/{alice_key}?format=mp3"),
        &alice,
        "",
        "format mp3",
    ));
    cases.push(bad(
        Method::GET,
        &format!("/v1/artifacts/{alice_key}?format=flac&x=1"),
        &alice,
        "",
        "unknown query",
    ));
    let mut range = bad(
        Method::GET,
        &format!("/v1/artifacts/{alice_key}"),
        &alice,
        "",
        "a range past the end",
    );
    range.header = Some(("range", "bytes=99999999-".into()));
    cases.push(range);
    // Uploads that are not audio, or broken audio.
    let wav = sine_wav(330.0, 0.5);
    let mut uploads: Vec<(Vec<u8>, String)> = vec![
        (vec![], "an empty upload".into()),
        (b"hello, this is text".to_vec(), "text".into()),
        (
            b"<html><body>not audio</body></html>".to_vec(),
            "HTML".into(),
        ),
        (wav[..20].to_vec(), "a WAV header cut short".into()),
        (wav[..44].to_vec(), "a WAV header alone".into()),
        (b"fLaC".to_vec(), "a FLAC tag alone".into()),
        (
            [b"fLaC".as_slice(), &[0xff; 200]].concat(),
            "a FLAC tag and garbage".into(),
        ),
        (
            [b"OggS".as_slice(), &[0; 100]].concat(),
            "an Ogg tag and zeros".into(),
        ),
        (
            [b"ID3\x04\0\0\0\0\0\0".as_slice(), &[0x55; 300]].concat(),
            "an ID3 tag and garbage".into(),
        ),
        (vec![0xff, 0xfb, 0x90, 0x00], "one MP3 frame header".into()),
        (
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
            "noise bytes".into(),
        ),
    ];
    // WAV headers that lie: channels, rate, bits, block align.
    for (offset, value, why) in [
        (22usize, vec![0u8, 0], "0 channels"),
        (22, vec![0xff, 0xff], "65535 channels"),
        (24, vec![0, 0, 0, 0], "0 Hz"),
        (24, vec![0xff, 0xff, 0xff, 0x7f], "2 GHz"),
        (34, vec![3, 0], "3-bit samples"),
        (34, vec![0, 0], "0-bit samples"),
        (32, vec![0, 0], "block align 0"),
        (20, vec![0x55, 0x55], "format tag 0x5555"),
    ] {
        let mut broken = wav.clone();
        broken[offset..offset + value.len()].copy_from_slice(&value);
        uploads.push((broken, format!("a WAV with {why}")));
    }
    for (body, why) in uploads {
        cases.push(bad(Method::POST, "/v1/uploads", &alice, body, why));
    }
    // Tokens: none, malformed, someone else's use of alice's things.
    for header in [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxpY2U6cHc=",
        "bearer",
        "Token abc",
        "Bearer a b c",
    ] {
        let mut c = bad(
            Method::GET,
            "/v1/jobs",
            &alice,
            "",
            format!("authorization {header:?}"),
        );
        c.token = None;
        if !header.is_empty() {
            c.header = Some(("authorization", header.into()));
        }
        cases.push(c);
    }
    let mut long = bad(Method::GET, "/v1/jobs", &alice, "", "a 10 kB token");
    long.token = Some("y".repeat(10_000));
    cases.push(long);
    for i in 0..10 {
        let mut c = bad(
            Method::GET,
            "/v1/projects",
            &alice,
            "",
            format!("a made-up token {i}"),
        );
        c.token = Some(format!("yano_{i:048}"));
        cases.push(c);
    }
    for path in [
        format!("/v1/projects/{project}"),
        format!("/v1/projects/{project}/revisions"),
    ] {
        cases.push(bad(
            Method::GET,
            &path,
            &bob,
            "",
            format!("bob reads {path}"),
        ));
    }
    cases.push(bad(
        Method::DELETE,
        &format!("/v1/projects/{project}"),
        &bob,
        "",
        "bob deletes alice's project",
    ));
    cases.push(bad(
        Method::POST,
        &format!("/v1/projects/{project}/revisions/1/restore"),
        &bob,
        "{}",
        "bob restores",
    ));
    // Projects: bad graphs, names, revisions.
    for (body, why) in [
        (
            json!({"name": "x", "graph": "(version: 1, nodes: [(id: \"a\", kind: \"no.such.node\")])"}),
            "an unknown node kind",
        ),
        (
            json!({"name": "x", "graph": "((((("}),
            "a graph that is not RON",
        ),
        (json!({"name": "x", "graph": ""}), "an empty graph"),
        (json!({"name": "", "graph": preset}), "an empty name"),
        (
            json!({"name": "a\u{0}b", "graph": preset}),
            "a NUL in the name",
        ),
        (
            json!({"name": "x", "graph": format!("{preset}\u{0}")}),
            "a NUL after the graph",
        ),
        (
            json!({"name": "n".repeat(500), "graph": preset}),
            "a 500-character name",
        ),
        (json!({"graph": preset}), "no name"),
        (json!({"name": "x"}), "no graph"),
        (json!({"name": 3, "graph": preset}), "a number for a name"),
        (
            json!({"name": "x", "graph": preset, "owner": "bob"}),
            "an owner field",
        ),
    ] {
        cases.push(bad(
            Method::POST,
            "/v1/projects",
            &alice,
            body.to_string(),
            why,
        ));
    }
    for (rev, why) in [
        ("\"1\"", "an empty body"),
        ("abc", "a word for a revision"),
        ("7", "a stale revision"),
        ("-1", "revision -1"),
    ] {
        let mut c = bad(
            Method::PUT,
            &format!("/v1/projects/{project}"),
            &alice,
            if why == "an empty body" {
                ""
            } else {
                "{\"name\": \"y\"}"
            },
            why,
        );
        c.header = Some(("if-match", rev.into()));
        cases.push(c);
    }
    cases.push(bad(
        Method::PUT,
        &format!("/v1/projects/{project}"),
        &alice,
        "{\"name\": \"y\"}",
        "no If-Match",
    ));
    for rev in ["0", "99", "x", "-5"] {
        cases.push(bad(
            Method::POST,
            &format!("/v1/projects/{project}/revisions/{rev}/restore"),
            &alice,
            "{}",
            format!("restore revision {rev}"),
        ));
    }
    // Unknown ids, routes and methods.
    for path in [
        "/v1/jobs/nope",
        "/v1/jobs/%00",
        "/v1/projects/%00",
        "/v1/projects/%E2%82%AC",
        "/v1/projects/nope",
        "/v1/nothing",
        "/v2/jobs",
        "/admin",
        "/v1/jobs/x/y/z",
        "/.env",
        "/v1/artifacts",
    ] {
        cases.push(bad(Method::GET, path, &alice, "", format!("GET {path}")));
    }
    cases.push(bad(
        Method::DELETE,
        "/v1/jobs/nope",
        &alice,
        "",
        "cancel an unknown job",
    ));
    cases.push(bad(
        Method::GET,
        "/v1/jobs/nope/events",
        &alice,
        "",
        "events of an unknown job",
    ));
    cases.push(bad(
        Method::GET,
        "/v1/events",
        &alice,
        "",
        "events without a WebSocket upgrade",
    ));
    cases.push(bad(
        Method::PATCH,
        "/v1/jobs",
        &alice,
        "{}",
        "PATCH /v1/jobs",
    ));
    cases.push(bad(
        Method::PUT,
        "/v1/uploads",
        &alice,
        "{}",
        "PUT /v1/uploads",
    ));

    assert!(cases.len() >= 200, "only {} cases", cases.len());
    let mut codes = std::collections::BTreeMap::new();
    for case in &cases {
        let mut r = server
            .client
            .request(case.method.clone(), server.url(&case.path))
            .body(case.body.clone());
        if let Some(token) = &case.token {
            r = r.bearer_auth(token);
        }
        if let Some((name, value)) = &case.header {
            r = r.header(*name, value);
        }
        let response = r
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.why));
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let text: String = text.chars().take(300).collect();
        assert!(
            (400..500).contains(&status),
            "{} ({} {}): {status} {text}",
            case.why,
            case.method,
            case.path
        );
        // Every refusal names its error, but axum's own 405 for a wrong method.
        if status != 405 {
            let body: Value = serde_json::from_str(&text)
                .unwrap_or_else(|_| panic!("{}: not JSON: {text}", case.why));
            let code = body["error"]["code"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: {text}", case.why))
                .to_string();
            assert!(
                !body["error"]["message"].as_str().unwrap_or("").is_empty(),
                "{}: {text}",
                case.why
            );
            *codes.entry(code).or_insert(0) += 1;
        }
    }
    println!("{} malformed requests answered: {codes:?}", cases.len());
    // Still up, and still serving alice.
    let r = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, _) = server
        .get(&alice, &format!("/v1/artifacts/{alice_key}"))
        .await;
    assert_eq!(status, 200);
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !metrics.contains("class=\"5xx\""),
        "a 5xx was answered:\n{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_malformed_requests_each_get_a_named_4xx_embedded() {
    two_hundred_malformed_requests_each_get_a_named_4xx(Setup::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_malformed_requests_each_get_a_named_4xx_distributed() {
    two_hundred_malformed_requests_each_get_a_named_4xx(Setup::Distributed).await;
}
