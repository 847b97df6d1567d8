//! One-time invite codes that enrol a volunteer's phone without a password.

use super::{Storage, StorageError};
use mimamori_core::domain::{EpochMillis, UserId};
use sqlx::{Any, Row, Transaction};

/// Why a code did not enrol a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteProblem {
    Unknown,
    Used,
    Expired,
    /// A newer invite was issued for the same user (or the user was disabled).
    Replaced,
}

/// A redeemed invite: whom it enrols, and who issued it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub user: UserId,
    pub issued_by: UserId,
}

impl Storage {
    /// Stores a new invite; the user's earlier unused ones stop working. Returns how many did.
    pub async fn insert_invite(
        &self,
        tx: &mut Transaction<'static, Any>,
        code_hash: &str,
        user: &UserId,
        created_by: &UserId,
        now: EpochMillis,
        expires_at: EpochMillis,
    ) -> Result<u64, StorageError> {
        let replaced = self.replace_unused_invites(&mut **tx, user, now).await?;
        sqlx::query(&self.sql(
            "INSERT INTO invites (code_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        ))
        .bind(code_hash)
        .bind(user.as_str())
        .bind(created_by.as_str())
        .bind(now)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
        Ok(replaced)
    }

    /// Ends the user's invites that are still usable.
    pub async fn replace_unused_invites<'c, E>(
        &self,
        executor: E,
        user: &UserId,
        now: EpochMillis,
    ) -> Result<u64, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let done = sqlx::query(&self.sql(
            "UPDATE invites SET replaced_at = ?
             WHERE user_id = ? AND used_at IS NULL AND replaced_at IS NULL AND expires_at > ?",
        ))
        .bind(now)
        .bind(user.as_str())
        .bind(now)
        .execute(executor)
        .await?;
        Ok(done.rows_affected())
    }

    /// Takes the invite for this device, once: the first statement is the conditional write, so
    /// of several phones using one code at the same moment exactly one gets it (on SQLite the
    /// others wait for the write lock, then find it used; on PostgreSQL they wait for the row).
    pub async fn redeem_invite(
        &self,
        tx: &mut Transaction<'static, Any>,
        code_hash: &str,
        now: EpochMillis,
    ) -> Result<Result<Redeemed, InviteProblem>, StorageError> {
        let taken = sqlx::query(&self.sql(
            "UPDATE invites SET used_at = ?
             WHERE code_hash = ? AND used_at IS NULL AND replaced_at IS NULL AND expires_at > ?
               AND EXISTS (SELECT 1 FROM users u WHERE u.id = invites.user_id AND u.disabled_at IS NULL)
             RETURNING user_id, created_by",
        ))
        .bind(now)
        .bind(code_hash)
        .bind(now)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = taken {
            return Ok(Ok(Redeemed {
                user: super::rows::parsed(row.try_get("user_id")?)?,
                issued_by: super::rows::parsed(row.try_get("created_by")?)?,
            }));
        }
        let row = sqlx::query(&self.sql(
            "SELECT i.expires_at, i.used_at, i.replaced_at, u.disabled_at
             FROM invites i JOIN users u ON u.id = i.user_id WHERE i.code_hash = ?",
        ))
        .bind(code_hash)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(Err(InviteProblem::Unknown)) };
        Ok(Err(if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
            InviteProblem::Used
        } else if row.try_get::<Option<i64>, _>("replaced_at")?.is_some()
            || row.try_get::<Option<i64>, _>("disabled_at")?.is_some()
        {
            InviteProblem::Replaced
        } else {
            InviteProblem::Expired
        }))
    }

    /// Notes which device the invite enrolled (after that device's row exists).
    pub async fn link_invite_device(
        &self,
        tx: &mut Transaction<'static, Any>,
        code_hash: &str,
        device_id: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql("UPDATE invites SET device_id = ? WHERE code_hash = ?"))
            .bind(device_id)
            .bind(code_hash)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
