//! 活動記録 as submitted, for the coordinator who compiles them for the municipality.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::policy;
use crate::startup::AppState;
use axum::extract::State;
use axum::Json;
use mimamori_core::api::admin::ActivitySummary;
use mimamori_core::domain::{ActivityReport, BySubject, Liaison};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    month: String,
}

/// The month's records from the 民生委員 the asker manages (figures only: no person is named).
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> Result<Json<Vec<ActivitySummary>>, ApiError> {
    let session = auth.allow(policy::OFFICE)?;
    // The same rule as a submitted record's month.
    let probe = ActivityReport {
        month: q.month,
        visits: 0,
        phone_calls: 0,
        other_contacts: 0,
        consultations: BySubject::default(),
        contents: Vec::new(),
        liaison: Liaison::default(),
        days_active: 0,
        note: String::new(),
    };
    let month = probe.validate()?.month;
    Ok(Json(state.storage.activity_reports(&session.user, &session.municipality_id, &month).await?))
}
