//! 記録一覧: what the network found, newest first, concerns and emergencies marked.

use super::chrome::SignOutButton;
use super::i18n;
use super::state::use_app_state;
use super::time::{datetime, now_millis, DAY_MS};
use crate::domain::{Check, CheckOutcome};
use leptos::prelude::*;
use rust_i18n::t;

#[component]
pub fn RecentChecksPage() -> impl IntoView {
    let state = use_app_state();
    let rows = move || {
        let mut v = state.checks.get();
        // Server receive order first (device clocks are wrong); this device's unsent ones on top.
        v.sort_by(|a, b| {
            b.received_at
                .unwrap_or(i64::MAX)
                .cmp(&a.received_at.unwrap_or(i64::MAX))
                .then(b.recorded_at.cmp(&a.recorded_at))
        });
        v.truncate(200);
        v
    };
    // What a coordinator must act on: the last week's emergencies first, then concerns.
    let urgent = move || {
        let since = now_millis() - 7 * DAY_MS;
        let mut v: Vec<Check> = state.checks.with(|cs| {
            cs.iter()
                .filter(|c| {
                    c.recorded_at >= since && matches!(c.outcome, CheckOutcome::Concern | CheckOutcome::Emergency)
                })
                .cloned()
                .collect()
        });
        v.sort_by_key(|c| (c.outcome != CheckOutcome::Emergency, std::cmp::Reverse(c.recorded_at)));
        v
    };
    let needs_attention = move || {
        state.checks.with(|cs| {
            cs.iter().filter(|c| matches!(c.outcome, CheckOutcome::Concern | CheckOutcome::Emergency)).count()
        })
    };
    view! {
        <section class="page">
            <h1>{t!("checks.title")}</h1>
            <ChecksOpening/>
            <Show when=move || state.checks_complete.get()>
            <p class="summary">
                {t!("checks.total_before")} <strong data-testid="check-total">{move || state.checks.with(Vec::len)}</strong> {t!("checks.total_after")}
                {t!("checks.attention_before")} <strong>{needs_attention}</strong> {t!("checks.attention_after")}
            </p>
            <Show when=move || !urgent().is_empty()>
                <h2>{t!("checks.urgent")}</h2>
                <ol class="history urgent" data-testid="urgent-checks">
                    <For each=urgent key=|c| (c.id, c.sync) let:check>
                        <RecentCheck check/>
                    </For>
                </ol>
                <h2>{t!("checks.all")}</h2>
            </Show>
            <Show when=move || !rows().is_empty() fallback=|| view! { <p class="empty">{t!("person.no_history")}</p> }>
                <ol class="history" data-testid="recent-checks">
                    <For each=rows key=|c| (c.id, c.sync) let:check>
                        <RecentCheck check/>
                    </For>
                </ol>
            </Show>
            </Show>
            <SignOutButton/>
        </section>
    }
}

/// Said while the device's checks are still being opened (just after unlocking), where a screen
/// shows more than each person's newest.
#[component]
pub fn ChecksOpening() -> impl IntoView {
    let state = use_app_state();
    view! {
        <Show when=move || !state.checks_complete.get()>
            <p class="loading" role="status" data-testid="checks-opening">{t!("checks.opening")}</p>
        </Show>
    }
}

#[component]
fn RecentCheck(check: Check) -> impl IntoView {
    let state = use_app_state();
    let name = state.person(&check.person_id).map(|p| p.name).unwrap_or_else(|| t!("checks.not_yours").into_owned());
    let href = format!("/persons/{}", check.person_id.as_str());
    view! {
        <li class="history-item" data-testid="recent-check">
            <span class=format!("outcome-badge outcome-{}", check.outcome.as_str())>{i18n::label(check.outcome)}</span>
            <a class="who-for" href=href>{name}</a>
            <span class="when">{datetime(check.recorded_at)}</span>
            <span class="who">{t!("checks.by", name = check.author_name)}</span>
            {(!check.concerns.is_empty()).then(|| view! {
                <p class="concerns">{check.concerns.iter().map(|c| i18n::label(*c)).collect::<Vec<_>>().join(&t!("list.sep"))}</p>
            })}
            {check.note.clone().map(|n| view! { <p class="note">{n}</p> })}
        </li>
    }
}
