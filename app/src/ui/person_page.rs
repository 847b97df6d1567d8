//! One person: who they are, a 見守り check form, and their history on this device.

use super::actions;
use super::state::use_app_state;
use super::time::format_datetime;
use crate::domain::{Check, CheckNote, CheckOutcome, Person, PersonId, SyncState};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PersonPage() -> impl IntoView {
    let state = use_app_state();
    let params = use_params_map();
    let person = Memo::new(move |_| {
        params.with(|p| p.get("id")).and_then(|id| PersonId::parse(&id)).and_then(|id| state.person(&id))
    });
    // Re-render the page only when it is a different person: a background sync that refreshes
    // the person list must not reset a form the user is filling in.
    let shown = Memo::new(move |_| person.with(|p| p.as_ref().map(|p| p.id.clone())));
    view! {
        {move || match shown.get() {
            Some(id) => view! { <PersonDetail id person/> }.into_any(),
            None => view! {
                <section class="page">
                    <h1>"見つかりません"</h1>
                    <p>"この方の情報はこの端末にありません。担当から外れたか、まだ受け取っていない可能性があります。"</p>
                    <p><a class="button" href="/persons">"担当の方の一覧へ"</a></p>
                </section>
            }.into_any(),
        }}
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
    view! {
        <section class="page person">
            <p class="back"><a href="/persons">"← 担当の方"</a></p>
            <h1>{field(|p| p.name.clone())}</h1>
            <p class="person-kana">{field(|p| p.kana.clone())}</p>
            <dl class="facts">
                <dt>"住所"</dt><dd>{field(|p| p.address.clone())}</dd>
                <dt>"地区"</dt><dd>{field(|p| format!("{}・{}", p.district, p.small_area))}</dd>
                <dt>"確認の目安"</dt><dd>{field(|p| format!("{}日ごと", p.check_interval_days))}</dd>
            </dl>
            {move || tel().map(|phone| view! {
                <a class="button" href=format!("tel:{}", phone.replace('-', ""))>"電話をかける"</a>
            })}
            <CheckForm person=id/>
            <h2>"これまでの記録"</h2>
            <Show when=move || !history.with(Vec::is_empty) fallback=|| view! { <p class="empty">"まだ記録がありません。"</p> }>
                <ol class="history" data-testid="history">
                    <For each=move || history.get() key=|c| (c.id, c.sync) let:check>
                        <HistoryItem check/>
                    </For>
                </ol>
            </Show>
        </section>
    }
}

/// 見守りの記録: pick the outcome, optionally a note, save. Saved means durable on this device.
#[component]
fn CheckForm(person: PersonId) -> impl IntoView {
    let state = use_app_state();
    let outcome = RwSignal::new(None::<CheckOutcome>);
    let note = RwSignal::new(String::new());
    let outcome_error = RwSignal::new(None::<&'static str>);
    let note_error = RwSignal::new(None::<&'static str>);
    let save_error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        saved.set(false);
        save_error.set(None);
        let chosen = outcome.get_untracked();
        outcome_error.set(chosen.is_none().then_some("確認の結果を選んでください。"));
        let parsed = CheckNote::parse(&note.get_untracked());
        note_error.set(parsed.as_ref().err().map(|e| e.message_ja));
        let (Some(chosen), Ok(parsed)) = (chosen, parsed) else { return };
        busy.set(true);
        let person = person.clone();
        leptos::task::spawn_local(async move {
            match actions::save_check(state, person, chosen, parsed).await {
                Ok(()) => {
                    outcome.set(None);
                    note.set(String::new());
                    saved.set(true);
                }
                // What was typed stays in the form.
                Err(e) => save_error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="check-form" on:submit=on_submit novalidate>
            <fieldset>
                <legend>"見守りの結果"</legend>
                <div class="outcomes">
                    {CheckOutcome::ALL.into_iter().map(|o| view! {
                        <button type="button"
                            class=format!("outcome outcome-{}", o.as_str())
                            class:selected=move || outcome.get() == Some(o)
                            aria-pressed=move || (outcome.get() == Some(o)).to_string()
                            on:click=move |_| { outcome.set(Some(o)); outcome_error.set(None); saved.set(false); }>
                            {o.label_ja()}
                        </button>
                    }).collect_view()}
                </div>
                <Show when=move || outcome_error.get().is_some()>
                    <p class="field-error" role="alert">{move || outcome_error.get().unwrap_or_default()}</p>
                </Show>
            </fieldset>
            <label for="note">"メモ（任意）"</label>
            <textarea id="note" rows="3" maxlength="1000"
                placeholder="気づいたこと（例：新聞がたまっている）"
                prop:value=move || note.get()
                on:input=move |ev| { note.set(event_target_value(&ev)); note_error.set(None); }></textarea>
            <Show when=move || note_error.get().is_some()>
                <p class="field-error" role="alert">{move || note_error.get().unwrap_or_default()}</p>
            </Show>
            <button class="button primary" type="submit" disabled=move || busy.get()>"記録する"</button>
            <Show when=move || saved.get()>
                <p class="saved" role="status" data-testid="saved">"保存しました。電波があれば自動で送信します。"</p>
            </Show>
            <Show when=move || save_error.get().is_some()>
                <p class="field-error" role="alert">{move || save_error.get().unwrap_or_default()}</p>
            </Show>
        </form>
    }
}

#[component]
fn HistoryItem(check: Check) -> impl IntoView {
    let (badge, badge_class) = match check.sync {
        SyncState::Pending => ("未送信", "tag pending-tag"),
        SyncState::Synced => ("送信済み", "tag synced-tag"),
        SyncState::Rejected => ("送信できませんでした", "tag rejected-tag"),
    };
    view! {
        <li class="history-item" data-testid="history-item">
            <span class=format!("outcome-badge outcome-{}", check.outcome.as_str())>{check.outcome.label_ja()}</span>
            <span class="when">{format_datetime(check.recorded_at)}</span>
            <span class=badge_class>{badge}</span>
            <span class="who">{check.author_name.clone()}</span>
            {check.note.clone().map(|n| view! { <p class="note">{n}</p> })}
            {check.rejection.clone().map(|r| view! { <p class="field-error">{r}</p> })}
        </li>
    }
}
