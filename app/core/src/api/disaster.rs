//! The office's side of 安否確認: `POST /events` (start), `GET /events` (list), `GET /events/{id}`
//! (the board), `POST /events/{id}/areas` (merge more areas into one under way) and
//! `POST /events/{id}/close`.
//!
//! The board carries facts and the server's clock; [`BoardColour::of`] turns them into colours in
//! the browser, the same function the phone's list uses.

use crate::domain::disaster::{
    BoardColour, Confirmation, EventKind, ResponderState, SafetyStatus, DEFAULT_ALERT_HOURS, MAX_EVENT_TEXT,
};
use crate::domain::{text, EpochMillis, HouseholdType, PersonId, Role, UserId, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most small areas one event names.
pub const MAX_EVENT_AREAS: usize = 500;
/// The board refreshes itself this often (the issue asks for 15 seconds at most).
pub const BOARD_REFRESH_MS: u32 = 10_000;

/// `POST /events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    pub name: String,
    pub kind: EventKind,
    pub small_area_ids: Vec<String>,
    #[serde(default)]
    pub drill: bool,
    /// Hours after the start when an unconfirmed person turns red.
    #[serde(default = "default_alert_hours")]
    pub alert_hours: u32,
    /// Admins only: include 要援護 persons who did not agree to `share_disaster`, for this reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widen_reason: Option<String>,
}

fn default_alert_hours() -> u32 {
    DEFAULT_ALERT_HOURS
}

impl NewEvent {
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::line(&self.name, MAX_EVENT_TEXT, true, ErrorCode::InvalidEvent)?;
        self.small_area_ids.sort();
        self.small_area_ids.dedup();
        if self.small_area_ids.is_empty() || self.small_area_ids.len() > MAX_EVENT_AREAS {
            return Err(ValidationError { code: ErrorCode::InvalidEvent, detail: "1 to 500 small areas".into() });
        }
        if !(1..=168).contains(&self.alert_hours) {
            return Err(ValidationError { code: ErrorCode::InvalidEvent, detail: "alert_hours is 1 to 168".into() });
        }
        if let Some(reason) = self.widen_reason.take() {
            let reason = text::line(&reason, MAX_EVENT_TEXT, true, ErrorCode::WidenReasonRequired)?;
            self.widen_reason = Some(reason);
        }
        Ok(self)
    }
}

/// `POST /events/{id}/areas`: more small areas for an event under way (the answer to
/// [`ErrorCode::EventOverlap`]: one list, never two).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddAreas {
    pub small_area_ids: Vec<String>,
}

/// `POST /events/{id}/checkers`: hand persons to a field user for the event — the ones named, or
/// the whole list of `from` (a field user who cannot act).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandOver {
    pub to: UserId,
    #[serde(default)]
    pub person_ids: Vec<PersonId>,
    #[serde(default)]
    pub from: Option<UserId>,
}

impl HandOver {
    /// Persons named, or a list to take over: exactly one of the two.
    pub fn validate(self) -> Result<Self, ValidationError> {
        let named = !self.person_ids.is_empty();
        if named == self.from.is_some() || self.person_ids.len() > MAX_HAND_OVER {
            return Err(ValidationError {
                code: ErrorCode::InvalidEvent,
                detail: format!("name 1 to {MAX_HAND_OVER} persons, or the user whose list to take over"),
            });
        }
        Ok(self)
    }
}

/// Most persons one hand-over names.
pub const MAX_HAND_OVER: usize = 500;

/// What a hand-over did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedOver {
    pub persons: u32,
}

/// One small area of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventArea {
    pub id: String,
    pub name: String,
    pub district: String,
}

/// An event in the office's list and at the head of its board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSummary {
    pub id: String,
    pub name: String,
    pub kind: EventKind,
    pub drill: bool,
    pub widened_reason: Option<String>,
    pub alert_hours: u32,
    pub started_at: EpochMillis,
    pub started_by: String,
    pub closed_at: Option<EpochMillis>,
    /// The event's small areas in the user's districts.
    pub areas: Vec<EventArea>,
    /// Persons on the list in the user's districts, and how many have any confirmation.
    pub persons: u32,
    pub confirmed: u32,
}

/// Counts per status of one small area (or the whole event).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub persons: u32,
    /// Nobody has confirmed them yet.
    pub unconfirmed: u32,
    /// By the newest confirmation of each person.
    pub by_status: BTreeMap<SafetyStatus, u32>,
}

impl Tally {
    pub fn add(&mut self, latest: Option<SafetyStatus>) {
        self.persons += 1;
        match latest {
            Some(s) => *self.by_status.entry(s).or_default() += 1,
            None => self.unconfirmed += 1,
        }
    }

    pub fn count(&self, status: SafetyStatus) -> u32 {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
}

/// One person on the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardPerson {
    pub id: PersonId,
    pub name: String,
    #[serde(default)]
    pub kana: String,
    pub address: String,
    pub phone: Option<String>,
    pub small_area_id: String,
    pub household_type: HouseholdType,
    /// `None` when the stored place is not in Japan: listed, not drawn.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    /// The newest confirmation (the person's status), and how many there are in all.
    pub latest: Option<Confirmation>,
    pub confirmations: u32,
    /// Shown only because an admin widened the event (no `share_disaster` consent).
    pub widened: bool,
    /// The checker the office handed them to for this event, by name.
    #[serde(default)]
    pub handed_to: Option<String>,
}

impl BoardPerson {
    pub fn colour(&self, event: &EventSummary, now: EpochMillis) -> BoardColour {
        BoardColour::of(self.latest.as_ref().map(|c| c.status), event.started_at, event.alert_hours, now)
    }

    /// Who to look for first among the unconfirmed: those living alone, then elderly households,
    /// then disability, then the rest.
    pub fn risk_rank(&self) -> u8 {
        match self.household_type {
            HouseholdType::SingleElderly => 0,
            HouseholdType::ElderlyOnly => 1,
            HouseholdType::Disability => 2,
            HouseholdType::ChildRearing | HouseholdType::Other => 3,
        }
    }
}

/// A field user's own state in the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponderReport {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub state: ResponderState,
    pub at: EpochMillis,
}

/// `GET /events/{id}`: the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventBoard {
    pub event: EventSummary,
    pub server_time: EpochMillis,
    /// Per small area, in the order of [`EventSummary::areas`].
    pub tallies: Vec<(String, Tally)>,
    pub total: Tally,
    /// Everyone on the list: unconfirmed first by risk, then by small area and name.
    pub persons: Vec<BoardPerson>,
    pub responders: Vec<ResponderReport>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(areas: &[&str]) -> NewEvent {
        NewEvent {
            name: " 大雨 ".into(),
            kind: EventKind::Flood,
            small_area_ids: areas.iter().map(|s| s.to_string()).collect(),
            drill: false,
            alert_hours: 6,
            widen_reason: None,
        }
    }

    #[test]
    fn an_event_is_named_and_covers_some_areas() {
        let e = event(&["sa-2", "sa-1", "sa-2"]).validate().unwrap();
        assert_eq!((e.name.as_str(), e.small_area_ids.len()), ("大雨", 2));
        assert_eq!(event(&[]).validate().unwrap_err().code, ErrorCode::InvalidEvent);
        let mut e = event(&["sa-1"]);
        e.name = "  ".into();
        assert_eq!(e.validate().unwrap_err().code, ErrorCode::InvalidEvent);
        let mut e = event(&["sa-1"]);
        e.widen_reason = Some(" ".into());
        assert_eq!(e.validate().unwrap_err().code, ErrorCode::WidenReasonRequired, "widening says why");
        let json = r#"{"name":"地震","kind":"earthquake","small_area_ids":["sa-1"]}"#;
        assert_eq!(serde_json::from_str::<NewEvent>(json).unwrap().alert_hours, DEFAULT_ALERT_HOURS);
    }
}
