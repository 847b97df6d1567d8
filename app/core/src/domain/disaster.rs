//! 災害時の安否確認: an event over some small areas, each field user's own state, and one
//! confirmation per look at a person on the event's list.
//!
//! Why in the core: the phone records a confirmation offline and the server stores it, and both
//! must agree on what a valid one is (where an evacuee went, what a person needs) and on how the
//! board colours a person ([`BoardColour::of`]), so the phone's list and the office's map match.
//! Confirmations are append-only like checks: two people confirming the same person are both kept,
//! and the newest is what the person's status shows.

use super::check::{CheckNote, GeoStamp};
use super::{EpochMillis, PersonId, UserId, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A closed list of codes: `ALL`, `as_str` (storage and CSS) and `parse`.
macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

codes! {
    /// What struck.
    EventKind {
        /// 地震
        Earthquake = "earthquake",
        /// 大雨・洪水
        Flood = "flood",
        /// 大雪
        Snow = "snow",
        /// その他
        Other = "other",
    }
}

codes! {
    /// What a checker found. Offered in this order, the safe answers first: most are.
    SafetyStatus {
        /// 無事・在宅
        SafeHome = "safe_home",
        /// 無事・避難済 (where: [`Shelter`])
        SafeEvacuated = "safe_evacuated",
        /// 要支援 (what: [`SupportNeed`]); opens a 要対応 case
        NeedsSupport = "needs_support",
        /// 要救助: the phone shows 119 first; opens an urgent case
        NeedsRescue = "needs_rescue",
        /// 不在・連絡不可: stays on the list for a later round
        Unreachable = "unreachable",
        /// 入院・施設
        Hospital = "hospital",
    }
}

impl SafetyStatus {
    /// Whether the person is known to be safe (the board's green).
    pub fn is_safe(self) -> bool {
        matches!(self, SafetyStatus::SafeHome | SafetyStatus::SafeEvacuated | SafetyStatus::Hospital)
    }

    /// Whether the person stays on the checker's list for another round.
    pub fn needs_another_look(self) -> bool {
        self == SafetyStatus::Unreachable
    }

    /// Whether it opens (or joins) the person's 要対応 case, and whether urgently.
    pub fn signal(self) -> Option<bool> {
        match self {
            SafetyStatus::NeedsSupport => Some(false),
            SafetyStatus::NeedsRescue => Some(true),
            _ => None,
        }
    }
}

codes! {
    /// Where an evacuated person went.
    Shelter {
        /// 指定避難所 (its name in `shelter_name`)
        Designated = "designated",
        /// 福祉避難所
        Welfare = "welfare",
        /// 親族宅
        Relatives = "relatives",
        /// その他
        Other = "other",
    }
}

codes! {
    /// What a person who needs support needs (chips).
    SupportNeed {
        /// けが
        Injury = "injury",
        /// 体調
        Health = "health",
        /// 薬
        Medicine = "medicine",
        /// 介護
        Care = "care",
        /// 物資
        Supplies = "supplies",
    }
}

codes! {
    /// A field user's own state, recorded before they check anyone (the national 民生委員
    /// guidance: the helper's own safety first).
    ResponderState {
        /// 無事・活動できる
        Safe = "safe",
        /// 支援が必要
        NeedsHelp = "needs_help",
        /// 活動できない: the coordinator hands their list to someone else
        CannotAct = "cannot_act",
    }
}

/// Longest name of a shelter, in characters.
pub const MAX_SHELTER_NAME: usize = 60;
/// Longest event name and widening reason, in characters.
pub const MAX_EVENT_TEXT: usize = 200;
/// The board marks a person red when still unconfirmed (or unreachable) this long after the
/// event began, unless the event says otherwise.
pub const DEFAULT_ALERT_HOURS: u32 = 6;

/// One look at one person during an event, as the phone makes and pushes it. Its id is the
/// idempotency key: a retried push stores it once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewConfirmation {
    pub id: Uuid,
    pub event_id: String,
    pub person_id: PersonId,
    pub status: SafetyStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shelter: Option<Shelter>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shelter_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<SupportNeed>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::check::deserialize_note")]
    pub note: Option<CheckNote>,
    /// When it was saved, by the device clock (the server corrects it as for checks).
    pub recorded_at: EpochMillis,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "super::check::deserialize_stamp")]
    pub location: Option<GeoStamp>,
}

impl NewConfirmation {
    /// The form's rules, which the server holds too: an evacuee's shelter is named (and a 指定避難所
    /// by its name), only an evacuee has one; support names what is needed (a chip or the note),
    /// and only support has chips.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        let bad = |detail: &str| ValidationError { code: ErrorCode::InvalidConfirmation, detail: detail.into() };
        self.shelter_name = super::text::line(&self.shelter_name, MAX_SHELTER_NAME, false, ErrorCode::ShelterName)?;
        let evacuated = self.status == SafetyStatus::SafeEvacuated;
        match (evacuated, self.shelter) {
            (true, None) => return Err(ValidationError { code: ErrorCode::ShelterMissing, detail: "where to".into() }),
            (true, Some(Shelter::Designated)) if self.shelter_name.is_empty() => {
                return Err(ValidationError { code: ErrorCode::ShelterName, detail: "which 指定避難所".into() })
            }
            (false, Some(_)) => return Err(bad("only an evacuee has a shelter")),
            _ => {}
        }
        if !evacuated && !self.shelter_name.is_empty() {
            return Err(bad("only an evacuee has a shelter"));
        }
        let mut needs = self.needs.clone();
        needs.sort();
        needs.dedup();
        if needs.len() != self.needs.len() {
            return Err(bad("a need is listed twice"));
        }
        match self.status {
            SafetyStatus::NeedsSupport if self.needs.is_empty() && self.note.is_none() => {
                return Err(ValidationError { code: ErrorCode::SupportUnnamed, detail: "what is needed".into() })
            }
            SafetyStatus::NeedsSupport => {}
            _ if !self.needs.is_empty() => return Err(bad("only 要支援 names needs")),
            _ => {}
        }
        self.needs = needs;
        Ok(self)
    }

    /// Device clocks are wrong, but not by years (the same bounds as a check's).
    pub fn validate_time(&self, server_now: EpochMillis) -> Result<(), ValidationError> {
        super::check::plausible_time(self.recorded_at, server_now)
    }
}

/// A confirmation as stored, on the phone and on the office's board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    pub id: String,
    pub event_id: String,
    pub person_id: PersonId,
    pub status: SafetyStatus,
    #[serde(default)]
    pub shelter: Option<Shelter>,
    #[serde(default)]
    pub shelter_name: String,
    #[serde(default)]
    pub needs: Vec<SupportNeed>,
    #[serde(default)]
    pub note: Option<String>,
    /// When it was made (server-corrected).
    pub recorded_at: EpochMillis,
    pub by: UserId,
    pub by_name: String,
    /// It reached the server after the event closed: kept, and shown as late.
    #[serde(default)]
    pub late: bool,
    /// Made on this phone and not sent yet (device only).
    #[serde(default)]
    pub pending: bool,
    /// Where the checker stood when saving it, if they chose to record it (この場所を記録).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<GeoStamp>,
}

impl Confirmation {
    /// What a phone shows at once for a confirmation it has just saved.
    pub fn made_here(c: &NewConfirmation, by: &UserId, by_name: &str) -> Self {
        Confirmation {
            id: c.id.to_string(),
            event_id: c.event_id.clone(),
            person_id: c.person_id.clone(),
            status: c.status,
            shelter: c.shelter,
            shelter_name: c.shelter_name.clone(),
            needs: c.needs.clone(),
            note: c.note.as_ref().map(|n| n.as_str().to_owned()),
            recorded_at: c.recorded_at,
            by: by.clone(),
            by_name: by_name.to_owned(),
            late: false,
            pending: true,
            location: c.location,
        }
    }

    /// The newest of several (the person's status); ties go to the later id, so every screen picks
    /// the same one.
    pub fn newest<'a>(all: impl IntoIterator<Item = &'a Confirmation>) -> Option<&'a Confirmation> {
        all.into_iter().max_by(|a, b| a.recorded_at.cmp(&b.recorded_at).then_with(|| a.id.cmp(&b.id)))
    }
}

/// How the board and the phone's list colour a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BoardColour {
    /// 要救助, or still unconfirmed or unreachable after the event's alert hours.
    Red,
    /// 要支援.
    Yellow,
    /// Not confirmed yet (or unreachable), within the alert hours.
    Grey,
    /// Confirmed safe (at home, evacuated, in hospital or a facility).
    Green,
}

impl BoardColour {
    pub const ALL: [BoardColour; 4] = [BoardColour::Red, BoardColour::Yellow, BoardColour::Grey, BoardColour::Green];

    /// The colour of a person whose newest confirmation is `latest`, at `now`, in an event that
    /// began at `started_at` and alerts after `alert_hours`.
    pub fn of(latest: Option<SafetyStatus>, started_at: EpochMillis, alert_hours: u32, now: EpochMillis) -> Self {
        let overdue = now.saturating_sub(started_at) >= i64::from(alert_hours) * 3_600_000;
        match latest {
            Some(SafetyStatus::NeedsRescue) => BoardColour::Red,
            Some(SafetyStatus::NeedsSupport) => BoardColour::Yellow,
            Some(s) if s.is_safe() => BoardColour::Green,
            _ if overdue => BoardColour::Red,
            _ => BoardColour::Grey,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BoardColour::Red => "red",
            BoardColour::Yellow => "yellow",
            BoardColour::Grey => "grey",
            BoardColour::Green => "green",
        }
    }
}

/// An event as a field phone holds it: what it is, who is on this user's list, what is known of
/// them, and the user's own state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEvent {
    pub id: String,
    pub name: String,
    pub kind: EventKind,
    /// 訓練: kept apart from real events in every report, and said so on every screen.
    pub drill: bool,
    /// An admin widened the list to persons who did not agree to `share_disaster` (life at risk:
    /// 災害対策基本法): shown on every screen of the event, with the reason.
    #[serde(default)]
    pub widened_reason: Option<String>,
    pub started_at: EpochMillis,
    pub alert_hours: u32,
    /// The persons on this user's list, 要援護 in the event's areas.
    pub persons: Vec<PersonId>,
    /// Those of them the user holds only because of the event: they leave the phone when it closes.
    #[serde(default)]
    pub extra: Vec<PersonId>,
    /// Every confirmation on those persons so far, oldest first.
    #[serde(default)]
    pub confirmations: Vec<Confirmation>,
    /// What this user last said of themselves, if anything.
    #[serde(default)]
    pub my_state: Option<ResponderState>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confirmation(status: SafetyStatus) -> NewConfirmation {
        NewConfirmation {
            id: Uuid::nil(),
            event_id: "ev-1".into(),
            person_id: PersonId::parse("p-1").unwrap(),
            status,
            shelter: None,
            shelter_name: String::new(),
            needs: Vec::new(),
            note: None,
            recorded_at: 1_790_000_000_000,
            location: None,
        }
    }

    #[test]
    fn an_evacuee_says_where_and_only_an_evacuee_does() {
        let err = |c: NewConfirmation| c.validate().unwrap_err().code;
        assert_eq!(err(confirmation(SafetyStatus::SafeEvacuated)), ErrorCode::ShelterMissing);
        let mut c = confirmation(SafetyStatus::SafeEvacuated);
        c.shelter = Some(Shelter::Designated);
        assert_eq!(err(c.clone()), ErrorCode::ShelterName, "a 指定避難所 is named");
        c.shelter_name = "  本町小学校 ".into();
        assert_eq!(c.validate().unwrap().shelter_name, "本町小学校");
        let mut c = confirmation(SafetyStatus::SafeEvacuated);
        c.shelter = Some(Shelter::Relatives);
        assert!(c.validate().is_ok());
        let mut c = confirmation(SafetyStatus::SafeHome);
        c.shelter = Some(Shelter::Welfare);
        assert_eq!(err(c), ErrorCode::InvalidConfirmation);
    }

    #[test]
    fn support_names_what_is_needed() {
        let err = |c: NewConfirmation| c.validate().unwrap_err().code;
        assert_eq!(err(confirmation(SafetyStatus::NeedsSupport)), ErrorCode::SupportUnnamed);
        let mut c = confirmation(SafetyStatus::NeedsSupport);
        c.needs = vec![SupportNeed::Supplies, SupportNeed::Medicine];
        assert_eq!(c.validate().unwrap().needs, vec![SupportNeed::Medicine, SupportNeed::Supplies]);
        let mut c = confirmation(SafetyStatus::NeedsSupport);
        c.needs = vec![SupportNeed::Care, SupportNeed::Care];
        assert_eq!(err(c), ErrorCode::InvalidConfirmation);
        let mut c = confirmation(SafetyStatus::NeedsSupport);
        c.note = CheckNote::parse("水が足りない").unwrap();
        assert!(c.validate().is_ok(), "the note may say it");
        let mut c = confirmation(SafetyStatus::SafeHome);
        c.needs = vec![SupportNeed::Care];
        assert_eq!(err(c), ErrorCode::InvalidConfirmation);
    }

    #[test]
    fn the_board_colours_rescue_support_safe_and_overdue() {
        let start = 1_790_000_000_000;
        let hour = 3_600_000;
        let at = |h: i64| start + h * hour;
        assert_eq!(BoardColour::of(None, start, 6, at(1)), BoardColour::Grey);
        assert_eq!(BoardColour::of(None, start, 6, at(6)), BoardColour::Red, "unconfirmed after the alert hours");
        assert_eq!(BoardColour::of(Some(SafetyStatus::Unreachable), start, 6, at(7)), BoardColour::Red);
        assert_eq!(BoardColour::of(Some(SafetyStatus::Unreachable), start, 6, at(2)), BoardColour::Grey);
        assert_eq!(BoardColour::of(Some(SafetyStatus::NeedsRescue), start, 6, at(0)), BoardColour::Red);
        assert_eq!(BoardColour::of(Some(SafetyStatus::NeedsSupport), start, 6, at(9)), BoardColour::Yellow);
        for s in [SafetyStatus::SafeHome, SafetyStatus::SafeEvacuated, SafetyStatus::Hospital] {
            assert_eq!(BoardColour::of(Some(s), start, 6, at(9)), BoardColour::Green);
        }
    }

    #[test]
    fn the_newest_confirmation_is_the_status_and_ties_break_alike_everywhere() {
        let by = UserId::parse("u-1").unwrap();
        let mut a = Confirmation::made_here(&confirmation(SafetyStatus::Unreachable), &by, "a");
        let mut b = Confirmation::made_here(&confirmation(SafetyStatus::SafeHome), &by, "b");
        a.id = "1".into();
        b.id = "2".into();
        assert_eq!(Confirmation::newest([&a, &b]).unwrap().status, SafetyStatus::SafeHome);
        assert_eq!(Confirmation::newest([&b, &a]).unwrap().status, SafetyStatus::SafeHome);
        a.recorded_at += 1;
        assert_eq!(Confirmation::newest([&a, &b]).unwrap().status, SafetyStatus::Unreachable);
    }

    #[test]
    fn codes_round_trip() {
        for s in SafetyStatus::ALL {
            assert_eq!(SafetyStatus::parse(s.as_str()), Some(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        assert_eq!(EventKind::parse("tsunami"), None);
    }
}
