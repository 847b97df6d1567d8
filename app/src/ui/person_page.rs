//! One person: who they are, a 見守り check form, and their history on this device.

use super::actions;
use super::check_form::CheckForm;
use super::i18n;
use super::my_requests::RequestItem;
use super::state::use_app_state;
use super::time::datetime;
use crate::domain::{Check, CheckKind, FieldValue, Person, PersonId, Role, SyncState};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use rust_i18n::t;

#[component]
pub fn PersonPage() -> impl IntoView {
    person_route(|id, person| view! { <PersonDetail id person/> }.into_any())
}

/// The person the URL names, from the device store, shown by `page`; a person this device does
/// not hold is said so. `page` is built again only for a different person: a background sync that
/// refreshes the person list must not reset a form the user is filling in.
pub(super) fn person_route(page: fn(PersonId, Memo<Option<Person>>) -> AnyView) -> impl IntoView {
    let state = use_app_state();
    let params = use_params_map();
    let person = Memo::new(move |_| {
        params.with(|p| p.get("id")).and_then(|id| PersonId::parse(&id)).and_then(|id| state.person(&id))
    });
    let shown = Memo::new(move |_| person.with(|p| p.as_ref().map(|p| p.id.clone())));
    move || match shown.get() {
        Some(id) => page(id, person),
        None => view! {
            <section class="page">
                <h1>{t!("person.not_found")}</h1>
                <p>{t!("person.not_here")}</p>
                <p><a class="button" href="/persons">{t!("person.to_list")}</a></p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn PersonDetail(id: PersonId, person: Memo<Option<Person>>) -> impl IntoView {
    let state = use_app_state();
    let field = move |f: fn(&Person) -> String| move || person.with(|p| p.as_ref().map(f).unwrap_or_default());
    let history = {
        let id = id.clone();
        Memo::new(move |_| state.checks_for(&id))
    };
    let tel = move || person.with(|p| p.as_ref().and_then(|p| p.phone.clone()));
    let requests = {
        let id = id.clone();
        Memo::new(move |_| {
            state.requests.with(|rs| rs.iter().filter(|r| r.person_id == id).cloned().collect::<Vec<_>>())
        })
    };
    let open_requests = move || requests.with(|v| v.iter().filter(|r| r.pending || r.status.is_open()).count());
    // What the office did with what was raised about this person, newest first.
    let cases = {
        let id = id.clone();
        Memo::new(move |_| {
            let mut v = state.cases.with(|cs| cs.iter().filter(|c| c.person_id == id).cloned().collect::<Vec<_>>());
            v.sort_by_key(|c| std::cmp::Reverse(c.opened_at));
            v
        })
    };
    // Where a form that led here said what it saved.
    let query = use_query_map();
    let saved = move || match query.with(|q| q.get("saved")).as_deref() {
        Some("inquiry") => Some(t!("person.saved_inquiry")),
        Some("registered") => Some(t!("person.saved_registered")),
        _ => None,
    };
    let inquiry_href = format!("/persons/{}/inquiry", id.as_str());
    let consent_href = format!("/persons/{}/consent", id.as_str());
    // Volunteers are neighbours, not office holders: they record checks but do not edit the record.
    let may_edit = move || {
        state.session.with(|s| s.user().is_some_and(|u| !matches!(u.role, Role::Volunteer | Role::PartnerStaff)))
    };
    view! {
        <section class="page person">
            <p class="back"><a href="/persons">{t!("person.back")}</a></p>
            <h1>{field(|p| p.name.clone())}</h1>
            <p class="person-kana">{field(|p| p.kana.clone())}</p>
            <p class="person-address">{field(|p| format!("{}（{}・{}）", p.address, p.district, p.small_area))}</p>
            {move || saved().map(|m| view! { <p class="saved" role="status" data-testid="page-saved">{m}</p> })}
            <ConflictNotice person/>
            <RefusedChanges id=id.clone()/>
            // The check comes first: it is what a visit is for, and it should not need scrolling.
            <CheckForm id=id.clone() person/>
            <a class="button secondary inquiry-link" href=inquiry_href>{t!("person.inquiry")}</a>
            <Show when=move || !cases.with(Vec::is_empty)>
                <h2>{t!("case.heading")}</h2>
                <div class="case-list" data-testid="person-cases">
                    <For each=move || cases.get() key=|c| (c.id.clone(), c.updated_at, c.pending, c.notes.len()) let:case>
                        <super::case_status::CaseStanding case=case.clone()/>
                        <super::case_status::CaseWork case/>
                    </For>
                    <p class="meta">{move || state.sync.with(|s| s.last_synced).map(|at| t!("case.as_of", at = super::time::datetime(at)).into_owned())}</p>
                </div>
            </Show>
            <h2>{t!("person.requests")} " " <span class="count">{move || t!("person.open_requests", n = open_requests())}</span></h2>
            <Show when=move || !requests.with(Vec::is_empty) fallback=|| view! { <p class="empty">{t!("person.no_requests")}</p> }>
                <ul class="cards" data-testid="person-requests">
                    <For each=move || requests.get() key=|r| (r.id.clone(), r.status, r.updated_at, r.pending) let:r>
                        <RequestItem request=r with_person=false/>
                    </For>
                </ul>
            </Show>
            <h2>{t!("person.contact")}</h2>
            {move || tel().map(|phone| view! {
                <a class="button" href=format!("tel:{}", phone.replace('-', ""))>{t!("person.call")}</a>
            })}
            <dl class="facts">
                <dt>{t!("person.interval")}</dt><dd>{field(|p| t!("person.every_days", n = p.check_interval_days).into_owned())}</dd>
                <dt>{t!("person.phone")}</dt><dd data-testid="person-phone">{field(|p| p.phone.clone().unwrap_or_else(|| t!("person.none").into_owned()))}</dd>
                <dt>{t!("person.emergency_contacts")}</dt><dd>{field(|p| if p.emergency_contacts.is_empty() {
                    t!("person.none").into_owned()
                } else {
                    p.emergency_contacts.iter().map(|c| format!("{} {} {}", c.name, c.relation, c.phone)).collect::<Vec<_>>().join("／")
                })}</dd>
                <dt>{t!("person.evacuation")}</dt><dd>{field(|p| if p.needs_evacuation_help { t!("person.needed") } else { t!("person.not_needed") }.into_owned())}</dd>
                <dt>{t!("person.consent")}</dt><dd data-testid="consent-summary">{field(consent_summary)}</dd>
                <dt>{t!("person.notes")}</dt><dd class="notes" data-testid="person-notes">{field(|p| p.notes.clone())}</dd>
            </dl>
            <Show when=may_edit>
                <a class="button secondary" href=consent_href.clone()>{t!("person.record_consent")}</a>
                <EditForm id=id.clone() person/>
            </Show>
            <h2>{t!("person.history")}</h2>
            <super::recent_checks::ChecksOpening/>
            <Show when=move || !history.with(Vec::is_empty) fallback=move || view! {
                <Show when=move || state.checks_complete.get()><p class="empty">{t!("person.no_history")}</p></Show>
            }>
                <ol class="history" data-testid="history">
                    <For each=move || history.get() key=|c| (c.id, c.sync) let:check>
                        <HistoryItem check/>
                    </For>
                </ol>
            </Show>
        </section>
    }
}

#[component]
fn HistoryItem(check: Check) -> impl IntoView {
    let (badge, badge_class) = match check.sync {
        SyncState::Pending => (t!("history.pending"), "tag pending-tag"),
        SyncState::Synced => (t!("history.synced"), "tag synced-tag"),
        SyncState::Rejected => (t!("history.rejected"), "tag rejected-tag"),
    };
    view! {
        <li class="history-item" data-testid="history-item">
            <span class=format!("outcome-badge outcome-{}", check.outcome.as_str())>{i18n::label(check.outcome)}</span>
            <span class="when">{datetime(check.recorded_at)}</span>
            <span class=badge_class>{badge}</span>
            <span class="who">{check.author_name.clone()}</span>
            {(check.kind == CheckKind::Inquiry).then(|| view! { <span class="tag kind-tag">{i18n::label(CheckKind::Inquiry)}</span> })}
            {check.method.map(|m| view! { <span class="method">{i18n::label(m)}</span> })}
            {(!check.needs.is_empty()).then(|| view! {
                <ul class="needs-heard">
                    {check.needs.iter().map(|n| view! {
                        <li>{if n.note.is_empty() { i18n::label(n.need) } else { t!("history.need_note", need = i18n::label(n.need), note = n.note).into_owned() }}</li>
                    }).collect_view()}
                </ul>
            })}
            {(!check.concerns.is_empty()).then(|| view! {
                <p class="concerns">{check.concerns.iter().map(|c| i18n::label(*c)).collect::<Vec<_>>().join(&t!("list.sep"))}</p>
            })}
            {check.note.clone().map(|n| view! { <p class="note">{n}</p> })}
            {check.rejection.as_deref().map(|r| view! { <p class="field-error">{i18n::refusal(check.rejection_code, r)}</p> })}
        </li>
    }
}

/// What the person agreed to, in words a volunteer can act on.
fn consent_summary(p: &Person) -> String {
    let c = &p.consent;
    if !c.record {
        return t!("consent.none").into_owned();
    }
    let mut parts = vec![t!("consent.record")];
    parts.push(if c.share_partners { t!("consent.partners_yes") } else { t!("consent.partners_no") });
    parts.push(if c.share_disaster { t!("consent.disaster_yes") } else { t!("consent.disaster_no") });
    parts.join(&t!("list.sep"))
}

/// Says plainly when this person's record holds two disagreeing values.
#[component]
fn ConflictNotice(person: Memo<Option<Person>>) -> impl IntoView {
    let fields = move || {
        person.with(|p| {
            p.as_ref().map(|p| {
                p.conflicts
                    .iter()
                    .map(|f| t!("person.conflict_field", field = i18n::label(*f)).into_owned())
                    .collect::<String>()
            })
        })
    };
    view! {
        <Show when=move || fields().is_some_and(|f| !f.is_empty())>
            <p class="notice" role="status" data-testid="conflict-notice">
                {fields} {t!("person.conflict")}
            </p>
        </Show>
    }
}

/// 連絡先・メモの変更 (民生委員 and staff). Saved on the device first, merged per field on the server.
#[component]
fn EditForm(id: PersonId, person: Memo<Option<Person>>) -> impl IntoView {
    let state = use_app_state();
    let id = StoredValue::new(id);
    let open = RwSignal::new(false);
    let phone = RwSignal::new(String::new());
    let notes = RwSignal::new(String::new());
    let evacuation = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    // Durable in the device store (and queued) before the form closes and says so.
    let save = Action::new_local(move |changes: &Vec<FieldValue>| {
        let changes = changes.clone();
        async move {
            match actions::save_person_edit(state, id.get_value(), changes).await {
                Ok(()) => {
                    open.set(false);
                    saved.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let start = move |_| {
        if let Some(p) = person.get_untracked() {
            phone.set(p.phone.unwrap_or_default());
            notes.set(p.notes);
            evacuation.set(p.needs_evacuation_help);
        }
        saved.set(false);
        error.set(None);
        open.set(true);
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(current) = person.get_untracked() else { return };
        let typed_phone = phone.get_untracked();
        let wanted = [
            FieldValue::Phone((!typed_phone.trim().is_empty()).then_some(typed_phone)),
            FieldValue::Notes(notes.get_untracked()),
            FieldValue::NeedsEvacuationHelp(evacuation.get_untracked()),
        ];
        let mut changes = Vec::new();
        for value in wanted {
            match value.validate() {
                Ok(v) if v != FieldValue::of(&current, v.field()) => changes.push(v),
                Ok(_) => {}
                Err(e) => {
                    // What was typed stays in the form.
                    error.set(Some(i18n::validation(&e)));
                    return;
                }
            }
        }
        save.dispatch(changes);
    };
    view! {
        <section class="edit-person">
            <Show when=move || open.get() fallback=move || view! {
                <button class="button secondary" type="button" on:click=start>{t!("person.edit")}</button>
            }>
                <form on:submit=on_submit novalidate>
                    <label for="edit-phone">{t!("person.edit_phone")}</label>
                    <input id="edit-phone" type="tel" inputmode="tel" autocomplete="off"
                        prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
                    <label for="edit-notes">{t!("person.notes")}</label>
                    <textarea id="edit-notes" rows="4" maxlength="2000"
                        prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
                    <label class="checkbox">
                        <input type="checkbox" prop:checked=move || evacuation.get()
                            on:change=move |ev| evacuation.set(event_target_checked(&ev))/>
                        {t!("person.edit_evacuation")}
                    </label>
                    <Show when=move || error.get().is_some()>
                        <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                    </Show>
                    <div class="actions">
                        <button class="button primary" type="submit" disabled=move || save.pending().get()>{t!("person.edit_save")}</button>
                        <button class="button secondary" type="button" on:click=move |_| open.set(false)>{t!("form.cancel")}</button>
                    </div>
                </form>
            </Show>
            <Show when=move || saved.get()>
                <p class="saved" role="status" data-testid="edit-saved">{t!("check.saved")}</p>
            </Show>
        </section>
    }
}

/// Changes to this person the server refused: kept on the device with the reason, never dropped unseen.
#[component]
fn RefusedChanges(id: PersonId) -> impl IntoView {
    let state = use_app_state();
    let mine =
        move || super::state::refused_changes(state).into_iter().filter(|c| c.person_id == id).collect::<Vec<_>>();
    view! {
        {move || mine().into_iter().map(|c| view! {
            <p class="field-error" role="alert" data-testid="refused-change">
                {t!("person.refused_change", what = c.what, reason = c.reason)}
            </p>
        }).collect_view()}
    }
}
