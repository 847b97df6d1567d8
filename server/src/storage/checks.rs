//! 見守り checks: idempotent inserts and scoped, cursor-based reads.

use super::persons::{scope_condition, PERSON_FROM};
use super::Backend;
use super::{Storage, StorageError};
use app::domain::{Check, CheckId, CheckOutcome, EpochMillis, NewCheck, PersonId, SyncState, User, UserId};
use sqlx::{Any, Row, Transaction};

/// What inserting one check did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Applied,
    /// The same author already stored this id: a retry, nothing written.
    Duplicate,
    /// Another user owns this id: refused, nothing written.
    IdTaken,
}

impl Storage {
    /// A transaction for a push. On PostgreSQL, pushes take turns so that `seq` order is commit
    /// order and a pull cursor can never step over a row that commits later with a lower `seq`
    /// (SQLite has one writer at a time anyway).
    pub async fn begin_push(&self) -> Result<Transaction<'static, Any>, StorageError> {
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(7291)) AS l")
                .fetch_one(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Inserts a check once, however often it is pushed.
    pub async fn insert_check(
        &self,
        tx: &mut Transaction<'static, Any>,
        check: &NewCheck,
        author: &UserId,
        device_id: &str,
        received_at: EpochMillis,
    ) -> Result<InsertOutcome, StorageError> {
        let id = check.id.0.to_string();
        let done = sqlx::query(&self.sql(
            "INSERT INTO checks (id, person_id, author_id, device_id, outcome, note, recorded_at, received_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO NOTHING",
        ))
        .bind(&id)
        .bind(&check.person_id.0)
        .bind(&author.0)
        .bind(device_id)
        .bind(check.outcome.as_str())
        .bind(check.note.as_ref().map(|n| n.as_str()))
        .bind(check.recorded_at)
        .bind(received_at)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(InsertOutcome::Applied);
        }
        let owner: String = sqlx::query_scalar(&self.sql("SELECT author_id FROM checks WHERE id = ?"))
            .bind(&id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(if owner == author.0 { InsertOutcome::Duplicate } else { InsertOutcome::IdTaken })
    }

    /// Checks on persons the user may see, after `cursor` in server order, at most `limit`.
    /// Returns the page and the cursor to resume from.
    pub async fn checks_since(
        &self,
        user: &User,
        cursor: i64,
        limit: usize,
    ) -> Result<(Vec<Check>, i64, bool), StorageError> {
        // Partners see referred requests, never the watch history.
        if user.role == app::domain::Role::PartnerStaff {
            return Ok((Vec::new(), cursor, false));
        }
        let sql = format!(
            "SELECT c.seq, c.id, c.person_id, c.outcome, c.note, c.recorded_at, c.received_at,
                    c.author_id, u.display_name AS author_name
             {PERSON_FROM}
             JOIN checks c ON c.person_id = p.id
             JOIN users u ON u.id = c.author_id
             WHERE c.seq > ? AND p.active = 1 AND {}
             ORDER BY c.seq
             LIMIT ?",
            scope_condition(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql))
            .bind(cursor)
            .bind(&user.id.0)
            .bind(limit as i64 + 1)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() > limit;
        let mut next = cursor;
        let mut checks = Vec::with_capacity(rows.len().min(limit));
        for r in rows.iter().take(limit) {
            next = r.try_get("seq")?;
            let id: String = r.try_get("id")?;
            let outcome: String = r.try_get("outcome")?;
            checks.push(Check {
                id: CheckId(id.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?),
                person_id: PersonId(r.try_get("person_id")?),
                outcome: CheckOutcome::parse(&outcome)
                    .ok_or_else(|| sqlx::Error::Decode(format!("unknown outcome {outcome}").into()))?,
                note: r.try_get("note")?,
                recorded_at: r.try_get("recorded_at")?,
                received_at: Some(r.try_get("received_at")?),
                author_id: UserId(r.try_get("author_id")?),
                author_name: r.try_get("author_name")?,
                sync: SyncState::Synced,
                rejection: None,
            });
        }
        Ok((checks, next, more))
    }
}
