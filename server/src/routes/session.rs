//! Sign in, sign out, and who am I.

use crate::auth::{expired_session_cookie, new_token, session_cookie, verify_password, Authenticated};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::startup::AppState;
use crate::time::now_millis;
use app::api::{SignInRequest, SignInResponse};
use app::domain::User;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use axum_extra::extract::CookieJar;

const MAX_LOGIN_LEN: usize = 64;
const MAX_PASSWORD_LEN: usize = 256;

pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let login = req.login.trim().to_owned();
    if login.is_empty() || req.password.is_empty() {
        return Err(ApiError::BadRequest {
            code: "missing_credentials",
            detail: "login and password are required".into(),
            message_ja: "IDとパスワードを入力してください。",
        });
    }
    if login.chars().count() > MAX_LOGIN_LEN || req.password.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::BadCredentials);
    }
    // Locked logins are refused before any password work, so guessing costs the server nothing.
    let now = now_millis();
    if state.storage.sign_in_locked(&login, now).await? {
        return Err(ApiError::TooManyAttempts);
    }
    let record = state.storage.user_by_login(&login).await?;
    let stored = record.as_ref().map(|r| r.password_hash.clone());
    let password = req.password;
    // Argon2 is CPU work by design; keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    let Some(record) = record.filter(|_| ok) else {
        state.storage.record_sign_in_failure(&login, now).await?;
        return Err(ApiError::BadCredentials);
    };
    state.storage.clear_sign_in_failures(&login).await?;
    let (token, token_hash) = new_token();
    let device_id = uuid::Uuid::new_v4().to_string();
    let user_agent =
        headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect::<String>());
    state.storage.create_device(&device_id, &record.user.id, &token_hash, user_agent.as_deref(), now_millis()).await?;
    tracing::info!(user = %record.user.id.0, device = %device_id, "signed in");
    let jar = jar.add(session_cookie(token, state.config.secure_cookies));
    Ok((jar, Json(SignInResponse { user: record.user })))
}

/// Ends this device's session on the server; the cookie is cleared too.
pub async fn sign_out(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode), ApiError> {
    state.storage.revoke_device(&session.device_id, now_millis()).await?;
    Ok((jar.add(expired_session_cookie(state.config.secure_cookies)), StatusCode::NO_CONTENT))
}

pub async fn me(Authenticated(session): Authenticated) -> Json<User> {
    Json(session.user)
}
