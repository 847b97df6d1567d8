//! The client store in IndexedDB: the only place personal data lives on the device.
//!
//! - `meta`: out-of-line keys — `session` (the signed-in [`User`]), `cursor` (pull cursor),
//!   `last_synced_at`, `clock_offset` (server clock minus device clock), `stale_persons`,
//!   `pull_mark` (see [`pull_mark`]).
//! - `persons`: the server's copy of each [`Person`] by `id`. What the UI shows is that copy
//!   with this device's unsent edits laid over it ([`persons`]).
//! - `checks`: [`Check`] by `id`, index `by_person`.
//! - `outbox`: [`OutboxEntry`] by auto-increment `seq`: the order changes were made in.
//! - `refused` (v2): changes the server refused (person edits, consents, registrations, requests,
//!   活動記録), with the server's error code and Japanese message, so none vanishes unseen. Kept
//!   as data: the screens word the code in whatever language the user reads at the time.
//! - `drafts` (v2): half-filled forms by form key, so nothing typed is lost to a reload.
//! - `requests` (v3): [`FieldRequest`] by `id`: requests on the persons held, as last pulled.
//!   Requests raised here and not yet sent are read from the outbox instead.
//! - `meta` also keeps `areas` (v3): the small areas this user may register a person in;
//!   `tiles`: where the phone map's base tiles come from (a server setting, kept when the map
//!   opens online so that it opens offline too); `seen_devices`: the ids of this user's other
//!   devices whose enrolment the user has seen; and
//!   `sign_out_pending`: the device was signed out offline, and the server must still be told;
//!   `cases`: where the 要対応 cases on the persons held stand ([`FieldCase`], replaced at each pull);
//!   `newest_checks`: the sealed records of each person's newest checks, copied, and the number of
//!   checks then held, so that unlocking shows the home list without opening every check.
//!
//! - `aside` (v4): records that would not decrypt (damaged on disk), moved out of the way with
//!   the store and key they came from, so the rest of the store stays readable.
//! - `meta` also keeps `lock`: the PIN's salt and iteration count, the data key wrapped under the
//!   PIN, wrong PINs in a row and the idle minutes before locking ([`LockRecord`]).
//!
//! Sealed: every record of `persons`, `checks`, `outbox`, `refused`, `drafts` and `requests`, and
//! `session`, `areas` and `cases` in `meta` (and the copies in `newest_checks`), is a [`Row`]:
//! the keys it is found by in the clear (random ids and the outbox's sequence number, nothing
//! about a person) and the record itself AES-GCM sealed under the data key ([`vault`]). Without
//! the PIN none of it opens. A device whose store predates the lock is sealed in place, in one
//! transaction, when its user sets a PIN ([`seal_in_place`]).
//!
//! A new version adds an `if old < N` step to [`upgrade`]; existing data is kept.

use crate::api::admin::SmallArea;
use crate::api::map::TileSource;
use crate::api::Mutation;
use crate::domain::disaster::{Confirmation, FieldEvent, SafetyStatus};
use crate::domain::merge::rebase;
use crate::domain::{
    Check, ConsentInput, EpochMillis, FieldCase, FieldRequest, Person, PersonFields, PersonId, RequestStatus,
    SyncState, User, Version,
};
use crate::vault::{self, LockRecord, VaultError};
use indexed_db_futures::database::{Database, VersionChangeEvent};
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::{Transaction, TransactionDurability, TransactionMode, TransactionOptions};
use indexed_db_futures::KeyPath;
use mimamori_core::error::ErrorCode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use wasm_bindgen::JsValue;

pub const DB_NAME: &str = "mimamori";
pub const SCHEMA_VERSION: u32 = 4;

const META: &str = "meta";
const PERSONS: &str = "persons";
const CHECKS: &str = "checks";
const OUTBOX: &str = "outbox";
const REFUSED: &str = "refused";
const DRAFTS: &str = "drafts";
const REQUESTS: &str = "requests";
const ASIDE: &str = "aside";
/// `meta`: the records moved aside that the server has not been told of (store names, counts).
const UNREPORTED_ASIDE: &str = "aside_unreported";
const ALL_STORES: [&str; 8] = [META, PERSONS, CHECKS, OUTBOX, REFUSED, DRAFTS, REQUESTS, ASIDE];
/// The stores whose every record is sealed.
const SEALED_STORES: [&str; 6] = [PERSONS, CHECKS, OUTBOX, REFUSED, DRAFTS, REQUESTS];
/// The keys of `meta` whose values are sealed; the rest hold nothing about a person.
const SEALED_META: [&str; 3] = ["session", "areas", "cases"];

#[derive(Debug, Clone, thiserror::Error)]
#[error("client store: {0}")]
pub struct StoreError(pub String);

impl From<indexed_db_futures::error::Error> for StoreError {
    fn from(e: indexed_db_futures::error::Error) -> Self {
        StoreError(e.to_string())
    }
}
impl From<VaultError> for StoreError {
    fn from(e: VaultError) -> Self {
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
    /// The server's Japanese message: what the screens show when they have no words of their
    /// own for `code` (and all that stores from before `code` was kept hold).
    pub reason: String,
    /// The server's error code; the screens word it in the user's language.
    #[serde(default)]
    pub code: Option<ErrorCode>,
}

/// A record as IndexedDB keeps it: the keys it is found by, in the clear, and the record sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Row {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// Checks only: the `by_person` index (a random id; says nothing about who).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    person_id: Option<String>,
    /// Outbox only: the order changes were made in (assigned by IndexedDB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    s: ByteBuf,
}

impl Row {
    fn seal<T: Serialize>(value: &T) -> Result<Row, StoreError> {
        Ok(Row { id: None, person_id: None, seq: None, s: vault::seal(value)? })
    }

    fn id(mut self, id: impl Into<String>) -> Row {
        self.id = Some(id.into());
        self
    }

    fn open<T: DeserializeOwned>(&self) -> Result<T, VaultError> {
        vault::open(&self.s)
    }
}

fn check_row(c: &Check) -> Result<Row, StoreError> {
    let mut row = Row::seal(c)?.id(c.id.0.to_string());
    row.person_id = Some(c.person_id.as_str().to_owned());
    Ok(row)
}

fn outbox_row(mutation: Mutation) -> Result<Row, StoreError> {
    Row::seal(&OutboxEntry { seq: None, mutation })
}

fn open_entry(row: &Row) -> Result<OutboxEntry, VaultError> {
    let mut entry: OutboxEntry = row.open()?;
    entry.seq = row.seq;
    Ok(entry)
}

thread_local! {
    static DB: RefCell<Option<Rc<Database>>> = const { RefCell::new(None) };
    static UPGRADED_FROM_V1: Cell<bool> = const { Cell::new(false) };
    static MOVED_ASIDE: Cell<u32> = const { Cell::new(0) };
    static CHECKS_WRITTEN: Cell<u64> = const { Cell::new(0) };
    /// The checks this page wrote since the UI last asked ([`take_checks_written`]); `None` when
    /// that cannot be said (another page wrote, records were deleted or moved aside).
    static WRITTEN_IDS: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

/// Counts a write to the checks store whose checks cannot be named (see [`checks_mark`]): the UI
/// reads them all again.
fn checks_written() {
    CHECKS_WRITTEN.with(|n| n.set(n.get() + 1));
    WRITTEN_IDS.with(|w| *w.borrow_mut() = None);
}

/// Counts a write of these checks (added or changed, none deleted): the UI reads only them again.
fn checks_written_ids(mut ids: Vec<String>) {
    CHECKS_WRITTEN.with(|n| n.set(n.get() + 1));
    WRITTEN_IDS.with(|w| {
        if let Some(written) = w.borrow_mut().as_mut() {
            written.append(&mut ids);
        }
    });
}

/// What the UI holds of the checks may be out of date although this page wrote nothing: another
/// page (the sync leader) did. Also for a read of the changes that did not complete.
pub fn checks_written_elsewhere() {
    checks_written();
}

/// The ids of the checks this page added or changed since the last call (an id may come more
/// than once), or `None` when it cannot say (the first call, or a write it cannot name since):
/// then every check is to be read again.
/// Why: after every save the UI's checks were read again whole, up to three times (the save, the
/// push's answer, the pull that brings the check back), 2.5 s of a slow phone's time each with
/// 23,000 sealed checks, for one changed check.
pub fn take_checks_written() -> Option<Vec<String>> {
    WRITTEN_IDS.with(|w| w.borrow_mut().replace(Vec::new()))
}

/// Changes whenever what [`checks_page`] reads may have changed: this page's writes to the checks
/// store, and the number of records in it (a check saved in another tab adds one). Cheap: no
/// record is opened. Why: a 民生委員's phone holds tens of thousands of sealed checks (22,400 in
/// the benchmark: 1.2 s to open them all, 2.6 s on a slow phone), and every sync run ended by
/// opening them all again, once a minute, though most runs bring nothing new.
pub async fn checks_mark() -> Result<(u64, u32), StoreError> {
    let db = db().await?;
    let tx = db.transaction(CHECKS).build()?;
    let count = tx.object_store(CHECKS)?.count().await?;
    Ok((CHECKS_WRITTEN.with(Cell::get), count))
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
    if old < 3 {
        db.create_object_store(REQUESTS).with_key_path(KeyPath::from("id")).build()?;
    }
    if old < 4 {
        db.create_object_store(ASIDE).build()?;
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

async fn meta_get_sealed<T: DeserializeOwned>(key: &str) -> Result<Option<T>, StoreError> {
    match meta_get::<Row>(key).await? {
        Some(row) => Ok(Some(row.open()?)),
        None => Ok(None),
    }
}

async fn meta_put_sealed<T: Serialize>(key: &str, value: &T) -> Result<(), StoreError> {
    meta_put(key, &Row::seal(value)?).await
}

pub async fn session() -> Result<Option<User>, StoreError> {
    meta_get_sealed("session").await
}

pub async fn set_session(user: &User) -> Result<(), StoreError> {
    meta_put_sealed("session", user).await
}

/// Where the app lock stands on this device.
#[derive(Debug, Clone)]
pub enum Vault {
    /// No PIN set: nothing sealed is stored. `plain_user` is a store from before the lock (its
    /// records in the clear), waiting for its user to set a PIN.
    NoPin { plain_user: Option<User> },
    /// A PIN is set and the data key is not in memory.
    Locked(LockRecord),
    /// The data key is in memory.
    Open(LockRecord),
}

pub async fn vault_state() -> Result<Vault, StoreError> {
    match meta_get::<LockRecord>("lock").await? {
        Some(lock) if vault::unlocked() => Ok(Vault::Open(lock)),
        Some(lock) => Ok(Vault::Locked(lock)),
        None => Ok(Vault::NoPin { plain_user: meta_get::<User>("session").await.ok().flatten() }),
    }
}

/// Saves the lock record (wrong PINs counted, a new setting, a new PIN).
pub async fn put_lock(lock: &LockRecord) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).with_options(strict()).build()?;
    tx.object_store(META)?.put(lock).with_key("lock".to_owned()).serde()?;
    tx.commit().await?;
    Ok(())
}

/// Turns on the lock: stores `lock` and seals every record still in the clear (a store from a
/// release before the lock), in one transaction, so a crash leaves the store either as it was or
/// wholly sealed. The data key must be in memory ([`vault::create`]).
pub async fn seal_in_place(lock: &LockRecord) -> Result<u32, StoreError> {
    let db = db().await?;
    let tx = db.transaction(ALL_STORES).with_mode(TransactionMode::Readwrite).with_options(strict()).build()?;
    let mut sealed = 0;
    let plain = |v: &JsValue| js_sys::Reflect::get(v, &JsValue::from_str("s")).is_ok_and(|s| s.is_undefined());
    let text = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).ok().and_then(|x| x.as_string());
    for name in SEALED_STORES {
        let store = tx.object_store(name)?;
        let keys: Vec<JsValue> = store.get_all_keys::<JsValue>().primitive()?.await?.collect::<Result<_, _>>()?;
        let values: Vec<JsValue> = store.get_all::<JsValue>().primitive()?.await?.collect::<Result<_, _>>()?;
        for (key, value) in keys.into_iter().zip(values) {
            if !plain(&value) {
                continue;
            }
            let mut row = Row { id: None, person_id: None, seq: None, s: vault::seal_js(&value)? };
            match name {
                OUTBOX => row.seq = key.as_f64().map(|k| k as u64),
                CHECKS => {
                    row.id = text(&value, "id");
                    row.person_id = text(&value, "person_id");
                }
                DRAFTS => {}
                _ => row.id = text(&value, "id"),
            }
            if name == DRAFTS {
                let key = key.as_string().unwrap_or_default();
                store.put(&row).with_key(key).serde()?;
            } else {
                store.put(&row).serde()?;
            }
            sealed += 1;
        }
    }
    let meta = tx.object_store(META)?;
    for key in SEALED_META {
        let value: Option<JsValue> = meta.get(key.to_owned()).primitive()?.await?;
        if let Some(value) = value.filter(|v| !v.is_undefined() && !v.is_null()) {
            if plain(&value) || !value.is_object() {
                let row = Row { id: None, person_id: None, seq: None, s: vault::seal_js(&value)? };
                meta.put(&row).with_key(key.to_owned()).serde()?;
                sealed += 1;
            }
        }
    }
    meta.put(lock).with_key("lock".to_owned()).serde()?;
    tx.commit().await?;
    checks_written();
    Ok(sealed)
}

pub async fn cursor() -> Result<i64, StoreError> {
    Ok(meta_get::<i64>("cursor").await?.unwrap_or(0))
}

pub async fn last_synced_at() -> Result<Option<EpochMillis>, StoreError> {
    meta_get("last_synced_at").await
}

/// Every record of a sealed store, opened. A record that will not open (damaged on disk) does not
/// stop the others: it is moved to `aside` ([`move_aside`]) and the rest are returned.
async fn all_rows<T>(store_name: &str, open: impl Fn(&Row) -> Result<T, VaultError>) -> Result<Vec<T>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(store_name).build()?;
    let store = tx.object_store(store_name)?;
    let keys: Vec<JsValue> = store.get_all_keys::<JsValue>().primitive()?.await?.collect::<Result<_, _>>()?;
    let values: Vec<JsValue> = store.get_all::<JsValue>().primitive()?.await?.collect::<Result<_, _>>()?;
    drop(tx);
    open_rows(store_name, keys, values, open).await
}

/// Records read from a sealed store, opened; those that will not open are moved aside.
async fn open_rows<T>(
    store_name: &str,
    keys: Vec<JsValue>,
    values: Vec<JsValue>,
    open: impl Fn(&Row) -> Result<T, VaultError>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::with_capacity(values.len());
    let mut bad = Vec::new();
    for (key, value) in keys.into_iter().zip(values) {
        let opened = serde_wasm_bindgen::from_value::<Row>(value.clone())
            .map_err(|_| VaultError::Corrupt)
            .and_then(|row| open(&row));
        match opened {
            Ok(v) => out.push(v),
            Err(VaultError::Corrupt) => bad.push((key, value)),
            Err(e) => return Err(e.into()),
        }
    }
    if !bad.is_empty() {
        move_aside(store_name, bad).await?;
    }
    Ok(out)
}

async fn all<T: DeserializeOwned>(store_name: &str) -> Result<Vec<T>, StoreError> {
    all_rows(store_name, |row| row.open()).await
}

async fn all_outbox() -> Result<Vec<OutboxEntry>, StoreError> {
    all_rows(OUTBOX, open_entry).await
}

/// Records that would not decrypt leave their store for `aside`, kept as they were (with the store
/// and key they came from) for whoever can look into them; the user is told how many.
async fn move_aside(store_name: &str, bad: Vec<(JsValue, JsValue)>) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([store_name, ASIDE, META]).with_mode(TransactionMode::Readwrite).build()?;
    let store = tx.object_store(store_name)?;
    let aside = tx.object_store(ASIDE)?;
    // Counted for the server's security log, in the same transaction (sent at the next unlock
    // with signal; only store names and counts).
    // A plain JS object `{stores: {persons: 1}}` (a `RecordsAside`), counted without serde: this
    // runs at start, and a map's serde here cost the first load 3 KB.
    let meta = tx.object_store(META)?;
    let report: Option<JsValue> = meta.get(UNREPORTED_ASIDE.to_owned()).primitive()?.await?;
    let report = report.filter(JsValue::is_object).unwrap_or_else(|| js_sys::Object::new().into());
    let stores = js_sys::Reflect::get(&report, &"stores".into())
        .ok()
        .filter(JsValue::is_object)
        .unwrap_or_else(|| js_sys::Object::new().into());
    let before = js_sys::Reflect::get(&stores, &store_name.into()).ok().and_then(|n| n.as_f64()).unwrap_or(0.0);
    let _ = js_sys::Reflect::set(&stores, &store_name.into(), &(before + bad.len() as f64).into());
    let _ = js_sys::Reflect::set(&report, &"stores".into(), &stores);
    meta.put(report).with_key(UNREPORTED_ASIDE.to_owned()).primitive()?;
    // The store no longer holds all a whole pull gave it: the next pull is whole and brings the
    // person back (a pull answered "unchanged" would not).
    meta.delete(PULL_MARK.to_owned()).primitive()?;
    for (key, value) in bad {
        let name = format!(
            "{store_name}:{}",
            key.as_string().or_else(|| key.as_f64().map(|k| k.to_string())).unwrap_or_default()
        );
        aside.put(value).with_key(name).primitive()?;
        store.delete(key).primitive()?;
        MOVED_ASIDE.with(|n| n.set(n.get() + 1));
    }
    tx.commit().await?;
    checks_written();
    Ok(())
}

/// Records moved aside that the server has not heard of yet (see [`move_aside`]).
pub async fn unreported_aside() -> Option<crate::api::RecordsAside> {
    meta_get::<crate::api::RecordsAside>(UNREPORTED_ASIDE).await.ok().flatten().filter(|r| !r.stores.is_empty())
}

/// The server has heard of them.
pub async fn clear_unreported_aside() -> Result<(), StoreError> {
    meta_put(UNREPORTED_ASIDE, &crate::api::RecordsAside::default()).await
}

/// How many records were moved aside since the app opened, because they would not decrypt.
pub fn moved_aside() -> u32 {
    MOVED_ASIDE.with(Cell::get)
}

/// The persons as this device's user sees them: the server's copies with unsent edits and
/// consents on top, and the persons registered here and not yet sent.
pub async fn persons() -> Result<Vec<Person>, StoreError> {
    let mut server: Vec<Person> = all(PERSONS).await?;
    let outbox: Vec<OutboxEntry> = all_outbox().await?;
    let areas = areas().await?;
    let mut pending: HashMap<&PersonId, Vec<&crate::domain::FieldValue>> = HashMap::new();
    let mut consents: HashMap<&PersonId, &ConsentInput> = HashMap::new();
    for entry in &outbox {
        match &entry.mutation {
            Mutation::EditPerson { person_id, edits, .. } => {
                pending.entry(person_id).or_default().extend(edits.iter().map(|e| &e.change));
            }
            Mutation::RecordConsent { person_id, consent, .. } => {
                consents.insert(person_id, consent);
            }
            Mutation::RegisterPerson { person_id, person, consent, .. } => {
                if !server.iter().any(|p| &p.id == person_id) {
                    server.push(registered_here(person_id, person, consent, &areas));
                }
            }
            Mutation::CreateCheck { .. }
            | Mutation::RaiseRequest { .. }
            | Mutation::SubmitActivityReport { .. }
            | Mutation::UpdateCase { .. }
            | Mutation::ConfirmSafety { .. }
            | Mutation::ReportSelf { .. } => {}
        }
    }
    Ok(server
        .into_iter()
        .map(|p| {
            let mut p = match pending.get(&p.id) {
                Some(values) => rebase(p, values.clone()),
                None => p,
            };
            if let Some(c) = consents.get(&p.id) {
                p.consent = c.scopes;
            }
            p
        })
        .collect())
}

/// A person as registered on this device, before the server has them (their id was made here).
fn registered_here(id: &PersonId, f: &PersonFields, consent: &ConsentInput, areas: &[SmallArea]) -> Person {
    Person {
        id: id.clone(),
        name: f.name.clone(),
        kana: f.kana.clone(),
        address: f.address.clone(),
        phone: f.phone.clone(),
        lat: f.lat,
        lng: f.lng,
        small_area: areas.iter().find(|a| a.id == f.small_area_id).map(|a| a.name.clone()).unwrap_or_default(),
        district: String::new(),
        check_interval_days: f.check_interval_days,
        household_type: f.household_type,
        emergency_contacts: f.emergency_contacts.clone(),
        needs_evacuation_help: f.needs_evacuation_help,
        notes: f.notes.clone(),
        consent: consent.scopes,
        version: 0,
        field_versions: Default::default(),
        conflicts: Vec::new(),
    }
}

/// The small areas this user may register a person in, as last pulled.
pub async fn areas() -> Result<Vec<SmallArea>, StoreError> {
    Ok(meta_get_sealed("areas").await?.unwrap_or_default())
}

/// The phone map's base tiles, as last fetched (`None` before the map first opened online).
pub async fn tiles() -> Result<Option<TileSource>, StoreError> {
    meta_get("tiles").await
}

pub async fn put_tiles(tiles: &TileSource) -> Result<(), StoreError> {
    meta_put("tiles", tiles).await
}

/// Where the 要対応 cases on the persons held stand, as last pulled, with the changes made here
/// and not yet sent laid over them (marked pending).
pub async fn cases(me: &User) -> Result<Vec<FieldCase>, StoreError> {
    let mut cases: Vec<FieldCase> = meta_get_sealed("cases").await?.unwrap_or_default();
    let outbox: Vec<OutboxEntry> = all_outbox().await?;
    for entry in outbox {
        if let Mutation::UpdateCase { case_id, update, .. } = entry.mutation {
            if let Some(c) = cases.iter_mut().find(|c| c.id == case_id) {
                *c = c.clone().with_pending(&update, me);
            }
        }
    }
    Ok(cases)
}

/// The 安否確認 events under way, as last pulled, with the confirmations and own states made here
/// and not yet sent laid over them (marked pending).
pub async fn events(me: &User) -> Result<Vec<FieldEvent>, StoreError> {
    let mut events: Vec<FieldEvent> = meta_get_sealed("events").await?.unwrap_or_default();
    for entry in all_outbox().await? {
        match &entry.mutation {
            Mutation::ConfirmSafety { confirmation } => {
                if let Some(e) = events.iter_mut().find(|e| e.id == confirmation.event_id) {
                    e.confirmations.push(Confirmation::made_here(confirmation, &me.id, &me.display_name));
                }
            }
            Mutation::ReportSelf { event_id, state, .. } => {
                if let Some(e) = events.iter_mut().find(|e| &e.id == event_id) {
                    e.my_state = Some(*state);
                }
            }
            _ => {}
        }
    }
    Ok(events)
}

/// Requests on the persons held, newest change first: those pulled, and those raised here and
/// not yet sent (as 未送信).
pub async fn requests(me: &User) -> Result<Vec<FieldRequest>, StoreError> {
    let mut list: Vec<FieldRequest> = all(REQUESTS).await?;
    let outbox: Vec<OutboxEntry> = all_outbox().await?;
    for entry in outbox {
        if let Mutation::RaiseRequest { request } = entry.mutation {
            if list.iter().any(|r| r.id == request.id.to_string()) {
                continue;
            }
            list.push(raised_here(&request, me, true));
        }
    }
    list.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then_with(|| a.id.cmp(&b.id)));
    Ok(list)
}

fn raised_here(r: &crate::domain::NewRequest, me: &User, pending: bool) -> FieldRequest {
    FieldRequest {
        id: r.id.to_string(),
        person_id: r.person_id.clone(),
        need: r.need,
        detail: r.detail.clone(),
        status: RequestStatus::Received,
        to_partner: r.to_partner,
        organization: None,
        raised_by: me.id.clone(),
        raised_by_name: me.display_name.clone(),
        created_at: r.raised_at,
        updated_at: r.raised_at,
        pending,
    }
}

/// The server's copy of one person (the `base` versions of a new edit come from it).
pub async fn server_person(id: &PersonId) -> Result<Option<Person>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(PERSONS).build()?;
    let row: Option<Row> = tx.object_store(PERSONS)?.get(id.as_str().to_owned()).serde()?.await?;
    Ok(row.map(|r| r.open()).transpose()?)
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

/// Up to `limit` checks in key order, after the key `after` (from the start with `None`), opened;
/// and the key to go on from, `None` once the store has no more. The UI reads a full store a page
/// at a time, so that the screen stays responsive while tens of thousands are opened.
pub async fn checks_page(after: Option<String>, limit: u32) -> Result<(Vec<Check>, Option<String>), StoreError> {
    let db = db().await?;
    let tx = db.transaction(CHECKS).build()?;
    let store = tx.object_store(CHECKS)?;
    let (keys, values): (Vec<JsValue>, Vec<JsValue>) = match after {
        None => (
            store.get_all_keys::<JsValue>().with_limit(limit).primitive()?.await?.collect::<Result<_, _>>()?,
            store.get_all::<JsValue>().with_limit(limit).primitive()?.await?.collect::<Result<_, _>>()?,
        ),
        Some(after) => {
            let from = || indexed_db_futures::KeyRange::LowerBound(after.clone(), true);
            (
                store
                    .get_all_keys::<JsValue>()
                    .with_query::<String, _>(from())
                    .with_limit(limit)
                    .primitive()?
                    .await?
                    .collect::<Result<_, _>>()?,
                store
                    .get_all::<JsValue>()
                    .with_query::<String, _>(from())
                    .with_limit(limit)
                    .primitive()?
                    .await?
                    .collect::<Result<_, _>>()?,
            )
        }
    };
    drop(tx);
    let next = if keys.len() as u32 == limit { keys.last().and_then(JsValue::as_string) } else { None };
    Ok((open_rows(CHECKS, keys, values, |row| row.open()).await?, next))
}

/// The checks with these ids, opened (those the store no longer holds are left out).
pub async fn checks_by_id(ids: &[String]) -> Result<Vec<Check>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(CHECKS).build()?;
    let store = tx.object_store(CHECKS)?;
    let (mut keys, mut values) = (Vec::with_capacity(ids.len()), Vec::with_capacity(ids.len()));
    for id in ids {
        let value: Option<JsValue> = store.get(id.clone()).primitive()?.await?;
        if let Some(value) = value.filter(|v| !v.is_undefined()) {
            keys.push(JsValue::from_str(id));
            values.push(value);
        }
    }
    drop(tx);
    open_rows(CHECKS, keys, values, |row| row.open()).await
}

/// The records of the checks that decide the home list and the map (each person's newest, see
/// `LastChecks::deciding`), copied as stored (sealed) into `meta` with the number of checks the
/// store held then: opened at unlock instead of every check. Copied, not sealed again.
const NEWEST_CHECKS: &str = "newest_checks";

/// The checks last kept by [`put_newest_checks`], opened, if the checks store still holds as many
/// checks as it did then (otherwise some may be missing: `None`; likewise if one will not open).
pub async fn newest_checks() -> Result<Option<Vec<Check>>, StoreError> {
    let db = db().await?;
    let tx = db.transaction([CHECKS, META]).build()?;
    let count = tx.object_store(CHECKS)?.count().await?;
    let kept: Option<JsValue> = tx.object_store(META)?.get(NEWEST_CHECKS.to_owned()).primitive()?.await?;
    drop(tx);
    let Some(kept) = kept.filter(JsValue::is_object) else {
        return Ok(None);
    };
    let field = |name: &str| js_sys::Reflect::get(&kept, &name.into()).ok();
    if field("count").and_then(|n| n.as_f64()) != Some(f64::from(count)) {
        return Ok(None);
    }
    let Some(rows) = field("rows").filter(js_sys::Array::is_array).map(|v| js_sys::Array::from(&v)) else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(rows.length() as usize);
    for value in rows.iter() {
        match serde_wasm_bindgen::from_value::<Row>(value).map_err(|_| VaultError::Corrupt).and_then(|r| r.open()) {
            Ok(c) => out.push(c),
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// Keeps the records of the checks with these ids for [`newest_checks`], chosen from a store of
/// `count` checks: only if it still holds that many (read in the transaction that writes them).
pub async fn put_newest_checks(ids: Vec<String>, count: u32) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([CHECKS, META]).with_mode(TransactionMode::Readwrite).build()?;
    let checks = tx.object_store(CHECKS)?;
    // Nothing to keep, or a store wiped meanwhile (signed out): a wiped store stays empty.
    if ids.is_empty() || checks.count().await? != count || !signed_in(&tx).await? {
        return Ok(());
    }
    let rows = js_sys::Array::new();
    for id in ids {
        let row: Option<JsValue> = checks.get(id).primitive()?.await?;
        if let Some(row) = row {
            rows.push(&row);
        }
    }
    let kept = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&kept, &"count".into(), &f64::from(count).into());
    let _ = js_sys::Reflect::set(&kept, &"rows".into(), &rows);
    tx.object_store(META)?.put(JsValue::from(kept)).with_key(NEWEST_CHECKS.to_owned()).primitive()?;
    tx.commit().await?;
    Ok(())
}

pub async fn pending_count() -> Result<u32, StoreError> {
    let db = db().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let store = tx.object_store(OUTBOX)?;
    Ok(store.count().await?)
}

/// Options for a transaction that saves what the user made (a check, a request, an edit, a
/// record to send): `durability: "strict"`, so it is on disk, not in a browser buffer, when the
/// screen says 保存しました. Chromium commits `relaxed` by default since version 121, which a
/// phone that runs out of battery right after the tap can lose. What sync writes stays relaxed:
/// the server still has it.
fn strict() -> TransactionOptions {
    let mut o = TransactionOptions::new();
    o.set_durability(TransactionDurability::Strict);
    o
}

/// Saves a new check and its outbox entry in one transaction. When this returns `Ok`,
/// the check is durable on the device and the UI may say 保存しました.
/// Written with strict durability (see [`strict`]).
/// The form's draft goes in the same transaction: saved and draft-cleared, or neither.
/// `also` are more changes made with it (a 御用聞き visit's requests), queued after it.
pub async fn save_new_check(
    check: &Check,
    mutation: Mutation,
    also: Vec<Mutation>,
    draft_key: &str,
) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db
        .transaction([CHECKS, OUTBOX, DRAFTS])
        .with_mode(TransactionMode::Readwrite)
        .with_options(strict())
        .build()?;
    tx.object_store(CHECKS)?.put(&check_row(check)?).serde()?;
    let outbox = tx.object_store(OUTBOX)?;
    outbox.add(&outbox_row(mutation)?).serde()?;
    for mutation in also {
        outbox.add(&outbox_row(mutation)?).serde()?;
    }
    tx.object_store(DRAFTS)?.delete(draft_key.to_owned()).primitive()?;
    tx.commit().await?;
    checks_written_ids(vec![check.id.0.to_string()]);
    Ok(())
}

/// Queues changes that live only in the outbox until sent (a request, a consent, a registered
/// person), and clears the form's draft in the same transaction.
pub async fn queue(mutations: Vec<Mutation>, draft_key: &str) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([OUTBOX, DRAFTS]).with_mode(TransactionMode::Readwrite).with_options(strict()).build()?;
    let outbox = tx.object_store(OUTBOX)?;
    for mutation in mutations {
        outbox.add(&outbox_row(mutation)?).serde()?;
    }
    tx.object_store(DRAFTS)?.delete(draft_key.to_owned()).primitive()?;
    tx.commit().await?;
    Ok(())
}

/// Queues a person edit. The server's copy is untouched; [`persons`] shows the edit on top of it
/// until the server has answered and the next pull brings the merged person.
pub async fn save_edit(mutation: Mutation) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(OUTBOX).with_mode(TransactionMode::Readwrite).with_options(strict()).build()?;
    tx.object_store(OUTBOX)?.add(&outbox_row(mutation)?).serde()?;
    tx.commit().await?;
    Ok(())
}

/// The oldest `limit` outbox entries, in the order they were made.
pub async fn outbox_batch(limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(OUTBOX).build()?;
    let store = tx.object_store(OUTBOX)?;
    let rows = store.get_all::<Row>().with_limit(limit).serde()?.await?;
    // One that will not open is skipped here and moved aside by the next full read.
    Ok(rows.flatten().filter_map(|row| open_entry(&row).ok()).collect())
}

/// Emergency checks still waiting, oldest first: they are pushed ahead of everything else so the
/// coordinator hears of them at the first contact, however long the outbox.
pub async fn urgent_outbox(limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
    let all: Vec<OutboxEntry> = all_outbox().await?;
    // A person registered here goes first in outbox order; their emergency cannot overtake them.
    let unregistered: HashSet<&PersonId> = all
        .iter()
        .filter_map(|e| match &e.mutation {
            Mutation::RegisterPerson { person_id, .. } => Some(person_id),
            _ => None,
        })
        .collect();
    let urgent: Vec<OutboxEntry> = all
        .iter()
        .filter(|e| {
            match &e.mutation {
                Mutation::CreateCheck { check } => {
                    check.outcome == crate::domain::CheckOutcome::Emergency && !unregistered.contains(&check.person_id)
                }
                // 要救助 is the most urgent thing a phone can hold.
                Mutation::ConfirmSafety { confirmation } => confirmation.status == SafetyStatus::NeedsRescue,
                _ => false,
            }
        })
        .cloned()
        .collect();
    Ok(urgent.into_iter().take(limit).collect())
}

/// A half-filled form, kept so that a reload or a killed app loses nothing typed.
pub async fn draft<T: for<'de> Deserialize<'de>>(key: &str) -> Result<Option<T>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(DRAFTS).build()?;
    let row: Option<Row> = tx.object_store(DRAFTS)?.get(key.to_owned()).serde()?.await?;
    // A draft that will not open is as good as none: the form starts empty.
    Ok(row.and_then(|r| r.open().ok()))
}

pub async fn put_draft<T: Serialize>(key: &str, value: &T) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(DRAFTS).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(DRAFTS)?.put(&Row::seal(value)?).with_key(key.to_owned()).serde()?;
    tx.commit().await?;
    Ok(())
}

/// What the server said about one pushed change.
pub enum Settled {
    /// Stored (now, or by an earlier push of the same change).
    Stored,
    /// Refused: the server's error code and its Japanese message (stored as data; the screens
    /// word it in whatever language the user reads at the time).
    Refused { code: ErrorCode, message_ja: String },
}

/// Records the server's answers: settled entries leave the outbox; checks are marked sent or
/// refused (a refused check stays on the device with its reason) and refused edits move to
/// `refused`. One transaction, so a crash cannot settle half a batch.
pub async fn settle(entries: &[(OutboxEntry, Settled)]) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([META, CHECKS, OUTBOX, REFUSED, REQUESTS]).with_mode(TransactionMode::Readwrite).build()?;
    let checks = tx.object_store(CHECKS)?;
    let outbox = tx.object_store(OUTBOX)?;
    let refused = tx.object_store(REFUSED)?;
    let requests = tx.object_store(REQUESTS)?;
    let meta = tx.object_store(META)?;
    let me: Option<Row> = meta.get("session".to_owned()).serde()?.await?;
    let me: Option<User> = me.map(|r| r.open()).transpose()?;
    let Some(me) = me else {
        // Signed out while the answer was on its way: the wipe stands.
        return Ok(());
    };
    // Confirmations and own states the server took join the events held, so the list does not
    // show them as unconfirmed between this push and the next pull.
    let mut events: Option<Vec<FieldEvent>> = None;
    let mut settled_checks = Vec::new();
    for (entry, settled) in entries {
        let Some(seq) = entry.seq else { continue };
        match (&entry.mutation, settled) {
            (Mutation::CreateCheck { check }, _) => {
                let (state, reason) = match settled {
                    Settled::Stored => (SyncState::Synced, None),
                    Settled::Refused { code, message_ja } => (SyncState::Rejected, Some((*code, message_ja.clone()))),
                };
                let existing: Option<Row> = checks.get(check.id.0.to_string()).serde()?.await?;
                if let Some(mut check) = existing.and_then(|r| r.open::<Check>().ok()) {
                    check.sync = state;
                    check.rejection_code = reason.as_ref().map(|(code, _)| *code);
                    check.rejection = reason.map(|(_, why)| why);
                    checks.put(&check_row(&check)?).serde()?;
                    settled_checks.push(check.id.0.to_string());
                }
            }
            // Sent: shown as 受付 until the next pull says more.
            (Mutation::RaiseRequest { request }, Settled::Stored) => {
                let r = raised_here(request, &me, false);
                requests.put(&Row::seal(&r)?.id(r.id.clone())).serde()?;
            }
            (Mutation::ConfirmSafety { confirmation }, Settled::Stored) => {
                let held = events.get_or_insert(sealed_events(&meta).await?);
                if let Some(e) = held.iter_mut().find(|e| e.id == confirmation.event_id) {
                    if !e.confirmations.iter().any(|c| c.id == confirmation.id.to_string()) {
                        let mut c = Confirmation::made_here(confirmation, &me.id, &me.display_name);
                        c.pending = false;
                        e.confirmations.push(c);
                    }
                }
            }
            (Mutation::ReportSelf { event_id, state, .. }, Settled::Stored) => {
                let held = events.get_or_insert(sealed_events(&meta).await?);
                if let Some(e) = held.iter_mut().find(|e| &e.id == event_id) {
                    e.my_state = Some(*state);
                }
            }
            // The event is over or was never this user's: nothing to keep of their own state.
            (Mutation::ReportSelf { .. }, Settled::Refused { .. }) => {}
            (
                Mutation::EditPerson { id, .. }
                | Mutation::RecordConsent { id, .. }
                | Mutation::RegisterPerson { id, .. }
                | Mutation::SubmitActivityReport { id, .. }
                | Mutation::UpdateCase { id, .. },
                Settled::Refused { code, message_ja },
            ) => {
                let kept = RefusedEdit {
                    id: id.to_string(),
                    mutation: entry.mutation.clone(),
                    reason: message_ja.clone(),
                    code: Some(*code),
                };
                refused.put(&Row::seal(&kept)?.id(kept.id.clone())).serde()?;
            }
            (Mutation::ConfirmSafety { confirmation }, Settled::Refused { code, message_ja }) => {
                let id = confirmation.id.to_string();
                let kept =
                    RefusedEdit { id, mutation: entry.mutation.clone(), reason: message_ja.clone(), code: Some(*code) };
                refused.put(&Row::seal(&kept)?.id(kept.id.clone())).serde()?;
            }
            (Mutation::RaiseRequest { request }, Settled::Refused { code, message_ja }) => {
                let id = request.id.to_string();
                let kept =
                    RefusedEdit { id, mutation: entry.mutation.clone(), reason: message_ja.clone(), code: Some(*code) };
                refused.put(&Row::seal(&kept)?.id(kept.id.clone())).serde()?;
            }
            (
                Mutation::EditPerson { .. }
                | Mutation::RecordConsent { .. }
                | Mutation::RegisterPerson { .. }
                | Mutation::SubmitActivityReport { .. }
                | Mutation::UpdateCase { .. },
                Settled::Stored,
            ) => {}
        }
        outbox.delete(seq as f64).primitive()?;
    }
    if let Some(events) = events {
        meta.put(&Row::seal(&events)?).with_key("events".to_owned()).serde()?;
    }
    tx.commit().await?;
    if !settled_checks.is_empty() {
        checks_written_ids(settled_checks);
    }
    Ok(())
}

async fn sealed_events(
    meta: &indexed_db_futures::object_store::ObjectStore<'_>,
) -> Result<Vec<FieldEvent>, StoreError> {
    let row: Option<Row> = meta.get("events".to_owned()).serde()?.await?;
    Ok(row.map(|r| r.open()).transpose()?.unwrap_or_default())
}

/// The person a half-filled form is about, from its key (`check:…`, `inquiry:…`, `consent:…`);
/// `None` for forms about no one yet (a registration, a month's 活動記録).
pub fn draft_person(key: &str) -> Option<PersonId> {
    let (form, id) = key.split_once(':')?;
    if matches!(form, "check" | "inquiry" | "consent") {
        PersonId::parse(id)
    } else {
        None
    }
}

/// The person a queued or refused change is about, if it is about one.
fn mutation_person(m: &Mutation) -> Option<&PersonId> {
    match m {
        Mutation::CreateCheck { check } => Some(&check.person_id),
        Mutation::EditPerson { person_id, .. }
        | Mutation::RecordConsent { person_id, .. }
        | Mutation::RegisterPerson { person_id, .. }
        | Mutation::UpdateCase { person_id, .. } => Some(person_id),
        Mutation::RaiseRequest { request } => Some(&request.person_id),
        Mutation::ConfirmSafety { confirmation } => Some(&confirmation.person_id),
        Mutation::SubmitActivityReport { .. } | Mutation::ReportSelf { .. } => None,
    }
}

/// Whether a user is still signed in, read inside the writing transaction. A sync that was in
/// flight when the user signed out must not refill the wiped store with what its answer carried;
/// the wipe and this check are serialised by IndexedDB, so one of them sees the other.
async fn signed_in(tx: &Transaction<'_>) -> Result<bool, StoreError> {
    let me: Option<Row> = tx.object_store(META)?.get("session".to_owned()).serde()?.await?;
    Ok(me.is_some())
}

/// The scope the checks store was last found to hold nothing outside of (see [`apply_pull`]):
/// a digest of the person ids, which are in the clear in the stores anyway.
const SCOPE_CHECKED: &str = "scope_checked";

/// The pull mark of the last wholly applied pull (see `PullResponse::mark`).
const PULL_MARK: &str = "pull_mark";

/// The mark to send with the next pull: none while persons are to be fetched again, or while a
/// departed person's check waits to be sent (each whole pull looks for it, see [`apply_pull`]).
pub async fn pull_mark() -> Result<Option<i64>, StoreError> {
    let db = db().await?;
    let tx = db.transaction(META).build()?;
    let meta = tx.object_store(META)?;
    let stale: Option<bool> = meta.get("stale_persons".to_owned()).serde()?.await?;
    let checked: Option<JsValue> = meta.get(SCOPE_CHECKED.to_owned()).primitive()?.await?;
    if stale.unwrap_or(false) || checked.is_none() {
        return Ok(None);
    }
    Ok(meta.get(PULL_MARK.to_owned()).serde()?.await?)
}

/// Stores the mark of a pull whose every part (persons fetched included) is applied.
pub async fn set_pull_mark(mark: i64) -> Result<(), StoreError> {
    meta_put(PULL_MARK, &mark).await
}

/// A digest of a scope's person ids, the same whatever their order (FNV-1a over the sorted ids).
fn scope_fingerprint(scope: &HashSet<PersonId>) -> String {
    let mut ids: Vec<&str> = scope.iter().map(PersonId::as_str).collect();
    ids.sort_unstable();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in ids.iter().flat_map(|id| id.bytes().chain([0])) {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}:{h:016x}", ids.len())
}

/// Applies one pull page. Persons not in the scope manifest have left this user's scope: they
/// are removed with everything this device holds about them — history, half-filled forms and
/// refused changes — except records still waiting to be sent (the server will answer those) and
/// persons registered here and not sent yet. Pulled checks are stored as sent, and the cursor
/// advances in the same transaction so a crash cannot skip a page. Returns how many of this
/// user's own refused records went with a departed person, so the UI can say so.
pub async fn apply_pull(
    scope: Option<&HashSet<PersonId>>,
    pulled: &[Check],
    cursor: i64,
    now: EpochMillis,
    clock_offset: i64,
) -> Result<u32, StoreError> {
    let db = db().await?;
    let tx = db
        .transaction([META, PERSONS, CHECKS, DRAFTS, REFUSED, OUTBOX])
        .with_mode(TransactionMode::Readwrite)
        .build()?;
    if !signed_in(&tx).await? {
        return Ok(0);
    }
    let mut dropped = 0;
    let person_store = tx.object_store(PERSONS)?;
    let check_store = tx.object_store(CHECKS)?;
    let meta = tx.object_store(META)?;
    // A page with the rest unchanged (`PullResponse::unchanged`) leaves who is held as it is.
    if let Some(scope) = scope {
        // Persons registered here are not in any manifest until the server has them.
        let queued: Vec<OutboxEntry> = tx
            .object_store(OUTBOX)?
            .get_all::<Row>()
            .serde()?
            .await?
            .flatten()
            .filter_map(|row| open_entry(&row).ok())
            .collect();
        let mut keep: HashSet<PersonId> = scope.clone();
        keep.extend(queued.iter().filter_map(|e| match &e.mutation {
            Mutation::RegisterPerson { person_id, .. } => Some(person_id.clone()),
            _ => None,
        }));
        let drafts = tx.object_store(DRAFTS)?;
        let keys = drafts.get_all_keys::<String>().primitive()?.await?;
        for key in keys.flatten() {
            if draft_person(&key).is_some_and(|p| !keep.contains(&p)) {
                drafts.delete(key).primitive()?;
            }
        }
        let refused = tx.object_store(REFUSED)?;
        for r in refused.get_all::<Row>().serde()?.await?.flatten().filter_map(|row| row.open::<RefusedEdit>().ok()) {
            if mutation_person(&r.mutation).is_some_and(|p| !keep.contains(p)) {
                dropped += 1;
                refused.delete(r.id.clone()).primitive()?;
            }
        }
        // The ids are in the clear: who left the scope is known without opening a record.
        let held = person_store.get_all::<Row>().serde()?.await?;
        for id in held.flatten().filter_map(|r| r.id) {
            if PersonId::parse(&id).is_none_or(|p| !scope.contains(&p)) {
                person_store.delete(id).primitive()?;
            }
        }
        // Given again once this pull is wholly applied (`set_pull_mark`).
        meta.delete(PULL_MARK.to_owned()).primitive()?;
    }
    for c in pulled {
        check_store.put(&check_row(c)?).serde()?;
    }
    let mut deleted = false;
    if let Some(scope) = scope {
        // Every check is looked at only when the scope differs from the one they were last held
        // against: checks arrive only for persons in scope, so with the same scope none can have
        // left. (Reading all 20,000 rows was most of a nothing-new sync run on a 民生委員's phone.)
        // A departed person's check still waiting to be sent keeps the look going at every pull
        // until it has been sent and removed.
        let fingerprint = scope_fingerprint(scope);
        let checked: Option<JsValue> = meta.get(SCOPE_CHECKED.to_owned()).primitive()?.await?;
        if checked.and_then(|c| c.as_string()).as_deref() != Some(fingerprint.as_str()) {
            let mut spared = false;
            let held = check_store.get_all::<Row>().serde()?.await?;
            for row in held.flatten() {
                let gone = row.person_id.as_deref().and_then(PersonId::parse).is_none_or(|p| !scope.contains(&p));
                if !gone {
                    continue;
                }
                // Opened only to spare what is still to be sent and to count what the user is told of.
                let Ok(c) = row.open::<Check>() else {
                    spared = true;
                    continue;
                };
                if c.sync != SyncState::Pending {
                    dropped += u32::from(c.sync == SyncState::Rejected);
                    check_store.delete(c.id.0.to_string()).primitive()?;
                    deleted = true;
                } else {
                    spared = true;
                }
            }
            if spared {
                meta.delete(SCOPE_CHECKED.to_owned()).primitive()?;
            } else {
                meta.put(fingerprint).with_key(SCOPE_CHECKED.to_owned()).primitive()?;
            }
        }
    }
    if deleted {
        // It may hold a departed person's newest check; made again from what is left.
        meta.delete(NEWEST_CHECKS.to_owned()).primitive()?;
    }
    meta.put(cursor as f64).with_key("cursor".to_owned()).primitive()?;
    meta.put(now as f64).with_key("last_synced_at".to_owned()).primitive()?;
    meta.put(clock_offset as f64).with_key("clock_offset".to_owned()).primitive()?;
    tx.commit().await?;
    if deleted {
        checks_written();
    } else if !pulled.is_empty() {
        checks_written_ids(pulled.iter().map(|c| c.id.0.to_string()).collect());
    }
    Ok(dropped)
}

/// Replaces the requests held, the registrable areas and where the 要対応 cases stand with what
/// the server sent.
pub async fn put_requests(
    list: &[FieldRequest],
    areas: &[SmallArea],
    cases: &[FieldCase],
    events: &[FieldEvent],
) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([META, REQUESTS]).with_mode(TransactionMode::Readwrite).build()?;
    if !signed_in(&tx).await? {
        return Ok(());
    }
    let store = tx.object_store(REQUESTS)?;
    store.clear()?;
    for r in list {
        store.put(&Row::seal(r)?.id(r.id.clone())).serde()?;
    }
    tx.object_store(META)?.put(&Row::seal(&areas)?).with_key("areas".to_owned()).serde()?;
    tx.object_store(META)?.put(&Row::seal(&cases)?).with_key("cases".to_owned()).serde()?;
    // An event no longer sent has closed: its records leave with it (the office keeps them).
    tx.object_store(META)?.put(&Row::seal(&events)?).with_key("events".to_owned()).serde()?;
    tx.commit().await?;
    Ok(())
}

/// Stores fetched persons (and the history of those new to this device).
pub async fn put_fetched(persons: &[Person], checks: &[Check]) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction([META, PERSONS, CHECKS]).with_mode(TransactionMode::Readwrite).build()?;
    if !signed_in(&tx).await? {
        return Ok(());
    }
    let person_store = tx.object_store(PERSONS)?;
    for p in persons {
        person_store.put(&Row::seal(p)?.id(p.id.as_str())).serde()?;
    }
    let check_store = tx.object_store(CHECKS)?;
    for c in checks {
        check_store.put(&check_row(c)?).serde()?;
    }
    tx.commit().await?;
    if !checks.is_empty() {
        checks_written_ids(checks.iter().map(|c| c.id.0.to_string()).collect());
    }
    Ok(())
}

/// Removes every trace of personal data from the device (sign-out, revocation, a different user).
/// With `tell_server`, it also notes that the server has yet to hear of a sign-out made offline.
pub async fn wipe_and(tell_server: bool) -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(ALL_STORES).with_mode(TransactionMode::Readwrite).build()?;
    for name in ALL_STORES {
        tx.object_store(name)?.clear()?;
    }
    if tell_server {
        tx.object_store(META)?.put(&true).with_key("sign_out_pending".to_owned()).serde()?;
    }
    tx.commit().await?;
    checks_written();
    vault::forget();
    crate::tiles::forget().await;
    Ok(())
}

/// [`wipe_and`] without anything left to tell the server.
pub async fn wipe() -> Result<(), StoreError> {
    wipe_and(false).await
}

/// Whether a sign-out made offline has not reached the server yet.
pub async fn sign_out_pending() -> Result<bool, StoreError> {
    Ok(meta_get::<bool>("sign_out_pending").await?.unwrap_or(false))
}

pub async fn clear_sign_out_pending() -> Result<(), StoreError> {
    let db = db().await?;
    let tx = db.transaction(META).with_mode(TransactionMode::Readwrite).build()?;
    tx.object_store(META)?.delete("sign_out_pending".to_owned()).primitive()?;
    tx.commit().await?;
    Ok(())
}

/// Of this user's devices enrolled after this one, those the user has not acknowledged yet.
pub async fn unseen_devices(list: &[crate::api::DeviceNotice]) -> Result<Vec<crate::api::DeviceNotice>, StoreError> {
    let seen: Vec<String> = meta_get("seen_devices").await?.unwrap_or_default();
    Ok(list.iter().filter(|d| !seen.contains(&d.id)).cloned().collect())
}

/// The user has read about these devices; they are not shown again.
pub async fn acknowledge_devices(ids: &[String]) -> Result<(), StoreError> {
    let mut seen: Vec<String> = meta_get("seen_devices").await?.unwrap_or_default();
    seen.extend(ids.iter().cloned());
    seen.sort();
    seen.dedup();
    meta_put("seen_devices", &seen).await
}
