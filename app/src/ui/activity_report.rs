//! 活動記録 (民生委員): the month's figures counted from the 民生委員's own records on this device,
//! correctable by hand, printable as one A4 page, and submitted to 社協 through sync.

use super::actions;
use super::i18n;
use super::state::use_app_state;
use super::time::{local_date, month as month_label, now_millis};
use crate::domain::{ActivityReport, Month, Need, NeedCount};
use leptos::prelude::*;
use rust_i18n::t;

/// One figure of the record: its label, and how to read and write it.
struct Figure {
    /// Also names its label, `activity.figure.<id>` in the locale file.
    id: &'static str,
    /// `activity.unit.<unit>`: times, days, cases.
    unit: &'static str,
    get: fn(&ActivityReport) -> u32,
    set: fn(&mut ActivityReport, u32),
}

const CONTACTS: [Figure; 4] = [
    Figure { id: "visits", unit: "times", get: |r| r.visits, set: |r, v| r.visits = v },
    Figure { id: "phone", unit: "times", get: |r| r.phone_calls, set: |r, v| r.phone_calls = v },
    Figure { id: "other", unit: "times", get: |r| r.other_contacts, set: |r, v| r.other_contacts = v },
    Figure { id: "days", unit: "days", get: |r| r.days_active, set: |r, v| r.days_active = v },
];

const SUBJECTS: [Figure; 4] = [
    Figure { id: "elderly", unit: "cases", get: |r| r.consultations.elderly, set: |r, v| r.consultations.elderly = v },
    Figure {
        id: "disability",
        unit: "cases",
        get: |r| r.consultations.disability,
        set: |r, v| r.consultations.disability = v,
    },
    Figure {
        id: "children",
        unit: "cases",
        get: |r| r.consultations.children,
        set: |r, v| r.consultations.children = v,
    },
    Figure {
        id: "subject-other",
        unit: "cases",
        get: |r| r.consultations.other,
        set: |r, v| r.consultations.other = v,
    },
];

const LIAISON: [Figure; 4] = [
    Figure { id: "council", unit: "times", get: |r| r.liaison.council, set: |r, v| r.liaison.council = v },
    Figure {
        id: "municipality",
        unit: "times",
        get: |r| r.liaison.municipality,
        set: |r, v| r.liaison.municipality = v,
    },
    Figure { id: "care-center", unit: "times", get: |r| r.liaison.care_center, set: |r, v| r.liaison.care_center = v },
    Figure { id: "bodies", unit: "times", get: |r| r.liaison.other_bodies, set: |r, v| r.liaison.other_bodies = v },
];

fn draft_key(month: &Month) -> String {
    format!("activity:{month}")
}

fn sent_key(month: &Month) -> String {
    format!("activity-sent:{month}")
}

#[component]
pub fn ActivityReportPage() -> impl IntoView {
    let state = use_app_state();
    let this_month = local_date(now_millis()).month();
    let month = RwSignal::new(this_month.clone());
    let counted = Memo::new(move |_| {
        let me = state.session.with(|s| s.user().map(|u| u.id.clone()))?;
        let m = month.get();
        Some(state.checks.with(|cs| {
            state.requests.with(|rs| state.persons.with(|ps| ActivityReport::count(&m, &me, cs, rs, ps, local_date)))
        }))
    });
    let report = RwSignal::new(None::<ActivityReport>);
    let sent = RwSignal::new(None::<ActivityReport>);
    let error = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    // Saved on the phone and queued: `Ok` means durable in the device store.
    let send = Action::new_local(move |r: &ActivityReport| {
        let r = r.clone();
        async move {
            match actions::submit_activity_report(state, r.clone()).await {
                Ok(()) => {
                    done.set(true);
                    sent.set(Some(r));
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let busy = send.pending();
    // A corrected draft for the month comes back; otherwise the counted figures.
    Effect::new(move |_| {
        let m = month.get();
        let fresh = counted.get();
        leptos::task::spawn_local(async move {
            let draft = actions::load_draft::<ActivityReport>(draft_key(&m)).await;
            sent.set(actions::load_draft::<ActivityReport>(sent_key(&m)).await);
            report.set(draft.or(fresh));
        });
    });
    let keep = move || {
        if let Some(r) = report.get_untracked() {
            actions::save_draft(draft_key(&r.month), r);
        }
    };
    let recount = move |_| {
        report.set(counted.get_untracked());
        if let Some(r) = report.get_untracked() {
            actions::save_draft(draft_key(&r.month), r);
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(r) = report.get_untracked() else { return };
        error.set(None);
        done.set(false);
        send.dispatch(r);
    };
    let months =
        [(this_month.previous(), t!("activity.last_month")), (Some(this_month.clone()), t!("activity.this_month"))];
    let name = move || state.session.with(|s| s.user().map(|u| u.display_name.clone()).unwrap_or_default());
    view! {
        <section class="page activity">
            <h1 class="no-print">{t!("nav.activity")}</h1>
            <div class="chip-group no-print" role="group" aria-label=t!("activity.month")>
                {months.into_iter().filter_map(|(m, label)| Some((m?, label))).map(|(m, label)| {
                    let value = m.clone();
                    view! {
                        <button type="button" class="chip"
                            aria-pressed=move || (month.get() == m).to_string()
                            on:click=move |_| { done.set(false); month.set(value.clone()); }>
                            {t!("activity.month_chip", label = label, month = month_label(&m))}
                        </button>
                    }
                }).collect_view()}
            </div>
            <p class="hint no-print">{t!("activity.hint")}</p>
            {move || report.get().map(|r| view! {
                <form class="activity-sheet" on:submit=submit novalidate>
                    <h2 class="sheet-title">{t!("activity.sheet_title", month = month_label(&r.month))}</h2>
                    <p class="sheet-who">{t!("activity.who", name = name())}</p>
                    <FigureTable caption=t!("activity.contacts").into_owned() figures=&CONTACTS report on_change=keep/>
                    <FigureTable caption=t!("activity.subjects").into_owned() figures=&SUBJECTS report on_change=keep/>
                    <p class="sheet-total">{move || t!("activity.total", n = report.with(|r| r.as_ref().map(|r| r.consultations.total()).unwrap_or(0)))}</p>
                    <ContentsTable report on_change=keep/>
                    <FigureTable caption=t!("activity.liaison").into_owned() figures=&LIAISON report on_change=keep/>
                    <label for="activity-note">{t!("activity.note")}</label>
                    <textarea id="activity-note" rows="3" maxlength="1000"
                        prop:value=move || report.with(|r| r.as_ref().map(|r| r.note.clone()).unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            report.update(|r| if let Some(r) = r { r.note = v; });
                            keep();
                        }></textarea>
                    {move || super::state::refused_report(state, &month.get()).map(|why| view! {
                        <p class="field-error" role="alert">{t!("activity.refused", why = why)}</p>
                    })}
                    <Show when=move || error.get().is_some()>
                        <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                    </Show>
                    <div class="actions no-print">
                        <button class="button primary" type="submit" disabled=move || busy.get()>{t!("activity.submit")}</button>
                        <button class="button secondary" type="button" on:click=move |_| actions::print()>{t!("activity.print")}</button>
                        <button class="button secondary" type="button" on:click=recount>{t!("activity.recount")}</button>
                    </div>
                    <Show when=move || done.get()>
                        <p class="saved no-print" role="status" data-testid="activity-saved">{t!("activity.saved")}</p>
                    </Show>
                    <Show when=move || !done.get() && sent.with(|s| s.as_ref().is_some_and(|s| s.month == month.get()))>
                        <p class="hint no-print" data-testid="activity-sent">{t!("activity.sent")}</p>
                    </Show>
                </form>
            })}
        </section>
    }
}

/// A group of figures: each a number the 民生委員 can correct.
#[component]
fn FigureTable(
    caption: String,
    figures: &'static [Figure],
    report: RwSignal<Option<ActivityReport>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <table class="sheet-table">
            <caption>{caption}</caption>
            <tbody>
                {figures.iter().map(|f| {
                    let input_id = format!("figure-{}", f.id);
                    let (get, set) = (f.get, f.set);
                    view! {
                        <tr>
                            <th scope="row"><label for=input_id.clone()>{t!(format!("activity.figure.{}", f.id))}</label></th>
                            <td>
                                <input id=input_id type="number" inputmode="numeric" min="0" max="9999"
                                    prop:value=move || report.with(|r| r.as_ref().map(get).unwrap_or(0).to_string())
                                    on:input=move |ev| {
                                        // Blank or not a number counts as 0; the server checks the range.
                                        let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0).min(9999);
                                        report.update(|r| if let Some(r) = r { set(r, v); });
                                        on_change();
                                    }/>
                                <span class="unit">{t!(format!("activity.unit.{}", f.unit))}</span>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// 相談の内容: one line per need of the checklist, each correctable.
#[component]
fn ContentsTable(
    report: RwSignal<Option<ActivityReport>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <table class="sheet-table" data-testid="activity-contents">
            <caption>{t!("activity.contents")}</caption>
            <tbody>
                {Need::ALL.into_iter().map(|need| {
                    let input_id = format!("content-{}", need.as_str());
                    let count = move || {
                        report.with(|r| {
                            r.as_ref().and_then(|r| r.contents.iter().find(|c| c.need == need)).map(|c| c.count).unwrap_or(0)
                        })
                    };
                    view! {
                        <tr>
                            <th scope="row"><label for=input_id.clone()>{i18n::label(need)}</label></th>
                            <td>
                                <input id=input_id type="number" inputmode="numeric" min="0" max="9999"
                                    prop:value=move || count().to_string()
                                    on:input=move |ev| {
                                        let v = event_target_value(&ev).trim().parse::<u32>().unwrap_or(0).min(9999);
                                        report.update(|r| if let Some(r) = r {
                                            match r.contents.iter_mut().find(|c| c.need == need) {
                                                Some(c) => c.count = v,
                                                None => {
                                                    r.contents.push(NeedCount { need, count: v });
                                                    r.contents.sort_by_key(|c| c.need);
                                                }
                                            }
                                        });
                                        on_change();
                                    }/>
                                <span class="unit">{t!("activity.unit.cases")}</span>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
