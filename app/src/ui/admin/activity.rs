//! 活動記録の集計: the month's records from the municipality's 民生委員, each in a line, and rolled up
//! per 地区民児協 in the national format (福祉行政報告例) for the report to the municipality, on
//! screen, on paper and as CSV / Excel. Figures only: no person is named.

use super::api;
use super::widgets::{loaded, read_ok, ReadStatus, ServerRead};
use crate::api::admin::{activity_by_district, ActivitySummary, DistrictActivity};
use crate::domain::{ActivityReport, Month, OtherActivity, SupportContent, SupportField};
use crate::ui::time::{format_full, local_date, now_millis};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

/// A column of the list: its heading and how to read its figure.
type Column = (&'static str, fn(&ActivityReport) -> u32);

/// The list's columns: each 民生委員's totals, in the order of the form.
const COLUMNS: [Column; 5] = [
    ("相談・支援", |r| r.consultations()),
    ("その他の活動", |r| r.other_activities.total()),
    ("訪問", |r| r.visits),
    ("連絡調整", |r| r.liaison),
    ("活動日数", |r| r.days_active),
];

/// A line of the roll-up, as the national form has them.
#[derive(Clone, Copy)]
enum Line {
    Consultations,
    Field(SupportField),
    Content(SupportContent),
    OtherTotal,
    Other(OtherActivity),
    Visits,
    Liaison,
    Days,
}

impl Line {
    /// The form's lines in its order, in three groups.
    fn groups() -> [(&'static str, Vec<Line>); 3] {
        let mut consult = vec![Line::Consultations];
        consult.extend(SupportField::ALL.map(Line::Field));
        consult.extend(SupportContent::ALL.map(Line::Content));
        let mut other = vec![Line::OtherTotal];
        other.extend(OtherActivity::ALL.map(Line::Other));
        [
            ("相談・支援件数", consult),
            ("その他の活動件数", other),
            ("訪問・連絡調整・活動日数", vec![Line::Visits, Line::Liaison, Line::Days]),
        ]
    }

    fn label(self) -> String {
        match self {
            Line::Consultations => "相談・支援件数 計".into(),
            Line::Field(f) => format!("分野：{}", f.label_ja()),
            Line::Content(c) => format!("内容：{}", c.label_ja()),
            Line::OtherTotal => "その他の活動件数 計".into(),
            Line::Other(a) => a.label_ja().into(),
            Line::Visits => "訪問回数".into(),
            Line::Liaison => "連絡調整回数".into(),
            Line::Days => "活動日数".into(),
        }
    }

    /// A total, drawn bold.
    fn is_total(self) -> bool {
        !matches!(self, Line::Field(_) | Line::Content(_) | Line::Other(_))
    }

    fn figure(self, r: &ActivityReport) -> u32 {
        match self {
            Line::Consultations => r.consultations(),
            Line::Field(f) => r.by_field.get(f),
            Line::Content(c) => r.by_content.get(c),
            Line::OtherTotal => r.other_activities.total(),
            Line::Other(a) => r.other_activities.get(a),
            Line::Visits => r.visits,
            Line::Liaison => r.liaison,
            Line::Days => r.days_active,
        }
    }
}

#[component]
pub fn ActivityAdminPage() -> impl IntoView {
    let month = RwSignal::new(local_date(now_millis()).month());
    // Read again whenever the month changes.
    let read: ServerRead<Vec<ActivitySummary>> = LocalResource::new(move || api::activity_reports(month.get()));
    let reports = loaded(read);
    view! {
        <section class="page admin-page">
            <p class="back no-print"><A href="/admin">"← 管理"</A></p>
            <h1>"活動記録の集計"</h1>
            <div class="no-print">
                <label for="activity-month">"対象の月"</label>
                <input id="activity-month" type="month" prop:value=move || month.get().to_string()
                    on:change=move |ev| {
                        // The browser's month picker gives `YYYY-MM` or, while it is being cleared, nothing.
                        if let Ok(m) = Month::parse(&event_target_value(&ev)) {
                            month.set(m);
                        }
                    }/>
            </div>
            <ReadStatus read/>
            <Show when=move || read_ok(read) && reports.with(Vec::is_empty)>
                <p class="empty">"この月の活動記録はまだ提出されていません。"</p>
            </Show>
            <Show when=move || !reports.with(Vec::is_empty)>
                <Submitted reports/>
                <RollUp month reports/>
            </Show>
        </section>
    }
}

/// Who submitted, each 民生委員's totals in a line.
#[component]
fn Submitted(reports: Memo<Vec<ActivitySummary>>) -> impl IntoView {
    view! {
        <div class="table-scroll no-print">
            <table class="table" data-testid="activity-reports">
                <caption>"提出された活動記録"</caption>
                <thead>
                    <tr>
                        <th scope="col">"民生委員"</th>
                        <th scope="col">"地区"</th>
                        {COLUMNS.iter().map(|(h, _)| view! { <th scope="col">{*h}</th> }).collect_view()}
                        <th scope="col">"提出"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || reports.get().into_iter().map(|s| view! {
                        <tr>
                            <th scope="row">{s.user.display_name.clone()}</th>
                            <td>{s.district.clone().unwrap_or_else(|| "—".into())}</td>
                            {COLUMNS.iter().map(|(_, f)| view! { <td class="num">{f(&s.report)}</td> }).collect_view()}
                            <td>{format_full(s.submitted_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The month per 地区民児協 and for the whole, line by line as the national form has them.
#[component]
fn RollUp(month: RwSignal<Month>, reports: Memo<Vec<ActivitySummary>>) -> impl IntoView {
    let rolled = Memo::new(move |_| reports.with(|list| activity_by_district(&month.get(), list)));
    let href = move |format: &str| format!("/api/v1/activity-reports/export?month={}&format={format}", month.get());
    let columns = move || -> Vec<(String, DistrictActivity)> {
        rolled.get().map_or_else(Vec::new, |(districts, whole)| {
            districts
                .into_iter()
                .map(|d| (d.district.clone().unwrap_or_else(|| "担当区域なし".into()), d))
                .chain([("合計".to_owned(), whole)])
                .collect()
        })
    };
    view! {
        <h2 class="print-title">{move || format!("民生委員・児童委員 活動状況　{}", month.get())}</h2>
        <p class="actions no-print">
            <a class="button secondary" href=move || href("csv") download data-testid="download-csv">"CSV をダウンロード"</a>
            <a class="button secondary" href=move || href("xlsx") download data-testid="download-xlsx">"Excel をダウンロード"</a>
            <button type="button" class="button secondary" on:click=move |_| api::print()>"印刷"</button>
        </p>
        <div class="table-scroll">
            <table class="table rollup" data-testid="activity-rollup">
                <caption>"地区民児協ごとの集計（福祉行政報告例の様式）"</caption>
                <thead>
                    <tr>
                        <th scope="col">"項目"</th>
                        {move || columns().into_iter().map(|(name, d)| view! {
                            <th scope="col">{name}<br/><span class="hint">{format!("{}人", d.records)}</span></th>
                        }).collect_view()}
                    </tr>
                </thead>
                {move || {
                    let cols = columns();
                    Line::groups().into_iter().map(|(group, lines)| view! {
                        <tbody>
                            <tr class="group"><th scope="rowgroup" colspan=cols.len() + 1>{group}</th></tr>
                            {lines.into_iter().map(|l| view! {
                                <tr class:total=l.is_total()>
                                    <th scope="row">{l.label()}</th>
                                    {cols.iter().map(|(_, d)| view! { <td class="num">{l.figure(&d.figures)}</td> }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    }).collect_view()
                }}
            </table>
        </div>
    }
}
