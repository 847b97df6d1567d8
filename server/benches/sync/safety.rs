//! Scenario `safety` (issue 15): a 安否確認 event over a whole town (5,000 要援護 persons at the
//! default scale), and up to `--safety-phones` field users of that town (300 by default) pulling
//! their lists and confirming everyone on them at once, each phone's batches pushed twice (the
//! second time a retry: all duplicates). Meanwhile the coordinator's board is read every second,
//! as the office screen does, and ten more times after the last push; and each second the office
//! also writes (one of the event's areas added again: the same write path as starting, widening,
//! handing over or closing an event), to show whether office actions get through the storm.
//!
//! Checked after the figures: every confirmation sent is stored, once; nothing was refused; the
//! board counts every person. The event is closed at the end, so later scenarios see the town as
//! before (its persons stay marked 要援護).

use super::{bench_token, micros, now_ms, spread, Ctx, Device, PushRequest};
use mimamori_core::api::disaster::{EventBoard, EventSummary};
use mimamori_core::api::{Mutation, MutationResult, PullResponse, MAX_PUSH_BATCH};
use mimamori_core::domain::disaster::{NewConfirmation, SafetyStatus, Shelter, SupportNeed};
use mimamori_core::domain::PersonId;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

const TOWN: &str = "m-0";
const COORDINATOR: &str = "coord0a";

/// A status in proportions a real event might see: most safe, some not reached, a few in need.
fn confirmation(rng: &mut StdRng, event: &str, person: &PersonId) -> NewConfirmation {
    let (status, shelter, needs) = match rng.random_range(0..100) {
        0..70 => (SafetyStatus::SafeHome, None, Vec::new()),
        70..80 => (SafetyStatus::SafeEvacuated, Some(Shelter::Relatives), Vec::new()),
        80..90 => (SafetyStatus::Unreachable, None, Vec::new()),
        90..95 => (SafetyStatus::Hospital, None, Vec::new()),
        95..99 => (SafetyStatus::NeedsSupport, None, vec![SupportNeed::Supplies]),
        _ => (SafetyStatus::NeedsRescue, None, Vec::new()),
    };
    NewConfirmation {
        id: uuid::Uuid::new_v4(),
        event_id: event.to_owned(),
        person_id: person.clone(),
        status,
        shelter,
        shelter_name: String::new(),
        needs,
        note: None,
        recorded_at: now_ms(),
        location: None,
    }
}

impl Device {
    async fn start_event(&self, areas: &[String]) -> Result<EventSummary, String> {
        let body = serde_json::json!({
            "name": "ベンチマーク 地震", "kind": "earthquake", "small_area_ids": areas, "drill": true,
        });
        Ok(self.call(self.client.post(format!("{}/api/v1/events", self.base)).json(&body)).await?.0)
    }

    async fn board(&self, event: &str) -> Result<(EventBoard, super::Cost), String> {
        self.call(self.client.get(format!("{}/api/v1/events/{event}", self.base))).await
    }

    /// An area the event has already: changes nothing on the list, but takes the office's write
    /// path (a transaction with the write lock, a security-log row).
    async fn add_area_again(&self, event: &str, area: &str) -> Result<super::Cost, String> {
        let body = serde_json::json!({ "small_area_ids": [area] });
        let req = self.client.post(format!("{}/api/v1/events/{event}/areas", self.base)).json(&body);
        Ok(self.call::<serde_json::Value>(req).await?.1)
    }

    async fn close_event(&self, event: &str) -> Result<EventSummary, String> {
        Ok(self.call(self.client.post(format!("{}/api/v1/events/{event}/close", self.base))).await?.0)
    }
}

/// What an office browser does once a second during the storm.
enum OfficeAct {
    /// Reads the board, as its screen refreshes.
    ReadBoard,
    /// Adds one of the event's areas again (see [`Device::add_area_again`]).
    AddAreaAgain(String),
}

/// The coordinator's browser doing `act` once a second until `done`: each answer's latency, and
/// how many were 503 (counted, not fatal: the screen asks again at its next refresh).
fn office_every_second(
    base: &str,
    accept: &'static str,
    event: &str,
    act: OfficeAct,
    done: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Result<(Vec<u32>, u32), String>> {
    let (base, event) = (base.to_owned(), event.to_owned());
    tokio::spawn(async move {
        let office = Device::new(&base, &bench_token(COORDINATOR), accept);
        let (mut lat, mut failed) = (Vec::new(), 0u32);
        while !done.load(Ordering::Relaxed) {
            let answer = match &act {
                OfficeAct::ReadBoard => office.board(&event).await.map(|(_, cost)| cost),
                OfficeAct::AddAreaAgain(area) => office.add_area_again(&event, area).await,
            };
            match answer {
                Ok(cost) => lat.push(micros(cost.latency)),
                Err(e) if e.starts_with("HTTP 503") => failed += 1,
                Err(e) => return Err(e),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok((lat, failed))
    })
}

/// As the app does on a 503 (busy, or the database away): wait, doubling from 1 s to 8 s, and
/// send the same again. Each retry is counted.
async fn patient<T, F, Fut>(retries: &mut u32, f: F) -> Result<T, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let mut wait = 1;
    loop {
        match f().await {
            Err(e) if e.starts_with("HTTP 503") && *retries < 100 => {
                *retries += 1;
                tokio::time::sleep(Duration::from_secs(wait)).await;
                wait = (wait * 2).min(8);
            }
            other => return other,
        }
    }
}

/// One phone's part: pull (up to date already: from the newest cursor), then push a
/// confirmation for everyone on its lists, then the same batches again.
async fn phone(
    base: String,
    login: String,
    cursor: i64,
    seed: u64,
    accept: &'static str,
) -> Result<(usize, Vec<u32>, Vec<String>, u32), String> {
    let device = Device::new(&base, &bench_token(&login), accept);
    let mut retries = 0;
    let (pull, cost): (PullResponse, _) = patient(&mut retries, || device.pull(cursor, None)).await?;
    let mut lat = vec![micros(cost.latency)];
    let mut rng = StdRng::seed_from_u64(seed);
    let made: Vec<NewConfirmation> = pull
        .events
        .iter()
        .flat_map(|e| e.persons.iter().map(|p| (e.id.clone(), p.clone())).collect::<Vec<_>>())
        .map(|(event, person)| confirmation(&mut rng, &event, &person))
        .collect();
    for retry in [false, true] {
        for batch in made.chunks(MAX_PUSH_BATCH) {
            let req = PushRequest {
                mutations: batch.iter().map(|c| Mutation::ConfirmSafety { confirmation: c.clone() }).collect(),
                sent_at: Some(now_ms()),
            };
            let (res, cost) = patient(&mut retries, || device.push(&req)).await?;
            lat.push(micros(cost.latency));
            for (c, r) in batch.iter().zip(&res.results) {
                let ok = match r {
                    MutationResult::Applied { id } => !retry && *id == c.id,
                    MutationResult::Duplicate { id } => retry && *id == c.id,
                    _ => false,
                };
                if !ok {
                    return Err(format!("{login}: confirmation {} answered {r:?}", c.id));
                }
            }
        }
    }
    Ok((made.len(), lat, made.iter().map(|c| c.id.to_string()).collect(), retries))
}

pub async fn safety(ctx: &Ctx<'_>) -> Result<(), String> {
    let storage = &ctx.db.storage;
    let sql = |s: &str| storage.sql(s).into_owned();
    let in_town =
        "SELECT sa.id FROM small_areas sa JOIN districts d ON d.id = sa.district_id WHERE d.municipality_id = ?";
    sqlx::query(&sql(&format!(
        "UPDATE persons SET needs_evacuation_help = 1, consent_share_disaster = 1 WHERE small_area_id IN ({in_town})"
    )))
    .bind(TOWN)
    .execute(storage.pool())
    .await
    .map_err(|e| e.to_string())?;
    let areas: Vec<String> = sqlx::query_scalar(&sql(&format!("{in_town} ORDER BY sa.id")))
        .bind(TOWN)
        .fetch_all(storage.pool())
        .await
        .map_err(|e| e.to_string())?;
    let listed: i64 = sqlx::query_scalar(&sql(&format!(
        "SELECT COUNT(*) FROM persons WHERE active = 1 AND needs_evacuation_help = 1 AND small_area_id IN ({in_town})"
    )))
    .bind(TOWN)
    .fetch_one(storage.pool())
    .await
    .map_err(|e| e.to_string())?;
    let phones: Vec<String> = sqlx::query_scalar(&sql(
        "SELECT login FROM users WHERE municipality_id = ? AND role IN ('commissioner', 'volunteer')
         ORDER BY role, login LIMIT ?",
    ))
    .bind(TOWN)
    .bind(ctx.opts.safety_phones as i64)
    .fetch_all(storage.pool())
    .await
    .map_err(|e| e.to_string())?;
    let cursor: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM checks")
        .fetch_one(storage.pool())
        .await
        .map_err(|e| e.to_string())?;
    let office = Device::new(&ctx.base, &bench_token(COORDINATOR), ctx.opts.accept_encoding);
    let event = office.start_event(&areas).await?;
    println!(
        "\n### safety: an event over {} small areas, {listed} 要援護 persons; {} phones confirming everyone \
         on their lists at once, each batch pushed twice (the second: a retry); the board read every second\n",
        areas.len(),
        phones.len()
    );

    let done = Arc::new(AtomicBool::new(false));
    let accept = ctx.opts.accept_encoding;
    let poller = office_every_second(&ctx.base, accept, &event.id, OfficeAct::ReadBoard, done.clone());
    // Another office browser acting meanwhile, one write at a time, a second apart.
    let writer_probe =
        office_every_second(&ctx.base, accept, &event.id, OfficeAct::AddAreaAgain(areas[0].clone()), done.clone());
    let started = Instant::now();
    let mut set = JoinSet::new();
    for (i, login) in phones.iter().enumerate() {
        let base = ctx.bases[i % ctx.bases.len()].clone();
        set.spawn(phone(base, login.clone(), cursor, 15_000 + i as u64, ctx.opts.accept_encoding));
    }
    let (mut sent, mut lat, mut ids, mut retried) = (0usize, Vec::new(), HashSet::new(), 0u32);
    while let Some(joined) = set.join_next().await {
        let (n, l, made, r) = joined.map_err(|e| e.to_string())??;
        sent += n;
        lat.extend(l);
        ids.extend(made);
        retried += r;
    }
    let wall = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let (mut during, board_503) = poller.await.map_err(|e| e.to_string())??;
    let (mut writes, writes_503) = writer_probe.await.map_err(|e| e.to_string())??;
    let mut after = Vec::new();
    let mut board = None;
    for _ in 0..10 {
        let (b, cost) = office.board(&event.id).await?;
        after.push((micros(cost.latency), cost.wire, cost.body));
        board = Some(b);
    }
    let board = board.ok_or("no board read")?;
    let requests = lat.len();
    let [p50, p90, p99, max] = spread(&mut lat);
    println!(
        "| phones | confirmations | wall s | confirmations/s | requests answered (pulls, pushes) | 503s retried | \
         p50 ms | p90 ms | p99 ms | max ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {sent} | {wall:.1} | {:.0} | {requests} | {retried} | {p50} | {p90} | {p99} | {max} |",
        phones.len(),
        sent as f64 / wall
    );
    // In the order they were read (a second apart): when in the storm the slow ones came.
    let in_order = |l: &[u32]| l.iter().map(|us| (us / 1000).to_string()).collect::<Vec<_>>().join(" ");
    println!("\nBoard reads during, in order (ms): {}", in_order(&during));
    println!("Office writes during, in order (ms): {}", in_order(&writes));
    let (wire, body) = (after[0].1, after[0].2);
    let mut after_lat: Vec<u32> = after.iter().map(|a| a.0).collect();
    let [d50, _, _, dmax] = spread(&mut during);
    let [a50, _, _, amax] = spread(&mut after_lat);
    println!(
        "\nBoard (`GET /events/{{id}}`, {} persons, {} on the wire, {} decoded): while the phones pushed, {} reads \
         p50 {d50} ms, max {dmax} ms ({board_503} answered 503); after, 10 reads p50 {a50} ms, max {amax} ms.",
        board.persons.len(),
        super::kib(wire),
        super::kib(body),
        during.len()
    );
    let [w50, _, _, wmax] = spread(&mut writes);
    println!(
        "\nOffice writes while the phones pushed (an area added to the event again, once a second): {} answered, \
         p50 {w50} ms, max {wmax} ms; {writes_503} answered 503.",
        writes.len()
    );

    // Every confirmation stored, once; the board counts everyone.
    let stored: Vec<String> = sqlx::query_scalar(&sql("SELECT id FROM safety_confirmations WHERE event_id = ?"))
        .bind(&event.id)
        .fetch_all(storage.pool())
        .await
        .map_err(|e| e.to_string())?;
    let distinct: HashSet<&str> = stored.iter().map(String::as_str).collect();
    if stored.len() != sent || distinct.len() != sent || !ids.iter().all(|id| distinct.contains(id.as_str())) {
        return Err(format!("{sent} confirmations sent, {} rows stored ({} distinct)", stored.len(), distinct.len()));
    }
    if i64::from(board.total.persons) != listed {
        return Err(format!("the board counts {} persons of {listed}", board.total.persons));
    }
    println!(
        "\nVerified in the database: all {sent} confirmations stored exactly once; the board counts all {listed} \
         persons ({} not yet confirmed: persons no phone in the run holds).",
        board.total.unconfirmed
    );
    office.close_event(&event.id).await?;
    Ok(())
}
