//! Sync benchmarks: measurements, not tests. `cargo bench -p server --bench sync -- --help`.
//!
//! Each database gets the real server in this process (its own tokio runtime, on 127.0.0.1:0)
//! over a fresh database filled by `mimamori_server::generate`, and a load generator (a second
//! runtime, one reqwest client per device) that speaks the wire protocol as the app does:
//!
//! - `push`: one device pushes 10,000 queued checks, MAX_PUSH_BATCH at a time, one after another.
//! - `pull`: a new device of a 民生委員 with 400 persons and 20,000 checks syncs from nothing.
//! - `load`: 1,000 devices sync at once: pull from their cursor, push 1–3 checks in ~10 % of rounds.
//! - `profile`: the storage calls behind one pull, timed one by one (explains the `load` figures).
//! - `safety`: a 安否確認 event over a town, 300 phones confirming their lists at once while the
//!   office's board is read every second (`sync/safety.rs`).
//!
//! Timings are printed, never asserted. Any non-2xx answer, refused check or lost record makes
//! the run fail (exit 1) after the figures are printed.

use mimamori_core::api::{
    FetchPersonsRequest, FetchPersonsResponse, InScope, Mutation, MutationResult, PullResponse, PushRequest,
    PushResponse, CSRF_HEADER, MAX_FETCH_PERSONS, MAX_PUSH_BATCH, PULL_PAGE,
};
use mimamori_core::domain::{CheckId, CheckNote, CheckOutcome, NewCheck, PersonId};
use mimamori_server::apply::{apply, Outcome, Skew};
use mimamori_server::auth::{hash_token, SESSION_COOKIE};
use mimamori_server::config::Config;
use mimamori_server::generate::{bench_token, generate, Generated, Scale};
use mimamori_server::startup::Application;
use mimamori_server::storage::{Actor, Backend, SessionLookup, Storage, StorageError, WriteTx};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

#[path = "sync/safety.rs"]
mod safety;

const USAGE: &str = "\
usage: cargo bench -p server --bench sync -- [options]

  --db sqlite|postgres|both     databases (default: both when a PostgreSQL URL is set, else sqlite)
  --scenarios LIST              comma-separated: push,pull,load,profile,safety (default: all)
  --devices N                   simulated devices in `load` (default 1000)
  --commissioners PCT           share of 民生委員 among them, rest volunteers (default 10)
  --seconds S                   measured seconds per load point (default 20)
  --warmup S                    unmeasured seconds before each load point (default 5)
  --low-concurrency N           also a closed-loop point with N devices at once (default 16; 0: skip)
  --open-rates LIST             open-loop points, offered requests/s; `half`: half of what the
                                closed loop at --devices achieved (default half,2000; empty: skip)
  --pull-runs N                 initial pulls, each by a new device (default 5)
  --safety-phones N             phones confirming at once in `safety` (default 300; the town's
                                volunteers and 民生委員, so at most as many as it has)
  --push-checks N               checks in `push` (default 10000)
  --persons N --users N --checks N   generated data set (default 50000, 2000, 2000000)
  --server-threads N            tokio workers of the server (default 2)
  --processes N                 run N `server` binaries on the database instead of the in-process
                                server, devices spread over them in turn (PostgreSQL; default 0)
  --identity                    ask for uncompressed answers, to see what compression costs
                                (default: Accept-Encoding as Chromium sends it, so brotli)
  --keep-db                     keep the databases and print where they are (for EXPLAIN)
  --reuse-db URL                run on a database kept by --keep-db instead of generating one
                                (quicker when investigating; its pull devices are not fresh)

PostgreSQL: MIMAMORI_BENCH_POSTGRES_URL or MIMAMORI_TEST_POSTGRES_URL, an admin URL; a fresh
database is created in it per run (and dropped afterwards unless --keep-db).";

/// The commissioner whose new device the `pull` scenario syncs, and the size of their world.
const PULL_LOGIN: &str = "comm0";
const PULL_AREAS: usize = 8;
const PULL_PERSONS: usize = 400;
const PULL_CHECKS: usize = 20_000;
/// Share of load rounds in which the user has logged checks since the last sync.
const PUSH_SHARE: f64 = 0.10;
/// What Chromium sends; the server then answers in brotli, as it does for the app.
const BROWSER_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";
/// Linux reports process times in USER_HZ ticks, fixed at 100 for user space.
const TICKS_PER_SEC: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Push,
    Pull,
    Load,
    Profile,
    Safety,
}

#[derive(Debug, Clone)]
struct Opts {
    dbs: Vec<Backend>,
    scenarios: Vec<Scenario>,
    devices: usize,
    commissioner_pct: usize,
    seconds: f64,
    warmup: f64,
    low_concurrency: usize,
    /// Offered requests/s of open-loop points; `None`: half the closed-loop throughput.
    open_rates: Vec<Option<f64>>,
    pull_runs: usize,
    safety_phones: usize,
    push_checks: usize,
    scale: Scale,
    server_threads: usize,
    /// Separate `server` processes to spread the devices over (0: the server runs in this process).
    processes: usize,
    /// The Accept-Encoding every device sends.
    accept_encoding: &'static str,
    keep_db: bool,
    reuse_db: Option<String>,
    postgres_admin: Option<String>,
}

impl Opts {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Opts, String> {
        let postgres_admin = ["MIMAMORI_BENCH_POSTGRES_URL", "MIMAMORI_TEST_POSTGRES_URL"]
            .iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
        let mut o = Opts {
            dbs: Vec::new(),
            scenarios: vec![Scenario::Profile, Scenario::Pull, Scenario::Push, Scenario::Load, Scenario::Safety],
            devices: 1000,
            commissioner_pct: 10,
            seconds: 20.0,
            warmup: 5.0,
            low_concurrency: 16,
            open_rates: vec![None, Some(2000.0)],
            pull_runs: 5,
            safety_phones: 300,
            push_checks: 10_000,
            scale: Scale::default(),
            server_threads: 2,
            processes: 0,
            accept_encoding: BROWSER_ACCEPT_ENCODING,
            keep_db: false,
            reuse_db: None,
            postgres_admin,
        };
        fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
            let v = v.ok_or(format!("{flag} needs a value"))?;
            v.parse().map_err(|_| format!("{flag}: cannot read {v:?}"))
        }
        while let Some(arg) = args.next() {
            match arg.as_str() {
                // `cargo bench` passes this to every bench binary.
                "--bench" => {}
                "--help" | "-h" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                "--db" => {
                    o.dbs = match args.next().as_deref() {
                        Some("sqlite") => vec![Backend::Sqlite],
                        Some("postgres") => vec![Backend::Postgres],
                        Some("both") => vec![Backend::Sqlite, Backend::Postgres],
                        other => return Err(format!("--db: sqlite, postgres or both, not {other:?}")),
                    }
                }
                "--scenarios" => {
                    let list = args.next().ok_or("--scenarios needs a value")?;
                    o.scenarios = list
                        .split(',')
                        .map(|s| match s.trim() {
                            "push" => Ok(Scenario::Push),
                            "pull" => Ok(Scenario::Pull),
                            "load" => Ok(Scenario::Load),
                            "profile" => Ok(Scenario::Profile),
                            "safety" => Ok(Scenario::Safety),
                            other => Err(format!("unknown scenario {other:?}")),
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--devices" => o.devices = num(&arg, args.next())?,
                "--safety-phones" => o.safety_phones = num(&arg, args.next())?,
                "--commissioners" => o.commissioner_pct = num(&arg, args.next())?,
                "--seconds" => o.seconds = num(&arg, args.next())?,
                "--warmup" => o.warmup = num(&arg, args.next())?,
                "--low-concurrency" => o.low_concurrency = num(&arg, args.next())?,
                "--open-rates" => {
                    let list = args.next().unwrap_or_default();
                    o.open_rates = list
                        .split(',')
                        .filter(|s| !s.trim().is_empty())
                        .map(|s| match s.trim() {
                            "half" => Ok(None),
                            r => r.parse().map(Some).map_err(|_| format!("--open-rates: cannot read {r:?}")),
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--pull-runs" => o.pull_runs = num(&arg, args.next())?,
                "--push-checks" => o.push_checks = num(&arg, args.next())?,
                "--persons" => o.scale.persons = num(&arg, args.next())?,
                "--users" => o.scale.users = num(&arg, args.next())?,
                "--checks" => o.scale.checks = num(&arg, args.next())?,
                "--server-threads" => o.server_threads = num(&arg, args.next())?,
                "--processes" => o.processes = num(&arg, args.next())?,
                "--identity" => o.accept_encoding = "identity",
                "--keep-db" => o.keep_db = true,
                "--reuse-db" => {
                    let url = args.next().ok_or("--reuse-db needs a database URL")?;
                    let backend = Backend::from_url(&url).ok_or(format!("--reuse-db: not a database URL: {url}"))?;
                    o.dbs = vec![backend];
                    o.reuse_db = Some(url);
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if o.dbs.is_empty() {
            o.dbs = if o.postgres_admin.is_some() {
                vec![Backend::Sqlite, Backend::Postgres]
            } else {
                eprintln!("note: no MIMAMORI_BENCH_POSTGRES_URL / MIMAMORI_TEST_POSTGRES_URL, so SQLite only");
                vec![Backend::Sqlite]
            };
        }
        if o.dbs.contains(&Backend::Postgres) && o.postgres_admin.is_none() && o.reuse_db.is_none() {
            return Err("PostgreSQL needs MIMAMORI_BENCH_POSTGRES_URL or MIMAMORI_TEST_POSTGRES_URL".into());
        }
        if o.devices == 0 || o.seconds <= 0.0 || o.commissioner_pct > 100 || o.server_threads == 0 {
            return Err("--devices, --seconds and --server-threads must be positive, --commissioners ≤ 100".into());
        }
        Ok(o)
    }
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

fn main() {
    let opts = match Opts::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    // Server-side warnings and errors show beside the figures.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn,sqlx::pool::acquire=error,sqlx::query=error".into()),
        )
        .try_init();
    // The load generator's runtime; threads named so their CPU time can be told from the server's.
    let gen = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("gen")
        .enable_all()
        .build()
        .expect("a tokio runtime");
    print_machine(&opts);
    let mut failures = Vec::new();
    for &db in &opts.dbs {
        for f in run_database(&gen, db, &opts) {
            failures.push(format!("{}: {f}", backend_name(db)));
        }
    }
    if !failures.is_empty() {
        eprintln!("\nBENCHMARK FAILED ({} problems):", failures.len());
        for f in &failures {
            eprintln!("  - {f}");
        }
        std::process::exit(1);
    }
    println!("\nAll runs completed without HTTP errors or lost records.");
}

fn print_machine(opts: &Opts) {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let mem_kb: u64 = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    println!("# mimamori sync benchmarks");
    println!();
    println!("- machine: {cores} cores, {cpu}, {:.1} GiB RAM", mem_kb as f64 / 1024.0 / 1024.0);
    println!("- OS: {os}, kernel {}", read("/proc/sys/kernel/osrelease").trim());
    println!(
        "- load average at start: {}",
        read("/proc/loadavg").split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "- server: in this process, {} tokio workers; load generator: same process, 2 tokio workers, same cores",
        opts.server_threads
    );
    println!(
        "- protocol: MAX_PUSH_BATCH {MAX_PUSH_BATCH}, PULL_PAGE {PULL_PAGE}, MAX_FETCH_PERSONS {MAX_FETCH_PERSONS}"
    );
    println!("- devices send Accept-Encoding: {}", opts.accept_encoding);
    println!(
        "- data: generate(Scale {{ persons: {}, users: {}, checks: {} }}); load: {} devices, {} % 民生委員, \
         {} s warm-up + {} s measured per point",
        opts.scale.persons,
        opts.scale.users,
        opts.scale.checks,
        opts.devices,
        opts.commissioner_pct,
        opts.warmup,
        opts.seconds
    );
}

// ---------------------------------------------------------------------------------------------
// Databases and the server

struct Prepared {
    backend: Backend,
    url: String,
    /// A second pool on the same database, for fixtures, verification and `profile`.
    storage: Storage,
    dir: tempfile::TempDir,
    /// PostgreSQL: the admin URL and the database made for this run, dropped afterwards.
    pg_database: Option<(String, String)>,
    generated: Generated,
    /// One fresh device token per initial-pull run.
    pull_tokens: Vec<String>,
}

/// Runs every chosen scenario on one database; returns what went wrong (empty: nothing).
fn run_database(gen: &Runtime, db: Backend, opts: &Opts) -> Vec<String> {
    println!("\n## {}\n", backend_name(db));
    let prepared = match gen.block_on(prepare(db, opts)) {
        Ok(p) => p,
        Err(e) => return vec![format!("preparing the database: {e}")],
    };
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.server_threads)
        .thread_name("srv")
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let config = Config {
        addr: "127.0.0.1:0".parse().expect("an address"),
        database_url: prepared.url.clone(),
        site_root: prepared.dir.path().join("site"),
        hash_file: prepared.dir.path().join("hash.txt"),
        demo: false,
        demo_history: false,
        secure_cookies: false,
        public_url: None,
        sessions: Default::default(),
        hash_concurrency: 2,
        request_timeout: std::time::Duration::from_secs(30),
        db_connections: mimamori_server::storage::POOL_CONNECTIONS,
        map_tiles: Default::default(),
    };
    let started = server.block_on(async {
        let app = Application::build(config).await.map_err(|e| e.to_string())?;
        let addr = app.local_addr();
        tokio::spawn(async move {
            if let Err(e) = app.run().await {
                eprintln!("server stopped: {e}");
            }
        });
        Ok::<_, String>(addr)
    });
    let mut failures = Vec::new();
    match started {
        Ok(addr) => {
            let children = if opts.processes > 0 {
                match gen.block_on(ServerProcesses::start(opts.processes, &prepared)) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        failures.push(format!("starting server processes: {e}"));
                        server.shutdown_timeout(Duration::from_secs(5));
                        gen.block_on(cleanup(prepared, opts.keep_db || opts.reuse_db.is_some()));
                        return failures;
                    }
                }
            } else {
                None
            };
            let base = format!("http://{addr}");
            let bases = children.as_ref().map(|c| c.bases.clone()).unwrap_or_else(|| vec![base.clone()]);
            let ctx = Ctx { base: bases[0].clone(), bases, db: &prepared, opts };
            for &scenario in &opts.scenarios {
                let result = match scenario {
                    Scenario::Profile => gen.block_on(profile(&ctx)),
                    Scenario::Pull => gen.block_on(initial_pull(&ctx)),
                    Scenario::Push => gen.block_on(push_queue(&ctx)),
                    Scenario::Load => gen.block_on(load(&ctx)),
                    Scenario::Safety => gen.block_on(safety::safety(&ctx)),
                };
                if let Err(e) = result {
                    println!("\n**FAILED**: {e}");
                    failures.push(format!("{scenario:?}: {e}"));
                }
            }
        }
        Err(e) => failures.push(format!("starting the server: {e}")),
    }
    server.shutdown_timeout(Duration::from_secs(5));
    gen.block_on(cleanup(prepared, opts.keep_db || opts.reuse_db.is_some()));
    failures
}

async fn prepare(db: Backend, opts: &Opts) -> Result<Prepared, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    if let Some(url) = &opts.reuse_db {
        return reuse(db, url, dir, opts).await;
    }
    let (url, pg_database) = match db {
        Backend::Sqlite => (format!("sqlite://{}/bench.db", dir.path().display()), None),
        Backend::Postgres => {
            let admin = opts.postgres_admin.clone().ok_or("no PostgreSQL URL")?;
            let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .map_err(|e| format!("PostgreSQL at {admin}: {e}"))?;
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                .await
                .map_err(|e| e.to_string())?;
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            (format!("{base}/{name}"), Some((admin.clone(), name)))
        }
    };
    let storage = Storage::connect(&url).await.map_err(|e| e.to_string())?;
    let version: String = match db {
        Backend::Sqlite => sqlx::query_scalar("SELECT sqlite_version()").fetch_one(storage.pool()).await,
        Backend::Postgres => sqlx::query_scalar("SHOW server_version").fetch_one(storage.pool()).await,
    }
    .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let generated = generate(&storage, opts.scale).await.map_err(|e| format!("generating: {e}"))?;
    println!(
        "{} {version}; generated {} persons, {} volunteers, {} 民生委員, {} staff, {} checks in {:.0} s",
        backend_name(db),
        generated.persons,
        generated.volunteers,
        generated.commissioners,
        generated.staff,
        generated.checks,
        started.elapsed().as_secs_f64()
    );
    let pull_tokens = pull_fixture(&storage, opts.pull_runs.max(1)).await?;
    if db == Backend::Postgres {
        // Autovacuum would have analysed a table this size long before anyone syncs against it.
        sqlx::query("ANALYZE").execute(storage.pool()).await.map_err(|e| e.to_string())?;
    }
    Ok(Prepared { backend: db, url, storage, dir, pg_database, generated, pull_tokens })
}

/// A database an earlier run kept: counted, not generated, and never dropped.
async fn reuse(db: Backend, url: &str, dir: tempfile::TempDir, opts: &Opts) -> Result<Prepared, String> {
    let storage = Storage::connect(url).await.map_err(|e| e.to_string())?;
    let count = |sql: &'static str| {
        let pool = storage.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.map(|n| n as usize).map_err(|e| e.to_string())
        }
    };
    let generated = Generated {
        persons: count("SELECT COUNT(*) FROM persons").await?,
        volunteers: count("SELECT COUNT(*) FROM users WHERE role = 'volunteer'").await?,
        commissioners: count("SELECT COUNT(*) FROM users WHERE role = 'commissioner'").await?,
        checks: count("SELECT COUNT(*) FROM checks").await?,
        ..Generated::default()
    };
    println!(
        "{} database reused from an earlier run ({url}): {} persons, {} checks; its pull devices have synced before",
        backend_name(db),
        generated.persons,
        generated.checks
    );
    let pull_tokens = (0..opts.pull_runs.max(1)).map(|r| format!("{}-run{r}", bench_token(PULL_LOGIN))).collect();
    Ok(Prepared { backend: db, url: url.to_owned(), storage, dir, pg_database: None, generated, pull_tokens })
}

/// Gives `PULL_LOGIN` exactly the first `PULL_AREAS` small areas (50 persons each) and exactly
/// `PULL_CHECKS` checks on those persons; adds one device per run, so every initial pull starts
/// from an empty device, audit log included.
async fn pull_fixture(storage: &Storage, runs: usize) -> Result<Vec<String>, String> {
    let areas: Vec<String> = (0..PULL_AREAS).map(|a| format!("sa-{a}")).collect();
    let marks = vec!["?"; areas.len()].join(", ");
    let user = format!("u-{PULL_LOGIN}");
    let mut tx = storage.begin().await.map_err(|e| e.to_string())?;
    let reassign = format!("UPDATE commissioner_areas SET user_id = ? WHERE small_area_id IN ({marks})");
    let reassign = storage.sql(&reassign);
    let mut q = sqlx::query(&reassign).bind(user.clone());
    for a in &areas {
        q = q.bind(a);
    }
    q.execute(&mut *tx).await.map_err(|e| format!("fixture: {e}"))?;
    let persons: Vec<String> = {
        let sql = format!("SELECT id FROM persons WHERE active = 1 AND small_area_id IN ({marks}) ORDER BY id");
        let sql = storage.sql(&sql);
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for a in &areas {
            q = q.bind(a);
        }
        q.fetch_all(&mut *tx).await.map_err(|e| e.to_string())?
    };
    // The generator names persons p-<n> and puts p-0…p-399 in sa-0…sa-7, which the SQL below uses.
    let expected: HashSet<String> = (0..PULL_PERSONS).map(|p| format!("p-{p}")).collect();
    if persons.len() != PULL_PERSONS || !persons.iter().all(|p| expected.contains(p)) {
        return Err(format!(
            "{PULL_AREAS} areas hold {} active persons, not p-0…p-{}",
            persons.len(),
            PULL_PERSONS - 1
        ));
    }
    // Their history stays where the generator put it, spread through the whole `seq` range as in
    // real use; it is trimmed, or topped up by re-pointing evenly spaced checks of other persons,
    // to exactly PULL_CHECKS.
    let in_areas = format!("SELECT id FROM persons WHERE small_area_id IN ({marks})");
    let held_sql = format!("SELECT COUNT(*) FROM checks WHERE person_id IN ({in_areas})");
    let held = scalar(storage, &mut tx, &held_sql, &areas).await?;
    let others =
        scalar(storage, &mut tx, &format!("SELECT COUNT(*) FROM checks WHERE person_id NOT IN ({in_areas})"), &areas)
            .await?;
    let want = PULL_CHECKS as i64;
    let sql = if held > want {
        format!(
            "DELETE FROM checks WHERE id IN (SELECT id FROM checks WHERE person_id IN ({in_areas}) ORDER BY id LIMIT {})",
            held - want
        )
    } else {
        let step = (others / (want - held).max(1)).max(1);
        format!(
            "UPDATE checks SET person_id = 'p-' || (seq % {PULL_PERSONS}), author_id = '{user}', device_id = 'dev-{PULL_LOGIN}'
             WHERE id IN (SELECT id FROM checks WHERE seq % {step} = 0 AND person_id NOT IN ({in_areas}) LIMIT {})",
            want - held
        )
    };
    let sql = storage.sql(&sql);
    let mut q = sqlx::query(&sql);
    for a in &areas {
        q = q.bind(a);
    }
    q.execute(&mut *tx).await.map_err(|e| format!("fixture checks: {e}"))?;
    let now_held = scalar(storage, &mut tx, &held_sql, &areas).await?;
    if now_held != want {
        return Err(format!("the fixture left {now_held} checks on {PULL_LOGIN}'s persons, not {want}"));
    }
    let now = now_ms();
    let mut tokens = Vec::new();
    for r in 0..runs {
        let token = format!("{}-run{r}", bench_token(PULL_LOGIN));
        let sql = storage
            .sql("INSERT INTO devices (id, user_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)");
        sqlx::query(&sql)
            .bind(format!("dev-{PULL_LOGIN}-run{r}"))
            .bind(user.clone())
            .bind(hash_token(&token))
            .bind(now)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| format!("fixture devices: {e}"))?;
        tokens.push(token);
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(tokens)
}

/// One number from SQL with text binds.
async fn scalar(
    storage: &Storage,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    sql: &str,
    binds: &[String],
) -> Result<i64, String> {
    let sql = storage.sql(sql);
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for b in binds {
        q = q.bind(b);
    }
    q.fetch_one(&mut **tx).await.map_err(|e| format!("{e}: {sql}"))
}

/// The `seq` of the newest check on these persons (0: none), the cursor a synced device holds.
async fn newest_check(storage: &Storage, persons: &[PersonId]) -> Result<i64, String> {
    if persons.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "SELECT COALESCE(MAX(seq), 0) FROM checks WHERE person_id IN ({})",
        vec!["?"; persons.len()].join(", ")
    );
    let sql = storage.sql(&sql);
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for p in persons {
        q = q.bind(p.as_str());
    }
    q.fetch_one(storage.pool()).await.map_err(|e| e.to_string())
}

async fn cleanup(p: Prepared, keep: bool) {
    let Prepared { storage, dir, pg_database, url, .. } = p;
    storage.pool().close().await;
    if keep {
        let _ = dir.keep();
        println!("\nkept the database: {url}");
        return;
    }
    if let Some((admin, name)) = pg_database {
        if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await {
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            if let Err(e) = sqlx::Executor::execute(&mut conn, drop.as_str()).await {
                eprintln!("could not drop {name}: {e}");
            }
        }
    }
}

struct Ctx<'a> {
    base: String,
    /// Every server's address: `base` alone, or each `--processes` child's.
    bases: Vec<String>,
    db: &'a Prepared,
    opts: &'a Opts,
}

// ---------------------------------------------------------------------------------------------
// HTTP as a device speaks it

/// One device: its own connection (a reqwest client), cookie and cursor.
struct Device {
    client: reqwest::Client,
    base: String,
}

/// What one request cost: until the last byte arrived, and its size on the wire and decoded.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    latency: Duration,
    wire: u64,
    body: u64,
}

impl Device {
    fn new(base: &str, token: &str, accept_encoding: &'static str) -> Device {
        use reqwest::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING, COOKIE};
        let mut headers = HeaderMap::new();
        headers.insert(CSRF_HEADER, HeaderValue::from_static("1"));
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static(accept_encoding));
        headers.insert(COOKIE, HeaderValue::from_str(&format!("{SESSION_COOKIE}={token}")).expect("a cookie"));
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(1)
            .build()
            .expect("an HTTP client");
        Device { client, base: base.to_owned() }
    }

    /// One pull page, sending the pull mark as the app does once it holds one.
    async fn pull(&self, cursor: i64, mark: Option<i64>) -> Result<(PullResponse, Cost), String> {
        let mark = mark.map(|m| format!("&mark={m}")).unwrap_or_default();
        self.call(self.client.get(format!("{}/api/v1/sync/pull?cursor={cursor}{mark}", self.base))).await
    }

    async fn push(&self, req: &PushRequest) -> Result<(PushResponse, Cost), String> {
        self.call(self.client.post(format!("{}/api/v1/sync/push", self.base)).json(req)).await
    }

    async fn fetch_persons(&self, req: &FetchPersonsRequest) -> Result<(FetchPersonsResponse, Cost), String> {
        self.call(self.client.post(format!("{}/api/v1/sync/persons", self.base)).json(req)).await
    }

    /// Any answer but 2xx with a body that reads as `T` is an error.
    async fn call<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<(T, Cost), String> {
        let started = Instant::now();
        let res = req.send().await.map_err(|e| format!("transport: {e}"))?;
        let status = res.status();
        let encoding =
            res.headers().get(reqwest::header::CONTENT_ENCODING).map(|v| v.to_str().unwrap_or("?").to_owned());
        let wire = res.bytes().await.map_err(|e| format!("reading body: {e}"))?;
        let latency = started.elapsed();
        let body = decode(encoding.as_deref(), &wire)?;
        if !status.is_success() {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)])));
        }
        let value = serde_json::from_slice(&body).map_err(|e| format!("reading JSON: {e}"))?;
        Ok((value, Cost { latency, wire: wire.len() as u64, body: body.len() as u64 }))
    }
}

fn decode<'a>(encoding: Option<&str>, wire: &'a [u8]) -> Result<Cow<'a, [u8]>, String> {
    match encoding {
        None | Some("identity") => Ok(Cow::Borrowed(wire)),
        Some("br") => {
            let mut out = Vec::with_capacity(wire.len() * 8);
            brotli_decompressor::BrotliDecompress(&mut &wire[..], &mut out).map_err(|e| format!("brotli: {e}"))?;
            Ok(Cow::Owned(out))
        }
        Some(other) => Err(format!("unexpected content-encoding {other}")),
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as i64
}

/// Outcomes in the generator's proportions.
fn random_outcome(rng: &mut StdRng) -> CheckOutcome {
    match rng.random_range(0..100) {
        0..80 => CheckOutcome::AllWell,
        80..92 => CheckOutcome::Concern,
        92..99 => CheckOutcome::NotHome,
        _ => CheckOutcome::Emergency,
    }
}

fn new_check(rng: &mut StdRng, person: &PersonId, recorded_at: i64) -> NewCheck {
    let outcome = random_outcome(rng);
    let note = if outcome == CheckOutcome::AllWell {
        None
    } else {
        CheckNote::parse("新聞が二日分たまっている").ok().flatten()
    };
    NewCheck {
        id: CheckId(uuid::Uuid::new_v4()),
        person_id: person.clone(),
        outcome,
        note,
        recorded_at,
        method: None,
        concerns: Vec::new(),
        location: None,
        kind: Default::default(),
        needs: Vec::new(),
    }
}

/// Every result must be `applied` (or `duplicate` on a retry), in order, for these checks.
fn expect_results(checks: &[NewCheck], res: &PushResponse, retry: bool) -> Result<(), String> {
    if res.results.len() != checks.len() {
        return Err(format!("{} results for {} checks", res.results.len(), checks.len()));
    }
    for (c, r) in checks.iter().zip(&res.results) {
        let ok = match r {
            MutationResult::Applied { id } => !retry && *id == c.id.0,
            MutationResult::Duplicate { id } => retry && *id == c.id.0,
            _ => false,
        };
        if !ok {
            return Err(format!("check {} answered {r:?}", c.id.0));
        }
    }
    Ok(())
}

fn push_request(checks: &[NewCheck]) -> PushRequest {
    PushRequest {
        mutations: checks.iter().map(|c| Mutation::CreateCheck { check: c.clone() }).collect(),
        sent_at: Some(now_ms()),
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics

/// Nearest-rank percentile of sorted values.
fn rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let r = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(r.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn pct(sorted: &[u32], p: f64) -> f64 {
    rank(sorted, p).map_or(f64::NAN, |v| f64::from(v) / 1000.0)
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

fn micros(d: Duration) -> u32 {
    d.as_micros().min(u32::MAX as u128) as u32
}

/// p50 / p90 / p99 / max of one request type, in ms.
fn spread(lat: &mut [u32]) -> [String; 4] {
    lat.sort_unstable();
    [ms(pct(lat, 50.0)), ms(pct(lat, 90.0)), ms(pct(lat, 99.0)), ms(pct(lat, 100.0))]
}

fn kib(bytes: u64) -> String {
    format!("{:.0} KiB", bytes as f64 / 1024.0)
}

/// CPU time, per thread group of this process, per PostgreSQL backend of the bench database,
/// and for the whole machine, so a table can say who used the two cores.
struct CpuSample {
    at: Instant,
    groups: HashMap<&'static str, u64>,
    postgres: HashMap<i32, u64>,
    machine_busy: u64,
}

fn proc_ticks(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat[open + 1..close].to_owned();
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime), counted from `state`, field 3.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// `server` binaries started by `--processes`, stopped when dropped. Their CPU counts as the
/// server's (see [`CpuSample::take`]).
struct ServerProcesses {
    children: Vec<std::process::Child>,
    bases: Vec<String>,
}

/// Process ids of the `--processes` children, for CPU sampling.
static CHILD_PIDS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

impl ServerProcesses {
    async fn start(n: usize, db: &Prepared) -> Result<Self, String> {
        if db.backend != Backend::Postgres {
            return Err("--processes needs PostgreSQL: SQLite is one process's file".into());
        }
        let mut me = ServerProcesses { children: Vec::new(), bases: Vec::new() };
        for i in 0..n {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .map_err(|e| e.to_string())?
                .local_addr()
                .map_err(|e| e.to_string())?
                .port();
            let child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("RUST_LOG", "warn")
                .env("MIMAMORI_ADDR", format!("127.0.0.1:{port}"))
                .env("MIMAMORI_DATABASE_URL", &db.url)
                .env("MIMAMORI_SITE_ROOT", db.dir.path().join("site"))
                .env("MIMAMORI_HASH_FILE", db.dir.path().join("hash.txt"))
                .stdin(std::process::Stdio::null())
                .spawn()
                .map_err(|e| format!("server process {i}: {e}"))?;
            CHILD_PIDS.lock().expect("pids").push(child.id());
            me.children.push(child);
            let base = format!("http://127.0.0.1:{port}");
            let started = Instant::now();
            while !reqwest::get(format!("{base}/api/v1/health")).await.is_ok_and(|r| r.status() == 200) {
                if started.elapsed() > Duration::from_secs(60) {
                    return Err(format!("server process {i} did not answer"));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            me.bases.push(base);
        }
        println!("\n- {n} server processes (the `server` binary, 2 tokio workers each by default), devices spread over them in turn");
        Ok(me)
    }
}

impl Drop for ServerProcesses {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        CHILD_PIDS.lock().expect("pids").clear();
    }
}

fn thread_group(comm: &str) -> &'static str {
    if comm.starts_with("srv") {
        "server"
    } else if comm.starts_with("sqlx-sqlite") {
        "sqlite"
    } else if comm.starts_with("gen") {
        "loadgen"
    } else {
        "other"
    }
}

impl CpuSample {
    async fn take(db: &Prepared) -> CpuSample {
        let mut groups = HashMap::new();
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for t in tasks.flatten() {
                if let Some((comm, ticks)) =
                    std::fs::read_to_string(t.path().join("stat")).ok().as_deref().and_then(proc_ticks)
                {
                    *groups.entry(thread_group(&comm)).or_insert(0) += ticks;
                }
            }
        }
        for pid in CHILD_PIDS.lock().expect("pids").iter() {
            if let Some((_, ticks)) =
                std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().as_deref().and_then(proc_ticks)
            {
                *groups.entry("server").or_insert(0) += ticks;
            }
        }
        let mut postgres = HashMap::new();
        if db.backend == Backend::Postgres {
            let pids: Vec<i32> =
                sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                    .fetch_all(db.storage.pool())
                    .await
                    .unwrap_or_default();
            for pid in pids {
                if let Some((_, t)) =
                    std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().as_deref().and_then(proc_ticks)
                {
                    postgres.insert(pid, t);
                }
            }
        }
        let machine_busy = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let line = s.lines().next()?.to_owned();
                let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
                // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
                Some(v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, x)| x).sum())
            })
            .unwrap_or(0);
        CpuSample { at: Instant::now(), groups, postgres, machine_busy }
    }

    /// Percent of one core, per group, from `self` to `later`.
    fn usage(&self, later: &CpuSample) -> CpuUsage {
        let secs = later.at.duration_since(self.at).as_secs_f64().max(1e-3);
        let pc = |ticks: u64| ticks as f64 / TICKS_PER_SEC / secs * 100.0;
        let group = |g: &str| {
            pc(later.groups.get(g).copied().unwrap_or(0).saturating_sub(self.groups.get(g).copied().unwrap_or(0)))
        };
        let postgres: u64 =
            later.postgres.iter().map(|(pid, t)| t.saturating_sub(self.postgres.get(pid).copied().unwrap_or(0))).sum();
        let ours = group("server") + group("sqlite") + group("loadgen") + group("other") + pc(postgres);
        let machine = pc(later.machine_busy.saturating_sub(self.machine_busy));
        CpuUsage {
            server: group("server"),
            sqlite: group("sqlite"),
            postgres: pc(postgres),
            loadgen: group("loadgen"),
            machine,
            others: (machine - ours).max(0.0),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct CpuUsage {
    server: f64,
    sqlite: f64,
    postgres: f64,
    loadgen: f64,
    machine: f64,
    others: f64,
}

// ---------------------------------------------------------------------------------------------
// Scenario: profile — the storage calls behind one pull

async fn profile(ctx: &Ctx<'_>) -> Result<(), String> {
    let storage = &ctx.db.storage;
    let tip: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM checks")
        .fetch_one(storage.pool())
        .await
        .map_err(|e| e.to_string())?;
    println!("\n### profile: the storage calls behind one pull, called directly (no HTTP)\n");
    println!("One call at a time on an idle server, 200 times (`checks_since(0)`: 3); mean / p50 / p99 in ms.");
    println!("`checks_since(synced)` starts from the cursor a synced device holds (its newest check), as a");
    println!("steady-state pull does; `(tip)` from the newest check of all; `(0)` is a new device's first page.\n");
    println!("| call | volunteer vol1 | 民生委員 comm3 | 民生委員 {PULL_LOGIN} (400 persons) |");
    println!("|---|---|---|---|");
    let logins = ["vol1", "comm3", PULL_LOGIN];
    let mut sessions = Vec::new();
    for login in logins {
        sessions.push(profiled(storage, login).await?);
    }
    for name in [
        "session_by_token_hash",
        "scope_manifest",
        "audit_sync_reads, remembered scope",
        "audit_sync_reads, SQL (scope changed)",
        "checks_since(synced)",
        "checks_since(tip)",
        "checks_since(0), first page",
        "field_requests",
        "registrable_areas",
        "field_cases",
        "field_events",
        "whole pull, one connection",
        "person_visible (a push's scope test)",
        "push of 2 checks, turn to commit",
    ] {
        let mut cells = Vec::new();
        for p in &sessions {
            let hash = &p.hash;
            let actor = Actor { user: &p.session.user, device_id: &p.session.device_id };
            let user = &p.session.user;
            let (scope, cursor) = (p.scope.as_slice(), p.cursor);
            let cell = match name {
                "session_by_token_hash" => {
                    timed(200, move |_| async move {
                        storage.session_by_token_hash(hash, now_ms(), &Default::default()).await.map(drop)
                    })
                    .await
                }
                "scope_manifest" => {
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.scope_manifest(&mut c, user).await.map(drop)
                    })
                    .await
                }
                "audit_sync_reads, remembered scope" => {
                    timed(200, move |_| async move { storage.audit_sync_reads(actor, scope, now_ms()).await.map(drop) })
                        .await
                }
                // A scope other than the remembered one makes the call run its INSERT … SELECT.
                "audit_sync_reads, SQL (scope changed)" => {
                    timed(200, move |i| async move {
                        storage.audit_sync_reads(actor, alternate(scope, i), now_ms()).await.map(drop)
                    })
                    .await
                }
                "checks_since(synced)" => {
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.checks_since(&mut c, user, cursor, PULL_PAGE).await.map(drop)
                    })
                    .await
                }
                "checks_since(tip)" => {
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.checks_since(&mut c, user, tip, PULL_PAGE).await.map(drop)
                    })
                    .await
                }
                "field_requests" => {
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.field_requests(&mut c, user).await.map(drop)
                    })
                    .await
                }
                "registrable_areas" => {
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.registrable_areas(&mut c, user).await.map(drop)
                    })
                    .await
                }
                "field_cases" => {
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.field_cases(&mut c, user, now_ms()).await.map(drop)
                    })
                    .await
                }
                "field_events" => {
                    let municipality = &p.session.municipality_id;
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.field_events(&mut c, user, municipality).await.map(drop)
                    })
                    .await
                }
                // What `routes::sync::pull` asks of storage, in its order, for a synced device.
                "whole pull, one connection" => {
                    let municipality = &p.session.municipality_id;
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        let scope = storage.scope_manifest(&mut c, user).await?;
                        storage.checks_since(&mut c, user, cursor, PULL_PAGE).await?;
                        storage.field_requests(&mut c, user).await?;
                        storage.registrable_areas(&mut c, user).await?;
                        storage.field_cases(&mut c, user, now_ms()).await?;
                        storage.field_events(&mut c, user, municipality).await?;
                        drop(c);
                        storage.audit_sync_reads(actor, &scope, now_ms()).await.map(drop)
                    })
                    .await
                }
                "person_visible (a push's scope test)" => {
                    let person = &scope[0].id;
                    timed(200, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.person_visible(&mut *c, user, person).await.map(drop)
                    })
                    .await
                }
                // What `routes::sync::push` does for a phone's usual push: two 変わりなし checks.
                "push of 2 checks, turn to commit" => {
                    let (session, person) = (&p.session, &scope[0].id);
                    timed(200, move |_| async move {
                        let now = now_ms();
                        let mut w = WriteTx::begin(storage, session, now).await?;
                        for _ in 0..2 {
                            let mut check = new_check(&mut StdRng::seed_from_u64(now as u64), person, now - 1_000);
                            check.outcome = CheckOutcome::AllWell;
                            check.note = None;
                            let skew = Skew::of_push(Some(now), now);
                            let done = apply(&mut w, Mutation::CreateCheck { check }, skew).await;
                            if !matches!(done, Ok(Outcome::Applied)) {
                                return Err(StorageError::Database(sqlx::Error::Protocol("not applied".into())));
                            }
                        }
                        w.commit().await
                    })
                    .await
                }
                _ => {
                    timed(3, move |_| async move {
                        let mut c = storage.connection().await?;
                        storage.checks_since(&mut c, user, 0, PULL_PAGE).await.map(drop)
                    })
                    .await
                }
            };
            cells.push(cell.map_err(|e| format!("{name}: {e}"))?);
        }
        println!("| {name} | {} |", cells.join(" | "));
    }

    // How the calls scale with callers: the pool has a few connections, SQLite one writer.
    println!(
        "\nThe same calls by 1, 8 and 64 tasks at once, 2 s each, as 64 volunteers' devices \
         (the server's pool has {} connections; this one as many):\n",
        pool_size(ctx.db.backend)
    );
    println!("| call | calls/s, 1 task | 8 tasks | 64 tasks | p50 / p99 ms at 64 tasks |");
    println!("|---|---|---|---|---|");
    let mut vols = Vec::new();
    for k in 0..64 {
        vols.push(profiled(storage, &format!("vol{}", 100 + k)).await?);
    }
    let vols = Arc::new(vols);
    for which in
        ["session_by_token_hash", "scope_manifest", "audit_sync_reads, SQL (scope changed)", "checks_since(synced)"]
    {
        let mut cells = Vec::new();
        let mut last = Vec::new();
        for tasks in [1, 8, 64] {
            let deadline = Instant::now() + Duration::from_secs(2);
            let mut set = JoinSet::new();
            for k in 0..tasks {
                let (storage, vols) = (storage.clone(), vols.clone());
                set.spawn(async move {
                    let p = &vols[k];
                    let user = &p.session.user;
                    let mut lat = Vec::new();
                    let mut i = 0;
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let r = match which {
                            "session_by_token_hash" => {
                                storage.session_by_token_hash(&p.hash, now_ms(), &Default::default()).await.map(drop)
                            }
                            "scope_manifest" => match storage.connection().await {
                                Ok(mut c) => storage.scope_manifest(&mut c, user).await.map(drop),
                                Err(e) => Err(e),
                            },
                            "checks_since(synced)" => match storage.connection().await {
                                Ok(mut c) => storage.checks_since(&mut c, user, p.cursor, PULL_PAGE).await.map(drop),
                                Err(e) => Err(e),
                            },
                            _ => {
                                let actor = Actor { user, device_id: &p.session.device_id };
                                storage.audit_sync_reads(actor, alternate(&p.scope, i), now_ms()).await.map(drop)
                            }
                        };
                        r.map_err(|e| e.to_string())?;
                        lat.push(micros(t.elapsed()));
                        i += 1;
                    }
                    Ok::<_, String>(lat)
                });
            }
            let mut all = Vec::new();
            while let Some(r) = set.join_next().await {
                all.extend(r.map_err(|e| e.to_string())??);
            }
            all.sort_unstable();
            cells.push(format!("{:.0}", all.len() as f64 / 2.0));
            last = all;
        }
        println!("| {which} | {} | {} / {} |", cells.join(" | "), ms(pct(&last, 50.0)), ms(pct(&last, 99.0)));
    }
    Ok(())
}

/// A device as the profile calls it: session, scope and the cursor a synced device holds.
struct Profiled {
    hash: String,
    session: mimamori_server::storage::Session,
    scope: Vec<InScope>,
    cursor: i64,
}

async fn profiled(storage: &Storage, login: &str) -> Result<Profiled, String> {
    let hash = hash_token(&bench_token(login));
    let session = match storage.session_by_token_hash(&hash, now_ms(), &Default::default()).await {
        Ok(SessionLookup::Live(s)) => s,
        _ => return Err(format!("no live session for {login}")),
    };
    let mut conn = storage.connection().await.map_err(|e| e.to_string())?;
    let scope = storage.scope_manifest(&mut conn, &session.user).await.map_err(|e| e.to_string())?;
    drop(conn);
    let ids: Vec<PersonId> = scope.iter().map(|s| s.id.clone()).collect();
    let cursor = newest_check(storage, &ids).await?;
    Ok(Profiled { hash, session, scope, cursor })
}

/// The scope, or all but its last person, by turns: never the same as last time.
fn alternate(scope: &[InScope], i: usize) -> &[InScope] {
    if i.is_multiple_of(2) {
        scope
    } else {
        &scope[..scope.len().saturating_sub(1)]
    }
}

/// The server's pool size (storage/mod.rs), for the reader of the profile table.
fn pool_size(b: Backend) -> usize {
    match b {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    }
}

/// Calls `f` `n` times, one after another: "mean / p50 / p99" in ms.
async fn timed<F, Fut>(n: usize, f: F) -> Result<String, mimamori_server::storage::StorageError>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), mimamori_server::storage::StorageError>>,
{
    let mut lat = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(i).await?;
        lat.push(micros(t.elapsed()));
    }
    let mean = lat.iter().map(|&x| f64::from(x)).sum::<f64>() / lat.len().max(1) as f64 / 1000.0;
    lat.sort_unstable();
    Ok(format!("{} / {} / {}", ms(mean), ms(pct(&lat, 50.0)), ms(pct(&lat, 99.0))))
}

// ---------------------------------------------------------------------------------------------
// Scenario: initial pull of a 民生委員 with 400 persons and 20,000 checks

#[derive(Debug, Default, Clone)]
struct PullRun {
    total: Duration,
    pages_time: Duration,
    persons_time: Duration,
    pages: usize,
    checks: usize,
    persons: usize,
    wire: u64,
    body: u64,
    /// Time spent waiting for answers (the rest is the client decoding JSON).
    waiting: Duration,
}

/// What the app's `pull_all` does on a new device: every page from cursor 0, then the persons
/// the manifest names, MAX_FETCH_PERSONS at a time.
async fn sync_from_scratch(device: &Device) -> Result<(PullRun, i64, Vec<PersonId>), String> {
    let mut run = PullRun::default();
    let started = Instant::now();
    let mut cursor = 0;
    let mut scope = None;
    let mut ids = HashSet::new();
    loop {
        let (page, cost) = device.pull(cursor, None).await?;
        run.pages += 1;
        run.wire += cost.wire;
        run.body += cost.body;
        run.waiting += cost.latency;
        run.checks += page.checks.len();
        ids.extend(page.checks.iter().map(|c| c.id));
        scope.get_or_insert(page.scope);
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    if ids.len() != run.checks {
        return Err(format!("{} checks arrived, {} distinct", run.checks, ids.len()));
    }
    run.pages_time = started.elapsed();
    let scope: Vec<PersonId> = scope.unwrap_or_default().into_iter().map(|s| s.id).collect();
    let persons_started = Instant::now();
    for chunk in scope.chunks(MAX_FETCH_PERSONS) {
        let (res, cost) =
            device.fetch_persons(&FetchPersonsRequest { ids: chunk.to_vec(), history_upto: None }).await?;
        run.persons += res.persons.len();
        run.wire += cost.wire;
        run.body += cost.body;
        run.waiting += cost.latency;
    }
    run.persons_time = persons_started.elapsed();
    run.total = started.elapsed();
    if run.persons != scope.len() {
        return Err(format!("the manifest named {} persons, {} were fetched", scope.len(), run.persons));
    }
    Ok((run, cursor, scope))
}

async fn initial_pull(ctx: &Ctx<'_>) -> Result<(), String> {
    println!(
        "\n### pull: initial sync of a new device, 民生委員 with {PULL_PERSONS} persons and {PULL_CHECKS} checks \
         (target ≤ 2 s on loopback)\n"
    );
    println!("Every run is a new device (fresh audit trail), so each is a true first sync. Time is until all");
    println!("pages and all person records are decoded in the client (writing them to IndexedDB is not included).\n");
    println!("| run | total s | pages (s) | persons (s) | requests | checks | persons | on the wire | JSON | waiting for server s |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let mut totals = Vec::new();
    for (r, token) in ctx.db.pull_tokens.iter().enumerate().take(ctx.opts.pull_runs) {
        let device = Device::new(&ctx.base, token, ctx.opts.accept_encoding);
        let (run, _, _) = sync_from_scratch(&device).await?;
        // A reused database may hold checks that later runs' load pushed onto these persons.
        let fixture_checks =
            if ctx.opts.reuse_db.is_some() { run.checks >= PULL_CHECKS } else { run.checks == PULL_CHECKS };
        if !fixture_checks || run.persons != PULL_PERSONS {
            return Err(format!("pulled {} checks and {} persons", run.checks, run.persons));
        }
        println!(
            "| {} | {:.2} | {} ({:.2}) | {} ({:.2}) | {} | {} | {} | {} | {} | {:.2} |",
            r + 1,
            run.total.as_secs_f64(),
            run.pages,
            run.pages_time.as_secs_f64(),
            run.persons.div_ceil(MAX_FETCH_PERSONS),
            run.persons_time.as_secs_f64(),
            run.pages + run.persons.div_ceil(MAX_FETCH_PERSONS),
            run.checks,
            run.persons,
            kib(run.wire),
            kib(run.body),
            run.waiting.as_secs_f64()
        );
        totals.push(micros(run.total));
    }
    totals.sort_unstable();
    let median = pct(&totals, 50.0) / 1000.0;
    println!(
        "\nInitial pull, median of {}: **{median:.2} s** — target ≤ 2 s: **{}**",
        totals.len(),
        if median <= 2.0 { "met" } else { "not met" }
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenario: push of 10,000 queued checks from one device

async fn push_queue(ctx: &Ctx<'_>) -> Result<(), String> {
    let n = ctx.opts.push_checks;
    // A 民生委員 far from the ones the other scenarios use, back after a long time offline.
    let login = format!("comm{}", ctx.db.generated.commissioners - 1);
    let device = Device::new(&ctx.base, &bench_token(&login), ctx.opts.accept_encoding);
    let (first, _) = device.pull(0, None).await?;
    let scope: Vec<PersonId> = first.scope.into_iter().map(|s| s.id).collect();
    if scope.is_empty() {
        return Err(format!("{login} has nobody in scope"));
    }
    let mut rng = StdRng::seed_from_u64(10_000);
    let now = now_ms();
    // Queued over the last days, a minute apart, in the order they were made.
    let checks: Vec<NewCheck> =
        (0..n).map(|i| new_check(&mut rng, &scope[i % scope.len()], now - (n - i) as i64 * 60_000)).collect();
    println!(
        "\n### push: {n} queued checks from one device ({login}, {} persons), {MAX_PUSH_BATCH} per request, \
         one request after another as the app does\n",
        scope.len()
    );
    println!("| pass | total s | checks/s | requests | per request p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    let since = now_ms();
    for retry in [false, true] {
        let started = Instant::now();
        let mut lat = Vec::new();
        for batch in checks.chunks(MAX_PUSH_BATCH) {
            let (res, cost) = device.push(&push_request(batch)).await?;
            expect_results(batch, &res, retry)?;
            lat.push(micros(cost.latency));
        }
        let total = started.elapsed().as_secs_f64();
        let [p50, _, p99, max] = spread(&mut lat);
        println!(
            "| {} | {total:.2} | {:.0} | {} | {p50} | {p99} | {max} |",
            if retry { "the same again (a retry: all duplicates)" } else { "first push" },
            n as f64 / total,
            lat.len()
        );
    }
    // Every check is stored, once.
    let sql = ctx.db.storage.sql("SELECT id FROM checks WHERE device_id = ? AND received_at >= ?");
    let stored: Vec<String> = sqlx::query_scalar(&sql)
        .bind(format!("dev-{login}"))
        .bind(since)
        .fetch_all(ctx.db.storage.pool())
        .await
        .map_err(|e| e.to_string())?;
    let stored_set: HashSet<&str> = stored.iter().map(String::as_str).collect();
    let sent: HashSet<String> = checks.iter().map(|c| c.id.0.to_string()).collect();
    if stored.len() != n || stored_set.len() != n || !sent.iter().all(|id| stored_set.contains(id.as_str())) {
        return Err(format!("{n} pushed, {} rows stored ({} distinct)", stored.len(), stored_set.len()));
    }
    println!("\nVerified in the database: all {n} checks stored exactly once.");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scenario: many devices syncing at once

struct LoadDevice {
    device: Device,
    cursor: i64,
    /// The pull mark of its last whole pull, sent back as the app does.
    mark: Option<i64>,
    persons: Vec<PersonId>,
    rng: StdRng,
}

/// What the load generator saw in one measured window.
#[derive(Default)]
struct Stats {
    pull: Vec<u32>,
    push: Vec<u32>,
    /// Every request that completed in the window, pages beyond the first included.
    requests: u64,
    errors: u64,
    error_samples: Vec<String>,
    /// Checks the server answered `applied` (in or out of the window), to find in the database.
    pushed: Vec<uuid::Uuid>,
    /// Open loop: rounds due when every device was still busy with its last one.
    missed: u64,
    pull_wire: u64,
    /// Pulls answered "nothing but checks changed" (`PullResponse::unchanged`).
    unchanged: u64,
}

impl Stats {
    fn merge(&mut self, o: Stats) {
        self.pull.extend(o.pull);
        self.push.extend(o.push);
        self.requests += o.requests;
        self.errors += o.errors;
        self.pushed.extend(o.pushed);
        self.missed += o.missed;
        self.pull_wire += o.pull_wire;
        self.unchanged += o.unchanged;
        for e in o.error_samples {
            if self.error_samples.len() < 5 {
                self.error_samples.push(e);
            }
        }
    }

    fn error(&mut self, e: String) {
        self.errors += 1;
        if self.error_samples.len() < 5 {
            self.error_samples.push(e);
        }
    }
}

#[derive(Clone, Copy)]
struct Window {
    from: Instant,
    to: Instant,
}

impl Window {
    fn contains(&self, t: Instant) -> bool {
        t >= self.from && t < self.to
    }
}

/// One sync round of a device with nothing else to do: every page from its cursor; then, in
/// about one round in ten, the 1–3 checks its user just logged. Latency of the first pull runs
/// from `due` (in the open loop, when the round was scheduled, so queueing counts).
async fn round(d: &mut LoadDevice, due: Instant, window: Window, stats: &mut Stats) {
    let mut started = due;
    // As the app's `pull_all`: the mark goes with every page until a whole one, and the whole
    // one's mark is kept (this device fetches no persons, so it is kept at once).
    let (mut mark, mut kept) = (d.mark, false);
    loop {
        match d.device.pull(d.cursor, mark).await {
            Ok((page, cost)) => {
                let done = Instant::now();
                if window.contains(done) {
                    stats.pull.push(micros(done - started));
                    stats.requests += 1;
                    stats.pull_wire += cost.wire;
                    stats.unchanged += u64::from(page.unchanged);
                }
                if !page.unchanged && !kept {
                    (d.mark, mark, kept) = (page.mark, None, true);
                }
                d.cursor = page.cursor;
                if !page.more {
                    break;
                }
                started = Instant::now();
            }
            Err(e) => {
                stats.error(format!("pull: {e}"));
                // Back off a little, as the app would, instead of spinning on a failing server.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return;
            }
        }
    }
    if d.persons.is_empty() || !d.rng.random_bool(PUSH_SHARE) {
        return;
    }
    let k = d.rng.random_range(1..=3);
    let checks: Vec<NewCheck> = (0..k)
        .map(|_| {
            let p = d.persons[d.rng.random_range(0..d.persons.len())].clone();
            new_check(&mut d.rng, &p, now_ms())
        })
        .collect();
    let started = Instant::now();
    match d.device.push(&push_request(&checks)).await {
        Ok((res, _)) => {
            let done = Instant::now();
            if window.contains(done) {
                stats.push.push(micros(done - started));
                stats.requests += 1;
            }
            match expect_results(&checks, &res, false) {
                Ok(()) => stats.pushed.extend(checks.iter().map(|c| c.id.0)),
                Err(e) => stats.error(format!("push: {e}")),
            }
        }
        Err(e) => {
            stats.error(format!("push: {e}"));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `concurrency` devices, each syncing again as soon as its last round is done.
async fn closed_loop(devices: &mut Vec<LoadDevice>, concurrency: usize, warmup: f64, measure: f64) -> Stats {
    let start = Instant::now();
    let window =
        Window { from: start + Duration::from_secs_f64(warmup), to: start + Duration::from_secs_f64(warmup + measure) };
    let mut set = JoinSet::new();
    let busy: Vec<LoadDevice> = devices.drain(..concurrency.min(devices.len())).collect();
    for mut d in busy {
        set.spawn(async move {
            let mut stats = Stats::default();
            while Instant::now() < window.to {
                round(&mut d, Instant::now(), window, &mut stats).await;
            }
            (d, stats)
        });
    }
    let mut stats = Stats::default();
    let mut back = Vec::new();
    while let Some(r) = set.join_next().await {
        let (d, s) = r.expect("a device task does not panic");
        back.push(d);
        stats.merge(s);
    }
    back.append(devices);
    *devices = back;
    stats
}

/// Rounds started at a fixed rate whatever the server's speed, each by an idle device.
async fn open_loop(devices: &mut Vec<LoadDevice>, rate: f64, warmup: f64, measure: f64) -> Stats {
    // A round is one pull, plus a push in PUSH_SHARE of rounds.
    let rounds_per_sec = rate / (1.0 + PUSH_SHARE);
    let start = Instant::now();
    let window =
        Window { from: start + Duration::from_secs_f64(warmup), to: start + Duration::from_secs_f64(warmup + measure) };
    let idle: Arc<Mutex<VecDeque<LoadDevice>>> = Arc::new(Mutex::new(devices.drain(..).collect()));
    let mut set = JoinSet::new();
    let mut stats = Stats::default();
    let mut dispatched: u64 = 0;
    loop {
        let now = Instant::now();
        if now >= window.to {
            break;
        }
        let due = ((now - start).as_secs_f64() * rounds_per_sec) as u64;
        while dispatched < due {
            let at = start + Duration::from_secs_f64(dispatched as f64 / rounds_per_sec);
            dispatched += 1;
            let next = idle.lock().expect("not poisoned").pop_front();
            match next {
                Some(mut d) => {
                    let idle = idle.clone();
                    set.spawn(async move {
                        let mut s = Stats::default();
                        round(&mut d, at, window, &mut s).await;
                        idle.lock().expect("not poisoned").push_back(d);
                        s
                    });
                }
                None if window.contains(at) => stats.missed += 1,
                None => {}
            }
        }
        while let Some(r) = set.try_join_next() {
            stats.merge(r.expect("a round does not panic"));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    while let Some(r) = set.join_next().await {
        stats.merge(r.expect("a round does not panic"));
    }
    *devices = idle.lock().expect("not poisoned").drain(..).collect();
    stats
}

async fn load(ctx: &Ctx<'_>) -> Result<(), String> {
    let o = ctx.opts;
    let g = &ctx.db.generated;
    let n_comm = (o.devices * o.commissioner_pct).div_ceil(100);
    let n_vol = o.devices - n_comm;
    // comm0–comm2 lost their areas to the pull fixture; the last one pushed 10,000 checks.
    let comm_pool: Vec<String> = (3..g.commissioners.saturating_sub(1)).rev().map(|c| format!("comm{c}")).collect();
    if n_comm > comm_pool.len() || n_vol > g.volunteers {
        return Err(format!(
            "{n_vol} volunteers and {n_comm} 民生委員 wanted, the data set has {} and {}: raise --users/--persons",
            g.volunteers,
            comm_pool.len()
        ));
    }
    // Interleaved, so the first N devices (a lower-concurrency point) keep the same mix.
    let mut logins = Vec::with_capacity(o.devices);
    let (mut v, mut c) = (0, 0);
    for i in 0..o.devices {
        if c < n_comm && (i + 1) * n_comm / o.devices > c {
            logins.push(comm_pool[c].clone());
            c += 1;
        } else {
            logins.push(format!("vol{v}"));
            v += 1;
        }
    }
    println!(
        "\n### load: {} devices ({n_vol} volunteers, {n_comm} 民生委員), each looping: pull from its cursor \
         (all pages), then in {:.0} % of rounds push 1–3 checks\n",
        o.devices,
        PUSH_SHARE * 100.0
    );

    // Each device as it is after its first sync: the manifest (from one pull) and the cursor the
    // server handed it then, the `seq` of the newest check it may see. Syncing 1,000 devices
    // from nothing is the `pull` scenario's business, and would take long at this scale.
    let t0 = now_ms();
    let storage = &ctx.db.storage;
    let tip: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM checks")
        .fetch_one(storage.pool())
        .await
        .map_err(|e| e.to_string())?;
    let mut set = JoinSet::new();
    let gate = Arc::new(tokio::sync::Semaphore::new(32));
    for (i, login) in logins.iter().enumerate() {
        let device = Device::new(&ctx.bases[i % ctx.bases.len()], &bench_token(login), o.accept_encoding);
        let (gate, storage) = (gate.clone(), storage.clone());
        set.spawn(async move {
            let _permit = gate.acquire_owned().await.expect("open semaphore");
            let (page, _) = device.pull(tip, None).await?;
            let persons: Vec<PersonId> = page.scope.into_iter().map(|s| s.id).collect();
            let cursor = newest_check(&storage, &persons).await?;
            let (mark, rng) = (page.mark, StdRng::seed_from_u64(i as u64));
            Ok::<_, String>((i, LoadDevice { device, cursor, mark, persons, rng }))
        });
    }
    let mut slots: Vec<Option<LoadDevice>> = (0..o.devices).map(|_| None).collect();
    while let Some(r) = set.join_next().await {
        let (i, d) = r.map_err(|e| e.to_string())??;
        slots[i] = Some(d);
    }
    let mut devices: Vec<LoadDevice> = slots.into_iter().map(|d| d.expect("every device set up")).collect();
    let describe = |prefix: &str| {
        let of_kind: Vec<&LoadDevice> =
            devices.iter().zip(&logins).filter(|(_, l)| l.starts_with(prefix)).map(|(d, _)| d).collect();
        let sizes: Vec<usize> = of_kind.iter().map(|d| d.persons.len()).collect();
        let mut lag: Vec<i64> = of_kind.iter().map(|d| tip - d.cursor).collect();
        lag.sort_unstable();
        format!(
            "{}–{} persons, cursor {} / {} checks behind the newest (median / max)",
            sizes.iter().min().unwrap_or(&0),
            sizes.iter().max().unwrap_or(&0),
            rank(&lag, 50.0).unwrap_or(0),
            rank(&lag, 100.0).unwrap_or(0)
        )
    };
    println!("- volunteers: {}", describe("vol"));
    println!("- 民生委員: {}", describe("comm"));
    println!("- every pull from such a cursor finds nothing new unless someone pushed meanwhile\n");

    // Closed loops first: an open loop at `half` needs the throughput of the first one.
    let mut points: Vec<(Option<usize>, Option<Option<f64>>)> = vec![(Some(o.devices), None)];
    if o.low_concurrency > 0 && o.low_concurrency < o.devices {
        points.push((Some(o.low_concurrency), None));
    }
    points.extend(o.open_rates.iter().map(|&r| (None, Some(r))));
    let mut saturated = 0.0;
    let mut table = Vec::new();
    let mut cpu_table = Vec::new();
    let mut all_pushed = Vec::new();
    let mut errors = 0;
    let mut samples = Vec::new();
    for (conc, rate) in points {
        let before = CpuSample::take(ctx.db).await;
        // CPU is sampled over the whole point; the warm-up is short next to the window.
        let (label, mut s) = match (conc, rate) {
            (Some(c), _) => {
                (format!("closed loop, {c} at once"), closed_loop(&mut devices, c, o.warmup, o.seconds).await)
            }
            (_, Some(r)) => {
                let r = r.unwrap_or(saturated / 2.0).max(1.0);
                (format!("open loop, {r:.0} req/s offered"), open_loop(&mut devices, r, o.warmup, o.seconds).await)
            }
            _ => unreachable!("a point is closed or open"),
        };
        let after = CpuSample::take(ctx.db).await;
        let cpu = before.usage(&after);
        let rps = s.requests as f64 / o.seconds;
        if conc == Some(o.devices) {
            saturated = rps;
        }
        let [pl50, pl90, pl99, plmax] = spread(&mut s.pull);
        let [ps50, ps90, ps99, psmax] = spread(&mut s.push);
        let mut both: Vec<u32> = s.pull.iter().chain(&s.push).copied().collect();
        both.sort_unstable();
        let p99 = pct(&both, 99.0);
        println!(
            "{label}: {rps:.0} req/s, p99 {} ms, {} errors{}; {} of {} pulls only checks (unchanged)",
            ms(p99),
            s.errors,
            if s.missed > 0 { format!(", {} rounds found no idle device", s.missed) } else { String::new() },
            s.unchanged,
            s.pull.len()
        );
        table.push(format!(
            "| {label} | **{rps:.0}** | {} / {} | {pl50} / {pl90} / **{pl99}** / {plmax} | {ps50} / {ps90} / **{ps99}** / {psmax} | **{}** | {:.0} | {} | {} |",
            s.pull.len(),
            s.push.len(),
            ms(p99),
            s.pull_wire as f64 / s.pull.len().max(1) as f64,
            s.errors,
            s.missed
        ));
        cpu_table.push(format!(
            "| {label} | {:.0} % | {:.0} % | {:.0} % | {:.0} % | {:.0} % | {:.0} % |",
            cpu.server, cpu.sqlite, cpu.postgres, cpu.loadgen, cpu.others, cpu.machine
        ));
        errors += s.errors;
        samples.append(&mut s.error_samples);
        all_pushed.append(&mut s.pushed);
    }
    println!("\n| point | requests/s | pulls / pushes measured | pull p50 / p90 / p99 / max ms | push p50 / p90 / p99 / max ms | all p99 ms | bytes/pull | errors | missed |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in &table {
        println!("{row}");
    }
    println!(
        "\nCPU, % of one core (the machine has {}; 100 % = one core busy):\n",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    println!("| point | server (tokio) | SQLite threads | PostgreSQL backends | load generator | other processes | machine |");
    println!("|---|---|---|---|---|---|---|");
    for row in &cpu_table {
        println!("{row}");
    }

    // Every check the server took is there, once.
    let sql = ctx.db.storage.sql("SELECT id FROM checks WHERE received_at >= ? AND device_id NOT LIKE ?");
    let stored: Vec<String> = sqlx::query_scalar(&sql)
        .bind(t0)
        .bind(format!("dev-{}%", PULL_LOGIN))
        .fetch_all(ctx.db.storage.pool())
        .await
        .map_err(|e| e.to_string())?;
    let stored_set: HashSet<String> = stored.iter().cloned().collect();
    let pushed: HashSet<String> = all_pushed.iter().map(|u| u.to_string()).collect();
    let missing = pushed.iter().filter(|id| !stored_set.contains(*id)).count();
    println!(
        "\nVerified in the database: {} checks pushed under load, {} stored ({} distinct), {missing} missing.",
        pushed.len(),
        stored.len(),
        stored_set.len()
    );
    if missing > 0 || stored.len() != stored_set.len() || stored.len() != pushed.len() {
        return Err(format!("{} pushed, {} stored, {missing} missing", pushed.len(), stored.len()));
    }
    if errors > 0 {
        return Err(format!("{errors} failed requests under load, e.g. {samples:?}"));
    }
    Ok(())
}
