//! 設定: text size, where syncing stands (with a button to sync now), and signing out.

use super::actions;
use super::chrome::SignOutButton;
use super::state::{use_app_state, SyncPhase};
use super::time::format_datetime;
use leptos::prelude::*;

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

    fn label_ja(self) -> &'static str {
        match self {
            TextSize::Normal => "標準",
            TextSize::Large => "大きめ",
            TextSize::Largest => "とても大きく",
        }
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

fn stored(key: &str) -> Option<String> {
    #[cfg(feature = "csr")]
    return web_sys::window()?.local_storage().ok()??.get_item(key).ok()?;
    #[cfg(not(feature = "csr"))]
    {
        let _ = key;
        None
    }
}

fn store(key: &str, value: &str) {
    #[cfg(feature = "csr")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
    #[cfg(not(feature = "csr"))]
    let _ = (key, value);
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let state = use_app_state();
    let size = RwSignal::new(TextSize::restore());
    let status = move || state.sync.get();
    let last = move || status().last_synced.map(format_datetime).unwrap_or_else(|| "まだ同期していません".into());
    let persisted = move || match status().persisted {
        Some(true) => "この端末に保存した記録は、ブラウザが勝手に消さない設定になっています。",
        Some(false) => "ブラウザが空き容量不足のときに記録を消すことがあります。こまめに送信してください。",
        None => "確認中です。",
    };
    let syncing = move || status().phase == SyncPhase::Syncing;
    view! {
        <section class="page settings">
            <h1>"設定"</h1>
            <fieldset class="chip-group text-size">
                <legend>"文字の大きさ"</legend>
                {TextSize::ALL.into_iter().map(|s| view! {
                    <button type="button" class="chip"
                        aria-pressed=move || (size.get() == s).to_string()
                        on:click=move |_| { s.choose(); size.set(s); }>
                        {s.label_ja()}
                    </button>
                }).collect_view()}
            </fieldset>
            <h2>"送信の状況"</h2>
            <dl class="facts">
                <dt>"未送信の記録"</dt><dd data-testid="settings-pending">{move || format!("{} 件", status().pending)}</dd>
                <dt>"最後に同期した時刻"</dt><dd>{last}</dd>
                <dt>"端末の保存"</dt><dd>{persisted}</dd>
            </dl>
            <button class="button secondary" type="button" disabled=syncing on:click=move |_| actions::sync_now(state)>
                {move || if syncing() { "送信中…" } else { "今すぐ送信・受信する" }}
            </button>
            <h2>"サインアウト"</h2>
            <p>"サインアウトすると、この端末から担当の方の情報と記録がすべて消えます。"</p>
            <SignOutButton/>
        </section>
    }
}
