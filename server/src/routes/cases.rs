//! 要対応: the office's queue of follow-up cases, one case's timeline, 確認しました, and changes.
//! Cases are opened by signals in [`crate::apply`]; here the office acts on them, within the
//! districts it covers (the scope function decides, as for persons).

use crate::apply::{apply, Skew};
use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::export::{Cell, Columns, Format};
use crate::extract::{ApiJson, ApiQuery, IdPath};
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, Session, WriteTx};
use crate::time::now_millis;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::cases::{CaseDetail, CaseList, CaseSummary};
use mimamori_core::api::Mutation;
use mimamori_core::domain::{CaseUpdate, PersonId};
use mimamori_core::words::Label;
use uuid::Uuid;

fn actor(session: &Session) -> Actor<'_> {
    Actor { user: &session.user, device_id: &session.device_id }
}

/// The queue: open cases, 緊急 first then the oldest, and those closed in the last 30 days.
/// The queue names persons: each is in the audit log once a day per device.
pub async fn list(State(state): State<AppState>, auth: Authenticated) -> Result<Json<CaseList>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let cases = state.storage.visible_cases(&session.user, None).await?;
    let listed: Vec<&PersonId> = cases.iter().map(|c| &c.person_id).collect();
    state.storage.audit_reads(actor(&session), AuditAction::PersonList, &listed, now).await?;
    Ok(Json(CaseList { server_time: now, cases }))
}

/// One case with its timeline (every opening is in the audit log). Out of scope is a 404.
pub async fn detail(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<CaseDetail>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let case = state.storage.case_detail(&session.user, &id, now).await?.ok_or(ApiError::NotFound)?;
    let pool = state.storage.for_writes();
    state.storage.audit(pool, actor(&session), AuditAction::CaseRead, Some(&case.summary.person_id), &id, now).await?;
    Ok(Json(case))
}

/// 確認しました. A second tap, or a case someone else acknowledged a moment ago, changes nothing
/// and answers the case as it stands.
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
) -> Result<Json<CaseDetail>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let current = state.storage.visible_cases(&session.user, Some(&id)).await?.pop().ok_or(ApiError::NotFound)?;
    let mut tx = state.storage.begin_write().await?;
    if state.storage.acknowledge_case(&mut tx, &id, session.user.id.as_str(), now).await? {
        state
            .storage
            .audit(&mut *tx, actor(&session), AuditAction::CaseUpdate, Some(&current.person_id), "ack", now)
            .await?;
    }
    tx.commit().await.map_err(crate::storage::StorageError::from)?;
    let case = state.storage.case_detail(&session.user, &id, now).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(case))
}

/// Changes a case: status, owner, next-action date, a note on the timeline, the word shared with
/// the field. Through [`apply`], the one path every change takes (a 民生委員's from the phone
/// too): a closed case is not reopened (409); an owner who may not own it is a 400.
pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath,
    ApiJson(update): ApiJson<CaseUpdate>,
) -> Result<Json<CaseDetail>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let now = now_millis();
    let current = state.storage.visible_cases(&session.user, Some(&id)).await?.pop().ok_or(ApiError::NotFound)?;
    let mutation =
        Mutation::UpdateCase { id: Uuid::new_v4(), person_id: current.person_id, case_id: id.clone(), update };
    let mut write = WriteTx::begin(&state.storage, &session, now).await?;
    apply(&mut write, mutation, Skew::NONE).await?.refused()?;
    write.commit().await?;
    let case = state.storage.case_detail(&session.user, &id, now).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(case))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    pub(super) format: String,
}

/// Cases read and written to a download at a time.
const EXPORT_BATCH: usize = 1_000;

/// The queue as a file (CSV or Excel): a named list, so coordinators and admins only. Written as
/// it is read, a thousand cases at a time, so a queue of any length (a prefecture's) never sits
/// whole in memory; each thousand's persons are in the audit log as exported before their rows
/// leave, every row naming the download (`cases.csv: download <id>`), and a last row without a
/// person says how many the file held once it is complete.
pub async fn export(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<axum::response::Response, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let format = Format::parse(&q.format)?;
    let now = now_millis();
    let headers = [
        "お名前",
        "地区",
        "小地域",
        "状況",
        "緊急",
        "届いた日時",
        "確認した人",
        "確認した日時",
        "担当",
        "次の対応日",
        "記録の数",
    ];
    let (batches, mut read) = tokio::sync::mpsc::channel(1);
    let reader = {
        let storage = state.storage.clone();
        let user = session.user.clone();
        tokio::spawn(async move { storage.cases_in_batches(&user, EXPORT_BATCH, batches).await })
    };
    // Until the first rows are read and audited nothing has been answered: a failure there (the
    // database away) is a plain JSON error, as anywhere else. Later, it can only cut the file off.
    let detail = format!("cases.{}: download {}", format.extension(), Uuid::new_v4());
    let first = read.recv().await;
    let reader = match first {
        Some(_) => Some(reader),
        None => {
            reader.await.map_err(|e| ApiError::Internal(format!("reading the queue: {e}").into()))??;
            None
        }
    };
    if let Some(cases) = &first {
        let listed: Vec<&PersonId> = cases.iter().map(|c| &c.person_id).collect();
        state.storage.audit_each(actor(&session), AuditAction::Export, &listed, &detail, now).await?;
    }
    let columns = Columns { sheet: "要対応".into(), headers: headers.iter().map(|h| (*h).to_owned()).collect() };
    let (rows, response) = columns.stream(format, &format!("mimamori-cases-{}", crate::time::today_jst(now).as_str()));
    let storage = state.storage.clone();
    tokio::spawn(async move {
        let mut written = 0u64;
        if let Some(cases) = first {
            written += cases.len() as u64;
            if !rows.rows(case_rows(&cases)).await {
                return;
            }
        }
        while let Some(cases) = read.recv().await {
            let listed: Vec<&PersonId> = cases.iter().map(|c| &c.person_id).collect();
            if let Err(e) = storage.audit_each(actor(&session), AuditAction::Export, &listed, &detail, now).await {
                rows.failed(format!("auditing the download: {e}")).await;
                return;
            }
            written += cases.len() as u64;
            if !rows.rows(case_rows(&cases)).await {
                return;
            }
        }
        let read_all = match reader {
            Some(reader) => match reader.await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            None => Ok(()),
        };
        if let Err(e) = read_all {
            rows.failed(format!("reading the queue: {e}")).await;
            return;
        }
        let whole = format!("{detail}, {written} rows");
        match storage.audit(storage.for_writes(), actor(&session), AuditAction::Export, None, &whole, now).await {
            Ok(()) => rows.done().await,
            Err(e) => rows.failed(format!("auditing the download: {e}")).await,
        }
    });
    Ok(response)
}

/// The queue's rows as the download writes them.
fn case_rows(cases: &[CaseSummary]) -> Vec<Vec<Cell>> {
    let at = |ms: i64| crate::time::jst_datetime(ms);
    cases
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.person_name.as_str()),
                c.district.as_str().into(),
                c.small_area.as_str().into(),
                c.status.label_ja().into(),
                if c.urgent { "緊急".into() } else { Cell::Empty },
                at(c.opened_at).into(),
                c.acknowledged_by.clone().into(),
                c.acknowledged_at.map(at).into(),
                c.owner_name().map(str::to_owned).into(),
                c.next_action_on.clone().into(),
                c.signals.into(),
            ]
        })
        .collect()
}
