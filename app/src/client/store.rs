//! The client store in IndexedDB: the only place personal data lives on the device.
//!
//! Schema version 1:
//! - `meta`: out-of-line keys — `session` (the signed-in [`User`]), `cursor` (pull cursor),
//!   `last_synced_at`.
//! - `persons`: [`Person`] by `id`.
//! - `checks`: [`Check`] by `id`, index `by_person`.
//! - `outbox`: [`OutboxEntry`] by auto-increment `seq`: the order changes were made in.
//!
//! A new version adds an `if old < N` step to [`upgrade`]; existing data is kept.

use crate::api::Mutation;
use crate::domain::{Check, CheckId, EpochMillis, Person, SyncState, User};
use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyPath;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;

pub const DB_NAME: &str = "mimamori";
pub const SCHEMA_VERSION: u32 = 1;

const META: &str = "meta";
const PERSONS: &str = "persons";
const CHECKS: &str = "checks";
const OUTBOX: &str = "outbox";

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

thread_local! {
    static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
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

pub async fn persons() -> Result<Vec<Person>, StoreError> {
    all(PERSONS).await
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
pub async fn save_new_check(check: &Check, mutation: Mutation) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([CHECKS, OUTBOX]).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(CHECKS)?.put(check).serde()?;
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

/// What the server said about one pushed check.
pub enum Settled {
    Stored(CheckId),
    Refused(CheckId, String),
}

/// Records the server's answers: settled entries leave the outbox, and their checks are
/// marked sent or refused (a refused check stays on the device with its reason).
pub async fn settle(entries: &[(u64, Settled)]) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([CHECKS, OUTBOX]).with_mode(TransactionMode::Readwrite).build()?;
    let checks = tx.object_store(CHECKS)?;
    let outbox = tx.object_store(OUTBOX)?;
    for (seq, settled) in entries {
        let (id, state, reason) = match settled {
            Settled::Stored(id) => (id, SyncState::Synced, None),
            Settled::Refused(id, why) => (id, SyncState::Rejected, Some(why.clone())),
        };
        let existing: Option<Check> = checks.get(id.0.to_string()).serde()?.await?;
        if let Some(mut check) = existing {
            check.sync = state;
            check.rejection = reason;
            checks.put(&check).serde()?;
        }
        outbox.delete(*seq as f64).primitive()?;
    }
    tx.commit().await?;
    Ok(())
}

/// Applies one pull page: the person list is replaced whole (someone who left this user's
/// scope is removed with their checks), pulled checks are stored as sent, and the cursor advances
/// in the same transaction so a crash cannot skip a page.
pub async fn apply_pull(persons: &[Person], pulled: &[Check], cursor: i64, now: EpochMillis) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([META, PERSONS, CHECKS]).with_mode(TransactionMode::Readwrite).build()?;
    let person_store = tx.object_store(PERSONS)?;
    let check_store = tx.object_store(CHECKS)?;
    person_store.clear()?;
    for p in persons {
        person_store.put(p).serde()?;
    }
    for c in pulled {
        check_store.put(c).serde()?;
    }
    // Drop checks of persons no longer in scope, except ones still waiting to be sent.
    let visible: std::collections::HashSet<&str> = persons.iter().map(|p| p.id.as_str()).collect();
    let held = check_store.get_all::<Check>().serde()?.await?;
    for c in held.flatten() {
        if !visible.contains(c.person_id.as_str()) && c.sync != SyncState::Pending {
            check_store.delete(c.id.0.to_string()).primitive()?;
        }
    }
    let meta = tx.object_store(META)?;
    meta.put(cursor as f64).with_key("cursor".to_owned()).primitive()?;
    meta.put(now as f64).with_key("last_synced_at".to_owned()).primitive()?;
    tx.commit().await?;
    Ok(())
}

/// Removes every trace of personal data from the device (sign-out, a different user).
pub async fn wipe() -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([META, PERSONS, CHECKS, OUTBOX]).with_mode(TransactionMode::Readwrite).build()?;
    for name in [META, PERSONS, CHECKS, OUTBOX] {
        tx.object_store(name)?.clear()?;
    }
    tx.commit().await?;
    Ok(())
}
