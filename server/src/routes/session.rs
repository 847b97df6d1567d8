//! Sign in, sign out, and who am I.

use crate::auth::{expired_session_cookie, hash_token, new_token, session_cookie, verify_password, Authenticated};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::manage::normalize_invite_code;
use crate::startup::AppState;
use crate::storage::InviteProblem;
use crate::time::now_millis;
use app::api::admin::EnrollRequest;
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
    // Invite-enrolled volunteers have no password: they fail exactly like an unknown login.
    let stored = record.as_ref().and_then(|r| r.password_hash.clone());
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
    let mut tx = state.storage.begin().await?;
    state
        .storage
        .create_device(&mut tx, &device_id, &record.user.id, &token_hash, user_agent(&headers).as_deref(), now)
        .await?;
    tx.commit().await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    tracing::info!(user = %record.user.id.0, device = %device_id, "signed in");
    let jar = jar.add(session_cookie(token, state.config.secure_cookies));
    Ok((jar, Json(SignInResponse { user: record.user })))
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect())
}

/// Enrols this device for the volunteer an invite was made for: the code works once, for a week.
pub async fn enroll(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let not_found = || {
        ApiError::bad(
            "invite_not_found",
            "no such invite code",
            "招待コードが正しくありません。もう一度ご確認ください。",
        )
    };
    let code = normalize_invite_code(&req.code).ok_or_else(not_found)?;
    let now = now_millis();
    let (token, token_hash) = new_token();
    let device_id = uuid::Uuid::new_v4().to_string();
    let code_hash = hash_token(&code);
    let mut tx = state.storage.begin().await?;
    // One transaction: the invite is taken, the device made and linked, or nothing at all.
    let redeemed = state.storage.redeem_invite(&mut tx, &code_hash, now).await?;
    let user_id = match redeemed {
        Ok(user) => user,
        Err(InviteProblem::Unknown) => return Err(not_found()),
        Err(InviteProblem::Used) => {
            return Err(ApiError::bad(
                "invite_used",
                "this invite code has been used",
                "この招待コードは使用済みです。社協の担当者に新しいコードをお願いしてください。",
            ))
        }
        Err(InviteProblem::Expired) => {
            return Err(ApiError::bad(
                "invite_expired",
                "this invite code has expired",
                "この招待コードは期限切れです。社協の担当者に新しいコードをお願いしてください。",
            ))
        }
    };
    state
        .storage
        .create_device(&mut tx, &device_id, &user_id, &token_hash, user_agent(&headers).as_deref(), now)
        .await?;
    state.storage.link_invite_device(&mut tx, &code_hash, &device_id).await?;
    tx.commit().await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    let crate::storage::SessionLookup::Live(session) = state.storage.session_by_token_hash(&token_hash, now).await?
    else {
        return Err(ApiError::Unauthenticated);
    };
    tracing::info!(user = %user_id.0, device = %device_id, "device enrolled by invite");
    let jar = jar.add(session_cookie(token, state.config.secure_cookies));
    Ok((jar, Json(SignInResponse { user: session.user })))
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
