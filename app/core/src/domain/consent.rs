//! 本人同意: under what the person agreed to, personal data is kept and shared.

use super::{CalendarDate, EpochMillis, ValidationError};
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
    /// The day it was given.
    pub obtained_on: CalendarDate,
    pub method: ConsentMethod,
    pub scopes: ConsentScopes,
}

impl ConsentInput {
    /// The day must not be after `today` (a real day it is, by its type), and sharing needs `record`.
    pub fn validate(&self, today: &CalendarDate) -> Result<(), ValidationError> {
        if &self.obtained_on > today {
            return Err(ValidationError {
                code: ErrorCode::InvalidConsentDate,
                detail: "obtained_on must not be after today".into(),
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
    pub obtained_on: CalendarDate,
    pub method: ConsentMethod,
    pub scopes: ConsentScopes,
    pub recorded_by: String,
    pub recorded_at: EpochMillis,
    pub withdrawn_at: Option<EpochMillis>,
    pub withdrawn_by: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_needs_a_past_date_and_record_before_sharing() {
        let c = |date: &str, record, share| ConsentInput {
            obtained_on: CalendarDate::parse(date).unwrap(),
            method: ConsentMethod::Written,
            scopes: ConsentScopes { record, share_partners: share, share_disaster: false },
        };
        let today = CalendarDate::parse("2026-11-24").unwrap();
        assert!(c("2026-04-01", true, true).validate(&today).is_ok());
        assert_eq!(c("2027-01-01", true, true).validate(&today).unwrap_err().code.wire(), "invalid_consent_date");
        assert_eq!(c("2026-04-01", false, true).validate(&today).unwrap_err().code.wire(), "invalid_consent_scopes");
    }
}
