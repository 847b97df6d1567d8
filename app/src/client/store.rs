//! The client store in IndexedDB: the only place personal data lives on the device.
//!
//! - `meta`: out-of-line keys — `session` (the signed-in [`User`]), `cursor` (pull cursor),
//!   `last_synced_at`, `clock_offset` (server clock minus device clock), `stale_persons`.
//! - `persons`: the server's copy of each [`Person`] by `id`. What the UI shows is that copy
//!   with this device's unsent edits laid over it ([`persons`]).
//! - `checks`: [`Check`] by `id`, index `by_person`.
//! - `outbox`: [`OutboxEntry`] by auto-increment `seq`: the order changes were made in.
//! - `refused` (v2): person edits the server refused, with the reason, so none vanishes unseen.
//! - `drafts` (v2): half-filled forms by form key, so nothing typed is lost to a reload.
//!
//! A new version adds an `if old < N` step to [`upgrade`]; existing data is kept.

use crate::api::Mutation;
use crate::domain::merge::rebase;
use crate::domain::{Check, EpochMillis, Person, PersonId, SyncState, User, Version};
use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyPath;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

pub const DB_NAME: &str = "mimamori";
pub const SCHEMA_VERSION: u32 = 2;

const META: &str = "meta";
const PERSONS: &str = "persons";
const CHECKS: &str = "checks";
const OUTBOX: &str = "outbox";
const REFUSED: &str = "refused";
const DRAFTS: &str = "drafts";
const ALL_STORES: [&str; 6] = [META, PERSONS, CHECKS, OUTBOX, REFUSED, DRAFTS];

#[derive(Debug, Clone, thiserror::Error)]
#[error("client store: {0}")]
pub struct StoreError(pub String);

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError(e.to_string())
    }
}
impl From<indexed_db_futures::error::OpenDbError> for StoreError {
    fn from(e: indexed_db_futures::error::OpenDbError) -> Self {
        StoreError(e.to_string())
    }
}

/// A change waiting to be pushed. `seq` is assigned by IndexedDB and orders the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutboxEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    pub mutation: Mutation,
}

/// A person edit the server refused: kept with the reason for the user to see.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefusedEdit {
    pub id: String,
    pub mutation: Mutation,
    pub reason: String,
}

thread_local! {
    static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
    static UPGRADED_FROM_V1: Cell<bool> = const { Cell::new(false) };
}

fn upgrade(event: VersionChangeEvent, db: Database) -> indexed_db_futures::Result<()> {
    let old = event.old_version() as u32;
    if old < 1 {
        db.create_object_store(META).build()?;
        db.create_object_store(PERSONS).with_key_path(KeyPath::from("id")).build()?;
        let checks = db.create_object_store(CHECKS).with_key_path(KeyPath::from("id")).build()?;
        checks.create_index("by_person", KeyPath::from("person_id")).build()?;
        db.create_object_store(OUTBOX).with_key_path(KeyPath::from("seq")).with_auto_increment(true).build()?;
    }
    if old < 2 {
        db.create_object_store(REFUSED).with_key_path(KeyPath::from("id")).build()?;
        db.create_object_store(DRAFTS).build()?;
        // Persons stored by v1 lack fields v2 shows; they stay readable (serde defaults) and are
        // fetched again at the next sync.
        if old == 1 {
            UPGRADED_FROM_V1.with(|u| u.set(true));
        }
    }
    Ok(())
}

/// The open database, opened (and upgraded) on first use.
pub async fn db() -> Result<Rc<Database>, StoreError> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let db = Database::open(DB_NAME)
        .with_version(SCHEMA_VERSION)
        .with_on_upgrade_needed(|event, db| upgrade(event, db.clone()))
        .await?;
    let db = Rc::new(db);
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    if UPGRADED_FROM_V1.with(|u| u.replace(false)) {
        let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
        tx.object_store(META)?.put(&true).with_key("stale_persons".to_owned()).serde()?;
        tx.commit().await?;
    }
    Ok(db)
}

async fn meta_get<T: for<'de> Deserialize<'de>>(key: &str) -> Result<Option<T>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(META).build()?;
    let store = tx.object_store(META)?;
    let value: Option<T> = store.get(key.to_owned()).serde()?.await?;
    Ok(value)
}

async fn meta_put<T: Serialize>(key: &str, value: &T) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    let store = tx.object_store(META)?;
    store.put(value).with_key(key.to_owned()).serde()?;
    tx.commit().await?;
    Ok(())
}

pub async fn session() -> Result<Option<User>, StoreError> {
    meta_get("session").await
}

pub async fn set_session(user: &User) -> Result<(), StoreError> {
    meta_put("session", user).await
}

pub async fn cursor() -> Result<i64, StoreError> {
    Ok(meta_get::<i64>("cursor").await?.unwrap_or(0))
}

pub async fn last_synced_at() -> Result<Option<EpochMillis>, StoreError> {
    meta_get("last_synced_at").await
}

async fn all<T: for<'de> Deserialize<'de>>(store_name: &str) -> Result<Vec<T>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(store_name).build()?;
    let store = tx.object_store(store_name)?;
    let all = store.get_all::<T>().serde()?.await?;
    Ok(all.collect::<Result<Vec<_>, _>>()?)
}

/// The persons as this device's user sees them: the server's copies with unsent edits on top.
pub async fn persons() -> Result<Vec<Person>, StoreError> {
    let server: Vec<Person> = all(PERSONS).await?;
    let outbox: Vec<OutboxEntry> = all(OUTBOX).await?;
    let mut pending: HashMap<&PersonId, Vec<&crate::domain::FieldValue>> = HashMap::new();
    for entry in &outbox {
        if let Mutation::EditPerson { person_id, edits, .. } = &entry.mutation {
            pending.entry(person_id).or_default().extend(edits.iter().map(|e| &e.change));
        }
    }
    Ok(server
        .into_iter()
        .map(|p| match pending.get(&p.id) {
            Some(values) => {
                let values = values.clone();
                rebase(p, values)
            }
            None => p,
        })
        .collect())
}

/// The server's copy of one person (the `base` versions of a new edit come from it).
pub async fn server_person(id: &PersonId) -> Result<Option<Person>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(PERSONS).build()?;
    Ok(tx.object_store(PERSONS)?.get(id.0.clone()).serde()?.await?)
}

/// Version of every person held, for comparing with the server's scope manifest.
pub async fn held_versions() -> Result<HashMap<PersonId, Version>, StoreError> {
    let persons: Vec<Person> = all(PERSONS).await?;
    Ok(persons.into_iter().map(|p| (p.id, p.version)).collect())
}

pub async fn refused_edits() -> Result<Vec<RefusedEdit>, StoreError> {
    all(REFUSED).await
}

pub async fn clock_offset() -> Result<i64, StoreError> {
    Ok(meta_get::<f64>("clock_offset").await?.map(|v| v as i64).unwrap_or(0))
}

/// Whether the persons held came from an older schema and must be fetched again.
pub async fn persons_stale() -> Result<bool, StoreError> {
    Ok(meta_get::<bool>("stale_persons").await?.unwrap_or(false))
}

pub async fn clear_persons_stale() -> Result<(), StoreError> {
    meta_put("stale_persons", &false).await
}

pub async fn checks() -> Result<Vec<Check>, StoreError> {
    all(CHECKS).await
}

pub async fn pending_count() -> Result<u32, StoreError> {
    let db = db().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let store = tx.object_store(OUTBOX)?;
    Ok(store.count().await?)
}

/// Saves a new check and its outbox entry in one transaction. When this returns `Ok`,
/// the check is durable on the device and the UI may say 保存しました.
/// The form's draft goes in the same transaction: saved and draft-cleared, or neither.
pub async fn save_new_check(check: &Check, mutation: Mutation, draft_key: &str) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([CHECKS, OUTBOX, DRAFTS]).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(CHECKS)?.put(check).serde()?;
    tx.object_store(OUTBOX)?.add(OutboxEntry { seq: None, mutation }).serde()?;
    tx.object_store(DRAFTS)?.delete(draft_key.to_owned()).primitive()?;
    tx.commit().await?;
    Ok(())
}

/// Queues a person edit. The server's copy is untouched; [`persons`] shows the edit on top of it
/// until the server has answered and the next pull brings the merged person.
pub async fn save_edit(mutation: Mutation) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(OUTBOX).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(OUTBOX)?.add(OutboxEntry { seq: None, mutation }).serde()?;
    tx.commit().await?;
    Ok(())
}

/// The oldest `limit` outbox entries, in the order they were made.
pub async fn outbox_batch(limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let store = tx.object_store(OUTBOX)?;
    let all = store.get_all::<OutboxEntry>().with_limit(limit).serde()?.await?;
    Ok(all.collect::<Result<Vec<_>, _>>()?)
}

/// Emergency checks still waiting, oldest first: they are pushed ahead of everything else so the
/// coordinator hears of them at the first contact, however long the outbox.
pub async fn urgent_outbox(limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
    let all: Vec<OutboxEntry> = all(OUTBOX).await?;
    Ok(all
        .into_iter()
        .filter(|e| {
            matches!(&e.mutation, Mutation::CreateCheck { check } if check.outcome == crate::domain::CheckOutcome::Emergency)
        })
        .take(limit)
        .collect())
}

/// A half-filled form, kept so that a reload or a killed app loses nothing typed.
pub async fn draft<T: for<'de> Deserialize<'de>>(key: &str) -> Result<Option<T>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(DRAFTS).build()?;
    Ok(tx.object_store(DRAFTS)?.get(key.to_owned()).serde()?.await?)
}

pub async fn put_draft<T: Serialize>(key: &str, value: &T) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(DRAFTS).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(DRAFTS)?.put(value).with_key(key.to_owned()).serde()?;
    tx.commit().await?;
    Ok(())
}

/// What the server said about one pushed change.
pub enum Settled {
    /// Stored (now, or by an earlier push of the same change).
    Stored,
    /// Refused, with the reason in Japanese.
    Refused(String),
}

/// Records the server's answers: settled entries leave the outbox; checks are marked sent or
/// refused (a refused check stays on the device with its reason) and refused edits move to
/// `refused`. One transaction, so a crash cannot settle half a batch.
pub async fn settle(entries: &[(OutboxEntry, Settled)]) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([CHECKS, OUTBOX, REFUSED]).with_mode(TransactionMode::Readwrite).build()?;
    let checks = tx.object_store(CHECKS)?;
    let outbox = tx.object_store(OUTBOX)?;
    let refused = tx.object_store(REFUSED)?;
    for (entry, settled) in entries {
        let Some(seq) = entry.seq else { continue };
        match (&entry.mutation, settled) {
            (Mutation::CreateCheck { check }, _) => {
                let (state, reason) = match settled {
                    Settled::Stored => (SyncState::Synced, None),
                    Settled::Refused(why) => (SyncState::Rejected, Some(why.clone())),
                };
                let existing: Option<Check> = checks.get(check.id.0.to_string()).serde()?.await?;
                if let Some(mut check) = existing {
                    check.sync = state;
                    check.rejection = reason;
                    checks.put(&check).serde()?;
                }
            }
            (Mutation::EditPerson { id, .. }, Settled::Refused(why)) => {
                let kept = RefusedEdit { id: id.to_string(), mutation: entry.mutation.clone(), reason: why.clone() };
                refused.put(&kept).serde()?;
            }
            (Mutation::EditPerson { .. }, Settled::Stored) => {}
        }
        outbox.delete(seq as f64).primitive()?;
    }
    tx.commit().await?;
    Ok(())
}

/// Applies one pull page. Persons not in the scope manifest have left this user's scope: they
/// are removed with their history (except records still waiting to be sent, which the server
/// will answer). Pulled checks are stored as sent, and the cursor advances in the same
/// transaction so a crash cannot skip a page. Returns how many of this user's own refused
/// records went with a departed person, so the UI can say so.
pub async fn apply_pull(
    scope: &HashSet<PersonId>,
    pulled: &[Check],
    cursor: i64,
    now: EpochMillis,
    clock_offset: i64,
) -> Result<u32, StoreError> {
    let db = db().await?;
    let tx = db.transaction([META, PERSONS, CHECKS]).with_mode(TransactionMode::Readwrite).build()?;
    let mut dropped = 0;
    let person_store = tx.object_store(PERSONS)?;
    let check_store = tx.object_store(CHECKS)?;
    let held = person_store.get_all::<Person>().serde()?.await?;
    for p in held.flatten() {
        if !scope.contains(&p.id) {
            person_store.delete(p.id.0.clone()).primitive()?;
        }
    }
    for c in pulled {
        check_store.put(c).serde()?;
    }
    let held = check_store.get_all::<Check>().serde()?.await?;
    for c in held.flatten() {
        if !scope.contains(&c.person_id) && c.sync != SyncState::Pending {
            dropped += u32::from(c.sync == SyncState::Rejected);
            check_store.delete(c.id.0.to_string()).primitive()?;
        }
    }
    let meta = tx.object_store(META)?;
    meta.put(cursor as f64).with_key("cursor".to_owned()).primitive()?;
    meta.put(now as f64).with_key("last_synced_at".to_owned()).primitive()?;
    meta.put(clock_offset as f64).with_key("clock_offset".to_owned()).primitive()?;
    tx.commit().await?;
    Ok(dropped)
}

/// Stores fetched persons (and the history of those new to this device).
pub async fn put_fetched(persons: &[Person], checks: &[Check]) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([PERSONS, CHECKS]).with_mode(TransactionMode::Readwrite).build()?;
    let person_store = tx.object_store(PERSONS)?;
    for p in persons {
        person_store.put(p).serde()?;
    }
    let check_store = tx.object_store(CHECKS)?;
    for c in checks {
        check_store.put(c).serde()?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes every trace of personal data from the device (sign-out, revocation, a different user).
pub async fn wipe() -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(ALL_STORES).with_mode(TransactionMode::Readwrite).build()?;
    for name in ALL_STORES {
        tx.object_store(name)?.clear()?;
    }
    tx.commit().await?;
    Ok(())
}
