//! 要対応: a follow-up case. Every 気になる or 緊急 check and every 相談・依頼 opens a case for the
//! person or joins the one already open, so the office sees one line per person to act on, not a
//! pile of records; the 民生委員 or volunteer who raised it learns that the office has seen it and
//! what became of it.
//!
//! Why the rules live here: the server decides them, the office screen words them and the phone
//! shows them offline from the last sync; all three read the same status and the same lateness.

use super::{CalendarDate, EpochMillis, PersonId, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// A 緊急 that nobody in the office has acknowledged this long after it reached the server is late.
pub const ACK_LATE_MS: EpochMillis = 30 * 60 * 1000;

/// How long a closed case still reaches the phones of those who raised it: long enough to learn
/// what became of it.
pub const FIELD_SEES_CLOSED_MS: EpochMillis = 30 * 24 * 60 * 60 * 1000;

/// Longest case note (the office's timeline entry).
pub const MAX_CASE_NOTE: usize = 1000;
/// Longest note shared with the field.
pub const MAX_SHARED_NOTE: usize = 200;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 未対応
    Open,
    /// 対応中
    InProgress,
    /// 完了
    Done,
    /// 見守り継続: nothing more to do now beyond the usual 見守り.
    Watching,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 4] = [CaseStatus::Open, CaseStatus::InProgress, CaseStatus::Done, CaseStatus::Watching];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::InProgress => "in_progress",
            CaseStatus::Done => "done",
            CaseStatus::Watching => "watching",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Still to be acted on: a new signal on the person joins it.
    pub fn is_open(self) -> bool {
        matches!(self, CaseStatus::Open | CaseStatus::InProgress)
    }

    /// Whether a case may move from `self` to `to`. A closed case stays closed: a later signal
    /// opens a new case, so what was decided then is not rewritten.
    pub fn may_become(self, to: CaseStatus) -> Result<(), ValidationError> {
        if self.is_open() || self == to {
            Ok(())
        } else {
            Err(ValidationError { code: ErrorCode::CaseClosed, detail: "a closed case is not reopened".into() })
        }
    }
}

/// Whether a case is late: it carries a 緊急, and a signal has waited for acknowledgement since
/// `awaiting_since` (server time) for longer than [`ACK_LATE_MS`] at `now`.
pub fn is_late(urgent: bool, awaiting_since: Option<EpochMillis>, now: EpochMillis) -> bool {
    urgent && awaiting_since.is_some_and(|since| now.saturating_sub(since) > ACK_LATE_MS)
}

/// A change to a case from the office: any of status, owner, next-action date, a timeline note,
/// and the short note the field may see. Validated by [`CaseUpdate::validate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CaseStatus>,
    /// The user who owns the case now (`Some("")` clears the owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The next action's date, `YYYY-MM-DD` (`Some("")` clears it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_action_on: Option<String>,
    /// What was done or decided: one timeline entry, office and 民生委員 only.
    #[serde(default)]
    pub note: String,
    /// A short word for those who raised the signals (volunteers included); replaces the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_note: Option<String>,
}

impl CaseUpdate {
    /// Trims the texts and checks the date; an update that changes nothing is refused.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.note = super::text::multiline(&self.note, MAX_CASE_NOTE, ErrorCode::InvalidCaseNote)?;
        if let Some(shared) = &self.shared_note {
            self.shared_note = Some(super::text::multiline(shared, MAX_SHARED_NOTE, ErrorCode::InvalidSharedNote)?);
        }
        if let Some(date) = &self.next_action_on {
            let date = date.trim();
            self.next_action_on =
                Some(if date.is_empty() { String::new() } else { CalendarDate::parse(date)?.as_str().to_owned() });
        }
        if self.status.is_none()
            && self.owner_id.is_none()
            && self.next_action_on.is_none()
            && self.note.is_empty()
            && self.shared_note.is_none()
        {
            return Err(ValidationError { code: ErrorCode::EmptyCaseUpdate, detail: "nothing to change".into() });
        }
        Ok(self)
    }
}

/// A case as a field device holds it: where it stands and the office's shared word, never the
/// office's notes. A volunteer's device gets only the cases they raised a signal in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCase {
    pub id: String,
    pub person_id: PersonId,
    pub status: CaseStatus,
    /// Who in the office acknowledged it, and when (server time).
    #[serde(default)]
    pub acknowledged_by: Option<String>,
    #[serde(default)]
    pub acknowledged_at: Option<EpochMillis>,
    /// A signal in it waits for the office to see it (none acknowledged since it arrived).
    #[serde(default)]
    pub awaiting: bool,
    /// The office's short word for the field, when they chose to share one.
    #[serde(default)]
    pub shared_note: Option<String>,
    /// The checks and requests gathered in this case that this device may know of.
    #[serde(default)]
    pub signals: Vec<String>,
    pub opened_at: EpochMillis,
    pub updated_at: EpochMillis,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unacknowledged_emergency_older_than_half_an_hour_is_late() {
        let now = 1_790_000_000_000;
        assert!(is_late(true, Some(now - ACK_LATE_MS - 1), now));
        assert!(!is_late(true, Some(now - ACK_LATE_MS), now), "exactly 30 minutes is not late yet");
        assert!(!is_late(true, None, now), "acknowledged");
        assert!(!is_late(false, Some(now - 10 * ACK_LATE_MS), now), "a 気になる is never late");
        assert!(is_late(true, Some(i64::MIN), now), "a nonsense time is late, not an overflow");
    }

    #[test]
    fn a_closed_case_is_not_reopened() {
        assert!(CaseStatus::Open.may_become(CaseStatus::Done).is_ok());
        assert!(CaseStatus::InProgress.may_become(CaseStatus::Watching).is_ok());
        assert_eq!(CaseStatus::Done.may_become(CaseStatus::Open).unwrap_err().code, ErrorCode::CaseClosed);
        assert!(CaseStatus::Done.may_become(CaseStatus::Done).is_ok(), "a note on a closed case keeps its status");
        let open: Vec<_> = CaseStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, [CaseStatus::Open, CaseStatus::InProgress]);
    }

    #[test]
    fn an_update_is_trimmed_dated_and_not_empty() {
        let u = CaseUpdate {
            note: "  電話で確認  ".into(),
            next_action_on: Some("2026-12-10".into()),
            ..Default::default()
        };
        let u = u.validate().unwrap();
        assert_eq!((u.note.as_str(), u.next_action_on.as_deref()), ("電話で確認", Some("2026-12-10")));
        let bad = CaseUpdate { next_action_on: Some("12/10".into()), ..Default::default() };
        assert_eq!(bad.validate().unwrap_err().code, ErrorCode::InvalidDate);
        assert_eq!(CaseUpdate::default().validate().unwrap_err().code, ErrorCode::EmptyCaseUpdate);
        let long = CaseUpdate { shared_note: Some("あ".repeat(MAX_SHARED_NOTE + 1)), ..Default::default() };
        assert_eq!(long.validate().unwrap_err().code, ErrorCode::InvalidSharedNote);
        let cleared = CaseUpdate { next_action_on: Some(" ".into()), ..Default::default() }.validate().unwrap();
        assert_eq!(cleared.next_action_on.as_deref(), Some(""));
        let json = r#"{"status":"done","note":"","secret":1}"#;
        assert!(serde_json::from_str::<CaseUpdate>(json).is_err(), "unknown fields are refused");
    }
}
