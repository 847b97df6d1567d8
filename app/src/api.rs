//! The JSON wire protocol of `/api/v1`: what the sync client sends and the server answers.
//!
//! Requests deny unknown fields so a typo in a client is an error, not a silently ignored value.

pub mod admin;

use crate::domain::{Check, CheckId, EpochMillis, NewCheck, Person, User};
use serde::{Deserialize, Serialize};

pub const API_PREFIX: &str = "/api/v1";
/// Header every state-changing API request must carry (CSRF defence beside SameSite cookies).
pub const CSRF_HEADER: &str = "x-mimamori-request";

/// Most checks one push may carry; clients send larger outboxes in several batches.
pub const MAX_PUSH_BATCH: usize = 200;
/// Most checks one pull page returns.
pub const PULL_PAGE: usize = 500;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInResponse {
    pub user: User,
}

/// One change made on a device, in the order the device made it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Mutation {
    CreateCheck { check: NewCheck },
}

impl Mutation {
    pub fn check_id(&self) -> CheckId {
        match self {
            Mutation::CreateCheck { check } => check.id,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub mutations: Vec<Mutation>,
}

/// What became of one mutation. Each is answered on its own: one bad record never sinks a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MutationResult {
    /// Stored now.
    Applied { id: CheckId },
    /// Stored already by an earlier push of the same change (a retry): nothing new written.
    Duplicate { id: CheckId },
    /// Refused; nothing written for it.
    Rejected { id: CheckId, error: ApiErrorBody },
}

impl MutationResult {
    pub fn id(&self) -> CheckId {
        match self {
            MutationResult::Applied { id } | MutationResult::Duplicate { id } | MutationResult::Rejected { id, .. } => {
                *id
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    /// Everyone this user may see right now: a full snapshot, so a person leaving the
    /// user's scope disappears from the device at the next pull.
    pub persons: Vec<Person>,
    /// Checks on those persons with a server sequence after the request's cursor.
    pub checks: Vec<Check>,
    /// Cursor to send next time.
    pub cursor: i64,
    /// More checks wait beyond this page.
    pub more: bool,
    pub server_time: EpochMillis,
}

/// The body of every API error: a machine code, an English detail and a Japanese message for users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: String,
    pub message: String,
    pub message_ja: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiErrorEnvelope {
    pub error: ApiErrorBody,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutation_wire_form_is_tagged_and_strict() {
        let json = r#"{"type":"create_check","check":{"id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1","outcome":"not_home","recorded_at":1790000000000}}"#;
        let m: Mutation = serde_json::from_str(json).unwrap();
        assert_eq!(m.check_id().0.to_string(), "7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11");
        assert!(serde_json::from_str::<Mutation>(&json.replace("create_check", "delete_everything")).is_err());
    }

    #[test]
    fn results_carry_their_status_tag() {
        let id = CheckId(uuid::Uuid::nil());
        let v = serde_json::to_value(MutationResult::Duplicate { id }).unwrap();
        assert_eq!(v["status"], "duplicate");
    }
}
