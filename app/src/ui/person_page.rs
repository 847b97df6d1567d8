//! One person: who they are, a 見守り check form, and their history on this device.

use super::actions;
use super::check_form::CheckForm;
use super::my_requests::RequestItem;
use super::state::use_app_state;
use super::time::format_datetime;
use crate::domain::{Check, CheckKind, FieldValue, Person, PersonId, Role, SyncState};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

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
    let requests = {
        let id = id.clone();
        Memo::new(move |_| {
            state.requests.with(|rs| rs.iter().filter(|r| r.person_id == id).cloned().collect::<Vec<_>>())
        })
    };
    let open_requests = move || requests.with(|v| v.iter().filter(|r| r.pending || r.status.is_open()).count());
    // Where a form that led here said what it saved.
    let query = use_query_map();
    let saved = move || match query.with(|q| q.get("saved")).as_deref() {
        Some("inquiry") => Some("御用聞きを保存しました。電波があれば自動で送信します。"),
        Some("registered") => Some("登録しました。電波があれば自動で送信します。続けて見守りを記録できます。"),
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
            <p class="back"><a href="/persons">"← 担当の方"</a></p>
            <h1>{field(|p| p.name.clone())}</h1>
            <p class="person-kana">{field(|p| p.kana.clone())}</p>
            <p class="person-address">{field(|p| format!("{}（{}・{}）", p.address, p.district, p.small_area))}</p>
            {move || saved().map(|m| view! { <p class="saved" role="status" data-testid="page-saved">{m}</p> })}
            <ConflictNotice person/>
            <RefusedChanges id=id.clone()/>
            // The check comes first: it is what a visit is for, and it should not need scrolling.
            <CheckForm id=id.clone() person/>
            <a class="button secondary inquiry-link" href=inquiry_href>"御用聞き（困りごとを聞く）"</a>
            <h2>"相談・依頼 " <span class="count">{move || format!("対応中 {}件", open_requests())}</span></h2>
            <Show when=move || !requests.with(Vec::is_empty) fallback=|| view! { <p class="empty">"相談・依頼はありません。"</p> }>
                <ul class="cards" data-testid="person-requests">
                    <For each=move || requests.get() key=|r| (r.id.clone(), r.status, r.updated_at, r.pending) let:r>
                        <RequestItem request=r with_person=false/>
                    </For>
                </ul>
            </Show>
            <h2>"連絡先・同意"</h2>
            {move || tel().map(|phone| view! {
                <a class="button" href=format!("tel:{}", phone.replace('-', ""))>"電話をかける"</a>
            })}
            <dl class="facts">
                <dt>"確認の目安"</dt><dd>{field(|p| format!("{}日ごと", p.check_interval_days))}</dd>
                <dt>"電話"</dt><dd data-testid="person-phone">{field(|p| p.phone.clone().unwrap_or_else(|| "（なし）".into()))}</dd>
                <dt>"緊急連絡先"</dt><dd>{field(|p| if p.emergency_contacts.is_empty() {
                    "（なし）".to_owned()
                } else {
                    p.emergency_contacts.iter().map(|c| format!("{} {} {}", c.name, c.relation, c.phone)).collect::<Vec<_>>().join("／")
                })}</dd>
                <dt>"避難時の支援"</dt><dd>{field(|p| if p.needs_evacuation_help { "必要" } else { "不要" }.into())}</dd>
                <dt>"本人同意"</dt><dd data-testid="consent-summary">{field(consent_summary)}</dd>
                <dt>"メモ"</dt><dd class="notes" data-testid="person-notes">{field(|p| p.notes.clone())}</dd>
            </dl>
            <Show when=may_edit>
                <a class="button secondary" href=consent_href.clone()>"同意を記録する"</a>
                <EditForm id=id.clone() person/>
            </Show>
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
            {(check.kind == CheckKind::Inquiry).then(|| view! { <span class="tag kind-tag">"御用聞き"</span> })}
            {check.method.map(|m| view! { <span class="method">{m.label_ja()}</span> })}
            {(!check.needs.is_empty()).then(|| view! {
                <ul class="needs-heard">
                    {check.needs.iter().map(|n| view! {
                        <li>{if n.note.is_empty() { n.need.label_ja().to_owned() } else { format!("{}：{}", n.need.label_ja(), n.note) }}</li>
                    }).collect_view()}
                </ul>
            })}
            {(!check.concerns.is_empty()).then(|| view! {
                <p class="concerns">{check.concerns.iter().map(|c| c.label_ja()).collect::<Vec<_>>().join("・")}</p>
            })}
            {check.note.clone().map(|n| view! { <p class="note">{n}</p> })}
            {check.rejection.clone().map(|r| view! { <p class="field-error">{r}</p> })}
        </li>
    }
}

/// What the person agreed to, in words a volunteer can act on.
fn consent_summary(p: &Person) -> String {
    let c = &p.consent;
    if !c.record {
        return "同意なし（記録・共有はできません）".into();
    }
    let mut parts = vec!["記録に同意"];
    parts.push(if c.share_partners { "協力法人と共有可" } else { "協力法人とは共有しない" });
    parts.push(if c.share_disaster { "災害時の共有可" } else { "災害時の共有なし" });
    parts.join("・")
}

/// Says plainly when this person's record holds two disagreeing values.
#[component]
fn ConflictNotice(person: Memo<Option<Person>>) -> impl IntoView {
    let fields = move || {
        person.with(|p| {
            p.as_ref().map(|p| p.conflicts.iter().map(|f| format!("「{}」", f.label_ja())).collect::<String>())
        })
    };
    view! {
        <Show when=move || fields().is_some_and(|f| !f.is_empty())>
            <p class="notice" role="status" data-testid="conflict-notice">
                {fields} "は、別の方の変更と食い違っています。社協の担当者がどちらにするか決めるまで、今の内容を表示しています。"
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
                    error.set(Some(e.message_ja.to_owned()));
                    return;
                }
            }
        }
        let id = id.get_value();
        leptos::task::spawn_local(async move {
            match actions::save_person_edit(state, id, changes).await {
                Ok(()) => {
                    open.set(false);
                    saved.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="edit-person">
            <Show when=move || open.get() fallback=move || view! {
                <button class="button secondary" type="button" on:click=start>"連絡先・メモを変更する"</button>
            }>
                <form on:submit=on_submit novalidate>
                    <label for="edit-phone">"電話番号"</label>
                    <input id="edit-phone" type="tel" inputmode="tel" autocomplete="off"
                        prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/>
                    <label for="edit-notes">"メモ"</label>
                    <textarea id="edit-notes" rows="4" maxlength="2000"
                        prop:value=move || notes.get() on:input=move |ev| notes.set(event_target_value(&ev))></textarea>
                    <label class="checkbox">
                        <input type="checkbox" prop:checked=move || evacuation.get()
                            on:change=move |ev| evacuation.set(event_target_checked(&ev))/>
                        "避難時に支援が必要"
                    </label>
                    <Show when=move || error.get().is_some()>
                        <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                    </Show>
                    <div class="actions">
                        <button class="button primary" type="submit">"変更を保存"</button>
                        <button class="button secondary" type="button" on:click=move |_| open.set(false)>"やめる"</button>
                    </div>
                </form>
            </Show>
            <Show when=move || saved.get()>
                <p class="saved" role="status" data-testid="edit-saved">"保存しました。電波があれば自動で送信します。"</p>
            </Show>
        </section>
    }
}

/// Changes to this person the server refused: kept on the device with the reason, never dropped unseen.
#[component]
fn RefusedChanges(id: PersonId) -> impl IntoView {
    let state = use_app_state();
    let mine =
        move || state.refused_changes.with(|r| r.iter().filter(|c| c.person_id == id).cloned().collect::<Vec<_>>());
    view! {
        {move || mine().into_iter().map(|c| view! {
            <p class="field-error" role="alert" data-testid="refused-change">
                {format!("{}の変更は保存できませんでした：{}", c.what, c.reason)}
            </p>
        }).collect_view()}
    }
}
