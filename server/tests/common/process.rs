//! The real `server` binary as a child process, for tests about processes: killed mid-push
//! (crash.rs), several sharing one database (processes.rs), a database that goes away (outage.rs).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `server` process and where its output goes.
pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Server {
    /// Starts the binary on a free port against `database_url`, with the demo data, and waits
    /// until it answers.
    pub async fn start(dir: &Path, database_url: &str, name: &str, fault_pause_ms: Option<u64>) -> Self {
        Self::start_with(dir, database_url, name, fault_pause_ms, &[]).await
    }

    /// [`Server::start`] with more environment variables.
    pub async fn start_with(
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

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown handler runs, no transaction is finished.
    pub fn kill(mut self) {
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

pub async fn sign_in(server: &Server, client: &reqwest::Client, login: &str) {
    let res = client
        .post(server.url("/api/v1/session"))
        .json(&json!({"login": login, "password": mimamori_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "sign-in as {login}");
}

/// A device: its own cookie jar, sending the CSRF header as the app does.
pub fn device() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(mimamori_core::api::CSRF_HEADER, reqwest::header::HeaderValue::from_static("1"));
    reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap()
}

/// The ids of the persons in the signed-in user's scope, as a pull names them.
pub async fn scope_ids(server: &Server, client: &reqwest::Client) -> Vec<String> {
    get_json(client, &server.url("/api/v1/sync/pull")).await["scope"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.json().await.unwrap()
}

/// How many of these checks the database holds.
pub async fn stored(database_url: &str, ids: &[String]) -> i64 {
    let storage = mimamori_server::storage::Storage::connect(database_url).await.unwrap();
    let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(", ");
    let n = sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM checks WHERE id IN ({list})"))
        .fetch_one(storage.pool())
        .await
        .unwrap();
    storage.pool().close().await;
    n
}
