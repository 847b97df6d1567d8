//! PostgreSQL restarted under load (an upgrade, a failover, a crashed host): while it is away every
//! request is answered, quickly, with a JSON 503 the phone knows to retry, never a 500 and never a
//! hang; when it is back the server serves again by itself; no record is lost or doubled.
//!
//! This test starts its own PostgreSQL cluster (it stops and starts it, which the shared test
//! cluster must not do) from the installation scripts/setup.sh made, and runs the real `server`.

mod common;
use common::new_check;
use common::process::{device, scope_ids, sign_in, stored, Server};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A PostgreSQL cluster of this test's own.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Cluster {
    fn init(dir: &Path) -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (scripts/setup.sh --test installs it)")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max_by_key(|b| b.to_string_lossy().split('/').nth(4).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0))
            .expect("a PostgreSQL with initdb");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let cluster = Cluster { bin, data: dir.join("pgdata"), port };
        if is_root() {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
            run(Command::new("chown").arg("postgres").arg(dir));
        }
        run(cluster.pg("initdb").args(["-A", "trust", "-U", "postgres", "-D"]).arg(&cluster.data));
        cluster.start();
        cluster
    }

    fn pg(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        }
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.parent().unwrap().display()
        );
        let log = self.data.parent().unwrap().join("postgres.log");
        run(self.pg("pg_ctl").arg("-D").arg(&self.data).arg("-l").arg(log).args(["-w", "-o", &options, "start"]));
    }

    /// As an administrator stops it: sessions are ended, transactions in flight are rolled back.
    fn stop(&self) {
        run(self.pg("pg_ctl").arg("-D").arg(&self.data).args(["-m", "fast", "-w", "stop"]));
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg("pg_ctl").arg("-D").arg(&self.data).args(["-m", "immediate", "stop"]).output();
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One answer as the load saw it.
struct Answer {
    status: u16,
    code: Option<String>,
    took: Duration,
}

#[tokio::test]
async fn a_database_restart_under_load_is_a_503_then_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::init(dir.path());
    let env = [("MIMAMORI_REQUEST_TIMEOUT_SECS", "10")];
    let server = Arc::new(Server::start_with(dir.path(), &cluster.url(), "server", None, &env).await);
    let sato = device();
    sign_in(&server, &sato, "sato").await;
    let persons = scope_ids(&server, &sato).await;

    // Four phones of the same user sync in a loop: a pull, then a push of one new check. A check
    // whose push was not answered `applied` stays in that phone's outbox, as in the app.
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let made = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut phones = Vec::new();
    for n in 0..4 {
        let (sato, server, persons) = (sato.clone(), server.clone(), persons.clone());
        let (answers, made, stop) = (answers.clone(), made.clone(), stop.clone());
        phones.push(tokio::spawn(async move {
            let mut outbox: Vec<Value> = Vec::new();
            let mut i = n;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let check = new_check(&persons[i % persons.len()], "all_well");
                made.lock().unwrap().push(check["id"].as_str().unwrap().to_owned());
                outbox.push(check);
                i += 4;
                let started = Instant::now();
                let pull = sato.get(server.url("/api/v1/sync/pull")).send().await;
                let (pulled, _) = answer(pull, started).await;
                answers.lock().unwrap().push(pulled);
                let body = json!({"mutations": outbox.iter().map(|c| json!({"type": "create_check", "check": c})).collect::<Vec<_>>()});
                let started = Instant::now();
                let push = sato.post(server.url("/api/v1/sync/push")).json(&body).send().await;
                let (a, res) = answer(push, started).await;
                if a.status == 200 {
                    let res = res.unwrap();
                    assert!(statuses_are_landed(&res), "{res}");
                    outbox.clear();
                }
                answers.lock().unwrap().push(a);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            outbox
        }));
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.stop();
    let down = Instant::now();
    // While it is down: answered within the wait for a connection, as a JSON 503.
    let started = Instant::now();
    let res = sato.get(server.url("/api/v1/sync/pull")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_unavailable", "{body}");
    assert!(!body["error"]["message_ja"].as_str().unwrap().is_empty());
    assert!(started.elapsed() < Duration::from_secs(8), "answered in {:?}", started.elapsed());
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(down.elapsed())).await;
    cluster.start();

    // Back by itself: no restart of the server, no sign-in again.
    let back = Instant::now();
    loop {
        let res = sato.get(server.url("/api/v1/sync/pull")).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(30), "the server did not recover:\n{}", server.output());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut left = Vec::new();
    for p in phones {
        left.extend(p.await.unwrap());
    }

    let answers = std::mem::take(&mut *answers.lock().unwrap());
    let unavailable = answers.iter().filter(|a| a.status == 503).count();
    assert!(unavailable > 0, "the load met the outage");
    for a in answers.iter() {
        assert!(a.status == 200 || a.status == 503, "only 200 or 503, never {} ({:?})", a.status, a.code);
        if a.status == 503 {
            let code = a.code.as_deref().unwrap_or("no JSON");
            assert!(["database_unavailable", "timeout"].contains(&code), "a 503 says why in JSON: {code}");
        }
        assert!(a.took < Duration::from_secs(12), "a request hung for {:?}", a.took);
    }
    // What was left in outboxes goes now; every check made is stored exactly once.
    if !left.is_empty() {
        let body =
            json!({"mutations": left.iter().map(|c| json!({"type": "create_check", "check": c})).collect::<Vec<_>>()});
        let res: Value =
            sato.post(server.url("/api/v1/sync/push")).json(&body).send().await.unwrap().json().await.unwrap();
        assert!(statuses_are_landed(&res), "{res}");
    }
    let made = made.lock().unwrap().clone();
    assert_eq!(
        stored(&cluster.url(), &made).await,
        made.len() as i64,
        "{} answers, {unavailable} of them 503",
        answers.len()
    );
}

/// Every result is `applied` or `duplicate` (a retry of what landed before its answer was lost).
fn statuses_are_landed(res: &Value) -> bool {
    common::statuses(res).iter().all(|s| s == "applied" || s == "duplicate")
}

async fn answer(res: reqwest::Result<reqwest::Response>, started: Instant) -> (Answer, Option<Value>) {
    let res = res.expect("the server answers (it is up; only its database is not)");
    let status = res.status().as_u16();
    let body: Option<Value> = res.json().await.ok();
    let code = body.as_ref().and_then(|b| b["error"]["code"].as_str().map(str::to_owned));
    (Answer { status, code, took: started.elapsed() }, body)
}
