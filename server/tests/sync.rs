//! Push and pull: idempotent, scoped, and clear about what was refused.

mod common;
use common::*;
use serde_json::{json, Value};

async fn each_role_pulls_exactly_the_persons_in_its_scope(app: TestApp) {
    let suzuki_device = app.signed_in("suzuki").await;
    let sato = app.pull(&app.signed_in("sato").await, 0).await;
    let takahashi = app.pull(&app.signed_in("takahashi").await, 0).await;
    let suzuki = app.pull(&suzuki_device, 0).await;
    let tanaka = app.pull(&app.signed_in("tanaka").await, 0).await;
    let (s, t, c, k) = (person_ids(&sato), person_ids(&takahashi), person_ids(&suzuki), person_ids(&tanaka));
    assert_eq!(s.len(), 5, "佐藤さん watches five");
    assert_eq!(t.len(), 4, "高橋さん watches four");
    assert!(s.iter().all(|id| !t.contains(id)), "two volunteers share nobody");
    assert_eq!(k.len(), mimamori_server::demo::PERSON_COUNT, "the coordinator sees the municipality");
    // The commissioner covers 本町一丁目 and 駅前: all of 佐藤さん's, none of 高橋さん's (杉沢).
    assert!(s.iter().all(|id| c.contains(id)));
    assert!(t.iter().all(|id| !c.contains(id)));
    let persons = app.scope_persons(&suzuki_device).await;
    let areas: std::collections::BTreeSet<&str> = persons.iter().map(|p| p["small_area"].as_str().unwrap()).collect();
    assert_eq!(areas.into_iter().collect::<Vec<_>>(), vec!["本町一丁目町内会", "駅前町内会"]);
    // The manifest carries the version of each person, the same one the full record has.
    for p in &persons {
        let listed = suzuki["scope"].as_array().unwrap().iter().find(|s| s["id"] == p["id"]).unwrap();
        assert_eq!(listed["version"], p["version"], "{}", p["id"]);
    }
}

async fn a_retried_push_is_stored_once_and_the_coordinator_sees_it(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let check = new_check(&person, "concern");
    let (status, first) = app.push(&sato, std::slice::from_ref(&check)).await;
    assert_eq!(status, 200);
    assert_eq!(statuses(&first), ["applied"]);
    // The answer was lost; the device pushes the same check again.
    let (_, second) = app.push(&sato, std::slice::from_ref(&check)).await;
    assert_eq!(statuses(&second), ["duplicate"]);

    let tanaka = app.signed_in("tanaka").await;
    let pulled = app.pull(&tanaka, 0).await;
    let checks = pulled["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1, "stored exactly once");
    assert_eq!(checks[0]["id"], check["id"]);
    assert_eq!(checks[0]["outcome"], "concern");
    assert_eq!(checks[0]["note"], "新聞が二日分たまっている");
    assert_eq!(checks[0]["author_name"], "佐藤 花子");
    assert!(checks[0]["received_at"].as_i64().unwrap() >= check["recorded_at"].as_i64().unwrap() - 1000);
    // The cursor moves on: pulling from it returns nothing new.
    let again = app.pull(&tanaka, pulled["cursor"].as_i64().unwrap()).await;
    assert!(again["checks"].as_array().unwrap().is_empty());
}

async fn bad_records_are_refused_one_by_one_and_the_rest_of_the_batch_lands(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let mine = person_ids(&app.pull(&sato, 0).await);
    let takahashis = person_ids(&app.pull(&app.signed_in("takahashi").await, 0).await);
    let good = new_check(&mine[0], "all_well");
    let out_of_scope = new_check(&takahashis[0], "all_well");
    let nonexistent = new_check("p-9999", "all_well");
    let mut from_the_past = new_check(&mine[1], "not_home");
    from_the_past["recorded_at"] = json!(0);
    let good2 = new_check(&mine[1], "emergency");
    let (status, res) = app.push(&sato, &[good.clone(), out_of_scope, nonexistent, from_the_past, good2]).await;
    assert_eq!(status, 200);
    assert_eq!(statuses(&res), ["applied", "rejected", "rejected", "rejected", "applied"]);
    let results = res["results"].as_array().unwrap();
    // Out of scope reads exactly like "does not exist": nothing leaks about other people's persons.
    assert_eq!(results[1]["error"], results[2]["error"]);
    assert_eq!(results[1]["error"]["code"], "person_not_found");
    assert_eq!(results[3]["error"]["code"], "recorded_at_out_of_range");

    let all = app.pull(&app.signed_in("tanaka").await, 0).await;
    let ids: Vec<&str> = all["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 2, "nothing written for the refused records");
    assert!(ids.contains(&good["id"].as_str().unwrap()));
}

async fn an_id_replayed_by_another_user_is_refused_not_merged(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let check = new_check(&person, "all_well");
    assert_eq!(statuses(&app.push(&sato, std::slice::from_ref(&check)).await.1), ["applied"]);
    let mut replay = check.clone();
    replay["outcome"] = json!("emergency");
    let (_, res) = app.push(&suzuki, &[replay]).await;
    assert_eq!(statuses(&res), ["rejected"]);
    assert_eq!(res["results"][0]["error"]["code"], "id_conflict");
    let pulled = app.pull(&suzuki, 0).await;
    assert_eq!(pulled["checks"][0]["outcome"], "all_well", "the original is untouched");
}

/// One ledger answers for every kind of change: an id a check used cannot be used again by
/// another user's change of another kind, and nothing of that change is written.
async fn one_ledger_holds_the_ids_of_every_kind_of_change(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let check = new_check(&person, "all_well");
    assert_eq!(statuses(&app.push(&sato, std::slice::from_ref(&check)).await.1), ["applied"]);
    let request = json!({"type": "raise_request", "request": {
        "id": check["id"], "person_id": person, "need": "shopping", "detail": "米5kg",
        "to_partner": false, "raised_at": now_ms(),
    }});
    let (status, res) = app.push_mutations(&suzuki, &[request], None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(statuses(&res), ["rejected"]);
    assert_eq!(res["results"][0]["error"]["code"], "id_conflict");
    let s = app.storage().await;
    let id = check["id"].as_str().unwrap();
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM requests WHERE id = ?", &[id]).await, 0, "nothing of it written");
    let (_, again) = app.push(&sato, std::slice::from_ref(&check)).await;
    assert_eq!(statuses(&again), ["duplicate"], "the check's own retry is still known as one");
}

async fn volunteers_never_pull_checks_on_persons_outside_their_scope(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let takahashi = app.signed_in("takahashi").await;
    let p = person_ids(&app.pull(&takahashi, 0).await)[0].clone();
    assert_eq!(statuses(&app.push(&takahashi, &[new_check(&p, "concern")]).await.1), ["applied"]);
    let seen_by_sato = app.pull(&sato, 0).await;
    assert!(seen_by_sato["checks"].as_array().unwrap().is_empty());
    assert!(!person_ids(&seen_by_sato).contains(&p));
}

async fn malformed_and_oversized_pushes_get_json_errors_and_write_nothing(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let url = app.url("/api/v1/sync/push");

    // A body that is not a push at all is refused as a whole.
    let broken =
        sato.post(&url).header("content-type", "application/json").body(r#"{"mutations": ["#).send().await.unwrap();
    assert_json_error(broken, 400, "invalid_body").await;
    let not_a_list = json!({"mutations": {"type": "create_check"}});
    assert_json_error(sato.post(&url).json(&not_a_list).send().await.unwrap(), 400, "invalid_body").await;
    let extra = json!({"mutations": [], "force": true});
    assert_json_error(sato.post(&url).json(&extra).send().await.unwrap(), 400, "invalid_body").await;

    // Records that cannot be read are answered one by one, by id when one can be read.
    let unknown_outcome = json!({"type": "create_check", "check": {
        "id": uuid::Uuid::new_v4().to_string(), "person_id": person, "outcome": "fine", "recorded_at": now_ms()}});
    let mut sneaky = new_check(&person, "all_well");
    sneaky["author_id"] = json!("u-tanaka");
    let bad_id = json!({"type": "create_check", "check": {
        "id": "'; DROP TABLE checks; --", "person_id": person, "outcome": "all_well", "recorded_at": now_ms()}});
    let (status, res) =
        app.push_mutations(&sato, &[unknown_outcome.clone(), create_check(&sneaky), bad_id], None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(statuses(&res), ["rejected", "rejected", "malformed"]);
    assert_eq!(res["results"][0]["id"], unknown_outcome["check"]["id"]);
    assert_eq!(res["results"][1]["id"], sneaky["id"]);
    assert_eq!(res["results"][2]["index"], 2);
    for r in res["results"].as_array().unwrap() {
        assert_eq!(r["error"]["code"], "malformed_mutation", "{r}");
    }

    let huge = "x".repeat(2 * 1024 * 1024);
    let res = sato.post(&url).header("content-type", "application/json").body(huge).send().await.unwrap();
    assert_json_error(res, 413, "payload_too_large").await;

    let too_many: Vec<Value> = (0..201).map(|_| new_check(&person, "all_well")).collect();
    let (status, body) = app.push(&sato, &too_many).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "batch_too_large");

    let neg = sato.get(app.url("/api/v1/sync/pull?cursor=-5")).send().await.unwrap();
    assert_json_error(neg, 400, "invalid_cursor").await;
    let junk = sato.get(app.url("/api/v1/sync/pull?cursor=abc")).send().await.unwrap();
    assert_json_error(junk, 400, "invalid_query").await;
    let bad_mark = sato.get(app.url("/api/v1/sync/pull?cursor=0&mark=1e99")).send().await.unwrap();
    assert_json_error(bad_mark, 400, "invalid_query").await;

    let pulled = app.pull(&app.signed_in("tanaka").await, 0).await;
    assert!(pulled["checks"].as_array().unwrap().is_empty(), "nothing was written");
}

async fn script_in_a_note_is_stored_as_plain_text(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let mut c = new_check(&person, "concern");
    c["note"] = json!("<script>alert('x')</script> ' OR 1=1 --");
    assert_eq!(statuses(&app.push(&sato, &[c]).await.1), ["applied"]);
    let pulled = app.pull(&sato, 0).await;
    assert_eq!(pulled["checks"][0]["note"], "<script>alert('x')</script> ' OR 1=1 --");
}

async fn api_responses_are_never_cached(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let res = sato.get(app.url("/api/v1/sync/pull")).send().await.unwrap();
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
}

/// Phones' pulls hold at most all connections but the office's two: with every phone lane
/// taken, another phone waits, and the office still gets two connections at once.
async fn phones_never_take_the_offices_connections(app: TestApp) {
    use mimamori_server::storage::{Storage, OFFICE_LANES};
    use std::time::Duration;
    let storage = Storage::connect_with(&app.database_url, 4).await.unwrap();
    let phones = [storage.sync_lane().await.unwrap(), storage.sync_lane().await.unwrap()];
    let mut held = Vec::new();
    for _ in 0..phones.len() {
        held.push(storage.connection().await.unwrap());
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(300), storage.sync_lane()).await.is_err(),
        "a third phone waits for a lane"
    );
    for _ in 0..OFFICE_LANES {
        let office = tokio::time::timeout(Duration::from_secs(2), storage.connection()).await;
        held.push(office.expect("the office is not kept waiting by phones").unwrap());
    }
    drop(held);
    drop(phones);
    assert!(tokio::time::timeout(Duration::from_secs(2), storage.sync_lane()).await.is_ok(), "a lane came free");
}

/// A pull that sends the mark its device was given last time.
async fn pull_marked(app: &TestApp, c: &reqwest::Client, cursor: i64, mark: &Value) -> Value {
    let res = c.get(app.url(&format!("/api/v1/sync/pull?cursor={cursor}&mark={mark}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn whole(pull: &Value) -> bool {
    !pull["unchanged"].as_bool().unwrap_or(false)
}

async fn a_pull_with_nothing_new_besides_checks_sends_only_the_checks(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let first = app.pull(&sato, 0).await;
    assert!(whole(&first));
    assert_eq!(person_ids(&first).len(), 5);
    let mark = first["mark"].clone();
    assert!(mark.is_i64(), "a field device is given a mark: {first}");
    let cursor = first["cursor"].as_i64().unwrap();
    // Nothing changed: only the checks page comes back, with the same mark.
    let quiet = pull_marked(&app, &sato, cursor, &mark).await;
    assert!(!whole(&quiet), "{quiet}");
    assert!(quiet["scope"].as_array().unwrap().is_empty() && quiet["requests"].as_array().unwrap().is_empty());
    assert_eq!(quiet["mark"], mark);
    // A new check still comes with such a pull.
    let person = person_ids(&first)[0].clone();
    let check = new_check(&person, "all_well");
    assert_eq!(statuses(&app.push(&sato, std::slice::from_ref(&check)).await.1), ["applied"]);
    let with_check = pull_marked(&app, &sato, cursor, &mark).await;
    assert!(!whole(&with_check));
    let ids: Vec<&Value> = with_check["checks"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
    assert_eq!(ids, [&check["id"]]);
    let cursor = with_check["cursor"].as_i64().unwrap();

    // A mark this device was not given, or none, gets everything.
    let forged = json!(mark.as_i64().unwrap() ^ 1);
    assert!(whole(&pull_marked(&app, &sato, cursor, &forged).await));
    let other_phone = app.signed_in("sato").await;
    assert!(whole(&pull_marked(&app, &other_phone, cursor, &mark).await), "another device's mark");
    assert!(!whole(&pull_marked(&app, &sato, cursor, &mark).await), "the forged mark changed nothing");

    // The 民生委員 over the same area holds a mark of her own.
    let suzuki = app.signed_in("suzuki").await;
    let hers = app.pull(&suzuki, 0).await;
    let her_mark = hers["mark"].clone();
    let her_cursor = hers["cursor"].as_i64().unwrap();
    assert!(!whole(&pull_marked(&app, &suzuki, her_cursor, &her_mark).await));

    // A concern opens a case on 佐藤さん's person: both phones get everything again, the case in it.
    let concern = new_check(&person, "concern");
    app.push(&sato, std::slice::from_ref(&concern)).await;
    let after_case = pull_marked(&app, &sato, cursor, &mark).await;
    assert!(whole(&after_case));
    assert_eq!(after_case["cases"].as_array().unwrap().len(), 1, "{after_case}");
    assert_ne!(after_case["mark"], mark);
    let hers_after = pull_marked(&app, &suzuki, her_cursor, &her_mark).await;
    assert!(whole(&hers_after));
    assert_eq!(hers_after["cases"].as_array().unwrap().len(), hers["cases"].as_array().unwrap().len() + 1);
    let (mark, cursor) = (after_case["mark"].clone(), after_case["cursor"].as_i64().unwrap());
    assert!(!whole(&pull_marked(&app, &sato, cursor, &mark).await), "and quiet again after");

    // The office edits a person's record: everything again, with the new version in the manifest.
    let s = app.storage().await;
    app.exec(&s, "UPDATE persons SET phone = '0120-000-000' WHERE id = ?", &[&person]).await;
    let edited = pull_marked(&app, &sato, cursor, &mark).await;
    assert!(whole(&edited));
    let (mark, cursor) = (edited["mark"].clone(), edited["cursor"].as_i64().unwrap());

    // A person taken off her list: everything again, without that person.
    app.exec(&s, "DELETE FROM assignments WHERE user_id = 'u-sato' AND person_id = ?", &[&person]).await;
    let unassigned = pull_marked(&app, &sato, cursor, &mark).await;
    assert!(whole(&unassigned));
    assert_eq!(person_ids(&unassigned).len(), 4);
    assert!(!person_ids(&unassigned).contains(&person));
    let (mark, cursor) = (unassigned["mark"].clone(), unassigned["cursor"].as_i64().unwrap());

    // While a 安否確認 event is open every pull is whole, and the close is heard too.
    let tanaka = app.signed_in("tanaka").await;
    let body = json!({"name": "大雨（訓練）", "kind": "flood", "small_area_ids": ["sa-honcho1"], "drill": true});
    let res = tanaka.post(app.url("/api/v1/events")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let event = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let during = pull_marked(&app, &sato, cursor, &mark).await;
    assert!(whole(&during) && during.get("mark").is_none(), "{during}");
    assert_eq!(during["events"].as_array().unwrap().len(), 1);
    assert!(whole(&pull_marked(&app, &sato, cursor, &mark).await));
    let res = tanaka.post(app.url(&format!("/api/v1/events/{event}/close"))).send().await.unwrap();
    assert!(res.status().is_success());
    let closed = pull_marked(&app, &sato, cursor, &mark).await;
    assert!(whole(&closed) && closed["events"].as_array().unwrap().is_empty());
    assert!(!whole(&pull_marked(&app, &sato, cursor, &closed["mark"]).await));

    // The office's devices are never given one.
    assert!(app.pull(&tanaka, 0).await.get("mark").is_none());
}

on_both_databases!(
    a_pull_with_nothing_new_besides_checks_sends_only_the_checks,
    phones_never_take_the_offices_connections,
    each_role_pulls_exactly_the_persons_in_its_scope,
    a_retried_push_is_stored_once_and_the_coordinator_sees_it,
    bad_records_are_refused_one_by_one_and_the_rest_of_the_batch_lands,
    an_id_replayed_by_another_user_is_refused_not_merged,
    one_ledger_holds_the_ids_of_every_kind_of_change,
    volunteers_never_pull_checks_on_persons_outside_their_scope,
    malformed_and_oversized_pushes_get_json_errors_and_write_nothing,
    script_in_a_note_is_stored_as_plain_text,
    api_responses_are_never_cached,
);
