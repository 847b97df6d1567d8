//! Failed sign-in attempts and lockouts, kept in the database so every server process agrees.
//!
//! An attempt is counted *before* its password is checked, in one statement: of any number of
//! concurrent guesses at one login, only [`MAX_FAILURES`] are ever checked; the rest are refused
//! without hashing. A correct password clears the count.

use super::{Storage, StorageError};
use app::domain::EpochMillis;

/// Failures in a row that lock a login.
pub const MAX_FAILURES: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Counts older than this (and not locking anything) are forgotten.
pub const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// What reserving an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead and check the password.
    Allowed,
    /// Locked now, by this attempt (the one over the limit): log it once.
    LockedNow,
    /// Locked already.
    Locked,
}

impl Storage {
    /// Counts an attempt on this login and says whether its password may be checked. An expired
    /// lock starts the count again.
    pub async fn reserve_sign_in_attempt(&self, login: &str, now: EpochMillis) -> Result<Attempt, StorageError> {
        let mut tx = self.begin_immediate().await?;
        let row: (i64, Option<i64>) = sqlx::query_as(&self.sql(
            "INSERT INTO sign_in_failures (login, failures, locked_until, last_attempt_at) VALUES (?, 1, NULL, ?)
             ON CONFLICT (login) DO UPDATE SET
               failures = CASE WHEN sign_in_failures.locked_until IS NOT NULL AND sign_in_failures.locked_until <= ?
                               THEN 1 ELSE sign_in_failures.failures + 1 END,
               locked_until = CASE WHEN sign_in_failures.locked_until IS NOT NULL AND sign_in_failures.locked_until <= ?
                                   THEN NULL ELSE sign_in_failures.locked_until END,
               last_attempt_at = ?
             RETURNING failures, locked_until",
        ))
        .bind(login)
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let attempt = match row {
            (_, Some(until)) if until > now => Attempt::Locked,
            (failures, _) if failures > MAX_FAILURES => {
                sqlx::query(&self.sql("UPDATE sign_in_failures SET locked_until = ? WHERE login = ?"))
                    .bind(now + LOCKOUT_MS)
                    .bind(login)
                    .execute(&mut *tx)
                    .await?;
                Attempt::LockedNow
            }
            _ => Attempt::Allowed,
        };
        tx.commit().await?;
        Ok(attempt)
    }

    /// A correct password: the count starts again.
    pub async fn clear_sign_in_failures(&self, login: &str) -> Result<(), StorageError> {
        sqlx::query(&self.sql("DELETE FROM sign_in_failures WHERE login = ?")).bind(login).execute(&self.pool).await?;
        Ok(())
    }

    /// Forgets counts whose last attempt is older than [`FORGET_AFTER_MS`] and that lock nothing.
    /// Returns how many went. Every server process runs this now and then.
    pub async fn purge_sign_in_failures(&self, now: EpochMillis) -> Result<u64, StorageError> {
        let done = sqlx::query(&self.sql(
            "DELETE FROM sign_in_failures WHERE last_attempt_at < ? AND (locked_until IS NULL OR locked_until < ?)",
        ))
        .bind(now - FORGET_AFTER_MS)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
