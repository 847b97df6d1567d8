//! A write on behalf of one signed-in user on one device: the transaction, who writes, and when.
//!
//! Why a type: a change to personal data must be attributed (user and device on the row), logged
//! in the audit log, and recorded in the idempotency ledger, all inside the transaction that makes
//! the change. Holding those together means a caller cannot write with one clock and log with
//! another, or forget whose device it was.

use super::disaster::{EventList, OnList};
use super::{Actor, AuditAction, Session, Storage, StorageError};
use mimamori_core::domain::{EpochMillis, PersonId, User};
use sqlx::{Any, Transaction};
use std::collections::HashMap;
use uuid::Uuid;

pub struct WriteTx<'a> {
    storage: &'a Storage,
    tx: Transaction<'static, Any>,
    session: &'a Session,
    now: EpochMillis,
    /// Each 安否確認 event's list for this writer, read once per transaction.
    event_lists: HashMap<String, Option<EventList>>,
}

/// Who wrote a value: the user and the device they used.
#[derive(Debug, Clone, Copy)]
pub struct Writer<'a> {
    pub user: &'a str,
    pub device: &'a str,
}

/// Whether a change's id is in the ledger, and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    New,
    /// This user sent it before: a retry.
    Mine,
    /// Another user's change has this id.
    Theirs,
}

impl<'a> WriteTx<'a> {
    /// Begins a synced-data write (see [`Storage::begin_write`] for how writers take turns).
    pub async fn begin(storage: &'a Storage, session: &'a Session, now: EpochMillis) -> Result<Self, StorageError> {
        Ok(Self { storage, tx: storage.begin_write().await?, session, now, event_lists: HashMap::new() })
    }

    /// Whether `person` is on this writer's list of `event` (see [`Storage::event_list`]).
    pub async fn on_event_list(&mut self, event: &str, person: &PersonId) -> Result<OnList, StorageError> {
        if !self.event_lists.contains_key(event) {
            let (user, municipality) = (&self.session.user, &self.session.municipality_id);
            let list = self.storage.event_list(&mut self.tx, user, municipality, event).await?;
            self.event_lists.insert(event.to_owned(), list);
        }
        Ok(match self.event_lists.get(event).and_then(Option::as_ref) {
            None => OnList::NoEvent,
            Some(l) if l.persons.contains(person) => OnList::Yes { closed: l.closed, drill: l.drill },
            Some(_) => OnList::NotOnList,
        })
    }

    pub fn storage(&self) -> &'a Storage {
        self.storage
    }

    /// The transaction, for storage calls that take one.
    pub fn tx(&mut self) -> &mut Transaction<'static, Any> {
        &mut self.tx
    }

    pub fn session(&self) -> &'a Session {
        self.session
    }

    pub fn user(&self) -> &'a User {
        &self.session.user
    }

    pub fn now(&self) -> EpochMillis {
        self.now
    }

    pub fn writer(&self) -> Writer<'a> {
        Writer { user: self.session.user.id.as_str(), device: &self.session.device_id }
    }

    /// Logs what this write did to a person (or to no one in particular).
    pub async fn audit(
        &mut self,
        action: AuditAction,
        person: Option<&PersonId>,
        detail: &str,
    ) -> Result<(), StorageError> {
        let actor = Actor { user: &self.session.user, device_id: &self.session.device_id };
        self.storage.audit(&mut *self.tx, actor, action, person, detail, self.now).await
    }

    /// Looks a change's id up in the idempotency ledger.
    pub async fn seen(&mut self, id: Uuid) -> Result<Seen, StorageError> {
        Ok(match self.storage.mutation_owner(&mut *self.tx, id).await? {
            None => Seen::New,
            Some(owner) if owner == self.session.user.id.as_str() => Seen::Mine,
            Some(_) => Seen::Theirs,
        })
    }

    /// Enters an applied change's id in the ledger, so a retry is known as one.
    pub async fn claim(&mut self, id: Uuid) -> Result<(), StorageError> {
        let writer = self.writer();
        self.storage.claim_mutation(&mut self.tx, id, writer, self.now).await
    }

    pub async fn commit(self) -> Result<(), StorageError> {
        Ok(self.tx.commit().await?)
    }
}

/// The idempotency ledger: every applied change's id, whose it is, and from which device.
impl Storage {
    async fn mutation_owner<'c, E>(&self, executor: E, id: Uuid) -> Result<Option<String>, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        Ok(sqlx::query_scalar(&self.sql("SELECT user_id FROM mutations WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(executor)
            .await?)
    }

    /// Writers take turns ([`Storage::begin_write`]) and look the id up first, so the insert
    /// cannot meet an existing row; if it ever did, the write fails rather than applying twice.
    async fn claim_mutation(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: Uuid,
        writer: Writer<'_>,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql("INSERT INTO mutations (id, user_id, device_id, received_at) VALUES (?, ?, ?, ?)"))
            .bind(id.to_string())
            .bind(writer.user)
            .bind(writer.device)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
