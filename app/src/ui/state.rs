//! The device's state as the screens see it: the client's signals, and the views the screens
//! derive from them in words (refused changes with their reasons).

use super::i18n;
use crate::api::Mutation;
use crate::domain::{Month, PersonId};
use leptos::prelude::*;
use rust_i18n::t;

pub use crate::client::state::{use_app_state, AppState, LockScreen, Notice, SessionState, SyncPhase, SyncStatus};

/// A change to a person the server refused, shown on that person's page with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedChange {
    pub person_id: PersonId,
    /// The fields it would have changed, in words.
    pub what: String,
    pub reason: String,
}

/// The refused changes to persons, in the user's language (tracks the state and the language).
pub fn refused_changes(state: AppState) -> Vec<RefusedChange> {
    state.refused.with(|edits| {
        edits
            .iter()
            .filter_map(|r| {
                let (person_id, what) = match &r.mutation {
                    Mutation::EditPerson { person_id, edits, .. } => (
                        person_id.clone(),
                        edits
                            .iter()
                            .map(|e| t!("refused.field", field = i18n::label(e.change.field())).into_owned())
                            .collect(),
                    ),
                    Mutation::RaiseRequest { request } => (
                        request.person_id.clone(),
                        t!("refused.request", need = i18n::label(request.need)).into_owned(),
                    ),
                    Mutation::RecordConsent { person_id, .. } => {
                        (person_id.clone(), t!("refused.consent").into_owned())
                    }
                    Mutation::RegisterPerson { person_id, person, .. } => {
                        (person_id.clone(), t!("refused.register", name = person.name).into_owned())
                    }
                    Mutation::UpdateCase { person_id, .. } => (person_id.clone(), t!("refused.case").into_owned()),
                    Mutation::ConfirmSafety { confirmation } => (
                        confirmation.person_id.clone(),
                        t!("refused.safety", status = i18n::label(confirmation.status)).into_owned(),
                    ),
                    Mutation::CreateCheck { .. }
                    | Mutation::SubmitActivityReport { .. }
                    | Mutation::ReportSelf { .. } => return None,
                };
                Some(RefusedChange { person_id, what, reason: i18n::refusal(r.code, &r.reason) })
            })
            .collect()
    })
}

/// Why a month's 活動記録 was refused, in the user's language, if it was.
pub fn refused_report(state: AppState, month: &Month) -> Option<String> {
    state.refused.with(|edits| {
        edits.iter().find_map(|r| match &r.mutation {
            Mutation::SubmitActivityReport { report, .. } if &report.month == month => {
                Some(i18n::refusal(r.code, &r.reason))
            }
            _ => None,
        })
    })
}
