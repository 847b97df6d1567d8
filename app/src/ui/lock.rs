//! The app lock: choosing a PIN after signing in, and typing it to open the app.
//!
//! Why these screens look as they do: they stand between a volunteer and every record, several
//! times a day, often with gloves or in the cold. Large keys (the phone's own keypad layout), the
//! digits never shown, one field that a physical keyboard or a screen reader can also fill, and a
//! clear count of tries left once wrong PINs start to matter. They live in their own chunk, which
//! the service worker precaches, so they open offline and cost the first load nothing.

use super::actions::{self, Unlocked};
use super::state::{use_app_state, LockScreen};
use crate::domain::Pin;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use rust_i18n::t;

/// The lock screen the app shows instead of every other screen.
#[lazy]
pub fn lock_screen(screen: LockScreen) -> AnyView {
    match screen {
        LockScreen::SetPin => view! { <SetPinPage/> }.into_any(),
        LockScreen::Recovering => view! { <RecoveringPage/> }.into_any(),
        _ => view! { <UnlockPage/> }.into_any(),
    }
}

/// The PIN field and the keypad under it. `pin` holds the digits typed.
#[component]
fn PinPad(pin: RwSignal<String>, #[prop(into)] label: String) -> impl IntoView {
    let press = move |d: char| {
        pin.update(|p| {
            if p.len() < Pin::MAX_DIGITS {
                p.push(d);
            }
        })
    };
    let key = move |d: char| {
        view! {
            <button type="button" class="key" on:click=move |_| press(d)>{d.to_string()}</button>
        }
    };
    view! {
        <label for="pin">{label}</label>
        <input id="pin" name="pin" class="pin-field" type="password" inputmode="numeric" autocomplete="off"
            maxlength=Pin::MAX_DIGITS.to_string()
            prop:value=move || pin.get()
            on:input=move |ev| pin.set(event_target_value(&ev).chars().filter(char::is_ascii_digit).take(Pin::MAX_DIGITS).collect())/>
        <p class="pin-count" aria-live="polite">{move || t!("lock.digits", n = pin.with(String::len)).into_owned()}</p>
        <div class="keypad">
            {['1', '2', '3', '4', '5', '6', '7', '8', '9'].into_iter().map(key).collect_view()}
            <span></span>
            {key('0')}
            <button type="button" class="key" aria-label=t!("lock.delete").into_owned()
                on:click=move |_| pin.update(|p| { p.pop(); })>"⌫"</button>
        </div>
    }
}

/// After signing in again with a forgotten PIN: the store opens with the server's recovery key,
/// then a new PIN is chosen. Out of reach, the user tries again from here.
#[component]
fn RecoveringPage() -> impl IntoView {
    let state = use_app_state();
    let error = RwSignal::new(None::<String>);
    let attempt = move || {
        error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = actions::finish_recovery(state).await {
                error.set(Some(e));
            }
        });
    };
    attempt();
    view! {
        <section class="page lock">
            <h1>{t!("lock.recovering_title")}</h1>
            <Show when=move || error.get().is_some() fallback=|| view! { <p role="status">{t!("lock.recovering")}</p> }>
                <p class="field-error" role="alert" data-testid="lock-error">{move || error.get().unwrap_or_default()}</p>
                <button class="button primary" type="button" on:click=move |_| attempt()>{t!("lock.retry")}</button>
            </Show>
        </section>
    }
}

/// PINを設定: typed once, then again to confirm; refused at once if it breaks the rule.
#[component]
fn SetPinPage() -> impl IntoView {
    let state = use_app_state();
    let pin = RwSignal::new(String::new());
    let first = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = pin.get_untracked();
        let navigate = navigate.clone();
        match first.get_untracked() {
            None => match Pin::parse(&typed) {
                Ok(_) => {
                    first.set(Some(typed));
                    pin.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(super::i18n::validation(&e))),
            },
            Some(chosen) => {
                busy.set(true);
                error.set(None);
                leptos::task::spawn_local(async move {
                    match actions::set_pin(state, chosen, typed).await {
                        // Signed in just now: on to where this user starts (the other ways here
                        // stay on the address the app was opened at).
                        Ok(()) if on_sign_in_screen() => navigate("/", Default::default()),
                        Ok(()) => {}
                        Err(e) => {
                            error.set(Some(e));
                            first.set(None);
                            pin.set(String::new());
                            busy.set(false);
                        }
                    }
                });
            }
        }
    };
    view! {
        <section class="page lock">
            <h1>{t!("lock.set_title")}</h1>
            {move || state.notice.get().map(|n| view! { <p class="notice" role="status" data-testid="lock-notice">{super::i18n::notice(n)}</p> })}
            <p>{move || if first.with(Option::is_some) { t!("lock.set_again") } else { t!("lock.set_explain") }}</p>
            <form on:submit=on_submit novalidate>
                <PinPad pin label=t!("lock.pin").into_owned()/>
                <Show when=move || error.get().is_some()>
                    <p class="field-error" role="alert" data-testid="lock-error">{move || error.get().unwrap_or_default()}</p>
                </Show>
                <button class="button primary" type="submit" disabled=move || busy.get()>
                    {move || match (busy.get(), first.with(Option::is_some)) {
                        (true, _) => t!("lock.setting"),
                        (false, true) => t!("lock.set"),
                        (false, false) => t!("lock.next"),
                    }}
                </button>
                <Show when=move || first.with(Option::is_some) && !busy.get()>
                    <button class="button secondary" type="button" on:click=move |_| { first.set(None); pin.set(String::new()); }>
                        {t!("lock.restart")}
                    </button>
                </Show>
            </form>
        </section>
    }
}

fn on_sign_in_screen() -> bool {
    let path = web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_default();
    matches!(path.as_str(), "/login" | "/enroll")
}

/// PINを入力: opens the app; wrong PINs counted, with a warning from the seventh.
#[component]
fn UnlockPage() -> impl IntoView {
    let state = use_app_state();
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // 「PINを忘れた」 tapped: the unsent records, and whether the server can help open the store.
    let forgetting = RwSignal::new(None::<(u32, bool)>);
    // Wrong tries so far (also after a restart: the count is on disk), worded with what is left.
    let wrong_text = move |wrong: u32| {
        let left = crate::domain::pin::WIPE_AFTER_WRONG_PINS.saturating_sub(wrong);
        if wrong >= actions::warn_from_wrong_pins() {
            t!("lock.wrong_left", n = left).into_owned()
        } else {
            t!("lock.wrong").into_owned()
        }
    };
    if let LockScreen::Locked { wrong } = state.lock.get_untracked() {
        if wrong > 0 {
            error.set(Some(wrong_text(wrong)));
        }
    }
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let typed = pin.get_untracked();
        leptos::task::spawn_local(async move {
            match actions::unlock(state, typed).await {
                Ok(Unlocked::Wrong { left }) => {
                    error.set(Some(wrong_text(crate::domain::pin::WIPE_AFTER_WRONG_PINS - left)));
                    pin.set(String::new());
                    busy.set(false);
                }
                // Opened (or wiped): this screen is gone.
                Ok(_) => {}
                Err(e) => {
                    error.set(Some(e));
                    busy.set(false);
                }
            }
        });
    };
    let forgot = move |_| {
        leptos::task::spawn_local(async move {
            forgetting.set(Some((actions::unsent_count().await, actions::recoverable().await)));
        });
    };
    let sign_in_again = move |_| {
        leptos::task::spawn_local(async move {
            if let Err(e) = actions::recover_by_sign_in(state).await {
                forgetting.set(None);
                error.set(Some(e));
            }
        });
    };
    let erase = move |_| {
        leptos::task::spawn_local(async move {
            if let Err(e) = actions::forget_pin(state).await {
                error.set(Some(e));
            }
        });
    };
    view! {
        <section class="page lock">
            <h1>{t!("lock.title")}</h1>
            <Show when=move || forgetting.get().is_none() fallback=move || match forgetting.get() {
                // The server keeps this phone's recovery key: signing in again opens the store.
                Some((unsent, true)) => view! {
                    <p>{t!("lock.recover_explain")}</p>
                    {(unsent > 0).then(|| view! {
                        <p class="notice" role="status" data-testid="forgot-unsent-kept">{t!("lock.recover_unsent", n = unsent).into_owned()}</p>
                    })}
                    <p class="actions">
                        <button class="button primary" type="button" on:click=sign_in_again>{t!("lock.recover_confirm")}</button>
                        <button class="button secondary" type="button" on:click=move |_| forgetting.set(None)>{t!("lock.cancel")}</button>
                    </p>
                }.into_any(),
                unsent => view! {
                    <p>{t!("lock.forgot_explain")}</p>
                    {unsent.filter(|(n, _)| *n > 0).map(|(n, _)| view! {
                        <p class="notice" role="alert" data-testid="forgot-unsent">{t!("lock.forgot_unsent", n = n).into_owned()}</p>
                    })}
                    <p class="actions">
                        <button class="button danger" type="button" on:click=erase>{t!("lock.forgot_confirm")}</button>
                        <button class="button secondary" type="button" on:click=move |_| forgetting.set(None)>{t!("lock.cancel")}</button>
                    </p>
                }.into_any(),
            }>
                <p>{t!("lock.explain")}</p>
                <form on:submit=on_submit novalidate>
                    <PinPad pin label=t!("lock.pin").into_owned()/>
                    <Show when=move || error.get().is_some()>
                        <p class="field-error" role="alert" data-testid="lock-error">{move || error.get().unwrap_or_default()}</p>
                    </Show>
                    <button class="button primary" type="submit" disabled=move || busy.get() || pin.with(|p| p.len() < Pin::MIN_DIGITS)>
                        {move || if busy.get() { t!("lock.unlocking") } else { t!("lock.unlock") }}
                    </button>
                </form>
                <p><button class="button secondary" type="button" on:click=forgot>{t!("lock.forgot")}</button></p>
            </Show>
        </section>
    }
}
