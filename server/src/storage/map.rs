//! What the office map reads: everyone in a coordinator's districts with the facts their marker
//! needs, in four statements on one connection whatever the number of persons (5,000 persons in
//! ten districts is one screenful for a town's 社協), and one person's side panel.
//!
//! Scope is the same one SQL function as everywhere ([`scope_ids`]); the map adds no rule of its own.

use super::checks::{check_from_row, CHECK_COLUMNS};
use super::requests::{field_request, FIELD_REQUEST_FROM};
use super::rows::{decode, flag, parsed, scopes_from_row};
use super::sql::scope_ids;
use super::{Storage, StorageError};
use mimamori_core::api::map::{MapArea, MapPanel, MapPerson, Watcher, PANEL_CHECKS};
use mimamori_core::domain::{in_japan, CaseStatus, CheckOutcome, HouseholdType, PersonId, Role, User, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// Requests still being worked on.
const OPEN_REQUEST: &str = "r.status <> 'done'";

fn watcher(r: &AnyRow) -> Result<Watcher, sqlx::Error> {
    let role: String = r.try_get("role")?;
    Ok(Watcher {
        id: parsed(r.try_get("user_id")?)?,
        name: r.try_get("display_name")?,
        role: decode("role", Role::parse(&role))?,
    })
}

/// A stored place, or `None` when it is not a place in Japan.
fn place(r: &AnyRow) -> Result<(Option<f64>, Option<f64>), sqlx::Error> {
    let (lat, lng): (f64, f64) = (r.try_get("lat")?, r.try_get("lng")?);
    Ok(if in_japan(lat, lng) { (Some(lat), Some(lng)) } else { (None, None) })
}

impl Storage {
    /// Everyone active in the user's scope, with their last checks, open requests and watchers;
    /// the small areas of the user's districts; and the watchers by name.
    pub async fn map_view(&self, user: &User) -> Result<(Vec<MapPerson>, Vec<MapArea>, Vec<Watcher>), StorageError> {
        let mut conn = self.connection().await?;
        let conn: &mut AnyConnection = &mut conn;
        let scope = scope_ids(user.role);
        // Each correlated subquery is one probe of the (person_id, recorded_at) index.
        let sql = format!(
            "SELECT p.id, p.name, p.address, p.lat, p.lng, p.small_area_id, p.household_type,
                    p.needs_evacuation_help, p.check_interval_days,
                    (SELECT MAX(c.recorded_at) FROM checks c WHERE c.person_id = p.id) AS last_check_at,
                    (SELECT c.outcome FROM checks c WHERE c.person_id = p.id AND c.outcome <> 'not_home'
                     ORDER BY c.recorded_at DESC, c.seq DESC LIMIT 1) AS last_seen,
                    (SELECT COUNT(*) FROM requests r WHERE r.person_id = p.id AND {OPEN_REQUEST}) AS open_requests,
                    (SELECT k.status || CASE WHEN k.awaiting_since IS NULL THEN '' ELSE '*' END FROM cases k
                     WHERE k.person_id = p.id AND k.status IN ('open', 'in_progress')) AS open_case
             FROM persons p WHERE p.id IN ({scope}) ORDER BY p.id"
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&mut *conn).await?;
        let mut persons = Vec::with_capacity(rows.len());
        for r in &rows {
            let household: String = r.try_get("household_type")?;
            let seen: Option<String> = r.try_get("last_seen")?;
            let case: Option<String> = r.try_get("open_case")?;
            let (lat, lng) = place(r)?;
            persons.push(MapPerson {
                id: parsed(r.try_get("id")?)?,
                name: r.try_get("name")?,
                address: r.try_get("address")?,
                lat,
                lng,
                small_area_id: r.try_get("small_area_id")?,
                household_type: decode("household type", HouseholdType::parse(&household))?,
                needs_evacuation_help: flag(r, "needs_evacuation_help")?,
                check_interval_days: u32::try_from(r.try_get::<i64, _>("check_interval_days")?).unwrap_or(7),
                last_check_at: r.try_get("last_check_at")?,
                last_seen: match seen {
                    Some(s) => Some(decode("outcome", CheckOutcome::parse(&s))?),
                    None => None,
                },
                open_requests: u32::try_from(r.try_get::<i64, _>("open_requests")?).unwrap_or(u32::MAX),
                watchers: Vec::new(),
                open_case: match &case {
                    Some(c) => Some(decode("case status", CaseStatus::parse(c.trim_end_matches('*')))?),
                    None => None,
                },
                case_awaiting: case.as_deref().is_some_and(|c| c.ends_with('*')),
            });
        }

        // The small areas of the user's districts (a 民生委員's own areas, for completeness).
        let area_ids = match user.role {
            Role::Coordinator | Role::Admin => {
                "SELECT sa.id FROM staff_districts s JOIN small_areas sa ON sa.district_id = s.district_id
                 WHERE s.user_id = ?"
            }
            _ => "SELECT c.small_area_id FROM commissioner_areas c WHERE c.user_id = ?",
        };
        let sql = format!(
            "SELECT sa.id, sa.name, d.id AS district_id, d.name AS district FROM small_areas sa
             JOIN districts d ON d.id = sa.district_id WHERE sa.id IN ({area_ids}) ORDER BY d.name, sa.name, sa.id"
        );
        let areas = sqlx::query(&self.sql(&sql))
            .bind(user.id.as_str())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                Ok(MapArea {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    district_id: r.try_get("district_id")?,
                    district: r.try_get("district")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;

        // Who watches whom: volunteers by assignment, 民生委員 by small area. Disabled users
        // watch nobody.
        let mut names: BTreeMap<UserId, Watcher> = BTreeMap::new();
        let mut by_person: HashMap<String, Vec<UserId>> = HashMap::new();
        let sql = format!(
            "SELECT a.person_id, u.id AS user_id, u.display_name, u.role FROM assignments a
             JOIN users u ON u.id = a.user_id WHERE u.disabled_at IS NULL AND a.person_id IN ({scope})"
        );
        for r in sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&mut *conn).await? {
            let w = watcher(&r)?;
            by_person.entry(r.try_get("person_id")?).or_default().push(w.id.clone());
            names.insert(w.id.clone(), w);
        }
        let mut by_area: HashMap<String, Vec<UserId>> = HashMap::new();
        let sql = format!(
            "SELECT c.small_area_id, u.id AS user_id, u.display_name, u.role FROM commissioner_areas c
             JOIN users u ON u.id = c.user_id
             WHERE u.disabled_at IS NULL AND c.small_area_id IN ({area_ids}) ORDER BY u.display_name, u.id"
        );
        for r in sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&mut *conn).await? {
            let area: String = r.try_get("small_area_id")?;
            let w = watcher(&r)?;
            by_area.entry(area).or_default().push(w.id.clone());
            names.insert(w.id.clone(), w);
        }
        for p in &mut persons {
            let mut w = by_area.get(&p.small_area_id).cloned().unwrap_or_default();
            w.extend(by_person.remove(p.id.as_str()).unwrap_or_default());
            p.watchers = w;
        }
        Ok((persons, areas, names.into_values().collect()))
    }

    /// One person's side panel, or `None` when out of scope or absent (indistinguishable).
    pub async fn map_panel(&self, user: &User, id: &PersonId) -> Result<Option<MapPanel>, StorageError> {
        let mut conn = self.connection().await?;
        let conn: &mut AnyConnection = &mut conn;
        let scope = scope_ids(user.role);
        let sql = format!(
            "SELECT p.id, p.name, p.address, p.small_area_id, p.household_type, p.needs_evacuation_help,
                    p.consent_record, p.consent_share_partners, p.consent_share_disaster
             FROM persons p WHERE p.id = ? AND p.id IN ({scope})"
        );
        let Some(r) =
            sqlx::query(&self.sql(&sql)).bind(id.as_str()).bind(user.id.as_str()).fetch_optional(&mut *conn).await?
        else {
            return Ok(None);
        };
        let household: String = r.try_get("household_type")?;
        let small_area: String = r.try_get("small_area_id")?;
        let sql = format!(
            "SELECT {CHECK_COLUMNS} FROM checks c JOIN users u ON u.id = c.author_id
             WHERE c.person_id = ? ORDER BY c.recorded_at DESC, c.seq DESC LIMIT {PANEL_CHECKS}"
        );
        let checks = sqlx::query(&self.sql(&sql))
            .bind(id.as_str())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(check_from_row)
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let sql = format!(
            "SELECT {FIELD_REQUEST_FROM} WHERE r.person_id = ? AND {OPEN_REQUEST} ORDER BY r.updated_at DESC, r.id"
        );
        let open_requests = sqlx::query(&self.sql(&sql))
            .bind(id.as_str())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(field_request)
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let sql = "SELECT u.id AS user_id, u.display_name, u.role FROM commissioner_areas c
                   JOIN users u ON u.id = c.user_id WHERE c.small_area_id = ? AND u.disabled_at IS NULL
                   UNION ALL
                   SELECT u.id AS user_id, u.display_name, u.role FROM assignments a
                   JOIN users u ON u.id = a.user_id WHERE a.person_id = ? AND u.disabled_at IS NULL";
        let watchers = sqlx::query(&self.sql(sql))
            .bind(small_area.as_str())
            .bind(id.as_str())
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(watcher)
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let open_case = self.open_case_of(&mut *conn, id).await?;
        Ok(Some(MapPanel {
            id: id.clone(),
            name: r.try_get("name")?,
            address: r.try_get("address")?,
            household_type: decode("household type", HouseholdType::parse(&household))?,
            needs_evacuation_help: flag(&r, "needs_evacuation_help")?,
            consent: scopes_from_row(&r, "consent_")?,
            checks,
            open_requests,
            watchers,
            open_case,
        }))
    }
}
