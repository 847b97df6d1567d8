//! Wiring: storage, routes, static files, the shell, and the layers around them.

use crate::assets::{Assets, OUTPUT_NAME};
use crate::auth::HashGate;
use crate::config::Config;
use crate::demo;
use crate::error::ApiError;
use crate::routes;
use crate::shell;
use crate::storage::Storage;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use mimamori_core::api::SIGN_IN_FORM_PATH;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// Largest request body: a push batch of 200 checks with long notes fits well inside.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Requests this process works on at once; more wait their turn (within the request timeout).
const MAX_CONCURRENT_REQUESTS: usize = 512;
/// How often each process forgets old failed-sign-in counts.
const PURGE_EVERY: Duration = Duration::from_secs(10 * 60);

#[derive(Clone)]
pub struct AppState {
    pub storage: Storage,
    pub config: Arc<Config>,
    pub assets: Arc<Assets>,
    pub leptos: LeptosOptions,
    /// Every password hash in this process passes through here.
    pub hashes: HashGate,
}

/// Bytes below which a page or file is sent uncompressed.
const COMPRESS_ABOVE: u16 = 1024;
/// Bytes below which a JSON answer is sent uncompressed (see [`WorthCompressing`]).
const COMPRESS_JSON_ABOVE: u16 = 4096;

/// Which answers are brotli'd: pages and files over 1 KB, JSON over 4 KB. A pull with nothing new
/// is 0.7–1.6 KB of JSON since it carries the user's requests, cases and events, and brotli's
/// per-answer set-up cost more server CPU than the kilobyte it saves on the wire: 1,000 devices,
/// 2,000 req/s offered, server CPU per request 0.39–0.47 ms compressed above 1 KB, 0.28–0.34 ms
/// above 4 KB, on SQLite and likewise on PostgreSQL (BENCHMARKS.md §7). A phone syncing once a
/// minute pays about 0.7 KB more per pull. First pulls, fetched persons and the office's lists
/// are far larger and still compressed.
#[derive(Clone, Copy)]
struct WorthCompressing;

impl Predicate for WorthCompressing {
    fn should_compress<B: axum::body::HttpBody>(&self, response: &axum::http::Response<B>) -> bool {
        let json = response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
        let above = if json { COMPRESS_JSON_ABOVE } else { COMPRESS_ABOVE };
        DefaultPredicate::new().and(SizeAbove::new(above)).should_compress(response)
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    storage: Storage,
    hashes: HashGate,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: std::net::SocketAddr, source: std::io::Error },
    #[error("cannot create the data directory: {0}")]
    DataDir(std::io::Error),
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        ensure_sqlite_dir(&config.database_url).map_err(StartupError::DataDir)?;
        let storage = Storage::connect_with(&config.database_url, config.db_connections).await?;
        if config.demo && storage.is_empty().await? {
            demo::load(&storage).await?;
            if config.demo_history {
                demo::load_history(&storage, crate::time::now_millis()).await?;
            }
            demo::open_cases(&storage, crate::time::now_millis()).await?;
            tracing::info!("loaded the demo municipality");
        }
        // Leptos renders the shell on tokio; generate_route_list would do this, but every route is one shell.
        let _ = any_spawner::Executor::init_tokio();
        let assets = Assets::load(&config.site_root, &config.hash_file);
        // In the background: until the copies exist, the compression layer compresses on the fly.
        // Release builds only: unhashed (development) files change under a running server.
        let pkg = config.site_root.join("pkg");
        if assets.hashed && pkg.is_dir() {
            tokio::task::spawn_blocking(move || {
                let started = std::time::Instant::now();
                match crate::assets::precompress(&pkg) {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(files = n, ms = started.elapsed().as_millis() as u64, "precompressed the build")
                    }
                    // A read-only site directory: on-the-fly compression serves instead.
                    Err(e) => tracing::warn!(error = %e, "could not write brotli copies of the build"),
                }
            });
        }
        let leptos = LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(config.site_root.to_string_lossy().as_ref())
            .site_pkg_dir("pkg")
            .hash_files(assets.hashed)
            .hash_file(std::sync::Arc::<str>::from(config.hash_file.to_string_lossy().as_ref()))
            .site_addr(config.addr)
            .build();
        let listener =
            TcpListener::bind(config.addr).await.map_err(|source| StartupError::Bind { addr: config.addr, source })?;
        let hashes = HashGate::new(config.hash_concurrency);
        let state = AppState {
            storage: storage.clone(),
            config: Arc::new(config),
            assets: Arc::new(assets),
            leptos,
            hashes: hashes.clone(),
        };
        Ok(Self { listener, router: router(state), storage, hashes })
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// The process's password-hash gate (tests read how much hashing a burst caused).
    pub fn hash_gate(&self) -> HashGate {
        self.hashes.clone()
    }

    pub async fn run(self) -> std::io::Result<()> {
        let storage = self.storage;
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PURGE_EVERY);
            loop {
                every.tick().await;
                if let Err(e) = storage.purge_sign_in_failures(crate::time::now_millis()).await {
                    tracing::warn!(error = %e, "could not purge old sign-in failures");
                }
            }
        });
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown_signal()).await
    }
}

/// Ctrl+C or SIGTERM (how service managers stop a process): finish in-flight requests, then stop.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Creates the directory an embedded database file lives in. Only a `sqlite:` URL names a file:
/// a PostgreSQL URL's `host:port` read as a path once left empty `postgres:/…` directories in
/// the server's working directory at every start.
fn ensure_sqlite_dir(url: &str) -> std::io::Result<()> {
    let Some(path) = url.strip_prefix("sqlite:") else {
        return Ok(());
    };
    let path = path.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !path.starts_with(':') => std::fs::create_dir_all(dir),
        _ => Ok(()),
    }
}

pub fn router(state: AppState) -> Router {
    let site = state.config.site_root.clone();
    let hsts = state.config.secure_cookies;
    let timeout = state.config.request_timeout;
    let api = routes::api(&state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Personal data must never rest in any HTTP cache, the service worker's included.
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    // Hashed files never change, so a browser may keep them a year; a miss must not be kept at
    // all (a 404 cached for a year would break the next release's file of the same name).
    let hashed = state.assets.hashed;
    let pkg = Router::new()
        .fallback_service(if hashed {
            ServeDir::new(site.join("pkg")).precompressed_br()
        } else {
            ServeDir::new(site.join("pkg"))
        })
        .layer(map_response(move |mut res: Response| async move {
            let value = match (res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED, hashed) {
                (true, true) => "public, max-age=31536000, immutable",
                (true, false) => "no-cache",
                (false, _) => "no-store",
            };
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
            res
        }));
    // The map library, vendored under a directory named by its version (a new version is a new
    // URL), so a browser may keep it a year like the hashed build.
    let vendor = Router::new().fallback_service(ServeDir::new(site.join("vendor"))).layer(map_response(
        |mut res: Response| async move {
            let value = if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
                "public, max-age=31536000, immutable"
            } else {
                "no-store"
            };
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
            res
        },
    ));
    Router::new()
        .nest(mimamori_core::api::API_PREFIX, api)
        .nest("/vendor", vendor)
        // The maps' own styles and cluster icon: loaded with the map library, never with the
        // first page.
        .route_service(
            "/map.css",
            tower_http::set_header::SetResponseHeader::overriding(
                ServeFile::new(site.join("map.css")),
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            ),
        )
        .route_service(
            "/map.js",
            tower_http::set_header::SetResponseHeader::overriding(
                ServeFile::new(site.join("map.js")),
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-cache"),
            ),
        )
        .route("/sw.js", get(service_worker))
        .nest("/pkg", pkg)
        .nest_service("/icons", ServeDir::new(site.join("icons")))
        .route_service("/manifest.webmanifest", ServeFile::new(site.join("manifest.webmanifest")))
        .route_service("/favicon.ico", ServeFile::new(site.join("icons/favicon.ico")))
        .route(SIGN_IN_FORM_PATH, get(shell::page).post(shell::sign_in))
        .fallback(shell::page)
        .with_state(state)
        // Small answers go as they are (see `WorthCompressing`).
        .layer(CompressionLayer::new().compress_when(WorthCompressing))
        .layer(CatchPanicLayer::custom(|_| ApiError::Internal("handler panicked".into()).into_response()))
        // Slow or stuck requests end: a body that trickles in, a handler that waits too long for
        // the database or for its turn under load. Answered as JSON like every other failure.
        .layer(GlobalConcurrencyLimitLayer::new(MAX_CONCURRENT_REQUESTS))
        .layer(RequestBodyTimeoutLayer::new(timeout))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(map_response(|res: Response| async move {
            let bare =
                res.status() == StatusCode::SERVICE_UNAVAILABLE && !res.headers().contains_key(header::CONTENT_TYPE);
            if bare {
                ApiError::Timeout.into_response()
            } else {
                res
            }
        }))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ))
        // HSTS only when served over HTTPS (the same setting that marks cookies Secure).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        ))
}

/// The service worker, with this build's version and precache list.
/// The map's tile server is written in too (a setting: a new one makes a new worker).
async fn service_worker(State(state): State<AppState>) -> Response {
    let Some(source) = &state.assets.service_worker else {
        return (StatusCode::NOT_FOUND, "site not built").into_response();
    };
    let tiles = &state.config.map_tiles;
    let origin = serde_json::to_string(tiles.origin()).unwrap_or_else(|_| "\"\"".into());
    let bytes = u64::from(tiles.source().cache_mb) * 1024 * 1024;
    let source = format!("const TILE_ORIGIN = {origin};\nconst TILE_CACHE_BYTES = {bytes};\n{source}");
    // A worker's own policy: same-origin files, and the map's tiles from their one server.
    let csp = format!("default-src 'self'; connect-src 'self' {}", tiles.origin());
    let csp = HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'self'"));
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        source,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::ensure_sqlite_dir;

    #[test]
    fn only_an_embedded_database_gets_a_directory() {
        let dir = std::env::temp_dir().join(format!("mimamori-dir-{}", std::process::id()));
        let file = dir.join("data/mimamori.db");
        ensure_sqlite_dir(&format!("sqlite://{}?mode=rwc", file.display())).unwrap();
        assert!(dir.join("data").is_dir());
        std::fs::remove_dir_all(&dir).unwrap();

        let cwd = std::env::current_dir().unwrap();
        ensure_sqlite_dir("postgres://postgres@127.0.0.1:5432/mimamori").unwrap();
        ensure_sqlite_dir("sqlite::memory:").unwrap();
        assert!(!cwd.join("postgres:").exists(), "a PostgreSQL URL is not a path");
    }
}
