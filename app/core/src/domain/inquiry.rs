//! 御用聞き: a visit that asks what the household needs. It is stored as a check of kind
//! [`CheckKind::Inquiry`] (it is also a look at the person), with the needs heard.

use super::ValidationError;
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// Which form a check was recorded on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// 見守り: a light, frequent look.
    #[default]
    Watch,
    /// 御用聞き: a visit asking what the household needs.
    Inquiry,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Watch => "watch",
            CheckKind::Inquiry => "inquiry",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [CheckKind::Watch, CheckKind::Inquiry].into_iter().find(|k| k.as_str() == s)
    }

    pub fn is_watch(&self) -> bool {
        *self == CheckKind::Watch
    }
}

/// What a household may need: the 御用聞き checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// 除雪
    SnowRemoval,
    /// 買い物
    Shopping,
    /// ごみ出し
    Garbage,
    /// 通院
    Hospital,
    /// 家事
    Housework,
    /// 介護相談
    CareConsultation,
    /// 子育て相談
    ChildRaising,
    /// 生活費・困窮
    LivingCosts,
    /// 住まい
    Housing,
    /// その他
    Other,
}

impl Need {
    pub const ALL: [Need; 10] = [
        Need::SnowRemoval,
        Need::Shopping,
        Need::Garbage,
        Need::Hospital,
        Need::Housework,
        Need::CareConsultation,
        Need::ChildRaising,
        Need::LivingCosts,
        Need::Housing,
        Need::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Need::SnowRemoval => "snow_removal",
            Need::Shopping => "shopping",
            Need::Garbage => "garbage",
            Need::Hospital => "hospital",
            Need::Housework => "housework",
            Need::CareConsultation => "care_consultation",
            Need::ChildRaising => "child_raising",
            Need::LivingCosts => "living_costs",
            Need::Housing => "housing",
            Need::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.as_str() == s)
    }
}

/// A short free text beside a need or a request: trimmed, at most 500 characters, no control
/// characters (an empty one is allowed: the need alone may say enough).
pub fn need_text(raw: &str) -> Result<String, ValidationError> {
    const MAX: usize = 500;
    let cleaned = super::text::without_invisible(raw);
    let t = cleaned.trim();
    if t.chars().count() > MAX {
        return Err(ValidationError { code: ErrorCode::NeedNoteTooLong, detail: format!("at most {MAX} characters") });
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ValidationError {
            code: ErrorCode::NeedNoteInvalidCharacters,
            detail: "control characters".into(),
        });
    }
    Ok(t.to_owned())
}

/// One need heard on a 御用聞き visit, with what was said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedNote {
    pub need: Need,
    #[serde(default)]
    pub note: String,
}

/// Reads the needs of a visit: each at most once, in checklist order, notes checked.
pub(super) fn deserialize_needs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<NeedNote>, D::Error> {
    let mut v = Vec::<NeedNote>::deserialize(d)?;
    for n in &mut v {
        n.note = need_text(&n.note).map_err(|e| serde::de::Error::custom(e.detail))?;
    }
    v.sort_by_key(|n| n.need);
    let len = v.len();
    v.dedup_by_key(|n| n.need);
    if v.len() != len {
        return Err(serde::de::Error::custom("a need is listed twice"));
    }
    Ok(v)
}

/// Needs are only heard on a 御用聞き visit, and その他 says what it is.
pub fn needs_fit(kind: CheckKind, needs: &[NeedNote]) -> Result<(), ValidationError> {
    if kind == CheckKind::Watch && !needs.is_empty() {
        return Err(ValidationError {
            code: ErrorCode::NeedsOnWatchCheck,
            detail: "needs belong to an inquiry visit".into(),
        });
    }
    if needs.iter().any(|n| n.need == Need::Other && n.note.is_empty()) {
        return Err(ValidationError {
            code: ErrorCode::OtherNeedUnnamed,
            detail: "an `other` need says what it is".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_round_trip_through_their_text_form() {
        for n in Need::ALL {
            assert_eq!(Need::parse(n.as_str()), Some(n));
            assert_eq!(serde_json::to_string(&n).unwrap(), format!("\"{}\"", n.as_str()));
        }
        assert_eq!(Need::parse("除雪"), None, "the stored form is the code, not the label");
    }

    #[test]
    fn other_needs_a_word_and_watch_checks_hear_no_needs() {
        let other = [NeedNote { need: Need::Other, note: String::new() }];
        assert_eq!(needs_fit(CheckKind::Inquiry, &other).unwrap_err().code.wire(), "other_need_unnamed");
        let snow = [NeedNote { need: Need::SnowRemoval, note: String::new() }];
        assert!(needs_fit(CheckKind::Inquiry, &snow).is_ok());
        assert_eq!(needs_fit(CheckKind::Watch, &snow).unwrap_err().code.wire(), "needs_on_watch_check");
        assert!(needs_fit(CheckKind::Inquiry, &[]).is_ok(), "a visit may find nothing needed");
    }

    #[test]
    fn need_notes_are_trimmed_and_bounded() {
        assert_eq!(need_text("  屋根の雪 ").unwrap(), "屋根の雪");
        assert_eq!(need_text(&"あ".repeat(501)).unwrap_err().code.wire(), "need_note_too_long");
        assert!(need_text(&"あ".repeat(500)).is_ok());
    }
}
