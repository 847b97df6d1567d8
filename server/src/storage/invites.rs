//! One-time invite codes that enrol a volunteer's phone without a password.

use super::{Storage, StorageError};
use app::domain::{EpochMillis, UserId};
use sqlx::{Any, Row, Transaction};

/// Why a code did not enrol a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteProblem {
    Unknown,
    Used,
    Expired,
}

impl Storage {
    pub async fn insert_invite(
        &self,
        code_hash: &str,
        user: &UserId,
        created_by: &UserId,
        now: EpochMillis,
        expires_at: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "INSERT INTO invites (code_hash, user_id, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        ))
        .bind(code_hash)
        .bind(&user.0)
        .bind(&created_by.0)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes the invite for this device, once: a second use (even a concurrent one) fails.
    pub async fn redeem_invite(
        &self,
        tx: &mut Transaction<'static, Any>,
        code_hash: &str,
        now: EpochMillis,
    ) -> Result<Result<UserId, InviteProblem>, StorageError> {
        let Some(row) = sqlx::query(&self.sql("SELECT user_id, expires_at, used_at FROM invites WHERE code_hash = ?"))
            .bind(code_hash)
            .fetch_optional(&mut **tx)
            .await?
        else {
            return Ok(Err(InviteProblem::Unknown));
        };
        if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
            return Ok(Err(InviteProblem::Used));
        }
        if row.try_get::<i64, _>("expires_at")? <= now {
            return Ok(Err(InviteProblem::Expired));
        }
        let taken = sqlx::query(&self.sql("UPDATE invites SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"))
            .bind(now)
            .bind(code_hash)
            .execute(&mut **tx)
            .await?;
        if taken.rows_affected() != 1 {
            return Ok(Err(InviteProblem::Used));
        }
        Ok(Ok(UserId(row.try_get("user_id")?)))
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
