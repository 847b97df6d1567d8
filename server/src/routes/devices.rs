//! Signed-in devices: a user sees and revokes their own; managers also those of the users they
//! manage. A revoked device is refused at its next contact and then wipes its personal data.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::IdPath;
use crate::startup::AppState;
use crate::storage::{SecurityAction, SecurityEvent};
use crate::time::now_millis;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mimamori_core::api::admin::DeviceInfo;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Result<Json<Vec<DeviceInfo>>, ApiError> {
    Ok(Json(state.storage.visible_devices(&session).await?))
}

pub async fn revoke(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    IdPath(id): IdPath,
) -> Result<StatusCode, ApiError> {
    let now = now_millis();
    let mut tx = state.storage.begin_immediate().await?;
    let Some(owner) = state.storage.revoke_visible_device(&mut tx, &session, &id, now).await? else {
        return Err(ApiError::NotFound);
    };
    let detail = format!("device={id}");
    let event = SecurityEvent {
        action: SecurityAction::DeviceRevoke,
        municipality: &session.municipality_id,
        actor: Some(&session.user.id),
        device: Some(&session.device_id),
        subject: Some(&owner),
        detail: &detail,
    };
    state.storage.security_event(&mut *tx, event, now).await?;
    tx.commit().await?;
    tracing::info!(by = %session.user.id.as_str(), device = %id, "device revoked");
    Ok(StatusCode::NO_CONTENT)
}
