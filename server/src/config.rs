//! Configuration from environment variables, with defaults that run the demo locally.

use mimamori_core::domain::Role;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// `MIMAMORI_ADDR`: where to listen. Default `127.0.0.1:3000`.
    pub addr: SocketAddr,
    /// `MIMAMORI_DATABASE_URL`: default `sqlite://data/mimamori.db`.
    pub database_url: String,
    /// `MIMAMORI_SITE_ROOT`: the built site (wasm, js, css, public files). Default `target/site`.
    pub site_root: PathBuf,
    /// `MIMAMORI_HASH_FILE`: cargo-leptos's hash.txt. Default: `hash.txt` beside the server binary.
    pub hash_file: PathBuf,
    /// `MIMAMORI_DEMO=1`: load the demo municipality into an empty database.
    pub demo: bool,
    /// `MIMAMORI_DEMO_HISTORY=1` (with the demo): also two months of 見守り checks, so the home list
    /// has overdue, due and recently checked people to show. Tests leave it off to count records.
    pub demo_history: bool,
    /// `MIMAMORI_SECURE_COOKIES=1`: mark cookies Secure (set it whenever served over HTTPS).
    pub secure_cookies: bool,
    /// `MIMAMORI_PUBLIC_URL`: the address phones use (put in invite QR codes), e.g.
    /// `https://mimamori.example.jp`. Invites are refused without it, except in demo mode (which
    /// uses the host the coordinator's browser used).
    pub public_url: Option<String>,
    /// When sessions end on the server (see [`SessionPolicy`]).
    pub sessions: SessionPolicy,
    /// `MIMAMORI_HASH_CONCURRENCY`: at most this many password hashes at once in this process
    /// (each takes about 19 MiB and a core for a moment). Default: the number of cores.
    pub hash_concurrency: usize,
    /// `MIMAMORI_REQUEST_TIMEOUT_SECS`: no request runs longer, waiting for its turn included; it is
    /// answered 503 `timeout` and whatever it was writing rolls back. Default 30.
    pub request_timeout: std::time::Duration,
    /// `MIMAMORI_DB_CONNECTIONS`: connections this process keeps to the database. Default 8, what
    /// 2 cores use best (BENCHMARKS.md §7); a bigger database server wants more per process.
    pub db_connections: u32,
}

/// When a session ends on the server, whatever the cookie says. Field phones sync whenever the
/// app is open, so a month without contact means a phone in a drawer; an office browser left
/// signed in overnight should not be.
///
/// - `MIMAMORI_FIELD_SESSION_IDLE_DAYS` (default 30) and `MIMAMORI_FIELD_SESSION_MAX_DAYS` (365):
///   volunteers and 民生委員.
/// - `MIMAMORI_OFFICE_SESSION_IDLE_HOURS` (default 12) and `MIMAMORI_OFFICE_SESSION_MAX_DAYS` (7):
///   coordinators, admins and partner staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    pub field_idle_ms: i64,
    pub field_max_ms: i64,
    pub office_idle_ms: i64,
    pub office_max_ms: i64,
}

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            field_idle_ms: 30 * DAY_MS,
            field_max_ms: 365 * DAY_MS,
            office_idle_ms: 12 * HOUR_MS,
            office_max_ms: 7 * DAY_MS,
        }
    }
}

impl SessionPolicy {
    fn field(role: Role) -> bool {
        matches!(role, Role::Volunteer | Role::Commissioner)
    }

    /// How long a session of this role may go unused.
    pub fn idle_ms(&self, role: Role) -> i64 {
        if Self::field(role) {
            self.field_idle_ms
        } else {
            self.office_idle_ms
        }
    }

    /// How long a session of this role lasts at most, used or not.
    pub fn max_ms(&self, role: Role) -> i64 {
        if Self::field(role) {
            self.field_max_ms
        } else {
            self.office_max_ms
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let flag = |k: &str| var(k).is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"));
        let addr = var("MIMAMORI_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| ConfigError(format!("MIMAMORI_ADDR: {e}")))?;
        let hash_file = var("MIMAMORI_HASH_FILE").map(PathBuf::from).unwrap_or_else(|| {
            std::env::current_exe()
                .ok()
                .and_then(|p| p.parent().map(|d| d.join("hash.txt")))
                .unwrap_or_else(|| PathBuf::from("hash.txt"))
        });
        let number = |k: &str, default: i64, unit: i64| -> Result<i64, ConfigError> {
            match var(k) {
                None => Ok(default),
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if (1..=100_000).contains(&n) => Ok(n * unit),
                    _ => Err(ConfigError(format!("{k}: a whole number from 1 is expected, not {v:?}"))),
                },
            }
        };
        let d = SessionPolicy::default();
        let sessions = SessionPolicy {
            field_idle_ms: number("MIMAMORI_FIELD_SESSION_IDLE_DAYS", d.field_idle_ms, DAY_MS)?,
            field_max_ms: number("MIMAMORI_FIELD_SESSION_MAX_DAYS", d.field_max_ms, DAY_MS)?,
            office_idle_ms: number("MIMAMORI_OFFICE_SESSION_IDLE_HOURS", d.office_idle_ms, HOUR_MS)?,
            office_max_ms: number("MIMAMORI_OFFICE_SESSION_MAX_DAYS", d.office_max_ms, DAY_MS)?,
        };
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let hash_concurrency = number("MIMAMORI_HASH_CONCURRENCY", cores as i64, 1)? as usize;
        let request_timeout = std::time::Duration::from_secs(number("MIMAMORI_REQUEST_TIMEOUT_SECS", 30, 1)? as u64);
        let db_connections =
            number("MIMAMORI_DB_CONNECTIONS", i64::from(crate::storage::POOL_CONNECTIONS), 1)?.min(1000) as u32;
        Ok(Self {
            request_timeout,
            db_connections,
            sessions,
            hash_concurrency,
            addr,
            database_url: var("MIMAMORI_DATABASE_URL").unwrap_or_else(|| "sqlite://data/mimamori.db".into()),
            site_root: var("MIMAMORI_SITE_ROOT").unwrap_or_else(|| "target/site".into()).into(),
            hash_file,
            demo: flag("MIMAMORI_DEMO"),
            demo_history: flag("MIMAMORI_DEMO_HISTORY"),
            secure_cookies: flag("MIMAMORI_SECURE_COOKIES"),
            public_url: var("MIMAMORI_PUBLIC_URL"),
        })
    }
}
