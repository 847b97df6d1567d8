//! Signed-in devices: a user sees and revokes their own; managers, any in their municipality.
//! A revoked device is refused at its next contact and then wipes its personal data.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::IdPath;
use crate::startup::AppState;
use crate::time::now_millis;
use app::api::admin::DeviceInfo;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

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
    if !state.storage.revoke_visible_device(&session, &id, now_millis()).await? {
        return Err(ApiError::NotFound);
    }
    tracing::info!(by = %session.user.id.0, device = %id, "device revoked");
    Ok(StatusCode::NO_CONTENT)
}
