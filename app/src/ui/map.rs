//! The maps' parts: Leaflet and its clustering plug-in, and the markers mimamori draws with them.
//!
//! Why loaded here and not in the page: the library is ~45 KB brotli that no field phone needs
//! to start, so it is vendored under `/vendor` (our own origin, never a CDN) and fetched the first
//! time a map opens, from code that lives only in the split-off chunks. Leaflet's Rust bindings
//! (the `leaflet` crate) drive it; the few calls they lack (the cluster group, `divIcon`) are
//! bound below. Not `leptos-leaflet`'s `MapContainer`: it wires some twenty event closures that
//! the split build cannot describe (see below), and the map needs one element and one effect.
//!
//! Why [`keep_map_glue`]: `cargo leptos build --split` splits the module before wasm-bindgen
//! runs, and wasm-bindgen only reads the main module. The descriptors of closures and casts
//! made only in a split-off chunk are then never read, and the main module keeps imports from
//! `__wbindgen_placeholder__`: the app does not start at all. The entry point names this glue
//! behind a branch that never runs, so it stays in the main module where wasm-bindgen sees it;
//! the screens that use it stay in their chunks.
//!
//! Why the two maps (`admin::map`, `field_map`) each keep their own legend rows and cluster-click
//! handler rather than one helper here: a function both chunks call lands in the main module,
//! which every phone loads first. Sharing those twenty lines cost 750 B brotli there (measured);
//! a copy in each chunk costs the first load nothing.

use js_sys::{Object, Promise, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const LEAFLET_JS: &str = "/vendor/leaflet-1.9.4/leaflet.js";
const CLUSTER_JS: &str = "/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js";
/// Ours: the cluster icon (`public/map.js`, see its header).
const ICON_JS: &str = "/map.js";
const STYLES: [&str; 3] =
    ["/vendor/leaflet-1.9.4/leaflet.css", "/vendor/leaflet.markercluster-1.5.3/MarkerCluster.css", "/map.css"];

#[wasm_bindgen]
extern "C" {
    /// A plain JS array. Not `js_sys::Array`: its methods are generic imports, whose descriptors
    /// the split build failed to resolve (the app would not start: an import from
    /// `__wbindgen_placeholder__`), so the few calls the maps need are bound here.
    #[derive(Debug, Clone)]
    pub type JsList;

    #[wasm_bindgen(constructor, js_class = "Array")]
    pub fn new() -> JsList;

    #[wasm_bindgen(method)]
    pub fn push(this: &JsList, value: &JsValue) -> u32;

    #[wasm_bindgen(method, getter)]
    pub fn length(this: &JsList) -> u32;

    #[wasm_bindgen(method, indexing_getter)]
    pub fn get(this: &JsList, index: u32) -> JsValue;

    /// `L.MarkerClusterGroup`: markers grouped by nearness at each zoom.
    #[derive(Debug, Clone)]
    #[wasm_bindgen(extends = leaflet::Layer, extends = leaflet::Evented)]
    pub type ClusterGroup;

    #[wasm_bindgen(js_namespace = L, js_name = markerClusterGroup)]
    fn marker_cluster_group(options: &JsValue) -> ClusterGroup;

    #[wasm_bindgen(method, js_name = addLayers)]
    pub fn add_layers(this: &ClusterGroup, layers: &JsList);

    #[wasm_bindgen(method, js_name = clearLayers)]
    pub fn clear_layers(this: &ClusterGroup);

    /// A cluster as `iconCreateFunction` and `clusterclick` see it.
    pub type Cluster;

    #[wasm_bindgen(method, js_name = getAllChildMarkers)]
    pub fn all_child_markers(this: &Cluster) -> JsList;

    #[wasm_bindgen(method, js_name = zoomToBounds)]
    pub fn zoom_to_bounds(this: &Cluster, options: &JsValue);

    #[wasm_bindgen(method, js_name = getBounds)]
    pub fn bounds(this: &Cluster) -> leaflet::LatLngBounds;

    /// `L.divIcon` (the `leaflet` crate's `DivIcon` constructs a plain `L.Icon`).
    #[wasm_bindgen(js_namespace = L, js_name = divIcon)]
    fn div_icon(options: &JsValue) -> leaflet::Icon;
}

thread_local! {
    static LOADING: RefCell<Option<Promise>> = const { RefCell::new(None) };
}

/// Loads Leaflet and the cluster plug-in once per page (later calls wait for the same load).
pub async fn load() -> Result<(), String> {
    let promise = LOADING.with(|l| l.borrow_mut().get_or_insert_with(start_loading).clone());
    match wasm_bindgen_futures::JsFuture::from(promise).await {
        Ok(_) => Ok(()),
        Err(_) => {
            // Try again next time (the network may be back).
            LOADING.with(|l| *l.borrow_mut() = None);
            Err("map library".into())
        }
    }
}

fn start_loading() -> Promise {
    Promise::new(&mut |resolve, reject| {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            let _ = reject.call0(&JsValue::NULL);
            return;
        };
        let Some(head) = document.head() else {
            let _ = reject.call0(&JsValue::NULL);
            return;
        };
        // Done when the styles have applied (a map made in an element the styles have not yet
        // sized is 0 px tall and draws nothing) and both scripts have run.
        let waiting = std::rc::Rc::new(std::cell::Cell::new(0u32));
        let arrived = {
            let (waiting, resolve) = (waiting.clone(), resolve.clone());
            move || {
                waiting.set(waiting.get().saturating_sub(1));
                if waiting.get() == 0 {
                    let _ = resolve.call0(&JsValue::NULL);
                }
            }
        };
        let mut pending: Vec<web_sys::Element> = Vec::new();
        for href in STYLES {
            if document.query_selector(&format!("link[href=\"{href}\"]")).ok().flatten().is_none() {
                if let Ok(link) = document.create_element("link") {
                    let _ = link.set_attribute("rel", "stylesheet");
                    let _ = link.set_attribute("href", href);
                    pending.push(link);
                }
            }
        }
        // Dynamically added scripts with `async = false` run in the order added: the plug-in
        // after Leaflet, our icon after both.
        for src in [LEAFLET_JS, CLUSTER_JS, ICON_JS] {
            let Ok(script) = document.create_element("script") else { continue };
            let script: web_sys::HtmlScriptElement = script.unchecked_into();
            script.set_src(src);
            script.set_async(false);
            pending.push(script.into());
        }
        waiting.set(pending.len() as u32);
        for el in pending {
            let el: web_sys::HtmlElement = el.unchecked_into();
            let done = arrived.clone();
            el.set_onload(Some(&Closure::once_into_js(done).unchecked_into()));
            let fail = reject.clone();
            el.set_onerror(Some(
                &Closure::once_into_js(move || {
                    let _ = fail.call0(&JsValue::NULL);
                })
                .unchecked_into(),
            ));
            let _ = head.append_child(&el);
        }
    })
}

impl JsList {
    /// The items, in order.
    pub fn items(&self) -> Vec<JsValue> {
        (0..self.length()).map(|i| self.get(i)).collect()
    }
}

/// `[a, b]`: Leaflet's points and paddings.
pub fn pair(a: f64, b: f64) -> JsValue {
    let list = JsList::new();
    list.push(&JsValue::from_f64(a));
    list.push(&JsValue::from_f64(b));
    list.into()
}

/// Fits `map` to `bounds` (a `LatLngBounds`) with the margin and the closest zoom both office
/// maps use, after measuring the element again: call it only once the element has its real
/// size (a map measured at 0 px fits to the wrong zoom and draws nothing).
pub fn fit_to(map: &leaflet::Map, bounds: &JsValue) {
    map.invalidate_size(false);
    let options = object(&[("padding", pair(30.0, 30.0)), ("maxZoom", JsValue::from_f64(16.0))]);
    map.fit_bounds_with_options(bounds.unchecked_ref(), &options);
}

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in entries {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// What a marker carries for the cluster icon and the click handler.
const ID_KEY: &str = "mimamoriId";
const RANK_KEY: &str = "mimamoriRank";

/// A marker: a small shape with a one-character label (colour is never the only cue), the
/// person's name as its title for hover and screen readers, reachable with the keyboard.
/// `rank` orders markers worst first for the cluster icon; `class` and `label` draw it.
pub fn marker(lat: f64, lng: f64, id: &str, title: &str, class: &str, label: &str, rank: u32) -> leaflet::Marker {
    let icon = div_icon(&object(&[
        ("className", JsValue::from_str(&format!("map-pin {class}"))),
        ("html", JsValue::from_str(&format!("<span aria-hidden=\"true\">{}</span>", escape(label)))),
        ("iconSize", pair(30.0, 30.0)),
        ("iconAnchor", pair(15.0, 15.0)),
    ]));
    let options = leaflet::MarkerOptions::new();
    options.set_icon(icon);
    options.set_title(title.to_owned());
    options.set_alt(title.to_owned());
    options.set_keyboard(true);
    let _ = Reflect::set(&options, &JsValue::from_str(ID_KEY), &JsValue::from_str(id));
    let _ = Reflect::set(&options, &JsValue::from_str(RANK_KEY), &JsValue::from(rank));
    leaflet::Marker::new_with_options(&leaflet::LatLng::new(lat, lng), &options)
}

/// The id a marker was made with (from an event's `layer`).
pub fn marker_id(layer: &JsValue) -> Option<String> {
    let options = Reflect::get(layer, &JsValue::from_str("options")).ok()?;
    Reflect::get(&options, &JsValue::from_str(ID_KEY)).ok()?.as_string()
}

/// A cluster group whose icon shows the count and the worst status inside (a ring in its
/// colour), drawn by `public/map.js` from the rank each marker carries: no call into the wasm per
/// child at each zoom. Cluster clicks go to the caller (to zoom in, or list a building's people).
pub fn cluster_group() -> ClusterGroup {
    let icon = web_sys::window()
        .and_then(|w| Reflect::get(&w, &JsValue::from_str("mimamoriClusterIcon")).ok())
        .filter(|f| f.is_function())
        .unwrap_or(JsValue::NULL);
    marker_cluster_group(&object(&[
        ("iconCreateFunction", icon),
        ("showCoverageOnHover", JsValue::FALSE),
        ("zoomToBoundsOnClick", JsValue::FALSE),
        ("spiderfyOnMaxZoom", JsValue::FALSE),
        ("chunkedLoading", JsValue::TRUE),
        // Clusters split and merge at once (see `new_map`).
        ("animate", JsValue::FALSE),
        ("maxClusterRadius", JsValue::from(48)),
    ]))
}

/// A status's place in the worst-first order (the cluster icon shows the lowest inside;
/// `public/map.js` names the rings in this order).
pub fn rank(s: crate::domain::MapStatus) -> u32 {
    use crate::domain::MapStatus;
    MapStatus::ALL.iter().position(|x| *x == s).unwrap_or(MapStatus::ALL.len()) as u32
}

/// Where the user is: a dot that takes no clicks (the markers under it must stay reachable).
pub fn here_marker(lat: f64, lng: f64, title: &str) -> leaflet::Marker {
    let icon = div_icon(&object(&[
        ("className", JsValue::from_str("map-here")),
        ("html", JsValue::from_str("")),
        ("iconSize", pair(22.0, 22.0)),
        ("iconAnchor", pair(11.0, 11.0)),
    ]));
    let options = leaflet::MarkerOptions::new();
    options.set_icon(icon);
    options.set_title(title.to_owned());
    options.set_interactive(false);
    options.set_keyboard(false);
    options.set_z_index_offset(1000.0);
    leaflet::Marker::new_with_options(&leaflet::LatLng::new(lat, lng), &options)
}

/// A label on the map (a small area's summary): lines of text in a box, no clicks, drawn under
/// the markers; `warn` outlines it (someone in it is 気になる or 緊急).
pub fn label(lat: f64, lng: f64, lines: &[String], warn: bool) -> leaflet::Marker {
    let spans: String = lines.iter().map(|l| format!("<span>{}</span>", escape(l))).collect();
    // The icon is a point (Leaflet places it with a transform of its own); the box inside is
    // centred on it.
    let html = format!("<div class=\"map-area-box{}\">{spans}</div>", if warn { " warn" } else { "" });
    let icon = div_icon(&object(&[
        ("className", JsValue::from_str("map-area-label")),
        ("html", JsValue::from_str(&html)),
        ("iconSize", JsValue::NULL),
    ]));
    let options = leaflet::MarkerOptions::new();
    options.set_icon(icon);
    options.set_interactive(false);
    options.set_keyboard(false);
    options.set_z_index_offset(-1000.0);
    leaflet::Marker::new_with_options(&leaflet::LatLng::new(lat, lng), &options)
}

/// Listens to a Leaflet event for as long as the page lives (the map is removed with it).
pub fn on(target: &JsValue, event: &str, handler: impl Fn(JsValue) + 'static) {
    let handler = Closure::<dyn Fn(JsValue)>::new(handler).into_js_value();
    target.unchecked_ref::<leaflet::Evented>().on(event, &handler);
}

/// Calls `handler` whenever the element changes size (Leaflet measures its map only when the
/// window does: a map made before the page settled, or printed, needs telling). Disconnect the
/// observer when the map goes: a removed element reports a last resize, and a removed map
/// throws when told of it.
pub fn on_resize(el: &web_sys::Element, handler: impl Fn() + 'static) -> Option<web_sys::ResizeObserver> {
    let callback = Closure::<dyn Fn(JsValue)>::new(move |_| handler()).into_js_value();
    let observer = web_sys::ResizeObserver::new(callback.unchecked_ref()).ok()?;
    observer.observe(el);
    Some(observer)
}

/// `e.layer` of a Leaflet event, `e.latlng` as (lat, lng).
pub fn event_layer(e: &JsValue) -> JsValue {
    Reflect::get(e, &JsValue::from_str("layer")).unwrap_or(JsValue::UNDEFINED)
}

pub fn event_position(e: &JsValue) -> Option<(f64, f64)> {
    let at = Reflect::get(e, &JsValue::from_str("latlng")).ok()?;
    let lat = Reflect::get(&at, &JsValue::from_str("lat")).ok()?.as_f64()?;
    let lng = Reflect::get(&at, &JsValue::from_str("lng")).ok()?.as_f64()?;
    Some((lat, lng))
}

/// A map in `el`, centred there; `None` if Leaflet refused (it is not loaded). `max_zoom` is
/// the map's own (the cluster group needs one even with no base map). Zooms jump instead of
/// animating: with 5,000 markers the animation ran at 8–10 frames a second (p95 frame 100–133
/// ms; without it 50–67 ms, BENCHMARKS.md §8), and a map left mid-animation when the user taps
/// through to a person throws nothing.
pub fn new_map(el: &web_sys::HtmlElement, (lat, lng): (f64, f64), zoom: f64, max_zoom: u8) -> Option<leaflet::Map> {
    let options = leaflet::MapOptions::new();
    options.set_center(leaflet::LatLng::new(lat, lng));
    options.set_zoom(zoom);
    options.set_max_zoom(f64::from(max_zoom));
    options.set_zoom_animation(false);
    options.set_marker_zoom_animation(false);
    leaflet::Map::new_with_element(el, &options).ok()
}

/// The base map: a tile layer from the server's setting, its attribution always shown.
pub fn tile_layer(url: &str, attribution: &str, max_zoom: u8) -> leaflet::TileLayer {
    let options = leaflet::TileLayerOptions::default();
    options.set_attribution(escape(attribution));
    options.set_max_zoom(f64::from(max_zoom));
    leaflet::TileLayer::new_options(url, &options)
}

/// Text for Leaflet's HTML strings (icon labels, attribution): no markup gets through.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Never called: names everything here that makes wasm-bindgen closures or casts, so the split
/// build keeps it in the main module (see the module header).
pub fn keep_map_glue() {
    let target = JsValue::NULL;
    on(&target, "", |_| {});
    let _ = cluster_group();
    let _ = marker(0.0, 0.0, "", "", "", "", 0);
    let _ = here_marker(0.0, 0.0, "");
    let _ = label(0.0, 0.0, &[], false);
    let _ = tile_layer("", "", 1);
    let _ = start_loading();
    let _ = marker_id(&target);
    let _ = event_position(&target);
    let _ = pair(0.0, 0.0);
    if let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = on_resize(&el, || {});
    }
    // The phone map's saved tiles (its screen is in a field chunk).
    leptos::task::spawn_local(async {
        use crate::client::tiles;
        let tile = crate::domain::tiles::Tile { z: 0, x: 0, y: 0 };
        let _ = tiles::is_kept("", tile).await;
        let _ = tiles::fetch("", tile).await;
        tiles::pause().await;
    });
}
