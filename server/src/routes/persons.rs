//! Persons and their consent, for management screens and 民生委員 registering 気になる方.

use crate::apply::{apply, Skew};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, Session, WriteTx};
use crate::time::now_millis;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mimamori_core::api::admin::{
    AuditEntry, NewPersonRequest, PersonDetail, PersonSummary, RecordConsentRequest, UpdatePersonRequest,
};
use mimamori_core::api::Mutation;
use mimamori_core::domain::PersonId;
use mimamori_core::error::ErrorCode;
use uuid::Uuid;

const AUDIT_LOG_LINES: i64 = 500;

fn actor(session: &Session) -> Actor<'_> {
    Actor { user: &session.user, device_id: &session.device_id }
}

/// A write on a person the session may see; anything else answers 404 before the body is even
/// looked at.
async fn write_in_scope<'a>(state: &'a AppState, session: &'a Session, id: &PersonId) -> Result<WriteTx<'a>, ApiError> {
    let mut write = WriteTx::begin(&state.storage, session, now_millis()).await?;
    if !state.storage.person_in_scope(&mut **write.tx(), &session.user, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(write)
}

/// Commits, and answers with the person as the session now sees them (a person moved out of the
/// editor's own areas answers 404 honestly).
async fn commit_and_show(
    state: &AppState,
    session: &Session,
    write: WriteTx<'_>,
    id: &PersonId,
) -> Result<Json<PersonDetail>, ApiError> {
    write.commit().await?;
    let detail = state.storage.person_detail(&session.user, id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(detail))
}

/// Everyone in scope, for the management list. Each person listed is in the audit log (once a
/// day per device: the list is opened many times a day, and who saw it matters, not how often).
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<Vec<PersonSummary>>, ApiError> {
    let session = auth.allow(policy::WATCHERS)?;
    let persons = state.storage.person_summaries(&session.user).await?;
    let listed: Vec<&PersonId> = persons.iter().map(|p| &p.id).collect();
    state.storage.audit_reads(actor(&session), AuditAction::PersonList, &listed, now_millis()).await?;
    Ok(Json(persons))
}

pub async fn detail(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<PersonId>,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(policy::WATCHERS)?;
    let detail = state.storage.person_detail(&session.user, &id).await?.ok_or(ApiError::NotFound)?;
    state
        .storage
        .audit(state.storage.for_writes(), actor(&session), AuditAction::PersonRead, Some(&id), "", now_millis())
        .await?;
    Ok(Json(detail))
}

/// Registers a person from an office screen: the same change a 民生委員's phone sends, with ids
/// made here.
pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<NewPersonRequest>,
) -> Result<(StatusCode, Json<PersonDetail>), ApiError> {
    let session = auth.allow(policy::PERSON_EDITORS)?;
    let id = PersonId::registered(Uuid::new_v4());
    let change = Mutation::RegisterPerson {
        id: Uuid::new_v4(),
        person_id: id.clone(),
        person: req.person,
        consent: req.consent,
    };
    let mut write = WriteTx::begin(&state.storage, &session, now_millis()).await?;
    apply(&mut write, change, Skew::NONE).await?.refused()?;
    let Json(detail) = commit_and_show(&state, &session, write, &id).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// Replaces the whole record (the office's form; devices send field edits instead).
pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<PersonId>,
    ApiJson(req): ApiJson<UpdatePersonRequest>,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(policy::PERSON_EDITORS)?;
    let mut write = write_in_scope(&state, &session, &id).await?;
    let fields = req.person.validate()?;
    if !state.storage.small_area_in_scope(&mut **write.tx(), &session.user, &fields.small_area_id).await? {
        return Err(ApiError::small_area_not_found());
    }
    let (writer, now) = (write.writer(), write.now());
    state.storage.update_person(write.tx(), &id, &fields, writer, now).await?;
    write.audit(AuditAction::PersonUpdate, Some(&id), "").await?;
    commit_and_show(&state, &session, write, &id).await
}

/// Records a consent from an office screen: the same change a 民生委員's phone sends.
pub async fn record_consent(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<PersonId>,
    ApiJson(req): ApiJson<RecordConsentRequest>,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(policy::PERSON_EDITORS)?;
    let mut write = write_in_scope(&state, &session, &id).await?;
    let change = Mutation::RecordConsent { id: Uuid::new_v4(), person_id: id.clone(), consent: req.consent };
    apply(&mut write, change, Skew::NONE).await?.refused()?;
    commit_and_show(&state, &session, write, &id).await
}

pub async fn withdraw_consent(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<PersonId>,
) -> Result<Json<PersonDetail>, ApiError> {
    let session = auth.allow(policy::PERSON_EDITORS)?;
    let mut write = write_in_scope(&state, &session, &id).await?;
    let (user, now) = (write.user(), write.now());
    if !state.storage.withdraw_consent(write.tx(), &id, &user.id, now).await? {
        return Err(ApiError::Conflict {
            code: ErrorCode::NoConsentInForce,
            detail: "there is no consent in force to withdraw".into(),
        });
    }
    write.audit(AuditAction::ConsentWithdraw, Some(&id), "").await?;
    commit_and_show(&state, &session, write, &id).await
}

pub async fn audit_log(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<PersonId>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    if !state.storage.person_in_scope(state.storage.pool(), &session.user, &id).await? {
        return Err(ApiError::NotFound);
    }
    let entries = state.storage.audit_for_person(&id, AUDIT_LOG_LINES).await?;
    state
        .storage
        .audit(state.storage.for_writes(), actor(&session), AuditAction::AuditRead, Some(&id), "", now_millis())
        .await?;
    Ok(Json(entries))
}
