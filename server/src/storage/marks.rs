//! Pull marks: whether anything but new checks changed for a field user since their device's last
//! whole pull. Most pulls find nothing new, yet each read the manifest, requests, registrable
//! areas, cases and events again: about 1 ms of PostgreSQL's CPU per pull, which capped the
//! 1,000-device benchmark near 1,400 requests/s (BENCHMARKS.md §7). Triggers (migration 0023) bump
//! a mark for every change to those rows: per small area, per user (their list or 担当区域) and
//! per municipality (its 安否確認 events). A pull reads the user's marks first, as one number;
//! when the device sends back the number it was given, that number is still what the server
//! remembers for the device, and the whole pull that gave it is recent, only the checks page goes.
//!
//! Why this is safe: the marks are read before any data, and a change bumps its mark in its own
//! transaction, so anything committed after the read shows as a different number next time,
//! whatever the commit order. "Recent" is the read audit's own window (`SYNC_READ_RECHECK_MS`):
//! a device is skipped only while the log of what it holds is as fresh as a whole pull would
//! make it. What no trigger sees (a user's or organisation's display name, a closed case ageing
//! out of the 30 days a phone shows it) waits at most that long.

use super::audit::SYNC_READ_RECHECK_MS;
use super::{Backend, Storage, StorageError};
use mimamori_core::domain::{EpochMillis, Role, User};
use sqlx::{AnyConnection, Row};
use std::hash::{Hash, Hasher};

/// What the device asking was last given, as remembered with its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GivenMark {
    pub mark: i64,
    pub at: EpochMillis,
}

/// How long a whole pull on SQLite waits for the writer connection to remember its mark.
const WRITER_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

impl GivenMark {
    /// Whether a pull at `now` that sent `echo` and found `current` may skip all but the checks.
    pub fn still_holds(self, echo: Option<i64>, current: Option<i64>, now: EpochMillis) -> bool {
        echo == Some(self.mark) && current == Some(self.mark) && now - self.at < SYNC_READ_RECHECK_MS
    }
}

impl Storage {
    /// The user's marks as one number, or `None` when every pull must be whole: not a field user,
    /// or a 安否確認 event is open in the municipality (its lists and confirmations change by the
    /// minute). Read first, on the pull's connection, before any of the data it stands for.
    pub async fn pull_mark(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        municipality: &str,
    ) -> Result<Option<i64>, StorageError> {
        let areas = match user.role {
            Role::Commissioner => "SELECT 'a:' || c.small_area_id FROM commissioner_areas c WHERE c.user_id = ?",
            Role::Volunteer => {
                "SELECT 'a:' || p.small_area_id FROM assignments a JOIN persons p ON p.id = a.person_id
                 WHERE a.user_id = ?"
            }
            Role::Coordinator | Role::Admin | Role::PartnerStaff => return Ok(None),
        };
        let sql = format!(
            "SELECT m.id, m.mark FROM pull_marks m
             WHERE m.id IN ({areas} UNION ALL SELECT 'u:' || ? UNION ALL SELECT 'm:' || ?)
             UNION ALL
             SELECT '', 0 FROM disaster_events e WHERE e.closed_at IS NULL AND e.municipality_id = ?"
        );
        let mut rows: Vec<(String, i64)> = sqlx::query(&self.sql(&sql))
            .bind(user.id.as_str())
            .bind(user.id.as_str())
            .bind(municipality)
            .bind(municipality)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        if rows.iter().any(|(id, _)| id.is_empty()) {
            return Ok(None);
        }
        rows.sort_unstable();
        // The role and municipality go in too: a user moved between them changes rules, not rows.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (user.role.as_str(), municipality, &rows).hash(&mut h);
        // 53 bits: the phone keeps it as a JavaScript number.
        Ok(Some((h.finish() >> 11) as i64))
    }

    /// Remembers the mark a whole pull gave this device, and when its read audit was last
    /// confirmed. Best effort: on SQLite only if the writer connection comes free within
    /// [`WRITER_WAIT`], so a pull never queues long behind pushes; a mark not remembered only
    /// means the next pull is whole too.
    pub async fn remember_pull_mark(&self, device_id: &str, given: GivenMark) -> Result<(), StorageError> {
        let sql = self.sql("UPDATE devices SET pull_mark = ?, pull_mark_at = ? WHERE id = ?");
        let q = sqlx::query(&sql).bind(given.mark).bind(given.at).bind(device_id);
        match self.backend() {
            Backend::Sqlite => {
                if let Ok(Ok(mut writer)) = tokio::time::timeout(WRITER_WAIT, self.writer.acquire()).await {
                    q.execute(&mut *writer).await?;
                }
            }
            Backend::Postgres => {
                q.execute(&self.pool).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_holds_only_when_sent_back_unchanged_and_recent() {
        let given = GivenMark { mark: 42, at: 1_000 };
        assert!(given.still_holds(Some(42), Some(42), 1_000 + SYNC_READ_RECHECK_MS - 1));
        assert!(!given.still_holds(None, Some(42), 2_000), "a device that sends none gets everything");
        assert!(!given.still_holds(Some(41), Some(42), 2_000), "a device that missed the last whole pull");
        assert!(!given.still_holds(Some(42), Some(43), 2_000), "something changed since");
        assert!(!given.still_holds(Some(42), None, 2_000), "an event is open");
        assert!(!given.still_holds(Some(42), Some(42), 1_000 + SYNC_READ_RECHECK_MS), "the audit is due");
    }
}
