//! What the screens ask of the device, with every failure put into words for the user. The
//! work itself is the device client's (`mimamori_client::device`); this is the one door from
//! components to it, and the one place a [`ClientError`] becomes a sentence in context.

use super::i18n;
use super::state::AppState;
use crate::client::{device, ClientError};
use crate::domain::{ActivityReport, CheckOutcome, ConsentInput, FieldValue, GeoStamp, PersonFields, PersonId};
use rust_i18n::t;

pub use crate::client::device::{
    apply_update, check_draft_key, consent_draft_key, inquiry_draft_key, load_draft, online, print, save_draft,
    sync_now, CheckDetails, RequestAsk, REGISTER_DRAFT_KEY,
};

/// Reads the device store and starts syncing. Runs once, in the browser, after mounting.
pub fn boot(state: AppState) {
    device::boot(state);
}

/// `Offline` in words for this screen, anything else as usual.
fn offline_means(e: ClientError, key: &str) -> String {
    match e {
        ClientError::Offline => t!(key).into_owned(),
        other => i18n::client_error(&other),
    }
}

pub async fn sign_in(state: AppState, login: String, password: String) -> Result<(), String> {
    device::sign_in(state, login, password).await.map_err(|e| offline_means(e, "actions.sign_in_offline"))
}

/// Enrols this device with a volunteer's one-time invite code (from the QR code or typed).
pub async fn enroll(state: AppState, code: String) -> Result<(), String> {
    device::enroll(state, code).await.map_err(|e| offline_means(e, "actions.enroll_offline"))
}

/// Signs out and wipes the device, with or without signal.
pub async fn sign_out(state: AppState) -> Result<(), String> {
    device::sign_out(state).await.map_err(|e| i18n::client_error(&e))
}

/// Changes the signed-in user's own password (online only).
pub async fn change_password(state: AppState, current: String, new: String) -> Result<(), String> {
    device::change_password(state, current, new).await.map_err(|e| offline_means(e, "password.offline"))
}

/// The user has read the notice about devices enrolled after this one.
pub async fn acknowledge_devices(state: AppState) {
    device::acknowledge_devices(state).await;
}

/// Saves a check on the device, and clears the form's draft in the same transaction.
/// `Ok` means it is durable in IndexedDB.
pub async fn save_check(
    state: AppState,
    person: PersonId,
    outcome: CheckOutcome,
    details: CheckDetails,
) -> Result<(), String> {
    device::save_check(state, person, outcome, details).await.map_err(|e| i18n::save_error(&e))
}

/// 安否確認: queues one confirmation. `Ok` means it is durable in IndexedDB.
pub async fn confirm_safety(
    state: AppState,
    confirmation: crate::domain::disaster::NewConfirmation,
) -> Result<(), String> {
    device::confirm_safety(state, confirmation).await.map_err(|e| i18n::save_error(&e))
}

/// 安否確認: queues the user's own state. `Ok` means it is durable in IndexedDB.
pub async fn report_self(
    state: AppState,
    event_id: String,
    own: crate::domain::disaster::ResponderState,
) -> Result<(), String> {
    device::report_self(state, event_id, own).await.map_err(|e| i18n::save_error(&e))
}

/// Queues changes to a person's fields. `Ok` means they are durable in IndexedDB.
pub async fn save_person_edit(state: AppState, person: PersonId, changes: Vec<FieldValue>) -> Result<(), String> {
    device::save_person_edit(state, person, changes).await.map_err(|e| i18n::save_error(&e))
}

/// Queues a consent obtained in the field. `Ok` means it is durable in IndexedDB.
pub async fn record_consent(state: AppState, person: PersonId, consent: ConsentInput) -> Result<(), String> {
    device::record_consent(state, person, consent).await.map_err(|e| i18n::save_error(&e))
}

/// Registers a 気になる方 on this device (their id is made here, so a check can follow at once).
/// `Ok` is the new person's id, once it is durable in IndexedDB.
pub async fn register_person(state: AppState, person: PersonFields, consent: ConsentInput) -> Result<PersonId, String> {
    device::register_person(state, person, consent).await.map_err(|e| i18n::save_error(&e))
}

/// Submits a month's 活動記録 (queued like everything else). `Ok` means it is durable in IndexedDB.
pub async fn submit_activity_report(state: AppState, report: ActivityReport) -> Result<(), String> {
    device::submit_activity_report(state, report).await.map_err(|e| i18n::save_error(&e))
}

/// The device's position, when the user has allowed it. The error is a sentence for the user.
pub async fn current_position() -> Result<GeoStamp, String> {
    device::current_position().await.map_err(|e| i18n::client_error(&e))
}

/// Sets the app lock's PIN (typed twice); what waited for it goes on.
pub async fn set_pin(state: AppState, first: String, again: String) -> Result<(), String> {
    device::set_pin(state, first, again).await.map_err(|e| i18n::client_error(&e))
}

/// Unlocks with a typed PIN.
pub async fn unlock(state: AppState, pin: String) -> Result<device::Unlocked, String> {
    device::unlock(state, pin).await.map_err(|e| i18n::client_error(&e))
}

/// Changes the app lock's PIN (the current one, then the new one twice).
pub async fn change_pin(current: String, new: String, again: String) -> Result<(), String> {
    device::change_pin(current, new, again).await.map_err(|e| i18n::client_error(&e))
}

/// Whether 「PINを忘れた」 can keep this phone's records (the server keeps its recovery key).
pub async fn recoverable() -> bool {
    device::recoverable().await
}

/// 「PINを忘れた」, keeping the records: on to signing in again, which opens the store.
pub async fn recover_by_sign_in(state: AppState) -> Result<(), String> {
    device::recover_by_sign_in(state).await.map_err(|e| i18n::client_error(&e))
}

/// After signing in again: opens the store with the server's recovery key (a PIN follows).
pub async fn finish_recovery(state: AppState) -> Result<(), String> {
    device::finish_recovery(state).await.map_err(|e| match e {
        // Not "sent automatically later", as the offline sentence says: here the user tries again.
        ClientError::Offline | ClientError::Server(_) => t!("lock.recovering_failed").into_owned(),
        other => i18n::client_error(&other),
    })
}

/// Back from signing in again to the PIN: the page starts over at the lock screen.
pub fn back_to_pin() {
    device::start_over();
}

/// 「PINを忘れた」: wipes the device store; the user signs in again.
pub async fn forget_pin(state: AppState) -> Result<(), String> {
    device::forget_pin(state).await.map_err(|e| i18n::client_error(&e))
}

pub use crate::client::device::{lock_after, lock_now, set_lock_after, unsent_count, warn_from_wrong_pins, Unlocked};
