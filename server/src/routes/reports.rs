//! 集計: the office's report by area and month, on screen and as a file (CSV or Excel). A report
//! names no one; every download is in the audit log with what it contained.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::export::{Cell, Format, Table};
use crate::extract::ApiQuery;
use crate::policy;
use crate::startup::AppState;
use crate::storage::{Actor, AuditAction, ReportArea};
use crate::time::now_millis;
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use mimamori_core::api::reports::{MonthFigures, Period, Report};
use mimamori_core::domain::{CheckOutcome, Concern, Need};
use mimamori_core::error::ErrorCode;
use mimamori_core::words::Label;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    from: String,
    to: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    area: String,
    /// Downloads only: `csv` or `xlsx`.
    #[serde(default)]
    format: Option<String>,
}

/// The period and area asked for, checked: a malformed month or a period over 24 months is a 400
/// `invalid_month` / `invalid_period`; an area that does not exist or is not the user's, a 400
/// `area_not_found` (the same answer for both).
async fn checked(
    state: &AppState,
    session: &crate::storage::Session,
    q: &ReportQuery,
) -> Result<(Period, ReportArea, String), ApiError> {
    let period = Period::parse(&q.from, &q.to)?;
    let area = ReportArea { district: q.district.clone(), small_area: q.area.clone() };
    let name = state
        .storage
        .report_area_name(&session.user, &area)
        .await?
        .ok_or_else(|| ApiError::bad(ErrorCode::AreaNotFound, "no such district or small area among yours"))?;
    Ok((period, area, name))
}

pub async fn view(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<Report>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let (period, area, name) = checked(&state, &session, &q).await?;
    Ok(Json(state.storage.report(&session.user, &period, &area, name).await?))
}

/// The report as a file: one row a month and a total row.
pub async fn export(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Response, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    let format = Format::parse(q.format.as_deref().unwrap_or(""))?;
    let (period, area, name) = checked(&state, &session, &q).await?;
    let report = state.storage.report(&session.user, &period, &area, name).await?;
    let table = report_table(&report);
    let detail = format!(
        "report {}..{} {} {}: {} rows, {} persons, no names",
        report.from,
        report.to,
        report.area,
        format.extension(),
        table.rows.len(),
        report.persons
    );
    let actor = Actor { user: &session.user, device_id: &session.device_id };
    state.storage.audit(state.storage.for_writes(), actor, AuditAction::Export, None, &detail, now_millis()).await?;
    table.into_file(format, &format!("mimamori-report-{}-{}", report.from, report.to))
}

/// The columns of the report's file, in order.
pub fn report_table(r: &Report) -> Table {
    let mut headers: Vec<String> = ["月", "見守りの記録"].into_iter().map(String::from).collect();
    headers.extend(CheckOutcome::ALL.iter().map(|o| o.label_ja().to_owned()));
    headers.extend(
        [
            "記録のあった方（人）",
            "目安どおり見守れた方（人）",
            "見守れた割合（%）",
            "依頼",
            "要対応 開始",
            "要対応 終了",
            "確認までの時間（中央値・分）",
            "活動記録の提出",
        ]
        .into_iter()
        .map(String::from),
    );
    headers.extend(Concern::ALL.iter().map(|c| format!("気になる：{}", c.label_ja())));
    headers.extend(Need::ALL.iter().map(|n| format!("依頼：{}", n.label_ja())));
    let row = |label: String, f: &MonthFigures| {
        let mut cells: Vec<Cell> = vec![label.into(), f.checks.total().into()];
        cells.extend(CheckOutcome::ALL.iter().map(|o| Cell::from(f.checks.get(*o))));
        let share = (f.persons_checked > 0)
            .then(|| Cell::Number((f64::from(f.covered) * 1000.0 / f64::from(f.persons_checked)).round() / 10.0));
        cells.extend([
            f.persons_checked.into(),
            f.covered.into(),
            share.unwrap_or(Cell::Empty),
            f.requests.iter().map(|(_, n)| n).sum::<u32>().into(),
            f.cases_opened.into(),
            f.cases_closed.into(),
            f.median_ack_minutes.into(),
            f.activity_reports.into(),
        ]);
        let of = |list: &[(Concern, u32)], c: Concern| list.iter().find(|(k, _)| *k == c).map_or(0, |(_, n)| *n);
        cells.extend(Concern::ALL.iter().map(|c| Cell::from(of(&f.concerns, *c))));
        let need = |n: Need| f.requests.iter().find(|(k, _)| *k == n).map_or(0, |(_, v)| *v);
        cells.extend(Need::ALL.iter().map(|n| Cell::from(need(*n))));
        cells
    };
    let mut rows: Vec<Vec<Cell>> = r.months.iter().map(|f| row(f.month.clone(), f)).collect();
    rows.push(row("合計".to_owned(), &r.totals));
    Table { sheet: "月別".into(), headers, rows }
}
