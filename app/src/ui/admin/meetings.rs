//! 個別ケース検討会 (the monthly case conference): the coordinator picks open cases for a meeting
//! date, reads and prints the agenda for the people in the room, and enters each decision after
//! the meeting; a decision is the case's update (status, owner, next date, note), like any other.
//! With partner staff attending, the server leaves out the name, the address and the free text of
//! persons who have not agreed to share with partners; the screen says how many, and prints the
//! same. Every view and print is audited by the server.

use super::api;
use super::cases::{owner_change, signal_text, PartnerOptions, StatusSelect, TimelineEntry};
use super::widgets::{loaded, read_ok, FieldError, FormError, FormProblem, ReadStatus, ServerRead};
use crate::api::cases::CaseList;
use crate::api::meetings::{Agenda, AgendaItem, Audience, Decision, MeetingSummary, NewMeeting};
use crate::domain::{CalendarDate, CaseUpdate};
use crate::ui::state::use_app_state;
use crate::ui::time::{format_full, local_date, now_millis};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

/// The meetings, newest first, and a form for a new one over the open cases.
#[component]
pub fn MeetingsPage() -> impl IntoView {
    let read: ServerRead<Vec<MeetingSummary>> = LocalResource::new(api::meetings);
    let meetings = loaded(read);
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"個別ケース検討会"</h1>
            <p class="lead">"検討する方を選んで会議の資料をつくり、会議のあとで決まったことを記録します。"</p>
            <ReadStatus read/>
            <Show when=move || read_ok(read) && meetings.with(Vec::is_empty)>
                <p class="empty">"まだ検討会はありません。"</p>
            </Show>
            <ul class="cards" data-testid="meetings">
                {move || meetings.get().into_iter().map(|m| view! {
                    <li class="card">
                        <A href=format!("/admin/meetings/{}", m.id) attr:class="row-link">
                            {format!("{} {}", m.held_on, if m.title.is_empty() { "個別ケース検討会".to_owned() } else { m.title.clone() })}
                        </A>
                        <p class="hint">{format!("{}人・決定の記録 {}人・{} さんが作成", m.cases, m.decided, m.created_by)}</p>
                    </li>
                }).collect_view()}
            </ul>
            <NewMeetingForm/>
        </section>
    }
}

/// 新しい検討会: a date, a name, and the open cases to take up, in the queue's order.
#[component]
fn NewMeetingForm() -> impl IntoView {
    let state = use_app_state();
    let navigate = use_navigate();
    let cases: ServerRead<CaseList> = LocalResource::new(api::cases);
    let queue = loaded(cases);
    let choices = Signal::derive(move || queue.with(|l| open_choices(l, &[])));
    let held_on = RwSignal::new(local_date(now_millis()).as_str().to_owned());
    let title = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let error: FormError = RwSignal::new(None);
    let create = Action::new_local(move |m: &NewMeeting| {
        let m = m.clone();
        let navigate = navigate.clone();
        async move {
            match api::create_meeting(&m).await {
                Ok(made) => navigate(&format!("/admin/meetings/{}", made.id), Default::default()),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let submit = submit_meeting(MeetingForm { held_on, title, choices, chosen, error }, create);
    view! {
        <form class="case-form" on:submit=submit novalidate data-testid="new-meeting">
            <h2>"新しい検討会"</h2>
            <MeetingFields held_on title choices chosen>
                <ReadStatus read=cases/>
            </MeetingFields>
            <FormProblem error/>
            <button class="button primary" type="submit" disabled=move || create.pending().get()>"検討会の資料をつくる"</button>
        </form>
    }
}

/// A case the meeting form offers: who, and whether its decision is entered (then it stays).
#[derive(Debug, Clone, PartialEq)]
struct Choice {
    id: String,
    label: String,
    urgent: bool,
    decided: bool,
}

/// The queue's open cases not already among `on_it`, in the queue's order.
fn open_choices(list: &CaseList, on_it: &[Choice]) -> Vec<Choice> {
    list.cases
        .iter()
        .filter(|c| c.status.is_open() && !on_it.iter().any(|o| o.id == c.id))
        .map(|c| Choice {
            id: c.id.clone(),
            label: format!("{}（{}・{}）{}", c.person_name, c.district, c.small_area, c.status.label_ja()),
            urgent: c.urgent,
            decided: false,
        })
        .collect()
}

/// What the meeting forms (new, change) hold.
#[derive(Clone, Copy)]
struct MeetingForm {
    held_on: RwSignal<String>,
    title: RwSignal<String>,
    choices: Signal<Vec<Choice>>,
    chosen: RwSignal<Vec<String>>,
    error: FormError,
}

impl MeetingForm {
    /// The form's meeting: the cases in the order offered, not the order they were ticked.
    fn meeting(self) -> Result<NewMeeting, FieldError> {
        let held_on = CalendarDate::parse(&self.held_on.get_untracked())?;
        let picked = self.chosen.get_untracked();
        let case_ids = self
            .choices
            .with_untracked(|c| c.iter().filter(|c| picked.contains(&c.id)).map(|c| c.id.clone()).collect());
        Ok(NewMeeting { held_on, title: self.title.get_untracked(), case_ids }.validate()?)
    }
}

/// Checks the form on the device (the reason beside it), then sends it with `send`.
fn submit_meeting(form: MeetingForm, send: Action<NewMeeting, ()>) -> impl Fn(leptos::ev::SubmitEvent) + Copy {
    move |ev| {
        ev.prevent_default();
        match form.meeting() {
            Ok(m) => {
                form.error.set(None);
                send.dispatch(m);
            }
            Err(e) => form.error.set(Some(e)),
        }
    }
}

/// The date, the name and the cases to take up (a decided case stays ticked).
#[component]
fn MeetingFields(
    held_on: RwSignal<String>,
    title: RwSignal<String>,
    choices: Signal<Vec<Choice>>,
    chosen: RwSignal<Vec<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <label for="meeting-date">"開く日"</label>
        <input id="meeting-date" type="date" prop:value=move || held_on.get()
            on:input=move |ev| held_on.set(event_target_value(&ev))/>
        <label for="meeting-title">"会議の名前（なくてもかまいません）"</label>
        <input id="meeting-title" type="text" maxlength="60" prop:value=move || title.get()
            on:input=move |ev| title.set(event_target_value(&ev))/>
        <fieldset class="choices">
            <legend>"検討する方（対応が済んでいない件）"</legend>
            {children()}
            {move || choices.get().into_iter().map(|c| {
                let id = c.id.clone();
                let checked = id.clone();
                view! {
                    <label class="choice">
                        <input type="checkbox" disabled=c.decided prop:checked=move || chosen.with(|v| v.contains(&checked))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                chosen.update(|v| {
                                    v.retain(|x| *x != id);
                                    if on {
                                        v.push(id.clone());
                                    }
                                });
                            }/>
                        {c.urgent.then(|| view! { <span class="tag tag-no">"緊急"</span> })}
                        {c.label}
                        {c.decided.then_some("（決定を記録済み）")}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// Changing a meeting before (or after) it is held: the date, the name, and the cases, those on
/// its agenda first and then the other open ones; a decided case stays on it. Behind a button.
#[component]
fn ChangeMeeting(agenda: Agenda, read: ServerRead<Agenda>) -> impl IntoView {
    let opened = RwSignal::new(false);
    let agenda = StoredValue::new(agenda);
    view! {
        <p class="actions no-print">
            <button type="button" class="button secondary" aria-expanded=move || opened.get().to_string()
                data-testid="change-meeting" on:click=move |_| opened.update(|o| *o = !*o)>
                "日付・検討する方を変える"
            </button>
        </p>
        <Show when=move || opened.get()>
            <ChangeMeetingForm agenda=agenda.get_value() read/>
        </Show>
    }
}

/// The change form itself: it reads the queue (for the open cases to add) only once opened.
#[component]
fn ChangeMeetingForm(agenda: Agenda, read: ServerRead<Agenda>) -> impl IntoView {
    let state = use_app_state();
    let cases: ServerRead<CaseList> = LocalResource::new(api::cases);
    let queue = loaded(cases);
    let on_it: Vec<Choice> = agenda
        .items
        .iter()
        .map(|i| Choice {
            id: i.case_id.clone(),
            label: match &i.person {
                Some(p) => format!("{}（{}・{}）{}", p.name, i.district, p.small_area, i.status.label_ja()),
                None => format!("{}（{}）", i.number, i.district),
            },
            urgent: i.urgent,
            decided: i.decided_at.is_some(),
        })
        .collect();
    let chosen = RwSignal::new(on_it.iter().map(|c| c.id.clone()).collect::<Vec<_>>());
    let on_it = StoredValue::new(on_it);
    let choices = Signal::derive(move || {
        let mut all = on_it.get_value();
        all.extend(queue.with(|l| open_choices(l, &all)));
        all
    });
    let held_on = RwSignal::new(agenda.meeting.held_on.clone());
    let title = RwSignal::new(agenda.meeting.title.clone());
    let id = StoredValue::new(agenda.meeting.id.clone());
    let error: FormError = RwSignal::new(None);
    let save = Action::new_local(move |m: &NewMeeting| {
        let m = m.clone();
        async move {
            match api::change_meeting(&id.get_value(), &m).await {
                Ok(_) => read.refetch(),
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let submit = submit_meeting(MeetingForm { held_on, title, choices, chosen, error }, save);
    view! {
        <form class="case-form no-print" on:submit=submit novalidate data-testid="change-meeting-form">
            <MeetingFields held_on title choices chosen>
                <ReadStatus read=cases/>
            </MeetingFields>
            <FormProblem error/>
            <button class="button primary" type="submit" disabled=move || save.pending().get()>"変更を保存する"</button>
        </form>
    }
}

/// One meeting's agenda for the audience in the room, printable, with a decision form per case.
#[component]
pub fn MeetingPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id")).unwrap_or_default());
    let audience = RwSignal::new(Audience::Office);
    let read: ServerRead<Agenda> = LocalResource::new(move || api::agenda(id.get(), audience.get()));
    let agenda = Memo::new(move |_| read.with(|r| r.as_ref().and_then(|r| r.as_ref().ok()).cloned()));
    let print = Action::new_local(move |_: &()| async move {
        // Logged first (each person on the paper), then the browser's dialog.
        if api::agenda_printed(&id.get_untracked(), audience.get_untracked()).await.is_ok() {
            api::print();
        }
    });
    let choose = move |a: Audience| {
        view! {
            <button type="button" class="button secondary" aria-pressed=move || (audience.get() == a).to_string()
                on:click=move |_| audience.set(a)>
                {match a {
                    Audience::Office => "社協・市町村の職員だけ",
                    Audience::Partners => "協力法人の職員も出席",
                }}
            </button>
        }
    };
    view! {
        <section class="page admin-page meeting">
            <p class="back no-print"><A href="/admin/meetings">"← 個別ケース検討会"</A></p>
            <ReadStatus read/>
            {move || agenda.get().map(|a| {
                let title = if a.meeting.title.is_empty() { "個別ケース検討会".to_owned() } else { a.meeting.title.clone() };
                view! {
                    <h1>{format!("{title}　{}", a.meeting.held_on)}</h1>
                    <div class="tabs no-print" role="group" aria-label="出席する人">
                        {choose(Audience::Office)}
                        {choose(Audience::Partners)}
                    </div>
                    <p class="lead" data-testid="agenda-audience">{match a.audience {
                        Audience::Office => "社協・市町村の職員向けの資料です。お名前をすべて表示しています。".to_owned(),
                        Audience::Partners => format!(
                            "協力法人の職員が出席する会議の資料です。協力法人との共有に同意のない方 {}人は、お名前・住所・記録の文面を表示せず、番号で示します。",
                            a.withheld
                        ),
                    }}</p>
                    {(a.audience == Audience::Office).then(|| view! { <ChangeMeeting agenda=a.clone() read/> })}
                    <p class="actions no-print">
                        <button type="button" class="button secondary" data-testid="print-agenda"
                            disabled=move || print.pending().get() on:click=move |_| { print.dispatch(()); }>"印刷（A4）"</button>
                    </p>
                    <ol class="agenda" data-testid="agenda">
                        {a.items.iter().map(|item| view! {
                            <AgendaEntry item=item.clone() audience=a.audience meeting=a.meeting.id.clone() read/>
                        }).collect_view()}
                    </ol>
                }
            })}
        </section>
    }
}

/// One person on the agenda: who (when the audience may know), where the case stands, the
/// recent signals, what was done, and (for the office) the form for the meeting's decision.
#[component]
fn AgendaEntry(item: AgendaItem, audience: Audience, meeting: String, read: ServerRead<Agenda>) -> impl IntoView {
    let who = match &item.person {
        Some(p) => format!("{}. {}（{}・{}）", item.number, p.name, item.district, p.small_area),
        None => format!("{}. 対象者 {}（{}）お名前は表示しません", item.number, item.number, item.district),
    };
    let decided = item.decided_at.map(|at| format!("決定を記録しました（{}）", format_full(at)));
    view! {
        <li class="agenda-item card" data-testid="agenda-item">
            <h2>{who}</h2>
            <dl class="facts facts-grid">
                {item.person.as_ref().map(|p| view! { <dt>"住所"</dt><dd>{p.address.clone()}</dd> })}
                <dt>"状況"</dt>
                <dd>{item.status.label_ja()}{item.urgent.then_some("・緊急あり")}</dd>
                <dt>"届いた日時"</dt><dd>{format_full(item.opened_at)}</dd>
                <dt>"担当"</dt><dd>{item.owner.clone().unwrap_or_else(|| "決めていない".into())}</dd>
                <dt>"次の対応"</dt><dd>{item.next_action_on.clone().unwrap_or_else(|| "なし".into())}</dd>
            </dl>
            <h3>"最近の記録"</h3>
            <ul class="signals">
                {item.signals.iter().map(|s| view! { <li>{signal_text(s)}</li> }).collect_view()}
            </ul>
            <h3>"これまでの対応"</h3>
            {if item.actions.is_empty() {
                view! { <p class="hint">"まだありません。"</p> }.into_any()
            } else {
                view! {
                    <ol class="timeline">
                        {item.actions.iter().map(|e| view! { <TimelineEntry event=e.clone()/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
            {decided.map(|d| view! { <p class="saved" data-testid="decided">{d}</p> })}
            {(audience == Audience::Office).then(|| view! { <DecisionForm item=item.clone() meeting read/> })}
        </li>
    }
}

/// The meeting's decision on one case: status, owner, next date and what was decided.
#[component]
fn DecisionForm(item: AgendaItem, meeting: String, read: ServerRead<Agenda>) -> impl IntoView {
    let state = use_app_state();
    let case_id = StoredValue::new(item.case_id.clone());
    let meeting = StoredValue::new(meeting);
    let closed = !item.status.is_open();
    let status = RwSignal::new(item.status);
    let owner = RwSignal::new(String::new());
    let next = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error: FormError = RwSignal::new(None);
    let save = Action::new_local(move |update: &CaseUpdate| {
        let decision = Decision { case_id: case_id.get_value(), update: update.clone() };
        async move {
            match api::decide(&meeting.get_value(), &[decision]).await {
                Ok(outcomes) => match outcomes.into_iter().next().and_then(|o| o.error) {
                    None => read.refetch(),
                    Some(code) => error.set(Some(FieldError::new(code.wire(), code.text(crate::error::Lang::Ja)))),
                },
                Err(f) => error.set(Some(FieldError::from_failure(&f, state))),
            }
        }
    });
    let first = item.status;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let nonempty = |s: String| (!s.is_empty()).then_some(s);
        let update = CaseUpdate {
            status: (status.get_untracked() != first).then(|| status.get_untracked()),
            next_action_on: nonempty(next.get_untracked()),
            note: note.get_untracked(),
            shared_note: None,
            ..owner_change(owner.get_untracked(), "")
        };
        match update.validate() {
            Ok(u) => {
                error.set(None);
                save.dispatch(u);
            }
            Err(e) => error.set(Some(e.into())),
        }
    };
    let field = |name: &str| format!("decision-{name}-{}", item.number);
    let (status_id, owner_id, next_id, note_id) = (field("status"), field("owner"), field("next"), field("note"));
    view! {
        <form class="case-form no-print" on:submit=submit novalidate data-testid="decision-form">
            <h3>"会議で決まったこと"</h3>
            <label for=status_id.clone()>"状況"</label>
            <StatusSelect id=status_id status disabled=closed/>
            <label for=owner_id.clone()>"担当"</label>
            <select id=owner_id disabled=closed on:change=move |ev| owner.set(event_target_value(&ev))>
                <option value="">"（変えない）"</option>
                {item.owners.iter().map(|u| view! {
                    <option value=u.id.as_str().to_owned()>{format!("{}（{}）", u.display_name, u.role.label_ja())}</option>
                }).collect_view()}
                <PartnerOptions partners=item.partner_owners.clone() owner/>
            </select>
            <label for=next_id.clone()>"次の対応日"</label>
            <input id=next_id type="date" disabled=closed prop:value=move || next.get()
                on:input=move |ev| next.set(event_target_value(&ev))/>
            <label for=note_id.clone()>"決まったこと"</label>
            <textarea id=note_id rows="3" maxlength="1000" prop:value=move || note.get()
                on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            <FormProblem error/>
            <button class="button primary" type="submit" disabled=move || save.pending().get()>"決定を記録する"</button>
        </form>
    }
}
