//! 見守り checks: append-only records of one look at one person.

use super::{EpochMillis, PersonId, UserId, ValidationError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Client-generated id: the idempotency key of a check, so a retried push is stored once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CheckId(pub Uuid);

/// What the person doing the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckOutcome {
    /// 変わりなし
    AllWell,
    /// 気になる
    Concern,
    /// 不在
    NotHome,
    /// 緊急
    Emergency,
}

impl CheckOutcome {
    pub const ALL: [CheckOutcome; 4] =
        [CheckOutcome::AllWell, CheckOutcome::Concern, CheckOutcome::NotHome, CheckOutcome::Emergency];

    pub fn label_ja(self) -> &'static str {
        match self {
            CheckOutcome::AllWell => "変わりなし",
            CheckOutcome::Concern => "気になる",
            CheckOutcome::NotHome => "不在",
            CheckOutcome::Emergency => "緊急",
        }
    }

    /// Stable text form, used in storage and in CSS class names.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::AllWell => "all_well",
            CheckOutcome::Concern => "concern",
            CheckOutcome::NotHome => "not_home",
            CheckOutcome::Emergency => "emergency",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// A free-text note on a check: trimmed, at most [`CheckNote::MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CheckNote(String);

impl CheckNote {
    pub const MAX_CHARS: usize = 1000;

    /// An empty note is no note.
    pub fn parse(raw: &str) -> Result<Option<Self>, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let chars = trimmed.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(ValidationError {
                code: "note_too_long",
                detail: format!("note has {chars} characters, at most {} allowed", Self::MAX_CHARS),
                message_ja: "メモは1000文字以内で入力してください。",
            });
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(ValidationError {
                code: "note_invalid_characters",
                detail: "note contains control characters".into(),
                message_ja: "メモに使えない文字が含まれています。",
            });
        }
        Ok(Some(Self(trimmed.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Reads an optional note through [`CheckNote::parse`]: blank is no note, too long is an error.
fn deserialize_note<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<CheckNote>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(raw) => CheckNote::parse(&raw).map_err(|e| serde::de::Error::custom(e.detail)),
    }
}

/// A check as the device creates it and pushes it: everything the field user decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCheck {
    pub id: CheckId,
    pub person_id: PersonId,
    pub outcome: CheckOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "deserialize_note")]
    pub note: Option<CheckNote>,
    /// When the user saved it, by the device clock.
    pub recorded_at: EpochMillis,
}

impl NewCheck {
    /// Device clocks are wrong, but not by years: refuse times that cannot be real.
    pub fn validate_time(&self, server_now: EpochMillis) -> Result<(), ValidationError> {
        const YEAR_MS: i64 = 366 * 24 * 60 * 60 * 1000;
        // 2020-01-01T00:00:00Z: nothing was recorded with this app before then.
        const EARLIEST: i64 = 1_577_836_800_000;
        if self.recorded_at < EARLIEST || self.recorded_at > server_now + YEAR_MS {
            return Err(ValidationError {
                code: "recorded_at_out_of_range",
                detail: format!("recorded_at {} is not a plausible time", self.recorded_at),
                message_ja: "端末の日時が正しくありません。日時の設定を確認してください。",
            });
        }
        Ok(())
    }
}

/// Where a check stands between this device and the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Saved on the device, waiting in the outbox. Shown as 未送信.
    Pending,
    /// The server has it.
    Synced,
    /// The server refused it; the reason is kept beside it so it is never silently lost.
    Rejected,
}

/// A check as stored on the server and pulled back to devices that may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub id: CheckId,
    pub person_id: PersonId,
    pub outcome: CheckOutcome,
    #[serde(default)]
    pub note: Option<String>,
    pub recorded_at: EpochMillis,
    /// Set by the server; `None` while the check exists only on this device.
    #[serde(default)]
    pub received_at: Option<EpochMillis>,
    pub author_id: UserId,
    pub author_name: String,
    pub sync: SyncState,
    /// Why the server refused it, in Japanese, when `sync` is `Rejected`.
    #[serde(default)]
    pub rejection: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_round_trips_through_its_text_form() {
        for o in CheckOutcome::ALL {
            assert_eq!(CheckOutcome::parse(o.as_str()), Some(o));
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
        }
        assert_eq!(CheckOutcome::parse("fine"), None);
    }

    #[test]
    fn note_is_trimmed_and_empty_means_none() {
        assert_eq!(CheckNote::parse("  \n ").unwrap(), None);
        assert_eq!(CheckNote::parse(" 新聞がたまっている ").unwrap().unwrap().as_str(), "新聞がたまっている");
    }

    #[test]
    fn note_over_limit_is_refused_with_japanese_message() {
        let long = "あ".repeat(CheckNote::MAX_CHARS + 1);
        let err = CheckNote::parse(&long).unwrap_err();
        assert_eq!(err.code, "note_too_long");
        assert!(err.message_ja.contains("1000文字"));
        assert!(CheckNote::parse(&"あ".repeat(CheckNote::MAX_CHARS)).is_ok());
    }

    #[test]
    fn note_with_control_characters_is_refused() {
        assert!(CheckNote::parse("abc\u{0007}").is_err());
        assert!(CheckNote::parse("一行目\n二行目").is_ok());
    }

    #[test]
    fn new_check_refuses_unknown_fields_and_unknown_outcomes() {
        let ok = r#"{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","outcome":"concern","recorded_at":1790000000000}"#;
        assert!(serde_json::from_str::<NewCheck>(ok).is_ok());
        let extra = ok.replace("}", r#","is_admin":true}"#);
        assert!(serde_json::from_str::<NewCheck>(&extra).is_err());
        let bad = ok.replace("concern", "fine");
        assert!(serde_json::from_str::<NewCheck>(&bad).is_err());
    }

    #[test]
    fn a_blank_note_on_the_wire_is_no_note() {
        let json = r#"{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","outcome":"all_well","note":"  ","recorded_at":1790000000000}"#;
        assert_eq!(serde_json::from_str::<NewCheck>(json).unwrap().note, None);
        let trimmed = json.replace(r#""  ""#, r#"" 郵便物 ""#);
        assert_eq!(serde_json::from_str::<NewCheck>(&trimmed).unwrap().note.unwrap().as_str(), "郵便物");
    }

    #[test]
    fn implausible_device_times_are_refused() {
        let now = 1_790_000_000_000;
        let mut c: NewCheck = serde_json::from_str(
            r#"{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","outcome":"all_well","recorded_at":1790000000000}"#,
        )
        .unwrap();
        assert!(c.validate_time(now).is_ok());
        c.recorded_at = now + 24 * 60 * 60 * 1000; // a clock a day fast is still accepted
        assert!(c.validate_time(now).is_ok());
        c.recorded_at = 0;
        assert_eq!(c.validate_time(now).unwrap_err().code, "recorded_at_out_of_range");
    }
}
