//! 御用聞き visits, the requests they raise, and what becomes of them: a visit's needs travel whole;
//! a request goes to a partner only under consent to share with partners (on the device's push
//! and on the coordinator's routing); the person who raised it sees every change of status at
//! the next sync, newest change first; consents and 気になる方 registered in the field arrive
//! through the same idempotent push. Every scenario runs on SQLite and PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

fn inquiry(person: &str, needs: Value) -> Value {
    let mut c = new_check(person, "all_well");
    c["kind"] = json!("inquiry");
    c["method"] = json!("visit");
    c["needs"] = needs;
    c
}

fn raise(person: &str, need: &str, detail: &str, to_partner: bool) -> Value {
    json!({"type": "raise_request", "request": {
        "id": uuid::Uuid::new_v4().to_string(), "person_id": person, "need": need, "detail": detail,
        "to_partner": to_partner, "raised_at": now_ms(),
    }})
}

fn record_consent(person: &str, partners: bool) -> Value {
    json!({"type": "record_consent", "id": uuid::Uuid::new_v4().to_string(), "person_id": person,
        "consent": {"obtained_on": "2026-04-01", "method": "oral",
            "scopes": {"record": true, "share_partners": partners, "share_disaster": false}}})
}

/// A person in the client's scope whose consent does (or does not) allow sharing with partners.
async fn person_sharing(app: &TestApp, c: &reqwest::Client, partners: bool) -> String {
    let persons = app.scope_persons(c).await;
    let p = persons
        .iter()
        .find(|p| p["consent"]["record"] == true && p["consent"]["share_partners"] == partners)
        .unwrap_or_else(|| panic!("someone with share_partners = {partners}"));
    p["id"].as_str().unwrap().to_owned()
}

fn request_in<'a>(pull: &'a Value, id: &Value) -> Option<&'a Value> {
    pull["requests"].as_array().unwrap().iter().find(|r| &r["id"] == id)
}

async fn a_visit_and_its_needs_travel_whole_and_bad_needs_are_refused(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let visit = inquiry(&person, json!([{"need": "snow_removal", "note": " 屋根の雪 "}, {"need": "shopping"}]));
    let on_watch = {
        let mut c = new_check(&person, "all_well");
        c["needs"] = json!([{"need": "garbage"}]);
        c
    };
    let other_unnamed = inquiry(&person, json!([{"need": "other", "note": "  "}]));
    let twice = inquiry(&person, json!([{"need": "garbage"}, {"need": "garbage", "note": "x"}]));
    let unknown = inquiry(&person, json!([{"need": "teleport"}]));
    let batch = [visit.clone(), on_watch, other_unnamed, twice, unknown];
    let (status, res) = app.push(&sato, &batch).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(statuses(&res), ["applied", "rejected", "rejected", "rejected", "rejected"]);
    assert_eq!(res["results"][1]["error"]["message_ja"], "困りごとは御用聞きの記録で入力してください。");
    assert_eq!(res["results"][2]["error"]["message_ja"], "「その他」の内容を書いてください。");
    let storage = app.storage().await;
    assert_eq!(app.count(&storage, "SELECT COUNT(*) FROM checks", &[]).await, 1, "nothing written for the bad ones");

    // The 民生委員 of the area sees the visit, kind and needs (notes trimmed, checklist order).
    let pulled = app.pull(&suzuki, 0).await;
    let got = pulled["checks"].as_array().unwrap().iter().find(|c| c["id"] == visit["id"]).unwrap();
    assert_eq!(got["kind"], "inquiry");
    assert_eq!(got["needs"], json!([{"need": "snow_removal", "note": "屋根の雪"}, {"need": "shopping", "note": ""}]));
}

async fn a_request_reaches_a_partner_only_under_consent(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let shared = person_sharing(&app, &suzuki, true).await;
    let unshared = person_sharing(&app, &suzuki, false).await;
    let wants_partner_unshared = raise(&unshared, "snow_removal", "玄関前", true);
    let plain_unshared = raise(&unshared, "shopping", "米と灯油", false);
    let wants_partner_shared = raise(&shared, "hospital", "月一回の送迎", true);
    let other_blank = raise(&shared, "other", " ", false);
    let batch = [wants_partner_unshared.clone(), plain_unshared.clone(), wants_partner_shared.clone(), other_blank];
    let (status, res) = app.push_mutations(&suzuki, &batch, None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(statuses(&res), ["rejected", "applied", "applied", "rejected"]);
    assert_eq!(res["results"][0]["error"]["code"], "consent_required");
    assert!(res["results"][0]["error"]["message_ja"].as_str().unwrap().contains("協力法人"));
    let storage = app.storage().await;
    let id = |m: &Value| m["request"]["id"].as_str().unwrap().to_owned();
    let stored =
        app.count(&storage, "SELECT COUNT(*) FROM requests WHERE id = ?", &[&id(&wants_partner_unshared)]).await;
    assert_eq!(stored, 0, "a refused request writes nothing");

    // A retry is a duplicate; the same id from someone else is refused.
    let (_, again) = app.push_mutations(&suzuki, std::slice::from_ref(&plain_unshared), None).await;
    assert_eq!(statuses(&again), ["duplicate"]);
    let tanaka = app.signed_in("tanaka").await;
    let (_, stolen) = app.push_mutations(&tanaka, std::slice::from_ref(&plain_unshared), None).await;
    assert_eq!(statuses(&stolen), ["rejected"]);

    // The coordinator routes: a partner for the person who did not agree is refused with 409.
    let org = "o-yukimi-fukushikai";
    let put = |c: &reqwest::Client, id: String, body: Value| {
        let url = app.url(&format!("/api/v1/requests/{id}"));
        let c = c.clone();
        async move { c.put(url).json(&body).send().await.unwrap() }
    };
    let res = put(&tanaka, id(&plain_unshared), json!({"status": "in_progress", "organization_id": org})).await;
    assert_json_error(res, 409, "consent_required").await;
    let res = put(&tanaka, id(&plain_unshared), json!({"status": "referred"})).await;
    assert_eq!(res.status(), 200, "another body (not a partner) is fine without that consent");
    let res = put(&tanaka, id(&wants_partner_shared), json!({"status": "in_progress", "organization_id": org})).await;
    assert_eq!(res.status(), 200);
    let routed: Value = res.json().await.unwrap();
    assert_eq!(routed["organization"], "社会福祉法人 雪見福祉会");
    let res = put(&tanaka, id(&wants_partner_shared), json!({"status": "done", "organization_id": "o-nowhere"})).await;
    assert_json_error(res, 400, "organization_not_found").await;

    // The partner sees it and reports progress, but cannot re-route it or send it back.
    let yamada = app.signed_in("yamada").await;
    let theirs: Value = yamada.get(app.url("/api/v1/requests")).send().await.unwrap().json().await.unwrap();
    assert!(theirs.as_array().unwrap().iter().any(|r| r["id"] == json!(id(&wants_partner_shared))));
    assert!(!theirs.as_array().unwrap().iter().any(|r| r["id"] == json!(id(&plain_unshared))));
    let res =
        put(&yamada, id(&wants_partner_shared), json!({"status": "done", "organization_id": "o-hokubu-houkatsu"}))
            .await;
    assert_json_error(res, 403, "forbidden").await;
    let res = put(&yamada, id(&wants_partner_shared), json!({"status": "received"})).await;
    assert_json_error(res, 400, "invalid_status").await;
    let res = put(&yamada, id(&plain_unshared), json!({"status": "done"})).await;
    assert_json_error(res, 404, "not_found").await;
    let res = put(&yamada, id(&wants_partner_shared), json!({"status": "done"})).await;
    assert_eq!(res.status(), 200);
    // Field users do not route requests.
    let res = put(&suzuki, id(&wants_partner_shared), json!({"status": "received"})).await;
    assert_json_error(res, 403, "forbidden").await;

    // The 民生委員 who raised them sees where each stands at the next sync, newest change first.
    let pulled = app.pull(&suzuki, 0).await;
    let done = request_in(&pulled, &json!(id(&wants_partner_shared))).expect("in the field pull");
    assert_eq!(done["status"], "done");
    assert_eq!(done["organization"], "社会福祉法人 雪見福祉会");
    assert_eq!(done["raised_by_name"], "鈴木 一郎");
    let referred = request_in(&pulled, &json!(id(&plain_unshared))).unwrap();
    assert_eq!(referred["status"], "referred");
    let times: Vec<i64> =
        pulled["requests"].as_array().unwrap().iter().map(|r| r["updated_at"].as_i64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest change first: {times:?}");
    assert_eq!(pulled["requests"][0]["id"], json!(id(&wants_partner_shared)));
    // Every change was logged against the person.
    let logged = app.count(&storage, "SELECT COUNT(*) FROM audit_log WHERE action = 'request.update'", &[]).await;
    assert_eq!(logged, 3);
}

async fn consent_recorded_in_the_field_opens_the_way_to_a_partner(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let sato = app.signed_in("sato").await;
    let unshared = person_sharing(&app, &suzuki, false).await;
    // Volunteers do not record consent.
    let (_, res) = app.push_mutations(&sato, &[record_consent(&unshared, true)], None).await;
    assert_eq!(statuses(&res), ["rejected"]);
    let consent = record_consent(&unshared, true);
    let request = raise(&unshared, "snow_removal", "屋根の雪下ろし", true);
    // In one batch, in the order they were made: the consent, then the request it allows.
    let (_, res) = app.push_mutations(&suzuki, &[consent.clone(), request], None).await;
    assert_eq!(statuses(&res), ["applied", "applied"]);
    let (_, res) = app.push_mutations(&suzuki, &[consent], None).await;
    assert_eq!(statuses(&res), ["duplicate"], "a retried consent is stored once");
    let person = app.fetch_person(&suzuki, &unshared).await;
    assert_eq!(person["consent"]["share_partners"], true);
    let storage = app.storage().await;
    let consents = app.count(&storage, "SELECT COUNT(*) FROM consents WHERE person_id = ?", &[&unshared]).await;
    let before_and_now = 2;
    assert_eq!(consents, before_and_now);
    let mut future = record_consent(&unshared, false);
    future["consent"]["obtained_on"] = json!("2999-01-01");
    let mut no_such_day = record_consent(&unshared, false);
    no_such_day["consent"]["obtained_on"] = json!("2026-04-31");
    let (_, res) = app.push_mutations(&suzuki, &[future, no_such_day], None).await;
    assert_eq!(res["results"][0]["error"]["code"], "invalid_consent_date");
    assert_eq!(res["results"][1]["status"], "rejected", "answered by its id, the rest of the batch unharmed");
    assert_eq!(res["results"][1]["error"]["code"], "invalid_date");
}

fn register(person_id: &str, area: &str, name: &str) -> Value {
    json!({"type": "register_person", "id": uuid::Uuid::new_v4().to_string(), "person_id": person_id,
        "person": {"small_area_id": area, "name": name, "kana": "きたむら はる", "address": "本町一丁目 9-9",
            "phone": null, "lat": 39.82, "lng": 140.24, "household_type": "single_elderly",
            "check_interval_days": 7},
        "consent": {"obtained_on": "2026-04-01", "method": "written",
            "scopes": {"record": true, "share_partners": false, "share_disaster": true}}})
}

async fn a_person_registered_in_the_field_joins_the_commissioners_round(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let sato = app.signed_in("sato").await;
    let pulled = app.pull(&suzuki, 0).await;
    let areas = pulled["areas"].as_array().unwrap();
    assert!(!areas.is_empty(), "a 民生委員 is told their 担当区域");
    assert!(app.pull(&sato, 0).await["areas"].as_array().unwrap().is_empty(), "volunteers register no one");
    let area = areas[0]["id"].as_str().unwrap();
    let new_id = format!("p-{}", uuid::Uuid::new_v4().simple());
    let reg = register(&new_id, area, "北村 ハル");
    // A check made on the doorstep right after, in the same batch.
    let first = new_check(&new_id, "concern");
    let (_, res) = app.push_mutations(&suzuki, &[reg.clone(), create_check(&first)], None).await;
    assert_eq!(statuses(&res), ["applied", "applied"], "{res}");
    let (_, res) = app.push_mutations(&suzuki, &[reg], None).await;
    assert_eq!(statuses(&res), ["duplicate"]);
    assert!(person_ids(&app.pull(&suzuki, 0).await).contains(&new_id), "in the 民生委員's scope");
    let person = app.fetch_person(&suzuki, &new_id).await;
    assert_eq!(person["name"], "北村 ハル");
    assert_eq!(person["consent"]["share_disaster"], true);

    // Bad registrations are refused one by one, with the field's message.
    let taken = register(&new_id, area, "別の人");
    let outside = register(&format!("p-{}", uuid::Uuid::new_v4().simple()), "sa-nowhere", "北村 ハル");
    let unnamed = register(&format!("p-{}", uuid::Uuid::new_v4().simple()), area, "  ");
    let bad_id = register("../../etc", area, "北村 ハル");
    let by_volunteer = register(&format!("p-{}", uuid::Uuid::new_v4().simple()), area, "北村 ハル");
    let (_, res) = app.push_mutations(&suzuki, &[taken, outside, unnamed, bad_id], None).await;
    assert_eq!(statuses(&res), ["rejected"; 4]);
    let codes: Vec<&str> =
        res["results"].as_array().unwrap().iter().map(|r| r["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["id_conflict", "small_area_not_found", "invalid_name", "invalid_id"]);
    let (_, res) = app.push_mutations(&sato, &[by_volunteer], None).await;
    assert_eq!(res["results"][0]["error"]["code"], "forbidden");
    let storage = app.storage().await;
    assert_eq!(app.count(&storage, "SELECT COUNT(*) FROM persons WHERE name = ?", &["北村 ハル"]).await, 1);
    let audit = app
        .count(&storage, "SELECT COUNT(*) FROM audit_log WHERE person_id = ? AND action = 'person.create'", &[&new_id])
        .await;
    assert_eq!(audit, 1);
}

on_both_databases!(
    a_visit_and_its_needs_travel_whole_and_bad_needs_are_refused,
    a_request_reaches_a_partner_only_under_consent,
    consent_recorded_in_the_field_opens_the_way_to_a_partner,
    a_person_registered_in_the_field_joins_the_commissioners_round,
);
