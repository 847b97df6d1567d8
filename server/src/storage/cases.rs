//! 要対応 cases: opened or joined by signals (in the signal's own transaction, so a check is never
//! stored without its case), listed and changed by the office within its scope, and sent to the
//! field as where each case stands.

use super::rows::parsed;
use super::sql::{scope_condition, scope_ids, PERSON_FROM};
use super::{Storage, StorageError};
use mimamori_core::api::admin::UserBrief;
use mimamori_core::api::cases::{CaseDetail, CaseEvent, CaseEventKind, CaseSignal, CaseSummary, PartnerOwner};
use mimamori_core::domain::case::FIELD_SEES_CLOSED_MS;
use mimamori_core::domain::disaster::{SafetyStatus, SupportNeed};
use mimamori_core::domain::{
    CaseNote, CaseStatus, CaseUpdate, CheckOutcome, Concern, EpochMillis, FieldCase, Need, PersonId, RequestStatus,
    Role, User,
};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};
use std::collections::HashMap;

/// What raised a signal: a check (緊急 or not) or a request, by id.
#[derive(Debug, Clone, Copy)]
pub enum SignalRef<'a> {
    Check {
        id: &'a str,
        urgent: bool,
    },
    Request {
        id: &'a str,
    },
    /// A 安否確認 confirmation of 要支援 (or, urgent, 要救助).
    Safety {
        id: &'a str,
        urgent: bool,
    },
}

/// How long the office's queue keeps showing a closed case.
const OFFICE_SEES_CLOSED_MS: EpochMillis = 30 * 24 * 60 * 60 * 1000;

fn bad(what: &str, value: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("unknown {what} {value}").into())
}

fn status_of(r: &AnyRow) -> Result<CaseStatus, sqlx::Error> {
    let s: String = r.try_get("status")?;
    CaseStatus::parse(&s).ok_or_else(|| bad("case status", &s))
}

/// The case columns the summaries read, on cases `k`, persons `p`, small areas `sa`, districts `d`.
const SUMMARY_COLUMNS: &str = "k.id, k.person_id, p.name AS person_name, sa.name AS small_area, d.name AS district,
    k.status, k.urgent, k.opened_at, k.awaiting_since, ua.display_name AS acknowledged_by, k.acknowledged_at,
    k.owner_id, uo.login AS owner_login, uo.display_name AS owner_name, uo.role AS owner_role,
    k.owner_org_id, oo.name AS owner_org_name,
    k.next_action_on, k.updated_at, p.address, p.phone, k.shared_note";

const SUMMARY_JOINS: &str = "JOIN cases k ON k.person_id = p.id
    LEFT JOIN users ua ON ua.id = k.acknowledged_by
    LEFT JOIN users uo ON uo.id = k.owner_id
    LEFT JOIN organizations oo ON oo.id = k.owner_org_id";

fn summary(r: &AnyRow) -> Result<CaseSummary, sqlx::Error> {
    let owner = match r.try_get::<Option<String>, _>("owner_id")? {
        Some(id) => {
            let role: String = r.try_get("owner_role")?;
            Some(UserBrief {
                id: parsed(id)?,
                login: r.try_get("owner_login")?,
                display_name: r.try_get("owner_name")?,
                role: Role::parse(&role).ok_or_else(|| bad("role", &role))?,
            })
        }
        None => None,
    };
    Ok(CaseSummary {
        id: r.try_get("id")?,
        person_id: parsed(r.try_get("person_id")?)?,
        person_name: r.try_get("person_name")?,
        small_area: r.try_get("small_area")?,
        district: r.try_get("district")?,
        status: status_of(r)?,
        urgent: r.try_get::<i64, _>("urgent")? != 0,
        opened_at: r.try_get("opened_at")?,
        awaiting_since: r.try_get("awaiting_since")?,
        acknowledged_by: r.try_get("acknowledged_by")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        owner,
        owner_organization: match r.try_get::<Option<String>, _>("owner_org_id")? {
            Some(id) => Some(PartnerOwner { id, name: r.try_get("owner_org_name")? }),
            None => None,
        },
        next_action_on: r.try_get("next_action_on")?,
        signals: 0,
        last_signal: None,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The signal columns of a case event `e` joined to its check `c` or request `r` and author `u`.
const SIGNAL_FROM: &str = "e.case_id, e.seq, e.at, e.kind, e.ref_id, u.display_name AS by_name,
    c.outcome, c.concerns, c.note AS check_note, c.recorded_at, r.need, r.detail,
    r.status AS request_status, ro.name AS referred_to,
    sc.status AS safety_status, sc.needs AS safety_needs, sc.note AS safety_note, sc.recorded_at AS safety_at,
    e.status, COALESCE(uo.display_name, oe.name) AS owner_name, e.owner_org_id AS event_owner_org, e.next_action_on, e.note, e.shared_note
    FROM case_events e JOIN users u ON u.id = e.by_user
    LEFT JOIN checks c ON e.kind = 'check' AND c.id = e.ref_id
    LEFT JOIN requests r ON e.kind = 'request' AND r.id = e.ref_id
    LEFT JOIN organizations ro ON ro.id = r.organization_id
    LEFT JOIN safety_confirmations sc ON e.kind = 'safety' AND sc.id = e.ref_id
    LEFT JOIN users uo ON uo.id = e.owner_id
    LEFT JOIN organizations oe ON oe.id = e.owner_org_id";

fn event(r: &AnyRow) -> Result<CaseEvent, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let by: String = r.try_get("by_name")?;
    let what = match kind.as_str() {
        "check" | "request" | "safety" => CaseEventKind::Signal { signal: signal(r, &kind, by.clone())? },
        "ack" => CaseEventKind::Acknowledged,
        "update" => CaseEventKind::Update {
            status: r.try_get::<Option<String>, _>("status")?.as_deref().and_then(CaseStatus::parse),
            owner: r.try_get("owner_name")?,
            owner_is_partner: r.try_get::<Option<String>, _>("event_owner_org")?.is_some(),
            next_action_on: r.try_get("next_action_on")?,
            note: r.try_get("note")?,
            shared_note: r.try_get("shared_note")?,
        },
        other => return Err(bad("case event", other)),
    };
    Ok(CaseEvent { at: r.try_get("at")?, by, what })
}

fn signal(r: &AnyRow, kind: &str, by: String) -> Result<CaseSignal, sqlx::Error> {
    let id: String = r.try_get::<Option<String>, _>("ref_id")?.unwrap_or_default();
    if kind == "safety" {
        let status: String = r.try_get::<Option<String>, _>("safety_status")?.unwrap_or_default();
        let needs: String = r.try_get::<Option<String>, _>("safety_needs")?.unwrap_or_default();
        return Ok(CaseSignal::Safety {
            id,
            status: SafetyStatus::parse(&status).ok_or_else(|| bad("safety status", &status))?,
            needs: needs.split(',').filter_map(SupportNeed::parse).collect(),
            note: r.try_get("safety_note")?,
            by,
            recorded_at: r.try_get::<Option<i64>, _>("safety_at")?.unwrap_or_default(),
        });
    }
    Ok(if kind == "check" {
        let outcome: String = r.try_get::<Option<String>, _>("outcome")?.unwrap_or_default();
        CaseSignal::Check {
            id,
            outcome: CheckOutcome::parse(&outcome).ok_or_else(|| bad("outcome", &outcome))?,
            concerns: Concern::split(&r.try_get::<Option<String>, _>("concerns")?.unwrap_or_default()),
            note: r.try_get("check_note")?,
            by,
            recorded_at: r.try_get::<Option<i64>, _>("recorded_at")?.unwrap_or_default(),
        }
    } else {
        let need: String = r.try_get::<Option<String>, _>("need")?.unwrap_or_default();
        CaseSignal::Request {
            id,
            need: Need::parse(&need).ok_or_else(|| bad("need", &need))?,
            detail: r.try_get::<Option<String>, _>("detail")?.unwrap_or_default(),
            by,
            status: r.try_get::<Option<String>, _>("request_status")?.as_deref().and_then(RequestStatus::parse),
            referred_to: r.try_get("referred_to")?,
        }
    })
}

impl Storage {
    /// Opens a case for the person or joins the open one, in the signal's transaction. A 緊急
    /// makes the case urgent; any new signal waits for the office to acknowledge it.
    pub async fn signal_case(
        &self,
        tx: &mut Transaction<'static, Any>,
        person: &PersonId,
        signal: SignalRef<'_>,
        by_user: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        let (kind, ref_id, urgent) = match signal {
            SignalRef::Check { id, urgent } => ("check", id, urgent),
            SignalRef::Request { id } => ("request", id, false),
            SignalRef::Safety { id, urgent } => ("safety", id, urgent),
        };
        let urgent = i64::from(urgent);
        let new_id = format!("case-{}", uuid::Uuid::new_v4().simple());
        // At most one open case per person (a partial unique index): when one is open, this
        // inserts nothing and the signal joins it.
        sqlx::query(&self.sql(
            "INSERT INTO cases (id, person_id, status, urgent, opened_at, awaiting_since, updated_at)
             VALUES (?, ?, 'open', ?, ?, ?, ?)
             ON CONFLICT (person_id) WHERE status IN ('open', 'in_progress') DO NOTHING",
        ))
        .bind(&new_id)
        .bind(person.as_str())
        .bind(urgent)
        .bind(now)
        .bind(now)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        let case_id: String = sqlx::query_scalar(
            &self.sql("SELECT id FROM cases WHERE person_id = ? AND status IN ('open', 'in_progress')"),
        )
        .bind(person.as_str())
        .fetch_one(&mut **tx)
        .await?;
        if case_id != new_id {
            sqlx::query(&self.sql(
                "UPDATE cases SET urgent = CASE WHEN ? = 1 THEN 1 ELSE urgent END,
                    awaiting_since = COALESCE(awaiting_since, ?), updated_at = ? WHERE id = ?",
            ))
            .bind(urgent)
            .bind(now)
            .bind(now)
            .bind(&case_id)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query(&self.sql("INSERT INTO case_events (case_id, at, by_user, kind, ref_id) VALUES (?, ?, ?, ?, ?)"))
            .bind(&case_id)
            .bind(now)
            .bind(by_user)
            .bind(kind)
            .bind(ref_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Cases for signals stored without them (a generated data set): per person, the 気になる
    /// and 緊急 checks since `since` in one case, acknowledged by the office a few minutes to a few
    /// hours after it opened; those older than 30 days at `now` closed as 見守り継続. Set-based SQL,
    /// the same in both databases, so millions of checks take seconds rather than a call each.
    pub async fn backfill_cases(&self, since: EpochMillis, now: EpochMillis) -> Result<(), StorageError> {
        let mut tx = self.begin().await?;
        let steps = [
            "INSERT INTO cases (id, person_id, status, urgent, opened_at, awaiting_since, updated_at)
             SELECT 'case-' || c.person_id, c.person_id, 'open',
                    MAX(CASE WHEN c.outcome = 'emergency' THEN 1 ELSE 0 END), MIN(c.received_at), MIN(c.received_at),
                    MAX(c.received_at)
             FROM checks c WHERE c.outcome IN ('concern', 'emergency') AND c.received_at > ?
             GROUP BY c.person_id",
            "INSERT INTO case_events (case_id, at, by_user, kind, ref_id)
             SELECT 'case-' || c.person_id, c.received_at, c.author_id, 'check', c.id
             FROM checks c WHERE c.outcome IN ('concern', 'emergency') AND c.received_at > ?",
            "UPDATE cases SET acknowledged_by = (SELECT MIN(s.user_id) FROM staff_districts s
                 JOIN small_areas sa ON sa.district_id = s.district_id JOIN persons p ON p.small_area_id = sa.id
                 WHERE p.id = cases.person_id)
             WHERE id LIKE 'case-%' AND ? > 0",
            "UPDATE cases SET acknowledged_at = opened_at + 60000 * (5 + (opened_at / 60000) % 240), awaiting_since = NULL
             WHERE acknowledged_by IS NOT NULL AND ? > 0",
            "INSERT INTO case_events (case_id, at, by_user, kind)
             SELECT id, acknowledged_at, acknowledged_by, 'ack' FROM cases WHERE acknowledged_at IS NOT NULL AND ? > 0",
        ];
        for sql in steps {
            sqlx::query(&self.sql(sql)).bind(since).execute(&mut *tx).await?;
        }
        sqlx::query(
            &self.sql("UPDATE cases SET status = 'watching', closed_at = updated_at + 86400000 WHERE updated_at < ?"),
        )
        .bind(now - FIELD_SEES_CLOSED_MS)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The office's queue: the open cases on persons in the user's scope, and those closed in
    /// the last 30 days; 緊急 first, then the oldest. With `only`, that one case (if visible).
    pub async fn visible_cases(&self, user: &User, only: Option<&str>) -> Result<Vec<CaseSummary>, StorageError> {
        let one = if only.is_some() { "AND k.id = ?" } else { "AND ? IS NULL" };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {PERSON_FROM} {SUMMARY_JOINS}
             WHERE {} AND (k.status IN ('open', 'in_progress') OR k.closed_at > ?) {one}
             ORDER BY CASE WHEN k.status IN ('open', 'in_progress') THEN 0 ELSE 1 END, k.urgent DESC, k.opened_at, k.id",
            scope_condition(user.role)
        );
        let now = crate::time::now_millis();
        // The open cases and those closed lately are few among all: planned for the cut-off.
        let mut conn = self.custom_planned_read().await?;
        let rows = sqlx::query(&self.sql(&sql))
            .bind(user.id.as_str())
            .bind(if only.is_some() { i64::MIN } else { now - OFFICE_SEES_CLOSED_MS })
            .bind(only)
            .fetch_all(&mut *conn)
            .await?;
        let mut cases = rows.iter().map(summary).collect::<Result<Vec<_>, sqlx::Error>>()?;
        if cases.is_empty() {
            return Ok(cases);
        }
        // Each case's signals: how many, and the newest in brief (one row a case). The listed
        // cases come first (a materialised CTE) and their events are read by case (CROSS JOIN
        // fixes that order on SQLite, and the index, as in `field_cases`): PostgreSQL otherwise
        // joined every case event with every check before keeping the listed cases' (a town's
        // queue: 0.48 s, now 0.09 s), and only the newest event of each is read whole.
        let sql = format!(
            "WITH listed AS MATERIALIZED (SELECT k.id {PERSON_FROM} {SUMMARY_JOINS}
                 WHERE {} AND (k.status IN ('open', 'in_progress') OR k.closed_at > ?) {one}),
             newest AS MATERIALIZED (SELECT e.case_id AS id, COUNT(*) AS n, MAX(e.seq) AS seq
                 FROM listed CROSS JOIN case_events e SQLITE_INDEXED_BY(case_events_case)
                 WHERE e.case_id = listed.id AND e.kind IN ('check', 'request', 'safety') GROUP BY e.case_id)
             SELECT newest.n AS signals, {SIGNAL_FROM} JOIN newest ON newest.seq = e.seq",
            scope_condition(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql))
            .bind(user.id.as_str())
            .bind(if only.is_some() { i64::MIN } else { now - OFFICE_SEES_CLOSED_MS })
            .bind(only)
            .fetch_all(&mut *conn)
            .await?;
        let mut by_case: HashMap<String, (u32, CaseSignal)> = HashMap::new();
        for r in &rows {
            let kind: String = r.try_get("kind")?;
            let n = u32::try_from(r.try_get::<i64, _>("signals")?).unwrap_or(u32::MAX);
            by_case.insert(r.try_get("case_id")?, (n, signal(r, &kind, r.try_get("by_name")?)?));
        }
        for case in &mut cases {
            if let Some((n, last)) = by_case.remove(&case.id) {
                case.signals = n;
                case.last_signal = Some(last);
            }
        }
        Ok(cases)
    }

    /// The office's queue as [`Storage::visible_cases`] lists it (same cases, same order), read
    /// as it goes and handed on `batch` cases at a time, each with its count of signals: for a
    /// download of any length, holding only a batch or two in memory. The read is one statement
    /// in one read transaction, so the file is one moment's queue. Stops early, without error, when
    /// `out` is closed (the download was abandoned). Returns how many cases were handed on.
    pub async fn cases_in_batches(
        &self,
        user: &User,
        batch: usize,
        out: tokio::sync::mpsc::Sender<Vec<CaseSummary>>,
    ) -> Result<u64, StorageError> {
        use futures_util::TryStreamExt;
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS},
                    (SELECT COUNT(*) FROM case_events e SQLITE_INDEXED_BY(case_events_case)
                     WHERE e.case_id = k.id AND e.kind IN ('check', 'request', 'safety')) AS signal_count
             {PERSON_FROM} {SUMMARY_JOINS}
             WHERE {} AND (k.status IN ('open', 'in_progress') OR k.closed_at > ?)
             ORDER BY CASE WHEN k.status IN ('open', 'in_progress') THEN 0 ELSE 1 END, k.urgent DESC, k.opened_at, k.id",
            scope_condition(user.role)
        );
        let sql = self.sql(&sql);
        let now = crate::time::now_millis();
        let mut tx = self.custom_planned_read().await?;
        let mut rows = sqlx::query(&sql).bind(user.id.as_str()).bind(now - OFFICE_SEES_CLOSED_MS).fetch(&mut *tx);
        let batch = batch.max(1);
        let mut held = Vec::with_capacity(batch);
        let mut handed = 0u64;
        while let Some(r) = rows.try_next().await? {
            let mut case = summary(&r)?;
            case.signals = u32::try_from(r.try_get::<i64, _>("signal_count")?).unwrap_or(u32::MAX);
            held.push(case);
            if held.len() == batch {
                handed += batch as u64;
                if out.send(std::mem::replace(&mut held, Vec::with_capacity(batch))).await.is_err() {
                    return Ok(handed);
                }
            }
        }
        if !held.is_empty() {
            handed += held.len() as u64;
            let _ = out.send(held).await;
        }
        Ok(handed)
    }

    /// The person's open case in brief (the caller decided the person is in scope).
    pub async fn open_case_of(
        &self,
        conn: &mut AnyConnection,
        person: &PersonId,
    ) -> Result<Option<CaseSummary>, StorageError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} {PERSON_FROM} {SUMMARY_JOINS}
             WHERE k.person_id = ? AND k.status IN ('open', 'in_progress')"
        );
        let row = sqlx::query(&self.sql(&sql)).bind(person.as_str()).fetch_optional(&mut *conn).await?;
        Ok(row.as_ref().map(summary).transpose()?)
    }

    /// One case with its timeline and who may own it, if the user may see it.
    pub async fn case_detail(
        &self,
        user: &User,
        id: &str,
        now: EpochMillis,
    ) -> Result<Option<CaseDetail>, StorageError> {
        let Some(summary) = self.visible_cases(user, Some(id)).await?.pop() else {
            return Ok(None);
        };
        let sql = format!("SELECT p.address, p.phone, k.shared_note {PERSON_FROM} {SUMMARY_JOINS} WHERE k.id = ?");
        let person = sqlx::query(&self.sql(&sql)).bind(id).fetch_one(&self.pool).await?;
        let events = sqlx::query(&self.sql(&format!("SELECT {SIGNAL_FROM} WHERE e.case_id = ? ORDER BY e.seq")))
            .bind(id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(event)
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let owners = self.case_owners(&summary.person_id).await?;
        let partner_owners = self.case_partner_owners(&self.pool, id).await?;
        Ok(Some(CaseDetail {
            person_address: person.try_get("address")?,
            person_phone: person.try_get("phone")?,
            shared_note: person.try_get("shared_note")?,
            summary,
            events,
            owners,
            partner_owners,
            server_time: now,
        }))
    }

    /// Who may own a case on this person: the coordinators of the person's district and the
    /// 民生委員 of the person's small area, active ones only.
    pub async fn case_owners(&self, person: &PersonId) -> Result<Vec<UserBrief>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT u.id, u.login, u.display_name, u.role FROM users u
             WHERE u.disabled_at IS NULL AND (
                (u.role IN ('coordinator', 'admin') AND EXISTS (SELECT 1 FROM staff_districts s
                    JOIN small_areas sa ON sa.district_id = s.district_id JOIN persons p ON p.small_area_id = sa.id
                    WHERE s.user_id = u.id AND p.id = ?))
                OR (u.role = 'commissioner' AND EXISTS (SELECT 1 FROM commissioner_areas c
                    JOIN persons p ON p.small_area_id = c.small_area_id WHERE c.user_id = u.id AND p.id = ?)))
             ORDER BY CASE u.role WHEN 'commissioner' THEN 1 ELSE 0 END, u.display_name, u.id",
        ))
        .bind(person.as_str())
        .bind(person.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok(UserBrief {
                    id: parsed(r.try_get("id")?)?,
                    login: r.try_get("login")?,
                    display_name: r.try_get("display_name")?,
                    role: Role::parse(&role).ok_or_else(|| bad("role", &role))?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The partner organisations that may carry a case: those its requests are referred to,
    /// while the person's consent allows sharing with partners, and the one carrying it now.
    pub async fn case_partner_owners<'c, E>(
        &self,
        executor: E,
        case_id: &str,
    ) -> Result<Vec<PartnerOwner>, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let rows = sqlx::query(&self.sql(
            "SELECT o.id AS id, o.name AS name FROM case_events e
             JOIN requests r ON r.id = e.ref_id
             JOIN organizations o ON o.id = r.organization_id
             JOIN persons p ON p.id = r.person_id
             WHERE e.case_id = ? AND e.kind = 'request' AND p.consent_share_partners = 1
             UNION SELECT o.id AS id, o.name AS name FROM cases k JOIN organizations o ON o.id = k.owner_org_id WHERE k.id = ?
             ORDER BY name, id",
        ))
        .bind(case_id)
        .bind(case_id)
        .fetch_all(executor)
        .await?;
        rows.iter()
            .map(|r| Ok(PartnerOwner { id: r.try_get("id")?, name: r.try_get("name")? }))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// A request was just referred to a partner organisation: its open case is seen (as any
    /// act of the office on it), 未対応 becomes 対応中, and one nobody carries yet is carried by
    /// that organisation; the change is on the timeline as the coordinator's.
    pub async fn case_referred(
        &self,
        tx: &mut Transaction<'static, Any>,
        request_id: &str,
        organization_id: &str,
        by_user: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        // Writes are one at a time (the caller holds the write transaction), so what is read
        // here is what the update below changes.
        let case: Option<(String, String, Option<String>, Option<String>)> = sqlx::query_as(&self.sql(
            "SELECT k.id, k.status, k.owner_id, k.owner_org_id
             FROM case_events e JOIN cases k ON k.id = e.case_id
             WHERE e.kind = 'request' AND e.ref_id = ? AND k.status IN ('open', 'in_progress')",
        ))
        .bind(request_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((case_id, status, owner_user, owner_org)) = case else {
            return Ok(());
        };
        let unowned = owner_user.is_none() && owner_org.is_none();
        self.acknowledge_case(tx, &case_id, by_user, now).await?;
        let starts = status == CaseStatus::Open.as_str();
        if !starts && !unowned {
            return Ok(());
        }
        let status = starts.then_some(CaseStatus::InProgress.as_str());
        let owner = unowned.then_some(organization_id);
        sqlx::query(&self.sql(
            "UPDATE cases SET status = COALESCE(?, status), owner_org_id = COALESCE(?, owner_org_id), updated_at = ?
             WHERE id = ?",
        ))
        .bind(status)
        .bind(owner)
        .bind(now)
        .bind(&case_id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(&self.sql(
            "INSERT INTO case_events (case_id, at, by_user, kind, status, owner_org_id) VALUES (?, ?, ?, 'update', ?, ?)",
        ))
        .bind(&case_id)
        .bind(now)
        .bind(by_user)
        .bind(status)
        .bind(owner)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Where a case on this person stands, if there is one by that id.
    pub async fn case_status<'c, E>(
        &self,
        executor: E,
        id: &str,
        person: &PersonId,
    ) -> Result<Option<CaseStatus>, StorageError>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        let status: Option<String> =
            sqlx::query_scalar(&self.sql("SELECT status FROM cases WHERE id = ? AND person_id = ?"))
                .bind(id)
                .bind(person.as_str())
                .fetch_optional(executor)
                .await?;
        Ok(status.as_deref().and_then(CaseStatus::parse))
    }

    /// 確認しました: the signals waiting are seen. False when nothing was waiting (a second tap,
    /// or another coordinator was quicker): nothing is written then.
    pub async fn acknowledge_case(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &str,
        by_user: &str,
        now: EpochMillis,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(&self.sql(
            "UPDATE cases SET awaiting_since = NULL, acknowledged_by = ?, acknowledged_at = ?, updated_at = ?
             WHERE id = ? AND awaiting_since IS NOT NULL",
        ))
        .bind(by_user)
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(&self.sql("INSERT INTO case_events (case_id, at, by_user, kind) VALUES (?, ?, ?, 'ack')"))
            .bind(id)
            .bind(now)
            .bind(by_user)
            .execute(&mut **tx)
            .await?;
        Ok(true)
    }

    /// Applies a validated office change (the caller checked who may, the status move and the
    /// owner). Acting on a case also acknowledges what was waiting.
    pub async fn update_case(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &str,
        update: &CaseUpdate,
        by_user: &str,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        self.acknowledge_case(tx, id, by_user, now).await?;
        let closes = update.status.is_some_and(|s| !s.is_open());
        let blank_to_null = |v: &Option<String>| v.as_ref().map(|s| (!s.is_empty()).then(|| s.clone()));
        // One owner: naming a user clears the organisation and the other way round; a blank
        // in either clears both (validation refused naming both).
        let user_owner = blank_to_null(&update.owner_id);
        let org_owner = blank_to_null(&update.owner_organization_id);
        let owner = user_owner.is_some() || org_owner.is_some();
        let (user_owner, org_owner) = (user_owner.flatten(), org_owner.flatten());
        let next = blank_to_null(&update.next_action_on);
        let shared = blank_to_null(&update.shared_note);
        sqlx::query(&self.sql(
            "UPDATE cases SET
                status = COALESCE(?, status),
                closed_at = CASE WHEN ? = 1 AND closed_at IS NULL THEN ? ELSE closed_at END,
                owner_id = CASE WHEN ? = 1 THEN ? ELSE owner_id END,
                owner_org_id = CASE WHEN ? = 1 THEN ? ELSE owner_org_id END,
                next_action_on = CASE WHEN ? = 1 THEN ? ELSE next_action_on END,
                shared_note = CASE WHEN ? = 1 THEN ? ELSE shared_note END,
                updated_at = ?
             WHERE id = ?",
        ))
        .bind(update.status.map(|s| s.as_str()))
        .bind(i64::from(closes))
        .bind(now)
        .bind(i64::from(owner))
        .bind(user_owner.clone())
        .bind(i64::from(owner))
        .bind(org_owner.clone())
        .bind(i64::from(next.is_some()))
        .bind(next.clone().flatten())
        .bind(i64::from(shared.is_some()))
        .bind(shared.clone().flatten())
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(&self.sql(
            "INSERT INTO case_events (case_id, at, by_user, kind, status, owner_id, owner_org_id, next_action_on, note,
                shared_note)
             VALUES (?, ?, ?, 'update', ?, ?, ?, ?, ?, ?)",
        ))
        .bind(id)
        .bind(now)
        .bind(by_user)
        .bind(update.status.map(|s| s.as_str()))
        .bind(user_owner)
        .bind(org_owner)
        .bind(update.next_action_on.clone())
        .bind(&update.note)
        .bind(update.shared_note.clone())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// What a field device holds: where each case on the persons it holds stands, open or closed
    /// in the last 30 days, with the office's shared word and never its notes. A volunteer gets
    /// only the cases they raised a signal in, and only their own signals' ids.
    pub async fn field_cases(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        now: EpochMillis,
    ) -> Result<Vec<FieldCase>, StorageError> {
        if user.role == Role::PartnerStaff {
            return Ok(Vec::new());
        }
        // The user's few persons drive both queries (CROSS JOIN fixes that order on SQLite, whose
        // planner otherwise scans every case once the scope is a UNION it cannot flatten). What
        // was recorded on the cases is read by `case_events_case`, which SQLite is told to use:
        // left to choose, SQLite 3.46 built an automatic index over every case event on each call
        // (240 ms of every 民生委員's and volunteer's pull on the benchmark's 176,000 events,
        // BENCHMARKS.md §2), against about 2 ms for the two queries now.
        let sql = format!(
            "SELECT k.id, k.person_id, k.status, ua.display_name AS acknowledged_by, k.acknowledged_at,
                    k.awaiting_since, k.shared_note, k.opened_at, k.updated_at,
                    k.owner_id, COALESCE(uo.display_name, oo.name) AS owner_name, k.next_action_on
             FROM ({}) s CROSS JOIN cases k
             LEFT JOIN users ua ON ua.id = k.acknowledged_by
             LEFT JOIN users uo ON uo.id = k.owner_id
             LEFT JOIN organizations oo ON oo.id = k.owner_org_id
             WHERE k.person_id = s.id AND (k.status IN ('open', 'in_progress') OR k.closed_at > ?)
             ORDER BY k.opened_at, k.id",
            scope_ids(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql))
            .bind(user.id.as_str())
            .bind(now - FIELD_SEES_CLOSED_MS)
            .fetch_all(&mut *conn)
            .await?;
        let mut cases: Vec<FieldCase> = rows
            .iter()
            .map(|r| {
                Ok(FieldCase {
                    id: r.try_get("id")?,
                    person_id: parsed(r.try_get("person_id")?)?,
                    status: status_of(r)?,
                    acknowledged_by: r.try_get("acknowledged_by")?,
                    acknowledged_at: r.try_get("acknowledged_at")?,
                    awaiting: r.try_get::<Option<i64>, _>("awaiting_since")?.is_some(),
                    shared_note: r.try_get("shared_note")?,
                    signals: Vec::new(),
                    owner_id: r.try_get::<Option<String>, _>("owner_id")?.map(parsed).transpose()?,
                    owner: r.try_get("owner_name")?,
                    next_action_on: r.try_get("next_action_on")?,
                    notes: Vec::new(),
                    opened_at: r.try_get("opened_at")?,
                    updated_at: r.try_get("updated_at")?,
                    pending: false,
                })
            })
            .collect::<Result<_, StorageError>>()?;
        if cases.is_empty() {
            return Ok(cases);
        }
        // The signals that opened or joined each case (a volunteer gets only their own), and, for
        // 民生委員 (and staff on a phone), the notes recorded on them; in the order they came.
        let own_only = user.role == Role::Volunteer;
        let sql = format!(
            "SELECT e.case_id, e.kind, e.ref_id, e.by_user, e.at, u.display_name, e.note
             FROM ({}) s CROSS JOIN cases k CROSS JOIN case_events e SQLITE_INDEXED_BY(case_events_case)
             JOIN users u ON u.id = e.by_user
             WHERE k.person_id = s.id AND e.case_id = k.id
               AND (e.kind IN ('check', 'request', 'safety') OR (e.kind = 'update' AND e.note <> ''))
               AND (k.status IN ('open', 'in_progress') OR k.closed_at > ?)
             ORDER BY e.seq",
            scope_ids(user.role)
        );
        let events = sqlx::query(&self.sql(&sql))
            .bind(user.id.as_str())
            .bind(now - FIELD_SEES_CLOSED_MS)
            .fetch_all(&mut *conn)
            .await?;
        let at: HashMap<String, usize> = cases.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        for e in &events {
            let Some(&i) = at.get(&e.try_get::<String, _>("case_id")?) else { continue };
            let case = &mut cases[i];
            if e.try_get::<String, _>("kind")? == "update" {
                if !own_only {
                    case.notes.push(CaseNote {
                        at: e.try_get("at")?,
                        by: e.try_get("display_name")?,
                        text: e.try_get("note")?,
                    });
                }
            } else if let Some(signal) = e.try_get::<Option<String>, _>("ref_id")? {
                if !own_only || e.try_get::<String, _>("by_user")? == user.id.as_str() {
                    case.signals.push(signal);
                }
            }
        }
        if own_only {
            cases.retain(|c| !c.signals.is_empty());
        }
        Ok(cases)
    }
}
