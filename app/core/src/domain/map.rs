//! Where a person stands today, as the maps colour them: one pure function of their checks and
//! the clock, so the office map (from the server) and a 民生委員's phone map (from the device
//! store) can never disagree about who is 緊急.

use super::{Check, CheckOutcome, Due, EpochMillis, PersonId};
use std::collections::HashMap;

/// What [`MapStatus::of`] needs from one person's checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LastChecks {
    /// The newest check of any outcome.
    pub at: Option<EpochMillis>,
    /// The newest check that saw the person (not 不在), when, and how they were.
    pub seen: Option<(EpochMillis, CheckOutcome)>,
}

impl LastChecks {
    /// Per person, in one pass over a device's history (tens of thousands of checks), as the
    /// server's map query reads them.
    pub fn of_all<'a>(checks: impl IntoIterator<Item = &'a Check>) -> HashMap<&'a PersonId, LastChecks> {
        let mut out: HashMap<&PersonId, LastChecks> = HashMap::new();
        for c in checks {
            let l = out.entry(&c.person_id).or_default();
            if l.at.is_none_or(|at| c.recorded_at > at) {
                l.at = Some(c.recorded_at);
            }
            if c.outcome != CheckOutcome::NotHome && l.seen.is_none_or(|(at, _)| c.recorded_at > at) {
                l.seen = Some((c.recorded_at, c.outcome));
            }
        }
        out
    }

    /// The few checks that decide [`LastChecks::of_all`] and the home list: each person's newest,
    /// and their newest that saw them when that is an older one (the newest was 不在). A device
    /// keeps these apart so that unlocking shows the list without opening its whole history.
    pub fn deciding(checks: &[Check]) -> Vec<&Check> {
        let mut newest: HashMap<&PersonId, (&Check, Option<&Check>)> = HashMap::new();
        for c in checks {
            let (n, seen) = newest.entry(&c.person_id).or_insert((c, None));
            if c.recorded_at > n.recorded_at {
                *n = c;
            }
            if c.outcome != CheckOutcome::NotHome && seen.is_none_or(|s| c.recorded_at > s.recorded_at) {
                *seen = Some(c);
            }
        }
        let mut out = Vec::with_capacity(newest.len());
        for (n, seen) in newest.into_values() {
            out.push(n);
            if let Some(s) = seen.filter(|s| !std::ptr::eq(*s, n)) {
                out.push(s);
            }
        }
        out
    }

    pub fn status(&self, interval_days: u32, now: EpochMillis, tz_offset_min: i64) -> MapStatus {
        MapStatus::of(self.at, self.seen.map(|(_, o)| o), interval_days, now, tz_offset_min)
    }
}

/// A person's standing on the map, worst first. Until follow-up cases exist, a 緊急 or 気になる
/// stays unresolved until a later check finds the person 変わりなし (a 不在 resolves nothing:
/// nobody saw them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MapStatus {
    /// The latest check that saw the person was 緊急.
    Emergency,
    /// The latest check that saw the person was 気になる.
    Concern,
    /// Past the expected day of their check interval.
    Overdue,
    /// Never checked.
    NoRecord,
    /// Checked in time, and well when last seen.
    Fine,
}

impl MapStatus {
    /// Worst first: the order of the legend and of a cluster's "worst inside".
    pub const ALL: [MapStatus; 5] =
        [MapStatus::Emergency, MapStatus::Concern, MapStatus::Overdue, MapStatus::NoRecord, MapStatus::Fine];

    /// `last_check_at`: the newest check of any outcome (a visit to a locked door still counts
    /// as going round); `last_seen`: the newest check that saw the person, and how they were.
    pub fn of(
        last_check_at: Option<EpochMillis>,
        last_seen: Option<CheckOutcome>,
        interval_days: u32,
        now: EpochMillis,
        tz_offset_min: i64,
    ) -> MapStatus {
        match last_seen {
            Some(CheckOutcome::Emergency) => return MapStatus::Emergency,
            Some(CheckOutcome::Concern) => return MapStatus::Concern,
            _ => {}
        }
        match Due::of(last_check_at, interval_days, now, tz_offset_min) {
            Due::NeverChecked => MapStatus::NoRecord,
            Due::Overdue { .. } => MapStatus::Overdue,
            Due::Today | Due::Later { .. } => MapStatus::Fine,
        }
    }

    /// Stable name for URLs, CSS classes and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            MapStatus::Emergency => "emergency",
            MapStatus::Concern => "concern",
            MapStatus::Overdue => "overdue",
            MapStatus::NoRecord => "no_record",
            MapStatus::Fine => "fine",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Whether a point lies in Japan (roughly 20–46°N, 122–154°E). A point elsewhere is a typo or a
/// missing place, and the maps list such persons instead of drawing them in the sea.
pub fn in_japan(lat: f64, lng: f64) -> bool {
    (20.0..=46.0).contains(&lat) && (122.0..=154.0).contains(&lng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DAY_MS;

    const JST: i64 = 9 * 60;
    // 2026-12-04 10:00 JST.
    const NOW: EpochMillis = 1_796_346_000_000;

    #[test]
    fn the_latest_sighting_decides_emergency_and_concern_whatever_the_interval() {
        let yesterday = Some(NOW - DAY_MS);
        let of = |seen| MapStatus::of(yesterday, seen, 7, NOW, JST);
        assert_eq!(of(Some(CheckOutcome::Emergency)), MapStatus::Emergency);
        assert_eq!(of(Some(CheckOutcome::Concern)), MapStatus::Concern);
        assert_eq!(of(Some(CheckOutcome::AllWell)), MapStatus::Fine);
        // Overdue does not hide an unresolved emergency.
        assert_eq!(
            MapStatus::of(Some(NOW - 30 * DAY_MS), Some(CheckOutcome::Emergency), 7, NOW, JST),
            MapStatus::Emergency
        );
    }

    #[test]
    fn overdue_never_checked_and_fine_follow_the_interval() {
        assert_eq!(MapStatus::of(None, None, 7, NOW, JST), MapStatus::NoRecord);
        assert_eq!(MapStatus::of(Some(NOW - 8 * DAY_MS), Some(CheckOutcome::AllWell), 7, NOW, JST), MapStatus::Overdue);
        assert_eq!(MapStatus::of(Some(NOW - 7 * DAY_MS), Some(CheckOutcome::AllWell), 7, NOW, JST), MapStatus::Fine);
        // Only 不在 so far: checked (not 記録なし), and fine while within the interval.
        assert_eq!(MapStatus::of(Some(NOW - DAY_MS), None, 7, NOW, JST), MapStatus::Fine);
    }

    #[test]
    fn names_round_trip_and_the_order_is_worst_first() {
        for s in MapStatus::ALL {
            assert_eq!(MapStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(MapStatus::parse("EMERGENCY"), None);
        let mut sorted = MapStatus::ALL;
        sorted.sort();
        assert_eq!(sorted, MapStatus::ALL);
    }

    #[test]
    fn a_phone_reads_the_same_status_from_its_own_history() {
        use crate::domain::{Check, PersonId};
        let p = PersonId::registered(uuid::Uuid::from_u128(1));
        let check = |days: i64, outcome| {
            let mut c: Check = serde_json::from_str(&format!(
                r#"{{"id":"00000000-0000-0000-0000-000000000009","person_id":"{}","outcome":"all_well","recorded_at":0,"author_id":"u-1","author_name":"鈴木","sync":"synced"}}"#,
                p.as_str()
            ))
            .unwrap();
            c.outcome = outcome;
            c.recorded_at = NOW - days * DAY_MS;
            c
        };
        // 緊急 three days ago, then only a locked door yesterday: still 緊急, and checked yesterday.
        let history =
            [check(3, CheckOutcome::Emergency), check(1, CheckOutcome::NotHome), check(10, CheckOutcome::AllWell)];
        let last = LastChecks::of_all(&history)[&p];
        assert_eq!(last.at, Some(NOW - DAY_MS));
        assert_eq!(last.seen, Some((NOW - 3 * DAY_MS, CheckOutcome::Emergency)));
        assert_eq!(last.status(7, NOW, JST), MapStatus::Emergency);
        // Seen well today: resolved.
        let later = [check(3, CheckOutcome::Emergency), check(0, CheckOutcome::AllWell)];
        assert_eq!(LastChecks::of_all(&later)[&p].status(7, NOW, JST), MapStatus::Fine);
        assert!(LastChecks::of_all(&[]).is_empty());
    }

    #[test]
    fn the_deciding_checks_decide_as_the_whole_history_does() {
        use crate::domain::{Check, PersonId};
        let check = |person: u128, n: u128, days: i64, outcome| {
            let mut c: Check = serde_json::from_str(&format!(
                r#"{{"id":"{}","person_id":"{}","outcome":"all_well","recorded_at":0,"author_id":"u-1","author_name":"鈴木","sync":"synced"}}"#,
                uuid::Uuid::from_u128(person << 16 | n),
                PersonId::registered(uuid::Uuid::from_u128(person)).as_str()
            ))
            .unwrap();
            c.outcome = outcome;
            c.recorded_at = NOW - days * DAY_MS;
            c
        };
        let history = [
            // Person 1: 緊急, then 不在 since: both decide (the list shows the 不在, the map the 緊急).
            check(1, 1, 10, CheckOutcome::AllWell),
            check(1, 2, 3, CheckOutcome::Emergency),
            check(1, 3, 1, CheckOutcome::NotHome),
            check(1, 4, 2, CheckOutcome::NotHome),
            // Person 2: seen well last: that one alone.
            check(2, 1, 5, CheckOutcome::Concern),
            check(2, 2, 4, CheckOutcome::AllWell),
            // Person 3: only ever 不在.
            check(3, 1, 6, CheckOutcome::NotHome),
            check(3, 2, 8, CheckOutcome::NotHome),
        ];
        let kept = LastChecks::deciding(&history);
        let mut ids: Vec<u128> = kept.iter().map(|c| c.id.0.as_u128()).collect();
        ids.sort();
        assert_eq!(ids, vec![1 << 16 | 2, 1 << 16 | 3, 2 << 16 | 2, 3 << 16 | 1]);
        assert_eq!(LastChecks::of_all(kept), LastChecks::of_all(&history));
        assert!(LastChecks::deciding(&[]).is_empty());
    }

    #[test]
    fn places_outside_japan_are_not_drawn() {
        assert!(in_japan(39.8, 140.2));
        assert!(!in_japan(0.0, 0.0));
        assert!(!in_japan(140.2, 39.8), "swapped latitude and longitude");
        assert!(!in_japan(f64::NAN, 140.0));
    }
}
