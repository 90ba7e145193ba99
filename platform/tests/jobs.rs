//! Jobs through the API, measured: a generated track is queued, made, stored as FLAC that comes
//! back to the samples, streamed by range, followed over a WebSocket, answered from the cache the
//! second time, counted in the metrics, and a running job is cancelled.

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A 16-bar private school track at 112 BPM: 16 × 4 × 60 / 112 = 34.29 s before its tail.
const SONG_SECONDS: f64 = 16.0 * 4.0 * 60.0 / 112.0;

async fn a_generated_track_is_made_stored_streamed_followed_and_cached(setup: Setup) {
    let Some(server) = Server::on(setup, "generate", 1, |_| {}).await else {
        return;
    };
    let alice = server.token("alice").await;

    // Every change of every job of alice's, from before the job is queued.
    let mut request = server.ws_url("/v1/events").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {alice}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    let ask = json!({"kind": "generate", "priority": "high",
        "params": {"prompt": "private school amapiano in A minor, 112 bpm", "bars": 16, "seed": 5}});
    let (status, queued) = server.post(&alice, "/v1/jobs", &ask).await;
    assert_eq!(status, 202, "{queued}");
    assert_eq!(queued["cache_hit"], false);
    let id = queued["id"].as_str().unwrap().to_string();
    let job = server.wait(&alice, &id, Duration::from_secs(240)).await;
    assert_eq!(job["state"], "done", "{job}");

    // The events: progress while running, then done.
    let mut progress = Vec::new();
    let mut ended = false;
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_secs(5), socket.next()).await
    {
        let event: serde_json::Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
        assert_eq!(event["id"], id.as_str());
        match event["state"].as_str().unwrap() {
            "running" => progress.push(event["progress"].as_f64().unwrap()),
            "done" => {
                ended = true;
                break;
            }
            other => panic!("unexpected state {other}"),
        }
    }
    assert!(ended, "no done event");
    assert!(
        progress.iter().any(|p| *p > 0.1 && *p < 0.95),
        "progress seen: {progress:?}"
    );
    assert!(
        progress.windows(2).all(|w| w[1] >= w[0] - 1e-9),
        "progress goes back: {progress:?}"
    );

    // The mix as FLAC, as WAV, and by range.
    let mix = artifact(&job, "track.flac");
    assert_eq!(mix["content_type"], "audio/flac");
    let key = mix["key"].as_str().unwrap();
    let (status, headers, flac) = server.bytes(&alice, &format!("/v1/artifacts/{key}")).await;
    assert_eq!(status, 200);
    assert_eq!(&flac[..4], b"fLaC");
    assert_eq!(headers["accept-ranges"], "bytes");
    let (_, _, wav) = server
        .bytes(&alice, &format!("/v1/artifacts/{key}?format=wav"))
        .await;
    let (rate, mix_channels) = read_wav(&wav);
    let seconds = mix_channels[0].len() as f64 / f64::from(rate);
    assert!(
        (SONG_SECONDS..SONG_SECONDS + 10.0).contains(&seconds),
        "{seconds} s for a {SONG_SECONDS} s song"
    );
    let rms = (mix_channels[0]
        .iter()
        .map(|s| f64::from(*s).powi(2))
        .sum::<f64>()
        / mix_channels[0].len() as f64)
        .sqrt();
    assert!(20.0 * rms.log10() > -30.0, "the mix is quiet: {rms}");
    println!(
        "stored {} bytes as FLAC for a {} byte WAV",
        flac.len(),
        wav.len()
    );
    assert!(flac.len() < wav.len() * 9 / 10);
    for (range, want) in [
        ("bytes=0-99", &flac[..100]),
        ("bytes=1000-1999", &flac[1000..2000]),
        ("bytes=-16", &flac[flac.len() - 16..]),
    ] {
        let r = server
            .client
            .get(server.url(&format!("/v1/artifacts/{key}")))
            .bearer_auth(&alice)
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 206, "{range}");
        assert!(r.headers()["content-range"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/{}", flac.len())));
        assert_eq!(&r.bytes().await.unwrap()[..], want, "{range}");
    }

    // The stems, each at its own level (float stems stored with headroom), sum to the mix.
    let stems: Vec<&serde_json::Value> = job["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"].as_str().unwrap().starts_with("stems/"))
        .collect();
    assert!(stems.len() >= 5, "{} stems", stems.len());
    let mut sum = vec![0f64; mix_channels[0].len()];
    for stem in &stems {
        let (status, _, bytes) = server
            .bytes(
                &alice,
                &format!("/v1/artifacts/{}?format=wav", stem["key"].as_str().unwrap()),
            )
            .await;
        assert_eq!(status, 200, "{stem}: {}", String::from_utf8_lossy(&bytes));
        let (_, channels) = read_wav(&bytes);
        for (s, x) in sum.iter_mut().zip(&channels[0]) {
            *s += f64::from(*x);
        }
    }
    let worst = sum
        .iter()
        .zip(&mix_channels[0])
        .map(|(s, m)| (s - f64::from(*m)).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-3, "the stems differ from the mix by {worst}");

    // The same job again: answered at once from the cache, with the same results.
    let (status, again) = server.post(&alice, "/v1/jobs", &ask).await;
    assert_eq!(status, 202);
    assert_eq!(again["cache_hit"], true, "{again}");
    assert_eq!(again["state"], "done");
    let (_, cached) = server
        .get(
            &alice,
            &format!("/v1/jobs/{}", again["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(cached["artifacts"], job["artifacts"]);

    let metrics = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "yano_cache_hits_total{kind=\"generate\"} 1",
        "yano_cache_misses_total{kind=\"generate\"} 1",
        "yano_generations_total{style=\"private_school\",success=\"true\"} 1",
        "yano_generation_seconds_count{style=\"private_school\"} 1",
        "yano_job_seconds_count{kind=\"generate\",priority=\"high\"} 1",
        "yano_amapiano_markers_held_ratio_count 1",
        "yano_workers_alive 1",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "no {line:?} in\n{metrics}"
        );
    }
}

async fn a_running_job_stops_when_cancelled_and_the_worker_goes_on(setup: Setup) {
    let Some(server) = Server::on(setup, "cancel", 1, |_| {}).await else {
        return;
    };
    let alice = server.token("alice").await;
    let long =
        json!({"kind": "generate", "params": {"prompt": "amapiano", "minutes": 6, "seed": 2}});
    let (_, queued) = server.post(&alice, "/v1/jobs", &long).await;
    let id = queued["id"].as_str().unwrap().to_string();
    // Wait until it renders.
    let started = std::time::Instant::now();
    loop {
        let (_, job) = server.get(&alice, &format!("/v1/jobs/{id}")).await;
        if job["state"] == "running" && job["progress"].as_f64().unwrap() > 0.06 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{job}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = server
        .client
        .delete(server.url(&format!("/v1/jobs/{id}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cancelled_at = std::time::Instant::now();
    let job = server.wait(&alice, &id, Duration::from_secs(60)).await;
    assert_eq!(job["state"], "cancelled", "{job}");
    assert!(job["artifacts"].as_array().unwrap().is_empty());
    println!(
        "stopped {:.2} s after the cancel",
        cancelled_at.elapsed().as_secs_f64()
    );
    // The worker is free again: a small render runs to its end.
    let render = json!({"kind": "render", "params": {"preset": include_str!("../../graphs/sine-chord.ron"), "seconds": 1.0}});
    let (status, queued) = server.post(&alice, "/v1/jobs", &render).await;
    assert_eq!(status, 202, "{queued}");
    let job = server
        .wait(
            &alice,
            queued["id"].as_str().unwrap(),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(job["state"], "done", "{job}");
    let (_, _, wav) = server
        .bytes(
            &alice,
            &format!(
                "/v1/artifacts/{}?format=wav",
                artifact(&job, "mix.flac")["key"].as_str().unwrap()
            ),
        )
        .await;
    let (rate, channels) = read_wav(&wav);
    assert_eq!(channels[0].len(), rate as usize, "one second asked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_track_is_made_stored_streamed_followed_and_cached_embedded() {
    a_generated_track_is_made_stored_streamed_followed_and_cached(Setup::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_track_is_made_stored_streamed_followed_and_cached_distributed() {
    a_generated_track_is_made_stored_streamed_followed_and_cached(Setup::Distributed).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_stops_when_cancelled_and_the_worker_goes_on_embedded() {
    a_running_job_stops_when_cancelled_and_the_worker_goes_on(Setup::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_stops_when_cancelled_and_the_worker_goes_on_distributed() {
    a_running_job_stops_when_cancelled_and_the_worker_goes_on(Setup::Distributed).await;
}
