//! 個別ケース検討会: the coordinator sets up a meeting over open cases, reads and prints its agenda
//! for the audience in the room (partner staff get no name of a person who has not agreed to
//! `share_partners`), and enters the decisions, which become the cases' updates through
//! [`apply`], the one path every case change takes. Every view and every print of an agenda is in
//! the audit log, one row per person it showed.

use crate::apply::{apply, Outcome, Skew};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, MeetingCase, Session, WriteTx};
use crate::time::now_millis;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mimamori_core::api::cases::{CaseDetail, CaseEventKind, CaseSignal};
use mimamori_core::api::meetings::{
    Agenda, AgendaItem, AgendaPerson, Audience, Decision, DecisionOutcome, MeetingSummary, NewMeeting, AGENDA_SIGNALS,
    MAX_MEETING_CASES,
};
use mimamori_core::api::Mutation;
use mimamori_core::domain::PersonId;
use mimamori_core::error::ErrorCode;
use serde::Deserialize;
use std::collections::HashSet;
use uuid::Uuid;

fn actor(session: &Session) -> Actor<'_> {
    Actor { user: &session.user, device_id: &session.device_id }
}

/// The municipality's meetings that hold cases of the user's districts.
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Vec<MeetingSummary>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    Ok(Json(state.storage.meetings(&session.user, &session.municipality_id).await?))
}

/// Every one of `cases` is open and in the user's districts; else a 400 `invalid_meeting` (a case
/// that does not exist and one of another district answer alike).
async fn open_and_theirs(state: &AppState, session: &Session, cases: &[&String]) -> Result<(), ApiError> {
    let open: HashSet<String> = state
        .storage
        .visible_cases(&session.user, None)
        .await?
        .into_iter()
        .filter(|c| c.status.is_open())
        .map(|c| c.id)
        .collect();
    if cases.iter().all(|c| open.contains(c.as_str())) {
        Ok(())
    } else {
        Err(ApiError::bad(ErrorCode::InvalidMeeting, "a case that is not open or not yours"))
    }
}

/// A new meeting over open cases the user may see; any other case id is a 400 `invalid_meeting`
/// (one that does not exist and one of another district answer alike).
pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(meeting): ApiJson<NewMeeting>,
) -> Result<(StatusCode, Json<MeetingSummary>), ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let meeting = meeting.validate()?;
    open_and_theirs(&state, &session, &meeting.case_ids.iter().collect::<Vec<_>>()).await?;
    let now = now_millis();
    let id = state.storage.create_meeting(&session.user, &session.municipality_id, &meeting, now).await?;
    let made = state.storage.meetings(&session.user, &session.municipality_id).await?;
    let summary = made.into_iter().find(|m| m.id == id).ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// Changes a meeting: its date, its name, and which of the user's cases it takes up, in what
/// order (cases of other districts stay as they are). A case added must be open and the user's
/// (400 `invalid_meeting`, as when creating); one whose decision was entered cannot be taken off
/// (409 `meeting_case_decided`); a meeting the user cannot see is a 404.
pub async fn change(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(change): ApiJson<NewMeeting>,
) -> Result<Json<MeetingSummary>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let (_, on_it) = meeting_cases(&state, &session, &id).await?;
    let change = change.validate()?;
    let kept: HashSet<&str> = on_it.iter().map(|c| c.case_id.as_str()).collect();
    let added: Vec<&String> = change.case_ids.iter().filter(|c| !kept.contains(c.as_str())).collect();
    if !added.is_empty() {
        open_and_theirs(&state, &session, &added).await?;
    }
    if on_it.iter().any(|c| c.decided_at.is_some() && !change.case_ids.contains(&c.case_id)) {
        let detail = "a case whose decision was entered stays on the agenda".into();
        return Err(ApiError::Conflict { code: ErrorCode::MeetingCaseDecided, detail });
    }
    let storage = &state.storage;
    if !storage.change_meeting(&id, &session.municipality_id, &change, &on_it, MAX_MEETING_CASES).await? {
        return Err(ApiError::bad(ErrorCode::InvalidMeeting, "more than 50 cases with the other districts'"));
    }
    let (summary, _) = meeting_cases(&state, &session, &id).await?;
    Ok(Json(summary))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgendaQuery {
    audience: Audience,
}

/// The meeting's cases the user may see, in agenda order; `NotFound` for a meeting that is not
/// the municipality's or holds none of them.
async fn meeting_cases(
    state: &AppState,
    session: &Session,
    id: &str,
) -> Result<(MeetingSummary, Vec<MeetingCase>), ApiError> {
    state.storage.meeting(&session.user, &session.municipality_id, id).await?.ok_or(ApiError::NotFound)
}

/// One case as the audience may see it.
fn item(number: u32, case: &MeetingCase, detail: CaseDetail, audience: Audience) -> AgendaItem {
    let named = audience == Audience::Office || case.consent_share_partners;
    let s = detail.summary;
    let mut signals: Vec<CaseSignal> = detail
        .events
        .iter()
        .rev()
        .filter_map(|e| match &e.what {
            CaseEventKind::Signal { signal } => Some(signal.clone()),
            _ => None,
        })
        .take(AGENDA_SIGNALS)
        .collect();
    let mut actions: Vec<_> =
        detail.events.into_iter().filter(|e| !matches!(e.what, CaseEventKind::Signal { .. })).collect();
    if !named {
        // Free text about a person may name them or their family: left out with the name.
        for s in &mut signals {
            match s {
                CaseSignal::Check { note, .. } | CaseSignal::Safety { note, .. } => *note = None,
                CaseSignal::Request { detail, .. } => detail.clear(),
            }
        }
        for a in &mut actions {
            if let CaseEventKind::Update { note, shared_note, .. } = &mut a.what {
                note.clear();
                *shared_note = None;
            }
        }
    }
    let owner = s.owner_name().map(str::to_owned);
    AgendaItem {
        number,
        case_id: s.id,
        person: named.then(|| AgendaPerson {
            id: s.person_id.as_str().to_owned(),
            name: s.person_name,
            address: detail.person_address,
            small_area: s.small_area,
        }),
        district: s.district,
        status: s.status,
        urgent: s.urgent,
        opened_at: s.opened_at,
        owner,
        next_action_on: s.next_action_on,
        signals,
        actions,
        owners: if audience == Audience::Office { detail.owners } else { Vec::new() },
        partner_owners: if audience == Audience::Office { detail.partner_owners } else { Vec::new() },
        decided_at: case.decided_at,
    }
}

async fn build_agenda(
    state: &AppState,
    session: &Session,
    id: &str,
    audience: Audience,
) -> Result<(Agenda, Vec<MeetingCase>), ApiError> {
    let (meeting, cases) = meeting_cases(state, session, id).await?;
    let now = now_millis();
    let mut items = Vec::with_capacity(cases.len());
    for case in &cases {
        if let Some(detail) = state.storage.case_detail(&session.user, &case.case_id, now).await? {
            items.push(item(items.len() as u32 + 1, case, detail, audience));
        }
    }
    let withheld = items.iter().filter(|i| i.person.is_none()).count() as u32;
    Ok((Agenda { meeting, audience, items, withheld }, cases))
}

/// Who the agenda showed, for the audit log: every person on it (named or not: their record was read).
fn shown(agenda: &Agenda, cases: &[MeetingCase]) -> Vec<PersonId> {
    let on: HashSet<&str> = agenda.items.iter().map(|i| i.case_id.as_str()).collect();
    cases.iter().filter(|c| on.contains(c.case_id.as_str())).map(|c| c.person_id.clone()).collect()
}

/// The agenda for an audience (`?audience=office|partners`).
pub async fn agenda(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<AgendaQuery>,
) -> Result<Json<Agenda>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let (agenda, cases) = build_agenda(&state, &session, &id, q.audience).await?;
    let persons = shown(&agenda, &cases);
    let refs: Vec<&PersonId> = persons.iter().collect();
    let detail = format!("meeting {id} {}", q.audience.as_str());
    state.storage.audit_each(actor(&session), AuditAction::MeetingRead, &refs, &detail, now_millis()).await?;
    Ok(Json(agenda))
}

/// The screen is about to print the agenda for an audience: in the audit log for each person on it.
pub async fn printed(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiQuery(q): ApiQuery<AgendaQuery>,
) -> Result<StatusCode, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let (_, cases) = meeting_cases(&state, &session, &id).await?;
    let refs: Vec<&PersonId> = cases.iter().map(|c| &c.person_id).collect();
    let detail = format!("meeting {id} {}", q.audience.as_str());
    state.storage.audit_each(actor(&session), AuditAction::MeetingPrint, &refs, &detail, now_millis()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The decisions taken at the meeting, one per case: each becomes the case's update (status,
/// owner, next date, note) or is refused with its reason; the others are stored regardless.
pub async fn decide(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(decisions): ApiJson<Vec<Decision>>,
) -> Result<Json<Vec<DecisionOutcome>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let (_, cases) = meeting_cases(&state, &session, &id).await?;
    if decisions.is_empty() || decisions.len() > MAX_MEETING_CASES {
        return Err(ApiError::bad(ErrorCode::InvalidMeeting, "1 to 50 decisions, one per case on the meeting"));
    }
    let mut outcomes = Vec::with_capacity(decisions.len());
    for d in decisions {
        let Some(case) = cases.iter().find(|c| c.case_id == d.case_id) else {
            outcomes.push(DecisionOutcome { case_id: d.case_id, error: Some(ErrorCode::InvalidMeeting) });
            continue;
        };
        let now = now_millis();
        let mutation = Mutation::UpdateCase {
            id: Uuid::new_v4(),
            person_id: case.person_id.clone(),
            case_id: d.case_id.clone(),
            update: d.update,
        };
        let mut write = WriteTx::begin(&state.storage, &session, now).await?;
        let error = match apply(&mut write, mutation, Skew::NONE).await? {
            Outcome::Refused(e) => Some(e.code()),
            _ => {
                state.storage.mark_decided(write.tx(), &id, &d.case_id, now).await?;
                None
            }
        };
        write.commit().await?;
        outcomes.push(DecisionOutcome { case_id: d.case_id, error });
    }
    Ok(Json(outcomes))
}
