//! Domain types shared by the browser and the server.
//!
//! They are the vocabulary of the data path: the client store keeps them in IndexedDB,
//! the sync client sends them as JSON, the server validates and stores them.

pub mod activity;
mod calendar;
pub mod case;
mod check;
mod consent;
pub mod disaster;
pub mod due;
mod inquiry;
pub mod map;
pub mod merge;
mod person;
pub mod pin;
mod request;
pub mod text;
pub mod tiles;
mod user;

use crate::error::ErrorCode;
pub use activity::{ActivityReport, Counts, Heading, OtherActivity, SupportContent, SupportField};
pub use calendar::{civil_from_days, CalendarDate, Month, DAY_MS};
pub use case::{field_update_allowed, is_late, CaseNote, CaseStatus, CaseUpdate, FieldCase, ACK_LATE_MS};
pub use check::{
    concern_is_named, Check, CheckId, CheckMethod, CheckNote, CheckOutcome, Concern, GeoStamp, NewCheck, SyncState,
};
pub use consent::{Consent, ConsentInput, ConsentMethod, ConsentScopes};
pub use due::Due;
pub use inquiry::{need_text, needs_fit, CheckKind, Need, NeedNote};
pub use map::{in_japan, LastChecks, MapStatus};
pub use merge::{FieldEdit, FieldValue, Merge, PersonField, Version};
pub use person::{EmergencyContact, HouseholdType, Person, PersonFields, PersonId, MAX_EMERGENCY_CONTACTS};
pub use pin::{LockAfter, Pin};
pub use request::{partner_referral_allowed, FieldRequest, NewRequest, RequestStatus};
pub use user::{Role, User, UserId};

/// Milliseconds since the Unix epoch (UTC). The device clock may be wrong, so the server
/// records its own receive time beside the device's.
pub type EpochMillis = i64;

/// A reason a value was refused: the code (its words for users are in the catalogue,
/// [`crate::error::ErrorCode::text`]) and a detail in English for API clients and logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct ValidationError {
    pub code: ErrorCode,
    pub detail: String,
}

impl ValidationError {
    /// The words for a Japanese user.
    pub fn message_ja(&self) -> &'static str {
        self.code.text(crate::error::Lang::Ja)
    }
}
