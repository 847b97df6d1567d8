//! 担当の方: the people this user watches, from the device store.

use super::chrome::SignOutButton;
use super::state::use_app_state;
use super::time::{days_ago_label, now_millis, DAY_MS};
use crate::domain::{Check, Person};
use leptos::prelude::*;

#[component]
pub fn PersonListPage() -> impl IntoView {
    let state = use_app_state();
    let rows = move || {
        let now = now_millis();
        let checks = state.checks.get();
        let mut rows: Vec<(Person, Option<Check>, bool)> = state
            .persons
            .get()
            .into_iter()
            .map(|p| {
                let last = checks.iter().filter(|c| c.person_id == p.id).max_by_key(|c| c.recorded_at).cloned();
                let overdue =
                    last.as_ref().is_none_or(|c| now - c.recorded_at > i64::from(p.check_interval_days) * DAY_MS);
                (p, last, overdue)
            })
            .collect();
        // Overdue first: a missed check is itself a warning sign.
        rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.kana.cmp(&b.0.kana)));
        rows
    };
    let count = move || state.persons.with(Vec::len);
    view! {
        <section class="page">
            <h1>"担当の方 " <span class="count">{count} "人"</span></h1>
            <Show
                when=move || { count() > 0 }
                fallback=move || view! {
                    <p class="empty">{move || if state.sync.with(|s| s.last_synced.is_some()) {
                        "担当の方はいません。"
                    } else {
                        // Not yet received is not the same as nobody: never show an empty list as if it were true.
                        "担当の方の情報をまだ受け取っていません。電波のある場所で開くと表示されます。"
                    }}</p>
                }
            >
                <ul class="person-list">
                    <For each=rows key=|(p, last, _)| (p.id.clone(), last.as_ref().map(|c| c.id)) let:row>
                        <PersonRow person=row.0 last=row.1 overdue=row.2/>
                    </For>
                </ul>
            </Show>
            <SignOutButton/>
        </section>
    }
}

#[component]
fn PersonRow(person: Person, last: Option<Check>, overdue: bool) -> impl IntoView {
    let href = format!("/persons/{}", person.id.as_str());
    let last_text = match &last {
        Some(c) => format!("最終確認 {}（{}）", days_ago_label(c.recorded_at, now_millis()), c.outcome.label_ja()),
        None => "まだ確認の記録がありません".to_owned(),
    };
    view! {
        <li>
            <a class="person-row" class:overdue=overdue href=href data-testid="person-row">
                <span class="person-name">{person.name}</span>
                <span class="person-kana">{person.kana}</span>
                <span class="person-meta">{person.small_area}</span>
                <span class="person-last">
                    {overdue.then(|| view! { <span class="tag overdue-tag">"確認の時期です"</span> })}
                    {last_text}
                </span>
            </a>
        </li>
    }
}
