//! 相談・依頼 lists and routing. Partner staff reach personal data only here.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction};
use crate::time::now_millis;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::admin::{RequestStatus, RequestSummary, RouteRequest};
use mimamori_core::domain::{partner_referral_allowed, Role};
use mimamori_core::error::ErrorCode;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Result<Json<Vec<RequestSummary>>, ApiError> {
    let requests = state.storage.visible_requests(&session.user, None).await?;
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    let now = now_millis();
    if session.user.role == Role::PartnerStaff {
        // A partner reading a person's request is a disclosure outside the network: every read.
        let mut seen = std::collections::BTreeSet::new();
        for r in &requests {
            if seen.insert(&r.person_id) {
                let pool = state.storage.for_writes();
                state.storage.audit(pool, actor, AuditAction::RequestRead, Some(&r.person_id), &r.id, now).await?;
            }
        }
    } else {
        // The list names persons with their address and phone: once a day per device and person.
        let listed: Vec<&mimamori_core::domain::PersonId> = requests.iter().map(|r| &r.person_id).collect();
        state.storage.audit_reads(actor, AuditAction::RequestRead, &listed, now).await?;
    }
    Ok(Json(requests))
}

/// Routes a request (coordinators: status and partner organisation) or reports progress on it
/// (partner staff: status only, on requests referred to them). A partner may be chosen only
/// when the person's consent allows sharing with partners.
pub async fn route(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(req): ApiJson<RouteRequest>,
) -> Result<Json<RequestSummary>, ApiError> {
    let session = auth.allow(policy::REQUEST_WORKERS)?;
    let current = state.storage.visible_requests(&session.user, Some(&id)).await?.pop().ok_or(ApiError::NotFound)?;
    let organization = if session.user.role == Role::PartnerStaff {
        if req.organization_id.is_some() {
            return Err(ApiError::Forbidden);
        }
        if req.status == RequestStatus::Received {
            return Err(ApiError::bad(ErrorCode::InvalidStatus, "a partner cannot send a request back to received"));
        }
        current.organization_id.clone()
    } else {
        match req.organization_id.as_deref() {
            Some(org) => {
                if !state.storage.organization_in_municipality(org, &session.municipality_id).await? {
                    return Err(ApiError::bad(ErrorCode::OrganizationNotFound, "no such organization"));
                }
                partner_referral_allowed(current.shares_with_partners)
                    .map_err(|e| ApiError::Conflict { code: e.code, detail: e.detail })?;
                Some(org.to_owned())
            }
            None => None,
        }
    };
    let now = now_millis();
    // The request, its case (a new referral is the office acting on it, and hands a case
    // nobody carries to the partner) and the audit row: one transaction.
    let mut tx = state.storage.begin_write().await?;
    state.storage.route_request(&mut tx, &id, req.status, organization.as_deref(), now).await?;
    if let Some(org) = organization.as_deref().filter(|o| current.organization_id.as_deref() != Some(*o)) {
        state.storage.case_referred(&mut tx, &id, org, session.user.id.as_str(), now).await?;
    }
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    let detail = format!("{}:{}", req.status.as_str(), organization.as_deref().unwrap_or("-"));
    state.storage.audit(&mut *tx, actor, AuditAction::RequestUpdate, Some(&current.person_id), &detail, now).await?;
    tx.commit().await.map_err(crate::storage::StorageError::from)?;
    let updated = state.storage.visible_requests(&session.user, Some(&id)).await?.pop().ok_or(ApiError::NotFound)?;
    Ok(Json(updated))
}
