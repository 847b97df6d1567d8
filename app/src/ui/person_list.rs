//! 担当の方 (home): the people this user watches, from the device store. Overdue first, in colour
//! and in words; then due today; then the rest. Search by name or kana, filter by small area, and
//! distance from here when the user allows location. Works offline: nothing here asks the network.

use super::actions;
use super::i18n;
use super::state::use_app_state;
use super::time::{days_ago_label, local_offset_minutes, now_millis};
use crate::domain::due::{distance_m, matches};
use crate::domain::{Check, Due, GeoStamp, Person, PersonId};
use leptos::prelude::*;
use rust_i18n::t;
use std::collections::HashMap;

/// One row of the list: the person, their newest check and where they stand.
#[derive(Clone, PartialEq)]
struct Row {
    person: Person,
    last: Option<Check>,
    due: Due,
    distance: Option<f64>,
}

#[component]
pub fn PersonListPage() -> impl IntoView {
    let state = use_app_state();
    let query = RwSignal::new(String::new());
    let area = RwSignal::new(String::new());
    let here = RwSignal::new(None::<GeoStamp>);
    let rows = Memo::new(move |_| {
        let now = now_millis();
        let offset = local_offset_minutes(now);
        let here = here.get();
        // One pass over the history: a 民生委員's device holds tens of thousands of checks.
        let latest: HashMap<PersonId, Check> = state.checks.with(|checks| {
            let mut latest: HashMap<&PersonId, &Check> = HashMap::new();
            for c in checks {
                if latest.get(&c.person_id).is_none_or(|l| c.recorded_at > l.recorded_at) {
                    latest.insert(&c.person_id, c);
                }
            }
            latest.into_iter().map(|(id, c)| (id.clone(), c.clone())).collect()
        });
        // Persons an event lent this user are on its own list, not among those they watch.
        let lent: Vec<PersonId> = state.events.with(|es| es.iter().flat_map(|e| e.extra.iter().cloned()).collect());
        let mut rows: Vec<Row> = state.persons.with(|ps| {
            ps.iter()
                .filter(|p| !lent.contains(&p.id))
                .map(|p| {
                    let last = latest.get(&p.id).cloned();
                    let due = Due::of(last.as_ref().map(|c| c.recorded_at), p.check_interval_days, now, offset);
                    let distance = here.map(|h| distance_m(h.lat, h.lng, p.lat, p.lng));
                    Row { person: p.clone(), last, due, distance }
                })
                .collect()
        });
        // A missed check is itself a warning sign: most overdue first, then by kana.
        rows.sort_by(|a, b| a.due.sort_key().cmp(&b.due.sort_key()).then_with(|| a.person.kana.cmp(&b.person.kana)));
        rows
    });
    let shown = move || {
        let (q, a) = (query.get(), area.get());
        rows.get()
            .into_iter()
            .filter(|r| a.is_empty() || r.person.small_area == a)
            .filter(|r| matches(&q, &r.person.name, &r.person.kana))
            .collect::<Vec<_>>()
    };
    let areas = Memo::new(move |_| {
        let mut v: Vec<String> = state.persons.with(|ps| ps.iter().map(|p| p.small_area.clone()).collect());
        v.sort();
        v.dedup();
        v
    });
    let count = move || rows.with(Vec::len);
    let attention = move || rows.with(|rs| rs.iter().filter(|r| r.due.needs_attention()).count());
    view! {
        <section class="page">
            <super::safety::EventBanner/>
            <h1>{t!("persons.title")} " " <span class="count">{move || t!("persons.count", n = count())}</span></h1>
            <Show
                when=move || { count() > 0 }
                fallback=move || view! {
                    <p class="empty">{move || if state.sync.with(|s| s.last_synced.is_some()) {
                        t!("persons.none")
                    } else {
                        // Not yet received is not the same as nobody: never show an empty list as if it were true.
                        t!("persons.not_received")
                    }}</p>
                }
            >
                <p class="summary" data-testid="attention-summary">
                    {move || match attention() {
                        0 => t!("persons.attention_none").into_owned(),
                        n => t!("persons.attention", n = n).into_owned(),
                    }}
                </p>
                // Planning the day's round: where everyone is (offline too).
                <a class="button secondary small map-link" href="/map" data-testid="open-map">{t!("map.open")}</a>
                // Folded by default so the list itself starts near the top of a phone screen; the
                // summary says when a filter is on, so a short list is never a mystery.
                <details class="list-tools">
                    <summary>
                        {t!("persons.tools")}
                        {move || (!query.get().trim().is_empty() || !area.get().is_empty()).then(|| t!("persons.filtered"))}
                    </summary>
                    <label for="person-search">{t!("persons.search")}</label>
                    <input id="person-search" type="search" autocomplete="off" enterkeyhint="search"
                        prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                    <Show when=move || areas.with(|a| a.len() > 1)>
                        <label for="area-filter">{t!("persons.area")}</label>
                        <select id="area-filter" on:change=move |ev| area.set(event_target_value(&ev))>
                            <option value="" selected=move || area.get().is_empty()>{t!("persons.all_areas")}</option>
                            {move || areas.get().into_iter().map(|a| {
                                let chosen = area.get_untracked() == a;
                                let label = a.clone();
                                view! { <option value=a selected=chosen>{label}</option> }
                            }).collect_view()}
                        </select>
                    </Show>
                    <DistanceButton here/>
                </details>
                <Show when=move || !shown().is_empty() fallback=|| view! {
                    <p class="empty" data-testid="no-match">{t!("persons.no_match")}</p>
                }>
                    <ul class="person-list">
                        <For each=shown key=|r| (r.person.id.clone(), r.last.as_ref().map(|c| c.id), r.due, r.distance.map(|d| d as i64)) let:row>
                            <PersonRow row/>
                        </For>
                    </ul>
                </Show>
            </Show>
            // 民生委員 meet people of concern at the door: registering one is part of the round.
            <Show when=move || !state.areas.with(Vec::is_empty)>
                <a class="button secondary" href="/persons/new">{t!("persons.register")}</a>
            </Show>
        </section>
    }
}

/// 現在地からの距離: asks for location only when tapped, and says plainly when it cannot.
#[component]
fn DistanceButton(here: RwSignal<Option<GeoStamp>>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let locate = move |_| {
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            match actions::current_position().await {
                Ok(p) => here.set(Some(p)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <button class="button secondary" type="button" on:click=locate disabled=move || busy.get()>
            {move || if busy.get() { t!("persons.locating") } else if here.with(Option::is_some) { t!("persons.update_distance") } else { t!("persons.show_distance") }}
        </button>
        <Show when=move || error.get().is_some()>
            <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
        </Show>
    }
}

#[component]
fn PersonRow(row: Row) -> impl IntoView {
    let Row { person, last, due, distance } = row;
    let href = format!("/persons/{}", person.id.as_str());
    // 「記録なし」 already says there is no check; only a real one needs words.
    let last_text = last.as_ref().map(|c| {
        t!("persons.last_check", when = days_ago_label(c.recorded_at, now_millis()), outcome = i18n::label(c.outcome))
            .into_owned()
    });
    view! {
        <li>
            <a class=format!("person-row due-{}", due.as_str()) href=href data-testid="person-row">
                <span class="person-name">{person.name}</span>
                <span class="person-kana">{person.kana}</span>
                <span class="person-meta">
                    {person.small_area}
                    {distance.map(|d| view! { <span class="distance" data-testid="distance">{i18n::distance(d)}</span> })}
                </span>
                <span class="person-last">
                    <span class=format!("tag due-tag due-tag-{}", due.as_str()) data-testid="due">{i18n::due(due)}</span>
                    {last_text}
                </span>
            </a>
        </li>
    }
}
