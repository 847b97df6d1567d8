//! 安否確認 on the phone: the event's banner on the home list, the list of persons to confirm
//! (unconfirmed first, those not reached after them), the user's own state first of all, and the
//! one-tap confirmation of a person. Everything is read from and written to the device store, so
//! it works with no signal at all, which on the day is the normal case; the outbox sends it.

use super::actions;
use super::i18n;
use super::state::use_app_state;
use super::time::datetime;
use crate::domain::disaster::{
    Confirmation, FieldEvent, NewConfirmation, ResponderState, SafetyStatus, Shelter, SupportNeed,
};
use crate::domain::{CheckNote, HouseholdType, Person, PersonId};
use crate::error::ErrorCode;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use rust_i18n::t;

/// The banner on the home list while an event is under way: where to go, and whether the user has
/// yet to say they are safe. Small on purpose (it rides in the first load).
#[component]
pub fn EventBanner() -> impl IntoView {
    let state = use_app_state();
    move || {
        state.events.with(|events| {
            events.first().map(|e| {
                let title =
                    if e.drill { t!("safety.banner_drill", name = e.name) } else { t!("safety.banner", name = e.name) };
                view! {
                    <a class="event-banner" href="/safety" data-testid="event-banner">
                        <strong>{title.into_owned()}</strong>
                        <span>{t!("safety.banner_go")}</span>
                    </a>
                }
            })
        })
    }
}

/// The newest confirmation of each person on an event's list.
fn latest<'a>(event: &'a FieldEvent, person: &PersonId) -> Option<&'a Confirmation> {
    Confirmation::newest(event.confirmations.iter().filter(|c| &c.person_id == person))
}

/// Who to go to first: nobody has confirmed them, then those not reached, then the rest; among
/// the unconfirmed, those living alone first.
fn order(status: Option<SafetyStatus>, person: &Person) -> (u8, u8) {
    let round = match status {
        None => 0,
        Some(s) if s.needs_another_look() => 1,
        Some(_) => 2,
    };
    let risk = match person.household_type {
        HouseholdType::SingleElderly => 0,
        HouseholdType::ElderlyOnly => 1,
        HouseholdType::Disability => 2,
        HouseholdType::ChildRearing | HouseholdType::Other => 3,
    };
    (round, risk)
}

#[component]
pub fn SafetyPage() -> impl IntoView {
    let state = use_app_state();
    view! {
        <section class="page safety">
            <Show when=move || state.events.with(Vec::is_empty)>
                <h1>{t!("safety.title")}</h1>
                <p class="empty" data-testid="no-event">{t!("safety.none")}</p>
            </Show>
            <For each=move || state.events.get() key=|e| (e.id.clone(), e.confirmations.len(), e.my_state) let:event>
                <EventSection event/>
            </For>
        </section>
    }
}

/// The head every screen of an event shows: its name, 訓練, and a widened list with its reason.
#[component]
fn EventHead(event: FieldEvent, heading: bool) -> impl IntoView {
    let kind = i18n::label(event.kind);
    view! {
        <div class="event-head">
            {heading.then(|| view! { <h1>{t!("safety.event_title", name = event.name.clone())}</h1> })}
            <p class="meta">
                {event.drill.then(|| view! { <span class="tag drill">{t!("safety.drill")}</span> " " })}
                {kind} {t!("list.sep")} {t!("safety.started", at = datetime(event.started_at))}
            </p>
            {event.widened_reason.clone().map(|why| view! {
                <p class="notice widened" role="note" data-testid="widened">{t!("safety.widened", reason = why)}</p>
            })}
        </div>
    }
}

#[component]
fn EventSection(event: FieldEvent) -> impl IntoView {
    let state = use_app_state();
    let rows = {
        let event = event.clone();
        move || {
            let mut rows: Vec<(Person, Option<Confirmation>)> = event
                .persons
                .iter()
                .filter_map(|id| state.person(id).map(|p| (p, latest(&event, id).cloned())))
                .collect();
            rows.sort_by(|(a, ca), (b, cb)| {
                order(ca.as_ref().map(|c| c.status), a)
                    .cmp(&order(cb.as_ref().map(|c| c.status), b))
                    .then_with(|| a.kana.cmp(&b.kana))
            });
            rows
        }
    };
    let unconfirmed = {
        let event = event.clone();
        move || event.persons.iter().filter(|p| latest(&event, p).is_none()).count()
    };
    let total = event.persons.len();
    let event_id = event.id.clone();
    view! {
        <article class="event" data-testid="event">
            <EventHead event=event.clone() heading=true/>
            <SelfReport event_id=event.id.clone() current=event.my_state/>
            <h2>{t!("safety.list_title", n = total)} " "
                <span class="count" data-testid="unconfirmed">{move || t!("safety.unconfirmed", n = unconfirmed())}</span></h2>
            <Show when=move || total == 0>
                <p class="empty">{t!("safety.nobody")}</p>
            </Show>
            <ul class="cards safety-list" data-testid="safety-list">
                {move || rows().into_iter().map(|(p, c)| {
                    let href = format!("/safety/{}/{}", event_id, p.id.as_str());
                    view! { <SafetyRow person=p latest=c href/> }
                }).collect_view()}
            </ul>
        </article>
    }
}

#[component]
fn SafetyRow(person: Person, latest: Option<Confirmation>, href: String) -> impl IntoView {
    let (class, word) = match &latest {
        None => ("tag safety-none".to_owned(), t!("safety.not_yet").into_owned()),
        Some(c) => (format!("tag safety-{}", c.status.as_str()), i18n::label(c.status)),
    };
    view! {
        <li class="card safety-row" data-testid="safety-row">
            <a href=href class="row-link">
                <span class=class data-testid="safety-status">{word}</span>
                <strong>{t!("form.person_name", name = person.name)}</strong>
                <span class="meta">{person.address.clone()}</span>
                {latest.map(|c| view! {
                    <span class="meta">
                        {datetime(c.recorded_at)} {t!("list.sep")} {c.by_name.clone()}
                        {c.pending.then(|| view! { " " <span class="tag pending-tag">{t!("history.pending")}</span> })}
                    </span>
                })}
            </a>
        </li>
    }
}

/// 自分の状況: asked first, before anyone else (the national 民生委員 guidance); once said, one line
/// and a way to change it.
#[component]
fn SelfReport(event_id: String, current: Option<ResponderState>) -> impl IntoView {
    let state = use_app_state();
    let editing = RwSignal::new(current.is_none());
    let error = RwSignal::new(None::<String>);
    let event_id = StoredValue::new(event_id);
    let report = Action::new_local(move |own: &ResponderState| {
        let own = *own;
        async move {
            match actions::report_self(state, event_id.get_value(), own).await {
                Ok(()) => editing.set(false),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    view! {
        <div class="self-report" class:asking=move || editing.get() data-testid="self-report">
            <Show when=move || editing.get() fallback=move || view! {
                <p>
                    {t!("safety.self_is", state = current.map(i18n::label).unwrap_or_default())} " "
                    <button type="button" class="link" on:click=move |_| editing.set(true)>{t!("safety.self_change")}</button>
                </p>
            }>
                <fieldset>
                    <legend>{t!("safety.self_first")}</legend>
                    <div class="outcomes">
                        {ResponderState::ALL.iter().copied().map(|s| view! {
                            <button type="button" class=format!("outcome self-{}", s.as_str())
                                aria-pressed=(current == Some(s)).to_string()
                                disabled=move || report.pending().get()
                                on:click=move |_| { report.dispatch(s); }>
                                {i18n::label(s)}
                            </button>
                        }).collect_view()}
                    </div>
                </fieldset>
            </Show>
            <ErrorLine error=error/>
        </div>
    }
}

/// One person: how they are, in one tap for the usual answers; where they went, or what they need.
#[component]
pub fn SafetyPersonPage() -> impl IntoView {
    let state = use_app_state();
    let params = use_params_map();
    let ids = Memo::new(move |_| {
        params.with(|p| (p.get("event").unwrap_or_default(), p.get("person").and_then(|id| PersonId::parse(&id))))
    });
    // Which event and person, not what is known of them: a sync landing while the form is being
    // filled in must not build it anew (and lose what was chosen).
    let found = Memo::new(move |_| {
        let (event_id, person_id) = ids.get();
        let person_id = person_id.filter(|id| state.persons.with(|ps| ps.iter().any(|p| &p.id == id)))?;
        state
            .events
            .with(|es| es.iter().any(|e| e.id == event_id && e.persons.contains(&person_id)))
            .then_some((event_id, person_id))
    });
    move || match found.get() {
        None => view! {
            <section class="page">
                <p class="empty">{t!("safety.gone")}</p>
                <p><a class="button" href="/safety">{t!("safety.back")}</a></p>
            </section>
        }
        .into_any(),
        Some((event_id, person_id)) => {
            let event = state.events.with_untracked(|es| es.iter().find(|e| e.id == event_id).cloned());
            let person = state.persons.with_untracked(|ps| ps.iter().find(|p| p.id == person_id).cloned());
            match (event, person) {
                (Some(event), Some(person)) => view! { <ConfirmForm event person/> }.into_any(),
                _ => ().into_any(),
            }
        }
    }
}

#[component]
fn ConfirmForm(event: FieldEvent, person: Person) -> impl IntoView {
    let state = use_app_state();
    let status = RwSignal::new(None::<SafetyStatus>);
    let shelter = RwSignal::new(None::<Shelter>);
    let shelter_name = RwSignal::new(String::new());
    let needs = RwSignal::new(Vec::<SupportNeed>::new());
    let note = RwSignal::new(String::new());
    let stamp = RwSignal::new(None::<crate::domain::GeoStamp>);
    let (status_error, shelter_error, needs_error, save_error) = (
        RwSignal::new(None::<String>),
        RwSignal::new(None::<String>),
        RwSignal::new(None::<String>),
        RwSignal::new(None::<String>),
    );
    let saved = RwSignal::new(false);
    let navigate = leptos_router::hooks::use_navigate();
    let save = Action::new_local(move |c: &NewConfirmation| {
        let c = c.clone();
        let navigate = navigate.clone();
        async move {
            match actions::confirm_safety(state, c).await {
                Ok(()) => {
                    saved.set(true);
                    navigate("/safety", Default::default());
                }
                Err(e) => save_error.set(Some(e)),
            }
        }
    });
    let (event_id, person_id) = (event.id.clone(), person.id.clone());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        for e in [status_error, shelter_error, needs_error, save_error] {
            e.set(None);
        }
        let Some(chosen) = status.get_untracked() else {
            status_error.set(Some(t!("safety.choose").into_owned()));
            return;
        };
        let note = match CheckNote::parse(&note.get_untracked()) {
            Ok(n) => n,
            Err(e) => return save_error.set(Some(i18n::validation(&e))),
        };
        let evacuated = chosen == SafetyStatus::SafeEvacuated;
        let c = NewConfirmation {
            id: uuid::Uuid::nil(),
            event_id: event_id.clone(),
            person_id: person_id.clone(),
            status: chosen,
            shelter: if evacuated { shelter.get_untracked() } else { None },
            shelter_name: if evacuated { shelter_name.get_untracked() } else { String::new() },
            needs: if chosen == SafetyStatus::NeedsSupport { needs.get_untracked() } else { Vec::new() },
            note,
            recorded_at: 0,
            location: stamp.get_untracked(),
        };
        match c.clone().validate() {
            Ok(_) => {
                save.dispatch(c);
            }
            Err(e) => {
                let text = Some(i18n::validation(&e));
                match e.code {
                    ErrorCode::ShelterMissing | ErrorCode::ShelterName => shelter_error.set(text),
                    ErrorCode::SupportUnnamed => needs_error.set(text),
                    _ => save_error.set(text),
                }
            }
        }
    };
    let history = {
        let mut mine: Vec<Confirmation> =
            event.confirmations.iter().filter(|c| c.person_id == person.id).cloned().collect();
        mine.sort_by(|a, b| b.recorded_at.cmp(&a.recorded_at).then_with(|| b.id.cmp(&a.id)));
        mine
    };
    let refused = {
        let id = person.id.clone();
        move || super::state::refused_changes(state).into_iter().filter(|c| c.person_id == id).collect::<Vec<_>>()
    };
    let tel =
        person.phone.clone().map(|p| format!("tel:{}", p.chars().filter(|c| c.is_ascii_digit()).collect::<String>()));
    view! {
        <section class="page safety-person">
            <p><a href="/safety">{t!("safety.back")}</a></p>
            <h1>{t!("form.person_name", name = person.name.clone())}</h1>
            <EventHead event=event.clone() heading=false/>
            <p class="meta">{person.address.clone()}
                {tel.map(|href| view! { " " <a href=href>{person.phone.clone().unwrap_or_default()}</a> })}</p>
            {move || refused().into_iter().map(|c| view! {
                <p class="field-error" role="alert">{t!("safety.refused", what = c.what, reason = c.reason)}</p>
            }).collect_view()}
            <form class="check-form" on:submit=on_submit novalidate>
                <fieldset>
                    <legend>{t!("safety.how")}</legend>
                    <div class="outcomes safety-outcomes">
                        {SafetyStatus::ALL.iter().copied().map(|s| view! {
                            <button type="button" class=format!("outcome safety-{}", s.as_str())
                                aria-pressed=move || (status.get() == Some(s)).to_string()
                                on:click=move |_| { status.set(Some(s)); status_error.set(None); saved.set(false); }>
                                {i18n::label(s)}
                            </button>
                        }).collect_view()}
                    </div>
                    <ErrorLine error=status_error/>
                </fieldset>
                <Show when=move || status.get() == Some(SafetyStatus::NeedsRescue)>
                    <div class="emergency" role="region" aria-label=t!("check.emergency_region") data-testid="rescue-calls">
                        <p class="emergency-lead">{t!("check.emergency_lead")}</p>
                        <a class="button call call-119" href="tel:119">{t!("check.call_119")}</a>
                        <p class="emergency-note">{t!("safety.rescue_note")}</p>
                    </div>
                </Show>
                <Show when=move || status.get() == Some(SafetyStatus::SafeEvacuated)>
                    <fieldset class="chip-group" data-testid="shelter">
                        <legend>{t!("safety.where")}</legend>
                        {Shelter::ALL.iter().copied().map(|s| view! {
                            <button type="button" class="chip" aria-pressed=move || (shelter.get() == Some(s)).to_string()
                                on:click=move |_| { shelter.set(Some(s)); shelter_error.set(None); }>
                                {i18n::label(s)}
                            </button>
                        }).collect_view()}
                        <label for="shelter-name">{t!("safety.shelter_name")}</label>
                        <input id="shelter-name" type="text" maxlength="60" prop:value=move || shelter_name.get()
                            on:input=move |ev| { shelter_name.set(event_target_value(&ev)); shelter_error.set(None); }/>
                        <ErrorLine error=shelter_error/>
                    </fieldset>
                </Show>
                <Show when=move || status.get() == Some(SafetyStatus::NeedsSupport)>
                    <fieldset class="chip-group" data-testid="needs">
                        <legend>{t!("safety.needs")}</legend>
                        {SupportNeed::ALL.iter().copied().map(|n| view! {
                            <button type="button" class="chip" aria-pressed=move || needs.with(|v| v.contains(&n)).to_string()
                                on:click=move |_| {
                                    needs.update(|v| if let Some(i) = v.iter().position(|x| *x == n) { v.remove(i); } else { v.push(n); v.sort(); });
                                    needs_error.set(None);
                                }>
                                {i18n::label(n)}
                            </button>
                        }).collect_view()}
                        <ErrorLine error=needs_error/>
                    </fieldset>
                </Show>
                <label for="note">{t!("check.note")}</label>
                <textarea id="note" rows="2" maxlength="1000" prop:value=move || note.get()
                    on:input=move |ev| { note.set(event_target_value(&ev)); needs_error.set(None); }></textarea>
                <super::check_form::LocationStamp stamp/>
                <div class="save-bar">
                    <button class="button primary" type="submit" disabled=move || save.pending().get()>{t!("check.save")}</button>
                    <Show when=move || saved.get()>
                        <p class="saved" role="status">{t!("check.saved")}</p>
                    </Show>
                    <ErrorLine error=save_error/>
                </div>
            </form>
            <Show when={let empty = history.is_empty(); move || !empty}>
                <h2>{t!("safety.history")}</h2>
            </Show>
            <ul class="history" data-testid="safety-history">
                {history.iter().map(|c| view! {
                    <li>
                        <span class=format!("tag safety-{}", c.status.as_str())>{i18n::label(c.status)}</span> " "
                        {datetime(c.recorded_at)} {t!("list.sep")} {c.by_name.clone()}
                        {c.pending.then(|| view! { " " <span class="tag pending-tag">{t!("history.pending")}</span> })}
                        {c.late.then(|| view! { " " <span class="tag">{t!("safety.late")}</span> })}
                        {c.shelter.map(|s| view! { <p class="note">{i18n::label(s)} " " {c.shelter_name.clone()}</p> })}
                        {(!c.needs.is_empty()).then(|| view! {
                            <p class="note">{c.needs.iter().map(|n| i18n::label(*n)).collect::<Vec<_>>().join(t!("list.sep").as_ref())}</p>
                        })}
                        {c.note.clone().map(|n| view! { <p class="note">{n}</p> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// A refusal under the field it is about, while there is one.
#[component]
fn ErrorLine(error: RwSignal<Option<String>>) -> impl IntoView {
    move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })
}
