//! The one leaf of the storage layer for SQL itself: the dialect (SQLite or PostgreSQL) and the
//! fragments several queries share: who may see which person ([`scope_condition`],
//! [`scope_ids`]), which users a manager may manage ([`reach_condition`]), the joins every person
//! query starts from. It imports nothing from the other storage modules, so none of them need
//! import each other for a piece of SQL.

use mimamori_core::domain::Role;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// SQL written with `?` placeholders and `NOW_MS` (the database's clock in epoch milliseconds), in
/// the backend's dialect.
///
/// `SQLITE_INDEXED_BY(name)` after a table says which index SQLite must use for it (`INDEXED BY
/// name`; PostgreSQL gets nothing): for the few joins where SQLite, which has no statistics here,
/// builds an automatic index over a whole table on every call instead of using the real one.
pub(super) fn in_dialect(backend: Backend, sql: &str) -> Cow<'_, str> {
    match index_hints(backend, sql) {
        Cow::Borrowed(sql) => placeholders_and_clock(backend, sql),
        Cow::Owned(hinted) => Cow::Owned(placeholders_and_clock(backend, &hinted).into_owned()),
    }
}

fn placeholders_and_clock(backend: Backend, sql: &str) -> Cow<'_, str> {
    const NOW_MS: &str = "NOW_MS";
    match backend {
        Backend::Sqlite if sql.contains(NOW_MS) => {
            Cow::Owned(sql.replace(NOW_MS, "(CAST(strftime('%s', 'now') AS INTEGER) * 1000)"))
        }
        Backend::Sqlite => Cow::Borrowed(sql),
        Backend::Postgres => Cow::Owned(numbered_placeholders(
            &sql.replace(NOW_MS, "(CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) * 1000)"),
        )),
    }
}

/// `SQLITE_INDEXED_BY(name)` → `INDEXED BY name` on SQLite, nothing on PostgreSQL.
fn index_hints(backend: Backend, sql: &str) -> Cow<'_, str> {
    const HINT: &str = "SQLITE_INDEXED_BY(";
    if !sql.contains(HINT) {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(HINT) {
        out.push_str(&rest[..at]);
        let after = &rest[at + HINT.len()..];
        let end = after.find(')').unwrap_or(after.len());
        if backend == Backend::Sqlite {
            out.push_str("INDEXED BY ");
            out.push_str(after[..end].trim());
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `?` → `$1, $2, …` outside string literals (PostgreSQL's placeholder style).
fn numbered_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    let mut in_string = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_string = !in_string;
                out.push(c);
            }
            '?' if !in_string => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// The month in Japan (UTC+9, no summer time), `YYYY-MM`, of a column of epoch milliseconds.
pub(super) fn month_in_japan(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("strftime('%Y-%m', ({column} + 32400000) / 1000, 'unixepoch')"),
        Backend::Postgres => {
            format!("to_char(to_timestamp(({column} + 32400000) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM')")
        }
    }
}

/// `?, ?, …` for an IN list of `n` values.
pub(super) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// How long partner staff still see a request after it was closed (完了 or 他機関へ): long enough
/// to answer a question about what they did, not forever. 30 days, written in milliseconds for SQL.
pub const PARTNER_SEES_CLOSED_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// The requests partner staff work on: referred to their organisation, open or closed within
/// [`PARTNER_SEES_CLOSED_MS`]. A condition on `r` (requests) and `u` (the partner's user row).
macro_rules! partner_requests {
    () => {
        "r.organization_id = u.organization_id
         AND (r.status IN ('received', 'in_progress') OR r.updated_at > NOW_MS - 2592000000)"
    };
}

/// [`partner_requests!`] as a constant, for the request lists.
pub(super) const PARTNER_REQUESTS: &str = partner_requests!();
const _: () = assert!(PARTNER_SEES_CLOSED_MS == 2_592_000_000, "the literal in partner_requests! must match");

/// Persons handed to the user bound as `me` for an open event (`event_checkers`): 要援護, and with
/// `share_disaster` consent or the event widened. A branch of the field users' scopes below.
macro_rules! handed_scope {
    () => {
        "SELECT p.id FROM me JOIN event_checkers ec ON ec.user_id = me.id
         JOIN disaster_events e ON e.id = ec.event_id AND e.closed_at IS NULL
         JOIN persons p ON p.id = ec.person_id
         WHERE p.active = 1 AND p.needs_evacuation_help = 1 AND (p.consent_share_disaster = 1 OR e.widened = 1)"
    };
}

/// A volunteer's persons, as a subquery of ids with the volunteer's id as its one parameter:
/// those assigned to them with consent to be recorded, and, while a 安否確認 event is open over a
/// small area where they watch someone, the 要援護 persons of that area who agreed to
/// `share_disaster` (every 要援護 person there when an admin widened the event), and those the
/// office handed to them for the event ([`handed_scope!`]). The persons an event added leave the
/// phone at the first sync after it closes.
macro_rules! volunteer_scope {
    () => {
        concat!(
            "WITH me (id) AS (SELECT ?)
             SELECT p.id FROM me JOIN assignments a ON a.user_id = me.id JOIN persons p ON p.id = a.person_id
             WHERE p.active = 1 AND p.consent_record = 1
             UNION
             SELECT p.id FROM me JOIN assignments a ON a.user_id = me.id JOIN persons pa ON pa.id = a.person_id
             JOIN disaster_event_areas ea ON ea.small_area_id = pa.small_area_id
             JOIN disaster_events e ON e.id = ea.event_id AND e.closed_at IS NULL
             JOIN persons p ON p.small_area_id = ea.small_area_id
             WHERE pa.active = 1 AND pa.consent_record = 1 AND p.active = 1 AND p.needs_evacuation_help = 1
               AND (p.consent_share_disaster = 1 OR e.widened = 1)
             UNION ",
            handed_scope!()
        )
    };
}

/// A 民生委員's persons: everyone active in their 担当区域, and those the office handed to them for
/// an open event ([`handed_scope!`]). One parameter: the user id.
macro_rules! commissioner_scope {
    () => {
        concat!(
            "WITH me (id) AS (SELECT ?)
             SELECT p.id FROM me JOIN commissioner_areas c ON c.user_id = me.id
             JOIN persons p ON p.small_area_id = c.small_area_id WHERE p.active = 1
             UNION ",
            handed_scope!()
        )
    };
}

/// A 民生委員's own persons without an event's: those an event handed them are the difference.
pub(super) const COMMISSIONER_OWN: &str = "SELECT p.id FROM commissioner_areas c
     JOIN persons p ON p.small_area_id = c.small_area_id WHERE c.user_id = ? AND p.active = 1";

/// A volunteer's own persons without an event's (the first branch of [`volunteer_scope!`]): those
/// an event adds are the difference. One parameter: the user id.
pub(super) const VOLUNTEER_OWN: &str = "SELECT p.id FROM assignments a JOIN persons p ON p.id = a.person_id
     WHERE a.user_id = ? AND p.active = 1 AND p.consent_record = 1";

/// Whether the volunteer bound as the single parameter was given person `p` by event `e`, open or
/// closed (a confirmation that arrives after the close is still theirs to make): the second branch
/// of [`volunteer_scope!`] as a condition.
pub(super) const VOLUNTEER_EVENT_REACH: &str = "p.needs_evacuation_help = 1
     AND (p.consent_share_disaster = 1 OR e.widened = 1)
     AND EXISTS (SELECT 1 FROM assignments a JOIN persons pa ON pa.id = a.person_id
                 WHERE a.user_id = ? AND pa.active = 1 AND pa.consent_record = 1
                   AND pa.small_area_id = p.small_area_id)";

/// SQL condition on `p` (persons) and `d` (districts) that holds when the user bound as the
/// single parameter may see the person. One place decides scope for every query.
///
/// Field users (volunteers, 民生委員) and partners see active persons only: a person marked
/// inactive (moved away, died, entered care) leaves every phone at the next sync. Coordinators and
/// admins still see them, to correct or reactivate the record.
pub(super) fn scope_condition(role: Role) -> &'static str {
    match role {
        // Volunteers are neighbours, not office holders: they hear of a person only with consent.
        // The volunteer's rule has two branches (their own persons; an event's): the ids, below.
        Role::Volunteer => concat!("p.active = 1 AND p.id IN (", volunteer_scope!(), ")"),
        Role::Commissioner => concat!("p.active = 1 AND p.id IN (", commissioner_scope!(), ")"),
        Role::Coordinator | Role::Admin => {
            "EXISTS (SELECT 1 FROM staff_districts s WHERE s.district_id = d.id AND s.user_id = ?)"
        }
        Role::PartnerStaff => concat!(
            "p.active = 1 AND p.consent_share_partners = 1 AND EXISTS (SELECT 1 FROM requests r JOIN users u
             ON ",
            partner_requests!(),
            " WHERE r.person_id = p.id AND u.id = ?)"
        ),
    }
}

/// The active persons the user may see, as a subquery of ids driven from the user's own rows
/// (assignments, areas, districts, referrals): the database starts from the few persons in
/// scope instead of testing [`scope_condition`] on every person, which at 50,000 persons made a
/// volunteer's pull take 120 ms. Same rules as `scope_condition` (the authorization matrix walks
/// both). One parameter: the user id.
pub(super) fn scope_ids(role: Role) -> &'static str {
    match role {
        Role::Volunteer => volunteer_scope!(),
        Role::Commissioner => commissioner_scope!(),
        Role::Coordinator | Role::Admin => {
            "SELECT p.id FROM staff_districts s JOIN small_areas sa ON sa.district_id = s.district_id
             JOIN persons p ON p.small_area_id = sa.id WHERE s.user_id = ? AND p.active = 1"
        }
        Role::PartnerStaff => concat!(
            "SELECT p.id FROM users u JOIN requests r ON ",
            partner_requests!(),
            " JOIN persons p ON p.id = r.person_id WHERE u.id = ? AND p.active = 1 AND p.consent_share_partners = 1"
        ),
    }
}

pub(super) const PERSON_FROM: &str = "FROM persons p
     JOIN small_areas sa ON sa.id = p.small_area_id
     JOIN districts d ON d.id = sa.district_id";

/// SQL condition on `u` (users) that holds when the manager bound as the single parameter
/// (twice for coordinators, see [`reach_binds`]) may manage that user.
pub(super) fn reach_condition(manager: Role) -> &'static str {
    match manager {
        Role::Admin => "1 = 1",
        // Volunteers and 民生委員 with a person or small area in the coordinator's districts, or
        // with none yet (just created: someone has to assign them).
        Role::Coordinator => {
            "(u.role IN ('volunteer', 'commissioner') AND (
               EXISTS (SELECT 1 FROM assignments a JOIN persons p ON p.id = a.person_id
                       JOIN small_areas sa ON sa.id = p.small_area_id
                       JOIN staff_districts s ON s.district_id = sa.district_id
                       WHERE a.user_id = u.id AND s.user_id = ?)
               OR EXISTS (SELECT 1 FROM commissioner_areas c JOIN small_areas sa ON sa.id = c.small_area_id
                       JOIN staff_districts s ON s.district_id = sa.district_id
                       WHERE c.user_id = u.id AND s.user_id = ?)
               OR (NOT EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id)
                   AND NOT EXISTS (SELECT 1 FROM commissioner_areas c WHERE c.user_id = u.id))))"
        }
        Role::Volunteer | Role::Commissioner | Role::PartnerStaff => "1 = 0",
    }
}

/// How many times [`reach_condition`] binds the manager's id.
pub(super) fn reach_binds(manager: Role) -> usize {
    if manager == Role::Coordinator {
        2
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_hints_are_sqlites_alone() {
        let sql = "SELECT 1 FROM t e SQLITE_INDEXED_BY(t_by_x) JOIN u SQLITE_INDEXED_BY( u_y ) WHERE e.x = ?";
        assert_eq!(
            in_dialect(Backend::Sqlite, sql),
            "SELECT 1 FROM t e INDEXED BY t_by_x JOIN u INDEXED BY u_y WHERE e.x = ?"
        );
        assert_eq!(in_dialect(Backend::Postgres, sql), "SELECT 1 FROM t e  JOIN u  WHERE e.x = $1");
        assert!(matches!(in_dialect(Backend::Sqlite, "SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn placeholders_are_numbered_in_order_and_literals_are_left_alone() {
        assert_eq!(
            numbered_placeholders("SELECT a FROM t WHERE b = ? AND c = '?' AND d IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?' AND d IN ($2, $3)"
        );
        assert_eq!(numbered_placeholders("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn backends_are_chosen_by_url() {
        assert_eq!(Backend::from_url("sqlite://data/x.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }
}
