//! 集計 and downloads: the report counts what the test created (checks by outcome, persons checked
//! and covered, concerns by chip, requests by need, cases opened and the time to acknowledge them);
//! the period, the area and the file form are checked with a clear 400 each; the CSV opens with a
//! byte-order mark and the Excel file reads back cell by cell with numbers as numbers; a named list
//! is exported by the office only and every download is audited. On SQLite and PostgreSQL.

mod common;
use calamine::{Data, Reader, Xlsx};
use common::*;
use serde_json::{json, Value};

/// This month in Japan, `YYYY-MM`.
fn this_month() -> String {
    mimamori_server::time::today_jst(now_ms()).month().as_str().to_owned()
}

async fn report(app: &TestApp, c: &reqwest::Client, query: &str) -> Value {
    let res = c.get(app.url(&format!("/api/v1/reports?{query}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn month<'a>(r: &'a Value, m: &str) -> &'a Value {
    r["months"].as_array().unwrap().iter().find(|f| f["month"] == m).unwrap_or_else(|| panic!("{m} in {r}"))
}

fn pair(list: &Value, key: &str) -> u64 {
    list.as_array().unwrap().iter().find(|p| p[0] == key).map_or(0, |p| p[1].as_u64().unwrap())
}

async fn the_report_counts_what_happened_in_the_area_and_month(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let m = this_month();
    let q = format!("from={m}&to={m}");
    let before = report(&app, &tanaka, &q).await;
    let open: Value = tanaka.get(app.url("/api/v1/cases")).send().await.unwrap().json().await.unwrap();
    let person = person_ids(&app.pull(&sato, 0).await)
        .into_iter()
        .find(|p| !open["cases"].as_array().unwrap().iter().any(|c| c["person_id"] == p.as_str()))
        .unwrap();

    let mut concern = new_check(&person, "concern");
    concern["concerns"] = json!(["mail_piling"]);
    let checks =
        [new_check(&person, "all_well"), new_check(&person, "all_well"), concern, new_check(&person, "emergency")];
    let (_, res) = app.push(&sato, &checks).await;
    assert_eq!(statuses(&res), ["applied"; 4]);
    let raise = json!({"type": "raise_request", "request": {"id": uuid::Uuid::new_v4().to_string(),
        "person_id": person, "need": "shopping", "detail": "米", "raised_at": now_ms()}});
    app.push_mutations(&suzuki, &[raise], None).await;
    let case = open_case(&app, &tanaka, &person).await;
    tanaka.post(app.url(&format!("/api/v1/cases/{case}/acknowledge"))).send().await.unwrap();

    let after = report(&app, &tanaka, &q).await;
    let (b, a) = (month(&before, &m), month(&after, &m));
    let delta = |path: &str| a.pointer(path).unwrap().as_u64().unwrap() - b.pointer(path).unwrap().as_u64().unwrap();
    assert_eq!(
        (delta("/checks/all_well"), delta("/checks/concern"), delta("/checks/emergency"), delta("/checks/not_home")),
        (2, 1, 1, 0)
    );
    assert_eq!(delta("/cases_opened"), 1);
    assert_eq!(pair(&a["concerns"], "mail_piling") - pair(&b["concerns"], "mail_piling"), 1);
    assert_eq!(pair(&a["requests"], "shopping") - pair(&b["requests"], "shopping"), 1);
    assert!(a["median_ack_minutes"].is_u64(), "the acknowledged case has a wait: {a}");
    assert_eq!(after["totals"]["checks"], a["checks"], "one month: the totals are the month");

    // The person's small area alone: named, and the person the one checked there this month.
    let (area, name): (String, String) = {
        let s = app.storage().await;
        sqlx::query_as(&s.sql(
            "SELECT sa.id, d.name || ' ' || sa.name FROM persons p JOIN small_areas sa ON sa.id = p.small_area_id
             JOIN districts d ON d.id = sa.district_id WHERE p.id = ?",
        ))
        .bind(&person)
        .fetch_one(s.pool())
        .await
        .unwrap()
    };
    let here = report(&app, &tanaka, &format!("{q}&area={area}")).await;
    assert_eq!(here["area"], name.as_str());
    assert_eq!(month(&here, &m)["persons_checked"], 1, "{here}");
    assert!(here["persons"].as_u64().unwrap() < after["persons"].as_u64().unwrap(), "one small area is part of all");
}

async fn open_case(app: &TestApp, c: &reqwest::Client, person: &str) -> String {
    let list: Value = c.get(app.url("/api/v1/cases")).send().await.unwrap().json().await.unwrap();
    list["cases"].as_array().unwrap().iter().find(|c| c["person_id"] == person).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn bad_periods_areas_and_forms_get_a_clear_400(app: TestApp) {
    let tanaka = app.signed_in("tanaka").await;
    let s = app.storage().await;
    app.exec(&s, "DELETE FROM staff_districts WHERE user_id = 'u-tanaka' AND district_id = 'd-nanbu'", &[]).await;
    for (query, code) in [
        ("from=2024-01&to=2026-01", "invalid_period"),
        ("from=2026-06&to=2026-05", "invalid_period"),
        ("from=2026-13&to=2026-12", "invalid_month"),
        ("from=2026/01&to=2026-12", "invalid_month"),
        ("from=2026-01&to=2026-12&district=d-nowhere", "area_not_found"),
        ("from=2026-01&to=2026-12&district=d-nanbu", "area_not_found"),
        ("from=2026-01&to=2026-12&district=d-chuo&area=sa-nitta", "area_not_found"),
        ("from=2026-01&to=2026-12&colour=red", "invalid_query"),
        ("to=2026-12", "invalid_query"),
    ] {
        let res = tanaka.get(app.url(&format!("/api/v1/reports?{query}"))).send().await.unwrap();
        assert_json_error(res, 400, code).await;
    }
    let res = tanaka.get(app.url("/api/v1/reports/export?from=2026-01&to=2026-12&format=pdf")).send().await.unwrap();
    assert_json_error(res, 400, "invalid_format").await;
    let res = tanaka.get(app.url("/api/v1/cases/export?format=docx")).send().await.unwrap();
    assert_json_error(res, 400, "invalid_format").await;
}

async fn downloads_read_back_as_what_the_screen_shows_and_are_audited(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    app.push(&sato, &[new_check(&person, "concern"), new_check(&person, "all_well")]).await;
    let m = this_month();
    let q = format!("from={m}&to={m}&district=d-chuo");
    let shown = report(&app, &tanaka, &q).await;
    let figures = month(&shown, &m).clone();

    // CSV: a byte-order mark, the header, one row a month and the total.
    let res = tanaka.get(app.url(&format!("/api/v1/reports/export?{q}&format=csv"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains(&format!("mimamori-report-{m}-{m}.csv")));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("月,見守りの記録,変わりなし,気になる,不在,緊急,"), "{}", lines[0]);
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cells[0], m);
    assert_eq!(cells[3], figures["checks"]["concern"].to_string());
    assert!(lines[2].starts_with("合計,"));

    // Excel: the same figures, as numbers.
    let res = tanaka.get(app.url(&format!("/api/v1/reports/export?{q}&format=xlsx"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("月別").unwrap();
    assert_eq!(sheet.get_value((0, 0)), Some(&Data::String("月".into())));
    assert_eq!(sheet.get_value((1, 0)), Some(&Data::String(m.clone())));
    let total = figures["checks"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>();
    assert_eq!(sheet.get_value((1, 1)), Some(&Data::Float(total as f64)), "a number, not text");
    assert_eq!(sheet.get_value((1, 3)), Some(&Data::Float(figures["checks"]["concern"].as_u64().unwrap() as f64)));
    assert_eq!(sheet.get_value((2, 0)), Some(&Data::String("合計".into())));

    // The queue as a named list: a row per case, each person in the audit log as exported.
    let res = tanaka.get(app.url("/api/v1/cases/export?format=xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = book.worksheet_range("要対応").unwrap();
    let queue: Value = tanaka.get(app.url("/api/v1/cases")).send().await.unwrap().json().await.unwrap();
    let cases = queue["cases"].as_array().unwrap();
    assert_eq!(sheet.height(), cases.len() + 1, "a header and a row per case");
    assert_eq!(sheet.get_value((1, 0)), Some(&Data::String(cases[0]["person_name"].as_str().unwrap().into())));
    let s = app.storage().await;
    let exported = app
        .count(
            &s,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND person_id IS NOT NULL AND detail LIKE 'cases.xlsx: download %'",
            &[],
        )
        .await;
    assert_eq!(exported as usize, cases.len(), "one audit row per person in the file");
    let whole = app
        .count(
            &s,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND person_id IS NULL AND detail LIKE 'cases.xlsx: download %, ' || ? || ' rows'",
            &[&cases.len().to_string()],
        )
        .await;
    assert_eq!(whole, 1, "and one row saying the file was complete, and how long");
    let reports = app
        .count(
            &s,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND person_id IS NULL AND detail NOT LIKE 'cases.%'",
            &[],
        )
        .await;
    assert_eq!(reports, 2, "each report download, naming no one");

    // The same list as CSV: the byte-order mark, the header, a row per case in the queue's order.
    let res = tanaka.get(app.url("/api/v1/cases/export?format=csv")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), cases.len() + 1, "{text}");
    assert!(lines[0].starts_with("お名前,地区,小地域,状況,緊急,"), "{}", lines[0]);
    for (line, case) in lines[1..].iter().zip(cases) {
        assert!(line.starts_with(case["person_name"].as_str().unwrap()), "{line}");
    }

    // Read in batches (a thousand at a time for a download; two here), the queue is the screen's:
    // the same cases in the same order with the same counts of signals.
    let tanaka_user = s.user_by_login("tanaka").await.unwrap().unwrap().user;
    let (out, mut batches) = tokio::sync::mpsc::channel(1);
    let reading = {
        let s = s.clone();
        let user = tanaka_user.clone();
        tokio::spawn(async move { s.cases_in_batches(&user, 2, out).await })
    };
    let mut streamed = Vec::new();
    while let Some(batch) = batches.recv().await {
        assert!(!batch.is_empty() && batch.len() <= 2);
        streamed.extend(batch);
    }
    assert_eq!(reading.await.unwrap().unwrap(), streamed.len() as u64);
    let listed = s.visible_cases(&tanaka_user, None).await.unwrap();
    assert!(listed.len() > 2, "more than one batch: {}", listed.len());
    let key = |c: &mimamori_core::api::cases::CaseSummary| (c.id.clone(), c.signals);
    assert_eq!(streamed.iter().map(key).collect::<Vec<_>>(), listed.iter().map(key).collect::<Vec<_>>());

    // Field users download nothing.
    let res = sato.get(app.url("/api/v1/cases/export?format=csv")).send().await.unwrap();
    assert_json_error(res, 403, "forbidden").await;
}

/// The per-person, per-month counts the report reads (kept by a trigger as checks arrive) are what
/// the checks themselves say: after the demo's two months of history, a push, its retry, and a
/// check recorded offline forty days ago that arrives only now.
async fn the_monthly_counts_agree_with_the_checks(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config, _| config.demo_history = true).await;
    let sato = app.signed_in("sato").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let mut late = new_check(&person, "not_home");
    let forty_days_ago = now_ms() - 40 * 86_400_000;
    late["recorded_at"] = json!(forty_days_ago);
    let then = mimamori_server::time::today_jst(forty_days_ago).month().as_str().to_owned();
    let q = format!("from={then}&to={then}");
    let before = report(&app, &tanaka, &q).await;
    let checks = [new_check(&person, "all_well"), late];
    let (_, res) = app.push(&sato, &checks).await;
    assert_eq!(statuses(&res), ["applied"; 2]);
    let (_, again) = app.push(&sato, &checks).await;
    assert_eq!(statuses(&again), ["duplicate"; 2]);
    let after = report(&app, &tanaka, &q).await;
    let not_home = |r: &Value| month(r, &then)["checks"]["not_home"].as_u64().unwrap();
    assert_eq!(not_home(&after), not_home(&before) + 1, "the late check counts in the month it was made, once");

    let s = app.storage().await;
    let m = match backend {
        Backend::Sqlite => "strftime('%Y-%m', (recorded_at + 32400000) / 1000, 'unixepoch')",
        Backend::Postgres => "to_char(to_timestamp((recorded_at + 32400000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')",
    };
    type Counts = Vec<(String, String, i64, i64, i64, i64, i64)>;
    let kept: Counts = sqlx::query_as(
        "SELECT person_id, month, n, all_well, concern, not_home, emergency FROM check_months ORDER BY person_id, month",
    )
    .fetch_all(s.pool())
    .await
    .unwrap();
    let outcome = |o: &str| format!("SUM(CASE WHEN outcome = '{o}' THEN 1 ELSE 0 END)");
    let counted: Counts = sqlx::query_as(&format!(
        "SELECT person_id, {m} AS month, COUNT(*), {}, {}, {}, {} FROM checks
         GROUP BY person_id, {m} ORDER BY person_id, month",
        outcome("all_well"),
        outcome("concern"),
        outcome("not_home"),
        outcome("emergency")
    ))
    .fetch_all(s.pool())
    .await
    .unwrap();
    assert!(counted.len() > 50, "the demo's history gives many persons and months: {}", counted.len());
    assert_eq!(kept, counted);
}

mod with_history {
    use super::*;
    #[tokio::test]
    async fn the_monthly_counts_agree_with_the_checks_sqlite() {
        the_monthly_counts_agree_with_the_checks(Backend::Sqlite).await;
    }
    #[tokio::test]
    async fn the_monthly_counts_agree_with_the_checks_postgres() {
        the_monthly_counts_agree_with_the_checks(Backend::Postgres).await;
    }
}

on_both_databases!(
    the_report_counts_what_happened_in_the_area_and_month,
    bad_periods_areas_and_forms_get_a_clear_400,
    downloads_read_back_as_what_the_screen_shows_and_are_audited,
);
