//! The field screens' check details travel whole: method, concern chips and a location stamp are
//! stored and come back in pulls and fetched history exactly as sent; bad details are refused per
//! record with a clear error and write nothing; older clients' checks without them still land.
//! Every scenario runs on SQLite and PostgreSQL.

mod common;
use common::*;
use serde_json::{json, Value};

fn check_in<'a>(body: &'a Value, id: &Value) -> &'a Value {
    body["checks"].as_array().unwrap().iter().find(|c| &c["id"] == id).expect("the check is in the answer")
}

async fn check_details_round_trip_through_push_pull_and_fetch(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = person_ids(&app.pull(&suzuki, 0).await)[0].clone();
    let mut detailed = new_check(&person, "concern");
    detailed["method"] = json!("outside");
    detailed["concerns"] = json!(["mail_piling", "snow_not_cleared"]);
    detailed["location"] = json!({"lat": 39.8208, "lng": 140.2449, "accuracy_m": 18.5});
    // An older client's check: no details at all.
    let plain = new_check(&person, "all_well");
    let (status, res) = app.push(&suzuki, &[detailed.clone(), plain.clone()]).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(statuses(&res), ["applied", "applied"]);

    // The coordinator's pull has every detail; the plain one has none.
    let pulled = app.pull(&tanaka, 0).await;
    let got = check_in(&pulled, &detailed["id"]);
    assert_eq!(got["method"], "outside");
    assert_eq!(got["concerns"], json!(["mail_piling", "snow_not_cleared"]));
    assert_eq!(got["location"], json!({"lat": 39.8208, "lng": 140.2449, "accuracy_m": 18.5}));
    let got = check_in(&pulled, &plain["id"]);
    assert_eq!(got["method"], Value::Null);
    assert_eq!(got["concerns"], json!([]));
    assert_eq!(got["location"], Value::Null);

    // A new device of the 民生委員 gets the same through fetched history.
    let cursor = pulled["cursor"].as_i64().unwrap();
    let fetched = app.fetch_persons(&suzuki, std::slice::from_ref(&person), Some(cursor)).await;
    assert_eq!(check_in(&fetched, &detailed["id"])["concerns"], json!(["mail_piling", "snow_not_cleared"]));
}

async fn bad_details_are_refused_per_record_and_write_nothing(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let person = person_ids(&app.pull(&suzuki, 0).await)[0].clone();
    let with = |field: &str, value: Value| {
        let mut c = new_check(&person, "concern");
        c[field] = value;
        c
    };
    let bad = [
        with("method", json!("telepathy")),
        with("concerns", json!(["haunted_house"])),
        with("concerns", json!(["forgetful", "forgetful"])),
        with("location", json!({"lat": 123.0, "lng": 140.0, "accuracy_m": 10})),
        with("location", json!({"lat": 39.8, "lng": 140.2})),
        with("concerns", json!("mail_piling")),
    ];
    let good = with("concerns", json!(["looks_unwell"]));
    let mut batch: Vec<Value> = bad.to_vec();
    batch.push(good.clone());
    let (status, res) = app.push(&suzuki, &batch).await;
    assert_eq!(status, 200, "{res}");
    let results = res["results"].as_array().unwrap();
    for (r, sent) in results.iter().zip(&bad) {
        assert_eq!(r["status"], "rejected", "{sent} → {r}");
        assert_eq!(r["id"], sent["id"], "answered by its own id");
        assert_eq!(r["error"]["message_ja"], "記録の形式が正しくありません。");
    }
    assert_eq!(results.last().unwrap()["status"], "applied", "the good record of the batch still lands");
    let storage = app.storage().await;
    assert_eq!(app.count(&storage, "SELECT COUNT(*) FROM checks", &[]).await, 1, "nothing written for the bad ones");
    let stored = app.count(&storage, "SELECT COUNT(*) FROM checks WHERE concerns = ?", &["looks_unwell"]).await;
    assert_eq!(stored, 1);
}

/// The run command's demo history: every situation the home list orders, on both databases.
async fn the_demo_history_shows_every_due_state_and_stays_in_scope(app: TestApp) {
    let now = now_ms();
    let storage = app.storage().await;
    mimamori_server::demo::load_history(&storage, now).await.expect("history loads");
    let sato = app.signed_in("sato").await;
    let pulled = app.pull(&sato, 0).await;
    let checks = pulled["checks"].as_array().unwrap();
    assert!(checks.len() >= 10, "two months of checks on 佐藤さん's five neighbours");
    let scope = person_ids(&pulled);
    assert!(checks.iter().all(|c| scope.contains(&c["person_id"].as_str().unwrap().to_owned())));
    assert!(checks.iter().all(|c| c["recorded_at"].as_i64().unwrap() <= now), "nothing in the future");
    assert!(checks.iter().any(|c| c["concerns"] != json!([])), "some concerns with chips");
    let persons = app.fetch_persons(&sato, &scope, None).await;
    let mut states = std::collections::BTreeSet::new();
    for p in persons["persons"].as_array().unwrap() {
        let last =
            checks.iter().filter(|c| c["person_id"] == p["id"]).map(|c| c["recorded_at"].as_i64().unwrap()).max();
        let interval = p["check_interval_days"].as_u64().unwrap() as u32;
        states.insert(mimamori_core::domain::Due::of(last, interval, now, 9 * 60).as_str());
    }
    assert_eq!(states.into_iter().collect::<Vec<_>>(), ["later", "never", "overdue", "today"]);
    // The import devices can never be used to sign in.
    let devices = app
        .count(&storage, "SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL AND id LIKE ?", &["dev-history-%"])
        .await;
    assert_eq!(devices, 0);
}

/// A check without a location stamp, then one with: on PostgreSQL the insert used to be prepared
/// once per connection with the first call's parameter types, and sqlx (0.8.6) declares a missing
/// `f64` as `float4`; the stamped check then failed with a 500 ("incorrect binary data format in
/// bind parameter 12") on that connection, for as long as the process lived.
async fn a_stamped_check_after_an_unstamped_one_is_stored(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let person = person_ids(&app.pull(&suzuki, 0).await)[0].clone();
    for located in [false, true, false, true] {
        let mut check = new_check(&person, "all_well");
        if located {
            check["location"] = json!({"lat": 39.8208, "lng": 140.2449, "accuracy_m": 18.5});
        }
        let (status, res) = app.push(&suzuki, std::slice::from_ref(&check)).await;
        assert_eq!((status, statuses(&res)), (200, vec!["applied".to_owned()]), "{res}");
        let pulled = app.pull(&suzuki, 0).await;
        assert_eq!(check_in(&pulled, &check["id"])["location"], check.get("location").cloned().unwrap_or(Value::Null));
    }
}

on_both_databases!(
    a_stamped_check_after_an_unstamped_one_is_stored,
    check_details_round_trip_through_push_pull_and_fetch,
    bad_details_are_refused_per_record_and_write_nothing,
    the_demo_history_shows_every_due_state_and_stays_in_scope,
);
