//! 要対応: the office's queue of follow-up cases, one case's timeline, 確認しました, and changes.
//! Cases are opened by signals in [`crate::apply`]; here the office acts on them, within the
//! districts it covers (the scope function decides, as for persons).

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, Session};
use crate::time::now_millis;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::cases::{CaseDetail, CaseList};
use mimamori_core::domain::{CaseUpdate, PersonId};
use mimamori_core::error::ErrorCode;

fn actor(session: &Session) -> Actor<'_> {
    Actor { user: &session.user, device_id: &session.device_id }
}

/// The queue: open cases, 緊急 first then the oldest, and those closed in the last 30 days.
/// The queue names persons: each is in the audit log once a day per device.
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<CaseList>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let cases = state.storage.visible_cases(&session.user, None).await?;
    let listed: Vec<&PersonId> = cases.iter().map(|c| &c.person_id).collect();
    state.storage.audit_reads(actor(&session), AuditAction::PersonList, &listed, now).await?;
    Ok(Json(CaseList { server_time: now, cases }))
}

/// One case with its timeline (every opening is in the audit log). Out of scope is a 404.
pub async fn detail(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<CaseDetail>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let case = state.storage.case_detail(&session.user, &id, now).await?.ok_or(ApiError::NotFound)?;
    let pool = state.storage.pool();
    state.storage.audit(pool, actor(&session), AuditAction::CaseRead, Some(&case.summary.person_id), &id, now).await?;
    Ok(Json(case))
}

/// 確認しました. A second tap, or a case someone else acknowledged a moment ago, changes nothing
/// and answers the case as it stands.
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<CaseDetail>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let current = state.storage.visible_cases(&session.user, Some(&id)).await?.pop().ok_or(ApiError::NotFound)?;
    let mut tx = state.storage.begin_write().await?;
    if state.storage.acknowledge_case(&mut tx, &id, session.user.id.as_str(), now).await? {
        state
            .storage
            .audit(&mut *tx, actor(&session), AuditAction::CaseUpdate, Some(&current.person_id), "ack", now)
            .await?;
    }
    tx.commit().await.map_err(crate::storage::StorageError::from)?;
    let case = state.storage.case_detail(&session.user, &id, now).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(case))
}

/// Changes a case: status, owner, next-action date, a note on the timeline, the word shared with
/// the field. A closed case is not reopened (409); an owner who may not own it is a 400.
pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<CaseUpdate>,
) -> Result<Json<CaseDetail>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let current = state.storage.visible_cases(&session.user, Some(&id)).await?.pop().ok_or(ApiError::NotFound)?;
    let update = req.validate()?;
    if let Some(to) = update.status {
        current.status.may_become(to).map_err(|e| ApiError::Conflict { code: e.code, detail: e.detail })?;
    } else if !current.status.is_open() && (update.owner_id.is_some() || update.next_action_on.is_some()) {
        return Err(ApiError::Conflict {
            code: ErrorCode::CaseClosed,
            detail: "a closed case has no owner or next action to change".into(),
        });
    }
    if let Some(owner) = update.owner_id.as_deref().filter(|o| !o.is_empty()) {
        let owners = state.storage.case_owners(&current.person_id).await?;
        if !owners.iter().any(|u| u.id.as_str() == owner) {
            return Err(ApiError::bad(
                ErrorCode::OwnerNotFound,
                "the owner must be office staff of the person's district or a 民生委員 of their area",
            ));
        }
    }
    let mut tx = state.storage.begin_write().await?;
    state.storage.update_case(&mut tx, &id, &update, session.user.id.as_str(), now).await?;
    let detail = update.status.map(|s| s.as_str()).unwrap_or("note");
    state
        .storage
        .audit(&mut *tx, actor(&session), AuditAction::CaseUpdate, Some(&current.person_id), detail, now)
        .await?;
    tx.commit().await.map_err(crate::storage::StorageError::from)?;
    let case = state.storage.case_detail(&session.user, &id, now).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(case))
}
