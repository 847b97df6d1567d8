//! The screens, named for what the user sees.

pub mod actions;
mod app;
mod chrome;
mod person_list;
mod person_page;
mod recent_checks;
mod sign_in;
pub mod state;
pub mod time;

pub use app::App;
