//! The one place a change is applied: [`apply`]`(write, mutation, skew) -> Outcome`.
//!
//! Why one place: a change reaches the server from a device's outbox (`POST /sync/push`) or from
//! an office screen (`POST /persons`, `POST /persons/{id}/consents`). Both come here, so each rule
//! — who may, which persons, what is valid, what is logged, what a retry does — is written once.
//! Every change goes through the same four steps:
//! 1. the idempotency gate: an id already in the ledger is a retry (the same user: answered as a
//!    duplicate, nothing written) or refused (anyone else);
//! 2. the policy: which roles may make this kind of change ([`crate::policy`]);
//! 3. the change's own checks (scope, values); a refused change writes nothing;
//! 4. the write, its audit entries, and the id entered in the ledger, in the caller's transaction.
//!
//! Adding a kind of change touches the [`Mutation`] enum (core), one arm here, and the client's
//! outbox; the push endpoint and the ledger need nothing new.

use crate::error::ApiError;
use crate::policy;
use crate::storage::{AuditAction, EditOutcome, OnList, Seen, SignalRef, WriteTx};
use mimamori_core::api::{Mutation, MutationResult};
use mimamori_core::domain::disaster::{NewConfirmation, ResponderState};
use mimamori_core::domain::{
    concern_is_named, field_update_allowed, needs_fit, partner_referral_allowed, ActivityReport, CaseUpdate,
    CheckOutcome, ConsentInput, EpochMillis, FieldEdit, NewCheck, NewRequest, PersonField, PersonFields, PersonId,
    Role,
};
use mimamori_core::error::ErrorCode;
use uuid::Uuid;

/// A device clock this close to the server's is taken as right (network delay, not skew).
const CLOCK_TOLERANCE_MS: i64 = 60_000;

/// How far the sending device's clock is off the server's, in milliseconds; device times in the
/// change are corrected by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skew(i64);

impl Skew {
    /// The server's own clock (a change made on an office screen).
    pub const NONE: Skew = Skew(0);

    /// Judged from when the device says it sent the push. Saturating: a `sent_at` of i64::MIN
    /// must not overflow.
    pub fn of_push(sent_at: Option<EpochMillis>, now: EpochMillis) -> Skew {
        Skew(
            sent_at
                .map(|sent| now.saturating_sub(sent))
                .filter(|d| d.unsigned_abs() > CLOCK_TOLERANCE_MS as u64)
                .unwrap_or(0),
        )
    }
}

/// What became of one change.
#[derive(Debug)]
pub enum Outcome {
    Applied,
    /// The same user sent this change before: nothing written now.
    Duplicate,
    /// Stored, but these fields had meanwhile been changed by someone else: both values kept.
    Conflict(Vec<PersonField>),
    /// Not written, for this reason.
    Refused(ApiError),
}

impl Outcome {
    /// The push endpoint's answer for this change.
    pub fn into_result(self, id: Uuid) -> MutationResult {
        match self {
            Outcome::Applied => MutationResult::Applied { id },
            Outcome::Duplicate => MutationResult::Duplicate { id },
            Outcome::Conflict(fields) => MutationResult::Conflict { id, fields },
            Outcome::Refused(e) => MutationResult::Rejected { id, error: e.body() },
        }
    }

    /// For a REST handler: a refusal is the HTTP answer.
    pub fn refused(self) -> Result<(), ApiError> {
        match self {
            Outcome::Refused(e) => Err(e),
            Outcome::Applied | Outcome::Duplicate | Outcome::Conflict(_) => Ok(()),
        }
    }
}

impl From<ApiError> for Outcome {
    fn from(e: ApiError) -> Self {
        Outcome::Refused(e)
    }
}

impl From<mimamori_core::domain::ValidationError> for Outcome {
    fn from(e: mimamori_core::domain::ValidationError) -> Self {
        Outcome::Refused(e.into())
    }
}

/// Applies one change in the caller's transaction. `Err` is a failure of the server (the caller's
/// transaction must not commit); a change the server will not make is `Ok(Outcome::Refused)`.
pub async fn apply(w: &mut WriteTx<'_>, mutation: Mutation, skew: Skew) -> Result<Outcome, ApiError> {
    let id = mutation.id();
    match w.seen(id).await? {
        Seen::New => {}
        Seen::Mine => return Ok(Outcome::Duplicate),
        Seen::Theirs => return Ok(ApiError::id_taken().into()),
    }
    let outcome = match mutation {
        Mutation::CreateCheck { check } => create_check(w, check, skew).await?,
        Mutation::EditPerson { id, person_id, edits } => edit_person(w, id, person_id, edits).await?,
        Mutation::RaiseRequest { request } => raise_request(w, request).await?,
        Mutation::RecordConsent { person_id, consent, .. } => record_consent(w, person_id, consent).await?,
        Mutation::RegisterPerson { person_id, person, consent, .. } => {
            register_person(w, person_id, person, consent).await?
        }
        Mutation::SubmitActivityReport { report, .. } => submit_activity_report(w, report).await?,
        Mutation::UpdateCase { person_id, case_id, update, .. } => update_case(w, person_id, case_id, update).await?,
        Mutation::ConfirmSafety { confirmation } => confirm_safety(w, confirmation, skew).await?,
        Mutation::ReportSelf { event_id, state, .. } => report_self(w, event_id, state).await?,
    };
    if matches!(outcome, Outcome::Applied | Outcome::Conflict(_)) {
        w.claim(id).await?;
    }
    Ok(outcome)
}

/// The policy step: `Err` answers a role that may not make this kind of change.
fn allowed(w: &WriteTx<'_>, roles: &[Role]) -> Result<(), Outcome> {
    if roles.contains(&w.user().role) {
        Ok(())
    } else {
        Err(ApiError::Forbidden.into())
    }
}

/// A person the writer may change: in their scope and active. Anything else answers exactly as
/// a person that does not exist.
async fn reachable(w: &mut WriteTx<'_>, person: &PersonId) -> Result<bool, ApiError> {
    let (storage, user) = (w.storage(), w.user());
    Ok(storage.person_visible(&mut **w.tx(), user, person).await?)
}

/// Runs a step that may refuse: `refuse!(expr)` returns the refusal as this change's outcome.
macro_rules! refuse {
    ($step:expr) => {
        if let Err(refusal) = $step {
            return Ok(Outcome::from(refusal));
        }
    };
}

/// A 見守り check (append-only; its id is the check's id).
async fn create_check(w: &mut WriteTx<'_>, mut check: NewCheck, skew: Skew) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::WATCHERS));
    let now = w.now();
    let device_time = check.recorded_at;
    // The server's clock, not the device's, decides when it happened; never after it arrived.
    check.recorded_at = device_time.saturating_add(skew.0).min(now);
    // A 気になる names what was seen (a chip or the note), as the form asks.
    refuse!(check
        .validate_time(now)
        .and_then(|()| needs_fit(check.kind, &check.needs))
        .and_then(|()| concern_is_named(check.outcome, &check.concerns, check.note.as_ref())));
    if !reachable(w, &check.person_id).await? {
        return Ok(ApiError::PersonNotFound.into());
    }
    let (storage, session) = (w.storage(), w.session());
    if !storage.insert_check(w.tx(), &check, device_time, &session.user.id, &session.device_id, now).await? {
        return Ok(ApiError::id_taken().into());
    }
    w.audit(AuditAction::CheckCreate, Some(&check.person_id), check.outcome.as_str()).await?;
    // A 気になる or 緊急 is a signal: it opens the person's 要対応 case or joins the open one.
    if matches!(check.outcome, CheckOutcome::Concern | CheckOutcome::Emergency) {
        let (id, user, now) = (check.id.0.to_string(), w.user().id.clone(), w.now());
        let signal = SignalRef::Check { id: &id, urgent: check.outcome == CheckOutcome::Emergency };
        storage.signal_case(w.tx(), &check.person_id, signal, user.as_str(), now).await?;
    }
    Ok(Outcome::Applied)
}

/// 安否確認: one look at a person on an event's list (append-only; its id is the confirmation's).
/// One that arrives after the event closed is stored and marked late: it happened. A person not on
/// the writer's list of the event is refused with the reason, and so is an event that is not theirs.
/// A 訓練's 要支援 and 要救助 open no 要対応 case: a drill stays on its own board, out of the office's
/// queue, the phones' case status and every report.
async fn confirm_safety(w: &mut WriteTx<'_>, confirmation: NewConfirmation, skew: Skew) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::WATCHERS));
    let now = w.now();
    let mut c = match confirmation.validate() {
        Ok(c) => c,
        Err(e) => return Ok(e.into()),
    };
    let device_time = c.recorded_at;
    c.recorded_at = device_time.saturating_add(skew.0).min(now);
    refuse!(c.validate_time(now));
    let storage = w.storage();
    let (late, drill) = match w.on_event_list(&c.event_id, &c.person_id).await? {
        OnList::NoEvent => return Ok(ApiError::bad(ErrorCode::EventNotFound, "no such event").into()),
        OnList::NotOnList => {
            return Ok(ApiError::bad(ErrorCode::PersonNotInEvent, "the person is not on your list of this event").into())
        }
        OnList::Yes { closed, drill } => (closed, drill),
    };
    let writer = w.writer();
    if !storage.insert_confirmation(w.tx(), &c, device_time, writer, late, now).await? {
        return Ok(ApiError::id_taken().into());
    }
    w.audit(AuditAction::SafetyConfirm, Some(&c.person_id), c.status.as_str()).await?;
    // 要支援 opens the person's 要対応 case (or joins the open one); 要救助 makes it urgent.
    if let Some(urgent) = c.status.signal().filter(|_| !drill) {
        let (id, user) = (c.id.to_string(), w.user().id.clone());
        storage.signal_case(w.tx(), &c.person_id, SignalRef::Safety { id: &id, urgent }, user.as_str(), now).await?;
    }
    Ok(Outcome::Applied)
}

/// 安否確認: a field user's own state in an event they take part in; a later one replaces it.
async fn report_self(w: &mut WriteTx<'_>, event: String, state: ResponderState) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::WATCHERS));
    let (storage, session, now) = (w.storage(), w.session(), w.now());
    if !storage.takes_part(w.tx(), &session.user, &session.municipality_id, &event).await? {
        return Ok(ApiError::bad(ErrorCode::EventNotFound, "no such event of yours").into());
    }
    storage.put_responder_state(w.tx(), &event, &session.user, state, now).await?;
    Ok(Outcome::Applied)
}

/// Changes to some of a person's fields, merged field by field against the versions the device saw.
async fn edit_person(
    w: &mut WriteTx<'_>,
    id: Uuid,
    person: PersonId,
    edits: Vec<FieldEdit>,
) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::PERSON_EDITORS));
    let mut fields: Vec<PersonField> = edits.iter().map(|e| e.change.field()).collect();
    fields.sort();
    fields.dedup();
    if edits.is_empty() || fields.len() != edits.len() {
        return Ok(ApiError::bad(ErrorCode::InvalidEdit, "one edit per field, at least one").into());
    }
    let mut checked = Vec::with_capacity(edits.len());
    for edit in edits {
        match edit.change.validate() {
            Ok(change) => checked.push(FieldEdit { base: edit.base, change }),
            Err(e) => return Ok(e.into()),
        }
    }
    if !reachable(w, &person).await? {
        return Ok(ApiError::PersonNotFound.into());
    }
    let (storage, writer, now) = (w.storage(), w.writer(), w.now());
    let outcome = storage.apply_person_edit(w.tx(), id, &person, &checked, writer, now).await?;
    let names = |fs: &[PersonField]| fs.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(",");
    Ok(match outcome {
        EditOutcome::Applied => {
            w.audit(AuditAction::PersonUpdate, Some(&person), &names(&fields)).await?;
            Outcome::Applied
        }
        EditOutcome::Conflict(conflicted) => {
            // The fields of the same edit that did not conflict were written: log them too.
            let written: Vec<PersonField> = fields.iter().copied().filter(|f| !conflicted.contains(f)).collect();
            if !written.is_empty() {
                w.audit(AuditAction::PersonUpdate, Some(&person), &names(&written)).await?;
            }
            w.audit(AuditAction::ConflictOpen, Some(&person), &names(&conflicted)).await?;
            Outcome::Conflict(conflicted)
        }
    })
}

/// A 相談・依頼 (its id is the request's id). One that asks for a partner is refused, with the
/// reason the user can act on, when the person's consent does not allow sharing with partners.
async fn raise_request(w: &mut WriteTx<'_>, request: NewRequest) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::WATCHERS));
    let request = match request.validate() {
        Ok(r) => r,
        Err(e) => return Ok(e.into()),
    };
    if !reachable(w, &request.person_id).await? {
        return Ok(ApiError::PersonNotFound.into());
    }
    let storage = w.storage();
    if request.to_partner {
        let shares = storage.shares_with_partners(&mut **w.tx(), &request.person_id).await?;
        refuse!(partner_referral_allowed(shares));
    }
    let (writer, now) = (w.writer(), w.now());
    if !storage.insert_request(w.tx(), &request, writer, now).await? {
        return Ok(ApiError::id_taken().into());
    }
    w.audit(AuditAction::RequestCreate, Some(&request.person_id), request.need.as_str()).await?;
    let (id, user) = (request.id.to_string(), w.user().id.clone());
    storage.signal_case(w.tx(), &request.person_id, SignalRef::Request { id: &id }, user.as_str(), now).await?;
    Ok(Outcome::Applied)
}

/// A consent obtained by a 民生委員 in the field or recorded by the office, superseding the one in
/// force.
async fn record_consent(w: &mut WriteTx<'_>, person: PersonId, consent: ConsentInput) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::PERSON_EDITORS));
    if !reachable(w, &person).await? {
        return Ok(ApiError::PersonNotFound.into());
    }
    refuse!(consent.validate(&crate::time::today_jst(w.now())));
    let (storage, user, now) = (w.storage(), w.user(), w.now());
    storage.insert_consent(w.tx(), &person, &consent, &user.id, now).await?;
    w.audit(AuditAction::ConsentRecord, Some(&person), &consent.scopes.as_text()).await?;
    Ok(Outcome::Applied)
}

/// A change to a 要対応 case. The person must be in the writer's scope (a case on a person who
/// left it is refused like any record on them) and the case theirs; a closed case is not
/// reopened (409); from the field a 民生委員 may take the case on only themselves.
async fn update_case(
    w: &mut WriteTx<'_>,
    person: PersonId,
    case_id: String,
    update: CaseUpdate,
) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::CASE_WORKERS));
    let update = match update.validate() {
        Ok(u) => u,
        Err(e) => return Ok(e.into()),
    };
    if !reachable(w, &person).await? {
        return Ok(ApiError::PersonNotFound.into());
    }
    let (storage, user) = (w.storage(), w.user());
    let Some(current) = storage.case_status(&mut **w.tx(), &case_id, &person).await? else {
        return Ok(ApiError::NotFound.into());
    };
    let closed = |e: mimamori_core::domain::ValidationError| ApiError::Conflict { code: e.code, detail: e.detail };
    if let Some(to) = update.status {
        refuse!(current.may_become(to).map_err(closed));
    } else if !current.is_open()
        && (update.owner_id.is_some() || update.owner_organization_id.is_some() || update.next_action_on.is_some())
    {
        let detail = "a closed case has no owner or next action to change".into();
        return Ok(ApiError::Conflict { code: ErrorCode::CaseClosed, detail }.into());
    }
    if user.role == Role::Commissioner {
        refuse!(field_update_allowed(&update, &user.id));
    } else if let Some(owner) = update.owner_id.as_deref().filter(|o| !o.is_empty()) {
        let owners = storage.case_owners(&person).await?;
        if !owners.iter().any(|u| u.id.as_str() == owner) {
            return Ok(ApiError::bad(
                ErrorCode::OwnerNotFound,
                "the owner must be office staff of the person's district or a 民生委員 of their area",
            )
            .into());
        }
    } else if let Some(org) = update.owner_organization_id.as_deref().filter(|o| !o.is_empty()) {
        let partners = storage.case_partner_owners(&mut **w.tx(), &case_id).await?;
        if !partners.iter().any(|o| o.id == org) {
            return Ok(ApiError::bad(
                ErrorCode::OwnerNotFound,
                "a partner organisation carries a case only through a request of it referred to them, with consent",
            )
            .into());
        }
    }
    let (storage, user, now) = (w.storage(), w.user(), w.now());
    storage.update_case(w.tx(), &case_id, &update, user.id.as_str(), now).await?;
    let detail = update.status.map(|s| s.as_str()).unwrap_or("note");
    w.audit(AuditAction::CaseUpdate, Some(&person), detail).await?;
    Ok(Outcome::Applied)
}

/// A 民生委員's monthly 活動記録; a later one for the same month replaces it.
async fn submit_activity_report(w: &mut WriteTx<'_>, report: ActivityReport) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::ACTIVITY_REPORTERS));
    let report = match report.validate() {
        Ok(r) => r,
        Err(e) => return Ok(e.into()),
    };
    let (storage, writer, now) = (w.storage(), w.writer(), w.now());
    storage.put_activity_report(w.tx(), &report, writer, now).await?;
    Ok(Outcome::Applied)
}

/// A person registered in one of the writer's own small areas, with the consent obtained. A
/// device makes the person id (so checks can be recorded before it is sent); the office's
/// screen gets one made by the server.
async fn register_person(
    w: &mut WriteTx<'_>,
    person_id: PersonId,
    fields: PersonFields,
    consent: ConsentInput,
) -> Result<Outcome, ApiError> {
    refuse!(allowed(w, policy::PERSON_EDITORS));
    // A person id is `p-` and a UUID's 32 hex digits. Any other id, and an id that exists
    // outside the user's scope, answers exactly alike: registering cannot be used to learn
    // which ids exist.
    if !person_id.is_registration_id() {
        return Ok(ApiError::invalid_id().into());
    }
    let fields = match fields.validate() {
        Ok(f) => f,
        Err(e) => return Ok(e.into()),
    };
    refuse!(consent.validate(&crate::time::today_jst(w.now())));
    let (storage, user, writer, now) = (w.storage(), w.user(), w.writer(), w.now());
    if !storage.small_area_in_scope(&mut **w.tx(), user, &fields.small_area_id).await? {
        return Ok(ApiError::small_area_not_found().into());
    }
    if storage.person_exists(&mut **w.tx(), &person_id).await? {
        let mine = storage.person_in_scope(&mut **w.tx(), user, &person_id).await?;
        return Ok(if mine { ApiError::id_taken() } else { ApiError::invalid_id() }.into());
    }
    storage.insert_person(w.tx(), &person_id, &fields, writer, now).await?;
    storage.insert_consent(w.tx(), &person_id, &consent, &user.id, now).await?;
    w.audit(AuditAction::PersonCreate, Some(&person_id), "").await?;
    w.audit(AuditAction::ConsentRecord, Some(&person_id), &consent.scopes.as_text()).await?;
    Ok(Outcome::Applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_clock_within_a_minute_is_taken_as_right() {
        let now = 1_790_000_000_000;
        assert_eq!(Skew::of_push(Some(now - 59_000), now), Skew::NONE);
        assert_eq!(Skew::of_push(None, now), Skew::NONE);
        assert_eq!(Skew::of_push(Some(now - 3_600_000), now), Skew(3_600_000));
        assert_eq!(Skew::of_push(Some(i64::MIN), now), Skew(i64::MAX), "saturates instead of overflowing");
    }
}
