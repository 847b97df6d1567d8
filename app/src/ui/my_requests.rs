//! 依頼したこと: the requests this user raised and what became of them (受付 → 対応中 →
//! 完了 / 他機関へ), newest change first. Read from the device, so it works offline as of the
//! last sync.

use super::i18n;
use super::state::use_app_state;
use super::time::datetime;
use crate::domain::FieldRequest;
use leptos::prelude::*;
use rust_i18n::t;

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    let state = use_app_state();
    let mine = Memo::new(move |_| {
        let me = state.session.with(|s| s.user().map(|u| u.id.clone()));
        state.requests.with(|rs| rs.iter().filter(|r| Some(&r.raised_by) == me.as_ref()).cloned().collect::<Vec<_>>())
    });
    let open = move || mine.with(|v| v.iter().filter(|r| r.status.is_open()).count());
    // Refused changes about persons no longer on this phone (they left the user's scope): their
    // own pages are gone, so they are listed here rather than dropped unseen.
    let orphaned = move || {
        super::state::refused_changes(state)
            .into_iter()
            .filter(|c| state.person(&c.person_id).is_none())
            .collect::<Vec<_>>()
    };
    view! {
        <section class="page">
            <h1>{t!("my_requests.title")} " " <span class="count">{move || t!("my_requests.count", n = mine.with(Vec::len))}</span></h1>
            <p class="lead">{move || t!("my_requests.lead", n = open())}</p>
            <Show when=move || mine.with(Vec::is_empty)>
                <p class="empty">{t!("my_requests.none")}</p>
            </Show>
            {move || orphaned().into_iter().map(|c| view! {
                <p class="field-error" role="alert" data-testid="refused-elsewhere">
                    {t!("my_requests.refused_elsewhere", what = c.what, reason = c.reason)}
                </p>
            }).collect_view()}
            <ul class="cards" data-testid="my-requests">
                <For each=move || mine.get() key=|r| (r.id.clone(), r.status, r.updated_at, r.pending) let:r>
                    <RequestItem request=r with_person=true/>
                </For>
            </ul>
        </section>
    }
}

/// One request: what was asked, where it stands and since when.
#[component]
pub(super) fn RequestItem(request: FieldRequest, with_person: bool) -> impl IntoView {
    let state = use_app_state();
    let r = request;
    let person = with_person.then(|| state.person(&r.person_id)).flatten();
    let status = if r.pending { t!("history.pending").into_owned() } else { i18n::label(r.status) };
    let status_class =
        if r.pending { "tag pending-tag".to_owned() } else { format!("tag status-{}", r.status.as_str()) };
    view! {
        <li class="card request-item" data-testid="request-item">
            <div class="card-head">
                <span class=status_class data-testid="request-status">{status}</span>
                <strong>{i18n::label(r.need)}</strong>
                <span class="when">{datetime(r.updated_at)}</span>
            </div>
            {person.map(|p| view! {
                <p><a href=format!("/persons/{}", p.id.as_str())>{t!("form.person_name", name = p.name)}</a></p>
            })}
            {(!r.detail.is_empty()).then(|| view! { <p class="note">{r.detail.clone()}</p> })}
            <p class="meta">
                {match (&r.organization, r.to_partner) {
                    (Some(org), _) => t!("my_requests.org", org = org).into_owned(),
                    (None, true) => t!("my_requests.to_partner").into_owned(),
                    (None, false) => t!("my_requests.office").into_owned(),
                }}
                {(!with_person).then(|| format!("{}{}", t!("list.sep"), r.raised_by_name))}
            </p>
            {super::case_status::case_of(&r.id).map(|case| view! { <super::case_status::CaseStanding case/> })}
        </li>
    }
}
