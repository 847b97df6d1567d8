//! The sync engine under the conditions phones meet in the field: answers lost after the server
//! committed, the same outbox pushed twice at once, device clocks a day off, two people editing
//! one person offline, persons leaving a user's scope, and batches mixing good and bad records.
//! Each is checked as a device or a coordinator would see it (pull, fetch, conflicts), with SQL
//! counts where "nothing was written" must be proved. Every scenario runs on SQLite and PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The ids of the checks in a pull or fetch answer, in the order given.
fn check_ids(body: &Value) -> Vec<String> {
    body["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

fn id_of(check: &Value) -> String {
    check["id"].as_str().unwrap().to_owned()
}

/// The id each mutation carries (a check's own id, or an edit's mutation id).
fn mutation_id(m: &Value) -> &Value {
    if m["type"] == "create_check" {
        &m["check"]["id"]
    } else {
        &m["id"]
    }
}

async fn open_conflicts(app: &TestApp, c: &reqwest::Client) -> Vec<Value> {
    let res = c.get(app.url("/api/v1/conflicts")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

async fn resolve(app: &TestApp, c: &reqwest::Client, id: &str, keep: &str) -> reqwest::Response {
    c.post(app.url(&format!("/api/v1/conflicts/{id}/resolve"))).json(&json!({ "keep": keep })).send().await.unwrap()
}

// 1. The answer to a committed push is lost; the phone pushes the same outbox again.

async fn a_push_retried_after_its_answer_was_lost_is_stored_exactly_once(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = person_ids(&app.pull(&suzuki, 0).await)[0].clone();
    let seen = app.fetch_person(&suzuki, &person).await;
    let checks = [new_check(&person, "all_well"), new_check(&person, "concern")];
    let edit = edit_person(&person, &[("phone", field_version(&seen, "phone"), json!("0185-00-1234"))]);
    let outbox = vec![create_check(&checks[0]), create_check(&checks[1]), edit];

    // The server commits; the answer never reaches the phone, which keeps its outbox.
    let _lost = app.push_mutations(&suzuki, &outbox, Some(now_ms())).await;
    // Meanwhile the coordinator, who saw the new number, corrects it.
    let after_push = app.fetch_person(&tanaka, &person).await;
    assert_eq!(after_push["phone"], "0185-00-1234");
    let fix = edit_person(&person, &[("phone", field_version(&after_push, "phone"), json!("0185-00-5678"))]);
    assert_eq!(statuses(&app.push_mutations(&tanaka, &[fix], None).await.1), ["applied"]);
    let before_retry = app.fetch_person(&tanaka, &person).await;

    // Back online, the phone pushes the whole outbox again, with one check made since.
    let later = new_check(&person, "not_home");
    let mut retry = outbox.clone();
    retry.push(create_check(&later));
    let (status, res) = app.push_mutations(&suzuki, &retry, Some(now_ms())).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(statuses(&res), ["duplicate", "duplicate", "duplicate", "applied"]);
    for (result, sent) in res["results"].as_array().unwrap().iter().zip(&retry) {
        assert_eq!(&result["id"], mutation_id(sent), "each answer names its mutation");
    }

    // Each check exactly once, in the order made.
    let pulled = app.pull(&tanaka, 0).await;
    assert_eq!(check_ids(&pulled), [id_of(&checks[0]), id_of(&checks[1]), id_of(&later)]);
    // The retried edit changed nothing: no older value back, no new version, no conflict.
    let now = app.fetch_person(&tanaka, &person).await;
    assert_eq!(now["phone"], "0185-00-5678", "the retry did not bring the superseded number back");
    assert_eq!(now["version"], before_retry["version"]);
    assert_eq!(now["field_versions"], before_retry["field_versions"]);
    assert_eq!(now["conflicts"], json!([]));
    assert!(open_conflicts(&app, &tanaka).await.is_empty());
    let s = app.storage().await;
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM checks WHERE person_id = ?", &[&person]).await, 3);
    let edits = "SELECT COUNT(*) FROM mutations WHERE id NOT IN (SELECT id FROM checks)";
    assert_eq!(app.count(&s, edits, &[]).await, 2, "suzuki's edit and tanaka's fix, each once in the ledger");
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM mutations", &[]).await, 5, "and the three checks");
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM conflicts", &[]).await, 0);
}

// 3. The same batch pushed twice at the same moment (a retry racing a slow first attempt).

async fn the_same_batch_pushed_twice_at_once_is_stored_once(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let persons = person_ids(&app.pull(&suzuki, 0).await);
    let s = app.storage().await;
    let mut all_checks = Vec::new();
    for round in 0..3 {
        let target = app.fetch_person(&suzuki, &persons[round]).await;
        let mut batch: Vec<Value> =
            (0..40).map(|i| create_check(&new_check(&persons[i % persons.len()], "all_well"))).collect();
        let notes = format!("第{round}回の訪問で確認");
        batch.insert(20, edit_person(&persons[round], &[("notes", field_version(&target, "notes"), json!(notes))]));
        all_checks.extend(batch.iter().filter(|m| m["type"] == "create_check").map(|m| id_of(&m["check"])));

        let (a, b) = tokio::join!(app.push_mutations(&suzuki, &batch, None), app.push_mutations(&suzuki, &batch, None));
        assert_eq!((a.0, b.0), (200, 200), "{} {}", a.1, b.1);
        for (i, (x, y)) in statuses(&a.1).into_iter().zip(statuses(&b.1)).enumerate() {
            let mut pair = [x, y];
            pair.sort();
            assert_eq!(pair, ["applied", "duplicate"], "round {round}, mutation {i}: stored by exactly one push");
        }
        let person = app.fetch_person(&suzuki, &persons[round]).await;
        assert_eq!(person["notes"], notes);
        assert_eq!(person["conflicts"], json!([]), "a push racing itself is no conflict");
    }

    let pulled = app.pull(&app.signed_in("tanaka").await, 0).await;
    assert_eq!(check_ids(&pulled), all_checks, "every check once, in push order");
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM checks", &[]).await, 120);
    let edits = "SELECT COUNT(*) FROM mutations WHERE id NOT IN (SELECT id FROM checks)";
    assert_eq!(app.count(&s, edits, &[]).await, 3, "each round's edit once in the ledger");
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM mutations", &[]).await, 123, "and every check once");
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM conflicts", &[]).await, 0);
}

// 4. Device clocks a day fast or slow.

async fn checks_from_a_clock_a_day_off_are_placed_at_server_time_in_push_order(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let persons = person_ids(&app.pull(&sato, 0).await);
    let s = app.storage().await;
    // (id, the device's time for it, earliest and latest the server may have placed it)
    let mut pushed: Vec<(String, i64, i64, i64)> = Vec::new();
    for offset in [DAY_MS, -DAY_MS] {
        let device_now = now_ms() + offset;
        // Made a minute, half a minute and a second before sending, by the device clock.
        let ago = [60_000, 30_000, 1_000];
        let checks: Vec<Value> = ago
            .iter()
            .enumerate()
            .map(|(i, ago)| {
                let mut c = new_check(&persons[i], "all_well");
                c["recorded_at"] = json!(device_now - ago);
                c
            })
            .collect();
        let before = now_ms();
        let mutations: Vec<Value> = checks.iter().map(create_check).collect();
        let (status, res) = app.push_mutations(&sato, &mutations, Some(device_now)).await;
        let after = now_ms();
        assert_eq!(status, 200, "{res}");
        assert_eq!(statuses(&res), ["applied", "applied", "applied"], "a wrong clock is no reason to refuse");
        for (c, ago) in checks.iter().zip(ago) {
            pushed.push((id_of(c), device_now - ago, before - ago, after - ago));
        }
    }
    // A clock half a minute off is network delay, not skew: the device's times stand.
    let device_now = now_ms() - 30_000;
    let mut small = new_check(&persons[3], "not_home");
    small["recorded_at"] = json!(device_now - 10_000);
    assert_eq!(statuses(&app.push_mutations(&sato, &[create_check(&small)], Some(device_now)).await.1), ["applied"]);
    // An older client that sends no clock: its times stand too.
    let mut unclocked = new_check(&persons[4], "not_home");
    unclocked["recorded_at"] = json!(now_ms() - 5 * 60_000);
    assert_eq!(statuses(&app.push(&sato, std::slice::from_ref(&unclocked)).await.1), ["applied"]);

    let pulled = app.pull(&app.signed_in("tanaka").await, 0).await;
    let server_time = pulled["server_time"].as_i64().unwrap();
    let checks = pulled["checks"].as_array().unwrap();
    let mut expected_order: Vec<String> = pushed.iter().map(|p| p.0.clone()).collect();
    expected_order.extend([id_of(&small), id_of(&unclocked)]);
    assert_eq!(check_ids(&pulled), expected_order, "in push order");
    for ((id, device_time, earliest, latest), c) in pushed.iter().zip(checks) {
        let at = c["recorded_at"].as_i64().unwrap();
        assert!(
            (*earliest - 2_000..=*latest + 2_000).contains(&at),
            "{id}: placed at {at}, the device said {device_time}, expected {earliest}..{latest}"
        );
        assert!((server_time - at).abs() < 10 * 60_000, "{id}: the day's offset is gone");
        assert!(at <= c["received_at"].as_i64().unwrap(), "{id}: never after it arrived");
        let raw = app.count(&s, "SELECT device_recorded_at FROM checks WHERE id = ?", &[id]).await;
        assert_eq!(raw, *device_time, "{id}: the device's own time is kept beside");
    }
    // Within each batch the device's order and spacing survive the correction.
    for batch in checks[..6].chunks(3) {
        let at: Vec<i64> = batch.iter().map(|c| c["recorded_at"].as_i64().unwrap()).collect();
        assert_eq!((at[1] - at[0], at[2] - at[1]), (30_000, 29_000), "{at:?}");
    }
    assert_eq!(checks[6]["recorded_at"], small["recorded_at"]);
    assert_eq!(checks[7]["recorded_at"], unclocked["recorded_at"]);
}

// 5. Two people (and two phones of one person) edit the same person offline.

async fn offline_edits_to_different_fields_both_land_and_equal_values_never_conflict(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = person_ids(&app.pull(&suzuki, 0).await)[0].clone();
    // Both devices hold the same copy, then go offline.
    let seen_by_suzuki = app.fetch_person(&suzuki, &person).await;
    let seen_by_tanaka = app.fetch_person(&tanaka, &person).await;
    assert_eq!(seen_by_suzuki, seen_by_tanaka);

    let phone = edit_person(&person, &[("phone", field_version(&seen_by_suzuki, "phone"), json!("0185-00-1234"))]);
    let address =
        edit_person(&person, &[("address", field_version(&seen_by_tanaka, "address"), json!("雪見町本町一丁目 3-5"))]);
    assert_eq!(statuses(&app.push_mutations(&suzuki, &[phone], None).await.1), ["applied"]);
    assert_eq!(statuses(&app.push_mutations(&tanaka, &[address], None).await.1), ["applied"]);

    let merged = app.fetch_person(&suzuki, &person).await;
    assert_eq!((&merged["phone"], &merged["address"]), (&json!("0185-00-1234"), &json!("雪見町本町一丁目 3-5")));
    assert_eq!(merged["conflicts"], json!([]));
    assert!(merged["version"].as_i64() > seen_by_suzuki["version"].as_i64());
    for field in ["phone", "address"] {
        assert!(field_version(&merged, field) > field_version(&seen_by_suzuki, field), "{field} got a new version");
    }
    // The manifest tells both devices their copies are old.
    let manifest = app.pull(&suzuki, 0).await;
    let listed = manifest["scope"].as_array().unwrap().iter().find(|p| p["id"] == person.as_str()).unwrap();
    assert_eq!(listed["version"], merged["version"]);

    // The same new value from two devices that had not seen each other's: no conflict, and no
    // version either (nothing changed the second time).
    let help = !merged["needs_evacuation_help"].as_bool().unwrap();
    let base = field_version(&merged, "needs_evacuation_help");
    let from_suzuki = edit_person(&person, &[("needs_evacuation_help", base, json!(help))]);
    let from_tanaka = edit_person(&person, &[("needs_evacuation_help", base, json!(help))]);
    assert_eq!(statuses(&app.push_mutations(&suzuki, &[from_suzuki], None).await.1), ["applied"]);
    let after_first = app.fetch_person(&tanaka, &person).await;
    assert_eq!(statuses(&app.push_mutations(&tanaka, &[from_tanaka], None).await.1), ["applied"]);
    let after_second = app.fetch_person(&tanaka, &person).await;
    assert_eq!(after_second["needs_evacuation_help"], help);
    assert_eq!(after_second["version"], after_first["version"]);
    assert_eq!(after_second["conflicts"], json!([]));
    assert!(open_conflicts(&app, &tanaka).await.is_empty());
}

async fn offline_edits_to_one_field_conflict_and_a_coordinator_settles_them(app: TestApp) {
    let phone_a = app.signed_in("suzuki").await;
    let phone_b = app.signed_in("suzuki").await; // the same 民生委員's second device
    let tanaka = app.signed_in("tanaka").await;
    let person = person_ids(&app.pull(&phone_a, 0).await)[0].clone();
    let seen = app.fetch_person(&phone_a, &person).await;
    let notes_base = field_version(&seen, "notes");
    let interval_base = field_version(&seen, "check_interval_days");
    let interval = seen["check_interval_days"].as_i64().unwrap();
    let (interval_a, interval_b) = (if interval == 3 { 4 } else { 3 }, if interval == 21 { 28 } else { 21 });

    // Three devices, all offline since `seen`, change the same two fields differently.
    let a = edit_person(
        &person,
        &[
            ("notes", notes_base, json!("鍵は隣の家に預けている")),
            ("check_interval_days", interval_base, json!(interval_a)),
        ],
    );
    assert_eq!(statuses(&app.push_mutations(&phone_a, &[a], None).await.1), ["applied"]);
    let from_tanaka = edit_person(&person, &[("notes", notes_base, json!("娘さんが週末に来る"))]);
    let (_, res) = app.push_mutations(&tanaka, &[from_tanaka], None).await;
    assert_eq!(statuses(&res), ["conflict"]);
    assert_eq!(res["results"][0]["fields"], json!(["notes"]));
    // One user's two phones are two devices: neither had seen the other's change. The field
    // nobody else touched is applied beside the conflicting one.
    let household = if seen["household_type"] == "disability" { "child_rearing" } else { "disability" };
    let b = edit_person(
        &person,
        &[
            ("check_interval_days", interval_base, json!(interval_b)),
            ("household_type", field_version(&seen, "household_type"), json!(household)),
        ],
    );
    let (_, res) = app.push_mutations(&phone_b, &[b], None).await;
    assert_eq!(statuses(&res), ["conflict"]);
    assert_eq!(res["results"][0]["fields"], json!(["check_interval_days"]));

    // The first value stays; the devices see the fields marked.
    let marked = app.fetch_person(&phone_b, &person).await;
    assert_eq!(marked["notes"], "鍵は隣の家に預けている");
    assert_eq!(marked["check_interval_days"], interval_a);
    assert_eq!(marked["household_type"], household);
    let mut fields: Vec<&str> = marked["conflicts"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    fields.sort();
    assert_eq!(fields, ["check_interval_days", "notes"]);

    // Only coordinators (and admins) settle conflicts.
    for login in ["sato", "takahashi", "yamada", "suzuki"] {
        let c = app.signed_in(login).await;
        assert_json_error(c.get(app.url("/api/v1/conflicts")).send().await.unwrap(), 403, "forbidden").await;
    }
    // The coordinator sees both values of each, with who wrote them.
    let conflicts = open_conflicts(&app, &tanaka).await;
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    let notes = conflicts.iter().find(|c| c["field"] == "notes").unwrap().clone();
    let intervals = conflicts.iter().find(|c| c["field"] == "check_interval_days").unwrap().clone();
    assert_eq!(notes["person_id"], person.as_str());
    assert_eq!(notes["person_name"], seen["name"]);
    assert_eq!(notes["current"], json!({"field": "notes", "value": "鍵は隣の家に預けている"}));
    assert_eq!(notes["current_by"], "鈴木 一郎");
    assert_eq!(notes["other"], json!({"field": "notes", "value": "娘さんが週末に来る"}));
    assert_eq!(notes["other_by"], "田中 美紀");
    assert_eq!(intervals["current"], json!({"field": "check_interval_days", "value": interval_a}));
    assert_eq!(intervals["other"], json!({"field": "check_interval_days", "value": interval_b}));
    assert_eq!((&intervals["current_by"], &intervals["other_by"]), (&json!("鈴木 一郎"), &json!("鈴木 一郎")));
    let notes_id = notes["id"].as_str().unwrap();
    let intervals_id = intervals["id"].as_str().unwrap();
    for login in ["sato", "suzuki", "yamada"] {
        let c = app.signed_in(login).await;
        assert_json_error(resolve(&app, &c, notes_id, "other").await, 403, "forbidden").await;
    }

    // Keeping the other value writes it as a new version.
    let res = resolve(&app, &tanaka, notes_id, "other").await;
    assert_eq!(res.status(), 200);
    let remaining: Value = res.json().await.unwrap();
    assert_eq!(remaining.as_array().unwrap().iter().map(|c| &c["id"]).collect::<Vec<_>>(), [&intervals["id"]]);
    let settled = app.fetch_person(&phone_a, &person).await;
    assert_eq!(settled["notes"], "娘さんが週末に来る");
    assert!(settled["version"].as_i64() > marked["version"].as_i64());
    assert!(field_version(&settled, "notes") > field_version(&marked, "notes"));
    assert_eq!(settled["conflicts"], json!(["check_interval_days"]));
    // Settled is settled: a second answer is a 404, the same as for a conflict that never was.
    let again = assert_json_error(resolve(&app, &tanaka, notes_id, "current").await, 404, "not_found").await;
    let never = resolve(&app, &tanaka, "7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11", "current").await;
    assert_eq!(again, never.json::<Value>().await.unwrap());
    assert_eq!(app.fetch_person(&phone_a, &person).await["notes"], "娘さんが週末に来る");

    // Keeping the current value leaves it, and still tells devices the field is settled.
    let remaining: Value = resolve(&app, &tanaka, intervals_id, "current").await.json().await.unwrap();
    assert_eq!(remaining, json!([]));
    let done = app.fetch_person(&phone_b, &person).await;
    assert_eq!(done["check_interval_days"], interval_a);
    assert_eq!(done["conflicts"], json!([]));
    assert!(done["version"].as_i64() > settled["version"].as_i64());
    assert!(open_conflicts(&app, &tanaka).await.is_empty());

    // The person's audit log tells the whole story, the change applied beside a conflict included.
    let log: Value =
        tanaka.get(app.url(&format!("/api/v1/persons/{person}/audit"))).send().await.unwrap().json().await.unwrap();
    let lines: Vec<(&str, &str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["user"]["login"].as_str().unwrap(), l["action"].as_str().unwrap(), l["detail"].as_str().unwrap()))
        .collect();
    for expected in [
        ("suzuki", "person.update", "notes,check_interval_days"),
        ("tanaka", "conflict.open", "notes"),
        ("suzuki", "person.update", "household_type"),
        ("suzuki", "conflict.open", "check_interval_days"),
        ("tanaka", "conflict.resolve", "notes:other"),
        ("tanaka", "conflict.resolve", "check_interval_days:current"),
    ] {
        assert!(lines.contains(&expected), "{expected:?} missing from {lines:?}");
    }
}

// 7. Persons leave a user's scope; a device is revoked.

async fn persons_leaving_a_volunteers_scope_vanish_from_pull_and_fetch(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let tanaka = app.signed_in("tanaka").await;
    let mine = person_ids(&app.pull(&sato, 0).await);
    let (unassigned, withdrawn) = (mine[0].clone(), mine[1].clone());
    let kept: Vec<String> = mine[2..].to_vec();
    let old_check = new_check(&unassigned, "concern");
    assert_eq!(statuses(&app.push(&sato, std::slice::from_ref(&old_check)).await.1), ["applied"]);
    let leaving = [unassigned.clone(), withdrawn.clone()];
    let before = app.fetch_persons(&sato, &leaving, Some(i64::MAX)).await;
    assert_eq!(before["persons"].as_array().unwrap().len(), 2);
    assert_eq!(check_ids(&before), [id_of(&old_check)]);

    // The coordinator hands one person to someone else and records a consent withdrawal for another.
    let mut remaining = vec![withdrawn.clone()];
    remaining.extend(kept.iter().cloned());
    let res = tanaka
        .put(app.url("/api/v1/users/u-sato/assignments"))
        .json(&json!({ "person_ids": remaining }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = tanaka
        .post(app.url(&format!("/api/v1/persons/{withdrawn}/consents/withdraw")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The volunteer's next pull no longer names them, nor carries their history.
    let pulled = app.pull(&sato, 0).await;
    assert_eq!(person_ids(&pulled), kept);
    assert!(!check_ids(&pulled).contains(&id_of(&old_check)));
    // Asking for them by id returns nothing, exactly as for persons who never existed.
    let gone = app.fetch_persons(&sato, &leaving, Some(i64::MAX)).await;
    assert_eq!(gone, json!({"persons": [], "checks": []}));
    let never = app.fetch_persons(&sato, &["p-doesnotexist".into(), "p-nor-this".into()], Some(i64::MAX)).await;
    assert_eq!(gone, never);
    // A check made offline before the phone learnt of it is refused, and not stored.
    let late = new_check(&unassigned, "all_well");
    let (_, res) = app.push(&sato, std::slice::from_ref(&late)).await;
    assert_eq!(statuses(&res), ["rejected"]);
    assert_eq!(res["results"][0]["error"]["code"], "person_not_found");
    let s = app.storage().await;
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM checks WHERE id = ?", &[&id_of(&late)]).await, 0);

    // A lost phone, revoked from the other one, is refused at its next contact.
    let lost_phone = app.signed_in("sato").await;
    assert_eq!(person_ids(&app.pull(&lost_phone, 0).await), kept);
    let devices: Value = lost_phone.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
    let lost_id = devices.as_array().unwrap().iter().find(|d| d["current"] == true).unwrap()["id"].clone();
    let res = sato.delete(app.url(&format!("/api/v1/devices/{}", lost_id.as_str().unwrap()))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let pull = lost_phone.get(app.url("/api/v1/sync/pull?cursor=0")).send().await.unwrap();
    assert_json_error(pull, 401, "device_revoked").await;
    let fetch = lost_phone.post(app.url("/api/v1/sync/persons")).json(&json!({ "ids": kept })).send().await.unwrap();
    assert_json_error(fetch, 401, "device_revoked").await;
    let (status, body) = app.push(&lost_phone, &[new_check(&kept[0], "all_well")]).await;
    assert_eq!((status, &body["error"]["code"]), (401, &json!("device_revoked")));
    // The phone still in hand carries on.
    assert_eq!(person_ids(&app.pull(&sato, 0).await), kept);
}

// 8. One batch mixing good and bad records; bodies too big to read.

async fn each_record_of_a_mixed_batch_gets_its_own_answer_and_bad_ones_write_nothing(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone(); // in both their scopes
    let elsewhere = person_ids(&app.pull(&app.signed_in("takahashi").await, 0).await)[0].clone();
    let sato_check = new_check(&person, "all_well");
    assert_eq!(statuses(&app.push(&sato, std::slice::from_ref(&sato_check)).await.1), ["applied"]);
    let seen = app.fetch_person(&suzuki, &person).await;
    let s = app.storage().await;
    let checks_before = app.count(&s, "SELECT COUNT(*) FROM checks", &[]).await;

    let good = new_check(&person, "concern");
    let bad_outcome = json!({"type": "create_check", "check": {
        "id": uuid::Uuid::new_v4().to_string(), "person_id": person, "outcome": "fine", "recorded_at": now_ms()}});
    let no_id = json!({"type": "delete_person", "person_id": person});
    let mut long_note = new_check(&person, "concern");
    long_note["note"] = json!("あ".repeat(1001));
    let mut replay = sato_check.clone();
    replay["outcome"] = json!("emergency");
    let out_of_scope = new_check(&elsewhere, "all_well");
    let bad_phone = edit_person(&person, &[("phone", field_version(&seen, "phone"), json!("<b>0185</b>"))]);
    let mut unknown_field = edit_person(&person, &[("notes", field_version(&seen, "notes"), json!("x"))]);
    unknown_field["edits"][0]["change"]["field"] = json!("name");
    let good_edit =
        edit_person(&person, &[("notes", field_version(&seen, "notes"), json!("玄関の呼び鈴が壊れている"))]);
    let batch = vec![
        create_check(&good),
        bad_outcome.clone(),
        no_id,
        create_check(&long_note),
        create_check(&replay),
        create_check(&out_of_scope),
        bad_phone.clone(),
        unknown_field.clone(),
        good_edit,
    ];
    let (status, res) = app.push_mutations(&suzuki, &batch, Some(now_ms())).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(
        statuses(&res),
        ["applied", "rejected", "malformed", "rejected", "rejected", "rejected", "rejected", "rejected", "applied"]
    );
    let results = res["results"].as_array().unwrap();
    // (position, code, words the Japanese message must contain)
    let expected = [
        (1, "malformed_mutation", "形式"),
        (2, "malformed_mutation", "形式"),
        (3, "note_too_long", "1000文字"),
        (4, "id_conflict", "重複"),
        (5, "person_not_found", "保存できません"),
        (6, "invalid_phone", "電話番号"),
        (7, "malformed_mutation", "形式"),
    ];
    for (i, code, words) in expected {
        let error = &results[i]["error"];
        assert_eq!(error["code"], code, "result {i}: {}", results[i]);
        assert!(error["message_ja"].as_str().unwrap().contains(words), "result {i}: {error}");
        assert!(!error["message"].as_str().unwrap().is_empty(), "result {i}: {error}");
        if i == 2 {
            assert_eq!(results[i]["index"], 2, "a record without an id is answered by position");
        } else {
            assert_eq!(&results[i]["id"], mutation_id(&batch[i]), "result {i} names its record");
        }
    }
    assert!(results[3]["error"]["message"].as_str().unwrap().contains("1001"), "{}", results[3]);

    // Nothing was written for the refused records.
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM checks", &[]).await, checks_before + 1);
    for refused in [&bad_outcome["check"]["id"], &long_note["id"], &out_of_scope["id"]] {
        let n = app.count(&s, "SELECT COUNT(*) FROM checks WHERE id = ?", &[refused.as_str().unwrap()]).await;
        assert_eq!(n, 0, "{refused}");
    }
    let original = "SELECT COUNT(*) FROM checks WHERE id = ? AND author_id = 'u-sato' AND outcome = 'all_well'";
    assert_eq!(app.count(&s, original, &[&id_of(&sato_check)]).await, 1, "the original check is untouched");
    for refused in [&bad_phone, &unknown_field] {
        let n = app.count(&s, "SELECT COUNT(*) FROM mutations WHERE id = ?", &[refused["id"].as_str().unwrap()]).await;
        assert_eq!(n, 0);
    }
    let after = app.fetch_person(&suzuki, &person).await;
    assert_eq!(after["phone"], seen["phone"]);
    assert_eq!(after["notes"], "玄関の呼び鈴が壊れている");
    assert_eq!(after["name"], seen["name"]);
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM conflicts", &[]).await, 0);

    // Volunteers record checks but do not change person records.
    let volunteer_check = new_check(&person, "all_well");
    let volunteer_edit = edit_person(&person, &[("phone", field_version(&after, "phone"), json!("0185-00-7777"))]);
    let (_, res) = app.push_mutations(&sato, &[create_check(&volunteer_check), volunteer_edit.clone()], None).await;
    assert_eq!(statuses(&res), ["applied", "rejected"]);
    assert_eq!(res["results"][1]["id"], volunteer_edit["id"]);
    assert_eq!(res["results"][1]["error"]["code"], "forbidden");
    assert!(res["results"][1]["error"]["message_ja"].as_str().unwrap().contains("権限"));
    assert_eq!(app.fetch_person(&suzuki, &person).await["phone"], seen["phone"]);
    let edit_id = volunteer_edit["id"].as_str().unwrap();
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM mutations WHERE id = ?", &[edit_id]).await, 0);
    let checks_now = app.count(&s, "SELECT COUNT(*) FROM checks", &[]).await;
    assert_eq!(checks_now, checks_before + 2);

    // A body over 1 MiB is refused whole, before it is read, even when it is well-formed.
    let mut huge = new_check(&person, "all_well");
    huge["note"] = json!("あ".repeat(400_000));
    let body = json!({ "mutations": [create_check(&huge)] }).to_string();
    assert!(body.len() > 1024 * 1024);
    let url = app.url("/api/v1/sync/push");
    let res = suzuki.post(&url).header("content-type", "application/json").body(body).send().await.unwrap();
    assert_json_error(res, 413, "payload_too_large").await;
    // More than 200 records: refused whole; the device sends them in batches.
    let too_many: Vec<Value> = (0..201).map(|_| create_check(&new_check(&person, "all_well"))).collect();
    let (status, body) = app.push_mutations(&suzuki, &too_many, None).await;
    assert_eq!((status, &body["error"]["code"]), (400, &json!("batch_too_large")), "{body}");
    assert!(!body["error"]["message_ja"].as_str().unwrap().is_empty());
    let (status, res) = app.push_mutations(&suzuki, &too_many[..200], None).await;
    assert_eq!(status, 200, "exactly 200 is fine");
    assert!(statuses(&res).iter().all(|s| s == "applied"));
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM checks", &[]).await, checks_now + 200);
}

// Fetching persons: the history a device new to them needs, and nothing it may not see.

async fn fetched_persons_carry_their_history_up_to_the_asked_cursor(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let mine = person_ids(&app.pull(&sato, 0).await);
    let (p, q) = (mine[0].clone(), mine[1].clone());
    let (c1, c3) = (new_check(&p, "all_well"), new_check(&q, "not_home"));
    assert_eq!(statuses(&app.push(&sato, &[c1.clone(), c3.clone()]).await.1), ["applied", "applied"]);
    let cursor1 = app.pull(&sato, 0).await["cursor"].as_i64().unwrap();
    let c2 = new_check(&p, "concern");
    assert_eq!(statuses(&app.push(&sato, std::slice::from_ref(&c2)).await.1), ["applied"]);
    let next = app.pull(&sato, cursor1).await;
    let cursor2 = next["cursor"].as_i64().unwrap();
    assert!(cursor2 > cursor1);

    // History up to the device's cursor; the pull from that cursor brings the rest, no gap, no overlap.
    let upto1 = app.fetch_persons(&sato, std::slice::from_ref(&p), Some(cursor1)).await;
    assert_eq!(check_ids(&upto1), [id_of(&c1)]);
    assert_eq!(check_ids(&next), [id_of(&c2)]);
    let upto2 = app.fetch_persons(&sato, &[p.clone(), q.clone()], Some(cursor2)).await;
    assert_eq!(check_ids(&upto2), [id_of(&c1), id_of(&c3), id_of(&c2)], "only the asked persons', in server order");
    let without = app.fetch_persons(&sato, std::slice::from_ref(&p), None).await;
    assert_eq!(without["checks"], json!([]), "no history asked, none sent");

    // The full record a device keeps.
    let person = &without["persons"][0];
    assert_eq!(person["id"], p.as_str());
    for key in ["name", "kana", "address", "household_type", "emergency_contacts", "notes", "small_area", "district"] {
        assert!(!person[key].is_null(), "{key} in {person}");
    }
    assert_eq!(person["consent"]["record"], true, "a volunteer only holds persons who agreed");
    assert!(person["version"].is_i64() && person["field_versions"].is_object(), "{person}");
    assert_eq!(person["conflicts"], json!([]));

    // Persons out of scope or unknown are left out without a word.
    let elsewhere = person_ids(&app.pull(&app.signed_in("takahashi").await, 0).await)[0].clone();
    let mixed = app.fetch_persons(&sato, &[elsewhere, p.clone(), "p-doesnotexist".into()], Some(cursor2)).await;
    assert_eq!(ids_of(&mixed["persons"]), [p.as_str()]);
    assert_eq!(check_ids(&mixed), [id_of(&c1), id_of(&c2)]);

    // Asking wrongly is a JSON error.
    let url = app.url("/api/v1/sync/persons");
    let many: Vec<String> = (0..101).map(|i| format!("p-{i:04}")).collect();
    let res = sato.post(&url).json(&json!({ "ids": many })).send().await.unwrap();
    assert_json_error(res, 400, "batch_too_large").await;
    let res = sato.post(&url).json(&json!({"ids": ["'; DROP TABLE persons; --"]})).send().await.unwrap();
    assert_json_error(res, 400, "invalid_id").await;
    let res = sato.post(&url).json(&json!({"ids": [p], "history_upto": -1})).send().await.unwrap();
    assert_json_error(res, 400, "invalid_id").await;
    let res = sato.post(&url).json(&json!({"ids": [p], "everything": true})).send().await.unwrap();
    assert_json_error(res, 400, "invalid_body").await;
}

fn ids_of(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
}

on_both_databases!(
    a_push_retried_after_its_answer_was_lost_is_stored_exactly_once,
    the_same_batch_pushed_twice_at_once_is_stored_once,
    checks_from_a_clock_a_day_off_are_placed_at_server_time_in_push_order,
    offline_edits_to_different_fields_both_land_and_equal_values_never_conflict,
    offline_edits_to_one_field_conflict_and_a_coordinator_settles_them,
    persons_leaving_a_volunteers_scope_vanish_from_pull_and_fetch,
    each_record_of_a_mixed_batch_gets_its_own_answer_and_bad_ones_write_nothing,
    fetched_persons_carry_their_history_up_to_the_asked_cursor,
);
