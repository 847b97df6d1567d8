//! 個別ケース検討会 (the monthly case conference): the coordinator picks open cases for a meeting
//! date; the agenda gives per person what the participants may see, the recent signals and what
//! was done; decisions entered after the meeting become case updates with owners and dates.
//!
//! Why the audience is part of the agenda: partner organisations' staff attend the meeting, and a
//! person who has not agreed to `share_partners` must not be named to them, on screen or on paper.
//! The server decides what an agenda for partners leaves out ([`Audience::Partners`]); the screen
//! only shows what it got.

use super::admin::UserBrief;
use super::cases::{CaseEvent, CaseSignal};
use crate::domain::{text, CalendarDate, CaseStatus, CaseUpdate, EpochMillis, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// Most cases one meeting takes up.
pub const MAX_MEETING_CASES: usize = 50;
/// Longest name of a meeting.
pub const MAX_MEETING_TITLE: usize = 60;
/// How many of a case's newest signals the agenda lists.
pub const AGENDA_SIGNALS: usize = 5;

/// A meeting to set up: its date, an optional name, the cases to take up in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    pub held_on: CalendarDate,
    #[serde(default)]
    pub title: String,
    pub case_ids: Vec<String>,
}

impl NewMeeting {
    /// One line of at most 60 characters for the name; 1 to 50 cases, each once (a repeat is
    /// dropped, keeping the first place). Whether the cases are open and the user's is the
    /// server's to check.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.title = text::line(&self.title, MAX_MEETING_TITLE, false, ErrorCode::InvalidMeetingTitle)?;
        let mut seen = std::collections::HashSet::new();
        self.case_ids.retain(|id| seen.insert(id.clone()));
        if self.case_ids.is_empty() || self.case_ids.len() > MAX_MEETING_CASES {
            return Err(ValidationError {
                code: ErrorCode::InvalidMeeting,
                detail: format!("1 to {MAX_MEETING_CASES} cases"),
            });
        }
        Ok(self)
    }
}

/// A meeting in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSummary {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub title: String,
    /// Cases on its agenda that the asking user may see.
    pub cases: u32,
    /// Of those, how many have their decision entered.
    pub decided: u32,
    pub created_by: String,
    pub created_at: EpochMillis,
}

/// Who the agenda is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// 社協 and municipal staff only: every person named.
    Office,
    /// Partner organisations' staff attend: persons without `share_partners` are not named, and
    /// the free text about them (notes, request details) is left out.
    Partners,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Office => "office",
            Audience::Partners => "partners",
        }
    }
}

/// Who the person is, when the audience may know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaPerson {
    pub id: String,
    pub name: String,
    pub address: String,
    pub small_area: String,
}

/// One case on the agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// Its place on the agenda, from 1: how a withheld person is referred to in the room.
    pub number: u32,
    pub case_id: String,
    /// `None`: partner staff attend and the person has not agreed to share with them.
    pub person: Option<AgendaPerson>,
    pub district: String,
    pub status: CaseStatus,
    pub urgent: bool,
    pub opened_at: EpochMillis,
    pub owner: Option<String>,
    pub next_action_on: Option<String>,
    /// The newest signals, newest first.
    pub signals: Vec<CaseSignal>,
    /// What was done: acknowledgements and the office's changes, oldest first.
    pub actions: Vec<CaseEvent>,
    /// Who may own it (for the decision form; office agenda only).
    pub owners: Vec<UserBrief>,
    /// And the partner organisations its requests were referred to (office agenda only).
    #[serde(default)]
    pub partner_owners: Vec<super::cases::PartnerOwner>,
    /// When the meeting's decision on it was entered.
    pub decided_at: Option<EpochMillis>,
}

/// A meeting's agenda for one audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agenda {
    pub meeting: MeetingSummary,
    pub audience: Audience,
    pub items: Vec<AgendaItem>,
    /// How many persons the agenda does not name.
    pub withheld: u32,
}

/// A decision on one case: becomes the case's update (status, owner, next date, note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub case_id: String,
    pub update: CaseUpdate,
}

/// What became of one decision: stored, or refused with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionOutcome {
    pub case_id: String,
    /// `None`: stored as the case's update.
    pub error: Option<ErrorCode>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(title: &str, ids: &[&str]) -> NewMeeting {
        NewMeeting {
            held_on: CalendarDate::parse("2026-12-10").unwrap(),
            title: title.into(),
            case_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn a_meeting_takes_up_one_to_fifty_cases_each_once() {
        let m = meeting(" 12月 個別ケース検討会 ", &["c-1", "c-2", "c-1"]).validate().unwrap();
        assert_eq!(m.title, "12月 個別ケース検討会");
        assert_eq!(m.case_ids, ["c-1", "c-2"], "a repeat is dropped, the first place kept");
        assert_eq!(meeting("", &[]).validate().unwrap_err().code, ErrorCode::InvalidMeeting);
        let many: Vec<String> = (0..51).map(|i| format!("c-{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(meeting("", &many).validate().unwrap_err().code, ErrorCode::InvalidMeeting);
        let long = "検".repeat(61);
        assert_eq!(meeting(&long, &["c-1"]).validate().unwrap_err().code, ErrorCode::InvalidMeetingTitle);
        assert_eq!(meeting("一行目\n二行目", &["c-1"]).validate().unwrap_err().code, ErrorCode::InvalidMeetingTitle);
    }
}
