//! 設定: text size, language, where syncing stands (with a button to sync now), the password
//! (for those who sign in with one), and signing out.

use super::actions;
use super::chrome::SignOutButton;
use super::i18n::{Lang, LangChoice};
use super::state::{use_app_state, SyncPhase};
use super::time::datetime;
use leptos::prelude::*;
use rust_i18n::t;

/// Text size on top of the phone's own setting. Kept in `localStorage` (not personal data, so it
/// outlives a sign-out) and applied to `<html data-text-size>` before the first screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSize {
    Normal,
    Large,
    Largest,
}

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Normal, TextSize::Large, TextSize::Largest];
    const KEY: &'static str = "mimamori.text-size";

    fn label(self) -> String {
        t!(format!("settings.text_size.{}", self.as_str())).into_owned()
    }

    fn as_str(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::Largest => "largest",
        }
    }

    /// The saved choice, applied to the page (called once before the app mounts).
    pub fn restore() -> TextSize {
        let saved = stored(Self::KEY);
        let size = Self::ALL.into_iter().find(|s| Some(s.as_str()) == saved.as_deref()).unwrap_or(TextSize::Normal);
        size.apply();
        size
    }

    fn choose(self) {
        store(Self::KEY, self.as_str());
        self.apply();
    }

    fn apply(self) {
        #[cfg(feature = "csr")]
        if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = html.set_attribute("data-text-size", self.as_str());
        }
    }
}

pub(super) fn stored(key: &str) -> Option<String> {
    #[cfg(feature = "csr")]
    return web_sys::window()?.local_storage().ok()??.get_item(key).ok()?;
    #[cfg(not(feature = "csr"))]
    {
        let _ = key;
        None
    }
}

pub(super) fn store(key: &str, value: &str) {
    #[cfg(feature = "csr")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
    #[cfg(not(feature = "csr"))]
    let _ = (key, value);
}

/// アプリのロック: how long unused before it locks, and a button to lock now.
#[component]
fn LockSettings() -> impl IntoView {
    let after = RwSignal::new(actions::lock_after());
    view! {
        <h2>{t!("lock.settings")}</h2>
        <fieldset class="chip-group lock-after">
            <legend>{t!("lock.after")}</legend>
            {crate::domain::LockAfter::ALL.into_iter().map(|l| view! {
                <button type="button" class="chip"
                    aria-pressed=move || (after.get() == l).to_string()
                    on:click=move |_| {
                        after.set(l);
                        leptos::task::spawn_local(async move { let _ = actions::set_lock_after(l).await; });
                    }>
                    {t!("lock.after_min", n = l.minutes()).into_owned()}
                </button>
            }).collect_view()}
        </fieldset>
        <p><button class="button secondary" type="button" on:click=|_| actions::lock_now()>{t!("lock.now")}</button></p>
        <ChangePin/>
    }
}

/// PINを変更: the current PIN, then the new one twice.
#[component]
fn ChangePin() -> impl IntoView {
    let (current, new, again) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let change = Action::new_local(move |_: &()| {
        let (c, n, a) = (current.get_untracked(), new.get_untracked(), again.get_untracked());
        async move {
            let done = actions::change_pin(c, n, a).await;
            if done.is_ok() {
                current.set(String::new());
                new.set(String::new());
                again.set(String::new());
            }
            done
        }
    });
    let field = move |id: &'static str, label: String, value: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type="password" inputmode="numeric" autocomplete="off" maxlength="6"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))/>
        }
    };
    view! {
        <form class="change-pin" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); change.dispatch(()); }>
            <h3>{t!("lock.change")}</h3>
            {field("pin-current", t!("lock.current").into_owned(), current)}
            {field("pin-new", t!("lock.new").into_owned(), new)}
            {field("pin-again", t!("lock.new_again").into_owned(), again)}
            {move || change.value().get().map(|done| match done {
                Ok(()) => view! { <p class="notice" role="status" data-testid="pin-changed">{t!("lock.changed")}</p> }.into_any(),
                Err(e) => view! { <p class="field-error" role="alert" data-testid="pin-change-error">{e}</p> }.into_any(),
            })}
            <button class="button secondary" type="submit" disabled=move || change.pending().get()>{t!("lock.change")}</button>
        </form>
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let state = use_app_state();
    let size = RwSignal::new(TextSize::restore());
    let lang = Lang::current();
    let status = move || state.sync.get();
    let last = move || status().last_synced.map(datetime).unwrap_or_else(|| t!("sync.never").into_owned());
    let persisted = move || match status().persisted {
        Some(true) => t!("settings.persisted.yes"),
        Some(false) => t!("settings.persisted.no"),
        None => t!("settings.persisted.unknown"),
    };
    let syncing = move || status().phase == SyncPhase::Syncing;
    view! {
        <section class="page settings">
            <h1>{t!("settings.title")}</h1>
            <fieldset class="chip-group text-size">
                <legend>{t!("settings.text_size")}</legend>
                {TextSize::ALL.into_iter().map(|s| view! {
                    <button type="button" class="chip"
                        aria-pressed=move || (size.get() == s).to_string()
                        on:click=move |_| { s.choose(); size.set(s); }>
                        {s.label()}
                    </button>
                }).collect_view()}
            </fieldset>
            <fieldset class="chip-group language">
                <legend>"言語 / Language"</legend>
                {Lang::ALL.into_iter().map(|l| view! {
                    <button type="button" class="chip" lang=l.as_str()
                        aria-pressed=(lang == l).to_string()
                        on:click=move |_| if l != lang { l.choose() }>
                        {l.own_name()}
                    </button>
                }).collect_view()}
            </fieldset>
            <h2>{t!("sync.region")}</h2>
            <dl class="facts">
                <dt>{t!("settings.pending")}</dt><dd data-testid="settings-pending">{move || t!("settings.pending_count", n = status().pending)}</dd>
                <dt>{t!("settings.last_synced")}</dt><dd>{last}</dd>
                <dt>{t!("settings.storage")}</dt><dd>{persisted}</dd>
            </dl>
            <button class="button secondary" type="button" disabled=syncing on:click=move |_| actions::sync_now(state)>
                {move || if syncing() { t!("sync.syncing") } else { t!("settings.sync_now") }}
            </button>
            <Show when=move || state.session.with(|s| s.user().is_some_and(|u| u.role != crate::domain::Role::Volunteer))>
                <h2>{t!("password.title")}</h2>
                <p><a class="button secondary" href="/password">{t!("settings.change_password")}</a></p>
            </Show>
            <LockSettings/>
            <h2>{t!("sign_out.title")}</h2>
            <p>{t!("sign_out.explain")}</p>
            <SignOutButton/>
        </section>
    }
}
