//! The audit log: every read and write of personal data, attributable to a user and a device.

use super::rows::user_from_row;
use super::{Storage, StorageError};
use mimamori_core::api::admin::{AuditEntry, UserBrief};
use mimamori_core::api::InScope;
use mimamori_core::domain::{EpochMillis, PersonId, User};
use sqlx::Row;
use std::hash::{Hash, Hasher};

/// What was done. Stored as text; the list is closed so the log stays queryable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A person's full record was opened on a management screen.
    PersonRead,
    /// The person appeared in a list of persons (logged once a day per device and person).
    PersonList,
    /// The person was on a coordinator's map (logged once a day per device and person).
    PersonMap,
    PersonCreate,
    PersonUpdate,
    ConsentRecord,
    ConsentWithdraw,
    /// A device received the person's data in a sync (logged at most once a day per device).
    SyncRead,
    CheckCreate,
    /// A partner saw the person in their referred requests.
    RequestRead,
    /// A field user raised a request on the person.
    RequestCreate,
    /// A coordinator or partner changed where a request stands.
    RequestUpdate,
    /// Someone read this person's audit log.
    AuditRead,
    /// A device's edit disagreed with a newer value; both were kept for a coordinator.
    ConflictOpen,
    /// A coordinator's list of open conflicts showed the person (once a day per device and person).
    ConflictRead,
    /// A coordinator chose which of two values stays.
    ConflictResolve,
    /// A 要対応 case's timeline was opened.
    CaseRead,
    /// The office acknowledged a case or changed it (status, owner, date, note).
    CaseUpdate,
    /// A file was downloaded: a named list (one row per person in it) or a report (no person).
    Export,
    /// A 個別ケース検討会's agenda showing the person was opened (detail: the meeting and audience).
    MeetingRead,
    /// The agenda showing the person was printed.
    MeetingPrint,
    /// A 安否確認 confirmation on the person was recorded (detail: the status).
    SafetyConfirm,
    /// A 安否確認 board showed the person (once a day per device and person).
    SafetyBoard,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::PersonRead => "person.read",
            AuditAction::PersonList => "person.list",
            AuditAction::PersonMap => "person.map",
            AuditAction::PersonCreate => "person.create",
            AuditAction::PersonUpdate => "person.update",
            AuditAction::ConsentRecord => "consent.record",
            AuditAction::ConsentWithdraw => "consent.withdraw",
            AuditAction::SyncRead => "sync.read",
            AuditAction::CheckCreate => "check.create",
            AuditAction::RequestRead => "request.read",
            AuditAction::RequestCreate => "request.create",
            AuditAction::RequestUpdate => "request.update",
            AuditAction::AuditRead => "audit.read",
            AuditAction::ConflictOpen => "conflict.open",
            AuditAction::ConflictRead => "conflict.read",
            AuditAction::ConflictResolve => "conflict.resolve",
            AuditAction::CaseRead => "case.read",
            AuditAction::CaseUpdate => "case.update",
            AuditAction::Export => "export",
            AuditAction::MeetingRead => "meeting.read",
            AuditAction::MeetingPrint => "meeting.print",
            AuditAction::SafetyConfirm => "safety.confirm",
            AuditAction::SafetyBoard => "safety.board",
        }
    }
}

/// Who did it: the user and, when signed in on one, the device.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user: &'a User,
    pub device_id: &'a str,
}

const SYNC_READ_EVERY_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a device's logged scope is trusted before the log is consulted again.
pub(super) const SYNC_READ_RECHECK_MS: i64 = 60 * 60 * 1000;

impl Storage {
    pub async fn audit<'c, E>(
        &self,
        executor: E,
        actor: Actor<'_>,
        action: AuditAction,
        person: Option<&PersonId>,
        detail: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        sqlx::query(&self.sql(
            "INSERT INTO audit_log (at, user_id, device_id, action, person_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(now)
        .bind(actor.user.id.as_str())
        .bind(actor.device_id)
        .bind(action.as_str())
        .bind(person.map(|p| p.as_str()))
        .bind(detail)
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Logs that this device was sent every person in the user's scope, once a day per device
    /// and person (a device pulls every minute; the log records who holds whom, not each poll).
    /// The log write is skipped when this device was logged for exactly this scope within the last
    /// [`SYNC_READ_RECHECK_MS`]: a pull then costs no write, so pulls do not queue behind
    /// SQLite's single writer. A person entering the scope changes it and is logged at once.
    /// Answers when the log was last confirmed to hold this scope (now, or the cached time).
    /// The rows that are missing go in through the writer connection, in turn with pushes: call
    /// it holding no pooled connection (a pull that waited for its turn holding one starved the
    /// others in a storm).
    pub async fn audit_sync_reads(
        &self,
        actor: Actor<'_>,
        scope: &[InScope],
        now: EpochMillis,
    ) -> Result<EpochMillis, StorageError> {
        // Partner devices are sent no persons (see `scope_manifest`).
        if actor.user.role == mimamori_core::domain::Role::PartnerStaff {
            return Ok(now);
        }
        let fingerprint = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for p in scope {
                p.id.hash(&mut h);
            }
            h.finish()
        };
        let fresh = |cache: &std::collections::HashMap<String, (u64, i64)>| {
            cache
                .get(actor.device_id)
                .filter(|(f, at)| *f == fingerprint && now - at < SYNC_READ_RECHECK_MS)
                .map(|c| c.1)
        };
        if let Some(at) = self.sync_reads.lock().ok().and_then(|c| fresh(&c)) {
            return Ok(at);
        }
        // The same read-then-insert as every other read of persons (see `audit_reads`): one
        // index range of what this device was logged as sent today, then only the missing rows.
        let ids: Vec<&PersonId> = scope.iter().map(|p| &p.id).collect();
        self.audit_reads(actor, AuditAction::SyncRead, &ids, now).await?;
        if let Ok(mut cache) = self.sync_reads.lock() {
            cache.insert(actor.device_id.to_owned(), (fingerprint, now));
        }
        Ok(now)
    }

    /// One entry per person, every time (an export: who took whose data away in a file).
    pub async fn audit_each(
        &self,
        actor: Actor<'_>,
        action: AuditAction,
        persons: &[&PersonId],
        detail: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let ids: Vec<&str> = persons.iter().map(|p| p.as_str()).collect();
        let mut tx = self.for_writes().begin().await?;
        self.insert_audit_rows(&mut tx, actor, action, &ids, detail, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Audit rows for many persons, 200 to a statement.
    async fn insert_audit_rows(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        actor: Actor<'_>,
        action: AuditAction,
        ids: &[&str],
        detail: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        for chunk in ids.chunks(200) {
            let rows = vec!["(?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql =
                format!("INSERT INTO audit_log (at, user_id, device_id, action, person_id, detail) VALUES {rows}");
            let sql = self.sql(&sql);
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q
                    .bind(now)
                    .bind(actor.user.id.as_str())
                    .bind(actor.device_id)
                    .bind(action.as_str())
                    .bind(*id)
                    .bind(detail);
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Logs that the actor's device was shown these persons (a list, a fetched record, the map),
    /// once a day per device, person and action: a coordinator's list of thousands is written once
    /// that day, and opening it again costs one index range read, not rows.
    ///
    /// Why read first and then insert (not one `INSERT … SELECT … WHERE NOT EXISTS` per 500 ids,
    /// as before): PostgreSQL's generic plan for that statement expected one logged row, joined
    /// every id against every row the device had logged that day, and took 130 ms per 500 ids,
    /// so the map of 5,000 persons took over a second (BENCHMARKS.md §8). The rows go in one
    /// transaction: one commit, whatever the number of persons.
    pub async fn audit_reads(
        &self,
        actor: Actor<'_>,
        action: AuditAction,
        persons: &[&PersonId],
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let mut unique: Vec<&str> = persons.iter().map(|p| p.as_str()).collect();
        unique.sort_unstable();
        unique.dedup();
        if unique.is_empty() {
            return Ok(());
        }
        let mut conn = self.connection().await?;
        let logged: std::collections::HashSet<String> = sqlx::query(&self.sql(
            "SELECT person_id FROM audit_log WHERE device_id = ? AND action = ? AND at > ? AND person_id IS NOT NULL",
        ))
        .bind(actor.device_id)
        .bind(action.as_str())
        .bind(now - SYNC_READ_EVERY_MS)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<String, _>("person_id"))
        .collect::<Result<_, _>>()?;
        let missing: Vec<&str> = unique.into_iter().filter(|id| !logged.contains(*id)).collect();
        if missing.is_empty() {
            return Ok(());
        }
        // The rows go in through the writers' connection (see `for_writes`), the reader's given back.
        drop(conn);
        let mut tx = self.for_writes().begin().await?;
        self.insert_audit_rows(&mut tx, actor, action, &missing, "", now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The log for one person, newest first (at most `limit` lines).
    pub async fn audit_for_person(&self, person: &PersonId, limit: i64) -> Result<Vec<AuditEntry>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT l.at, l.device_id, l.action, l.detail, u.id, u.login, u.display_name, u.role
             FROM audit_log l JOIN users u ON u.id = l.user_id
             WHERE l.person_id = ? ORDER BY l.seq DESC LIMIT ?",
        ))
        .bind(person.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    user: UserBrief::from(user_from_row(r)?),
                    device_id: r.try_get("device_id")?,
                    action: r.try_get("action")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
