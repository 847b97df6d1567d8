//! The authorization matrix: every API endpoint × every role × (in scope, out of scope,
//! unauthenticated, revoked device) → expected status and body, on SQLite and PostgreSQL.
//!
//! "Out of scope" is as near as it gets: for the coordinator (田中さん, who in this fixture works in
//! 北部 and 中央 only) it is 南部 — a person, a volunteer, a 民生委員, a device, a request and a
//! conflict in her own municipality but outside her districts; for the admin, who covers the whole
//! town, another municipality.
//!
//! The rows come from [`row`], which matches on every `(method, path)` that
//! `mimamori_server::routes::endpoints()` lists and panics on any it does not know: a new
//! endpoint cannot be added without deciding here who may use it.

mod common;
use axum::http::Method;
use common::*;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Volunteer,
    Commissioner,
    Coordinator,
    Partner,
    Admin,
}
use Role::*;
const ROLES: [Role; 5] = [Volunteer, Commissioner, Coordinator, Partner, Admin];

impl Role {
    fn login(self) -> &'static str {
        match self {
            Volunteer => "sato",
            Commissioner => "suzuki",
            Coordinator => "tanaka",
            Partner => "yamada",
            Admin => "watanabe",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    InScope,
    OutOfScope,
    Unauthenticated,
    Revoked,
}

/// What a request must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Success with this status; the body is checked by [`Row::check`].
    Ok(u16),
    /// 403 `forbidden`: the role may not use the endpoint at all.
    Forbidden,
    /// 404 `not_found`, byte for byte the answer for an id that does not exist.
    NotFound,
    /// 200, byte for byte the answer for ids that do not exist (a list that silently leaves
    /// out what the user may not see); the body is also checked by [`Row::check`].
    Absent,
    /// 400 with this code.
    Bad(&'static str),
    /// 401 with this code.
    Unauthorized(&'static str),
}

/// Ids the fixture provides, per database.
struct World {
    /// A person 佐藤さん (volunteer) watches, in 鈴木さん's (commissioner) area.
    watched: String,
    /// A person in 鈴木さん's area whom 佐藤さん does not watch.
    area_only: String,
    /// A person in 高橋さん's area (not 鈴木さん's).
    other_area: String,
    /// A person in another municipality.
    elsewhere: String,
    /// A person whose request is referred to the partner, with consent to share with partners.
    referred: String,
    /// A person with a request referred to the partner but no consent to share with partners.
    unshared_person: String,
    /// Requests: referred with consent / referred without consent / in another municipality.
    request_shared: String,
    request_unshared: String,
    request_elsewhere: String,
    /// The other municipality's district, small area, organisation, volunteer and device.
    elsewhere_district: String,
    elsewhere_area: String,
    elsewhere_org: String,
    elsewhere_user: String,
    elsewhere_device: String,
    /// A valid person body (the `watched` person's own fields).
    watched_fields: Value,
    sato_persons: Vec<String>,
    /// An open conflict on `watched`, left open throughout.
    conflict_here: String,
    /// An open conflict on the other municipality's person.
    conflict_away: String,
    /// 南部地区, outside the coordinator's districts: a person, a volunteer watching them, a 民生委員
    /// of the area, the volunteer's device, a request and a conflict on the person.
    south_person: String,
    south_volunteer: String,
    south_commissioner: String,
    south_device: String,
    request_south: String,
    conflict_south: String,
    /// 要対応 cases: on `watched` (open throughout), on the 南部 person, in the other municipality.
    case_here: String,
    case_south: String,
    case_away: String,
    /// A volunteer in 中央 (within everyone's reach) to disable and enable again.
    spare_volunteer: String,
    /// A 民生委員 in 中央 whose password the admin resets.
    spare_commissioner: String,
}

/// Text that only the other municipality's security log holds.
const ELSEWHERE_EVENT: &str = "elsewhere-event";

/// The open conflict on `watched` that `role` settles in its in-scope row.
fn conflict_to_settle(role: Role) -> String {
    format!("c-settle-{}", role.login())
}

/// One request of the matrix: method, path, body, and how to check a success.
struct Row {
    method: Method,
    path: String,
    body: Option<Value>,
    expect: Expect,
    /// Run on a freshly signed-in device (the request ends or revokes its own session).
    fresh_device: bool,
    /// Before the request, (re)record consent for this person as the coordinator.
    needs_consent: Option<String>,
    check: fn(&World, Role, Case, &Value),
}

const READERS: [Role; 4] = [Volunteer, Commissioner, Coordinator, Admin];
const EDITORS: [Role; 3] = [Commissioner, Coordinator, Admin];
const MANAGERS: [Role; 2] = [Coordinator, Admin];

fn ids(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|x| x[key].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn no_check(_: &World, _: Role, _: Case, _: &Value) {}

const REPORT: &str = r#"{"month":"2026-11","visits":3,"phone_calls":1,"other_contacts":0,
    "consultations":{"elderly":1,"disability":0,"children":0,"other":0},
    "liaison":{"council":1,"municipality":0,"care_center":0,"other_bodies":0},"days_active":3}"#;

fn consent_body() -> Value {
    json!({"consent": {"obtained_on": "2026-04-01", "method": "written",
        "scopes": {"record": true, "share_partners": true, "share_disaster": true}}})
}

/// The matrix row for one endpoint, role and case. Unknown endpoints fail the test.
fn row(w: &World, method: &Method, path: &str, role: Role, case: Case) -> Row {
    let in_scope = case == Case::InScope;
    let may = |roles: &[Role]| roles.contains(&role);
    // Out of scope for each role: a person the role must not see.
    let person_for = |role: Role| -> &str {
        match (role, in_scope) {
            (_, true) => &w.watched,
            (Volunteer, false) => &w.area_only,
            (Commissioner, false) => &w.other_area,
            (Coordinator, false) => &w.south_person,
            (_, false) => &w.elsewhere,
        }
    };
    // Out of reach for managers: the coordinator's is in 南部, the admin's in another town.
    let (away_volunteer, away_commissioner, away_device): (&str, &str, &str) = if role == Coordinator {
        (&w.south_volunteer, &w.south_commissioner, &w.south_device)
    } else {
        (&w.elsewhere_user, &w.elsewhere_user, &w.elsewhere_device)
    };
    let r = |m: Method, p: String, body: Option<Value>, expect: Expect| Row {
        method: m,
        path: p,
        body,
        expect,
        fresh_device: false,
        needs_consent: None,
        check: no_check,
    };
    let gate = |roles: &[Role], ok: Expect, out: Expect| {
        if !may(roles) {
            Expect::Forbidden
        } else if in_scope {
            ok
        } else {
            out
        }
    };
    match (method.as_str(), path) {
        ("GET", "/health") => r(Method::GET, "/api/v1/health".into(), None, Expect::Ok(200)),
        ("POST", "/session") => r(
            Method::POST,
            "/api/v1/session".into(),
            // A new login each time, so the matrix never trips the sign-in lockout.
            Some(json!({"login": format!("ghost-{}", uuid::Uuid::new_v4().simple()), "password": "wrong"})),
            Expect::Unauthorized("bad_credentials"),
        ),
        ("DELETE", "/session") => {
            Row { fresh_device: true, ..r(Method::DELETE, "/api/v1/session".into(), None, Expect::Ok(204)) }
        }
        ("POST", "/enroll") => r(
            Method::POST,
            "/api/v1/enroll".into(),
            Some(json!({"code": "AAAA-BBBB-CCCC"})),
            Expect::Bad("invite_not_found"),
        ),
        ("GET", "/me") => Row {
            check: |_, role, _, body| assert_eq!(body["login"], role.login()),
            ..r(Method::GET, "/api/v1/me".into(), None, Expect::Ok(200))
        },
        ("POST", "/sync/push") => {
            let check = json!({"type": "create_check", "check": new_check(person_for(role), "all_well")});
            Row {
                check: |_, _, case, body| {
                    let status = &body["results"][0]["status"];
                    if case == Case::InScope {
                        assert_eq!(status, "applied", "{body}");
                    } else {
                        assert_eq!(status, "rejected", "{body}");
                        assert_eq!(body["results"][0]["error"]["code"], "person_not_found");
                    }
                },
                ..r(
                    Method::POST,
                    "/api/v1/sync/push".into(),
                    Some(json!({"mutations": [check]})),
                    gate(&READERS, Expect::Ok(200), Expect::Ok(200)),
                )
            }
        }
        ("GET", "/sync/pull") => Row {
            check: |w, role, case, body| {
                let persons = ids(&body["scope"], "id");
                match (role, case) {
                    (Partner, _) => assert!(persons.is_empty(), "partners keep no persons on their devices"),
                    (_, Case::InScope) => assert!(persons.contains(&w.watched)),
                    (Volunteer, _) => assert!(!persons.contains(&w.area_only)),
                    (Commissioner, _) => assert!(!persons.contains(&w.other_area)),
                    (Coordinator, _) => assert!(!persons.contains(&w.south_person)),
                    _ => assert!(!persons.contains(&w.elsewhere)),
                }
                if role == Partner {
                    assert!(body["checks"].as_array().unwrap().is_empty(), "partners never get the watch history");
                }
            },
            ..r(Method::GET, "/api/v1/sync/pull".into(), None, Expect::Ok(200))
        },
        ("POST", "/sync/persons") => {
            let target = match (role, in_scope) {
                (Partner, true) => &w.referred,
                (Partner, false) => &w.unshared_person,
                _ => person_for(role),
            };
            Row {
                check: |w, role, case, body| {
                    let persons = ids(&body["persons"], "id");
                    let checks = body["checks"].as_array().unwrap();
                    match (role, case) {
                        // Even a person referred to them: partners keep nothing on their devices.
                        (Partner, _) => assert!(persons.is_empty() && checks.is_empty(), "{body}"),
                        (_, Case::InScope) => {
                            assert_eq!(persons, [w.watched.as_str()]);
                            assert!(checks.iter().all(|c| c["person_id"] == w.watched.as_str()), "{body}");
                        }
                        _ => assert!(persons.is_empty() && checks.is_empty(), "{body}"),
                    }
                },
                ..r(
                    Method::POST,
                    "/api/v1/sync/persons".into(),
                    Some(json!({"ids": [target], "history_upto": i64::MAX})),
                    if in_scope { Expect::Ok(200) } else { Expect::Absent },
                )
            }
        }
        ("GET", "/persons") => Row {
            check: |w, role, case, body| {
                let persons = ids(body, "id");
                if case == Case::InScope {
                    assert!(persons.contains(&w.watched));
                } else {
                    let out = match role {
                        Volunteer => &w.area_only,
                        Commissioner => &w.other_area,
                        Coordinator => &w.south_person,
                        _ => &w.elsewhere,
                    };
                    assert!(!persons.contains(out), "{role:?} must not list {out}");
                }
            },
            ..r(Method::GET, "/api/v1/persons".into(), None, gate(&READERS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("POST", "/persons") => {
            let mut fields = w.watched_fields.clone();
            if !in_scope {
                fields["small_area_id"] = json!(match role {
                    Commissioner => "sa-sugisawa",
                    Coordinator => "sa-nitta",
                    _ => &w.elsewhere_area,
                });
            }
            fields["name"] = json!("新規 登録");
            let body = json!({"person": fields, "consent": consent_body()["consent"]});
            Row {
                check: |_, _, _, body| assert_eq!(body["fields"]["name"], "新規 登録"),
                ..r(
                    Method::POST,
                    "/api/v1/persons".into(),
                    Some(body),
                    gate(&EDITORS, Expect::Ok(201), Expect::Bad("small_area_not_found")),
                )
            }
        }
        ("GET", "/persons/{id}") => Row {
            check: |w, _, _, body| assert_eq!(body["id"], w.watched.as_str()),
            ..r(
                Method::GET,
                format!("/api/v1/persons/{}", person_for(role)),
                None,
                gate(&READERS, Expect::Ok(200), Expect::NotFound),
            )
        },
        ("PUT", "/persons/{id}") => Row {
            check: |w, _, _, body| assert_eq!(body["fields"]["name"], w.watched_fields["name"]),
            ..r(
                Method::PUT,
                format!("/api/v1/persons/{}", person_for(role)),
                Some(json!({"person": w.watched_fields})),
                gate(&EDITORS, Expect::Ok(200), Expect::NotFound),
            )
        },
        ("POST", "/persons/{id}/consents") => Row {
            check: |_, _, _, body| assert_eq!(body["consent"]["scopes"]["share_partners"], true),
            ..r(
                Method::POST,
                format!("/api/v1/persons/{}/consents", person_for(role)),
                Some(consent_body()),
                gate(&EDITORS, Expect::Ok(200), Expect::NotFound),
            )
        },
        ("POST", "/persons/{id}/consents/withdraw") => {
            // Withdrawing from the watched person would take them off 佐藤さん's phone mid-matrix;
            // use a person only the area's staff see, with consent recorded just before.
            let target = if in_scope && role != Volunteer { w.area_only.clone() } else { person_for(role).to_owned() };
            Row {
                needs_consent: in_scope.then(|| w.area_only.clone()),
                check: |_, _, _, body| {
                    assert!(body["consent"].is_null(), "no consent in force after withdrawal: {body}");
                    assert!(body["consent_history"][0]["withdrawn_at"].is_i64(), "the withdrawal is recorded");
                },
                ..r(
                    Method::POST,
                    format!("/api/v1/persons/{target}/consents/withdraw"),
                    Some(json!({})),
                    gate(&EDITORS, Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("GET", "/persons/{id}/audit") => Row {
            check: |_, _, _, body| assert!(!body.as_array().unwrap().is_empty(), "earlier rows left a trail"),
            ..r(
                Method::GET,
                format!("/api/v1/persons/{}/audit", person_for(role)),
                None,
                gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
            )
        },
        ("GET", "/areas") => Row {
            check: |w, _, _, body| {
                assert_eq!(body["municipality_id"], "m-yukimi");
                assert!(!body.to_string().contains(&w.elsewhere_district), "other municipalities do not exist");
            },
            ..r(Method::GET, "/api/v1/areas".into(), None, Expect::Ok(200))
        },
        ("POST", "/areas") => {
            let district = if in_scope { "d-chuo" } else { &w.elsewhere_district };
            Row {
                check: |_, _, _, body| assert_eq!(body["name"], "新町内会"),
                ..r(
                    Method::POST,
                    "/api/v1/areas".into(),
                    Some(json!({"district_id": district, "name": "新町内会"})),
                    gate(&[Admin], Expect::Ok(201), Expect::Bad("district_not_found")),
                )
            }
        }
        ("GET", "/organizations") => Row {
            check: |w, _, _, body| {
                let orgs = ids(body, "id");
                assert!(orgs.contains(&"o-yukimi-fukushikai".to_owned()));
                assert!(!orgs.contains(&w.elsewhere_org));
            },
            ..r(Method::GET, "/api/v1/organizations".into(), None, gate(&EDITORS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("POST", "/organizations") => Row {
            check: |_, _, _, body| assert_eq!(body["name"], "社会福祉法人 テスト会"),
            ..r(
                Method::POST,
                "/api/v1/organizations".into(),
                Some(json!({"name": "社会福祉法人 テスト会", "services": "除雪", "phone": "0185-00-0000"})),
                gate(&[Admin], Expect::Ok(201), Expect::Ok(201)),
            )
        },
        ("GET", "/users") => Row {
            check: |w, role, case, body| {
                let users: Vec<String> = body.as_array().unwrap().iter().map(|u| u["user"]["id"].to_string()).collect();
                if case == Case::InScope {
                    assert!(users.contains(&"\"u-sato\"".to_owned()));
                } else {
                    assert!(!users.contains(&format!("\"{}\"", w.elsewhere_user)));
                    if role == Coordinator {
                        for south in [&w.south_volunteer, &w.south_commissioner] {
                            assert!(!users.contains(&format!("\"{south}\"")), "{body}");
                        }
                        assert!(!body.to_string().contains(&w.south_person), "no 南部 person id: {body}");
                    }
                }
            },
            ..r(Method::GET, "/api/v1/users".into(), None, gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("POST", "/users") => {
            let login = format!("new-{}-{}", role.login(), uuid::Uuid::new_v4().simple());
            let body = if in_scope {
                json!({"login": &login[..30], "display_name": "新しい ボランティア", "role": "volunteer"})
            } else {
                json!({"login": &login[..30], "display_name": "他町の 職員", "role": "partner_staff",
                       "password": "long enough password", "organization_id": w.elsewhere_org})
            };
            let out = if role == Coordinator { Expect::Forbidden } else { Expect::Bad("organization_not_found") };
            Row {
                check: |_, _, _, body| assert_eq!(body["user"]["role"], "volunteer"),
                ..r(Method::POST, "/api/v1/users".into(), Some(body), gate(&MANAGERS, Expect::Ok(201), out))
            }
        }
        ("PUT", "/users/{id}/assignments") => {
            let target = if in_scope { "u-sato" } else { away_volunteer };
            Row {
                check: |w, _, _, body| assert_eq!(body["person_ids"].as_array().unwrap().len(), w.sato_persons.len()),
                ..r(
                    Method::PUT,
                    format!("/api/v1/users/{target}/assignments"),
                    Some(json!({"person_ids": w.sato_persons})),
                    gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("PUT", "/users/{id}/areas") => {
            let target = if in_scope { "u-suzuki" } else { away_commissioner };
            Row {
                check: |_, _, _, body| assert_eq!(body["area_ids"], json!(["sa-ekimae", "sa-honcho1"])),
                ..r(
                    Method::PUT,
                    format!("/api/v1/users/{target}/areas"),
                    Some(json!({"area_ids": ["sa-honcho1", "sa-ekimae"]})),
                    gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("POST", "/users/{id}/invites") => {
            let target = if in_scope { "u-takahashi" } else { away_volunteer };
            Row {
                check: |_, _, _, body| {
                    assert_eq!(body["code"].as_str().unwrap().len(), 14);
                    assert!(body["qr_svg"].as_str().unwrap().starts_with("<?xml"));
                    assert!(!body["qr_svg"].as_str().unwrap().contains("<script"));
                },
                ..r(
                    Method::POST,
                    format!("/api/v1/users/{target}/invites"),
                    Some(json!({})),
                    gate(&MANAGERS, Expect::Ok(201), Expect::NotFound),
                )
            }
        }
        ("GET", "/devices") => Row {
            check: |w, role, case, body| {
                let devices = body.as_array().unwrap();
                if case == Case::InScope {
                    assert!(devices.iter().any(|d| d["current"] == true), "the asking device is listed");
                } else {
                    assert!(!body.to_string().contains(&w.elsewhere_device));
                    if role == Coordinator {
                        assert!(!body.to_string().contains(&w.south_device), "{body}");
                    }
                }
            },
            ..r(Method::GET, "/api/v1/devices".into(), None, Expect::Ok(200))
        },
        ("DELETE", "/devices/{id}") => Row {
            // In scope: the fresh device revokes itself ("{self}" is filled in at run time).
            fresh_device: true,
            ..r(
                Method::DELETE,
                if in_scope { "/api/v1/devices/{self}".into() } else { format!("/api/v1/devices/{away_device}") },
                None,
                if in_scope { Expect::Ok(204) } else { Expect::NotFound },
            )
        },
        ("POST", "/me/recovery-key") => Row {
            check: |_, _, _, body| {
                assert_eq!(body["key"].as_array().map(Vec::len), Some(32), "{body}");
                assert!(body["device"].as_str().is_some_and(|d| !d.is_empty()), "{body}");
            },
            ..r(Method::POST, "/api/v1/me/recovery-key".into(), None, Expect::Ok(200))
        },
        ("POST", "/me/records-aside") => {
            r(Method::POST, "/api/v1/me/records-aside".into(), Some(json!({"stores": {"persons": 1}})), Expect::Ok(204))
        }
        ("POST", "/devices/{id}/recover") => Row {
            // In scope: a fresh sign-in takes the key of the same user's earlier device
            // ("{previous}": signed in and given a key at run time). Out of scope: another
            // user's device, which has a key too.
            fresh_device: true,
            check: |_, _, _, body| {
                assert_eq!(body["key"].as_array().map(Vec::len), Some(32), "{body}");
            },
            ..r(
                Method::POST,
                if in_scope {
                    "/api/v1/devices/{previous}/recover".into()
                } else {
                    format!("/api/v1/devices/{away_device}/recover")
                },
                None,
                if in_scope { Expect::Ok(200) } else { Expect::NotFound },
            )
        },
        ("GET", "/requests") => Row {
            check: |w, role, case, body| {
                let requests = ids(body, "id");
                assert!(!requests.contains(&w.request_elsewhere));
                if role == Coordinator {
                    assert!(!requests.contains(&w.request_south), "{body}");
                }
                if role == Partner {
                    assert!(!requests.contains(&w.request_unshared), "no consent, no sharing with partners");
                    if case == Case::InScope {
                        assert!(requests.contains(&w.request_shared));
                    }
                }
                if matches!(role, Coordinator | Admin) && case == Case::InScope {
                    assert!(requests.contains(&w.request_shared) && requests.contains(&w.request_unshared));
                }
            },
            ..r(Method::GET, "/api/v1/requests".into(), None, Expect::Ok(200))
        },
        ("PUT", "/requests/{id}") => {
            // Coordinators keep the partner it is referred to; partners send only a status.
            let body = if role == Partner {
                json!({"status": "in_progress"})
            } else {
                json!({"status": "in_progress", "organization_id": "o-yukimi-fukushikai"})
            };
            let target = match (in_scope, role) {
                (true, _) => &w.request_shared,
                (false, Coordinator) => &w.request_south,
                (false, _) => &w.request_elsewhere,
            };
            Row {
                check: |w, _, _, body| {
                    assert_eq!(body["id"], json!(w.request_shared));
                    assert_eq!(body["status"], "in_progress");
                    assert_eq!(body["organization_id"], "o-yukimi-fukushikai");
                },
                ..r(
                    Method::PUT,
                    format!("/api/v1/requests/{target}"),
                    Some(body),
                    gate(&[Coordinator, Admin, Partner], Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("GET", "/activity-reports") => Row {
            // Figures only, and only the asking coordinator's municipality (the other one's
            // commissioner submitted too, in the fixture).
            check: |w, role, _, body| {
                let users: Vec<String> =
                    body.as_array().unwrap().iter().map(|r| r["user"]["id"].as_str().unwrap().to_owned()).collect();
                assert!(!users.contains(&w.elsewhere_user), "{body}");
                if role == Coordinator {
                    assert!(!users.contains(&w.south_commissioner), "{body}");
                }
                assert!(users.contains(&"u-suzuki".to_owned()), "{body}");
            },
            ..r(
                Method::GET,
                "/api/v1/activity-reports?month=2026-11".into(),
                None,
                gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)),
            )
        },
        ("GET", "/activity-reports/export") => Row {
            // Per 地区民児協 and no one named; a coordinator's file holds only her districts.
            check: |_, role, _, body| {
                let csv = body.as_str().unwrap_or_else(|| panic!("a CSV file, got {body}"));
                assert!(csv.starts_with('\u{feff}') && csv.contains("中央地区") && csv.contains("合計"), "{csv}");
                assert!(!csv.contains("鈴木") && !csv.contains("他地区"), "{csv}");
                assert_eq!(csv.contains("南部地区"), role == Admin, "{csv}");
            },
            ..r(
                Method::GET,
                "/api/v1/activity-reports/export?month=2026-11&format=csv".into(),
                None,
                gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)),
            )
        },
        ("GET", "/map") => Row {
            check: |w, role, _, body| {
                let persons = ids(&body["persons"], "id");
                assert!(persons.contains(&w.watched), "{body}");
                assert!(!persons.contains(&w.elsewhere), "another municipality is not on the map");
                if role == Coordinator {
                    assert!(!persons.contains(&w.south_person), "a district not hers is not on her map");
                    let areas = ids(&body["small_areas"], "district_id");
                    assert!(!areas.contains(&w.elsewhere_district));
                }
                assert!(body["tiles"]["url"].as_str().unwrap().contains("{z}"), "{body}");
            },
            ..r(Method::GET, "/api/v1/map".into(), None, gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("GET", "/map/tiles") => Row {
            // The phone map's base tiles: a setting, no personal data; partner staff have no map.
            check: |_, _, _, body| {
                assert!(body["url"].as_str().unwrap().contains("{z}"), "{body}");
                assert_eq!(body["cache_mb"], 50, "{body}");
            },
            ..r(
                Method::GET,
                "/api/v1/map/tiles".into(),
                None,
                gate(&[Volunteer, Commissioner, Coordinator, Admin], Expect::Ok(200), Expect::Ok(200)),
            )
        },
        ("GET", "/map/persons/{id}") => Row {
            check: |w, _, _, body| assert_eq!(body["id"], w.watched.as_str()),
            ..r(
                Method::GET,
                format!("/api/v1/map/persons/{}", person_for(role)),
                None,
                gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
            )
        },
        ("GET", "/conflicts") => Row {
            check: |w, role, case, body| {
                let conflicts = ids(body, "id");
                assert!(!conflicts.contains(&w.conflict_away), "another municipality's conflicts do not exist");
                if role == Coordinator {
                    assert!(!conflicts.contains(&w.conflict_south), "{body}");
                }
                if case == Case::InScope {
                    assert!(conflicts.contains(&w.conflict_here), "{body}");
                }
            },
            ..r(Method::GET, "/api/v1/conflicts".into(), None, gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("POST", "/conflicts/{id}/resolve") => {
            let target = match (in_scope, role) {
                (true, _) => conflict_to_settle(role),
                (false, Coordinator) => w.conflict_south.clone(),
                (false, _) => w.conflict_away.clone(),
            };
            Row {
                // The answer is the conflicts still open: the settled one is gone, the others stay.
                check: |w, role, _, body| {
                    let open = ids(body, "id");
                    assert!(!open.contains(&conflict_to_settle(role)), "{body}");
                    assert!(open.contains(&w.conflict_here), "{body}");
                },
                ..r(
                    Method::POST,
                    format!("/api/v1/conflicts/{target}/resolve"),
                    Some(json!({"keep": "current"})),
                    gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("GET", "/cases") => Row {
            check: |w, role, case, body| {
                let cases = ids(&body["cases"], "id");
                if case == Case::InScope {
                    assert!(cases.contains(&w.case_here), "{body}");
                }
                let out = if role == Coordinator { &w.case_south } else { &w.case_away };
                assert!(!cases.contains(out), "{role:?} must not list {out}: {body}");
                assert!(!cases.contains(&w.case_away), "{body}");
            },
            ..r(Method::GET, "/api/v1/cases".into(), None, gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("GET", "/cases/export") => Row {
            // A named list: the office's own districts only (what it holds is checked in cases.rs).
            check: |w, _, _, body| {
                let csv = body.as_str().unwrap_or_else(|| panic!("a CSV file, got {body}"));
                assert!(csv.starts_with('\u{feff}') && csv.contains("お名前"), "{csv}");
                let _ = w;
            },
            ..r(
                Method::GET,
                "/api/v1/cases/export?format=csv".into(),
                None,
                gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)),
            )
        },
        ("GET", "/reports") | ("GET", "/reports/export") => {
            // Out of scope: a district that is not the user's answers as one that does not exist.
            let district = match (in_scope, role) {
                (true, _) => "d-chuo",
                (false, Coordinator) => "d-nanbu",
                (false, _) => &w.elsewhere_district,
            };
            let export = path == "/reports/export";
            let p = format!(
                "/api/v1/reports{}?from=2026-01&to=2026-12&district={district}{}",
                if export { "/export" } else { "" },
                if export { "&format=csv" } else { "" }
            );
            Row {
                check: |_, _, _, body| match body.as_str() {
                    Some(csv) => assert!(csv.starts_with('\u{feff}') && csv.contains("合計"), "{csv}"),
                    None => assert_eq!(body["months"].as_array().map(Vec::len), Some(12), "{body}"),
                },
                ..r(Method::GET, p, None, gate(&MANAGERS, Expect::Ok(200), Expect::Bad("area_not_found")))
            }
        }
        ("GET", "/cases/{id}") | ("PUT", "/cases/{id}") | ("POST", "/cases/{id}/acknowledge") => {
            let target = match (in_scope, role) {
                (true, _) => w.case_here.as_str(),
                (false, Coordinator) => w.case_south.as_str(),
                (false, _) => w.case_away.as_str(),
            };
            let (m, p, body) = match (method.as_str(), path) {
                ("GET", _) => (Method::GET, format!("/api/v1/cases/{target}"), None),
                ("PUT", _) => (Method::PUT, format!("/api/v1/cases/{target}"), Some(json!({"note": "表の確認"}))),
                _ => (Method::POST, format!("/api/v1/cases/{target}/acknowledge"), None),
            };
            Row {
                check: |w, _, _, body| {
                    assert_eq!(body["summary"]["id"], w.case_here.as_str(), "{body}");
                    assert_eq!(body["summary"]["person_id"], w.watched.as_str(), "{body}");
                },
                ..r(m, p, body, gate(&MANAGERS, Expect::Ok(200), Expect::NotFound))
            }
        }
        ("GET", "/meetings") => Row {
            check: |_, role, _, body| {
                let meetings = ids(body, "id");
                assert!(meetings.contains(&"mt-here".to_owned()), "{body}");
                assert!(!meetings.contains(&"mt-away".to_owned()), "another municipality's: {body}");
                assert_eq!(meetings.contains(&"mt-south".to_owned()), role == Admin, "{body}");
            },
            ..r(Method::GET, "/api/v1/meetings".into(), None, gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("POST", "/meetings") => {
            let target = match (in_scope, role) {
                (true, _) => w.case_here.as_str(),
                (false, Coordinator) => w.case_south.as_str(),
                (false, _) => w.case_away.as_str(),
            };
            Row {
                check: |_, _, _, body| assert_eq!(body["cases"], 1, "{body}"),
                ..r(
                    Method::POST,
                    "/api/v1/meetings".into(),
                    Some(json!({"held_on": "2026-12-24", "case_ids": [target]})),
                    gate(&MANAGERS, Expect::Ok(201), Expect::Bad("invalid_meeting")),
                )
            }
        }
        ("GET", "/meetings/{id}")
        | ("PUT", "/meetings/{id}")
        | ("POST", "/meetings/{id}/printed")
        | ("POST", "/meetings/{id}/decisions") => {
            let target = match (in_scope, role) {
                (true, _) => "mt-here",
                (false, Coordinator) => "mt-south",
                (false, _) => "mt-away",
            };
            let (m, p, body, ok) = match (method.as_str(), path) {
                ("GET", _) => (Method::GET, format!("/api/v1/meetings/{target}?audience=partners"), None, 200),
                ("PUT", _) => (
                    Method::PUT,
                    format!("/api/v1/meetings/{target}"),
                    Some(json!({"held_on": "2026-12-25", "title": "表の確認", "case_ids": [w.case_here]})),
                    200,
                ),
                (_, "/meetings/{id}/printed") => {
                    (Method::POST, format!("/api/v1/meetings/{target}/printed?audience=office"), None, 204)
                }
                _ => (
                    Method::POST,
                    format!("/api/v1/meetings/{target}/decisions"),
                    Some(json!([{"case_id": w.case_here, "update": {"note": "検討会で確認"}}])),
                    200,
                ),
            };
            Row {
                check: |w, _, _, body| {
                    if let Some(items) = body.get("items") {
                        assert_eq!(items[0]["case_id"], w.case_here.as_str(), "{body}");
                    } else if let Some(held_on) = body.get("held_on") {
                        assert_eq!((held_on.as_str(), body["cases"].as_u64()), (Some("2026-12-25"), Some(1)), "{body}");
                    } else if let Some(outcomes) = body.as_array() {
                        assert!(outcomes[0]["error"].is_null(), "{body}");
                    }
                },
                ..r(m, p, body, gate(&MANAGERS, Expect::Ok(ok), Expect::NotFound))
            }
        }
        ("GET", "/events") => Row {
            check: |_, role, _, body| {
                let events = ids(body, "id");
                assert!(events.contains(&"ev-here".to_owned()), "{body}");
                assert!(!events.contains(&"ev-away".to_owned()), "another municipality's: {body}");
                assert_eq!(events.contains(&"ev-south".to_owned()), role == Admin, "{body}");
            },
            ..r(Method::GET, "/api/v1/events".into(), None, gate(&MANAGERS, Expect::Ok(200), Expect::Ok(200)))
        },
        ("POST", "/events") => {
            // Each manager starts one over an area of their own that no open event covers; out of
            // scope, an area of 南部 (the coordinator's) or of another town (the admin's).
            let area = match (in_scope, role) {
                (true, Admin) => "sa-sugisawa",
                (true, _) => "sa-uenodai",
                (false, Coordinator) => "sa-nitta",
                (false, _) => w.elsewhere_area.as_str(),
            };
            Row {
                check: |_, _, _, body| assert_eq!(body["areas"].as_array().map(Vec::len), Some(1), "{body}"),
                ..r(
                    Method::POST,
                    "/api/v1/events".into(),
                    Some(json!({"name": "訓練", "kind": "earthquake", "small_area_ids": [area], "drill": true})),
                    gate(&MANAGERS, Expect::Ok(201), Expect::Bad("area_not_found")),
                )
            }
        }
        ("POST", "/events/{id}/checkers") => {
            let target = match (in_scope, role) {
                (true, _) => "ev-here",
                (false, Coordinator) => "ev-south",
                (false, _) => "ev-away",
            };
            Row {
                check: |_, _, _, body| assert!(body["persons"].is_u64(), "{body}"),
                ..r(
                    Method::POST,
                    format!("/api/v1/events/{target}/checkers"),
                    Some(json!({"to": w.spare_volunteer, "from": w.spare_commissioner})),
                    gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("GET", "/events/{id}/export") => {
            let target = match (in_scope, role) {
                (true, _) => "ev-here",
                (false, Coordinator) => "ev-south",
                (false, _) => "ev-away",
            };
            Row {
                check: |_, _, _, body| {
                    let csv = body.as_str().unwrap_or_else(|| panic!("a CSV file, got {body}"));
                    assert!(csv.starts_with('\u{feff}') && csv.contains("氏名,フリガナ,住所"), "{csv}");
                },
                ..r(
                    Method::GET,
                    format!("/api/v1/events/{target}/export?format=csv"),
                    None,
                    gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("GET", "/events/{id}") | ("POST", "/events/{id}/areas") | ("POST", "/events/{id}/close") => {
            let target = match (in_scope, role, path) {
                (true, _, "/events/{id}/close") => format!("ev-close-{}", role.login()),
                (true, _, _) => "ev-here".to_owned(),
                (false, Coordinator, _) => "ev-south".to_owned(),
                (false, _, _) => "ev-away".to_owned(),
            };
            let (m, p, body) = match path {
                "/events/{id}" => (Method::GET, format!("/api/v1/events/{target}"), None),
                "/events/{id}/areas" => (
                    Method::POST,
                    format!("/api/v1/events/{target}/areas"),
                    Some(json!({"small_area_ids": ["sa-kawabata"]})),
                ),
                _ => (Method::POST, format!("/api/v1/events/{target}/close"), None),
            };
            Row {
                check: |_, _, _, body| {
                    let event = body.get("event").unwrap_or(body);
                    assert!(
                        event["id"].as_str().is_some_and(|id| id == "ev-here" || id.starts_with("ev-close-")),
                        "{body}"
                    );
                    assert!(event["areas"].as_array().is_some_and(|a| !a.is_empty()), "{body}");
                },
                ..r(m, p, body, gate(&MANAGERS, Expect::Ok(200), Expect::NotFound))
            }
        }
        ("PUT", "/me/password") => r(
            // Everyone with a session may try; a wrong current password is all the matrix risks (a
            // success would sign out its other devices). security.rs covers the change itself.
            Method::PUT,
            "/api/v1/me/password".into(),
            Some(json!({"current": "not the password", "new": "a brand new passphrase"})),
            Expect::Bad("wrong_current_password"),
        ),
        ("POST", "/users/{id}/disable") | ("POST", "/users/{id}/enable") => {
            let target = if in_scope { w.spare_volunteer.as_str() } else { away_volunteer };
            let verb = path.rsplit('/').next().unwrap();
            Row {
                check: |_, _, _, body| assert!(body["disabled"].is_boolean(), "{body}"),
                ..r(
                    Method::POST,
                    format!("/api/v1/users/{target}/{verb}"),
                    None,
                    gate(&MANAGERS, Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("POST", "/users/{id}/password") => {
            let target = if in_scope { w.spare_commissioner.as_str() } else { away_commissioner };
            Row {
                check: |_, _, _, body| assert_eq!(body["must_change_password"], true, "{body}"),
                ..r(
                    Method::POST,
                    format!("/api/v1/users/{target}/password"),
                    Some(json!({"password": "temporary passphrase"})),
                    gate(&[Admin], Expect::Ok(200), Expect::NotFound),
                )
            }
        }
        ("GET", "/security-events") => Row {
            check: |_, _, case, body| {
                assert!(!body.to_string().contains(ELSEWHERE_EVENT), "another municipality's events: {body}");
                if case == Case::InScope {
                    assert!(!body.as_array().unwrap().is_empty());
                }
            },
            ..r(Method::GET, "/api/v1/security-events".into(), None, gate(&[Admin], Expect::Ok(200), Expect::Ok(200)))
        },
        (m, p) => panic!("no authorization-matrix row for {m} {p}: decide who may use it, then add it here"),
    }
}

/// Public endpoints answer the same to everyone.
fn is_public(method: &Method, path: &str) -> bool {
    matches!((method.as_str(), path), ("GET", "/health") | ("POST", "/session") | ("POST", "/enroll"))
}

async fn build_world(app: &TestApp) -> World {
    let s = app.storage().await;
    let tanaka = app.signed_in("tanaka").await;
    let sato = app.signed_in("sato").await;
    let sato_persons = person_ids(&app.pull(&sato, 0).await);
    let suzuki_persons = person_ids(&app.pull(&app.signed_in("suzuki").await, 0).await);
    let takahashi_persons = person_ids(&app.pull(&app.signed_in("takahashi").await, 0).await);
    let watched = sato_persons[0].clone();
    let area_only = suzuki_persons.iter().find(|p| !sato_persons.contains(p)).unwrap().clone();
    let other_area = takahashi_persons[0].clone();
    // Another municipality with its own person, organisation, volunteer (with a device) and request.
    for (sql, binds) in [
        ("INSERT INTO municipalities (id, prefecture, name) VALUES ('m-other', '秋田県', '他町')", vec![]),
        ("INSERT INTO districts (id, municipality_id, name) VALUES ('d-other', 'm-other', '他地区')", vec![]),
        ("INSERT INTO small_areas (id, district_id, name) VALUES ('sa-other', 'd-other', '他町内会')", vec![]),
        (
            "INSERT INTO persons (id, small_area_id, name, kana, address, lat, lng, consent_record,
                consent_share_partners) VALUES ('p-other', 'sa-other', '他町 太郎', 'たちょう たろう', '他町 1-1',
                39.5, 140.1, 1, 1)",
            vec![],
        ),
        ("INSERT INTO organizations (id, municipality_id, name) VALUES ('o-other', 'm-other', '他町の法人')", vec![]),
        (
            "INSERT INTO users (id, login, display_name, role, municipality_id) VALUES
                ('u-other', 'other-volunteer', '他町 ボランティア', 'volunteer', 'm-other')",
            vec![],
        ),
        (
            // With a recovery key: another user's fresh sign-in must still not be given it.
            "INSERT INTO devices (id, user_id, token_hash, created_at, last_seen_at, recovery_key) VALUES
                ('dev-other', 'u-other', 'not-a-real-hash', 0, 0, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')",
            vec![],
        ),
        // 活動記録 for November from a 民生委員 here and the other municipality's user.
        (
            "INSERT INTO activity_reports (user_id, month, report, submitted_at) VALUES
                ('u-suzuki', '2026-11', ?, 0), ('u-other', '2026-11', ?, 0)",
            vec![REPORT, REPORT],
        ),
        (
            "INSERT INTO requests (id, person_id, raised_by, need, status, organization_id, created_at, updated_at)
             VALUES ('r-elsewhere', 'p-other', 'u-other', 'snow_removal', 'received', 'o-other', 0, 0)",
            vec![],
        ),
    ] {
        app.exec(&s, sql, &binds).await;
    }
    // A request referred to the partner for a person who did not agree to sharing with partners.
    let unshared: String = sqlx::query_scalar(&s.sql(
        "SELECT id FROM persons WHERE consent_record = 1 AND consent_share_partners = 0
         AND small_area_id NOT IN ('sa-nitta', 'sa-sanno') ORDER BY id LIMIT 1",
    ))
    .fetch_one(s.pool())
    .await
    .unwrap();
    app.exec(
        &s,
        "INSERT INTO requests (id, person_id, raised_by, need, status, organization_id, created_at, updated_at)
         VALUES ('r-unshared', ?, 'u-suzuki', 'shopping', 'received', 'o-yukimi-fukushikai', 1, 1)",
        &[unshared.as_str()],
    )
    .await;
    let referred: String = sqlx::query_scalar(&s.sql("SELECT person_id FROM requests WHERE id = 'r-0001'"))
        .fetch_one(s.pool())
        .await
        .unwrap();
    // Open conflicts: one on the watched person that stays, one each for the managers to settle,
    // and one in the other municipality.
    let conflicts = [
        ("c-here", watched.as_str(), "u-suzuki"),
        ("c-settle-tanaka", watched.as_str(), "u-suzuki"),
        ("c-settle-watanabe", watched.as_str(), "u-suzuki"),
        ("c-away", "p-other", "u-other"),
    ];
    for (id, person, by) in conflicts {
        app.exec(
            &s,
            "INSERT INTO conflicts (id, person_id, field, other_value, other_by, other_base, mutation_id, created_at)
             VALUES (?, ?, 'phone', ?, ?, 0, ?, 1)",
            &[id, person, r#"{"field":"phone","value":"0185-00-9999"}"#, by, &format!("m-{id}")],
        )
        .await;
    }
    // 田中さん works in 北部 and 中央; 南部 is someone else's. Its people, for her out-of-scope rows.
    let south_person: String = sqlx::query_scalar(
        &s.sql("SELECT id FROM persons WHERE small_area_id = 'sa-nitta' AND consent_record = 1 ORDER BY id LIMIT 1"),
    )
    .fetch_one(s.pool())
    .await
    .unwrap();
    for (sql, binds) in [
        ("DELETE FROM staff_districts WHERE user_id = 'u-tanaka' AND district_id = 'd-nanbu'", vec![]),
        (
            "INSERT INTO users (id, login, display_name, role, municipality_id, created_by) VALUES
                ('u-south-vol', 'south-vol', '南部 ボランティア', 'volunteer', 'm-yukimi', 'u-watanabe'),
                ('u-south-com', 'south-com', '南部 民生委員', 'commissioner', 'm-yukimi', 'u-watanabe'),
                ('u-spare', 'spare', '予備 ボランティア', 'volunteer', 'm-yukimi', 'u-watanabe')",
            vec![],
        ),
        (
            "INSERT INTO users (id, login, display_name, role, password_hash, municipality_id)
             SELECT 'u-spare-com', 'spare-com', '予備 民生委員', 'commissioner', password_hash, municipality_id
             FROM users WHERE id = 'u-suzuki'",
            vec![],
        ),
        ("INSERT INTO assignments (user_id, person_id) VALUES ('u-south-vol', ?)", vec![south_person.as_str()]),
        ("INSERT INTO assignments (user_id, person_id) VALUES ('u-spare', ?)", vec![watched.as_str()]),
        (
            "INSERT INTO commissioner_areas (user_id, small_area_id) VALUES ('u-south-com', 'sa-nitta'),
                ('u-spare-com', 'sa-kawabata')",
            vec![],
        ),
        (
            "INSERT INTO devices (id, user_id, token_hash, created_at, last_seen_at, recovery_key) VALUES
                ('dev-south', 'u-south-vol', 'not-a-real-hash-south', 0, 0, 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')",
            vec![],
        ),
        (
            "INSERT INTO activity_reports (user_id, month, report, submitted_at) VALUES ('u-south-com', '2026-11', ?, 0)",
            vec![REPORT],
        ),
        (
            "INSERT INTO requests (id, person_id, raised_by, need, status, created_at, updated_at)
             VALUES ('r-south', ?, 'u-south-com', 'snow_removal', 'received', 0, 0)",
            vec![south_person.as_str()],
        ),
        (
            "INSERT INTO security_log (at, municipality_id, action, detail) VALUES (1, 'm-other', 'sign_in', ?)",
            vec![ELSEWHERE_EVENT],
        ),
    ] {
        app.exec(&s, sql, &binds).await;
    }
    app.exec(
        &s,
        "INSERT INTO conflicts (id, person_id, field, other_value, other_by, other_base, mutation_id, created_at)
         VALUES ('c-south', ?, 'phone', ?, 'u-south-com', 0, 'm-c-south', 1)",
        &[&south_person, r#"{"field":"phone","value":"0185-00-9999"}"#],
    )
    .await;
    // 要対応 cases: the watched person's (the demo's requests may have opened it already), one in
    // 南部 and one in the other municipality.
    app.exec(
        &s,
        "INSERT INTO cases (id, person_id, status, urgent, opened_at, awaiting_since, updated_at)
         SELECT 'k-here', ?, 'open', 1, 1, 1, 1 WHERE NOT EXISTS
             (SELECT 1 FROM cases WHERE person_id = ? AND status IN ('open', 'in_progress'))",
        &[&watched, &watched],
    )
    .await;
    app.exec(
        &s,
        "INSERT INTO cases (id, person_id, status, urgent, opened_at, awaiting_since, updated_at)
         VALUES ('k-south', ?, 'open', 1, 1, 1, 1), ('k-away', 'p-other', 'open', 1, 1, 1, 1)",
        &[&south_person],
    )
    .await;
    let case_here: String =
        sqlx::query_scalar(&s.sql("SELECT id FROM cases WHERE person_id = ? AND status IN ('open', 'in_progress')"))
            .bind(&watched)
            .fetch_one(s.pool())
            .await
            .unwrap();
    // 個別ケース検討会: one over the watched person's case, one over 南部's, one in the other municipality.
    app.exec(
        &s,
        "INSERT INTO meetings (id, municipality_id, held_on, title, created_by, created_at) VALUES
            ('mt-here', 'm-yukimi', '2026-12-10', '', 'u-watanabe', 1),
            ('mt-south', 'm-yukimi', '2026-12-10', '', 'u-watanabe', 1),
            ('mt-away', 'm-other', '2026-12-10', '', 'u-other', 1)",
        &[],
    )
    .await;
    app.exec(
        &s,
        "INSERT INTO meeting_cases (meeting_id, case_id, position) VALUES
            ('mt-here', ?, 0), ('mt-south', 'k-south', 0), ('mt-away', 'k-away', 0)",
        &[&case_here],
    )
    .await;
    // 安否確認 events: one over 中央's 川端 (and over 駅前 one for each manager to close), one over 南部, one in
    // the other municipality.
    app.exec(
        &s,
        "INSERT INTO disaster_events (id, municipality_id, name, kind, alert_hours, started_by, started_at) VALUES
            ('ev-here', 'm-yukimi', '訓練', 'earthquake', 6, 'u-watanabe', 1),
            ('ev-close-tanaka', 'm-yukimi', '訓練', 'earthquake', 6, 'u-watanabe', 1),
            ('ev-close-watanabe', 'm-yukimi', '訓練', 'earthquake', 6, 'u-watanabe', 1),
            ('ev-south', 'm-yukimi', '南部', 'flood', 6, 'u-watanabe', 1),
            ('ev-away', 'm-other', '他町', 'flood', 6, 'u-other', 1)",
        &[],
    )
    .await;
    app.exec(
        &s,
        "INSERT INTO disaster_event_areas (event_id, small_area_id) VALUES ('ev-here', 'sa-kawabata'),
            ('ev-close-tanaka', 'sa-ekimae'), ('ev-close-watanabe', 'sa-ekimae'), ('ev-south', 'sa-nitta'),
            ('ev-away', 'sa-other')",
        &[],
    )
    .await;
    let detail: Value =
        tanaka.get(app.url(&format!("/api/v1/persons/{watched}"))).send().await.unwrap().json().await.unwrap();
    World {
        watched,
        area_only,
        other_area,
        elsewhere: "p-other".into(),
        referred,
        unshared_person: unshared,
        request_shared: "r-0001".into(),
        request_unshared: "r-unshared".into(),
        request_elsewhere: "r-elsewhere".into(),
        elsewhere_district: "d-other".into(),
        elsewhere_area: "sa-other".into(),
        elsewhere_org: "o-other".into(),
        elsewhere_user: "u-other".into(),
        elsewhere_device: "dev-other".into(),
        watched_fields: detail["fields"].clone(),
        sato_persons,
        conflict_here: "c-here".into(),
        conflict_away: "c-away".into(),
        south_person,
        south_volunteer: "u-south-vol".into(),
        south_commissioner: "u-south-com".into(),
        south_device: "dev-south".into(),
        request_south: "r-south".into(),
        conflict_south: "c-south".into(),
        spare_volunteer: "u-spare".into(),
        spare_commissioner: "u-spare-com".into(),
        case_here,
        case_south: "k-south".into(),
        case_away: "k-away".into(),
    }
}

/// The same text with every out-of-scope id of the fixture replaced by one that does not exist.
fn as_absent(w: &World, text: &str) -> String {
    text.replace(&w.elsewhere, "p-doesnotexist")
        .replace(&w.other_area, "p-doesnotexist")
        .replace(&w.area_only, "p-doesnotexist")
        .replace(&w.unshared_person, "p-doesnotexist")
        .replace(&w.elsewhere_user, "u-doesnotexist")
        .replace(&w.elsewhere_device, "dev-doesnotexist")
        .replace(&w.conflict_away, "c-doesnotexist")
        .replace(&w.request_elsewhere, "r-doesnotexist")
        .replace(&w.south_person, "p-doesnotexist")
        .replace(&w.south_volunteer, "u-doesnotexist")
        .replace(&w.south_commissioner, "u-doesnotexist")
        .replace(&w.south_device, "dev-doesnotexist")
        .replace(&w.request_south, "r-doesnotexist")
        .replace(&w.conflict_south, "c-doesnotexist")
        .replace(&w.case_south, "k-doesnotexist")
        .replace(&w.case_away, "k-doesnotexist")
        .replace("mt-south", "mt-doesnotexist")
        .replace("mt-away", "mt-doesnotexist")
        .replace("ev-south", "ev-doesnotexist")
        .replace("ev-away", "ev-doesnotexist")
}

async fn send(app: &TestApp, client: &reqwest::Client, row: &Row, path: &str) -> (u16, Value) {
    let mut req = client.request(row.method.clone(), app.url(path));
    if let Some(body) = &row.body {
        req = req.json(body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    (status, body)
}

/// The device id of a freshly signed-in client (its own entry in `/devices`).
async fn own_device_id(app: &TestApp, client: &reqwest::Client) -> String {
    let devices: Value = client.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
    let current = devices.as_array().unwrap().iter().find(|d| d["current"] == true).expect("current device listed");
    current["id"].as_str().unwrap().to_owned()
}

async fn every_endpoint_answers_every_role_as_the_matrix_says(app: TestApp) {
    let world = build_world(&app).await;
    let coordinator = app.signed_in("tanaka").await;
    let admin = app.signed_in("watanabe").await;
    let mut clients = Vec::new();
    for role in ROLES {
        clients.push((role, app.signed_in(role.login()).await));
    }
    let mut checked = 0;
    for (method, path) in mimamori_server::routes::endpoints() {
        for (role, client) in &clients {
            let role = *role;
            for case in [Case::InScope, Case::OutOfScope, Case::Unauthenticated, Case::Revoked] {
                let row = row(&world, &method, path, role, case);
                let ctx = format!("{method} {path} as {role:?} ({case:?})");
                if let Some(person) = &row.needs_consent {
                    let res = coordinator
                        .post(app.url(&format!("/api/v1/persons/{person}/consents")))
                        .json(&consent_body())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 200, "{ctx}: preparing consent");
                }
                let fresh;
                let client = match case {
                    Case::Unauthenticated => {
                        fresh = app.device();
                        &fresh
                    }
                    Case::Revoked => {
                        fresh = app.signed_in(role.login()).await;
                        let id = own_device_id(&app, &fresh).await;
                        let res = admin.delete(app.url(&format!("/api/v1/devices/{id}"))).send().await.unwrap();
                        assert_eq!(res.status(), 204, "{ctx}: the admin revokes the device");
                        &fresh
                    }
                    _ if row.fresh_device => {
                        fresh = app.signed_in(role.login()).await;
                        &fresh
                    }
                    _ => client,
                };
                let mut path_now = row.path.clone();
                if path_now.contains("{self}") {
                    let id = if case == Case::InScope { own_device_id(&app, client).await } else { "dev-x".into() };
                    path_now = path_now.replace("{self}", &id);
                }
                if path_now.contains("{previous}") {
                    // An earlier device of the same user, which asked for a recovery key.
                    let previous = app.signed_in(role.login()).await;
                    let res = previous.post(app.url("/api/v1/me/recovery-key")).send().await.unwrap();
                    assert_eq!(res.status(), 200, "{ctx}: the earlier device's key");
                    let key: Value = res.json().await.unwrap();
                    path_now = path_now.replace("{previous}", key["device"].as_str().unwrap());
                }
                let (status, body) = send(&app, client, &row, &path_now).await;
                let expect = match case {
                    Case::Unauthenticated if !is_public(&method, path) => Expect::Unauthorized("unauthenticated"),
                    // The revoked device is told so: its app wipes the personal data it holds.
                    Case::Revoked if !is_public(&method, path) => Expect::Unauthorized("device_revoked"),
                    _ => row.expect,
                };
                match expect {
                    Expect::Ok(code) => {
                        assert_eq!(status, code, "{ctx}: {body}");
                        if body != Value::Null && !(method == Method::GET && path == "/health") {
                            (row.check)(&world, role, case, &body);
                        }
                    }
                    Expect::Forbidden => {
                        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{ctx}: {body}")
                    }
                    Expect::Bad(code) => {
                        assert_eq!((status, body["error"]["code"].as_str()), (400, Some(code)), "{ctx}: {body}")
                    }
                    Expect::Unauthorized(code) => {
                        assert_eq!((status, body["error"]["code"].as_str()), (401, Some(code)), "{ctx}: {body}")
                    }
                    Expect::NotFound => {
                        assert_eq!(status, 404, "{ctx}: {body}");
                        // Out of scope must be indistinguishable from absent.
                        let absent_path = as_absent(&world, &path_now);
                        assert_ne!(absent_path, path_now, "{ctx}: the out-of-scope id is in the path");
                        let (absent_status, absent_body) = send(&app, client, &row, &absent_path).await;
                        assert_eq!((absent_status, &absent_body), (404, &body), "{ctx}: differs from a missing id");
                    }
                    Expect::Absent => {
                        assert_eq!(status, 200, "{ctx}: {body}");
                        (row.check)(&world, role, case, &body);
                        // The out-of-scope ids are in the request body: ask again with absent ones.
                        let asked = row.body.as_ref().expect("an Absent row sends ids in its body").to_string();
                        let absent_body: Value = serde_json::from_str(&as_absent(&world, &asked)).unwrap();
                        assert_ne!(absent_body.to_string(), asked, "{ctx}: the out-of-scope id is in the body");
                        let absent_row = Row { body: Some(absent_body), ..row };
                        let answer = send(&app, client, &absent_row, &path_now).await;
                        assert_eq!(answer, (200, body), "{ctx}: differs from asking for a missing id");
                    }
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, mimamori_server::routes::endpoints().len() * ROLES.len() * 4);
}

on_both_databases!(every_endpoint_answers_every_role_as_the_matrix_says);
