//! One person as a manager sees them: fields, consent and its history, assigned volunteers, and
//! the audit log of who touched their data.

use super::api;
use super::person_form::{ConsentDraft, ConsentEditor, EditPersonForm};
use super::persons::ConsentBadges;
use super::widgets::{loaded, ConfirmButton, FieldError, FormError, FormProblem, ReadStatus, ServerRead};
use crate::api::admin::{AuditEntry, PersonDetail, RecordConsentRequest, UserBrief};
use crate::domain::{Consent, PersonId};
use crate::ui::state::use_app_state;
use crate::ui::time::{format_full, ja_date};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PersonAdminPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).and_then(|id| PersonId::parse(&id)));
    move || match id.get() {
        Some(id) => view! { <PersonAdmin id/> }.into_any(),
        None => view! {
            <section class="page">
                <h1>"見つかりません"</h1>
                <p><A href="/admin/persons" attr:class="button">"対象者の一覧へ"</A></p>
            </section>
        }
        .into_any(),
    }
}

#[component]
fn PersonAdmin(id: PersonId) -> impl IntoView {
    let id = StoredValue::new(id);
    let read: ServerRead<PersonDetail> = LocalResource::new(move || {
        let id = id.get_value();
        async move { api::person(&id).await }
    });
    let detail = Memo::new(move |_| read.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned()));
    let audit_read: ServerRead<Vec<AuditEntry>> = LocalResource::new(move || {
        let id = id.get_value();
        async move { api::audit(&id).await }
    });
    let audit = loaded(audit_read);
    let editing = RwSignal::new(false);
    // Every change is logged: show the new lines at once.
    let changed = Callback::new(move |d: PersonDetail| {
        read.set(Some(Ok(d)));
        editing.set(false);
        audit_read.refetch();
    });
    let title = move || detail.with(|d| d.as_ref().map(|d| d.fields.name.clone()).unwrap_or_default());
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin/persons">"← 対象者の一覧"</A></p>
            <h1>{title}</h1>
            <ReadStatus read/>
            {move || detail.get().map(|d| {
                let id = d.id.clone();
                if editing.get() {
                    view! {
                        <h2>"登録内容の変更"</h2>
                        <EditPersonForm id initial=d.fields on_saved=changed on_cancel=Callback::new(move |_| editing.set(false))/>
                    }.into_any()
                } else {
                    view! {
                        <PersonFacts detail=d.clone()/>
                        <button class="button" type="button" on:click=move |_| editing.set(true)>"登録内容を変更する"</button>
                        <ConsentSection id detail=d.clone() changed/>
                        <Volunteers volunteers=d.volunteers/>
                    }.into_any()
                }
            })}
            <h2>"閲覧・変更の記録"</h2>
            <ReadStatus read=audit_read/>
            <AuditTable entries=audit/>
        </section>
    }
}

#[component]
fn PersonFacts(detail: PersonDetail) -> impl IntoView {
    let f = detail.fields;
    let consent = detail.consent.as_ref().map(|c| c.scopes).unwrap_or_default();
    let contacts = f.emergency_contacts;
    view! {
        <p class="person-kana">{f.kana}</p>
        <p class="badges">
            <ConsentBadges record=consent.record share=consent.share_partners/>
            {f.needs_evacuation_help.then(|| view! { <span class="tag tag-warn">"避難支援"</span> })}
            {(!f.active).then(|| view! { <span class="tag tag-muted">"休止中"</span> })}
        </p>
        <dl class="facts facts-grid">
            <dt>"地区・小地域"</dt><dd>{format!("{}・{}", detail.district, detail.small_area)}</dd>
            <dt>"住所"</dt><dd>{f.address}</dd>
            <dt>"電話番号"</dt><dd>{f.phone.unwrap_or_else(|| "なし".into())}</dd>
            <dt>"位置"</dt><dd>{format!("緯度 {}、経度 {}", f.lat, f.lng)}</dd>
            <dt>"世帯の状況"</dt><dd>{f.household_type.label_ja()}</dd>
            <dt>"見守りの間隔"</dt><dd>{format!("{}日ごと", f.check_interval_days)}</dd>
            <dt>"避難の支援"</dt><dd>{if f.needs_evacuation_help { "必要" } else { "不要" }}</dd>
            <dt>"状態"</dt><dd>{if f.active { "見守り中" } else { "休止中" }}</dd>
            <dt>"緊急連絡先"</dt>
            <dd>
                {if contacts.is_empty() {
                    view! { "なし" }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {contacts.into_iter().map(|c| view! {
                                <li>
                                    {c.name}
                                    {(!c.relation.is_empty()).then(|| format!("（{}）", c.relation))}
                                    " "
                                    <a href=format!("tel:{}", c.phone.replace(['-', ' '], ""))>{c.phone.clone()}</a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </dd>
            <dt>"メモ"</dt><dd class="note">{if f.notes.is_empty() { "なし".to_owned() } else { f.notes }}</dd>
            <dt>"最終更新"</dt><dd>{format_full(detail.updated_at)}</dd>
        </dl>
    }
}

/// 本人同意: the one in force, a form to record a new one, withdrawal, and the history.
#[component]
fn ConsentSection(id: PersonId, detail: PersonDetail, changed: Callback<PersonDetail>) -> impl IntoView {
    let state = use_app_state();
    let recording = RwSignal::new(false);
    let error: FormError = RwSignal::new(None);
    let draft = ConsentDraft::new();
    let id = StoredValue::new(id);
    // Recording and withdrawing are one action: one of them at a time.
    let change = Action::new_local(move |request: &Option<RecordConsentRequest>| {
        let request = request.clone();
        error.set(None);
        async move {
            let id = id.get_value();
            let result = match request {
                Some(request) => api::record_consent(&id, &request).await,
                None => api::withdraw_consent(&id).await,
            };
            match result {
                Ok(d) => changed.run(d),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let busy = change.pending();
    let record = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        match draft.input() {
            Ok(consent) => {
                change.dispatch(Some(RecordConsentRequest { consent }));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let withdraw = Callback::new(move |_| {
        change.dispatch(None);
    });
    let has_consent = detail.consent.is_some();
    view! {
        <h2>"本人同意"</h2>
        {match detail.consent {
            Some(c) => view! { <CurrentConsent consent=c/> }.into_any(),
            None => view! { <p class="warning">"有効な同意がありません。情報の共有はできません。"</p> }.into_any(),
        }}
        <div class="actions">
            <button class="button" type="button" aria-expanded=move || recording.get().to_string()
                on:click=move |_| recording.update(|r| *r = !*r)>"同意を記録"</button>
            {has_consent.then(|| view! {
                <ConfirmButton label="同意の撤回"
                    question="同意を撤回すると、この方の情報は共有されなくなります。撤回の記録は残ります。撤回しますか？"
                    confirm_label="撤回する" busy on_confirm=withdraw/>
            })}
        </div>
        <Show when=move || recording.get()>
            <form class="admin-form boxed" on:submit=record novalidate data-testid="consent-form">
                <ConsentEditor draft error id_prefix="consent"/>
                <div class="actions">
                    <button class="button primary" type="submit" disabled=move || busy.get()>"この内容で記録する"</button>
                    <button class="button secondary" type="button" on:click=move |_| recording.set(false)>"やめる"</button>
                </div>
            </form>
        </Show>
        <FormProblem error/>
        <h3>"同意の履歴"</h3>
        <ConsentHistory history=detail.consent_history/>
    }
}

#[component]
fn CurrentConsent(consent: Consent) -> impl IntoView {
    view! {
        <dl class="facts facts-grid consent-now" data-testid="consent-now">
            <dt>"同意した日"</dt><dd>{ja_date(&consent.obtained_on)}</dd>
            <dt>"方法"</dt><dd>{consent.method.label_ja()}</dd>
            <dt>"範囲"</dt><dd>{scopes_text(&consent)}</dd>
            <dt>"記録した人"</dt><dd>{consent.recorded_by}</dd>
        </dl>
    }
}

fn scopes_text(c: &Consent) -> String {
    let s = c.scopes;
    let parts: Vec<&str> =
        [(s.record, "記録"), (s.share_partners, "協力法人と共有"), (s.share_disaster, "災害時に共有")]
            .into_iter()
            .filter_map(|(on, label)| on.then_some(label))
            .collect();
    if parts.is_empty() {
        "なし".into()
    } else {
        parts.join("・")
    }
}

#[component]
fn ConsentHistory(history: Vec<Consent>) -> impl IntoView {
    if history.is_empty() {
        return view! { <p class="empty">"同意の記録はまだありません。"</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="consent-history">
            <thead>
                <tr><th scope="col">"同意した日"</th><th scope="col">"方法"</th><th scope="col">"範囲"</th>
                    <th scope="col">"記録"</th><th scope="col">"状態"</th></tr>
            </thead>
            <tbody>
                {history.into_iter().map(|c| {
                    let state = match (c.withdrawn_at, &c.withdrawn_by) {
                        (Some(at), by) => view! {
                            <span class="tag tag-no">"撤回"</span>
                            {format!("{}（{}）", format_full(at), by.clone().unwrap_or_default())}
                        }.into_any(),
                        (None, _) => view! { <span class="tag tag-ok">"有効"</span> }.into_any(),
                    };
                    view! {
                        <tr class:withdrawn=c.withdrawn_at.is_some()>
                            <td data-label="同意した日">{ja_date(&c.obtained_on)}</td>
                            <td data-label="方法">{c.method.label_ja()}</td>
                            <td data-label="範囲">{scopes_text(&c)}</td>
                            <td data-label="記録">{format!("{}（{}）", c.recorded_by, format_full(c.recorded_at))}</td>
                            <td data-label="状態">{state}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Volunteers(volunteers: Vec<UserBrief>) -> impl IntoView {
    view! {
        <h2>"担当の見守りボランティア"</h2>
        {if volunteers.is_empty() {
            view! { <p class="empty">"まだいません。" <A href="/admin/users">"ユーザー・招待"</A> "で割り当てます。"</p> }.into_any()
        } else {
            view! {
                <ul class="plain">
                    {volunteers.into_iter().map(|v| view! { <li>{v.display_name}" （"{v.login}"）"</li> }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
fn AuditTable(entries: Memo<Vec<AuditEntry>>) -> impl IntoView {
    view! {
        <Show when=move || !entries.with(Vec::is_empty)>
            <table class="table audit" data-testid="audit">
                <thead>
                    <tr><th scope="col">"日時"</th><th scope="col">"誰が"</th><th scope="col">"役割"</th>
                        <th scope="col">"端末"</th><th scope="col">"操作"</th><th scope="col">"内容"</th></tr>
                </thead>
                <tbody>
                    {move || entries.get().into_iter().map(|e| view! {
                        <tr>
                            <td data-label="日時">{format_full(e.at)}</td>
                            <td data-label="誰が">{e.user.display_name}</td>
                            <td data-label="役割">{e.user.role.label_ja()}</td>
                            <td data-label="端末"><code>{e.device_id.map(|d| d.chars().take(8).collect::<String>()).unwrap_or_else(|| "—".into())}</code></td>
                            <td data-label="操作">{action_label(&e.action)}</td>
                            <td data-label="内容">{detail_label(&e.action, &e.detail)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </Show>
    }
}

/// The detail of a log line in words: consent scopes and check outcomes are codes on the wire.
fn detail_label(action: &str, detail: &str) -> String {
    match action {
        "consent.record" => detail
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| match s {
                "record" => "記録",
                "share_partners" => "協力法人と共有",
                "share_disaster" => "災害時に共有",
                other => other,
            })
            .collect::<Vec<_>>()
            .join("・"),
        "person.read" if detail == "map" => "地図から".to_owned(),
        "check.create" => crate::domain::CheckOutcome::parse(detail).map_or(detail, |o| o.label_ja()).to_owned(),
        "safety.confirm" => {
            crate::domain::disaster::SafetyStatus::parse(detail).map_or(detail, |s| s.label_ja()).to_owned()
        }
        // Field names from a phone's edit: `phone,notes`, or `phone:other` for a settled conflict.
        "person.update" | "conflict.open" | "conflict.resolve" => detail
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (field, choice) = s.split_once(':').unwrap_or((s, ""));
                let name = crate::domain::PersonField::parse(field).map_or(field, |f| f.label_ja());
                match choice {
                    "current" => format!("{name}：今の内容を残す"),
                    "other" => format!("{name}：もう一方を残す"),
                    _ => name.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join("・"),
        _ => detail.to_owned(),
    }
}

/// The server's action names (`person.read`…) in words; an unknown one is shown as it is.
fn action_label(action: &str) -> String {
    match action {
        "person.read" => "閲覧",
        "person.list" => "一覧に表示",
        "person.map" => "地図に表示",
        "person.create" => "登録",
        "person.update" => "変更",
        "consent.record" => "同意の記録",
        "consent.withdraw" => "同意の撤回",
        "sync.read" => "端末へ受信",
        "check.create" => "見守りの記録",
        "request.read" => "依頼の閲覧（協力法人）",
        "audit.read" => "この記録の閲覧",
        "conflict.open" => "食い違い（両方を保存）",
        "conflict.resolve" => "食い違いの確認",
        "conflict.read" => "食い違いの一覧に表示",
        "request.create" => "依頼",
        "request.update" => "依頼の対応",
        "case.read" => "要対応の閲覧",
        "case.update" => "要対応の対応",
        "export" => "ダウンロード",
        "meeting.read" => "個別ケース検討会の資料を閲覧",
        "meeting.print" => "個別ケース検討会の資料を印刷",
        "safety.confirm" => "安否確認の記録",
        "safety.board" => "安否確認の集計に表示",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_details_are_in_words() {
        assert_eq!(super::detail_label("consent.record", "record,share_disaster"), "記録・災害時に共有");
        assert_eq!(super::detail_label("check.create", "concern"), "気になる");
        assert_eq!(super::detail_label("person.read", ""), "");
    }
}
