//! 災害時の安否確認, the office's side: start an event over small areas of the user's districts,
//! watch its board fill as phones sync, add areas to it, close it.
//!
//! Starting, widening and closing change who sees whom (volunteers of the areas see the 要援護
//! persons there while it is open), so each is in the security log like any change of privilege;
//! every person a board shows is in the audit log, once a day per device and person.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, SecurityAction, SecurityEvent, Session};
use crate::time::now_millis;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mimamori_core::api::disaster::{AddAreas, EventBoard, EventSummary, NewEvent, MAX_EVENT_AREAS};
use mimamori_core::domain::{PersonId, Role};
use mimamori_core::error::ErrorCode;

/// The events with an area in the user's districts, those under way first.
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Vec<EventSummary>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    Ok(Json(state.storage.office_events(&session.user, &session.municipality_id, None).await?))
}

/// A small area outside the user's districts answers exactly as one that does not exist.
async fn own_areas(state: &AppState, session: &Session, areas: &[String]) -> Result<(), ApiError> {
    if state.storage.areas_in_districts(&session.user, areas).await? {
        Ok(())
    } else {
        Err(ApiError::bad(ErrorCode::AreaNotFound, "a small area outside your districts"))
    }
}

/// An open event over some of the same areas is answered 409 `event_overlap`, naming it: the
/// caller adds the areas to that one (`POST /events/{id}/areas`) instead of doubling the lists.
fn overlap((id, name): (String, String)) -> ApiError {
    ApiError::Conflict {
        code: ErrorCode::EventOverlap,
        detail: format!("event {id} ({name}) covers some of these areas"),
    }
}

fn security<'a>(session: &'a Session, action: SecurityAction, detail: &'a str) -> SecurityEvent<'a> {
    SecurityEvent {
        action,
        municipality: &session.municipality_id,
        actor: Some(&session.user.id),
        device: Some(&session.device_id),
        subject: None,
        detail,
    }
}

/// Starts an event. Only an admin may widen it to persons without `share_disaster` consent.
pub async fn start(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(event): ApiJson<NewEvent>,
) -> Result<(StatusCode, Json<EventSummary>), ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let event = event.validate()?;
    if event.widen_reason.is_some() && session.user.role != Role::Admin {
        return Err(ApiError::Forbidden);
    }
    own_areas(&state, &session, &event.small_area_ids).await?;
    let now = now_millis();
    let id = format!("ev-{}", uuid::Uuid::new_v4().simple());
    let storage = &state.storage;
    let mut tx = storage.begin_immediate().await?;
    if let Some(other) = storage.open_event_over(&mut tx, &event.small_area_ids, None).await? {
        return Err(overlap(other));
    }
    storage.insert_event(&mut tx, &id, &session.municipality_id, &event, &session.user, now).await?;
    let mut detail = format!("event={};small_areas={}", event.name, event.small_area_ids.join(","));
    if event.drill {
        detail.push_str(";drill=1");
    }
    if let Some(reason) = &event.widen_reason {
        detail.push_str(&format!(";widened={reason}"));
    }
    storage.security_event(&mut *tx, security(&session, SecurityAction::EventStart, &detail), now).await?;
    tx.commit().await?;
    let made = storage.office_events(&session.user, &session.municipality_id, Some(&id)).await?;
    Ok((StatusCode::CREATED, Json(made.into_iter().next().ok_or(ApiError::NotFound)?)))
}

/// The board: counts by status per small area, everyone on the list with their newest
/// confirmation, and the field users' own states. The browser asks again every few seconds.
pub async fn board(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<EventBoard>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let board = state
        .storage
        .event_board(&session.user, &session.municipality_id, &id, now)
        .await?
        .ok_or(ApiError::NotFound)?;
    let shown: Vec<&PersonId> = board.persons.iter().map(|p| &p.id).collect();
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit_reads(actor, AuditAction::SafetyBoard, &shown, now).await?;
    Ok(Json(board))
}

/// Adds small areas to an event under way (the answer to `event_overlap`).
pub async fn add_areas(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(mut add): ApiJson<AddAreas>,
) -> Result<Json<EventSummary>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    add.small_area_ids.sort();
    add.small_area_ids.dedup();
    if add.small_area_ids.is_empty() || add.small_area_ids.len() > MAX_EVENT_AREAS {
        return Err(ApiError::bad(ErrorCode::InvalidEvent, "1 to 500 small areas"));
    }
    let storage = &state.storage;
    let event = storage
        .office_events(&session.user, &session.municipality_id, Some(&id))
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    if event.closed_at.is_some() {
        return Err(ApiError::Conflict { code: ErrorCode::EventClosed, detail: "the event is closed".into() });
    }
    own_areas(&state, &session, &add.small_area_ids).await?;
    let now = now_millis();
    let mut tx = storage.begin_immediate().await?;
    if let Some(other) = storage.open_event_over(&mut tx, &add.small_area_ids, Some(&id)).await? {
        return Err(overlap(other));
    }
    storage.add_event_areas(&mut tx, &id, &add.small_area_ids).await?;
    let detail = format!("event={};small_areas={}", event.name, add.small_area_ids.join(","));
    storage.security_event(&mut *tx, security(&session, SecurityAction::EventAreas, &detail), now).await?;
    tx.commit().await?;
    let made = storage.office_events(&session.user, &session.municipality_id, Some(&id)).await?;
    Ok(Json(made.into_iter().next().ok_or(ApiError::NotFound)?))
}

/// Closes an event: the persons it added leave the phones at their next sync, with its records
/// there (the office keeps every confirmation); one that arrives later is kept and marked late.
pub async fn close(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<EventSummary>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let storage = &state.storage;
    let event = storage
        .office_events(&session.user, &session.municipality_id, Some(&id))
        .await?
        .pop()
        .ok_or(ApiError::NotFound)?;
    let now = now_millis();
    let mut tx = storage.begin_immediate().await?;
    if !storage.close_event(&mut tx, &id, &session.user, now).await? {
        return Err(ApiError::Conflict { code: ErrorCode::EventClosed, detail: "the event is closed already".into() });
    }
    let detail = format!("event={}", event.name);
    storage.security_event(&mut *tx, security(&session, SecurityAction::EventClose, &detail), now).await?;
    tx.commit().await?;
    let made = storage.office_events(&session.user, &session.municipality_id, Some(&id)).await?;
    Ok(Json(made.into_iter().next().ok_or(ApiError::NotFound)?))
}
