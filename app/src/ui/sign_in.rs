//! サインイン.
//!
//! On a first visit the server's page already is a working sign-in form (plain HTML posting to
//! `/login`, usable long before the wasm has arrived over a slow link: `server/src/shell.rs`).
//! When the app starts first, that form stays in front until the device store has been read, and
//! then this screen takes its place with what was typed and the caret where it was.

use super::actions;
use super::state::{use_app_state, SyncPhase};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_i18n::t;
use std::cell::RefCell;
use wasm_bindgen::JsCast;

/// The element the server wraps its first page's form in.
const FIRST_PAGE_ID: &str = "first-page";

/// What the user had typed into the server's form when the app took over.
#[derive(Debug, Clone, Default)]
struct Typed {
    login: String,
    password: String,
    /// The id of the field that had the caret.
    focus: Option<String>,
}

thread_local! {
    static TYPED: RefCell<Option<Typed>> = const { RefCell::new(None) };
}

fn first_page() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(FIRST_PAGE_ID)
}

/// Whether the server's sign-in form is on the page.
pub fn first_page_shown() -> bool {
    first_page().is_some()
}

/// Removes the server's form once the app shows its own screens. When nobody is signed in, what
/// was typed is kept for [`SignInPage`]; otherwise (a store that still holds a user) it is dropped.
pub fn retire_first_page(signed_out: bool) {
    let Some(page) = first_page() else { return };
    let document = page.owner_document();
    let value = |id: &str| {
        document
            .as_ref()
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|i| i.value())
            .unwrap_or_default()
    };
    let focus = document.as_ref().and_then(|d| d.active_element()).map(|e| e.id()).filter(|id| !id.is_empty());
    let typed = Typed { login: value("login"), password: value("password"), focus };
    page.remove();
    if signed_out {
        TYPED.with(|t| *t.borrow_mut() = Some(typed));
    }
}

/// What was typed into the server's form, once.
fn take_typed() -> Typed {
    retire_first_page(true);
    TYPED.with(|t| t.borrow_mut().take()).unwrap_or_default()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let state = use_app_state();
    let typed = take_typed();
    let last_user = state.session.with_untracked(|s| s.user().map(|u| u.login.clone()));
    let login = RwSignal::new(if typed.login.is_empty() { last_user.unwrap_or_default() } else { typed.login });
    let password = RwSignal::new(typed.password);
    let (login_field, password_field) = (NodeRef::<leptos::html::Input>::new(), NodeRef::<leptos::html::Input>::new());
    // The caret goes back where it was in the server's form, at the end of what was typed.
    if let Some(id) = typed.focus {
        Effect::new(move |_| {
            let field = if id == "password" { password_field.get() } else { login_field.get() };
            if let Some(input) = field {
                let _ = input.focus();
                let end = input.value().encode_utf16().count() as u32;
                let _ = input.set_selection_range(end, end);
            }
        });
    }
    let error = RwSignal::new(None::<String>);
    // A plain pending flag, not an `Action`: this screen is on the first-load path, where the
    // four Actions it and its neighbours would use cost 4.9 KB brotli (measured; ARCHITECTURE.md).
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (l, p) = (login.get_untracked(), password.get_untracked());
        if l.trim().is_empty() || p.is_empty() {
            error.set(Some(t!("sign_in.missing").into_owned()));
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match actions::sign_in(state, l, p).await {
                // A password an admin reset is changed before anything else.
                Ok(()) if state.sync.with_untracked(|s| s.phase == SyncPhase::NeedsPasswordChange) => {
                    navigate("/password", Default::default())
                }
                Ok(()) => navigate("/", Default::default()),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="page sign-in">
            <h1>{t!("sign_in.title")}</h1>
            {move || state.notice.get().map(|n| view! { <p class="notice" role="status" data-testid="sign-in-notice">{super::i18n::notice(n)}</p> })}
            <form on:submit=on_submit novalidate>
                <label for="login">"ID"</label>
                <input node_ref=login_field id="login" name="login" type="text" autocomplete="username" autocapitalize="none"
                    inputmode="email" required
                    prop:value=move || login.get()
                    on:input=move |ev| login.set(event_target_value(&ev))/>
                <label for="password">{t!("sign_in.password")}</label>
                <input node_ref=password_field id="password" name="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert" data-testid="sign-in-error">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { t!("sign_in.busy") } else { t!("sign_in.title") }}
                </button>
            </form>
            <SigningInAgain on_enroll=false/>
        </section>
    }
}

/// While the user signs in again after forgetting the PIN (sign-in and enrol screens): the way
/// to the other screen (volunteers use a new invite code) and back to the PIN.
#[component]
pub fn SigningInAgain(on_enroll: bool) -> impl IntoView {
    let state = use_app_state();
    let (href, other) =
        if on_enroll { ("/login", t!("sign_in.title")) } else { ("/enroll", t!("lock.recover_invite")) };
    view! {
        <Show when=move || state.notice.get() == Some(super::state::Notice::RecoverBySignIn)>
            <p class="actions">
                <a class="button secondary" href=href>{other.clone()}</a>
                <button class="button secondary" type="button" on:click=|_| actions::back_to_pin()>{t!("lock.cancel")}</button>
            </p>
        </Show>
    }
}
