//! 要対応 cases, end to end through the API: a 気になる or 緊急 check and a request open a case for
//! the person or join the open one (a retried push adds nothing); the office acknowledges and acts
//! on it within its districts; a closed case stays closed and a later signal opens a new one; the
//! field learns where its own signals stand, and a volunteer nothing more. On SQLite and PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

async fn queue(app: &TestApp, c: &reqwest::Client) -> Value {
    let res = c.get(app.url("/api/v1/cases")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn case_of<'a>(list: &'a Value, person: &str) -> Vec<&'a Value> {
    list["cases"].as_array().unwrap().iter().filter(|c| c["person_id"] == person).collect()
}

async fn put_case(app: &TestApp, c: &reqwest::Client, id: &str, body: Value) -> reqwest::Response {
    c.put(app.url(&format!("/api/v1/cases/{id}"))).json(&body).send().await.unwrap()
}

fn raise(person: &str, need: &str) -> Value {
    json!({"type": "raise_request", "request": {
        "id": uuid::Uuid::new_v4().to_string(), "person_id": person, "need": need, "detail": "米と灯油",
        "raised_at": now_ms(),
    }})
}

/// A person 佐藤さん watches with no case open yet.
async fn quiet_person(app: &TestApp, sato: &reqwest::Client, tanaka: &reqwest::Client) -> String {
    let open = queue(app, tanaka).await;
    person_ids(&app.pull(sato, 0).await)
        .into_iter()
        .find(|p| case_of(&open, p).is_empty())
        .expect("a person of 佐藤さん's without a case")
}

async fn signals_gather_in_one_open_case_per_person(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = quiet_person(&app, &sato, &tanaka).await;

    // A routine check opens nothing; a 気になる opens a case waiting to be seen.
    let (_, res) = app.push(&sato, &[new_check(&person, "all_well")]).await;
    assert_eq!(statuses(&res), ["applied"]);
    assert!(case_of(&queue(&app, &tanaka).await, &person).is_empty(), "変わりなし is no signal");
    let concern = new_check(&person, "concern");
    app.push(&sato, std::slice::from_ref(&concern)).await;
    let list = queue(&app, &tanaka).await;
    let cases = case_of(&list, &person);
    assert_eq!(cases.len(), 1);
    let case = cases[0].clone();
    assert_eq!(
        (case["status"].as_str(), case["urgent"].as_bool(), case["signals"].as_u64()),
        (Some("open"), Some(false), Some(1))
    );
    assert!(case["awaiting_since"].as_i64().unwrap() <= list["server_time"].as_i64().unwrap());
    assert_eq!(case["last_signal"]["kind"], "check");
    assert_eq!(case["last_signal"]["note"], "新聞が二日分たまっている");

    // A 緊急, a request by the 民生委員, and a retried push of the 緊急 all land in the same case.
    let emergency = new_check(&person, "emergency");
    let (_, res) = app.push(&sato, std::slice::from_ref(&emergency)).await;
    assert_eq!(statuses(&res), ["applied"]);
    let (_, res) = app.push(&sato, &[emergency]).await;
    assert_eq!(statuses(&res), ["duplicate"]);
    let (_, res) = app.push_mutations(&suzuki, &[raise(&person, "shopping")], None).await;
    assert_eq!(statuses(&res), ["applied"]);
    let list = queue(&app, &tanaka).await;
    let cases = case_of(&list, &person);
    assert_eq!(cases.len(), 1, "one open case per person: {list}");
    assert_eq!(cases[0]["id"], case["id"]);
    assert_eq!(
        (cases[0]["urgent"].as_bool(), cases[0]["signals"].as_u64()),
        (Some(true), Some(3)),
        "the retry added nothing"
    );
    assert_eq!(cases[0]["last_signal"]["kind"], "request");
    // 緊急 first in the queue.
    let first_plain = list["cases"].as_array().unwrap().iter().position(|c| c["urgent"] == false);
    let this = list["cases"].as_array().unwrap().iter().position(|c| c["id"] == case["id"]).unwrap();
    assert!(first_plain.is_none_or(|p| this < p), "緊急 ahead of 気になる");
    let storage = app.storage().await;
    let events = app
        .count(&storage, "SELECT COUNT(*) FROM case_events WHERE case_id = ?", &[case["id"].as_str().unwrap()])
        .await;
    assert_eq!(events, 3);
}

async fn the_office_acknowledges_and_acts_and_a_closed_case_stays_closed(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = quiet_person(&app, &sato, &tanaka).await;
    app.push(&sato, &[new_check(&person, "emergency")]).await;
    let id = case_of(&queue(&app, &tanaka).await, &person)[0]["id"].as_str().unwrap().to_owned();

    // 確認しました: who and when; a second tap writes nothing.
    let ack = |c: &reqwest::Client| c.post(app.url(&format!("/api/v1/cases/{id}/acknowledge"))).send();
    let res = ack(&tanaka).await.unwrap();
    assert_eq!(res.status(), 200);
    let detail: Value = res.json().await.unwrap();
    assert_eq!(detail["summary"]["acknowledged_by"], "田中 美紀");
    assert!(detail["summary"]["awaiting_since"].is_null());
    let at = detail["summary"]["acknowledged_at"].clone();
    let again: Value = ack(&tanaka).await.unwrap().json().await.unwrap();
    assert_eq!(again["summary"]["acknowledged_at"], at);
    let kinds: Vec<&str> =
        again["events"].as_array().unwrap().iter().map(|e| e["what"]["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["signal", "acknowledged"]);

    // Acting on it: owner (the area's 民生委員), next date, a note, a word for the field.
    let owner =
        again["owners"].as_array().unwrap().iter().find(|u| u["login"] == "suzuki").expect("鈴木さん may own it");
    let res = put_case(
        &app,
        &tanaka,
        &id,
        json!({"status": "in_progress", "owner_id": owner["id"],
        "next_action_on": "2026-12-10", "note": " 長女に電話。週末に訪問 ", "shared_note": "社協で対応しています"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let detail: Value = res.json().await.unwrap();
    assert_eq!(detail["summary"]["status"], "in_progress");
    assert_eq!(detail["summary"]["owner"]["login"], "suzuki");
    assert_eq!(detail["summary"]["next_action_on"], "2026-12-10");
    assert_eq!(detail["shared_note"], "社協で対応しています");
    let last = detail["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["what"]["note"], "長女に電話。週末に訪問");
    assert_eq!(last["by"], "田中 美紀");

    // Bad changes: a clear 400 each, nothing written.
    for (body, code) in [
        (json!({"owner_id": "u-sato"}), "owner_not_found"),
        (json!({"next_action_on": "2026-13-40"}), "invalid_date"),
        (json!({}), "empty_case_update"),
        (json!({"note": "あ".repeat(1001)}), "invalid_case_note"),
        (json!({"status": "lost"}), "invalid_body"),
        (json!({"note": "x", "delete": true}), "invalid_body"),
    ] {
        assert_json_error(put_case(&app, &tanaka, &id, body.clone()).await, 400, code).await;
    }
    let storage = app.storage().await;
    assert_eq!(app.count(&storage, "SELECT COUNT(*) FROM case_events WHERE case_id = ?", &[&id]).await, 3);

    // Closed stays closed; a new signal opens a new case.
    let res = put_case(&app, &tanaka, &id, json!({"status": "done", "note": "入院の手続きが済んだ"})).await;
    assert_eq!(res.status(), 200);
    assert_json_error(put_case(&app, &tanaka, &id, json!({"status": "in_progress"})).await, 409, "case_closed").await;
    let res = put_case(&app, &tanaka, &id, json!({"note": "退院後に改めて連絡する"})).await;
    assert_eq!(res.status(), 200, "a note on a closed case is fine");
    app.push(&sato, &[new_check(&person, "concern")]).await;
    let cases = case_of(&queue(&app, &tanaka).await, &person).into_iter().cloned().collect::<Vec<_>>();
    assert_eq!(cases.len(), 2, "the closed one (30 days) and a new one");
    assert_eq!(cases[0]["status"], "open");
    assert_ne!(cases[0]["id"].as_str(), Some(id.as_str()));
    // Every office action is in the person's audit log.
    let audited = app
        .count(&storage, "SELECT COUNT(*) FROM audit_log WHERE person_id = ? AND action = 'case.update'", &[&person])
        .await;
    assert_eq!(audited, 4, "ack, in_progress, done, note");
}

async fn the_field_learns_where_its_own_signals_stand(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let mine = quiet_person(&app, &sato, &tanaka).await;
    let theirs = person_ids(&app.pull(&sato, 0).await).into_iter().find(|p| *p != mine).unwrap();
    let my_check = new_check(&mine, "emergency");
    app.push(&sato, std::slice::from_ref(&my_check)).await;
    // The 民生委員 raises a concern on another of 佐藤さん's neighbours, and one on 佐藤さん's.
    let their_check = new_check(&theirs, "concern");
    let their_on_mine = new_check(&mine, "concern");
    app.push(&suzuki, &[their_check, their_on_mine.clone()]).await;

    let pulled = app.pull(&sato, 0).await;
    let cases = pulled["cases"].as_array().unwrap();
    let on_mine: Vec<&Value> = cases.iter().filter(|c| c["person_id"] == mine.as_str()).collect();
    assert_eq!(on_mine.len(), 1, "{pulled}");
    assert_eq!(on_mine[0]["status"], "open");
    assert_eq!(on_mine[0]["awaiting"], true);
    assert_eq!(on_mine[0]["signals"], json!([my_check["id"]]), "only 佐藤さん's own signal");
    assert!(cases.iter().all(|c| c["person_id"] != theirs.as_str()), "a case 佐藤さん raised nothing in: {pulled}");

    // The office acknowledges and shares a word: the phone sees both at the next pull, never
    // the office's notes.
    let id = on_mine[0]["id"].as_str().unwrap().to_owned();
    tanaka.post(app.url(&format!("/api/v1/cases/{id}/acknowledge"))).send().await.unwrap();
    put_case(
        &app,
        &tanaka,
        &id,
        json!({"note": "内部メモ: 家族関係に課題", "shared_note": "ご連絡ありがとうございます"}),
    )
    .await;
    let pulled = app.pull(&sato, 0).await;
    let case = pulled["cases"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
    assert_eq!(case["acknowledged_by"], "田中 美紀");
    assert_eq!(case["awaiting"], false);
    assert_eq!(case["shared_note"], "ご連絡ありがとうございます");
    assert!(!pulled.to_string().contains("内部メモ"), "the office's notes stay in the office");

    // The 民生委員 of the area sees the case with every signal in it.
    let pulled = app.pull(&suzuki, 0).await;
    let case = pulled["cases"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
    assert_eq!(case["signals"].as_array().unwrap().len(), 2);
    assert!(case["signals"].as_array().unwrap().contains(&their_on_mine["id"]));
}

async fn the_office_sees_only_its_own_districts_cases(app: TestApp) {
    let tanaka = app.signed_in("tanaka").await;
    let watanabe = app.signed_in("watanabe").await;
    let storage = app.storage().await;
    // 田中さん gives up 南部: a 緊急 there is someone else's to see.
    app.exec(&storage, "DELETE FROM staff_districts WHERE user_id = 'u-tanaka' AND district_id = 'd-nanbu'", &[]).await;
    let south: String = sqlx::query_scalar(
        &storage
            .sql("SELECT id FROM persons WHERE small_area_id = 'sa-nitta' AND consent_record = 1 ORDER BY id LIMIT 1"),
    )
    .fetch_one(storage.pool())
    .await
    .unwrap();
    let suzuki = app.signed_in("suzuki").await;
    app.exec(&storage, "INSERT INTO commissioner_areas (user_id, small_area_id) VALUES ('u-suzuki', 'sa-nitta')", &[])
        .await;
    let (_, res) = app.push(&suzuki, &[new_check(&south, "emergency")]).await;
    assert_eq!(statuses(&res), ["applied"]);
    let admin_view = queue(&app, &watanabe).await;
    let id = case_of(&admin_view, &south)[0]["id"].as_str().unwrap().to_owned();
    assert!(case_of(&queue(&app, &tanaka).await, &south).is_empty(), "not in 田中さん's queue");
    for res in [
        tanaka.get(app.url(&format!("/api/v1/cases/{id}"))).send().await.unwrap(),
        tanaka.post(app.url(&format!("/api/v1/cases/{id}/acknowledge"))).send().await.unwrap(),
        put_case(&app, &tanaka, &id, json!({"note": "x"})).await,
    ] {
        assert_json_error(res, 404, "not_found").await;
    }
    // Reading a case is audited, each time.
    watanabe.get(app.url(&format!("/api/v1/cases/{id}"))).send().await.unwrap();
    watanabe.get(app.url(&format!("/api/v1/cases/{id}"))).send().await.unwrap();
    let reads = app
        .count(&storage, "SELECT COUNT(*) FROM audit_log WHERE person_id = ? AND action = 'case.read'", &[&south])
        .await;
    assert_eq!(reads, 2);
}

fn update_case(person: &str, case: &str, update: Value) -> Value {
    json!({"type": "update_case", "id": uuid::Uuid::new_v4().to_string(), "person_id": person,
        "case_id": case, "update": update})
}

async fn a_commissioner_works_a_case_from_the_phone_through_the_outbox(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = quiet_person(&app, &sato, &tanaka).await;
    app.push(&sato, &[new_check(&person, "concern")]).await;
    let id = case_of(&queue(&app, &tanaka).await, &person)[0]["id"].as_str().unwrap().to_owned();
    put_case(&app, &tanaka, &id, json!({"note": "社協から長女に連絡済み"})).await;

    // The 民生委員's phone holds the case with the office's note; the volunteer's without it.
    let pulled = app.pull(&suzuki, 0).await;
    let held = pulled["cases"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
    assert_eq!(held["notes"][0]["text"], "社協から長女に連絡済み");
    let pulled = app.pull(&sato, 0).await;
    let held = pulled["cases"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap().clone();
    assert_eq!(held["notes"], json!([]));

    // Taken on, 対応中, a note: applied once, a retry is a duplicate.
    let change = update_case(
        &person,
        &id,
        json!({"status": "in_progress", "owner_id": "u-suzuki",
        "next_action_on": "2026-12-12", "note": " 訪問して話を聞いた "}),
    );
    let (_, res) = app.push_mutations(&suzuki, std::slice::from_ref(&change), None).await;
    assert_eq!(statuses(&res), ["applied"], "{res}");
    let (_, res) = app.push_mutations(&suzuki, &[change], None).await;
    assert_eq!(statuses(&res), ["duplicate"]);
    let detail: Value = tanaka.get(app.url(&format!("/api/v1/cases/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(detail["summary"]["status"], "in_progress");
    assert_eq!(detail["summary"]["owner"]["login"], "suzuki");
    assert_eq!(detail["summary"]["next_action_on"], "2026-12-12");
    let notes: Vec<&Value> =
        detail["events"].as_array().unwrap().iter().filter(|e| e["what"]["note"] == "訪問して話を聞いた").collect();
    assert_eq!(notes.len(), 1, "stored once: {detail}");
    assert_eq!(notes[0]["by"], "鈴木 一郎");

    // Refused per record, each with its reason; nothing written for them.
    let outside: String = {
        let storage = app.storage().await;
        sqlx::query_scalar(&storage.sql(
            "SELECT p.id FROM persons p WHERE p.small_area_id NOT IN
                (SELECT small_area_id FROM commissioner_areas WHERE user_id = 'u-suzuki') ORDER BY p.id LIMIT 1",
        ))
        .fetch_one(storage.pool())
        .await
        .unwrap()
    };
    let batch = [
        update_case(&person, &id, json!({"owner_id": "u-tanaka"})),
        update_case(&person, &id, json!({"shared_note": "了解です"})),
        update_case(&outside, &id, json!({"note": "担当外"})),
        update_case(&person, "case-doesnotexist", json!({"note": "x"})),
        update_case(&person, &id, json!({})),
    ];
    let (_, res) = app.push_mutations(&suzuki, &batch, None).await;
    assert_eq!(statuses(&res), ["rejected"; 5], "{res}");
    let codes: Vec<&str> =
        res["results"].as_array().unwrap().iter().map(|r| r["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["owner_not_found", "owner_not_found", "person_not_found", "not_found", "empty_case_update"]);
    assert_eq!(
        res["results"][2]["error"]["message_ja"],
        "この方の記録は保存できません（担当から外れた可能性があります）。"
    );
    let (_, res) = app.push_mutations(&sato, &[update_case(&person, &id, json!({"note": "見に行きます"}))], None).await;
    assert_eq!(res["results"][0]["error"]["code"], "forbidden", "volunteers only raise signals");

    // Closed from the phone: the office sees it in the queue's closed list.
    let (_, res) = app
        .push_mutations(
            &suzuki,
            &[update_case(&person, &id, json!({"status": "watching", "note": "落ち着いた"}))],
            None,
        )
        .await;
    assert_eq!(statuses(&res), ["applied"]);
    let closed =
        case_of(&queue(&app, &tanaka).await, &person).into_iter().find(|c| c["id"] == id.as_str()).cloned().unwrap();
    assert_eq!(closed["status"], "watching");
    let (_, res) =
        app.push_mutations(&suzuki, &[update_case(&person, &id, json!({"status": "in_progress"}))], None).await;
    assert_eq!(res["results"][0]["error"]["code"], "case_closed");
}

/// A person of 鈴木さん's who agreed to sharing with partners and has no case open.
async fn sharing_person_without_a_case(app: &TestApp, suzuki: &reqwest::Client, tanaka: &reqwest::Client) -> String {
    let open = queue(app, tanaka).await;
    let persons = app.scope_persons(suzuki).await;
    persons
        .iter()
        .filter(|p| p["consent"]["share_partners"] == true)
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .find(|p| case_of(&open, p).is_empty())
        .expect("a sharing person without a case")
}

async fn a_referred_request_hands_the_case_to_the_partner(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let yamada = app.signed_in("yamada").await;
    let person = sharing_person_without_a_case(&app, &suzuki, &tanaka).await;
    let request = json!({"type": "raise_request", "request": {
        "id": uuid::Uuid::new_v4().to_string(), "person_id": person, "need": "snow_removal", "detail": "屋根の雪",
        "to_partner": true, "raised_at": now_ms(),
    }});
    let request_id = request["request"]["id"].as_str().unwrap().to_owned();
    let (_, res) = app.push_mutations(&suzuki, &[request], None).await;
    assert_eq!(statuses(&res), ["applied"]);
    let id = case_of(&queue(&app, &tanaka).await, &person)[0]["id"].as_str().unwrap().to_owned();
    let detail = |c: &reqwest::Client| {
        let (c, url) = (c.clone(), app.url(&format!("/api/v1/cases/{id}")));
        async move { c.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let org = "o-yukimi-fukushikai";

    // Not referred yet: no partner may carry it.
    assert_eq!(detail(&tanaka).await["partner_owners"], json!([]));
    let res = put_case(&app, &tanaka, &id, json!({"owner_organization_id": org})).await;
    assert_json_error(res, 400, "owner_not_found").await;

    // Referring the request is acting on the case: seen, and carried by the partner.
    let route = |c: &reqwest::Client, body: Value| {
        let (c, url) = (c.clone(), app.url(&format!("/api/v1/requests/{request_id}")));
        async move { c.put(url).json(&body).send().await.unwrap() }
    };
    let res = route(&tanaka, json!({"status": "in_progress", "organization_id": org})).await;
    assert_eq!(res.status(), 200);
    let case = detail(&tanaka).await;
    let summary = &case["summary"];
    assert_eq!(summary["owner_organization"], json!({"id": org, "name": "社会福祉法人 雪見福祉会"}));
    assert!(summary["owner"].is_null());
    assert_eq!(summary["status"], "in_progress", "未対応 became 対応中");
    assert!(summary["awaiting_since"].is_null(), "the referral acknowledged it");
    assert_eq!(summary["acknowledged_by"], "田中 美紀");
    assert_eq!(case["partner_owners"], json!([{"id": org, "name": "社会福祉法人 雪見福祉会"}]));
    let events = case["events"].as_array().unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last["by"].as_str(), last["what"]["owner"].as_str(), last["what"]["owner_is_partner"].as_bool()),
        (Some("田中 美紀"), Some("社会福祉法人 雪見福祉会"), Some(true))
    );
    assert_eq!(last["what"]["status"], "in_progress");

    // The partner's progress shows on the case; the field sees who carries it.
    let res = route(&yamada, json!({"status": "done"})).await;
    assert_eq!(res.status(), 200);
    let case = detail(&tanaka).await;
    let signal = &case["events"][0]["what"]["signal"];
    assert_eq!(
        (signal["kind"].as_str(), signal["status"].as_str(), signal["referred_to"].as_str()),
        (Some("request"), Some("done"), Some("社会福祉法人 雪見福祉会"))
    );
    let pulled = app.pull(&suzuki, 0).await;
    let field = pulled["cases"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap();
    assert_eq!((field["owner"].as_str(), field["owner_id"].as_str()), (Some("社会福祉法人 雪見福祉会"), None));

    // One owner at a time: a user takes it from the partner and hands it back; naming both is a 400.
    let res = put_case(&app, &tanaka, &id, json!({"owner_id": "u-suzuki"})).await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["summary"]["owner"]["login"], "suzuki");
    assert!(case["summary"]["owner_organization"].is_null());
    let res = put_case(&app, &tanaka, &id, json!({"owner_organization_id": org, "note": "法人で継続"})).await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["summary"]["owner_organization"]["id"], org);
    assert!(case["summary"]["owner"].is_null());
    let res = put_case(&app, &tanaka, &id, json!({"owner_id": "u-suzuki", "owner_organization_id": org})).await;
    assert_json_error(res, 400, "owner_not_found").await;
    let res = put_case(&app, &tanaka, &id, json!({"owner_organization_id": "o-hokubu-houkatsu"})).await;
    assert_json_error(res, 400, "owner_not_found").await;

    // A later referral elsewhere leaves a case someone carries as it is; the carrier stays a choice.
    let res = route(&tanaka, json!({"status": "in_progress", "organization_id": "o-hokubu-houkatsu"})).await;
    assert_eq!(res.status(), 200);
    let case = detail(&tanaka).await;
    assert_eq!(case["summary"]["owner_organization"]["id"], org);
    let choices: Vec<&str> =
        case["partner_owners"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(choices.len(), 2, "{choices:?}");
    assert!(choices.contains(&org) && choices.contains(&"o-hokubu-houkatsu"));

    // From the phone a 民生委員 does not hand a case to a partner.
    let (_, res) =
        app.push_mutations(&suzuki, &[update_case(&person, &id, json!({"owner_organization_id": org}))], None).await;
    assert_eq!(res["results"][0]["error"]["code"], "owner_not_found");
}

on_both_databases!(
    a_commissioner_works_a_case_from_the_phone_through_the_outbox,
    a_referred_request_hands_the_case_to_the_partner,
    signals_gather_in_one_open_case_per_person,
    the_office_acknowledges_and_acts_and_a_closed_case_stays_closed,
    the_field_learns_where_its_own_signals_stand,
    the_office_sees_only_its_own_districts_cases,
);
