//! Push (device → server), pull (server → device) and fetching persons a device lacks.

use crate::apply::{apply, Skew};
use crate::auth::Authenticated;
use crate::error::{code_in, ApiError};
use crate::extract::{ApiJson, ApiQuery};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, GivenMark, WriteTx};
use crate::time::now_millis;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::{
    FetchPersonsRequest, FetchPersonsResponse, Mutation, MutationResult, PullResponse, PushResponse, MAX_FETCH_PERSONS,
    MAX_PUSH_BATCH, PULL_PAGE,
};
use mimamori_core::domain::{CheckNote, EpochMillis, PersonId};
use mimamori_core::error::ErrorCode;
use serde::Deserialize;
use uuid::Uuid;

/// The push body as it arrives: each mutation is read on its own, so one malformed record is
/// answered on its own and the rest of the batch still goes through.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPush {
    mutations: Vec<serde_json::Value>,
    #[serde(default)]
    sent_at: Option<EpochMillis>,
}

/// The id a mutation claims, if it can be read at all (to answer a malformed one by id).
fn claimed_id(raw: &serde_json::Value) -> Option<Uuid> {
    let id = raw
        .get("id")
        .or_else(|| raw.get("check").and_then(|c| c.get("id")))
        .or_else(|| raw.get("request").and_then(|c| c.get("id")))
        .or_else(|| raw.get("confirmation").and_then(|c| c.get("id")))?;
    id.as_str()?.parse().ok()
}

/// Reads one mutation of a push; one that cannot be read is answered on its own.
fn read_mutation(index: usize, raw: serde_json::Value) -> Result<Mutation, MutationResult> {
    let claimed = claimed_id(&raw);
    // A note that is too long is the one bad value a user can type: say so in their words.
    if let (Some(id), Some(Err(e))) =
        (claimed, raw.pointer("/check/note").and_then(|n| n.as_str()).map(CheckNote::parse))
    {
        return Err(MutationResult::Rejected { id, error: ApiError::from(e).body() });
    }
    serde_json::from_value::<Mutation>(raw).map_err(|e| {
        let detail = e.to_string();
        let error = ApiError::bad(code_in(&detail).unwrap_or(ErrorCode::MalformedMutation), detail).body();
        match claimed {
            Some(id) => MutationResult::Rejected { id, error },
            None => MutationResult::Malformed { index, error },
        }
    })
}

/// Applies a batch of device changes in one transaction, each through [`apply`]. Each gets its
/// own answer; a refused one writes nothing and does not stop the others.
pub async fn push(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<RawPush>,
) -> Result<Json<PushResponse>, ApiError> {
    let session = auth.allow(policy::WATCHERS)?;
    if req.mutations.len() > MAX_PUSH_BATCH {
        return Err(ApiError::BadRequest {
            code: ErrorCode::PushTooLarge,
            detail: format!("at most {MAX_PUSH_BATCH} mutations per push"),
        });
    }
    let now = now_millis();
    let skew = Skew::of_push(req.sent_at, now);
    // Behind the pushes before this one, not ahead of the office's writes (`Storage::push_turn`).
    let _turn = state.storage.push_turn().await?;
    let mut write = WriteTx::begin(&state.storage, &session, now).await?;
    let mut results = Vec::with_capacity(req.mutations.len());
    let half = req.mutations.len() / 2;
    for (index, raw) in req.mutations.into_iter().enumerate() {
        let result = match read_mutation(index, raw) {
            Ok(mutation) => {
                let id = mutation.id();
                apply(&mut write, mutation, skew).await?.into_result(id)
            }
            Err(unread) => unread,
        };
        results.push(result);
        if index + 1 == half {
            fault_pause_mid_batch().await;
        }
    }
    write.commit().await?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    #[serde(default)]
    cursor: i64,
    /// The mark the device was given by its last wholly applied pull (`PullResponse::mark`).
    #[serde(default)]
    mark: Option<i64>,
}

/// The scope manifest and one page of checks after the cursor; only the page when nothing else
/// changed since the device's last whole pull (`storage::marks`).
pub async fn pull(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    if q.cursor < 0 {
        return Err(ApiError::BadRequest {
            code: ErrorCode::InvalidCursor,
            detail: "cursor must not be negative".into(),
        });
    }
    let now = now_millis();
    let storage = &state.storage;
    // Never every connection: some stay for the office (`Storage::sync_lane`).
    let _lane = storage.sync_lane().await?;
    // The pull's reads in a row on one connection (see `Storage::connection`).
    let mut conn = storage.connection().await?;
    // Before any of the data it stands for (see `storage::marks`).
    let mark = storage.pull_mark(&mut conn, &session.user, &session.municipality_id).await?;
    let unchanged = session.pull_mark.is_some_and(|given| given.still_holds(q.mark, mark, now));
    let (checks, cursor, more) = storage.checks_since(&mut conn, &session.user, q.cursor, PULL_PAGE).await?;
    let new_devices = if session.newer_devices {
        storage.devices_enrolled_since(&mut conn, &session.user.id, session.device_created_at).await?
    } else {
        Vec::new()
    };
    let mut page = PullResponse {
        scope: Vec::new(),
        checks,
        cursor,
        more,
        server_time: now,
        requests: Vec::new(),
        areas: Vec::new(),
        new_devices,
        cases: Vec::new(),
        events: Vec::new(),
        mark,
        unchanged,
    };
    if unchanged {
        return Ok(Json(page));
    }
    page.scope = storage.scope_manifest(&mut conn, &session.user).await?;
    page.requests = storage.field_requests(&mut conn, &session.user).await?;
    page.areas = storage.registrable_areas(&mut conn, &session.user).await?;
    page.cases = storage.field_cases(&mut conn, &session.user, now).await?;
    page.events = storage.field_events(&mut conn, &session.user, &session.municipality_id).await?;
    // Logged before anything is sent, with the reads' connection given back first (see
    // `Storage::audit_sync_reads`).
    drop(conn);
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    let audited = storage.audit_sync_reads(actor, &page.scope, now).await?;
    if let Some(mark) = mark {
        let given = GivenMark { mark, at: audited };
        if session.pull_mark != Some(given) {
            storage.remember_pull_mark(&session.device_id, given).await?;
        }
    }
    Ok(Json(page))
}

/// Full records of persons the manifest named and the device lacks (or holds an older copy of).
pub async fn fetch_persons(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    ApiJson(req): ApiJson<FetchPersonsRequest>,
) -> Result<Json<FetchPersonsResponse>, ApiError> {
    if req.ids.len() > MAX_FETCH_PERSONS {
        return Err(ApiError::BadRequest {
            code: ErrorCode::FetchTooLarge,
            detail: format!("at most {MAX_FETCH_PERSONS} persons per request"),
        });
    }
    if req.history_upto.is_some_and(|c| c < 0) {
        return Err(ApiError::invalid_id());
    }
    let _lane = state.storage.sync_lane().await?;
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
