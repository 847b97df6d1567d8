//! Failed sign-in attempts and lockouts, kept in the database so every server process agrees.
//!
//! An attempt is reserved *before* its password is checked, in one statement: failures so far
//! plus attempts being checked right now may not pass [`MAX_FAILURES`], so of any number of
//! concurrent guesses at one login at most that many are ever hashed; the rest are refused
//! without hashing. The failure that reaches the limit locks the login; a correct password clears
//! the count. A reservation left by a process that died mid-check lapses after
//! [`PENDING_LAPSE_MS`].

use super::{Storage, StorageError};
use mimamori_core::domain::EpochMillis;

/// Failures in a row that lock a login.
pub const MAX_FAILURES: i64 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Counts older than this (and not locking anything) are forgotten.
pub const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;
/// An attempt still "being checked" after this long belonged to a process that went away.
pub const PENDING_LAPSE_MS: i64 = 60 * 1000;

/// What reserving an attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead and check the password; then [`Storage::sign_in_failed`] or
    /// [`Storage::clear_sign_in_failures`].
    Allowed,
    /// Locked, or as many attempts are being checked as may still fail: refused unchecked.
    Refused,
}

impl Storage {
    /// Reserves an attempt on this login and says whether its password may be checked. An
    /// expired lock starts the count again.
    pub async fn reserve_sign_in_attempt(&self, login: &str, now: EpochMillis) -> Result<Attempt, StorageError> {
        let mut tx = self.begin_immediate().await?;
        let (failures, locked_until, pending): (i64, Option<i64>, i64) = sqlx::query_as(&self.sql(
            "INSERT INTO sign_in_failures (login, failures, locked_until, last_attempt_at, pending) VALUES (?, 0, NULL, ?, 1)
             ON CONFLICT (login) DO UPDATE SET
               failures = CASE WHEN sign_in_failures.locked_until IS NOT NULL AND sign_in_failures.locked_until <= ?
                               THEN 0 ELSE sign_in_failures.failures END,
               locked_until = CASE WHEN sign_in_failures.locked_until IS NOT NULL AND sign_in_failures.locked_until <= ?
                                   THEN NULL ELSE sign_in_failures.locked_until END,
               pending = CASE WHEN sign_in_failures.last_attempt_at < ? THEN 1 ELSE sign_in_failures.pending + 1 END,
               last_attempt_at = ?
             RETURNING failures, locked_until, pending",
        ))
        .bind(login)
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(now - PENDING_LAPSE_MS)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let locked = locked_until.is_some_and(|t| t > now);
        let attempt = if locked || failures + pending > MAX_FAILURES {
            sqlx::query(&self.sql("UPDATE sign_in_failures SET pending = pending - 1 WHERE login = ?"))
                .bind(login)
                .execute(&mut *tx)
                .await?;
            Attempt::Refused
        } else {
            Attempt::Allowed
        };
        tx.commit().await?;
        Ok(attempt)
    }

    /// A reserved attempt failed. Returns whether this failure locked the login (the
    /// [`MAX_FAILURES`]th in a row), so the lock is logged once.
    pub async fn sign_in_failed(&self, login: &str, now: EpochMillis) -> Result<bool, StorageError> {
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(&self.sql(
            "UPDATE sign_in_failures SET
               failures = failures + 1,
               pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END,
               locked_until = CASE WHEN failures + 1 >= ? THEN ? ELSE locked_until END
             WHERE login = ?
             RETURNING failures, locked_until",
        ))
        .bind(MAX_FAILURES)
        .bind(now + LOCKOUT_MS)
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some_and(|(failures, until)| failures == MAX_FAILURES && until.is_some()))
    }

    /// A correct password: the count starts again.
    pub async fn clear_sign_in_failures(&self, login: &str) -> Result<(), StorageError> {
        sqlx::query(&self.sql("DELETE FROM sign_in_failures WHERE login = ?"))
            .bind(login)
            .execute(self.for_writes())
            .await?;
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
        .execute(self.for_writes())
        .await?;
        Ok(done.rows_affected())
    }
}
