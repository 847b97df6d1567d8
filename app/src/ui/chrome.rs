//! What surrounds every screen: the header with the sync state, the update banner, the boot screen.

use super::actions;
use super::state::{use_app_state, SessionState, SyncPhase};
use super::time::format_datetime;
use crate::domain::Role;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// Shown by the server and until the device store is read. No personal data, ever.
#[component]
pub fn BootScreen() -> impl IntoView {
    view! {
        <div class="boot" aria-busy="true">
            <p class="boot-name">"みまもり"</p>
            <p>"読み込み中…"</p>
            <noscript>"このアプリを使うには JavaScript を有効にしてください。"</noscript>
        </div>
    }
}

#[component]
pub fn AppHeader() -> impl IntoView {
    let state = use_app_state();
    let user = move || state.session.with(|s| s.user().cloned());
    view! {
        <header class="app-header">
            <a class="brand" href="/">"みまもり"</a>
            <Show when=move || user().is_some()>
                <nav class="nav" aria-label="メニュー">
                    {move || match user().map(|u| u.role) {
                        Some(r) if r.is_manager() => view! {
                            <A href="/admin">"管理"</A>
                            <A href="/checks">"記録一覧"</A>
                            <A href="/requests">"依頼"</A>
                            <A href="/settings">"設定"</A>
                        }.into_any(),
                        Some(Role::Commissioner) => view! {
                            <A href="/persons">"担当の方"</A>
                            <A href="/checks">"記録一覧"</A>
                            <A href="/my-requests">"依頼"</A>
                            <A href="/activity">"活動記録"</A>
                            <A href="/settings">"設定"</A>
                        }.into_any(),
                        Some(Role::PartnerStaff) => view! {
                            <A href="/requests">"依頼一覧"</A>
                            <A href="/settings">"設定"</A>
                        }.into_any(),
                        _ => view! {
                            <A href="/persons">"担当の方"</A>
                            <A href="/checks">"記録一覧"</A>
                            <A href="/my-requests">"依頼"</A>
                            <A href="/settings">"設定"</A>
                        }.into_any(),
                    }}
                </nav>
            </Show>
        </header>
        <Show when=move || user().is_some()>
            // A landmark of its own, so screen readers can jump to where sending stands.
            <div role="region" aria-label="送信の状況">
                <SyncBar/>
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
                <p>{move || state.notice.get().unwrap_or_default()}</p>
                <button class="button small" type="button" on:click=move |_| state.notice.set(None)>"閉じる"</button>
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
            SyncPhase::Syncing => "送信中…".to_owned(),
            SyncPhase::Offline => "オフライン：電波が戻ると自動で送信します".to_owned(),
            SyncPhase::NeedsSignIn => "サインインが必要です（記録は端末に残っています）".to_owned(),
            SyncPhase::Failed(msg) => msg,
            SyncPhase::Idle if s.dropped > 0 => format!(
                "担当から外れた方の、送信できなかった記録 {} 件を端末から消去しました。必要なら社協の担当者にご連絡ください。",
                s.dropped
            ),
            SyncPhase::Idle if s.refused > 0 => {
                format!(
                    "送信できなかった記録が {} 件あります。記録の横に理由があります。わからないときは社協の担当者にご相談ください。",
                    s.refused
                )
            }
            SyncPhase::Idle => match s.last_synced {
                Some(t) if s.pending == 0 => format!("すべて送信済み（{}）", format_datetime(t)),
                Some(_) | None if s.pending > 0 => "送信を待っています".to_owned(),
                _ => "まだ同期していません".to_owned(),
            },
        }
    };
    let class = move || {
        let s = status();
        let kind = match s.phase {
            SyncPhase::Failed(_) | SyncPhase::NeedsSignIn => "sync-bar problem",
            _ if s.refused > 0 || s.dropped > 0 => "sync-bar problem",
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
                    "未送信 " <strong>{pending}</strong> " 件"
                </span>
            </Show>
            <span class="sync-text">{text}</span>
            <Show when=needs_sign_in>
                <a class="button small" href="/login">"サインイン"</a>
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
                <span>"新しいバージョンがあります"</span>
                <button class="button" on:click=|_| actions::apply_update()>"更新する"</button>
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
                    "未送信の記録が " {pending} " 件あります。サインアウトすると、この端末から消えます。"
                    "電波のある場所で送信してからサインアウトしてください。"
                </p>
            </Show>
            <button class="button secondary" on:click=on_click>
                {move || if confirming.get() && pending() > 0 { "それでもサインアウトする" } else { "サインアウト" }}
            </button>
            <Show when=move || error.get().is_some()>
                <p class="field-error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
