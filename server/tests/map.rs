//! The office map's data: who is where and how they stand, from the same scope function as every
//! other read; each person on the map in the audit log; the side panel with the newest five
//! checks and the open requests; places outside Japan listed, not drawn. On SQLite and PostgreSQL.

mod common;
use common::*;
use mimamori_core::domain::{CheckOutcome, MapStatus, DAY_MS};
use serde_json::{json, Value};

const HOUR: i64 = 60 * 60 * 1000;

fn check_at(person: &str, outcome: &str, ago: i64) -> Value {
    let mut c = new_check(person, outcome);
    c["recorded_at"] = json!(now_ms() - ago);
    create_check(&c)
}

fn raise(person: &str) -> Value {
    json!({"type": "raise_request", "request": {
        "id": uuid::Uuid::new_v4().to_string(), "person_id": person, "need": "shopping", "detail": "灯油",
        "to_partner": false, "raised_at": now_ms(),
    }})
}

async fn map(app: &TestApp, c: &reqwest::Client) -> Value {
    let res = c.get(app.url("/api/v1/map")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn on_map<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["persons"].as_array().unwrap().iter().find(|p| p["id"] == id).unwrap_or_else(|| panic!("{id} not on the map"))
}

/// The status the browser draws, from the facts the server sent.
fn status(p: &Value) -> MapStatus {
    let seen = p["last_seen"].as_str().map(|s| CheckOutcome::parse(s).unwrap());
    let interval = p["check_interval_days"].as_u64().unwrap() as u32;
    MapStatus::of(p["last_check_at"].as_i64(), seen, interval, now_ms(), 9 * 60)
}

async fn the_map_shows_each_persons_standing_and_who_watches_them(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let ids: Vec<String> =
        app.scope_persons(&suzuki).await.iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
    let [a, b, c, d, e] = [&ids[0], &ids[1], &ids[2], &ids[3], &ids[4]];
    let mutations = vec![
        check_at(a, "emergency", 3 * HOUR),
        check_at(a, "not_home", HOUR), // nobody saw her since: still 緊急
        check_at(b, "concern", 2 * HOUR),
        raise(b),
        check_at(c, "all_well", 40 * DAY_MS),
        check_at(d, "concern", 3 * DAY_MS),
        check_at(d, "all_well", DAY_MS), // seen well since: resolved
    ];
    let (_, res) = app.push_mutations(&suzuki, &mutations, None).await;
    assert!(statuses(&res).iter().all(|s| s == "applied"), "{res}");
    // A place typed with latitude and longitude swapped, before the check that refuses it existed.
    let storage = app.storage().await;
    app.exec(&storage, "UPDATE persons SET lat = 140.1, lng = 39.7 WHERE id = ?", &[e]).await;

    let view = map(&app, &tanaka).await;
    assert_eq!(status(on_map(&view, a)), MapStatus::Emergency);
    assert_eq!(status(on_map(&view, b)), MapStatus::Concern);
    assert_eq!(on_map(&view, b)["open_requests"], 1);
    assert_eq!(status(on_map(&view, c)), MapStatus::Overdue);
    assert_eq!(status(on_map(&view, d)), MapStatus::Fine);
    assert_eq!(status(on_map(&view, e)), MapStatus::NoRecord);
    assert!(on_map(&view, e)["lat"].is_null() && on_map(&view, e)["lng"].is_null(), "not drawn in the sea");
    assert!(on_map(&view, a)["lat"].as_f64().is_some_and(|l| (30.0..45.0).contains(&l)));
    // 鈴木さん watches his small area; he is named once in the list of watchers.
    let suzuki_id =
        suzuki.get(app.url("/api/v1/me")).send().await.unwrap().json::<Value>().await.unwrap()["id"].clone();
    assert!(on_map(&view, a)["watchers"].as_array().unwrap().contains(&suzuki_id), "{}", on_map(&view, a));
    let names: Vec<&Value> = view["watchers"].as_array().unwrap().iter().filter(|w| w["id"] == suzuki_id).collect();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0]["name"], "鈴木 一郎");
    assert_eq!(names[0]["role"], "commissioner");
    // Every small area of her districts is there to filter by, empty ones included.
    let areas = view["small_areas"].as_array().unwrap().len() as i64;
    let hers = "SELECT COUNT(*) FROM staff_districts s JOIN small_areas sa ON sa.district_id = s.district_id
                WHERE s.user_id = 'u-tanaka'";
    assert_eq!(areas, app.count(&storage, hers, &[]).await);
    let persons = view["persons"].as_array().unwrap().len() as i64;

    // Each person on the map is in the audit log, once a day per device.
    let logged = "SELECT COUNT(*) FROM audit_log WHERE action = 'person.map' AND user_id = 'u-tanaka'";
    assert_eq!(app.count(&storage, logged, &[]).await, persons);
    map(&app, &tanaka).await;
    assert_eq!(app.count(&storage, logged, &[]).await, persons, "opened again the same day: logged once");
}

async fn the_side_panel_has_the_newest_five_checks_and_the_open_requests(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let person = app.scope_persons(&suzuki).await[0]["id"].as_str().unwrap().to_owned();
    let mut mutations: Vec<Value> = (1..=6).map(|h| check_at(&person, "all_well", h * HOUR)).collect();
    mutations.push(check_at(&person, "concern", 10 * HOUR));
    mutations.push(raise(&person));
    let (_, res) = app.push_mutations(&suzuki, &mutations, None).await;
    assert!(statuses(&res).iter().all(|s| s == "applied"), "{res}");
    let res = tanaka.get(app.url(&format!("/api/v1/map/persons/{person}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let panel: Value = res.json().await.unwrap();
    let times: Vec<i64> =
        panel["checks"].as_array().unwrap().iter().map(|c| c["recorded_at"].as_i64().unwrap()).collect();
    assert_eq!(times.len(), 5, "{panel}");
    assert!(times.windows(2).all(|w| w[0] > w[1]), "newest first: {times:?}");
    assert_eq!(panel["checks"][0]["author_name"], "鈴木 一郎");
    assert_eq!(panel["open_requests"].as_array().unwrap().len(), 1);
    assert_eq!(panel["open_requests"][0]["detail"], "灯油");
    assert!(panel["watchers"].as_array().unwrap().iter().any(|w| w["name"] == "鈴木 一郎"), "{panel}");
    let storage = app.storage().await;
    let read = "SELECT COUNT(*) FROM audit_log WHERE action = 'person.read' AND detail = 'map' AND person_id = ?";
    assert_eq!(app.count(&storage, read, &[&person]).await, 1, "opening the panel is a read of the person");

    // Bad ids: a JSON error, never a 500.
    let res = tanaka.get(app.url("/api/v1/map/persons/p-doesnotexist")).send().await.unwrap();
    assert_json_error(res, 404, "not_found").await;
    let res = tanaka.get(app.url("/api/v1/map/persons/%27%20OR%201=1")).send().await.unwrap();
    assert_json_error(res, 400, "invalid_id").await;
}

async fn field_users_and_partners_get_no_office_map(app: TestApp) {
    for login in ["sato", "suzuki", "yamada"] {
        let c = app.signed_in(login).await;
        let res = c.get(app.url("/api/v1/map")).send().await.unwrap();
        assert_json_error(res, 403, "forbidden").await;
    }
    let res = app.device().get(app.url("/api/v1/map")).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

on_both_databases!(
    the_map_shows_each_persons_standing_and_who_watches_them,
    the_side_panel_has_the_newest_five_checks_and_the_open_requests,
    field_users_and_partners_get_no_office_map,
);
