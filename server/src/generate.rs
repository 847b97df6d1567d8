//! A large, realistic data set for benchmarks: a prefecture's worth of towns, persons, users and
//! years of 見守り history (default 50,000 persons, 2,000 users, 2,000,000 checks).
//!
//! Every user gets one device whose session token is `bench-<login>`, so load generators can act
//! as any user without spending argon2 time on sign-in. Never run this against real data: it
//! refuses a database that already has users.

use crate::auth::{hash_password, hash_token};
use crate::storage::{Storage, StorageError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub persons: usize,
    pub users: usize,
    pub checks: usize,
}

impl Default for Scale {
    fn default() -> Self {
        Scale { persons: 50_000, users: 2_000, checks: 2_000_000 }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub municipalities: usize,
    pub small_areas: usize,
    pub persons: usize,
    pub volunteers: usize,
    pub commissioners: usize,
    pub staff: usize,
    pub checks: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("the database already has users; generate only into an empty database")]
    NotEmpty,
    #[error("scale too small: need at least 100 persons and 20 users")]
    TooSmall,
}

/// Persons per small area (a 町内会 of ~50 watched households) and areas per district/town.
const PERSONS_PER_AREA: usize = 50;
const AREAS_PER_DISTRICT: usize = 10;
const DISTRICTS_PER_TOWN: usize = 10;
/// Session token of a generated user's device.
pub fn bench_token(login: &str) -> String {
    format!("bench-{login}")
}

/// Rows per INSERT: well under SQLite's and PostgreSQL's bind limits.
const BATCH: usize = 500;

async fn insert_rows(
    storage: &Storage,
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    head: &str,
    rows: &[Vec<Value>],
) -> Result<(), GenerateError> {
    for chunk in rows.chunks(BATCH) {
        let cols = chunk[0].len();
        let one = format!("({})", vec!["?"; cols].join(", "));
        let sql = format!("{head} VALUES {}", vec![one; chunk.len()].join(", "));
        let sql = storage.sql(&sql);
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Value::Text(s) => q.bind(s.clone()),
                    Value::Int(i) => q.bind(*i),
                    Value::Real(f) => q.bind(*f),
                    Value::Null => q.bind(None::<String>),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Int(i64),
    Real(f64),
    Null,
}
use Value::{Int, Real, Text};

fn t(s: impl Into<String>) -> Value {
    Text(s.into())
}

const SURNAMES: [&str; 12] =
    ["佐藤", "高橋", "伊藤", "斎藤", "加藤", "工藤", "三浦", "小松", "藤原", "菅原", "石川", "成田"];
const GIVEN: [(&str, &str); 8] = [
    ("ハナ", "はな"),
    ("キヨ", "きよ"),
    ("正雄", "まさお"),
    ("和子", "かずこ"),
    ("清", "きよし"),
    ("茂", "しげる"),
    ("良子", "よしこ"),
    ("武雄", "たけお"),
];
const SURNAME_KANA: [&str; 12] = [
    "さとう",
    "たかはし",
    "いとう",
    "さいとう",
    "かとう",
    "くどう",
    "みうら",
    "こまつ",
    "ふじわら",
    "すがわら",
    "いしかわ",
    "なりた",
];
const HOUSEHOLDS: [&str; 5] = ["single_elderly", "elderly_only", "disability", "child_rearing", "other"];
const OUTCOMES: [(&str, u32); 4] = [("all_well", 80), ("concern", 12), ("not_home", 7), ("emergency", 1)];

/// Generates the data set, a transaction per table. Deterministic for a given scale.
pub async fn generate(storage: &Storage, scale: Scale) -> Result<Generated, GenerateError> {
    if scale.persons < 100 || scale.users < 20 {
        return Err(GenerateError::TooSmall);
    }
    if !storage.is_empty().await? {
        return Err(GenerateError::NotEmpty);
    }
    let mut rng = StdRng::seed_from_u64(2_000_000);
    // 2026-11-18: history reaches two years back from here.
    let now: i64 = 1_795_000_000_000;
    let areas = scale.persons.div_ceil(PERSONS_PER_AREA);
    let districts = areas.div_ceil(AREAS_PER_DISTRICT);
    let towns = districts.div_ceil(DISTRICTS_PER_TOWN);
    let town_of_district = |d: usize| d / DISTRICTS_PER_TOWN;
    let district_of_area = |a: usize| a / AREAS_PER_DISTRICT;
    let area_of_person = |p: usize| p / PERSONS_PER_AREA;
    // Per town: an admin, two coordinators, two partner staff. Then 民生委員 (about one per 2.5
    // small areas, ~125 watched households each), and volunteers for the rest.
    let staff = towns * 5;
    let commissioners = (areas * 2 / 5).clamp(1, (scale.users.saturating_sub(staff) / 4).max(1));
    let volunteers = scale.users.saturating_sub(staff + commissioners).max(1);
    let commissioner_of_area = |a: usize| a * commissioners / areas;

    let rows: Vec<Vec<Value>> =
        (0..towns).map(|m| vec![t(format!("m-{m}")), t("秋田県"), t(format!("雪国{m}町"))]).collect();
    let mut tx = storage.begin().await?;
    insert_rows(storage, &mut tx, "INSERT INTO municipalities (id, prefecture, name)", &rows).await?;
    let rows: Vec<Vec<Value>> = (0..districts)
        .map(|d| vec![t(format!("d-{d}")), t(format!("m-{}", town_of_district(d))), t(format!("第{d}地区"))])
        .collect();
    insert_rows(storage, &mut tx, "INSERT INTO districts (id, municipality_id, name)", &rows).await?;
    let rows: Vec<Vec<Value>> = (0..areas)
        .map(|a| vec![t(format!("sa-{a}")), t(format!("d-{}", district_of_area(a))), t(format!("第{a}町内会"))])
        .collect();
    insert_rows(storage, &mut tx, "INSERT INTO small_areas (id, district_id, name)", &rows).await?;
    let rows: Vec<Vec<Value>> = (0..towns)
        .flat_map(|m| {
            [0, 1].map(|k| vec![t(format!("o-{m}-{k}")), t(format!("m-{m}")), t(format!("社会福祉法人 雪国{m}会{k}"))])
        })
        .collect();
    insert_rows(storage, &mut tx, "INSERT INTO organizations (id, municipality_id, name)", &rows).await?;

    // Users: one argon2 hash for everyone (password "mimamori"); benchmarks use device tokens.
    let hash = hash_password(crate::demo::DEMO_PASSWORD)
        .map_err(|e| StorageError::Database(sqlx::Error::Protocol(e.to_string())))?;
    let mut users: Vec<Vec<Value>> = Vec::new();
    let mut user = |login: String, role: &str, town: usize, org: Option<String>| {
        users.push(vec![
            t(format!("u-{login}")),
            t(login.clone()),
            t(format!("利用者 {login}")),
            t(role),
            t(hash.clone()),
            t(format!("m-{town}")),
            org.map(Text).unwrap_or(Value::Null),
        ]);
    };
    for m in 0..towns {
        user(format!("admin{m}"), "admin", m, None);
        user(format!("coord{m}a"), "coordinator", m, None);
        user(format!("coord{m}b"), "coordinator", m, None);
        user(format!("partner{m}a"), "partner_staff", m, Some(format!("o-{m}-0")));
        user(format!("partner{m}b"), "partner_staff", m, Some(format!("o-{m}-1")));
    }
    let first_area_of = |c: usize| (0..areas).find(|&a| commissioner_of_area(a) == c).unwrap_or(0);
    for c in 0..commissioners {
        user(format!("comm{c}"), "commissioner", town_of_district(district_of_area(first_area_of(c))), None);
    }
    for v in 0..volunteers {
        user(format!("vol{v}"), "volunteer", town_of_district(district_of_area(v % areas)), None);
    }
    insert_rows(
        storage,
        &mut tx,
        "INSERT INTO users (id, login, display_name, role, password_hash, municipality_id, organization_id)",
        &users,
    )
    .await?;
    let logins: Vec<String> = users
        .iter()
        .map(|u| match &u[1] {
            Text(s) => s.clone(),
            _ => unreachable!("login is text"),
        })
        .collect();
    // Sessions are live from the moment of generating (the data's own clock is fixed, but a
    // session that began on that fixed day would have expired since).
    let signed_in = crate::time::now_millis();
    let devices: Vec<Vec<Value>> = logins
        .iter()
        .map(|l| {
            vec![
                t(format!("dev-{l}")),
                t(format!("u-{l}")),
                t(hash_token(&bench_token(l))),
                Int(signed_in),
                Int(signed_in),
            ]
        })
        .collect();
    insert_rows(storage, &mut tx, "INSERT INTO devices (id, user_id, token_hash, created_at, last_seen_at)", &devices)
        .await?;
    let mut links: Vec<Vec<Value>> = Vec::new();
    for m in 0..towns {
        for d in (0..districts).filter(|&d| town_of_district(d) == m) {
            for who in ["admin", "coord"] {
                let suffixes: &[&str] = if who == "admin" { &[""] } else { &["a", "b"] };
                for s in suffixes {
                    links.push(vec![t(format!("u-{who}{m}{s}")), t(format!("d-{d}"))]);
                }
            }
        }
    }
    insert_rows(storage, &mut tx, "INSERT INTO staff_districts (user_id, district_id)", &links).await?;
    let links: Vec<Vec<Value>> =
        (0..areas).map(|a| vec![t(format!("u-comm{}", commissioner_of_area(a))), t(format!("sa-{a}"))]).collect();
    insert_rows(storage, &mut tx, "INSERT INTO commissioner_areas (user_id, small_area_id)", &links).await?;
    tx.commit().await?;

    // Persons with consent (95 % agree to be recorded, 70 % to sharing with partners).
    let mut tx = storage.begin().await?;
    let mut persons = Vec::with_capacity(scale.persons);
    let mut consents = Vec::new();
    let mut recorded = vec![false; scale.persons];
    let mut shared = vec![false; scale.persons];
    for (p, slot) in recorded.iter_mut().enumerate() {
        let s = rng.random_range(0..SURNAMES.len());
        let (given, given_kana) = GIVEN[rng.random_range(0..GIVEN.len())];
        let record = rng.random_range(0..100) < 95;
        let partners = record && rng.random_range(0..100) < 70;
        *slot = record;
        shared[p] = partners;
        let town = town_of_district(district_of_area(area_of_person(p)));
        persons.push(vec![
            t(format!("p-{p}")),
            t(format!("sa-{}", area_of_person(p))),
            t(format!("{} {given}", SURNAMES[s])),
            t(format!("{} {given_kana}", SURNAME_KANA[s])),
            t(format!("秋田県雪国{town}町 {}-{}", rng.random_range(1..40), rng.random_range(1..30))),
            t(format!("0185-{:02}-{:04}", p / 10_000, p % 10_000)),
            Real(39.0 + rng.random_range(0.0..1.5)),
            Real(139.8 + rng.random_range(0.0..1.0)),
            Int([3, 7, 7, 14][rng.random_range(0..4)]),
            t(HOUSEHOLDS[rng.random_range(0..HOUSEHOLDS.len())]),
            Int(i64::from(record)),
            Int(i64::from(partners)),
            Int(i64::from(record)),
        ]);
        if record {
            consents.push(vec![
                t(format!("c-{p}")),
                t(format!("p-{p}")),
                t("2025-04-01"),
                t("written"),
                Int(1),
                Int(i64::from(partners)),
                Int(1),
                t(format!("u-comm{}", commissioner_of_area(area_of_person(p)))),
                Int(now - 86_400_000 * 400),
            ]);
        }
    }
    insert_rows(
        storage,
        &mut tx,
        "INSERT INTO persons (id, small_area_id, name, kana, address, phone, lat, lng, check_interval_days,
            household_type, consent_record, consent_share_partners, consent_share_disaster)",
        &persons,
    )
    .await?;
    insert_rows(
        storage,
        &mut tx,
        "INSERT INTO consents (id, person_id, obtained_on, method, scope_record, scope_share_partners,
            scope_share_disaster, recorded_by, recorded_at)",
        &consents,
    )
    .await?;
    // Each volunteer watches 5–10 consenting neighbours in one small area.
    let mut assignments = Vec::new();
    for v in 0..volunteers {
        let area = v % areas;
        let first = area * PERSONS_PER_AREA;
        let last = ((area + 1) * PERSONS_PER_AREA).min(scale.persons);
        let want = rng.random_range(5..=10);
        let offset = (v / areas) * 10;
        let picked = (first..last).cycle().skip(offset).take(last - first).filter(|&p| recorded[p]).take(want);
        for p in picked {
            assignments.push(vec![t(format!("u-vol{v}")), t(format!("p-{p}"))]);
        }
    }
    insert_rows(storage, &mut tx, "INSERT INTO assignments (user_id, person_id)", &assignments).await?;
    // Requests from about one person in 25 who agreed to sharing, referred to a partner of their town.
    let requests: Vec<Vec<Value>> = (0..scale.persons)
        .filter(|&p| shared[p] && p % 25 == 7)
        .map(|p| {
            let town = town_of_district(district_of_area(area_of_person(p)));
            vec![
                t(format!("r-{p}")),
                t(format!("p-{p}")),
                t(format!("u-comm{}", commissioner_of_area(area_of_person(p)))),
                t("snow_removal"),
                t("received"),
                t(format!("o-{town}-{}", (p / 25) % 2)),
                Int(now),
                Int(now),
            ]
        })
        .collect();
    insert_rows(
        storage,
        &mut tx,
        "INSERT INTO requests (id, person_id, raised_by, need, status, organization_id, created_at, updated_at)",
        &requests,
    )
    .await?;
    tx.commit().await?;

    // Two years of checks by each person's 民生委員, in transactions of 50,000.
    let two_years = 2 * 365 * 86_400_000i64;
    let weights: u32 = OUTCOMES.iter().map(|o| o.1).sum();
    let mut done = 0;
    while done < scale.checks {
        let n = (scale.checks - done).min(50_000);
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let p = rng.random_range(0..scale.persons);
            let login = format!("comm{}", commissioner_of_area(area_of_person(p)));
            let mut roll = rng.random_range(0..weights);
            let outcome = OUTCOMES
                .iter()
                .find(|(_, w)| {
                    let hit = roll < *w;
                    roll = roll.saturating_sub(*w);
                    hit
                })
                .map_or("all_well", |o| o.0);
            let recorded_at = now - rng.random_range(0..two_years);
            let id = uuid::Builder::from_random_bytes(rng.random()).into_uuid();
            rows.push(vec![
                t(id.to_string()),
                t(format!("p-{p}")),
                t(format!("u-{login}")),
                t(format!("dev-{login}")),
                t(outcome),
                if outcome == "all_well" { Value::Null } else { t("新聞がたまっている") },
                Int(recorded_at),
                Int(recorded_at + rng.random_range(0..86_400_000)),
            ]);
        }
        let mut tx = storage.begin().await?;
        insert_rows(
            storage,
            &mut tx,
            "INSERT INTO checks (id, person_id, author_id, device_id, outcome, note, recorded_at, received_at)",
            &rows,
        )
        .await?;
        tx.commit().await?;
        done += n;
    }
    storage.backfill_cases(now - 365 * 86_400_000, now).await?;
    Ok(Generated {
        municipalities: towns,
        small_areas: areas,
        persons: scale.persons,
        volunteers,
        commissioners,
        staff,
        checks: scale.checks,
    })
}
