//! 活動記録の集計: the month's records from the municipality's 民生委員, side by side with totals,
//! for the report to the municipality. Figures only: no person is named.

use super::api;
use super::widgets::{loaded, read_ok, ReadStatus, ServerRead};
use crate::api::admin::ActivitySummary;
use crate::domain::{ActivityReport, Month, Need};
use crate::ui::time::{format_full, local_date, now_millis};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

/// A column: its heading and how to read its figure.
type Column = (&'static str, fn(&ActivityReport) -> u32);

/// Column heading and figure, in the order of the paper form.
const COLUMNS: [Column; 8] = [
    ("訪問", |r| r.visits),
    ("電話", |r| r.phone_calls),
    ("相談 高齢者", |r| r.consultations.elderly),
    ("相談 障害者", |r| r.consultations.disability),
    ("相談 子ども", |r| r.consultations.children),
    ("相談 その他", |r| r.consultations.other),
    ("連絡調整", |r| r.liaison.council + r.liaison.municipality + r.liaison.care_center + r.liaison.other_bodies),
    ("活動日数", |r| r.days_active),
];

#[component]
pub fn ActivityAdminPage() -> impl IntoView {
    let month = RwSignal::new(local_date(now_millis()).month());
    // Read again whenever the month changes.
    let read: ServerRead<Vec<ActivitySummary>> = LocalResource::new(move || api::activity_reports(month.get()));
    let reports = loaded(read);
    view! {
        <section class="page admin-page">
            <p class="back"><A href="/admin">"← 管理"</A></p>
            <h1>"活動記録の集計"</h1>
            <label for="activity-month">"対象の月"</label>
            <input id="activity-month" type="month" prop:value=move || month.get().to_string()
                on:change=move |ev| {
                    // The browser's month picker gives `YYYY-MM` or, while it is being cleared, nothing.
                    if let Ok(m) = Month::parse(&event_target_value(&ev)) {
                        month.set(m);
                    }
                }/>
            <ReadStatus read/>
            <Show when=move || read_ok(read) && reports.with(Vec::is_empty)>
                <p class="empty">"この月の活動記録はまだ提出されていません。"</p>
            </Show>
            <Show when=move || !reports.with(Vec::is_empty)>
                <table class="table" data-testid="activity-reports">
                    <thead>
                        <tr>
                            <th scope="col">"民生委員"</th>
                            {COLUMNS.iter().map(|(h, _)| view! { <th scope="col">{*h}</th> }).collect_view()}
                            <th scope="col">"提出"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || reports.get().into_iter().map(|s| view! {
                            <tr>
                                <th scope="row">{s.user.display_name.clone()}</th>
                                {COLUMNS.iter().map(|(_, f)| view! { <td>{f(&s.report)}</td> }).collect_view()}
                                <td>{format_full(s.submitted_at)}</td>
                            </tr>
                        }).collect_view()}
                        <tr class="total">
                            <th scope="row">"合計"</th>
                            {move || COLUMNS.iter().map(|(_, f)| {
                                let sum: u32 = reports.with(|v| v.iter().map(|s| f(&s.report)).sum());
                                view! { <td>{sum}</td> }
                            }).collect_view()}
                            <td></td>
                        </tr>
                    </tbody>
                </table>
                <table class="table" data-testid="activity-contents">
                    <caption>"相談の内容（合計）"</caption>
                    <tbody>
                        {move || Need::ALL.into_iter().map(|need| {
                            let sum: u32 = reports.with(|v| {
                                v.iter().flat_map(|s| s.report.contents.iter()).filter(|c| c.need == need).map(|c| c.count).sum()
                            });
                            view! { <tr><th scope="row">{need.label_ja()}</th><td>{sum}</td></tr> }
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
        </section>
    }
}
