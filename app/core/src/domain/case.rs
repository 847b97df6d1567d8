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

/// What a 民生委員 may change on a case from the phone: its status and next date, a note, and
/// taking it on themselves (or giving it back); the word shared with volunteers and handing the
/// case to a partner organisation are the office's.
pub fn field_update_allowed(update: &CaseUpdate, me: &super::UserId) -> Result<(), ValidationError> {
    let own = update.owner_id.as_deref().is_none_or(|o| o.is_empty() || o == me.as_str());
    if own && update.shared_note.is_none() && update.owner_organization_id.is_none() {
        Ok(())
    } else {
        Err(ValidationError {
            code: ErrorCode::OwnerNotFound,
            detail: "from the field a 民生委員 takes a case on themselves and shares no word".into(),
        })
    }
}

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
    /// The user who owns the case now (`Some("")` clears the owner, a partner organisation too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The partner organisation that carries the case now, one a request of the case was
    /// referred to (`Some("")` clears the owner). A case has one owner: not with `owner_id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_organization_id: Option<String>,
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
        let named = |o: &Option<String>| o.as_deref().is_some_and(|o| !o.is_empty());
        if named(&self.owner_id) && named(&self.owner_organization_id) {
            return Err(ValidationError {
                code: ErrorCode::OwnerNotFound,
                detail: "a case has one owner: a user or a partner organisation".into(),
            });
        }
        if self.status.is_none()
            && self.owner_id.is_none()
            && self.owner_organization_id.is_none()
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
    /// Who owns it (a coordinator or a 民生委員), by id and name; a partner organisation that
    /// carries it has its name here and no id.
    #[serde(default)]
    pub owner_id: Option<super::UserId>,
    #[serde(default)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub next_action_on: Option<String>,
    /// What the office and 民生委員 recorded, oldest first: for 民生委員 only (a volunteer's device
    /// never receives them).
    #[serde(default)]
    pub notes: Vec<CaseNote>,
    pub opened_at: EpochMillis,
    pub updated_at: EpochMillis,
    /// Changed on this device and not yet sent (never from the server).
    #[serde(default)]
    pub pending: bool,
}

/// One note on a case's timeline, as a 民生委員's phone holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseNote {
    pub at: EpochMillis,
    pub by: String,
    pub text: String,
}

impl FieldCase {
    /// The case with a change made on this device laid over it (shown until the server answers).
    pub fn with_pending(mut self, update: &CaseUpdate, me: &super::User) -> Self {
        if let Some(status) = update.status {
            if self.status.may_become(status).is_ok() {
                self.status = status;
            }
        }
        match update.owner_id.as_deref() {
            Some("") => (self.owner_id, self.owner) = (None, None),
            Some(_) => (self.owner_id, self.owner) = (Some(me.id.clone()), Some(me.display_name.clone())),
            None => {}
        }
        if let Some(date) = &update.next_action_on {
            self.next_action_on = (!date.is_empty()).then(|| date.clone());
        }
        if !update.note.is_empty() {
            self.notes.push(CaseNote { at: self.updated_at, by: me.display_name.clone(), text: update.note.clone() });
        }
        self.pending = true;
        self
    }
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
    fn from_the_field_a_commissioner_takes_a_case_only_on_themselves() {
        let me = super::super::UserId::parse("u-suzuki").unwrap();
        let take = CaseUpdate { owner_id: Some("u-suzuki".into()), ..Default::default() };
        assert!(field_update_allowed(&take, &me).is_ok());
        let give_back = CaseUpdate { owner_id: Some(String::new()), ..Default::default() };
        assert!(field_update_allowed(&give_back, &me).is_ok());
        let other = CaseUpdate { owner_id: Some("u-tanaka".into()), ..Default::default() };
        assert_eq!(field_update_allowed(&other, &me).unwrap_err().code, ErrorCode::OwnerNotFound);
        let word = CaseUpdate { shared_note: Some("了解".into()), ..Default::default() };
        assert!(field_update_allowed(&word, &me).is_err(), "the shared word is the office's");
        let partner = CaseUpdate { owner_organization_id: Some("org-1".into()), ..Default::default() };
        assert!(field_update_allowed(&partner, &me).is_err(), "handing a case to a partner is the office's");
    }

    #[test]
    fn a_case_has_one_owner() {
        let both = CaseUpdate {
            owner_id: Some("u-suzuki".into()),
            owner_organization_id: Some("org-1".into()),
            ..Default::default()
        };
        assert_eq!(both.validate().unwrap_err().code, ErrorCode::OwnerNotFound);
        let partner = CaseUpdate { owner_organization_id: Some("org-1".into()), ..Default::default() };
        assert!(partner.validate().is_ok(), "a partner organisation alone is a change");
        let from_user_to_partner = CaseUpdate {
            owner_id: Some(String::new()),
            owner_organization_id: Some("org-1".into()),
            ..Default::default()
        };
        assert!(from_user_to_partner.validate().is_ok());
    }

    #[test]
    fn a_change_made_on_the_phone_shows_until_the_server_answers() {
        let me: super::super::User = serde_json::from_str(
            r#"{"id":"u-suzuki","login":"suzuki","display_name":"鈴木 一郎","role":"commissioner"}"#,
        )
        .unwrap();
        let case: FieldCase =
            serde_json::from_str(r#"{"id":"case-1","person_id":"p-1","status":"open","opened_at":1,"updated_at":2}"#)
                .unwrap();
        let update = CaseUpdate {
            status: Some(CaseStatus::InProgress),
            owner_id: Some("u-suzuki".into()),
            note: "訪問した".into(),
            ..Default::default()
        };
        let shown = case.with_pending(&update, &me);
        assert_eq!(
            (shown.status, shown.owner.as_deref(), shown.pending),
            (CaseStatus::InProgress, Some("鈴木 一郎"), true)
        );
        assert_eq!(shown.notes.last().map(|n| n.text.as_str()), Some("訪問した"));
        let done = FieldCase { status: CaseStatus::Done, ..shown.clone() };
        assert_eq!(done.with_pending(&update, &me).status, CaseStatus::Done, "a closed case stays closed");
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
