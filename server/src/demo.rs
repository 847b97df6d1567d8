//! The demo municipality: 雪見町, a fictional town in Akita. Names, addresses and phone numbers
//! are invented; coordinates fall in open country so no real household is pointed at.

use crate::auth::hash_password;
use crate::storage::{Storage, StorageError};
use mimamori_core::domain::{CaseStatus, CaseUpdate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const DEMO_PASSWORD: &str = "mimamori";

/// (login, display name, role label) printed by the run command.
pub const DEMO_LOGINS: [(&str, &str, &str); 6] = [
    ("sato", "佐藤 花子", "見守りボランティア"),
    ("takahashi", "高橋 誠", "見守りボランティア"),
    ("suzuki", "鈴木 一郎", "民生委員"),
    ("tanaka", "田中 美紀", "社協コーディネーター"),
    ("yamada", "山田 恵", "協力法人スタッフ（社会福祉法人 雪見福祉会）"),
    ("watanabe", "渡辺 健", "管理者"),
];
const ORGANIZATIONS: [(&str, &str, &str, &str); 2] = [
    ("o-yukimi-fukushikai", "社会福祉法人 雪見福祉会", "除雪、買い物、通院の送迎", "0185-00-2001"),
    ("o-hokubu-houkatsu", "雪見町北部地域包括支援センター", "介護相談、見守り訪問", "0185-00-2002"),
];

const MUNICIPALITY: (&str, &str) = ("m-yukimi", "雪見町");
const DISTRICTS: [(&str, &str); 3] = [("d-hokubu", "北部地区"), ("d-chuo", "中央地区"), ("d-nanbu", "南部地区")];
/// (id, district, name, centre latitude, centre longitude)
const SMALL_AREAS: [(&str, &str, &str, f64, f64); 7] = [
    ("sa-uenodai", "d-hokubu", "上野台町内会", 39.8421, 140.2315),
    ("sa-sugisawa", "d-hokubu", "杉沢自治会", 39.8512, 140.2603),
    ("sa-honcho1", "d-chuo", "本町一丁目町内会", 39.8208, 140.2449),
    ("sa-ekimae", "d-chuo", "駅前町内会", 39.8169, 140.2391),
    ("sa-kawabata", "d-chuo", "川端町内会", 39.8131, 140.2502),
    ("sa-nitta", "d-nanbu", "新田自治会", 39.7942, 140.2388),
    ("sa-sanno", "d-nanbu", "山王町内会", 39.7876, 140.2551),
];
const SURNAMES: [(&str, &str); 16] = [
    ("佐々木", "ささき"),
    ("高橋", "たかはし"),
    ("伊藤", "いとう"),
    ("斎藤", "さいとう"),
    ("加藤", "かとう"),
    ("工藤", "くどう"),
    ("三浦", "みうら"),
    ("小松", "こまつ"),
    ("藤原", "ふじわら"),
    ("菅原", "すがわら"),
    ("石川", "いしかわ"),
    ("成田", "なりた"),
    ("村上", "むらかみ"),
    ("今野", "こんの"),
    ("武田", "たけだ"),
    ("大友", "おおとも"),
];
const GIVEN: [(&str, &str); 16] = [
    ("ハナ", "はな"),
    ("キヨ", "きよ"),
    ("トシ", "とし"),
    ("正雄", "まさお"),
    ("和子", "かずこ"),
    ("幸子", "さちこ"),
    ("節子", "せつこ"),
    ("清", "きよし"),
    ("茂", "しげる"),
    ("勇", "いさむ"),
    ("ミツ", "みつ"),
    ("昭二", "しょうじ"),
    ("良子", "よしこ"),
    ("武雄", "たけお"),
    ("信子", "のぶこ"),
    ("留吉", "とめきち"),
];
pub const PERSON_COUNT: usize = 50;

/// Loads the demo municipality into an empty database, all in one transaction.
pub async fn load(storage: &Storage) -> Result<(), StorageError> {
    let mut rng = StdRng::seed_from_u64(1980); // Akita's small-area network began in 1980
    let mut tx = storage.begin().await?;
    sqlx::query(&storage.sql("INSERT INTO municipalities (id, prefecture, name) VALUES (?, '秋田県', ?)"))
        .bind(MUNICIPALITY.0)
        .bind(MUNICIPALITY.1)
        .execute(&mut *tx)
        .await?;
    for (id, name) in DISTRICTS {
        sqlx::query(&storage.sql("INSERT INTO districts (id, municipality_id, name) VALUES (?, ?, ?)"))
            .bind(id)
            .bind(MUNICIPALITY.0)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    for (id, district, name, _, _) in SMALL_AREAS {
        sqlx::query(&storage.sql("INSERT INTO small_areas (id, district_id, name) VALUES (?, ?, ?)"))
            .bind(id)
            .bind(district)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    let mut persons_by_area: Vec<Vec<String>> = vec![Vec::new(); SMALL_AREAS.len()];
    let mut consents: Vec<(String, bool)> = Vec::new();
    for i in 0..PERSON_COUNT {
        let area = i % SMALL_AREAS.len();
        let (area_id, _, area_name, lat, lng) = SMALL_AREAS[area];
        let (sur, sur_kana) = SURNAMES[rng.random_range(0..SURNAMES.len())];
        let (given, given_kana) = GIVEN[(i * 7 + rng.random_range(0..3)) % GIVEN.len()];
        let id = format!("p-{:04}", i + 1);
        let town = area_name.trim_end_matches("町内会").trim_end_matches("自治会");
        let interval: i64 = [3, 7, 7, 7, 14][rng.random_range(0..5)];
        sqlx::query(&storage.sql(
            "INSERT INTO persons (id, small_area_id, name, kana, address, phone, lat, lng, check_interval_days)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(&id)
        .bind(area_id)
        .bind(format!("{sur} {given}"))
        .bind(format!("{sur_kana} {given_kana}"))
        .bind(format!("秋田県雪見町{town} {}-{}", rng.random_range(1..30), rng.random_range(1..20)))
        .bind(format!("0185-00-{:04}", 1000 + i))
        .bind(lat + rng.random_range(-0.004..0.004))
        .bind(lng + rng.random_range(-0.005..0.005))
        .bind(interval)
        .execute(&mut *tx)
        .await?;
        // Most have agreed to be recorded and to sharing with partners; a few have not agreed
        // to anything yet (only their 民生委員 and 社協 know of them).
        let household = ["single_elderly", "single_elderly", "elderly_only", "disability", "child_rearing", "other"]
            [rng.random_range(0..6)];
        let (record, partners) = match i % 12 {
            7 => (false, false),
            5 => (true, false),
            _ => (true, true),
        };
        sqlx::query(&storage.sql(
            "UPDATE persons SET household_type = ?, needs_evacuation_help = ?, emergency_contacts = ?,
                consent_record = ?, consent_share_partners = ?, consent_share_disaster = ? WHERE id = ?",
        ))
        .bind(household)
        .bind(i64::from(household == "single_elderly" || household == "disability"))
        .bind(format!(r#"[{{"name":"{sur} 一郎","relation":"長男","phone":"090-0000-{:04}"}}]"#, 2000 + i))
        .bind(i64::from(record))
        .bind(i64::from(partners))
        .bind(i64::from(record))
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if record {
            consents.push((id.clone(), partners));
        }
        persons_by_area[area].push(id);
    }
    for (id, name, services, phone) in ORGANIZATIONS {
        sqlx::query(
            &storage
                .sql("INSERT INTO organizations (id, municipality_id, name, services, phone) VALUES (?, ?, ?, ?, ?)"),
        )
        .bind(id)
        .bind(MUNICIPALITY.0)
        .bind(name)
        .bind(services)
        .bind(phone)
        .execute(&mut *tx)
        .await?;
    }
    let hash =
        hash_password(DEMO_PASSWORD).map_err(|e| StorageError::Database(sqlx::Error::Protocol(e.to_string())))?;
    let users = [
        ("u-sato", "sato", "佐藤 花子", "volunteer", None),
        ("u-takahashi", "takahashi", "高橋 誠", "volunteer", None),
        ("u-suzuki", "suzuki", "鈴木 一郎", "commissioner", None),
        ("u-tanaka", "tanaka", "田中 美紀", "coordinator", None),
        ("u-yamada", "yamada", "山田 恵", "partner_staff", Some(ORGANIZATIONS[0].0)),
        ("u-watanabe", "watanabe", "渡辺 健", "admin", None),
    ];
    for (id, login, name, role, org) in users {
        sqlx::query(&storage.sql(
            "INSERT INTO users (id, login, display_name, role, password_hash, municipality_id, organization_id)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(id)
        .bind(login)
        .bind(name)
        .bind(role)
        .bind(&hash)
        .bind(MUNICIPALITY.0)
        .bind(org)
        .execute(&mut *tx)
        .await?;
    }
    // The coordinator and the admin work across the whole town.
    for user in ["u-tanaka", "u-watanabe"] {
        for (district, _) in DISTRICTS {
            sqlx::query(&storage.sql("INSERT INTO staff_districts (user_id, district_id) VALUES (?, ?)"))
                .bind(user)
                .bind(district)
                .execute(&mut *tx)
                .await?;
        }
    }
    // Consent was taken on paper by 鈴木さん during the spring visits.
    for (n, (person, partners)) in consents.iter().enumerate() {
        sqlx::query(&storage.sql(
            "INSERT INTO consents (id, person_id, obtained_on, method, scope_record, scope_share_partners,
                scope_share_disaster, recorded_by, recorded_at) VALUES (?, ?, ?, ?, 1, ?, 1, 'u-suzuki', ?)",
        ))
        .bind(format!("c-{person}"))
        .bind(person)
        .bind(format!("2026-04-{:02}", 1 + n % 28))
        .bind(if n % 5 == 4 { "proxy" } else { "written" })
        .bind(i64::from(*partners))
        .bind(1_775_000_000_000i64 + n as i64 * 60_000)
        .execute(&mut *tx)
        .await?;
    }
    // A few requests from this autumn's 御用聞き, referred to the partner corporation, in the last
    // few weeks (relative to now, so the one done is still within the 30 days partners see it).
    const DAY: i64 = 86_400_000;
    let now = crate::time::now_millis();
    let shared = consents.iter().filter(|(_, partners)| *partners);
    for (n, (person, _)) in shared.step_by(7).take(4).enumerate() {
        let (need, detail, status) = [
            ("snow_removal", "玄関から道路までの除雪をお願いしたい", "in_progress"),
            ("shopping", "週に一度、米と灯油の買い物", "received"),
            ("hospital", "月に一度の通院の送迎", "done"),
            ("snow_removal", "屋根の雪下ろし", "received"),
        ][n];
        sqlx::query(&storage.sql(
            "INSERT INTO requests (id, person_id, raised_by, need, detail, status, organization_id, created_at,
                updated_at, to_partner) VALUES (?, ?, 'u-suzuki', ?, ?, ?, ?, ?, ?, 1)",
        ))
        .bind(format!("r-{:04}", n + 1))
        .bind(person)
        .bind(need)
        .bind(detail)
        .bind(status)
        .bind(ORGANIZATIONS[0].0)
        .bind(now - (24 - n as i64 * 5) * DAY)
        .bind(now - (22 - n as i64 * 5) * DAY)
        .execute(&mut *tx)
        .await?;
    }
    // 佐藤さん watches five neighbours in 本町一丁目; 高橋さん four in 杉沢.
    let assign = [("u-sato", 2usize, 5usize), ("u-takahashi", 1, 4)];
    for (user, area, n) in assign {
        for person in persons_by_area[area].iter().take(n) {
            sqlx::query(&storage.sql("INSERT INTO assignments (user_id, person_id) VALUES (?, ?)"))
                .bind(user)
                .bind(person)
                .execute(&mut *tx)
                .await?;
        }
    }
    // 鈴木さん is the 民生委員 for 本町一丁目 and 駅前.
    for area in ["sa-honcho1", "sa-ekimae"] {
        sqlx::query(&storage.sql("INSERT INTO commissioner_areas (user_id, small_area_id) VALUES ('u-suzuki', ?)"))
            .bind(area)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Two months of 見守り checks for the demo, relative to `now`, so the home list shows every
/// state: some people 1–3 days overdue, some due today, some checked recently, a few never.
/// Each check is written by whoever watches the person (their volunteer, else the 民生委員 of the
/// area, else the coordinator by phone) from an import device that can never sign in.
pub async fn load_history(storage: &Storage, now: i64) -> Result<(), StorageError> {
    const DAY: i64 = 86_400_000;
    let mut tx = storage.begin().await?;
    let authors = ["u-sato", "u-takahashi", "u-suzuki", "u-tanaka"];
    for author in authors {
        sqlx::query(&storage.sql(
            "INSERT INTO devices (id, user_id, token_hash, user_agent, created_at, last_seen_at, revoked_at)
             VALUES (?, ?, ?, 'デモデータの取り込み', ?, ?, ?)",
        ))
        .bind(format!("dev-history-{author}"))
        .bind(author)
        .bind(format!("no-token-{author}")) // not a SHA-256 of anything: no token matches it
        .bind(now - 60 * DAY)
        .bind(now - 60 * DAY)
        .bind(now - 60 * DAY)
        .execute(&mut *tx)
        .await?;
    }
    let persons: Vec<(String, String, i64)> = sqlx::query_as(&storage.sql(
        "SELECT p.id, COALESCE(a.user_id, CASE WHEN p.small_area_id IN ('sa-honcho1', 'sa-ekimae') THEN 'u-suzuki'
                ELSE 'u-tanaka' END), p.check_interval_days
         FROM persons p LEFT JOIN assignments a ON a.person_id = p.id ORDER BY p.id",
    ))
    .fetch_all(&mut *tx)
    .await?;
    let mut rng = StdRng::seed_from_u64(2026);
    for (i, (person, author, interval)) in persons.iter().enumerate() {
        // Days since the newest check, by the person's place in a cycle of situations (six, so
        // that the seven small areas, and each volunteer's neighbours, get a mix).
        let last_ago = match i % 6 {
            0 => interval + 3, // 3日超過
            1 => 2,
            2 => 1,
            3 => continue, // 記録なし
            4 => interval + 1,
            _ => *interval, // 今日が目安
        };
        let mut ago = last_ago;
        let mut k = 0;
        while ago <= 60 {
            let (outcome, concerns, note) = match (i + k) % 9 {
                4 => ("concern", "mail_piling", Some("新聞が二日分たまっていた。声をかけると元気そうだった")),
                7 if k > 0 => ("not_home", "", Some("留守。夕方にもう一度寄る")),
                8 => ("concern", "snow_not_cleared", None),
                _ => ("all_well", "", None),
            };
            let method = ["visit", "greeting", "outside", "phone"][(i + k) % 4];
            let method = if author == "u-tanaka" { "phone" } else { method };
            // The newest at this time of day, so its calendar day is exact; older ones vary.
            let jitter = if k == 0 { 0 } else { rng.random_range(0..4 * 3_600_000) };
            let at = now - ago * DAY - jitter;
            sqlx::query(&storage.sql(
                "INSERT INTO checks (id, person_id, author_id, device_id, outcome, note, recorded_at, received_at,
                    device_recorded_at, method, concerns)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(uuid::Builder::from_random_bytes(rng.random()).into_uuid().to_string())
            .bind(person)
            .bind(author)
            .bind(format!("dev-history-{author}"))
            .bind(outcome)
            .bind(note)
            .bind(at)
            .bind(at + 60_000)
            .bind(at)
            .bind(method)
            .bind(concerns)
            .execute(&mut *tx)
            .await?;
            ago += interval;
            k += 1;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The demo's 要対応 cases, as if the network had run for a while: the signals of the last 30
/// days (気になる・緊急 checks, open requests) open and join cases in the order they came; the
/// office has looked into those older than ten days (見守り継続) and is working on those older
/// than three (対応中); the newest wait for someone to acknowledge them. A request referred to
/// the partner corporation hands its case to it two hours after it came, as the coordinator's
/// referral does.
pub async fn open_cases(storage: &Storage, now: i64) -> Result<(), StorageError> {
    const DAY: i64 = 86_400_000;
    let mut tx = storage.begin().await?;
    let signals: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(&storage.sql(
        "SELECT person_id, kind, id, by_user, at, urgent FROM (
            SELECT c.person_id, 'check' AS kind, c.id, c.author_id AS by_user, c.received_at AS at,
                   CASE WHEN c.outcome = 'emergency' THEN 1 ELSE 0 END AS urgent
            FROM checks c WHERE c.outcome IN ('concern', 'emergency') AND c.received_at > ?
            UNION ALL
            SELECT r.person_id, 'request', r.id, r.raised_by, r.created_at, 0
            FROM requests r WHERE r.status IN ('received', 'in_progress')) s
         ORDER BY at, id",
    ))
    .bind(now - 30 * DAY)
    .fetch_all(&mut *tx)
    .await?;
    for (person, kind, id, by, at, urgent) in &signals {
        let signal = if kind == "check" {
            crate::storage::SignalRef::Check { id, urgent: *urgent == 1 }
        } else {
            crate::storage::SignalRef::Request { id }
        };
        let person = mimamori_core::domain::PersonId::parse(person)
            .ok_or_else(|| StorageError::Database(sqlx::Error::Decode("a demo person id".into())))?;
        storage.signal_case(&mut tx, &person, signal, by, *at).await?;
        if kind == "request" {
            let org: Option<String> =
                sqlx::query_scalar(&storage.sql("SELECT organization_id FROM requests WHERE id = ?"))
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if let Some(org) = org {
                storage.case_referred(&mut tx, id, &org, "u-tanaka", at + 2 * 3_600_000).await?;
            }
        }
    }
    let cases: Vec<(String, i64, i64)> =
        sqlx::query_as(&storage.sql("SELECT id, opened_at, updated_at FROM cases ORDER BY opened_at, id"))
            .fetch_all(&mut *tx)
            .await?;
    for (id, opened_at, last) in cases {
        let age = now - last;
        let (status, note) = if age > 10 * DAY {
            (CaseStatus::Watching, "民生委員と訪問して様子を確認。ご本人は元気で、当面は見守りを続ける。")
        } else if age > 3 * DAY {
            (CaseStatus::InProgress, "ご家族に電話で連絡。週末に訪問してもらうことになった。")
        } else {
            continue;
        };
        let acted = (last + 2 * 3_600_000).max(opened_at);
        let update = CaseUpdate {
            status: Some(status),
            note: note.into(),
            shared_note: Some("社協で確認しました。ありがとうございました。".into()),
            ..CaseUpdate::default()
        };
        storage.update_case(&mut tx, &id, &update, "u-tanaka", acted).await?;
    }
    tx.commit().await?;
    Ok(())
}
