//! The app lock's PIN, and how long the app may sit unused before it locks.
//!
//! Why here: the PIN is the one secret between a lost phone and the names, addresses and health
//! signs it holds. What makes a PIN acceptable is a rule of the product (4–6 digits, nothing a
//! finder would try first), decided once and tested here, not in a screen. A [`Pin`] can only be
//! made by [`Pin::parse`], so the device never derives a key from a PIN that broke the rule.

use super::ValidationError;
use crate::error::ErrorCode;

/// A PIN that passed [`Pin::parse`]: 4 to 6 ASCII digits, not trivially guessable.
#[derive(Clone, PartialEq, Eq)]
pub struct Pin(String);

/// Never printed, not even in a debug log.
impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(…)")
    }
}

impl Pin {
    pub const MIN_DIGITS: usize = 4;
    pub const MAX_DIGITS: usize = 6;

    /// A new PIN, as the user chose it. Refuses fewer than 4 or more than 6 digits, anything but
    /// digits, and PINs a finder would try first: one digit repeated (0000), a run up or down
    /// (1234, 9876, 012345), two digits alternating (1212), and the keypad's middle column (2580).
    pub fn parse(s: &str) -> Result<Pin, ValidationError> {
        let digits: Vec<u8> = s.bytes().collect();
        if !(Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
            return Err(ValidationError { code: ErrorCode::PinLength, detail: "4 to 6 digits".into() });
        }
        if trivial(&digits) {
            return Err(ValidationError { code: ErrorCode::PinTrivial, detail: "easy to guess".into() });
        }
        Ok(Pin(s.to_owned()))
    }

    /// A PIN typed to unlock: only its shape is checked (a PIN set under an older rule still opens).
    pub fn typed(s: &str) -> Result<Pin, ValidationError> {
        if (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Pin(s.to_owned()))
        } else {
            Err(ValidationError { code: ErrorCode::PinLength, detail: "4 to 6 digits".into() })
        }
    }

    /// The digits, for deriving the key (and nothing else).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn trivial(d: &[u8]) -> bool {
    let steps: Vec<i16> = d.windows(2).map(|w| i16::from(w[1]) - i16::from(w[0])).collect();
    let same_step = steps.windows(2).all(|w| w[0] == w[1]);
    let run = same_step && matches!(steps[0], -1..=1);
    let alternating = d.len() >= 4 && d.iter().enumerate().all(|(i, &b)| b == d[i % 2]);
    const KNOWN: [&[u8]; 4] = [b"2580", b"0852", b"1004", b"147258"];
    run || alternating || KNOWN.contains(&d)
}

/// How long the app may sit unused before it asks for the PIN again (a setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockAfter {
    Min5,
    #[default]
    Min10,
    Min30,
}

impl LockAfter {
    pub const ALL: [LockAfter; 3] = [LockAfter::Min5, LockAfter::Min10, LockAfter::Min30];

    pub fn minutes(self) -> u32 {
        match self {
            LockAfter::Min5 => 5,
            LockAfter::Min10 => 10,
            LockAfter::Min30 => 30,
        }
    }

    pub fn from_minutes(m: u32) -> Option<LockAfter> {
        Self::ALL.into_iter().find(|l| l.minutes() == m)
    }
}

/// Wrong PINs in a row after which the device store is wiped.
pub const WIPE_AFTER_WRONG_PINS: u32 = 10;
/// From this many wrong PINs in a row, the unlock screen warns how many tries are left.
pub const WARN_FROM_WRONG_PINS: u32 = 7;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pins_are_accepted() {
        for pin in ["2468", "3917", "8305", "50913", "739104", "1357"] {
            assert!(Pin::parse(pin).is_ok(), "{pin}");
        }
    }

    #[test]
    fn wrong_length_or_not_digits_is_refused() {
        for pin in ["", "123", "1234567", "12a4", "１２３４", " 2468", "24 68"] {
            assert_eq!(Pin::parse(pin).unwrap_err().code, ErrorCode::PinLength, "{pin:?}");
        }
    }

    #[test]
    fn pins_a_finder_would_try_first_are_refused() {
        for pin in ["0000", "1111", "999999", "1234", "4321", "0123", "123456", "987654", "1212", "909090", "2580"] {
            assert_eq!(Pin::parse(pin).unwrap_err().code, ErrorCode::PinTrivial, "{pin}");
        }
    }

    #[test]
    fn an_unlock_attempt_checks_only_the_shape_and_is_never_printed() {
        assert!(Pin::typed("1234").is_ok());
        assert!(Pin::typed("12").is_err());
        assert_eq!(format!("{:?}", Pin::typed("2468").unwrap()), "Pin(…)");
    }

    #[test]
    fn lock_after_reads_back_from_minutes() {
        for l in LockAfter::ALL {
            assert_eq!(LockAfter::from_minutes(l.minutes()), Some(l));
        }
        assert_eq!(LockAfter::from_minutes(7), None);
        assert_eq!(LockAfter::default().minutes(), 10);
    }
}
