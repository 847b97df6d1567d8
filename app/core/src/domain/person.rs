//! 見守り対象者: the people the network watches over.

use super::merge::{PersonField, Version};
use super::{ConsentScopes, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

super::text::safe_id! {
    /// A person's id: opaque text (so storage can change without touching clients), and only ever
    /// one that passed [`PersonId::parse`], so a handler, a stored row or a pushed change cannot
    /// hold an id that was never checked.
    PersonId, "person id"
}

impl PersonId {
    /// The id of a person registered on a device: `p-` and a UUID's 32 hex digits.
    pub fn registered(uuid: uuid::Uuid) -> Self {
        Self(format!("p-{}", uuid.simple()))
    }

    /// Whether this is an id a device makes for a registration ([`PersonId::registered`]); the
    /// server accepts no other in a new registration.
    pub fn is_registration_id(&self) -> bool {
        self.0.strip_prefix("p-").is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
    }
}

/// What a device holds about one person it may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub name: String,
    pub kana: String,
    pub address: String,
    pub phone: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub small_area: String,
    pub district: String,
    /// Expected days between checks; an overdue check is itself a warning sign.
    pub check_interval_days: u32,
    // Fields below arrived with sync v2; `default` keeps persons stored by older versions readable.
    #[serde(default = "household_other")]
    pub household_type: HouseholdType,
    #[serde(default)]
    pub emergency_contacts: Vec<EmergencyContact>,
    #[serde(default)]
    pub needs_evacuation_help: bool,
    #[serde(default)]
    pub notes: String,
    /// The consent in force, so the phone can say what may be shared.
    #[serde(default)]
    pub consent: ConsentScopes,
    /// Server version of the person as a whole: a device whose copy is older fetches it again.
    #[serde(default)]
    pub version: Version,
    /// Server version of each editable field: the `base` of a device's edit.
    #[serde(default)]
    pub field_versions: BTreeMap<PersonField, Version>,
    /// Fields where two people's edits disagree and a coordinator has yet to choose.
    #[serde(default)]
    pub conflicts: Vec<PersonField>,
}

fn household_other() -> HouseholdType {
    HouseholdType::Other
}

/// 世帯の状況: who lives there, which decides what help may be needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdType {
    /// 独居高齢者
    SingleElderly,
    /// 高齢者のみ世帯
    ElderlyOnly,
    /// 障害
    Disability,
    /// 子育て
    ChildRearing,
    /// その他
    Other,
}

impl HouseholdType {
    pub const ALL: [HouseholdType; 5] = [
        HouseholdType::SingleElderly,
        HouseholdType::ElderlyOnly,
        HouseholdType::Disability,
        HouseholdType::ChildRearing,
        HouseholdType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HouseholdType::SingleElderly => "single_elderly",
            HouseholdType::ElderlyOnly => "elderly_only",
            HouseholdType::Disability => "disability",
            HouseholdType::ChildRearing => "child_rearing",
            HouseholdType::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

/// Someone to call when the person cannot be reached (family, neighbour, care manager).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyContact {
    pub name: String,
    /// 続柄 or role: 長男, 隣人, ケアマネジャー…
    #[serde(default)]
    pub relation: String,
    pub phone: String,
}

/// Everything a coordinator or 民生委員 records about a person, as entered on a form or sent by
/// an API client. [`PersonFields::validate`] is the one gate both the browser and the server use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonFields {
    pub small_area_id: String,
    pub name: String,
    pub kana: String,
    pub address: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub household_type: HouseholdType,
    #[serde(default)]
    pub emergency_contacts: Vec<EmergencyContact>,
    pub check_interval_days: u32,
    #[serde(default)]
    pub needs_evacuation_help: bool,
    #[serde(default)]
    pub notes: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

pub const MAX_EMERGENCY_CONTACTS: usize = 5;

impl PersonFields {
    /// Trims and checks every field; the first problem is returned with a Japanese message
    /// naming the field, so a form can show it next to that field.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        use super::text::{is_safe_id, line, multiline, phone};
        if !is_safe_id(&self.small_area_id) {
            return Err(ValidationError { code: ErrorCode::SmallAreaNotFound, detail: "no such small area".into() });
        }
        self.name = line(&self.name, 60, true, ErrorCode::PersonName)?;
        self.kana = line(&self.kana, 60, true, ErrorCode::KanaLength)?;
        if !self.kana.chars().all(|c| matches!(c, 'ぁ'..='ゖ' | 'ァ'..='ヺ' | 'ー' | '・' | ' ' | '　')) {
            return Err(ValidationError {
                code: ErrorCode::KanaScript,
                detail: "kana must be hiragana or katakana".into(),
            });
        }
        self.address = line(&self.address, 120, true, ErrorCode::InvalidAddress)?;
        self.phone = match self.phone.as_deref() {
            None => None,
            Some(p) => phone(p, ErrorCode::InvalidPhone)?,
        };
        if !super::in_japan(self.lat, self.lng) {
            return Err(ValidationError {
                code: ErrorCode::PersonLocation,
                detail: "latitude/longitude outside Japan".into(),
            });
        }
        if !(1..=365).contains(&self.check_interval_days) {
            return Err(ValidationError {
                code: ErrorCode::InvalidCheckInterval,
                detail: "check interval must be 1–365 days".into(),
            });
        }
        self.emergency_contacts = Self::check_emergency_contacts(std::mem::take(&mut self.emergency_contacts))?;
        self.notes = multiline(&self.notes, 2000, ErrorCode::InvalidNotes)?;
        Ok(self)
    }

    /// At most [`MAX_EMERGENCY_CONTACTS`], each with a name and a phone number.
    pub fn check_emergency_contacts(
        mut contacts: Vec<EmergencyContact>,
    ) -> Result<Vec<EmergencyContact>, ValidationError> {
        use super::text::{line, phone};
        if contacts.len() > MAX_EMERGENCY_CONTACTS {
            return Err(ValidationError {
                code: ErrorCode::TooManyEmergencyContacts,
                detail: format!("at most {MAX_EMERGENCY_CONTACTS} emergency contacts"),
            });
        }
        for c in &mut contacts {
            c.name = line(&c.name, 60, true, ErrorCode::EmergencyContactName)?;
            c.relation = line(&c.relation, 30, false, ErrorCode::EmergencyContactRelation)?;
            c.phone = phone(&c.phone, ErrorCode::EmergencyContactPhone)?.ok_or(ValidationError {
                code: ErrorCode::EmergencyContactPhone,
                detail: "emergency contact needs a phone number".into(),
            })?;
        }
        Ok(contacts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> PersonFields {
        PersonFields {
            small_area_id: "sa-1".into(),
            name: " 佐藤 ハナ ".into(),
            kana: "さとう はな".into(),
            address: "秋田県雪見町本町 1-2".into(),
            phone: Some("0185-00-1111".into()),
            lat: 39.8,
            lng: 140.2,
            household_type: HouseholdType::SingleElderly,
            emergency_contacts: vec![EmergencyContact {
                name: "佐藤 一郎".into(),
                relation: "長男".into(),
                phone: "090-0000-0000".into(),
            }],
            check_interval_days: 7,
            needs_evacuation_help: true,
            notes: String::new(),
            active: true,
        }
    }

    #[test]
    fn person_fields_are_trimmed_and_checked() {
        assert_eq!(fields().validate().unwrap().name, "佐藤 ハナ");
        let bad = |f: fn(&mut PersonFields)| {
            let mut p = fields();
            f(&mut p);
            p.validate().unwrap_err().code.wire()
        };
        assert_eq!(bad(|p| p.name = "  ".into()), "invalid_name");
        assert_eq!(bad(|p| p.name = "あ".repeat(61)), "invalid_name");
        assert_eq!(bad(|p| p.kana = "sato".into()), "invalid_kana");
        assert_eq!(bad(|p| p.lat = 0.0), "invalid_location");
        assert_eq!(bad(|p| p.lng = f64::NAN), "invalid_location");
        assert_eq!(bad(|p| p.check_interval_days = 0), "invalid_check_interval");
        assert_eq!(bad(|p| p.phone = Some("<script>".into())), "invalid_phone");
        assert_eq!(bad(|p| p.small_area_id = "x' OR '1'='1".into()), "small_area_not_found");
        assert_eq!(bad(|p| p.emergency_contacts[0].phone = String::new()), "invalid_emergency_contact");
    }

    #[test]
    fn person_id_accepts_safe_ids_only() {
        assert!(PersonId::parse("p-0001").is_some());
        assert!(PersonId::parse("").is_none());
        assert!(PersonId::parse("../etc/passwd").is_none());
        assert!(PersonId::parse("1' OR '1'='1").is_none());
        assert!(PersonId::parse(&"a".repeat(65)).is_none());
    }

    #[test]
    fn a_person_id_is_parsed_when_read_too() {
        // Reading JSON (a request, a stored row, the device store) parses: a bad id never exists.
        let ok: PersonId = serde_json::from_str("\"p-0001\"").unwrap();
        assert_eq!(ok.as_str(), "p-0001");
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"p-0001\"", "written as the plain string");
        let bad = serde_json::from_str::<PersonId>("\"../etc\"").unwrap_err().to_string();
        assert!(bad.starts_with("invalid_id: "), "the code comes first, for the server to read back: {bad}");
        // A registration's id is the one shape a device makes.
        let made = PersonId::registered(uuid::Uuid::new_v4());
        assert!(made.is_registration_id());
        assert!(!ok.is_registration_id());
        assert!(!PersonId::parse("p-0123456789abcdef0123456789abcdeg").unwrap().is_registration_id());
    }
}
