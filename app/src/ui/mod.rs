//! The screens, named for what the user sees.

pub mod actions;
mod admin;
mod app;
mod check_form;
mod chrome;
mod consent_form;
mod enroll;
mod inquiry_form;
mod my_requests;
mod person_list;
mod person_page;
mod recent_checks;
mod register_person;
mod requests;
mod settings;
mod sign_in;
pub mod state;
pub mod time;

pub use app::App;

/// Applies the user's saved text size before the first screen.
pub fn restore_text_size() {
    settings::TextSize::restore();
}
