//! When a person is next due a check, and how the home list finds and orders people.
//!
//! Pure functions of times and text, so the order a volunteer sees is unit-tested here rather
//! than in a browser. Days are the user's local calendar days: a check at 23:50 and one at 00:10
//! are a day apart for someone who goes round every morning.

use super::{EpochMillis, DAY_MS};

/// Where a person stands against their expected check interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Due {
    /// Past the expected day by this many days: itself a warning sign.
    Overdue { days: u32 },
    /// No check recorded at all.
    NeverChecked,
    /// Today is the expected day.
    Today,
    /// The expected day is this many days ahead.
    Later { days: u32 },
}

impl Due {
    /// `last`: the newest check; `tz_offset_min`: the device's offset from UTC, minutes east.
    pub fn of(last: Option<EpochMillis>, interval_days: u32, now: EpochMillis, tz_offset_min: i64) -> Due {
        let Some(last) = last else { return Due::NeverChecked };
        let day = |t: EpochMillis| (t + tz_offset_min * 60_000).div_euclid(DAY_MS);
        let due_day = day(last) + i64::from(interval_days);
        let today = day(now);
        match today - due_day {
            d if d > 0 => Due::Overdue { days: d.min(i64::from(u32::MAX)) as u32 },
            0 => Due::Today,
            d => Due::Later { days: (-d).min(i64::from(u32::MAX)) as u32 },
        }
    }

    /// Stable name for CSS and tests.
    pub fn as_str(self) -> &'static str {
        match self {
            Due::Overdue { .. } => "overdue",
            Due::NeverChecked => "never",
            Due::Today => "today",
            Due::Later { .. } => "later",
        }
    }

    /// Most overdue first, then never checked, then due today, then soonest due.
    pub fn sort_key(self) -> (u8, i64) {
        match self {
            Due::Overdue { days } => (0, -i64::from(days)),
            Due::NeverChecked => (1, 0),
            Due::Today => (2, 0),
            Due::Later { days } => (3, i64::from(days)),
        }
    }

    pub fn needs_attention(self) -> bool {
        !matches!(self, Due::Later { .. })
    }
}

/// Text folded for search: katakana as hiragana, full-width ASCII as ASCII, no spaces, lower case.
/// 「サトウ」, 「さとう」 and 「さ とう」 all find 佐藤さん's kana.
pub fn search_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            '！'..='～' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a person matches what was typed into the search box (an empty query matches all).
pub fn matches(query: &str, name: &str, kana: &str) -> bool {
    let q = search_key(query);
    q.is_empty() || search_key(name).contains(&q) || search_key(kana).contains(&q)
}

/// Great-circle distance in metres (haversine; plenty for "how far on foot").
pub fn distance_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_000.0;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// A walking distance as people say it: to the nearest 10 m below a kilometre (never 0), else to
/// the nearest 100 m. The words are the catalogue's (`words::distance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    Metres(i64),
    /// Tenths of a kilometre: 13 is 1.3 km.
    KmTenths(i64),
}

impl Walk {
    pub fn of(m: f64) -> Self {
        // Integer arithmetic only: float formatting would add its own code to the browser bundle.
        // 996 m is 「約1.0km」, not 「約1000m」.
        let metres = ((m / 10.0).round() as i64 * 10).max(10);
        if metres < 1000 {
            Walk::Metres(metres)
        } else {
            Walk::KmTenths((m / 100.0).round() as i64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JST: i64 = 9 * 60;
    /// 2026-12-01 09:00 JST
    const NOW: EpochMillis = 1_796_083_200_000;

    #[test]
    fn overdue_is_counted_in_local_calendar_days() {
        let ten_days_ago = NOW - 10 * DAY_MS;
        assert_eq!(Due::of(Some(ten_days_ago), 7, NOW, JST), Due::Overdue { days: 3 });
        assert_eq!(Due::of(Some(ten_days_ago), 7, NOW, JST).as_str(), "overdue");
        assert_eq!(Due::of(Some(NOW - 7 * DAY_MS), 7, NOW, JST), Due::Today);
        assert_eq!(Due::of(Some(NOW - 6 * DAY_MS), 7, NOW, JST), Due::Later { days: 1 });
        assert_eq!(Due::of(Some(NOW - DAY_MS), 7, NOW, JST), Due::Later { days: 6 });
        assert_eq!(Due::of(None, 7, NOW, JST), Due::NeverChecked);
    }

    #[test]
    fn a_check_late_last_night_was_yesterday() {
        // 23:50 JST yesterday, now 00:10 JST: twenty minutes, but a calendar day.
        let now = NOW - 9 * 60 * 60_000 + 10 * 60_000 + DAY_MS;
        let last = now - 20 * 60_000;
        assert_eq!(Due::of(Some(last), 1, now, JST), Due::Today);
        assert_eq!(Due::of(Some(last), 1, now, 0), Due::Later { days: 1 }, "the same instants in UTC are one day");
    }

    #[test]
    fn the_list_puts_the_most_overdue_first() {
        let mut v = vec![
            Due::Later { days: 3 },
            Due::Today,
            Due::Overdue { days: 1 },
            Due::NeverChecked,
            Due::Later { days: 1 },
            Due::Overdue { days: 5 },
        ];
        v.sort_by_key(|d| d.sort_key());
        assert_eq!(
            v,
            vec![
                Due::Overdue { days: 5 },
                Due::Overdue { days: 1 },
                Due::NeverChecked,
                Due::Today,
                Due::Later { days: 1 },
                Due::Later { days: 3 },
            ]
        );
        assert!(Due::Today.needs_attention() && !Due::Later { days: 1 }.needs_attention());
    }

    #[test]
    fn search_finds_by_name_or_kana_in_either_script() {
        assert!(matches("サトウ", "佐藤 ハナ", "さとう はな"));
        assert!(matches("さとうは", "佐藤 ハナ", "さとう はな"), "spaces do not matter");
        assert!(matches("ハナ", "佐藤 ハナ", "さとう はな"));
        assert!(matches("佐藤", "佐藤 ハナ", "さとう はな"));
        assert!(matches("  ", "佐藤 ハナ", "さとう はな"));
        assert!(!matches("すずき", "佐藤 ハナ", "さとう はな"));
        assert!(matches("ＡＢＣ", "abc", ""), "full-width letters fold");
    }

    #[test]
    fn distances_read_like_walking_distances() {
        // One hundredth of a degree of latitude is about 1.11 km.
        let d = distance_m(39.80, 140.20, 39.81, 140.20);
        assert!((d - 1112.0).abs() < 5.0, "{d}");
        assert_eq!(Walk::of(d), Walk::KmTenths(11));
        assert_eq!(Walk::of(347.0), Walk::Metres(350));
        assert_eq!(Walk::of(2.0), Walk::Metres(10));
        assert_eq!(Walk::of(999.0), Walk::KmTenths(10));
        assert_eq!(Walk::of(12_960.0), Walk::KmTenths(130));
        assert_eq!(distance_m(39.8, 140.2, 39.8, 140.2), 0.0);
    }
}
