//! The queue's priority rule against the real database: high before normal before low, and a low
//! job waiting under a steady high load still gets one turn in eight.

use yano_platform::db::{Db, NewJob};
use yano_platform::queue::claim_next;

async fn db(name: &str) -> Db {
    let dir = std::env::temp_dir().join(format!("yano-queue-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Db::connect(&format!("sqlite://{}?mode=rwc", dir.join("q.db").display()))
        .await
        .unwrap()
}

async fn queue(db: &Db, id: &str, priority: &str) {
    let job = NewJob {
        id,
        owner: "u",
        kind: "render",
        params: "{}",
        input: None,
        priority,
        cache_key: id,
    };
    db.insert_job(&job).await.unwrap();
    // Distinct creation times keep the order within a priority.
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
}

#[tokio::test]
async fn high_goes_first_and_low_is_never_starved() {
    let db = db("starve").await;
    queue(&db, "low-1", "low").await;
    queue(&db, "low-2", "low").await;
    queue(&db, "normal-1", "normal").await;
    for i in 0..30 {
        queue(&db, &format!("high-{i:02}"), "high").await;
    }
    let mut order = Vec::new();
    for turn in 0..33 {
        let job = claim_next(&db, turn, "w")
            .await
            .unwrap()
            .expect("jobs are waiting");
        assert_eq!(job.state, "running");
        order.push(job.id);
    }
    assert!(claim_next(&db, 33, "w").await.unwrap().is_none());
    // Turns: H H N H H N H L | H H N …: the first low job on the 8th claim, the second on the 16th,
    // though 30 high jobs were waiting all along.
    assert_eq!(order[7], "low-1");
    assert_eq!(order[15], "low-2");
    assert_eq!(order[2], "normal-1");
    assert_eq!(order[0], "high-00");
    let highs: Vec<&String> = order.iter().filter(|id| id.starts_with("high")).collect();
    assert!(
        highs.windows(2).all(|w| w[0] < w[1]),
        "high jobs in the order queued: {highs:?}"
    );
}

#[tokio::test]
async fn a_job_is_claimed_once_and_ends_once() {
    let db = db("once").await;
    queue(&db, "only", "normal").await;
    let (a, b) = tokio::join!(claim_next(&db, 0, "a"), claim_next(&db, 0, "b"));
    let claimed = [a.unwrap(), b.unwrap()];
    assert_eq!(
        claimed.iter().filter(|c| c.is_some()).count(),
        1,
        "claimed by two workers"
    );
    assert!(db
        .finish("only", "done", Some("[]"), Some("{}"), None)
        .await
        .unwrap());
    assert!(
        !db.finish("only", "done", Some("[]"), Some("{}"), None)
            .await
            .unwrap(),
        "a second result was kept"
    );
    assert!(!db
        .finish("only", "failed", None, None, Some("late"))
        .await
        .unwrap());
    assert_eq!(db.job("only", None).await.unwrap().unwrap().state, "done");
}
