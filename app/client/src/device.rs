//! What the screens ask of the device: sign in and out, save a check or an edit, queue a
//! consent or a registration, and keep syncing. Every save is durable in IndexedDB before it
//! returns `Ok`; every failure is a [`ClientError`] for the screens to word.

use crate::api::Mutation;
use crate::domain::disaster::{NewConfirmation, ResponderState};
use crate::domain::{
    ActivityReport, Check, CheckId, CheckKind, CheckMethod, CheckNote, CheckOutcome, Concern, ConsentInput, FieldEdit,
    FieldValue, GeoStamp, Need, NeedNote, NewCheck, NewRequest, PersonFields, PersonId, SyncState, User,
};
use crate::error::{ClientError, LocationError};
use crate::state::{AppState, LockScreen, Notice, SessionState, SyncPhase};
use crate::store::Vault;
use crate::time::now_millis;
use crate::vault;
use crate::{http, store, sw, sync};
use leptos::prelude::*;
use mimamori_core::domain::pin::{WARN_FROM_WRONG_PINS, WIPE_AFTER_WRONG_PINS};
use mimamori_core::domain::{LockAfter, Pin, ValidationError};
use mimamori_core::error::ErrorCode;
use std::cell::{Cell, RefCell};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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

/// The form key a check form's draft is kept under.
pub fn check_draft_key(person: &PersonId) -> String {
    format!("check:{}", person.as_str())
}

/// A half-filled form kept on the device (drafts are personal data: wiped with everything else).
pub async fn load_draft<T: for<'de> serde::Deserialize<'de>>(key: String) -> Option<T> {
    store::draft(&key).await.ok().flatten()
}

pub fn save_draft<T: serde::Serialize + 'static>(key: String, value: T) {
    leptos::task::spawn_local(async move {
        let _ = store::put_draft(&key, &value).await;
    });
}

/// Whether the browser believes it has a network connection.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Starts a sync now (or right after the one under way).
pub fn sync_now(state: AppState) {
    sync::request(state);
}

/// Switches to the new release waiting in the service worker.
pub fn apply_update() {
    sw::apply_update();
}

/// Opens the browser's print dialog.
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}

const SYNC_EVERY_MS: u32 = 60_000;
const UPDATE_CHECK_EVERY_MS: u32 = 30 * 60_000;

/// What waits for the user to choose a PIN before it may be kept on the device.
enum AwaitingPin {
    /// A sign-in (password or invite) the server has accepted.
    SignIn(crate::api::SignInResponse),
    /// A user learnt from the server at start (after the first page's form, or an evicted store).
    Learnt(User),
    /// A store from before the lock, in the clear: sealed in place once the PIN is set.
    PlainStore,
    /// A sign-in after a forgotten PIN that got the data key back: it is wrapped under the new PIN
    /// and the store stays as it is (unsent records included).
    Recovered(crate::api::SignInResponse),
}

thread_local! {
    static AWAITING_PIN: RefCell<Option<AwaitingPin>> = const { RefCell::new(None) };
    /// When the user last touched or typed (`performance.now()`: monotonic, unmoved by clock changes).
    static LAST_ACTIVE: Cell<f64> = const { Cell::new(0.0) };
    /// When the app last went to the back (wall clock, ms since the epoch; 0 while in front).
    static HIDDEN_AT: Cell<f64> = const { Cell::new(0.0) };
    static LOCK_AFTER_MIN: Cell<u32> = const { Cell::new(10) };
    /// 「PINを忘れた」, then signing in again: the store's recovery wrap, to open it with once the
    /// server accepts the sign-in.
    static RECOVERING: RefCell<Option<vault::RecoveryWrap>> = const { RefCell::new(None) };
    /// The sign-in the server accepted, with the wrap to open, while the recovery key is fetched.
    static PENDING_RECOVERY: RefCell<Option<(crate::api::SignInResponse, vault::RecoveryWrap)>> =
        const { RefCell::new(None) };
}

fn await_pin(state: AppState, what: AwaitingPin) {
    AWAITING_PIN.with(|a| *a.borrow_mut() = Some(what));
    state.lock.set(LockScreen::SetPin);
}

pub fn boot(state: AppState) {
    leptos::task::spawn_local(async move {
        if let Ok(offset) = store::clock_offset().await {
            crate::time::set_clock_offset(offset);
        }
        match store::vault_state().await {
            Ok(Vault::Locked(lock)) => {
                LOCK_AFTER_MIN.with(|m| m.set(lock.lock_after_min));
                state.lock.set(LockScreen::Locked { wrong: lock.wrong });
                state.booted.set(true);
                sw::register(state);
                return;
            }
            Ok(Vault::NoPin { plain_user: Some(_) }) => {
                await_pin(state, AwaitingPin::PlainStore);
                state.booted.set(true);
                sw::register(state);
                return;
            }
            _ => {}
        }
        open_store(state).await;
        sw::register(state);
    });
    let window = web_sys::window().expect("a browser window");
    watch_idle(&window);
    let on_online = Closure::<dyn FnMut()>::new(move || {
        sync::request(state);
        sw::check_for_update();
    });
    let _ = window.add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
    on_online.forget();
    // Back to the front (the phone unlocked, the app switched to): the signal may have come back
    // without any `online` event.
    let on_front = Closure::<dyn FnMut()>::new(move || {
        let document = web_sys::window().and_then(|w| w.document());
        if document.is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible) {
            sync::request(state);
        }
    });
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", on_front.as_ref().unchecked_ref());
    }
    on_front.forget();
    gloo_timers::callback::Interval::new(SYNC_EVERY_MS, move || sync::request(state)).forget();
    gloo_timers::callback::Interval::new(UPDATE_CHECK_EVERY_MS, sw::check_for_update).forget();
}

/// Reads the (unlocked) device store into the screens and starts syncing; at start, and again
/// when a PIN has just been set or typed.
async fn open_store(state: AppState) {
    let session = match store::session().await {
        Ok(Some(user)) => SessionState::SignedIn(user),
        Ok(None) => {
            let learnt =
                if signed_in_by_form() { adopt_form_session().await } else { recover_evicted_store(state).await };
            match learnt {
                Some(user) => {
                    await_pin(state, AwaitingPin::Learnt(user));
                    state.booted.set(true);
                    return;
                }
                None => SessionState::SignedOut,
            }
        }
        Err(e) => {
            state.sync.update(|s| s.phase = SyncPhase::Failed(ClientError::StoreOpen(e.0)));
            SessionState::SignedOut
        }
    };
    if let Ok(Vault::Open(lock)) = store::vault_state().await {
        LOCK_AFTER_MIN.with(|m| m.set(lock.lock_after_min));
    }
    LAST_ACTIVE.with(|t| t.set(web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())));
    state.session.set(session);
    sync::refresh_from_store(state).await;
    state.booted.set(true);
    request_persistent_storage(state);
    if state.session.with_untracked(|s| s.user().is_some()) {
        sync::elect(state);
    } else {
        sync::request(state);
    }
}

/// Sets the app lock's PIN, typed twice; then what waited for it goes on (a sign-in, a user
/// learnt at start, or a store from before the lock, sealed in place now). `Ok` means the data key
/// is wrapped under the PIN and on disk.
pub async fn set_pin(state: AppState, first: String, again: String) -> Result<(), ClientError> {
    let pin = Pin::parse(&first)?;
    if first != again {
        return Err(ValidationError { code: ErrorCode::PinMismatch, detail: "the two PINs differ".into() }.into());
    }
    let recovered = AWAITING_PIN.with(|a| matches!(*a.borrow(), Some(AwaitingPin::Recovered(_))));
    let lock = if recovered {
        // The data key came back with the sign-in: the records stay sealed as they are, and the
        // recovery wrap made for the new session (if any yet) stays with them.
        let previous = match store::vault_state().await? {
            Vault::Open(lock) | Vault::Locked(lock) => Some(lock),
            Vault::NoPin { .. } => None,
        };
        let mut lock =
            vault::wrap_under_pin(&pin, previous.as_ref().map_or(LockAfter::default().minutes(), |l| l.lock_after_min))
                .await
                .map_err(|e| ClientError::Store(e.to_string()))?;
        lock.set_recovery(previous.and_then(|l| l.recovery()));
        store::put_lock(&lock).await?;
        lock
    } else {
        let lock =
            vault::create(&pin, LockAfter::default().minutes()).await.map_err(|e| ClientError::Store(e.to_string()))?;
        store::seal_in_place(&lock).await?;
        lock
    };
    LOCK_AFTER_MIN.with(|m| m.set(lock.lock_after_min));
    LAST_ACTIVE.with(|t| t.set(web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())));
    let waiting = AWAITING_PIN.with(|a| a.borrow_mut().take());
    match waiting {
        Some(AwaitingPin::SignIn(res) | AwaitingPin::Recovered(res)) => finish_sign_in(state, res).await?,
        Some(AwaitingPin::Learnt(user)) => {
            store::set_session(&user).await?;
            open_store(state).await;
        }
        Some(AwaitingPin::PlainStore) | None => open_store(state).await,
    }
    // The screens appear only now, with the session in place (else they would send the user to
    // sign in); unless what followed asks for a PIN again (a different user's sign-in).
    if AWAITING_PIN.with(|a| a.borrow().is_none()) {
        state.lock.set(LockScreen::Open);
        tell_server_after_unlock();
    }
    Ok(())
}

/// What typing a PIN on the lock screen led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlocked {
    Yes,
    /// Wrong; this many tries are left before the store is wiped.
    Wrong {
        left: u32,
    },
    /// The last try was wrong: everything on the device is gone.
    Wiped,
}

/// Unlocks with `typed`. A wrong PIN is counted on disk before the key is tried, so closing the
/// app mid-try does not buy another; the tenth in a row wipes the device store.
pub async fn unlock(state: AppState, typed: String) -> Result<Unlocked, ClientError> {
    let pin = Pin::typed(&typed)?;
    let Vault::Locked(mut lock) = store::vault_state().await? else {
        state.lock.set(LockScreen::Open);
        return Ok(Unlocked::Yes);
    };
    lock.wrong += 1;
    store::put_lock(&lock).await?;
    match vault::unlock(&lock, &pin).await {
        Ok(()) => {
            lock.wrong = 0;
            store::put_lock(&lock).await?;
            open_store(state).await;
            state.lock.set(LockScreen::Open);
            tell_server_after_unlock();
            Ok(Unlocked::Yes)
        }
        Err(vault::VaultError::WrongPin) if lock.wrong >= WIPE_AFTER_WRONG_PINS => {
            store::wipe().await.map_err(|e| ClientError::WipeFailed(e.0))?;
            state.notice.set(Some(Notice::WipedAfterWrongPins));
            state.session.set(SessionState::SignedOut);
            state.lock.set(LockScreen::Open);
            Ok(Unlocked::Wiped)
        }
        Err(vault::VaultError::WrongPin) => {
            state.lock.set(LockScreen::Locked { wrong: lock.wrong });
            Ok(Unlocked::Wrong { left: WIPE_AFTER_WRONG_PINS - lock.wrong })
        }
        Err(e) => Err(ClientError::Store(e.to_string())),
    }
}

/// From how many wrong PINs the lock screen warns that the store will be wiped.
pub const fn warn_from_wrong_pins() -> u32 {
    WARN_FROM_WRONG_PINS
}

/// Records not yet sent (readable while locked: only counted, never opened).
pub async fn unsent_count() -> u32 {
    store::pending_count().await.unwrap_or(0)
}

/// Whether 「PINを忘れた」 can keep this phone's records: the store holds its data key wrapped under
/// a recovery key the server keeps (see `vault`).
pub async fn recoverable() -> bool {
    matches!(store::vault_state().await, Ok(Vault::Locked(lock)) if lock.recovery_device.is_some())
}

/// 「PINを忘れた」, keeping the records: the user signs in again (password, or a new invite code),
/// and the server's recovery key then opens the store ([`signed_in`]); a new PIN follows.
pub async fn recover_by_sign_in(state: AppState) -> Result<(), ClientError> {
    let Vault::Locked(lock) = store::vault_state().await? else {
        return Err(ClientError::NotSignedIn);
    };
    let Some(wrap) = lock.recovery() else {
        return Err(ClientError::NotSignedIn);
    };
    RECOVERING.with(|r| *r.borrow_mut() = Some(wrap));
    state.notice.set(Some(Notice::RecoverBySignIn));
    state.session.set(SessionState::SignedOut);
    state.lock.set(LockScreen::Open);
    Ok(())
}

/// After a sign-in that follows 「PINを忘れた」: the server gives back this phone's recovery key,
/// which opens the store; the user then chooses a new PIN. If the server refuses (the phone was
/// revoked, or recovered already), nothing can open the store: it is wiped and filled again from
/// the server, and the user is told. Out of reach, it may be tried again.
pub async fn finish_recovery(state: AppState) -> Result<(), ClientError> {
    let Some((res, wrap)) = PENDING_RECOVERY.with(|p| p.borrow_mut().take()) else {
        state.lock.set(LockScreen::Open);
        return Ok(());
    };
    let opened = match http::recover(&wrap.device).await {
        Ok(key) => vault::unlock_with_recovery(&wrap, &key.key).is_ok(),
        Err(e @ (ClientError::Offline | ClientError::Server(_))) => {
            PENDING_RECOVERY.with(|p| *p.borrow_mut() = Some((res, wrap)));
            return Err(e);
        }
        Err(_) => false,
    };
    if !opened {
        store::wipe().await.map_err(|e| ClientError::WipeFailed(e.0))?;
        state.notice.set(Some(Notice::RecoveryRefused));
        await_pin(state, AwaitingPin::SignIn(res));
        return Ok(());
    }
    // The old device's key is spent: wrap the data key under one for this session at once, so a
    // phone closed before the new PIN is chosen can be recovered again.
    let _ = renew_recovery_key().await;
    state.notice.set(None);
    await_pin(state, AwaitingPin::Recovered(res));
    Ok(())
}

/// Wraps the data key (in memory) under a new recovery key from the server, kept with the lock
/// record; the key itself is dropped here (see `vault`). The server's key for this session
/// replaces any earlier one.
async fn renew_recovery_key() -> Result<(), ClientError> {
    let key = http::recovery_key().await?;
    let wrap = vault::wrap_for_recovery(key.device, &key.key).map_err(|e| ClientError::Store(e.to_string()))?;
    let (Vault::Open(mut lock) | Vault::Locked(mut lock)) = store::vault_state().await? else {
        return Ok(());
    };
    lock.set_recovery(Some(wrap));
    store::put_lock(&lock).await?;
    Ok(())
}

/// After the PIN is set or typed, in the background: a store without a recovery wrap (its PIN set
/// with no signal, or from before recovery existed), or with one made for an ended session, asks
/// the server for a key, and records moved
/// aside are reported. Tried again at every unlock until it works.
fn tell_server_after_unlock() {
    leptos::task::spawn_local(async {
        if let Ok(Vault::Open(lock)) = store::vault_state().await {
            if lock.recovery_device.is_none() || lock.recovery_stale {
                let _ = renew_recovery_key().await;
            }
        }
        // Records found damaged and moved aside: the server's security log hears of them (store
        // names and counts), now or at a later unlock with signal.
        if let Some(report) = store::unreported_aside().await {
            if http::records_aside(&report).await.is_ok() {
                let _ = store::clear_unreported_aside().await;
            }
        }
    });
}

/// 「PINを忘れた」 without a recovery key (a store from before it, or one that never reached the
/// server): the device store is wiped (what was not sent with it) and the user signs in again,
/// which fetches everything back from the server.
pub async fn forget_pin(state: AppState) -> Result<(), ClientError> {
    store::wipe().await.map_err(|e| ClientError::WipeFailed(e.0))?;
    state.notice.set(Some(Notice::WipedForgottenPin));
    state.session.set(SessionState::SignedOut);
    state.lock.set(LockScreen::Open);
    Ok(())
}

/// Locks now: the data key leaves memory and the page starts over at the lock screen, so nothing
/// read from the store stays in the page either. What was typed is in the (sealed) drafts.
pub fn lock_now() {
    if !vault::unlocked() {
        return;
    }
    vault::forget();
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Starts the page over (at the lock screen, when the store is locked).
pub fn start_over() {
    vault::forget();
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// Changes the PIN: the current one opens the data key, which is wrapped anew under the new one
/// (typed twice). The records stay as they are; the old PIN opens nothing from then on.
pub async fn change_pin(current: String, new: String, again: String) -> Result<(), ClientError> {
    let current = Pin::typed(&current)?;
    let new_pin = Pin::parse(&new)?;
    if new != again {
        return Err(ValidationError { code: ErrorCode::PinMismatch, detail: "the two PINs differ".into() }.into());
    }
    let Vault::Open(lock) = store::vault_state().await? else {
        return Err(ClientError::NotSignedIn);
    };
    let record = vault::rewrap(&lock, &current, &new_pin).await.map_err(|e| match e {
        vault::VaultError::WrongPin => {
            ValidationError { code: ErrorCode::WrongPin, detail: "current PIN".into() }.into()
        }
        other => ClientError::Store(other.to_string()),
    })?;
    store::put_lock(&record).await?;
    Ok(())
}

/// The minutes unused after which the app locks itself.
pub fn lock_after() -> LockAfter {
    LockAfter::from_minutes(LOCK_AFTER_MIN.with(Cell::get)).unwrap_or_default()
}

pub async fn set_lock_after(after: LockAfter) -> Result<(), ClientError> {
    if let Vault::Open(mut lock) = store::vault_state().await? {
        lock.lock_after_min = after.minutes();
        store::put_lock(&lock).await?;
    }
    LOCK_AFTER_MIN.with(|m| m.set(after.minutes()));
    Ok(())
}

/// Notes every touch and key press, and locks once the app has sat unused for the chosen minutes:
/// checked every 10 s and whenever the app comes back to the front. Unused time is measured on the
/// page's monotonic clock, so setting the phone's clock back cannot keep the app open (nor a clock
/// set forward lock it); time in the back, when a phone may sleep and that clock may stop, is
/// measured by the wall clock from the moment the app was hidden.
fn watch_idle(window: &web_sys::Window) {
    fn now() -> f64 {
        web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
    }
    fn limit_ms() -> f64 {
        f64::from(LOCK_AFTER_MIN.with(Cell::get)) * 60_000.0
    }
    LAST_ACTIVE.with(|t| t.set(now()));
    let active = Closure::<dyn FnMut()>::new(|| LAST_ACTIVE.with(|t| t.set(now())));
    for event in ["pointerdown", "keydown", "touchstart"] {
        let _ = window.add_event_listener_with_callback(event, active.as_ref().unchecked_ref());
    }
    active.forget();
    let check = || {
        if now() - LAST_ACTIVE.with(Cell::get) > limit_ms() {
            lock_now();
        }
    };
    let on_visibility = Closure::<dyn FnMut()>::new(move || {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
        if hidden {
            HIDDEN_AT.with(|h| h.set(js_sys::Date::now()));
            return;
        }
        let away = HIDDEN_AT.with(|h| h.replace(0.0));
        if away > 0.0 && js_sys::Date::now() - away > limit_ms() {
            lock_now();
        }
        check();
    });
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", on_visibility.as_ref().unchecked_ref());
    }
    on_visibility.forget();
    gloo_timers::callback::Interval::new(10_000, check).forget();
}

/// Whether the server has just sent this browser on from the first page's HTML sign-in form
/// (which works before the app has loaded; the server adds the mark to the address).
fn signed_in_by_form() -> bool {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    search.trim_start_matches('?').split('&').any(|pair| pair == crate::api::SIGNED_IN_BY_FORM)
}

/// After a form sign-in the session is in the cookie and the store is empty, as on a new phone:
/// learn the user from the server and start as the app's own sign-in does (not as an evicted
/// store, which it is not). The mark leaves the address, so a reload is an ordinary start.
async fn adopt_form_session() -> Option<User> {
    if let Some(window) = web_sys::window() {
        let path = window.location().pathname().unwrap_or_else(|_| "/".into());
        let _ = window.history().and_then(|h| h.replace_state_with_url(&JsValue::NULL, "", Some(&path)));
    }
    let user = http::me().await.ok().flatten()?;
    let _ = store::clear_sign_out_pending().await;
    Some(user)
}

/// An empty store while the server still knows this device as signed in means the browser
/// evicted (or the user cleared) the store. Say so and fetch everything again, rather than
/// show an empty list as if it were true. Not after a sign-out the server has yet to hear of:
/// that session is told to end instead.
async fn recover_evicted_store(state: AppState) -> Option<User> {
    if !online() || store::sign_out_pending().await.unwrap_or(false) {
        return None;
    }
    let user = http::me().await.ok().flatten()?;
    state.notice.set(Some(Notice::StoreEvicted));
    Some(user)
}

pub async fn sign_in(state: AppState, login: String, password: String) -> Result<(), ClientError> {
    let res = http::sign_in(&login, &password).await?;
    signed_in(state, res).await
}

/// Enrols this device with a volunteer's one-time invite code (from the QR code or typed), then
/// continues exactly as a password sign-in does.
pub async fn enroll(state: AppState, code: String) -> Result<(), ClientError> {
    let res = http::enroll(&code).await?;
    signed_in(state, res).await
}

/// What follows any successful sign-in (password or invite): remember the user, start syncing.
/// A device without a PIN asks for one first: nothing about the user is stored before it.
async fn signed_in(state: AppState, res: crate::api::SignInResponse) -> Result<(), ClientError> {
    // A new session: whatever an offline sign-out left to tell the server is moot now, and so
    // is what the sign-in screen said.
    let _ = store::clear_sign_out_pending().await;
    state.notice.set(None);
    if let Some(wrap) = RECOVERING.with(|r| r.borrow_mut().take()) {
        // On to the lock screens (their own chunk, as is all of recovery's code): the store is
        // opened there with the server's key, then a new PIN is chosen.
        PENDING_RECOVERY.with(|p| *p.borrow_mut() = Some((res, wrap)));
        state.lock.set(LockScreen::Recovering);
        return Ok(());
    }
    if !vault::unlocked() {
        if res.must_change_password {
            state.sync.update(|s| s.phase = SyncPhase::NeedsPasswordChange);
        }
        await_pin(state, AwaitingPin::SignIn(res));
        return Ok(());
    }
    finish_sign_in(state, res).await
}

async fn finish_sign_in(state: AppState, res: crate::api::SignInResponse) -> Result<(), ClientError> {
    let previous = store::session().await.ok().flatten();
    // Another person's data must never be shown to this user: a different user starts empty.
    if previous.as_ref().is_some_and(|p| p.id != res.user.id) {
        store::wipe().await.map_err(|e| ClientError::WipeFailed(e.0))?;
        // The wipe took the PIN with it: the new user chooses their own.
        await_pin(state, AwaitingPin::SignIn(res));
        return Ok(());
    }
    store::set_session(&res.user).await?;
    // The same user signed in again (an ended session) on an open store: its recovery wrap names
    // the device that ended, which a later revocation would make useless. Marked, and wrapped anew
    // at the next unlock (`tell_server_after_unlock`, in the lock screens' chunk).
    if let Ok(Vault::Open(mut lock)) = store::vault_state().await {
        if lock.recovery_device.as_ref().is_some_and(|d| *d != res.device) {
            lock.recovery_stale = true;
            store::put_lock(&lock).await?;
        }
    }
    // The device store is read before the session is published, and nothing is awaited after it:
    // the screens appear signed in only when the caller navigates on at once. (Publishing first
    // let a tap on the menu land while the store was read, then be overridden by that navigation.)
    sync::refresh_from_store_as(state, Some(&res.user)).await;
    state.notice.set(None);
    state
        .sync
        .update(|s| s.phase = if res.must_change_password { SyncPhase::NeedsPasswordChange } else { SyncPhase::Idle });
    state.session.set(SessionState::SignedIn(res.user));
    request_persistent_storage(state);
    sync::elect(state);
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

fn new_uuid() -> Result<uuid::Uuid, ClientError> {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .and_then(|s| uuid::Uuid::parse_str(&s).ok())
        .ok_or(ClientError::NoUuid)
}

/// Queues changes to a person's fields. `Ok` means they are durable in IndexedDB.
pub async fn save_person_edit(state: AppState, person: PersonId, changes: Vec<FieldValue>) -> Result<(), ClientError> {
    if changes.is_empty() {
        return Ok(());
    }
    let server = store::server_person(&person).await?.ok_or(ClientError::PersonNotHere)?;
    let edits = changes
        .into_iter()
        .map(|change| FieldEdit { base: server.field_versions.get(&change.field()).copied().unwrap_or(0), change })
        .collect();
    let mutation = Mutation::EditPerson { id: new_uuid()?, person_id: person, edits };
    store::save_edit(mutation).await?;
    sync::refresh_from_store(state).await;
    sync::request(state);
    Ok(())
}

/// Signs out: the device forgets everything personal now, with or without signal. The server
/// ends the session now when it can be reached, else at this device's next contact (or when
/// the session expires, if it never makes one).
pub async fn sign_out(state: AppState) -> Result<(), ClientError> {
    let told = http::sign_out().await.is_ok();
    store::wipe_and(!told).await.map_err(|e| ClientError::WipeFailed(e.0))?;
    state.session.set(SessionState::SignedOut);
    state.new_devices.set(Vec::new());
    if !told {
        state.notice.set(Some(Notice::SignedOutOffline));
    }
    sync::refresh_from_store(state).await;
    Ok(())
}

/// Changes the signed-in user's own password (online only).
pub async fn change_password(state: AppState, current: String, new: String) -> Result<(), ClientError> {
    http::change_password(&current, &new).await?;
    state.sync.update(|s| {
        if s.phase == SyncPhase::NeedsPasswordChange {
            s.phase = SyncPhase::Idle;
        }
    });
    sync::request(state);
    Ok(())
}

/// The user has read the notice about devices enrolled after this one.
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
) -> Result<(), ClientError> {
    // Tap → durable in IndexedDB, as a `performance` measure the save benchmark reads.
    let perf = web_sys::window().and_then(|w| w.performance());
    if let Some(p) = &perf {
        let _ = p.mark("mimamori-save-start");
    }
    let user = state.session.get_untracked().user().cloned().ok_or(ClientError::NotSignedIn)?;
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
        rejection_code: None,
    };
    let draft_key = match kind {
        CheckKind::Watch => check_draft_key(&new.person_id),
        CheckKind::Inquiry => inquiry_draft_key(&new.person_id),
    };
    let queued = 1 + also.len() as u32;
    store::save_new_check(&check, Mutation::CreateCheck { check: new }, also, &draft_key).await?;
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

/// Queues a consent obtained in the field. `Ok` means it is durable in IndexedDB.
pub async fn record_consent(state: AppState, person: PersonId, consent: ConsentInput) -> Result<(), ClientError> {
    consent.validate(&crate::time::local_date(now_millis()))?;
    let draft = consent_draft_key(&person);
    let mutation = Mutation::RecordConsent { id: new_uuid()?, person_id: person, consent };
    store::queue(vec![mutation], &draft).await?;
    sync::refresh_from_store(state).await;
    sync::request(state);
    Ok(())
}

/// Records what a 民生委員 did on a 要対応 case (queued like everything else). `Ok` means it is
/// durable in IndexedDB; the case shows the change as not yet sent until the server answers.
pub async fn update_case(
    state: AppState,
    me: &crate::domain::User,
    person: PersonId,
    case_id: String,
    update: crate::domain::CaseUpdate,
) -> Result<(), ClientError> {
    let update = update.validate()?;
    crate::domain::field_update_allowed(&update, &me.id)?;
    let mutation = Mutation::UpdateCase { id: new_uuid()?, person_id: person, case_id, update };
    store::save_edit(mutation).await?;
    sync::refresh_from_store(state).await;
    sync::request(state);
    Ok(())
}

/// 安否確認: one look at a person on an event's list, queued like everything else. `Ok` means it
/// is durable in IndexedDB; the list shows it at once, as not yet sent until the server answers.
pub async fn confirm_safety(state: AppState, confirmation: NewConfirmation) -> Result<(), ClientError> {
    let confirmation = NewConfirmation { id: new_uuid()?, recorded_at: now_millis(), ..confirmation }.validate()?;
    store::save_edit(Mutation::ConfirmSafety { confirmation }).await?;
    sync::refresh_from_store(state).await;
    sync::request(state);
    Ok(())
}

/// 安否確認: the user's own state in an event (自分の安全が第一), queued like everything else.
pub async fn report_self(state: AppState, event_id: String, own: ResponderState) -> Result<(), ClientError> {
    store::save_edit(Mutation::ReportSelf { id: new_uuid()?, event_id, state: own }).await?;
    sync::refresh_from_store(state).await;
    sync::request(state);
    Ok(())
}

/// Submits a month's 活動記録 (queued like everything else). `Ok` means it is durable in IndexedDB.
pub async fn submit_activity_report(state: AppState, report: ActivityReport) -> Result<(), ClientError> {
    let report = report.validate()?;
    let (draft, sent) = (format!("activity:{}", report.month), format!("activity-sent:{}", report.month));
    let mutation = Mutation::SubmitActivityReport { id: new_uuid()?, report: report.clone() };
    store::queue(vec![mutation], &draft).await?;
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
) -> Result<PersonId, ClientError> {
    let person = person.validate()?;
    consent.validate(&crate::time::local_date(now_millis()))?;
    // Made here so the person can be checked before the server has heard of them.
    let person_id = PersonId::registered(new_uuid()?);
    let mutation = Mutation::RegisterPerson { id: new_uuid()?, person_id: person_id.clone(), person, consent };
    store::queue(vec![mutation], REGISTER_DRAFT_KEY).await?;
    sync::refresh_from_store(state).await;
    sync::request(state);
    Ok(person_id)
}

/// The device's position, when the user has allowed it.
pub async fn current_position() -> Result<GeoStamp, ClientError> {
    let unavailable = ClientError::Location(LocationError::Unavailable);
    let geo = web_sys::window().ok_or(unavailable.clone())?.navigator().geolocation().map_err(|_| unavailable)?;
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
            ClientError::Location(LocationError::Denied)
        } else {
            ClientError::Location(LocationError::Failed)
        }
    })?;
    let coords = get(&position, "coords");
    let n = |k: &str| get(&coords, k).as_f64().ok_or(ClientError::Location(LocationError::Unreadable));
    GeoStamp { lat: n("latitude")?, lng: n("longitude")?, accuracy_m: n("accuracy")?.min(100_000.0) }
        .validate()
        .map_err(ClientError::from)
}
