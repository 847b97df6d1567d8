//! The demo municipality: 雪見町, a fictional town in Akita. Names, addresses and phone numbers
//! are invented; coordinates fall in open country so no real household is pointed at.

use crate::auth::hash_password;
use crate::storage::{Storage, StorageError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const DEMO_PASSWORD: &str = "mimamori";

/// (login, display name, role label) printed by the run command.
pub const DEMO_LOGINS: [(&str, &str, &str); 4] = [
    ("sato", "佐藤 花子", "見守りボランティア"),
    ("takahashi", "高橋 誠", "見守りボランティア"),
    ("suzuki", "鈴木 一郎", "民生委員"),
    ("tanaka", "田中 美紀", "社協コーディネーター"),
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
        persons_by_area[area].push(id);
    }
    let hash =
        hash_password(DEMO_PASSWORD).map_err(|e| StorageError::Database(sqlx::Error::Protocol(e.to_string())))?;
    let users = [
        ("u-sato", "sato", "佐藤 花子", "volunteer"),
        ("u-takahashi", "takahashi", "高橋 誠", "volunteer"),
        ("u-suzuki", "suzuki", "鈴木 一郎", "commissioner"),
        ("u-tanaka", "tanaka", "田中 美紀", "coordinator"),
    ];
    for (id, login, name, role) in users {
        sqlx::query(&storage.sql("INSERT INTO users (id, login, display_name, role, password_hash, municipality_id) VALUES (?, ?, ?, ?, ?, ?)"))
        .bind(id)
        .bind(login)
        .bind(name)
        .bind(role)
        .bind(&hash)
        .bind(MUNICIPALITY.0)
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
