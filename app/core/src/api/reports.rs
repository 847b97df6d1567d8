//! 集計: what the network did, by area and month, for the office to read and hand on. Aggregates
//! only: a report names no one, so it may go to the 社協's board or the municipality as it is.
//!
//! Coverage, the one figure that needs a definition: a person counts as covered in a month when
//! they were checked at least as often as their interval asks, `max(1, days in the month ÷ interval)`
//! times (rounded down): weekly in a 30-day month is 4 checks, every 3 days is 10, monthly is 1.

use crate::domain::{CaseStatus, CheckOutcome, Concern, Month, Need, RequestStatus, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// The longest period one report covers.
pub const MAX_REPORT_MONTHS: usize = 24;

/// How many checks a person with this interval needs in a month of `days` days to count as covered.
pub fn checks_needed(days: u32, interval_days: u32) -> u32 {
    (days / interval_days.max(1)).max(1)
}

/// A period of whole months, `from` to `to` both included, at most [`MAX_REPORT_MONTHS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    from: Month,
    to: Month,
}

impl Period {
    pub fn parse(from: &str, to: &str) -> Result<Period, ValidationError> {
        let (from, to) = (Month::parse(from)?, Month::parse(to)?);
        let months = from.through(&to).len();
        if months == 0 {
            return Err(ValidationError { code: ErrorCode::InvalidPeriod, detail: "`to` is before `from`".into() });
        }
        if months > MAX_REPORT_MONTHS {
            return Err(ValidationError {
                code: ErrorCode::InvalidPeriod,
                detail: format!("at most {MAX_REPORT_MONTHS} months, asked for {months}"),
            });
        }
        Ok(Period { from, to })
    }

    pub fn from(&self) -> &Month {
        &self.from
    }

    pub fn to(&self) -> &Month {
        &self.to
    }

    pub fn months(&self) -> Vec<Month> {
        self.from.through(&self.to)
    }
}

/// Checks by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    pub all_well: u32,
    pub concern: u32,
    pub not_home: u32,
    pub emergency: u32,
}

impl Outcomes {
    pub fn add(&mut self, outcome: CheckOutcome, n: u32) {
        match outcome {
            CheckOutcome::AllWell => self.all_well += n,
            CheckOutcome::Concern => self.concern += n,
            CheckOutcome::NotHome => self.not_home += n,
            CheckOutcome::Emergency => self.emergency += n,
        }
    }

    pub fn get(&self, outcome: CheckOutcome) -> u32 {
        match outcome {
            CheckOutcome::AllWell => self.all_well,
            CheckOutcome::Concern => self.concern,
            CheckOutcome::NotHome => self.not_home,
            CheckOutcome::Emergency => self.emergency,
        }
    }

    pub fn total(&self) -> u32 {
        self.all_well + self.concern + self.not_home + self.emergency
    }
}

/// One month's figures for the chosen area.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFigures {
    /// `YYYY-MM`; empty for the period's totals.
    pub month: String,
    pub checks: Outcomes,
    /// Persons checked at least once.
    pub persons_checked: u32,
    /// Persons checked as often as their interval asks (see the module's definition).
    pub covered: u32,
    /// 気になる signs noticed, by chip.
    pub concerns: Vec<(Concern, u32)>,
    /// Requests raised, by need.
    pub requests: Vec<(Need, u32)>,
    /// Requests raised, by where they stand now.
    pub request_status: Vec<(RequestStatus, u32)>,
    pub cases_opened: u32,
    /// Closed (完了 or 見守り継続) in the month.
    pub cases_closed: u32,
    /// Of the cases opened in the month and acknowledged, the median minutes from the first
    /// signal reaching the server to the office's acknowledgement.
    pub median_ack_minutes: Option<u32>,
    /// Cases opened in the month that are still open, by status.
    pub cases_open_now: Vec<(CaseStatus, u32)>,
    /// 活動記録 submitted for the month by 民生委員 of the area.
    pub activity_reports: u32,
}

/// The report: the area, the persons watched there now, and each month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub from: String,
    pub to: String,
    /// The area in words: 「全地区」, a district, or a district and small area.
    pub area: String,
    /// Active persons in the area today (the register keeps no history of who lived where).
    pub persons: u32,
    /// 民生委員 of the area today.
    pub commissioners: u32,
    pub months: Vec<MonthFigures>,
    pub totals: MonthFigures,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_is_whole_months_up_to_two_years() {
        let p = Period::parse("2025-01", "2026-12").unwrap();
        assert_eq!(p.months().len(), 24);
        assert_eq!(Period::parse("2025-01", "2027-01").unwrap_err().code, ErrorCode::InvalidPeriod);
        assert_eq!(Period::parse("2026-05", "2026-04").unwrap_err().code, ErrorCode::InvalidPeriod);
        assert_eq!(Period::parse("2026-5", "2026-06").unwrap_err().code, ErrorCode::InvalidMonth);
        assert_eq!(Period::parse("2026-04", "2026-04").unwrap().months().len(), 1);
    }

    #[test]
    fn coverage_asks_for_as_many_checks_as_the_interval_fits_in_the_month() {
        assert_eq!(checks_needed(30, 7), 4);
        assert_eq!(checks_needed(31, 7), 4);
        assert_eq!(checks_needed(30, 3), 10);
        assert_eq!(checks_needed(28, 30), 1, "monthly: once");
        assert_eq!(checks_needed(30, 0), 30, "a zero interval reads as daily");
    }
}
