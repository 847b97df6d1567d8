//! The phone map's saved tiles. The service worker keeps every tile the map fetches (capped,
//! oldest evicted: `public/sw.js`); this module fetches a planned area's tiles through it
//! (「この地域の地図を保存」), tells whether a tile is kept, and forgets them all when the device
//! is wiped (tiles carry no personal data, but where a user goes round is nobody's business).
//!
//! Fetches go one at a time with a pause between: the tile provider's terms ask for no bursts,
//! and a phone on a weak signal should not choke its own sync.

use crate::api::map::TileSource;
use crate::domain::tiles::Tile;
use gloo_net::http::Request;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReferrerPolicy, RequestCredentials, RequestMode};

/// The service worker's cache of tiles (named in `public/sw.js`).
const CACHE: &str = "mimamori-tiles";
/// The pause between two tile fetches while saving: at most ~8 a second.
pub const PAUSE_MS: u32 = 120;

/// Why saving stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveError {
    /// No network (or the tile server did not answer).
    Offline,
    /// No service worker controls the page yet (the first visit): nothing would be kept.
    NoWorker,
    /// The tile server answered with an error for this many tiles (the rest were saved).
    Refused(u32),
}

/// The pause between two fetches while saving.
pub async fn pause() {
    gloo_timers::future::TimeoutFuture::new(PAUSE_MS).await;
}

/// Where the base tiles come from: asked of the server when online (a setting that may change),
/// else as kept on the device; `None` if the map has never opened online.
pub async fn source() -> Option<TileSource> {
    match crate::http::get::<TileSource>("/map/tiles").await {
        Ok(fresh) => {
            let _ = crate::store::put_tiles(&fresh).await;
            Some(fresh)
        }
        Err(_) => crate::store::tiles().await.ok().flatten(),
    }
}

/// Whether a service worker controls this page (only then does a fetched tile get kept).
pub fn worker_ready() -> bool {
    web_sys::window().and_then(|w| w.navigator().service_worker().controller()).is_some()
}

/// Fetches one tile through the service worker (which keeps it); its size in bytes.
pub async fn fetch(template: &str, tile: Tile) -> Result<u64, SaveError> {
    let response = Request::get(&tile.url(template))
        .mode(RequestMode::Cors)
        .credentials(RequestCredentials::Omit)
        .referrer_policy(ReferrerPolicy::NoReferrer)
        .send()
        .await
        .map_err(|_| SaveError::Offline)?;
    if !response.ok() {
        return Err(SaveError::Refused(1));
    }
    let body = response.binary().await.map_err(|_| SaveError::Offline)?;
    Ok(body.len() as u64)
}

/// Whether this tile is kept on the device (for the note that the map is not saved).
pub async fn is_kept(template: &str, tile: Tile) -> bool {
    let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) else { return false };
    match JsFuture::from(caches.match_with_str(&tile.url(template))).await {
        Ok(found) => found.dyn_into::<web_sys::Response>().is_ok(),
        Err(_) => false,
    }
}

/// Forgets every kept tile.
pub async fn forget() {
    if let Some(caches) = web_sys::window().and_then(|w| w.caches().ok()) {
        let _ = JsFuture::from(caches.delete(CACHE)).await;
    }
}
