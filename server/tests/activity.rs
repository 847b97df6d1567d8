//! 活動記録: a 民生委員's monthly record, in the national format, arrives through the same idempotent
//! push, a corrected one replaces the month's earlier one, one in the earlier shape (still in an
//! updated phone's outbox) is read into the national format, bad figures are refused with the
//! field's message, and the coordinator reads the month's records and downloads them rolled up per
//! 地区民児協. On SQLite and PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

fn report(month: &str, visits: u32) -> Value {
    json!({"type": "submit_activity_report", "id": uuid::Uuid::new_v4().to_string(), "report": {
        "month": month, "visits": visits,
        "by_field": {"elderly": 3, "children": 1},
        "by_content": {"daily_support": 2, "child_rearing": 1, "care_insurance": 1},
        "other_activities": {"events": 2, "council_and_training": 1},
        "liaison": 4, "days_active": 9, "note": " 大雪で訪問が少なめ "}})
}

async fn reports(app: &TestApp, c: &reqwest::Client, month: &str) -> Value {
    let res = c.get(app.url(&format!("/api/v1/activity-reports?month={month}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_monthly_record_is_submitted_corrected_and_read_by_the_coordinator(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let first = report("2026-11", 12);
    let (_, res) = app.push_mutations(&suzuki, std::slice::from_ref(&first), None).await;
    assert_eq!(statuses(&res), ["applied"]);
    let (_, res) = app.push_mutations(&suzuki, &[first], None).await;
    assert_eq!(statuses(&res), ["duplicate"], "a retry is stored once");
    let got = reports(&app, &tanaka, "2026-11").await;
    assert_eq!(got.as_array().unwrap().len(), 1);
    assert_eq!(got[0]["user"]["display_name"], "鈴木 一郎");
    assert_eq!(got[0]["report"]["visits"], 12);
    assert_eq!(got[0]["report"]["note"], "大雪で訪問が少なめ");

    // A corrected record for the month replaces the first; another month stands apart.
    let (_, res) = app.push_mutations(&suzuki, &[report("2026-11", 14), report("2026-10", 20)], None).await;
    assert_eq!(statuses(&res), ["applied", "applied"]);
    let got = reports(&app, &tanaka, "2026-11").await;
    assert_eq!(got.as_array().unwrap().len(), 1);
    assert_eq!(got[0]["report"]["visits"], 14);
    assert_eq!(reports(&app, &tanaka, "2026-10").await[0]["report"]["visits"], 20);
    assert!(reports(&app, &tanaka, "2026-09").await.as_array().unwrap().is_empty());
    assert_eq!(got[0]["district"], "中央地区", "the 民生委員's 地区民児協");
    assert_eq!(got[0]["report"]["by_content"]["daily_support"], 2);
    assert_eq!(got[0]["report"]["other_activities"]["events"], 2);
}

async fn a_record_in_the_earlier_shape_is_read_into_the_national_format(app: TestApp) {
    // Still in the outbox of a phone that was updated before it had signal.
    let suzuki = app.signed_in("suzuki").await;
    let earlier = json!({"type": "submit_activity_report", "id": uuid::Uuid::new_v4().to_string(), "report": {
        "month": "2026-11", "visits": 7, "phone_calls": 4, "other_contacts": 2,
        "consultations": {"elderly": 2, "disability": 0, "children": 0, "other": 0},
        "contents": [{"need": "snow_removal", "count": 1}, {"need": "hospital", "count": 1}],
        "liaison": {"council": 2, "municipality": 1, "care_center": 0, "other_bodies": 0},
        "days_active": 6}});
    let (_, res) = app.push_mutations(&suzuki, &[earlier], None).await;
    assert_eq!(statuses(&res), ["applied"]);
    let tanaka = app.signed_in("tanaka").await;
    let got = reports(&app, &tanaka, "2026-11").await;
    let r = &got[0]["report"];
    assert_eq!((r["visits"].as_u64(), r["liaison"].as_u64(), r["days_active"].as_u64()), (Some(7), Some(3), Some(6)));
    assert_eq!(r["by_field"]["elderly"], 2);
    assert_eq!(r["by_content"]["daily_support"], 1);
    assert_eq!(r["by_content"]["health"], 1);
    assert!(r.get("phone_calls").is_none(), "{r}");
}

async fn the_month_downloads_rolled_up_per_district(app: TestApp) {
    // Two 民生委員 of 中央地区 submit; the file has 中央地区 and the whole, in the national columns.
    let suzuki = app.signed_in("suzuki").await;
    let (_, res) = app.push_mutations(&suzuki, &[report("2026-11", 12)], None).await;
    assert_eq!(statuses(&res), ["applied"]);
    let storage = app.storage().await;
    let other = r#"{"month":"2026-11","visits":5,"by_field":{"disability":1},"by_content":{"housing":1},
        "other_activities":{"certificates":2},"liaison":1,"days_active":4}"#;
    for sql in [
        "INSERT INTO users (id, login, display_name, role, municipality_id) VALUES
            ('u-kato', 'kato', '加藤 和子', 'commissioner', 'm-yukimi'), ('u-new', 'new', '新任 委員', 'commissioner', 'm-yukimi')",
        "INSERT INTO commissioner_areas (user_id, small_area_id) VALUES ('u-kato', 'sa-ekimae')",
    ] {
        app.exec(&storage, sql, &[]).await;
    }
    for who in ["u-kato", "u-new"] {
        app.exec(
            &storage,
            "INSERT INTO activity_reports (user_id, month, report, submitted_at) VALUES (?, '2026-11', ?, 0)",
            &[who, other],
        )
        .await;
    }
    let tanaka = app.signed_in("tanaka").await;
    let url = app.url("/api/v1/activity-reports/export?month=2026-11&format=xlsx");
    let res = tanaka.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use calamine::{Reader, Xlsx};
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("2026-11").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let names: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(names, ["中央地区", "（担当区域なし）", "合計"], "a 民生委員 with no area yet stands apart");
    let chuo = &rows[1];
    assert_eq!(chuo[col("提出した民生委員（人）")], "2");
    assert_eq!(chuo[col("相談・支援件数 計")], "5", "4 + 1");
    assert_eq!(chuo[col("分野：高齢者に関すること")], "3");
    assert_eq!(chuo[col("内容：日常的な支援")], "2");
    assert_eq!(chuo[col("内容：住居")], "1");
    assert_eq!(chuo[col("その他の活動件数 計")], "5", "3 + 2");
    assert_eq!(chuo[col("証明事務")], "2");
    assert_eq!(chuo[col("訪問回数")], "17");
    assert_eq!(chuo[col("活動日数")], "13");
    let whole = &rows[3];
    assert_eq!(whole[col("提出した民生委員（人）")], "3");
    assert_eq!(whole[col("訪問回数")], "22");
    assert_eq!(header.len(), 3 + 4 + 14 + 1 + 6 + 3, "the national format's columns");
    let bad = tanaka.get(app.url("/api/v1/activity-reports/export?month=2026-11&format=pdf")).send().await.unwrap();
    assert_json_error(bad, 400, "invalid_format").await;
    let audited = app
        .count(
            &storage,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND detail LIKE 'activity 2026-11 xlsx%'",
            &[],
        )
        .await;
    assert_eq!(audited, 1, "the download is in the audit log");
}

async fn bad_records_and_other_roles_are_refused(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let sato = app.signed_in("sato").await;
    let mut too_many = report("2026-11", 10_000);
    let mut long_month = report("2026-11", 1);
    long_month["report"]["days_active"] = json!(40);
    let bad_month = report("2026-13", 1);
    let mut negative = report("2026-11", 1);
    negative["report"]["liaison"] = json!(-1);
    too_many["report"]["note"] = json!("");
    let mut totals_differ = report("2026-11", 1);
    totals_differ["report"]["by_content"]["daily_support"] = json!(1);
    let mut not_on_the_form = report("2026-11", 1);
    not_on_the_form["report"]["by_content"]["snow_removal"] = json!(1);
    let mut too_many_events = report("2026-11", 1);
    too_many_events["report"]["other_activities"]["events"] = json!(10_000);
    let (_, res) = app
        .push_mutations(
            &suzuki,
            &[too_many, long_month, bad_month, negative, totals_differ, not_on_the_form, too_many_events],
            None,
        )
        .await;
    assert_eq!(statuses(&res), ["rejected"; 7]);
    let codes: Vec<&str> =
        res["results"].as_array().unwrap().iter().map(|r| r["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "invalid_count",
            "invalid_days_active",
            "invalid_month",
            "malformed_mutation",
            "activity_totals_differ",
            "malformed_mutation",
            "invalid_count"
        ]
    );
    assert_eq!(res["results"][0]["error"]["message_ja"], "件数は0〜9999で入力してください。");
    assert_eq!(
        res["results"][4]["error"]["message_ja"],
        "相談・支援件数の合計が、分野別と内容別とで違います。同じ数にしてください。"
    );
    let (_, res) = app.push_mutations(&sato, &[report("2026-11", 1)], None).await;
    assert_eq!(res["results"][0]["error"]["code"], "forbidden");
    let storage = app.storage().await;
    assert_eq!(app.count(&storage, "SELECT COUNT(*) FROM activity_reports", &[]).await, 0, "nothing written");
    let tanaka = app.signed_in("tanaka").await;
    for bad in ["11", "2026-13", "2026-1", "'%20OR%201=1"] {
        let res = tanaka.get(app.url(&format!("/api/v1/activity-reports?month={bad}"))).send().await.unwrap();
        assert_json_error(res, 400, "invalid_month").await;
    }
}

on_both_databases!(
    a_monthly_record_is_submitted_corrected_and_read_by_the_coordinator,
    bad_records_and_other_roles_are_refused,
    a_record_in_the_earlier_shape_is_read_into_the_national_format,
    the_month_downloads_rolled_up_per_district,
);
