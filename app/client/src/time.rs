//! The device's clock, corrected by the server's: device clocks are wrong, so every time this
//! app records and compares is on the server's clock once it has been heard from. Calendar
//! arithmetic for the device's own time zone lives here too, since consents and 活動記録 are
//! dated by the local day. (Formatting times in words is the screens' business.)

pub use crate::domain::{civil_from_days, DAY_MS};
use crate::domain::{CalendarDate, EpochMillis};

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

/// The device's local calendar day (`YYYY-MM-DD` is what `<input type="date">` uses).
pub fn local_date(ms: EpochMillis) -> CalendarDate {
    CalendarDate::at(ms, local_offset_minutes(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_are_japan_days_in_tests() {
        // 2026-12-31T15:00:00Z is already New Year's Day in Japan.
        assert_eq!(local_date(1_798_729_200_000).as_str(), "2027-01-01");
    }
}
