//! Failed sign-in attempts and lockouts, kept in the database so every server instance agrees.

use super::{Storage, StorageError};
use app::domain::EpochMillis;

/// Failures in a row that lock a login.
pub const MAX_FAILURES: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;

impl Storage {
    /// Whether sign-in for this login is locked right now.
    pub async fn sign_in_locked(&self, login: &str, now: EpochMillis) -> Result<bool, StorageError> {
        let until: Option<Option<i64>> =
            sqlx::query_scalar(&self.sql("SELECT locked_until FROM sign_in_failures WHERE login = ?"))
                .bind(login)
                .fetch_optional(&self.pool)
                .await?;
        Ok(until.flatten().is_some_and(|t| t > now))
    }

    /// Counts a failure; the [`MAX_FAILURES`]th in a row locks the login for [`LOCKOUT_MS`].
    pub async fn record_sign_in_failure(&self, login: &str, now: EpochMillis) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        sqlx::query(&self.sql(
            "INSERT INTO sign_in_failures (login, failures, locked_until) VALUES (?, 1, NULL)
             ON CONFLICT (login) DO UPDATE SET failures = sign_in_failures.failures + 1",
        ))
        .bind(login)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            &self.sql("UPDATE sign_in_failures SET locked_until = ?, failures = 0 WHERE login = ? AND failures >= ?"),
        )
        .bind(now + LOCKOUT_MS)
        .bind(login)
        .bind(MAX_FAILURES)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn clear_sign_in_failures(&self, login: &str) -> Result<(), StorageError> {
        sqlx::query(&self.sql("DELETE FROM sign_in_failures WHERE login = ?")).bind(login).execute(&self.pool).await?;
        Ok(())
    }
}
