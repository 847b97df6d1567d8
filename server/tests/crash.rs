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
use common::{fresh_database, new_check, statuses, Backend};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `server` process and where its output goes.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    /// Starts the binary on a free port against `database_url`, with the demo data, and waits
    /// until it answers.
    async fn start(dir: &Path, database_url: &str, name: &str, fault_pause_ms: Option<u64>) -> Self {
        Self::start_with(dir, database_url, name, fault_pause_ms, &[]).await
    }

    /// [`Server::start`] with more environment variables.
    async fn start_with(
        dir: &Path,
        database_url: &str,
        name: &str,
        fault_pause_ms: Option<u64>,
        env: &[(&str, &str)],
    ) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .env("MIMAMORI_ADDR", format!("127.0.0.1:{port}"))
            .env("MIMAMORI_DATABASE_URL", database_url)
            // No built site is needed for the API; the shell falls back without it.
            .env("MIMAMORI_SITE_ROOT", dir.join("site"))
            .env("MIMAMORI_HASH_FILE", dir.join("hash.txt"))
            .env("MIMAMORI_DEMO", "1")
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out);
        if let Some(ms) = fault_pause_ms {
            cmd.env("MIMAMORI_FAULT_PAUSE_MID_PUSH_MS", ms.to_string());
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut server =
            Server { child: cmd.spawn().expect("server binary starts"), base: format!("http://127.0.0.1:{port}"), log };
        let started = Instant::now();
        loop {
            if let Ok(res) = reqwest::get(format!("{}/api/v1/health", server.base)).await {
                if res.status() == 200 {
                    return server;
                }
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("the server exited with {status} before answering:\n{}", server.output());
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not answer:\n{}", server.output());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown handler runs, no transaction is finished.
    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn sign_in(server: &Server, client: &reqwest::Client, login: &str) {
    let res = client
        .post(server.url("/api/v1/session"))
        .json(&json!({"login": login, "password": mimamori_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "sign-in as {login}");
}

/// A device: its own cookie jar, sending the CSRF header as the app does.
fn device() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(mimamori_core::api::CSRF_HEADER, reqwest::header::HeaderValue::from_static("1"));
    reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap()
}

async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.json().await.unwrap()
}

/// How many of these checks the database holds.
async fn stored(database_url: &str, ids: &[String]) -> i64 {
    let storage = mimamori_server::storage::Storage::connect(database_url).await.unwrap();
    let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(", ");
    let n = sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM checks WHERE id IN ({list})"))
        .fetch_one(storage.pool())
        .await
        .unwrap();
    storage.pool().close().await;
    n
}

async fn a_server_killed_mid_batch_keeps_nothing_of_it_and_the_retry_lands_once(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let database_url = fresh_database(backend, dir.path()).await;
    let server = Server::start(dir.path(), &database_url, "first", Some(5_000)).await;
    let sato = device();
    sign_in(&server, &sato, "sato").await;
    let persons: Vec<String> = get_json(&sato, &server.url("/api/v1/sync/pull")).await["scope"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
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
