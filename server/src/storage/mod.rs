//! Storage: the server's one door to the database, SQLite (embedded default) or PostgreSQL.
//!
//! Every query that returns personal data takes the asking user and applies their scope
//! in SQL, so a handler cannot forget to filter. SQL is written once with `?` placeholders;
//! [`Storage::sql`] renumbers them to `$1…` for PostgreSQL and turns `NOW_MS` (the database's
//! clock in epoch milliseconds, for rules such as how long a partner sees a closed request) into
//! each dialect's expression.

mod activity;
mod areas;
mod audit;
mod cases;
mod checks;
mod disaster;
mod invites;
mod map;
mod marks;
mod meetings;
mod persons;
mod reports;
mod requests;
mod rows;
mod security;
mod sign_in;
mod sql;
mod users;
mod versions;
mod write;

pub use audit::{Actor, AuditAction};
pub use cases::SignalRef;
pub use disaster::OnList;
pub use invites::{InviteProblem, Redeemed};
pub use marks::GivenMark;
pub use meetings::MeetingCase;
pub use reports::ReportArea;
pub use security::{SecurityAction, SecurityEvent};
pub use sign_in::{Attempt, LOCKOUT_MS, MAX_FAILURES};
pub use sql::Backend;
pub use users::{Enrolment, NewUser, RevokeReason, Session, SessionLookup, UserRecord};
pub use versions::EditOutcome;
pub use write::{Seen, WriteTx, Writer};

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::{Any, AnyConnection, Executor, Transaction};
use std::borrow::Cow;

#[derive(Clone)]
pub struct Storage {
    pool: AnyPool,
    backend: Backend,
    /// Per device: the scope last written to the audit log as `sync.read`, and when (see
    /// [`Storage::audit_sync_reads`]). Saves a write per pull; losing it on restart costs one write.
    sync_reads: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, (u64, i64)>>>,
    /// The one connection synced-data writes go through ([`Storage::begin_write`]).
    writer: AnyPool,
    /// Phones' pushes queue here, one at a time, before they ask for the writer connection
    /// ([`Storage::push_turn`]); office writes and audit rows do not.
    push_turn: std::sync::Arc<tokio::sync::Semaphore>,
    /// The readers' connections phones' syncs may hold at once: all but [`OFFICE_LANES`]
    /// ([`Storage::sync_lane`]).
    sync_lanes: std::sync::Arc<tokio::sync::Semaphore>,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("after migrating, {0} rows point at rows that do not exist")]
    BrokenForeignKeys(usize),
    #[error("unsupported database URL (use sqlite://… or postgres://…)")]
    UnsupportedUrl,
    #[error("the pushes' queue is closed")]
    QueueClosed,
    #[error("every connection phones may use is taken")]
    SyncLanesFull,
}

/// Connections each server process keeps to the database unless configured otherwise.
pub const POOL_CONNECTIONS: u32 = 8;

/// Readers' connections kept from phones' syncs, for everyone else: the office's board, queue and
/// reports, sign-ins, each request's session lookup (see [`Storage::sync_lane`]).
pub const OFFICE_LANES: u32 = 2;

/// How long a request waits for a database connection before it is told the database is away.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a write waits for the writer connection: longer than any request may run, so the
/// request's own time limit (`MIMAMORI_REQUEST_TIMEOUT_SECS`, answered 503) is what bounds a
/// writer's wait in a queue of 300 phones confirming at once, not this.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

impl StorageError {
    /// Whether SQLite gave up waiting for its lock (SQLITE_BUSY or SQLITE_LOCKED, extended codes
    /// included): the write was refused for now, not failed, so it is answered 503 `busy` and the
    /// phone tries again, never 500.
    pub fn is_busy(&self) -> bool {
        match self {
            StorageError::Database(sqlx::Error::Database(db)) => {
                db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some()
                    && db.code().and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| matches!(c & 0xff, 5 | 6))
            }
            StorageError::SyncLanesFull => true,
            _ => false,
        }
    }

    /// Whether the database could not be reached, rather than refused or failed a statement: no
    /// connection came free in time, a connection broke, or the server is shutting down or
    /// starting up (SQLSTATE class 08, 57P01–57P03). Such a request is answered 503, and the pool
    /// reconnects by itself (each connection is tested before it is handed out).
    pub fn is_unavailable(&self) -> bool {
        match self {
            StorageError::Database(e) => match e {
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_) => true,
                sqlx::Error::Database(db) => {
                    db.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03"))
                }
                _ => false,
            },
            // Only if the process is going away.
            StorageError::QueueClosed => true,
            _ => false,
        }
    }
}

impl Storage {
    /// Opens (creating an SQLite file if needed) the database and brings its schema up to date.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::connect_with(url, POOL_CONNECTIONS).await
    }

    /// [`Storage::connect`] keeping `connections` connections (`MIMAMORI_DB_CONNECTIONS`).
    pub async fn connect_with(url: &str, connections: u32) -> Result<Self, StorageError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or(StorageError::UnsupportedUrl)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let pool = pool_options(backend, connections.max(1), ACQUIRE_TIMEOUT).connect(&url).await?;
        match backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
                // Rebuilding a table (SQLite's only way to change a constraint) needs foreign
                // keys off during the migration; they are checked as a whole afterwards.
                let mut conn = pool.acquire().await?;
                conn.execute("PRAGMA foreign_keys = OFF").await?;
                let migrated = sqlx::migrate!("./migrations/sqlite").run(&mut *conn).await;
                let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(&mut *conn).await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                migrated?;
                if !broken.is_empty() {
                    return Err(StorageError::BrokenForeignKeys(broken.len()));
                }
            }
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        // Opened after the migrations, so it never sees the schema change under it.
        // Kept open, so a write that only goes when the writer is free (`last_seen_at`) finds it.
        let writer = pool_options(backend, 1, WRITER_WAIT).min_connections(1).connect(&url).await?;
        let push_turn = std::sync::Arc::new(tokio::sync::Semaphore::new(1));
        let lanes = connections.saturating_sub(OFFICE_LANES).max(1) as usize;
        let sync_lanes = std::sync::Arc::new(tokio::sync::Semaphore::new(lanes));
        Ok(Self { pool, backend, sync_reads: Default::default(), writer, push_turn, sync_lanes })
    }

    /// The pool, for one-statement operations outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A phone's push waits here for the pushes before it, then for the writer connection.
    ///
    /// Why a queue of its own: the writer connection is one, and a 安否確認 storm queues hundreds
    /// of pushes for it. An office write (closing the event, handing a list over) or the audit row
    /// of an office read that queued with them waited for all of them: 8.6 s at the median, 11.5 s
    /// at worst, with 240 phones (BENCHMARKS.md §11). Queued here instead, the pushes hold at most
    /// one place in the writer's queue, and anything else waits for that one push. Pushes keep
    /// their order among themselves (the semaphore is fair).
    pub async fn push_turn(&self) -> Result<tokio::sync::OwnedSemaphorePermit, StorageError> {
        self.push_turn.clone().acquire_owned().await.map_err(|_| StorageError::QueueClosed)
    }

    /// A phone's pull (or fetch of persons) holds one of these while it reads: at most all of the
    /// readers' connections but [`OFFICE_LANES`].
    ///
    /// Why: in a 安否確認 storm on PostgreSQL, 240 phones' pulls took every connection of the pool
    /// and the office's board queued behind them (p50 0.5 s, max 7.9 s, and 6 of 22 reads
    /// answered 503 when the pool's wait ran out: BENCHMARKS.md §11). With two connections the
    /// phones cannot take, the board waits only for the database itself. A pull that finds no
    /// lane within [`ACQUIRE_TIMEOUT`] is answered 503 `busy` and the phone tries again, as when
    /// the pool's wait ran out.
    pub async fn sync_lane(&self) -> Result<tokio::sync::OwnedSemaphorePermit, StorageError> {
        match tokio::time::timeout(ACQUIRE_TIMEOUT, self.sync_lanes.clone().acquire_owned()).await {
            Ok(permit) => permit.map_err(|_| StorageError::QueueClosed),
            Err(_) => Err(StorageError::SyncLanesFull),
        }
    }

    /// Where a single statement that writes goes when it is not part of a transaction (an audit
    /// row for a read, a security event): on SQLite the writers' own connection, so it takes its
    /// turn with the pushes instead of spinning in SQLite's lock wait on a reader's connection
    /// (during a 安否確認 storm that wait ran out: 503 `busy`); on PostgreSQL any connection.
    /// Never call it while holding a transaction from [`Storage::begin_immediate`] or
    /// [`Storage::begin_write`]: on SQLite that transaction *is* the one writer connection.
    pub fn for_writes(&self) -> &AnyPool {
        match self.backend {
            Backend::Sqlite => &self.writer,
            Backend::Postgres => &self.pool,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// SQL written with `?` placeholders and `NOW_MS`, in this backend's dialect ([`sql::in_dialect`]).
    pub fn sql<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        sql::in_dialect(self.backend, sql)
    }

    /// One connection for several statements in a row (a pull's reads): sqlx checks a connection
    /// with a round trip each time it is taken from the pool and given back, so statements that
    /// each took their own connection cost three round trips apiece on PostgreSQL.
    pub async fn connection(&self) -> Result<sqlx::pool::PoolConnection<Any>, StorageError> {
        Ok(self.pool.acquire().await?)
    }

    /// A read transaction whose statements PostgreSQL plans for the values at hand, for the few
    /// heavy office reads where the best plan depends on them (a period, the size of an area, a
    /// cut-off date) and planning costs nothing next to the work: 集計, the case queue. Elsewhere
    /// the server plans each statement once (see `pool_options`). All 50,000 persons' 集計 took
    /// 1.1 s with the one plan, 0.5 s with these (BENCHMARKS.md §10). On SQLite, a plain read
    /// transaction.
    pub async fn custom_planned_read(&self) -> Result<Transaction<'static, Any>, StorageError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx).await?;
        }
        Ok(tx)
    }

    /// A read transaction on `conn` whose statements PostgreSQL plans per call. For a pull's
    /// 安否確認 reads: an event's tables grow from nothing to thousands of rows within minutes, and
    /// a plan made once, while they were empty, stayed in use on that connection all through the
    /// storm: a volunteer's confirmations took 1.6–14 s to read, with 15,000 confirmations
    /// (BENCHMARKS.md §11). The setting is `SET LOCAL`: it ends with the transaction, also when
    /// the request is dropped half-way (a phone that hangs up mid-pull), whose rollback sqlx runs
    /// before the connection is used again; a plain `SET` and a second one to undo it left such a
    /// connection planning per call until it was recycled. On SQLite (which plans every statement
    /// anew) a plain read transaction: the event's reads see one moment.
    pub async fn planned_per_call<'c>(
        &self,
        conn: &'c mut AnyConnection,
    ) -> Result<Transaction<'c, Any>, StorageError> {
        let mut tx = sqlx::Connection::begin(conn).await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan").execute(&mut *tx).await?;
        }
        Ok(tx)
    }

    pub async fn begin(&self) -> Result<Transaction<'static, Any>, StorageError> {
        Ok(self.pool.begin().await?)
    }

    /// A transaction that writes (an office action, a sign-in's new device): on SQLite it takes
    /// the write lock up front (`BEGIN IMMEDIATE`), so two of them at once queue instead of one
    /// failing with SQLITE_BUSY when it tries to write (which answered HTTP 500 to concurrent
    /// invite redemptions), and it does so on the writers' own connection, queueing with the
    /// pushes: from a reader's connection it spun in SQLite's 5 s lock wait while pushes took the
    /// lock back to back, and answered 503 `busy` during a 安否確認 storm. On PostgreSQL row locks
    /// do this job, on any connection. Nothing that also wants the writer may run inside it.
    pub async fn begin_immediate(&self) -> Result<Transaction<'static, Any>, StorageError> {
        Ok(match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn is_empty(&self) -> Result<bool, StorageError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.pool).await?;
        Ok(n == 0)
    }
}

/// The settings of both pools: each connection's pragmas or plan mode, and how waits end.
fn pool_options(backend: Backend, connections: u32, acquire_timeout: std::time::Duration) -> AnyPoolOptions {
    AnyPoolOptions::new()
        // A connection per core or two is what the database can use: on PostgreSQL more than
        // that only adds backends that wait for the same cores (2 cores, 1,000 devices: 16
        // connections 1,085 req/s, 8 → 1,199, 4 → 1,163; BENCHMARKS.md §3).
        .max_connections(connections)
        // The readers' pool: while the database is away (restart, failover) a request learns
        // so within this, and is answered 503 `database_unavailable`, well inside the request
        // timeout. The writer: see `WRITER_WAIT`.
        .acquire_timeout(acquire_timeout)
        // sqlx pings a connection when it is given back; a second ping when it is taken again
        // is one more round trip per statement. A connection that broke while idle fails its
        // first statement (answered 503, and closed when given back).
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // Per-connection settings. WAL + NORMAL is durable across application crashes.
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                } else {
                    // Every statement here is prepared once per connection and run many times
                    // with ids and cursors that do not change its best plan. PostgreSQL's
                    // default re-plans a statement per call when a custom plan looks cheaper,
                    // which for a sync pull cost 0.6–0.9 ms of planning per 0.2 ms of work
                    // (BENCHMARKS.md §3): plan each statement once instead.
                    conn.execute("SET plan_cache_mode = force_generic_plan").await?;
                }
                Ok(())
            })
        })
}
