//! What an over-reaching coordinator, a stolen cookie or a race could do before issue 11, and
//! can no longer: each test here failed against the code before the fix it names. Every one runs
//! on SQLite and on PostgreSQL. Who may call which route at all is the authorization matrix's job
//! (authorization.rs); this file is about reach within a municipality, sessions and logs.

mod common;
use common::*;
use mimamori_server::demo::DEMO_PASSWORD;
use serde_json::{json, Value};

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// 田中さん (coordinator) loses 南部地区: she now works in 北部 and 中央 only, as a coordinator of
/// a larger town would. Returns the active 南部 persons with consent, and one 中央 person.
async fn tanaka_without_nanbu(app: &TestApp) -> (Vec<String>, String) {
    let s = app.storage().await;
    app.exec(&s, "DELETE FROM staff_districts WHERE user_id = 'u-tanaka' AND district_id = 'd-nanbu'", &[]).await;
    let nanbu: Vec<String> = sqlx::query_scalar(&s.sql(
        "SELECT id FROM persons WHERE small_area_id IN ('sa-nitta', 'sa-sanno') AND consent_record = 1 ORDER BY id",
    ))
    .fetch_all(s.pool())
    .await
    .unwrap();
    let chuo: String = sqlx::query_scalar(
        &s.sql("SELECT id FROM persons WHERE small_area_id = 'sa-kawabata' AND consent_record = 1 ORDER BY id LIMIT 1"),
    )
    .fetch_one(s.pool())
    .await
    .unwrap();
    (nanbu, chuo)
}

/// Creates a user as `manager` and returns its id.
async fn create_user(app: &TestApp, manager: &reqwest::Client, body: Value) -> String {
    let (status, created) = json_of(manager.post(app.url("/api/v1/users")).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 201, "{created}");
    created["user"]["id"].as_str().unwrap().to_owned()
}

async fn volunteer(app: &TestApp, manager: &reqwest::Client, login: &str) -> String {
    create_user(app, manager, json!({"login": login, "display_name": "テスト ボランティア", "role": "volunteer"})).await
}

async fn assign(app: &TestApp, manager: &reqwest::Client, user: &str, persons: &[&str]) -> (u16, Value) {
    let url = app.url(&format!("/api/v1/users/{user}/assignments"));
    json_of(manager.put(url).json(&json!({ "person_ids": persons })).send().await.unwrap()).await
}

async fn set_areas(app: &TestApp, manager: &reqwest::Client, user: &str, areas: &[&str]) -> (u16, Value) {
    let url = app.url(&format!("/api/v1/users/{user}/areas"));
    json_of(manager.put(url).json(&json!({ "area_ids": areas })).send().await.unwrap()).await
}

async fn issue_invite(app: &TestApp, manager: &reqwest::Client, user: &str) -> (u16, Value) {
    let url = app.url(&format!("/api/v1/users/{user}/invites"));
    json_of(manager.post(url).json(&json!({})).send().await.unwrap()).await
}

/// Security-log rows for an action about a subject.
async fn logged(app: &TestApp, action: &str, subject: &str) -> Vec<(Option<String>, String)> {
    let s = app.storage().await;
    sqlx::query_as(&s.sql("SELECT actor_id, detail FROM security_log WHERE action = ? AND subject_id = ? ORDER BY seq"))
        .bind(action)
        .bind(subject)
        .fetch_all(s.pool())
        .await
        .unwrap()
}

async fn invites_reach_no_further_than_the_coordinator(app: TestApp) {
    let (nanbu, chuo) = tanaka_without_nanbu(&app).await;
    let admin = app.signed_in("watanabe").await;
    let tanaka = app.signed_in("tanaka").await;

    // A volunteer who watches 南部 persons only: out of reach, exactly like a user that does not exist.
    let south = volunteer(&app, &admin, "south-vol").await;
    assert_eq!(assign(&app, &admin, &south, &[&nanbu[0], &nanbu[1]]).await.0, 200);
    let (status, out) = issue_invite(&app, &tanaka, &south).await;
    let (_, missing) = issue_invite(&app, &tanaka, "u-doesnotexist").await;
    assert_eq!((status, &out), (404, &missing), "out of district answers as absent");

    // One 中央 person and one 南部 person: in reach to manage, but an invite would read both.
    let mixed = volunteer(&app, &admin, "mixed-vol").await;
    assert_eq!(assign(&app, &admin, &mixed, &[&chuo, &nanbu[0]]).await.0, 200);
    let (status, body) = issue_invite(&app, &tanaka, &mixed).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("invite_out_of_reach")), "{body}");
    assert!(body["error"]["message_ja"].as_str().unwrap().contains("招待コード"));
    assert_eq!(issue_invite(&app, &admin, &mixed).await.0, 201, "an admin may");

    // Nobody assigned yet: only whoever created them (or an admin) may invite.
    let admins_new = volunteer(&app, &admin, "admins-new").await;
    assert_eq!(issue_invite(&app, &tanaka, &admins_new).await.0, 409);
    let tanakas_new = volunteer(&app, &tanaka, "tanakas-new").await;
    assert_eq!(issue_invite(&app, &tanaka, &tanakas_new).await.0, 201);

    // 高橋さん (北部): in reach. His phone signed in with a password first.
    let old_phone = app.signed_in("takahashi").await;
    let (_, first) = issue_invite(&app, &tanaka, "u-takahashi").await;
    let (_, second) = issue_invite(&app, &tanaka, "u-takahashi").await;
    // The newer invite ends the older one.
    let res = app.enroll(&app.device(), first["code"].as_str().unwrap()).await;
    assert_json_error(res, 400, "invite_replaced").await;
    let new_phone = app.device();
    assert_eq!(app.enroll(&new_phone, second["code"].as_str().unwrap()).await.status(), 200);

    // The older phone is told a new device was enrolled for its user; the new one is told nothing.
    let told = app.pull(&old_phone, 0).await;
    let notices = told["new_devices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{told}");
    assert_eq!(notices[0]["how"], "invite");
    assert!(app.pull(&new_phone, 0).await["new_devices"].as_array().unwrap().is_empty());

    // Issuing and redeeming are in the security log, with who did it.
    let issued = logged(&app, "invite.issue", "u-takahashi").await;
    assert_eq!(issued.len(), 2);
    assert!(issued.iter().all(|(actor, _)| actor.as_deref() == Some("u-tanaka")));
    assert_eq!(issued[1].1, "replaced=1");
    let enrolled = logged(&app, "device.enroll", "u-takahashi").await;
    assert_eq!(enrolled, [(Some("u-takahashi".to_owned()), "issued_by=tanaka".to_owned())]);
    assert_eq!(logged(&app, "sign_in", "u-takahashi").await.len(), 1, "the password sign-in is there too");
}

async fn coordinators_manage_only_the_users_of_their_districts(app: TestApp) {
    let (nanbu, chuo) = tanaka_without_nanbu(&app).await;
    let admin = app.signed_in("watanabe").await;
    let tanaka = app.signed_in("tanaka").await;
    let south = volunteer(&app, &admin, "south-vol").await;
    assign(&app, &admin, &south, &[&nanbu[0]]).await;
    let mixed = volunteer(&app, &admin, "mixed-vol").await;
    assign(&app, &admin, &mixed, &[&chuo, &nanbu[1]]).await;
    let commissioner = |login: &str, areas: &[&str]| {
        json!({"login": login, "display_name": "テスト 民生委員", "role": "commissioner",
               "password": "a long enough password", "area_ids": areas})
    };
    let south_com = create_user(&app, &admin, commissioner("south-com", &["sa-nitta"])).await;
    let mixed_com = create_user(&app, &admin, commissioner("mixed-com", &["sa-ekimae", "sa-sanno"])).await;

    // The list: no one from 南部, and of the others only what lies in 田中さん's districts.
    let users: Value = tanaka.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    let find = |id: &str| users.as_array().unwrap().iter().find(|u| u["user"]["id"] == id).cloned();
    assert!(find(&south).is_none() && find(&south_com).is_none(), "{users}");
    assert_eq!(find(&mixed).unwrap()["person_ids"], json!([chuo]));
    assert_eq!(find(&mixed_com).unwrap()["area_ids"], json!(["sa-ekimae"]));
    assert!(!users.to_string().contains(&nanbu[1]), "no 南部 person id in the list");

    // Out of district: 404, as for nobody.
    assert_eq!(set_areas(&app, &tanaka, &south_com, &["sa-honcho1"]).await.0, 404);
    assert_eq!(assign(&app, &tanaka, &south, &[&chuo]).await.0, 404);
    // A 民生委員 of hers cannot be moved outside her districts.
    let (status, body) = set_areas(&app, &tanaka, "u-suzuki", &["sa-nitta"]).await;
    assert_eq!((status, body["error"]["code"].as_str()), (400, Some("area_not_found")), "{body}");
    // A change replaces only what is hers: the 南部 area another coordinator gave stays.
    let (status, body) = set_areas(&app, &tanaka, &mixed_com, &["sa-honcho1"]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["area_ids"], json!(["sa-honcho1"]));
    let everyone: Value = admin.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    let seen = everyone.as_array().unwrap().iter().find(|u| u["user"]["id"] == mixed_com.as_str()).unwrap().clone();
    assert_eq!(seen["area_ids"], json!(["sa-honcho1", "sa-sanno"]));
    // Likewise assignments: her change leaves the 南部 person with the volunteer.
    let (status, body) = assign(&app, &tanaka, &mixed, &[]).await;
    assert_eq!((status, body["person_ids"].clone()), (200, json!([])), "{body}");
    let s = app.storage().await;
    let kept = app
        .count(&s, "SELECT COUNT(*) FROM assignments WHERE user_id = ? AND person_id = ?", &[&mixed, &nanbu[1]])
        .await;
    assert_eq!(kept, 1);

    // Devices and 活動記録 of 南部 users are not hers to see or touch.
    let south_phone = app.signed_in_with("south-com", "a long enough password").await;
    let devices: Value = south_phone.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
    let south_device = devices[0]["id"].as_str().unwrap().to_owned();
    let hers: Value = tanaka.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
    assert!(!hers.to_string().contains(&south_device));
    let res = tanaka.delete(app.url(&format!("/api/v1/devices/{south_device}"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(south_phone.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200, "still signed in");
    let report = r#"{"month":"2026-11","visits":1,"phone_calls":0,"other_contacts":0,
        "consultations":{"elderly":0,"disability":0,"children":0,"other":0},
        "liaison":{"council":0,"municipality":0,"care_center":0,"other_bodies":0},"days_active":1}"#;
    app.exec(
        &s,
        "INSERT INTO activity_reports (user_id, month, report, submitted_at) VALUES (?, '2026-11', ?, 0)",
        &[&south_com, report],
    )
    .await;
    let reports: Value =
        tanaka.get(app.url("/api/v1/activity-reports?month=2026-11")).send().await.unwrap().json().await.unwrap();
    assert!(!reports.to_string().contains(&south_com), "{reports}");
    let reports: Value =
        admin.get(app.url("/api/v1/activity-reports?month=2026-11")).send().await.unwrap().json().await.unwrap();
    assert!(reports.to_string().contains(&south_com));

    // Each change is in the security log.
    assert_eq!(
        logged(&app, "user.areas", &mixed_com).await,
        [(Some("u-tanaka".to_owned()), "areas=sa-honcho1".to_owned())]
    );
    assert_eq!(logged(&app, "user.assignments", &mixed).await.len(), 2, "the admin's and hers");
    assert_eq!(logged(&app, "user.create", &south_com).await[0].1, "role=commissioner;areas=sa-nitta");
}

async fn audit_count(app: &TestApp, action: &str, user: &str) -> i64 {
    let s = app.storage().await;
    app.count(&s, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND user_id = ?", &[action, user]).await
}

async fn reads_and_privilege_changes_leave_a_trail(app: TestApp) {
    let s = app.storage().await;
    let count = |action: &'static str, user: &'static str| audit_count(&app, action, user);
    // A new device that fetches persons without ever pulling is logged all the same.
    let sato = app.signed_in("sato").await;
    let watched = person_ids(&app.pull(&app.signed_in("sato").await, 0).await);
    app.exec(&s, "DELETE FROM audit_log", &[]).await;
    app.fetch_persons(&sato, &watched, Some(i64::MAX)).await;
    assert_eq!(count("sync.read", "u-sato").await, watched.len() as i64);
    app.fetch_persons(&sato, &watched, None).await;
    assert_eq!(count("sync.read", "u-sato").await, watched.len() as i64, "once a day per device and person");
    // A pull from that device the same day adds nothing (fetched or pulled, it holds them once);
    // another device's first pull logs each person for that device.
    app.pull(&sato, 0).await;
    assert_eq!(count("sync.read", "u-sato").await, watched.len() as i64, "pulled after fetching");
    app.pull(&app.signed_in("sato").await, 0).await;
    assert_eq!(count("sync.read", "u-sato").await, 2 * watched.len() as i64, "a second device");

    // The office lists: persons, requests, conflicts.
    let tanaka = app.signed_in("tanaka").await;
    let persons: Value = tanaka.get(app.url("/api/v1/persons")).send().await.unwrap().json().await.unwrap();
    assert_eq!(count("person.list", "u-tanaka").await, persons.as_array().unwrap().len() as i64);
    let requests: Value = tanaka.get(app.url("/api/v1/requests")).send().await.unwrap().json().await.unwrap();
    let mut on: Vec<&str> = requests.as_array().unwrap().iter().map(|r| r["person_id"].as_str().unwrap()).collect();
    on.sort();
    on.dedup();
    assert!(!on.is_empty());
    assert_eq!(count("request.read", "u-tanaka").await, on.len() as i64);
    app.exec(
        &s,
        "INSERT INTO conflicts (id, person_id, field, other_value, other_by, other_base, mutation_id, created_at)
         VALUES ('c-x', ?, 'phone', '{\"field\":\"phone\",\"value\":\"0185-00-9999\"}', 'u-suzuki', 0, 'm-c-x', 1)",
        &[&watched[0]],
    )
    .await;
    let conflicts: Value = tanaka.get(app.url("/api/v1/conflicts")).send().await.unwrap().json().await.unwrap();
    assert_eq!(conflicts.as_array().unwrap().len(), 1);
    assert_eq!(count("conflict.read", "u-tanaka").await, 1);

    // Privilege changes: a user made, assigned, invited, enrolled, revoked; failed sign-ins.
    let admin = app.signed_in("watanabe").await;
    let kimura = volunteer(&app, &tanaka, "kimura").await;
    assign(&app, &tanaka, &kimura, &[&watched[0]]).await;
    let (_, inv) = issue_invite(&app, &tanaka, &kimura).await;
    let phone = app.device();
    app.enroll(&phone, inv["code"].as_str().unwrap()).await;
    let device = phone.get(app.url("/api/v1/devices")).send().await.unwrap().json::<Value>().await.unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(tanaka.delete(app.url(&format!("/api/v1/devices/{device}"))).send().await.unwrap().status(), 204);
    let wrong = app.sign_in(&app.device(), "suzuki", "not the password").await;
    assert_eq!(wrong.status(), 401);
    app.sign_in(&app.device(), "nobody-at-all", "not the password").await;

    let (status, events) = json_of(admin.get(app.url("/api/v1/security-events")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{events}");
    let actions: Vec<(String, String)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["subject"]["id"].as_str().unwrap_or("").to_owned()))
        .collect();
    for (action, subject) in [
        ("user.create", kimura.as_str()),
        ("user.assignments", &kimura),
        ("invite.issue", &kimura),
        ("device.enroll", &kimura),
        ("device.revoke", &kimura),
        ("sign_in.failed", "u-suzuki"),
        ("sign_in", "u-tanaka"),
    ] {
        assert!(actions.contains(&(action.to_owned(), subject.to_owned())), "{action} {subject} in {actions:?}");
    }
    // Newest first, and an unknown login is only counted, never logged.
    assert!(events[0]["seq"].as_i64() > events[1]["seq"].as_i64());
    assert!(!events.to_string().contains("nobody-at-all"));
    let revoked = events.as_array().unwrap().iter().find(|e| e["action"] == "device.revoke").unwrap();
    assert_eq!(revoked["actor"]["login"], "tanaka");
    // Paged: before the oldest shown comes the rest.
    let last = events.as_array().unwrap().last().unwrap()["seq"].as_i64().unwrap();
    let (status, older) =
        json_of(admin.get(app.url(&format!("/api/v1/security-events?before={last}"))).send().await.unwrap()).await;
    assert_eq!(status, 200);
    assert!(older.as_array().unwrap().iter().all(|e| e["seq"].as_i64().unwrap() < last));
    // The log is the admin's.
    assert_json_error(tanaka.get(app.url("/api/v1/security-events")).send().await.unwrap(), 403, "forbidden").await;
}

async fn concurrent_guesses_are_checked_at_most_five_times(app: TestApp) {
    use mimamori_server::storage::MAX_FAILURES;
    let before = app.hashes.total();
    let attempts = (0..12).map(|_| {
        let app = &app;
        async move { app.sign_in(&app.device(), "suzuki", "a wrong guess").await.status().as_u16() }
    });
    let statuses = futures::future::join_all(attempts).await;
    let wrong = statuses.iter().filter(|&&s| s == 401).count();
    let locked = statuses.iter().filter(|&&s| s == 429).count();
    assert_eq!((wrong, locked), (MAX_FAILURES as usize, 12 - MAX_FAILURES as usize), "{statuses:?}");
    assert_eq!(app.hashes.total() - before, MAX_FAILURES as u64, "only the allowed attempts were hashed");
    assert!(app.hashes.peak() <= 2, "never more hashes at once than the gate allows");
    // Locked means locked, for the right password too.
    assert_json_error(app.sign_in(&app.device(), "suzuki", DEMO_PASSWORD).await, 429, "too_many_attempts").await;
    assert_eq!(logged(&app, "sign_in.locked", "u-suzuki").await.len(), 1, "the lock is logged once");

    // Old counts are forgotten; recent ones and live locks stay.
    let s = app.storage().await;
    let day = 24 * 60 * 60 * 1000;
    let old = now_ms() - 2 * day;
    let sql = format!("INSERT INTO sign_in_failures (login, failures, locked_until, last_attempt_at) VALUES ('stale', 3, NULL, {old})");
    app.exec(&s, &sql, &[]).await;
    let purged = s.purge_sign_in_failures(now_ms()).await.unwrap();
    assert_eq!(purged, 1);
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM sign_in_failures WHERE login = 'suzuki'", &[]).await, 1);
}

async fn sessions_end_on_the_server_when_idle_or_old(app: TestApp) {
    let s = app.storage().await;
    let hour = 60 * 60 * 1000;
    let day = 24 * hour;
    // A field phone left in a drawer for a month.
    let sato = app.signed_in("sato").await;
    app.exec(&s, &format!("UPDATE devices SET last_seen_at = {} WHERE user_id = 'u-sato'", now_ms() - 31 * day), &[])
        .await;
    let res = sato.get(app.url("/api/v1/sync/pull")).send().await.unwrap();
    let body = assert_json_error(res, 401, "session_expired").await;
    assert!(body["error"]["message_ja"].as_str().unwrap().contains("未送信の記録は端末に残っています"));
    // Thirteen hours: too long for an office browser, nothing for a phone.
    let tanaka = app.signed_in("tanaka").await;
    let suzuki = app.signed_in("suzuki").await;
    let thirteen_hours_ago = now_ms() - 13 * hour;
    let sql =
        format!("UPDATE devices SET last_seen_at = {thirteen_hours_ago} WHERE user_id IN ('u-tanaka', 'u-suzuki')");
    app.exec(&s, &sql, &[]).await;
    assert_json_error(tanaka.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "session_expired").await;
    assert_eq!(suzuki.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    // Past its last day, however busy.
    let takahashi = app.signed_in("takahashi").await;
    app.exec(&s, &format!("UPDATE devices SET expires_at = {} WHERE user_id = 'u-takahashi'", now_ms() - 1), &[]).await;
    assert_json_error(takahashi.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "session_expired").await;
    // The cookie says as much: a field session lasts a year, an office one a week.
    let res = app.sign_in(&app.device(), "watanabe", DEMO_PASSWORD).await;
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains(&format!("Max-Age={}", 7 * 24 * 3600)), "{cookie}");
    let expires: i64 =
        sqlx::query_scalar(&s.sql("SELECT MAX(expires_at - created_at) FROM devices WHERE user_id = 'u-watanabe'"))
            .fetch_one(s.pool())
            .await
            .unwrap();
    assert_eq!(expires, 7 * day);
}

async fn a_user_can_be_disabled_and_passwords_changed_and_reset(app: TestApp) {
    let admin = app.signed_in("watanabe").await;
    let tanaka = app.signed_in("tanaka").await;
    let suzuki = app.signed_in("suzuki").await;
    let suzuki_other = app.signed_in("suzuki").await;

    // Disabled: every device is revoked (and wipes itself), and the password no longer works.
    let (status, body) = json_of(admin.post(app.url("/api/v1/users/u-suzuki/disable")).send().await.unwrap()).await;
    assert_eq!((status, body["disabled"].as_bool()), (200, Some(true)), "{body}");
    assert_json_error(suzuki.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "device_revoked").await;
    assert_json_error(suzuki_other.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "device_revoked").await;
    assert_json_error(app.sign_in(&app.device(), "suzuki", DEMO_PASSWORD).await, 401, "bad_credentials").await;
    assert_eq!(logged(&app, "sign_in.failed", "u-suzuki").await, [(None, "reason=disabled".to_owned())]);
    // Enabled again: signing in works.
    assert_eq!(admin.post(app.url("/api/v1/users/u-suzuki/enable")).send().await.unwrap().status(), 200);
    let suzuki = app.signed_in("suzuki").await;
    // Nobody disables themselves.
    let res = admin.post(app.url("/api/v1/users/u-watanabe/disable")).send().await.unwrap();
    assert_json_error(res, 409, "cannot_disable_self").await;
    // A disabled volunteer's invite stops working.
    let (_, inv) = issue_invite(&app, &tanaka, "u-takahashi").await;
    assert_eq!(tanaka.post(app.url("/api/v1/users/u-takahashi/disable")).send().await.unwrap().status(), 200);
    assert_json_error(app.enroll(&app.device(), inv["code"].as_str().unwrap()).await, 400, "invite_replaced").await;

    // Changing one's own password: the current one is needed, and other sessions end.
    let change = |c: &reqwest::Client, current: &str, new: &str| {
        c.put(app.url("/api/v1/me/password")).json(&json!({"current": current, "new": new})).send()
    };
    let elsewhere = app.signed_in("suzuki").await;
    assert_json_error(change(&suzuki, "wrong", "a brand new passphrase").await.unwrap(), 400, "wrong_current_password")
        .await;
    assert_json_error(change(&suzuki, DEMO_PASSWORD, "12345678").await.unwrap(), 400, "weak_password").await;
    assert_eq!(change(&suzuki, DEMO_PASSWORD, "a brand new passphrase").await.unwrap().status(), 204);
    assert_eq!(suzuki.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200, "this device stays");
    assert_json_error(elsewhere.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "device_revoked").await;
    assert_eq!(app.sign_in(&app.device(), "suzuki", DEMO_PASSWORD).await.status(), 401);
    app.signed_in_with("suzuki", "a brand new passphrase").await;

    // An admin's reset: a temporary password that must be changed before anything else works.
    let res = admin.post(app.url("/api/v1/users/u-suzuki/password")).json(&json!({"password": "temporary passphrase"}));
    let (status, body) = json_of(res.send().await.unwrap()).await;
    assert_eq!((status, body["must_change_password"].as_bool()), (200, Some(true)), "{body}");
    assert_json_error(suzuki.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "device_revoked").await;
    let fresh = app.device();
    let res = app.sign_in(&fresh, "suzuki", "temporary passphrase").await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["must_change_password"], true);
    assert_json_error(fresh.get(app.url("/api/v1/sync/pull")).send().await.unwrap(), 403, "password_change_required")
        .await;
    assert_eq!(fresh.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    assert_eq!(change(&fresh, "temporary passphrase", "my own passphrase").await.unwrap().status(), 204);
    assert_eq!(fresh.get(app.url("/api/v1/sync/pull")).send().await.unwrap().status(), 200);
    // Coordinators reset nobody's password; volunteers have none to reset.
    let res =
        tanaka.post(app.url("/api/v1/users/u-suzuki/password")).json(&json!({"password": "temporary passphrase"}));
    assert_json_error(res.send().await.unwrap(), 403, "forbidden").await;
    let res = admin.post(app.url("/api/v1/users/u-sato/password")).json(&json!({"password": "temporary passphrase"}));
    assert_json_error(res.send().await.unwrap(), 400, "not_for_volunteers").await;

    for action in ["user.disable", "user.enable", "password.change", "password.reset"] {
        assert!(!logged(&app, action, "u-suzuki").await.is_empty(), "{action} is logged");
    }
}

async fn inactive_persons_leave_the_field_and_partners_forget_closed_requests(app: TestApp) {
    let s = app.storage().await;
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let tanaka = app.signed_in("tanaka").await;
    let watched = person_ids(&app.pull(&sato, 0).await)[0].clone();
    app.exec(&s, "UPDATE persons SET active = 0 WHERE id = ?", &[&watched]).await;
    assert!(!person_ids(&app.pull(&sato, 0).await).contains(&watched));
    assert!(!person_ids(&app.pull(&suzuki, 0).await).contains(&watched));
    for c in [&sato, &suzuki] {
        assert_eq!(c.get(app.url(&format!("/api/v1/persons/{watched}"))).send().await.unwrap().status(), 404);
    }
    // The office still sees them, to correct or reactivate the record.
    assert_eq!(tanaka.get(app.url(&format!("/api/v1/persons/{watched}"))).send().await.unwrap().status(), 200);

    // A partner sees a closed request for 30 days after it closed, then no more.
    let yamada = app.signed_in("yamada").await;
    let url = app.url("/api/v1/requests");
    let listed = |c: reqwest::Client| {
        let url = url.clone();
        async move {
            let list: Value = c.get(url).send().await.unwrap().json().await.unwrap();
            list.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert!(listed(yamada.clone()).await.contains(&"r-0001".to_owned()));
    let day = 24 * 60 * 60 * 1000;
    app.exec(
        &s,
        &format!("UPDATE requests SET status = 'done', updated_at = {} WHERE id = 'r-0001'", now_ms() - 29 * day),
        &[],
    )
    .await;
    assert!(listed(yamada.clone()).await.contains(&"r-0001".to_owned()), "closed 29 days ago: still there");
    app.exec(&s, &format!("UPDATE requests SET updated_at = {} WHERE id = 'r-0001'", now_ms() - 31 * day), &[]).await;
    assert!(!listed(yamada.clone()).await.contains(&"r-0001".to_owned()), "closed 31 days ago: gone");
    let res =
        yamada.put(app.url("/api/v1/requests/r-0001")).json(&json!({"status": "in_progress"})).send().await.unwrap();
    assert_eq!(res.status(), 404, "and not theirs to change");
    // The coordinator reopening it brings it back.
    let res = tanaka
        .put(app.url("/api/v1/requests/r-0001"))
        .json(&json!({"status": "in_progress", "organization_id": "o-yukimi-fukushikai"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(listed(yamada).await.contains(&"r-0001".to_owned()));
}

async fn a_volunteer_gets_what_became_of_things_not_what_others_wrote(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let suzuki = app.signed_in("suzuki").await;
    let watched = person_ids(&app.pull(&sato, 0).await)[0].clone();
    // The 民生委員 visits with a note and chips, and raises a request about money.
    let mut visit = new_check(&watched, "concern");
    visit["note"] = json!("年金の受け取りで困っている様子");
    visit["concerns"] = json!(["looks_unwell"]);
    let request = json!({"type": "raise_request", "request": {"id": uuid::Uuid::new_v4().to_string(),
        "person_id": watched, "need": "living_costs", "detail": "生活費の相談", "raised_at": now_ms()}});
    let (_, res) = app.push_mutations(&suzuki, &[create_check(&visit), request], None).await;
    assert_eq!(statuses(&res), ["applied", "applied"], "{res}");
    let app_notes = "鍵は隣の家に預けてある";
    let s = app.storage().await;
    app.exec(&s, "UPDATE persons SET notes = ? WHERE id = ?", &[app_notes, &watched]).await;
    // 佐藤さん's own check comes back whole.
    let mine = new_check(&watched, "all_well");
    app.push(&sato, std::slice::from_ref(&mine)).await;

    let pulled = app.pull(&sato, 0).await;
    let checks = pulled["checks"].as_array().unwrap();
    let theirs = checks.iter().find(|c| c["id"] == visit["id"]).expect("the visit is in the history");
    assert_eq!(theirs["outcome"], "concern", "how it went, and when");
    assert!(theirs["note"].is_null() && theirs["concerns"].as_array().unwrap().is_empty(), "{theirs}");
    let own = checks.iter().find(|c| c["id"] == mine["id"]).unwrap();
    assert_eq!(own["note"], mine["note"]);
    assert!(pulled["requests"].as_array().unwrap().is_empty(), "others' requests stay off a volunteer's phone");
    let history = app.fetch_persons(&sato, std::slice::from_ref(&watched), Some(i64::MAX)).await;
    assert!(!history.to_string().contains("年金"), "{history}");
    assert_eq!(history["persons"][0]["notes"], "", "the office's notes too");
    // The 民生委員 sees all of it.
    let theirs = app.pull(&suzuki, 0).await;
    assert!(theirs.to_string().contains("年金の受け取りで困っている様子"));
    assert!(theirs["requests"].to_string().contains("生活費の相談"));
    assert_eq!(app.fetch_person(&suzuki, &watched).await["notes"], app_notes);
}

async fn small_holes_are_closed(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let sato = app.signed_in("sato").await;
    // Registering under someone else's existing id says nothing about whether it exists.
    let register = |person_id: &str| {
        json!({"type": "register_person", "id": "00000000-0000-4000-8000-000000000001", "person_id": person_id,
            "person": {"small_area_id": "sa-honcho1", "name": "北村 ハル", "kana": "きたむら はる", "address": "本町 9-9",
                "phone": null, "lat": 39.82, "lng": 140.24, "household_type": "single_elderly", "check_interval_days": 7},
            "consent": {"obtained_on": "2026-04-01", "method": "written",
                "scopes": {"record": true, "share_partners": false, "share_disaster": true}}})
    };
    let s = app.storage().await;
    let outside_id = "p-0123456789abcdef0123456789abcdef";
    app.exec(&s, "INSERT INTO persons (id, small_area_id, name, kana, address, lat, lng) VALUES (?, 'sa-sanno', '他 人', 'ほか ひと', '山王 1', 39.8, 140.2)", &[outside_id]).await;
    let (_, taken) = app.push_mutations(&suzuki, &[register(outside_id)], None).await;
    let (_, malformed) = app.push_mutations(&suzuki, &[register("p-0007")], None).await;
    assert_eq!(taken, malformed, "an out-of-scope id answers like a malformed one");
    assert_eq!(taken["results"][0]["error"]["code"], "invalid_id");

    // A 気になる must say what was seen, on the server too.
    let watched = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let mut unnamed = new_check(&watched, "concern");
    unnamed.as_object_mut().unwrap().remove("note");
    let (_, res) = app.push(&sato, &[unnamed]).await;
    assert_eq!(res["results"][0]["error"]["code"], "concern_unnamed", "{res}");

    // Device clocks at the ends of time do not overflow anything.
    for sent_at in [i64::MIN, i64::MAX] {
        let (status, res) =
            app.push_mutations(&sato, &[create_check(&new_check(&watched, "all_well"))], Some(sent_at)).await;
        assert_eq!(status, 200, "{res}");
        assert_eq!(statuses(&res).len(), 1);
    }

    // Invisible formatting characters are taken out of what people type.
    let mut note = new_check(&watched, "all_well");
    note["note"] = json!("新聞\u{202E}なし\u{200B}");
    app.push(&sato, &[note.clone()]).await;
    let stored: String = sqlx::query_scalar(&s.sql("SELECT note FROM checks WHERE id = ?"))
        .bind(note["id"].as_str().unwrap())
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(stored, "新聞なし");

    // Three phones with one invite at the same moment: one gets it, two are told plainly.
    let tanaka = app.signed_in("tanaka").await;
    let (_, inv) = issue_invite(&app, &tanaka, "u-takahashi").await;
    let code = inv["code"].as_str().unwrap().to_owned();
    let tries = (0..3).map(|_| {
        let (app, code) = (&app, code.clone());
        async move { app.enroll(&app.device(), &code).await.status().as_u16() }
    });
    let mut got = futures::future::join_all(tries).await;
    got.sort();
    assert_eq!(got, [200, 400, 400]);

    // A missing file under /pkg/ is not cached for a year.
    let res = reqwest::get(app.url("/pkg/mimamori.0123456789.js")).await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");

    // An Origin with the wrong scheme is another site.
    let res = suzuki
        .post(app.url("/api/v1/sync/push"))
        .header("origin", format!("https://{}", app.addr))
        .json(&json!({"mutations": []}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 403, "cross_site").await;
    let res = suzuki
        .post(app.url("/api/v1/sync/push"))
        .header("origin", format!("http://{}", app.addr))
        .json(&json!({"mutations": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn invites_need_a_public_address_outside_the_demo(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config, _| config.demo = false).await;
    mimamori_server::demo::load(&app.storage().await).await.unwrap();
    let tanaka = app.signed_in("tanaka").await;
    let res = tanaka
        .post(app.url("/api/v1/users/u-takahashi/invites"))
        .header("host", "evil.example")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body = assert_json_error(res, 409, "public_url_missing").await;
    assert!(body["error"]["message_ja"].as_str().unwrap().contains("MIMAMORI_PUBLIC_URL"));
    let app = TestApp::spawn_with(backend, |config, _| {
        config.demo = false;
        config.public_url = Some("https://mimamori.example.jp/".into());
    })
    .await;
    mimamori_server::demo::load(&app.storage().await).await.unwrap();
    let tanaka = app.signed_in("tanaka").await;
    let (status, inv) = issue_invite(&app, &tanaka, "u-takahashi").await;
    assert_eq!(status, 201);
    assert!(inv["url"].as_str().unwrap().starts_with("https://mimamori.example.jp/enroll#"), "{inv}");
}

/// A found file under /pkg/ of a hashed build may be kept a year; a miss never.
async fn hashed_files_are_immutable_and_misses_are_not(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config, dir| {
        std::fs::create_dir_all(dir.join("site/pkg")).unwrap();
        std::fs::write(dir.join("site/pkg/mimamori.abc123.js"), "export default 1;").unwrap();
        std::fs::write(dir.join("hash.txt"), "js: abc123\nwasm: def456\ncss: 789abc\n").unwrap();
        config.hash_file = dir.join("hash.txt");
    })
    .await;
    let found = reqwest::get(app.url("/pkg/mimamori.abc123.js")).await.unwrap();
    assert_eq!(found.status(), 200);
    assert_eq!(found.headers().get("cache-control").unwrap(), "public, max-age=31536000, immutable");
    let missing = reqwest::get(app.url("/pkg/mimamori.fff000.js")).await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers().get("cache-control").unwrap(), "no-store");
}

/// 「PINを忘れた」 on a phone with unsent records: the phone's recovery key comes back only to a
/// sign-in made just now by the same user (password or a new invite), once, and the old device
/// ends with it. A lost phone's own session, an old session and another user get nothing.
async fn a_forgotten_pin_is_recovered_only_by_a_fresh_sign_in_of_the_same_user(app: TestApp) {
    let s = app.storage().await;
    let phone = app.signed_in("sato").await;
    let key = |v: &Value| v["key"].as_array().unwrap().iter().map(|b| b.as_u64().unwrap()).collect::<Vec<_>>();
    let (status, first) = json_of(phone.post(app.url("/api/v1/me/recovery-key")).send().await.unwrap()).await;
    assert_eq!(status, 200, "{first}");
    let (_, given) = json_of(phone.post(app.url("/api/v1/me/recovery-key")).send().await.unwrap()).await;
    let device = given["device"].as_str().unwrap().to_owned();
    assert_eq!(first["device"], given["device"]);
    assert_eq!(key(&given).len(), 32);
    assert_ne!(key(&first), key(&given), "each call makes a new key");
    let recover = |c: &reqwest::Client, id: &str| c.post(app.url(&format!("/api/v1/devices/{id}/recover"))).send();
    // Whoever holds the lost phone has its session: it cannot take its own key.
    assert_json_error(recover(&phone, &device).await.unwrap(), 404, "not_found").await;
    // Nor can a session of the same user that is not a sign-in of just now.
    let old = app.signed_in("sato").await;
    let old_id: String =
        sqlx::query_scalar(&s.sql("SELECT id FROM devices WHERE user_id = 'u-sato' ORDER BY created_at DESC LIMIT 1"))
            .fetch_one(s.pool())
            .await
            .unwrap();
    app.exec(&s, &format!("UPDATE devices SET created_at = {} WHERE id = ?", now_ms() - 11 * 60_000), &[&old_id]).await;
    assert_json_error(recover(&old, &device).await.unwrap(), 400, "recovery_needs_sign_in").await;
    // Another user's fresh sign-in is told the device does not exist.
    let suzuki = app.signed_in("suzuki").await;
    let refused = assert_json_error(recover(&suzuki, &device).await.unwrap(), 404, "not_found").await;
    let missing = assert_json_error(recover(&suzuki, "dev-doesnotexist").await.unwrap(), 404, "not_found").await;
    assert_eq!(refused, missing);
    // The same user, signed in again just now: the key, once.
    let again = app.signed_in("sato").await;
    let (status, got) = json_of(recover(&again, &device).await.unwrap()).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!((got["device"].as_str(), key(&got)), (Some(device.as_str()), key(&given)));
    assert_json_error(recover(&again, &device).await.unwrap(), 404, "not_found").await;
    // The old device has ended (as "recovered"), and the new one works.
    assert_json_error(phone.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "device_revoked").await;
    let reason: String = sqlx::query_scalar(&s.sql("SELECT revoked_reason FROM devices WHERE id = ?"))
        .bind(&device)
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(reason, "recovered");
    assert_eq!(again.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
    let log = logged(&app, "device.recover", "u-sato").await;
    assert_eq!(log, vec![(Some("u-sato".to_owned()), format!("device={device}"))]);
    assert_eq!(logged(&app, "device.recovery_key", "u-sato").await.len(), 2);
    // A volunteer without a password signs in again with a new invite code.
    let (_, given) = json_of(again.post(app.url("/api/v1/me/recovery-key")).send().await.unwrap()).await;
    let tanaka = app.signed_in("tanaka").await;
    let (status, invite) = issue_invite(&app, &tanaka, "u-sato").await;
    assert_eq!(status, 201, "{invite}");
    let enrolled = app.device();
    assert_eq!(app.enroll(&enrolled, invite["code"].as_str().unwrap()).await.status(), 200);
    let (status, got) = json_of(recover(&enrolled, given["device"].as_str().unwrap()).await.unwrap()).await;
    assert_eq!((status, key(&got)), (200, key(&given)));
    // A device a manager revoked (a phone reported lost) gives nothing back.
    let lost = app.signed_in("takahashi").await;
    let (_, lost_key) = json_of(lost.post(app.url("/api/v1/me/recovery-key")).send().await.unwrap()).await;
    let lost_id = lost_key["device"].as_str().unwrap();
    let res = tanaka.delete(app.url(&format!("/api/v1/devices/{lost_id}"))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let fresh = app.signed_in("takahashi").await;
    assert_json_error(recover(&fresh, lost_id).await.unwrap(), 404, "not_found").await;
}

/// Several fresh sign-ins asking for the same phone's key at the same instant: one gets it, the
/// others are told the device does not exist, and the security log has one recovery.
async fn a_recovery_key_is_given_once_to_concurrent_asks(app: TestApp) {
    let phone = app.signed_in("sato").await;
    let (_, given) = json_of(phone.post(app.url("/api/v1/me/recovery-key")).send().await.unwrap()).await;
    let device = given["device"].as_str().unwrap().to_owned();
    let mut asking = Vec::new();
    for _ in 0..6 {
        asking.push(app.signed_in("sato").await);
    }
    let url = app.url(&format!("/api/v1/devices/{device}/recover"));
    let answers = futures::future::join_all(asking.iter().map(|c| c.post(&url).send())).await;
    let statuses: Vec<u16> = answers.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 5, "{statuses:?}");
    assert_eq!(logged(&app, "device.recover", "u-sato").await.len(), 1);
}

/// A phone that could not decrypt some of its records (damaged on disk) says so: the security log
/// gets the stores and counts, never a record; a report that is not one is a 400.
async fn records_a_phone_set_aside_reach_the_security_log(app: TestApp) {
    let phone = app.signed_in("sato").await;
    let url = app.url("/api/v1/me/records-aside");
    let res = phone.post(&url).json(&json!({"stores": {"persons": 1, "outbox": 2}})).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let log = logged(&app, "device.records_aside", "u-sato").await;
    assert_eq!(log, vec![(Some("u-sato".to_owned()), "aside=outbox:2,persons:1".to_owned())]);
    for bad in [json!({"stores": {}}), json!({"stores": {"cookies": 1}}), json!({"stores": {"persons": 0}}), json!({})]
    {
        let res = phone.post(&url).json(&bad).send().await.unwrap();
        let code = if bad.get("stores").is_some() { "invalid_records_aside" } else { "invalid_body" };
        assert_json_error(res, 400, code).await;
    }
    assert_eq!(logged(&app, "device.records_aside", "u-sato").await.len(), 1, "nothing logged for bad reports");
}

on_both_databases!(
    records_a_phone_set_aside_reach_the_security_log,
    invites_reach_no_further_than_the_coordinator,
    coordinators_manage_only_the_users_of_their_districts,
    reads_and_privilege_changes_leave_a_trail,
    concurrent_guesses_are_checked_at_most_five_times,
    sessions_end_on_the_server_when_idle_or_old,
    a_user_can_be_disabled_and_passwords_changed_and_reset,
    inactive_persons_leave_the_field_and_partners_forget_closed_requests,
    a_volunteer_gets_what_became_of_things_not_what_others_wrote,
    small_holes_are_closed,
    a_forgotten_pin_is_recovered_only_by_a_fresh_sign_in_of_the_same_user,
    a_recovery_key_is_given_once_to_concurrent_asks,
);

mod by_config {
    use super::*;
    #[tokio::test]
    async fn invites_need_a_public_address_outside_the_demo_sqlite() {
        invites_need_a_public_address_outside_the_demo(Backend::Sqlite).await;
    }
    #[tokio::test]
    async fn invites_need_a_public_address_outside_the_demo_postgres() {
        invites_need_a_public_address_outside_the_demo(Backend::Postgres).await;
    }
    #[tokio::test]
    async fn hashed_files_are_immutable_and_misses_are_not_sqlite() {
        hashed_files_are_immutable_and_misses_are_not(Backend::Sqlite).await;
    }
}
