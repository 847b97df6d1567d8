//! 活動記録 as submitted, for the coordinator who compiles them for the municipality: on screen per
//! 民生委員, and as a file rolled up per 地区民児協 in the national format (names no one; every
//! download is in the audit log with what it contained).

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::export::{Cell, Format, Table};
use crate::extract::ApiQuery;
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction};
use crate::time::now_millis;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use mimamori_core::api::admin::{activity_by_district, ActivitySummary, DistrictActivity};
use mimamori_core::domain::{Month, OtherActivity, SupportContent, SupportField};
use mimamori_core::words::Label;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// Parsed as a submitted record's month is: `?month=11` is `invalid_month`.
    month: Month,
}

/// The month's records from the 民生委員 the asker manages (figures only: no person is named).
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<Vec<ActivitySummary>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    Ok(Json(state.storage.activity_reports(&session.user, &session.municipality_id, &q.month).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    month: Month,
    format: String,
}

/// The month rolled up per 地区民児協 and for the whole, one row each, as CSV or Excel.
pub async fn export(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let format = Format::parse(&q.format)?;
    let list = state.storage.activity_reports(&session.user, &session.municipality_id, &q.month).await?;
    let table = rollup_table(&q.month, &list);
    let detail = format!(
        "activity {} {}: {} records, {} rows by district, no names",
        q.month,
        format.extension(),
        list.len(),
        table.rows.len()
    );
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit(state.storage.for_writes(), actor, AuditAction::Export, None, &detail, now_millis()).await?;
    table.into_file(format, &format!("mimamori-activity-{}", q.month))
}

/// The national format's columns, in its order: 相談・支援件数 (計, by 分野, by 内容), その他の活動件数
/// (計, by kind), 訪問回数, 連絡調整回数, 活動日数.
pub fn rollup_table(month: &Month, list: &[ActivitySummary]) -> Table {
    let mut headers: Vec<String> =
        ["地区民児協", "提出した民生委員（人）", "相談・支援件数 計"].map(String::from).into();
    headers.extend(SupportField::ALL.iter().map(|f| format!("分野：{}", f.label_ja())));
    headers.extend(SupportContent::ALL.iter().map(|c| format!("内容：{}", c.label_ja())));
    headers.push("その他の活動件数 計".into());
    headers.extend(OtherActivity::ALL.iter().map(|a| a.label_ja().to_owned()));
    headers.extend(["訪問回数", "連絡調整回数", "活動日数"].map(String::from));
    let row = |name: String, d: &DistrictActivity| {
        let f = &d.figures;
        let mut cells: Vec<Cell> = vec![name.into(), d.records.into(), f.consultations().into()];
        cells.extend(SupportField::ALL.iter().map(|k| Cell::from(f.by_field.get(*k))));
        cells.extend(SupportContent::ALL.iter().map(|k| Cell::from(f.by_content.get(*k))));
        cells.push(f.other_activities.total().into());
        cells.extend(OtherActivity::ALL.iter().map(|k| Cell::from(f.other_activities.get(*k))));
        cells.extend([f.visits, f.liaison, f.days_active].map(Cell::from));
        cells
    };
    let rows = match activity_by_district(month, list) {
        None => Vec::new(),
        Some((districts, whole)) => districts
            .iter()
            .map(|d| row(d.district.clone().unwrap_or_else(|| "（担当区域なし）".into()), d))
            .chain([row("合計".into(), &whole)])
            .collect(),
    };
    Table { sheet: month.to_string(), headers, rows }
}
