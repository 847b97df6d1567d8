//! The browser side of the data path: the IndexedDB store, the HTTP client for `/api/v1`,
//! the sync loop between them, and the service worker's registration. Compiled only to wasm.

pub mod http;
pub mod store;
pub mod sw;
pub mod sync;
