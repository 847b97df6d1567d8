//! mimamori's core: the domain types (what a check, a person, a consent is, and the rules that
//! decide whether one is valid) and the wire protocol between a device and the server.
//!
//! Both sides depend on this crate and on nothing of each other: the server never compiles a
//! screen, and the device client never sees a SQL type. Its only user-facing words are the catalogue
//! of refusals in [`error`], shared by both so a refusal reads the same wherever it is raised.
//!
//! Data path: `domain` (types) → the device store → the outbox → `api` (push, pull) → the
//! server's `apply` → storage.

pub mod api;
pub mod domain;
pub mod error;
