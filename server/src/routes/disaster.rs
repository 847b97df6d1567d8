//! 災害時の安否確認, the office's side: start an event over small areas of the user's districts,
//! watch its board fill as phones sync, add areas to it, close it.
//!
//! Starting, widening and closing change who sees whom (volunteers of the areas see the 要援護
//! persons there while it is open), so each is in the security log like any change of privilege;
//! every person a board shows is in the audit log, once a day per device and person.

use super::cases::ExportQuery;
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::export::{Cell, Format, Table};
use crate::extract::{ApiJson, ApiQuery, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, SecurityAction, SecurityEvent, Session};
use crate::time::now_millis;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mimamori_core::api::disaster::{
    AddAreas, EventBoard, EventSummary, HandOver, HandedOver, NewEvent, MAX_EVENT_AREAS,
};
use mimamori_core::domain::disaster::{SafetyStatus, SupportNeed};
use mimamori_core::domain::{PersonId, Role, User, UserId};
use mimamori_core::error::ErrorCode;
use mimamori_core::words::Label;
use std::collections::HashSet;

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

/// The event if the user may see it (an area in their districts), else 404 as for none.
async fn visible(state: &AppState, session: &Session, id: &str) -> Result<EventSummary, ApiError> {
    state
        .storage
        .office_events(&session.user, &session.municipality_id, Some(id))
        .await?
        .pop()
        .ok_or(ApiError::NotFound)
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
    Ok((StatusCode::CREATED, Json(visible(&state, &session, &id).await?)))
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
    let event = visible(&state, &session, &id).await?;
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
    Ok(Json(visible(&state, &session, &id).await?))
}

/// Hands persons to a field user for an event under way: those named on the board, or the whole
/// list of a field user who cannot act. The checker must be a volunteer or 民生委員 the office
/// manages (400 `checker_not_found` otherwise, as for one that does not exist); every person must
/// be on the event's list in the office's districts (400 `person_not_in_event`). The checker holds
/// them until the event closes: a change of who sees whom, so in the security log.
pub async fn hand_over(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(h): ApiJson<HandOver>,
) -> Result<Json<HandedOver>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let h = h.validate()?;
    let event = visible(&state, &session, &id).await?;
    if event.closed_at.is_some() {
        return Err(ApiError::Conflict { code: ErrorCode::EventClosed, detail: "the event is closed".into() });
    }
    let storage = &state.storage;
    let users = storage.user_summaries(&session.user, &session.municipality_id).await?;
    let field_user = |id: &UserId| {
        users
            .iter()
            .find(|u| &u.user.id == id && matches!(u.user.role, Role::Volunteer | Role::Commissioner) && !u.disabled)
            .map(|u| User {
                id: u.user.id.clone(),
                login: u.user.login.clone(),
                display_name: u.user.display_name.clone(),
                role: u.user.role,
            })
            .ok_or_else(|| ApiError::bad(ErrorCode::CheckerNotFound, "not a volunteer or 民生委員 you manage"))
    };
    let to = field_user(&h.to)?;
    let persons = match &h.from {
        Some(from) => storage.list_of(&field_user(from)?, &id).await?,
        None => h.person_ids.clone(),
    };
    let listed: HashSet<PersonId> = storage.list_of(&session.user, &id).await?.into_iter().collect();
    if !persons.iter().all(|p| listed.contains(p)) {
        return Err(ApiError::bad(ErrorCode::PersonNotInEvent, "a person not on this event's list of yours"));
    }
    let now = now_millis();
    let mut tx = storage.begin_immediate().await?;
    storage.hand_over(&mut tx, &id, &persons, to.id.as_str(), &session.user, now).await?;
    let ids: Vec<&str> = persons.iter().map(|p| p.as_str()).collect();
    let detail = format!("event={};persons={}", event.name, ids.join(","));
    let log = SecurityEvent { subject: Some(&to.id), ..security(&session, SecurityAction::EventCheckers, &detail) };
    storage.security_event(&mut *tx, log, now).await?;
    tx.commit().await?;
    Ok(Json(HandedOver { persons: u32::try_from(persons.len()).unwrap_or(u32::MAX) }))
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
    let event = visible(&state, &session, &id).await?;
    let now = now_millis();
    let mut tx = storage.begin_immediate().await?;
    if !storage.close_event(&mut tx, &id, &session.user, now).await? {
        return Err(ApiError::Conflict { code: ErrorCode::EventClosed, detail: "the event is closed already".into() });
    }
    let detail = format!("event={}", event.name);
    storage.security_event(&mut *tx, security(&session, SecurityAction::EventClose, &detail), now).await?;
    tx.commit().await?;
    Ok(Json(visible(&state, &session, &id).await?))
}

/// The event's list as a file (CSV or Excel), one row per person with their newest confirmation,
/// in the order of the 消防庁's 安否情報 where it has a field for it (氏名, フリガナ, 住所, 負傷又は
/// 疾病の状況, 現在の居所, 連絡先), then what the network adds. A named list: office only, and
/// every person in it is in the audit log as exported.
pub async fn export(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let format = Format::parse(&q.format)?;
    let now = now_millis();
    let board = state
        .storage
        .event_board(&session.user, &session.municipality_id, &id, now)
        .await?
        .ok_or(ApiError::NotFound)?;
    let headers = [
        "氏名",
        "フリガナ",
        "住所",
        "負傷又は疾病の状況",
        "現在の居所",
        "連絡先",
        "安否",
        "地区",
        "小地域",
        "世帯の状況",
        "確認日時",
        "確認した人",
        "確認の回数",
        "備考",
        "確認地点の緯度",
        "確認地点の経度",
    ];
    let at = |ms: i64| crate::time::jst_datetime(ms);
    let area = |sa: &str| board.event.areas.iter().find(|a| a.id == sa);
    let rows = board
        .persons
        .iter()
        .map(|p| {
            let c = p.latest.as_ref();
            let hurt: Vec<&str> = c
                .map(|c| c.needs.iter().filter(|n| matches!(n, SupportNeed::Injury | SupportNeed::Health)))
                .into_iter()
                .flatten()
                .map(|n| n.label_ja())
                .collect();
            let hurt = match c.map(|c| c.status) {
                Some(SafetyStatus::NeedsRescue) => "要救助".to_owned(),
                _ => hurt.join("・"),
            };
            let place = match c {
                Some(c) if c.status == SafetyStatus::SafeEvacuated => {
                    let kind = c.shelter.map(|s| s.label_ja()).unwrap_or_default();
                    format!("{kind} {}", c.shelter_name).trim().to_owned()
                }
                Some(c) if c.status == SafetyStatus::Hospital => c.status.label_ja().to_owned(),
                Some(c) if c.status == SafetyStatus::SafeHome => "自宅".to_owned(),
                _ => String::new(),
            };
            let mut notes: Vec<String> = Vec::new();
            if let Some(c) = c {
                let others: Vec<&str> = c
                    .needs
                    .iter()
                    .filter(|n| !matches!(n, SupportNeed::Injury | SupportNeed::Health))
                    .map(|n| n.label_ja())
                    .collect();
                if !others.is_empty() {
                    notes.push(format!("必要な支援：{}", others.join("・")));
                }
                notes.extend(c.note.clone());
                if c.late {
                    notes.push("終了後に受信".into());
                }
            }
            if p.widened {
                notes.push("同意なし（対象拡大）".into());
            }
            vec![
                Cell::from(p.name.as_str()),
                p.kana.as_str().into(),
                p.address.as_str().into(),
                hurt.into(),
                place.into(),
                p.phone.clone().into(),
                c.map_or("未確認", |c| c.status.label_ja()).into(),
                area(&p.small_area_id).map(|a| a.district.clone()).into(),
                area(&p.small_area_id).map(|a| a.name.clone()).into(),
                p.household_type.label_ja().into(),
                c.map(|c| at(c.recorded_at)).into(),
                c.map(|c| c.by_name.clone()).into(),
                p.confirmations.into(),
                notes.join("／").into(),
                c.and_then(|c| c.location).map(|l| l.lat).into(),
                c.and_then(|c| c.location).map(|l| l.lng).into(),
            ]
        })
        .collect();
    let sheet = if board.event.drill { "安否確認（訓練）" } else { "安否確認" };
    let table = Table { sheet: sheet.into(), headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows };
    let listed: Vec<&PersonId> = board.persons.iter().map(|p| &p.id).collect();
    let detail = format!("safety.{}: {} rows, event {}", format.extension(), listed.len(), board.event.id);
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit_each(actor, AuditAction::Export, &listed, &detail, now).await?;
    let stem = format!(
        "mimamori-safety-{}{}",
        if board.event.drill { "drill-" } else { "" },
        crate::time::today_jst(board.event.started_at).as_str()
    );
    table.into_file(format, &stem)
}
