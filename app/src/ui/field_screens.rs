//! The field screens used less often than the home list and the check form — 御用聞き, consent,
//! registration, 活動記録 — behind one split point: `cargo leptos build --split` moves them into a
//! chunk of their own, which the service worker precaches (they must open offline), so the first
//! screen a volunteer waits for does not carry them.

use super::activity_report::ActivityReportPage;
use super::consent_form::ConsentPage;
use super::inquiry_form::InquiryPage;
use super::password::ChangePasswordPage;
use super::register_person::RegisterPersonPage;
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
}

#[lazy]
pub fn field_screen(screen: FieldScreen) -> AnyView {
    match screen {
        FieldScreen::Inquiry => view! { <InquiryPage/> }.into_any(),
        FieldScreen::Consent => view! { <ConsentPage/> }.into_any(),
        FieldScreen::Register => view! { <RegisterPersonPage/> }.into_any(),
        FieldScreen::Activity => view! { <ActivityReportPage/> }.into_any(),
        FieldScreen::Password => view! { <ChangePasswordPage/> }.into_any(),
    }
}
