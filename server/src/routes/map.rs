//! The office map: everyone in the coordinator's districts, and one person's side panel.
//!
//! Office only (coordinators and admins, [`policy::OFFICE`]): a 民生委員's phone map draws from
//! its own device store and asks only for the tile setting (`/map/tiles`); partner staff get no
//! map. Every person on the map is in the audit
//! log, like a list (once a day per device and person); opening the panel is a read of the person.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction};
use crate::time::now_millis;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::map::{MapPanel, MapView, TileSource};
use mimamori_core::domain::PersonId;

pub async fn view(State(state): State<AppState>, auth: Authenticated) -> Result<Json<MapView>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let (persons, small_areas, watchers) = state.storage.map_view(&session.user).await?;
    let shown: Vec<&PersonId> = persons.iter().map(|p| &p.id).collect();
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit_reads(actor, AuditAction::PersonMap, &shown, now_millis()).await?;
    Ok(Json(MapView { tiles: state.config.map_tiles.source().clone(), persons, small_areas, watchers }))
}

/// The base map alone, for the phone map (which draws persons from the device store). No
/// personal data: any user who watches someone may ask; partner staff have no map.
pub async fn tiles(State(state): State<AppState>, auth: Authenticated) -> Result<Json<TileSource>, ApiError> {
    auth.allow(policy::WATCHERS)?;
    Ok(Json(state.config.map_tiles.source().clone()))
}

pub async fn panel(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<PersonId>,
) -> Result<Json<MapPanel>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let panel = state.storage.map_panel(&session.user, &id).await?.ok_or(ApiError::NotFound)?;
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state
        .storage
        .audit(state.storage.for_writes(), actor, AuditAction::PersonRead, Some(&id), "map", now_millis())
        .await?;
    Ok(Json(panel))
}
