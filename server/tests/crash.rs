//! The server process killed in the middle of a push (power cut, OOM killer, `kill -9`): the
//! half-done batch must leave nothing behind, and the phone's retry after the restart must land
//! every record exactly once.
//!
//! This runs the real `server` binary as a child process, with fault injection
//! (`MIMAMORI_FAULT_PAUSE_MID_PUSH_MS`) holding a push halfway through its transaction long
//! enough to SIGKILL the process there. Once on SQLite and once on PostgreSQL.
//!
//! The same injection shows the request timeout at work: a push that takes too long is answered
//! 503 `timeout` in JSON when the timeout passes, and what it had written rolls back.

mod common;
use common::process::{device, get_json, scope_ids, sign_in, stored, Server};
use common::{fresh_database, new_check, statuses, Backend};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn a_server_killed_mid_batch_keeps_nothing_of_it_and_the_retry_lands_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(backend, dir.path()).await;
    let server = Server::start(dir.path(), &database_url, "first", Some(5_000)).await;
    let sato = device();
    sign_in(&server, &sato, "sato").await;
    let persons = scope_ids(&server, &sato).await;
    let checks: Vec<Value> = (0..100).map(|i| new_check(&persons[i % persons.len()], "all_well")).collect();
    let ids: Vec<String> = checks.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    let body = json!({
        "mutations": checks.iter().map(|c| json!({"type": "create_check", "check": c})).collect::<Vec<_>>(),
        "sent_at": common::now_ms(),
    });

    // The push stops halfway through its transaction; the process dies there.
    let push = tokio::spawn({
        let (sato, url, body) = (sato.clone(), server.url("/api/v1/sync/push"), body.clone());
        async move { sato.post(url).json(&body).send().await }
    });
    let started = Instant::now();
    while !server.output().contains("fault injection: pausing") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the push never reached its midpoint:\n{}",
            server.output()
        );
        assert!(!push.is_finished(), "the push finished before the server paused:\n{}", server.output());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    assert!(push.await.unwrap().is_err(), "the phone gets no answer from a killed server");

    // Restarted, without the fault, on the same database: not one check of the batch is there.
    let server = Server::start(dir.path(), &database_url, "second", None).await;
    assert_eq!(stored(&database_url, &ids).await, 0, "a half-applied batch was left behind");
    let tanaka = device();
    sign_in(&server, &tanaka, "tanaka").await;
    let pulled = get_json(&tanaka, &server.url("/api/v1/sync/pull?cursor=0")).await;
    assert_eq!(pulled["checks"], json!([]), "the coordinator sees none of it");

    // The phone retries with the session it had: the session is in the database and survived.
    let res = sato.post(server.url("/api/v1/sync/push")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res: Value = res.json().await.unwrap();
    assert_eq!(statuses(&res), vec!["applied"; 100]);
    assert_eq!(stored(&database_url, &ids).await, 100);
    let pulled = get_json(&tanaka, &server.url("/api/v1/sync/pull?cursor=0")).await;
    let pulled_ids: Vec<&str> =
        pulled["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(pulled_ids, ids, "every check once, in the order made");
    // And a second retry is only duplicates.
    let res: Value = sato.post(server.url("/api/v1/sync/push")).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(statuses(&res), vec!["duplicate"; 100]);
    assert_eq!(stored(&database_url, &ids).await, 100);
}

async fn a_push_that_takes_too_long_is_answered_and_rolled_back(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(backend, dir.path()).await;
    // Every push stalls for 20 s in the middle of its transaction; requests may take 2 s.
    let env = [("MIMAMORI_REQUEST_TIMEOUT_SECS", "2")];
    let server = Server::start_with(dir.path(), &database_url, "slow", Some(20_000), &env).await;
    let sato = device();
    sign_in(&server, &sato, "sato").await;
    let person = get_json(&sato, &server.url("/api/v1/sync/pull")).await["scope"][0]["id"].as_str().unwrap().to_owned();
    let checks: Vec<Value> = (0..4).map(|_| new_check(&person, "all_well")).collect();
    let ids: Vec<String> = checks.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    let body =
        json!({"mutations": checks.iter().map(|c| json!({"type": "create_check", "check": c})).collect::<Vec<_>>()});
    let started = Instant::now();
    let res = sato.post(server.url("/api/v1/sync/push")).json(&body).send().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(res.status(), 503);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "timeout", "{answer}");
    assert!(!answer["error"]["message_ja"].as_str().unwrap().is_empty());
    assert!(waited < Duration::from_secs(10), "answered when the timeout passed, not when the push ended: {waited:?}");
    assert_eq!(stored(&database_url, &ids).await, 0, "nothing of the stalled push was kept");
    // The server goes on: other requests are answered, and the write lock was given back.
    assert_eq!(sato.get(server.url("/api/v1/me")).send().await.unwrap().status(), 200);
    drop(server);
    let server = Server::start(dir.path(), &database_url, "after", None).await;
    let res: Value = sato.post(server.url("/api/v1/sync/push")).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(statuses(&res), vec!["applied"; 4]);
}

mod sqlite {
    #[tokio::test]
    async fn a_server_killed_mid_batch_keeps_nothing_of_it_and_the_retry_lands_once() {
        super::a_server_killed_mid_batch_keeps_nothing_of_it_and_the_retry_lands_once(super::Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn a_push_that_takes_too_long_is_answered_and_rolled_back() {
        super::a_push_that_takes_too_long_is_answered_and_rolled_back(super::Backend::Sqlite).await;
    }
}

mod postgres {
    #[tokio::test]
    async fn a_server_killed_mid_batch_keeps_nothing_of_it_and_the_retry_lands_once() {
        super::a_server_killed_mid_batch_keeps_nothing_of_it_and_the_retry_lands_once(super::Backend::Postgres).await;
    }

    #[tokio::test]
    async fn a_push_that_takes_too_long_is_answered_and_rolled_back() {
        super::a_push_that_takes_too_long_is_answered_and_rolled_back(super::Backend::Postgres).await;
    }
}
