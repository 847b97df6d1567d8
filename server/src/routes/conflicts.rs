//! Conflicts between offline edits, for coordinators to settle.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, Writer};
use crate::time::now_millis;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::admin::{ConflictChoice, ConflictSummary, ResolveConflictRequest};

/// Open conflicts on persons in the coordinator's districts (each person shown is audited, once
/// a day per device).
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Vec<ConflictSummary>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let conflicts = state.storage.open_conflicts(&session.user).await?;
    let shown: Vec<&mimamori_core::domain::PersonId> = conflicts.iter().map(|c| &c.person_id).collect();
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit_reads(actor, AuditAction::ConflictRead, &shown, now_millis()).await?;
    Ok(Json(conflicts))
}

/// Keeps one of the two values. An unknown, settled or out-of-scope conflict is a 404.
pub async fn resolve(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<ResolveConflictRequest>,
) -> Result<Json<Vec<ConflictSummary>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let mut tx = state.storage.begin_write().await?;
    let writer = Writer { user: session.user.id.as_str(), device: &session.device_id };
    let Some((person, field)) =
        state.storage.resolve_conflict(&mut tx, &session.user, &id, req.keep, writer, now).await?
    else {
        return Err(ApiError::NotFound);
    };
    let detail = format!(
        "{}:{}",
        field.as_str(),
        match req.keep {
            ConflictChoice::Current => "current",
            ConflictChoice::Other => "other",
        }
    );
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit(&mut *tx, actor, AuditAction::ConflictResolve, Some(&person), &detail, now).await?;
    tx.commit().await?;
    Ok(Json(state.storage.open_conflicts(&session.user).await?))
}
