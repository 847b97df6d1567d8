//! 個別ケース検討会: meetings and the cases on their agendas. What a meeting shows is decided per
//! case by the same scope as the 要対応 queue: a coordinator sees, on any meeting of the
//! municipality, only the cases of persons in her districts.

use super::sql::{scope_condition, PERSON_FROM};
use super::{Storage, StorageError};
use mimamori_core::api::meetings::{MeetingSummary, NewMeeting};
use mimamori_core::domain::{EpochMillis, PersonId, User};
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;

/// A case on a meeting's agenda, as the asking user may see it.
#[derive(Debug, Clone)]
pub struct MeetingCase {
    pub case_id: String,
    pub person_id: PersonId,
    pub consent_share_partners: bool,
    pub decided_at: Option<EpochMillis>,
}

impl Storage {
    /// Sets up a meeting over the given cases (the caller checked they are open and the user's).
    pub async fn create_meeting(
        &self,
        user: &User,
        municipality: &str,
        meeting: &NewMeeting,
        now: EpochMillis,
    ) -> Result<String, StorageError> {
        let id = format!("m-{}", uuid::Uuid::new_v4().simple());
        let mut tx = self.begin_immediate().await?;
        sqlx::query(&self.sql(
            "INSERT INTO meetings (id, municipality_id, held_on, title, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(&id)
        .bind(municipality)
        .bind(meeting.held_on.as_str())
        .bind(&meeting.title)
        .bind(user.id.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        for (position, case) in meeting.case_ids.iter().enumerate() {
            sqlx::query(&self.sql("INSERT INTO meeting_cases (meeting_id, case_id, position) VALUES (?, ?, ?)"))
                .bind(&id)
                .bind(case)
                .bind(position as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The municipality's meetings with at least one case the user may see, the newest date first.
    pub async fn meetings(&self, user: &User, municipality: &str) -> Result<Vec<MeetingSummary>, StorageError> {
        let sql = format!(
            "SELECT mc.meeting_id, mc.decided_at {PERSON_FROM}
             JOIN cases k ON k.person_id = p.id JOIN meeting_cases mc ON mc.case_id = k.id
             JOIN meetings m ON m.id = mc.meeting_id
             WHERE m.municipality_id = ? AND {}",
            scope_condition(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(municipality).bind(user.id.as_str()).fetch_all(&self.pool).await?;
        let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
        for r in &rows {
            let c = counts.entry(r.try_get("meeting_id")?).or_default();
            c.0 += 1;
            if r.try_get::<Option<i64>, _>("decided_at")?.is_some() {
                c.1 += 1;
            }
        }
        let rows = sqlx::query(&self.sql(
            "SELECT m.id, m.held_on, m.title, m.created_at, u.display_name AS created_by
             FROM meetings m JOIN users u ON u.id = m.created_by
             WHERE m.municipality_id = ? ORDER BY m.held_on DESC, m.created_at DESC",
        ))
        .bind(municipality)
        .fetch_all(&self.pool)
        .await?;
        let mut list = Vec::new();
        for r in &rows {
            let id: String = r.try_get("id")?;
            let Some(&(cases, decided)) = counts.get(&id) else { continue };
            list.push(MeetingSummary {
                id,
                held_on: r.try_get("held_on")?,
                title: r.try_get("title")?,
                cases,
                decided,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
            });
        }
        Ok(list)
    }

    /// One meeting and the cases on it that the user may see, in agenda order; `None` when it is
    /// not the municipality's or holds none of the user's cases (the same answer for both).
    pub async fn meeting(
        &self,
        user: &User,
        municipality: &str,
        id: &str,
    ) -> Result<Option<(MeetingSummary, Vec<MeetingCase>)>, StorageError> {
        let sql = format!(
            "SELECT k.id AS case_id, k.person_id, p.consent_share_partners, mc.decided_at {PERSON_FROM}
             JOIN cases k ON k.person_id = p.id JOIN meeting_cases mc ON mc.case_id = k.id
             WHERE mc.meeting_id = ? AND {} ORDER BY mc.position",
            scope_condition(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(id).bind(user.id.as_str()).fetch_all(&self.pool).await?;
        let cases = rows
            .iter()
            .map(|r| {
                Ok(MeetingCase {
                    case_id: r.try_get("case_id")?,
                    person_id: super::rows::parsed(r.try_get("person_id")?)?,
                    consent_share_partners: r.try_get::<i64, _>("consent_share_partners")? == 1,
                    decided_at: r.try_get("decided_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        if cases.is_empty() {
            return Ok(None);
        }
        let row = sqlx::query(&self.sql(
            "SELECT m.held_on, m.title, m.created_at, u.display_name AS created_by
             FROM meetings m JOIN users u ON u.id = m.created_by WHERE m.id = ? AND m.municipality_id = ?",
        ))
        .bind(id)
        .bind(municipality)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let summary = MeetingSummary {
            id: id.to_owned(),
            held_on: r.try_get("held_on")?,
            title: r.try_get("title")?,
            cases: cases.len() as u32,
            decided: cases.iter().filter(|c| c.decided_at.is_some()).count() as u32,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
        };
        Ok(Some((summary, cases)))
    }

    /// Changes a meeting's date and name and the user's cases on it: `cases` (in this order)
    /// replaces those of `visible` (the user's cases on it now), and cases of other districts
    /// stay, after them, in their order. A kept case keeps its decision. The caller checked the
    /// cases; the total is checked here, in the transaction. `false`: it would hold too many.
    pub async fn change_meeting(
        &self,
        id: &str,
        municipality: &str,
        change: &NewMeeting,
        visible: &[MeetingCase],
        max_cases: usize,
    ) -> Result<bool, StorageError> {
        let mut tx = self.begin_immediate().await?;
        let on_it: Vec<String> =
            sqlx::query_scalar(&self.sql("SELECT case_id FROM meeting_cases WHERE meeting_id = ? ORDER BY position"))
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let mine: std::collections::HashSet<&str> = visible.iter().map(|c| c.case_id.as_str()).collect();
        let others = on_it.iter().filter(|c| !mine.contains(c.as_str()));
        let order: Vec<&String> = change.case_ids.iter().chain(others).collect();
        if order.len() > max_cases {
            return Ok(false);
        }
        sqlx::query(&self.sql("UPDATE meetings SET held_on = ?, title = ? WHERE id = ? AND municipality_id = ?"))
            .bind(change.held_on.as_str())
            .bind(&change.title)
            .bind(id)
            .bind(municipality)
            .execute(&mut *tx)
            .await?;
        for gone in mine.iter().filter(|c| !change.case_ids.iter().any(|k| k == *c)) {
            sqlx::query(&self.sql("DELETE FROM meeting_cases WHERE meeting_id = ? AND case_id = ?"))
                .bind(id)
                .bind(*gone)
                .execute(&mut *tx)
                .await?;
        }
        for (position, case) in order.iter().enumerate() {
            let moved =
                sqlx::query(&self.sql("UPDATE meeting_cases SET position = ? WHERE meeting_id = ? AND case_id = ?"))
                    .bind(position as i64)
                    .bind(id)
                    .bind(case.as_str())
                    .execute(&mut *tx)
                    .await?;
            if moved.rows_affected() == 0 {
                sqlx::query(&self.sql("INSERT INTO meeting_cases (meeting_id, case_id, position) VALUES (?, ?, ?)"))
                    .bind(id)
                    .bind(case.as_str())
                    .bind(position as i64)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Notes that the meeting's decision on a case was entered.
    pub async fn mark_decided(
        &self,
        tx: &mut Transaction<'static, Any>,
        meeting: &str,
        case: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql("UPDATE meeting_cases SET decided_at = ? WHERE meeting_id = ? AND case_id = ?"))
            .bind(now)
            .bind(meeting)
            .bind(case)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}
