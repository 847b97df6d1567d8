//! 集計: what the network did by area and month, for the board, the municipality and the monthly
//! meeting. Figures only, no one named. Two small charts drawn as SVG (no chart library: twelve
//! bars need none), the table behind them, and the same table as a CSV or Excel file.

use super::api;
use super::widgets::{loaded, ReadStatus, ServerRead};
use crate::api::admin::AreaTree;
use crate::api::reports::{MonthFigures, Report};
use crate::domain::{CheckOutcome, Month};
use crate::ui::time::{local_date, now_millis};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;

/// The query of a report (and its downloads) for a period and area.
fn query(from: &Month, to: &Month, district: &str, area: &str) -> String {
    let mut q = format!("from={from}&to={to}");
    if !district.is_empty() {
        q.push_str(&format!("&district={district}"));
    }
    if !area.is_empty() {
        q.push_str(&format!("&area={area}"));
    }
    q
}

/// The share of persons checked who were checked as often as their interval asks, in %.
fn coverage(f: &MonthFigures) -> Option<f64> {
    (f.persons_checked > 0).then(|| (f64::from(f.covered) * 1000.0 / f64::from(f.persons_checked)).round() / 10.0)
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let to_default = local_date(now_millis()).month();
    // The last twelve months, this one included.
    let from_default = (0..11).fold(to_default.clone(), |m, _| m.previous().unwrap_or(m));
    let from = RwSignal::new(from_default);
    let to = RwSignal::new(to_default);
    let district = RwSignal::new(String::new());
    let area = RwSignal::new(String::new());
    let q = Memo::new(move |_| query(&from.get(), &to.get(), &district.get(), &area.get()));
    let read: ServerRead<Report> = LocalResource::new(move || api::report(q.get()));
    let report = loaded(read);
    let areas: ServerRead<AreaTree> = LocalResource::new(api::areas);
    let areas = loaded(areas);
    let month_input = |id: &'static str, label: &'static str, value: RwSignal<Month>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="month" prop:value=move || value.get().to_string()
                    on:change=move |ev| {
                        if let Ok(m) = Month::parse(&event_target_value(&ev)) {
                            value.set(m);
                        }
                    }/>
            </div>
        }
    };
    view! {
        <section class="page admin-page reports-page">
            <p class="back no-print"><A href="/admin">"← 管理"</A></p>
            <h1>"集計"</h1>
            <p class="hint">"地区・小地域と月ごとの見守りの状況です。個人の名前は出ません。"</p>
            <form class="report-filters no-print" on:submit=|ev| ev.prevent_default()>
                {month_input("report-from", "開始月", from)}
                {month_input("report-to", "終了月", to)}
                <div class="field">
                <label for="report-district">"地区"</label>
                <select id="report-district" on:change=move |ev| {
                    district.set(event_target_value(&ev));
                    area.set(String::new());
                }>
                    <option value="">"全地区"</option>
                    {move || areas.get().districts.into_iter().map(|d| view! {
                        <option value=d.id.clone() selected=move || district.get() == d.id>{d.name.clone()}</option>
                    }).collect_view()}
                </select>
                </div>
                <div class="field">
                <label for="report-area">"小地域"</label>
                <select id="report-area" on:change=move |ev| area.set(event_target_value(&ev))>
                    <option value="">"（地区全体）"</option>
                    {move || {
                        let d = district.get();
                        areas.get().districts.into_iter().filter(|x| d.is_empty() || x.id == d)
                            .flat_map(|x| x.small_areas).map(|sa| {
                                let id = sa.id.clone();
                                view! { <option value=sa.id selected=move || area.get() == id>{sa.name}</option> }
                            }).collect_view()
                    }}
                </select>
                </div>
            </form>
            <ReadStatus read/>
            <Show when=move || !report.with(|r| r.months.is_empty())>
                <ReportBody report q/>
            </Show>
        </section>
    }
}

#[component]
fn ReportBody(report: Memo<Report>, q: Memo<String>) -> impl IntoView {
    let href = move |format: &str| format!("/api/v1/reports/export?{}&format={format}", q.get());
    view! {
        <p class="report-scope" data-testid="report-scope">{move || report.with(|r| {
            format!("{}・{}〜{}・見守りの対象 {}人・民生委員 {}人", r.area, r.from, r.to, r.persons, r.commissioners)
        })}</p>
        <p class="actions no-print">
            <a class="button secondary" href=move || href("csv") download data-testid="download-csv">"CSV をダウンロード"</a>
            <a class="button secondary" href=move || href("xlsx") download data-testid="download-xlsx">"Excel をダウンロード"</a>
            <button type="button" class="button secondary" on:click=move |_| crate::ui::admin::api::print()>"印刷"</button>
        </p>
        <div class="charts">
            <ChecksChart report/>
            <CoverageChart report/>
        </div>
        <div class="table-scroll">
            <table class="table" data-testid="report-table">
                <caption>"月ごとの数"</caption>
                <thead>
                    <tr>
                        <th scope="col">"月"</th>
                        <th scope="col">"記録"</th>
                        <th scope="col">"気になる"</th>
                        <th scope="col">"緊急"</th>
                        <th scope="col">"見守れた割合"</th>
                        <th scope="col">"依頼"</th>
                        <th scope="col">"要対応 開始"</th>
                        <th scope="col">"要対応 終了"</th>
                        <th scope="col">"確認まで（中央値）"</th>
                        <th scope="col">"活動記録"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        let r = report.get();
                        r.months.iter().map(|f| view! { <FiguresRow label=f.month.clone() f=f.clone()/> })
                            .chain(std::iter::once(view! { <FiguresRow label="合計".to_owned() f=r.totals.clone()/> }))
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
        <div class="report-lists">
            <CountsTable caption="気になったこと（期間の合計）" testid="report-concerns"
                rows=Signal::derive(move || report.with(|r| labelled(&r.totals.concerns)))/>
            <CountsTable caption="依頼の内容（期間の合計）" testid="report-requests"
                rows=Signal::derive(move || report.with(|r| labelled(&r.totals.requests)))/>
            <CountsTable caption="依頼の今の状況（期間に受けたもの）" testid="report-request-status"
                rows=Signal::derive(move || report.with(|r| labelled(&r.totals.request_status)))/>
        </div>
        <p class="hint">
            "見守れた割合：その月に記録のあった方のうち、見守りの目安（例：7日ごと）どおりの回数（30日の月で4回）記録された方の割合。"
            "合計の行の人数は、月ごとの人数を足したもの（延べ人数）です。"
        </p>
    }
}

/// Counts by a named value, in words.
fn labelled<K: Label>(list: &[(K, u32)]) -> Vec<(&'static str, u32)> {
    list.iter().map(|(k, n)| (k.label_ja(), *n)).collect()
}

/// A caption and a count per named value, or なし.
#[component]
fn CountsTable(caption: &'static str, testid: &'static str, rows: Signal<Vec<(&'static str, u32)>>) -> impl IntoView {
    view! {
        <table class="table" data-testid=testid>
            <caption>{caption}</caption>
            <tbody>
                {move || rows.with(Vec::is_empty).then(|| view! { <tr><td class="empty">"なし"</td></tr> })}
                {move || rows.get().into_iter().map(|(label, n)| view! {
                    <tr><th scope="row">{label}</th><td data-label="件数">{n}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn FiguresRow(label: String, f: MonthFigures) -> impl IntoView {
    let share = coverage(&f).map(|p| format!("{p:.1}%")).unwrap_or_else(|| "—".into());
    let requests: u32 = f.requests.iter().map(|(_, n)| n).sum();
    let ack = f.median_ack_minutes.map(|m| format!("{m}分")).unwrap_or_else(|| "—".into());
    view! {
        <tr data-month=f.month.clone()>
            <th scope="row">{label}</th>
            <td data-label="記録">{f.checks.total()}</td>
            <td data-label="気になる">{f.checks.concern}</td>
            <td data-label="緊急">{f.checks.emergency}</td>
            <td data-label="見守れた割合">{share}</td>
            <td data-label="依頼">{requests}</td>
            <td data-label="要対応 開始">{f.cases_opened}</td>
            <td data-label="要対応 終了">{f.cases_closed}</td>
            <td data-label="確認まで（中央値）">{ack}</td>
            <td data-label="活動記録">{f.activity_reports}</td>
        </tr>
    }
}

/// Chart geometry: width, height, the left margin for the scale and the bottom for the months.
const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 40.0;
const BOTTOM: f64 = 28.0;

/// A month's short label under its bar: `11月` (with the year under January).
fn month_label(m: &str) -> String {
    Month::parse(m).map(|m| format!("{}月", m.year_month().1)).unwrap_or_default()
}

/// Checks a month, stacked by outcome.
#[component]
fn ChecksChart(report: Memo<Report>) -> impl IntoView {
    let outcomes = [CheckOutcome::AllWell, CheckOutcome::NotHome, CheckOutcome::Concern, CheckOutcome::Emergency];
    view! {
        <figure class="chart" data-testid="chart-checks">
            <figcaption>"見守りの記録（月ごと、結果別）"</figcaption>
            {move || {
                let r = report.get();
                let n = r.months.len().max(1) as f64;
                let max = r.months.iter().map(|f| f.checks.total()).max().unwrap_or(0).max(1) as f64;
                let slot = (W - LEFT) / n;
                let desc = r.months.iter().map(|f| format!("{} {}件", f.month, f.checks.total())).collect::<Vec<_>>().join("、");
                view! {
                    <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=format!("見守りの記録：{desc}")>
                        <line x1=LEFT y1=H - BOTTOM x2=W y2=H - BOTTOM class="axis"/>
                        <text x=LEFT - 4.0 y=12.0 class="scale" text-anchor="end">{max as u32}</text>
                        <text x=LEFT - 4.0 y=H - BOTTOM class="scale" text-anchor="end">"0"</text>
                        {r.months.iter().enumerate().map(|(i, f)| {
                            let x = LEFT + slot * i as f64 + slot * 0.15;
                            let mut y = H - BOTTOM;
                            let bars = outcomes.iter().map(|o| {
                                let h = f64::from(f.checks.get(*o)) / max * (H - BOTTOM - 8.0);
                                y -= h;
                                view! { <rect x=x y=y width=slot * 0.7 height=h class=format!("bar outcome-{}", o.as_str())/> }
                            }).collect_view();
                            view! {
                                <g>{bars}
                                    <text x=x + slot * 0.35 y=H - 10.0 text-anchor="middle" class="scale">{month_label(&f.month)}</text>
                                </g>
                            }
                        }).collect_view()}
                    </svg>
                }
            }}
            <p class="legend">
                {outcomes.iter().map(|o| view! { <span class=format!("key outcome-{}", o.as_str())>{o.label_ja()}</span> }).collect_view()}
            </p>
        </figure>
    }
}

/// The share covered, a month.
#[component]
fn CoverageChart(report: Memo<Report>) -> impl IntoView {
    view! {
        <figure class="chart" data-testid="chart-coverage">
            <figcaption>"見守れた割合（月ごと、%）"</figcaption>
            {move || {
                let r = report.get();
                let n = r.months.len().max(1) as f64;
                let slot = (W - LEFT) / n;
                let desc = r.months.iter()
                    .map(|f| format!("{} {}", f.month, coverage(f).map(|p| format!("{p:.1}%")).unwrap_or_else(|| "記録なし".into())))
                    .collect::<Vec<_>>().join("、");
                view! {
                    <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=format!("見守れた割合：{desc}")>
                        <line x1=LEFT y1=H - BOTTOM x2=W y2=H - BOTTOM class="axis"/>
                        <text x=LEFT - 4.0 y=12.0 class="scale" text-anchor="end">"100"</text>
                        <text x=LEFT - 4.0 y=H - BOTTOM class="scale" text-anchor="end">"0"</text>
                        {r.months.iter().enumerate().map(|(i, f)| {
                            let x = LEFT + slot * i as f64 + slot * 0.15;
                            let p = coverage(f).unwrap_or(0.0);
                            let h = p / 100.0 * (H - BOTTOM - 8.0);
                            view! {
                                <g>
                                    <rect x=x y=H - BOTTOM - h width=slot * 0.7 height=h class="bar coverage"/>
                                    <text x=x + slot * 0.35 y=H - 10.0 text-anchor="middle" class="scale">{month_label(&f.month)}</text>
                                </g>
                            }
                        }).collect_view()}
                    </svg>
                }
            }}
        </figure>
    }
}
