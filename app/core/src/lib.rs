//! mimamori's core: the domain types (what a check, a person, a consent is, and the rules that
//! decide whether one is valid) and the wire protocol between a device and the server.
//!
//! Both sides depend on this crate and on nothing of each other: the server never compiles a
//! screen, and the device client never sees a SQL type. Its only user-facing words are the one
//! catalogue, in Japanese and English: refusals in [`error`], the names of values in [`words`]. The
//! domain types carry codes, never words.
//!
//! Data path: `domain` (types) → the device store → the outbox → `api` (push, pull) → the
//! server's `apply` → storage.

pub mod api;
pub mod domain;
pub mod error;
pub mod words;
