//! Where the office stands on what the field raised (要対応), on the phone, as of the last sync:
//! seen or not yet, 対応中, 完了, and the office's short word when it shared one. Never the
//! office's own notes: the server does not send them.

use super::state::use_app_state;
use super::time::datetime;
use crate::domain::{CaseStatus, CaseUpdate, FieldCase, Role};
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

/// The office's standing on one case, and its shared word; for a 民生委員, who owns it, the next
/// date and what was recorded.
#[component]
pub fn CaseStanding(case: FieldCase) -> impl IntoView {
    let (words, class) = standing(&case);
    view! {
        <div class=format!("case-standing {class}") data-testid="case-status">
            <p>
                {case.pending.then(|| view! { <span class="tag pending-tag">{t!("history.pending")}</span> " " })}
                {words}
            </p>
            {case.shared_note.clone().filter(|n| !n.is_empty()).map(|n| view! {
                <p class="note" data-testid="case-shared-note">{t!("case.note", note = n)}</p>
            })}
            {case.owner.clone().map(|name| view! { <p class="meta">{t!("case.owner", name = name)}</p> })}
            {case.next_action_on.clone().map(|date| view! { <p class="meta">{t!("case.next_on", date = date)}</p> })}
            {(!case.notes.is_empty()).then(|| view! {
                <ul class="case-notes" data-testid="case-notes">
                    {case.notes.iter().map(|n| view! {
                        <li><span class="when">{datetime(n.at)}</span> " " {n.by.clone()} " " <span class="note">{n.text.clone()}</span></li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// A 民生委員 records what they did on an open case, offline like everything else: the status, taking
/// it on, the next date, a note. Saved on the phone first; the office sees it after the next sync.
#[component]
pub fn CaseWork(case: FieldCase) -> impl IntoView {
    let state = use_app_state();
    let Some(me) = state.session.with_untracked(|s| s.user().cloned()) else {
        return ().into_any();
    };
    if me.role != Role::Commissioner || !case.status.is_open() {
        return ().into_any();
    }
    let mine = case.owner_id.as_ref() == Some(&me.id);
    let status = RwSignal::new(None::<CaseStatus>);
    let take = RwSignal::new(false);
    let next = RwSignal::new(case.next_action_on.clone().unwrap_or_default());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let (case_id, person, was_next) = (case.id.clone(), case.person_id.clone(), next.get_untracked());
    let me = StoredValue::new(me);
    let save = Action::new_local(move |update: &CaseUpdate| {
        let (update, case_id, person) = (update.clone(), case_id.clone(), person.clone());
        async move {
            match crate::client::device::update_case(state, &me.get_value(), person, case_id, update).await {
                Ok(()) => {
                    note.set(String::new());
                    saved.set(true);
                }
                Err(e) => error.set(Some(super::i18n::client_error(&e))),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let next_now = next.get_untracked();
        let update = CaseUpdate {
            status: status.get_untracked(),
            owner_id: take.get_untracked().then(|| me.with_value(|m| m.id.as_str().to_owned())),
            next_action_on: (next_now != was_next).then_some(next_now),
            note: note.get_untracked(),
            ..CaseUpdate::default()
        };
        match update.validate() {
            Ok(u) => {
                error.set(None);
                save.dispatch(u);
            }
            Err(e) => error.set(Some(super::i18n::refusal(Some(e.code), ""))),
        }
    };
    view! {
        <form class="case-work" on:submit=submit novalidate data-testid="case-work">
            <h3>{t!("case.work_title")}</h3>
            <label for=format!("case-status-{}", case.id)>{t!("case.status")}</label>
            <select id=format!("case-status-{}", case.id) on:change=move |ev| status.set(CaseStatus::parse(&event_target_value(&ev)))>
                <option value="" selected=true>{t!("case.status_keep")}</option>
                {[CaseStatus::InProgress, CaseStatus::Done, CaseStatus::Watching].into_iter()
                    .filter(|s| *s != case.status)
                    .map(|s| view! { <option value=s.as_str()>{super::i18n::label(s)}</option> })
                    .collect_view()}
            </select>
            {(!mine).then(|| view! {
                <label class="checkbox">
                    <input type="checkbox" prop:checked=move || take.get() on:change=move |ev| take.set(event_target_checked(&ev))/>
                    {t!("case.take")}
                </label>
            })}
            <label for=format!("case-next-{}", case.id)>{t!("case.next")}</label>
            <input id=format!("case-next-{}", case.id) type="date" prop:value=move || next.get()
                on:input=move |ev| next.set(event_target_value(&ev))/>
            <label for=format!("case-note-{}", case.id)>{t!("case.note_label")}</label>
            <textarea id=format!("case-note-{}", case.id) rows="3" maxlength="1000" prop:value=move || note.get()
                on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <Show when=move || saved.get()>
                <p class="hint" role="status" data-testid="case-saved">{t!("case.saved")}</p>
            </Show>
            <button class="button primary" type="submit" disabled=move || save.pending().get()>{t!("case.save")}</button>
        </form>
    }
    .into_any()
}
