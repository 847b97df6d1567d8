use super::admin::{admin_screen, AdminScreen, ManagerOnly};
use super::chrome::{AppHeader, BootScreen, UpdateBanner};
use super::enroll::EnrollPage;
use super::field_screens::{field_screen, person_screen, FieldScreen};
use super::person_list::PersonListPage;
use super::sign_in::SignInPage;
use super::state::{use_app_state, AppState, LockScreen, SessionState};
use crate::domain::Role;
use leptos::prelude::*;
use leptos_meta::provide_meta_context;
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::path;
use rust_i18n::t;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let state = AppState::new();
    provide_context(state);
    // Effects run only in the browser, after hydration: the server and the first client render
    // both show the boot screen, so hydration always matches whatever the URL.
    Effect::new(move |_| super::actions::boot(state));
    // The server's sign-in form (a first visit) stays usable until the store has been read.
    Effect::new(move |_| {
        if state.booted.get() {
            super::sign_in::retire_first_page(state.session.with_untracked(|s| s.user().is_none()));
        }
    });
    view! {
        <Router>
            <Show when=move || state.booted.get() fallback=BootScreen>
              <Show when=move || state.lock.get() == LockScreen::Open fallback=LockGate>
                <AppHeader/>
                <UpdateBanner/>
                <main id="main">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home/>
                        <Route path=path!("/login") view=SignInPage/>
                        <Route path=path!("/persons") view=move || view! { <SignedIn><PersonListPage/></SignedIn> }/>
                        <Route path=path!("/persons/new") view=move || view! { <Field screen=FieldScreen::Register/> }/>
                        <Route path=path!("/persons/:id") view=PersonRoute/>
                        <Route path=path!("/persons/:id/consent") view=move || view! { <Field screen=FieldScreen::Consent/> }/>
                        <Route path=path!("/persons/:id/inquiry") view=move || view! { <Field screen=FieldScreen::Inquiry/> }/>
                        <Route path=path!("/map") view=move || view! { <Field screen=FieldScreen::Map/> }/>
                        <Route path=path!("/safety") view=move || view! { <Field screen=FieldScreen::Safety/> }/>
                        <Route path=path!("/safety/:event/:person") view=move || view! { <Field screen=FieldScreen::SafetyPerson/> }/>
                        <Route path=path!("/checks") view=move || view! { <Field screen=FieldScreen::RecentChecks/> }/>
                        <Route path=path!("/settings") view=move || view! { <Field screen=FieldScreen::Settings/> }/>
                        <Route path=path!("/password") view=move || view! { <Field screen=FieldScreen::Password/> }/>
                        <Route path=path!("/activity") view=move || view! { <Field screen=FieldScreen::Activity/> }/>
                        <Route path=path!("/my-requests") view=move || view! { <Field screen=FieldScreen::MyRequests/> }/>
                        <Route path=path!("/requests") view=move || view! { <SignedIn><OfficeScreen screen=AdminScreen::Requests/></SignedIn> }/>
                        <Route path=path!("/enroll") view=EnrollPage/>
                        <Route path=path!("/admin") view=move || view! { <Admin screen=AdminScreen::Home/> }/>
                        <Route path=path!("/admin/persons") view=move || view! { <Admin screen=AdminScreen::Persons/> }/>
                        <Route path=path!("/admin/map") view=move || view! { <Admin screen=AdminScreen::Map/> }/>
                        <Route path=path!("/admin/cases") view=move || view! { <Admin screen=AdminScreen::Cases/> }/>
                        <Route path=path!("/admin/meetings") view=move || view! { <Admin screen=AdminScreen::Meetings/> }/>
                        <Route path=path!("/admin/meetings/:id") view=move || view! { <Admin screen=AdminScreen::Meeting/> }/>
                        <Route path=path!("/admin/reports") view=move || view! { <Admin screen=AdminScreen::Reports/> }/>
                        <Route path=path!("/admin/events") view=move || view! { <Admin screen=AdminScreen::Events/> }/>
                        <Route path=path!("/admin/events/:id") view=move || view! { <Admin screen=AdminScreen::Event/> }/>
                        <Route path=path!("/admin/persons/new") view=move || view! { <Admin screen=AdminScreen::NewPerson/> }/>
                        <Route path=path!("/admin/persons/:id") view=move || view! { <Admin screen=AdminScreen::Person/> }/>
                        <Route path=path!("/admin/users") view=move || view! { <Admin screen=AdminScreen::Users/> }/>
                        <Route path=path!("/admin/areas") view=move || view! { <Admin screen=AdminScreen::Areas/> }/>
                        <Route path=path!("/admin/organizations") view=move || view! { <Admin screen=AdminScreen::Organizations/> }/>
                        <Route path=path!("/admin/devices") view=move || view! { <Admin screen=AdminScreen::Devices/> }/>
                        <Route path=path!("/admin/activity") view=move || view! { <Admin screen=AdminScreen::Activity/> }/>
                        <Route path=path!("/admin/conflicts") view=move || view! { <Admin screen=AdminScreen::Conflicts/> }/>
                        <Route path=path!("/admin/security") view=move || view! { <Admin screen=AdminScreen::Security/> }/>
                    </Routes>
                </main>
              </Show>
            </Show>
        </Router>
    }
}

/// The app lock in front of everything: no header, no menu, no screen with personal data.
#[component]
fn LockGate() -> impl IntoView {
    let state = use_app_state();
    // Which screen, not what it says: a wrong PIN must not build the screen anew.
    let screen = Memo::new(move |_| match state.lock.get() {
        LockScreen::Locked { .. } => LockScreen::Locked { wrong: 0 },
        other => other,
    });
    view! {
        <main id="main">
            <Suspense fallback=|| view! { <p class="page loading" role="status">{t!("app.loading")}</p> }>
                {move || {
                    let screen = screen.get();
                    Suspend::new(async move { super::lock::lock_screen(screen).await })
                }}
            </Suspense>
        </main>
    }
}

/// Where each role starts.
#[component]
fn Home() -> impl IntoView {
    let state = use_app_state();
    move || match state.session.get() {
        SessionState::SignedIn(u) | SessionState::Expired(u) if u.role.is_manager() => {
            view! { <Redirect path="/admin"/> }.into_any()
        }
        SessionState::SignedIn(u) | SessionState::Expired(u) if u.role == Role::PartnerStaff => {
            view! { <Redirect path="/requests"/> }.into_any()
        }
        SessionState::SignedIn(_) | SessionState::Expired(_) => view! { <Redirect path="/persons"/> }.into_any(),
        _ => view! { <Redirect path="/login"/> }.into_any(),
    }
}

/// A management screen, loaded on first use (see [`admin_screen`]).
#[component]
fn Admin(screen: AdminScreen) -> impl IntoView {
    view! { <Manager><OfficeScreen screen/></Manager> }
}

/// An online-only screen from the management chunk: fetched on first use; offline there is
/// nothing to fetch, and the screen says so.
#[component]
fn OfficeScreen(screen: AdminScreen) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="page loading" role="status">{t!("app.loading")}</p> }>
            {move || Suspend::new(async move {
                if super::actions::online() {
                    admin_screen(screen).await
                } else {
                    view! {
                        <section class="page">
                            <p class="notice" role="status">
                                {t!("app.office_offline")}
                            </p>
                        </section>
                    }
                    .into_any()
                }
            })}
        </Suspense>
    }
}

/// A field screen from the split-off chunk (precached by the service worker, so offline too).
#[component]
fn Field(screen: FieldScreen) -> impl IntoView {
    view! {
        <SignedIn>
            <Suspense fallback=|| view! { <p class="page loading" role="status">{t!("app.loading")}</p> }>
                {move || Suspend::new(async move { field_screen(screen).await })}
            </Suspense>
        </SignedIn>
    }
}

/// One person's page, from its own precached chunk.
#[component]
fn PersonRoute() -> impl IntoView {
    view! {
        <SignedIn>
            <Suspense fallback=|| view! { <p class="page loading" role="status">{t!("app.loading")}</p> }>
                {move || Suspend::new(async move { person_screen().await })}
            </Suspense>
        </SignedIn>
    }
}

/// The management screens: signed in, and a coordinator or admin.
#[component]
fn Manager(children: ChildrenFn) -> impl IntoView {
    view! { <SignedIn><ManagerOnly children=children.clone()/></SignedIn> }
}

/// Shows its children to a signed-in user (also while offline with an expired session, so
/// records can still be read and made); sends everyone else to sign in.
#[component]
fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let state = use_app_state();
    // A memo, so a session that merely expires (sync got a 401) keeps the page and what is typed in it.
    let has_user = Memo::new(move |_| state.session.with(|s| s.user().is_some()));
    move || {
        if has_user.get() {
            children().into_any()
        } else {
            view! { <Redirect path="/login"/> }.into_any()
        }
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="page">
            <h1>{t!("app.not_found")}</h1>
            <p><a class="button" href="/">{t!("app.to_start")}</a></p>
        </section>
    }
}
