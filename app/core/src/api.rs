//! The JSON wire protocol of `/api/v1`: what the sync client sends and the server answers.
//!
//! Requests deny unknown fields so a typo in a client is an error, not a silently ignored value.

pub mod admin;
pub mod cases;
pub mod disaster;
pub mod map;
pub mod meetings;
pub mod reports;

use crate::domain::disaster::{FieldEvent, NewConfirmation, ResponderState};
use crate::domain::{
    ActivityReport, CaseUpdate, Check, ConsentInput, EpochMillis, FieldCase, FieldEdit, FieldRequest, NewCheck,
    NewRequest, Person, PersonFields, PersonId, User, Version,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub const API_PREFIX: &str = "/api/v1";
/// Header every state-changing API request must carry (CSRF defence beside SameSite cookies).
pub const CSRF_HEADER: &str = "x-mimamori-request";

/// The plain HTML sign-in form on the first page (it works before the app has loaded) posts here,
/// outside the API: a form cannot send [`CSRF_HEADER`], so the server checks its `Origin` instead.
pub const SIGN_IN_FORM_PATH: &str = "/login";
/// The query key the server adds when it sends a browser on after a form sign-in: the app then
/// knows its empty device store is a new sign-in, not one the browser evicted.
pub const SIGNED_IN_BY_FORM: &str = "signed-in";

/// Most checks one push may carry; clients send larger outboxes in several batches.
pub const MAX_PUSH_BATCH: usize = 200;
/// Most checks one pull page returns.
pub const PULL_PAGE: usize = 2000;
/// Most persons one `POST /sync/persons` may ask for.
pub const MAX_FETCH_PERSONS: usize = 100;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInResponse {
    pub user: User,
    /// An admin reset this password: the app asks for a new one before anything else works.
    #[serde(default)]
    pub must_change_password: bool,
    /// The device this sign-in made (its recovery key is asked for under this id): a phone whose
    /// store still names an older device renews its recovery wrap.
    #[serde(default)]
    pub device: String,
}

/// The key that lets this device's user open its store again after forgetting the PIN, from
/// `POST /me/recovery-key`. The device wraps its data key under it and forgets it; the server keeps
/// it for this device and gives it back only to a fresh sign-in of the same user on
/// `POST /devices/{id}/recover`. Neither half opens anything alone: the server never holds the wrapped data
/// key, and the phone never keeps this key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryKey {
    /// The device (session) the key belongs to: the one asking.
    pub device: String,
    /// 32 random bytes.
    pub key: Vec<u8>,
}

/// Records this device could not decrypt (damaged on disk) and moved aside, per store, since it
/// last said so (`POST /me/records-aside`): what the security log learns of them. Store names and
/// counts only; the records themselves stay on the phone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsAside {
    pub stores: std::collections::BTreeMap<String, u32>,
}

impl RecordsAside {
    /// The device store's stores that hold sealed records.
    pub const STORES: [&'static str; 7] = ["persons", "checks", "outbox", "refused", "drafts", "requests", "meta"];

    /// Some stores of [`Self::STORES`], each with a count from 1 to a million.
    pub fn validate(&self) -> Result<(), crate::domain::ValidationError> {
        let ok = !self.stores.is_empty()
            && self.stores.iter().all(|(k, n)| Self::STORES.contains(&k.as_str()) && (1..=1_000_000).contains(n));
        if ok {
            Ok(())
        } else {
            Err(crate::domain::ValidationError {
                code: crate::error::ErrorCode::InvalidRecordsAside,
                detail: "stores: persons, checks, outbox, refused, drafts, requests or meta, each 1 to 1,000,000"
                    .into(),
            })
        }
    }
}

/// Another device signed in or enrolled as this user after this one: the app tells its user, who
/// may not know (an invite used by someone else, a password typed on a stranger's phone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceNotice {
    pub id: String,
    pub enrolled_at: EpochMillis,
    /// `invite` or `password`.
    pub how: String,
    pub user_agent: Option<String>,
}

/// One change made on a device, in the order the device made it. Each carries a
/// client-generated id: the idempotency key that makes a retried push harmless.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Mutation {
    /// A 見守り check (append-only; its id is the check's id).
    CreateCheck { check: NewCheck },
    /// Changes to some of a person's fields, each with the version the device last saw.
    EditPerson { id: Uuid, person_id: PersonId, edits: Vec<FieldEdit> },
    /// A 相談・依頼 raised on the device (its id is the request's id).
    RaiseRequest { request: NewRequest },
    /// A consent obtained in the field (民生委員), superseding the one in force.
    RecordConsent { id: Uuid, person_id: PersonId, consent: ConsentInput },
    /// A 気になる方 registered by a 民生委員 in their own area, with the consent obtained. The
    /// person id is made on the device so checks can be recorded before it is sent.
    RegisterPerson { id: Uuid, person_id: PersonId, person: PersonFields, consent: ConsentInput },
    /// A 民生委員's monthly 活動記録; a later one for the same month replaces it.
    SubmitActivityReport { id: Uuid, report: ActivityReport },
    /// A change to a 要対応 case: by a 民生委員 from the phone, or by the office.
    UpdateCase { id: Uuid, person_id: PersonId, case_id: String, update: CaseUpdate },
    /// 安否確認: one look at a person on an event's list (its id is the confirmation's id).
    ConfirmSafety { confirmation: NewConfirmation },
    /// 安否確認: the field user's own state in an event; a later one replaces it.
    ReportSelf { id: Uuid, event_id: String, state: ResponderState },
}

impl Mutation {
    pub fn id(&self) -> Uuid {
        match self {
            Mutation::CreateCheck { check } => check.id.0,
            Mutation::EditPerson { id, .. }
            | Mutation::RecordConsent { id, .. }
            | Mutation::RegisterPerson { id, .. }
            | Mutation::SubmitActivityReport { id, .. }
            | Mutation::UpdateCase { id, .. }
            | Mutation::ReportSelf { id, .. } => *id,
            Mutation::RaiseRequest { request } => request.id,
            Mutation::ConfirmSafety { confirmation } => confirmation.id,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub mutations: Vec<Mutation>,
    /// The device clock when it sent this push. The server compares it with its own clock and
    /// corrects the device times in the batch by the difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<EpochMillis>,
}

/// What became of one mutation. Each is answered on its own: one bad record never sinks a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MutationResult {
    /// Stored now.
    Applied { id: Uuid },
    /// Stored already by an earlier push of the same change (a retry): nothing new written.
    Duplicate { id: Uuid },
    /// Stored, but some field had meanwhile been changed by someone else: the current value was
    /// kept and this one filed beside it for a coordinator to settle.
    Conflict { id: Uuid, fields: Vec<crate::domain::PersonField> },
    /// Refused; nothing written for it.
    Rejected { id: Uuid, error: ApiErrorBody },
    /// The mutation at this position could not be read at all; nothing written for it.
    Malformed { index: usize, error: ApiErrorBody },
}

impl MutationResult {
    /// The mutation this answers, when it could be read.
    pub fn id(&self) -> Option<Uuid> {
        match self {
            MutationResult::Applied { id }
            | MutationResult::Duplicate { id }
            | MutationResult::Conflict { id, .. }
            | MutationResult::Rejected { id, .. } => Some(*id),
            MutationResult::Malformed { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<MutationResult>,
}

/// One entry of the scope manifest: a person this user may see now, at this version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InScope {
    pub id: PersonId,
    pub version: Version,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PullResponse {
    /// Everyone this user may see right now, with versions. A person the device holds that is
    /// not here has left the user's scope (moved, unassigned, consent withdrawn) and is removed
    /// with their history; a person missing or older on the device is fetched.
    pub scope: Vec<InScope>,
    /// Checks on those persons with a server sequence after the request's cursor.
    pub checks: Vec<Check>,
    /// Cursor to send next time.
    pub cursor: i64,
    /// More checks wait beyond this page.
    pub more: bool,
    pub server_time: EpochMillis,
    /// Every request on those persons, with where it stands (a small set; sent whole each time).
    #[serde(default)]
    pub requests: Vec<FieldRequest>,
    /// The small areas this user may register a person in (a 民生委員's 担当区域).
    #[serde(default)]
    pub areas: Vec<admin::SmallArea>,
    /// This user's live devices enrolled after the one asking (see [`DeviceNotice`]).
    #[serde(default)]
    pub new_devices: Vec<DeviceNotice>,
    /// 要対応 cases on those persons that this user may follow (see [`FieldCase`]).
    #[serde(default)]
    pub cases: Vec<FieldCase>,
    /// 安否確認 events under way that touch this user's areas (see [`FieldEvent`]).
    #[serde(default)]
    pub events: Vec<FieldEvent>,
    /// What to send as `mark` with the next pull once this answer is wholly applied (persons
    /// fetched included); `None`: send none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<i64>,
    /// Nothing but checks can have changed since the pull that gave the `mark` the device sent:
    /// `scope`, `requests`, `areas`, `cases` and `events` were not read and are empty, and the
    /// device keeps what it holds.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unchanged: bool,
}

/// `POST /sync/persons`: the full records of persons the scope manifest named.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchPersonsRequest {
    pub ids: Vec<PersonId>,
    /// For persons new to this device: also send their checks up to this cursor (later ones
    /// come with the pull). `None` when the device only needs the person record.
    #[serde(default)]
    pub history_upto: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FetchPersonsResponse {
    /// The asked-for persons still in scope (others are left out, as if they did not exist).
    pub persons: Vec<Person>,
    pub checks: Vec<Check>,
}

/// The body of every API error: a machine code, an English detail and a Japanese message for users
/// (from the catalogue; kept as sent, so a code this version does not know still has its words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: crate::error::ErrorCode,
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
        assert_eq!(m.id().to_string(), "7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11");
        assert!(serde_json::from_str::<Mutation>(&json.replace("create_check", "delete_everything")).is_err());
    }

    #[test]
    fn an_edit_travels_with_its_id_and_per_field_bases() {
        let json = r#"{"type":"edit_person","id":"7f1c1a52-3c55-4a3e-9f0e-2b7f5d0c9a11","person_id":"p-1",
            "edits":[{"base":4,"change":{"field":"notes","value":"鍵は隣家"}}]}"#;
        let m: Mutation = serde_json::from_str(json).unwrap();
        let Mutation::EditPerson { edits, .. } = &m else { panic!("an edit") };
        assert_eq!(edits[0].base, 4);
        assert_eq!(edits[0].change, crate::domain::FieldValue::Notes("鍵は隣家".into()));
        assert!(serde_json::from_str::<Mutation>(&json.replace("\"base\":4,", "")).is_err(), "base is required");
    }

    #[test]
    fn a_person_stored_by_schema_v1_is_still_readable() {
        let v1 = r#"{"id":"p-1","name":"佐藤 ハナ","kana":"さとう はな","address":"本町 1-2","phone":null,
            "lat":39.8,"lng":140.2,"small_area":"本町","district":"中央","check_interval_days":7}"#;
        let p: Person = serde_json::from_str(v1).unwrap();
        assert_eq!(p.version, 0);
        assert!(p.field_versions.is_empty() && p.conflicts.is_empty() && !p.consent.record);
    }

    #[test]
    fn results_carry_their_status_tag() {
        let v = serde_json::to_value(MutationResult::Duplicate { id: Uuid::nil() }).unwrap();
        assert_eq!(v["status"], "duplicate");
    }
}
