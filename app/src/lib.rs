//! mimamori app: the Leptos UI, the domain types shared with the server, and (in the browser)
//! the client store and sync client.
//!
//! Data path: `domain` (types) → `client::store` (IndexedDB) → `client::sync` (outbox push,
//! cursor pull) → `api` (wire protocol) → the server.

#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "csr")]
pub mod client;
pub mod domain;
#[cfg(feature = "ssr")]
pub mod shell;
pub mod ui;

// The field screens' texts, Japanese and English (`app/locales/app.yml`), embedded at compile
// time. Japanese is the default and fills any gap.
rust_i18n::i18n!("locales", fallback = "ja");

/// Browser entry point. The name is the one leptos's loader script calls.
///
/// The server's shell is a static boot screen with no per-route content, so there is nothing for
/// hydration to attach to: the app mounts fresh (client-side rendering), which also keeps the
/// bundle about 16 % smaller than a hydrating build. See README, "Why client-side rendering".
#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        body.set_inner_html("");
    }
    ui::restore_text_size();
    ui::restore_language();
    leptos::mount::mount_to_body(ui::App);
}
