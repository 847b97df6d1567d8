//! What surrounds every screen: the header with the sync state, the update banner, the boot screen.

use super::actions;
use super::state::{use_app_state, SessionState, SyncPhase};
use super::time::datetime;
use crate::domain::Role;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use rust_i18n::t;

/// Shown by the server and until the device store is read. No personal data, ever.
#[component]
pub fn BootScreen() -> impl IntoView {
    view! {
        <div class="boot" aria-busy="true">
            <p class="boot-name">{t!("app.name")}</p>
            <p>{t!("app.loading")}</p>
            <noscript>{t!("app.needs_js")}</noscript>
        </div>
    }
}

#[component]
pub fn AppHeader() -> impl IntoView {
    let state = use_app_state();
    let user = move || state.session.with(|s| s.user().cloned());
    view! {
        <header class="app-header">
            <a class="brand" href="/">{t!("app.name")}</a>
            <Show when=move || user().is_some()>
                <nav class="nav" aria-label=t!("nav.label")>
                    {move || match user().map(|u| u.role) {
                        Some(r) if r.is_manager() => view! {
                            <A href="/admin">{t!("nav.admin")}</A>
                            <A href="/checks">{t!("nav.checks")}</A>
                            <A href="/requests">{t!("nav.requests")}</A>
                            <A href="/settings">{t!("nav.settings")}</A>
                        }.into_any(),
                        Some(Role::Commissioner) => view! {
                            <A href="/persons">{t!("nav.persons")}</A>
                            <A href="/checks">{t!("nav.checks")}</A>
                            <A href="/my-requests">{t!("nav.requests")}</A>
                            <A href="/activity">{t!("nav.activity")}</A>
                            <A href="/settings">{t!("nav.settings")}</A>
                        }.into_any(),
                        Some(Role::PartnerStaff) => view! {
                            <A href="/requests">{t!("nav.request_list")}</A>
                            <A href="/settings">{t!("nav.settings")}</A>
                        }.into_any(),
                        _ => view! {
                            <A href="/persons">{t!("nav.persons")}</A>
                            <A href="/checks">{t!("nav.checks")}</A>
                            <A href="/my-requests">{t!("nav.requests")}</A>
                            <A href="/settings">{t!("nav.settings")}</A>
                        }.into_any(),
                    }}
                </nav>
            </Show>
        </header>
        <Show when=move || user().is_some()>
            // A landmark of its own, so screen readers can jump to where sending stands.
            <div role="region" aria-label=t!("sync.region")>
                <SyncBar/>
                <NewDevicesNotice/>
                <Notice/>
            </div>
        </Show>
    }
}

/// Something the user must know that is not about one screen (e.g. the store had been emptied
/// by the browser and is being filled again). Dismissed with a tap.
#[component]
fn Notice() -> impl IntoView {
    let state = use_app_state();
    view! {
        <Show when=move || state.notice.with(Option::is_some)>
            <div class="notice-banner" role="alert" data-testid="notice">
                <p>{move || state.notice.get().map(super::i18n::notice).unwrap_or_default()}</p>
                <button class="button small" type="button" on:click=move |_| state.notice.set(None)>{t!("notice.close")}</button>
            </div>
        </Show>
    }
}

/// Another device was enrolled for this user (an invite redeemed, a password used elsewhere):
/// the user is told, so that a phone they do not know of is reported, and acknowledges it.
#[component]
fn NewDevicesNotice() -> impl IntoView {
    let state = use_app_state();
    let lines = move || {
        state
            .new_devices
            .get()
            .into_iter()
            .map(|d| {
                let how = if d.how == "invite" { t!("devices.by_invite") } else { t!("devices.by_password") };
                t!("devices.enrolled_line", when = datetime(d.enrolled_at), how = how).into_owned()
            })
            .collect::<Vec<_>>()
    };
    view! {
        <Show when=move || state.new_devices.with(|d| !d.is_empty())>
            <div class="notice-banner" role="alert" data-testid="new-device-notice">
                <p>{t!("devices.enrolled")}</p>
                <ul>{move || lines().into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
                <p>{t!("devices.not_me")}</p>
                <button class="button small" type="button"
                    on:click=move |_| leptos::task::spawn_local(actions::acknowledge_devices(state))>
                    {t!("devices.seen")}
                </button>
            </div>
        </Show>
    }
}

/// 未送信 N 件 / 送信済み / オフライン, always visible, in words.
#[component]
fn SyncBar() -> impl IntoView {
    let state = use_app_state();
    let status = move || state.sync.get();
    let pending = move || status().pending;
    let text = move || {
        let s = status();
        match s.phase {
            SyncPhase::Syncing => t!("sync.syncing").into_owned(),
            SyncPhase::Offline => t!("sync.offline").into_owned(),
            SyncPhase::NeedsSignIn => t!("sync.needs_sign_in").into_owned(),
            SyncPhase::NeedsPasswordChange => t!("sync.needs_password_change").into_owned(),
            SyncPhase::Failed(e) => super::i18n::client_error(&e),
            SyncPhase::Idle if s.aside > 0 => t!("lock.aside", n = s.aside).into_owned(),
            SyncPhase::Idle if s.dropped > 0 => t!("sync.dropped", n = s.dropped).into_owned(),
            SyncPhase::Idle if s.refused > 0 => t!("sync.refused", n = s.refused).into_owned(),
            SyncPhase::Idle => match s.last_synced {
                Some(at) if s.pending == 0 => t!("sync.all_sent", when = datetime(at)).into_owned(),
                Some(_) | None if s.pending > 0 => t!("sync.waiting").into_owned(),
                _ => t!("sync.never").into_owned(),
            },
        }
    };
    let class = move || {
        let s = status();
        let kind = match s.phase {
            SyncPhase::Failed(_) | SyncPhase::NeedsSignIn | SyncPhase::NeedsPasswordChange => "sync-bar problem",
            _ if s.refused > 0 || s.dropped > 0 || s.aside > 0 => "sync-bar problem",
            _ if s.pending > 0 => "sync-bar pending",
            SyncPhase::Offline => "sync-bar offline",
            _ => "sync-bar ok",
        };
        kind.to_owned()
    };
    let needs_sign_in = move || matches!(state.session.get(), SessionState::Expired(_));
    view! {
        <div class=class role="status" aria-live="polite" data-testid="sync-bar">
            <Show when=move || { pending() > 0 }>
                <span class="pending-count" data-testid="pending-count">
                    {t!("sync.pending_before")} <strong>{pending}</strong> {t!("sync.pending_after")}
                </span>
            </Show>
            <span class="sync-text">{text}</span>
            <Show when=needs_sign_in>
                <a class="button small" href="/login">{t!("sync.sign_in")}</a>
            </Show>
            <Show when=move || status().phase == SyncPhase::NeedsPasswordChange>
                <a class="button small" href="/password">{t!("settings.change_password")}</a>
            </Show>
        </div>
    }
}

/// A new release is installed and waiting; switching is the user's choice.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let state = use_app_state();
    view! {
        <Show when=move || state.update_ready.get()>
            <div class="update-banner" role="alert" data-testid="update-banner">
                <span>{t!("update.ready")}</span>
                <button class="button" on:click=|_| actions::apply_update()>{t!("update.apply")}</button>
            </div>
        </Show>
    }
}

/// Sign-out, with a plain warning when it would throw away records not yet sent.
#[component]
pub fn SignOutButton() -> impl IntoView {
    let state = use_app_state();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let do_sign_out = move || {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            match actions::sign_out(state).await {
                Ok(()) => navigate("/login", Default::default()),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let pending = move || state.sync.with(|s| s.pending);
    let on_click = {
        let do_sign_out = do_sign_out.clone();
        move |_| {
            if pending() > 0 && !confirming.get_untracked() {
                confirming.set(true);
            } else {
                do_sign_out();
            }
        }
    };
    view! {
        <div class="sign-out">
            <Show when=move || { confirming.get() && pending() > 0 }>
                <p class="warning" role="alert">
                    {move || t!("sign_out.warning", n = pending())}
                </p>
            </Show>
            <button class="button secondary" on:click=on_click>
                {move || if confirming.get() && pending() > 0 { t!("sign_out.anyway") } else { t!("sign_out.button") }}
            </button>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
