//! 要対応: what the network found, one line per person, for the office to acknowledge and act on.
//! 緊急 first, then the oldest. A 緊急 nobody has acknowledged within 30 minutes of reaching the
//! server is marked late; lateness is judged by the server's clock (sent with the list) and
//! re-judged every half minute, so a late case shows without anyone reloading the page.

use super::api;
use super::widgets::{loaded, read_ok, FieldError, FormError, FormProblem, ReadStatus, ServerRead};
use crate::api::cases::{CaseDetail, CaseEvent, CaseEventKind, CaseList, CaseSignal, CaseSummary, PartnerOwner};
use crate::client::time::device_now;
use crate::domain::{is_late, CaseStatus, CaseUpdate, CheckOutcome, RequestStatus};
use crate::ui::state::use_app_state;
use crate::ui::time::format_full;
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;
use std::time::Duration;

/// How often the queue re-judges lateness, and (every other time) asks the server for news.
const TICK: Duration = Duration::from_secs(30);

#[component]
pub fn CasesPage() -> impl IntoView {
    let read: ServerRead<CaseList> = LocalResource::new(api::cases);
    let list = loaded(read);
    // The server's clock: its time at the read, carried forward by this computer's own clock
    // (not the sync's corrected one, which a sync in the background may move under it).
    let skew = Memo::new(move |_| list.with(|l| (l.server_time != 0).then(|| l.server_time - device_now())));
    let now = RwSignal::new(device_now());
    let ticks = StoredValue::new(0u32);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            now.set(device_now());
            ticks.update_value(|t| *t += 1);
            if ticks.get_value().is_multiple_of(2) {
                read.refetch();
            }
        },
        TICK,
    ) {
        on_cleanup(move || handle.clear());
    }
    let server_now = Signal::derive(move || now.get() + skew.get().unwrap_or(0));
    let show_closed = RwSignal::new(false);
    let shown = Memo::new(move |_| {
        let closed = show_closed.get();
        list.with(|l| l.cases.iter().filter(|c| c.status.is_open() != closed).cloned().collect::<Vec<_>>())
    });
    let open = move || list.with(|l| l.cases.iter().filter(|c| c.status.is_open()).count());
    let waiting = move || list.with(|l| l.cases.iter().filter(|c| c.awaiting_since.is_some()).count());
    let late = move || {
        let now = server_now.get();
        list.with(|l| l.cases.iter().filter(|c| is_late(c.urgent, c.awaiting_since, now)).count())
    };
    let error: FormError = RwSignal::new(None);
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"要対応 " <span class="count">{move || open()} "件"</span></h1>
            <p class="lead">
                {move || format!("確認待ち {}件。", waiting())}
                "緊急を先に、古いものから並びます。緊急は届いてから30分以内に「確認しました」を押してください。"
            </p>
            <Show when=move || { late() > 0 }>
                <p class="late-alert" role="alert" data-testid="late-alert">
                    {move || format!("30分以上確認されていない緊急が {} 件あります。", late())}
                </p>
            </Show>
            <div class="tabs" role="group" aria-label="表示する件">
                <button type="button" class="button secondary" aria-pressed=move || (!show_closed.get()).to_string()
                    on:click=move |_| show_closed.set(false)>"未対応・対応中"</button>
                <button type="button" class="button secondary" aria-pressed=move || show_closed.get().to_string()
                    data-testid="show-closed" on:click=move |_| show_closed.set(true)>"終わったもの（30日）"</button>
            </div>
            <p class="actions">
                <a class="button secondary" href="/api/v1/cases/export?format=csv" download data-testid="cases-csv">"一覧を CSV で"</a>
                <a class="button secondary" href="/api/v1/cases/export?format=xlsx" download data-testid="cases-xlsx">"一覧を Excel で"</a>
            </p>
            <ReadStatus read/>
            <FormProblem error/>
            <Show when=move || read_ok(read) && shown.with(Vec::is_empty)>
                <p class="empty" data-testid="no-cases">{move || if show_closed.get() {
                    "この30日に終わった件はありません。"
                } else {
                    "対応が必要な件はありません。"
                }}</p>
            </Show>
            <ul class="cards" data-testid="cases">
                <For each=move || shown.get() key=|c| (c.id.clone(), c.updated_at, c.status) let:case>
                    <CaseCard case server_now read error/>
                </For>
            </ul>
        </section>
    }
}

/// One case in the queue; opens to its timeline and the form to act on it.
#[component]
fn CaseCard(case: CaseSummary, server_now: Signal<i64>, read: ServerRead<CaseList>, error: FormError) -> impl IntoView {
    let state = use_app_state();
    let id = StoredValue::new(case.id.clone());
    let (urgent, awaiting) = (case.urgent, case.awaiting_since);
    let late = move || is_late(urgent, awaiting, server_now.get());
    let opened = RwSignal::new(false);
    let detail = RwSignal::new(None::<CaseDetail>);
    // A changed case replaces its line in the queue, and its open timeline.
    let replace = move |d: CaseDetail| {
        super::widgets::edit_loaded(read, |l| {
            if let Some(c) = l.cases.iter_mut().find(|c| c.id == d.summary.id) {
                *c = d.summary.clone();
            }
        });
        detail.set(Some(d));
    };
    let acknowledge = Action::new_local(move |_: &()| {
        error.set(None);
        async move {
            match api::acknowledge_case(&id.get_value()).await {
                Ok(d) => replace(d),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let open_detail = Action::new_local(move |_: &()| async move {
        match api::case(&id.get_value()).await {
            Ok(d) => detail.set(Some(d)),
            Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
        }
    });
    let toggle = move |_| {
        let now_open = !opened.get_untracked();
        opened.set(now_open);
        if now_open {
            open_detail.dispatch(());
        }
    };
    let person_href = format!("/admin/persons/{}", case.person_id.as_str());
    let owner = case.owner_name().map(str::to_owned);
    let heading_id = format!("case-{}", case.id);
    let labelled_by = heading_id.clone();
    view! {
        <li class="card case-card" class:urgent=case.urgent class:late=late data-testid="case"
            aria-labelledby=labelled_by>
            <div class="card-head">
                {case.urgent.then(|| view! { <span class="tag tag-no">"緊急"</span> })}
                <span class=format!("tag case-{}", case.status.as_str())>{case.status.label_ja()}</span>
                <Show when=late>
                    <span class="tag tag-late" data-testid="case-late">"30分以上未確認"</span>
                </Show>
                <h2 class="case-person" id=heading_id><A href=person_href>{case.person_name.clone()}</A></h2>
                <span class="when">{format!("{}・{}", case.district, case.small_area)}</span>
            </div>
            <dl class="facts facts-grid">
                <dt>"届いた日時"</dt><dd>{format_full(case.opened_at)}</dd>
                <dt>"最新の記録"</dt>
                <dd data-testid="case-last-signal">
                    {case.last_signal.as_ref().map(signal_text).unwrap_or_default()}
                    {(case.signals > 1).then(|| format!("（ほか {} 件）", case.signals - 1))}
                </dd>
                <dt>"確認"</dt>
                <dd data-testid="case-ack">{match (&case.acknowledged_by, case.acknowledged_at, case.awaiting_since) {
                    (_, _, Some(since)) => format!("まだ確認されていません（{} から）", format_full(since)),
                    (Some(by), Some(at), None) => format!("{by} さんが確認（{}）", format_full(at)),
                    _ => "確認済み".to_owned(),
                }}</dd>
                {owner.map(|o| view! { <dt>"担当"</dt><dd data-testid="case-owner">{o}</dd> })}
                {case.next_action_on.as_ref().map(|d| view! { <dt>"次の対応"</dt><dd>{d.clone()}</dd> })}
            </dl>
            <div class="actions">
                {awaiting.is_some().then(|| view! {
                    <button class="button primary" type="button" data-testid="acknowledge"
                        disabled=move || acknowledge.pending().get()
                        on:click=move |_| { acknowledge.dispatch(()); }>"確認しました"</button>
                })}
                <button class="button secondary" type="button" aria-expanded=move || opened.get().to_string()
                    data-testid="open-case" on:click=toggle>
                    {move || if opened.get() { "閉じる" } else { "経過を見る・対応を記録する" }}
                </button>
            </div>
            <Show when=move || opened.get()>
                {move || match detail.get() {
                    None => view! { <p class="loading" role="status">"読み込み中…"</p> }.into_any(),
                    Some(d) => view! { <CaseDetailPanel detail=d on_saved=replace/> }.into_any(),
                }}
            </Show>
        </li>
    }
}

/// A signal in a line: 緊急・気になる with what was seen, or the request's need.
pub(super) fn signal_text(s: &CaseSignal) -> String {
    match s {
        CaseSignal::Check { outcome, concerns, note, by, .. } => {
            let mut words = vec![outcome.label_ja().to_owned()];
            words.extend(concerns.iter().map(|c| c.label_ja().to_owned()));
            let seen = words.join("・");
            match note {
                Some(n) if !n.is_empty() => format!("{seen}「{n}」（{by} さん）"),
                _ => format!("{seen}（{by} さん）"),
            }
        }
        CaseSignal::Request { need, detail, by, status, referred_to, .. } => {
            let asked = if detail.is_empty() {
                format!("依頼: {}（{by} さん）", need.label_ja())
            } else {
                format!("依頼: {}「{detail}」（{by} さん）", need.label_ja())
            };
            // Where the request stands now: the partner's progress, seen from the case.
            match (referred_to, status) {
                (Some(org), Some(s)) => format!("{asked} → {org} に紹介・{}", s.label_ja()),
                (None, Some(s)) if *s != RequestStatus::Received => format!("{asked} → {}", s.label_ja()),
                _ => asked,
            }
        }
        CaseSignal::Safety { status, needs, note, by, .. } => {
            let mut words = vec![format!("安否確認: {}", status.label_ja())];
            words.extend(needs.iter().map(|n| n.label_ja().to_owned()));
            let seen = words.join("・");
            match note {
                Some(n) if !n.is_empty() => format!("{seen}「{n}」（{by} さん）"),
                _ => format!("{seen}（{by} さん）"),
            }
        }
    }
}

#[component]
fn CaseDetailPanel(detail: CaseDetail, on_saved: impl Fn(CaseDetail) + Copy + Send + Sync + 'static) -> impl IntoView {
    let d = detail;
    view! {
        <div class="case-detail" data-testid="case-detail">
            <dl class="facts facts-grid">
                <dt>"住所"</dt><dd>{d.person_address.clone()}</dd>
                <dt>"電話番号"</dt>
                <dd>{match d.person_phone.clone() {
                    Some(p) => view! { <a href=format!("tel:{}", p.replace(['-', ' '], ""))>{p.clone()}</a> }.into_any(),
                    None => view! { "なし" }.into_any(),
                }}</dd>
            </dl>
            <h3>"経過"</h3>
            <ol class="timeline" data-testid="case-timeline">
                {d.events.iter().map(|e| view! { <TimelineEntry event=e.clone()/> }).collect_view()}
            </ol>
            <CaseForm detail=d on_saved/>
        </div>
    }
}

#[component]
pub(super) fn TimelineEntry(event: CaseEvent) -> impl IntoView {
    let what = match &event.what {
        CaseEventKind::Signal { signal } => {
            let urgent = matches!(
                signal,
                CaseSignal::Check { outcome: CheckOutcome::Emergency, .. }
                    | CaseSignal::Safety { status: crate::domain::disaster::SafetyStatus::NeedsRescue, .. }
            );
            (if urgent { "緊急の記録" } else { "記録" }.to_owned(), signal_text(signal))
        }
        CaseEventKind::Acknowledged => ("確認".to_owned(), format!("{} さんが確認しました", event.by)),
        CaseEventKind::Update { status, owner, owner_is_partner, next_action_on, note, shared_note } => {
            let mut parts = Vec::new();
            if let Some(s) = status {
                parts.push(format!("状況を「{}」に", s.label_ja()));
            }
            match owner.as_deref() {
                Some(o) if *owner_is_partner => parts.push(format!("担当を紹介先の {o} に")),
                Some(o) => parts.push(format!("担当を {o} さんに")),
                None if next_action_on.is_none() && status.is_none() && note.is_empty() && shared_note.is_none() => {
                    parts.push("担当を外しました".into())
                }
                None => {}
            }
            match next_action_on.as_deref() {
                Some("") => parts.push("次の対応日を消しました".into()),
                Some(d) => parts.push(format!("次の対応日を {d} に")),
                None => {}
            }
            if let Some(s) = shared_note.as_deref().filter(|s| !s.is_empty()) {
                parts.push(format!("現場へ「{s}」"));
            }
            if !note.is_empty() {
                parts.push(note.clone());
            }
            (format!("{} さん", event.by), parts.join("。"))
        }
    };
    view! {
        <li>
            <span class="when">{format_full(event.at)}</span>
            " " <strong>{what.0}</strong> " " <span class="note">{what.1}</span>
        </li>
    }
}

/// What the office did or decided: status, owner, next date, a note, a word for the field.
#[component]
fn CaseForm(detail: CaseDetail, on_saved: impl Fn(CaseDetail) + Copy + Send + Sync + 'static) -> impl IntoView {
    let state = use_app_state();
    let s = &detail.summary;
    let id = StoredValue::new(s.id.clone());
    let closed = !s.status.is_open();
    let status = RwSignal::new(s.status);
    let owner = RwSignal::new(owner_choice(s));
    let next = RwSignal::new(s.next_action_on.clone().unwrap_or_default());
    let note = RwSignal::new(String::new());
    let shared = RwSignal::new(detail.shared_note.clone().unwrap_or_default());
    let before =
        StoredValue::new((status.get_untracked(), owner.get_untracked(), next.get_untracked(), shared.get_untracked()));
    let error: FormError = RwSignal::new(None);
    let save = Action::new_local(move |update: &CaseUpdate| {
        let update = update.clone();
        async move {
            match api::update_case(&id.get_value(), &update).await {
                Ok(d) => on_saved(d),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (s0, o0, n0, sh0) = before.get_value();
        let changed = |now: String, was: String| (now != was).then_some(now);
        let update = CaseUpdate {
            status: (status.get_untracked() != s0).then(|| status.get_untracked()),
            next_action_on: changed(next.get_untracked(), n0),
            note: note.get_untracked(),
            shared_note: changed(shared.get_untracked(), sh0),
            ..owner_change(owner.get_untracked(), &o0)
        };
        match update.validate() {
            Ok(u) => {
                error.set(None);
                save.dispatch(u);
            }
            Err(e) => error.set(Some(e.into())),
        }
    };
    let field = |name: &str| format!("{name}-{}", detail.summary.id);
    let (status_id, owner_id, next_id, note_id, shared_id) =
        (field("status"), field("owner"), field("next"), field("note"), field("shared"));
    let (owners, partners) = (detail.owners.clone(), detail.partner_owners.clone());
    view! {
        <form class="case-form" on:submit=submit novalidate data-testid="case-form">
            <h3>"対応を記録する"</h3>
            <label for=status_id.clone()>"状況"</label>
            <StatusSelect id=status_id status disabled=closed/>
            {closed.then(|| view! { <p class="hint">"終わった件の状況は変えられません。新しい記録が届くと、新しい件として開きます。"</p> })}
            <label for=owner_id.clone()>"担当"</label>
            <select id=owner_id disabled=closed on:change=move |ev| owner.set(event_target_value(&ev))>
                <option value="" selected=move || owner.with(String::is_empty)>"（決めていない）"</option>
                {owners.into_iter().map(|u| {
                    let uid = u.id.as_str().to_owned();
                    let chosen = uid.clone();
                    view! {
                        <option value=uid selected=move || owner.with(|o| *o == chosen)>
                            {format!("{}（{}）", u.display_name, u.role.label_ja())}
                        </option>
                    }
                }).collect_view()}
                <PartnerOptions partners owner/>
            </select>
            <label for=next_id.clone()>"次の対応日"</label>
            <input id=next_id type="date" disabled=closed prop:value=move || next.get()
                on:input=move |ev| next.set(event_target_value(&ev))/>
            <label for=note_id.clone()>"したこと・決めたこと（社協と民生委員だけが見ます）"</label>
            <textarea id=note_id rows="3" maxlength="1000" prop:value=move || note.get()
                on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <label for=shared_id.clone()>"記録した方へのひとこと（ボランティアにも表示されます）"</label>
            <input id=shared_id type="text" maxlength="200" prop:value=move || shared.get()
                on:input=move |ev| shared.set(event_target_value(&ev))/>
            <FormProblem error/>
            <button class="button primary" type="submit" disabled=move || save.pending().get()>"記録する"</button>
        </form>
    }
}

/// The owner select's value: a user's id, `org:` and a partner organisation's id, or empty.
pub(super) fn owner_choice(s: &CaseSummary) -> String {
    match (&s.owner, &s.owner_organization) {
        (Some(u), _) => u.id.as_str().to_owned(),
        (None, Some(o)) => format!("{PARTNER}{}", o.id),
        (None, None) => String::new(),
    }
}

const PARTNER: &str = "org:";

/// What choosing `now` in the owner select (was `was`) changes: nothing, the user, the partner
/// organisation, or clearing the owner.
pub(super) fn owner_change(now: String, was: &str) -> CaseUpdate {
    if now == was {
        return CaseUpdate::default();
    }
    match now.strip_prefix(PARTNER) {
        Some(org) => CaseUpdate { owner_organization_id: Some(org.to_owned()), ..Default::default() },
        None => CaseUpdate { owner_id: Some(now), ..Default::default() },
    }
}

/// The partner organisations a case's requests were referred to, as owner choices.
#[component]
pub(super) fn PartnerOptions(partners: Vec<PartnerOwner>, owner: RwSignal<String>) -> impl IntoView {
    (!partners.is_empty()).then(|| {
        view! {
            <optgroup label="紹介先の団体">
                {partners.into_iter().map(|o| {
                    let value = format!("{PARTNER}{}", o.id);
                    let chosen = value.clone();
                    view! { <option value=value selected=move || owner.with(|v| *v == chosen)>{o.name}</option> }
                }).collect_view()}
            </optgroup>
        }
    })
}

/// 状況: 未対応 / 対応中 / 完了 / 見守り継続, for the case form and the meeting's decision form.
#[component]
pub(super) fn StatusSelect(id: String, status: RwSignal<CaseStatus>, disabled: bool) -> impl IntoView {
    view! {
        <select id=id disabled=disabled on:change=move |ev| {
            if let Some(s) = CaseStatus::parse(&event_target_value(&ev)) {
                status.set(s);
            }
        }>
            {CaseStatus::ALL.into_iter().map(|s| view! {
                <option value=s.as_str() selected=move || status.get() == s>{s.label_ja()}</option>
            }).collect_view()}
        </select>
    }
}
