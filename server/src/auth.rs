//! Who is asking: session cookies, token hashing and password checks.

use crate::error::ApiError;
use crate::startup::AppState;
use crate::storage::{Session, SessionLookup};
use crate::time::now_millis;
use app::api::CSRF_HEADER;
use app::domain::Role;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, Method, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "mimamori_session";
/// Field users go days without signal: a session outlives long offline spells.
const SESSION_DAYS: i64 = 90;

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

pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(time_days(SESSION_DAYS))
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
    // A fixed hash of a random secret, checked when the login is unknown.
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0D1dR8gqFq6mXqC3wHhZQ2m0Zr0bq1bNVcxK5k6N0kQ";
    let (hash, real) = match stored {
        Some(h) => (h, true),
        None => (DUMMY, false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real
}

/// The signed-in user and device, or a JSON 401.
pub struct Authenticated(pub Session);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).ok_or(ApiError::Unauthenticated)?;
        if token.is_empty() || token.len() > 128 {
            return Err(ApiError::Unauthenticated);
        }
        match state.storage.session_by_token_hash(&hash_token(&token), now_millis()).await? {
            SessionLookup::Live(session) => Ok(Authenticated(session)),
            SessionLookup::Revoked => Err(ApiError::DeviceRevoked),
            SessionLookup::Unknown => Err(ApiError::Unauthenticated),
        }
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
/// preflight, which this server never grants), and an `Origin`, when sent, must be this host.
pub async fn csrf_guard(req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe {
        let headers = req.headers();
        let has_header = headers.get(CSRF_HEADER).is_some();
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let origin_ok = match headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("")) {
            None => true,
            Some(origin) => {
                let origin_host = origin.split_once("://").map(|(_, h)| h);
                origin_host.is_some() && origin_host == host
            }
        };
        if !has_header || !origin_ok {
            return ApiError::CrossSite.into_response();
        }
    }
    next.run(req).await
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
    fn tokens_are_unique_and_only_hashes_are_kept() {
        let (t1, h1) = new_token();
        let (t2, _) = new_token();
        assert_ne!(t1, t2);
        assert_eq!(hash_token(&t1), h1);
        assert_ne!(t1, h1);
    }
}
