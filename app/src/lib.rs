//! mimamori app: the Leptos UI, the domain types shared with the server, and (in the browser)
//! the client store and sync client.
//!
//! Data path: `domain` (types) → `client::store` (IndexedDB) → `client::sync` (outbox push,
//! cursor pull) → `api` (wire protocol) → the server.

#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "hydrate")]
pub mod client;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod shell;
pub mod ui;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(ui::App);
}
