//! 地図 (phone): the user's own persons where they live, coloured as the office map colours them
//! (the same [`LastChecks`] and [`MapStatus`] over the device's own history), their own position
//! when they allow it, a tap on a marker opens the person. For planning the day's round.
//!
//! Offline is the normal case: the markers come only from the device store, and the base map
//! from the tiles the service worker kept (those seen online, and those saved with
//! 「この地域の地図を保存」 over the user's own small areas). Without tiles the markers still show
//! on a plain background, and the page says the map is not saved. The list of persons stays the
//! accessible way in (担当の方); this page links back to it.

use super::actions;
use super::i18n::{self, LangChoice};
use super::map as lmap;
use super::state::use_app_state;
use super::time::{local_offset_minutes, now_millis};
use crate::api::map::TileSource;
use crate::client::tiles::{self, SaveError};
use crate::domain::tiles::{plan, Tile, ESTIMATED_TILE_BYTES};
use crate::domain::{in_japan, GeoStamp, LastChecks, MapStatus};
use crate::error::Lang;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_i18n::t;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;

/// One person as the map draws them.
#[derive(Debug, Clone, PartialEq)]
struct Pin {
    id: String,
    name: String,
    address: String,
    small_area: String,
    lat: f64,
    lng: f64,
    status: MapStatus,
    evacuation_help: bool,
}

impl Pin {
    fn placed(&self) -> bool {
        in_japan(self.lat, self.lng)
    }
}

fn mark(s: MapStatus) -> &'static str {
    crate::words::map_mark(s, Lang::current())
}

#[component]
pub fn FieldMapPage() -> impl IntoView {
    let state = use_app_state();
    let pins = Memo::new(move |_| {
        let now = now_millis();
        let offset = local_offset_minutes(now);
        state.checks.with(|checks| {
            let last = LastChecks::of_all(checks);
            state.persons.with(|ps| {
                ps.iter()
                    .map(|p| Pin {
                        id: p.id.as_str().to_owned(),
                        name: p.name.clone(),
                        address: p.address.clone(),
                        small_area: p.small_area.clone(),
                        lat: p.lat,
                        lng: p.lng,
                        status: last.get(&p.id).copied().unwrap_or_default().status(p.check_interval_days, now, offset),
                        evacuation_help: p.needs_evacuation_help,
                    })
                    .collect::<Vec<_>>()
            })
        })
    });
    let here = RwSignal::new(None::<GeoStamp>);
    let building = RwSignal::new(Vec::<String>::new());
    // The tile setting: fresh from the server when online, else as kept on the device.
    let source = LocalResource::new(tiles::source);
    let tiles = Memo::new(move |_| source.get().flatten());
    // Whether the tile under the persons is kept on the device (`None`: not known yet).
    let kept = RwSignal::new(None::<bool>);
    view! {
        <section class="page field-map-page">
            <h1>{t!("map.title")} " " <span class="count">{move || t!("persons.count", n = pins.with(Vec::len))}</span></h1>
            <FieldMapCanvas pins source here building kept/>
            <Building pins building/>
            <FieldLegend/>
            <div class="map-actions">
                <LocateButton here/>
                <SaveArea pins tiles kept/>
            </div>
            <NotOnMap pins/>
            <a class="button secondary" href="/persons">{t!("map.to_list")}</a>
        </section>
    }
}

/// The Leaflet map of the device's persons.
#[component]
fn FieldMapCanvas(
    pins: Memo<Vec<Pin>>,
    source: LocalResource<Option<TileSource>>,
    here: RwSignal<Option<GeoStamp>>,
    building: RwSignal<Vec<String>>,
    kept: RwSignal<Option<bool>>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let map: RwSignal<Option<leaflet::Map>, LocalStorage> = RwSignal::new_local(None);
    let group: RwSignal<Option<lmap::ClusterGroup>, LocalStorage> = RwSignal::new_local(None);
    let failed = RwSignal::new(false);
    // No base map at all (the map has never opened online).
    let bare = RwSignal::new(false);
    let tile_errors = RwSignal::new(0u32);
    let tile_loads = RwSignal::new(0u32);
    let navigate = use_navigate();
    // The library (precached by the service worker: offline too), then the map, once.
    let started = StoredValue::new(false);
    let observer: StoredValue<Option<web_sys::ResizeObserver>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        if started.get_value() {
            return;
        }
        // Once the tile setting is known (or known to be missing).
        let (Some(el), Some(tiles)) = (node.get(), source.get()) else { return };
        started.set_value(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            if lmap::load().await.is_err() {
                failed.set(true);
                return;
            }
            // The user may have left the page while the library loaded: nothing more to do.
            let Some(first) = pins.try_with_untracked(|ps| ps.iter().find(|p| p.placed()).map(|p| (p.lat, p.lng)))
            else {
                return;
            };
            let (lat, lng) = first.unwrap_or((36.0, 138.0));
            let max_zoom = tiles.as_ref().map_or(18, |t| t.max_zoom);
            let Some(m) = lmap::new_map(&el, (lat, lng), 15.0, max_zoom) else {
                failed.set(true);
                return;
            };
            let for_resize = m.clone();
            observer.set_value(lmap::on_resize(&el, move || {
                for_resize.invalidate_size(false);
            }));
            if let Some(source) = &tiles {
                // Asked before the layer loads anything: the service worker keeps the tiles seen
                // online, and the one under the persons fetched now must not pass for a saved map
                // (it did, now and then, when the cache answered after the tile had arrived).
                let centre = Tile::at(lat, lng, 15);
                let was_kept = tiles::is_kept(&source.url, centre).await;
                let layer = lmap::tile_layer(&source.url, &source.attribution, source.max_zoom);
                lmap::on(&layer, "tileerror", move |_| tile_errors.update(|n| *n += 1));
                lmap::on(&layer, "tileload", move |_| tile_loads.update(|n| *n += 1));
                m.add_layer(&layer);
                // (`try_set`: the page may be gone by the time the cache answers.)
                let _ = kept.try_set(Some(was_kept));
            } else {
                // Never opened online: no tile setting, so nothing is saved either.
                bare.set(true);
            }
            let g = lmap::cluster_group();
            lmap::on(&g, "click", move |e| {
                if let Some(id) = lmap::marker_id(&lmap::event_layer(&e)) {
                    navigate(&format!("/persons/{id}"), Default::default());
                }
            });
            let for_clusters = m.clone();
            lmap::on(&g, "clusterclick", move |e| {
                let cluster: lmap::Cluster = lmap::event_layer(&e).unchecked_into();
                let b = cluster.bounds();
                let one_place = b.get_north_east().lat() == b.get_south_west().lat()
                    && b.get_north_east().lng() == b.get_south_west().lng();
                if one_place || for_clusters.get_zoom() >= f64::from(max_zoom) {
                    // 集合住宅: everyone at this address, as a list under the map.
                    building.set(cluster.all_child_markers().items().iter().filter_map(lmap::marker_id).collect());
                } else {
                    let options = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&options, &"padding".into(), &lmap::pair(24.0, 24.0));
                    cluster.zoom_to_bounds(&options);
                }
            });
            m.add_layer(g.unchecked_ref());
            group.set(Some(g));
            map.set(Some(m));
        });
    });
    on_cleanup(move || {
        if let Some(o) = observer.get_value() {
            o.disconnect();
        }
        if let Some(m) = map.get_untracked() {
            m.remove();
        }
    });
    // The markers, and the view fitted to them (the first time).
    let fitted = StoredValue::new(false);
    Effect::new(move |_| {
        let (Some(m), Some(g)) = (map.get(), group.get()) else { return };
        pins.with(|ps| {
            g.clear_layers();
            let markers = lmap::JsList::new();
            let mut bounds: Option<leaflet::LatLngBounds> = None;
            for p in ps.iter().filter(|p| p.placed()) {
                let class =
                    format!("status-{}{}", p.status.as_str(), if p.evacuation_help { " evacuation-help" } else { "" });
                let title = format!("{}（{}）", p.name, i18n::label(p.status));
                markers.push(&lmap::marker(p.lat, p.lng, &p.id, &title, &class, mark(p.status), lmap::rank(p.status)));
                let at = leaflet::LatLng::new(p.lat, p.lng);
                match &bounds {
                    Some(b) => {
                        b.extend(&at);
                    }
                    None => bounds = Some(leaflet::LatLngBounds::new(&at, &at)),
                }
            }
            g.add_layers(&markers);
            if let (Some(b), false) = (bounds, fitted.get_value()) {
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"padding".into(), &lmap::pair(24.0, 24.0));
                let _ = js_sys::Reflect::set(&options, &"maxZoom".into(), &16.into());
                m.fit_bounds_with_options(&b, &options);
                fitted.set_value(true);
            }
        });
    });
    // Where the user is, when they asked.
    let dot: StoredValue<Option<leaflet::Marker>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let (Some(m), Some(h)) = (map.get(), here.get()) else { return };
        if let Some(old) = dot.get_value() {
            old.remove();
        }
        let d = lmap::here_marker(h.lat, h.lng, &t!("map.here"));
        m.add_layer(&d);
        m.set_view(&leaflet::LatLng::new(h.lat, h.lng), m.get_zoom().max(15.0));
        dot.set_value(Some(d));
    });
    let no_tiles = move || bare.get() || (tile_errors.get() > 0 && tile_loads.get() == 0);
    view! {
        <div class="map-frame">
            <div class="map-canvas field-map-canvas" node_ref=node></div>
            <Show when=no_tiles>
                <p class="map-tiles-down" role="status" data-testid="tiles-missing">{t!("map.tiles_missing")}</p>
            </Show>
        </div>
        <Show when=move || failed.get()>
            <p class="notice" role="alert">{t!("map.failed")}</p>
        </Show>
        <Show when=move || kept.get() == Some(false) && !no_tiles()>
            <p class="map-note" data-testid="map-not-saved">{t!("map.not_saved")}</p>
        </Show>
    }
}

/// 集合住宅: everyone at one address, as links.
#[component]
fn Building(pins: Memo<Vec<Pin>>, building: RwSignal<Vec<String>>) -> impl IntoView {
    let people = move || {
        let ids = building.get();
        pins.with(|ps| ps.iter().filter(|p| ids.contains(&p.id)).cloned().collect::<Vec<_>>())
    };
    view! {
        <Show when=move || !building.with(Vec::is_empty)>
            <section class="map-building" data-testid="map-building" aria-labelledby="map-building-title">
                <h2 id="map-building-title">{move || t!("map.building", n = building.with(Vec::len))}</h2>
                <ul class="person-list">
                    {move || people().into_iter().map(|p| view! {
                        <li>
                            <a class="person-row" href=format!("/persons/{}", p.id)>
                                <span class="person-name">{p.name}</span>
                                <span class="person-meta">{p.address}</span>
                                <span class="person-last">
                                    <span class=format!("legend-pin map-pin status-{}", p.status.as_str()) aria-hidden="true">{mark(p.status)}</span>
                                    {i18n::label(p.status)}
                                </span>
                            </a>
                        </li>
                    }).collect_view()}
                </ul>
                <button type="button" class="button secondary small" on:click=move |_| building.set(Vec::new())>{t!("map.close")}</button>
            </section>
        </Show>
    }
}

#[component]
fn FieldLegend() -> impl IntoView {
    view! {
        <details class="map-legend" data-testid="map-legend">
            <summary class="legend-title">{t!("map.legend")}</summary>
            <ul>
                {MapStatus::ALL.into_iter().map(|s| view! {
                    <li>
                        <span class=format!("legend-pin map-pin status-{}", s.as_str()) aria-hidden="true">{mark(s)}</span>
                        {i18n::label(s)}
                    </li>
                }).collect_view()}
                <li>
                    <span class="legend-pin map-pin status-fine evacuation-help" aria-hidden="true">{mark(MapStatus::Fine)}</span>
                    {t!("map.legend_evacuation")}
                </li>
                <li>
                    <span class="legend-pin map-here" aria-hidden="true"></span>
                    {t!("map.here")}
                </li>
            </ul>
        </details>
    }
}

/// 現在地: asks for location only when tapped, and says plainly when it cannot.
#[component]
fn LocateButton(here: RwSignal<Option<GeoStamp>>) -> impl IntoView {
    let locate = Action::new_local(move |_: &()| async move {
        let found = actions::current_position().await;
        if let Ok(p) = &found {
            here.set(Some(*p));
        }
        found.map(|_| ())
    });
    view! {
        <button class="button secondary" type="button" on:click=move |_| { locate.dispatch_local(()); }
            disabled=move || locate.pending().get()>
            {move || if locate.pending().get() { t!("persons.locating") } else { t!("map.show_here") }}
        </button>
        {move || locate.value().get().and_then(Result::err).map(|e| view! {
            <p class="field-error" role="alert">{e}</p>
        })}
    }
}

/// What saving the area would take, or why it cannot.
#[derive(Debug, Clone, PartialEq)]
enum Plan {
    Tiles(Vec<Tile>),
    /// The places are spread too wide (or one is a typo): nothing is fetched.
    TooWide,
}

/// How far a save has got.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Progress {
    done: usize,
    total: usize,
    bytes: u64,
}

/// 「この地域の地図を保存」: the tiles of the user's own small areas up to zoom 17, with the size
/// estimated first, fetched one at a time with progress, tiles already kept skipped (so a save
/// cut off by a lost signal resumes where it stopped).
#[component]
fn SaveArea(pins: Memo<Vec<Pin>>, tiles: Memo<Option<TileSource>>, kept: RwSignal<Option<bool>>) -> impl IntoView {
    let asking = RwSignal::new(false);
    let progress = RwSignal::new(Progress::default());
    let stop = RwSignal::new(false);
    let plan = Memo::new(move |_| {
        let max_zoom = tiles.with(|t| t.as_ref().map(|t| t.max_zoom))?;
        let groups: BTreeMap<String, Vec<(f64, f64)>> = pins.with(|ps| {
            let mut g: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
            for p in ps {
                g.entry(p.small_area.clone()).or_default().push((p.lat, p.lng));
            }
            g
        });
        Some(match plan(groups.values().map(Vec::as_slice), max_zoom) {
            Some(list) => Plan::Tiles(list),
            None => Plan::TooWide,
        })
    });
    let cap_mb = move || tiles.with(|t| t.as_ref().map_or(TileSource::DEFAULT_CACHE_MB, |t| t.cache_mb));
    let save = Action::new_local(move |list: &Vec<Tile>| {
        let list = list.clone();
        async move {
            let Some(source) = tiles.get_untracked() else { return Err(SaveError::Offline) };
            if !tiles::worker_ready() {
                return Err(SaveError::NoWorker);
            }
            stop.set(false);
            progress.set(Progress { done: 0, total: list.len(), bytes: 0 });
            let mut refused = 0;
            for tile in list {
                // Leaving the page stops the save too (its signals are gone).
                if stop.try_get_untracked().unwrap_or(true) {
                    break;
                }
                if !tiles::is_kept(&source.url, tile).await {
                    match tiles::fetch(&source.url, tile).await {
                        Ok(bytes) => {
                            progress.try_update(|p| p.bytes += bytes);
                        }
                        Err(SaveError::Offline) => return Err(SaveError::Offline),
                        Err(_) => refused += 1,
                    }
                    tiles::pause().await;
                }
                progress.try_update(|p| p.done += 1);
            }
            if refused > 0 {
                Err(SaveError::Refused(refused))
            } else {
                if !stop.try_get_untracked().unwrap_or(true) {
                    kept.set(Some(true));
                }
                Ok(())
            }
        }
    });
    let busy = move || save.pending().get();
    let estimate = move || match plan.get() {
        Some(Plan::Tiles(list)) => {
            let mb = (list.len() as u64 * ESTIMATED_TILE_BYTES).div_ceil(1_000_000).max(1);
            if mb > u64::from(cap_mb()) * 9 / 10 {
                t!("map.save_over_cap", n = list.len(), mb = mb, cap = cap_mb()).into_owned()
            } else {
                t!("map.save_estimate", n = list.len(), mb = mb, cap = cap_mb()).into_owned()
            }
        }
        Some(Plan::TooWide) => t!("map.save_too_wide").into_owned(),
        None => t!("map.save_no_source").into_owned(),
    };
    let can_save = move || {
        matches!(plan.get(), Some(Plan::Tiles(ref l)) if !l.is_empty()
            && (l.len() as u64 * ESTIMATED_TILE_BYTES).div_ceil(1_000_000) <= u64::from(cap_mb()) * 9 / 10)
    };
    let start = move |_| {
        if let Some(Plan::Tiles(list)) = plan.get_untracked() {
            asking.set(false);
            save.dispatch_local(list);
        }
    };
    let result = move || {
        save.value().get().map(|r| {
            let p = progress.get();
            let mb = format!("{:.1}", p.bytes as f64 / 1_000_000.0);
            match r {
                Ok(()) if p.done < p.total => t!("map.save_stopped", done = p.done, total = p.total).into_owned(),
                Ok(()) => t!("map.save_done", n = p.total, mb = mb).into_owned(),
                Err(SaveError::Offline) => t!("map.save_offline", done = p.done, total = p.total).into_owned(),
                Err(SaveError::NoWorker) => t!("map.save_no_worker").into_owned(),
                Err(SaveError::Refused(n)) => t!("map.save_refused", n = n).into_owned(),
            }
        })
    };
    view! {
        <div class="map-save">
            <button class="button secondary" type="button" data-testid="save-area"
                disabled=busy on:click=move |_| asking.set(true)>
                {t!("map.save")}
            </button>
            <Show when=move || asking.get() && !busy()>
                <div class="map-save-ask" role="group" aria-labelledby="map-save-estimate">
                    <p id="map-save-estimate" data-testid="save-estimate">{estimate}</p>
                    <Show when=can_save>
                        <button class="button primary" type="button" on:click=start>{t!("map.save_start")}</button>
                    </Show>
                    <button class="button secondary small" type="button" on:click=move |_| asking.set(false)>{t!("map.cancel")}</button>
                </div>
            </Show>
            <Show when=busy>
                <div class="map-save-progress" role="status" data-testid="save-progress">
                    <label for="map-save-bar">
                        {move || { let p = progress.get(); t!("map.saving", done = p.done, total = p.total) }}
                    </label>
                    <progress id="map-save-bar" max=move || progress.get().total.max(1) value=move || progress.get().done></progress>
                    <button class="button secondary small" type="button" on:click=move |_| stop.set(true)>{t!("map.save_stop")}</button>
                </div>
            </Show>
            <Show when=move || !busy() && result().is_some()>
                <p class="map-note" role="status" data-testid="save-result">{result}</p>
            </Show>
        </div>
    }
}

/// Persons whose place is missing or outside Japan: listed, never drawn in the sea.
#[component]
fn NotOnMap(pins: Memo<Vec<Pin>>) -> impl IntoView {
    let unplaced = move || pins.with(|ps| ps.iter().filter(|p| !p.placed()).cloned().collect::<Vec<_>>());
    view! {
        <Show when=move || pins.with(|ps| ps.iter().any(|p| !p.placed()))>
            <section class="map-unplaced" aria-labelledby="map-unplaced-title">
                <h2 id="map-unplaced-title">{t!("map.unplaced")}</h2>
                <ul>
                    {move || unplaced().into_iter().map(|p| view! {
                        <li><a href=format!("/persons/{}", p.id)>{p.name}</a>" "{p.address}</li>
                    }).collect_view()}
                </ul>
            </section>
        </Show>
    }
}
