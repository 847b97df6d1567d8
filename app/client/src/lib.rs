//! mimamori's device client: the IndexedDB store, the outbox and the sync loop between it and
//! the server, the service worker's registration, and the device's state as signals.
//!
//! It depends on the core (domain types, wire protocol) and never on the screens: it publishes
//! data and codes ([`state`], [`ClientError`]); the screens turn them into words. It is built for
//! the browser; a native build compiles (for the screens' unit tests) but cannot run it.

pub mod device;
mod error;
pub mod http;
pub mod state;
pub mod store;
pub mod sw;
pub mod sync;
pub mod tiles;
pub mod time;
pub mod vault;

pub use error::{ClientError, LocationError};
pub use mimamori_core::{api, domain};
