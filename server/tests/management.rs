//! Managing the network: invites, device revocation, consent, persons and users — and how
//! each treats bad input. The authorization matrix (authorization.rs) covers who may call what.

mod common;
use common::*;
use serde_json::{json, Value};

/// A change to a valid request body that should make it invalid.
type Mutate = fn(&mut Value);

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn invite(app: &TestApp, manager: &reqwest::Client, user: &str) -> Value {
    let (status, body) =
        json_of(manager.post(app.url(&format!("/api/v1/users/{user}/invites"))).json(&json!({})).send().await.unwrap())
            .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn enroll(app: &TestApp, device: &reqwest::Client, code: &str) -> reqwest::Response {
    device.post(app.url("/api/v1/enroll")).json(&json!({ "code": code })).send().await.unwrap()
}

async fn a_volunteer_enrolls_a_phone_with_an_invite_once(app: TestApp) {
    let tanaka = app.signed_in("tanaka").await;
    // The coordinator enrols a new volunteer who has no password at all.
    let (status, created) = json_of(
        tanaka
            .post(app.url("/api/v1/users"))
            .json(&json!({"login": "kimura", "display_name": "木村 トミ", "role": "volunteer"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["has_password"], false);
    let user = created["user"]["id"].as_str().unwrap().to_owned();
    let inv = invite(&app, &tanaka, &user).await;
    let code = inv["code"].as_str().unwrap();
    assert!(inv["url"].as_str().unwrap().ends_with(&format!("/enroll#{code}")));
    assert!(inv["expires_at"].as_i64().unwrap() > now_ms() + 6 * 24 * 3600 * 1000, "good for a week");

    // Typed on the phone in lower case with spaces: still the code.
    let phone = app.device();
    let typed = code.to_lowercase().replace('-', " ");
    let res = enroll(&app, &phone, &typed).await;
    assert_eq!(res.status(), 200);
    let me: Value = phone.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["login"], "kimura");
    assert_eq!(me["role"], "volunteer");

    // The same code never enrols a second phone.
    assert_json_error(enroll(&app, &app.device(), code).await, 400, "invite_used").await;
    // Nor does a made-up one, or something that is not a code at all.
    assert_json_error(enroll(&app, &app.device(), "ABCD-EFGH-JKMN").await, 400, "invite_not_found").await;
    assert_json_error(enroll(&app, &app.device(), "'; DROP TABLE invites; --").await, 400, "invite_not_found").await;
    assert_json_error(enroll(&app, &app.device(), &"A".repeat(10_000)).await, 400, "invite_not_found").await;
    // A volunteer without a password cannot be signed into with any password.
    let res = app
        .device()
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "kimura", "password": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = app
        .device()
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "kimura", "password": "anything at all"}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 401, "bad_credentials").await;
}

async fn an_expired_invite_is_refused_and_staff_get_no_invites(app: TestApp) {
    let tanaka = app.signed_in("tanaka").await;
    let inv = invite(&app, &tanaka, "u-takahashi").await;
    let s = app.storage().await;
    app.exec(&s, "UPDATE invites SET expires_at = 1", &[]).await;
    assert_json_error(enroll(&app, &app.device(), inv["code"].as_str().unwrap()).await, 400, "invite_expired").await;
    let res = tanaka.post(app.url("/api/v1/users/u-suzuki/invites")).json(&json!({})).send().await.unwrap();
    assert_json_error(res, 400, "not_a_volunteer").await;
}

async fn a_revoked_device_is_refused_at_its_next_contact(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let sato_other_phone = app.signed_in("sato").await;
    assert_eq!(person_ids(&app.pull(&sato, 0).await).len(), 5);
    let devices: Value = sato.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
    let mine = devices.as_array().unwrap();
    assert_eq!(mine.len(), 2, "a volunteer sees only their own devices");
    let current = mine.iter().find(|d| d["current"] == true).unwrap()["id"].as_str().unwrap().to_owned();

    // The coordinator revokes the lost phone.
    let tanaka = app.signed_in("tanaka").await;
    let res = tanaka.delete(app.url(&format!("/api/v1/devices/{current}"))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let res = sato.get(app.url("/api/v1/sync/pull")).send().await.unwrap();
    assert_json_error(res, 401, "device_revoked").await;
    // Only that phone: the other one still syncs, and the list shows the revocation.
    let devices: Value = sato_other_phone.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
    let revoked = devices.as_array().unwrap().iter().find(|d| d["id"] == current.as_str()).unwrap();
    assert!(revoked["revoked_at"].is_i64());
    // Revoking twice, or an id that is not there, or a malformed id: no harm, clear answers.
    let again = tanaka.delete(app.url(&format!("/api/v1/devices/{current}"))).send().await.unwrap();
    assert_eq!(again.status(), 204);
    assert_json_error(tanaka.delete(app.url("/api/v1/devices/nope")).send().await.unwrap(), 404, "not_found").await;
    let bad = tanaka.delete(app.url("/api/v1/devices/a'b")).send().await.unwrap();
    assert_json_error(bad, 400, "invalid_id").await;
    // A volunteer cannot revoke someone else's phone: it does not exist for them.
    let tanaka_devices: Value = tanaka.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
    let tanakas = tanaka_devices.as_array().unwrap().iter().find(|d| d["current"] == true).unwrap();
    let res = sato_other_phone
        .delete(app.url(&format!("/api/v1/devices/{}", tanakas["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 404, "not_found").await;
}

fn new_person(name: &str) -> Value {
    json!({
        "person": {
            "small_area_id": "sa-honcho1", "name": name, "kana": "てすと はなこ", "address": "秋田県雪見町本町 1-1",
            "phone": "0185-00-9999", "lat": 39.82, "lng": 140.24, "household_type": "single_elderly",
            "emergency_contacts": [{"name": "長男", "relation": "長男", "phone": "090-1111-2222"}],
            "check_interval_days": 7, "needs_evacuation_help": true, "notes": "", "active": true
        },
        "consent": {"obtained_on": "2026-04-01", "method": "oral",
                    "scopes": {"record": true, "share_partners": false, "share_disaster": true}}
    })
}

async fn strange_text_is_stored_as_typed_and_bad_fields_are_refused(app: TestApp) {
    let suzuki = app.signed_in("suzuki").await;
    let nasty = ["<script>alert(1)</script>", "'; DROP TABLE persons; --", "\" OR 1=1 --", "{{7*7}} ${x}"];
    for text in nasty {
        let mut body = new_person(text);
        body["person"]["address"] = json!(text);
        body["person"]["notes"] = json!(format!("{text}\n2行目"));
        body["person"]["emergency_contacts"][0]["name"] = json!(text);
        body["person"]["emergency_contacts"][0]["relation"] = json!(text);
        let (status, created) =
            json_of(suzuki.post(app.url("/api/v1/persons")).json(&body).send().await.unwrap()).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap();
        let (_, read) = json_of(suzuki.get(app.url(&format!("/api/v1/persons/{id}"))).send().await.unwrap()).await;
        assert_eq!(read["fields"]["name"], text);
        assert_eq!(read["fields"]["address"], text);
        assert_eq!(read["fields"]["notes"], format!("{text}\n2行目"));
        assert_eq!(read["fields"]["emergency_contacts"][0]["name"], text);
    }
    // The persons table survived all of that.
    let list: Value = suzuki.get(app.url("/api/v1/persons")).send().await.unwrap().json().await.unwrap();
    assert!(list.as_array().unwrap().len() > nasty.len());

    let refused = |f: fn(&mut Value)| {
        let mut body = new_person("正しい 名前");
        f(&mut body);
        body
    };
    let cases: [(Mutate, &str); 12] = [
        (|b| b["person"]["name"] = json!("あ".repeat(61)), "invalid_name"),
        (|b| b["person"]["name"] = json!("  "), "invalid_name"),
        (|b| b["person"]["kana"] = json!("<b>kana</b>"), "invalid_kana"),
        (|b| b["person"]["phone"] = json!("<script>"), "invalid_phone"),
        (|b| b["person"]["lat"] = json!(91.0), "invalid_location"),
        (|b| b["person"]["check_interval_days"] = json!(0), "invalid_check_interval"),
        (|b| b["person"]["notes"] = json!("x".repeat(2001)), "invalid_notes"),
        (|b| b["person"]["small_area_id"] = json!("sa-sugisawa"), "small_area_not_found"),
        (|b| b["consent"]["obtained_on"] = json!("2099-01-01"), "invalid_consent_date"),
        (|b| b["consent"]["obtained_on"] = json!("2026-02-29"), "invalid_date"),
        (|b| b["consent"]["obtained_on"] = json!("２０２６-04-01"), "invalid_date"),
        (|b| b["consent"]["scopes"]["record"] = json!(false), "invalid_consent_scopes"),
    ];
    for (f, code) in cases {
        let res = suzuki.post(app.url("/api/v1/persons")).json(&refused(f)).send().await.unwrap();
        assert_json_error(res, 400, code).await;
    }
    let unknown_field = {
        let mut b = new_person("x");
        b["person"]["is_admin"] = json!(true);
        b
    };
    let res = suzuki.post(app.url("/api/v1/persons")).json(&unknown_field).send().await.unwrap();
    assert_json_error(res, 400, "invalid_body").await;
    // Malformed ids in URLs are a clear 400, not a 404 and never a 500.
    for bad in ["a'b", "..%2F..%2Fetc", &"x".repeat(65), "%E3%81%82"] {
        let res = suzuki.get(app.url(&format!("/api/v1/persons/{bad}"))).send().await.unwrap();
        assert_json_error(res, 400, "invalid_id").await;
    }
    let after: Value = suzuki.get(app.url("/api/v1/persons")).send().await.unwrap().json().await.unwrap();
    assert_eq!(after.as_array().unwrap().len(), list.as_array().unwrap().len(), "nothing refused was stored");
}

async fn withdrawing_consent_takes_the_person_off_the_volunteers_phone(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let suzuki = app.signed_in("suzuki").await;
    let url = app.url(&format!("/api/v1/persons/{person}/consents/withdraw"));
    let (status, detail) = json_of(suzuki.post(&url).json(&json!({})).send().await.unwrap()).await;
    assert_eq!(status, 200, "{detail}");
    assert!(detail["consent"].is_null());
    assert_eq!(detail["consent_history"][0]["withdrawn_by"], "鈴木 一郎", "withdrawal is recorded, not deleted");
    assert!(!person_ids(&app.pull(&sato, 0).await).contains(&person), "the volunteer no longer holds them");
    // The 民生委員 still sees them (statutory role), and a second withdrawal has nothing to withdraw.
    assert!(person_ids(&app.pull(&suzuki, 0).await).contains(&person));
    assert_json_error(suzuki.post(&url).json(&json!({})).send().await.unwrap(), 409, "no_consent_in_force").await;
    // Consent recorded again: back on the volunteer's phone.
    let res = suzuki
        .post(app.url(&format!("/api/v1/persons/{person}/consents")))
        .json(&json!({"consent": {"obtained_on": "2026-05-01", "method": "proxy",
            "scopes": {"record": true, "share_partners": false, "share_disaster": false}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(person_ids(&app.pull(&sato, 0).await).contains(&person));
}

async fn the_audit_log_names_who_read_and_wrote_from_which_device(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    let (status, _) = app.push(&sato, &[new_check(&person, "concern")]).await;
    assert_eq!(status, 200);
    let suzuki = app.signed_in("suzuki").await;
    suzuki.get(app.url(&format!("/api/v1/persons/{person}"))).send().await.unwrap();
    let tanaka = app.signed_in("tanaka").await;
    let log: Value =
        tanaka.get(app.url(&format!("/api/v1/persons/{person}/audit"))).send().await.unwrap().json().await.unwrap();
    let lines: Vec<(String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["user"]["login"].as_str().unwrap().to_owned(), l["action"].as_str().unwrap().to_owned()))
        .collect();
    for expected in [("sato", "sync.read"), ("sato", "check.create"), ("suzuki", "person.read")] {
        assert!(lines.contains(&(expected.0.into(), expected.1.into())), "{expected:?} missing from {lines:?}");
    }
    assert!(log.as_array().unwrap().iter().all(|l| l["device_id"].is_string()), "every line names a device");
    // A device pulling every minute is logged once a day, not once a poll.
    app.pull(&sato, 0).await;
    app.pull(&sato, 0).await;
    let log: Value =
        tanaka.get(app.url(&format!("/api/v1/persons/{person}/audit"))).send().await.unwrap().json().await.unwrap();
    let reads = log.as_array().unwrap().iter().filter(|l| l["action"] == "sync.read").count();
    assert_eq!(reads, 1);
}

async fn users_are_made_with_clear_errors(app: TestApp) {
    let admin = app.signed_in("watanabe").await;
    let tanaka = app.signed_in("tanaka").await;
    let post = |c: &reqwest::Client, body: Value| c.post(app.url("/api/v1/users")).json(&body).send();
    let res = post(&admin, json!({"login": "sato", "display_name": "二人目", "role": "volunteer"})).await.unwrap();
    assert_json_error(res, 409, "login_taken").await;
    let res = post(&admin, json!({"login": "X Y", "display_name": "名前", "role": "volunteer"})).await.unwrap();
    assert_json_error(res, 400, "invalid_login").await;
    let res =
        post(&admin, json!({"login": "newstaff", "display_name": "名前", "role": "coordinator", "password": "short"}))
            .await
            .unwrap();
    assert_json_error(res, 400, "weak_password").await;
    let res = post(
        &admin,
        json!({"login": "newstaff", "display_name": "名前", "role": "commissioner",
        "password": "a long password", "area_ids": ["sa-nowhere"]}),
    )
    .await
    .unwrap();
    assert_json_error(res, 400, "area_not_found").await;
    // Coordinators enrol volunteers; staff accounts are the admin's.
    let res = post(
        &tanaka,
        json!({"login": "newstaff", "display_name": "名前", "role": "admin", "password": "a long password"}),
    )
    .await
    .unwrap();
    assert_json_error(res, 403, "forbidden").await;
    // Two managers creating the same login at the same moment: one wins, the other is told, no 500.
    let twin = json!({"login": "twin", "display_name": "双子", "role": "volunteer"});
    let (a, b) = tokio::join!(post(&admin, twin.clone()), post(&tanaka, twin));
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    // A new 民生委員 made by the admin signs in and sees exactly their area.
    let res = post(
        &admin,
        json!({"login": "ito", "display_name": "伊藤 民子", "role": "commissioner",
        "password": "a long password", "area_ids": ["sa-sanno"]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);
    let ito = app.device();
    let res = ito
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "ito", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let persons = app.scope_persons(&ito).await;
    let areas: std::collections::BTreeSet<&str> = persons.iter().map(|p| p["small_area"].as_str().unwrap()).collect();
    assert_eq!(areas.into_iter().collect::<Vec<_>>(), vec!["山王町内会"]);
}

async fn writes_without_the_csrf_header_or_from_another_origin_are_refused(app: TestApp) {
    let sato = app.signed_in("sato").await;
    let person = person_ids(&app.pull(&sato, 0).await)[0].clone();
    // A cross-site form cannot set the header: refused before anything is read or written.
    let bare = app.bare_device();
    let res = bare
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "sato", "password": mimamori_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 403, "cross_site").await;
    let check = json!({"mutations": [{"type": "create_check", "check": new_check(&person, "all_well")}]});
    let res = sato
        .post(app.url("/api/v1/sync/push"))
        .header("origin", "https://evil.example")
        .json(&check)
        .send()
        .await
        .unwrap();
    assert_json_error(res, 403, "cross_site").await;
    // Same origin with the header: fine. Reads never need it.
    let res = sato
        .post(app.url("/api/v1/sync/push"))
        .header("origin", format!("http://{}", app.addr))
        .json(&check)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(bare.get(app.url("/api/v1/health")).send().await.unwrap().status(), 200);
}

async fn every_other_text_field_keeps_hostile_text_as_text_and_refuses_oversize(app: TestApp) {
    let admin = app.signed_in("watanabe").await;
    let nasty = "<img src=x onerror=alert(1)> '; DELETE FROM users; --";
    // Names of areas and people are short: the same trouble in 40 characters.
    let short = "<b onclick=alert(1)>'; DROP TABLE x;--";
    let post = |path: &str, body: Value| admin.post(app.url(path)).json(&body).send();
    let (status, org) = json_of(
        post("/api/v1/organizations", json!({"name": nasty, "services": format!("{nasty}\n除雪")})).await.unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{org}");
    let (status, area) =
        json_of(post("/api/v1/areas", json!({"district_id": "d-chuo", "name": short})).await.unwrap()).await;
    assert_eq!(status, 201, "{area}");
    let (status, user) = json_of(
        post("/api/v1/users", json!({"login": "odd.name", "display_name": short, "role": "volunteer"})).await.unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    // Read back through the lists: stored exactly as typed, and every table still answers.
    let orgs: Value = admin.get(app.url("/api/v1/organizations")).send().await.unwrap().json().await.unwrap();
    assert!(orgs.as_array().unwrap().iter().any(|o| o["name"] == nasty && o["services"] == format!("{nasty}\n除雪")));
    let tree: Value = admin.get(app.url("/api/v1/areas")).send().await.unwrap().json().await.unwrap();
    let areas = tree["districts"].as_array().unwrap().iter().flat_map(|d| d["small_areas"].as_array().unwrap().clone());
    assert!(areas.into_iter().any(|a| a["name"] == short));
    let users: Value = admin.get(app.url("/api/v1/users")).send().await.unwrap().json().await.unwrap();
    assert!(users.as_array().unwrap().iter().any(|u| u["user"]["display_name"] == short));
    assert!(users.as_array().unwrap().len() >= 7, "the users table is intact");
    // Oversized or multi-line where one line is expected: refused with the field's code.
    let long = "長".repeat(81);
    let res = post("/api/v1/organizations", json!({"name": long})).await.unwrap();
    assert_json_error(res, 400, "invalid_name").await;
    let res = post("/api/v1/areas", json!({"district_id": "d-chuo", "name": "二行\n目"})).await.unwrap();
    assert_json_error(res, 400, "invalid_name").await;
    let res = post("/api/v1/users", json!({"login": "x1", "display_name": "名", "role": "volunteer"})).await.unwrap();
    assert_json_error(res, 400, "invalid_login").await;
    let res = post("/api/v1/users", json!({"login": "okname", "display_name": "名".repeat(41), "role": "volunteer"}))
        .await
        .unwrap();
    assert_json_error(res, 400, "invalid_display_name").await;
    let res = post("/api/v1/areas", json!({"district_id": "../d-chuo", "name": "x"})).await.unwrap();
    assert_json_error(res, 400, "district_not_found").await;
}

on_both_databases!(
    every_other_text_field_keeps_hostile_text_as_text_and_refuses_oversize,
    a_volunteer_enrolls_a_phone_with_an_invite_once,
    an_expired_invite_is_refused_and_staff_get_no_invites,
    a_revoked_device_is_refused_at_its_next_contact,
    strange_text_is_stored_as_typed_and_bad_fields_are_refused,
    withdrawing_consent_takes_the_person_off_the_volunteers_phone,
    the_audit_log_names_who_read_and_wrote_from_which_device,
    users_are_made_with_clear_errors,
    writes_without_the_csrf_header_or_from_another_origin_are_refused,
);
