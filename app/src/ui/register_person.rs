//! 気になる方の登録 (民生委員): the minimum a 民生委員 learns at the door, and the person's consent.
//! Saved on the phone first (the person can be checked at once) and sent like everything else.

use super::actions;
use super::consent_form::{ConsentDraft, ConsentFields};
use super::i18n;
use super::state::use_app_state;
use crate::domain::{ConsentInput, GeoStamp, HouseholdType, PersonField, PersonFields};
use crate::error::ErrorCode;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_i18n::t;
use serde::{Deserialize, Serialize};

/// The form as typed (kept as a draft): text stays text until saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RegisterDraft {
    name: String,
    kana: String,
    address: String,
    phone: String,
    small_area_id: String,
    household: HouseholdType,
    interval: String,
    location: Option<GeoStamp>,
    consent: ConsentDraft,
}

impl Default for RegisterDraft {
    fn default() -> Self {
        RegisterDraft {
            name: String::new(),
            kana: String::new(),
            address: String::new(),
            phone: String::new(),
            small_area_id: String::new(),
            household: HouseholdType::SingleElderly,
            interval: "7".into(),
            location: None,
            consent: ConsentDraft::today(),
        }
    }
}

/// Which field a validation code belongs to, so its message shows beside that field.
fn field_of(code: &str) -> &'static str {
    match code {
        "invalid_name" => "name",
        "invalid_kana" => "kana",
        "invalid_address" => "address",
        "invalid_phone" => "phone",
        "small_area_not_found" => "area",
        "invalid_location" => "location",
        "invalid_check_interval" => "interval",
        _ => "form",
    }
}

#[component]
pub fn RegisterPersonPage() -> impl IntoView {
    let state = use_app_state();
    let form = RwSignal::new(RegisterDraft::default());
    let consent = RwSignal::new(ConsentDraft::today());
    let error = RwSignal::new(None::<(&'static str, String)>);
    let consent_error = RwSignal::new(None::<(&'static str, String)>);
    let save_error = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        if let Some(d) = actions::load_draft::<RegisterDraft>(actions::REGISTER_DRAFT_KEY.to_owned()).await {
            consent.set(d.consent.clone());
            form.set(d);
        }
    });
    let keep_draft = move || {
        let mut d = form.get_untracked();
        d.consent = consent.get_untracked();
        actions::save_draft(actions::REGISTER_DRAFT_KEY.to_owned(), d);
    };
    // With one area there is nothing to choose.
    Effect::new(move |_| {
        let areas = state.areas.get();
        if areas.len() == 1 && form.with_untracked(|f| f.small_area_id.is_empty()) {
            form.update(|f| f.small_area_id = areas[0].id.clone());
        }
    });
    let error_at = move |field: &'static str| {
        move || {
            error.get().filter(|(f, _)| *f == field).map(|(_, m)| view! { <p class="field-error" role="alert">{m}</p> })
        }
    };
    let text = move |get: fn(&RegisterDraft) -> &String, set: fn(&mut RegisterDraft, String)| {
        (
            move || form.with(|f| get(f).clone()),
            move |ev: leptos::ev::Event| {
                let v = event_target_value(&ev);
                form.update(|f| set(f, v));
                error.set(None);
                keep_draft();
            },
        )
    };
    let (name, on_name) = text(|f| &f.name, |f, v| f.name = v);
    let (kana, on_kana) = text(|f| &f.kana, |f, v| f.kana = v);
    let (address, on_address) = text(|f| &f.address, |f, v| f.address = v);
    let (phone, on_phone) = text(|f| &f.phone, |f, v| f.phone = v);
    let (interval, on_interval) = text(|f| &f.interval, |f, v| f.interval = v);
    let stamp = Action::new_local(move |_: &()| async move {
        match actions::current_position().await {
            Ok(p) => {
                form.update(|f| f.location = Some(p));
                keep_draft();
            }
            Err(e) => error.set(Some(("location", e))),
        }
    });
    let locating = stamp.pending();
    let locate = move |_| {
        error.set(None);
        stamp.dispatch(());
    };
    // Where the new person lives on the map: here, or else the middle of the neighbours already
    // held in that small area (a coordinator can correct it later).
    let position = move |f: &RegisterDraft| -> Option<(f64, f64)> {
        if let Some(p) = f.location {
            return Some((p.lat, p.lng));
        }
        let area = state.areas.with(|a| a.iter().find(|a| a.id == f.small_area_id).map(|a| a.name.clone()))?;
        state.persons.with(|ps| {
            let near: Vec<_> = ps.iter().filter(|p| p.small_area == area).collect();
            (!near.is_empty()).then(|| {
                let n = near.len() as f64;
                (near.iter().map(|p| p.lat).sum::<f64>() / n, near.iter().map(|p| p.lng).sum::<f64>() / n)
            })
        })
    };
    let navigate = use_navigate();
    // Durable in the device store (and queued), then on to the new person's page.
    let register = Action::new_local(move |(fields, input): &(PersonFields, ConsentInput)| {
        let (fields, input, navigate) = (fields.clone(), input.clone(), navigate.clone());
        async move {
            match actions::register_person(state, fields, input).await {
                Ok(id) => navigate(&format!("/persons/{}?saved=registered", id.as_str()), Default::default()),
                Err(e) => save_error.set(Some(e)),
            }
        }
    });
    let busy = register.pending();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        save_error.set(None);
        let f = form.get_untracked();
        let Ok(days) = f.interval.trim().parse::<u32>() else {
            error.set(Some(("interval", i18n::code_text(ErrorCode::InvalidCheckInterval))));
            return;
        };
        let fields = |area: String, (lat, lng): (f64, f64)| PersonFields {
            small_area_id: area,
            name: f.name.clone(),
            kana: f.kana.clone(),
            address: f.address.clone(),
            phone: (!f.phone.trim().is_empty()).then(|| f.phone.clone()),
            lat,
            lng,
            household_type: f.household,
            emergency_contacts: Vec::new(),
            check_interval_days: days,
            needs_evacuation_help: false,
            notes: String::new(),
            active: true,
        };
        // The typed fields first, in the order they are on the screen; then the area and the place.
        if let Err(e) = fields("unchosen".into(), (39.7, 140.1)).validate() {
            error.set(Some((field_of(e.code.wire()), i18n::validation(&e))));
            return;
        }
        if f.small_area_id.is_empty() {
            error.set(Some(("area", i18n::code_text(ErrorCode::SmallAreaNotFound))));
            return;
        }
        let Some(place) = position(&f) else {
            error.set(Some(("location", t!("register.need_location").into_owned())));
            return;
        };
        let fields = match fields(f.small_area_id.clone(), place).validate() {
            Ok(v) => v,
            Err(e) => {
                error.set(Some((field_of(e.code.wire()), i18n::validation(&e))));
                return;
            }
        };
        let input = match consent.get_untracked().input() {
            Ok(i) => i,
            Err(e) => {
                consent_error.set(Some(e));
                return;
            }
        };
        register.dispatch((fields, input));
    };
    // The form sits inside <Show>, whose children are built again each time it shows.
    let on_submit = StoredValue::new_local(on_submit);
    view! {
        <section class="page register">
            <p class="back"><a href="/persons">{t!("person.back")}</a></p>
            <h1>{t!("persons.register")}</h1>
            <Show when=move || !state.areas.with(Vec::is_empty) fallback=|| view! {
                <p class="notice">{t!("register.who")}</p>
            }>
                <form on:submit=move |ev| on_submit.with_value(|f| f(ev)) novalidate>
                    <p class="hint">{t!("register.hint")}</p>
                    <label for="reg-name">{t!("register.name")}</label>
                    <input id="reg-name" type="text" autocomplete="off" prop:value=name on:input=on_name/>
                    {error_at("name")}
                    <label for="reg-kana">{t!("register.kana")}</label>
                    <input id="reg-kana" type="text" autocomplete="off" prop:value=kana on:input=on_kana/>
                    {error_at("kana")}
                    <label for="reg-address">{i18n::label(PersonField::Address)}</label>
                    <input id="reg-address" type="text" autocomplete="off" prop:value=address on:input=on_address/>
                    {error_at("address")}
                    <label for="reg-phone">{t!("register.phone")}</label>
                    <input id="reg-phone" type="tel" inputmode="tel" autocomplete="off" prop:value=phone on:input=on_phone/>
                    {error_at("phone")}
                    <label for="reg-area">{t!("register.area")}</label>
                    <select id="reg-area" prop:value=move || form.with(|f| f.small_area_id.clone())
                        on:change=move |ev| {
                            form.update(|f| f.small_area_id = event_target_value(&ev));
                            error.set(None);
                            keep_draft();
                        }>
                        <option value="">{t!("register.choose")}</option>
                        {move || state.areas.get().into_iter().map(|a| view! {
                            <option value=a.id.clone() selected=form.with_untracked(|f| f.small_area_id == a.id)>{a.name}</option>
                        }).collect_view()}
                    </select>
                    {error_at("area")}
                    <fieldset class="chip-group">
                        <legend>{i18n::label(PersonField::HouseholdType)}</legend>
                        {HouseholdType::ALL.into_iter().map(|h| view! {
                            <button type="button" class="chip"
                                aria-pressed=move || (form.with(|f| f.household) == h).to_string()
                                on:click=move |_| { form.update(|f| f.household = h); keep_draft(); }>
                                {i18n::label(h)}
                            </button>
                        }).collect_view()}
                    </fieldset>
                    <label for="reg-interval">{t!("register.interval")}</label>
                    <input id="reg-interval" type="number" inputmode="numeric" min="1" max="365"
                        prop:value=interval on:input=on_interval/>
                    {error_at("interval")}
                    <p class="label">{t!("register.location")}</p>
                    <button class="button secondary" type="button" on:click=locate disabled=move || locating.get()>
                        {move || if locating.get() { t!("check.stamping") } else { t!("register.use_here") }}
                    </button>
                    <p class="hint" role="status">{move || match form.with(|f| f.location) {
                        Some(p) => t!("register.located", m = p.accuracy_m.round() as i64).into_owned(),
                        None => t!("register.location_hint").into_owned(),
                    }}</p>
                    {error_at("location")}
                    <h2>{t!("person.consent")}</h2>
                    <ConsentFields draft=consent error=consent_error on_change=keep_draft/>
                    {error_at("form")}
                    <div class="save-bar">
                        <button class="button primary" type="submit" disabled=move || busy.get()>{t!("register.submit")}</button>
                        <Show when=move || save_error.get().is_some()>
                            <p class="field-error" role="alert">{move || save_error.get().unwrap_or_default()}</p>
                        </Show>
                    </div>
                </form>
            </Show>
        </section>
    }
}
