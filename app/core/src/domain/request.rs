//! 相談・依頼: a need that the network acts on. Raised on a field device (usually from a
//! 御用聞き visit), routed by a coordinator, worked by a partner or another body.

use super::inquiry::{need_text, Need};
use super::{CheckId, EpochMillis, PersonId, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// 受付
    Received,
    /// 対応中
    InProgress,
    /// 完了
    Done,
    /// 他機関へ
    Referred,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 4] =
        [RequestStatus::Received, RequestStatus::InProgress, RequestStatus::Done, RequestStatus::Referred];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Received => "received",
            RequestStatus::InProgress => "in_progress",
            RequestStatus::Done => "done",
            RequestStatus::Referred => "referred",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Still being worked on (shown as open on the person's page).
    pub fn is_open(self) -> bool {
        matches!(self, RequestStatus::Received | RequestStatus::InProgress)
    }
}

/// A request as a field device raises it. Its id is client-made: the idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    pub id: Uuid,
    pub person_id: PersonId,
    pub need: Need,
    #[serde(default)]
    pub detail: String,
    /// The person wants a partner corporation to help. Allowed only when their consent includes
    /// sharing with partners.
    #[serde(default)]
    pub to_partner: bool,
    /// The 御用聞き visit it came from, when it came from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit_id: Option<CheckId>,
    /// When the user saved it, by the device clock.
    pub raised_at: EpochMillis,
}

impl NewRequest {
    /// Trims the detail; その他 must say what it is.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.detail = need_text(&self.detail)?;
        if self.need == Need::Other && self.detail.is_empty() {
            return Err(ValidationError {
                code: ErrorCode::OtherNeedUnnamed,
                detail: "an `other` request says what it is".into(),
            });
        }
        Ok(self)
    }
}

/// Why a request cannot go to a partner: the consent does not allow it.
pub fn partner_referral_allowed(share_partners: bool) -> Result<(), ValidationError> {
    if share_partners {
        Ok(())
    } else {
        Err(ValidationError {
            code: ErrorCode::ConsentRequired,
            detail: "the person's consent does not include sharing with partners".into(),
        })
    }
}

/// A request as a field device holds it: on a person in the user's scope, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldRequest {
    pub id: String,
    pub person_id: PersonId,
    pub need: Need,
    pub detail: String,
    pub status: RequestStatus,
    pub to_partner: bool,
    /// The organisation it was referred to, by name.
    #[serde(default)]
    pub organization: Option<String>,
    pub raised_by: super::UserId,
    pub raised_by_name: String,
    pub created_at: EpochMillis,
    /// The last change of status or routing.
    pub updated_at: EpochMillis,
    /// Saved on this device and not yet sent (never from the server).
    #[serde(default)]
    pub pending: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_without_consent_to_share_cannot_go_to_a_partner() {
        assert_eq!(partner_referral_allowed(false).unwrap_err().code.wire(), "consent_required");
        assert!(partner_referral_allowed(true).is_ok());
    }

    #[test]
    fn a_new_request_is_strict_and_other_says_what() {
        let json = r#"{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","need":"other","detail":" 灯油の配達 ","raised_at":1790000000000}"#;
        let r: NewRequest = serde_json::from_str(json).unwrap();
        assert_eq!(r.clone().validate().unwrap().detail, "灯油の配達");
        assert!(!r.to_partner);
        let blank = r#"{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","need":"other","raised_at":1}"#;
        assert_eq!(
            serde_json::from_str::<NewRequest>(blank).unwrap().validate().unwrap_err().code.wire(),
            "other_need_unnamed"
        );
        assert!(serde_json::from_str::<NewRequest>(&json.replace("}", r#","status":"done"}"#)).is_err());
    }

    #[test]
    fn open_means_still_being_worked_on() {
        let open: Vec<_> = RequestStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(open, vec![RequestStatus::Received, RequestStatus::InProgress]);
    }
}
