//! 端末の登録: a volunteer opens the link in the QR code (`/enroll#ABCD-EFGH-JKMN`) or types the
//! code, and this phone is signed in without a password.

use super::actions;
use super::state::use_app_state;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use rust_i18n::t;

#[component]
pub fn EnrollPage() -> impl IntoView {
    let state = use_app_state();
    let location = use_location();
    // The fragment never reaches the server's logs; it is read here once.
    let code = RwSignal::new(location.hash.get_untracked().trim_start_matches('#').to_owned());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let c = code.get_untracked().trim().to_owned();
        if c.is_empty() {
            error.set(Some(t!("enroll.missing").into_owned()));
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match actions::enroll(state, c).await {
                // Replace: the code must not stay in the history.
                Ok(()) => navigate("/persons", leptos_router::NavigateOptions { replace: true, ..Default::default() }),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="page enroll">
            <h1>{t!("enroll.title")}</h1>
            {move || state.notice.get().map(|n| view! { <p class="notice" role="status">{super::i18n::notice(n)}</p> })}
            <p>{t!("enroll.lead")}</p>
            <form on:submit=on_submit novalidate data-testid="enroll-form">
                <label for="enroll-code">{t!("enroll.code")}</label>
                <p class="hint" id="enroll-code-hint">{t!("enroll.hint")}</p>
                <input id="enroll-code" class="code-input" type="text" autocomplete="one-time-code" autocapitalize="characters"
                    spellcheck="false" aria-describedby="enroll-code-hint"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert" data-testid="enroll-error">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <button class="button primary big" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { t!("enroll.busy") } else { t!("enroll.submit") }}
                </button>
            </form>
            <p class="hint">{t!("enroll.expired")}</p>
            <super::sign_in::SigningInAgain on_enroll=true/>
        </section>
    }
}
