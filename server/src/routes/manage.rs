//! Managing the network: areas, partner organisations, users, assignments and invites.
//! Everything is limited to the manager's own municipality; other municipalities do not exist.
//! Within it, a coordinator manages the volunteers and 民生委員 whose persons or areas lie in their
//! own districts (see `storage::security::reach_condition`); anyone else answers 404, exactly as
//! a user that does not exist. Admins manage everyone in the municipality. Every change to who
//! may see what is written to the security log.

use crate::auth::{hash_password, hash_token, Authenticated};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{NewUser, SecurityAction, SecurityEvent, Session, StorageError};
use crate::time::now_millis;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use mimamori_core::api::admin::{
    AreaTree, Invite, NewOrganizationRequest, NewSmallAreaRequest, NewUserRequest, Organization, ResetPasswordRequest,
    SecurityEntry, SetAreasRequest, SetAssignmentsRequest, SmallArea, UserBrief, UserSummary,
};
use mimamori_core::domain::text::{is_safe_id, line, multiline, phone};
use mimamori_core::domain::{Role, User, UserId};
use mimamori_core::error::ErrorCode;
use rand::Rng;
use serde::Deserialize;
use sqlx::{Any, Transaction};

/// An invite is good for a week: long enough to reach an elderly volunteer, short enough to matter.
pub const INVITE_TTL_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Read aloud and typed by elderly volunteers: no 0/O, 1/I/L, U.
const INVITE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ23456789";
const INVITE_LEN: usize = 12;
const MAX_ASSIGNMENTS: usize = 1000;

pub async fn areas(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Result<Json<AreaTree>, ApiError> {
    state.storage.area_tree(&session.municipality_id).await?.map(Json).ok_or(ApiError::NotFound)
}

pub async fn create_small_area(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<NewSmallAreaRequest>,
) -> Result<(StatusCode, Json<SmallArea>), ApiError> {
    let session = auth.allow(policy::ADMINS)?;
    let name = line(&req.name, 40, true, ErrorCode::AreaName)?;
    if !is_safe_id(&req.district_id)
        || !state.storage.district_in_municipality(&req.district_id, &session.municipality_id).await?
    {
        return Err(ApiError::bad(ErrorCode::DistrictNotFound, "no such district"));
    }
    let id = format!("sa-{}", uuid::Uuid::new_v4().simple());
    state.storage.insert_small_area(&id, &req.district_id, &name).await?;
    Ok((StatusCode::CREATED, Json(SmallArea { id, name })))
}

pub async fn organizations(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Vec<Organization>>, ApiError> {
    let session = auth.allow(policy::ORGANIZATION_READERS)?;
    Ok(Json(state.storage.organizations(&session.municipality_id).await?))
}

pub async fn create_organization(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<NewOrganizationRequest>,
) -> Result<(StatusCode, Json<Organization>), ApiError> {
    let session = auth.allow(policy::ADMINS)?;
    let org = Organization {
        id: format!("o-{}", uuid::Uuid::new_v4().simple()),
        name: line(&req.name, 80, true, ErrorCode::OrganizationName)?,
        services: multiline(&req.services, 500, ErrorCode::InvalidServices)?,
        phone: match req.phone.as_deref() {
            Some(p) => phone(p, ErrorCode::InvalidPhone)?,
            None => None,
        },
    };
    state.storage.insert_organization(&org, &session.municipality_id, now_millis()).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

pub async fn users(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Vec<UserSummary>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    Ok(Json(state.storage.user_summaries(&session.user, &session.municipality_id).await?))
}

/// The answer to a change the manager made to a user they reached (checked by the caller).
async fn summary_of(state: &AppState, session: &Session, id: &UserId) -> Result<UserSummary, ApiError> {
    state.storage.user_summary(&session.user, &session.municipality_id, id).await?.ok_or(ApiError::NotFound)
}

/// A user the manager may manage, read inside the transaction that changes them; anyone else
/// (another district's, another municipality's, no one's) is a 404.
async fn target_in_reach(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    id: &str,
) -> Result<User, ApiError> {
    state.storage.user_in_reach(&mut **tx, &session.user, &session.municipality_id, id).await?.ok_or(ApiError::NotFound)
}

/// An event the signed-in manager caused about another user.
fn event<'a>(session: &'a Session, action: SecurityAction, subject: &'a UserId, detail: &'a str) -> SecurityEvent<'a> {
    SecurityEvent {
        action,
        municipality: &session.municipality_id,
        actor: Some(&session.user.id),
        device: Some(&session.device_id),
        subject: Some(subject),
        detail,
    }
}

/// Checks that every id is an area of the right kind for the role that the manager may hand out
/// (a coordinator: in their own districts).
async fn check_areas(state: &AppState, session: &Session, role: Role, ids: &[String]) -> Result<(), ApiError> {
    let districts = match role {
        Role::Commissioner => false,
        Role::Coordinator | Role::Admin => true,
        Role::Volunteer | Role::PartnerStaff if ids.is_empty() => return Ok(()),
        Role::Volunteer | Role::PartnerStaff => {
            return Err(ApiError::bad(ErrorCode::NoAreasForRole, "this role has no areas"))
        }
    };
    let found = if ids.iter().all(|i| is_safe_id(i)) && ids.len() <= 200 {
        state.storage.count_areas_in_reach(&session.user, ids, &session.municipality_id, districts).await?
    } else {
        usize::MAX
    };
    if found != ids.len() {
        return Err(ApiError::bad(ErrorCode::AreaNotFound, "an area does not exist"));
    }
    Ok(())
}

pub async fn create_user(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<UserSummary>), ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    // Coordinators enrol volunteers; staff accounts are the admin's to make.
    if session.user.role == Role::Coordinator && req.role != Role::Volunteer {
        return Err(ApiError::Forbidden);
    }
    let login = req.login.trim().to_owned();
    let login_ok = (3..=32).contains(&login.len())
        && login.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !login_ok {
        return Err(ApiError::bad(ErrorCode::InvalidLogin, "login must be 3–32 of a-z 0-9 . _ -"));
    }
    let display_name = line(&req.display_name, 40, true, ErrorCode::InvalidDisplayName)?;
    let password = match (&req.password, req.role) {
        (None, Role::Volunteer) => None,
        (Some(p), _) => {
            check_new_password(p)?;
            Some(p.clone())
        }
        (None, _) => return Err(ApiError::bad(ErrorCode::PasswordRequired, "staff need a password")),
    };
    let organization = match (req.role, req.organization_id.as_deref()) {
        (Role::PartnerStaff, Some(org))
            if is_safe_id(org) && state.storage.organization_in_municipality(org, &session.municipality_id).await? =>
        {
            Some(org.to_owned())
        }
        (Role::PartnerStaff, _) => {
            return Err(ApiError::bad(ErrorCode::OrganizationNotFound, "choose an organisation"))
        }
        (_, None) => None,
        (_, Some(_)) => {
            return Err(ApiError::bad(
                ErrorCode::OrganizationNotAllowed,
                "only partner staff belong to an organisation",
            ))
        }
    };
    check_areas(&state, &session, req.role, &req.area_ids).await?;
    if state.storage.login_taken(&login).await? {
        return Err(login_taken());
    }
    let password_hash = match password {
        Some(p) => Some(hash(&state, p).await?),
        None => None,
    };
    let user_id = UserId::created(uuid::Uuid::new_v4());
    let id = user_id.as_str().to_owned();
    let user = User { id: user_id, login: login.clone(), display_name: display_name.clone(), role: req.role };
    let mut tx = state.storage.begin_immediate().await?;
    let new = NewUser {
        id: &id,
        login: &login,
        display_name: &display_name,
        role: req.role,
        password_hash: password_hash.as_deref(),
        municipality_id: &session.municipality_id,
        organization_id: organization.as_deref(),
        created_by: &session.user.id,
    };
    // A concurrent create of the same login loses here, on the UNIQUE constraint.
    match state.storage.insert_user(&mut tx, &new, now_millis()).await {
        Err(StorageError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => return Err(login_taken()),
        other => other?,
    }
    state.storage.set_areas(&mut tx, &session.user, &user, &req.area_ids).await?;
    let detail = format!("role={};areas={}", req.role.as_str(), req.area_ids.join(","));
    state
        .storage
        .security_event(&mut *tx, event(&session, SecurityAction::UserCreate, &user.id, &detail), now_millis())
        .await?;
    tx.commit().await?;
    tracing::info!(by = %session.user.id.as_str(), user = %id, role = req.role.as_str(), "user created");
    Ok((StatusCode::CREATED, Json(summary_of(&state, &session, &user.id).await?)))
}

pub async fn set_assignments(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<SetAssignmentsRequest>,
) -> Result<Json<UserSummary>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let mut persons = req.person_ids;
    persons.sort();
    persons.dedup();
    if persons.len() > MAX_ASSIGNMENTS {
        return Err(ApiError::bad(ErrorCode::TooManyPersons, "too many persons"));
    }
    let mut tx = state.storage.begin_immediate().await?;
    let target = target_in_reach(&state, &mut tx, &session, &id).await?;
    if target.role != Role::Volunteer {
        return Err(ApiError::bad(ErrorCode::NotAVolunteer, "only volunteers are assigned persons"));
    }
    for p in &persons {
        // Only persons the manager may see can be handed to a volunteer.
        if !state.storage.person_in_scope(&mut *tx, &session.user, p).await? {
            return Err(ApiError::bad(ErrorCode::AssignedPersonNotFound, "a person does not exist"));
        }
    }
    state.storage.set_assignments(&mut tx, &session.user, &target.id, &persons).await?;
    let detail = format!("persons={}", persons.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(","));
    let now = now_millis();
    state
        .storage
        .security_event(&mut *tx, event(&session, SecurityAction::AssignmentsSet, &target.id, &detail), now)
        .await?;
    tx.commit().await?;
    Ok(Json(summary_of(&state, &session, &target.id).await?))
}

pub async fn set_areas(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<SetAreasRequest>,
) -> Result<Json<UserSummary>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let mut areas = req.area_ids;
    areas.sort();
    areas.dedup();
    let mut tx = state.storage.begin_immediate().await?;
    // Coordinators reach only volunteers and 民生委員; who sees which districts is the admin's call.
    let target = target_in_reach(&state, &mut tx, &session, &id).await?;
    check_areas(&state, &session, target.role, &areas).await?;
    state.storage.set_areas(&mut tx, &session.user, &target, &areas).await?;
    let detail = format!("areas={}", areas.join(","));
    state
        .storage
        .security_event(&mut *tx, event(&session, SecurityAction::AreasSet, &target.id, &detail), now_millis())
        .await?;
    tx.commit().await?;
    Ok(Json(summary_of(&state, &session, &target.id).await?))
}

fn login_taken() -> ApiError {
    ApiError::Conflict { code: ErrorCode::LoginTaken, detail: "this login is already used".into() }
}

/// A fresh invite code, `XXXX-XXXX-XXXX` (about 59 bits: not guessable within its week).
fn new_invite_code() -> String {
    let mut rng = rand::rng();
    let raw: String =
        (0..INVITE_LEN).map(|_| INVITE_ALPHABET[rng.random_range(0..INVITE_ALPHABET.len())] as char).collect();
    format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
}

/// What a person typed or scanned, reduced to the code's letters (case, spaces, hyphens and
/// full-width forms forgiven). `None` when it cannot be a code.
pub fn normalize_invite_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter_map(|c| {
            let c = match c {
                'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '０'..='９' => char::from_u32(c as u32 - 0xFEE0)?,
                c => c,
            };
            match c {
                '-' | ' ' | '　' | 'ー' | '－' => None,
                c => Some(c.to_ascii_uppercase()),
            }
        })
        .collect();
    (code.len() == INVITE_LEN && code.bytes().all(|b| INVITE_ALPHABET.contains(&b))).then_some(code)
}

pub async fn create_invite(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    IdPath(id): IdPath,
) -> Result<(StatusCode, Json<Invite>), ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let origin = public_origin(&state, &headers)?;
    let mut tx = state.storage.begin_immediate().await?;
    let target = target_in_reach(&state, &mut tx, &session, &id).await?;
    if target.role != Role::Volunteer {
        return Err(ApiError::bad(
            ErrorCode::InviteForVolunteers,
            "invites enrol volunteers; staff sign in with a password",
        ));
    }
    // The device it enrols reads everything the volunteer may: never more than the manager may.
    if !state.storage.may_invite(&mut *tx, &session.user, &target.id).await? {
        return Err(ApiError::Conflict {
            code: ErrorCode::InviteOutOfReach,
            detail: "this volunteer watches persons outside your districts, or was made by someone else".into(),
        });
    }
    let code = new_invite_code();
    let normalized = normalize_invite_code(&code).expect("generated codes are valid");
    let now = now_millis();
    let expires_at = now + INVITE_TTL_MS;
    let replaced = state
        .storage
        .insert_invite(&mut tx, &hash_token(&normalized), &target.id, &session.user.id, now, expires_at)
        .await?;
    let detail = format!("replaced={replaced}");
    state
        .storage
        .security_event(&mut *tx, event(&session, SecurityAction::InviteIssue, &target.id, &detail), now)
        .await?;
    tx.commit().await?;
    let url = format!("{origin}/enroll#{code}");
    let qr_svg = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::Internal(e.to_string().into()))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    tracing::info!(by = %session.user.id.as_str(), user = %target.id.as_str(), "invite issued");
    Ok((StatusCode::CREATED, Json(Invite { code, url, qr_svg, expires_at, for_user: UserBrief::from(target) })))
}

/// The address a phone should open: `MIMAMORI_PUBLIC_URL`. Only the demo falls back to the host
/// the coordinator's browser used: a `Host` header is the client's to choose, and a QR code that
/// sends a volunteer's phone elsewhere must not be printable.
fn public_origin(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(url) = &state.config.public_url {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    if !state.config.demo {
        return Err(ApiError::Conflict {
            code: ErrorCode::PublicUrlMissing,
            detail: "set MIMAMORI_PUBLIC_URL to issue invites".into(),
        });
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies { "https" } else { "http" };
    Ok(format!("{scheme}://{host}"))
}

/// A password someone sets: 8 to 256 characters, not all the same character, not a run of digits
/// or a well-known one.
pub fn check_new_password(p: &str) -> Result<(), ApiError> {
    let n = p.chars().count();
    let weak = || ApiError::bad(ErrorCode::WeakPassword, "password must be 8–256 characters and not a common one");
    if !(8..=256).contains(&n) {
        return Err(weak());
    }
    let first = p.chars().next().unwrap_or(' ');
    let lower = p.to_lowercase();
    let common = ["password", "12345678", "123456789", "1234567890", "qwertyui", "mimamori", "iloveyou", "abcdefgh"];
    if p.chars().all(|c| c == first) || common.iter().any(|c| lower.starts_with(c)) {
        return Err(weak());
    }
    Ok(())
}

/// Hashes a password on the process's hash gate.
async fn hash(state: &AppState, password: String) -> Result<String, ApiError> {
    state.hashes.run(move || hash_password(&password)).await?.map_err(|e| ApiError::Internal(e.to_string().into()))
}

/// `POST /users/{id}/disable`: the user can no longer sign in or enrol; every device is revoked
/// (and wipes itself at its next contact) and unused invites end. Coordinators disable the
/// volunteers and 民生委員 they manage; admins anyone but themselves.
pub async fn disable_user(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<UserSummary>, ApiError> {
    set_disabled(state, auth, id, true).await
}

/// `POST /users/{id}/enable`: the user may sign in (or be invited) again.
pub async fn enable_user(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<UserSummary>, ApiError> {
    set_disabled(state, auth, id, false).await
}

async fn set_disabled(
    state: AppState,
    auth: Authenticated,
    id: String,
    disabled: bool,
) -> Result<Json<UserSummary>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let mut tx = state.storage.begin_immediate().await?;
    let target = target_in_reach(&state, &mut tx, &session, &id).await?;
    if target.id == session.user.id {
        return Err(ApiError::Conflict {
            code: ErrorCode::CannotDisableSelf,
            detail: "you cannot disable yourself".into(),
        });
    }
    let now = now_millis();
    state.storage.set_disabled(&mut tx, &target.id, disabled, now).await?;
    let action = if disabled { SecurityAction::UserDisable } else { SecurityAction::UserEnable };
    state.storage.security_event(&mut *tx, event(&session, action, &target.id, ""), now).await?;
    tx.commit().await?;
    Ok(Json(summary_of(&state, &session, &target.id).await?))
}

/// `POST /users/{id}/password` (admins): sets a temporary password that the user must change
/// at their next sign-in; every device of theirs is signed out.
pub async fn reset_password(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<ResetPasswordRequest>,
) -> Result<Json<UserSummary>, ApiError> {
    let session = auth.allow(policy::ADMINS)?;
    check_new_password(&req.password)?;
    let hashed = hash(&state, req.password).await?;
    let mut tx = state.storage.begin_immediate().await?;
    let target = target_in_reach(&state, &mut tx, &session, &id).await?;
    if target.id == session.user.id {
        return Err(ApiError::Conflict {
            code: ErrorCode::ResetOwnPassword,
            detail: "change your own password under 設定".into(),
        });
    }
    if target.role == Role::Volunteer {
        return Err(ApiError::bad(ErrorCode::NotForVolunteers, "volunteers enrol by invite and have no password"));
    }
    let now = now_millis();
    state.storage.set_password(&mut tx, &target.id, &hashed, true).await?;
    let ended = state
        .storage
        .revoke_user_devices(&mut tx, &target.id, None, crate::storage::RevokeReason::Password, now)
        .await?;
    let detail = format!("signed_out={ended}");
    state
        .storage
        .security_event(&mut *tx, event(&session, SecurityAction::PasswordReset, &target.id, &detail), now)
        .await?;
    tx.commit().await?;
    Ok(Json(summary_of(&state, &session, &target.id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityQuery {
    #[serde(default)]
    before: Option<i64>,
}

/// Lines of the security log per page.
const SECURITY_PAGE: i64 = 200;

/// `GET /security-events` (admins): the municipality's security events, newest first.
pub async fn security_events(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<SecurityQuery>,
) -> Result<Json<Vec<SecurityEntry>>, ApiError> {
    let session = auth.allow(policy::ADMINS)?;
    Ok(Json(state.storage.security_events(&session.municipality_id, q.before, SECURITY_PAGE).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_grouped_and_forgiving_to_type() {
        let code = new_invite_code();
        assert_eq!(code.len(), 14);
        let n = normalize_invite_code(&code).unwrap();
        assert_eq!(normalize_invite_code(&code.to_lowercase()).as_deref(), Some(n.as_str()));
        assert_eq!(normalize_invite_code(&n).as_deref(), Some(n.as_str()));
        assert_eq!(normalize_invite_code("ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ").as_deref(), Some("ABCDEFGHJKMN"));
        assert_eq!(normalize_invite_code("ABCD-EFGH-JKM"), None);
        assert_eq!(normalize_invite_code("ABCD-EFGH-JKM0"), None);
        assert_eq!(normalize_invite_code("' OR 1=1 --"), None);
        assert_ne!(new_invite_code(), new_invite_code());
    }
}
