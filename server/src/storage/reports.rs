//! 集計: the figures of [`Report`], counted in SQL by month (in Japan's time) over the persons of
//! the chosen area within the user's scope. Every query starts from those persons (`ap`, a common
//! table of the scope subquery and the area), so a coordinator's report counts only their districts.

use super::sql::{month_in_japan, scope_ids};
use super::{Storage, StorageError};
use mimamori_core::api::reports::{checks_needed, MonthFigures, Period, Report};
use mimamori_core::domain::{CaseStatus, CheckOutcome, Concern, Month, Need, RequestStatus, User};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// Japan's offset from UTC, in minutes.
const JST: i64 = 9 * 60;

/// The area a report covers: every district of the user, one district, or one small area.
#[derive(Debug, Clone, Default)]
pub struct ReportArea {
    pub district: String,
    pub small_area: String,
}

impl ReportArea {
    /// The SQL condition (on `p` persons and `sa` their small areas) and its one value, if any.
    fn condition(&self) -> (&'static str, Option<&str>) {
        if !self.small_area.is_empty() {
            ("AND p.small_area_id = ?", Some(self.small_area.as_str()))
        } else if !self.district.is_empty() {
            ("AND sa.district_id = ?", Some(self.district.as_str()))
        } else {
            ("", None)
        }
    }
}

impl Storage {
    /// The area in words, if the user may report on it (its district is one of theirs).
    pub async fn report_area_name(&self, user: &User, area: &ReportArea) -> Result<Option<String>, StorageError> {
        if area.district.is_empty() && area.small_area.is_empty() {
            return Ok(Some("全地区".to_owned()));
        }
        let row = sqlx::query(&self.sql(
            "SELECT d.name AS district, sa.name AS small_area FROM districts d
             JOIN staff_districts s ON s.district_id = d.id AND s.user_id = ?
             LEFT JOIN small_areas sa ON sa.district_id = d.id AND sa.id = ?
             WHERE (d.id = ? OR ? = '') AND (? = '' OR sa.id IS NOT NULL)
             ORDER BY d.id LIMIT 1",
        ))
        .bind(user.id.as_str())
        .bind(&area.small_area)
        .bind(&area.district)
        .bind(&area.district)
        .bind(&area.small_area)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => None,
            Some(r) => {
                let district: String = r.try_get("district")?;
                match r.try_get::<Option<String>, _>("small_area")? {
                    Some(sa) => Some(format!("{district} {sa}")),
                    None if area.small_area.is_empty() => Some(district),
                    None => None,
                }
            }
        })
    }

    /// The report for a period and area (the caller checked the area with [`Self::report_area_name`]).
    pub async fn report(
        &self,
        user: &User,
        period: &Period,
        area: &ReportArea,
        area_name: String,
    ) -> Result<Report, StorageError> {
        let (start, end) = (period.from().start_ms(JST), period.to().next().map_or(i64::MAX, |m| m.start_ms(JST)));
        // The persons of the area in the user's scope, with their interval: the start of every count.
        // The area is written into the SQL, not passed as `? = '' OR …`: PostgreSQL's generic plan
        // for that form could not use the area and scanned every check (5.4 s against 0.25 s).
        let (area_sql, area_bind) = area.condition();
        let ap = format!(
            "WITH ap AS (SELECT p.id, p.check_interval_days AS interval_days FROM persons p
                 JOIN small_areas sa ON sa.id = p.small_area_id
                 WHERE p.id IN ({}) {area_sql})",
            scope_ids(user.role)
        );
        let backend = self.backend();
        let months: Vec<Month> = period.months();
        let mut by_month: BTreeMap<String, MonthFigures> = months
            .iter()
            .map(|m| (m.as_str().to_owned(), MonthFigures { month: m.as_str().to_owned(), ..Default::default() }))
            .collect();
        // `bound!(sql, |q| …)`: the query on `ap` with the user and the area bound, as `q`.
        macro_rules! bound {
            ($sql:expr, |$q:ident| $rest:expr) => {{
                let sql = self.sql(&$sql).into_owned();
                let $q = {
                    let q = sqlx::query(&sql).bind(user.id.as_str());
                    match area_bind {
                        Some(a) => q.bind(a),
                        None => q,
                    }
                };
                $rest
            }};
        }

        // Three lanes, each on a connection of its own, run at once: the per-month check counts
        // (the biggest), the concerns, requests and 活動記録, and the cases. On two cores all
        // 50,000 persons' year took 0.94 s in one lane (BENCHMARKS.md §10).
        let m = month_in_japan(backend, "c.recorded_at");
        let checks_lane = async {
            let mut tx = self.custom_planned_read().await?;
            let conn: &mut AnyConnection = &mut tx;
            // Checks by month and outcome, and coverage (how many persons of each interval had
            // how many checks in each month), in one pass over the per-person, per-month counts
            // a trigger keeps (`check_months`, migration 0019): one small row per person and
            // month, not every check.
            let rows = bound!(
                format!(
                    "{ap} SELECT cm.month, ap.interval_days, cm.n, COUNT(*) AS persons,
                        CAST(SUM(cm.all_well) AS BIGINT) AS all_well, CAST(SUM(cm.concern) AS BIGINT) AS concern,
                        CAST(SUM(cm.not_home) AS BIGINT) AS not_home, CAST(SUM(cm.emergency) AS BIGINT) AS emergency
                     FROM ap JOIN check_months cm ON cm.person_id = ap.id
                     WHERE cm.month >= ? AND cm.month <= ? GROUP BY cm.month, ap.interval_days, cm.n"
                ),
                |q| q.bind(period.from().as_str()).bind(period.to().as_str()).fetch_all(&mut *conn).await?
            );
            Ok::<_, StorageError>(rows)
        };
        let signals_lane = async {
            let mut tx = self.custom_planned_read().await?;
            let conn: &mut AnyConnection = &mut tx;
            let persons: i64 = bound!(format!("{ap} SELECT COUNT(*) AS n FROM ap"), |q| q
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?);
            // Concerns noticed, by chip (stored comma-joined on the check): few checks have any,
            // and the index holds the chips, so this reads the index and groups only those.
            let concerns = bound!(
                format!(
                    "{ap} SELECT {m} AS month, c.concerns, COUNT(*) AS n FROM checks c JOIN ap ON ap.id = c.person_id
                 WHERE c.recorded_at >= ? AND c.recorded_at < ? AND c.concerns <> '' GROUP BY {m}, c.concerns"
                ),
                |q| q.bind(start).bind(end).fetch_all(&mut *conn).await?
            );
            // Requests raised, by need and by where they stand now.
            let mr = month_in_japan(backend, "r.created_at");
            let requests = bound!(
                format!(
                    "{ap} SELECT {mr} AS month, r.need, r.status, COUNT(*) AS n FROM requests r JOIN ap ON ap.id = r.person_id
                 WHERE r.created_at >= ? AND r.created_at < ? GROUP BY {mr}, r.need, r.status"
                ),
                |q| q.bind(start).bind(end).fetch_all(&mut *conn).await?
            );
            // 活動記録 submitted for each month by the 民生委員 of the area (in the user's districts).
            let in_area = area_sql.replace("p.small_area_id", "sa.id");
            let sql = self
                .sql(&format!(
                    "SELECT a.month, COUNT(DISTINCT a.user_id) AS n FROM activity_reports a
                 WHERE a.month >= ? AND a.month <= ? AND a.user_id IN (
                     SELECT c.user_id FROM commissioner_areas c JOIN small_areas sa ON sa.id = c.small_area_id
                     JOIN staff_districts s ON s.district_id = sa.district_id AND s.user_id = ?
                     WHERE 1 = 1 {in_area})
                 GROUP BY a.month"
                ))
                .into_owned();
            let q = sqlx::query(&sql).bind(period.from().as_str()).bind(period.to().as_str()).bind(user.id.as_str());
            let activity = match area_bind {
                Some(a) => q.bind(a),
                None => q,
            }
            .fetch_all(&mut *conn)
            .await?;
            let sql = self
                .sql(&format!(
                    "SELECT COUNT(DISTINCT c.user_id) AS n FROM commissioner_areas c
                 JOIN small_areas sa ON sa.id = c.small_area_id
                 JOIN staff_districts s ON s.district_id = sa.district_id AND s.user_id = ?
                 JOIN users u ON u.id = c.user_id AND u.disabled_at IS NULL
                 WHERE 1 = 1 {in_area}"
                ))
                .into_owned();
            let q = sqlx::query(&sql).bind(user.id.as_str());
            let commissioners: i64 = match area_bind {
                Some(a) => q.bind(a),
                None => q,
            }
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
            Ok::<_, StorageError>((persons, concerns, requests, activity, commissioners))
        };
        let cases_lane = async {
            let mut tx = self.custom_planned_read().await?;
            let conn: &mut AnyConnection = &mut tx;
            // Cases opened (by where they stand now), closed, and how long the office took to see them.
            let mk = month_in_japan(backend, "k.opened_at");
            let opened = bound!(
                format!(
                    "{ap} SELECT {mk} AS month, k.status, COUNT(*) AS n FROM cases k JOIN ap ON ap.id = k.person_id
                 WHERE k.opened_at >= ? AND k.opened_at < ? GROUP BY {mk}, k.status"
                ),
                |q| q.bind(start).bind(end).fetch_all(&mut *conn).await?
            );
            let mc = month_in_japan(backend, "k.closed_at");
            let closed = bound!(
                format!(
                    "{ap} SELECT {mc} AS month, COUNT(*) AS n FROM cases k JOIN ap ON ap.id = k.person_id
                 WHERE k.closed_at >= ? AND k.closed_at < ? GROUP BY {mc}"
                ),
                |q| q.bind(start).bind(end).fetch_all(&mut *conn).await?
            );
            let waits = bound!(
                format!(
                    "{ap} SELECT {mk} AS month, MIN(e.at) - k.opened_at AS waited FROM cases k JOIN ap ON ap.id = k.person_id
                 JOIN case_events e ON e.case_id = k.id AND e.kind = 'ack'
                 WHERE k.opened_at >= ? AND k.opened_at < ? GROUP BY k.id, k.opened_at"
                ),
                |q| q.bind(start).bind(end).fetch_all(&mut *conn).await?
            );
            Ok::<_, StorageError>((opened, closed, waits))
        };
        let (
            month_rows,
            (persons, concern_rows, request_rows, activity_rows, commissioners),
            (opened, closed, wait_rows),
        ) = tokio::try_join!(checks_lane, signals_lane, cases_lane)?;

        let days: HashMap<String, u32> = months.iter().map(|m| (m.as_str().to_owned(), m.days())).collect();
        for r in &month_rows {
            let month: String = r.try_get("month")?;
            let (interval, n, persons) =
                (r.try_get::<i64, _>("interval_days")?, r.try_get::<i64, _>("n")?, r.try_get::<i64, _>("persons")?);
            if let (Some(f), Some(days)) = (by_month.get_mut(&month), days.get(&month)) {
                for o in CheckOutcome::ALL {
                    f.checks.add(o, u32::try_from(r.try_get::<i64, _>(o.as_str())?).unwrap_or(u32::MAX));
                }
                let persons = u32::try_from(persons).unwrap_or(u32::MAX);
                f.persons_checked += persons;
                if n >= i64::from(checks_needed(*days, u32::try_from(interval).unwrap_or(1))) {
                    f.covered += persons;
                }
            }
        }
        let mut concerns: BTreeMap<String, BTreeMap<Concern, u32>> = BTreeMap::new();
        for r in &concern_rows {
            let n = count(r)?;
            let month_concerns = concerns.entry(r.try_get("month")?).or_default();
            for c in Concern::split(&r.try_get::<String, _>("concerns")?) {
                *month_concerns.entry(c).or_default() += n;
            }
        }
        let mut needs: BTreeMap<String, BTreeMap<Need, u32>> = BTreeMap::new();
        let mut statuses: BTreeMap<String, BTreeMap<RequestStatus, u32>> = BTreeMap::new();
        for r in &request_rows {
            let (month, n): (String, u32) = (r.try_get("month")?, count(r)?);
            if let Some(need) = Need::parse(&r.try_get::<String, _>("need")?) {
                *needs.entry(month.clone()).or_default().entry(need).or_default() += n;
            }
            if let Some(status) = RequestStatus::parse(&r.try_get::<String, _>("status")?) {
                *statuses.entry(month).or_default().entry(status).or_default() += n;
            }
        }
        let mut open_now: BTreeMap<String, BTreeMap<CaseStatus, u32>> = BTreeMap::new();
        for r in &opened {
            let (month, n): (String, u32) = (r.try_get("month")?, count(r)?);
            if let Some(f) = by_month.get_mut(&month) {
                f.cases_opened += n;
            }
            if let Some(status) = CaseStatus::parse(&r.try_get::<String, _>("status")?).filter(|s| s.is_open()) {
                *open_now.entry(month).or_default().entry(status).or_default() += n;
            }
        }
        for r in &closed {
            if let Some(f) = by_month.get_mut(&r.try_get::<String, _>("month")?) {
                f.cases_closed += count(r)?;
            }
        }
        let mut waits: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for r in &wait_rows {
            waits.entry(r.try_get("month")?).or_default().push(r.try_get("waited")?);
        }
        for r in &activity_rows {
            if let Some(f) = by_month.get_mut(&r.try_get::<String, _>("month")?) {
                f.activity_reports = count(r)?;
            }
        }

        let mut totals = MonthFigures::default();
        let mut all_waits = Vec::new();
        for (month, f) in by_month.iter_mut() {
            f.concerns = listed(concerns.remove(month));
            f.requests = listed(needs.remove(month));
            f.request_status = listed(statuses.remove(month));
            f.cases_open_now = listed(open_now.remove(month));
            let w = waits.remove(month).unwrap_or_default();
            f.median_ack_minutes = median_minutes(&w);
            all_waits.extend(w);
            add_into(&mut totals, f);
        }
        totals.median_ack_minutes = median_minutes(&all_waits);
        Ok(Report {
            from: period.from().as_str().to_owned(),
            to: period.to().as_str().to_owned(),
            area: area_name,
            persons: u32::try_from(persons).unwrap_or(u32::MAX),
            commissioners: u32::try_from(commissioners).unwrap_or(u32::MAX),
            months: by_month.into_values().collect(),
            totals,
        })
    }
}

fn count(r: &sqlx::any::AnyRow) -> Result<u32, sqlx::Error> {
    Ok(u32::try_from(r.try_get::<i64, _>("n")?).unwrap_or(u32::MAX))
}

fn listed<K: Ord>(m: Option<BTreeMap<K, u32>>) -> Vec<(K, u32)> {
    m.map(|m| m.into_iter().collect()).unwrap_or_default()
}

/// The median of waits in milliseconds, in whole minutes (the lower middle of an even count).
fn median_minutes(waits: &[i64]) -> Option<u32> {
    let mut w: Vec<i64> = waits.iter().copied().filter(|w| *w >= 0).collect();
    if w.is_empty() {
        return None;
    }
    w.sort_unstable();
    u32::try_from(w[(w.len() - 1) / 2] / 60_000).ok()
}

/// Adds a month into the period's totals (persons checked and covered are summed over months:
/// person-months, as the table's total row says).
fn add_into(t: &mut MonthFigures, f: &MonthFigures) {
    for o in CheckOutcome::ALL {
        t.checks.add(o, f.checks.get(o));
    }
    t.persons_checked += f.persons_checked;
    t.covered += f.covered;
    merge(&mut t.concerns, &f.concerns);
    merge(&mut t.requests, &f.requests);
    merge(&mut t.request_status, &f.request_status);
    merge(&mut t.cases_open_now, &f.cases_open_now);
    t.cases_opened += f.cases_opened;
    t.cases_closed += f.cases_closed;
    t.activity_reports += f.activity_reports;
}

fn merge<K: Ord + Copy>(into: &mut Vec<(K, u32)>, from: &[(K, u32)]) {
    let mut m: BTreeMap<K, u32> = into.drain(..).collect();
    for (k, n) in from {
        *m.entry(*k).or_default() += n;
    }
    *into = m.into_iter().collect();
}

#[cfg(test)]
mod tests {
    use super::median_minutes;

    #[test]
    fn the_median_wait_is_in_whole_minutes() {
        assert_eq!(median_minutes(&[]), None);
        assert_eq!(median_minutes(&[5 * 60_000]), Some(5));
        assert_eq!(median_minutes(&[50 * 60_000, 2 * 60_000, 10 * 60_000]), Some(10));
        assert_eq!(median_minutes(&[4 * 60_000, 2 * 60_000]), Some(2));
        assert_eq!(median_minutes(&[-1]), None, "a clock gone backwards is left out");
    }
}
