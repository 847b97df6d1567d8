//! Times for people: local, in Japanese (or English on the field screens), relative where that
//! reads better.

use super::i18n::{Lang, LangChoice};
use crate::domain::{CalendarDate, EpochMillis, Month};
use rust_i18n::t;

pub use crate::client::time::{
    civil_from_days, local_date, local_offset_minutes, now_millis, set_clock_offset, DAY_MS,
};

/// `11月22日 18:40`
pub fn format_datetime(ms: EpochMillis) -> String {
    let local = ms + local_offset_minutes(ms) * 60_000;
    let days = local.div_euclid(DAY_MS);
    let rem = local.rem_euclid(DAY_MS) / 60_000;
    let (_, month, day) = civil_from_days(days);
    format!("{month}月{day}日 {}:{:02}", rem / 60, rem % 60)
}

/// [`format_datetime`] in the user's language: `11月22日 18:40` / `22 Nov 18:40`.
pub fn datetime(ms: EpochMillis) -> String {
    if Lang::current() == Lang::Ja {
        return format_datetime(ms);
    }
    let local = ms + local_offset_minutes(ms) * 60_000;
    let rem = local.rem_euclid(DAY_MS) / 60_000;
    let (_, month, day) = civil_from_days(local.div_euclid(DAY_MS));
    format!("{day} {} {}:{:02}", month_en(month), rem / 60, rem % 60)
}

/// `2026-04` → `2026年4月` / `April 2026`.
pub fn month(ym: &Month) -> String {
    let (y, m) = ym.year_month();
    match Lang::current() {
        Lang::Ja => format!("{y}年{m}月"),
        Lang::En => format!("{} {y}", month_name_en(m)),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn month_name_en(m: u32) -> &'static str {
    MONTHS_EN.get((m as usize).wrapping_sub(1)).copied().unwrap_or("")
}

fn month_en(m: u32) -> &'static str {
    let name = month_name_en(m);
    name.get(..3).unwrap_or(name)
}

/// `2026-04-01` → `2026年4月1日`.
pub fn ja_date(day: &CalendarDate) -> String {
    let (y, m, d) = day.ymd();
    format!("{y}年{m}月{d}日")
}

/// `2026年11月22日 18:40`: for logs that span years.
pub fn format_full(ms: EpochMillis) -> String {
    let local = ms + local_offset_minutes(ms) * 60_000;
    let rem = local.rem_euclid(DAY_MS) / 60_000;
    format!("{} {}:{:02}", ja_date(&local_date(ms)), rem / 60, rem % 60)
}

/// `3日前`, `今日`, `昨日` (or in English).
pub fn days_ago_label(ms: EpochMillis, now: EpochMillis) -> String {
    let off = local_offset_minutes(now) * 60_000;
    let days = (now + off).div_euclid(DAY_MS) - (ms + off).div_euclid(DAY_MS);
    match days {
        i64::MIN..=0 => t!("time.today").into_owned(),
        1 => t!("time.yesterday").into_owned(),
        n => t!("time.days_ago", n = n).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_japan_time() {
        // 2026-11-22T09:40:00Z is 18:40 in Japan.
        assert_eq!(format_datetime(1_795_340_400_000), "11月22日 18:40");
        // 2026-12-31T15:00:00Z is already New Year's Day in Japan.
        assert_eq!(format_datetime(1_798_729_200_000), "1月1日 0:00");
    }

    #[test]
    fn dates_in_japan_time() {
        assert_eq!(local_date(1_798_729_200_000).as_str(), "2027-01-01");
        assert_eq!(ja_date(&CalendarDate::parse("2026-04-01").unwrap()), "2026年4月1日");
        assert_eq!(format_full(1_795_340_400_000), "2026年11月22日 18:40");
    }

    #[test]
    fn relative_days_follow_the_local_calendar() {
        rust_i18n::set_locale("ja"); // no test chooses English: the global locale is the server's
        let now = 1_795_340_400_000; // 18:40 JST
        assert_eq!(days_ago_label(now - 60_000, now), "今日");
        assert_eq!(days_ago_label(now - 19 * 60 * 60_000, now), "昨日"); // 23:40 the day before
        assert_eq!(days_ago_label(now - 3 * DAY_MS, now), "3日前");
    }
}
