//! Configuration from environment variables, with defaults that run the demo locally.

use mimamori_core::api::map::TileSource;
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
    /// Where the maps' base tiles come from (see [`MapTiles`]).
    pub map_tiles: MapTiles,
}

/// The base map, a server setting so a municipality can point at its own tile server:
///
/// - `MIMAMORI_MAP_TILES`: the URL template, default 地理院タイル 淡色地図
///   (`https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png`). `https://` (or `http://` for
///   a tile server on this machine), and `{z}`, `{x}` and `{y}` in it.
/// - `MIMAMORI_MAP_ATTRIBUTION`: shown on the map at all times, default 「国土地理院」.
/// - `MIMAMORI_MAP_MAX_ZOOM`: the deepest zoom the server has tiles for, default 18.
/// - `MIMAMORI_MAP_TILE_CACHE_MB`: how many megabytes of tiles a phone keeps for its offline
///   map, default 50 (the service worker evicts the oldest beyond it).
///
/// The pages' content security policy allows images (and, for saving an area's tiles, fetches)
/// from exactly this template's origin and no other; tile requests carry no personal data (the referrer policy sends no page address).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapTiles {
    source: mimamori_core::api::map::TileSource,
    origin: String,
}

pub const GSI_PALE_TILES: &str = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png";

impl MapTiles {
    pub fn parse(url: &str, attribution: &str, max_zoom: u8, cache_mb: u32) -> Result<Self, ConfigError> {
        let bad = |why: &str| ConfigError(format!("MIMAMORI_MAP_TILES: {why}: {url:?}"));
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("not a URL"))?;
        let host = rest.split('/').next().unwrap_or("");
        let local = host.starts_with("127.0.0.1:") || host.starts_with("localhost:") || host == "localhost";
        if !(scheme == "https" || (scheme == "http" && local)) {
            return Err(bad("https:// is required (http:// only for a tile server on this machine)"));
        }
        // The origin goes into a header and the template into the page: nothing that could end a
        // CSP source or a string.
        let safe = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~:/{}%=&?".contains(&b));
        if host.is_empty() || !safe(url) || host.contains(['{', '}', '?', '&', '=']) {
            return Err(bad("a plain host and path are expected"));
        }
        if !(url.contains("{z}") && url.contains("{x}") && url.contains("{y}")) {
            return Err(bad("{z}, {x} and {y} are required"));
        }
        if attribution.trim().is_empty() || attribution.chars().count() > 200 {
            return Err(ConfigError("MIMAMORI_MAP_ATTRIBUTION: 1–200 characters are expected".into()));
        }
        if !(1..=22).contains(&max_zoom) {
            return Err(ConfigError("MIMAMORI_MAP_MAX_ZOOM: 1–22 is expected".into()));
        }
        // Phones are small: a cap beyond 1 GB is a typo, and 0 would turn the offline map off.
        if !(1..=1024).contains(&cache_mb) {
            return Err(ConfigError("MIMAMORI_MAP_TILE_CACHE_MB: 1–1024 is expected".into()));
        }
        Ok(Self {
            source: mimamori_core::api::map::TileSource {
                url: url.to_owned(),
                attribution: attribution.trim().to_owned(),
                max_zoom,
                cache_mb,
            },
            origin: format!("{scheme}://{host}"),
        })
    }

    pub fn source(&self) -> &mimamori_core::api::map::TileSource {
        &self.source
    }

    /// `scheme://host[:port]`, for the content security policy.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

impl Default for MapTiles {
    fn default() -> Self {
        Self::parse(GSI_PALE_TILES, "国土地理院", 18, TileSource::DEFAULT_CACHE_MB)
            .expect("the default tile source is valid")
    }
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
        let map_tiles = MapTiles::parse(
            &var("MIMAMORI_MAP_TILES").unwrap_or_else(|| GSI_PALE_TILES.into()),
            &var("MIMAMORI_MAP_ATTRIBUTION").unwrap_or_else(|| "国土地理院".into()),
            number("MIMAMORI_MAP_MAX_ZOOM", 18, 1)?.min(255) as u8,
            number("MIMAMORI_MAP_TILE_CACHE_MB", i64::from(TileSource::DEFAULT_CACHE_MB), 1)?.min(100_000) as u32,
        )?;
        Ok(Self {
            map_tiles,
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

#[cfg(test)]
mod tests {
    use super::MapTiles;

    #[test]
    fn the_default_tiles_are_the_gsi_pale_map_with_its_attribution() {
        let t = MapTiles::default();
        assert_eq!(t.origin(), "https://cyberjapandata.gsi.go.jp");
        assert_eq!(t.source().attribution, "国土地理院");
        assert_eq!(t.source().max_zoom, 18);
    }

    #[test]
    fn a_tile_template_that_could_leak_or_break_the_policy_is_refused() {
        let ok = |u: &str| MapTiles::parse(u, "自前", 18, 50).map(|t| t.origin().to_owned());
        assert_eq!(ok("https://tiles.example.jp/pale/{z}/{x}/{y}.png").unwrap(), "https://tiles.example.jp");
        assert_eq!(ok("http://127.0.0.1:8080/t/{z}/{x}/{y}.png").unwrap(), "http://127.0.0.1:8080");
        for bad in [
            "http://tiles.example.jp/{z}/{x}/{y}.png", // plain http to another machine
            "https://tiles.example.jp/{z}/{x}.png",    // no {y}
            "https://tiles.example.jp/{z}/{x}/{y}.png; script-src *", // CSP injection
            "https://tiles.example.jp/{z}/{x}/{y}.png\"", // ends a string
            "ftp://tiles.example.jp/{z}/{x}/{y}.png",
            "tiles.example.jp/{z}/{x}/{y}.png",
            "https:///{z}/{x}/{y}.png",
            "https://{s}.tiles.example.jp/{z}/{x}/{y}.png", // a templated host cannot be allowed exactly
        ] {
            assert!(ok(bad).is_err(), "{bad}");
        }
        assert!(MapTiles::parse("https://t.example.jp/{z}/{x}/{y}.png", " ", 18, 50).is_err());
        assert!(MapTiles::parse("https://t.example.jp/{z}/{x}/{y}.png", "自前", 0, 50).is_err());
        assert!(MapTiles::parse("https://t.example.jp/{z}/{x}/{y}.png", "自前", 18, 0).is_err());
        assert!(MapTiles::parse("https://t.example.jp/{z}/{x}/{y}.png", "自前", 18, 5000).is_err());
    }
}
