//! Several server processes on one PostgreSQL, as a prefecture runs it behind a load balancer:
//! a phone's requests land on whichever process is free, so nothing one process knows may be
//! missing in another. Sessions, sign-in lockouts, device revocation and the change sequence all
//! live in the database; these tests hold the processes to that.
//!
//! Real `server` binaries (see common/process.rs), PostgreSQL only: SQLite is one process's file.

mod common;
use common::process::{device, get_json, scope_ids, sign_in, stored, Server};
use common::{fresh_database, new_check, now_ms, statuses, Backend};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn push_body(checks: &[Value]) -> Value {
    json!({
        "mutations": checks.iter().map(|c| json!({"type": "create_check", "check": c})).collect::<Vec<_>>(),
        "sent_at": now_ms(),
    })
}

fn ids_of(checks: &[Value]) -> Vec<String> {
    checks.iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

/// Pulls every page from `cursor` through `server`; returns the check ids in order and the new cursor.
async fn pull_all(server: &Server, client: &reqwest::Client, mut cursor: i64) -> (Vec<String>, i64) {
    let mut ids = Vec::new();
    loop {
        let page = get_json(client, &server.url(&format!("/api/v1/sync/pull?cursor={cursor}"))).await;
        ids.extend(page["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        cursor = page["cursor"].as_i64().unwrap();
        if page["more"] != json!(true) {
            return (ids, cursor);
        }
    }
}

#[tokio::test]
async fn a_phone_moving_between_processes_sees_one_server() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(Backend::Postgres, dir.path()).await;
    let a = Server::start(dir.path(), &database_url, "a", None).await;
    // B runs on a pool of two connections: a pull holds one for its reads, a push one for its
    // write; concurrent pushes and pulls through it must still all be answered.
    let b = Server::start_with(dir.path(), &database_url, "b", None, &[("MIMAMORI_DB_CONNECTIONS", "2")]).await;
    let both = [&a, &b];

    // Signed in through A, the session works on B.
    let sato = device();
    sign_in(&a, &sato, "sato").await;
    let persons = scope_ids(&b, &sato).await;
    assert!(!persons.is_empty());
    let tanaka = device();
    sign_in(&b, &tanaka, "tanaka").await;
    let (_, start) = pull_all(&a, &tanaka, 0).await;

    // Two phones push at once, each batch through whichever process, while the coordinator pulls
    // from her cursor through both in turn: every check reaches her once, none is stepped over.
    let suzuki = device();
    sign_in(&b, &suzuki, "suzuki").await;
    let suzuki_persons = scope_ids(&a, &suzuki).await;
    let mut pushes = Vec::new();
    let mut expected = HashSet::new();
    for round in 0..12 {
        for (phone, list) in [(&sato, &persons), (&suzuki, &suzuki_persons)] {
            let checks: Vec<Value> = (0..15).map(|i| new_check(&list[(round + i) % list.len()], "all_well")).collect();
            expected.extend(ids_of(&checks));
            let (phone, url, body) = (phone.clone(), both[round % 2].url("/api/v1/sync/push"), push_body(&checks));
            pushes.push(tokio::spawn(async move {
                let res: Value = phone.post(url).json(&body).send().await.unwrap().json().await.unwrap();
                statuses(&res)
            }));
        }
    }
    let mut seen = Vec::new();
    let mut cursor = start;
    let mut turn = 0;
    while pushes.iter().any(|p| !p.is_finished()) {
        let (ids, next) = pull_all(both[turn % 2], &tanaka, cursor).await;
        seen.extend(ids);
        cursor = next;
        turn += 1;
    }
    for p in pushes {
        assert_eq!(p.await.unwrap(), vec!["applied"; 15]);
    }
    let (ids, _) = pull_all(both[turn % 2], &tanaka, cursor).await;
    seen.extend(ids);
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no check came twice");
    assert_eq!(unique, expected, "every check came, none stepped over by a cursor ({turn} pulls during the pushes)");

    // The same batch again, through the other process: duplicates, stored once.
    let again: Vec<Value> = (0..3).map(|i| new_check(&persons[i % persons.len()], "all_well")).collect();
    let res: Value =
        sato.post(a.url("/api/v1/sync/push")).json(&push_body(&again)).send().await.unwrap().json().await.unwrap();
    assert_eq!(statuses(&res), vec!["applied"; 3]);
    let res: Value =
        sato.post(b.url("/api/v1/sync/push")).json(&push_body(&again)).send().await.unwrap().json().await.unwrap();
    assert_eq!(statuses(&res), vec!["duplicate"; 3]);
    assert_eq!(stored(&database_url, &ids_of(&again)).await, 3);

    // A pull mark given through A holds through B (it is kept in the database, not in A), and
    // a concern pushed through B ends it on A.
    let first = get_json(&sato, &a.url("/api/v1/sync/pull?cursor=0")).await;
    let (mark, cursor) = (first["mark"].clone(), first["cursor"].as_i64().unwrap());
    assert!(mark.is_i64(), "{first}");
    let quiet = get_json(&sato, &b.url(&format!("/api/v1/sync/pull?cursor={cursor}&mark={mark}"))).await;
    assert_eq!(quiet["unchanged"], json!(true), "{quiet}");
    let concern = push_body(&[new_check(&persons[0], "concern")]);
    let res: Value = sato.post(b.url("/api/v1/sync/push")).json(&concern).send().await.unwrap().json().await.unwrap();
    assert_eq!(statuses(&res), ["applied"]);
    let after = get_json(&sato, &a.url(&format!("/api/v1/sync/pull?cursor={cursor}&mark={mark}"))).await;
    assert!(after.get("unchanged").is_none(), "{after}");
    assert_eq!(after["scope"].as_array().unwrap().len(), persons.len());
    assert_eq!(after["checks"].as_array().unwrap().len(), 1, "the concern itself");

    // Signed out through A: B refuses the same cookie at once.
    assert_eq!(sato.delete(a.url("/api/v1/session")).send().await.unwrap().status(), 204);
    assert_eq!(sato.get(b.url("/api/v1/me")).send().await.unwrap().status(), 401);

    // Wrong passwords, alternately on A and B, count as one run of failures: locked on both.
    let guesser = device();
    for i in 0..mimamori_server::storage::MAX_FAILURES {
        let res = guesser
            .post(both[i as usize % 2].url("/api/v1/session"))
            .json(&json!({"login": "takahashi", "password": "wrong-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    for server in both {
        let res = guesser
            .post(server.url("/api/v1/session"))
            .json(&json!({"login": "takahashi", "password": mimamori_server::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 429, "locked on every process, even with the right password");
    }
}

#[tokio::test]
async fn a_process_killed_mid_batch_leaves_nothing_and_the_other_completes_the_retry() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(Backend::Postgres, dir.path()).await;
    // A pauses every push halfway through its transaction; B is healthy.
    let a = Server::start(dir.path(), &database_url, "a", Some(20_000)).await;
    let b = Server::start(dir.path(), &database_url, "b", None).await;
    let sato = device();
    sign_in(&b, &sato, "sato").await;
    let persons = scope_ids(&b, &sato).await;
    let checks: Vec<Value> = (0..60).map(|i| new_check(&persons[i % persons.len()], "all_well")).collect();
    let ids = ids_of(&checks);
    let body = push_body(&checks);
    let push = tokio::spawn({
        let (sato, url, body) = (sato.clone(), a.url("/api/v1/sync/push"), body.clone());
        async move { sato.post(url).json(&body).send().await }
    });
    let started = Instant::now();
    while !a.output().contains("fault injection: pausing") {
        assert!(started.elapsed() < Duration::from_secs(20), "the push never reached its midpoint:\n{}", a.output());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // While A holds its half-done batch, B still answers reads.
    let tanaka = device();
    sign_in(&b, &tanaka, "tanaka").await;
    let asked = Instant::now();
    let (seen, _) = pull_all(&b, &tanaka, 0).await;
    assert!(asked.elapsed() < Duration::from_secs(5), "B's reads do not wait for A's write");
    assert!(ids.iter().all(|id| !seen.contains(id)), "nothing of an uncommitted batch is visible");
    a.kill();
    assert!(push.await.unwrap().is_err(), "the phone gets no answer from the killed process");
    assert_eq!(stored(&database_url, &ids).await, 0, "a half-applied batch was left behind");

    // The phone retries through the survivor: every check lands once, in order.
    let res: Value = sato.post(b.url("/api/v1/sync/push")).json(&body).send().await.unwrap().json().await.unwrap();
    assert_eq!(statuses(&res), vec!["applied"; 60]);
    assert_eq!(stored(&database_url, &ids).await, 60);
    let (seen, _) = pull_all(&b, &tanaka, 0).await;
    let landed: Vec<&String> = seen.iter().filter(|id| ids.contains(id)).collect();
    assert_eq!(landed, ids.iter().collect::<Vec<_>>(), "every check once, in the order made");
}
