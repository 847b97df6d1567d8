//! サインイン.

use super::actions;
use super::state::{use_app_state, SyncPhase};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_i18n::t;

#[component]
pub fn SignInPage() -> impl IntoView {
    let state = use_app_state();
    let login = RwSignal::new(state.session.with_untracked(|s| s.user().map(|u| u.login.clone()).unwrap_or_default()));
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
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
                <input id="login" name="login" type="text" autocomplete="username" autocapitalize="none"
                    inputmode="email" required
                    prop:value=move || login.get()
                    on:input=move |ev| login.set(event_target_value(&ev))/>
                <label for="password">{t!("sign_in.password")}</label>
                <input id="password" name="password" type="password" autocomplete="current-password" required
                    prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev))/>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert" data-testid="sign-in-error">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { t!("sign_in.busy") } else { t!("sign_in.title") }}
                </button>
            </form>
        </section>
    }
}
