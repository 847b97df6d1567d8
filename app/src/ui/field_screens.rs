//! The field screens behind split points: `cargo leptos build --split` moves each point's screens into
//! a chunk of their own, which the service worker precaches at install (they must open offline), so
//! the first screen a volunteer waits for — sign-in or the home list — does not carry them.
//! - `person_screen`: one person's page with the check form (the three-tap path: its own small chunk,
//!   read from the cache, so the path does not wait for the screens below).
//! - `field_screen`: the screens used less often — 御用聞き, consent, registration, 活動記録, recent
//!   records, 依頼したこと, settings, the password change, the map, 安否確認.

use super::activity_report::ActivityReportPage;
use super::consent_form::ConsentPage;
use super::field_map::FieldMapPage;
use super::inquiry_form::InquiryPage;
use super::my_requests::MyRequestsPage;
use super::password::ChangePasswordPage;
use super::person_page::PersonPage;
use super::recent_checks::RecentChecksPage;
use super::register_person::RegisterPersonPage;
use super::safety::{SafetyPage, SafetyPersonPage};
use super::settings::SettingsPage;
use leptos::prelude::*;

/// Which of these screens a route shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldScreen {
    Inquiry,
    Consent,
    Register,
    Activity,
    /// パスワードの変更 (online, but small and rarely used: it rides along here).
    Password,
    RecentChecks,
    MyRequests,
    Settings,
    /// 地図: the persons held, on the map (Leaflet itself is precached, not in any chunk).
    Map,
    /// 安否確認: the events under way, the user's own state and the list to confirm.
    Safety,
    /// 安否確認 of one person.
    SafetyPerson,
}

#[lazy]
pub fn field_screen(screen: FieldScreen) -> AnyView {
    match screen {
        FieldScreen::Inquiry => view! { <InquiryPage/> }.into_any(),
        FieldScreen::Consent => view! { <ConsentPage/> }.into_any(),
        FieldScreen::Register => view! { <RegisterPersonPage/> }.into_any(),
        FieldScreen::Activity => view! { <ActivityReportPage/> }.into_any(),
        FieldScreen::Password => view! { <ChangePasswordPage/> }.into_any(),
        FieldScreen::RecentChecks => view! { <RecentChecksPage/> }.into_any(),
        FieldScreen::MyRequests => view! { <MyRequestsPage/> }.into_any(),
        FieldScreen::Settings => view! { <SettingsPage/> }.into_any(),
        FieldScreen::Map => view! { <FieldMapPage/> }.into_any(),
        FieldScreen::Safety => view! { <SafetyPage/> }.into_any(),
        FieldScreen::SafetyPerson => view! { <SafetyPersonPage/> }.into_any(),
    }
}

/// One person's page and the check form.
#[lazy]
pub fn person_screen() -> AnyView {
    view! { <PersonPage/> }.into_any()
}
