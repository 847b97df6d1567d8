//! 活動記録 (民生委員): the month's figures counted from the 民生委員's own records on this device,
//! correctable by hand, printable as one A4 page, and submitted to 社協 through sync.

use super::actions;
use super::i18n::{self, LangChoice};
use super::state::use_app_state;
use super::time::{local_date, month as month_label, now_millis};
use crate::domain::{ActivityReport, Counts, Heading, Month, OtherActivity, SupportContent, SupportField};
use crate::error::{ErrorCode, Lang};
use leptos::prelude::*;
use rust_i18n::t;

/// One single figure of the record: its label, and how to read and write it.
struct Figure {
    /// Also names its label, `activity.figure.<id>` in the locale file.
    id: &'static str,
    /// `activity.unit.<unit>`: times, days.
    unit: &'static str,
    get: fn(&ActivityReport) -> u32,
    set: fn(&mut ActivityReport, u32),
}

/// 訪問回数, 連絡調整回数, 活動日数: the form's last three.
const CONTACTS: [Figure; 3] = [
    Figure { id: "visits", unit: "times", get: |r| r.visits, set: |r, v| r.visits = v },
    Figure { id: "liaison", unit: "times", get: |r| r.liaison, set: |r, v| r.liaison = v },
    Figure { id: "days", unit: "days", get: |r| r.days_active, set: |r, v| r.days_active = v },
];

/// A number typed into a figure: blank or not a number counts as 0; the record is checked again
/// (and by the server) when it is submitted.
fn typed(ev: &leptos::ev::Event) -> u32 {
    event_target_value(ev).trim().parse::<u32>().unwrap_or(0).min(9999)
}

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
        // Counted from the whole month, so not before every check is open (just after unlocking).
        if !state.checks_complete.get() {
            return None;
        }
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
            <super::recent_checks::ChecksOpening/>
            {move || report.get().map(|r| view! {
                <form class="activity-sheet" on:submit=submit novalidate>
                    <h2 class="sheet-title">{t!("activity.sheet_title", month = month_label(&r.month))}</h2>
                    <p class="sheet-who">{t!("activity.who", name = name())}</p>
                    <h3 class="sheet-section">{t!("activity.consultations")}</h3>
                    <div class="sheet-pair">
                        <CountTable caption=t!("activity.by_field").into_owned() breakdown=Breakdown::Field report on_change=keep/>
                        <CountTable caption=t!("activity.by_content").into_owned() breakdown=Breakdown::Content report on_change=keep/>
                    </div>
                    <TotalsDiffer report/>
                    <div class="sheet-pair">
                        <CountTable caption=t!("activity.other_activities").into_owned() breakdown=Breakdown::Other report on_change=keep/>
                        <FigureTable caption=t!("activity.contacts").into_owned() figures=&CONTACTS report on_change=keep/>
                    </div>
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

/// A group of single figures: each a number the 民生委員 can correct.
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
                                        let v = typed(&ev);
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

/// One of the form's breakdowns: 相談・支援 by 分野 or by 内容, or その他の活動.
#[derive(Clone, Copy)]
enum Breakdown {
    Field,
    Content,
    Other,
}

impl Breakdown {
    /// Prefixes the inputs' ids and names the table for tests: `{id}-{n}`.
    fn id(self) -> &'static str {
        match self {
            Breakdown::Field => "field",
            Breakdown::Content => "content",
            Breakdown::Other => "other",
        }
    }

    fn labels(self) -> Vec<String> {
        match self {
            Breakdown::Field => SupportField::ALL.map(i18n::label).into(),
            Breakdown::Content => SupportContent::ALL.map(i18n::label).into(),
            Breakdown::Other => OtherActivity::ALL.map(i18n::label).into(),
        }
    }

    /// The `n`th figure (in the form's order), or the total with `None`.
    fn get(self, r: &ActivityReport, n: Option<usize>) -> u32 {
        fn of<K: Heading>(c: &Counts<K>, all: &[K], n: Option<usize>) -> u32 {
            n.map_or_else(|| c.total(), |n| c.get(all[n]))
        }
        match self {
            Breakdown::Field => of(&r.by_field, &SupportField::ALL, n),
            Breakdown::Content => of(&r.by_content, &SupportContent::ALL, n),
            Breakdown::Other => of(&r.other_activities, &OtherActivity::ALL, n),
        }
    }

    fn set(self, r: &mut ActivityReport, n: usize, v: u32) {
        match self {
            Breakdown::Field => r.by_field.set(SupportField::ALL[n], v),
            Breakdown::Content => r.by_content.set(SupportContent::ALL[n], v),
            Breakdown::Other => r.other_activities.set(OtherActivity::ALL[n], v),
        }
    }
}

/// A breakdown: a line per name, each correctable, and the total.
#[component]
fn CountTable(
    caption: String,
    breakdown: Breakdown,
    report: RwSignal<Option<ActivityReport>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = breakdown.id();
    let total = move || report.with(|r| r.as_ref().map(|r| breakdown.get(r, None)).unwrap_or(0));
    view! {
        <table class="sheet-table" data-testid=format!("activity-{id}")>
            <caption>{caption}</caption>
            <tbody>
                {breakdown.labels().into_iter().enumerate().map(|(n, label)| {
                    let input_id = format!("{id}-{n}");
                    view! {
                        <tr>
                            <th scope="row"><label for=input_id.clone()>{label}</label></th>
                            <td>
                                <input id=input_id type="number" inputmode="numeric" min="0" max="9999"
                                    prop:value=move || report.with(|r| r.as_ref().map(|r| breakdown.get(r, Some(n))).unwrap_or(0).to_string())
                                    on:input=move |ev| {
                                        let v = typed(&ev);
                                        report.update(|r| if let Some(r) = r { breakdown.set(r, n, v); });
                                        on_change();
                                    }/>
                                <span class="unit">{t!("activity.unit.cases")}</span>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
            <tfoot>
                <tr class="total">
                    <th scope="row">{t!("activity.total")}</th>
                    <td><output>{total}</output><span class="unit">{t!("activity.unit.cases")}</span></td>
                </tr>
            </tfoot>
        </table>
    }
}

/// Said while the 分野 and 内容 totals differ: the same consultations are counted both ways.
#[component]
fn TotalsDiffer(report: RwSignal<Option<ActivityReport>>) -> impl IntoView {
    let differ = move || report.with(|r| r.as_ref().is_some_and(|r| r.by_field.total() != r.by_content.total()));
    view! {
        <p class="field-error no-print" role="status" aria-live="polite" data-testid="activity-totals-differ">
            {move || differ().then(|| ErrorCode::ActivityTotalsDiffer.text(Lang::current()))}
        </p>
    }
}
