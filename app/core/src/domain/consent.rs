//! 本人同意: under what the person agreed to, personal data is kept and shared.

use super::{EpochMillis, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// How consent was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentMethod {
    /// 書面
    Written,
    /// 口頭
    Oral,
    /// 代理人
    Proxy,
}

impl ConsentMethod {
    pub const ALL: [ConsentMethod; 3] = [ConsentMethod::Written, ConsentMethod::Oral, ConsentMethod::Proxy];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentMethod::Written => "written",
            ConsentMethod::Oral => "oral",
            ConsentMethod::Proxy => "proxy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// What the person agreed to. No consent in force means all three are false.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentScopes {
    /// We may keep their data at all (and volunteers may be told about them).
    pub record: bool,
    /// It may be shared with partner corporations (社会福祉法人).
    pub share_partners: bool,
    /// It may be shared with disaster-response bodies.
    pub share_disaster: bool,
}

impl ConsentScopes {
    /// The scopes agreed to, as the audit log writes them: `record,share_partners`.
    pub fn as_text(self) -> String {
        let mut parts = Vec::new();
        if self.record {
            parts.push("record");
        }
        if self.share_partners {
            parts.push("share_partners");
        }
        if self.share_disaster {
            parts.push("share_disaster");
        }
        parts.join(",")
    }
}

/// A consent as captured on a form or sent by an API client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// The day it was given, `YYYY-MM-DD`.
    pub obtained_on: String,
    pub method: ConsentMethod,
    pub scopes: ConsentScopes,
}

impl ConsentInput {
    /// The date must be a real calendar day, not in the future, and sharing needs `record`.
    pub fn validate(&self, today: &str) -> Result<(), ValidationError> {
        if !is_calendar_date(&self.obtained_on) || self.obtained_on.as_str() > today {
            return Err(ValidationError {
                code: ErrorCode::InvalidConsentDate,
                detail: "obtained_on must be a past or present date YYYY-MM-DD".into(),
            });
        }
        if !self.scopes.record && (self.scopes.share_partners || self.scopes.share_disaster) {
            return Err(ValidationError {
                code: ErrorCode::InvalidConsentScopes,
                detail: "sharing requires consent to record".into(),
            });
        }
        Ok(())
    }
}

/// One consent in a person's history. Withdrawal is recorded on the row, never deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub id: String,
    pub obtained_on: String,
    pub method: ConsentMethod,
    pub scopes: ConsentScopes,
    pub recorded_by: String,
    pub recorded_at: EpochMillis,
    pub withdrawn_at: Option<EpochMillis>,
    pub withdrawn_by: Option<String>,
}

/// `YYYY-MM-DD` naming a day that exists (leap years included), from 1900 on.
pub fn is_calendar_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num =
        |r: std::ops::Range<usize>| s.get(r).filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?.parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else { return false };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1900 && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist() {
        assert!(is_calendar_date("2024-02-29"));
        assert!(!is_calendar_date("2023-02-29"));
        assert!(!is_calendar_date("2024-13-01"));
        assert!(!is_calendar_date("2024-1-01"));
        assert!(!is_calendar_date("２０２４-01-01"));
        assert!(!is_calendar_date("'; DROP--"));
    }

    #[test]
    fn consent_needs_a_past_date_and_record_before_sharing() {
        let c = |date: &str, record, share| ConsentInput {
            obtained_on: date.into(),
            method: ConsentMethod::Written,
            scopes: ConsentScopes { record, share_partners: share, share_disaster: false },
        };
        assert!(c("2026-04-01", true, true).validate("2026-11-24").is_ok());
        assert_eq!(c("2027-01-01", true, true).validate("2026-11-24").unwrap_err().code.wire(), "invalid_consent_date");
        assert_eq!(
            c("2026-04-01", false, true).validate("2026-11-24").unwrap_err().code.wire(),
            "invalid_consent_scopes"
        );
    }
}
