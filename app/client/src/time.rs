//! The device's clock, corrected by the server's: device clocks are wrong, so every time this
//! app records and compares is on the server's clock once it has been heard from. Calendar
//! arithmetic for the device's own time zone lives here too, since consents and 活動記録 are
//! dated by the local day. (Formatting times in words is the screens' business.)

use crate::domain::EpochMillis;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

thread_local! {
    /// Server clock minus device clock, learnt at each pull.
    static CLOCK_OFFSET: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

pub fn set_clock_offset(ms: i64) {
    CLOCK_OFFSET.with(|o| o.set(ms));
}

/// Now, on the server's clock as best this device knows it.
pub fn now_millis() -> EpochMillis {
    device_now() + CLOCK_OFFSET.with(|o| o.get())
}

/// The device's own clock.
pub fn device_now() -> EpochMillis {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// Offset of the device's local time from UTC, in minutes east.
pub fn local_offset_minutes(ms: EpochMillis) -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        -(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).get_timezone_offset() as i64)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = ms;
        9 * 60 // native builds run only unit tests, which read Japan time
    }
}

/// The device's local calendar day, `YYYY-MM-DD` (what `<input type="date">` uses).
pub fn local_date(ms: EpochMillis) -> String {
    let local = ms + local_offset_minutes(ms) * 60_000;
    let (y, m, d) = civil_from_days(local.div_euclid(DAY_MS));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_are_japan_days_in_tests() {
        // 2026-12-31T15:00:00Z is already New Year's Day in Japan.
        assert_eq!(local_date(1_798_729_200_000), "2027-01-01");
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }
}
