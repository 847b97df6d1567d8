//! The benchmark data generator, at a small scale: counts add up and every role's scope holds.

mod common;
use common::*;
use mimamori_server::generate::{bench_token, generate, Scale};
use serde_json::Value;

async fn as_user(app: &TestApp, login: &str, path: &str) -> Value {
    let res = app
        .bare_device()
        .get(app.url(path))
        .header("cookie", format!("mimamori_session={}", bench_token(login)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{login} {path}");
    res.json().await.unwrap()
}

/// The full records of everyone in the user's scope, fetched as a device does (100 at a time).
async fn scope_persons_as(app: &TestApp, login: &str) -> Vec<Value> {
    let ids = person_ids(&as_user(app, login, "/api/v1/sync/pull").await);
    let mut persons = Vec::new();
    for chunk in ids.chunks(mimamori_core::api::MAX_FETCH_PERSONS) {
        let res = app
            .device()
            .post(app.url("/api/v1/sync/persons"))
            .header("cookie", format!("mimamori_session={}", bench_token(login)))
            .json(&serde_json::json!({"ids": chunk}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{login} fetching persons");
        let body: Value = res.json().await.unwrap();
        persons.extend(body["persons"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(persons.len(), ids.len(), "{login}: every person in the manifest can be fetched");
    persons
}

async fn the_generated_network_is_consistent_and_scoped(app: TestApp) {
    let s = app.storage().await;
    // The demo is loaded in the test database; the generator refuses anything but an empty one.
    let refused = generate(&s, Scale { persons: 600, users: 60, checks: 6_000 }).await;
    assert!(matches!(refused, Err(mimamori_server::generate::GenerateError::NotEmpty)));
    for table in [
        "case_events",
        "cases",
        "audit_log",
        "checks",
        "consents",
        "requests",
        "assignments",
        "commissioner_areas",
        "staff_districts",
        "invites",
        "devices",
        "users",
        "organizations",
        "persons",
        "small_areas",
        "districts",
        "municipalities",
    ] {
        app.exec(&s, &format!("DELETE FROM {table}"), &[]).await;
    }
    let g = generate(&s, Scale { persons: 600, users: 60, checks: 6_000 }).await.unwrap();
    assert_eq!((g.persons, g.small_areas, g.checks), (600, 12, 6_000));
    assert_eq!(g.volunteers + g.commissioners + g.staff, 60);
    let count = |sql: &'static str| {
        let s = s.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(s.pool()).await.unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) FROM checks").await, 6_000);
    assert_eq!(count("SELECT COUNT(DISTINCT id) FROM checks").await, 6_000, "check ids are unique");
    assert_eq!(count("SELECT COUNT(*) FROM users").await, 60);

    // A volunteer's device holds exactly their assignments; a 民生委員 only their areas.
    let pulled = as_user(&app, "vol0", "/api/v1/sync/pull").await;
    let assigned = count("SELECT COUNT(*) FROM assignments WHERE user_id = 'u-vol0'").await;
    assert!((5..=10).contains(&assigned));
    assert_eq!(person_ids(&pulled).len() as i64, assigned);
    let comm = as_user(&app, "comm0", "/api/v1/sync/pull").await;
    let comm_persons = scope_persons_as(&app, "comm0").await;
    let areas: std::collections::BTreeSet<&str> =
        comm_persons.iter().map(|p| p["small_area"].as_str().unwrap()).collect();
    let own = count("SELECT COUNT(*) FROM commissioner_areas WHERE user_id = 'u-comm0'").await;
    assert_eq!(areas.len() as i64, own);
    assert!(!comm["checks"].as_array().unwrap().is_empty(), "history comes with the persons");
    // Partners see referred requests with consent only.
    for partner in ["partner0a", "partner0b"] {
        let requests = as_user(&app, partner, "/api/v1/requests").await;
        assert!(!requests.as_array().unwrap().is_empty(), "{partner} has referred requests");
    }
}

on_both_databases!(the_generated_network_is_consistent_and_scoped);
