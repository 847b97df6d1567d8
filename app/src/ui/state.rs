//! What the UI shows, as signals. Filled from the device store, never from server HTML.

use crate::api::admin::SmallArea;
use crate::domain::{Check, EpochMillis, FieldRequest, Person, PersonId, User};
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
    Failed(String),
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
}

/// A change to a person the server refused, shown on that person's page with the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusedChange {
    pub person_id: PersonId,
    /// The fields it would have changed, in words.
    pub what: String,
    pub reason: String,
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// False until the device store has been read; until then every route shows the boot screen,
    /// which is also exactly what the server rendered.
    pub booted: RwSignal<bool>,
    pub session: RwSignal<SessionState>,
    pub persons: RwSignal<Vec<Person>>,
    pub checks: RwSignal<Vec<Check>>,
    pub refused_changes: RwSignal<Vec<RefusedChange>>,
    /// Requests on the persons held, newest change first (unsent ones included).
    pub requests: RwSignal<Vec<FieldRequest>>,
    /// 活動記録 the server refused: (month, reason).
    pub refused_reports: RwSignal<Vec<(String, String)>>,
    /// Small areas this user may register a person in.
    pub areas: RwSignal<Vec<SmallArea>>,
    pub sync: RwSignal<SyncStatus>,
    pub update_ready: RwSignal<bool>,
    /// A message for the sign-in screen (e.g. why this device was signed out).
    pub notice: RwSignal<Option<String>>,
    /// Devices enrolled for this user after this one that the user has not acknowledged: someone
    /// may have used their invite or password.
    pub new_devices: RwSignal<Vec<crate::api::DeviceNotice>>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            booted: RwSignal::new(false),
            session: RwSignal::new(SessionState::Unknown),
            persons: RwSignal::new(Vec::new()),
            checks: RwSignal::new(Vec::new()),
            refused_changes: RwSignal::new(Vec::new()),
            requests: RwSignal::new(Vec::new()),
            areas: RwSignal::new(Vec::new()),
            refused_reports: RwSignal::new(Vec::new()),
            sync: RwSignal::new(SyncStatus {
                pending: 0,
                refused: 0,
                phase: SyncPhase::Idle,
                last_synced: None,
                dropped: 0,
                persisted: None,
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
