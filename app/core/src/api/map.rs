//! The office map: `GET /api/v1/map` (everyone in the coordinator's districts, with what the map
//! needs to colour and filter them) and `GET /api/v1/map/persons/{id}` (the side panel of one).
//!
//! The list carries facts, not colours: [`crate::domain::MapStatus::of`] turns them into a status
//! in the browser, the same function a phone uses on its own store, so the two maps agree.

use crate::domain::{
    Check, CheckOutcome, ConsentScopes, EpochMillis, FieldRequest, HouseholdType, PersonId, Role, UserId,
};
use serde::{Deserialize, Serialize};

/// Where the base map comes from: a server setting, so a municipality can use its own tile server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileSource {
    /// `https://host/path/{z}/{x}/{y}.png`
    pub url: String,
    /// Shown on the map at all times (地理院タイル: 「国土地理院」).
    pub attribution: String,
    pub max_zoom: u8,
    /// How many megabytes of tiles a phone keeps for offline use (the service worker evicts the
    /// oldest beyond it).
    #[serde(default = "default_cache_mb")]
    pub cache_mb: u32,
}

fn default_cache_mb() -> u32 {
    TileSource::DEFAULT_CACHE_MB
}

impl TileSource {
    pub const DEFAULT_CACHE_MB: u32 = 50;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MapView {
    pub tiles: TileSource,
    pub persons: Vec<MapPerson>,
    /// The small areas of the coordinator's districts, those with nobody in them included.
    pub small_areas: Vec<MapArea>,
    /// Everyone who watches someone on the map (volunteers and 民生委員), by name.
    pub watchers: Vec<Watcher>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPerson {
    pub id: PersonId,
    pub name: String,
    pub address: String,
    /// `None` when the stored place is not in Japan (a typo, or never set): listed, not drawn.
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub small_area_id: String,
    pub household_type: HouseholdType,
    pub needs_evacuation_help: bool,
    pub check_interval_days: u32,
    /// The newest check of any outcome.
    pub last_check_at: Option<EpochMillis>,
    /// How the newest check that saw the person (not 不在) found them.
    pub last_seen: Option<CheckOutcome>,
    /// Requests not yet done.
    pub open_requests: u32,
    /// Who watches them: their volunteers and the 民生委員 of their small area.
    pub watchers: Vec<UserId>,
    /// Where their open 要対応 case stands, if they have one.
    #[serde(default)]
    pub open_case: Option<crate::domain::CaseStatus>,
    /// A signal in that case waits for the office to acknowledge it.
    #[serde(default)]
    pub case_awaiting: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapArea {
    pub id: String,
    pub name: String,
    pub district_id: String,
    pub district: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watcher {
    pub id: UserId,
    pub name: String,
    pub role: Role,
}

/// The side panel of one person on the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapPanel {
    pub id: PersonId,
    pub name: String,
    pub address: String,
    pub household_type: HouseholdType,
    pub needs_evacuation_help: bool,
    pub consent: ConsentScopes,
    /// The newest five checks, newest first.
    pub checks: Vec<Check>,
    /// Requests not yet done, newest first.
    pub open_requests: Vec<FieldRequest>,
    pub watchers: Vec<Watcher>,
    /// Their open 要対応 case, if any.
    #[serde(default)]
    pub open_case: Option<super::cases::CaseSummary>,
}

/// How many checks the side panel shows.
pub const PANEL_CHECKS: usize = 5;
