//! Service worker registration and the "新しいバージョン" flow: a new release installs in the
//! background and waits; the user taps 更新 to switch, so nobody is stuck on stale code and
//! nothing changes under a user mid-form.

use crate::state::AppState;
use leptos::prelude::*;
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorker, ServiceWorkerRegistration, ServiceWorkerState};

thread_local! {
    static UPDATE_REQUESTED: Cell<bool> = const { Cell::new(false) };
}

fn container() -> Option<web_sys::ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // Absent outside secure contexts; the app still works online without it.
    js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker"))
        .ok()
        .filter(|has| *has)
        .map(|_| navigator.service_worker())
}

pub fn register(state: AppState) {
    let Some(container) = container() else { return };
    leptos::task::spawn_local(async move {
        let Ok(reg) = JsFuture::from(container.register("/sw.js")).await else { return };
        let reg: ServiceWorkerRegistration = reg.unchecked_into();
        let has_controller = {
            let c = container.clone();
            move || c.controller().is_some()
        };
        // A release installed during an earlier visit is already waiting.
        if reg.waiting().is_some() && has_controller() {
            state.update_ready.set(true);
        }
        let found_reg = reg.clone();
        let on_found = Closure::<dyn FnMut()>::new(move || {
            let Some(worker) = found_reg.installing() else { return };
            let watched: ServiceWorker = worker.clone();
            let has_controller = has_controller.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                // With no controller this is the first install, not an update.
                if watched.state() == ServiceWorkerState::Installed && has_controller() {
                    state.update_ready.set(true);
                }
            });
            worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        });
        reg.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        let on_change = Closure::<dyn FnMut()>::new(move || {
            if UPDATE_REQUESTED.with(|u| u.get()) {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            }
        });
        container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();
        // The worker relays Background Sync ("connectivity is back") as a message.
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            if ev.data().as_string().as_deref() == Some("sync") {
                crate::sync::request(state);
            }
        });
        container.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
    });
}

/// Asks the browser to wake the app when connectivity returns (Background Sync, where the
/// browser has it; elsewhere the `online` event and the periodic sync do the same job).
pub fn request_background_sync() {
    let Some(container) = container() else { return };
    leptos::task::spawn_local(async move {
        let Ok(ready) = container.ready() else { return };
        let Ok(reg) = JsFuture::from(ready).await else { return };
        let Ok(sync) = js_sys::Reflect::get(&reg, &JsValue::from_str("sync")) else { return };
        if sync.is_undefined() {
            return;
        }
        let Ok(register) = js_sys::Reflect::get(&sync, &JsValue::from_str("register")) else { return };
        let Ok(register) = register.dyn_into::<js_sys::Function>() else { return };
        if let Ok(promise) = register.call1(&sync, &JsValue::from_str("mimamori-outbox")) {
            if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
                let _ = JsFuture::from(promise).await;
            }
        }
    });
}

/// Asks the browser to look for a new release now.
pub fn check_for_update() {
    let Some(container) = container() else { return };
    leptos::task::spawn_local(async move {
        if let Ok(reg) = JsFuture::from(container.get_registration()).await {
            if let Ok(reg) = reg.dyn_into::<ServiceWorkerRegistration>() {
                if let Ok(p) = reg.update() {
                    let _ = JsFuture::from(p).await;
                }
            }
        }
    });
}

/// Switches to the waiting release; the page reloads when it takes control.
pub fn apply_update() {
    let Some(container) = container() else { return };
    UPDATE_REQUESTED.with(|u| u.set(true));
    leptos::task::spawn_local(async move {
        let Ok(reg) = JsFuture::from(container.get_registration()).await else { return };
        let Ok(reg) = reg.dyn_into::<ServiceWorkerRegistration>() else { return };
        match reg.waiting() {
            Some(worker) => {
                let _ = worker.post_message(&JsValue::from_str("skip-waiting"));
            }
            None => {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().reload();
                }
            }
        }
    });
}
