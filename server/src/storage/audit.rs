//! The audit log: every read and write of personal data, attributable to a user and a device.

use super::persons::{scope_condition, PERSON_FROM};
use super::{Storage, StorageError};
use app::api::admin::{AuditEntry, UserBrief};
use app::domain::{EpochMillis, PersonId, User};
use sqlx::Row;

/// What was done. Stored as text; the list is closed so the log stays queryable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A person's full record was opened on a management screen.
    PersonRead,
    PersonCreate,
    PersonUpdate,
    ConsentRecord,
    ConsentWithdraw,
    /// A device received the person's data in a sync (logged at most once a day per device).
    SyncRead,
    CheckCreate,
    /// A partner saw the person in their referred requests.
    RequestRead,
    /// Someone read this person's audit log.
    AuditRead,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::PersonRead => "person.read",
            AuditAction::PersonCreate => "person.create",
            AuditAction::PersonUpdate => "person.update",
            AuditAction::ConsentRecord => "consent.record",
            AuditAction::ConsentWithdraw => "consent.withdraw",
            AuditAction::SyncRead => "sync.read",
            AuditAction::CheckCreate => "check.create",
            AuditAction::RequestRead => "request.read",
            AuditAction::AuditRead => "audit.read",
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
        .bind(&actor.user.id.0)
        .bind(actor.device_id)
        .bind(action.as_str())
        .bind(person.map(|p| p.0.as_str()))
        .bind(detail)
        .execute(executor)
        .await?;
        Ok(())
    }

    /// Logs that this device was sent every person in the user's scope, once a day per device
    /// and person (a device pulls every minute; the log records who holds whom, not each poll).
    pub async fn audit_sync_reads(&self, actor: Actor<'_>, now: EpochMillis) -> Result<(), StorageError> {
        let sql = format!(
            "INSERT INTO audit_log (at, user_id, device_id, action, person_id, detail)
             SELECT ?, ?, ?, 'sync.read', p.id, '' {PERSON_FROM}
             WHERE p.active = 1 AND {}
               AND NOT EXISTS (SELECT 1 FROM audit_log l WHERE l.device_id = ? AND l.person_id = p.id
                               AND l.action = 'sync.read' AND l.at > ?)",
            scope_condition(actor.user.role)
        );
        sqlx::query(&self.sql(&sql))
            .bind(now)
            .bind(&actor.user.id.0)
            .bind(actor.device_id)
            .bind(&actor.user.id.0)
            .bind(actor.device_id)
            .bind(now - SYNC_READ_EVERY_MS)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The log for one person, newest first (at most `limit` lines).
    pub async fn audit_for_person(&self, person: &PersonId, limit: i64) -> Result<Vec<AuditEntry>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT l.at, l.device_id, l.action, l.detail, u.id, u.login, u.display_name, u.role
             FROM audit_log l JOIN users u ON u.id = l.user_id
             WHERE l.person_id = ? ORDER BY l.seq DESC LIMIT ?",
        ))
        .bind(&person.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    user: UserBrief::from(super::users::user_from_row(r)?),
                    device_id: r.try_get("device_id")?,
                    action: r.try_get("action")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
