//! 災害時の安否確認 through the API, on SQLite and PostgreSQL: while an event is open a volunteer's
//! list grows to the 要援護 persons of their small areas who agreed to `share_disaster` (all of them
//! when an admin widened it, with a reason), and shrinks back when it closes; confirmations are
//! stored once however often they are pushed, both of two checkers' are kept, one that arrives
//! after the close is kept and marked late, one for a person not on the list is refused with the
//! reason; a second event over the same areas is refused in favour of adding areas to the first;
//! the summary downloads as CSV and Excel, each person in it audited.
//!
//! The demo town: 佐藤さん (volunteer) watches five persons in 本町一丁目, 鈴木さん (民生委員) covers
//! 本町一丁目 and 駅前, 高橋さん (volunteer) watches in 杉沢. Each test sets the flags it relies on.

mod common;
use calamine::{Data, Reader, Xlsx};
use common::*;
use serde_json::{json, Value};

/// Persons of 本町一丁目 that 佐藤さん does not watch: `(with share_disaster, without)`, both 要援護;
/// one of 佐藤さん's own, made 要援護; and a 要援護 person of 駅前 with consent (not 佐藤さん's area).
struct Fixture {
    consenting: String,
    unconsenting: String,
    own: String,
    other_area: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    let s = app.storage().await;
    let pick = |sql: &'static str| {
        let s = s.clone();
        async move { sqlx::query_scalar::<_, String>(&s.sql(sql)).fetch_all(s.pool()).await.unwrap() }
    };
    let strangers = pick(
        "SELECT p.id FROM persons p WHERE p.small_area_id = 'sa-honcho1' AND p.active = 1
         AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.person_id = p.id) ORDER BY p.id",
    )
    .await;
    let own = pick("SELECT a.person_id FROM assignments a WHERE a.user_id = 'u-sato' ORDER BY a.person_id").await;
    let ekimae = pick("SELECT p.id FROM persons p WHERE p.small_area_id = 'sa-ekimae' ORDER BY p.id").await;
    let f = Fixture {
        consenting: strangers[0].clone(),
        unconsenting: strangers[1].clone(),
        own: own[0].clone(),
        other_area: ekimae[0].clone(),
    };
    app.exec(&s, "UPDATE persons SET needs_evacuation_help = 0", &[]).await;
    for (p, share) in [(&f.consenting, true), (&f.unconsenting, false), (&f.own, true), (&f.other_area, true)] {
        let sql = format!(
            "UPDATE persons SET needs_evacuation_help = 1, consent_share_disaster = {} WHERE id = ?",
            i32::from(share)
        );
        app.exec(&s, &sql, &[p]).await;
    }
    f
}

async fn start(app: &TestApp, c: &reqwest::Client, body: Value) -> reqwest::Response {
    c.post(app.url("/api/v1/events")).json(&body).send().await.unwrap()
}

async fn started(app: &TestApp, c: &reqwest::Client, areas: &[&str]) -> String {
    let res =
        start(app, c, json!({"name": "大雨（訓練）", "kind": "flood", "small_area_ids": areas, "drill": true})).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

fn confirm(event: &str, person: &str, status: &str, more: Value) -> Value {
    let mut c = json!({
        "id": uuid::Uuid::new_v4().to_string(), "event_id": event, "person_id": person, "status": status,
        "recorded_at": now_ms(),
    });
    for (k, v) in more.as_object().unwrap() {
        c[k] = v.clone();
    }
    json!({"type": "confirm_safety", "confirmation": c})
}

async fn board(app: &TestApp, c: &reqwest::Client, event: &str) -> Value {
    let res = c.get(app.url(&format!("/api/v1/events/{event}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn listed(pull: &Value) -> Vec<String> {
    let events = pull["events"].as_array().unwrap();
    events
        .iter()
        .flat_map(|e| e["persons"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()))
        .collect()
}

fn error_code(res: &Value, i: usize) -> &str {
    res["results"][i]["error"]["code"].as_str().unwrap_or("")
}

async fn an_event_lends_a_volunteer_the_consenting_persons_of_their_area_until_it_closes(app: TestApp) {
    let f = fixture(&app).await;
    let (sato, suzuki, tanaka, takahashi) = (
        app.signed_in("sato").await,
        app.signed_in("suzuki").await,
        app.signed_in("tanaka").await,
        app.signed_in("takahashi").await,
    );
    let before = app.pull(&sato, 0).await;
    assert!(!person_ids(&before).contains(&f.consenting));
    assert_eq!(before["events"], json!([]), "no event, no list");

    let event = started(&app, &tanaka, &["sa-honcho1", "sa-ekimae"]).await;
    let pull = app.pull(&sato, 0).await;
    let scope = person_ids(&pull);
    assert!(scope.contains(&f.consenting), "lent by the event");
    assert!(!scope.contains(&f.unconsenting), "no share_disaster, no widening: not lent");
    assert!(!scope.contains(&f.other_area), "駅前 is not where 佐藤さん watches anyone");
    let e = &pull["events"][0];
    assert_eq!(
        (e["id"].as_str(), e["drill"].as_bool(), e["kind"].as_str()),
        (Some(event.as_str()), Some(true), Some("flood"))
    );
    let mut list = listed(&pull);
    list.sort();
    let mut expected = vec![f.consenting.clone(), f.own.clone()];
    expected.sort();
    assert_eq!(list, expected, "要援護 only, own and lent");
    assert_eq!(e["extra"], json!([f.consenting]), "the lent one is marked, to leave with the event");
    // The lent person's record can be fetched like any in scope.
    assert_eq!(app.fetch_person(&sato, &f.consenting).await["id"], f.consenting.as_str());
    assert_eq!(app.pull(&takahashi, 0).await["events"], json!([]), "杉沢 is not in the event");
    let mut commissioner = listed(&app.pull(&suzuki, 0).await);
    commissioner.sort();
    let mut all = vec![f.consenting.clone(), f.unconsenting.clone(), f.own.clone(), f.other_area.clone()];
    all.sort();
    assert_eq!(commissioner, all, "the 民生委員 has every 要援護 person of the areas, as always");

    // One tap, pushed twice: stored once. The 民生委員 confirms the same person later: both kept.
    let safe = confirm(&event, &f.consenting, "safe_home", json!({}));
    let (_, res) = app.push_mutations(&sato, std::slice::from_ref(&safe), None).await;
    assert_eq!(statuses(&res), ["applied"]);
    let (_, res) = app.push_mutations(&sato, &[safe], None).await;
    assert_eq!(statuses(&res), ["duplicate"]);
    let s = app.storage().await;
    assert_eq!(
        app.count(&s, "SELECT COUNT(*) FROM safety_confirmations WHERE person_id = ?", &[&f.consenting]).await,
        1
    );
    let support =
        confirm(&event, &f.consenting, "needs_support", json!({"needs": ["medicine"], "note": "薬があと2日分"}));
    let (_, res) = app.push_mutations(&suzuki, &[support], None).await;
    assert_eq!(statuses(&res), ["applied"]);
    let (_, res) = app
        .push_mutations(
            &sato,
            &[json!({"type": "report_self", "id": uuid::Uuid::new_v4().to_string(),
        "event_id": event, "state": "safe"})],
            None,
        )
        .await;
    assert_eq!(statuses(&res), ["applied"]);

    // Not on 佐藤さん's list: refused one by one, with the reason the phone shows.
    let (_, res) = app
        .push_mutations(
            &sato,
            &[
                confirm(&event, &f.unconsenting, "safe_home", json!({})),
                confirm(&event, &f.other_area, "safe_home", json!({})),
                confirm("ev-none", &f.own, "safe_home", json!({})),
                confirm(&event, &f.own, "unreachable", json!({})),
            ],
            None,
        )
        .await;
    assert_eq!(statuses(&res), ["rejected", "rejected", "rejected", "applied"]);
    assert_eq!(
        (error_code(&res, 0), error_code(&res, 1), error_code(&res, 2)),
        ("person_not_in_event", "person_not_in_event", "event_not_found")
    );
    assert!(res["results"][0]["error"]["message_ja"].as_str().unwrap().contains("対象ではありません"));

    // Both checkers' confirmations reach the phone; the newest is the status everywhere.
    let pull = app.pull(&sato, 0).await;
    let held: Vec<&str> = pull["events"][0]["confirmations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["person_id"] == f.consenting.as_str())
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(held, ["safe_home", "needs_support"]);
    assert_eq!(pull["events"][0]["my_state"], "safe");
    let b = board(&app, &tanaka, &event).await;
    let row = b["persons"].as_array().unwrap().iter().find(|p| p["id"] == f.consenting.as_str()).unwrap().clone();
    assert_eq!((row["latest"]["status"].as_str(), row["confirmations"].as_u64()), (Some("needs_support"), Some(2)));
    assert_eq!(b["total"]["persons"], 4);
    assert_eq!(b["total"]["unconfirmed"], 2, "{}", b["total"]);
    // The office's list of events counts the same: 4 persons on the lists there, 2 confirmed.
    let events: Value = tanaka.get(app.url("/api/v1/events")).send().await.unwrap().json().await.unwrap();
    let listed_event = events.as_array().unwrap().iter().find(|e| e["id"] == event.as_str()).unwrap();
    assert_eq!((listed_event["persons"].as_u64(), listed_event["confirmed"].as_u64()), (Some(4), Some(2)));
    assert_eq!(b["total"]["by_status"]["needs_support"], 1);
    assert_eq!(b["total"]["by_status"]["unreachable"], 1);
    let first = &b["persons"][0];
    assert!(first["latest"].is_null(), "the unconfirmed come first: {first}");
    let honcho = b["tallies"].as_array().unwrap().iter().find(|t| t[0] == "sa-honcho1").unwrap();
    assert_eq!(honcho[1]["persons"], 3);
    assert_eq!(b["responders"][0]["name"], "佐藤 花子");
    // A drill's 要支援 is on the drill's board only: no 要対応 case (see the test of a real event).
    let cases: Value = tanaka.get(app.url("/api/v1/cases")).send().await.unwrap().json().await.unwrap();
    let signals = |cases: &Value| -> Vec<String> {
        cases["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["last_signal"]["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!signals(&cases).iter().any(|k| k == "safety"), "a drill opened a case: {cases}");
    // The board read is in the person's audit log.
    assert!(
        app.count(
            &s,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'safety.board' AND person_id = ?",
            &[&f.consenting]
        )
        .await
            >= 1
    );

    // Closing: the lent person leaves 佐藤さん's phone with the event; the office keeps everything.
    let res = tanaka.post(app.url(&format!("/api/v1/events/{event}/close"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let pull = app.pull(&sato, 0).await;
    assert!(!person_ids(&pull).contains(&f.consenting));
    assert!(person_ids(&pull).contains(&f.own));
    assert_eq!(pull["events"], json!([]));
    let fetched = app.fetch_persons(&sato, std::slice::from_ref(&f.consenting), None).await;
    assert_eq!(fetched["persons"], json!([]), "no longer theirs to fetch");
    let again = tanaka.post(app.url(&format!("/api/v1/events/{event}/close"))).send().await.unwrap();
    assert_json_error(again, 409, "event_closed").await;
    // A confirmation made before the close that arrives after it is kept, marked late.
    let (_, res) = app
        .push_mutations(
            &sato,
            &[confirm(
                &event,
                &f.consenting,
                "safe_evacuated",
                // Where the checker stood (この場所を記録): kept, and shown on the board and in the files.
                json!({"shelter": "relatives", "location": {"lat": 39.7213, "lng": 140.1042, "accuracy_m": 12.0}}),
            )],
            None,
        )
        .await;
    assert_eq!(statuses(&res), ["applied"], "{res}");
    assert_eq!(
        app.count(&s, "SELECT COUNT(*) FROM safety_confirmations WHERE person_id = ? AND late = 1", &[&f.consenting])
            .await,
        1
    );
    let b = board(&app, &tanaka, &event).await;
    assert!(b["event"]["closed_at"].is_i64());
    let row = b["persons"].as_array().unwrap().iter().find(|p| p["id"] == f.consenting.as_str()).unwrap();
    assert_eq!(
        (row["latest"]["status"].as_str(), row["latest"]["late"].as_bool()),
        (Some("safe_evacuated"), Some(true))
    );
    assert_eq!(row["latest"]["location"], json!({"lat": 39.7213, "lng": 140.1042, "accuracy_m": 12.0}));

    // The summary as files: a row per person, in the 安否情報 order, each person audited as exported.
    let name = row["name"].as_str().unwrap().to_owned();
    let res = tanaka.get(app.url(&format!("/api/v1/events/{event}/export?format=csv"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.contains("mimamori-safety-drill-"), "{disposition}");
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}氏名,フリガナ,住所,負傷又は疾病の状況,現在の居所,連絡先,安否"), "{csv}");
    assert_eq!(csv.lines().count(), 5, "a header and four persons: {csv}");
    let line = csv.lines().find(|l| l.starts_with(&name)).unwrap();
    assert!(line.contains("親族宅") && line.contains("無事・避難済") && line.contains("終了後に受信"), "{line}");
    assert!(line.ends_with(",39.7213,140.1042"), "where the checker stood, last: {line}");
    assert!(csv.lines().any(|l| l.contains(",未確認,")), "{csv}");
    let res = tanaka.get(app.url(&format!("/api/v1/events/{event}/export?format=xlsx"))).send().await.unwrap();
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("安否確認（訓練）").unwrap();
    assert_eq!(sheet.height(), 5);
    assert_eq!(sheet.get_value((0, 6)), Some(&Data::String("安否".into())));
    assert_eq!(sheet.get_value((0, 15)), Some(&Data::String("確認地点の経度".into())));
    let stamped = (1..5).find(|r| sheet.get_value((*r, 0)) == Some(&Data::String(name.clone()))).unwrap();
    assert_eq!(sheet.get_value((stamped, 14)), Some(&Data::Float(39.7213)), "a number, not text");
    let exported = app
        .count(&s, "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND person_id = ?", &[&f.consenting])
        .await;
    assert_eq!(exported, 2, "each download is in the person's audit log");
    let res = tanaka.get(app.url(&format!("/api/v1/events/{event}/export?format=pdf"))).send().await.unwrap();
    assert_json_error(res, 400, "invalid_format").await;
}

async fn only_an_admin_widens_an_event_and_says_why(app: TestApp) {
    let f = fixture(&app).await;
    let (sato, tanaka, watanabe) =
        (app.signed_in("sato").await, app.signed_in("tanaka").await, app.signed_in("watanabe").await);
    let widened = json!({"name": "地震", "kind": "earthquake", "small_area_ids": ["sa-honcho1"], "widen_reason": "震度6強、安否不明者多数"});
    assert_json_error(start(&app, &tanaka, widened.clone()).await, 403, "forbidden").await;
    let mut no_reason = widened.clone();
    no_reason["widen_reason"] = json!("  ");
    assert_json_error(start(&app, &watanabe, no_reason).await, 400, "widen_reason_required").await;
    let res = start(&app, &watanabe, widened).await;
    assert_eq!(res.status(), 201);
    let event: Value = res.json().await.unwrap();
    assert_eq!(event["widened_reason"], "震度6強、安否不明者多数");
    let pull = app.pull(&sato, 0).await;
    assert!(person_ids(&pull).contains(&f.unconsenting), "widened: without share_disaster too");
    assert_eq!(pull["events"][0]["widened_reason"], "震度6強、安否不明者多数", "every phone says so");
    let s = app.storage().await;
    let logged = app
        .count(
            &s,
            "SELECT COUNT(*) FROM security_log WHERE action = 'event.start' AND detail LIKE '%widened=震度6強%'",
            &[],
        )
        .await;
    assert_eq!(logged, 1, "the widening is in the security log with its reason");
}

async fn a_second_event_over_the_same_areas_merges_instead_of_doubling(app: TestApp) {
    fixture(&app).await;
    let tanaka = app.signed_in("tanaka").await;
    let first = started(&app, &tanaka, &["sa-honcho1"]).await;
    let res =
        start(&app, &tanaka, json!({"name": "大雪", "kind": "snow", "small_area_ids": ["sa-honcho1", "sa-kawabata"]}))
            .await;
    let body = assert_json_error(res, 409, "event_overlap").await;
    assert!(body["error"]["message"].as_str().unwrap().contains(&first), "names the event to add to: {body}");
    let res = tanaka
        .post(app.url(&format!("/api/v1/events/{first}/areas")))
        .json(&json!({"small_area_ids": ["sa-kawabata"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let merged: Value = res.json().await.unwrap();
    let areas: Vec<&str> = merged["areas"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(areas.len(), 2, "{merged}");
    let list: Value = tanaka.get(app.url("/api/v1/events")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "one event, not two");
    // Another district's areas may have an event of their own; a closed event takes no areas.
    let second = started(&app, &tanaka, &["sa-nitta"]).await;
    tanaka.post(app.url(&format!("/api/v1/events/{second}/close"))).send().await.unwrap();
    let res = tanaka
        .post(app.url(&format!("/api/v1/events/{second}/areas")))
        .json(&json!({"small_area_ids": ["sa-sanno"]}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 409, "event_closed").await;
}

async fn bad_input_is_refused_with_its_reason(app: TestApp) {
    let f = fixture(&app).await;
    let (sato, tanaka) = (app.signed_in("sato").await, app.signed_in("tanaka").await);
    assert_json_error(
        start(&app, &sato, json!({"name": "x", "kind": "flood", "small_area_ids": ["sa-honcho1"]})).await,
        403,
        "forbidden",
    )
    .await;
    assert_json_error(
        start(&app, &tanaka, json!({"name": "x", "kind": "flood", "small_area_ids": []})).await,
        400,
        "invalid_event",
    )
    .await;
    assert_json_error(
        start(&app, &tanaka, json!({"name": "", "kind": "flood", "small_area_ids": ["sa-honcho1"]})).await,
        400,
        "invalid_event",
    )
    .await;
    assert_json_error(
        start(&app, &tanaka, json!({"name": "x", "kind": "flood", "small_area_ids": ["sa-nowhere"]})).await,
        400,
        "area_not_found",
    )
    .await;
    assert_json_error(
        start(&app, &tanaka, json!({"name": "x", "kind": "tsunami", "small_area_ids": ["sa-honcho1"]})).await,
        400,
        "invalid_body",
    )
    .await;
    let missing = tanaka.get(app.url("/api/v1/events/ev-none")).send().await.unwrap();
    assert_json_error(missing, 404, "not_found").await;
    let event = started(&app, &tanaka, &["sa-honcho1"]).await;
    let (_, res) = app
        .push_mutations(
            &sato,
            &[
                confirm(&event, &f.own, "safe_evacuated", json!({})),
                confirm(&event, &f.own, "safe_evacuated", json!({"shelter": "designated"})),
                confirm(&event, &f.own, "needs_support", json!({})),
                confirm(&event, &f.own, "safe_home", json!({"needs": ["care"]})),
                confirm(&event, &f.own, "fine", json!({})),
                confirm(&event, &f.own, "needs_rescue", json!({"recorded_at": 5})),
            ],
            None,
        )
        .await;
    assert_eq!(statuses(&res), ["rejected"; 6]);
    let codes: Vec<&str> = (0..6).map(|i| error_code(&res, i)).collect();
    assert_eq!(
        codes,
        [
            "shelter_missing",
            "shelter_name",
            "support_unnamed",
            "invalid_confirmation",
            "malformed_mutation",
            "recorded_at_out_of_range"
        ]
    );
    let s = app.storage().await;
    assert_eq!(app.count(&s, "SELECT COUNT(*) FROM safety_confirmations", &[]).await, 0, "nothing refused was stored");
    let (_, res) = app.push_mutations(&sato, &[json!({"type": "report_self", "id": uuid::Uuid::new_v4().to_string(), "event_id": "ev-none", "state": "safe"})], None).await;
    assert_eq!(error_code(&res, 0), "event_not_found");
}

async fn hand(app: &TestApp, c: &reqwest::Client, event: &str, body: Value) -> reqwest::Response {
    c.post(app.url(&format!("/api/v1/events/{event}/checkers"))).json(&body).send().await.unwrap()
}

async fn the_office_hands_a_person_or_a_whole_list_to_another_checker(app: TestApp) {
    let f = fixture(&app).await;
    let (sato, tanaka, takahashi) =
        (app.signed_in("sato").await, app.signed_in("tanaka").await, app.signed_in("takahashi").await);
    let event = started(&app, &tanaka, &["sa-honcho1", "sa-ekimae"]).await;

    // 駅前's person to 佐藤さん, who watches nobody there: on her list, marked as lent, hers to confirm.
    let res = hand(&app, &tanaka, &event, json!({"to": "u-sato", "person_ids": [f.other_area]})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["persons"], 1);
    let pull = app.pull(&sato, 0).await;
    assert!(person_ids(&pull).contains(&f.other_area));
    assert!(pull["events"][0]["extra"].as_array().unwrap().contains(&json!(f.other_area)));
    let (_, res) = app.push_mutations(&sato, &[confirm(&event, &f.other_area, "safe_home", json!({}))], None).await;
    assert_eq!(statuses(&res), ["applied"]);

    // 佐藤さん cannot act: her whole list goes to 高橋さん (杉沢), her own persons included.
    let res = hand(&app, &tanaka, &event, json!({"to": "u-takahashi", "from": "u-sato"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["persons"], 3, "her own, the lent neighbour, the handed one");
    let pull = app.pull(&takahashi, 0).await;
    let mut list = listed(&pull);
    list.sort();
    let mut expected = vec![f.consenting.clone(), f.own.clone(), f.other_area.clone()];
    expected.sort();
    assert_eq!(list, expected);
    assert_eq!(pull["events"][0]["extra"].as_array().unwrap().len(), 3, "none of them is his own");
    let b = board(&app, &tanaka, &event).await;
    let row = b["persons"].as_array().unwrap().iter().find(|p| p["id"] == f.own.as_str()).unwrap().clone();
    assert_eq!(row["handed_to"], "高橋 誠");
    let s = app.storage().await;
    let logged = app
        .count(
            &s,
            "SELECT COUNT(*) FROM security_log WHERE action = 'event.checkers' AND subject_id = 'u-takahashi'",
            &[],
        )
        .await;
    assert_eq!(logged, 1);

    // Not a field user, a person not on the list, or nothing named: refused, nothing handed.
    let res = hand(&app, &tanaka, &event, json!({"to": "u-yamada", "person_ids": [f.own]})).await;
    assert_json_error(res, 400, "checker_not_found").await;
    let sugisawa = person_ids(&pull).into_iter().find(|p| !expected.contains(p)).unwrap();
    let res = hand(&app, &tanaka, &event, json!({"to": "u-sato", "person_ids": [sugisawa]})).await;
    assert_json_error(res, 400, "person_not_in_event").await;
    let res = hand(&app, &tanaka, &event, json!({"to": "u-sato"})).await;
    assert_json_error(res, 400, "invalid_event").await;

    // Closed: everything handed leaves 高橋さん's phone.
    tanaka.post(app.url(&format!("/api/v1/events/{event}/close"))).send().await.unwrap();
    let scope = person_ids(&app.pull(&takahashi, 0).await);
    assert!(!scope.contains(&f.own) && !scope.contains(&f.other_area) && !scope.contains(&f.consenting));
    let res = hand(&app, &tanaka, &event, json!({"to": "u-sato", "person_ids": [f.own]})).await;
    assert_json_error(res, 409, "event_closed").await;
}

async fn a_real_events_calls_for_help_open_cases_and_a_drills_do_not(app: TestApp) {
    let f = fixture(&app).await;
    let (suzuki, tanaka) = (app.signed_in("suzuki").await, app.signed_in("tanaka").await);
    let month = |cases: &Value| cases["cases"].as_array().unwrap().len();
    let report = |c: &reqwest::Client| {
        let m = mimamori_server::time::today_jst(now_ms()).month().as_str().to_owned();
        let (c, url) = (c.clone(), app.url(&format!("/api/v1/reports?from={m}&to={m}")));
        async move { c.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let opened = |r: &Value| r["totals"]["cases_opened"].as_u64().expect("the month's cases opened");
    let before = (
        month(&tanaka.get(app.url("/api/v1/cases")).send().await.unwrap().json().await.unwrap()),
        opened(&report(&tanaka).await),
    );

    // A drill: 要救助 and 要支援 stay on its board; the queue and the report do not move.
    let drill = started(&app, &tanaka, &["sa-honcho1", "sa-ekimae"]).await;
    let batch = [
        confirm(&drill, &f.consenting, "needs_rescue", json!({})),
        confirm(&drill, &f.own, "needs_support", json!({"needs": ["medicine"]})),
    ];
    let (_, res) = app.push_mutations(&suzuki, &batch, None).await;
    assert_eq!(statuses(&res), ["applied", "applied"]);
    let b = board(&app, &tanaka, &drill).await;
    assert_eq!(b["total"]["by_status"]["needs_rescue"], 1, "on the drill's board");
    let queue: Value = tanaka.get(app.url("/api/v1/cases")).send().await.unwrap().json().await.unwrap();
    assert_eq!((month(&queue), opened(&report(&tanaka).await)), before, "the drill reached the queue or the report");
    let res = tanaka.post(app.url(&format!("/api/v1/events/{drill}/close"))).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());

    // A real event: the same calls open cases, 要救助 urgent, newest signal the confirmation.
    let res = start(
        &app,
        &tanaka,
        json!({"name": "大雨", "kind": "flood", "small_area_ids": ["sa-honcho1", "sa-ekimae"], "drill": false}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let event = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let batch = [
        confirm(&event, &f.consenting, "needs_rescue", json!({})),
        confirm(&event, &f.own, "needs_support", json!({"needs": ["medicine"], "note": "薬があと2日分"})),
    ];
    let (_, res) = app.push_mutations(&suzuki, &batch, None).await;
    assert_eq!(statuses(&res), ["applied", "applied"]);
    let queue: Value = tanaka.get(app.url("/api/v1/cases")).send().await.unwrap().json().await.unwrap();
    let case_of = |person: &str| {
        queue["cases"].as_array().unwrap().iter().find(|c| c["person_id"] == person).cloned().expect("a case")
    };
    let rescue = case_of(&f.consenting);
    assert_eq!((rescue["urgent"].as_bool(), rescue["last_signal"]["kind"].as_str()), (Some(true), Some("safety")));
    let support = case_of(&f.own);
    assert_eq!(support["last_signal"]["needs"], json!(["medicine"]));
    assert_eq!(support["last_signal"]["note"], "薬があと2日分");
    let after = opened(&report(&tanaka).await);
    assert!(after > before.1, "the real event's cases are counted: {before:?} → {after:?}");
}

on_both_databases!(
    a_real_events_calls_for_help_open_cases_and_a_drills_do_not,
    an_event_lends_a_volunteer_the_consenting_persons_of_their_area_until_it_closes,
    only_an_admin_widens_an_event_and_says_why,
    a_second_event_over_the_same_areas_merges_instead_of_doubling,
    bad_input_is_refused_with_its_reason,
    the_office_hands_a_person_or_a_whole_list_to_another_checker,
);
