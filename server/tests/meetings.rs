//! 個別ケース検討会 through the API: a coordinator sets up a meeting over open cases of her
//! districts; the agenda names every person for the office and, with partner staff in the room,
//! no one who has not agreed to `share_partners` (nor the free text about them); every view and
//! print is audited per person; decisions become the cases' updates, each stored or refused on
//! its own. On SQLite and PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

async fn open_cases(app: &TestApp, c: &reqwest::Client) -> Vec<Value> {
    let res = c.get(app.url("/api/v1/cases")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.unwrap();
    list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "open" || c["status"] == "in_progress")
        .cloned()
        .collect()
}

/// Two open cases from 佐藤さん's 気になる checks, and one in 南部 from 鈴木さん's 緊急.
async fn signals(app: &TestApp) {
    let sato = app.signed_in("sato").await;
    let persons = person_ids(&app.pull(&sato, 0).await);
    let checks: Vec<Value> = persons[..2].iter().map(|p| new_check(p, "concern")).collect();
    let (_, res) = app.push(&sato, &checks).await;
    assert_eq!(statuses(&res), ["applied", "applied"]);
    let storage = app.storage().await;
    let south: String = sqlx::query_scalar(
        &storage
            .sql("SELECT id FROM persons WHERE small_area_id = 'sa-nitta' AND consent_record = 1 ORDER BY id LIMIT 1"),
    )
    .fetch_one(storage.pool())
    .await
    .unwrap();
    app.exec(&storage, "INSERT INTO commissioner_areas (user_id, small_area_id) VALUES ('u-suzuki', 'sa-nitta')", &[])
        .await;
    let suzuki = app.signed_in("suzuki").await;
    let (_, res) = app.push(&suzuki, &[new_check(&south, "emergency")]).await;
    assert_eq!(statuses(&res), ["applied"]);
}

async fn agenda(app: &TestApp, c: &reqwest::Client, id: &str, audience: &str) -> Value {
    let res = c.get(app.url(&format!("/api/v1/meetings/{id}?audience={audience}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn a_meeting_is_set_up_read_for_its_audience_and_its_decisions_become_case_actions(app: TestApp) {
    signals(&app).await;
    let tanaka = app.signed_in("tanaka").await;
    let storage = app.storage().await;
    let open = open_cases(&app, &tanaka).await;
    assert!(open.len() >= 2, "{open:?}");
    let (shared, private) = (&open[0], &open[1]);
    let shared_person = shared["person_id"].as_str().unwrap();
    let private_person = private["person_id"].as_str().unwrap();
    let private_name = private["person_name"].as_str().unwrap();
    app.exec(&storage, "UPDATE persons SET consent_share_partners = 1 WHERE id = ?", &[shared_person]).await;
    app.exec(&storage, "UPDATE persons SET consent_share_partners = 0 WHERE id = ?", &[private_person]).await;

    let res = tanaka
        .post(app.url("/api/v1/meetings"))
        .json(&json!({"held_on": "2026-12-10", "title": " 12月 個別ケース検討会 ",
            "case_ids": [shared["id"], private["id"], shared["id"]]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (made["title"].as_str(), made["cases"].as_u64(), made["decided"].as_u64()),
        (Some("12月 個別ケース検討会"), Some(2), Some(0))
    );
    let list: Value = tanaka.get(app.url("/api/v1/meetings")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["id"], json!(id));

    // For the office: both named, in the chosen order, with their signals.
    let office = agenda(&app, &tanaka, &id, "office").await;
    let items = office["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["case_id"], shared["id"]);
    assert_eq!(items[1]["person"]["name"], json!(private_name));
    assert_eq!(office["withheld"], 0);
    assert!(!items[1]["signals"].as_array().unwrap().is_empty());
    assert!(!items[1]["owners"].as_array().unwrap().is_empty(), "who may own it, for the decision form");

    // With partner staff in the room: the person without share_partners is a number only.
    let partners = agenda(&app, &tanaka, &id, "partners").await;
    assert_eq!(partners["withheld"], 1);
    assert_eq!(partners["items"][0]["person"]["name"], shared["person_name"]);
    assert!(partners["items"][1]["person"].is_null());
    assert_eq!(partners["items"][1]["number"], 2);
    let text = partners["items"][1].to_string();
    assert!(!text.contains(private_name) && !text.contains(private_person), "{text}");
    for s in partners["items"][1]["signals"].as_array().unwrap() {
        assert!(s["note"].is_null() && s.get("detail").is_none_or(|d| d == ""), "{s}");
    }
    assert!(partners["items"][1]["owners"].as_array().unwrap().is_empty());

    // Every view and the print, one row per person.
    let res = tanaka.post(app.url(&format!("/api/v1/meetings/{id}/printed?audience=partners"))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    for (action, n) in [("meeting.read", 2), ("meeting.print", 1)] {
        for person in [shared_person, private_person] {
            let rows = app
                .count(&storage, "SELECT COUNT(*) FROM audit_log WHERE person_id = ? AND action = ?", &[person, action])
                .await;
            assert_eq!(rows, n, "{action} for {person}");
        }
    }

    // The decisions, entered after the meeting: each a case update, with owner and date.
    let decisions = json!([
        {"case_id": shared["id"], "update": {"status": "in_progress", "owner_id": "u-suzuki",
            "next_action_on": "2026-12-20", "note": "検討会：鈴木さんが訪問して様子を見る"}},
        {"case_id": private["id"], "update": {"status": "watching", "note": "検討会：見守りを続ける"}},
    ]);
    let res = tanaka.post(app.url(&format!("/api/v1/meetings/{id}/decisions"))).json(&decisions).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let outcomes: Value = res.json().await.unwrap();
    assert!(outcomes.as_array().unwrap().iter().all(|o| o["error"].is_null()), "{outcomes}");
    let case: Value = tanaka
        .get(app.url(&format!("/api/v1/cases/{}", shared["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(case["summary"]["status"], "in_progress");
    assert_eq!(case["summary"]["owner"]["id"], "u-suzuki");
    assert_eq!(case["summary"]["next_action_on"], "2026-12-20");
    assert!(case["events"].to_string().contains("鈴木さんが訪問して様子を見る"));
    let office = agenda(&app, &tanaka, &id, "office").await;
    assert!(office["items"].as_array().unwrap().iter().all(|i| i["decided_at"].is_i64()));
    assert_eq!(office["items"][1]["status"], "watching", "a decided case stays on the agenda");

    // Entered again: the closed one cannot be reopened (refused on its own), the other is stored.
    let again = json!([
        {"case_id": private["id"], "update": {"status": "in_progress"}},
        {"case_id": shared["id"], "update": {"note": "検討会の補足"}},
        {"case_id": "c-not-on-this-meeting", "update": {"note": "x"}},
    ]);
    let outcomes: Value = tanaka
        .post(app.url(&format!("/api/v1/meetings/{id}/decisions")))
        .json(&again)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<Value> = outcomes.as_array().unwrap().iter().map(|o| o["error"].clone()).collect();
    assert_eq!(codes, [json!("case_closed"), Value::Null, json!("invalid_meeting")]);
}

async fn bad_meetings_and_other_districts_are_refused(app: TestApp) {
    signals(&app).await;
    let tanaka = app.signed_in("tanaka").await;
    let watanabe = app.signed_in("watanabe").await;
    let storage = app.storage().await;
    let open = open_cases(&app, &watanabe).await;
    let any = open[0]["id"].clone();
    for (body, code) in [
        (json!({"held_on": "2026-12-10", "case_ids": []}), "invalid_meeting"),
        (json!({"held_on": "2026-12-10", "case_ids": ["c-nobody"]}), "invalid_meeting"),
        (json!({"held_on": "2026-13-40", "case_ids": [any]}), "invalid_date"),
        (json!({"held_on": "2026-12-10", "title": "長".repeat(61), "case_ids": [any]}), "invalid_meeting_title"),
    ] {
        let res = tanaka.post(app.url("/api/v1/meetings")).json(&body).send().await.unwrap();
        assert_json_error(res, 400, code).await;
    }
    // A meeting over a 南部 case, set up by the admin: not 田中さん's once she gives up 南部.
    let south = open.iter().find(|c| c["district"] == "南部地区").expect("an open case in 南部").clone();
    let made: Value = watanabe
        .post(app.url("/api/v1/meetings"))
        .json(&json!({"held_on": "2026-12-10", "case_ids": [south["id"]]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap();
    app.exec(&storage, "DELETE FROM staff_districts WHERE user_id = 'u-tanaka' AND district_id = 'd-nanbu'", &[]).await;
    let list: Value = tanaka.get(app.url("/api/v1/meetings")).send().await.unwrap().json().await.unwrap();
    assert!(!list.to_string().contains(id));
    let res = tanaka.get(app.url(&format!("/api/v1/meetings/{id}?audience=office"))).send().await.unwrap();
    assert_json_error(res, 404, "not_found").await;
    let res = tanaka
        .post(app.url("/api/v1/meetings"))
        .json(&json!({"held_on": "2026-12-10", "case_ids": [south["id"]]}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 400, "invalid_meeting").await;
    let res = watanabe.get(app.url(&format!("/api/v1/meetings/{id}?audience=everyone"))).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let reads = app.count(&storage, "SELECT COUNT(*) FROM audit_log WHERE action = 'meeting.read'", &[]).await;
    assert_eq!(reads, 0, "nothing shown, nothing logged");
}

async fn a_meeting_is_changed_keeping_other_districts_cases_and_decisions(app: TestApp) {
    signals(&app).await;
    let tanaka = app.signed_in("tanaka").await;
    let watanabe = app.signed_in("watanabe").await;
    let storage = app.storage().await;
    let open = open_cases(&app, &watanabe).await;
    let chuo: Vec<&Value> = open.iter().filter(|c| c["district"] != "南部地区").collect();
    let south = open.iter().find(|c| c["district"] == "南部地区").expect("an open case in 南部");
    let (first, second) = (chuo[0]["id"].clone(), chuo[1]["id"].clone());
    let made: Value = watanabe
        .post(app.url("/api/v1/meetings"))
        .json(&json!({"held_on": "2026-12-10", "case_ids": [first, south["id"]]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_str().unwrap().to_owned();
    app.exec(&storage, "DELETE FROM staff_districts WHERE user_id = 'u-tanaka' AND district_id = 'd-nanbu'", &[]).await;
    let url = app.url(&format!("/api/v1/meetings/{id}"));
    let decided = tanaka
        .post(app.url(&format!("/api/v1/meetings/{id}/decisions")))
        .json(&json!([{"case_id": first, "update": {"note": "家族と相談する"}}]))
        .send()
        .await
        .unwrap();
    assert_eq!(decided.status(), 200);

    // A decided case stays; bad changes are refused with their reasons, nothing written.
    for (body, status, code) in [
        (json!({"held_on": "2026-12-17", "case_ids": [second]}), 409, "meeting_case_decided"),
        (json!({"held_on": "2026-12-17", "case_ids": [first, "c-nobody"]}), 400, "invalid_meeting"),
        (json!({"held_on": "2026-12-17", "case_ids": [first, south["id"]]}), 400, "invalid_meeting"),
        (json!({"held_on": "2026-12-17", "case_ids": []}), 400, "invalid_meeting"),
        (json!({"held_on": "12/17", "case_ids": [first]}), 400, "invalid_date"),
    ] {
        assert_json_error(tanaka.put(&url).json(&body).send().await.unwrap(), status, code).await;
    }
    let unchanged = agenda(&app, &watanabe, &id, "office").await;
    assert_eq!(unchanged["meeting"]["held_on"], "2026-12-10");

    // 田中さん adds her other case ahead of the decided one and moves the date; the 南部 case she
    // cannot see stays, after hers, and the decision is kept.
    let res = tanaka
        .put(&url)
        .json(&json!({"held_on": "2026-12-17", "title": "12月 第2回", "case_ids": [second, first]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let summary: Value = res.json().await.unwrap();
    assert_eq!(
        (
            summary["held_on"].as_str(),
            summary["title"].as_str(),
            summary["cases"].as_u64(),
            summary["decided"].as_u64()
        ),
        (Some("2026-12-17"), Some("12月 第2回"), Some(2), Some(1))
    );
    let whole = agenda(&app, &watanabe, &id, "office").await;
    let order: Vec<&Value> = whole["items"].as_array().unwrap().iter().map(|i| &i["case_id"]).collect();
    assert_eq!(order, [&second, &first, &south["id"]]);
    assert!(whole["items"][1]["decided_at"].is_i64(), "the decision stays: {whole}");
    assert!(whole["items"][0]["decided_at"].is_null());

    // And takes the undecided one off again.
    let res = tanaka.put(&url).json(&json!({"held_on": "2026-12-17", "case_ids": [first]})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let order: Vec<Value> = agenda(&app, &watanabe, &id, "office").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["case_id"].clone())
        .collect();
    assert_eq!(order, [first, south["id"].clone()]);
}

on_both_databases!(
    a_meeting_is_changed_keeping_other_districts_cases_and_decisions,
    a_meeting_is_set_up_read_for_its_audience_and_its_decisions_become_case_actions,
    bad_meetings_and_other_districts_are_refused,
);
