//! Sign in, enrol, sign out, who am I, and changing one's own password.
//!
//! Every sign-in and enrolment makes a device with its own session and is written to the security
//! log; so is every failed sign-in on a real login.

use crate::auth::{expired_session_cookie, hash_password, hash_token, new_token, session_cookie, AnySession};
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::routes::manage::{check_new_password, normalize_invite_code};
use crate::startup::AppState;
use crate::storage::{
    Attempt, Enrolment, InviteProblem, RevokeReason, SecurityAction, SecurityEvent, Session, UserRecord,
};
use crate::time::now_millis;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use axum_extra::extract::CookieJar;
use mimamori_core::api::admin::{ChangePasswordRequest, EnrollRequest};
use mimamori_core::api::{RecordsAside, RecoveryKey, SignInRequest, SignInResponse};
use mimamori_core::domain::User;
use mimamori_core::error::ErrorCode;

const MAX_LOGIN_LEN: usize = 64;
const MAX_PASSWORD_LEN: usize = 256;
/// How long after a sign-in its session may take an earlier device's recovery key: the user has
/// just shown who they are, on this phone (an old session, such as the one a lost phone still
/// holds, cannot).
const RECOVERY_WINDOW_MS: i64 = 10 * 60_000;

pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let (cookie, res) = authenticate(&state, &headers, &req.login, req.password).await?;
    Ok((jar.add(cookie), Json(res)))
}

/// A sign-in with login and password, whatever the form it came in (the app's JSON, or the plain
/// HTML form the first page carries before the app has loaded): the lockout, the password check,
/// the security log and a new device with its session. Returns the session cookie to set.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    login: &str,
    password: String,
) -> Result<(axum_extra::extract::cookie::Cookie<'static>, SignInResponse), ApiError> {
    let login = login.trim().to_owned();
    if login.is_empty() || password.is_empty() {
        return Err(ApiError::BadRequest {
            code: ErrorCode::MissingCredentials,
            detail: "login and password are required".into(),
        });
    }
    if login.chars().count() > MAX_LOGIN_LEN || password.len() > MAX_PASSWORD_LEN {
        return Err(ApiError::BadCredentials);
    }
    let now = now_millis();
    // The attempt is counted before any password work: concurrent guesses beyond the limit are
    // refused here, without hashing.
    if state.storage.reserve_sign_in_attempt(&login, now).await? == Attempt::Refused {
        return Err(ApiError::TooManyAttempts);
    }
    let record = state.storage.user_by_login(&login).await?;
    // Invite-enrolled volunteers have no password: they fail exactly like an unknown login.
    let stored = record.as_ref().and_then(|r| r.password_hash.clone());
    let ok = state.hashes.verify(password, stored).await?;
    let record = match record {
        Some(r) if ok && !r.disabled => r,
        other => {
            let locked = state.storage.sign_in_failed(&login, now).await?;
            if let Some(r) = &other {
                let why = if ok { "reason=disabled" } else { "reason=wrong_password" };
                log_about(state, r, SecurityAction::SignInFailed, why, now).await?;
                if locked {
                    log_about(state, r, SecurityAction::SignInLocked, "", now).await?;
                }
            }
            return Err(ApiError::BadCredentials);
        }
    };
    state.storage.clear_sign_in_failures(&login).await?;
    let mut tx = state.storage.begin_immediate().await?;
    let agent = user_agent(headers);
    let detail = format!("agent={}", agent.as_deref().unwrap_or(""));
    let (device_id, cookie) = new_device(state, &mut tx, &record, Enrolment::Password, agent, &detail, now).await?;
    tx.commit().await?;
    tracing::info!(user = %record.user.id.as_str(), device = %device_id, "signed in");
    let must_change_password = record.must_change_password;
    Ok((cookie, SignInResponse { user: record.user, must_change_password, device: device_id }))
}

/// Makes a device, with its session, for a user who has just shown who they are, and logs it
/// (`sign_in` or `device.enroll`) in the caller's transaction. Returns the device id and the cookie.
async fn new_device(
    state: &AppState,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    record: &UserRecord,
    how: Enrolment,
    agent: Option<String>,
    detail: &str,
    now: i64,
) -> Result<(String, axum_extra::extract::cookie::Cookie<'static>), ApiError> {
    let (token, token_hash) = new_token();
    let device_id = uuid::Uuid::new_v4().to_string();
    let (user, policy) = (&record.user, &state.config.sessions);
    state.storage.create_device(tx, &device_id, user, &token_hash, agent.as_deref(), how, policy, now).await?;
    let event = SecurityEvent {
        action: if how == Enrolment::Invite { SecurityAction::DeviceEnroll } else { SecurityAction::SignIn },
        municipality: &record.municipality_id,
        actor: Some(&user.id),
        device: Some(&device_id),
        subject: Some(&user.id),
        detail,
    };
    state.storage.security_event(&mut **tx, event, now).await?;
    let cookie = session_cookie(token, state.config.secure_cookies, policy.max_ms(user.role));
    Ok((device_id, cookie))
}

/// Writes an event about a user that nobody signed in did (a failed or locked sign-in).
async fn log_about(
    state: &AppState,
    r: &UserRecord,
    action: SecurityAction,
    detail: &str,
    now: i64,
) -> Result<(), ApiError> {
    let event = SecurityEvent {
        action,
        municipality: &r.municipality_id,
        actor: None,
        device: None,
        subject: Some(&r.user.id),
        detail,
    };
    Ok(state.storage.security_event(state.storage.for_writes(), event, now).await?)
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(200).collect())
}

/// Enrols this device for the volunteer an invite was made for: the code works once, for a week,
/// and only while it is the user's newest.
pub async fn enroll(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<(CookieJar, Json<SignInResponse>), ApiError> {
    let not_found = || ApiError::bad(ErrorCode::InviteNotFound, "no such invite code");
    let code = normalize_invite_code(&req.code).ok_or_else(not_found)?;
    let now = now_millis();
    let code_hash = hash_token(&code);
    // One transaction: the invite is taken, the device made, linked and logged, or nothing at all.
    let mut tx = state.storage.begin_immediate().await?;
    let redeemed = match state.storage.redeem_invite(&mut tx, &code_hash, now).await? {
        Ok(r) => r,
        Err(InviteProblem::Unknown) => return Err(not_found()),
        Err(InviteProblem::Used) => return Err(ApiError::bad(ErrorCode::InviteUsed, "this invite code has been used")),
        Err(InviteProblem::Expired) => {
            return Err(ApiError::bad(ErrorCode::InviteExpired, "this invite code has expired"))
        }
        Err(InviteProblem::Replaced) => {
            return Err(ApiError::bad(ErrorCode::InviteReplaced, "a newer invite replaced this code"))
        }
    };
    let record = state.storage.user_record(&redeemed.user).await?.ok_or(ApiError::NotFound)?;
    let issuer = state.storage.user_record(&redeemed.issued_by).await?.map(|r| r.user.login).unwrap_or_default();
    let detail = format!("issued_by={issuer}");
    let agent = user_agent(&headers);
    let (device_id, cookie) = new_device(&state, &mut tx, &record, Enrolment::Invite, agent, &detail, now).await?;
    state.storage.link_invite_device(&mut tx, &code_hash, &device_id).await?;
    tx.commit().await?;
    tracing::info!(user = %record.user.id.as_str(), device = %device_id, "device enrolled by invite");
    Ok((jar.add(cookie), Json(SignInResponse { user: record.user, must_change_password: false, device: device_id })))
}

/// Ends this device's session on the server; the cookie is cleared too.
pub async fn sign_out(
    State(state): State<AppState>,
    AnySession(session): AnySession,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode), ApiError> {
    let now = now_millis();
    let mut tx = state.storage.begin_immediate().await?;
    state.storage.revoke_device(&mut *tx, &session.device_id, RevokeReason::SignOut, now).await?;
    state.storage.security_event(&mut *tx, own_event(&session, SecurityAction::SignOut, ""), now).await?;
    tx.commit().await?;
    Ok((jar.add(expired_session_cookie(state.config.secure_cookies)), StatusCode::NO_CONTENT))
}

/// An event a signed-in user caused about their own account.
fn own_event<'a>(session: &'a Session, action: SecurityAction, detail: &'a str) -> SecurityEvent<'a> {
    SecurityEvent {
        action,
        municipality: &session.municipality_id,
        actor: Some(&session.user.id),
        device: Some(&session.device_id),
        subject: Some(&session.user.id),
        detail,
    }
}

pub async fn me(AnySession(session): AnySession) -> Json<User> {
    Json(session.user)
}

/// Changes one's own password (staff; also the way out of an admin's reset). The current password
/// is checked like a sign-in (it counts towards the lockout), and every other device of the user is
/// signed out: whoever knew the old password is out.
pub async fn change_password(
    State(state): State<AppState>,
    AnySession(session): AnySession,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let now = now_millis();
    let record = state.storage.user_record(&session.user.id).await?.ok_or(ApiError::Unauthenticated)?;
    let Some(stored) = record.password_hash.clone() else {
        return Err(ApiError::bad(ErrorCode::NoPassword, "this user signs in by invite and has no password"));
    };
    check_new_password(&req.new)?;
    if req.new == req.current {
        return Err(ApiError::bad(ErrorCode::PasswordUnchanged, "the new password is the current one"));
    }
    let login = record.user.login.clone();
    if state.storage.reserve_sign_in_attempt(&login, now).await? == Attempt::Refused {
        return Err(ApiError::TooManyAttempts);
    }
    let current = req.current;
    let too_long = current.len() > MAX_PASSWORD_LEN;
    if too_long || !state.hashes.verify(current, Some(stored)).await? {
        if state.storage.sign_in_failed(&login, now).await? {
            log_about(&state, &record, SecurityAction::SignInLocked, "", now).await?;
        }
        return Err(ApiError::bad(ErrorCode::WrongCurrentPassword, "the current password is wrong"));
    }
    state.storage.clear_sign_in_failures(&login).await?;
    let new = req.new;
    let hash =
        state.hashes.run(move || hash_password(&new)).await?.map_err(|e| ApiError::Internal(e.to_string().into()))?;
    let mut tx = state.storage.begin_immediate().await?;
    state.storage.set_password(&mut tx, &session.user.id, &hash, false).await?;
    let ended = state
        .storage
        .revoke_user_devices(&mut tx, &session.user.id, Some(&session.device_id), RevokeReason::Password, now)
        .await?;
    let detail = format!("signed_out={ended}");
    state.storage.security_event(&mut *tx, own_event(&session, SecurityAction::PasswordChange, &detail), now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new recovery key for the asking device (「PINを忘れた」 without losing unsent records). The
/// phone wraps its data key under it and forgets it; see [`RecoveryKey`]. Each call replaces the
/// device's earlier key.
pub async fn recovery_key(
    State(state): State<AppState>,
    AnySession(session): AnySession,
) -> Result<Json<RecoveryKey>, ApiError> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let now = now_millis();
    let mut tx = state.storage.begin_immediate().await?;
    if !state.storage.set_recovery_key(&mut tx, &session.device_id, &URL_SAFE_NO_PAD.encode(key)).await? {
        // Revoked between the session check and here.
        return Err(ApiError::Unauthenticated);
    }
    state.storage.security_event(&mut *tx, own_event(&session, SecurityAction::RecoveryKey, ""), now).await?;
    tx.commit().await?;
    Ok(Json(RecoveryKey { device: session.device_id, key: key.to_vec() }))
}

/// After 「PINを忘れた」 and a fresh sign-in on the same phone: the recovery key of the phone's
/// earlier device, once, which ends that device. Only the same user's own live device, and only
/// within [`RECOVERY_WINDOW_MS`] of this sign-in; anything else is 404, as for a device that
/// does not exist.
pub async fn recover(
    State(state): State<AppState>,
    AnySession(session): AnySession,
    crate::extract::IdPath(device): crate::extract::IdPath,
) -> Result<Json<RecoveryKey>, ApiError> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let now = now_millis();
    if now.saturating_sub(session.device_created_at) > RECOVERY_WINDOW_MS {
        return Err(ApiError::bad(
            ErrorCode::RecoveryNeedsSignIn,
            "recovering needs a sign-in made in the last 10 minutes",
        ));
    }
    if device == session.device_id {
        return Err(ApiError::NotFound);
    }
    let mut tx = state.storage.begin_immediate().await?;
    let Some(key) = state.storage.take_recovery_key(&mut tx, &session.user.id, &device, now).await? else {
        return Err(ApiError::NotFound);
    };
    let key = URL_SAFE_NO_PAD.decode(key).map_err(|e| ApiError::Internal(e.to_string().into()))?;
    let detail = format!("device={}", device);
    state.storage.security_event(&mut *tx, own_event(&session, SecurityAction::DeviceRecover, &detail), now).await?;
    tx.commit().await?;
    tracing::info!(user = %session.user.id.as_str(), device = %device, by = %session.device_id, "device recovered");
    Ok(Json(RecoveryKey { device, key }))
}

/// A device moved records aside that it could not decrypt (damaged on disk): the security log
/// says which stores and how many, so an admin sees a phone whose storage is failing (or was
/// tampered with). The user was told on the phone.
pub async fn records_aside(
    State(state): State<AppState>,
    AnySession(session): AnySession,
    ApiJson(req): ApiJson<RecordsAside>,
) -> Result<StatusCode, ApiError> {
    req.validate()?;
    let counts: Vec<String> = req.stores.iter().map(|(store, n)| format!("{store}:{n}")).collect();
    let detail = format!("aside={}", counts.join(","));
    let event = own_event(&session, SecurityAction::RecordsAside, &detail);
    state.storage.security_event(state.storage.for_writes(), event, now_millis()).await?;
    tracing::warn!(user = %session.user.id.as_str(), device = %session.device_id, %detail, "records moved aside");
    Ok(StatusCode::NO_CONTENT)
}
