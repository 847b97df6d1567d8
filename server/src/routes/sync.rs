//! Push (device → server) and pull (server → device).

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, InsertOutcome};
use crate::time::now_millis;
use app::api::{
    ApiErrorBody, Mutation, MutationResult, PullResponse, PushRequest, PushResponse, MAX_PUSH_BATCH, PULL_PAGE,
};
use app::domain::Role;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

/// Applies a batch of device changes in one transaction. Each mutation gets its own answer;
/// a refused one writes nothing and does not stop the others.
pub async fn push(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    // Partner staff work on referred requests; they do not record 見守り checks.
    let session = auth.allow(&[Role::Volunteer, Role::Commissioner, Role::Coordinator, Role::Admin])?;
    if req.mutations.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BadRequest {
            code: "batch_too_large",
            detail: format!("at most {MAX_PUSH_BATCH} mutations per push"),
            message_ja: "一度に送れる件数を超えています。",
        });
    }
    let now = now_millis();
    let mut tx = state.storage.begin_push().await?;
    let mut results = Vec::with_capacity(req.mutations.len());
    for mutation in &req.mutations {
        let id = mutation.check_id();
        let Mutation::CreateCheck { check } = mutation;
        let rejected = |code: &str, message: &str, message_ja: &str| MutationResult::Rejected {
            id,
            error: ApiErrorBody { code: code.into(), message: message.into(), message_ja: message_ja.into() },
        };
        if let Err(e) = check.validate_time(now) {
            results.push(rejected(e.code, &e.detail, e.message_ja));
            continue;
        }
        // Out of scope answers exactly as a person that does not exist.
        if !state.storage.person_visible(&mut *tx, &session.user, &check.person_id).await? {
            results.push(rejected(
                "person_not_found",
                "no such person",
                "この方の記録は保存できません（担当から外れた可能性があります）。",
            ));
            continue;
        }
        let outcome = state.storage.insert_check(&mut tx, check, &session.user.id, &session.device_id, now).await?;
        if outcome == InsertOutcome::Applied {
            let actor = Actor { user: &session.user, device_id: &session.device_id };
            let detail = check.outcome.as_str();
            state.storage.audit(&mut *tx, actor, AuditAction::CheckCreate, Some(&check.person_id), detail, now).await?;
        }
        results.push(match outcome {
            InsertOutcome::Applied => MutationResult::Applied { id },
            InsertOutcome::Duplicate => MutationResult::Duplicate { id },
            InsertOutcome::IdTaken => rejected("id_conflict", "check id already used", "記録の番号が重複しています。"),
        });
    }
    tx.commit().await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(Json(PushResponse { results }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    #[serde(default)]
    cursor: i64,
}

pub async fn pull(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    if q.cursor < 0 {
        return Err(ApiError::BadRequest {
            code: "invalid_cursor",
            detail: "cursor must not be negative".into(),
            message_ja: "送信内容が正しくありません。",
        });
    }
    let now = now_millis();
    state.storage.audit_sync_reads(Actor { user: &session.user, device_id: &session.device_id }, now).await?;
    let persons = state.storage.visible_persons(&session.user).await?;
    let (checks, cursor, more) = state.storage.checks_since(&session.user, q.cursor, PULL_PAGE).await?;
    Ok(Json(PullResponse { persons, checks, cursor, more, server_time: now }))
}
