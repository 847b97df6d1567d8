//! The field screens in Japanese (default) or English; the office screens (`ui/admin`, `ui/requests.rs`) stay Japanese-only.
//!
//! Screen texts live in `app/locales/app.yml`, embedded at compile time by `rust_i18n::i18n!` in
//! `lib.rs`; refusals and the names of domain values come from core's one catalogue
//! (`mimamori_core::{error, words}`), shared with the server. The choice is kept in `localStorage` (`mimamori.lang`) and applied before the first
//! screen; switching reloads the page, so no text needs to be reactive to the language.

use crate::client::state::Notice;
use crate::client::{ClientError, LocationError};
use crate::domain::{Due, ValidationError};
use crate::error::ErrorCode;
use crate::words::Label;
use rust_i18n::t;

pub use crate::error::Lang;

/// The app's choice of language: kept in `localStorage`, applied to the texts and `<html lang>`.
pub trait LangChoice: Sized {
    /// The language in use now.
    fn current() -> Self;
    /// The saved choice (Japanese unless English was chosen), applied. Called once before the
    /// app mounts.
    fn restore() -> Self;
    /// Saves the choice and reloads, so every screen is drawn again in it (the service worker
    /// serves the shell offline too).
    fn choose(self);
}

const LANG_KEY: &str = "mimamori.lang";

impl LangChoice for Lang {
    fn current() -> Lang {
        if &*rust_i18n::locale() == "en" {
            Lang::En
        } else {
            Lang::Ja
        }
    }

    fn restore() -> Lang {
        let lang = if super::settings::stored(LANG_KEY).as_deref() == Some("en") { Lang::En } else { Lang::Ja };
        apply(lang);
        lang
    }

    fn choose(self) {
        super::settings::store(LANG_KEY, self.as_str());
        apply(self);
        #[cfg(feature = "csr")]
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    }
}

fn apply(lang: Lang) {
    rust_i18n::set_locale(lang.as_str());
    #[cfg(feature = "csr")]
    if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = html.set_attribute("lang", lang.as_str());
    }
}

/// A failure on the device, in the user's language. Screens that need a sentence of their own
/// for one case (signing in with no signal, say) match it before calling this.
pub fn client_error(e: &ClientError) -> String {
    match e {
        ClientError::Offline => t!("api.offline").into_owned(),
        ClientError::SignedOut => t!("api.unauthenticated").into_owned(),
        ClientError::Revoked => t!("api.revoked").into_owned(),
        ClientError::Refused { code, message_ja } => error_text(*code, message_ja),
        ClientError::Server(_) => t!("api.server").into_owned(),
        ClientError::StoreOpen(e) => t!("actions.store_open_failed", e = e).into_owned(),
        ClientError::Store(e) => t!("sync.store_failed", e = e).into_owned(),
        ClientError::WipeFailed(e) => t!("sync.store_wipe_failed", e = e).into_owned(),
        ClientError::Invalid(v) => validation(v),
        ClientError::NotSignedIn => t!("actions.sign_in_first").into_owned(),
        ClientError::NoUuid => t!("actions.no_uuid").into_owned(),
        ClientError::PersonNotHere => t!("form.person_not_here").into_owned(),
        ClientError::Location(LocationError::Unavailable) => t!("actions.no_geolocation").into_owned(),
        ClientError::Location(LocationError::Denied) => t!("actions.geolocation_denied").into_owned(),
        ClientError::Location(LocationError::Failed) => t!("actions.geolocation_failed").into_owned(),
        ClientError::Location(LocationError::Unreadable) => t!("actions.geolocation_unread").into_owned(),
    }
}

/// A failure while saving on the device: a store failure reads as "could not save here".
pub fn save_error(e: &ClientError) -> String {
    match e {
        ClientError::Store(e) => t!("actions.save_failed", e = e).into_owned(),
        other => client_error(other),
    }
}

/// What the device tells the user once.
pub fn notice(n: Notice) -> String {
    match n {
        Notice::Revoked => t!("api.revoked").into_owned(),
        Notice::StoreEvicted => t!("actions.store_evicted").into_owned(),
        Notice::SignedOutOffline => t!("sign_out.offline").into_owned(),
        Notice::WipedAfterWrongPins => t!("lock.wiped_wrong").into_owned(),
        Notice::WipedForgottenPin => t!("lock.wiped_forgotten").into_owned(),
        Notice::RecoverBySignIn => t!("lock.recover_sign_in").into_owned(),
        Notice::RecoveryRefused => t!("lock.recovery_refused").into_owned(),
    }
}

/// A refusal kept on the device (stores from before codes were kept hold only the Japanese).
pub fn refusal(code: Option<ErrorCode>, message_ja: &str) -> String {
    error_text(code.unwrap_or(ErrorCode::Unknown), message_ja)
}

/// A server's refusal in the user's language. In Japanese, the words it came with (the server
/// words the exact field; several fields share one wire code); in English, the catalogue's words
/// for its code, or the Japanese when this version does not know the code.
pub fn error_text(code: ErrorCode, message_ja: &str) -> String {
    error_text_in(Lang::current(), code, message_ja)
}

fn error_text_in(lang: Lang, code: ErrorCode, message_ja: &str) -> String {
    match lang {
        Lang::Ja if !message_ja.is_empty() => message_ja.to_owned(),
        Lang::En if code == ErrorCode::Unknown && !message_ja.is_empty() => message_ja.to_owned(),
        lang => code.text(lang).to_owned(),
    }
}

/// A code's words in the user's language, from the catalogue.
pub fn code_text(code: ErrorCode) -> String {
    code.text(Lang::current()).to_owned()
}

/// A value the device itself refused, in the user's language, from the catalogue.
pub fn validation(e: &ValidationError) -> String {
    e.code.text(Lang::current()).to_owned()
}

/// A value's name in the user's language, from the catalogue (`mimamori_core::words`).
pub fn label(value: impl Label) -> String {
    value.label(Lang::current()).to_owned()
}

/// Where a person stands, as the home list shows it: 「3日超過」 / "3 days overdue".
pub fn due(d: Due) -> String {
    crate::words::due(d, Lang::current())
}

/// 「・約350m」 / " · about 350 m", after the area on the home list.
pub fn distance(m: f64) -> String {
    let words = crate::words::distance(crate::domain::due::Walk::of(m), Lang::current());
    t!("persons.distance", d = words).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(locale: &str) -> BTreeSet<String> {
        crate::_rust_i18n_backend()
            .messages_for_locale(locale)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, _)| k.into_owned())
            .collect()
    }

    #[test]
    fn every_text_is_in_both_languages() {
        let mut locales = rust_i18n::available_locales!();
        locales.sort();
        assert_eq!(locales, ["en", "ja"]);
        let (ja, en) = (keys("ja"), keys("en"));
        assert!(ja.len() > 100, "the Japanese texts were not embedded");
        assert_eq!(ja.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "no English for these");
        assert_eq!(en.difference(&ja).collect::<Vec<_>>(), Vec::<&String>::new(), "no Japanese for these");
        for key in &en {
            let text = crate::_rust_i18n_try_translate("en", key).unwrap_or_default();
            assert!(!text.trim().is_empty() || key.ends_with("_after"), "empty English for {key}");
        }
    }

    /// Every literal key the screens pass to `t!` names a text that exists: a missing key would show
    /// the key itself on screen (as `kind.inquiry` once did when its text moved to the catalogue).
    #[test]
    fn every_key_the_screens_use_exists() {
        let ja = keys("ja");
        let mut missing = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        let mut used = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, _) in text.match_indices("t!(\"") {
                    // `t!(`, not the end of `format!(` or `concat!(`.
                    if text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &text[i + 4..];
                    let key = &rest[..rest.find('"').unwrap()];
                    used += 1;
                    if !ja.contains(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(used > 100, "the scan found the screens' keys ({used})");
        assert_eq!(missing, Vec::<String>::new(), "keys with no text");
    }

    #[test]
    fn refusals_in_english_by_code_else_the_japanese() {
        let en = |code, ja| error_text_in(Lang::En, code, ja);
        assert_eq!(en(ErrorCode::ConcernUnnamed, "気になった点を…"), "Choose what you noticed, or write a note.");
        assert_eq!(en(ErrorCode::Unknown, "新しい理由"), "新しい理由", "a code this version does not know");
        let ja = "法人名を80文字以内で入力してください。";
        assert_eq!(error_text_in(Lang::Ja, ErrorCode::PersonName, ja), ja, "the server's words for the exact field");
        assert_eq!(error_text_in(Lang::Ja, ErrorCode::Unknown, ""), ErrorCode::Unknown.text(Lang::Ja));
    }
}
