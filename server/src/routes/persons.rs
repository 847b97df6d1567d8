//! Persons and their consent, for management screens and 民生委員 registering 気になる方.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, IdPath};
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, Session, Writer};
use crate::time::{now_millis, today_jst};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mimamori_core::api::admin::{
    AuditEntry, NewPersonRequest, PersonDetail, PersonSummary, RecordConsentRequest, UpdatePersonRequest,
};
use mimamori_core::domain::{PersonId, Role};
use sqlx::{Any, Transaction};

/// Who may read persons through these endpoints (partner staff see them only through requests).
const READERS: &[Role] = &[Role::Volunteer, Role::Commissioner, Role::Coordinator, Role::Admin];
/// Who may register persons and record their consent.
const EDITORS: &[Role] = &[Role::Commissioner, Role::Coordinator, Role::Admin];
const AUDIT_LOG_LINES: i64 = 500;

fn actor(session: &Session) -> Actor<'_> {
    Actor { user: &session.user, device_id: &session.device_id }
}

fn writer(session: &Session) -> Writer<'_> {
    Writer { user: &session.user.id.0, device: &session.device_id }
}

fn small_area_not_found() -> ApiError {
    ApiError::bad("small_area_not_found", "no such small area", "小地域を選んでください。")
}

/// A write transaction on a person the session may see; anything else answers 404 before the
/// body is even looked at.
async fn write_in_scope(
    state: &AppState,
    session: &Session,
    id: &PersonId,
) -> Result<Transaction<'static, Any>, ApiError> {
    let mut tx = state.storage.begin_write().await?;
    if !state.storage.person_in_scope(&mut *tx, &session.user, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(tx)
}

/// Logs the write, commits, and answers with the person as the session now sees them (a person
/// moved out of the editor's own areas answers 404 honestly).
async fn commit_and_show(
    state: &AppState,
    session: &Session,
    mut tx: Transaction<'static, Any>,
    id: &PersonId,
    (action, detail): (AuditAction, &str),
    now: i64,
) -> Result<Json<PersonDetail>, ApiError> {
    state.storage.audit(&mut *tx, actor(session), action, Some(id), detail, now).await?;
    tx.commit().await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    let detail = state.storage.person_detail(&session.user, id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(detail))
}

/// Everyone in scope, for the management list. Each person listed is in the audit log (once a
/// day per device: the list is opened many times a day, and who saw it matters, not how often).
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Vec<PersonSummary>>, ApiError> {
    let session = auth.allow(READERS)?;
    let persons = state.storage.person_summaries(&session.user).await?;
    let listed: Vec<&PersonId> = persons.iter().map(|p| &p.id).collect();
    state.storage.audit_reads(actor(&session), AuditAction::PersonList, &listed, now_millis()).await?;
    Ok(Json(persons))
}

pub async fn detail(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(READERS)?;
    let id = PersonId(id);
    let detail = state.storage.person_detail(&session.user, &id).await?.ok_or(ApiError::NotFound)?;
    state
        .storage
        .audit(state.storage.pool(), actor(&session), AuditAction::PersonRead, Some(&id), "", now_millis())
        .await?;
    Ok(Json(detail))
}

pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<NewPersonRequest>,
) -> Result<(StatusCode, Json<PersonDetail>), ApiError> {
    let session = auth.allow(EDITORS)?;
    let now = now_millis();
    let fields = req.person.validate()?;
    req.consent.validate(&today_jst(now))?;
    let id = PersonId(format!("p-{}", uuid::Uuid::new_v4().simple()));
    let mut tx = state.storage.begin_write().await?;
    if !state.storage.small_area_in_scope(&mut *tx, &session.user, &fields.small_area_id).await? {
        return Err(small_area_not_found());
    }
    state.storage.insert_person(&mut tx, &id, &fields, writer(&session), now).await?;
    state.storage.insert_consent(&mut tx, &id, &req.consent, &session.user.id, now).await?;
    // The registering 民生委員 covers the area, so the person is in their scope from now on.
    state.storage.audit(&mut *tx, actor(&session), AuditAction::PersonCreate, Some(&id), "", now).await?;
    let detail_text = req.consent.scopes.as_text();
    state.storage.audit(&mut *tx, actor(&session), AuditAction::ConsentRecord, Some(&id), &detail_text, now).await?;
    tx.commit().await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    let detail = state.storage.person_detail(&session.user, &id).await?.ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(detail)))
}

pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<UpdatePersonRequest>,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(EDITORS)?;
    let id = PersonId(id);
    let now = now_millis();
    let mut tx = write_in_scope(&state, &session, &id).await?;
    let fields = req.person.validate()?;
    if !state.storage.small_area_in_scope(&mut *tx, &session.user, &fields.small_area_id).await? {
        return Err(small_area_not_found());
    }
    state.storage.update_person(&mut tx, &id, &fields, writer(&session), now).await?;
    commit_and_show(&state, &session, tx, &id, (AuditAction::PersonUpdate, ""), now).await
}

pub async fn record_consent(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<RecordConsentRequest>,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(EDITORS)?;
    let id = PersonId(id);
    let now = now_millis();
    let mut tx = write_in_scope(&state, &session, &id).await?;
    req.consent.validate(&today_jst(now))?;
    state.storage.insert_consent(&mut tx, &id, &req.consent, &session.user.id, now).await?;
    let scopes = req.consent.scopes.as_text();
    commit_and_show(&state, &session, tx, &id, (AuditAction::ConsentRecord, &scopes), now).await
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(EDITORS)?;
    let id = PersonId(id);
    let now = now_millis();
    let mut tx = write_in_scope(&state, &session, &id).await?;
    if !state.storage.withdraw_consent(&mut tx, &id, &session.user.id, now).await? {
        return Err(ApiError::Conflict {
            code: "no_consent_in_force",
            detail: "there is no consent in force to withdraw".into(),
            message_ja: "撤回できる同意がありません。",
        });
    }
    commit_and_show(&state, &session, tx, &id, (AuditAction::ConsentWithdraw, ""), now).await
}

pub async fn audit_log(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let session = auth.allow(&[Role::Coordinator, Role::Admin])?;
    let id = PersonId(id);
    if !state.storage.person_in_scope(state.storage.pool(), &session.user, &id).await? {
        return Err(ApiError::NotFound);
    }
    let entries = state.storage.audit_for_person(&id, AUDIT_LOG_LINES).await?;
    state
        .storage
        .audit(state.storage.pool(), actor(&session), AuditAction::AuditRead, Some(&id), "", now_millis())
        .await?;
    Ok(Json(entries))
}
