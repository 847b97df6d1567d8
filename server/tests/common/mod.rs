//! Spawns a real server on a random port with a fresh database holding the demo municipality.
#![allow(dead_code)] // each test file uses a different part

use mimamori_server::config::Config;
use mimamori_server::startup::Application;
use serde_json::{json, Value};
use std::net::SocketAddr;

pub use mimamori_server::storage::Backend;

pub mod process;

pub struct TestApp {
    pub addr: SocketAddr,
    pub database_url: String,
    /// The server's password-hash gate: how much hashing a test caused, and at most how much at once.
    pub hashes: mimamori_server::auth::HashGate,
    _dir: tempfile::TempDir,
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name(super::TestApp::spawn(super::Backend::Sqlite).await).await; } )+
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { super::$name(super::TestApp::spawn(super::Backend::Postgres).await).await; } )+
        }
    };
}

/// A fresh, empty database for one test.
pub async fn fresh_database(backend: Backend, dir: &std::path::Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/test.db", dir.display()),
        Backend::Postgres => {
            let admin = std::env::var("MIMAMORI_TEST_POSTGRES_URL").expect(
                "PostgreSQL tests need MIMAMORI_TEST_POSTGRES_URL (scripts/test.sh starts a throwaway cluster and sets it)",
            );
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let mut conn =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.expect("PostgreSQL reachable");
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str()).await.unwrap();
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            format!("{base}/{name}")
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_, _| {}).await
    }

    /// Like [`TestApp::spawn`], with the configuration changed first (`dir` is the test's own
    /// directory, for files a setting names).
    pub async fn spawn_with(backend: Backend, change: impl FnOnce(&mut Config, &std::path::Path)) -> Self {
        // Server-side errors show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()))
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = fresh_database(backend, dir.path()).await;
        let mut config = Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            database_url: database_url.clone(),
            site_root: dir.path().join("site"),
            hash_file: dir.path().join("hash.txt"),
            demo: true,
            demo_history: false,
            secure_cookies: false,
            public_url: None,
            sessions: Default::default(),
            hash_concurrency: 2,
            request_timeout: std::time::Duration::from_secs(30),
            db_connections: mimamori_server::storage::POOL_CONNECTIONS,
            map_tiles: Default::default(),
        };
        change(&mut config, dir.path());
        let app = Application::build(config).await.expect("server starts");
        let addr = app.local_addr();
        let hashes = app.hash_gate();
        tokio::spawn(app.run());
        Self { addr, database_url, hashes, _dir: dir }
    }

    /// A second door to the same database, for setting up fixtures a test needs.
    pub async fn storage(&self) -> mimamori_server::storage::Storage {
        mimamori_server::storage::Storage::connect(&self.database_url).await.expect("database reachable")
    }

    /// Runs fixture SQL (`?` placeholders, text binds) against the test database.
    pub async fn exec(&self, storage: &mimamori_server::storage::Storage, sql: &str, binds: &[&str]) {
        let sql = storage.sql(sql);
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.execute(storage.pool()).await.unwrap_or_else(|e| panic!("fixture SQL failed: {e}: {sql}"));
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with its own cookie jar: one device, sending the CSRF header as the app does.
    pub fn device(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(mimamori_core::api::CSRF_HEADER, reqwest::header::HeaderValue::from_static("1"));
        reqwest::Client::builder().cookie_store(true).default_headers(headers).build().unwrap()
    }

    /// A client without the CSRF header, as a cross-site form post would be.
    pub fn bare_device(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).build().unwrap()
    }

    /// A device signed in as one of the demo users.
    pub async fn signed_in(&self, login: &str) -> reqwest::Client {
        self.signed_in_with(login, mimamori_server::demo::DEMO_PASSWORD).await
    }

    /// A device signed in with this password.
    pub async fn signed_in_with(&self, login: &str, password: &str) -> reqwest::Client {
        let c = self.device();
        let res = self.sign_in(&c, login, password).await;
        assert_eq!(res.status(), 200, "sign-in as {login}");
        c
    }

    /// `POST /session` on this client, as it comes.
    pub async fn sign_in(&self, c: &reqwest::Client, login: &str, password: &str) -> reqwest::Response {
        c.post(self.url("/api/v1/session")).json(&json!({"login": login, "password": password})).send().await.unwrap()
    }

    /// A volunteer's new phone enrolled with a code (the answer as it comes).
    pub async fn enroll(&self, c: &reqwest::Client, code: &str) -> reqwest::Response {
        c.post(self.url("/api/v1/enroll")).json(&json!({"code": code})).send().await.unwrap()
    }

    pub async fn pull(&self, c: &reqwest::Client, cursor: i64) -> Value {
        let res = c.get(self.url(&format!("/api/v1/sync/pull?cursor={cursor}"))).send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "pull failed: {body}");
        body
    }

    /// Pushes checks (each wrapped as a `create_check` mutation), without a device clock.
    pub async fn push(&self, c: &reqwest::Client, checks: &[Value]) -> (u16, Value) {
        let mutations: Vec<Value> = checks.iter().map(create_check).collect();
        self.push_mutations(c, &mutations, None).await
    }

    /// Pushes mutations as they are (see [`edit_person`] and [`create_check`]), with the device
    /// clock's `sent_at` when given.
    pub async fn push_mutations(&self, c: &reqwest::Client, mutations: &[Value], sent_at: Option<i64>) -> (u16, Value) {
        let mut body = json!({ "mutations": mutations });
        if let Some(sent_at) = sent_at {
            body["sent_at"] = json!(sent_at);
        }
        let res = c.post(self.url("/api/v1/sync/push")).json(&body).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }

    /// `POST /sync/persons`: the full records of these persons (those in scope), and with
    /// `history_upto` their checks up to that cursor.
    pub async fn fetch_persons(&self, c: &reqwest::Client, ids: &[String], history_upto: Option<i64>) -> Value {
        let res = c
            .post(self.url("/api/v1/sync/persons"))
            .json(&json!({"ids": ids, "history_upto": history_upto}))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "fetching persons failed: {body}");
        body
    }

    /// One person's full record as this client may see it (panics when it is out of scope).
    pub async fn fetch_person(&self, c: &reqwest::Client, id: &str) -> Value {
        let fetched = self.fetch_persons(c, &[id.to_owned()], None).await;
        let persons = fetched["persons"].as_array().unwrap();
        assert_eq!(persons.len(), 1, "{id} should be in scope: {fetched}");
        persons[0].clone()
    }

    /// Everyone in this client's scope as full records, as a device syncs them: a pull for the
    /// manifest, then fetches of at most 100 persons each.
    pub async fn scope_persons(&self, c: &reqwest::Client) -> Vec<Value> {
        let ids = person_ids(&self.pull(c, 0).await);
        let mut persons = Vec::new();
        for chunk in ids.chunks(mimamori_core::api::MAX_FETCH_PERSONS) {
            let fetched = self.fetch_persons(c, chunk, None).await;
            persons.extend(fetched["persons"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(persons.len(), ids.len(), "every person the manifest names can be fetched");
        persons
    }

    /// One number from SQL (`?` placeholders, text binds) on the test database.
    pub async fn count(&self, storage: &mimamori_server::storage::Storage, sql: &str, binds: &[&str]) -> i64 {
        let sql = storage.sql(sql);
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for b in binds {
            q = q.bind(*b);
        }
        q.fetch_one(storage.pool()).await.unwrap_or_else(|e| panic!("count failed: {e}: {sql}"))
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

pub fn new_check(person: &str, outcome: &str) -> Value {
    json!({
        "id": uuid::Uuid::new_v4().to_string(),
        "person_id": person,
        "outcome": outcome,
        "note": "新聞が二日分たまっている",
        "recorded_at": now_ms(),
    })
}

/// A `create_check` mutation.
pub fn create_check(check: &Value) -> Value {
    json!({"type": "create_check", "check": check})
}

/// An `edit_person` mutation with a fresh id: `(field, base version, new value)` per edit.
pub fn edit_person(person: &str, edits: &[(&str, i64, Value)]) -> Value {
    let edits: Vec<Value> = edits
        .iter()
        .map(|(field, base, value)| json!({"base": base, "change": {"field": field, "value": value}}))
        .collect();
    json!({"type": "edit_person", "id": uuid::Uuid::new_v4().to_string(), "person_id": person, "edits": edits})
}

/// The version a fetched person's field was last written at (0: never since versions began):
/// the `base` a device sends with its edit.
pub fn field_version(person: &Value, field: &str) -> i64 {
    person["field_versions"].get(field).map(|v| v.as_i64().unwrap()).unwrap_or(0)
}

/// The ids of the persons a pull's scope manifest names.
pub fn person_ids(pull: &Value) -> Vec<String> {
    pull["scope"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
}

/// The status of each result of a push, in order.
pub fn statuses(res: &Value) -> Vec<String> {
    res["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no results in {res}"))
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts the response is the JSON error envelope with the given status and code.
pub async fn assert_json_error(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(ct.starts_with("application/json"), "content-type was {ct}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(!body["error"]["message_ja"].as_str().unwrap_or("").is_empty(), "a Japanese message for users");
    body
}
