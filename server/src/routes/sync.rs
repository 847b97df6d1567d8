//! Push (device → server), pull (server → device) and fetching persons a device lacks.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, EditOutcome, InsertOutcome, Session, Writer};
use crate::time::now_millis;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::{
    ApiErrorBody, FetchPersonsRequest, FetchPersonsResponse, Mutation, MutationResult, PullResponse, PushResponse,
    MAX_FETCH_PERSONS, MAX_PUSH_BATCH, PULL_PAGE,
};
use mimamori_core::domain::{
    concern_is_named, needs_fit, partner_referral_allowed, CheckNote, ConsentInput, EpochMillis, FieldEdit, NewCheck,
    NewRequest, PersonField, PersonFields, PersonId, Role,
};
use serde::Deserialize;
use sqlx::{Any, Transaction};
use uuid::Uuid;

/// Who may push: partner staff work on referred requests and record no checks.
const PUSHERS: &[Role] = &[Role::Volunteer, Role::Commissioner, Role::Coordinator, Role::Admin];
/// Who may change person fields from a device. Volunteers are neighbours, not office holders.
const PERSON_EDITORS: &[Role] = &[Role::Commissioner, Role::Coordinator, Role::Admin];
/// A device clock this close to the server's is taken as right (network delay, not skew).
const CLOCK_TOLERANCE_MS: i64 = 60_000;

/// The push body as it arrives: each mutation is read on its own, so one malformed record is
/// answered on its own and the rest of the batch still goes through.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPush {
    mutations: Vec<serde_json::Value>,
    #[serde(default)]
    sent_at: Option<EpochMillis>,
}

fn error_body(code: &str, message: &str, message_ja: &str) -> ApiErrorBody {
    ApiErrorBody { code: code.into(), message: message.into(), message_ja: message_ja.into() }
}

/// The id a mutation claims, if it can be read at all (to answer a malformed one by id).
fn claimed_id(raw: &serde_json::Value) -> Option<Uuid> {
    let id = raw
        .get("id")
        .or_else(|| raw.get("check").and_then(|c| c.get("id")))
        .or_else(|| raw.get("request").and_then(|c| c.get("id")))?;
    id.as_str()?.parse().ok()
}

/// Applies a batch of device changes in one transaction. Each mutation gets its own answer;
/// a refused one writes nothing and does not stop the others.
pub async fn push(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<RawPush>,
) -> Result<Json<PushResponse>, ApiError> {
    let session = auth.allow(PUSHERS)?;
    if req.mutations.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BadRequest {
            code: "batch_too_large",
            detail: format!("at most {MAX_PUSH_BATCH} mutations per push"),
            message_ja: "一度に送れる件数を超えています。",
        });
    }
    let now = now_millis();
    // How far the device clock is off, judged from when it says it sent this push. Saturating:
    // a `sent_at` of i64::MIN must not overflow.
    let skew = req
        .sent_at
        .map(|sent| now.saturating_sub(sent))
        .filter(|d| d.unsigned_abs() > CLOCK_TOLERANCE_MS as u64)
        .unwrap_or(0);
    let mut tx = state.storage.begin_write().await?;
    let mut results = Vec::with_capacity(req.mutations.len());
    let half = req.mutations.len() / 2;
    for (index, raw) in req.mutations.into_iter().enumerate() {
        let claimed = claimed_id(&raw);
        // A note that is too long is the one bad value a user can type: say so in their words.
        if let (Some(id), Some(Err(e))) =
            (claimed, raw.pointer("/check/note").and_then(|n| n.as_str()).map(CheckNote::parse))
        {
            results.push(MutationResult::Rejected { id, error: error_body(e.code, &e.detail, e.message_ja) });
            continue;
        }
        let mutation = match serde_json::from_value::<Mutation>(raw) {
            Ok(m) => m,
            Err(e) => {
                let error = error_body("malformed_mutation", &e.to_string(), "記録の形式が正しくありません。");
                results.push(match claimed {
                    Some(id) => MutationResult::Rejected { id, error },
                    None => MutationResult::Malformed { index, error },
                });
                continue;
            }
        };
        let result = match mutation {
            Mutation::CreateCheck { check } => create_check(&state, &mut tx, &session, check, skew, now).await?,
            Mutation::EditPerson { id, person_id, edits } => {
                edit_person(&state, &mut tx, &session, id, person_id, edits, now).await?
            }
            Mutation::RaiseRequest { request } => raise_request(&state, &mut tx, &session, request, now).await?,
            Mutation::RecordConsent { id, person_id, consent } => {
                record_consent(&state, &mut tx, &session, id, person_id, consent, now).await?
            }
            Mutation::RegisterPerson { id, person_id, person, consent } => {
                register_person(&state, &mut tx, &session, id, person_id, person, consent, now).await?
            }
            Mutation::SubmitActivityReport { id, report } => {
                submit_activity_report(&state, &mut tx, &session, id, report, now).await?
            }
        };
        results.push(result);
        if index + 1 == half {
            fault_pause_mid_batch().await;
        }
    }
    tx.commit().await.map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(Json(PushResponse { results }))
}

/// Fault injection for the crash test (`server/tests/crash.rs`): with `MIMAMORI_FAULT_PAUSE_MID_PUSH_MS`
/// set, a push stops halfway through its batch, inside its transaction, so the test can kill the
/// process there. Unset (always, outside that test) it does nothing.
async fn fault_pause_mid_batch() {
    static PAUSE: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let pause = *PAUSE.get_or_init(|| std::env::var("MIMAMORI_FAULT_PAUSE_MID_PUSH_MS").ok()?.parse().ok());
    if let Some(ms) = pause {
        tracing::warn!("fault injection: pausing {ms} ms in the middle of a push");
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

fn person_not_found(id: Uuid) -> MutationResult {
    MutationResult::Rejected {
        id,
        error: error_body(
            "person_not_found",
            "no such person",
            "この方の記録は保存できません（担当から外れた可能性があります）。",
        ),
    }
}

async fn create_check(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    mut check: NewCheck,
    skew: i64,
    now: EpochMillis,
) -> Result<MutationResult, ApiError> {
    let id = check.id.0;
    let device_time = check.recorded_at;
    // The server's clock, not the device's, decides when it happened; never after it arrived.
    check.recorded_at = device_time.saturating_add(skew).min(now);
    // A 気になる names what was seen (a chip or the note), as the form asks.
    let checked = check
        .validate_time(now)
        .and_then(|()| needs_fit(check.kind, &check.needs))
        .and_then(|()| concern_is_named(check.outcome, &check.concerns, check.note.as_ref()));
    if let Err(e) = checked {
        return Ok(MutationResult::Rejected { id, error: error_body(e.code, &e.detail, e.message_ja) });
    }
    // A retry of something stored is a duplicate, even if the person has left scope since.
    match state.storage.check_author(&mut **tx, &check.id).await? {
        Some(author) if author == session.user.id.0 => return Ok(MutationResult::Duplicate { id }),
        Some(_) => {
            return Ok(MutationResult::Rejected {
                id,
                error: error_body("id_conflict", "check id already used", "記録の番号が重複しています。"),
            })
        }
        None => {}
    }
    // Out of scope answers exactly as a person that does not exist.
    if !state.storage.person_visible(&mut **tx, &session.user, &check.person_id).await? {
        return Ok(person_not_found(id));
    }
    let outcome =
        state.storage.insert_check(tx, &check, device_time, &session.user.id, &session.device_id, now).await?;
    if outcome == InsertOutcome::Applied {
        let actor = Actor { user: &session.user, device_id: &session.device_id };
        let detail = check.outcome.as_str();
        state.storage.audit(&mut **tx, actor, AuditAction::CheckCreate, Some(&check.person_id), detail, now).await?;
    }
    Ok(match outcome {
        InsertOutcome::Applied => MutationResult::Applied { id },
        InsertOutcome::Duplicate => MutationResult::Duplicate { id },
        InsertOutcome::IdTaken => MutationResult::Rejected {
            id,
            error: error_body("id_conflict", "check id already used", "記録の番号が重複しています。"),
        },
    })
}

async fn edit_person(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    id: Uuid,
    person: PersonId,
    edits: Vec<FieldEdit>,
    now: EpochMillis,
) -> Result<MutationResult, ApiError> {
    let rejected = |code: &str, message: &str, message_ja: &str| MutationResult::Rejected {
        id,
        error: error_body(code, message, message_ja),
    };
    if let Some(seen) = seen_before(state, tx, session, id).await? {
        return Ok(seen);
    }
    if !PERSON_EDITORS.contains(&session.user.role) {
        return Ok(rejected("forbidden", "this role may not edit persons", "この方の情報を変更する権限がありません。"));
    }
    let mut fields: Vec<PersonField> = edits.iter().map(|e| e.change.field()).collect();
    fields.sort();
    fields.dedup();
    if edits.is_empty() || fields.len() != edits.len() {
        return Ok(rejected("invalid_edit", "one edit per field, at least one", "変更内容が正しくありません。"));
    }
    let mut checked = Vec::with_capacity(edits.len());
    for edit in edits {
        match edit.change.validate() {
            Ok(change) => checked.push(FieldEdit { base: edit.base, change }),
            Err(e) => return Ok(rejected(e.code, &e.detail, e.message_ja)),
        }
    }
    if !state.storage.person_visible(&mut **tx, &session.user, &person).await? {
        return Ok(person_not_found(id));
    }
    let writer = Writer { user: &session.user.id.0, device: &session.device_id };
    let outcome = state.storage.apply_person_edit(tx, id, &person, &checked, writer, now).await?;
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    let names = |fs: &[PersonField]| fs.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",");
    Ok(match outcome {
        EditOutcome::Applied => {
            let detail = names(&fields);
            state.storage.audit(&mut **tx, actor, AuditAction::PersonUpdate, Some(&person), &detail, now).await?;
            MutationResult::Applied { id }
        }
        EditOutcome::Conflict(conflicted) => {
            // The fields of the same edit that did not conflict were written: log them too.
            let written: Vec<PersonField> = fields.iter().copied().filter(|f| !conflicted.contains(f)).collect();
            if !written.is_empty() {
                let detail = names(&written);
                state.storage.audit(&mut **tx, actor, AuditAction::PersonUpdate, Some(&person), &detail, now).await?;
            }
            let detail = names(&conflicted);
            state.storage.audit(&mut **tx, actor, AuditAction::ConflictOpen, Some(&person), &detail, now).await?;
            MutationResult::Conflict { id, fields: conflicted }
        }
        EditOutcome::Duplicate => MutationResult::Duplicate { id },
        EditOutcome::IdTaken => rejected("id_conflict", "mutation id already used", "記録の番号が重複しています。"),
    })
}

fn rejected(id: Uuid, e: mimamori_core::domain::ValidationError) -> MutationResult {
    MutationResult::Rejected { id, error: error_body(e.code, &e.detail, e.message_ja) }
}

/// A mutation id seen before: the same user's retry is a duplicate, anyone else's is refused.
async fn seen_before(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    id: Uuid,
) -> Result<Option<MutationResult>, ApiError> {
    Ok(match state.storage.mutation_owner(&mut **tx, id).await? {
        Some(owner) if owner == session.user.id.0 => Some(MutationResult::Duplicate { id }),
        Some(_) => Some(MutationResult::Rejected {
            id,
            error: error_body("id_conflict", "mutation id already used", "記録の番号が重複しています。"),
        }),
        None => None,
    })
}

/// A 相談・依頼 from a field device. One that asks for a partner is refused (with the reason the
/// user can act on) when the person's consent does not allow sharing with partners.
async fn raise_request(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    request: NewRequest,
    now: EpochMillis,
) -> Result<MutationResult, ApiError> {
    let id = request.id;
    if let Some(author) = state.storage.request_author(&mut **tx, &id.to_string()).await? {
        return Ok(if author == session.user.id.0 {
            MutationResult::Duplicate { id }
        } else {
            MutationResult::Rejected {
                id,
                error: error_body("id_conflict", "request id already used", "記録の番号が重複しています。"),
            }
        });
    }
    let request = match request.validate() {
        Ok(r) => r,
        Err(e) => return Ok(rejected(id, e)),
    };
    if !state.storage.person_visible(&mut **tx, &session.user, &request.person_id).await? {
        return Ok(person_not_found(id));
    }
    if request.to_partner {
        let shares = state.storage.shares_with_partners(&mut **tx, &request.person_id).await?;
        if let Err(e) = partner_referral_allowed(shares) {
            return Ok(rejected(id, e));
        }
    }
    let writer = Writer { user: &session.user.id.0, device: &session.device_id };
    let outcome = state.storage.insert_request(tx, &request, writer, now).await?;
    Ok(match outcome {
        InsertOutcome::Applied => {
            let actor = Actor { user: &session.user, device_id: &session.device_id };
            let detail = request.need.as_str();
            let person = Some(&request.person_id);
            state.storage.audit(&mut **tx, actor, AuditAction::RequestCreate, person, detail, now).await?;
            MutationResult::Applied { id }
        }
        InsertOutcome::Duplicate => MutationResult::Duplicate { id },
        InsertOutcome::IdTaken => MutationResult::Rejected {
            id,
            error: error_body("id_conflict", "request id already used", "記録の番号が重複しています。"),
        },
    })
}

/// A consent obtained in the field by a 民生委員 (or a coordinator on a visit).
async fn record_consent(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    id: Uuid,
    person: PersonId,
    consent: ConsentInput,
    now: EpochMillis,
) -> Result<MutationResult, ApiError> {
    if let Some(seen) = seen_before(state, tx, session, id).await? {
        return Ok(seen);
    }
    if !PERSON_EDITORS.contains(&session.user.role) {
        return Ok(MutationResult::Rejected {
            id,
            error: error_body("forbidden", "this role may not record consent", "同意を記録する権限がありません。"),
        });
    }
    if let Err(e) = consent.validate(&crate::time::today_jst(now)) {
        return Ok(rejected(id, e));
    }
    if !state.storage.person_visible(&mut **tx, &session.user, &person).await? {
        return Ok(person_not_found(id));
    }
    let writer = Writer { user: &session.user.id.0, device: &session.device_id };
    state.storage.claim_mutation(tx, id, writer, now).await?;
    state.storage.insert_consent(tx, &person, &consent, &session.user.id, now).await?;
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    let scopes = consent.scopes.as_text();
    state.storage.audit(&mut **tx, actor, AuditAction::ConsentRecord, Some(&person), &scopes, now).await?;
    Ok(MutationResult::Applied { id })
}

/// A 民生委員's monthly 活動記録. Only 民生委員 keep one.
async fn submit_activity_report(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    id: Uuid,
    report: mimamori_core::domain::ActivityReport,
    now: EpochMillis,
) -> Result<MutationResult, ApiError> {
    if let Some(seen) = seen_before(state, tx, session, id).await? {
        return Ok(seen);
    }
    if session.user.role != Role::Commissioner {
        return Ok(MutationResult::Rejected {
            id,
            error: error_body(
                "forbidden",
                "only commissioners keep an activity record",
                "活動記録は民生委員が提出します。",
            ),
        });
    }
    let report = match report.validate() {
        Ok(r) => r,
        Err(e) => return Ok(rejected(id, e)),
    };
    let writer = Writer { user: &session.user.id.0, device: &session.device_id };
    state.storage.claim_mutation(tx, id, writer, now).await?;
    state.storage.put_activity_report(tx, &report, writer, now).await?;
    Ok(MutationResult::Applied { id })
}

/// A 気になる方 registered on a 民生委員's phone, in one of their own small areas, with consent.
#[allow(clippy::too_many_arguments)]
async fn register_person(
    state: &AppState,
    tx: &mut Transaction<'static, Any>,
    session: &Session,
    id: Uuid,
    person_id: PersonId,
    fields: PersonFields,
    consent: ConsentInput,
    now: EpochMillis,
) -> Result<MutationResult, ApiError> {
    if let Some(seen) = seen_before(state, tx, session, id).await? {
        return Ok(seen);
    }
    if !PERSON_EDITORS.contains(&session.user.role) {
        return Ok(MutationResult::Rejected {
            id,
            error: error_body("forbidden", "this role may not register persons", "この方を登録する権限がありません。"),
        });
    }
    // A person id made on a phone is `p-` and a UUID's 32 hex digits. Any other id, and an id
    // that exists outside the user's scope, answers exactly alike: registering cannot be used to
    // learn which ids exist.
    let refused_id = || MutationResult::Rejected {
        id,
        error: error_body("invalid_id", "malformed person id", "番号の形式が正しくありません。"),
    };
    let well_formed =
        person_id.0.strip_prefix("p-").is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    if PersonId::parse(&person_id.0).is_none() || !well_formed {
        return Ok(refused_id());
    }
    let fields = match fields.validate() {
        Ok(f) => f,
        Err(e) => return Ok(rejected(id, e)),
    };
    if let Err(e) = consent.validate(&crate::time::today_jst(now)) {
        return Ok(rejected(id, e));
    }
    if !state.storage.small_area_in_scope(&mut **tx, &session.user, &fields.small_area_id).await? {
        return Ok(MutationResult::Rejected {
            id,
            error: error_body("small_area_not_found", "no such small area", "小地域を選んでください。"),
        });
    }
    if state.storage.person_exists(&mut **tx, &person_id).await? {
        return Ok(if state.storage.person_in_scope(&mut **tx, &session.user, &person_id).await? {
            MutationResult::Rejected {
                id,
                error: error_body("id_conflict", "person id already used", "記録の番号が重複しています。"),
            }
        } else {
            refused_id()
        });
    }
    let writer = Writer { user: &session.user.id.0, device: &session.device_id };
    state.storage.claim_mutation(tx, id, writer, now).await?;
    state.storage.insert_person(tx, &person_id, &fields, writer, now).await?;
    state.storage.insert_consent(tx, &person_id, &consent, &session.user.id, now).await?;
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit(&mut **tx, actor, AuditAction::PersonCreate, Some(&person_id), "", now).await?;
    let scopes = consent.scopes.as_text();
    state.storage.audit(&mut **tx, actor, AuditAction::ConsentRecord, Some(&person_id), &scopes, now).await?;
    Ok(MutationResult::Applied { id })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    #[serde(default)]
    cursor: i64,
}

/// The scope manifest and one page of checks after the cursor.
pub async fn pull(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    if q.cursor < 0 {
        return Err(ApiError::BadRequest {
            code: "invalid_cursor",
            detail: "cursor must not be negative".into(),
            message_ja: "送信内容が正しくありません。",
        });
    }
    let now = now_millis();
    let scope = state.storage.scope_manifest(&session.user).await?;
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit_sync_reads(actor, &scope, now).await?;
    let (checks, cursor, more) = state.storage.checks_since(&session.user, q.cursor, PULL_PAGE).await?;
    let requests = state.storage.field_requests(&session.user).await?;
    let areas = state.storage.registrable_areas(&session.user).await?;
    let new_devices = state.storage.devices_enrolled_since(&session.user.id, session.device_created_at).await?;
    Ok(Json(PullResponse { scope, checks, cursor, more, server_time: now, requests, areas, new_devices }))
}

/// Full records of persons the manifest named and the device lacks (or holds an older copy of).
pub async fn fetch_persons(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    ApiJson(req): ApiJson<FetchPersonsRequest>,
) -> Result<Json<FetchPersonsResponse>, ApiError> {
    if req.ids.len() > MAX_FETCH_PERSONS {
        return Err(ApiError::BadRequest {
            code: "batch_too_large",
            detail: format!("at most {MAX_FETCH_PERSONS} persons per request"),
            message_ja: "一度に取得できる件数を超えています。",
        });
    }
    if req.ids.iter().any(|id| PersonId::parse(&id.0).is_none()) || req.history_upto.is_some_and(|c| c < 0) {
        return Err(ApiError::invalid_id());
    }
    let persons = state.storage.device_persons(&session.user, &req.ids).await?;
    // What a device was sent is what it holds: logged like a pull's, once a day per device and
    // person, so even a device that fetches without ever pulling leaves its trail.
    let sent: Vec<&PersonId> = persons.iter().map(|p| &p.id).collect();
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit_reads(actor, AuditAction::SyncRead, &sent, now_millis()).await?;
    let checks = match req.history_upto {
        Some(upto) if !persons.is_empty() => {
            let ids: Vec<PersonId> = persons.iter().map(|p| p.id.clone()).collect();
            state.storage.checks_of(&session.user, &ids, upto).await?
        }
        _ => Vec::new(),
    };
    Ok(Json(FetchPersonsResponse { persons, checks }))
}
