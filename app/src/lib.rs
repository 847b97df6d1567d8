//! mimamori's screens: Leptos components named for what the user sees, over the device client.
//!
//! Dependencies run one way — screens → device client (`mimamori-client`) → core
//! (`mimamori-core`: domain types and wire protocol) — and the crates make it so: nothing below
//! can name a screen. The client publishes state as data and codes; the screens (`ui::i18n`)
//! turn them into words in the user's language.

// Leptos view types nest deeply; building the screens needs more than the default limit. (Only
// this crate: the server no longer compiles any screen.)
#![recursion_limit = "256"]

pub mod ui;

pub use mimamori_client as client;
pub use mimamori_core::{api, domain, error, words};

// The screens' texts, Japanese and English (`app/locales/app.yml`), embedded at compile time.
// Japanese is the default and fills any gap.
rust_i18n::i18n!("locales", fallback = "ja");

/// Browser entry point. The name is the one leptos's loader script calls.
///
/// The server's shell is a static boot screen with no per-route content, so there is nothing for
/// hydration to attach to: the app mounts fresh (client-side rendering), which also keeps the
/// bundle about 16 % smaller than a hydrating build. See ARCHITECTURE.md, "Why client-side rendering".
#[cfg(feature = "csr")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // The server's first page may be a working sign-in form the user is typing into: it stays
    // until the app has read the device store (`ui::sign_in`), everything else goes now.
    if !ui::sign_in::first_page_shown() {
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            body.set_inner_html("");
        }
    }
    ui::restore_text_size();
    ui::restore_language();
    // Never runs; keeps the maps' wasm-bindgen glue in this module (see `ui::map`).
    if std::hint::black_box(false) {
        ui::keep_map_glue();
    }
    leptos::mount::mount_to_body(ui::App);
}
