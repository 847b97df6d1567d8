//! The screens, named for what the user sees.

pub mod actions;
mod admin;
mod app;
mod chrome;
mod enroll;
mod person_list;
mod person_page;
mod recent_checks;
mod requests;
mod sign_in;
pub mod state;
pub mod time;

pub use app::App;
