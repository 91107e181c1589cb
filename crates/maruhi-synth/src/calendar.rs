//! The business calendar of the synthetic company: Japanese national holidays
//! (国民の祝日) for 2026 and 2027, the company's own holidays (夏季休暇 over
//! Obon, 8/13–8/16, and 年末年始休暇, 12/29–1/3) and weekends.
//!
//! The national holidays are written out rather than computed: the equinox
//! days are announced each February by the National Astronomical Observatory
//! (官報), and a hard-coded list is easy to check against the Cabinet Office's
//! published table (内閣府「国民の祝日について」). Dates outside 2026–2027 are
//! refused by [`crate::generate`]; for them these functions know only weekends.

use time::macros::date;
use time::{Date, Weekday};

/// The first day this calendar knows.
pub const FIRST: Date = date!(2026 - 01 - 01);
/// The last day this calendar knows.
pub const LAST: Date = date!(2027 - 12 - 31);

/// 国民の祝日 and 振替休日 / 国民の休日, 2026–2027.
const NATIONAL: &[(Date, &str)] = &[
    (date!(2026 - 01 - 01), "元日"),
    (date!(2026 - 01 - 12), "成人の日"),
    (date!(2026 - 02 - 11), "建国記念の日"),
    (date!(2026 - 02 - 23), "天皇誕生日"),
    (date!(2026 - 03 - 20), "春分の日"),
    (date!(2026 - 04 - 29), "昭和の日"),
    (date!(2026 - 05 - 03), "憲法記念日"),
    (date!(2026 - 05 - 04), "みどりの日"),
    (date!(2026 - 05 - 05), "こどもの日"),
    // 憲法記念日 falls on a Sunday; the next day that is not a holiday is off.
    (date!(2026 - 05 - 06), "振替休日"),
    (date!(2026 - 07 - 20), "海の日"),
    (date!(2026 - 08 - 11), "山の日"),
    (date!(2026 - 09 - 21), "敬老の日"),
    // A weekday between two holidays is a holiday (祝日法 第3条第3項).
    (date!(2026 - 09 - 22), "国民の休日"),
    (date!(2026 - 09 - 23), "秋分の日"),
    (date!(2026 - 10 - 12), "スポーツの日"),
    (date!(2026 - 11 - 03), "文化の日"),
    (date!(2026 - 11 - 23), "勤労感謝の日"),
    (date!(2027 - 01 - 01), "元日"),
    (date!(2027 - 01 - 11), "成人の日"),
    (date!(2027 - 02 - 11), "建国記念の日"),
    (date!(2027 - 02 - 23), "天皇誕生日"),
    (date!(2027 - 03 - 21), "春分の日"),
    (date!(2027 - 03 - 22), "振替休日"),
    (date!(2027 - 04 - 29), "昭和の日"),
    (date!(2027 - 05 - 03), "憲法記念日"),
    (date!(2027 - 05 - 04), "みどりの日"),
    (date!(2027 - 05 - 05), "こどもの日"),
    (date!(2027 - 07 - 19), "海の日"),
    (date!(2027 - 08 - 11), "山の日"),
    (date!(2027 - 09 - 20), "敬老の日"),
    (date!(2027 - 09 - 23), "秋分の日"),
    (date!(2027 - 10 - 11), "スポーツの日"),
    (date!(2027 - 11 - 03), "文化の日"),
    (date!(2027 - 11 - 23), "勤労感謝の日"),
];

/// The company's own closing days (inclusive ranges).
const COMPANY: &[(Date, Date, &str)] = &[
    (date!(2026 - 01 - 01), date!(2026 - 01 - 03), "年末年始休暇"),
    (date!(2026 - 08 - 13), date!(2026 - 08 - 16), "夏季休暇"),
    (date!(2026 - 12 - 29), date!(2027 - 01 - 03), "年末年始休暇"),
    (date!(2027 - 08 - 13), date!(2027 - 08 - 16), "夏季休暇"),
    (date!(2027 - 12 - 29), date!(2027 - 12 - 31), "年末年始休暇"),
];

/// The national holiday on `date`, by its Japanese name.
pub fn national_holiday(date: Date) -> Option<&'static str> {
    NATIONAL.iter().find(|(d, _)| *d == date).map(|(_, name)| *name)
}

/// The company holiday on `date` (summer or year-end closing).
pub fn company_holiday(date: Date) -> Option<&'static str> {
    COMPANY.iter().find(|(from, to, _)| (*from..=*to).contains(&date)).map(|(_, _, name)| *name)
}

/// True on Saturdays and Sundays.
pub fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// True when the company works: a weekday that is neither a national nor a
/// company holiday.
pub fn is_workday(date: Date) -> bool {
    !is_weekend(date) && national_holiday(date).is_none() && company_holiday(date).is_none()
}

/// True when `date` is within the years this calendar knows.
pub fn is_known(date: Date) -> bool {
    (FIRST..=LAST).contains(&date)
}
