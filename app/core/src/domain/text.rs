//! Free text typed by people: trimmed, bounded, and free of control characters.
//!
//! Text is stored as typed (SQL is always parameterised, HTML always escaped by the view layer),
//! so `<script>` or `' OR 1=1` in a name is just a strange name, never code. Invisible formatting
//! characters are the one thing taken out: bidirectional overrides and isolates can make a name or
//! a note read differently from what it holds (「山田」 shown for a reversed string), and
//! zero-width characters make two identical-looking names differ. Phones paste them in from chat
//! apps without anyone meaning to, so they are dropped rather than refused.

use super::ValidationError;
use crate::error::ErrorCode;
use std::borrow::Cow;

/// Whether `c` is an invisible formatting character that is dropped from typed text: bidi
/// embeddings, overrides, isolates and marks, zero-width spaces and joiners, word joiners,
/// invisible operators, the soft hyphen and the byte-order mark. Variation selectors stay (a
/// kanji's variant form in a person's name is meant).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// `raw` without invisible formatting characters (see [`is_invisible`]).
pub fn without_invisible(raw: &str) -> Cow<'_, str> {
    if raw.chars().any(is_invisible) {
        Cow::Owned(raw.chars().filter(|&c| !is_invisible(c)).collect())
    } else {
        Cow::Borrowed(raw)
    }
}

/// One line of text (a name, an address): no line breaks.
pub fn line(raw: &str, max_chars: usize, required: bool, code: ErrorCode) -> Result<String, ValidationError> {
    let cleaned = without_invisible(raw);
    let t = cleaned.trim();
    if t.chars().any(char::is_control) {
        return Err(ValidationError { code, detail: format!("{code}: control characters or line breaks") });
    }
    check(t, max_chars, required, code)
}

/// Several lines (notes): line breaks and tabs allowed.
pub fn multiline(raw: &str, max_chars: usize, code: ErrorCode) -> Result<String, ValidationError> {
    let cleaned = without_invisible(raw);
    let t = cleaned.trim();
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(ValidationError { code, detail: format!("{code}: control characters") });
    }
    check(t, max_chars, false, code)
}

fn check(t: &str, max_chars: usize, required: bool, code: ErrorCode) -> Result<String, ValidationError> {
    if required && t.is_empty() {
        return Err(ValidationError { code, detail: format!("{code}: required") });
    }
    let n = t.chars().count();
    if n > max_chars {
        return Err(ValidationError { code, detail: format!("{code}: {n} characters, at most {max_chars}") });
    }
    Ok(t.to_owned())
}

/// A phone number as people write it: digits, hyphens, spaces, parentheses, a leading +.
pub fn phone(raw: &str, code: ErrorCode) -> Result<Option<String>, ValidationError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let ok = (3..=15).contains(&digits)
        && t.len() <= 24
        && t.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || "- ()".contains(c) || (i == 0 && c == '+'));
    if ok {
        Ok(Some(t.to_owned()))
    } else {
        Err(ValidationError { code, detail: format!("{code}: not a phone number") })
    }
}

/// An opaque id as it travels in URLs and bodies: a short run of safe characters.
pub fn is_safe_id(raw: &str) -> bool {
    !raw.is_empty() && raw.len() <= 64 && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An id type that can only hold a string that passed [`is_safe_id`]: a private field, `parse`,
/// and serde that parses too (`try_from`), whose refusal text starts with `invalid_id` for the
/// server to read back. `PersonId` and `UserId` are made with it.
macro_rules! safe_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
        #[serde(try_from = "String")]
        pub struct $name(String);

        impl $name {
            /// Ids travel in URLs; refuse anything that is not a short run of safe characters.
            pub fn parse(raw: &str) -> Option<Self> {
                $crate::domain::text::is_safe_id(raw).then(|| Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::domain::ValidationError;

            /// Keeps the string when it is a valid id (no copy).
            fn try_from(raw: String) -> Result<Self, Self::Error> {
                if $crate::domain::text::is_safe_id(&raw) {
                    Ok(Self(raw))
                } else {
                    Err($crate::domain::ValidationError {
                        code: $crate::error::ErrorCode::InvalidId,
                        detail: concat!("not a ", $what).into(),
                    })
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}
pub(crate) use safe_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_bounded_and_single_line() {
        assert_eq!(line("  佐藤 ハナ ", 10, true, ErrorCode::PersonName).unwrap(), "佐藤 ハナ");
        assert!(line("   ", 10, true, ErrorCode::PersonName).is_err());
        assert_eq!(line("", 10, false, ErrorCode::PersonName).unwrap(), "");
        assert!(line("あ\nい", 10, true, ErrorCode::PersonName).is_err());
        assert!(line(&"あ".repeat(11), 10, true, ErrorCode::PersonName).is_err());
        // Script-ish and SQL-ish text is only text here; it is stored as typed.
        assert_eq!(line("<script>x</script>", 40, true, ErrorCode::PersonName).unwrap(), "<script>x</script>");
        assert_eq!(
            line("'; DROP TABLE persons; --", 40, true, ErrorCode::PersonName).unwrap(),
            "'; DROP TABLE persons; --"
        );
    }

    #[test]
    fn invisible_formatting_is_dropped_and_the_rest_kept() {
        // U+202E turns the rest of a line around on screen; U+200B hides between letters.
        assert_eq!(line("山田\u{202E}子花\u{202C}", 40, true, ErrorCode::PersonName).unwrap(), "山田子花");
        assert_eq!(line("佐\u{200B}藤\u{FEFF}", 40, true, ErrorCode::PersonName).unwrap(), "佐藤");
        assert_eq!(multiline("鍵は\u{2066}隣家\u{2069}\n玄関", 40, ErrorCode::PersonName).unwrap(), "鍵は隣家\n玄関");
        // Nothing but invisible characters is nothing.
        assert!(line("\u{200B}\u{200E}", 40, true, ErrorCode::PersonName).is_err());
        // A kanji's variation selector is part of a name.
        assert_eq!(line("葛\u{E0100}城", 40, true, ErrorCode::PersonName).unwrap(), "葛\u{E0100}城");
    }

    #[test]
    fn phones_look_like_phones() {
        assert_eq!(phone("0185-00-1234", ErrorCode::PersonName).unwrap().as_deref(), Some("0185-00-1234"));
        assert_eq!(phone("", ErrorCode::PersonName).unwrap(), None);
        assert!(phone("call me", ErrorCode::PersonName).is_err());
        assert!(phone("12", ErrorCode::PersonName).is_err());
        assert!(phone("+81 185 00 1234", ErrorCode::PersonName).is_ok());
    }
}
