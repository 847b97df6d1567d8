//! Sign-in burst: what the process-wide bound on password hashing (`MIMAMORI_HASH_CONCURRENCY`)
//! does to throughput, latency and memory when 100 sign-ins arrive at once. A measurement, not a
//! test: `cargo bench -p server --bench sign_in [-- --burst N --bounds 1,2,4,8,100]`.
//!
//! Each bound gets the real `server` binary as a child process on a fresh SQLite database with
//! the demo data plus N staff users (distinct logins, so the per-login attempt limit does not
//! refuse any). The burst is N concurrent `POST /session` with the right password; the child's
//! peak resident memory (`VmHWM` in /proc) is read before and after. Nothing is asserted but that
//! every sign-in succeeded.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Opts {
    burst: usize,
    bounds: Vec<usize>,
}

fn opts() -> Result<Opts, String> {
    let mut o = Opts { burst: 100, bounds: vec![1, 2, 4, 8, 100] };
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--burst" => o.burst = v.parse().map_err(|e| format!("--burst: {e}"))?,
            "--bounds" => {
                o.bounds =
                    v.split(',').map(|b| b.parse().map_err(|e| format!("--bounds: {e}"))).collect::<Result<_, _>>()?
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// Peak and current resident memory of a process, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kib("VmHWM:"), kib("VmRSS:"))
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(dir: &std::path::Path, bound: usize) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("MIMAMORI_ADDR", format!("127.0.0.1:{port}"))
        .env("MIMAMORI_DATABASE_URL", format!("sqlite://{}/bench.db", dir.display()))
        .env("MIMAMORI_SITE_ROOT", dir.join("site"))
        .env("MIMAMORI_HASH_FILE", dir.join("hash.txt"))
        .env("MIMAMORI_DEMO", "1")
        .env("MIMAMORI_HASH_CONCURRENCY", bound.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let server = Server { child, base: format!("http://127.0.0.1:{port}") };
    let started = Instant::now();
    while reqwest::get(format!("{}/api/v1/health", server.base)).await.map(|r| r.status() != 200).unwrap_or(true) {
        assert!(started.elapsed() < Duration::from_secs(60), "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

/// N more staff users with the demo password (its hash copied from a demo user).
async fn add_users(dir: &std::path::Path, n: usize) {
    let storage = mimamori_server::storage::Storage::connect(&format!("sqlite://{}/bench.db", dir.display()))
        .await
        .expect("the bench database");
    for i in 0..n {
        sqlx::query(
            "INSERT INTO users (id, login, display_name, role, password_hash, municipality_id)
             SELECT ?, ?, 'ベンチ 職員', 'coordinator', password_hash, municipality_id FROM users WHERE id = 'u-tanaka'",
        )
        .bind(format!("u-burst{i}"))
        .bind(format!("burst{i}"))
        .execute(storage.pool())
        .await
        .expect("a bench user");
    }
    storage.pool().close().await;
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn burst(server: &Server, n: usize) -> (Duration, Vec<f64>, usize) {
    let client = reqwest::Client::new();
    let started = Instant::now();
    let tries = (0..n).map(|i| {
        let (client, url) = (client.clone(), format!("{}/api/v1/session", server.base));
        async move {
            let t = Instant::now();
            let res = client
                .post(url)
                .header(mimamori_core::api::CSRF_HEADER, "1")
                .json(&serde_json::json!({"login": format!("burst{i}"), "password": mimamori_server::demo::DEMO_PASSWORD}))
                .send()
                .await;
            (t.elapsed().as_secs_f64() * 1000.0, res.map(|r| r.status().as_u16()).unwrap_or(0))
        }
    });
    let results = futures::future::join_all(tries).await;
    let wall = started.elapsed();
    let failed = results.iter().filter(|(_, s)| *s != 200).count();
    let mut ms: Vec<f64> = results.into_iter().map(|(ms, _)| ms).collect();
    ms.sort_by(f64::total_cmp);
    (wall, ms, failed)
}

fn main() {
    let opts = match opts() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\nusage: cargo bench -p server --bench sign_in -- [--burst N] [--bounds 1,2,4]");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Runtime::new().expect("a tokio runtime");
    println!("\n## Sign-in burst: {} concurrent sign-ins, distinct logins, right password\n", opts.burst);
    println!("| hash bound | wall | sign-ins/s | p50 ms | p99 ms | peak RSS before | peak RSS after | failed |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut failures = 0;
    for &bound in &opts.bounds {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (wall, ms, failed, before, after) = rt.block_on(async {
            let server = start(dir.path(), bound).await;
            add_users(dir.path(), opts.burst).await;
            // One sign-in first, so the allocator and pools are warm.
            let _ = burst(&server, 1).await;
            let before = memory(server.child.id()).0;
            let (wall, ms, failed) = burst(&server, opts.burst).await;
            let after = memory(server.child.id()).0;
            (wall, ms, failed, before, after)
        });
        failures += failed;
        println!(
            "| {bound} | {:.2} s | {:.1} | {:.0} | {:.0} | {before:.0} MiB | {after:.0} MiB | {failed} |",
            wall.as_secs_f64(),
            opts.burst as f64 / wall.as_secs_f64(),
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
        );
    }
    if failures > 0 {
        eprintln!("{failures} sign-ins failed");
        std::process::exit(1);
    }
}
