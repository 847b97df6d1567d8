//! Where the office stands on what the field raised (要対応), on the phone, as of the last sync:
//! seen or not yet, 対応中, 完了, and the office's short word when it shared one. Never the
//! office's own notes: the server does not send them.

use super::state::use_app_state;
use super::time::datetime;
use crate::domain::{CaseStatus, FieldCase};
use leptos::prelude::*;
use rust_i18n::t;

/// The case of this request or check, if the device holds one.
pub fn case_of(signal_id: &str) -> Option<FieldCase> {
    use_app_state().cases.with(|cs| cs.iter().find(|c| c.signals.iter().any(|s| s == signal_id)).cloned())
}

/// One case's standing in a sentence (the class says how urgent the wording is).
fn standing(c: &FieldCase) -> (String, &'static str) {
    match (c.status, c.awaiting, &c.acknowledged_by, c.acknowledged_at) {
        (CaseStatus::Done, ..) => (t!("case.done").into_owned(), "case-done"),
        (CaseStatus::Watching, ..) => (t!("case.watching").into_owned(), "case-done"),
        (CaseStatus::InProgress, ..) => (t!("case.in_progress").into_owned(), "case-in_progress"),
        (CaseStatus::Open, true, ..) => (t!("case.awaiting").into_owned(), "case-open"),
        (CaseStatus::Open, false, Some(by), Some(at)) => {
            (t!("case.acknowledged", by = by, at = datetime(at)).into_owned(), "case-seen")
        }
        (CaseStatus::Open, false, ..) => (t!("case.acknowledged_plain").into_owned(), "case-seen"),
    }
}

/// The office's standing on one case, and its shared word.
#[component]
pub fn CaseStanding(case: FieldCase) -> impl IntoView {
    let (words, class) = standing(&case);
    view! {
        <div class=format!("case-standing {class}") data-testid="case-status">
            <p>{words}</p>
            {case.shared_note.clone().filter(|n| !n.is_empty()).map(|n| view! {
                <p class="note" data-testid="case-shared-note">{t!("case.note", note = n)}</p>
            })}
        </div>
    }
}
