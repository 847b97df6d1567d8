//! 安否確認 in the database: events, their areas, confirmations and each field user's own state.
//!
//! Who is on whose list is not decided here: a person is on a user's list when they are in the
//! user's scope (the one SQL function, [`scope_ids`], which widens a volunteer's scope while an
//! event is open) and 要援護 in one of the event's areas. The board, the phone's list and the
//! push's acceptance all ask the same question that way.

use super::rows::{decode, flag, parsed};
use super::sql::{placeholders, scope_ids, COMMISSIONER_OWN, VOLUNTEER_EVENT_REACH, VOLUNTEER_OWN};
use super::{Storage, StorageError, Writer};
use mimamori_core::api::disaster::{
    BoardPerson, EventArea, EventBoard, EventSummary, NewEvent, ResponderReport, Tally,
};
use mimamori_core::domain::disaster::{
    Confirmation, EventKind, FieldEvent, NewConfirmation, ResponderState, SafetyStatus, Shelter, SupportNeed,
};
use mimamori_core::domain::{in_japan, EpochMillis, GeoStamp, HouseholdType, PersonId, Role, User};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A writer's list of one event, as [`Storage::event_list`] reads it.
#[derive(Debug, Clone)]
pub struct EventList {
    pub closed: bool,
    /// A 訓練: kept apart from real work (its confirmations open no 要対応 case).
    pub drill: bool,
    pub persons: HashSet<PersonId>,
}

/// Where a confirmation's person stands with its event, for the push to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnList {
    /// No such event in the writer's municipality.
    NoEvent,
    /// The event exists; the person is not on the writer's list of it.
    NotOnList,
    /// On the list; `closed` when the event has since closed (the confirmation is late), `drill`
    /// when it is a 訓練.
    Yes { closed: bool, drill: bool },
}

const CONFIRMATION_COLUMNS: &str = "sc.id, sc.event_id, sc.person_id, sc.status, sc.shelter, sc.shelter_name,
    sc.needs, sc.note, sc.recorded_at, sc.author_id, u.display_name AS by_name, sc.late, sc.lat, sc.lng,
    sc.location_accuracy_m";

fn confirmation(r: &AnyRow) -> Result<Confirmation, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let shelter: Option<String> = r.try_get("shelter")?;
    let needs: String = r.try_get("needs")?;
    Ok(Confirmation {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        person_id: parsed(r.try_get("person_id")?)?,
        status: decode("safety status", SafetyStatus::parse(&status))?,
        shelter: match shelter {
            Some(s) => Some(decode("shelter", Shelter::parse(&s))?),
            None => None,
        },
        shelter_name: r.try_get("shelter_name")?,
        needs: needs.split(',').filter_map(SupportNeed::parse).collect(),
        note: r.try_get("note")?,
        recorded_at: r.try_get("recorded_at")?,
        by: parsed(r.try_get("author_id")?)?,
        by_name: r.try_get("by_name")?,
        late: flag(r, "late")?,
        pending: false,
        location: match (r.try_get("lat")?, r.try_get("lng")?, r.try_get("location_accuracy_m")?) {
            (Some(lat), Some(lng), Some(accuracy_m)) => Some(GeoStamp { lat, lng, accuracy_m }),
            _ => None,
        },
    })
}

const SUMMARY_COLUMNS: &str = "e.id, e.name, e.kind, e.drill, e.widened, e.widen_reason, e.alert_hours, e.started_at,
    e.closed_at, us.display_name AS started_by";

fn summary(r: &AnyRow) -> Result<EventSummary, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(EventSummary {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: decode("event kind", EventKind::parse(&kind))?,
        drill: flag(r, "drill")?,
        widened_reason: if flag(r, "widened")? { r.try_get("widen_reason")? } else { None },
        alert_hours: u32::try_from(r.try_get::<i64, _>("alert_hours")?).unwrap_or(6),
        started_at: r.try_get("started_at")?,
        started_by: r.try_get("started_by")?,
        closed_at: r.try_get("closed_at")?,
        areas: Vec::new(),
        persons: 0,
        confirmed: 0,
    })
}

/// The joins from an event `e` to the persons `p` in its areas.
const LISTED_JOINS: &str = "JOIN disaster_event_areas ea ON ea.event_id = e.id
     JOIN persons p ON p.small_area_id = ea.small_area_id";

/// Which of those are on the list of the user bound once: active, 要援護, in the user's scope.
fn listed(role: Role) -> String {
    format!("p.active = 1 AND p.needs_evacuation_help = 1 AND p.id IN ({})", scope_ids(role))
}

impl Storage {
    /// Whether every one of `areas` is in the office user's districts.
    pub async fn areas_in_districts(&self, user: &User, areas: &[String]) -> Result<bool, StorageError> {
        let sql = format!(
            "SELECT COUNT(*) FROM small_areas sa JOIN staff_districts s ON s.district_id = sa.district_id
             WHERE s.user_id = ? AND sa.id IN ({})",
            placeholders(areas.len())
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(user.id.as_str());
        for a in areas {
            q = q.bind(a.as_str());
        }
        Ok(q.fetch_one(&self.pool).await? == areas.len() as i64)
    }

    /// An open event other than `except` over any of `areas`: its id and name.
    pub async fn open_event_over(
        &self,
        tx: &mut Transaction<'static, Any>,
        areas: &[String],
        except: Option<&str>,
    ) -> Result<Option<(String, String)>, StorageError> {
        let sql = format!(
            "SELECT e.id, e.name FROM disaster_events e JOIN disaster_event_areas ea ON ea.event_id = e.id
             WHERE e.closed_at IS NULL AND e.id <> ? AND ea.small_area_id IN ({}) ORDER BY e.started_at LIMIT 1",
            placeholders(areas.len())
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query(&sql).bind(except.unwrap_or(""));
        for a in areas {
            q = q.bind(a.as_str());
        }
        let row = q.fetch_optional(&mut **tx).await?;
        Ok(match row {
            Some(r) => Some((r.try_get("id")?, r.try_get("name")?)),
            None => None,
        })
    }

    pub async fn insert_event(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &str,
        municipality: &str,
        event: &NewEvent,
        by: &User,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "INSERT INTO disaster_events (id, municipality_id, name, kind, drill, widened, widen_reason, alert_hours,
                 started_by, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(id)
        .bind(municipality)
        .bind(&event.name)
        .bind(event.kind.as_str())
        .bind(i64::from(event.drill))
        .bind(i64::from(event.widen_reason.is_some()))
        .bind(event.widen_reason.as_deref())
        .bind(i64::from(event.alert_hours))
        .bind(by.id.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        self.add_event_areas(tx, id, &event.small_area_ids).await
    }

    pub async fn add_event_areas(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &str,
        areas: &[String],
    ) -> Result<(), StorageError> {
        for area in areas {
            sqlx::query(&self.sql(
                "INSERT INTO disaster_event_areas (event_id, small_area_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            ))
            .bind(id)
            .bind(area.as_str())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Closes an open event; `false` when it was closed already.
    pub async fn close_event(
        &self,
        tx: &mut Transaction<'static, Any>,
        id: &str,
        by: &User,
        now: EpochMillis,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            &self.sql("UPDATE disaster_events SET closed_at = ?, closed_by = ? WHERE id = ? AND closed_at IS NULL"),
        )
        .bind(now)
        .bind(by.id.as_str())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The municipality's events with an area in the office user's districts (open first, then
    /// the newest), each with its areas there and how many of its persons there are confirmed.
    /// With `only`, that one event. Planned for the tables as they are now (an event's grow
    /// from nothing within minutes; see [`Storage::planned_per_call`]): with the plan made while
    /// they were empty, the count alone took 1–18 s during a storm on PostgreSQL.
    pub async fn office_events(
        &self,
        user: &User,
        municipality: &str,
        only: Option<&str>,
    ) -> Result<Vec<EventSummary>, StorageError> {
        let mut tx = self.custom_planned_read().await?;
        let conn: &mut AnyConnection = &mut tx;
        let one = if only.is_some() { "AND e.id = ?" } else { "AND ? IS NULL" };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM disaster_events e JOIN users us ON us.id = e.started_by
             WHERE e.municipality_id = ? {one} AND EXISTS (SELECT 1 FROM disaster_event_areas ea
                 JOIN small_areas sa ON sa.id = ea.small_area_id
                 JOIN staff_districts s ON s.district_id = sa.district_id
                 WHERE ea.event_id = e.id AND s.user_id = ?)
             ORDER BY CASE WHEN e.closed_at IS NULL THEN 0 ELSE 1 END, e.started_at DESC, e.id"
        );
        let rows = sqlx::query(&self.sql(&sql))
            .bind(municipality)
            .bind(only)
            .bind(user.id.as_str())
            .fetch_all(&mut *conn)
            .await?;
        let mut events = rows.iter().map(summary).collect::<Result<Vec<_>, sqlx::Error>>()?;
        if events.is_empty() {
            return Ok(events);
        }
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let sql = format!(
            "SELECT ea.event_id, sa.id, sa.name, d.name AS district FROM disaster_event_areas ea
             JOIN small_areas sa ON sa.id = ea.small_area_id JOIN districts d ON d.id = sa.district_id
             JOIN staff_districts s ON s.district_id = d.id
             WHERE s.user_id = ? AND ea.event_id IN ({}) ORDER BY d.name, sa.name, sa.id",
            placeholders(ids.len())
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query(&sql).bind(user.id.as_str());
        for id in &ids {
            q = q.bind(*id);
        }
        let mut areas: HashMap<String, Vec<EventArea>> = HashMap::new();
        for r in q.fetch_all(&mut *conn).await? {
            areas.entry(r.try_get("event_id")?).or_default().push(EventArea {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                district: r.try_get("district")?,
            });
        }
        // One row a person (a person is in one small area, an event holds an area once), each
        // confirmed or not by one index probe: joining every confirmation and counting distinct
        // persons took seconds while 240 phones pulled (BENCHMARKS.md §11).
        let sql = format!(
            "SELECT e.id, COUNT(*) AS persons,
                    SUM(CASE WHEN EXISTS (SELECT 1 FROM safety_confirmations sc
                        WHERE sc.event_id = e.id AND sc.person_id = p.id) THEN 1 ELSE 0 END) AS confirmed
             FROM disaster_events e {LISTED_JOINS}
             WHERE {} AND e.id IN ({}) GROUP BY e.id",
            listed(user.role),
            placeholders(ids.len())
        );
        let sql = self.sql(&sql);
        let mut q = sqlx::query(&sql).bind(user.id.as_str());
        for id in &ids {
            q = q.bind(*id);
        }
        let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
        for r in q.fetch_all(&mut *conn).await? {
            let n = |c: &str| r.try_get::<i64, _>(c).map(|v| u32::try_from(v).unwrap_or(u32::MAX));
            counts.insert(r.try_get("id")?, (n("persons")?, n("confirmed")?));
        }
        for e in &mut events {
            e.areas = areas.remove(&e.id).unwrap_or_default();
            (e.persons, e.confirmed) = counts.get(&e.id).copied().unwrap_or_default();
        }
        Ok(events)
    }

    /// The board of one event the office user may see: everyone on the list in their districts
    /// with their newest confirmation, counts per small area, and the field users' own states.
    pub async fn event_board(
        &self,
        user: &User,
        municipality: &str,
        id: &str,
        now: EpochMillis,
    ) -> Result<Option<EventBoard>, StorageError> {
        let Some(event) = self.office_events(user, municipality, Some(id)).await?.pop() else {
            return Ok(None);
        };
        // Planned for the tables as they are now, as `office_events`.
        let mut tx = self.custom_planned_read().await?;
        let conn: &mut AnyConnection = &mut tx;
        let sql = format!(
            "SELECT p.id, p.name, p.kana, p.address, p.phone, p.small_area_id, p.household_type, p.lat, p.lng,
                    p.consent_share_disaster
             FROM disaster_events e {LISTED_JOINS} WHERE {} AND e.id = ?",
            listed(user.role)
        );
        let rows = sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).bind(id).fetch_all(&mut *conn).await?;
        // Each person's newest confirmation and how many there are, one row a person: the board
        // shows no more, and in a storm every person has several (18,000 rows for 5,000 persons
        // with 300 phones), each decoded on every refresh before. Newest as
        // `Confirmation::newest` picks it: the latest recorded, ties to the later id.
        let sql = format!(
            "SELECT * FROM (SELECT {CONFIRMATION_COLUMNS}, COUNT(*) OVER (PARTITION BY sc.person_id) AS n,
                 ROW_NUMBER() OVER (PARTITION BY sc.person_id ORDER BY sc.recorded_at DESC, sc.id DESC) AS newest
                 FROM safety_confirmations sc JOIN users u ON u.id = sc.author_id WHERE sc.event_id = ?) ranked
             WHERE newest = 1"
        );
        let handed: HashMap<String, String> = sqlx::query(&self.sql(
            "SELECT ec.person_id, u.display_name FROM event_checkers ec JOIN users u ON u.id = ec.user_id
             WHERE ec.event_id = ?",
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("person_id")?, r.try_get("display_name")?)))
        .collect::<Result<_, sqlx::Error>>()?;
        let mut newest: HashMap<PersonId, (u32, Confirmation)> = HashMap::new();
        for r in sqlx::query(&self.sql(&sql)).bind(id).fetch_all(&mut *conn).await? {
            let c = confirmation(&r)?;
            newest.insert(c.person_id.clone(), (u32::try_from(r.try_get::<i64, _>("n")?).unwrap_or(u32::MAX), c));
        }
        let mut persons = Vec::with_capacity(rows.len());
        for r in &rows {
            let pid: PersonId = parsed(r.try_get("id")?)?;
            let household: String = r.try_get("household_type")?;
            let (lat, lng): (f64, f64) = (r.try_get("lat")?, r.try_get("lng")?);
            let (confirmations, latest) = newest.remove(&pid).map_or((0, None), |(n, c)| (n, Some(c)));
            persons.push(BoardPerson {
                handed_to: handed.get(pid.as_str()).cloned(),
                id: pid,
                name: r.try_get("name")?,
                kana: r.try_get("kana")?,
                address: r.try_get("address")?,
                phone: r.try_get("phone")?,
                small_area_id: r.try_get("small_area_id")?,
                household_type: decode("household type", HouseholdType::parse(&household))?,
                lat: in_japan(lat, lng).then_some(lat),
                lng: in_japan(lat, lng).then_some(lng),
                confirmations,
                latest,
                widened: !flag(r, "consent_share_disaster")?,
            });
        }
        let area_order: HashMap<&str, usize> =
            event.areas.iter().enumerate().map(|(i, a)| (a.id.as_str(), i)).collect();
        persons.sort_by(|a, b| {
            (a.latest.is_some(), a.latest.is_none().then(|| a.risk_rank()), area_order.get(a.small_area_id.as_str()))
                .cmp(&(
                    b.latest.is_some(),
                    b.latest.is_none().then(|| b.risk_rank()),
                    area_order.get(b.small_area_id.as_str()),
                ))
                .then_with(|| a.kana.cmp(&b.kana))
                .then_with(|| a.id.cmp(&b.id))
        });
        let mut total = Tally::default();
        let mut by_area: BTreeMap<usize, Tally> = BTreeMap::new();
        for p in &persons {
            let latest = p.latest.as_ref().map(|c| c.status);
            total.add(latest);
            if let Some(i) = area_order.get(p.small_area_id.as_str()) {
                by_area.entry(*i).or_default().add(latest);
            }
        }
        let tallies = event
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), by_area.remove(&i).unwrap_or_default()))
            .collect();
        let responders = self.responders(conn, id).await?;
        Ok(Some(EventBoard { event, server_time: now, tallies, total, persons, responders }))
    }

    async fn responders(&self, conn: &mut AnyConnection, event: &str) -> Result<Vec<ResponderReport>, StorageError> {
        let rows = sqlx::query(&self.sql(
            "SELECT r.user_id, u.display_name, u.role, r.state, r.at FROM responder_states r
             JOIN users u ON u.id = r.user_id WHERE r.event_id = ?
             ORDER BY CASE r.state WHEN 'cannot_act' THEN 0 WHEN 'needs_help' THEN 1 ELSE 2 END, u.display_name",
        ))
        .bind(event)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let (role, state): (String, String) = (r.try_get("role")?, r.try_get("state")?);
            out.push(ResponderReport {
                user_id: parsed(r.try_get("user_id")?)?,
                name: r.try_get("display_name")?,
                role: decode("role", Role::parse(&role))?,
                state: decode("responder state", ResponderState::parse(&state))?,
                at: r.try_get("at")?,
            });
        }
        Ok(out)
    }

    /// The open events a field user takes part in: those with someone on their list, and those
    /// over their own areas (a 民生委員's 担当区域, the small areas where a volunteer watches
    /// someone) even with nobody on it, so they can say they are safe.
    pub async fn field_events(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        municipality: &str,
    ) -> Result<Vec<FieldEvent>, StorageError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM disaster_events e JOIN users us ON us.id = e.started_by
             WHERE e.closed_at IS NULL AND e.municipality_id = ? ORDER BY e.started_at, e.id"
        );
        let open = sqlx::query(&self.sql(&sql)).bind(municipality).fetch_all(&mut *conn).await?;
        if open.is_empty() {
            return Ok(Vec::new());
        }
        // An event is under way: its tables grow by the minute, so its reads are planned per call
        // (in a transaction of their own, which takes the setting with it when it ends).
        let mut tx = self.planned_per_call(conn).await?;
        let events = self.open_field_events(&mut tx, user, &open).await?;
        tx.commit().await?;
        Ok(events)
    }

    async fn open_field_events(
        &self,
        conn: &mut AnyConnection,
        user: &User,
        open: &[AnyRow],
    ) -> Result<Vec<FieldEvent>, StorageError> {
        let sql = format!(
            "SELECT e.id AS event_id, p.id FROM disaster_events e {LISTED_JOINS}
             WHERE {} AND e.closed_at IS NULL ORDER BY p.id",
            listed(user.role)
        );
        let mut lists: HashMap<String, Vec<PersonId>> = HashMap::new();
        for r in sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&mut *conn).await? {
            lists.entry(r.try_get("event_id")?).or_default().push(parsed(r.try_get("id")?)?);
        }
        let mine: HashSet<String> = sqlx::query_scalar::<_, String>(&self.sql(
            "SELECT DISTINCT ea.event_id FROM disaster_event_areas ea
             JOIN disaster_events e ON e.id = ea.event_id AND e.closed_at IS NULL
             WHERE ea.small_area_id IN (SELECT c.small_area_id FROM commissioner_areas c WHERE c.user_id = ?
                 UNION SELECT p.small_area_id FROM assignments a JOIN persons p ON p.id = a.person_id
                 WHERE a.user_id = ?)",
        ))
        .bind(user.id.as_str())
        .bind(user.id.as_str())
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        // What the user holds without any event: the rest of a list was lent or handed to them.
        let own_sql = match user.role {
            Role::Volunteer => Some(VOLUNTEER_OWN),
            Role::Commissioner => Some(COMMISSIONER_OWN),
            _ => None,
        };
        let own: Option<HashSet<PersonId>> = match own_sql {
            Some(sql) => {
                let ids = sqlx::query_scalar::<_, String>(&self.sql(sql))
                    .bind(user.id.as_str())
                    .fetch_all(&mut *conn)
                    .await?;
                Some(ids.into_iter().filter_map(|id| PersonId::parse(&id)).collect())
            }
            None => None,
        };
        // The user's few listed persons first, then their confirmations by index (CROSS JOIN keeps
        // that order on SQLite): PostgreSQL joined every confirmation of the event with the
        // event's persons before keeping the list's, 4.5–21 s per pull in a storm (§11).
        let sql = format!(
            "WITH mine AS MATERIALIZED (SELECT e.id AS event_id, p.id AS person_id
                 FROM disaster_events e {LISTED_JOINS} WHERE {} AND e.closed_at IS NULL)
             SELECT {CONFIRMATION_COLUMNS} FROM mine CROSS JOIN safety_confirmations sc
             JOIN users u ON u.id = sc.author_id
             WHERE sc.event_id = mine.event_id AND sc.person_id = mine.person_id
             ORDER BY sc.recorded_at, sc.id",
            listed(user.role)
        );
        let mut confirmations: HashMap<String, Vec<Confirmation>> = HashMap::new();
        for r in sqlx::query(&self.sql(&sql)).bind(user.id.as_str()).fetch_all(&mut *conn).await? {
            let c = confirmation(&r)?;
            confirmations.entry(c.event_id.clone()).or_default().push(c);
        }
        let states: HashMap<String, String> = sqlx::query(&self.sql(
            "SELECT r.event_id, r.state FROM responder_states r JOIN disaster_events e ON e.id = r.event_id
             WHERE r.user_id = ? AND e.closed_at IS NULL",
        ))
        .bind(user.id.as_str())
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("event_id")?, r.try_get("state")?)))
        .collect::<Result<_, sqlx::Error>>()?;
        let mut events = Vec::new();
        for r in open {
            let s = summary(r)?;
            let persons = lists.remove(&s.id).unwrap_or_default();
            if persons.is_empty() && !mine.contains(&s.id) {
                continue;
            }
            let extra = match &own {
                Some(own) => persons.iter().filter(|p| !own.contains(*p)).cloned().collect(),
                None => Vec::new(),
            };
            events.push(FieldEvent {
                my_state: states.get(&s.id).and_then(|st| ResponderState::parse(st)),
                confirmations: confirmations.remove(&s.id).unwrap_or_default(),
                id: s.id,
                name: s.name,
                kind: s.kind,
                drill: s.drill,
                widened_reason: s.widened_reason,
                started_at: s.started_at,
                alert_hours: s.alert_hours,
                persons,
                extra,
            });
        }
        Ok(events)
    }

    /// The writer's list of `event` (`None`: no such event in their municipality): the persons
    /// in their scope now who are 要援護 in its areas, and, the event being open or not, those it
    /// lent or handed to them (a confirmation made before the close may arrive after it). Read once
    /// per push transaction ([`super::WriteTx::on_event_list`]), not once per confirmation.
    pub async fn event_list(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &User,
        municipality: &str,
        event: &str,
    ) -> Result<Option<EventList>, StorageError> {
        let found: Option<(Option<i64>, i64)> = sqlx::query_as(
            &self.sql("SELECT closed_at, drill FROM disaster_events WHERE id = ? AND municipality_id = ?"),
        )
        .bind(event)
        .bind(municipality)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((closed, drill)) = found else {
            return Ok(None);
        };
        let late_reach = if user.role == Role::Volunteer {
            format!("OR ({VOLUNTEER_EVENT_REACH})")
        } else {
            "OR ? IS NULL".to_owned()
        };
        let sql = format!(
            "SELECT p.id FROM disaster_events e JOIN disaster_event_areas ea ON ea.event_id = e.id
             JOIN persons p ON p.small_area_id = ea.small_area_id
             WHERE e.id = ? AND p.active = 1 AND p.needs_evacuation_help = 1
               AND (p.id IN ({}) {late_reach}
                    OR EXISTS (SELECT 1 FROM event_checkers ec
                               WHERE ec.event_id = e.id AND ec.person_id = p.id AND ec.user_id = ?))",
            scope_ids(user.role)
        );
        let ids: Vec<String> = sqlx::query_scalar(&self.sql(&sql))
            .bind(event)
            .bind(user.id.as_str())
            .bind(user.id.as_str())
            .bind(user.id.as_str())
            .fetch_all(&mut **tx)
            .await?;
        let persons = ids.iter().filter_map(|id| PersonId::parse(id)).collect();
        Ok(Some(EventList { closed: closed.is_some(), drill: drill != 0, persons }))
    }

    /// Stores a confirmation; `false` when its id is taken (the caller's ledger saw it first).
    pub async fn insert_confirmation(
        &self,
        tx: &mut Transaction<'static, Any>,
        c: &NewConfirmation,
        device_time: EpochMillis,
        writer: Writer<'_>,
        late: bool,
        now: EpochMillis,
    ) -> Result<bool, StorageError> {
        let needs = c.needs.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(",");
        // The stamp last, bound only when there is one (see `checks::located_values`).
        let sql = format!(
            "INSERT INTO safety_confirmations (id, event_id, person_id, status, shelter, shelter_name, needs, note,
                 recorded_at, device_recorded_at, received_at, author_id, device_id, late,
                 lat, lng, location_accuracy_m)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {}) ON CONFLICT (id) DO NOTHING",
            super::checks::located_values(c.location.is_some())
        );
        let sql = self.sql(&sql);
        let query = sqlx::query(&sql)
            .bind(c.id.to_string())
            .bind(&c.event_id)
            .bind(c.person_id.as_str())
            .bind(c.status.as_str())
            .bind(c.shelter.map(|s| s.as_str()))
            .bind(&c.shelter_name)
            .bind(needs)
            .bind(c.note.as_ref().map(|n| n.as_str()))
            .bind(c.recorded_at)
            .bind(device_time)
            .bind(now)
            .bind(writer.user)
            .bind(writer.device)
            .bind(i64::from(late));
        let done = super::checks::bind_location(query, c.location).execute(&mut **tx).await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the field user takes part in the event (it covers one of their areas or someone
    /// on their list), open or closed.
    pub async fn takes_part(
        &self,
        tx: &mut Transaction<'static, Any>,
        user: &User,
        municipality: &str,
        event: &str,
    ) -> Result<bool, StorageError> {
        let sql = format!(
            "SELECT 1 FROM disaster_events e JOIN disaster_event_areas ea ON ea.event_id = e.id
             WHERE e.id = ? AND e.municipality_id = ? AND ea.small_area_id IN (
                 SELECT c.small_area_id FROM commissioner_areas c WHERE c.user_id = ?
                 UNION SELECT p.small_area_id FROM assignments a JOIN persons p ON p.id = a.person_id WHERE a.user_id = ?
                 UNION SELECT p.small_area_id FROM persons p WHERE p.id IN ({}))
             LIMIT 1",
            scope_ids(user.role)
        );
        let id = user.id.as_str();
        let found = sqlx::query(&self.sql(&sql))
            .bind(event)
            .bind(municipality)
            .bind(id)
            .bind(id)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(found.is_some())
    }

    /// A field user's own state in an event; a later report replaces the earlier.
    pub async fn put_responder_state(
        &self,
        tx: &mut Transaction<'static, Any>,
        event: &str,
        user: &User,
        state: ResponderState,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        sqlx::query(&self.sql(
            "INSERT INTO responder_states (event_id, user_id, state, at) VALUES (?, ?, ?, ?)
             ON CONFLICT (event_id, user_id) DO UPDATE SET state = excluded.state, at = excluded.at",
        ))
        .bind(event)
        .bind(user.id.as_str())
        .bind(state.as_str())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The persons on `user`'s list of an event (open: as their phone has it), for handing the
    /// list of someone who cannot act to another.
    pub async fn list_of(&self, user: &User, event: &str) -> Result<Vec<PersonId>, StorageError> {
        let sql = format!(
            "SELECT p.id FROM disaster_events e {LISTED_JOINS} WHERE {} AND e.id = ? ORDER BY p.id",
            listed(user.role)
        );
        let ids: Vec<String> =
            sqlx::query_scalar(&self.sql(&sql)).bind(user.id.as_str()).bind(event).fetch_all(&self.pool).await?;
        Ok(ids.iter().filter_map(|id| PersonId::parse(id)).collect())
    }

    /// Hands persons to a checker for an event; a person handed before goes to the new one.
    pub async fn hand_over(
        &self,
        tx: &mut Transaction<'static, Any>,
        event: &str,
        persons: &[PersonId],
        to: &str,
        by: &User,
        now: EpochMillis,
    ) -> Result<(), StorageError> {
        for p in persons {
            sqlx::query(&self.sql(
                "INSERT INTO event_checkers (event_id, person_id, user_id, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (event_id, person_id) DO UPDATE SET user_id = excluded.user_id,
                     assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
            ))
            .bind(event)
            .bind(p.as_str())
            .bind(to)
            .bind(by.id.as_str())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}
