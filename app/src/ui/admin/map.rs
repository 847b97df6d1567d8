//! 地図 (management): everyone in the coordinator's districts where they live, coloured by how
//! they stand today, grouped at low zoom; filters kept in the URL so a view can be bookmarked or
//! sent to a colleague (who sees only their own scope: the server decides what is in the view);
//! a side panel per person; the small areas as a sortable table, which is also the map's
//! accessible equivalent; printable on A4 landscape for the monthly 民生委員協議会.
//!
//! The statuses come from [`MapStatus::of`], the same function a phone would use on its own store.

use super::api;
use super::widgets::{loaded, ReadStatus, ServerRead};
use crate::api::admin::UpdatePersonRequest;
use crate::api::map::{MapArea, MapPanel, MapPerson, MapView};
use crate::domain::{CalendarDate, HouseholdType, MapStatus, PersonId};
use crate::ui::map as lmap;
use crate::ui::map::rank;
use crate::ui::time::{format_datetime, local_offset_minutes, now_millis};
use crate::words::Label;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use std::collections::{BTreeSet, HashMap};
use wasm_bindgen::JsCast;

/// A status in the office's words (Japanese): its name and the one character in its marker.
fn status_words(s: MapStatus) -> (&'static str, &'static str) {
    (s.label_ja(), crate::words::map_mark(s, crate::error::Lang::Ja))
}

/// What the view shows, as the URL says it. Anything malformed or unknown (a district not in the
/// user's scope, a status that does not exist) is dropped: the default view, never an empty map.
#[derive(Debug, Clone, Default, PartialEq)]
struct Filters {
    district: String,
    area: String,
    /// Empty: every status.
    statuses: BTreeSet<MapStatus>,
    household: Option<HouseholdType>,
    evacuation_help: bool,
    open_requests: bool,
    /// Only persons with an open 要対応 case.
    open_cases: bool,
    /// The small-area view: each small area's summary on the map at the middle of its persons,
    /// in place of the persons' markers.
    area_labels: bool,
    watcher: String,
    /// The person whose panel is open.
    person: String,
}

impl Filters {
    /// `get`: the URL's query value for a key ("" when absent).
    fn parse(get: &dyn Fn(&str) -> String, view: &MapView) -> Filters {
        let district = get("district");
        let district =
            if view.small_areas.iter().any(|a| a.district_id == district) { district } else { String::new() };
        let area = get("area");
        let area =
            if view.small_areas.iter().any(|a| a.id == area && (district.is_empty() || a.district_id == district)) {
                area
            } else {
                String::new()
            };
        let statuses: BTreeSet<MapStatus> = get("status").split(',').filter_map(MapStatus::parse).collect();
        let watcher = get("watcher");
        let watcher = if view.watchers.iter().any(|w| w.id.as_str() == watcher) { watcher } else { String::new() };
        let person = get("person");
        let person = if view.persons.iter().any(|p| p.id.as_str() == person) { person } else { String::new() };
        Filters {
            district,
            area,
            statuses: if statuses.len() == MapStatus::ALL.len() { BTreeSet::new() } else { statuses },
            household: HouseholdType::parse(&get("household")),
            evacuation_help: get("evacuation") == "1",
            open_requests: get("requests") == "1",
            open_cases: get("cases") == "1",
            area_labels: get("labels") == "1",
            watcher,
            person,
        }
    }

    fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut put = |k: &str, v: &str| {
            if !v.is_empty() {
                parts.push(format!("{k}={v}"));
            }
        };
        put("district", &self.district);
        put("area", &self.area);
        put("status", &self.statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","));
        put("household", self.household.map_or("", |h| h.as_str()));
        put("evacuation", if self.evacuation_help { "1" } else { "" });
        put("requests", if self.open_requests { "1" } else { "" });
        put("cases", if self.open_cases { "1" } else { "" });
        put("labels", if self.area_labels { "1" } else { "" });
        put("watcher", &self.watcher);
        put("person", &self.person);
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// Whether a person passes every filter but the place ones (district and small area).
    fn keeps(&self, p: &MapPerson, status: MapStatus, areas: &HashMap<&str, &MapArea>) -> bool {
        let area = areas.get(p.small_area_id.as_str());
        (self.district.is_empty() || area.is_some_and(|a| a.district_id == self.district))
            && (self.area.is_empty() || p.small_area_id == self.area)
            && (self.statuses.is_empty() || self.statuses.contains(&status))
            && self.household.is_none_or(|h| h == p.household_type)
            && (!self.evacuation_help || p.needs_evacuation_help)
            && (!self.open_requests || p.open_requests > 0)
            && (!self.open_cases || p.open_case.is_some())
            && (self.watcher.is_empty() || p.watchers.iter().any(|w| w.as_str() == self.watcher))
    }
}

/// The standing of everyone in the view, in the view's order.
fn statuses_of(view: &MapView) -> Vec<MapStatus> {
    let now = now_millis();
    let offset = local_offset_minutes(now);
    view.persons
        .iter()
        .map(|p| MapStatus::of(p.last_check_at, p.last_seen, p.check_interval_days, now, offset))
        .collect()
}

#[component]
pub fn MapAdminPage() -> impl IntoView {
    let read: ServerRead<MapView> = LocalResource::new(api::map_view);
    let view = loaded(read);
    let library = LocalResource::new(lmap::load);
    let query = use_query_map();
    let filters =
        Memo::new(move |_| view.with(|v| query.with(|q| Filters::parse(&|k| q.get(k).unwrap_or_default(), v))));
    let navigate = use_navigate();
    let set_filters = Callback::new(move |f: Filters| {
        navigate(&format!("/admin/map{}", f.to_query()), NavigateOptions { replace: true, ..Default::default() });
    });
    let statuses = Memo::new(move |_| view.with(statuses_of));
    // Indices into the view's persons that pass the filters.
    let shown = Memo::new(move |_| {
        let f = filters.get();
        view.with(|v| {
            let areas: HashMap<&str, &MapArea> = v.small_areas.iter().map(|a| (a.id.as_str(), a)).collect();
            statuses.with(|st| {
                v.persons
                    .iter()
                    .enumerate()
                    .filter(|(i, p)| f.keeps(p, st[*i], &areas))
                    .map(|(i, _)| i)
                    .collect::<Vec<usize>>()
            })
        })
    });
    let placed =
        Memo::new(move |_| view.with(|v| shown.with(|s| s.iter().filter(|i| v.persons[**i].lat.is_some()).count())));
    // 小地域の集計 on the map, when asked for (the same figures as the table below).
    let labels = Memo::new(move |_| {
        let (on, district) = filters.with(|f| (f.area_labels, f.district.clone()));
        if !on {
            return Vec::new();
        }
        view.with(|v| statuses.with(|st| area_rows(v, st, &district)))
    });
    let select = Callback::new(move |id: String| {
        let mut f = filters.get_untracked();
        f.person = id;
        set_filters.run(f);
    });
    let placing: RwSignal<Option<(PersonId, String)>> = RwSignal::new(None);
    let building: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let place = Action::new_local(move |(id, lat, lng): &(PersonId, f64, f64)| {
        let (id, lat, lng) = (id.clone(), *lat, *lng);
        async move {
            let detail = api::person(&id).await?;
            let mut person = detail.fields;
            person.lat = (lat * 1e6).round() / 1e6;
            person.lng = (lng * 1e6).round() / 1e6;
            api::update_person(&id, &UpdatePersonRequest { person }).await
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(done)) = place.value().get() {
            placing.set(None);
            read.refetch();
            select.run(done.id.as_str().to_owned());
        }
    });
    let ready = move || read.with(|r| matches!(r, Some(Ok(_)))) && library.with(|l| matches!(l, Some(Ok(()))));
    view! {
        <section class="page admin-page map-page">
            <p class="back no-print"><A href="/admin">"← 管理"</A></p>
            <div class="page-head">
                <h1>"地図 " <span class="count" data-testid="map-count">
                    {move || format!("{} / {}人", shown.with(Vec::len), view.with(|v| v.persons.len()))}
                </span></h1>
                <button type="button" class="button no-print" on:click=move |_| {
                    if let Some(w) = web_sys::window() { let _ = w.print(); }
                }>"印刷"</button>
            </div>
            <FilterBar view filters set_filters/>
            <ReadStatus read/>
            <Show when=move || library.with(|l| matches!(l, Some(Err(_))))>
                <p class="notice" role="alert">"地図の部品を読み込めませんでした。電波のある場所で開き直してください。下の表は使えます。"</p>
            </Show>
            <Show when=move || placing.with(Option::is_some)>
                <div class="notice placing-note no-print" role="status" data-testid="placing">
                    <p>{move || placing.with(|p| p.as_ref().map(|(_, n)| format!("{n}さんの住まいの場所を地図上でクリックしてください。")).unwrap_or_default())}</p>
                    <button type="button" class="button" on:click=move |_| placing.set(None)>"やめる"</button>
                </div>
            </Show>
            {move || place.value().get().and_then(Result::err).map(|e| view! { <p class="field-error" role="alert">{e.message_ja()}</p> })}
            <div class="map-layout">
                <div class="map-main">
                    <Show when=ready fallback=|| view! { <div class="map-canvas map-waiting" aria-hidden="true"></div> }>
                        <MapCanvas view shown statuses select placing building place labels/>
                    </Show>
                    <p class="map-summary" data-testid="map-summary">
                        {move || {
                            let unplaced = shown.with(Vec::len) - placed.get();
                            format!("地図上に {}人。{}", placed.get(),
                                if unplaced > 0 { format!("場所が分からない方が {unplaced}人います（右の一覧）。") } else { String::new() })
                        }}
                    </p>
                    <Legend/>
                </div>
                <aside class="map-side" aria-label="選んだ方の情報">
                    <SidePanel view statuses shown filters select set_filters placing building/>
                </aside>
            </div>
            <AreaTable view statuses filters set_filters/>
        </section>
    }
}

#[component]
fn FilterBar(view: Memo<MapView>, filters: Memo<Filters>, set_filters: Callback<Filters>) -> impl IntoView {
    let change = move |edit: Box<dyn Fn(&mut Filters)>| {
        let mut f = filters.get_untracked();
        edit(&mut f);
        f.person.clear();
        set_filters.run(f);
    };
    let districts = Memo::new(move |_| {
        view.with(|v| {
            let mut d: Vec<(String, String)> =
                v.small_areas.iter().map(|a| (a.district_id.clone(), a.district.clone())).collect();
            d.dedup();
            d
        })
    });
    let areas = Memo::new(move |_| {
        let district = filters.with(|f| f.district.clone());
        view.with(|v| {
            v.small_areas
                .iter()
                .filter(|a| district.is_empty() || a.district_id == district)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let watchers = Memo::new(move |_| {
        view.with(|v| {
            let mut w = v.watchers.clone();
            w.sort_by(|a, b| a.name.cmp(&b.name));
            w
        })
    });
    view! {
        <div class="filters map-filters no-print" role="search" aria-label="地図の絞り込み">
            <div class="field">
                <label for="map-district">"地区"</label>
                <select id="map-district" on:change=move |ev| {
                    let d = event_target_value(&ev);
                    change(Box::new(move |f| { f.district = d.clone(); f.area.clear(); }));
                }>
                    <option value="" selected=move || filters.with(|f| f.district.is_empty())>"すべて"</option>
                    <For each=move || districts.get() key=|d| d.0.clone() let:d>
                        <option value=d.0.clone() selected=move || filters.with(|f| f.district == d.0)>{d.1.clone()}</option>
                    </For>
                </select>
            </div>
            <div class="field">
                <label for="map-area">"小地域"</label>
                <select id="map-area" on:change=move |ev| {
                    let a = event_target_value(&ev);
                    change(Box::new(move |f| f.area = a.clone()));
                }>
                    <option value="" selected=move || filters.with(|f| f.area.is_empty())>"すべて"</option>
                    <For each=move || areas.get() key=|a| a.id.clone() let:a>
                        <option value=a.id.clone() selected=move || filters.with(|f| f.area == a.id)>{a.name.clone()}</option>
                    </For>
                </select>
            </div>
            <div class="field">
                <label for="map-household">"世帯"</label>
                <select id="map-household" on:change=move |ev| {
                    let h = HouseholdType::parse(&event_target_value(&ev));
                    change(Box::new(move |f| f.household = h));
                }>
                    <option value="" selected=move || filters.with(|f| f.household.is_none())>"すべて"</option>
                    {HouseholdType::ALL.into_iter().map(|h| view! {
                        <option value=h.as_str() selected=move || filters.with(|f| f.household == Some(h))>{h.label_ja()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="map-watcher">"見守る人"</label>
                <select id="map-watcher" on:change=move |ev| {
                    let w = event_target_value(&ev);
                    change(Box::new(move |f| f.watcher = w.clone()));
                }>
                    <option value="" selected=move || filters.with(|f| f.watcher.is_empty())>"すべて"</option>
                    <For each=move || watchers.get() key=|w| w.id.clone() let:w>
                        <option value=w.id.as_str().to_owned() selected={
                            let id = w.id.as_str().to_owned();
                            move || filters.with(|f| f.watcher == id)
                        }>{format!("{}（{}）", w.name, w.role.label_ja())}</option>
                    </For>
                </select>
            </div>
            <fieldset class="field status-filter">
                <legend>"状況"</legend>
                {MapStatus::ALL.into_iter().map(|s| {
                    let id = format!("map-status-{}", s.as_str());
                    let for_id = id.clone();
                    let on = move || filters.with(|f| f.statuses.is_empty() || f.statuses.contains(&s));
                    view! {
                        <label class="check" for=for_id>
                            <input type="checkbox" id=id prop:checked=on on:change=move |_| {
                                change(Box::new(move |f| {
                                    let mut set: BTreeSet<MapStatus> =
                                        if f.statuses.is_empty() { MapStatus::ALL.into_iter().collect() } else { f.statuses.clone() };
                                    if !set.remove(&s) { set.insert(s); }
                                    f.statuses = if set.len() == MapStatus::ALL.len() { BTreeSet::new() } else { set };
                                }));
                            }/>
                            <span class=format!("legend-pin map-pin status-{}", s.as_str()) aria-hidden="true">{status_words(s).1}</span>
                            {status_words(s).0}
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="field checks">
                <label class="check" for="map-evacuation">
                    <input type="checkbox" id="map-evacuation" prop:checked=move || filters.with(|f| f.evacuation_help)
                        on:change=move |_| change(Box::new(|f| f.evacuation_help = !f.evacuation_help))/>
                    "要援護の方だけ"
                </label>
                <label class="check" for="map-requests">
                    <input type="checkbox" id="map-requests" prop:checked=move || filters.with(|f| f.open_requests)
                        on:change=move |_| change(Box::new(|f| f.open_requests = !f.open_requests))/>
                    "依頼が進行中の方だけ"
                </label>
                <label class="check" for="map-cases">
                    <input type="checkbox" id="map-cases" prop:checked=move || filters.with(|f| f.open_cases)
                        on:change=move |_| change(Box::new(|f| f.open_cases = !f.open_cases))/>
                    "要対応の件がある方だけ"
                </label>
                <label class="check" for="map-labels">
                    <input type="checkbox" id="map-labels" prop:checked=move || filters.with(|f| f.area_labels)
                        on:change=move |_| change(Box::new(|f| f.area_labels = !f.area_labels))/>
                    "小地域ごとの集計で表示"
                </label>
            </div>
            <button type="button" class="button" on:click=move |_| set_filters.run(Filters::default())>"絞り込みを解除"</button>
        </div>
    }
}

/// The Leaflet map: base tiles from the server's setting, a marker per placed person in a
/// cluster group, redrawn whenever the filters change.
#[component]
fn MapCanvas(
    view: Memo<MapView>,
    shown: Memo<Vec<usize>>,
    statuses: Memo<Vec<MapStatus>>,
    select: Callback<String>,
    placing: RwSignal<Option<(PersonId, String)>>,
    building: RwSignal<Vec<String>>,
    place: Action<(PersonId, f64, f64), Result<crate::api::admin::PersonDetail, api::Failure>>,
    labels: Memo<Vec<AreaRow>>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let map: RwSignal<Option<leaflet::Map>, LocalStorage> = RwSignal::new_local(None);
    // What the view was last fitted to, and whether that fit was made at the element's real
    // size (a map measured at 0 px fits to the wrong zoom and draws nothing).
    let last_bounds: StoredValue<Option<wasm_bindgen::JsValue>, LocalStorage> = StoredValue::new_local(None);
    let fitted = StoredValue::new_local(false);
    let fit = move || {
        if fitted.get_value() {
            return;
        }
        let (Some(m), Some(b), Some(el)) = (map.get_untracked(), last_bounds.get_value(), node.get_untracked()) else {
            return;
        };
        if el.client_width() == 0 || el.client_height() == 0 {
            return;
        }
        lmap::fit_to(&m, &b);
        fitted.set_value(true);
    };
    let observer: StoredValue<Option<web_sys::ResizeObserver>, LocalStorage> = StoredValue::new_local(None);
    // The map itself, once its element is in the page.
    Effect::new(move |_| {
        if map.with_untracked(Option::is_some) {
            return;
        }
        let Some(el) = node.get() else { return };
        let (lat, lng) =
            view.with_untracked(|v| v.persons.iter().find_map(|p| Some((p.lat?, p.lng?))).unwrap_or((36.0, 138.0)));
        let made = lmap::new_map(&el, (lat, lng), 14.0, view.with_untracked(|v| v.tiles.max_zoom));
        // Leaflet measures its element only when the window changes size; the page around the
        // map settles later (the side panel fills in, printing changes the width).
        observer.set_value(lmap::on_resize(&el, move || {
            if let Some(m) = map.get_untracked() {
                m.invalidate_size(false);
            }
            fit();
        }));
        map.set(made);
    });
    on_cleanup(move || {
        if let Some(o) = observer.get_value() {
            o.disconnect();
        }
        if let Some(m) = map.get_untracked() {
            m.remove();
        }
    });
    // A signal, not a stored value: the markers' effect must run again once the group exists.
    let group: RwSignal<Option<lmap::ClusterGroup>, LocalStorage> = RwSignal::new_local(None);
    let tile_errors = RwSignal::new(0u32);
    let tile_loads = RwSignal::new(0u32);
    let max_zoom = view.with_untracked(|v| v.tiles.max_zoom);
    // Set up once the map exists: tiles, the cluster group and its clicks, clicks on the map.
    Effect::new(move |done: Option<bool>| {
        if done == Some(true) {
            return true;
        }
        let Some(m) = map.get() else { return false };
        let tiles = view.with_untracked(|v| lmap::tile_layer(&v.tiles.url, &v.tiles.attribution, v.tiles.max_zoom));
        lmap::on(&tiles, "tileerror", move |_| tile_errors.update(|n| *n += 1));
        lmap::on(&tiles, "tileload", move |_| tile_loads.update(|n| *n += 1));
        m.add_layer(&tiles);
        let g = lmap::cluster_group();
        lmap::on(&g, "click", move |e| {
            if let Some(id) = lmap::marker_id(&lmap::event_layer(&e)) {
                building.set(Vec::new());
                select.run(id);
            }
        });
        let for_clusters = m.clone();
        lmap::on(&g, "clusterclick", move |e| {
            let cluster: lmap::Cluster = lmap::event_layer(&e).unchecked_into();
            let b = cluster.bounds();
            let one_place = b.get_north_east().lat() == b.get_south_west().lat()
                && b.get_north_east().lng() == b.get_south_west().lng();
            if one_place || for_clusters.get_zoom() >= f64::from(max_zoom) {
                // 集合住宅: everyone at this address, as a list in the side panel.
                let ids = cluster.all_child_markers().items().iter().filter_map(lmap::marker_id).collect();
                building.set(ids);
            } else {
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"padding".into(), &lmap::pair(24.0, 24.0));
                cluster.zoom_to_bounds(&options);
            }
        });
        m.add_layer(g.unchecked_ref());
        lmap::on(&m, "click", move |e| {
            if let (Some((id, _)), Some((lat, lng))) = (placing.get_untracked(), lmap::event_position(&e)) {
                place.dispatch_local((id, lat, lng));
            }
        });
        group.set(Some(g));
        true
    });
    // The markers of the filtered persons (none in the small-area view, where the summaries
    // take their place), and the view fitted to them.
    Effect::new(move |_| {
        let (Some(_), Some(g)) = (map.get(), group.get()) else { return };
        let indices = shown.get();
        let by_area = labels.with(|l| !l.is_empty());
        view.with_untracked(|v| {
            statuses.with_untracked(|st| {
                g.clear_layers();
                let markers = lmap::JsList::new();
                let mut bounds: Option<leaflet::LatLngBounds> = None;
                for &i in &indices {
                    let p = &v.persons[i];
                    let (Some(lat), Some(lng)) = (p.lat, p.lng) else { continue };
                    let s = st[i];
                    let class = format!(
                        "status-{}{}",
                        s.as_str(),
                        if p.needs_evacuation_help { " evacuation-help" } else { "" }
                    );
                    let title = format!("{}（{}）", p.name, status_words(s).0);
                    if !by_area {
                        markers.push(&lmap::marker(
                            lat,
                            lng,
                            p.id.as_str(),
                            &title,
                            &class,
                            status_words(s).1,
                            rank(s),
                        ));
                    }
                    let here = leaflet::LatLng::new(lat, lng);
                    match &bounds {
                        Some(b) => {
                            b.extend(&here);
                        }
                        None => bounds = Some(leaflet::LatLngBounds::new(&here, &here)),
                    }
                }
                g.add_layers(&markers);
                last_bounds.set_value(bounds.map(Into::into));
                fitted.set_value(false);
                fit();
            })
        });
    });
    // The small areas' summaries, as labels that take no clicks (the table is the way in).
    let label_layer: StoredValue<Option<leaflet::LayerGroup>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let Some(m) = map.get() else { return };
        if let Some(old) = label_layer.get_value() {
            m.remove_layer(&old);
        }
        let group = leaflet::LayerGroup::new();
        labels.with(|rows| {
            for r in rows {
                let Some((lat, lng)) = r.centre else { continue };
                // Short, so neighbouring areas stay readable; this month's checks are in the table.
                let lines = [r.name.clone(), format!("{}人・超過{}・気緊{}", r.persons, r.overdue, r.worried)];
                group.add_layer(&lmap::label(lat, lng, &lines, r.worried > 0));
            }
        });
        m.add_layer(&group);
        label_layer.set_value(Some(group));
    });
    view! {
        <div class="map-frame" class:placing=move || placing.with(Option::is_some)>
            <div class="map-canvas" node_ref=node></div>
            <Show when=move || { tile_errors.get() > 0 && tile_loads.get() == 0 }>
                <p class="map-tiles-down" role="status" data-testid="tiles-down">
                    "地図の画像を読み込めません。印はそのまま表示しています。"
                </p>
            </Show>
        </div>
    }
}

#[component]
fn Legend() -> impl IntoView {
    view! {
        <div class="map-legend" data-testid="map-legend">
            <h2 class="legend-title">"凡例"</h2>
            <ul>
                {MapStatus::ALL.into_iter().map(|s| view! {
                    <li>
                        <span class=format!("legend-pin map-pin status-{}", s.as_str()) aria-hidden="true">{status_words(s).1}</span>
                        {status_words(s).0}
                    </li>
                }).collect_view()}
                <li>
                    <span class="legend-pin map-pin status-fine evacuation-help" aria-hidden="true">"済"</span>
                    "四角は要援護（避難に支援が必要）の方"
                </li>
                <li>
                    <span class="legend-pin map-cluster worst-emergency" aria-hidden="true"><span>"5"</span></span>
                    "数字はまとまった人数。外枠の色は中でいちばん重い状況"
                </li>
                <li>
                    <span class="legend-pin map-area-box warn" aria-hidden="true"><span>"町内会"</span></span>
                    "小地域ごとの集計：人数・確認期限超過・気になる/緊急（気緊）。赤枠は気になる・緊急の方がいる地域"
                </li>
            </ul>
        </div>
    }
}

#[component]
fn SidePanel(
    view: Memo<MapView>,
    statuses: Memo<Vec<MapStatus>>,
    shown: Memo<Vec<usize>>,
    filters: Memo<Filters>,
    select: Callback<String>,
    set_filters: Callback<Filters>,
    placing: RwSignal<Option<(PersonId, String)>>,
    building: RwSignal<Vec<String>>,
) -> impl IntoView {
    let selected = Memo::new(move |_| filters.with(|f| f.person.clone()));
    let close = move |_| {
        let mut f = filters.get_untracked();
        f.person.clear();
        set_filters.run(f);
    };
    let unplaced = Memo::new(move |_| {
        view.with(|v| {
            shown.with(|s| {
                s.iter()
                    .filter(|i| v.persons[**i].lat.is_none())
                    .map(|i| (v.persons[*i].id.clone(), v.persons[*i].name.clone(), v.persons[*i].address.clone()))
                    .collect::<Vec<_>>()
            })
        })
    });
    let name_of = move |id: &str| {
        view.with(|v| v.persons.iter().find(|p| p.id.as_str() == id).map(|p| p.name.clone()).unwrap_or_default())
    };
    view! {
        <Show when=move || !building.with(Vec::is_empty)>
            <section class="map-building" data-testid="map-building">
                <h2>{move || format!("この場所の方（{}人）", building.with(Vec::len))}</h2>
                <ul class="plain-list">
                    <For each=move || building.get() key=|id| id.clone() let:id>
                        <li><button type="button" class="button link-button" on:click={
                            let id = id.clone();
                            move |_| select.run(id.clone())
                        }>{name_of(&id)}</button></li>
                    </For>
                </ul>
            </section>
        </Show>
        {move || {
            let id = selected.get();
            if id.is_empty() {
                view! {
                    <section class="map-unplaced" data-testid="map-unplaced">
                        <h2>"地図に載っていない方"</h2>
                        <Show when=move || unplaced.with(Vec::is_empty)>
                            <p class="empty">"絞り込んだ方は全員、地図に載っています。"</p>
                        </Show>
                        <ul class="plain-list">
                            <For each=move || unplaced.get() key=|p| p.0.clone() let:p>
                                <li>
                                    <button type="button" class="button link-button" on:click={
                                        let id = p.0.as_str().to_owned();
                                        move |_| select.run(id.clone())
                                    }>{p.1.clone()}</button>
                                    <span class="muted">{p.2.clone()}</span>
                                    <button type="button" class="button" on:click={
                                        let (id, name) = (p.0.clone(), p.1.clone());
                                        move |_| placing.set(Some((id.clone(), name.clone())))
                                    }>"地図で場所を決める"</button>
                                </li>
                            </For>
                        </ul>
                    </section>
                }
                .into_any()
            } else {
                view! { <PersonPanel id view statuses on_close=close placing/> }.into_any()
            }
        }}
    }
}

#[component]
fn PersonPanel(
    id: String,
    view: Memo<MapView>,
    statuses: Memo<Vec<MapStatus>>,
    on_close: impl Fn(leptos::ev::MouseEvent) + 'static,
    placing: RwSignal<Option<(PersonId, String)>>,
) -> impl IntoView {
    let person_id = PersonId::parse(&id);
    let status = view.with_untracked(|v| {
        statuses
            .with_untracked(|st| v.persons.iter().position(|p| p.id.as_str() == id).and_then(|i| st.get(i).copied()))
    });
    let placed = view.with_untracked(|v| v.persons.iter().any(|p| p.id.as_str() == id && p.lat.is_some()));
    let read: ServerRead<MapPanel> = LocalResource::new({
        let person_id = person_id.clone();
        move || {
            let person_id = person_id.clone();
            async move {
                match person_id {
                    Some(id) => api::map_panel(&id).await,
                    None => Err(api::Failure::Server),
                }
            }
        }
    });
    let href = format!("/admin/persons/{id}");
    view! {
        <section class="map-panel" data-testid="map-panel" aria-live="polite">
            <button type="button" class="button close-panel no-print" on:click=on_close aria-label="閉じる">"閉じる"</button>
            <ReadStatus read/>
            {move || read.get().and_then(Result::ok).map(|p| {
                let consent = p.consent;
                let consent_words: Vec<&str> = [
                    (consent.record, "記録に同意"),
                    (consent.share_partners, "協力法人と共有してよい"),
                    (consent.share_disaster, "災害時に共有してよい"),
                ].into_iter().filter_map(|(on, w)| on.then_some(w)).collect();
                let (placing_id, placing_name) = (p.id.clone(), p.name.clone());
                view! {
                    <h2 class="panel-name">{p.name.clone()}</h2>
                    {status.map(|s| view! {
                        <p><span class=format!("legend-pin map-pin status-{}", s.as_str()) aria-hidden="true">{status_words(s).1}</span>
                        {status_words(s).0}</p>
                    })}
                    <dl class="facts">
                        <dt>"住所"</dt><dd>{p.address.clone()}</dd>
                        <dt>"世帯"</dt><dd>{p.household_type.label_ja()}{if p.needs_evacuation_help { "・要援護" } else { "" }}</dd>
                        <dt>"同意"</dt><dd>{if consent_words.is_empty() { "同意の記録なし".to_owned() } else { consent_words.join("・") }}</dd>
                        <dt>"見守る人"</dt>
                        <dd>{if p.watchers.is_empty() { "いません".to_owned() } else {
                            p.watchers.iter().map(|w| format!("{}（{}）", w.name, w.role.label_ja())).collect::<Vec<_>>().join("、")
                        }}</dd>
                    </dl>
                    <h3>"最近の記録"</h3>
                    {if p.checks.is_empty() {
                        view! { <p class="empty">"まだ記録がありません。"</p> }.into_any()
                    } else {
                        view! {
                            <ul class="panel-checks">
                                {p.checks.iter().map(|c| {
                                    let chips: Vec<&str> = c.concerns.iter().map(|x| x.label_ja()).collect();
                                    view! {
                                        <li class=format!("outcome-{}", c.outcome.as_str())>
                                            <strong>{c.outcome.label_ja()}</strong>
                                            " " {format_datetime(c.recorded_at)} "・" {c.author_name.clone()}
                                            {(!chips.is_empty()).then(|| view! { <span class="chips">{chips.join("・")}</span> })}
                                            {c.note.clone().filter(|n| !n.is_empty()).map(|n| view! { <span class="note">{n}</span> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <h3>"要対応"</h3>
                    {match p.open_case.clone() {
                        None => view! { <p class="empty">"ありません。"</p> }.into_any(),
                        Some(c) => view! {
                            <p class="panel-case" data-testid="panel-case">
                                {c.urgent.then(|| view! { <span class="tag tag-no">"緊急"</span> })}
                                <span class=format!("tag case-{}", c.status.as_str())>{c.status.label_ja()}</span>
                                {match (c.awaiting_since, c.acknowledged_by.clone()) {
                                    (Some(_), _) => "まだ確認されていません".to_owned(),
                                    (None, Some(by)) => format!("{by} さんが確認"),
                                    (None, None) => "確認済み".to_owned(),
                                }}
                                {c.owner_name().map(|o| format!("・担当 {o}"))}
                                " " <A href="/admin/cases">"要対応で見る"</A>
                            </p>
                        }.into_any(),
                    }}
                    <h3>"進行中の依頼"</h3>
                    {if p.open_requests.is_empty() {
                        view! { <p class="empty">"ありません。"</p> }.into_any()
                    } else {
                        view! {
                            <ul class="panel-requests">
                                {p.open_requests.iter().map(|r| view! {
                                    <li><strong>{r.need.label_ja()}</strong> " " {r.status.label_ja()}
                                        {(!r.detail.is_empty()).then(|| format!("：{}", r.detail))}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <p class="panel-actions no-print">
                        <A href=href.clone() attr:class="button">"詳しく見る"</A>
                        <button type="button" class="button" on:click=move |_| placing.set(Some((placing_id.clone(), placing_name.clone())))>
                            {if placed { "場所を直す" } else { "地図で場所を決める" }}
                        </button>
                    </p>
                }
            })}
        </section>
    }
}

/// Which column the small-area table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Area,
    Persons,
    Overdue,
    CheckedThisMonth,
    Worried,
}

#[derive(Debug, Clone, PartialEq)]
struct AreaRow {
    id: String,
    district_id: String,
    name: String,
    district: String,
    persons: u32,
    overdue: u32,
    checked_this_month: u32,
    worried: u32,
    /// Where its label goes on the map: the middle of its placed persons (`None`: nobody placed).
    centre: Option<(f64, f64)>,
}

/// Each small area of the chosen district (all, when none is chosen), summarised.
fn area_rows(v: &MapView, st: &[MapStatus], district: &str) -> Vec<AreaRow> {
    let now = now_millis();
    let month = CalendarDate::at(now, local_offset_minutes(now)).month();
    let mut rows: Vec<AreaRow> = v
        .small_areas
        .iter()
        .filter(|a| district.is_empty() || a.district_id == district)
        .map(|a| AreaRow {
            id: a.id.clone(),
            district_id: a.district_id.clone(),
            name: a.name.clone(),
            district: a.district.clone(),
            persons: 0,
            overdue: 0,
            checked_this_month: 0,
            worried: 0,
            centre: None,
        })
        .collect();
    let index: HashMap<String, usize> = rows.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
    let mut sums = vec![(0.0f64, 0.0f64, 0u32); rows.len()];
    for (i, p) in v.persons.iter().enumerate() {
        let Some(&r) = index.get(&p.small_area_id) else { continue };
        let row = &mut rows[r];
        row.persons += 1;
        match st[i] {
            MapStatus::Overdue | MapStatus::NoRecord => row.overdue += 1,
            MapStatus::Emergency | MapStatus::Concern => row.worried += 1,
            MapStatus::Fine => {}
        }
        if p.last_check_at.is_some_and(|t| CalendarDate::at(t, local_offset_minutes(t)).is_in(&month)) {
            row.checked_this_month += 1;
        }
        if let (Some(lat), Some(lng)) = (p.lat, p.lng) {
            sums[r] = (sums[r].0 + lat, sums[r].1 + lng, sums[r].2 + 1);
        }
    }
    for (row, (lat, lng, n)) in rows.iter_mut().zip(sums) {
        row.centre = (n > 0).then(|| (lat / f64::from(n), lng / f64::from(n)));
    }
    rows
}

/// 小地域ごとの状況: each 町内会・自治会 of the chosen district, sortable; choosing one narrows the map.
#[component]
fn AreaTable(
    view: Memo<MapView>,
    statuses: Memo<Vec<MapStatus>>,
    filters: Memo<Filters>,
    set_filters: Callback<Filters>,
) -> impl IntoView {
    let sort = RwSignal::new((SortBy::Area, true));
    let rows = Memo::new(move |_| {
        let district = filters.with(|f| f.district.clone());
        view.with(|v| {
            statuses.with(|st| {
                let mut rows = area_rows(v, st, &district);
                let (by, ascending) = sort.get();
                rows.sort_by(|a, b| {
                    let o = match by {
                        SortBy::Area => (&a.district, &a.name).cmp(&(&b.district, &b.name)),
                        SortBy::Persons => a.persons.cmp(&b.persons),
                        SortBy::Overdue => a.overdue.cmp(&b.overdue),
                        SortBy::CheckedThisMonth => a.checked_this_month.cmp(&b.checked_this_month),
                        SortBy::Worried => a.worried.cmp(&b.worried),
                    };
                    if ascending {
                        o
                    } else {
                        o.reverse()
                    }
                });
                rows
            })
        })
    });
    let header = move |by: SortBy, label: &'static str| {
        let aria = move || match sort.get() {
            (b, true) if b == by => "ascending",
            (b, false) if b == by => "descending",
            _ => "none",
        };
        view! {
            <th scope="col" aria-sort=aria>
                <button type="button" class="sort-button" on:click=move |_| {
                    sort.update(|(b, asc)| if *b == by { *asc = !*asc } else { *b = by; *asc = by == SortBy::Area });
                }>{label}<span aria-hidden="true">{move || match aria() { "ascending" => " ▲", "descending" => " ▼", _ => "" }}</span></button>
            </th>
        }
    };
    view! {
        <section class="map-areas">
            <h2>"小地域ごとの状況"</h2>
            <p class="muted">"記録なしは期限超過に含めます。今月の確認は、今月に記録のある方の人数です。"</p>
            <table class="table" data-testid="map-areas">
                <thead>
                    <tr>
                        {header(SortBy::Area, "小地域")}
                        {header(SortBy::Persons, "人数")}
                        {header(SortBy::Overdue, "期限超過")}
                        {header(SortBy::CheckedThisMonth, "今月の確認")}
                        {header(SortBy::Worried, "気になる・緊急")}
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|r| (r.id.clone(), r.persons, r.overdue, r.checked_this_month, r.worried) let:r>
                        <tr>
                            <th scope="row">
                                <button type="button" class="link-button" on:click={
                                    let (id, district) = (r.id.clone(), r.district_id.clone());
                                    move |_| {
                                        let mut f = filters.get_untracked();
                                        f.district = district.clone();
                                        f.area = id.clone();
                                        f.person.clear();
                                        set_filters.run(f);
                                    }
                                }>{format!("{}・{}", r.district, r.name)}</button>
                            </th>
                            // Labelled for narrow screens, where each row is a card.
                            <td data-label="人数">{r.persons}</td>
                            <td data-label="期限超過">{r.overdue}</td>
                            <td data-label="今月の確認">{r.checked_this_month}</td>
                            <td data-label="気になる・緊急">{r.worried}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::map::{TileSource, Watcher};
    use crate::domain::{Role, UserId};

    fn view() -> MapView {
        let area =
            |id: &str, d: &str| MapArea { id: id.into(), name: id.into(), district_id: d.into(), district: d.into() };
        MapView {
            tiles: TileSource {
                url: "https://t/{z}/{x}/{y}.png".into(),
                attribution: "国土地理院".into(),
                max_zoom: 18,
                cache_mb: 50,
            },
            persons: Vec::new(),
            small_areas: vec![area("sa-1", "d-1"), area("sa-2", "d-2")],
            watchers: vec![Watcher {
                id: UserId::parse("u-suzuki").unwrap(),
                name: "鈴木".into(),
                role: Role::Commissioner,
            }],
        }
    }

    fn parse(s: &str) -> Filters {
        let q: HashMap<String, String> =
            s.split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        Filters::parse(&|k| q.get(k).cloned().unwrap_or_default(), &view())
    }

    #[test]
    fn a_bookmarked_view_comes_back_as_it_was_sent() {
        let f = parse("district=d-1&area=sa-1&status=emergency,concern&household=single_elderly&evacuation=1&requests=1&cases=1&watcher=u-suzuki&labels=1");
        assert_eq!(f.district, "d-1");
        assert_eq!(f.area, "sa-1");
        assert_eq!(f.statuses, [MapStatus::Emergency, MapStatus::Concern].into_iter().collect());
        assert_eq!(f.household, Some(HouseholdType::SingleElderly));
        assert!(f.evacuation_help && f.open_requests && f.open_cases && f.area_labels);
        assert_eq!(f.watcher, "u-suzuki");
        let again = parse(f.to_query().trim_start_matches('?'));
        assert_eq!(again, f);
    }

    #[test]
    fn malformed_or_foreign_filters_fall_back_to_the_default_view() {
        let f = parse("district=d-elsewhere&area=sa-elsewhere&status=bogus,,EMERGENCY&household=x&evacuation=yes&watcher=u-x&person=p-nobody&labels=on&cases=yes");
        assert_eq!(f, Filters::default());
        // A small area outside the chosen district is dropped, the district kept.
        let f = parse("district=d-1&area=sa-2");
        assert_eq!((f.district.as_str(), f.area.as_str()), ("d-1", ""));
        assert_eq!(Filters::default().to_query(), "");
    }

    #[test]
    fn each_small_area_is_summarised_at_the_middle_of_its_placed_persons() {
        use crate::api::map::MapPerson;
        let mut v = view();
        let person = |id: &str, area: &str, at: Option<(f64, f64)>| {
            let mut p: MapPerson = serde_json::from_value(serde_json::json!({
                "id": id, "name": "x", "address": "x", "small_area_id": area, "lat": null, "lng": null,
                "household_type": "other", "needs_evacuation_help": false, "check_interval_days": 7,
                "last_check_at": null, "last_seen": null, "open_requests": 0, "watchers": []
            }))
            .unwrap();
            p.lat = at.map(|a| a.0);
            p.lng = at.map(|a| a.1);
            p
        };
        v.persons = vec![
            person("p-1", "sa-1", Some((39.0, 140.0))),
            person("p-2", "sa-1", Some((39.2, 140.2))),
            person("p-3", "sa-1", None),
            person("p-4", "sa-2", None),
        ];
        let st = [MapStatus::Emergency, MapStatus::Fine, MapStatus::NoRecord, MapStatus::Overdue];
        let rows = area_rows(&v, &st, "");
        let one = rows.iter().find(|r| r.id == "sa-1").unwrap();
        assert_eq!((one.persons, one.worried, one.overdue), (3, 1, 1));
        let (lat, lng) = one.centre.unwrap();
        assert!((lat - 39.1).abs() < 1e-9 && (lng - 140.1).abs() < 1e-9, "the unplaced person does not pull it");
        let two = rows.iter().find(|r| r.id == "sa-2").unwrap();
        assert_eq!((two.persons, two.centre), (1, None), "nobody placed: counted, not drawn");
        assert_eq!(area_rows(&v, &st, "d-2").len(), 1, "only the chosen district");
    }
}
