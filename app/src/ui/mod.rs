//! The screens, named for what the user sees.

pub mod actions;
mod activity_report;
mod admin;
mod app;
mod case_status;
mod check_form;
mod chrome;
mod consent_form;
mod enroll;
mod field_map;
mod field_screens;
pub mod i18n;
mod inquiry_form;
mod lock;
pub mod map;
mod my_requests;
mod password;
mod person_list;
mod person_page;
mod recent_checks;
mod register_person;
pub(crate) mod requests;
mod safety;
mod settings;
pub mod sign_in;
pub mod state;
pub mod time;

pub use app::App;
pub use map::keep_map_glue;

/// Applies the user's saved text size before the first screen.
pub fn restore_text_size() {
    settings::TextSize::restore();
}

/// Applies the user's saved language (Japanese unless English was chosen) before the first screen.
pub fn restore_language() {
    <i18n::Lang as i18n::LangChoice>::restore();
}
