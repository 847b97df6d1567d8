//! 活動記録 as submitted, for the coordinator who compiles them for the municipality.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::policy;
use crate::startup::AppState;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::admin::ActivitySummary;
use mimamori_core::domain::Month;
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
