//! 相談・依頼 lists. Partner staff reach personal data only here.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction};
use crate::time::now_millis;
use app::api::admin::RequestSummary;
use app::domain::Role;
use axum::extract::State;
use axum::Json;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Result<Json<Vec<RequestSummary>>, ApiError> {
    let requests = state.storage.visible_requests(&session.user).await?;
    // A partner reading a person's request is a disclosure outside the network: log each one.
    if session.user.role == Role::PartnerStaff {
        let actor = Actor { user: &session.user, device_id: &session.device_id };
        let now = now_millis();
        let mut seen = std::collections::BTreeSet::new();
        for r in &requests {
            if seen.insert(&r.person_id) {
                let pool = state.storage.pool();
                state.storage.audit(pool, actor, AuditAction::RequestRead, Some(&r.person_id), &r.id, now).await?;
            }
        }
    }
    Ok(Json(requests))
}
