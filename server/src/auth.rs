//! Who is asking: session cookies, token hashing and password checks.
//!
//! Password hashing (argon2id, about 19 MiB and tens of milliseconds of a core each) goes through
//! one [`HashGate`] per process, so a burst of sign-ins, wanted or not, queues instead of
//! exhausting memory and CPU. Verifications (the path anyone can reach) reuse the gate's own
//! memory blocks, one set per permit: the allocator never sees them, so memory stays at
//! permits × 19 MiB however many sign-ins arrive (with a fresh allocation per check, glibc kept
//! the freed blocks in per-thread arenas: 1.9 GB after a burst of 100; see BENCHMARKS.md).

use crate::error::ApiError;
use crate::startup::AppState;
use crate::storage::{Session, SessionLookup};
use crate::time::now_millis;
use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mimamori_core::api::CSRF_HEADER;
use mimamori_core::domain::Role;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

pub const SESSION_COOKIE: &str = "mimamori_session";

/// A new random session token (256 bits) and the hash that is stored for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// The session cookie; it lives as long as the session may on the server (`max_ms`), which
/// decides when it really ends.
pub fn session_cookie(token: String, secure: bool, max_ms: i64) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time::Duration::milliseconds(max_ms))
        .build()
}

pub fn expired_session_cookie(secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time_days(0))
        .build()
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Verifies a password; `None` (no such user) still spends the same work so timing tells nothing.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    verify_with_memory(password, stored, &mut Vec::new())
}

/// Most memory a stored hash may ask for (the default is 19 MiB): 64 MiB.
const MAX_BLOCKS: usize = 64 * 1024;

/// [`verify_password`] with the caller's memory blocks (resized as the hash's parameters need).
fn verify_with_memory(password: &str, stored: Option<&str>, blocks: &mut Vec<Block>) -> bool {
    // A fixed hash of a random secret, checked when the login is unknown.
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0D1dR8gqFq6mXqC3wHhZQ2m0Zr0bq1bNVcxK5k6N0kQ";
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY, false),
    };
    let mut check = || -> Option<bool> {
        let parsed = PasswordHash::new(hash).ok()?;
        let params = Params::try_from(&parsed).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = Version::try_from(parsed.version.unwrap_or(Version::V0x13.into())).ok()?;
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        if params.block_count() > MAX_BLOCKS {
            return None;
        }
        blocks.resize(params.block_count(), Block::default());
        let mut out = [0u8; 64];
        let out = out.get_mut(..expected.len())?;
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut blocks[..])
            .ok()?;
        // `Output`'s equality is constant-time.
        Some(Output::new(out).ok()? == expected)
    };
    check().unwrap_or(false) && real
}

/// Bounds concurrent password hashing in this process, and counts it (for tests and figures).
#[derive(Clone)]
pub struct HashGate {
    permits: Arc<Semaphore>,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    total: Arc<AtomicU64>,
    /// Memory blocks for verifications, one set per permit at most, kept between uses.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// How long a sign-in waits for its turn to hash before it is told the server is busy.
const HASH_WAIT: Duration = Duration::from_secs(10);

impl HashGate {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            running: Default::default(),
            peak: Default::default(),
            total: Default::default(),
            memory: Default::default(),
        }
    }

    /// Checks a password against a stored hash (see [`verify_password`]) with the gate's own
    /// memory: `Busy` (503) when no permit came free within [`HASH_WAIT`].
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let memory = self.memory.clone();
        self.run(move || {
            // Taken under the permit, so there are never more sets than permits.
            let mut blocks = memory.lock().map(|mut m| m.pop()).unwrap_or_default().unwrap_or_default();
            let ok = verify_with_memory(&password, stored.as_deref(), &mut blocks);
            if let Ok(mut m) = memory.lock() {
                m.push(blocks);
            }
            ok
        })
        .await
    }

    /// Runs `work` (a hash or a verification) on the blocking pool when a permit is free;
    /// `Busy` (503) when none came free within [`HASH_WAIT`].
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(HASH_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Busy)?
            .map_err(|_| ApiError::Busy)?;
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::SeqCst);
        let result = tokio::task::spawn_blocking(work).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        drop(permit);
        result.map_err(|e| ApiError::Internal(Box::new(e)))
    }

    /// The most hashes that ever ran at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// How many hashes ran in all.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::SeqCst)
    }
}

/// The signed-in user and device, or a JSON 401. A user whose password an admin reset gets 403
/// `password_change_required` everywhere but the few routes that take [`AnySession`].
pub struct Authenticated(pub Session);

/// A live session, even one that must change its password first: for `/me`, changing the
/// password and signing out.
pub struct AnySession(pub Session);

async fn live_session(parts: &Parts, state: &AppState) -> Result<Session, ApiError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).ok_or(ApiError::Unauthenticated)?;
    if token.is_empty() || token.len() > 128 {
        return Err(ApiError::Unauthenticated);
    }
    match state.storage.session_by_token_hash(&hash_token(&token), now_millis(), &state.config.sessions).await? {
        SessionLookup::Live(session) => Ok(session),
        SessionLookup::Revoked => Err(ApiError::DeviceRevoked),
        SessionLookup::Expired => Err(ApiError::SessionExpired),
        SessionLookup::Unknown => Err(ApiError::Unauthenticated),
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = live_session(parts, state).await?;
        if session.must_change_password {
            return Err(ApiError::PasswordChangeRequired);
        }
        Ok(Authenticated(session))
    }
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(AnySession(live_session(parts, state).await?))
    }
}

impl Authenticated {
    /// Refuses roles that may not use an endpoint at all (403). Records out of a permitted
    /// role's scope are a separate matter: they answer 404, as if they did not exist.
    pub fn allow(self, roles: &[Role]) -> Result<Session, ApiError> {
        if roles.contains(&self.0.user.role) {
            Ok(self.0)
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// CSRF defence for cookie-authenticated writes, beside SameSite=Strict: every state-changing
/// API request must carry [`CSRF_HEADER`] (a cross-site page cannot set it without a CORS
/// preflight, which this server never grants), and an `Origin`, when sent, must be this site,
/// scheme included: `https://` when served over HTTPS (`MIMAMORI_SECURE_COOKIES`), else
/// `http://`, with the request's host, or exactly `MIMAMORI_PUBLIC_URL`'s origin.
pub async fn csrf_guard(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let headers = req.headers();
        let has_header = headers.get(CSRF_HEADER).is_some();
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_ok = match headers.get(header::ORIGIN) {
            None => true,
            Some(origin) => origin.to_str().is_ok_and(|o| same_site(o, host, &state.config)),
        };
        if !has_header || !origin_ok {
            return ApiError::CrossSite.into_response();
        }
    }
    next.run(req).await
}

/// Whether a request's `Origin` is this site's.
pub(crate) fn same_site(origin: &str, host: Option<&str>, config: &crate::config::Config) -> bool {
    let scheme = if config.secure_cookies { "https" } else { "http" };
    let own = host.map(|h| format!("{scheme}://{h}"));
    let public = config.public_url.as_deref().map(|u| u.trim_end_matches('/'));
    own.as_deref() == Some(origin) || public == Some(origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip_and_unknown_user() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", Some(&h)));
        assert!(!verify_password("wrong", Some(&h)));
        assert!(!verify_password("correct horse", None));
    }

    #[test]
    fn an_origin_must_match_scheme_and_host() {
        let mut config = crate::config::Config::from_env().unwrap();
        config.public_url = None;
        config.secure_cookies = true;
        assert!(same_site("https://mimamori.example.jp", Some("mimamori.example.jp"), &config));
        assert!(!same_site("http://mimamori.example.jp", Some("mimamori.example.jp"), &config), "the scheme counts");
        assert!(!same_site("https://evil.example", Some("mimamori.example.jp"), &config));
        assert!(!same_site("null", Some("mimamori.example.jp"), &config));
        config.secure_cookies = false;
        assert!(same_site("http://127.0.0.1:3000", Some("127.0.0.1:3000"), &config));
        assert!(!same_site("https://127.0.0.1:3000", Some("127.0.0.1:3000"), &config));
        config.public_url = Some("https://town.example.jp/".into());
        assert!(same_site("https://town.example.jp", Some("10.0.0.5:3000"), &config), "behind a proxy");
        assert!(!same_site("http://town.example.jp", Some("10.0.0.5:3000"), &config));
    }

    #[test]
    fn an_unknown_login_costs_a_full_hash_and_memory_is_reused() {
        let mut blocks = Vec::new();
        assert!(!verify_with_memory("anything", None, &mut blocks));
        // The dummy hash was really computed (its 19 MiB of blocks were used), so an unknown login
        // takes as long as a wrong password.
        assert_eq!(blocks.len(), Params::DEFAULT_M_COST as usize);
        let h = hash_password("correct horse").unwrap();
        assert!(verify_with_memory("correct horse", Some(&h), &mut blocks));
        assert!(!verify_with_memory("correct horsf", Some(&h), &mut blocks));
        assert!(!verify_with_memory(
            "correct horse",
            Some("$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$AAAA"),
            &mut blocks
        ));
    }

    #[test]
    fn tokens_are_unique_and_only_hashes_are_kept() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(hash_token(&t1), h1);
        assert_ne!(t1, h1);
    }
}
