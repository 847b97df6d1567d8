//! The server's clock: the one time source trusted for ordering.

use mimamori_core::domain::EpochMillis;

pub fn now_millis() -> EpochMillis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Today's date in Japan (UTC+9), `YYYY-MM-DD`: the day a consent form can at latest be dated.
pub fn today_jst(now: EpochMillis) -> String {
    let jst = time::UtcOffset::from_hms(9, 0, 0).expect("valid offset");
    let t = time::OffsetDateTime::from_unix_timestamp(now.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(jst);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_japanese_today() {
        // 2026-11-23T15:30:00Z is already the 24th in Japan.
        assert_eq!(super::today_jst(1_795_447_800_000), "2026-11-24");
        assert_eq!(super::today_jst(1_795_400_000_000), "2026-11-23");
    }
}
