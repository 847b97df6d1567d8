//! Per-field merge of person edits made offline by several people.
//!
//! Every editable field carries the server version of its last write and the device that wrote
//! it. A device sends each edit with the version it last saw (`base`). The server then decides
//! with [`merge`]: the same value is never a conflict; an edit by someone who saw the latest
//! write (or who made it) is applied; anything else keeps the current value and files the other
//! one as a [`Merge::Conflict`] for a coordinator to settle. No value is ever silently dropped.
//! The design note is in ARCHITECTURE.md ("How sync works").

use super::{EmergencyContact, HouseholdType, Person, ValidationError};
use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};

/// A server change number. Versions only grow; 0 means "never written since versions began".
pub type Version = i64;

/// The person fields field users may change from a phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonField {
    Phone,
    Address,
    Notes,
    EmergencyContacts,
    NeedsEvacuationHelp,
    HouseholdType,
    CheckIntervalDays,
}

impl PersonField {
    pub const ALL: [PersonField; 7] = [
        PersonField::Phone,
        PersonField::Address,
        PersonField::Notes,
        PersonField::EmergencyContacts,
        PersonField::NeedsEvacuationHelp,
        PersonField::HouseholdType,
        PersonField::CheckIntervalDays,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonField::Phone => "phone",
            PersonField::Address => "address",
            PersonField::Notes => "notes",
            PersonField::EmergencyContacts => "emergency_contacts",
            PersonField::NeedsEvacuationHelp => "needs_evacuation_help",
            PersonField::HouseholdType => "household_type",
            PersonField::CheckIntervalDays => "check_interval_days",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A new value for one field. The tag names the field, so a value can never land in the
/// wrong column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldValue {
    Phone(Option<String>),
    Address(String),
    Notes(String),
    EmergencyContacts(Vec<EmergencyContact>),
    NeedsEvacuationHelp(bool),
    HouseholdType(HouseholdType),
    CheckIntervalDays(u32),
}

impl FieldValue {
    pub fn field(&self) -> PersonField {
        match self {
            FieldValue::Phone(_) => PersonField::Phone,
            FieldValue::Address(_) => PersonField::Address,
            FieldValue::Notes(_) => PersonField::Notes,
            FieldValue::EmergencyContacts(_) => PersonField::EmergencyContacts,
            FieldValue::NeedsEvacuationHelp(_) => PersonField::NeedsEvacuationHelp,
            FieldValue::HouseholdType(_) => PersonField::HouseholdType,
            FieldValue::CheckIntervalDays(_) => PersonField::CheckIntervalDays,
        }
    }

    /// The same rules as the registration form ([`super::PersonFields::validate`]).
    pub fn validate(self) -> Result<Self, ValidationError> {
        use super::text::{line, multiline, phone};
        Ok(match self {
            FieldValue::Phone(p) => FieldValue::Phone(match p.as_deref() {
                None => None,
                Some(p) => phone(p, ErrorCode::InvalidPhone)?,
            }),
            FieldValue::Address(a) => FieldValue::Address(line(&a, 120, true, ErrorCode::InvalidAddress)?),
            FieldValue::Notes(n) => FieldValue::Notes(multiline(&n, 2000, ErrorCode::InvalidNotes)?),
            FieldValue::EmergencyContacts(c) => {
                let checked = super::PersonFields::check_emergency_contacts(c)?;
                FieldValue::EmergencyContacts(checked)
            }
            FieldValue::CheckIntervalDays(d) if !(1..=365).contains(&d) => {
                return Err(ValidationError {
                    code: ErrorCode::InvalidCheckInterval,
                    detail: "check interval must be 1–365 days".into(),
                })
            }
            other => other,
        })
    }

    /// The value a device holds for `field`.
    pub fn of(person: &Person, field: PersonField) -> Self {
        match field {
            PersonField::Phone => FieldValue::Phone(person.phone.clone()),
            PersonField::Address => FieldValue::Address(person.address.clone()),
            PersonField::Notes => FieldValue::Notes(person.notes.clone()),
            PersonField::EmergencyContacts => FieldValue::EmergencyContacts(person.emergency_contacts.clone()),
            PersonField::NeedsEvacuationHelp => FieldValue::NeedsEvacuationHelp(person.needs_evacuation_help),
            PersonField::HouseholdType => FieldValue::HouseholdType(person.household_type),
            PersonField::CheckIntervalDays => FieldValue::CheckIntervalDays(person.check_interval_days),
        }
    }

    /// The value a person record (server or form) holds for `field`.
    pub fn of_fields(f: &super::PersonFields, field: PersonField) -> Self {
        match field {
            PersonField::Phone => FieldValue::Phone(f.phone.clone()),
            PersonField::Address => FieldValue::Address(f.address.clone()),
            PersonField::Notes => FieldValue::Notes(f.notes.clone()),
            PersonField::EmergencyContacts => FieldValue::EmergencyContacts(f.emergency_contacts.clone()),
            PersonField::NeedsEvacuationHelp => FieldValue::NeedsEvacuationHelp(f.needs_evacuation_help),
            PersonField::HouseholdType => FieldValue::HouseholdType(f.household_type),
            PersonField::CheckIntervalDays => FieldValue::CheckIntervalDays(f.check_interval_days),
        }
    }

    /// Writes this value into a device's copy of the person.
    pub fn apply_to(&self, person: &mut Person) {
        match self.clone() {
            FieldValue::Phone(v) => person.phone = v,
            FieldValue::Address(v) => person.address = v,
            FieldValue::Notes(v) => person.notes = v,
            FieldValue::EmergencyContacts(v) => person.emergency_contacts = v,
            FieldValue::NeedsEvacuationHelp(v) => person.needs_evacuation_help = v,
            FieldValue::HouseholdType(v) => person.household_type = v,
            FieldValue::CheckIntervalDays(v) => person.check_interval_days = v,
        }
    }
}

/// One field edit as a device pushes it: the new value and the version the device last saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldEdit {
    pub base: Version,
    pub change: FieldValue,
}

/// What the server holds for one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldState<'a, D: PartialEq> {
    pub value: &'a FieldValue,
    pub version: Version,
    /// The device that made the current value (`None` for server-side writes before versions).
    pub writer: Option<&'a D>,
}

/// What the server does with one incoming field edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Write it: its author had seen the current value (or made it).
    Apply,
    /// It equals the current value: nothing to write, nothing to settle.
    Same,
    /// Someone else changed the field since the author looked: keep the current value and file
    /// the incoming one beside it for a coordinator.
    Conflict,
}

/// The merge rule. `device` is who sent the edit. A device's own later edit supersedes its own
/// earlier one even before it has pulled the new version (its outbox is pushed in order).
pub fn merge<D: PartialEq>(current: &FieldState<'_, D>, edit: &FieldEdit, device: &D) -> Merge {
    if current.value == &edit.change {
        Merge::Same
    } else if current.version <= edit.base || current.writer == Some(device) {
        Merge::Apply
    } else {
        Merge::Conflict
    }
}

/// A device's view of a person: the server's copy with this device's unsent edits laid over it
/// in the order they were made (what Replicache calls a rebase).
pub fn rebase<'a>(mut server: Person, pending: impl IntoIterator<Item = &'a FieldValue>) -> Person {
    for value in pending {
        value.apply_to(&mut server);
    }
    server
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        value: &FieldValue,
        version: Version,
        writer: Option<&'static str>,
    ) -> (FieldValue, Version, Option<&'static str>) {
        (value.clone(), version, writer)
    }

    fn run(current: (FieldValue, Version, Option<&'static str>), edit: FieldEdit, device: &'static str) -> Merge {
        let writer = current.2;
        merge(&FieldState { value: &current.0, version: current.1, writer: writer.as_ref() }, &edit, &device)
    }

    fn phone(p: &str) -> FieldValue {
        FieldValue::Phone(Some(p.into()))
    }

    #[test]
    fn an_edit_on_what_the_author_saw_is_applied() {
        let cur = state(&phone("0185-00-0001"), 5, Some("a"));
        assert_eq!(run(cur, FieldEdit { base: 5, change: phone("0185-00-0002") }, "b"), Merge::Apply);
    }

    #[test]
    fn an_edit_on_a_value_changed_by_someone_else_is_a_conflict() {
        let cur = state(&phone("0185-00-0001"), 9, Some("a"));
        assert_eq!(run(cur, FieldEdit { base: 5, change: phone("0185-00-0002") }, "b"), Merge::Conflict);
    }

    #[test]
    fn the_same_value_twice_is_never_a_conflict() {
        let cur = state(&phone("0185-00-0001"), 9, Some("a"));
        assert_eq!(run(cur, FieldEdit { base: 1, change: phone("0185-00-0001") }, "b"), Merge::Same);
    }

    #[test]
    fn a_device_may_overwrite_its_own_unseen_write() {
        let cur = state(&phone("0185-00-0001"), 9, Some("a"));
        assert_eq!(run(cur, FieldEdit { base: 5, change: phone("0185-00-0003") }, "a"), Merge::Apply);
    }

    #[test]
    fn field_values_travel_tagged_by_field_and_are_checked() {
        let edit: FieldEdit =
            serde_json::from_str(r#"{"base":3,"change":{"field":"phone","value":"0185-00-1111"}}"#).unwrap();
        assert_eq!(edit.change, phone("0185-00-1111"));
        assert!(serde_json::from_str::<FieldEdit>(r#"{"base":3,"change":{"field":"name","value":"x"}}"#).is_err());
        assert!(serde_json::from_str::<FieldEdit>(r#"{"base":3,"change":{"field":"phone","value":7}}"#).is_err());
        assert_eq!(FieldValue::Phone(Some("<b>".into())).validate().unwrap_err().code.wire(), "invalid_phone");
        assert_eq!(FieldValue::CheckIntervalDays(0).validate().unwrap_err().code.wire(), "invalid_check_interval");
        assert_eq!(FieldValue::Notes("  メモ ".into()).validate().unwrap(), FieldValue::Notes("メモ".into()));
    }
}
