//! What the UI asks of the device: the one door from components to the client store and sync.
//! On the server these are never reached (they run from effects and event handlers), so the
//! server build has inert versions and no browser code.

use super::state::AppState;
use crate::domain::{
    CheckKind, CheckMethod, CheckNote, CheckOutcome, Concern, ConsentInput, GeoStamp, Need, NeedNote, PersonFields,
    PersonId,
};

/// What the check form hands over besides the outcome, all optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckDetails {
    pub note: Option<CheckNote>,
    pub method: Option<CheckMethod>,
    pub concerns: Vec<Concern>,
    pub location: Option<GeoStamp>,
    /// 御用聞き: the needs heard, and those to act on as requests.
    pub kind: CheckKind,
    pub needs: Vec<NeedNote>,
    pub requests: Vec<RequestAsk>,
}

/// A need the household wants help with: it becomes a 相談・依頼 saved with the visit.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestAsk {
    pub need: Need,
    pub detail: String,
    pub to_partner: bool,
}

/// Queues a consent obtained in the field. `Ok` means it is durable in IndexedDB.
pub async fn record_consent(state: AppState, person: PersonId, consent: ConsentInput) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::record_consent(state, person, consent).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, person, consent);
        Err(String::new())
    }
}

/// Registers a 気になる方 on this device (their id is made here, so a check can follow at once).
/// `Ok` is the new person's id, once it is durable in IndexedDB.
pub async fn register_person(state: AppState, person: PersonFields, consent: ConsentInput) -> Result<PersonId, String> {
    #[cfg(feature = "csr")]
    return imp::register_person(state, person, consent).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, person, consent);
        Err(String::new())
    }
}

/// Submits a month's 活動記録 (queued like everything else). `Ok` means it is durable in IndexedDB.
pub async fn submit_activity_report(state: AppState, report: crate::domain::ActivityReport) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::submit_activity_report(state, report).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, report);
        Err(String::new())
    }
}

/// Opens the browser's print dialog.
pub fn print() {
    #[cfg(feature = "csr")]
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

/// The form key of the registration form's draft.
pub const REGISTER_DRAFT_KEY: &str = "register-person";

/// The form key of a consent form's draft.
pub fn consent_draft_key(person: &PersonId) -> String {
    format!("consent:{}", person.as_str())
}

/// The form key of a 御用聞き form's draft.
pub fn inquiry_draft_key(person: &PersonId) -> String {
    format!("inquiry:{}", person.as_str())
}

/// Reads the device store and starts syncing. Runs once, in the browser, after hydration.
pub fn boot(state: AppState) {
    #[cfg(feature = "csr")]
    imp::boot(state);
    #[cfg(not(feature = "csr"))]
    let _ = state;
}

pub async fn sign_in(state: AppState, login: String, password: String) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::sign_in(state, login, password).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, login, password);
        Err(String::new())
    }
}

/// Enrols this device with a volunteer's one-time invite code (from the QR code or typed), then
/// continues exactly as a password sign-in does.
pub async fn enroll(state: AppState, code: String) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::enroll(state, code).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, code);
        Err(String::new())
    }
}

/// Signs out and wipes the device, with or without signal (see the `csr` implementation).
pub async fn sign_out(state: AppState) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::sign_out(state).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = state;
        Err(String::new())
    }
}

/// Changes the signed-in user's own password (online only).
pub async fn change_password(state: AppState, current: String, new: String) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::change_password(state, current, new).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, current, new);
        Err(String::new())
    }
}

/// The user has read the notice about devices enrolled after this one.
pub async fn acknowledge_devices(state: AppState) {
    #[cfg(feature = "csr")]
    imp::acknowledge_devices(state).await;
    #[cfg(not(feature = "csr"))]
    let _ = state;
}

/// Saves a check on the device, and clears the form's draft in the same transaction.
/// `Ok` means it is durable in IndexedDB.
pub async fn save_check(
    state: AppState,
    person: PersonId,
    outcome: CheckOutcome,
    details: CheckDetails,
) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::save_check(state, person, outcome, details).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, person, outcome, details);
        Err(String::new())
    }
}

/// The device's position, when the user has allowed it. The error is a sentence for the user.
pub async fn current_position() -> Result<GeoStamp, String> {
    #[cfg(feature = "csr")]
    return imp::current_position().await;
    #[cfg(not(feature = "csr"))]
    Err(String::new())
}

/// A half-filled form kept on the device (drafts are personal data: wiped with everything else).
pub async fn load_draft<T: for<'de> serde::Deserialize<'de>>(key: String) -> Option<T> {
    #[cfg(feature = "csr")]
    return crate::client::store::draft(&key).await.ok().flatten();
    #[cfg(not(feature = "csr"))]
    {
        let _ = key;
        None
    }
}

pub fn save_draft<T: serde::Serialize + 'static>(key: String, value: T) {
    #[cfg(feature = "csr")]
    leptos::task::spawn_local(async move {
        let _ = crate::client::store::put_draft(&key, &value).await;
    });
    #[cfg(not(feature = "csr"))]
    let _ = (key, value);
}

/// The form key a check form's draft is kept under.
pub fn check_draft_key(person: &PersonId) -> String {
    format!("check:{}", person.as_str())
}

/// Queues changes to a person's fields. `Ok` means they are durable in IndexedDB.
pub async fn save_person_edit(
    state: AppState,
    person: PersonId,
    changes: Vec<crate::domain::FieldValue>,
) -> Result<(), String> {
    #[cfg(feature = "csr")]
    return imp::save_person_edit(state, person, changes).await;
    #[cfg(not(feature = "csr"))]
    {
        let _ = (state, person, changes);
        Err(String::new())
    }
}

/// Whether the browser believes it has a network connection (always true on the server).
pub fn online() -> bool {
    #[cfg(feature = "csr")]
    return web_sys::window().is_none_or(|w| w.navigator().on_line());
    #[cfg(not(feature = "csr"))]
    true
}

pub fn sync_now(state: AppState) {
    #[cfg(feature = "csr")]
    crate::client::sync::request(state);
    #[cfg(not(feature = "csr"))]
    let _ = state;
}

pub fn apply_update() {
    #[cfg(feature = "csr")]
    crate::client::sw::apply_update();
}

#[cfg(feature = "csr")]
mod imp {
    use super::AppState;
    use super::CheckDetails;
    use crate::api::Mutation;
    use crate::client::{http, store, sw, sync};
    use crate::domain::{
        Check, CheckId, CheckKind, CheckOutcome, ConsentInput, FieldEdit, FieldValue, GeoStamp, NewCheck, NewRequest,
        PersonFields, PersonId, SyncState,
    };
    use crate::ui::state::{SessionState, SyncPhase};
    use crate::ui::time::now_millis;
    use leptos::prelude::*;
    use rust_i18n::t;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    const SYNC_EVERY_MS: u32 = 60_000;
    const UPDATE_CHECK_EVERY_MS: u32 = 30 * 60_000;

    pub fn boot(state: AppState) {
        leptos::task::spawn_local(async move {
            if let Ok(offset) = store::clock_offset().await {
                crate::ui::time::set_clock_offset(offset);
            }
            let session = match store::session().await {
                Ok(Some(user)) => SessionState::SignedIn(user),
                Ok(None) => match recover_evicted_store(state).await {
                    Some(user) => SessionState::SignedIn(user),
                    None => SessionState::SignedOut,
                },
                Err(e) => {
                    state
                        .sync
                        .update(|s| s.phase = SyncPhase::Failed(t!("actions.store_open_failed", e = e.0).into_owned()));
                    SessionState::SignedOut
                }
            };
            state.session.set(session);
            sync::refresh_from_store(state).await;
            state.booted.set(true);
            request_persistent_storage(state);
            sw::register(state);
            sync::request(state);
        });
        let window = web_sys::window().expect("a browser window");
        let on_online = Closure::<dyn FnMut()>::new(move || {
            sync::request(state);
            sw::check_for_update();
        });
        let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
        gloo_timers::callback::Interval::new(SYNC_EVERY_MS, move || sync::request(state)).forget();
        gloo_timers::callback::Interval::new(UPDATE_CHECK_EVERY_MS, sw::check_for_update).forget();
    }

    /// An empty store while the server still knows this device as signed in means the browser
    /// evicted (or the user cleared) the store. Say so and fetch everything again, rather than
    /// show an empty list as if it were true. Not after a sign-out the server has yet to hear of:
    /// that session is told to end instead.
    async fn recover_evicted_store(state: AppState) -> Option<crate::domain::User> {
        if !super::online() || store::sign_out_pending().await.unwrap_or(false) {
            return None;
        }
        let user = http::me().await.ok().flatten()?;
        store::set_session(&user).await.ok()?;
        state.notice.set(Some(t!("actions.store_evicted").into_owned()));
        Some(user)
    }

    pub async fn sign_in(state: AppState, login: String, password: String) -> Result<(), String> {
        let res = http::sign_in(&login, &password).await.map_err(|e| match e {
            http::ApiFailure::Offline => t!("actions.sign_in_offline").into_owned(),
            other => other.message(),
        })?;
        signed_in(state, res).await
    }

    pub async fn enroll(state: AppState, code: String) -> Result<(), String> {
        let res = http::enroll(&code).await.map_err(|e| match e {
            http::ApiFailure::Offline => t!("actions.enroll_offline").into_owned(),
            other => other.message(),
        })?;
        signed_in(state, res).await
    }

    /// What follows any successful sign-in (password or invite): remember the user, start syncing.
    async fn signed_in(state: AppState, res: crate::api::SignInResponse) -> Result<(), String> {
        // A new session: whatever an offline sign-out left to tell the server is moot now.
        let _ = store::clear_sign_out_pending().await;
        let previous = store::session().await.ok().flatten();
        // Another person's data must never be shown to this user: a different user starts empty.
        if previous.as_ref().is_some_and(|p| p.id != res.user.id) {
            store::wipe().await.map_err(|e| e.0)?;
        }
        store::set_session(&res.user).await.map_err(|e| e.0)?;
        state.notice.set(None);
        state.session.set(SessionState::SignedIn(res.user));
        state.sync.update(|s| {
            s.phase = if res.must_change_password { SyncPhase::NeedsPasswordChange } else { SyncPhase::Idle }
        });
        sync::refresh_from_store(state).await;
        request_persistent_storage(state);
        sync::request(state);
        Ok(())
    }

    /// Asks the browser not to evict the store under storage pressure (it may still say no; the
    /// answer is shown with the sync state, and eviction is detected at start either way).
    fn request_persistent_storage(state: AppState) {
        if !state.session.with_untracked(|s| s.user().is_some()) {
            return;
        }
        leptos::task::spawn_local(async move {
            let Some(window) = web_sys::window() else { return };
            let storage = window.navigator().storage();
            let Ok(promise) = storage.persist() else { return };
            let granted = wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_bool());
            state.sync.update(|s| s.persisted = granted);
        });
    }

    fn new_uuid() -> Result<uuid::Uuid, String> {
        web_sys::window()
            .and_then(|w| w.crypto().ok())
            .map(|c| c.random_uuid())
            .and_then(|s| uuid::Uuid::parse_str(&s).ok())
            .ok_or_else(|| t!("actions.no_uuid").into_owned())
    }

    pub async fn save_person_edit(state: AppState, person: PersonId, changes: Vec<FieldValue>) -> Result<(), String> {
        if changes.is_empty() {
            return Ok(());
        }
        let server = store::server_person(&person)
            .await
            .map_err(|e| e.0)?
            .ok_or_else(|| t!("form.person_not_here").into_owned())?;
        let edits = changes
            .into_iter()
            .map(|change| FieldEdit { base: server.field_versions.get(&change.field()).copied().unwrap_or(0), change })
            .collect();
        let mutation = Mutation::EditPerson { id: new_uuid()?, person_id: person, edits };
        store::save_edit(mutation).await.map_err(|e| t!("actions.save_failed", e = e.0).into_owned())?;
        sync::refresh_from_store(state).await;
        sync::request(state);
        Ok(())
    }

    /// Signs out: the device forgets everything personal now, with or without signal. The server
    /// ends the session now when it can be reached, else at this device's next contact (or when
    /// the session expires, if it never makes one).
    pub async fn sign_out(state: AppState) -> Result<(), String> {
        let told = http::sign_out().await.is_ok();
        store::wipe_and(!told).await.map_err(|e| t!("sync.store_wipe_failed", e = e.0).into_owned())?;
        state.session.set(SessionState::SignedOut);
        state.new_devices.set(Vec::new());
        if !told {
            state.notice.set(Some(t!("sign_out.offline").into_owned()));
        }
        sync::refresh_from_store(state).await;
        Ok(())
    }

    pub async fn change_password(state: AppState, current: String, new: String) -> Result<(), String> {
        http::change_password(&current, &new).await.map_err(|e| match e {
            http::ApiFailure::Offline => t!("password.offline").into_owned(),
            other => other.message(),
        })?;
        state.sync.update(|s| {
            if s.phase == crate::ui::state::SyncPhase::NeedsPasswordChange {
                s.phase = crate::ui::state::SyncPhase::Idle;
            }
        });
        sync::request(state);
        Ok(())
    }

    pub async fn acknowledge_devices(state: AppState) {
        let ids: Vec<String> = state.new_devices.get_untracked().into_iter().map(|d| d.id).collect();
        let _ = store::acknowledge_devices(&ids).await;
        state.new_devices.set(Vec::new());
    }

    pub async fn save_check(
        state: AppState,
        person: PersonId,
        outcome: CheckOutcome,
        details: CheckDetails,
    ) -> Result<(), String> {
        // Tap → durable in IndexedDB, as a `performance` measure the save benchmark reads.
        let perf = web_sys::window().and_then(|w| w.performance());
        if let Some(p) = &perf {
            let _ = p.mark("mimamori-save-start");
        }
        let user =
            state.session.get_untracked().user().cloned().ok_or_else(|| t!("actions.sign_in_first").into_owned())?;
        let uuid = new_uuid()?;
        let CheckDetails { note, method, concerns, location, kind, needs, requests } = details;
        let new = NewCheck {
            id: CheckId(uuid),
            person_id: person,
            outcome,
            note,
            recorded_at: now_millis(),
            method,
            concerns,
            location,
            kind,
            needs,
        };
        let mut also = Vec::with_capacity(requests.len());
        for ask in requests {
            let request = NewRequest {
                id: new_uuid()?,
                person_id: new.person_id.clone(),
                need: ask.need,
                detail: ask.detail,
                to_partner: ask.to_partner,
                visit_id: Some(new.id),
                raised_at: new.recorded_at,
            };
            also.push(Mutation::RaiseRequest { request });
        }
        let check = Check {
            id: new.id,
            person_id: new.person_id.clone(),
            outcome,
            note: new.note.as_ref().map(|n| n.as_str().to_owned()),
            recorded_at: new.recorded_at,
            received_at: None,
            author_id: user.id.clone(),
            author_name: user.display_name.clone(),
            method: new.method,
            concerns: new.concerns.clone(),
            location: new.location,
            kind: new.kind,
            needs: new.needs.clone(),
            sync: SyncState::Pending,
            rejection: None,
        };
        let draft_key = match kind {
            CheckKind::Watch => super::check_draft_key(&new.person_id),
            CheckKind::Inquiry => super::inquiry_draft_key(&new.person_id),
        };
        let queued = 1 + also.len() as u32;
        store::save_new_check(&check, Mutation::CreateCheck { check: new }, also, &draft_key)
            .await
            .map_err(|e| t!("actions.save_failed", e = e.0).into_owned())?;
        if let Some(p) = &perf {
            let _ = p.measure_with_start_mark("mimamori-save", "mimamori-save-start");
        }
        state.checks.update(|cs| cs.push(check));
        state.sync.update(|s| s.pending += queued);
        if queued > 1 {
            sync::refresh_from_store(state).await;
        }
        sync::request(state);
        Ok(())
    }

    fn stored_or_say(e: store::StoreError) -> String {
        t!("actions.save_failed", e = e.0).into_owned()
    }

    pub async fn record_consent(state: AppState, person: PersonId, consent: ConsentInput) -> Result<(), String> {
        consent.validate(&crate::ui::time::local_date(now_millis())).map_err(|e| crate::ui::i18n::validation(&e))?;
        let draft = super::consent_draft_key(&person);
        let mutation = Mutation::RecordConsent { id: new_uuid()?, person_id: person, consent };
        store::queue(vec![mutation], &draft).await.map_err(stored_or_say)?;
        sync::refresh_from_store(state).await;
        sync::request(state);
        Ok(())
    }

    pub async fn submit_activity_report(state: AppState, report: crate::domain::ActivityReport) -> Result<(), String> {
        let report = report.validate().map_err(|e| crate::ui::i18n::validation(&e))?;
        let (draft, sent) = (format!("activity:{}", report.month), format!("activity-sent:{}", report.month));
        let mutation = Mutation::SubmitActivityReport { id: new_uuid()?, report: report.clone() };
        store::queue(vec![mutation], &draft).await.map_err(stored_or_say)?;
        // What was submitted, so the screen can say so next time (wiped with everything else).
        let _ = store::put_draft(&sent, &report).await;
        sync::refresh_from_store(state).await;
        sync::request(state);
        Ok(())
    }

    pub async fn register_person(
        state: AppState,
        person: PersonFields,
        consent: ConsentInput,
    ) -> Result<PersonId, String> {
        let person = person.validate().map_err(|e| crate::ui::i18n::validation(&e))?;
        consent.validate(&crate::ui::time::local_date(now_millis())).map_err(|e| crate::ui::i18n::validation(&e))?;
        // Made here so the person can be checked before the server has heard of them.
        let person_id = PersonId(format!("p-{}", new_uuid()?.simple()));
        let mutation = Mutation::RegisterPerson { id: new_uuid()?, person_id: person_id.clone(), person, consent };
        store::queue(vec![mutation], super::REGISTER_DRAFT_KEY).await.map_err(stored_or_say)?;
        sync::refresh_from_store(state).await;
        sync::request(state);
        Ok(person_id)
    }

    pub async fn current_position() -> Result<GeoStamp, String> {
        let unavailable = || t!("actions.no_geolocation").into_owned();
        let geo = web_sys::window().ok_or_else(unavailable)?.navigator().geolocation().map_err(|_| unavailable())?;
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            if geo.get_current_position_with_error_callback(&resolve, Some(&reject)).is_err() {
                let _ = reject.call1(&JsValue::NULL, &JsValue::NULL);
                return;
            }
            // Indoors a fix may never come: give up after a while rather than spin forever.
            gloo_timers::callback::Timeout::new(15_000, move || {
                let _ = reject.call1(&JsValue::NULL, &JsValue::NULL);
            })
            .forget();
        });
        let get = |v: &JsValue, k: &str| js_sys::Reflect::get(v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED);
        let position = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| {
            if get(&e, "code").as_f64() == Some(1.0) {
                t!("actions.geolocation_denied").into_owned()
            } else {
                t!("actions.geolocation_failed").into_owned()
            }
        })?;
        let coords = get(&position, "coords");
        let n = |k: &str| get(&coords, k).as_f64().ok_or_else(|| t!("actions.geolocation_unread").into_owned());
        GeoStamp { lat: n("latitude")?, lng: n("longitude")?, accuracy_m: n("accuracy")?.min(100_000.0) }
            .validate()
            .map_err(|e| crate::ui::i18n::validation(&e))
    }
}
