//! 見守り checks: idempotent inserts and scoped, cursor-based reads.

use super::rows::parsed;
use super::sql::{placeholders, scope_ids, Backend};
use super::{Storage, StorageError};
use mimamori_core::domain::{
    Check, CheckId, CheckKind, CheckMethod, CheckOutcome, Concern, EpochMillis, GeoStamp, NeedNote, NewCheck, PersonId,
    Role, SyncState, User, UserId,
};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};

impl Storage {
    /// A transaction that writes synced data (pushes, person edits, conflicts). Such writers take
    /// turns: on PostgreSQL so that `seq` order is commit order and a pull cursor can never step
    /// over a row that commits later with a lower `seq`, and so that a field's version is read and
    /// written without another writer in between. On SQLite the write lock is taken up front
    /// (`BEGIN IMMEDIATE`): a transaction that reads first and writes later would otherwise fail
    /// with SQLITE_BUSY when another writer committed in between.
    ///
    /// Within a process they queue for one connection of their own (`writer`), holding nothing
    /// else, so the readers' pool stays free for pulls and the office's board while they wait:
    /// with 300 phones pushing at once (BENCHMARKS.md §11) writers that each held a pooled
    /// connection while waiting for the lock starved pulls (503) or ran out SQLite's lock wait
    /// (500). A write that took its turn first and a pooled connection second then waited for
    /// that connection behind every pull in the queue, holding the turn: at 1,000 devices pushes
    /// took 3 s (§3). With its own connection a writer's turn is only its own work.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, StorageError> {
        if self.backend == Backend::Sqlite {
            return Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?);
        }
        let mut tx = self.writer.begin().await?;
        {
            sqlx::query("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(7291)) AS l")
                .fetch_one(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Inserts a check; false when a check with this id exists already (the idempotency gate in
    /// `apply` answers retries before this; a row it does not know of is someone else's).
    pub async fn insert_check(
        &self,
        tx: &mut Transaction<'static, Any>,
        check: &NewCheck,
        device_recorded_at: EpochMillis,
        author: &UserId,
        device_id: &str,
        received_at: EpochMillis,
    ) -> Result<bool, StorageError> {
        let id = check.id.0.to_string();
        let sql = format!(
            "INSERT INTO checks (id, person_id, author_id, device_id, outcome, note, recorded_at, received_at,
                device_recorded_at, method, concerns, kind, needs, lat, lng, location_accuracy_m)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {})
             ON CONFLICT (id) DO NOTHING",
            located_values(check.location.is_some())
        );
        let sql = self.sql(&sql);
        let query = sqlx::query(&sql)
            .bind(id)
            .bind(check.person_id.as_str())
            .bind(author.as_str())
            .bind(device_id)
            .bind(check.outcome.as_str())
            .bind(check.note.as_ref().map(|n| n.as_str()))
            .bind(check.recorded_at)
            .bind(received_at)
            .bind(device_recorded_at)
            .bind(check.method.map(|m| m.as_str()))
            .bind(Concern::join(&check.concerns))
            .bind(check.kind.as_str())
            .bind(serde_json::to_string(&check.needs).map_err(|e| sqlx::Error::Encode(Box::new(e)))?);
        let done = bind_location(query, check.location).execute(&mut **tx).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Checks on persons the user may see, after `cursor` in server order, at most `limit`.
    /// Returns the page and the cursor to resume from.
    pub async fn checks_since(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        cursor: i64,
        limit: usize,
    ) -> Result<(Vec<Check>, i64, bool), StorageError> {
        // Partners see referred requests, never the watch history.
        if user.role == mimamori_core::domain::Role::PartnerStaff {
            return Ok((Vec::new(), cursor, false));
        }
        let scope = scope_ids(user.role);
        let rows = if matches!(user.role, Role::Volunteer | Role::Commissioner) {
            // A field user's few persons drive the query: each one's checks after the cursor come
            // straight from the (person_id, seq) index. CROSS JOIN fixes that order on SQLite.
            let sql = format!(
                "SELECT {CHECK_COLUMNS} FROM ({scope}) s CROSS JOIN checks c JOIN users u ON u.id = c.author_id
                 WHERE c.person_id = s.id AND c.seq > ? ORDER BY c.seq LIMIT ?"
            );
            sqlx::query(&self.sql(&sql))
                .bind(user.id.as_str())
                .bind(cursor)
                .bind(limit as i64 + 1)
                .fetch_all(&mut *conn)
                .await?
        } else {
            // Staff see whole districts: walking the checks in server order is the cheaper way.
            let sql = format!(
                "SELECT {CHECK_COLUMNS} FROM checks c JOIN users u ON u.id = c.author_id
                 WHERE c.seq > ? AND c.person_id IN ({scope}) ORDER BY c.seq LIMIT ?"
            );
            sqlx::query(&self.sql(&sql))
                .bind(cursor)
                .bind(user.id.as_str())
                .bind(limit as i64 + 1)
                .fetch_all(&mut *conn)
                .await?
        };
        let more = rows.len() > limit;
        let mut next = cursor;
        let mut checks = Vec::with_capacity(rows.len().min(limit));
        for r in rows.iter().take(limit) {
            next = r.try_get("seq")?;
            checks.push(for_reader(user, check_from_row(r)?));
        }
        Ok((checks, next, more))
    }
}

/// A check as this reader may see it. A volunteer, a neighbour, needs to know when someone last
/// looked in and how it went (so the due list is right and nobody knocks twice), not what others
/// noticed or wrote: another user's note, concern chips, 御用聞き needs and location stay off
/// their phone. Their own records come back whole.
fn for_reader(user: &User, mut check: Check) -> Check {
    if user.role == Role::Volunteer && check.author_id != user.id {
        check.note = None;
        check.concerns.clear();
        check.needs.clear();
        check.location = None;
    }
    check
}

pub(super) const CHECK_COLUMNS: &str = "c.seq, c.id, c.person_id, c.outcome, c.note, c.recorded_at, c.received_at,
     c.author_id, u.display_name AS author_name, c.method, c.concerns, c.lat, c.lng, c.location_accuracy_m, c.kind, c.needs";

pub(super) fn check_from_row(r: &AnyRow) -> Result<Check, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let outcome: String = r.try_get("outcome")?;
    let method: Option<String> = r.try_get("method")?;
    let concerns: String = r.try_get("concerns")?;
    let kind: String = r.try_get("kind")?;
    let needs: String = r.try_get("needs")?;
    let location = match (r.try_get("lat")?, r.try_get("lng")?, r.try_get("location_accuracy_m")?) {
        (Some(lat), Some(lng), Some(accuracy_m)) => Some(GeoStamp { lat, lng, accuracy_m }),
        _ => None,
    };
    Ok(Check {
        id: CheckId(id.parse().map_err(|e| sqlx::Error::Decode(Box::new(e)))?),
        person_id: parsed(r.try_get("person_id")?)?,
        outcome: CheckOutcome::parse(&outcome)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown outcome {outcome}").into()))?,
        note: r.try_get("note")?,
        recorded_at: r.try_get("recorded_at")?,
        received_at: Some(r.try_get("received_at")?),
        author_id: parsed(r.try_get("author_id")?)?,
        author_name: r.try_get("author_name")?,
        method: method.as_deref().and_then(CheckMethod::parse),
        concerns: Concern::split(&concerns),
        location,
        kind: CheckKind::parse(&kind).ok_or_else(|| sqlx::Error::Decode(format!("unknown kind {kind}").into()))?,
        // Needs from a newer release that this one does not know are left out, not an error.
        needs: serde_json::from_str::<Vec<serde_json::Value>>(&needs)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?
            .into_iter()
            .filter_map(|v| serde_json::from_value::<NeedNote>(v).ok())
            .collect(),
        sync: SyncState::Synced,
        rejection: None,
        rejection_code: None,
    })
}

impl Storage {
    /// The history of persons new to a device, up to the device's cursor (later checks come with
    /// its pull). The caller has passed the ids through the user's scope.
    pub async fn checks_of(&self, user: &User, ids: &[PersonId], upto: i64) -> Result<Vec<Check>, StorageError> {
        if user.role == mimamori_core::domain::Role::PartnerStaff {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for chunk in ids.chunks(200) {
            let sql = format!(
                "SELECT {CHECK_COLUMNS} FROM checks c JOIN users u ON u.id = c.author_id
                 WHERE c.seq <= ? AND c.person_id IN ({}) ORDER BY c.seq",
                placeholders(chunk.len())
            );
            let sql = self.sql(&sql);
            let mut q = sqlx::query(&sql).bind(upto);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.pool).await? {
                out.push(for_reader(user, check_from_row(&r)?));
            }
        }
        Ok(out)
    }
}

/// The location stamp's placeholders: three when there is one, literal NULLs when there is not.
///
/// Why not always three binds: PostgreSQL prepares a statement once per connection with the
/// parameter types of its first call, and sqlx 0.8.6's `Any` driver declares a missing `f64` as
/// `float4` (it swaps `Real` and `Double` for nulls). After one check without a stamp, every
/// stamped check on that connection failed: "incorrect binary data format in bind parameter",
/// a 500, and with one writer connection that was the whole process. Two statements, each with
/// stable types, keep both cached.
pub(super) fn located_values(located: bool) -> &'static str {
    if located {
        "?, ?, ?"
    } else {
        "NULL, NULL, NULL"
    }
}

/// Binds a location stamp's three values (see [`located_values`]), or nothing.
pub(super) fn bind_location<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    location: Option<GeoStamp>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    match location {
        Some(l) => query.bind(l.lat).bind(l.lng).bind(l.accuracy_m),
        None => query,
    }
}
