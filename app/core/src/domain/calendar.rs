//! Calendar days and months, as consent forms and the 活動記録 name them: `YYYY-MM-DD`, `YYYY-MM`.
//!
//! Only a parse (or the clock) makes one, so a date that reaches a comparison, a store or a report
//! is a day that exists: no 2023-02-29, no full-width digits, no `'; DROP--`. Both keep their text
//! (what `<input type="date">`, the JSON and the database hold) and order as their text does, which
//! for these fixed-width forms is the order of time.

use super::{EpochMillis, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::fmt;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A day that exists, `YYYY-MM-DD`, from 1900 on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CalendarDate(String);

/// A month, `YYYY-MM`, from 1900 on. (Which months a 活動記録 may be for is the record's rule.)
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month(String);

impl CalendarDate {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let Some((y, m, d)) = ymd(raw) else {
            return Err(ValidationError { code: ErrorCode::InvalidDate, detail: "a date is YYYY-MM-DD".into() });
        };
        if y < 1900 || !(1..=days_in_month(y, m)).contains(&d) {
            return Err(ValidationError { code: ErrorCode::InvalidDate, detail: "no such day".into() });
        }
        Ok(Self(raw.to_owned()))
    }

    /// The calendar day `days` days after 1970-01-01 (negative: before).
    pub fn from_days(days: i64) -> Self {
        let (y, m, d) = civil_from_days(days);
        Self(format!("{y:04}-{m:02}-{d:02}"))
    }

    /// The day it is at `ms` in a zone `offset_minutes` east of UTC.
    pub fn at(ms: EpochMillis, offset_minutes: i64) -> Self {
        Self::from_days((ms + offset_minutes * 60_000).div_euclid(DAY_MS))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Year, month and day as numbers, for words such as 「2026年4月1日」.
    pub fn ymd(&self) -> (u32, u32, u32) {
        ymd(&self.0).unwrap_or_default()
    }

    /// Whether this day falls in `month`.
    pub fn is_in(&self, month: &Month) -> bool {
        self.0.starts_with(month.as_str())
    }

    /// The month this day falls in.
    pub fn month(&self) -> Month {
        Month(self.0[..7].to_owned())
    }
}

impl Month {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let b = raw.as_bytes();
        let ok = b.len() == 7
            && b[4] == b'-'
            && digits(raw, 0..4).is_some_and(|y| y >= 1900)
            && digits(raw, 5..7).is_some_and(|m| (1..=12).contains(&m));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(ValidationError { code: ErrorCode::InvalidMonth, detail: "a month is YYYY-MM".into() })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The month before (none before 1900-01).
    pub fn previous(&self) -> Option<Month> {
        let (y, m) = (digits(&self.0, 0..4)?, digits(&self.0, 5..7)?);
        let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
        Month::parse(&format!("{y:04}-{m:02}")).ok()
    }

    /// Year and month as numbers, for words such as 「2026年11月」.
    pub fn year_month(&self) -> (u32, u32) {
        (digits(&self.0, 0..4).unwrap_or(0), digits(&self.0, 5..7).unwrap_or(0))
    }

    pub fn year(&self) -> u32 {
        self.year_month().0
    }

    /// The month after (none after 9999-12).
    pub fn next(&self) -> Option<Month> {
        let (y, m) = self.year_month();
        let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        Month::parse(&format!("{y:04}-{m:02}")).ok().filter(|n| n.0.len() == 7)
    }

    /// How many days it has.
    pub fn days(&self) -> u32 {
        let (y, m) = self.year_month();
        days_in_month(y, m)
    }

    /// Months from `self` to `to`, both included, oldest first; empty when `to` is earlier.
    pub fn through(&self, to: &Month) -> Vec<Month> {
        let mut out = Vec::new();
        let mut m = Some(self.clone());
        while let Some(cur) = m {
            if cur.0 > to.0 {
                break;
            }
            m = cur.next();
            out.push(cur);
        }
        out
    }

    /// Its first moment in a zone `offset_minutes` east of UTC, in epoch milliseconds.
    pub fn start_ms(&self, offset_minutes: i64) -> EpochMillis {
        let (y, m) = self.year_month();
        days_from_civil(i64::from(y), m, 1) * DAY_MS - offset_minutes * 60_000
    }
}

/// Days since 1970-01-01 of a date (the inverse of [`civil_from_days`]).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Digits at `r` of `s` as a number; `None` unless every byte there is an ASCII digit.
fn digits(s: &str, r: std::ops::Range<usize>) -> Option<u32> {
    s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse().ok()
}

fn ymd(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some((digits(s, 0..4)?, digits(s, 5..7)?, digits(s, 8..10)?))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

macro_rules! text_conversions {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = ValidationError;

            fn try_from(raw: String) -> Result<Self, Self::Error> {
                Self::parse(&raw)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
text_conversions!(CalendarDate);
text_conversions!(Month);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_step_count_their_days_and_start_in_japan() {
        let jan = Month::parse("2026-01").unwrap();
        assert_eq!(Month::parse("2025-12").unwrap().next(), Some(jan.clone()));
        let span = Month::parse("2025-11").unwrap().through(&Month::parse("2026-02").unwrap());
        assert_eq!(span.iter().map(Month::as_str).collect::<Vec<_>>(), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert!(jan.through(&Month::parse("2025-12").unwrap()).is_empty());
        assert_eq!((Month::parse("2024-02").unwrap().days(), Month::parse("2026-02").unwrap().days()), (29, 28));
        // 2026-01-01T00:00+09:00 is 2025-12-31T15:00Z.
        assert_eq!(jan.start_ms(9 * 60), 1_767_193_200_000);
        assert_eq!(CalendarDate::at(jan.start_ms(9 * 60), 9 * 60).month(), jan);
        assert_eq!(CalendarDate::at(jan.start_ms(9 * 60) - 1, 9 * 60).month().as_str(), "2025-12");
    }

    #[test]
    fn only_days_that_exist_are_dates() {
        assert!(CalendarDate::parse("2024-02-29").is_ok());
        for bad in ["2023-02-29", "2024-13-01", "2024-1-01", "２０２４-01-01", "'; DROP--", "1899-12-31", ""] {
            assert_eq!(CalendarDate::parse(bad).unwrap_err().code.wire(), "invalid_date", "{bad}");
        }
        let json: Result<CalendarDate, _> = serde_json::from_str("\"2024-04-31\"");
        assert!(json.unwrap_err().to_string().starts_with("invalid_date"), "the code survives serde");
    }

    #[test]
    fn only_months_of_the_service_are_months() {
        assert!(Month::parse("2026-11").is_ok());
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "1899-12", "2026-00", "２０２６-11"] {
            assert_eq!(Month::parse(bad).unwrap_err().code.wire(), "invalid_month", "{bad}");
        }
        assert_eq!(Month::parse("2027-01").unwrap().previous().unwrap().as_str(), "2026-12");
        assert_eq!(Month::parse("1900-01").unwrap().previous(), None);
        assert_eq!(Month::parse("2026-11").unwrap().year_month(), (2026, 11));
    }

    #[test]
    fn the_clock_gives_the_local_day() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        // 2026-12-31T15:00:00Z is already New Year's Day in Japan, still New Year's Eve in UTC.
        assert_eq!(CalendarDate::at(1_798_729_200_000, 9 * 60).as_str(), "2027-01-01");
        assert_eq!(CalendarDate::at(1_798_729_200_000, 0).as_str(), "2026-12-31");
        let day = CalendarDate::parse("2026-11-30").unwrap();
        assert!(day.is_in(&Month::parse("2026-11").unwrap()));
        assert!(!day.is_in(&Month::parse("2026-12").unwrap()));
        assert_eq!(day.month().as_str(), "2026-11");
        assert_eq!(day.ymd(), (2026, 11, 30));
        assert!(CalendarDate::parse("2026-04-01").unwrap() < day, "text order is time order");
    }
}
