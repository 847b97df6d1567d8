//! Wire types of 要対応 (follow-up cases) for the office: the queue, one case with its timeline,
//! and what the office may change. The rules are in [`crate::domain::case`].

use super::admin::UserBrief;
use crate::domain::{CaseStatus, CheckOutcome, Concern, EpochMillis, Need, PersonId, RequestStatus};
use serde::{Deserialize, Serialize};

/// One line of the queue: enough to decide what to open first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    pub id: String,
    pub person_id: PersonId,
    pub person_name: String,
    pub small_area: String,
    pub district: String,
    pub status: CaseStatus,
    /// A 緊急 is among its signals.
    pub urgent: bool,
    /// When its first signal reached the server.
    pub opened_at: EpochMillis,
    /// The earliest signal not yet acknowledged reached the server then (`None`: all acknowledged).
    pub awaiting_since: Option<EpochMillis>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<EpochMillis>,
    pub owner: Option<UserBrief>,
    /// The partner organisation that carries it instead (a request of the case was referred to
    /// it). At most one of `owner` and this is set.
    #[serde(default)]
    pub owner_organization: Option<PartnerOwner>,
    /// `YYYY-MM-DD`.
    pub next_action_on: Option<String>,
    /// How many checks and requests it gathers.
    pub signals: u32,
    /// The newest signal, in brief.
    pub last_signal: Option<CaseSignal>,
    pub updated_at: EpochMillis,
}

impl CaseSummary {
    /// Who carries the case, by name: a user or a partner organisation.
    pub fn owner_name(&self) -> Option<&str> {
        self.owner
            .as_ref()
            .map(|u| u.display_name.as_str())
            .or(self.owner_organization.as_ref().map(|o| o.name.as_str()))
    }
}

/// A partner organisation that may carry a case: one a request of the case was referred to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerOwner {
    pub id: String,
    pub name: String,
}

/// The queue, with the server's clock so that lateness is judged by it, not by the office PC's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseList {
    pub server_time: EpochMillis,
    pub cases: Vec<CaseSummary>,
}

/// A check or request gathered in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseSignal {
    Check {
        id: String,
        outcome: CheckOutcome,
        #[serde(default)]
        concerns: Vec<Concern>,
        #[serde(default)]
        note: Option<String>,
        by: String,
        /// When it was made (server-corrected).
        recorded_at: EpochMillis,
    },
    Request {
        id: String,
        need: Need,
        #[serde(default)]
        detail: String,
        by: String,
        /// Where the request stands now, and the partner organisation it was referred to:
        /// the partner's progress, seen from the case.
        #[serde(default)]
        status: Option<RequestStatus>,
        #[serde(default)]
        referred_to: Option<String>,
    },
    /// A 安否確認 confirmation of 要支援 or 要救助.
    Safety {
        id: String,
        status: crate::domain::disaster::SafetyStatus,
        #[serde(default)]
        needs: Vec<crate::domain::disaster::SupportNeed>,
        #[serde(default)]
        note: Option<String>,
        by: String,
        recorded_at: EpochMillis,
    },
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// Server time.
    pub at: EpochMillis,
    /// Who: the signal's author or the office user.
    pub by: String,
    pub what: CaseEventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseEventKind {
    /// A check or request opened or joined the case.
    Signal { signal: CaseSignal },
    /// 確認しました.
    Acknowledged,
    /// An office change; only what changed is set.
    Update {
        #[serde(default)]
        status: Option<CaseStatus>,
        #[serde(default)]
        owner: Option<String>,
        /// The owner named is a partner organisation (a referral), not a user.
        #[serde(default)]
        owner_is_partner: bool,
        #[serde(default)]
        next_action_on: Option<String>,
        #[serde(default)]
        note: String,
        #[serde(default)]
        shared_note: Option<String>,
    },
}

/// One case, whole, for the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetail {
    pub summary: CaseSummary,
    pub person_address: String,
    pub person_phone: Option<String>,
    /// The word shared with the field, if any.
    pub shared_note: Option<String>,
    /// Oldest first.
    pub events: Vec<CaseEvent>,
    /// Who may own it: the office staff of the person's district and the 民生委員 of their area.
    pub owners: Vec<UserBrief>,
    /// And the partner organisations its requests were referred to (when the person's consent
    /// allows sharing with partners).
    #[serde(default)]
    pub partner_owners: Vec<PartnerOwner>,
    pub server_time: EpochMillis,
}
