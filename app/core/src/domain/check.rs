//! 見守り checks: append-only records of one look at one person.

use super::inquiry::{needs_fit, CheckKind, NeedNote};
use super::{EpochMillis, PersonId, UserId, ValidationError};
use crate::error::ErrorCode;
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

/// How the check was made. Optional: a greeting in passing is as valid a check as a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckMethod {
    /// 訪問
    Visit,
    /// 電話
    Phone,
    /// 声かけ
    Greeting,
    /// 外から確認 (lights, curtains, mail, snow)
    Outside,
}

impl CheckMethod {
    pub const ALL: [CheckMethod; 4] =
        [CheckMethod::Visit, CheckMethod::Phone, CheckMethod::Greeting, CheckMethod::Outside];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckMethod::Visit => "visit",
            CheckMethod::Phone => "phone",
            CheckMethod::Greeting => "greeting",
            CheckMethod::Outside => "outside",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// What was seen that gives cause for concern: the signs the watch network is trained to notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Concern {
    /// 新聞・郵便物がたまっている
    MailPiling,
    /// 夜に電気がつかない
    LightsOff,
    /// カーテンが閉まったまま
    CurtainsClosed,
    /// 洗濯物が出たまま
    LaundryLeftOut,
    /// 体調が悪そう
    LooksUnwell,
    /// もの忘れ
    Forgetful,
    /// 除雪されていない
    SnowNotCleared,
    /// 困りごとの訴え
    AsksForHelp,
}

impl Concern {
    pub const ALL: [Concern; 8] = [
        Concern::MailPiling,
        Concern::LightsOff,
        Concern::CurtainsClosed,
        Concern::LaundryLeftOut,
        Concern::LooksUnwell,
        Concern::Forgetful,
        Concern::SnowNotCleared,
        Concern::AsksForHelp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Concern::MailPiling => "mail_piling",
            Concern::LightsOff => "lights_off",
            Concern::CurtainsClosed => "curtains_closed",
            Concern::LaundryLeftOut => "laundry_left_out",
            Concern::LooksUnwell => "looks_unwell",
            Concern::Forgetful => "forgetful",
            Concern::SnowNotCleared => "snow_not_cleared",
            Concern::AsksForHelp => "asks_for_help",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Stored as one comma-separated text column; unknown codes (from a newer release) are skipped.
    pub fn join(concerns: &[Concern]) -> String {
        concerns.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
    }

    pub fn split(stored: &str) -> Vec<Concern> {
        stored.split(',').filter_map(Concern::parse).collect()
    }
}

/// Reads the concern chips of a check: each at most once, kept in the order of [`Concern::ALL`].
fn deserialize_concerns<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Concern>, D::Error> {
    let mut v = Vec::<Concern>::deserialize(d)?;
    v.sort();
    let n = v.len();
    v.dedup();
    if v.len() != n {
        return Err(serde::de::Error::custom("a concern is listed twice"));
    }
    Ok(v)
}

/// Where the device was when the check was saved (only when the user asked for it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoStamp {
    pub lat: f64,
    pub lng: f64,
    /// Radius of uncertainty in metres, as the device reports it.
    pub accuracy_m: f64,
}

impl GeoStamp {
    pub fn validate(self) -> Result<Self, ValidationError> {
        let ok = (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng)
            && (0.0..=100_000.0).contains(&self.accuracy_m);
        if ok {
            Ok(self)
        } else {
            Err(ValidationError { code: ErrorCode::CheckLocation, detail: "location out of range".into() })
        }
    }
}

pub(super) fn deserialize_stamp<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<GeoStamp>, D::Error> {
    match Option::<GeoStamp>::deserialize(d)? {
        None => Ok(None),
        Some(s) => s.validate().map(Some).map_err(|e| serde::de::Error::custom(e.detail)),
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
        let cleaned = super::text::without_invisible(raw);
        let trimmed = cleaned.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let chars = trimmed.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(ValidationError {
                code: ErrorCode::NoteTooLong,
                detail: format!("note has {chars} characters, at most {} allowed", Self::MAX_CHARS),
            });
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(ValidationError {
                code: ErrorCode::NoteInvalidCharacters,
                detail: "note contains control characters".into(),
            });
        }
        Ok(Some(Self(trimmed.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Reads an optional note through [`CheckNote::parse`]: blank is no note, too long is an error.
pub(super) fn deserialize_note<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<CheckNote>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(raw) => CheckNote::parse(&raw).map_err(|e| serde::de::Error::custom(e.detail)),
    }
}

/// A 気になる check names what was seen, by a chip or in the note (the check form's rule).
pub fn concern_is_named(
    outcome: CheckOutcome,
    concerns: &[Concern],
    note: Option<&CheckNote>,
) -> Result<(), ValidationError> {
    if outcome == CheckOutcome::Concern && concerns.is_empty() && note.is_none() {
        return Err(ValidationError {
            code: ErrorCode::ConcernUnnamed,
            detail: "a concern names what was seen".into(),
        });
    }
    Ok(())
}

/// A check as the device creates it and pushes it: everything the field user decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCheck {
    pub id: CheckId,
    pub person_id: PersonId,
    pub outcome: CheckOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "deserialize_note")]
    pub note: Option<CheckNote>,
    /// When the user saved it, by the device clock.
    pub recorded_at: EpochMillis,
    // The details below came with the field screens; older clients simply leave them out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<CheckMethod>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "deserialize_concerns")]
    pub concerns: Vec<Concern>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "deserialize_stamp")]
    pub location: Option<GeoStamp>,
    /// 見守り or 御用聞き; the needs heard come only with the latter.
    #[serde(default, skip_serializing_if = "CheckKind::is_watch")]
    pub kind: CheckKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "super::inquiry::deserialize_needs")]
    pub needs: Vec<NeedNote>,
}

impl NewCheck {
    /// The rule a person filling in the form meets (the server does not refuse older clients'
    /// records for it): a 気になる check names what was seen, by a chip or in the note.
    pub fn validate_form(&self) -> Result<(), ValidationError> {
        concern_is_named(self.outcome, &self.concerns, self.note.as_ref())?;
        needs_fit(self.kind, &self.needs)
    }

    /// Device clocks are wrong, but not by years: refuse times that cannot be real.
    pub fn validate_time(&self, server_now: EpochMillis) -> Result<(), ValidationError> {
        plausible_time(self.recorded_at, server_now)
    }
}

/// A device's time for a record that can be real: not before the app existed, not years ahead.
pub(super) fn plausible_time(recorded_at: EpochMillis, server_now: EpochMillis) -> Result<(), ValidationError> {
    const YEAR_MS: i64 = 366 * 24 * 60 * 60 * 1000;
    // 2020-01-01T00:00:00Z: nothing was recorded with this app before then.
    const EARLIEST: i64 = 1_577_836_800_000;
    if recorded_at < EARLIEST || recorded_at > server_now + YEAR_MS {
        return Err(ValidationError {
            code: ErrorCode::RecordedAtOutOfRange,
            detail: format!("recorded_at {recorded_at} is not a plausible time"),
        });
    }
    Ok(())
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
    #[serde(default)]
    pub method: Option<CheckMethod>,
    #[serde(default)]
    pub concerns: Vec<Concern>,
    #[serde(default)]
    pub location: Option<GeoStamp>,
    #[serde(default)]
    pub kind: CheckKind,
    #[serde(default)]
    pub needs: Vec<NeedNote>,
    pub sync: SyncState,
    /// Why the server refused it, in the server's Japanese, when `sync` is `Rejected`: what is
    /// shown when this version has no words for `rejection_code`.
    #[serde(default)]
    pub rejection: Option<String>,
    /// The server's error code for the refusal (device-side only; absent in older stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_code: Option<crate::error::ErrorCode>,
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
        assert_eq!(err.code.wire(), "note_too_long");
        assert!(err.message_ja().contains("1000文字"));
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
    fn details_are_optional_and_strict() {
        let base = r#"{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","outcome":"concern","recorded_at":1790000000000"#;
        let full = format!(
            r#"{base},"method":"outside","concerns":["snow_not_cleared","mail_piling"],"location":{{"lat":39.8,"lng":140.2,"accuracy_m":12.5}}}}"#
        );
        let c: NewCheck = serde_json::from_str(&full).unwrap();
        assert_eq!(c.method, Some(CheckMethod::Outside));
        assert_eq!(c.concerns, vec![Concern::MailPiling, Concern::SnowNotCleared], "kept in chip order");
        assert_eq!(c.location.unwrap().accuracy_m, 12.5);
        let twice = format!(r#"{base},"concerns":["forgetful","forgetful"]}}"#);
        assert!(serde_json::from_str::<NewCheck>(&twice).is_err());
        let unknown = format!(r#"{base},"concerns":["haunted"]}}"#);
        assert!(serde_json::from_str::<NewCheck>(&unknown).is_err());
        let far = format!(r#"{base},"location":{{"lat":139.8,"lng":40.2,"accuracy_m":5}}}}"#);
        assert!(serde_json::from_str::<NewCheck>(&far).is_err());
        let method = format!(r#"{base},"method":"telepathy"}}"#);
        assert!(serde_json::from_str::<NewCheck>(&method).is_err());
    }

    #[test]
    fn a_concern_names_what_was_seen() {
        let mut c: NewCheck = serde_json::from_str(
            r#"{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","outcome":"concern","recorded_at":1790000000000}"#,
        )
        .unwrap();
        assert_eq!(c.validate_form().unwrap_err().code.wire(), "concern_unnamed");
        c.concerns = vec![Concern::LightsOff];
        assert!(c.validate_form().is_ok());
        c.concerns.clear();
        c.note = CheckNote::parse("表情が暗い").unwrap();
        assert!(c.validate_form().is_ok());
        c.note = None;
        c.outcome = CheckOutcome::AllWell;
        assert!(c.validate_form().is_ok(), "only 気になる needs a reason");
    }

    #[test]
    fn concerns_round_trip_through_their_stored_form() {
        let all = Concern::ALL.to_vec();
        assert_eq!(Concern::split(&Concern::join(&all)), all);
        assert_eq!(Concern::split(""), vec![]);
        assert_eq!(Concern::split("lights_off,from_a_newer_release"), vec![Concern::LightsOff]);
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
        assert_eq!(c.validate_time(now).unwrap_err().code.wire(), "recorded_at_out_of_range");
    }
}
