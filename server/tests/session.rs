//! Signing in and out, and what happens without a session.

mod common;
use common::*;
use mimamori_server::demo::DEMO_PASSWORD;
use serde_json::{json, Value};

async fn wrong_password_and_unknown_login_get_the_same_generic_error(app: TestApp) {
    let c = app.device();
    let wrong =
        c.post(app.url("/api/v1/session")).json(&json!({"login": "sato", "password": "nope"})).send().await.unwrap();
    let a = assert_json_error(wrong, 401, "bad_credentials").await;
    let unknown =
        c.post(app.url("/api/v1/session")).json(&json!({"login": "nobody", "password": "nope"})).send().await.unwrap();
    let b = assert_json_error(unknown, 401, "bad_credentials").await;
    assert_eq!(a, b, "nothing tells a wrong password from an unknown login");
    assert_eq!(a["error"]["message_ja"], "IDまたはパスワードが違います。");
}

async fn sign_in_sets_a_hardened_cookie_and_me_answers(app: TestApp) {
    let c = app.device();
    let res = c
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "sato", "password": mimamori_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.starts_with("mimamori_session="));
    assert!(cookie.contains("HttpOnly"));
    assert!(cookie.contains("SameSite=Strict"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["role"], "volunteer");
    assert_eq!(body["user"]["display_name"], "佐藤 花子");
    assert!(body["user"].get("password_hash").is_none());

    let me: Value = c.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["login"], "sato");
}

async fn every_personal_endpoint_refuses_a_request_without_a_session(app: TestApp) {
    let c = app.device();
    assert_json_error(c.get(app.url("/api/v1/me")).send().await.unwrap(), 401, "unauthenticated").await;
    assert_json_error(c.get(app.url("/api/v1/sync/pull")).send().await.unwrap(), 401, "unauthenticated").await;
    let push = c.post(app.url("/api/v1/sync/push")).json(&json!({"mutations": []})).send().await.unwrap();
    assert_json_error(push, 401, "unauthenticated").await;
    let forged =
        c.get(app.url("/api/v1/sync/pull")).header("cookie", "mimamori_session=forged-token").send().await.unwrap();
    assert_json_error(forged, 401, "unauthenticated").await;
}

async fn sign_out_ends_the_session_on_the_server(app: TestApp) {
    let c = app.signed_in("sato").await;
    // Keep the raw cookie, as a stolen copy would.
    let res = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let stolen = app.device();
    let login = stolen
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "sato", "password": mimamori_server::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = login.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_owned();
    let out = stolen.delete(app.url("/api/v1/session")).send().await.unwrap();
    assert_eq!(out.status(), 204);
    let replay = app.device().get(app.url("/api/v1/me")).header("cookie", cookie).send().await.unwrap();
    // A signed-out token is told so, so a copy of the app holding it wipes its data.
    assert_json_error(replay, 401, "device_revoked").await;
    // The other device of the same user is unaffected.
    assert_eq!(c.get(app.url("/api/v1/me")).send().await.unwrap().status(), 200);
}

async fn malformed_sign_in_bodies_get_json_errors(app: TestApp) {
    let c = app.device();
    let not_json = c
        .post(app.url("/api/v1/session"))
        .header("content-type", "application/json")
        .body("{login:")
        .send()
        .await
        .unwrap();
    assert_json_error(not_json, 400, "invalid_body").await;
    let form = c.post(app.url("/api/v1/session")).body("login=sato").send().await.unwrap();
    assert_json_error(form, 415, "unsupported_media_type").await;
    let extra = c
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "sato", "password": "x", "role": "coordinator"}))
        .send()
        .await
        .unwrap();
    assert_json_error(extra, 400, "invalid_body").await;
    let empty = c.post(app.url("/api/v1/session")).json(&json!({"login": " ", "password": ""})).send().await.unwrap();
    assert_json_error(empty, 400, "missing_credentials").await;
    let sqlish = c
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": "sato' OR '1'='1", "password": "' OR 1=1 --"}))
        .send()
        .await
        .unwrap();
    assert_json_error(sqlish, 401, "bad_credentials").await;
}

async fn unknown_api_paths_and_methods_answer_in_json(app: TestApp) {
    let c = app.device();
    assert_json_error(c.get(app.url("/api/v1/nothing-here")).send().await.unwrap(), 404, "not_found").await;
    assert_json_error(c.put(app.url("/api/v1/session")).send().await.unwrap(), 405, "method_not_allowed").await;
}

async fn sign_in_attempt(app: &TestApp, login: &str, password: &str) -> reqwest::Response {
    app.device()
        .post(app.url("/api/v1/session"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn repeated_failures_lock_a_login_without_revealing_who_exists(app: TestApp) {
    use mimamori_server::storage::MAX_FAILURES;
    for _ in 0..MAX_FAILURES {
        assert_json_error(sign_in_attempt(&app, "sato", "guess").await, 401, "bad_credentials").await;
    }
    // Locked: even the right password is refused now, with no password work done.
    let locked = assert_json_error(sign_in_attempt(&app, "sato", DEMO_PASSWORD).await, 429, "too_many_attempts").await;
    assert!(locked["error"]["message_ja"].as_str().unwrap().contains("15分"));
    // A login that does not exist locks in exactly the same way.
    for _ in 0..MAX_FAILURES {
        assert_json_error(sign_in_attempt(&app, "nobody", "guess").await, 401, "bad_credentials").await;
    }
    let unknown = assert_json_error(sign_in_attempt(&app, "nobody", "guess").await, 429, "too_many_attempts").await;
    assert_eq!(locked, unknown);
    // Other people are not affected.
    assert_eq!(sign_in_attempt(&app, "suzuki", DEMO_PASSWORD).await.status(), 200);
}

async fn a_successful_sign_in_resets_the_failure_count(app: TestApp) {
    use mimamori_server::storage::MAX_FAILURES;
    for _ in 0..2 {
        for _ in 0..MAX_FAILURES - 1 {
            assert_json_error(sign_in_attempt(&app, "tanaka", "guess").await, 401, "bad_credentials").await;
        }
        assert_eq!(sign_in_attempt(&app, "tanaka", DEMO_PASSWORD).await.status(), 200);
    }
}

on_both_databases!(
    wrong_password_and_unknown_login_get_the_same_generic_error,
    sign_in_sets_a_hardened_cookie_and_me_answers,
    every_personal_endpoint_refuses_a_request_without_a_session,
    sign_out_ends_the_session_on_the_server,
    malformed_sign_in_bodies_get_json_errors,
    unknown_api_paths_and_methods_answer_in_json,
    repeated_failures_lock_a_login_without_revealing_who_exists,
    a_successful_sign_in_resets_the_failure_count,
);
