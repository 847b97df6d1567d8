//! The server's clock: the one time source trusted for ordering.

use mimamori_core::domain::{CalendarDate, EpochMillis};

pub fn now_millis() -> EpochMillis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Today's date in Japan (UTC+9): the day a consent form can at latest be dated.
pub fn today_jst(now: EpochMillis) -> CalendarDate {
    CalendarDate::at(now, 9 * 60)
}

/// `2026-11-24 00:30` in Japan, for files people read.
pub fn jst_datetime(ms: EpochMillis) -> String {
    let local = ms + 9 * 3_600_000;
    let day = CalendarDate::at(ms, 9 * 60);
    let minutes = local.rem_euclid(86_400_000) / 60_000;
    format!("{} {:02}:{:02}", day.as_str(), minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_japanese_today() {
        // 2026-11-23T15:30:00Z is already the 24th in Japan.
        assert_eq!(super::today_jst(1_795_447_800_000).as_str(), "2026-11-24");
        assert_eq!(super::today_jst(1_795_400_000_000).as_str(), "2026-11-23");
        assert_eq!(super::jst_datetime(1_795_447_800_000), "2026-11-24 00:30");
    }
}
