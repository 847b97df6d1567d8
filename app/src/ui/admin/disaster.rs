//! 災害時の安否確認, the office's side: start an event over the affected small areas (訓練 or
//! real; an admin may widen it to persons without consent, with the reason), watch its board fill
//! in as phones sync — counts by status per small area, the unconfirmed by risk, the field users'
//! own states — refreshed every few seconds without a reload, and close it.
//!
//! A second event over areas already in one is refused by the server (`event_overlap`); the form
//! then offers to add the areas to that one, so the lists are never doubled.

use super::api;
use super::widgets::{
    is_admin, loaded, read_ok, ConfirmButton, FieldError, FormError, FormProblem, ReadStatus, ServerRead,
};
use crate::api::admin::AreaTree;
use crate::api::admin::UserSummary;
use crate::api::disaster::{
    AddAreas, BoardPerson, EventBoard, EventSummary, HandOver, NewEvent, Tally, BOARD_REFRESH_MS,
};
use crate::domain::disaster::{BoardColour, EventKind, SafetyStatus, DEFAULT_ALERT_HOURS};
use crate::domain::{PersonId, Role, UserId};
use crate::ui::map as lmap;
use crate::ui::state::use_app_state;
use crate::ui::time::format_full;
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use wasm_bindgen::JsCast;

/// The events, those under way first, and the form to start one.
#[component]
pub fn EventsPage() -> impl IntoView {
    let read: ServerRead<Vec<EventSummary>> = LocalResource::new(api::events);
    let events = loaded(read);
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"安否確認"</h1>
            <p class="lead">"災害のとき、避難に支援が必要な方（要援護者）の安否を、見守りのネットワークで確かめます。始めると、対象の小地域の民生委員・ボランティアの端末に一覧が届きます。"</p>
            <ReadStatus read/>
            <Show when=move || read_ok(read) && events.with(Vec::is_empty)>
                <p class="empty">"まだ安否確認はありません。"</p>
            </Show>
            <ul class="cards" data-testid="events">
                {move || events.get().into_iter().map(|e| view! {
                    <li class="card">
                        <A href=format!("/admin/events/{}", e.id) attr:class="row-link">{e.name.clone()}</A>
                        <p class="hint">
                            {e.drill.then_some("【訓練】")}
                            {if e.closed_at.is_some() { "終了" } else { "実施中" }}
                            {format!("・{}・{}・確認済み {}/{}人", e.kind.label_ja(), format_full(e.started_at), e.confirmed, e.persons)}
                        </p>
                    </li>
                }).collect_view()}
            </ul>
            <NewEventForm open=events/>
        </section>
    }
}

/// 安否確認を始める: a name, what struck, the affected small areas, 訓練 or not, and (admins) the
/// widening with its reason.
#[component]
fn NewEventForm(open: Memo<Vec<EventSummary>>) -> impl IntoView {
    let state = use_app_state();
    let navigate = use_navigate();
    let tree: ServerRead<AreaTree> = LocalResource::new(api::areas);
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(EventKind::Earthquake);
    let chosen = RwSignal::new(Vec::<String>::new());
    let drill = RwSignal::new(false);
    let hours = RwSignal::new(DEFAULT_ALERT_HOURS.to_string());
    let widen = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    // The event under way over some of the chosen areas, once the server said so.
    let overlap = RwSignal::new(None::<EventSummary>);
    let go = navigate.clone();
    let start = Action::new_local(move |e: &NewEvent| {
        let e = e.clone();
        let go = go.clone();
        async move {
            match api::start_event(&e).await {
                Ok(made) => go(&format!("/admin/events/{}", made.id), Default::default()),
                Err(f) => {
                    let problem = FieldError::from_failure(&f, state);
                    if problem.code == "event_overlap" {
                        overlap.set(open.with_untracked(|es| {
                            es.iter()
                                .find(|o| {
                                    o.closed_at.is_none() && o.areas.iter().any(|a| e.small_area_ids.contains(&a.id))
                                })
                                .cloned()
                        }));
                    }
                    error.set(Some(problem));
                }
            }
        }
    });
    let merge = Action::new_local(move |(id, areas): &(String, Vec<String>)| {
        let (id, areas) = (id.clone(), areas.clone());
        let navigate = navigate.clone();
        async move {
            match api::add_event_areas(&id, &AddAreas { small_area_ids: areas }).await {
                Ok(e) => navigate(&format!("/admin/events/{}", e.id), Default::default()),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        overlap.set(None);
        let Ok(alert_hours) = hours.get_untracked().trim().parse::<u32>() else {
            return error.set(Some(FieldError::new("invalid_event", "時間は1〜168の数字で入力してください。")));
        };
        let event = NewEvent {
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            small_area_ids: chosen.get_untracked(),
            drill: drill.get_untracked(),
            alert_hours,
            widen_reason: widen.get_untracked().then(|| reason.get_untracked()),
        };
        match event.validate() {
            Ok(e) => {
                error.set(None);
                start.dispatch(e);
            }
            Err(e) => error.set(Some(e.into())),
        }
    };
    let districts = loaded(tree);
    view! {
        <form class="case-form" on:submit=submit novalidate data-testid="new-event">
            <h2>"安否確認を始める"</h2>
            <label for="event-name">"名前（例：12月5日 大雪）"</label>
            <input id="event-name" type="text" maxlength="200" prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="event-kind">"種類"</label>
            <select id="event-kind" on:change=move |ev| {
                if let Some(k) = EventKind::parse(&event_target_value(&ev)) { kind.set(k); }
            }>
                {EventKind::ALL.iter().map(|k| view! {
                    <option value=k.as_str() selected=move || kind.get() == *k>{k.label_ja()}</option>
                }).collect_view()}
            </select>
            <fieldset class="choices" data-testid="event-areas">
                <legend>"対象の小地域"</legend>
                <ReadStatus read=tree/>
                {move || districts.get().districts.into_iter().map(|d| view! {
                    <p class="hint">{d.name.clone()}</p>
                    {d.small_areas.into_iter().map(|a| {
                        let (id, checked) = (a.id.clone(), a.id.clone());
                        view! {
                            <label class="choice">
                                <input type="checkbox" prop:checked=move || chosen.with(|v| v.contains(&checked))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|v| { v.retain(|x| *x != id); if on { v.push(id.clone()); } });
                                    }/>
                                {a.name.clone()}
                            </label>
                        }
                    }).collect_view()}
                }).collect_view()}
            </fieldset>
            <label class="choice">
                <input type="checkbox" prop:checked=move || drill.get() on:change=move |ev| drill.set(event_target_checked(&ev))/>
                "訓練として行う（実際の災害の集計とは分けて扱います）"
            </label>
            <label for="event-hours">"未確認の方を赤で示すまでの時間（時間）"</label>
            <input id="event-hours" type="number" min="1" max="168" inputmode="numeric" prop:value=move || hours.get()
                on:input=move |ev| hours.set(event_target_value(&ev))/>
            <Show when=is_admin>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || widen.get() on:change=move |ev| widen.set(event_target_checked(&ev))/>
                    "同意のない要援護者も対象にする（災害対策基本法：生命・身体を守るため特に必要なとき）"
                </label>
                <Show when=move || widen.get()>
                    <label for="widen-reason">"理由（記録され、すべての画面に表示されます）"</label>
                    <input id="widen-reason" type="text" maxlength="200" prop:value=move || reason.get()
                        on:input=move |ev| reason.set(event_target_value(&ev))/>
                </Show>
            </Show>
            <FormProblem error/>
            {move || overlap.get().map(|o| {
                let name = o.name.clone();
                view! {
                    <div class="notice" role="alert" data-testid="overlap">
                        <p>{format!("「{name}」が同じ地域で実施中です。新しく始めず、この安否確認に地域を追加できます。")}</p>
                        <button type="button" class="button" disabled=move || merge.pending().get()
                            on:click=move |_| { merge.dispatch((o.id.clone(), chosen.get_untracked())); }>
                            {format!("「{name}」に地域を追加する")}
                        </button>
                    </div>
                }
            })}
            <button class="button primary" type="submit" disabled=move || start.pending().get()>"安否確認を始める"</button>
        </form>
    }
}

/// One event's board, read again every [`BOARD_REFRESH_MS`] while it is open on screen.
#[component]
pub fn EventBoardPage() -> impl IntoView {
    let state = use_app_state();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    let read: ServerRead<EventBoard> = LocalResource::new(move || {
        let id = id.get();
        async move { api::event_board(&id).await }
    });
    // The last board read: a refresh that fails (the office's network blinked) keeps it on screen.
    let board = RwSignal::new(None::<EventBoard>);
    Effect::new(move |_| {
        if let Some(Ok(b)) = read.get() {
            board.set(Some(b));
        }
    });
    if let Ok(timer) = set_interval_with_handle(
        move || {
            if board.with_untracked(|b| b.as_ref().is_some_and(|b| b.event.closed_at.is_none())) {
                read.refetch();
            }
        },
        std::time::Duration::from_millis(u64::from(BOARD_REFRESH_MS)),
    ) {
        on_cleanup(move || timer.clear());
    }
    let close_error: FormError = RwSignal::new(None);
    let close = Action::new_local(move |_: &()| async move {
        match api::close_event(&id.get_untracked()).await {
            Ok(_) => read.refetch(),
            Err(f) => close_error.set(Some(FieldError::from_failure(&f, state))),
        }
    });
    view! {
        <section class="page admin-page event-board" data-testid="event-board">
            <p class="back"><A href="/admin/events">"← 安否確認"</A></p>
            <ReadStatus read/>
            // What a refresh redraws; the forms below it keep what is being chosen across refreshes.
            {move || board.get().map(|b| view! { <BoardHead board=b/> })}
            <Show when=move || board.with(Option::is_some)>
                <BoardMap board/>
            </Show>
            {move || board.get().map(|b| view! { <BoardLists board=b/> })}
            <Show when=move || board.with(|b| b.as_ref().is_some_and(|b| b.event.closed_at.is_none()))>
                <HandOverForm board id=id.get_untracked() on_done=Callback::new(move |_| read.refetch())/>
                <div class="actions no-print">
                    <ConfirmButton label="安否確認を終了する"
                        question="終了すると、この安否確認のためだけに届いた方の情報は、次の同期で各端末から消えます（社協の記録は残ります）。終了しますか。"
                        confirm_label="終了する" busy=close.pending() on_confirm=Callback::new(move |_| { close.dispatch(()); })/>
                </div>
            </Show>
            <FormProblem error=close_error/>
        </section>
    }
}

/// The event, the time of the figures, and the counts per small area, with the downloads.
#[component]
fn BoardHead(board: EventBoard) -> impl IntoView {
    let e = board.event.clone();
    let now = board.server_time;
    view! {
        <h1>{format!("安否確認：{}", e.name)}</h1>
        <p class="meta">
            {e.drill.then(|| view! { <span class="tag drill">"訓練"</span> " " })}
            {format!("{}・{} 開始（{} さん）", e.kind.label_ja(), format_full(e.started_at), e.started_by)}
            {e.closed_at.map(|c| format!("・{} 終了", format_full(c)))}
        </p>
        {e.widened_reason.clone().map(|r| view! {
            <p class="notice widened" role="note">{format!("同意のない方も対象にしています（理由：{r}）。")}</p>
        })}
        <p class="hint" role="status" data-testid="board-updated">
            {format!("{} 現在", format_full(now))}
            {e.closed_at.is_none().then_some("（自動で更新します）")}
        </p>
        <TallyTable board=board.clone()/>
        <p class="actions no-print">
            <a class="button secondary" href=format!("/api/v1/events/{}/export?format=csv", e.id) download data-testid="event-csv">"一覧を CSV で"</a>
            " "
            <a class="button secondary" href=format!("/api/v1/events/{}/export?format=xlsx", e.id) download data-testid="event-xlsx">"一覧を Excel で"</a>
            " "
            <button type="button" class="button secondary" on:click=move |_| api::print()>"印刷する"</button>
        </p>
    }
}

/// Who is still to be seen, who needs help, and how the field users themselves are.
#[component]
fn BoardLists(board: EventBoard) -> impl IntoView {
    let e = board.event.clone();
    let now = board.server_time;
    let area_name = |id: &str| {
        e.areas.iter().find(|a| a.id == id).map(|a| format!("{}・{}", a.district, a.name)).unwrap_or_default()
    };
    let unconfirmed: Vec<BoardPerson> = board.persons.iter().filter(|p| p.latest.is_none()).cloned().collect();
    let attention: Vec<BoardPerson> =
        board.persons.iter().filter(|p| p.latest.as_ref().is_some_and(|c| !c.status.is_safe())).cloned().collect();
    view! {
        <h2>{format!("未確認の方 {}人", unconfirmed.len())}</h2>
        <p class="hint">"一人暮らしの方、高齢者のみの世帯、障害のある方の順。"</p>
        <ul class="cards" data-testid="unconfirmed-list">
            {unconfirmed.into_iter().map(|p| view! { <BoardRow person=p.clone() area=area_name(&p.small_area_id) event=e.clone() now/> }).collect_view()}
        </ul>
        <h2>{format!("支援・救助が必要な方、連絡のつかない方 {}人", attention.len())}</h2>
        <ul class="cards" data-testid="attention-list">
            {attention.into_iter().map(|p| view! { <BoardRow person=p.clone() area=area_name(&p.small_area_id) event=e.clone() now/> }).collect_view()}
        </ul>
        <h2>"民生委員・ボランティアの状況"</h2>
        <Show when={let none = board.responders.is_empty(); move || none}>
            <p class="empty">"まだ報告はありません。"</p>
        </Show>
        <ul class="cards" data-testid="responders">
            {board.responders.iter().map(|r| view! {
                <li class="card">
                    <span class=format!("tag responder-{}", r.state.as_str())>{r.state.label_ja()}</span> " "
                    {format!("{}（{}）・{}", r.name, r.role.label_ja(), format_full(r.at))}
                </li>
            }).collect_view()}
        </ul>
    }
}

/// 担当の引き継ぎ: one person, or the whole list of a volunteer or 民生委員 who cannot act, to
/// another of them. Outside what a refresh redraws, so a choice half made survives it.
#[component]
fn HandOverForm(board: RwSignal<Option<EventBoard>>, id: String, on_done: Callback<()>) -> impl IntoView {
    let state = use_app_state();
    let users: ServerRead<Vec<UserSummary>> = LocalResource::new(api::users);
    let all = loaded(users);
    let field = Memo::new(move |_| {
        all.with(|us| {
            us.iter()
                .filter(|u| !u.disabled && matches!(u.user.role, Role::Volunteer | Role::Commissioner))
                .map(|u| (u.user.id.clone(), format!("{}（{}）", u.user.display_name, u.user.role.label_ja())))
                .collect::<Vec<_>>()
        })
    });
    let whose = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    let done = RwSignal::new(None::<String>);
    let id = StoredValue::new(id);
    let send = Action::new_local(move |h: &HandOver| {
        let h = h.clone();
        async move {
            match api::hand_over(&id.get_value(), &h).await {
                Ok(r) => {
                    done.set(Some(format!(
                        "{}人を引き継ぎました。次の同期で引き継いだ人の端末に届きます。",
                        r.persons
                    )));
                    on_done.run(());
                }
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(None);
        let (Some(to), w) = (UserId::parse(&to.get_untracked()), whose.get_untracked()) else {
            return error
                .set(Some(FieldError::new("checker_not_found", "引き継ぐ民生委員・ボランティアを選んでください。")));
        };
        let h = match (
            w.strip_prefix("user:").and_then(UserId::parse),
            w.strip_prefix("person:").and_then(PersonId::parse),
        ) {
            (Some(from), _) => HandOver { to, person_ids: Vec::new(), from: Some(from) },
            (_, Some(p)) => HandOver { to, person_ids: vec![p], from: None },
            _ => return error.set(Some(FieldError::new("invalid_event", "引き継ぐ方、または一覧を選んでください。"))),
        };
        error.set(None);
        send.dispatch(h);
    };
    let persons = Memo::new(move |_| {
        board.with(|b| {
            b.as_ref()
                .map(|b| {
                    b.persons
                        .iter()
                        .filter(|p| p.latest.as_ref().is_none_or(|c| !c.status.is_safe()))
                        .map(|p| (p.id.clone(), p.name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    view! {
        <form class="case-form no-print" on:submit=submit novalidate data-testid="hand-over">
            <h2>"担当の引き継ぎ"</h2>
            <p class="hint">"活動できない方の一覧や、まだ確認できていない方を、別の民生委員・ボランティアに引き継ぎます。"</p>
            <label for="hand-what">"引き継ぐもの"</label>
            <select id="hand-what" on:change=move |ev| whose.set(event_target_value(&ev))>
                <option value="" selected=move || whose.get().is_empty()>"選んでください"</option>
                <optgroup label="この人の一覧をまとめて">
                    {move || field.get().into_iter().map(|(uid, name)| {
                        let v = format!("user:{}", uid.as_str());
                        let chosen = v.clone();
                        view! { <option value=v selected=move || whose.get() == chosen>{name}</option> }
                    }).collect_view()}
                </optgroup>
                <optgroup label="この方だけ（確認が済んでいない方）">
                    {move || persons.get().into_iter().map(|(pid, name)| {
                        let v = format!("person:{}", pid.as_str());
                        let chosen = v.clone();
                        view! { <option value=v selected=move || whose.get() == chosen>{name}</option> }
                    }).collect_view()}
                </optgroup>
            </select>
            <label for="hand-to">"引き継ぐ人"</label>
            <select id="hand-to" on:change=move |ev| to.set(event_target_value(&ev))>
                <option value="" selected=move || to.get().is_empty()>"選んでください"</option>
                {move || field.get().into_iter().map(|(uid, name)| {
                    let v = uid.as_str().to_owned();
                    let chosen = v.clone();
                    view! { <option value=v selected=move || to.get() == chosen>{name}</option> }
                }).collect_view()}
            </select>
            <FormProblem error/>
            {move || done.get().map(|d| view! { <p class="saved" role="status">{d}</p> })}
            <button class="button primary" type="submit" disabled=move || send.pending().get()>"引き継ぐ"</button>
        </form>
    }
}

/// Counts by status, for the whole event and each small area.
#[component]
fn TallyTable(board: EventBoard) -> impl IntoView {
    let row = |name: String, t: &Tally| {
        let cells: Vec<u32> = SafetyStatus::ALL.iter().map(|s| t.count(*s)).collect();
        let warn = t.unconfirmed > 0;
        view! {
            <tr>
                <th scope="row">{name}</th>
                <td>{t.persons}</td>
                <td class:warn=move || warn>{t.unconfirmed}</td>
                {cells.into_iter().map(|n| view! { <td>{n}</td> }).collect_view()}
            </tr>
        }
    };
    let areas = board.event.areas.clone();
    view! {
        <div class="table-scroll">
            <table class="table" data-testid="tallies">
                <thead>
                    <tr>
                        <th scope="col">"地域"</th><th scope="col">"対象"</th><th scope="col">"未確認"</th>
                        {SafetyStatus::ALL.iter().map(|s| view! { <th scope="col">{s.label_ja()}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {row("合計".to_owned(), &board.total)}
                    {board.tallies.iter().map(|(id, t)| {
                        let name = areas.iter().find(|a| &a.id == id).map(|a| format!("{}・{}", a.district, a.name)).unwrap_or_default();
                        row(name, t)
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn BoardRow(person: BoardPerson, area: String, event: EventSummary, now: i64) -> impl IntoView {
    let colour = person.colour(&event, now);
    let status = person.latest.as_ref().map(|c| c.status.label_ja()).unwrap_or(BoardColour::Grey.label_ja());
    view! {
        <li class=format!("card board-row board-{}", colour.as_str()) data-testid="board-row">
            <span class=format!("tag board-tag board-{}", colour.as_str())>{status}</span> " "
            <strong>{person.name.clone()}</strong>
            {person.widened.then(|| view! { " " <span class="tag">"同意なし"</span> })}
            {person.handed_to.clone().map(|n| view! { " " <span class="tag tag-info">{format!("担当：{n}")}</span> })}
            <p class="hint">{format!("{}・{}・{}", area, person.household_type.label_ja(), person.address)}
                {person.phone.clone().map(|p| format!("・{p}"))}</p>
            {person.latest.clone().map(|c| view! {
                <p class="hint">
                    {format!("{}（{} さん）", format_full(c.recorded_at), c.by_name)}
                    {c.shelter.map(|s| format!("・{} {}", s.label_ja(), c.shelter_name))}
                    {(!c.needs.is_empty()).then(|| format!("・{}", c.needs.iter().map(|n| n.label_ja()).collect::<Vec<_>>().join("・")))}
                    {c.note.clone().map(|n| format!("「{n}」"))}
                    {c.late.then_some("（終了後に受信）")}
                    {c.location.map(|at| confirmed_where(&person, at))}
                    {(person.confirmations > 1).then(|| format!("（確認 {}回）", person.confirmations))}
                </p>
            })}
        </li>
    }
}

/// Where the checker stood, said against the person's home: 「・確認地点：自宅から約40m」 (found at
/// home) or 「約2.3km」 (found elsewhere, a shelter say); just that it was recorded when the home
/// has no coordinates.
fn confirmed_where(person: &BoardPerson, at: crate::domain::GeoStamp) -> String {
    match (person.lat, person.lng) {
        (Some(lat), Some(lng)) => {
            let m = crate::domain::due::distance_m(lat, lng, at.lat, at.lng);
            let far = crate::words::distance(crate::domain::due::Walk::of(m), crate::error::Lang::Ja);
            format!("・確認地点：自宅から{far}")
        }
        _ => "・確認地点を記録".to_owned(),
    }
}

/// A colour's mark inside its marker (colour is never the only cue), and its place in the
/// clusters' worst-first rings (`public/map.js`: 緊急, 気になる, 超過, 未記録, 変わりなし).
fn mark(c: BoardColour) -> (&'static str, &'static str, u32) {
    match c {
        BoardColour::Red => ("status-emergency", "救", 0),
        BoardColour::Yellow => ("status-concern", "支", 1),
        BoardColour::Grey => ("status-no_record", "未", 3),
        BoardColour::Green => ("status-fine", "無", 4),
    }
}

/// The board's persons on the map, coloured as the board counts them (the same `BoardColour`
/// the phones use), redrawn when a refresh brings a change; Leaflet from our own origin.
#[component]
fn BoardMap(board: RwSignal<Option<EventBoard>>) -> impl IntoView {
    let library = LocalResource::new(lmap::load);
    let tiles = LocalResource::new(api::map_tiles);
    let node = NodeRef::<leptos::html::Div>::new();
    let map: RwSignal<Option<leaflet::Map>, LocalStorage> = RwSignal::new_local(None);
    let group: RwSignal<Option<lmap::ClusterGroup>, LocalStorage> = RwSignal::new_local(None);
    // Fitted to the persons once, and only at the element's real size (a map measured at 0 px
    // fits to the wrong zoom and draws nothing); the size is watched until then.
    let fitted = StoredValue::new(false);
    let bounds: StoredValue<Option<wasm_bindgen::JsValue>, LocalStorage> = StoredValue::new_local(None);
    let fit = move || {
        let (Some(m), Some(b), Some(el)) = (map.get_untracked(), bounds.get_value(), node.get_untracked()) else {
            return;
        };
        if fitted.get_value() || el.client_width() == 0 || el.client_height() == 0 {
            return;
        }
        lmap::fit_to(&m, &b);
        fitted.set_value(true);
    };
    let observer: StoredValue<Option<web_sys::ResizeObserver>, LocalStorage> = StoredValue::new_local(None);
    let tile_errors = RwSignal::new(0u32);
    // What each person is drawn as: only a change redraws (a refresh every 10 s mostly brings none).
    let drawn = Memo::new(move |_| {
        board.with(|b| {
            b.as_ref().map(|b| {
                b.persons
                    .iter()
                    .filter_map(|p| {
                        Some((p.id.clone(), p.name.clone(), p.lat?, p.lng?, p.colour(&b.event, b.server_time)))
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    Effect::new(move |_| {
        let ready = library.with(|l| matches!(l, Some(Ok(()))));
        let (Some(el), true, Some(source)) = (node.get(), ready, tiles.get()) else { return };
        if map.with_untracked(Option::is_some) {
            return;
        }
        let (lat, lng) =
            drawn.with_untracked(|d| d.as_ref().and_then(|d| d.first().map(|p| (p.2, p.3)))).unwrap_or((36.0, 138.0));
        let source = source.ok().unwrap_or_default();
        let Some(m) = lmap::new_map(&el, (lat, lng), 14.0, source.max_zoom.max(1)) else { return };
        if !source.url.is_empty() {
            let layer = lmap::tile_layer(&source.url, &source.attribution, source.max_zoom);
            lmap::on(&layer, "tileerror", move |_| tile_errors.update(|n| *n += 1));
            m.add_layer(&layer);
        }
        let g = lmap::cluster_group();
        m.add_layer(g.unchecked_ref());
        observer.set_value(lmap::on_resize(&el, move || {
            if let Some(m) = map.get_untracked() {
                m.invalidate_size(false);
            }
            fit();
        }));
        group.set(Some(g));
        map.set(Some(m));
    });
    Effect::new(move |_| {
        let (Some(_), Some(g)) = (map.get(), group.get()) else { return };
        drawn.with(|d| {
            let Some(d) = d else { return };
            g.clear_layers();
            let markers = lmap::JsList::new();
            let mut all: Option<leaflet::LatLngBounds> = None;
            for (id, name, lat, lng, colour) in d {
                let (class, label, rank) = mark(*colour);
                let title = format!("{name}（{}）", colour.label_ja());
                markers.push(&lmap::marker(
                    *lat,
                    *lng,
                    id.as_str(),
                    &title,
                    &format!("{class} evacuation-help"),
                    label,
                    rank,
                ));
                let here = leaflet::LatLng::new(*lat, *lng);
                match &all {
                    Some(b) => {
                        b.extend(&here);
                    }
                    None => all = Some(leaflet::LatLngBounds::new(&here, &here)),
                }
            }
            g.add_layers(&markers);
            if bounds.with_value(Option::is_none) {
                bounds.set_value(all.map(Into::into));
            }
            fit();
        });
    });
    on_cleanup(move || {
        if let Some(o) = observer.get_value() {
            o.disconnect();
        }
        if let Some(m) = map.get_untracked() {
            m.remove();
        }
    });
    let counts = move || {
        drawn.with(|d| {
            BoardColour::ALL
                .iter()
                .map(|c| (*c, d.as_ref().map_or(0, |d| d.iter().filter(|p| p.4 == *c).count())))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <h2>"地図"</h2>
        <div class="map-legend" data-testid="board-legend">
            <ul>
                {move || counts().into_iter().map(|(c, n)| {
                    let (class, label, _) = mark(c);
                    view! {
                        <li><span class=format!("legend-pin map-pin {class} evacuation-help") aria-hidden="true">{label}</span>
                            {format!("{} {}人", c.label_ja(), n)}</li>
                    }
                }).collect_view()}
            </ul>
        </div>
        <Show when=move || library.with(|l| matches!(l, Some(Err(_))))>
            <p class="field-error" role="alert">"地図を読み込めませんでした。一覧と集計はそのまま使えます。"</p>
        </Show>
        <div class="map-frame">
            <div class="map-canvas" node_ref=node data-testid="board-map"></div>
            <Show when=move || { tile_errors.get() > 0 }>
                <p class="map-tiles-down" role="status">"地図の画像を読み込めません。印はそのまま表示しています。"</p>
            </Show>
        </div>
    }
}
