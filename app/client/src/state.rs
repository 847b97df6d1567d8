//! The device's state, published as signals for the screens to show. Filled from the device
//! store, never from server HTML. Everything here is data (codes, records); no words.

use crate::api::admin::SmallArea;
use crate::domain::{Check, EpochMillis, FieldRequest, Person, PersonId, User};
use crate::error::ClientError;
use crate::store::RefusedEdit;
use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// Not read from the device store yet.
    Unknown,
    SignedOut,
    SignedIn(User),
    /// The server ended the session; local records are kept until the same user signs in again.
    Expired(User),
}

impl SessionState {
    pub fn user(&self) -> Option<&User> {
        match self {
            SessionState::SignedIn(u) | SessionState::Expired(u) => Some(u),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum SyncPhase {
    Idle,
    Syncing,
    Offline,
    NeedsSignIn,
    /// An admin reset this user's password: nothing is sent until they choose a new one.
    NeedsPasswordChange,
    Failed(ClientError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncStatus {
    /// Records saved on this device and not yet on the server (未送信).
    pub pending: u32,
    /// Records the server refused; each keeps its reason on the device.
    pub refused: u32,
    pub phase: SyncPhase,
    pub last_synced: Option<EpochMillis>,
    /// Refused records removed with a person who left this user's scope (since the app opened):
    /// their data may not stay on the device, but the user is told.
    pub dropped: u32,
    /// Whether the browser agreed to keep the store under storage pressure (`None`: not asked yet).
    pub persisted: Option<bool>,
    /// Records that would not decrypt (damaged on disk), moved aside since the app opened so the
    /// rest stay readable (a person's record comes back from the server at the next sync).
    pub aside: u32,
}

/// What stands between the user and the screens: the app lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockScreen {
    /// Unlocked, or nothing to lock (nobody signed in).
    Open,
    /// A PIN is set and the app waits for it; `wrong` PINs in a row so far.
    Locked { wrong: u32 },
    /// A PIN must be chosen before anything personal is kept: right after a sign-in, or on a store
    /// from before the lock (which is then sealed in place).
    SetPin,
    /// Signed in again after a forgotten PIN: the server's recovery key is being fetched to open
    /// the store (a PIN is chosen next).
    Recovering,
}

/// Something the device tells the user once, on the sign-in screen or over the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// This device was revoked or signed out elsewhere, and what it held is gone.
    Revoked,
    /// The browser emptied the device store; everything is being fetched again.
    StoreEvicted,
    /// Signed out with no signal: the device is wiped; the server hears of it at the next contact.
    SignedOutOffline,
    /// Ten wrong PINs in a row: the device store was wiped.
    WipedAfterWrongPins,
    /// The user forgot the PIN: the device store was wiped, to be filled again after signing in.
    WipedForgottenPin,
    /// The user forgot the PIN and signs in again to open the device store without it.
    RecoverBySignIn,
    /// Signed in again after a forgotten PIN, but the server no longer had this phone's recovery
    /// key (the phone was revoked, or recovered elsewhere): the device store was wiped.
    RecoveryRefused,
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// False until the device store has been read; until then every route shows the boot screen,
    /// which is also exactly what the server rendered.
    pub booted: RwSignal<bool>,
    pub session: RwSignal<SessionState>,
    /// The app lock; while it is not [`LockScreen::Open`], no screen with personal data shows.
    pub lock: RwSignal<LockScreen>,
    pub persons: RwSignal<Vec<Person>>,
    pub checks: RwSignal<Vec<Check>>,
    /// Whether `checks` holds every check on the device. Right after unlocking it may hold only
    /// the ones the home list and the map go by (each person's newest) while the rest are opened.
    pub checks_complete: RwSignal<bool>,
    /// Changes other than checks that the server refused (person edits, consents, registrations,
    /// requests, 活動記録), each with the server's code and message.
    pub refused: RwSignal<Vec<RefusedEdit>>,
    /// Requests on the persons held, newest change first (unsent ones included).
    pub requests: RwSignal<Vec<FieldRequest>>,
    /// Small areas this user may register a person in.
    pub areas: RwSignal<Vec<SmallArea>>,
    /// Where the 要対応 cases on the persons held stand, as of the last sync.
    pub cases: RwSignal<Vec<crate::domain::FieldCase>>,
    /// 安否確認 events under way that this user takes part in (unsent confirmations included).
    pub events: RwSignal<Vec<crate::domain::disaster::FieldEvent>>,
    pub sync: RwSignal<SyncStatus>,
    pub update_ready: RwSignal<bool>,
    /// A message for the sign-in screen (e.g. why this device was signed out).
    pub notice: RwSignal<Option<Notice>>,
    /// Devices enrolled for this user after this one that the user has not acknowledged: someone
    /// may have used their invite or password.
    pub new_devices: RwSignal<Vec<crate::api::DeviceNotice>>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            booted: RwSignal::new(false),
            session: RwSignal::new(SessionState::Unknown),
            lock: RwSignal::new(LockScreen::Open),
            persons: RwSignal::new(Vec::new()),
            checks: RwSignal::new(Vec::new()),
            checks_complete: RwSignal::new(false),
            refused: RwSignal::new(Vec::new()),
            requests: RwSignal::new(Vec::new()),
            areas: RwSignal::new(Vec::new()),
            cases: RwSignal::new(Vec::new()),
            events: RwSignal::new(Vec::new()),
            sync: RwSignal::new(SyncStatus {
                pending: 0,
                refused: 0,
                phase: SyncPhase::Idle,
                last_synced: None,
                dropped: 0,
                persisted: None,
                aside: 0,
            }),
            update_ready: RwSignal::new(false),
            notice: RwSignal::new(None),
            new_devices: RwSignal::new(Vec::new()),
        }
    }

    pub fn person(&self, id: &PersonId) -> Option<Person> {
        self.persons.with(|ps| ps.iter().find(|p| &p.id == id).cloned())
    }

    /// Checks on one person, newest first by the device's own record time.
    pub fn checks_for(&self, id: &PersonId) -> Vec<Check> {
        let mut v: Vec<Check> = self.checks.with(|cs| cs.iter().filter(|c| &c.person_id == id).cloned().collect());
        v.sort_by_key(|c| std::cmp::Reverse(c.recorded_at));
        v
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}
