//! 活動記録: a 民生委員's monthly record arrives through the same idempotent push, a corrected one
//! replaces the month's earlier one, bad figures are refused with the field's message, and the
//! coordinator reads the month's records. On SQLite and PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

fn report(month: &str, visits: u32) -> Value {
    json!({"type": "submit_activity_report", "id": uuid::Uuid::new_v4().to_string(), "report": {
        "month": month, "visits": visits, "phone_calls": 4, "other_contacts": 2,
        "consultations": {"elderly": 3, "disability": 0, "children": 1, "other": 0},
        "liaison": {"council": 2, "municipality": 1, "care_center": 1, "other_bodies": 0},
        "days_active": 9, "note": " 大雪で訪問が少なめ "}})
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
}

async fn bad_records_and_other_roles_are_refused(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let sato = app.signed_in("sato").await;
    let mut too_many = report("2026-11", 10_000);
    let mut long_month = report("2026-11", 1);
    long_month["report"]["days_active"] = json!(40);
    let bad_month = report("2026-13", 1);
    let mut negative = report("2026-11", 1);
    negative["report"]["phone_calls"] = json!(-1);
    too_many["report"]["note"] = json!("");
    let (_, res) = app.push_mutations(&suzuki, &[too_many, long_month, bad_month, negative], None).await;
    assert_eq!(statuses(&res), ["rejected"; 4]);
    let codes: Vec<&str> =
        res["results"].as_array().unwrap().iter().map(|r| r["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["invalid_count", "invalid_days_active", "invalid_month", "malformed_mutation"]);
    assert_eq!(res["results"][0]["error"]["message_ja"], "件数は0〜9999で入力してください。");
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
);
