//! mimamori server: the sync API, its storage, and the shell that boots the app.
//!
//! Data path: `routes` (HTTP handlers) → `auth` (who is asking) → `storage` (scoped SQL).

pub mod apply;
pub mod assets;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod generate;
pub mod policy;
pub mod routes;
pub mod shell;
pub mod startup;
pub mod storage;
pub mod time;
