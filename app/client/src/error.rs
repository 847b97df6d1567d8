//! What can go wrong on the device, as data. The client never words a failure: the screens turn
//! each of these into a sentence in the user's language (`app::ui::i18n::client_error`).

use crate::domain::ValidationError;
use mimamori_core::error::ErrorCode;

#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// No connection, or the server is unreachable: try again later, nothing is wrong.
    Offline,
    /// The session ended: the user must sign in again (unsent records are kept for them).
    SignedOut,
    /// This device was signed out elsewhere or revoked (a lost phone): what it held is wiped.
    Revoked,
    /// The server refused and said why: its error code, and its Japanese message as a fallback
    /// for a code this version has no words for.
    Refused { code: ErrorCode, message_ja: String },
    /// The server failed, or answered something this version cannot read (its HTTP status).
    Server(u16),
    /// The device store could not be opened at start (the browser's reason).
    StoreOpen(String),
    /// The device store could not be read or written (the browser's reason).
    Store(String),
    /// The device store could not be wiped (the browser's reason).
    WipeFailed(String),
    /// What was entered breaks a domain rule.
    Invalid(ValidationError),
    /// Only a signed-in user can record anything.
    NotSignedIn,
    /// The browser would not make a random id.
    NoUuid,
    /// The person is not on this device (any more).
    PersonNotHere,
    /// The device's position could not be had.
    Location(LocationError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationError {
    /// This browser has no geolocation.
    Unavailable,
    /// The user (or the browser's settings) said no.
    Denied,
    /// No fix came in time.
    Failed,
    /// The browser answered something unreadable.
    Unreadable,
}

impl ClientError {
    /// The server's refusal code, if this is one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

impl From<crate::store::StoreError> for ClientError {
    fn from(e: crate::store::StoreError) -> Self {
        ClientError::Store(e.0)
    }
}

impl From<ValidationError> for ClientError {
    fn from(e: ValidationError) -> Self {
        ClientError::Invalid(e)
    }
}
