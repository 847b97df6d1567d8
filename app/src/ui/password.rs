//! パスワードの変更: one's own password (staff and 民生委員 sign in with one), and the way out of a
//! password an admin reset. Online only; every other device of the user is signed out by it.

use super::actions;
use super::state::{use_app_state, SyncPhase};
use leptos::prelude::*;
use rust_i18n::t;

/// Shortest password the server accepts (it also refuses well-known ones).
const MIN_CHARS: usize = 8;

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let state = use_app_state();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    // A mistake the form can see by itself, before asking the server.
    let local_error = RwSignal::new(None::<String>);
    let forced = move || state.sync.with(|s| s.phase == SyncPhase::NeedsPasswordChange);
    let change =
        Action::new_local(move |(c, n): &(String, String)| actions::change_password(state, c.clone(), n.clone()));
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (c, n, a) = (current.get_untracked(), new.get_untracked(), again.get_untracked());
        let problem = if c.is_empty() {
            Some(t!("password.current_missing"))
        } else if n.chars().count() < MIN_CHARS {
            Some(t!("password.too_short"))
        } else if n != a {
            Some(t!("password.mismatch"))
        } else {
            None
        };
        local_error.set(problem.map(|p| p.into_owned()));
        if local_error.with_untracked(Option::is_none) {
            change.dispatch((c, n));
        }
    };
    let error = move || local_error.get().or_else(|| change.value().get().and_then(|r: Result<(), String>| r.err()));
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <section class="page password">
            <h1>{t!("password.title")}</h1>
            <Show when=forced>
                <p class="notice" role="status" data-testid="password-forced">{t!("password.forced")}</p>
            </Show>
            <Show when=done fallback=move || view! {
                <form on:submit=on_submit novalidate>
                    <label for="current-password">{t!("password.current")}</label>
                    <input id="current-password" type="password" autocomplete="current-password" required
                        prop:value=move || current.get() on:input=move |ev| current.set(event_target_value(&ev))/>
                    <label for="new-password">{t!("password.new")}</label>
                    <input id="new-password" type="password" autocomplete="new-password" required
                        aria-describedby="new-password-hint"
                        prop:value=move || new.get() on:input=move |ev| new.set(event_target_value(&ev))/>
                    <p class="hint" id="new-password-hint">{t!("password.hint")}</p>
                    <label for="again-password">{t!("password.again")}</label>
                    <input id="again-password" type="password" autocomplete="new-password" required
                        prop:value=move || again.get() on:input=move |ev| again.set(event_target_value(&ev))/>
                    {move || error().map(|e| view! { <p class="field-error" role="alert" data-testid="password-error">{e}</p> })}
                    <button class="button primary" type="submit" disabled=move || change.pending().get()>
                        {move || if change.pending().get() { t!("password.busy") } else { t!("password.submit") }}
                    </button>
                </form>
            }>
                <p class="saved" role="status" data-testid="password-changed">{t!("password.changed")}</p>
                <p><a class="button" href="/">{t!("app.to_start")}</a></p>
            </Show>
        </section>
    }
}
